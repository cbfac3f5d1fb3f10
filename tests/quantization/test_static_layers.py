"""Static quantized BatchNorm2d/3d (+ BNReLU), LayerNorm, GroupNorm, InstanceNorm, ELU,
Hardswish, LeakyReLU, Dropout and weight-only Embedding/EmbeddingBag against
torch.ao.nn.quantized: reprs, state_dict keys, integer outputs on the same quantized input."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch, to_np

pytestmark = [needs_torch, pytest.mark.filterwarnings('ignore')]

if torch is not None:
    warnings.filterwarnings('ignore')


def _copy(e, t):
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})


def _net(L, mods):
    class Net(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.quant = L.quantization.QuantStub()
            ms = mods(L)
            for i, m in enumerate(ms):
                setattr(self, f'm{i}', m)
            self.n = len(ms)
            self.dequant = L.quantization.DeQuantStub()

        def forward(self, x):
            x = self.quant(x)
            for i in range(self.n):
                x = getattr(self, f'm{i}')(x)
            return self.dequant(x)
    return Net()


def _norm_scales(r):
    import re
    return re.sub(r'scale=([0-9.e-]+)', lambda m: 'scale=%.5g' % float(m.group(1)), r)


CASES = {
    'bn2d': (lambda L: [L.nn.Conv2d(3, 6, 3), L.nn.BatchNorm2d(6)], (4, 3, 8, 8), None),
    'bnrelu2d': (lambda L: [L.nn.Conv2d(3, 6, 3), L.nn.BatchNorm2d(6), L.nn.ReLU()],
                 (4, 3, 8, 8), ['m1', 'm2']),
    'layernorm': (lambda L: [L.nn.Linear(10, 12), L.nn.LayerNorm(12)], (4, 5, 10), None),
    'elu_dropout': (lambda L: [L.nn.Linear(10, 12), L.nn.ELU(0.7), L.nn.Dropout(0.3)], (4, 10),
                    None),
    'hardswish': (lambda L: [L.nn.Linear(10, 12), L.nn.Hardswish()], (4, 10), None),
    'leaky_relu': (lambda L: [L.nn.Linear(10, 12), L.nn.LeakyReLU(0.2)], (4, 10), None),
    'groupnorm': (lambda L: [L.nn.Conv2d(3, 6, 3), L.nn.GroupNorm(2, 6)], (4, 3, 8, 8), None),
    'instancenorm': (lambda L: [L.nn.Conv2d(3, 6, 3), L.nn.InstanceNorm2d(6, affine=True)],
                     (4, 3, 8, 8), None),
}


@pytest.mark.parametrize('case', list(CASES))
def test_static_layer_vs_torch(device, case, seed=0):
    mods, shape, fuse = CASES[case]
    torch.manual_seed(seed)
    t, e = _net(torch, mods), _net(ember, mods)
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for m in t.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                for k in ('running_mean', 'running_var', 'weight', 'bias'):
                    getattr(m, k).copy_(torch.tensor(rng.uniform(0.3, 1.5, 6).astype('f4')))
    _copy(e, t)
    xs = [rng.standard_normal(shape).astype(np.float32) for _ in range(2)]
    for L, m in ((torch, t), (ember, e)):
        m.eval()
        if fuse:
            L.quantization.fuse_modules(m, [fuse], inplace=True)
        m.qconfig = L.quantization.QConfig(
            activation=L.quantization.MinMaxObserver.with_args(reduce_range=True),
            weight=L.quantization.default_per_channel_weight_observer)
        L.quantization.prepare(m, inplace=True)
        for x in xs:
            m(L.tensor(x))
        L.quantization.convert(m, inplace=True)
    assert _norm_scales(repr(e)) == _norm_scales(repr(t))
    assert list(e.state_dict()) == list(t.state_dict())
    assert type(e.m1).__name__ == type(t.m1).__name__
    x = rng.standard_normal(shape).astype(np.float32)
    # the layer under test, fed torch's quantized input, with torch's output qparams
    qt = t.m0(t.quant(torch.tensor(x)))
    qe = ember.quantize_per_tensor(ember.tensor(qt.dequantize().numpy(), device=device),
                                   qt.q_scale(), qt.q_zero_point(), ember.quint8)
    for k in ('scale', 'zero_point'):
        if hasattr(t.m1, k) and isinstance(getattr(t.m1, k), torch.Tensor):
            setattr(e.m1, k, ember.tensor(getattr(t.m1, k).numpy()))
        elif hasattr(t.m1, k):
            setattr(e.m1, k, getattr(t.m1, k))
    ot, oe = t.m1(qt), e.m1(qe)
    if case == 'elu_dropout':
        ot, oe = t.m2(ot), e.m2(oe)
    assert repr(oe.dtype) == repr(ot.dtype) and tuple(oe.shape) == tuple(ot.shape)
    assert oe.q_scale() == pytest.approx(ot.q_scale(), rel=1e-6)
    assert oe.q_zero_point() == ot.q_zero_point()
    d = np.abs(to_np(oe.int_repr()).astype(int) - ot.int_repr().numpy().astype(int))
    exact = case.startswith('bn')    # batch norm reproduces torch's kernel bit for bit
    assert d.max() <= (0 if exact else 1) and (d > 0).mean() < 0.01
    # the whole converted model
    eo, to = to_np(e(ember.tensor(x))), t(torch.tensor(x)).numpy()
    assert np.abs(eo - to).max() <= 2 * float(ot.q_scale()) + 1e-6


def test_quantized_batch_norm_bit_exact():
    rng = np.random.default_rng(5)
    for cls, shape, relu in (('BatchNorm2d', (3, 5, 4, 6), False), ('BatchNorm3d',
                                                                    (2, 5, 3, 4, 2), False),
                             ('BNReLU2d', (3, 5, 4, 6), True)):
        mod = torch.ao.nn.intrinsic.quantized if relu else torch.ao.nn.quantized
        emod = ember.ao.nn.intrinsic.quantized if relu else ember.ao.nn.quantized
        t, e = getattr(mod, cls)(5), getattr(emod, cls)(5)
        with torch.no_grad():
            for k in ('running_mean', 'running_var', 'weight', 'bias'):
                getattr(t, k).copy_(torch.tensor(rng.uniform(-1, 2, 5).astype('f4')))
            t.running_var.abs_()
        t.scale, t.zero_point = torch.tensor(0.037), torch.tensor(70)
        _copy(e, t)
        assert repr(e) == repr(t)
        assert list(e.state_dict()) == list(t.state_dict())
        x = (rng.standard_normal(shape) * 2).astype(np.float32)
        qt = torch.quantize_per_tensor(torch.tensor(x), 0.05, 64, torch.quint8)
        qe = ember.quantize_per_tensor(ember.tensor(x), 0.05, 64, ember.quint8)
        np.testing.assert_array_equal(to_np(e(qe).int_repr()), t(qt).int_repr().numpy())
        assert e(qe).q_scale() == t(qt).q_scale()
    for f in (lambda L, m: m(L.randn(2, 5, 3, 3)),
              lambda L, m: m(L.quantize_per_tensor(L.randn(2, 5, 3), 0.1, 3, L.quint8))):
        with pytest.raises(Exception) as te:
            f(torch, torch.ao.nn.quantized.BatchNorm2d(5))
        with pytest.raises(type(te.value)) as ee:
            f(ember, ember.ao.nn.quantized.BatchNorm2d(5))
        assert str(ee.value).split('.')[0] == str(te.value).split('.')[0]


def test_activation_errors():
    P = {torch: lambda n: torch.nn.Parameter(torch.ones(n)),
         ember: lambda n: ember.nn.Parameter(ember.ones(n))}
    for make in (lambda L: L.ao.nn.quantized.ELU(0.1, 3),
                 lambda L: L.ao.nn.quantized.Hardswish(0.1, 3),
                 lambda L: L.ao.nn.quantized.LeakyReLU(0.1, 3),
                 lambda L: L.ao.nn.quantized.LayerNorm([3], P[L](3), P[L](3), 0.1, 3)):
        with pytest.raises(Exception) as te:
            make(torch)(torch.randn(2, 3))
        with pytest.raises(type(te.value)) as ee:
            make(ember)(ember.randn(2, 3))
        assert str(ee.value).split(' with ')[0] == str(te.value).split(' with ')[0]
        assert repr(make(ember)) == repr(make(torch))
    assert repr(ember.ao.nn.quantized.Dropout(0.2)) == repr(torch.ao.nn.quantized.Dropout(0.2))


@pytest.mark.parametrize('kind,kw', [('Embedding', {}), ('Embedding', {'padding_idx': 0}),
                                     ('EmbeddingBag', {'mode': 'sum'}),
                                     ('EmbeddingBag', {'mode': 'mean'}),
                                     ('EmbeddingBag', {'include_last_offset': True})])
def test_embedding_weight_only_vs_torch(device, kind, kw):
    torch.manual_seed(0)
    t = getattr(torch.nn, kind)(20, 16, **kw)
    e = getattr(ember.nn, kind)(20, 16, **kw)
    _copy(e, t)
    tq = torch.quantization.quantize_dynamic(torch.nn.Sequential(t), dtype=torch.quint8)[0]
    eq = ember.quantization.quantize_dynamic(ember.nn.Sequential(e), dtype=ember.quint8)[0]
    assert repr(eq) == repr(tq)
    assert list(eq.state_dict()) == list(tq.state_dict())
    tw, ew = tq.weight(), eq.weight()
    assert repr(ew) == repr(tw)     # int values, float scales and float zero points
    np.testing.assert_array_equal(to_np(ew.int_repr()), tw.int_repr().numpy())
    assert repr(ew.qscheme()) == 'torch.per_channel_affine_float_qparams'
    np.testing.assert_array_equal(to_np(ew.dequantize()), tw.dequantize().numpy())
    rng = np.random.default_rng(1)
    if kind == 'Embedding':
        idx = rng.integers(0, 20, (3, 5))
        to, eo = tq(torch.tensor(idx)), eq(ember.tensor(idx, device=device))
        np.testing.assert_array_equal(to_np(eo), to.numpy())
        ft = t(torch.tensor(idx)).detach().numpy()
    else:
        idx = rng.integers(0, 20, 12)
        off = [0, 3, 3, 7] + ([12] if kw.get('include_last_offset') else [])
        psw = rng.standard_normal(12).astype(np.float32)
        for args_t, args_e in (
                ((torch.tensor(idx), torch.tensor(off)), (ember.tensor(idx), ember.tensor(off))),
                ((torch.tensor(idx.reshape(3, 4)),), (ember.tensor(idx.reshape(3, 4)),))):
            to, eo = tq(*args_t), eq(*args_e)
            assert tuple(eo.shape) == tuple(to.shape) and eo.dtype == ember.float32
            np.testing.assert_allclose(to_np(eo), to.numpy(), atol=1e-5, rtol=1e-6)
        to = tq(torch.tensor(idx), torch.tensor(off), per_sample_weights=torch.tensor(psw))
        eo = eq(ember.tensor(idx), ember.tensor(off), per_sample_weights=ember.tensor(psw))
        np.testing.assert_allclose(to_np(eo), to.numpy(), atol=1e-5, rtol=1e-6)
        to = tq(torch.tensor(idx), torch.tensor(off))
        ft = t(torch.tensor(idx), torch.tensor(off)).detach().numpy()
        if t.mode == 'mean':   # torch's quantized bag always sums; so does ember
            ft = tq(torch.tensor(idx), torch.tensor(off)).numpy()
    # weight-only quantization error is small (per-row 8-bit)
    assert np.abs(ft - to.numpy()).max() < 0.05
    for f in (lambda L, m: m(L.tensor([1.0, 2.0])),):
        with pytest.raises(Exception) as te:
            f(torch, tq)
        with pytest.raises(type(te.value)) as ee:
            f(ember, eq)
        assert str(ee.value) == str(te.value)


def test_embedding_static_qconfig_and_roundtrip():
    """The tutorial path: ``emb.qconfig = float_qparams_weight_only_qconfig``, prepare, convert."""
    def make(L):
        class M(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = L.nn.Embedding(30, 8)
                self.fc = L.nn.Linear(8, 4)

            def forward(self, i):
                return self.fc(self.emb(i))
        return M()
    torch.manual_seed(0)
    t, e = make(torch), make(ember)
    _copy(e, t)
    for L, m in ((torch, t), (ember, e)):
        m.eval()
        m.emb.qconfig = L.quantization.float_qparams_weight_only_qconfig
        L.quantization.prepare(m, inplace=True)
        L.quantization.convert(m, inplace=True)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    idx = np.random.default_rng(2).integers(0, 30, (2, 7))
    np.testing.assert_allclose(to_np(e(ember.tensor(idx))), t(torch.tensor(idx)).detach().numpy(),
                               atol=1e-5)
    fresh = ember.ao.nn.quantized.Embedding(30, 8)
    fresh.load_state_dict({k[4:]: v for k, v in e.state_dict().items() if k.startswith('emb.')})
    np.testing.assert_array_equal(to_np(fresh(ember.tensor(idx))), to_np(e.emb(ember.tensor(idx))))
