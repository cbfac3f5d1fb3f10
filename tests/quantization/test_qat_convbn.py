"""QAT for conv + batch norm against torch.ao.nn.intrinsic.qat: fuse_modules_qat ->
prepare_qat -> a few SGD steps (BN folded into the fake-quantized weight, freeze_bn) ->
convert to quantized ConvReLU2d/Conv2d; reprs, state_dict keys, forward/gradients each step
and the converted model's outputs."""
import re
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch, to_np

pytestmark = [needs_torch, pytest.mark.filterwarnings('ignore')]

if torch is not None:
    warnings.filterwarnings('ignore')


def _q(L):
    return L.ao.quantization if L is torch else L.quantization


def _make(L):
    nn = L.nn

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.quant = _q(L).QuantStub()
            self.conv = nn.Conv2d(3, 8, 3, bias=False)
            self.bn = nn.BatchNorm2d(8)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(8, 6, 3, padding=1)
            self.bn2 = nn.BatchNorm2d(6)
            self.dequant = _q(L).DeQuantStub()

        def forward(self, x):
            x = self.relu(self.bn(self.conv(self.quant(x))))
            return self.dequant(self.bn2(self.conv2(x)))
    return M()


def _same_repr_up_to_scales(a, b, rtol=1e-4):
    """Equal reprs, except the printed scales may differ by float32 ulps."""
    pat = r'scale=([0-9.e-]+)'
    assert re.sub(pat, 'scale=S', a) == re.sub(pat, 'scale=S', b)
    np.testing.assert_allclose([float(v) for v in re.findall(pat, a)],
                               [float(v) for v in re.findall(pat, b)], rtol=rtol)


def _close_in_steps(actual, desired, step, frac=0.03):
    """Equal up to float rounding, except for a few elements one quantization step apart
    (a value that lands within an ulp of a rounding boundary may round either way)."""
    d = np.abs(actual - desired)
    assert d.max() <= step * 1.001 + 1e-5, (d.max(), step)
    assert (d > 1e-5).mean() <= frac, (d > 1e-5).mean()


def _twins(seed=0):
    torch.manual_seed(seed)
    t, e = _make(torch), _make(ember)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, e


@pytest.mark.parametrize('version,seed', [(0, 0), (1, 1)])
def test_qat_conv_bn_relu_vs_torch(version, seed):
    t, e = _twins(seed)
    spec = [['conv', 'bn', 'relu'], ['conv2', 'bn2']]
    models = []
    for L, m in ((torch, t), (ember, e)):
        m.train()
        f = _q(L).fuse_modules_qat(m, spec)
        models.append(f)
    assert repr(models[1]) == repr(models[0])
    assert type(models[1].conv).__name__ == 'ConvBnReLU2d'
    for L, m in zip((torch, ember), models):
        m.qconfig = _q(L).get_default_qat_qconfig('fbgemm', version)
        _q(L).prepare_qat(m, inplace=True)
    t, e = models
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert type(e.conv).__name__ == type(t.conv).__name__ == 'ConvBnReLU2d'
    assert isinstance(e.conv, ember.ao.nn.intrinsic.qat.ConvBn2d)
    assert isinstance(e.conv, ember.ao.nn.intrinsic._FusedModule)
    rng = np.random.default_rng(seed)
    topt = torch.optim.SGD(t.parameters(), lr=0.05, momentum=0.9)
    eopt = ember.optim.SGD(e.parameters(), lr=0.05, momentum=0.9)
    for step in range(5):
        if step == 3:     # freeze the BatchNorm statistics for the last steps
            t.apply(torch.ao.nn.intrinsic.qat.freeze_bn_stats)
            e.apply(ember.ao.nn.intrinsic.qat.freeze_bn_stats)
            assert e.conv.freeze_bn and not e.conv.bn.training
            e.train()
            assert not e.conv.bn.training and e.conv.training
        x = rng.standard_normal((8, 3, 10, 10)).astype(np.float32)
        y = rng.standard_normal((8, 6, 8, 8)).astype(np.float32)
        to, eo = t(torch.tensor(x)), e(ember.tensor(x))
        _close_in_steps(to_np(eo), to.detach().numpy(),
                        float(t.conv2.activation_post_process.scale))
        tl = ((to - torch.tensor(y)) ** 2).mean()
        el = ((eo - ember.tensor(y)) ** 2).mean()
        topt.zero_grad()
        eopt.zero_grad()
        tl.backward()
        el.backward()
        for name in ('conv.weight', 'conv.bn.weight', 'conv.bn.bias', 'conv2.weight',
                     'conv2.bias'):
            gt = dict(t.named_parameters())[name].grad.numpy()
            ge = to_np(dict(e.named_parameters())[name].grad)
            np.testing.assert_allclose(ge, gt, atol=2e-3 * max(1, np.abs(gt).max()), rtol=0)
        topt.step()
        eopt.step()
        for name in ('conv.bn.running_mean', 'conv.bn.running_var', 'conv2.bn.running_var',
                     'conv.weight_fake_quant.scale', 'conv2.activation_post_process.scale'):
            np.testing.assert_allclose(to_np(e.state_dict()[name]),
                                       t.state_dict()[name].numpy(), rtol=1e-4, atol=1e-6)
    for L, m in ((torch, t), (ember, e)):
        m.eval()
        _q(L).convert(m, inplace=True)
    _same_repr_up_to_scales(repr(e), repr(t))
    assert type(e.conv).__name__ == 'ConvReLU2d' and repr(e.conv).startswith(
        'QuantizedConvReLU2d(3, 8')
    assert repr(e.conv2).startswith('QuantizedConv2d(8, 6')
    assert list(e.state_dict()) == list(t.state_dict())
    d = np.abs(to_np(e.conv.weight().int_repr()).astype(int) -
               t.conv.weight().int_repr().numpy().astype(int))
    assert d.max() <= 1 and (d > 0).mean() < 0.01
    x = rng.standard_normal((4, 3, 10, 10)).astype(np.float32)
    to, eo = t(torch.tensor(x)).numpy(), to_np(e(ember.tensor(x)))
    # the converted models agree to within one output quantization step
    _close_in_steps(eo, to, t.conv2.scale)


def test_convbn_qat_module_api():
    qconfig = ember.quantization.get_default_qat_qconfig('fbgemm')
    tqconfig = torch.ao.quantization.get_default_qat_qconfig('fbgemm')
    e = ember.ao.nn.intrinsic.qat.ConvBn2d(3, 4, 3, bias=True, qconfig=qconfig)
    t = torch.ao.nn.intrinsic.qat.ConvBn2d(3, 4, 3, bias=True, qconfig=tqconfig)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    with pytest.raises(AssertionError):
        ember.ao.nn.intrinsic.qat.ConvBn2d(3, 4, 3)
    # (clone: numpy() would pin torch's fake-quant buffers, which its fused kernel resizes)
    e.load_state_dict({k: ember.tensor(v.detach().clone().numpy())
                       for k, v in t.state_dict().items()})
    with torch.no_grad():
        t.bn.running_var.uniform_(0.5, 2)
        t.bn.running_mean.uniform_(-1, 1)
    e.bn.running_var.data = ember.tensor(t.bn.running_var.numpy())
    e.bn.running_mean.data = ember.tensor(t.bn.running_mean.numpy())
    # to_float folds the BatchNorm exactly as torch
    ef, tf = e.to_float(), t.to_float()
    assert repr(ef) == repr(tf)
    np.testing.assert_allclose(to_np(ef.weight), tf.weight.detach().numpy(), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_allclose(to_np(ef.bias), tf.bias.detach().numpy(), rtol=1e-6, atol=1e-7)
    # frozen BN (eval statistics) forward, weight fake-quantized per channel
    e.freeze_bn_stats()
    t.freeze_bn_stats()
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 7)).astype(np.float32)
    np.testing.assert_allclose(to_np(e(ember.tensor(x))), t(torch.tensor(x)).detach().numpy(),
                               atol=1e-5)
    er = ember.ao.nn.intrinsic.qat.ConvBnReLU2d(3, 4, 3, qconfig=qconfig)
    tr = torch.ao.nn.intrinsic.qat.ConvBnReLU2d(3, 4, 3, qconfig=tqconfig)
    assert repr(er.to_float()) == repr(tr.to_float())


def test_fused_fake_quant_qparams():
    """FusedMovingAvgObsFakeQuantize: qparams from ATen's ChooseQuantizationParams."""
    rng = np.random.default_rng(4)
    Fe = ember.quantization.FusedMovingAvgObsFakeQuantize
    Ft = torch.ao.quantization.FusedMovingAvgObsFakeQuantize
    for kw in ({}, {'quant_min': 0, 'quant_max': 127}):
        e, t = Fe(**kw), Ft(**kw)
        assert repr(e) == repr(t)
    e = ember.quantization.default_fused_per_channel_wt_fake_quant()
    t = torch.ao.quantization.default_fused_per_channel_wt_fake_quant()
    for i in range(3):
        w = (rng.standard_normal((5, 4, 3)) * (i + 1)).astype(np.float32)
        w[0] = np.abs(w[0])       # a channel without negative values
        xe, xt = ember.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
        ye, yt = e(xe), t(xt)
        np.testing.assert_array_equal(to_np(ye), yt.detach().numpy())
        np.testing.assert_array_equal(to_np(e.scale), t.scale.numpy())
        np.testing.assert_array_equal(to_np(e.zero_point), t.zero_point.numpy())
        ye.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(to_np(xe.grad), xt.grad.numpy())
    e = ember.quantization.default_fused_act_fake_quant()
    t = torch.ao.quantization.default_fused_act_fake_quant()
    for i in range(3):
        x = (rng.standard_normal(200) * (i + 1) + 0.5).astype(np.float32)
        np.testing.assert_array_equal(to_np(e(ember.tensor(x))), t(torch.tensor(x)).numpy())
        assert float(e.scale) == float(t.scale) and int(e.zero_point) == int(t.zero_point)
    e.disable_observer()
    t.disable_observer()
    x = rng.standard_normal(50).astype(np.float32) * 9
    np.testing.assert_array_equal(to_np(e(ember.tensor(x))), t(torch.tensor(x)).numpy())
