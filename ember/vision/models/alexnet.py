"""AlexNet (``torchvision.models.alexnet``): the "one weird trick" variant torchvision ships."""
from ... import nn, flatten
from ._api import Weights, WeightsEnum, _build

__all__ = ['AlexNet', 'AlexNet_Weights', 'alexnet']


class AlexNet(nn.Module):
    """AlexNet: five convs, a 6x6 adaptive average pool and a three-layer classifier; PyTorch's
    default init (torchvision adds none).

    Args:
        num_classes: outputs of the last Linear (1000).
        dropout: the classifier's dropout probability (0.5).
    """

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(flatten(x, 1))


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights('https://download.pytorch.org/models/alexnet-owt-7be5be79.pth',
                            meta={'num_params': 61100840})
    DEFAULT = IMAGENET1K_V1


def alexnet(*, weights=None, progress=True, **kwargs):
    """AlexNet (Krizhevsky 2014, "One weird trick...")."""
    return _build(AlexNet, weights, AlexNet_Weights, progress, kwargs)
