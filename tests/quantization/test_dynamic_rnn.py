"""Dynamic quantization of LSTM/GRU and the RNN cells against torch.ao.nn.quantized.dynamic:
reprs, state_dict layout, quantized weights and outputs on the same float weights."""
import copy
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch, to_np

pytestmark = [needs_torch, pytest.mark.filterwarnings('ignore')]

if torch is not None:
    warnings.filterwarnings('ignore')

# the outputs are float; a difference well below one activation quantization step (~1e-2 here)
# means every integer GEMM and every dynamic qparams choice matched torch's
ATOL = 1e-5


def _twins(kind, *args, qconfig_spec=None, dtype='qint8', seed=0, **kw):
    torch.manual_seed(seed)
    t = getattr(torch.nn, kind)(*args, **kw)
    e = getattr(ember.nn, kind)(*args, **kw)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    spec_t = spec_e = None
    if qconfig_spec == 'types':
        spec_t, spec_e = {getattr(torch.nn, kind), torch.nn.Linear}, \
            {getattr(ember.nn, kind), ember.nn.Linear}
    elif qconfig_spec == 'per_channel':
        spec_t = {getattr(torch.nn, kind): torch.quantization.per_channel_dynamic_qconfig}
        spec_e = {getattr(ember.nn, kind): ember.quantization.per_channel_dynamic_qconfig}
    tq = torch.quantization.quantize_dynamic(torch.nn.Sequential(t), spec_t,
                                             dtype=getattr(torch, dtype))[0]
    eq = ember.quantization.quantize_dynamic(ember.nn.Sequential(e), spec_e,
                                             dtype=getattr(ember, dtype))[0]
    return eq, tq, e, t


def _pair(kind, h):
    return (h[0], h[1]) if kind == 'LSTM' else (h,)


@pytest.mark.parametrize('kind', ['LSTM', 'GRU'])
@pytest.mark.parametrize('kw', [
    dict(),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(num_layers=3, batch_first=False),
    dict(num_layers=2, bidirectional=True, dropout=0.3),
])
def test_dynamic_rnn_vs_torch(device, kind, kw):
    eq, tq, e, t = _twins(kind, 8, 16, qconfig_spec='types', **kw)
    assert repr(eq) == repr(tq)
    assert repr(eq).startswith(f'DynamicQuantized{kind}(8, 16')
    assert list(eq.state_dict()) == list(tq.state_dict())
    assert eq.state_dict()._metadata[''] == tq.state_dict()._metadata['']
    # int8 weights and float biases equal torch's
    for k, w in tq.get_weight().items():
        ew = eq.get_weight()[k]
        assert repr(ew.dtype) == repr(w.dtype) and ew.q_scale() == w.q_scale()
        np.testing.assert_array_equal(to_np(ew.int_repr()), w.int_repr().numpy())
    for k, b in tq.get_bias().items():
        np.testing.assert_array_equal(to_np(eq.get_bias()[k]), b.detach().numpy())
    rng = np.random.default_rng(0)
    shape = (5, 7, 8) if kw.get('batch_first') else (7, 5, 8)
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    to, th = tq(torch.tensor(x))
    eo, eh = eq(ember.tensor(x, device=device))
    assert tuple(eo.shape) == tuple(to.shape) and eo.dtype == ember.float32
    np.testing.assert_allclose(to_np(eo), to.numpy(), atol=ATOL, rtol=0)
    for a, b in zip(_pair(kind, eh), _pair(kind, th)):
        np.testing.assert_allclose(to_np(a), b.numpy(), atol=ATOL, rtol=0)
    # quantization changed the result (weights really are int8), but only a little
    fo = t.eval()(torch.tensor(x))[0].detach().numpy()
    assert 1e-5 < np.abs(fo - to.numpy()).max() < 0.05
    # with an initial state
    D = 2 if kw.get('bidirectional') else 1
    L = kw.get('num_layers', 1)
    h0 = rng.standard_normal((L * D, 5, 16)).astype(np.float32)
    if kind == 'LSTM':
        to, _ = tq(torch.tensor(x), (torch.tensor(h0), torch.tensor(-h0)))
        eo, _ = eq(ember.tensor(x), (ember.tensor(h0), ember.tensor(-h0)))
    else:
        to, _ = tq(torch.tensor(x), torch.tensor(h0))
        eo, _ = eq(ember.tensor(x), ember.tensor(h0))
    np.testing.assert_allclose(to_np(eo), to.numpy(), atol=ATOL, rtol=0)


@pytest.mark.parametrize('kind', ['LSTM', 'GRU'])
def test_dynamic_rnn_packed_sequence(kind):
    from torch.nn.utils.rnn import pack_padded_sequence as tpack
    from ember.nn.utils.rnn import pack_padded_sequence as epack
    eq, tq, _, _ = _twins(kind, 6, 10, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 4, 6)).astype(np.float32)
    lens = [6, 3, 5, 2]
    to, th = tq(tpack(torch.tensor(x), torch.tensor(lens), enforce_sorted=False))
    eo, eh = eq(epack(ember.tensor(x), ember.tensor(lens), enforce_sorted=False))
    np.testing.assert_allclose(to_np(eo.data), to.data.numpy(), atol=ATOL, rtol=0)
    for a, b in zip(_pair(kind, eh), _pair(kind, th)):
        np.testing.assert_allclose(to_np(a), b.numpy(), atol=ATOL, rtol=0)


@pytest.mark.parametrize('kind', ['LSTMCell', 'GRUCell', 'RNNCell'])
def test_dynamic_cells_vs_torch(kind):
    kws = [{}, {'nonlinearity': 'relu'}] if kind == 'RNNCell' else [{}]
    for kw in kws:
        eq, tq, _, _ = _twins(kind, 5, 7, **kw)
        assert repr(eq) == repr(tq)
        assert list(eq.state_dict()) == list(tq.state_dict())
        rng = np.random.default_rng(2)
        x = rng.standard_normal((3, 5)).astype(np.float32)
        h = rng.standard_normal((3, 7)).astype(np.float32)
        if kind == 'LSTMCell':
            to = tq(torch.tensor(x), (torch.tensor(h), torch.tensor(h)))
            eo = eq(ember.tensor(x), (ember.tensor(h), ember.tensor(h)))
        else:
            to, eo = (tq(torch.tensor(x), torch.tensor(h)),), (eq(ember.tensor(x),
                                                                   ember.tensor(h)),)
        for a, b in zip(eo, to):
            np.testing.assert_allclose(to_np(a), b.numpy(), atol=ATOL, rtol=0)
        to = tq(torch.tensor(x))
        eo = eq(ember.tensor(x))
        np.testing.assert_allclose(to_np(eo[0] if kind == 'LSTMCell' else eo),
                                   (to[0] if kind == 'LSTMCell' else to).numpy(), atol=ATOL)


@pytest.mark.parametrize('kind', ['LSTM', 'GRU'])
def test_dynamic_rnn_float16_and_per_channel(kind):
    x = np.random.default_rng(3).standard_normal((4, 3, 6)).astype(np.float32)
    for opts in ({'dtype': 'float16'}, {'qconfig_spec': 'per_channel'}):
        eq, tq, _, _ = _twins(kind, 6, 9, **opts)
        assert repr(eq) == repr(tq)
        to, eo = tq(torch.tensor(x))[0], eq(ember.tensor(x))[0]
        np.testing.assert_allclose(to_np(eo), to.detach().numpy(), atol=ATOL, rtol=0)


def test_dynamic_rnn_errors_and_copies():
    eq, tq, e, _ = _twins('LSTM', 4, 3)
    cases = [lambda L, m: m(L.randn(5, 4)),
             lambda L, m: m(L.randn(5, 2, 7)),
             lambda L, m: m(L.randn(5, 2, 4), (L.zeros(1, 3, 3), L.zeros(1, 2, 3)))]
    for f in cases:
        with pytest.raises(Exception) as te:
            f(torch, tq)
        with pytest.raises(type(te.value)) as ee:
            f(ember, eq)
        assert str(ee.value) == str(te.value)
    with pytest.raises(AssertionError):
        ember.quantization.quantize_dynamic(ember.nn.Sequential(ember.nn.LSTM(4, 3, bias=False)))
    # not inplace: the float model is untouched; deepcopy and state_dict round-trip
    assert type(e) is ember.nn.LSTM
    x = ember.randn(3, 2, 4)
    c = copy.deepcopy(eq)
    np.testing.assert_array_equal(to_np(c(x)[0]), to_np(eq(x)[0]))
    fresh = ember.nn.quantized.dynamic.LSTM(4, 3)
    fresh.load_state_dict(eq.state_dict())
    np.testing.assert_array_equal(to_np(fresh(x)[0]), to_np(eq(x)[0]))
    assert ember.ao.nn.quantized.dynamic.GRU is ember.nn.quantized.dynamic.GRU
