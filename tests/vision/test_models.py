"""ember.vision.models against torchvision: state_dict keys/shapes (a committed JSON written
from torchvision's sources, tests/vision/torchvision_ref.py), documented parameter counts,
default inits, forward/backward, eval-mode outputs equal to a real-PyTorch transcription,
and the offline ``weights=`` path."""
import json
import os

import numpy as np
import pytest

import ember
from ember import nn
from ember.vision import models

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, 'data', 'torchvision_state_shapes.json')) as f:
    REF = json.load(f)

# torchvision's documented parameter counts (the weights' meta['num_params'])
NUM_PARAMS = {'resnet18': 11689512, 'resnet34': 21797672, 'resnet50': 25557032,
              'vgg11': 132863336, 'vgg16': 138357544, 'vgg11_bn': 132868840,
              'vgg16_bn': 138365992, 'mobilenet_v2': 3504872, 'alexnet': 61100840}

_CACHE = {}


def build(name):
    if name not in _CACHE:
        ember.manual_seed(0)
        _CACHE[name] = getattr(models, name)()
    return _CACHE[name]


@pytest.mark.parametrize('name', sorted(NUM_PARAMS))
def test_state_dict_keys_shapes_and_param_count(name, device):
    if device != 'cpu':
        pytest.skip('structure is device independent')
    m = build(name)
    sd = m.state_dict()
    assert list(sd) == list(REF[name])                      # same keys, same order
    for k, v in sd.items():
        assert list(v.shape) == REF[name][k], k
    assert sum(p.numel() for p in m.parameters()) == NUM_PARAMS[name]
    assert sum(int(np.prod(s)) for k, s in REF[name].items()
               if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked'))) == NUM_PARAMS[name]


def a(t):
    return t.detach().cpu().numpy()


def _std(t):
    return float(a(t).astype(np.float64).std())


def test_resnet_init(device):
    m = build('resnet50')
    w = m.layer3[0].conv2.weight                             # 256x256x3x3, fan_out 256*9
    assert abs(_std(w) / np.sqrt(2.0 / (256 * 9)) - 1) < 0.05
    w = m.conv1.weight                                       # fan_out 64*49
    assert abs(_std(w) / np.sqrt(2.0 / (64 * 49)) - 1) < 0.05
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            assert (a(mod.weight) == 1).all() and (a(mod.bias) == 0).all()
    bound = 1 / np.sqrt(2048)                                # fc: PyTorch's default Linear init
    assert np.abs(a(m.fc.weight)).max() <= bound and _std(m.fc.weight) > 0.5 * bound / np.sqrt(3)
    z = models.resnet50(zero_init_residual=True)
    assert all((a(b.bn3.weight) == 0).all() for layer in (z.layer1, z.layer4) for b in layer)
    assert (a(z.layer1[0].bn2.weight) == 1).all()
    z = models.resnet18(zero_init_residual=True, num_classes=7)
    assert all((a(b.bn2.weight) == 0).all() for b in z.layer2)
    assert tuple(z.fc.weight.shape) == (7, 512)


def test_vgg_mobilenet_init(device):
    m = build('vgg11_bn')
    lin = m.classifier[0]
    assert abs(_std(lin.weight) - 0.01) < 0.0005 and (a(lin.bias) == 0).all()
    conv = m.features[0]
    assert (a(conv.bias) == 0).all() and abs(_std(conv.weight) / np.sqrt(2 / (64 * 9)) - 1) < 0.15
    mb = build('mobilenet_v2')
    assert (a(mb.classifier[1].bias) == 0).all() and abs(_std(mb.classifier[1].weight) - 0.01) < 0.001
    w = mb.features[18][0].weight                             # 1x1, 320 -> 1280: fan_out 1280
    assert abs(_std(w) / np.sqrt(2 / 1280) - 1) < 0.05
    assert isinstance(mb.features[1].conv[0][2], nn.ReLU6) and mb.features[3].use_res_connect


@pytest.mark.parametrize('name,size', [('resnet18', 64), ('mobilenet_v2', 64), ('alexnet', 64)])
def test_forward_backward(name, size, device):
    ember.manual_seed(0)
    m = getattr(models, name)(num_classes=10).to(device)
    x = ember.randn(2, 3, size, size, device=device)
    m.eval()
    with ember.no_grad():
        y = m(x)
    assert tuple(y.shape) == (2, 10) and y.dtype == ember.float32
    assert np.isfinite(y.cpu().numpy()).all()
    m.train()
    loss = nn.functional.cross_entropy(m(x), ember.tensor([1, 2], device=device))
    loss.backward()
    params = list(m.parameters())
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params)
    assert np.isfinite(params[0].grad.cpu().numpy()).all() and float(params[0].grad.abs().sum()) > 0


@pytest.mark.parametrize('name,size', [('resnet18', 64), ('resnet50', 32), ('mobilenet_v2', 64),
                                       ('alexnet', 64), ('vgg11_bn', 32)])
def test_outputs_match_torch_transcription(name, size, device):
    torch = pytest.importorskip('torch')
    from tests.vision.torchvision_ref import BUILDERS
    ember.manual_seed(1)
    m = getattr(models, name)(num_classes=10)
    rng = np.random.default_rng(0)
    for mod in m.modules():                                   # non-trivial BN statistics
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.copy_(ember.tensor(rng.normal(0, 0.1, mod.num_features).astype(np.float32)))
            mod.running_var.copy_(ember.tensor(rng.uniform(0.5, 2, mod.num_features).astype(np.float32)))
            mod.weight.data.copy_(ember.tensor(rng.uniform(0.5, 1.5, mod.num_features).astype(np.float32)))
    ref = BUILDERS[name](num_classes=10)
    ref.load_state_dict({k: torch.from_numpy(a(v).copy()) for k, v in m.state_dict().items()})
    ref.eval()
    m = m.to(device).eval()
    x = rng.standard_normal((2, 3, size, size)).astype(np.float32)
    with ember.no_grad():
        y = m(ember.tensor(x, device=device)).cpu().numpy()
    with torch.no_grad():
        yr = ref(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, yr, rtol=1e-3, atol=1e-4 * max(1.0, np.abs(yr).max()))


def test_weights_offline_and_cache(tmp_path, monkeypatch, device):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'th'))
    with pytest.raises(RuntimeError, match=r'resnet18-f37072fd\.pth.*not in the cache.*offline'):
        models.resnet18(weights='IMAGENET1K_V1')
    with pytest.raises(RuntimeError, match='download.pytorch.org/models/resnet18-f37072fd.pth'):
        models.resnet18(weights=models.ResNet18_Weights.DEFAULT)
    with pytest.raises(ValueError, match="Invalid value NOPE for enum ResNet18_Weights"):
        models.resnet18(weights='NOPE')
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10"):
        models.resnet18(weights='IMAGENET1K_V1', num_classes=10)
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert repr(models.ResNet18_Weights.IMAGENET1K_V1) == 'ResNet18_Weights.IMAGENET1K_V1'
    assert models.get_weight('AlexNet_Weights.IMAGENET1K_V1') is models.AlexNet_Weights.IMAGENET1K_V1
    # a checkpoint already in the cache loads (ember.load)
    ember.manual_seed(3)
    src = models.resnet18()
    ckpt = tmp_path / 'th' / 'hub' / 'checkpoints'
    ckpt.mkdir(parents=True)
    ember.save(src.state_dict(), str(ckpt / 'resnet18-f37072fd.pth'))
    got = models.resnet18(weights='ResNet18_Weights.IMAGENET1K_V1')
    for (k, x), (k2, y) in zip(src.state_dict().items(), got.state_dict().items()):
        assert k == k2 and np.array_equal(a(x), a(y))
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        got = models.resnet18(pretrained=True)
    np.testing.assert_array_equal(a(got.fc.weight), a(src.fc.weight))
    assert models.get_model('resnet18', num_classes=3).fc.out_features == 3
    assert 'vgg16_bn' in models.list_models()
