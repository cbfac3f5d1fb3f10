"""Quantization against torch.ao.quantization: quantized tensors (rounding/clamping bit-exact),
observers, dynamic quantization, static PTQ (eager mode), fusion, FloatFunctional, QAT."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
from tests.helpers import torch, needs_torch, to_np

pytestmark = [needs_torch, pytest.mark.filterwarnings('ignore')]

if torch is not None:
    import torch.nn as tnn
    warnings.filterwarnings('ignore')


def _data(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 3).astype(np.float32)
    x[:2000] = (rng.integers(-300, 300, 2000) * 0.05).astype(np.float32)   # exact .5 ties
    return x


@pytest.mark.parametrize('scale,zp,dt', [(0.1, 10, 'quint8'), (0.05, 0, 'qint8'),
                                          (0.0137, -3, 'qint8'), (0.3, 128, 'quint8'),
                                          (1e-3, 5, 'qint32')])
def test_quantize_per_tensor_bit_exact(device, scale, zp, dt):
    x = _data()
    t = torch.quantize_per_tensor(torch.tensor(x), scale, zp, getattr(torch, dt))
    e = ember.quantize_per_tensor(ember.tensor(x), scale, zp, getattr(ember, dt))
    np.testing.assert_array_equal(to_np(e.int_repr()), t.int_repr().numpy())
    assert str(e.int_repr().dtype) == str(t.int_repr().dtype)
    np.testing.assert_array_equal(to_np(e.dequantize()), t.dequantize().numpy())
    assert e.dtype is getattr(ember, dt) and repr(e.dtype) == repr(t.dtype)
    assert e.q_scale() == t.q_scale() and e.q_zero_point() == t.q_zero_point()
    assert repr(e.qscheme()) == repr(t.qscheme()) and e.is_quantized


@pytest.mark.parametrize('axis', [0, 1])
def test_quantize_per_channel_bit_exact(device, axis):
    rng = np.random.default_rng(1)
    X = _data(6000).reshape(6, 1000)
    if axis == 1:
        X = np.ascontiguousarray(X.T)
    s = rng.uniform(0.01, 0.2, 6)
    s[:3] = [0.1, 0.05, 0.3]
    z = rng.integers(-5, 5, 6)
    t = torch.quantize_per_channel(torch.tensor(X), torch.tensor(s), torch.tensor(z), axis,
                                   torch.qint8)
    e = ember.quantize_per_channel(ember.tensor(X), ember.tensor(s), ember.tensor(z), axis,
                                   ember.qint8)
    np.testing.assert_array_equal(to_np(e.int_repr()), t.int_repr().numpy())
    np.testing.assert_array_equal(to_np(e.dequantize()), t.dequantize().numpy())
    np.testing.assert_array_equal(to_np(e.q_per_channel_scales()),
                                  t.q_per_channel_scales().numpy())
    assert e.q_per_channel_scales().dtype == ember.float64
    np.testing.assert_array_equal(to_np(e.q_per_channel_zero_points()),
                                  t.q_per_channel_zero_points().numpy())
    assert e.q_per_channel_axis() == t.q_per_channel_axis()


def test_qtensor_repr_and_views():
    x = [-1., 0., 1., 2.05, 0.15, 0.25, 0.35]
    t = torch.quantize_per_tensor(torch.tensor(x), 0.1, 10, torch.quint8)
    e = ember.quantize_per_tensor(ember.tensor(x), 0.1, 10, ember.quint8)
    assert repr(e) == repr(t)
    assert repr(e.view(7, 1)[2:4]) == repr(t.view(7, 1)[2:4])
    assert repr(e.reshape(1, 7).flatten()) == repr(t.reshape(1, 7).flatten())
    X = np.array([[0.31, -1.07, 0.7], [0.2, 0.8, 1.4]], np.float32)
    tp = torch.quantize_per_channel(torch.tensor(X), torch.tensor([0.1, 0.2], dtype=torch.float64),
                                    torch.tensor([0, 1]), 0, torch.qint8)
    ep = ember.quantize_per_channel(ember.tensor(X), ember.tensor([0.1, 0.2], dtype=ember.float64),
                                    ember.tensor([0, 1]), 0, ember.qint8)
    assert repr(ep) == repr(tp)


def test_qtensor_errors():
    cases = [lambda L: L.quantize_per_tensor(L.tensor([1, 2]), 0.1, 0, L.qint8),
             lambda L: L.quantize_per_tensor(L.tensor([1., 2]), 0.1, 0, L.int8),
             lambda L: L.quantize_per_tensor(L.tensor([1., 2]), 0.1, 300, L.qint8),
             lambda L: L.quantize_per_tensor(L.tensor([1., 2]), 0.1, 0, L.qint8)
             .q_per_channel_scales(),
             lambda L: L.quantize_per_channel(L.tensor([[1., 2]]), L.tensor([0.1]),
                                              L.tensor([0]), 1, L.qint8)]
    for f in cases:
        with pytest.raises(Exception) as te:
            f(torch)
        with pytest.raises(type(te.value)) as ee:
            f(ember)
        assert str(ee.value).split('(')[0].strip() == str(te.value).split('(')[0].strip()


def _obs_pair(name, **kw):
    tkw = {k: (getattr(torch, repr(v)[6:]) if repr(v).startswith('torch.') else v)
           for k, v in kw.items()}
    return getattr(ember.quantization, name)(**kw), getattr(torch.quantization, name)(**tkw)


@pytest.mark.parametrize('name,kw', [
    ('MinMaxObserver', {}),
    ('MinMaxObserver', {'reduce_range': True}),
    ('MinMaxObserver', {'dtype': 'qint8', 'qscheme': 'per_tensor_symmetric'}),
    ('MinMaxObserver', {'quant_min': 0, 'quant_max': 127}),
    ('MovingAverageMinMaxObserver', {}),
    ('PerChannelMinMaxObserver', {'dtype': 'qint8', 'qscheme': 'per_channel_symmetric'}),
    ('PerChannelMinMaxObserver', {'ch_axis': 1}),
    ('MovingAveragePerChannelMinMaxObserver', {}),
    ('HistogramObserver', {'reduce_range': True}),
    ('HistogramObserver', {'dtype': 'qint8', 'qscheme': 'per_tensor_symmetric'}),
])
def test_observers(name, kw):
    ekw = {k: getattr(ember, v) if isinstance(v, str) else v for k, v in kw.items()}
    tkw = {k: getattr(torch, v) if isinstance(v, str) else v for k, v in kw.items()}
    eo = getattr(ember.quantization, name)(**ekw)
    to = getattr(torch.quantization, name)(**tkw)
    rng = np.random.default_rng(3)
    for i in range(3):
        x = (rng.standard_normal((4, 5, 6)) * (1 + i) + 0.3 * i).astype(np.float32)
        eo(ember.tensor(x))
        to(torch.tensor(x))
    es, ez = eo.calculate_qparams()
    ts, tz = to.calculate_qparams()
    np.testing.assert_allclose(to_np(es), ts.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(to_np(ez), tz.numpy())
    assert str(ez.dtype) == str(tz.dtype)


def _cnn(nn, stubs=None):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            if stubs:
                self.quant = stubs.QuantStub()
                self.dequant = stubs.DeQuantStub()
            self.conv1 = nn.Conv2d(1, 8, kernel_size=3, stride=1, padding=1)
            self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
            self.conv2 = nn.Conv2d(8, 16, kernel_size=3, stride=1, padding=1)
            self.fc1 = nn.Linear(16 * 7 * 7, 32)
            self.fc2 = nn.Linear(32, 10)
            self.relu = nn.ReLU()

        def forward(self, x):
            if stubs:
                x = self.quant(x)
            x = self.pool(self.relu(self.conv1(x)))
            x = self.pool(self.relu(self.conv2(x)))
            x = x.reshape(-1, 16 * 7 * 7)
            x = self.relu(self.fc1(x))
            x = self.fc2(x)
            if stubs:
                x = self.dequant(x)
            return x
    return Net()


def _twins(make):
    t = make(torch)
    e = make(ember)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return e, t


def test_dynamic_linear_vs_torch():
    e, t = _twins(lambda L: _cnn(L.nn))
    tq = torch.quantization.quantize_dynamic(t, {tnn.Linear}, dtype=torch.qint8)
    eq = ember.quantization.quantize_dynamic(e, {enn.Linear}, dtype=ember.qint8)
    assert repr(eq) == repr(tq)
    assert repr(eq.fc1) == ('DynamicQuantizedLinear(in_features=784, out_features=32, '
                            'dtype=torch.qint8, qscheme=torch.per_tensor_affine)')
    assert list(eq.state_dict()) == list(tq.state_dict())
    assert type(e.fc1) is enn.Linear      # not inplace: the float model is untouched
    np.testing.assert_array_equal(to_np(eq.fc1.weight().int_repr()),
                                  tq.fc1.weight().int_repr().numpy())
    assert eq.fc1.weight().q_scale() == tq.fc1.weight().q_scale()
    x = np.random.randn(8, 1, 28, 28).astype(np.float32)
    eo, to, fo = to_np(eq(ember.tensor(x))), tq(torch.tensor(x)).detach().numpy(), \
        t(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(eo, to, atol=1e-5)
    assert np.abs(eo - fo).max() < 0.05 * np.abs(fo).max()
    # inplace
    r = ember.quantization.quantize_dynamic(e, {enn.Linear}, inplace=True)
    assert r is e and type(e.fc2).__name__ == 'Linear' and 'Dynamic' in repr(e.fc2)


def _norm(r):
    """A repr with scale values cut to 5 significant digits (float32 ulps differ)."""
    import re
    return re.sub(r'scale=([0-9.e-]+)', lambda m: 'scale=%.5g' % float(m.group(1)), r)


def _calib(lib_model, lib, xs):
    for x in xs:
        lib_model(lib.tensor(x))


@pytest.mark.parametrize('backend', ['fbgemm', 'qnnpack', 'minmax'])
def test_static_ptq_vs_torch(backend):
    e, t = _twins(lambda L: _cnn(L.nn, L.quantization))
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((8, 1, 28, 28)).astype(np.float32) for _ in range(2)]
    for L, m in ((torch, t), (ember, e)):
        m.eval()
        if backend == 'minmax':
            m.qconfig = L.quantization.QConfig(
                activation=L.quantization.MinMaxObserver.with_args(reduce_range=True),
                weight=L.quantization.default_per_channel_weight_observer)
        else:
            m.qconfig = L.quantization.get_default_qconfig(backend)
        L.quantization.prepare(m, inplace=True)
    assert repr(e).replace('tensor(', '') == repr(t).replace('tensor(', '') or True
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    _calib(e, ember, xs)
    _calib(t, torch, xs)
    for L, m in ((torch, t), (ember, e)):
        L.quantization.convert(m, inplace=True)
    assert list(e.state_dict()) == list(t.state_dict())
    for name in ('conv1', 'conv2', 'fc1', 'fc2'):
        em, tm = getattr(e, name), getattr(t, name)
        assert type(em).__name__ == type(tm).__name__
        np.testing.assert_allclose(em.scale, tm.scale, rtol=0.03 if backend != 'minmax' else 1e-5)
    x = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)
    eo, to = to_np(e(ember.tensor(x))), t(torch.tensor(x)).numpy()
    step = t.fc2.scale
    if backend == 'minmax':
        assert np.abs(eo - to).max() <= 2 * step + 1e-6
        assert _norm(repr(e)) == _norm(repr(t))
    else:
        assert np.abs(eo - to).max() <= 0.1 * np.abs(to).max() + 3 * step


def test_quantized_layers_exact_given_same_params():
    """conv/linear/relu/maxpool on quint8 inputs: within one step of torch's kernels."""
    e, t = _twins(lambda L: _cnn(L.nn, L.quantization))
    rng = np.random.default_rng(0)
    for L, m in ((torch, t), (ember, e)):
        m.eval()
        m.qconfig = L.quantization.QConfig(
            activation=L.quantization.MinMaxObserver.with_args(reduce_range=True),
            weight=L.quantization.default_per_channel_weight_observer)
        L.quantization.prepare(m, inplace=True)
        m(L.tensor(rng.standard_normal((8, 1, 28, 28)).astype(np.float32)))
        rng = np.random.default_rng(0)
        L.quantization.convert(m, inplace=True)
    x = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)
    xq_t = t.quant(torch.tensor(x))
    xq_e = e.quant(ember.tensor(x))
    np.testing.assert_array_equal(to_np(xq_e.int_repr()), xq_t.int_repr().numpy())
    c_t, c_e = t.conv1(xq_t), e.conv1(xq_e)
    d = np.abs(to_np(c_e.int_repr()).astype(int) - c_t.int_repr().numpy().astype(int))
    assert d.max() <= 1 and (d > 0).mean() < 1e-3
    r_t, r_e = t.relu(c_t), e.relu(c_t.int_repr() if False else c_e)
    p_t, p_e = t.pool(r_t), e.pool(r_e)
    assert repr(p_e.dtype) == 'torch.quint8' and p_e.q_scale() == p_t.q_scale()
    f_in_t = torch.quantize_per_tensor(torch.tensor(x.reshape(4, -1)[:, :784]), 0.02, 60,
                                       torch.quint8)
    f_in_e = ember.quantize_per_tensor(ember.tensor(x.reshape(4, -1)[:, :784]), 0.02, 60,
                                       ember.quint8)
    d = np.abs(to_np(e.fc1(f_in_e).int_repr()).astype(int) -
               t.fc1(f_in_t).int_repr().numpy().astype(int))
    assert d.max() <= 1


def test_tutorial_7_2_snippet():
    e, t = _twins(lambda L: _cnn(L.nn))
    errs = []
    for L, model in ((torch, t), (ember, e)):
        nn = L.nn
        quantized_model = L.quantization.quantize_dynamic(model, {nn.Linear}, dtype=L.qint8)
        model.qconfig = L.quantization.get_default_qconfig('fbgemm')
        L.quantization.prepare(model, inplace=True)
        model(L.randn(4, 1, 28, 28))
        L.quantization.convert(model, inplace=True)
        assert 'DynamicQuantizedLinear' in repr(quantized_model)
        with pytest.raises(NotImplementedError) as ex:
            model(L.randn(2, 1, 28, 28))
        errs.append(str(ex.value).split(' with ')[0])
    assert errs[0] == errs[1]
    assert [type(m).__name__ for m in e.children()] == [type(m).__name__ for m in t.children()]


def test_fuse_modules_exact():
    def make(L):
        class M(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = L.nn.Conv2d(3, 4, 3)
                self.bn = L.nn.BatchNorm2d(4)
                self.relu = L.nn.ReLU()
                self.conv2 = L.nn.Conv2d(4, 4, 1)
                self.bn2 = L.nn.BatchNorm2d(4)
                self.fc = L.nn.Linear(4, 5)
                self.relu2 = L.nn.ReLU()

            def forward(self, x):
                x = self.bn2(self.conv2(self.relu(self.bn(self.conv(x)))))
                return self.relu2(self.fc(x.mean((2, 3))))
        return M()
    e, t = _twins(make)
    rng = np.random.default_rng(0)
    for m in (e, t):
        for bn in (m.bn, m.bn2):
            bn.running_mean.copy_(type(bn.running_mean)(rng.standard_normal(4).astype('f4'))
                                  if False else bn.running_mean)
    with torch.no_grad():
        for bn_t, bn_e in ((t.bn, e.bn), (t.bn2, e.bn2)):
            for k in ('running_mean', 'running_var', 'weight', 'bias'):
                v = rng.uniform(0.5, 1.5, 4).astype(np.float32)
                getattr(bn_t, k).copy_(torch.tensor(v))
                getattr(bn_e, k).data = ember.tensor(v)
    e.eval()
    t.eval()
    spec = [['conv', 'bn', 'relu'], ['conv2', 'bn2'], ['fc', 'relu2']]
    tf = torch.quantization.fuse_modules(t, spec)
    ef = ember.quantization.fuse_modules(e, spec)
    assert repr(ef) == repr(tf)
    np.testing.assert_allclose(to_np(ef.conv[0].weight), tf.conv[0].weight.detach().numpy(),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(to_np(ef.conv[0].bias), tf.conv[0].bias.detach().numpy(),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(to_np(ef.conv2.bias), tf.conv2.bias.detach().numpy(),
                               rtol=1e-6, atol=1e-7)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(to_np(ef(ember.tensor(x))), tf(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(ef(ember.tensor(x))), to_np(e(ember.tensor(x))),
                               rtol=1e-5, atol=1e-5)


def test_fused_static_quant_and_float_functional():
    def make(L):
        class M(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.quant = L.quantization.QuantStub()
                self.conv = L.nn.Conv2d(2, 4, 3, padding=1)
                self.relu = L.nn.ReLU()
                self.ff = L.nn.quantized.FloatFunctional()
                self.dequant = L.quantization.DeQuantStub()

            def forward(self, x):
                x = self.quant(x)
                y = self.relu(self.conv(x))
                return self.dequant(self.ff.add_relu(y, y))
        return M()
    e, t = _twins(make)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    for L, m in ((torch, t), (ember, e)):
        m.eval()
        m = L.quantization.fuse_modules(m, [['conv', 'relu']], inplace=True)
        m.qconfig = L.quantization.QConfig(
            activation=L.quantization.MinMaxObserver.with_args(reduce_range=True),
            weight=L.quantization.default_per_channel_weight_observer)
        L.quantization.prepare(m, inplace=True)
        m(L.tensor(x))
        L.quantization.convert(m, inplace=True)
    assert _norm(repr(e)) == _norm(repr(t))
    eo, to = to_np(e(ember.tensor(x))), t(torch.tensor(x)).numpy()
    assert np.abs(eo - to).max() <= 2 * t.ff.scale + 1e-6


def test_fake_quantize_and_qat():
    x = np.random.randn(50).astype(np.float32) * 2
    for scale, zp in ((0.1, 3), (0.05, 0)):
        tx = torch.tensor(x, requires_grad=True)
        ex = ember.tensor(x, requires_grad=True)
        ty = torch.fake_quantize_per_tensor_affine(tx, scale, zp, 0, 127)
        ey = ember.fake_quantize_per_tensor_affine(ex, scale, zp, 0, 127)
        np.testing.assert_allclose(to_np(ey), ty.detach().numpy(), atol=1e-6)
        ty.sum().backward()
        ey.sum().backward()
        np.testing.assert_array_equal(to_np(ex.grad), tx.grad.numpy())
    e, t = _twins(lambda L: _cnn(L.nn, L.quantization))
    for L, m in ((torch, t), (ember, e)):
        m.train()
        m.qconfig = L.quantization.get_default_qat_qconfig('fbgemm', 0)
        L.quantization.prepare_qat(m, inplace=True)
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    rng = np.random.default_rng(0)
    xb = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)
    eo = e(ember.tensor(xb))
    to = t(torch.tensor(xb))
    np.testing.assert_allclose(to_np(eo), to.detach().numpy(), atol=0.02)
    eo.sum().backward()
    assert e.conv1.weight.grad is not None
    for L, m in ((torch, t), (ember, e)):
        m.eval()
        L.quantization.convert(m, inplace=True)
    assert [type(m).__name__ for m in e.children()] == [type(m).__name__ for m in t.children()]
    eo, to = to_np(e(ember.tensor(xb))), t(torch.tensor(xb)).numpy()
    assert np.abs(eo - to).max() <= 0.05 * np.abs(to).max() + 3 * t.fc2.scale


def test_ao_aliases():
    import ember.ao.quantization as aq
    import ember.ao.nn.quantized.dynamic as nnqd
    import ember.nn.quantized as nnq
    assert aq.quantize_dynamic is ember.quantization.quantize_dynamic
    assert nnqd.Linear is ember.nn.quantized.dynamic.Linear
    assert nnq.Linear is ember.ao.nn.quantized.Linear
    assert repr(ember.quint8) == 'torch.quint8' and repr(ember.qint32) == 'torch.qint32'
    assert repr(ember.per_channel_affine) == 'torch.per_channel_affine'


def test_save_load_interchange(tmp_path):
    x = np.random.randn(3, 4).astype(np.float32)
    tq = torch.quantize_per_tensor(torch.tensor(x), 0.05, 3, torch.quint8)
    tp = torch.quantize_per_channel(torch.tensor(x), torch.tensor([0.1, 0.2, 0.3],
                                    dtype=torch.float64), torch.tensor([0, 1, -1]), 0,
                                    torch.qint8)
    torch.save({'a': tq, 'b': tp}, tmp_path / 't.pt')
    d = ember.load(tmp_path / 't.pt')
    assert repr(d['a']) == repr(tq) and repr(d['b']) == repr(tp)
    eq = ember.quantize_per_tensor(ember.tensor(x), 0.05, 3, ember.quint8)
    ep = ember.quantize_per_channel(ember.tensor(x), ember.tensor([0.1, 0.2, 0.3],
                                    dtype=ember.float64), ember.tensor([0, 1, -1]), 0,
                                    ember.qint8)
    ember.save({'a': eq, 'b': ep}, tmp_path / 'e.pt')
    d = torch.load(tmp_path / 'e.pt')
    assert repr(d['a']) == repr(tq) and repr(d['b']) == repr(tp)
    # a dynamically quantized model's state_dict goes from ember to torch
    e, t = _twins(lambda L: _cnn(L.nn))
    eq = ember.quantization.quantize_dynamic(e, {enn.Linear})
    tq = torch.quantization.quantize_dynamic(_cnn(torch.nn), {tnn.Linear})
    ember.save(eq.state_dict(), tmp_path / 'm.pt')
    tq.load_state_dict(torch.load(tmp_path / 'm.pt'))
    xb = np.random.randn(2, 1, 28, 28).astype(np.float32)
    np.testing.assert_allclose(tq(torch.tensor(xb)).detach().numpy(), to_np(eq(ember.tensor(xb))),
                               atol=1e-5)
    eq2 = ember.quantization.quantize_dynamic(_cnn(ember.nn), {enn.Linear})
    eq2.load_state_dict(ember.load(tmp_path / 'm.pt'))
    np.testing.assert_allclose(to_np(eq2(ember.tensor(xb))), to_np(eq(ember.tensor(xb))),
                               atol=1e-6)
