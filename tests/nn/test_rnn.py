"""Recurrent layers (RNN, LSTM, GRU, cells) and nn.utils.rnn against PyTorch: outputs, final
states and every input/parameter gradient with identical weights, packed sequences with unsorted
lengths, dropout, state_dict, reprs, errors, finite differences and double backward."""
import math

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.ops.rnn import LSTMLayer, GRULayer, RNNLayer
from tests.helpers import needs_torch, torch

pytestmark = needs_torch

R = np.random.RandomState(0)


def np_(t):
    return t.detach().cpu().numpy()


def close(e, t, tol):
    np.testing.assert_allclose(np_(e), np_(t), rtol=tol, atol=tol)


def pair(name, *args, dtype='float64', device='cpu', **kw):
    """The torch module and an ember module with the same weights (via state_dict)."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kw).to(getattr(torch, dtype))
    em = getattr(ember.nn, name)(*args, **kw).to(getattr(ember, dtype))
    em.load_state_dict({k: ember.tensor(v.detach().numpy())
                        for k, v in tm.state_dict().items()})
    return tm, em.to(device)


def as_tuple(h):
    return h if isinstance(h, tuple) else (h,)


def leaf(lib, arr, device='cpu'):
    if lib is torch:
        return torch.tensor(arr, requires_grad=True)
    return ember.tensor(arr, requires_grad=True, device=device)


def check_run(tm, em, x, hx=None, tol=1e-9, device='cpu', packed=None):
    """Run both modules on ``x`` (and ``hx``), compare output and states, then backpropagate a
    random weighting of all outputs and compare the gradients of x, hx and all parameters."""
    tx, ex = leaf(torch, x), leaf(ember, x, device)
    if hx is None:
        th = eh = None
    elif isinstance(hx, tuple):
        th = tuple(leaf(torch, a) for a in hx)
        eh = tuple(leaf(ember, a, device) for a in hx)
    else:
        th, eh = leaf(torch, hx), leaf(ember, hx, device)
    tin, ein = tx, ex
    if packed is not None:
        lengths, bf = packed
        tin = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, bf, enforce_sorted=False)
        ein = ember.nn.utils.rnn.pack_padded_sequence(ex, lengths, bf, enforce_sorted=False)
    to, ts = tm(tin, th)
    eo, es = em(ein, eh)
    if packed is not None:
        assert isinstance(eo, ember.nn.utils.rnn.PackedSequence)
        assert eo.batch_sizes.tolist() == to.batch_sizes.tolist()
        to = torch.nn.utils.rnn.pad_packed_sequence(to, packed[1])[0]
        eo = ember.nn.utils.rnn.pad_packed_sequence(eo, packed[1])[0]
    ts, es = as_tuple(ts), as_tuple(es)
    assert tuple(eo.shape) == tuple(to.shape)
    assert str(eo.dtype) == str(to.dtype)
    close(eo, to, tol)
    for a, b in zip(es, ts):
        assert tuple(a.shape) == tuple(b.shape)
        close(a, b, tol)
    ws = [R.standard_normal(tuple(t.shape)).astype(np_(t).dtype) for t in (to,) + ts]
    tl = sum((t * torch.tensor(w)).sum() for t, w in zip((to,) + ts, ws))
    el = sum((t * ember.tensor(w, device=device)).sum() for t, w in zip((eo,) + es, ws))
    tl.backward()
    el.backward()
    close(ex.grad, tx.grad, tol)
    if th is not None:
        for a, b in zip(as_tuple(eh), as_tuple(th)):
            close(a.grad, b.grad, tol)
    tp = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        assert p.grad is not None, n
        np.testing.assert_allclose(np_(p.grad), np_(tp[n].grad), rtol=tol, atol=tol, err_msg=n)
    return eo, es


def hidden(mode, L, D, B, H, P=0, unbatched=False):
    shape = (L * D, H if not P else P) if unbatched else (L * D, B, P or H)
    h = R.standard_normal(shape)
    if mode != 'LSTM':
        return h
    cs = (L * D, H) if unbatched else (L * D, B, H)
    return h, R.standard_normal(cs)


CONFIGS = [dict(), dict(num_layers=2), dict(bidirectional=True), dict(batch_first=True),
           dict(bias=False, num_layers=2, bidirectional=True, batch_first=True)]


@pytest.mark.parametrize('name', ['RNN', 'LSTM', 'GRU'])
@pytest.mark.parametrize('cfg', CONFIGS)
@pytest.mark.parametrize('with_h', [False, True])
def test_module_vs_torch(name, cfg, with_h, device):
    T, B, I, H = 4, 3, 5, 6
    tm, em = pair(name, I, H, **cfg, device=device)
    x = R.standard_normal((B, T, I) if cfg.get('batch_first') else (T, B, I))
    L, D = cfg.get('num_layers', 1), 2 if cfg.get('bidirectional') else 1
    check_run(tm, em, x, hidden(name, L, D, B, H) if with_h else None, device=device)


@pytest.mark.parametrize('cfg', [dict(proj_size=3), dict(proj_size=2, num_layers=2,
                                                            bidirectional=True),
                                 dict(proj_size=4, bias=False, batch_first=True)])
@pytest.mark.parametrize('with_h', [False, True])
def test_lstm_proj(cfg, with_h, device):
    T, B, I, H = 4, 3, 5, 6
    tm, em = pair('LSTM', I, H, **cfg, device=device)
    x = R.standard_normal((B, T, I) if cfg.get('batch_first') else (T, B, I))
    L, D = cfg.get('num_layers', 1), 2 if cfg.get('bidirectional') else 1
    assert tuple(em.weight_hr_l0.shape) == (cfg['proj_size'], H)
    check_run(tm, em, x, hidden('LSTM', L, D, B, H, cfg['proj_size']) if with_h else None,
              device=device)


@pytest.mark.parametrize('name', ['RNN', 'LSTM', 'GRU'])
def test_relu_and_float32(name, device):
    kw = dict(nonlinearity='relu') if name == 'RNN' else {}
    tm, em = pair(name, 5, 7, num_layers=2, bidirectional=True, dtype='float32', **kw,
                  device=device)
    x = R.standard_normal((6, 4, 5)).astype(np.float32)
    eo, es = check_run(tm, em, x, tol=2e-5, device=device)
    assert eo.dtype == ember.float32 and all(h.dtype == ember.float32 for h in es)


@pytest.mark.parametrize('name,cfg', [('LSTM', dict(num_layers=2, bidirectional=True,
                                                    proj_size=3)),
                                      ('LSTM', dict(batch_first=True)),
                                      ('GRU', dict(num_layers=2, bidirectional=True)),
                                      ('GRU', dict(batch_first=True, bias=False)),
                                      ('RNN', dict(bidirectional=True, batch_first=True)),
                                      ('RNN', dict(nonlinearity='relu', num_layers=2))])
@pytest.mark.parametrize('with_h', [False, True])
def test_packed_unsorted(name, cfg, with_h, device):
    lengths = [3, 5, 2, 5, 1]
    B, T, I, H = 5, 5, 4, 6
    tm, em = pair(name, I, H, **cfg, device=device)
    bf = cfg.get('batch_first', False)
    x = R.standard_normal((B, T, I) if bf else (T, B, I))
    L, D = cfg.get('num_layers', 1), 2 if cfg.get('bidirectional') else 1
    hx = hidden(name, L, D, B, H, cfg.get('proj_size', 0)) if with_h else None
    check_run(tm, em, x, hx, device=device, packed=(lengths, bf))


@pytest.mark.parametrize('name', ['RNN', 'LSTM', 'GRU'])
@pytest.mark.parametrize('with_h', [False, True])
def test_unbatched(name, with_h, device):
    tm, em = pair(name, 4, 5, num_layers=2, bidirectional=True, device=device)
    x = R.standard_normal((6, 4))
    eo, es = check_run(tm, em, x, hidden(name, 2, 2, 1, 5, unbatched=True) if with_h else None,
                       device=device)
    assert tuple(eo.shape) == (6, 10) and tuple(es[0].shape) == (4, 5)


@pytest.mark.parametrize('name', ['RNNCell', 'LSTMCell', 'GRUCell'])
@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('with_h', [False, True])
@pytest.mark.parametrize('batched', [True, False])
def test_cells(name, bias, with_h, batched, device):
    kws = [dict(), dict(nonlinearity='relu')] if name == 'RNNCell' else [dict()]
    for kw in kws:
        tm, em = pair(name, 4, 5, bias=bias, device=device, **kw)
        x = R.standard_normal((3, 4) if batched else (4,))
        hs = (3, 5) if batched else (5,)
        args = []
        tx, ex = leaf(torch, x), leaf(ember, x, device)
        if with_h:
            hx = (R.standard_normal(hs), R.standard_normal(hs)) if name == 'LSTMCell' \
                else R.standard_normal(hs)
            if name == 'LSTMCell':
                th = tuple(leaf(torch, a) for a in hx)
                eh = tuple(leaf(ember, a, device) for a in hx)
            else:
                th, eh = leaf(torch, hx), leaf(ember, hx, device)
            targs, eargs = (tx, th), (ex, eh)
        else:
            targs, eargs = (tx,), (ex,)
        to, eo = as_tuple(tm(*targs)), as_tuple(em(*eargs))
        assert len(to) == len(eo)
        ws = []
        for a, b in zip(eo, to):
            assert tuple(a.shape) == tuple(b.shape)
            close(a, b, 1e-10)
            ws.append(R.standard_normal(tuple(b.shape)))
        sum((t * torch.tensor(w)).sum() for t, w in zip(to, ws)).backward()
        sum((t * ember.tensor(w, device=device)).sum() for t, w in zip(eo, ws)).backward()
        close(ex.grad, tx.grad, 1e-10)
        if with_h:
            for a, b in zip(as_tuple(eh), as_tuple(th)):
                close(a.grad, b.grad, 1e-10)
        tp = dict(tm.named_parameters())
        for n, p in em.named_parameters():
            np.testing.assert_allclose(np_(p.grad), np_(tp[n].grad), 1e-10, 1e-10, err_msg=n)


def test_cell_sequence_matches_layer(device):
    """An LSTMCell stepped over time gives the LSTM layer's outputs (same weights)."""
    cell = ember.nn.LSTMCell(3, 4).double()
    lstm = ember.nn.LSTM(3, 4).double()
    with ember.no_grad():
        for a, b in [('weight_ih', 'weight_ih_l0'), ('weight_hh', 'weight_hh_l0'),
                     ('bias_ih', 'bias_ih_l0'), ('bias_hh', 'bias_hh_l0')]:
            getattr(lstm, b).copy_(getattr(cell, a))
    x = ember.tensor(R.standard_normal((5, 2, 3)), device=device)
    cell, lstm = cell.to(device), lstm.to(device)
    out, (h, c) = lstm(x)
    hc = None
    for t in range(5):
        hc = cell(x[t], hc)
        np.testing.assert_allclose(np_(hc[0]), np_(out[t]), 1e-12, 1e-12)
    np.testing.assert_allclose(np_(hc[1]), np_(c[0]), 1e-12, 1e-12)


# ------------------------------------------------------------------------- dropout / modes


def test_dropout_train_eval(device):
    tm, em = pair('LSTM', 4, 5, num_layers=3, dropout=1.0, device=device)
    x = R.standard_normal((3, 2, 4))
    # p=1 zeroes the inputs of layers 2 and 3 in training: deterministic, compare with torch
    check_run(tm, em, x, device=device)
    tm.eval()
    em.eval()
    assert not em.training
    check_run(tm, em, x, device=device)


def test_dropout_random_in_training_only(device):
    em = ember.nn.GRU(4, 16, num_layers=2, dropout=0.5).to(device)
    x = ember.tensor(R.standard_normal((3, 8, 4)).astype(np.float32), device=device)
    a, b = em(x)[0], em(x)[0]
    assert not np.allclose(np_(a), np_(b))
    em.eval()
    a, b = em(x)[0], em(x)[0]
    np.testing.assert_array_equal(np_(a), np_(b))
    em2 = ember.nn.GRU(4, 16, num_layers=2).to(device)
    em2.load_state_dict(em.state_dict())
    em2.eval()
    np.testing.assert_array_equal(np_(em2(x)[0]), np_(a))


def test_dropout_single_layer_warns():
    with pytest.warns(UserWarning, match='non-zero dropout expects num_layers greater than 1'):
        ember.nn.LSTM(3, 4, dropout=0.3)


def test_no_grad_matches(device):
    tm, em = pair('LSTM', 4, 5, num_layers=2, bidirectional=True, proj_size=2, device=device)
    x = ember.tensor(R.standard_normal((3, 2, 4)), device=device)
    with ember.no_grad():
        o1, (h1, c1) = em(x)
    o2, (h2, c2) = em(x)
    assert not o1.requires_grad and o2.requires_grad
    for a, b in [(o1, o2), (h1, h2), (c1, c2)]:
        np.testing.assert_allclose(np_(a), np_(b), 1e-14, 1e-14)


def test_hidden_state_carry(device):
    """Feeding the final state back (truncated BPTT) matches torch over two chunks."""
    tm, em = pair('LSTM', 3, 4, num_layers=2, device=device)
    x = R.standard_normal((6, 2, 3))
    to, th = tm(torch.tensor(x[:3]))
    to, th = tm(torch.tensor(x[3:]), tuple(h.detach() for h in th))
    eo, eh = em(ember.tensor(x[:3], device=device))
    eo, eh = em(ember.tensor(x[3:], device=device), tuple(h.detach() for h in eh))
    close(eo, to, 1e-12)
    close(eh[1], th[1], 1e-12)


# --------------------------------------------------------------------- parameters and reprs


@pytest.mark.parametrize('name,args,kw', [
    ('LSTM', (10, 20), dict(num_layers=2, batch_first=True)),
    ('LSTM', (10, 20), dict(proj_size=5, bidirectional=True, bias=False)),
    ('LSTM', (10, 20), dict(proj_size=5, num_layers=2, dropout=0.5, bidirectional=True)),
    ('GRU', (3, 4), dict(bias=False, bidirectional=True)),
    ('RNN', (3, 4), dict(nonlinearity='relu', num_layers=3, dropout=0.25)),
    ('RNN', (3, 4), dict()),
    ('RNNCell', (3, 4), dict(nonlinearity='relu', bias=False)),
    ('RNNCell', (3, 4), dict()),
    ('LSTMCell', (3, 4), dict(bias=False)),
    ('GRUCell', (3, 4), dict())])
def test_state_dict_repr_init(name, args, kw):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kw)
    em = getattr(ember.nn, name)(*args, **kw)
    assert repr(em) == repr(tm)
    tsd, esd = tm.state_dict(), em.state_dict()
    assert list(esd) == list(tsd)
    for k in tsd:
        assert tuple(esd[k].shape) == tuple(tsd[k].shape), k
        assert str(esd[k].dtype) == str(tsd[k].dtype), k
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    bound = 1 / math.sqrt(args[1])
    for k, v in esd.items():
        a = np_(v)
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.5 * bound, k
    if 'Cell' not in name:
        assert [[tuple(p.shape) for p in ws] for ws in em.all_weights] == \
               [[tuple(p.shape) for p in ws] for ws in tm.all_weights]
        assert all(a is getattr(em, n) for ws, ns in zip(em.all_weights, em._all_weights)
                   for a, n in zip(ws, ns))
        assert em.flatten_parameters() is None
        for a in ('mode', 'input_size', 'hidden_size', 'num_layers', 'bias', 'batch_first',
                  'dropout', 'bidirectional', 'proj_size'):
            assert getattr(em, a) == getattr(tm, a), a


def test_init_distribution():
    em = ember.nn.LSTM(50, 100)
    a = np_(em.weight_hh_l0)
    b = 1 / math.sqrt(100)
    assert abs(a.mean()) < 0.05 * b
    assert abs(a.std() - b / math.sqrt(3)) < 0.02 * b


def test_state_dict_roundtrip_into_torch():
    em = ember.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    tm = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    tm.load_state_dict({k: torch.tensor(np_(v)) for k, v in em.state_dict().items()})
    x = R.standard_normal((5, 2, 3)).astype(np.float32)
    close(em(ember.tensor(x))[0], tm(torch.tensor(x))[0], 2e-6)


# ---------------------------------------------------------------------------------- errors


def same_error(fn):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    assert str(ee.value) == str(te.value)


def _mod(lib, name, *a, **k):
    torch.manual_seed(0)
    return getattr(lib.nn, name)(*a, **k)


@pytest.mark.parametrize('name', ['RNN', 'LSTM', 'GRU'])
def test_errors(name):
    def z(lib, *s):
        return lib.zeros(*s)
    same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 3, 7)))
    same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 7)))
    same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 2, 5, 3, 10)))
    same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 3, 10).double()))
    if name == 'LSTM':
        same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 3, 10),
                                                        (z(lib, 1, 3, 20), z(lib, 1, 2, 20))))
        same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 3, 10),
                                                        (z(lib, 1, 3, 19), z(lib, 1, 3, 20))))
        same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 3, 10),
                                                        (z(lib, 3, 20), z(lib, 3, 20))))
        same_error(lambda lib: _mod(lib, name, 10, 20, proj_size=20))
    else:
        same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 3, 10), z(lib, 2, 3, 20)))
        same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 3, 10), z(lib, 3, 20)))
        same_error(lambda lib: _mod(lib, name, 10, 20)(z(lib, 5, 10), z(lib, 1, 3, 20)))
        same_error(lambda lib: _mod(lib, name, 10, 20, proj_size=2))
    same_error(lambda lib: _mod(lib, name, 10, 20, dropout=1.5))
    same_error(lambda lib: _mod(lib, name, 10, 20, num_layers=0))
    same_error(lambda lib: _mod(lib, name, 0, 20))
    same_error(lambda lib: _mod(lib, name, 10, 20, bias=1))


@pytest.mark.parametrize('name', ['RNN', 'LSTM', 'GRU'])
def test_empty_batch_and_sequence(name, device):
    tm, em = pair(name, 3, 4, bidirectional=True, device=device)
    to, th = tm(torch.zeros(2, 0, 3, dtype=torch.float64))
    eo, eh = em(ember.zeros(2, 0, 3, dtype=ember.float64, device=device))
    assert tuple(eo.shape) == tuple(to.shape)
    assert [tuple(h.shape) for h in as_tuple(eh)] == [tuple(h.shape) for h in as_tuple(th)]
    same_error(lambda lib: _mod(lib, name, 3, 4)(lib.zeros(0, 2, 3)))


def test_error_message_input_size():
    m = ember.nn.LSTM(10, 20)
    with pytest.raises(RuntimeError, match=r'input.size\(-1\) must be equal to input_size. '
                                           r'Expected 10, got 7'):
        m(ember.zeros(5, 3, 7))
    same_error(lambda lib: _mod(lib, 'RNN', 10, 20, nonlinearity='sigmoid'))


@pytest.mark.parametrize('name', ['RNNCell', 'LSTMCell', 'GRUCell'])
def test_cell_errors(name):
    lstm = name == 'LSTMCell'

    def h(lib, *s):
        return (lib.zeros(*s), lib.zeros(*s)) if lstm else lib.zeros(*s)
    same_error(lambda lib: _mod(lib, name, 10, 20)(lib.zeros(3, 7)))
    same_error(lambda lib: _mod(lib, name, 10, 20)(lib.zeros(3, 10), h(lib, 3, 5)))
    same_error(lambda lib: _mod(lib, name, 10, 20)(lib.zeros(3, 10), h(lib, 2, 20)))
    same_error(lambda lib: _mod(lib, name, 10, 20)(lib.zeros(2, 3, 10)))
    same_error(lambda lib: _mod(lib, name, 10, 20)(lib.zeros(3, 10), h(lib, 1, 3, 20)))


# -------------------------------------------------------------- primitives: finite differences


def _layer_inputs(kind, bs, H, P, I=None, proj=False):
    N = sum(bs)
    B = bs[0]
    G = {'lstm': 4, 'gru': 3, 'rnn': 1}[kind] * H

    def t(*s):
        return ember.tensor(R.standard_normal(s) * 0.5, requires_grad=True)
    h0 = t(B, P if proj else H)
    c0 = t(B, H) if kind == 'lstm' else None
    w = t(G, P if proj else H)
    whr = t(P, H) if proj else None
    return [t(N, G), h0, c0, w, t(G), whr]


def _fn(kind, bs, reverse, nonlinearity='tanh'):
    def f(gi, h0, c0, w, b, whr):
        if kind == 'lstm':
            return LSTMLayer.apply(gi, h0, c0, w, b, whr, batch_sizes=bs, reverse=reverse)
        if kind == 'gru':
            return GRULayer.apply(gi, h0, None, w, b, None, batch_sizes=bs, reverse=reverse)
        return RNNLayer.apply(gi, h0, None, w, b, None, batch_sizes=bs, reverse=reverse,
                              nonlinearity=nonlinearity)
    return f


@pytest.mark.parametrize('kind,proj,nl', [('lstm', False, 'tanh'), ('lstm', True, 'tanh'),
                                          ('gru', False, 'tanh'), ('rnn', False, 'tanh'),
                                          ('rnn', False, 'relu')])
@pytest.mark.parametrize('reverse', [False, True])
def test_gradcheck_layers(kind, proj, nl, reverse):
    bs = (2, 2, 1)
    ins = _layer_inputs(kind, bs, 2, 1, proj=proj)
    f = _fn(kind, bs, reverse, nl)
    args = [a for a in ins if a is not None]
    pos = [i for i, a in enumerate(ins) if a is not None]

    def g(*xs):
        full = [None] * 6
        for i, x in zip(pos, xs):
            full[i] = x
        return f(*full)
    assert gradcheck(g, args, eps=1e-6, atol=1e-6)
    if not reverse:
        assert gradgradcheck(g, args, eps=1e-6, atol=1e-5)


def test_double_backward_vs_torch():
    for name in ['LSTM', 'GRU', 'RNN']:
        tm, em = pair(name, 4, 5, bidirectional=True)
        x = R.standard_normal((3, 2, 4))
        tx, ex = leaf(torch, x), leaf(ember, x)
        tg, = torch.autograd.grad((tm(tx)[0] ** 2).sum(), tx, create_graph=True)
        eg, = ember.autograd.grad((em(ex)[0] ** 2).sum(), ex, create_graph=True)
        close(eg, tg, 1e-10)
        (tg ** 2).sum().backward()
        (eg ** 2).sum().backward()
        close(ex.grad, tx.grad, 1e-9)
        tp = dict(tm.named_parameters())
        for n, p in em.named_parameters():
            np.testing.assert_allclose(np_(p.grad), np_(tp[n].grad), 1e-9, 1e-9, err_msg=n)


@pytest.mark.parametrize('name', ['RNN', 'LSTM', 'GRU'])
def test_inplace_on_output_keeps_gradients(name):
    """The returned output is not what backward reads: modifying it in place is allowed and
    gives torch's gradients."""
    tm, em = pair(name, 3, 4)
    x = R.standard_normal((2, 1, 3))
    to, eo = tm(torch.tensor(x))[0], em(ember.tensor(x))[0]
    to.mul_(2)
    eo.mul_(2)
    (to ** 2).sum().backward()
    (eo ** 2).sum().backward()
    tp = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        np.testing.assert_allclose(np_(p.grad), np_(tp[n].grad), 1e-10, 1e-10, err_msg=n)


# --------------------------------------------------------------------------- nn.utils.rnn


def U(lib):
    return lib.nn.utils.rnn


def seqs(lib, lens, dim=3, dtype=np.float64):
    return [leaf(lib, a) for a in [np.arange(n * dim, dtype=dtype).reshape(n, dim) + 10 * k
                                   for k, n in enumerate(lens)]]


@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('side', ['right', 'left'])
def test_pad_sequence(batch_first, side):
    lens = [2, 5, 3]
    res = []
    for lib in (torch, ember):
        xs = seqs(lib, lens)
        p = U(lib).pad_sequence(xs, batch_first=batch_first, padding_value=-2.5,
                                padding_side=side)
        (p * lib.arange(p.numel(), dtype=p.dtype).reshape(p.shape)).sum().backward()
        res.append((p, [x.grad for x in xs]))
    (tp, tg), (ep, eg) = res
    assert tuple(ep.shape) == tuple(tp.shape)
    close(ep, tp, 0)
    for a, b in zip(eg, tg):
        close(a, b, 0)
    i = [ember.tensor([1, 2]), ember.tensor([3])]
    assert U(ember).pad_sequence(i).dtype == ember.int64


@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('enforce_sorted', [False, True])
def test_pack_pad_roundtrip(batch_first, enforce_sorted):
    lens = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    a = R.standard_normal((4, 6, 2) if batch_first else (6, 4, 2))
    out = {}
    for lib in (torch, ember):
        x = leaf(lib, a)
        p = U(lib).pack_padded_sequence(x, lens, batch_first=batch_first,
                                        enforce_sorted=enforce_sorted)
        y, ln = U(lib).pad_packed_sequence(p, batch_first=batch_first, padding_value=7.0,
                                           total_length=7)
        (y * lib.tensor(np.arange(y.numel()).reshape(tuple(y.shape)))).sum().backward()
        out[lib] = (p, y, ln, x.grad)
    (tp, ty, tl, tg), (ep, ey, el, eg) = out[torch], out[ember]
    close(ep.data, tp.data, 0)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    assert ep.batch_sizes.dtype == ember.int64 and ep.batch_sizes.device.type == 'cpu'
    for k in ('sorted_indices', 'unsorted_indices'):
        t, e = getattr(tp, k), getattr(ep, k)
        assert (t is None) == (e is None)
        if t is not None:
            assert e.tolist() == t.tolist() and e.dtype == ember.int64
    close(ey, ty, 0)
    assert el.tolist() == tl.tolist() and el.dtype == ember.int64
    close(eg, tg, 0)


def test_pack_sequence_unpack():
    lens = [2, 4, 1]
    t = U(torch).pack_sequence(seqs(torch, lens), enforce_sorted=False)
    e = U(ember).pack_sequence(seqs(ember, lens), enforce_sorted=False)
    close(e.data, t.data, 0)
    assert e.sorted_indices.tolist() == t.sorted_indices.tolist()
    for a, b in zip(U(ember).unpack_sequence(e), U(torch).unpack_sequence(t)):
        close(a, b, 0)
    assert isinstance(e, tuple) and e._fields == t._fields
    same_error(lambda lib: U(lib).pack_sequence(seqs(lib, lens)))


def test_unpad_sequence():
    lens = [2, 4, 1]
    for bf in (False, True):
        tp = U(torch).pad_sequence([x.detach() for x in seqs(torch, lens)], batch_first=bf)
        ep = U(ember).pad_sequence([x.detach() for x in seqs(ember, lens)], batch_first=bf)
        tu = U(torch).unpad_sequence(tp, torch.tensor(lens), batch_first=bf)
        eu = U(ember).unpad_sequence(ep, ember.tensor(lens), batch_first=bf)
        assert len(eu) == len(tu)
        for a, b in zip(eu, tu):
            close(a, b, 0)
        assert tuple(ep.shape) == tuple(tp.shape)     # torch transposes in place


def test_utils_errors():
    x = lambda lib: lib.zeros(3, 2)                              # noqa: E731
    same_error(lambda lib: U(lib).pack_padded_sequence(x(lib), [1, 2]))
    same_error(lambda lib: U(lib).pack_padded_sequence(x(lib), [2, 0]))
    same_error(lambda lib: U(lib).pack_padded_sequence(x(lib), [3, 2, 1]))
    same_error(lambda lib: U(lib).pack_padded_sequence(x(lib), [0, 2], enforce_sorted=False))
    same_error(lambda lib: U(lib).pad_sequence([]))
    same_error(lambda lib: U(lib).pad_sequence(3))
    same_error(lambda lib: U(lib).pad_sequence([lib.zeros(3)], padding_side='up'))
    same_error(lambda lib: U(lib).pad_sequence([lib.zeros(2, 3), lib.zeros(2, 4)]))
    same_error(lambda lib: U(lib).pad_packed_sequence(
        U(lib).pack_sequence([lib.zeros(3), lib.zeros(2)]), total_length=2))


def test_packed_sequence_methods():
    p = U(ember).pack_sequence([ember.zeros(3, 2), ember.zeros(1, 2), ember.zeros(2, 2)],
                               enforce_sorted=False)
    d = p.double()
    assert d.data.dtype == ember.float64 and d.batch_sizes is p.batch_sizes
    assert d.sorted_indices.tolist() == [0, 2, 1] and d.unsorted_indices.tolist() == [0, 2, 1]
    assert p.to(ember.float32) is p
    assert p.is_cuda is False
    q = ember.nn.utils.rnn.PackedSequence(p.data, p.batch_sizes, p.sorted_indices)
    assert q.unsorted_indices.tolist() == p.unsorted_indices.tolist()
    perm = ember.tensor([2, 0, 3, 1])
    assert U(ember).invert_permutation(perm).tolist() == \
        U(torch).invert_permutation(torch.tensor([2, 0, 3, 1])).tolist()
    assert U(ember).invert_permutation(None) is None
