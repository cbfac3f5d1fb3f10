"""Reference transcriptions of torchvision's classification models in real PyTorch.

torchvision cannot be installed beside the torch used here, so this file rebuilds, with plain
``torch.nn``, the module trees of torchvision's models/resnet.py, vgg.py, mobilenetv2.py and
alexnet.py (read from torchvision's sources; only structure, no init). It serves two purposes:

* ``python tests/vision/torchvision_ref.py`` writes data/torchvision_state_shapes.json, the
  ``{key: shape}`` of each model's state_dict, which tests/vision/test_models.py compares with
  ember's models (the parameter counts are checked there against torchvision's documented ones);
* test_models.py loads the same state_dict into both and compares eval-mode outputs.
"""
import json
import os

import torch.nn as nn


def _resnet(block, layers, num_classes=1000):
    class Basic(nn.Module):
        expansion = 1

        def __init__(self, inp, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class Bottle(nn.Module):
        expansion = 4

        def __init__(self, inp, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inp, planes, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    B = Basic if block == 'basic' else Bottle

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inplanes = 64
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1 = self._make(64, layers[0], 1)
            self.layer2 = self._make(128, layers[1], 2)
            self.layer3 = self._make(256, layers[2], 2)
            self.layer4 = self._make(512, layers[3], 2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512 * B.expansion, num_classes)

        def _make(self, planes, n, stride):
            ds = None
            if stride != 1 or self.inplanes != planes * B.expansion:
                ds = nn.Sequential(nn.Conv2d(self.inplanes, planes * B.expansion, 1, stride, bias=False),
                                   nn.BatchNorm2d(planes * B.expansion))
            blocks = [B(self.inplanes, planes, stride, ds)]
            self.inplanes = planes * B.expansion
            blocks += [B(self.inplanes, planes) for _ in range(1, n)]
            return nn.Sequential(*blocks)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet()


def _vgg(cfg, bn, num_classes=1000):
    layers, c = [], 3
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1)] + ([nn.BatchNorm2d(v)] if bn else []) + [nn.ReLU(True)]
            c = v

    class VGG(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(nn.Linear(25088, 4096), nn.ReLU(True), nn.Dropout(),
                                            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
                                            nn.Linear(4096, num_classes))

        def forward(self, x):
            return self.classifier(self.avgpool(self.features(x)).flatten(1))
    return VGG()


def _alexnet(num_classes=1000):
    class AlexNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(True), nn.MaxPool2d(3, 2),
                nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(True), nn.MaxPool2d(3, 2),
                nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(True),
                nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(True),
                nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(3, 2))
            self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
            self.classifier = nn.Sequential(
                nn.Dropout(), nn.Linear(9216, 4096), nn.ReLU(True),
                nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(True), nn.Linear(4096, num_classes))

        def forward(self, x):
            return self.classifier(self.avgpool(self.features(x)).flatten(1))
    return AlexNet()


def _cna(i, o, k=3, s=1, g=1):   # torchvision.ops.misc.Conv2dNormActivation with ReLU6
    return nn.Sequential(nn.Conv2d(i, o, k, s, (k - 1) // 2, groups=g, bias=False),
                         nn.BatchNorm2d(o), nn.ReLU6(True))


def _mobilenet_v2(num_classes=1000):
    class IR(nn.Module):
        def __init__(self, i, o, s, t):
            super().__init__()
            h = i * t
            self.res = s == 1 and i == o
            layers = ([_cna(i, h, 1)] if t != 1 else []) + [
                _cna(h, h, 3, s, h), nn.Conv2d(h, o, 1, 1, 0, bias=False), nn.BatchNorm2d(o)]
            self.conv = nn.Sequential(*layers)

        def forward(self, x):
            return x + self.conv(x) if self.res else self.conv(x)

    class MBV2(nn.Module):
        def __init__(self):
            super().__init__()
            feats, c = [_cna(3, 32, 3, 2)], 32
            for t, o, n, s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                               [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]:
                for i in range(n):
                    feats.append(IR(c, o, s if i == 0 else 1, t))
                    c = o
            feats.append(_cna(c, 1280, 1))
            self.features = nn.Sequential(*feats)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

        def forward(self, x):
            x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
            return self.classifier(x.flatten(1))
    return MBV2()


_A = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']
_D = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
BUILDERS = {
    'resnet18': lambda **k: _resnet('basic', [2, 2, 2, 2], **k),
    'resnet34': lambda **k: _resnet('basic', [3, 4, 6, 3], **k),
    'resnet50': lambda **k: _resnet('bottleneck', [3, 4, 6, 3], **k),
    'vgg11': lambda **k: _vgg(_A, False, **k), 'vgg11_bn': lambda **k: _vgg(_A, True, **k),
    'vgg16': lambda **k: _vgg(_D, False, **k), 'vgg16_bn': lambda **k: _vgg(_D, True, **k),
    'mobilenet_v2': _mobilenet_v2, 'alexnet': _alexnet,
}

if __name__ == '__main__':
    out = {name: {k: list(v.shape) for k, v in fn().state_dict().items()}
           for name, fn in BUILDERS.items()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data',
                        'torchvision_state_shapes.json')
    lines = ['{']
    for i, (name, sd) in enumerate(out.items()):
        lines.append(f' "{name}": {{')
        lines += [f'  "{k}": {json.dumps(v)}' + (',' if j < len(sd) - 1 else '')
                  for j, (k, v) in enumerate(sd.items())]
        lines.append(' }' + (',' if i < len(out) - 1 else ''))
    with open(path, 'w') as f:
        f.write('\n'.join(lines + ['}']) + '\n')
    for name, sd in out.items():
        print(name, len(sd))
