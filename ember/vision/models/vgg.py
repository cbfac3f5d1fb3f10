"""VGG (``torchvision.models.vgg``): configurations A (vgg11) and D (vgg16), with and without BN."""
from functools import partial

from ... import nn, flatten
from ._api import Weights, WeightsEnum, _build

__all__ = ['VGG', 'VGG11_Weights', 'VGG11_BN_Weights', 'VGG16_Weights', 'VGG16_BN_Weights',
           'vgg11', 'vgg11_bn', 'vgg16', 'vgg16_bn']


class VGG(nn.Module):
    """VGG (``torchvision.models.VGG``): ``features``, ``avgpool`` (7x7), ``classifier``.

    Args:
        features: the convolutional ``nn.Sequential`` (``make_layers``).
        num_classes: outputs of the last Linear (1000).
        init_weights: torchvision's init: convs kaiming_normal_ fan_out (relu), biases 0; BN
            weight 1, bias 0; Linear weights N(0, 0.01), biases 0.
        dropout: the classifier's dropout probability (0.5).
    """

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(flatten(x, 1))


def make_layers(cfg, batch_norm=False):
    """3x3 convs (padding 1) [+ BN] + ReLU for each int in ``cfg``, 2x2 max-pool for each 'M'."""
    layers = []
    in_channels = 3
    for v in cfg:
        if v == 'M':
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


cfgs = {
    'A': [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
    'B': [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
    'D': [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
    'E': [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512,
          512, 512, 'M'],
}


def _vgg(cfg, batch_norm, **kwargs):
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


_URL = 'https://download.pytorch.org/models/'


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + 'vgg11-8a719046.pth', meta={'num_params': 132863336})
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + 'vgg11_bn-6002323d.pth', meta={'num_params': 132868840})
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + 'vgg16-397923af.pth', meta={'num_params': 138357544})
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + 'vgg16_bn-6c64b313.pth', meta={'num_params': 138365992})
    DEFAULT = IMAGENET1K_V1


def vgg11(*, weights=None, progress=True, **kwargs):
    """VGG-11 (configuration A)."""
    return _build(partial(_vgg, 'A', False), weights, VGG11_Weights, progress, kwargs)


def vgg11_bn(*, weights=None, progress=True, **kwargs):
    """VGG-11 with batch normalization."""
    return _build(partial(_vgg, 'A', True), weights, VGG11_BN_Weights, progress, kwargs)


def vgg16(*, weights=None, progress=True, **kwargs):
    """VGG-16 (configuration D)."""
    return _build(partial(_vgg, 'D', False), weights, VGG16_Weights, progress, kwargs)


def vgg16_bn(*, weights=None, progress=True, **kwargs):
    """VGG-16 with batch normalization."""
    return _build(partial(_vgg, 'D', True), weights, VGG16_BN_Weights, progress, kwargs)
