"""Attention and transformer layers against PyTorch: scaled_dot_product_attention,
multi_head_attention_forward, MultiheadAttention and the Transformer family."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import compare, assert_same, to_np, needs_torch, torch

pytestmark = needs_torch

R = np.random.RandomState


def rnd(*shape, seed=0, dtype=np.float32):
    return R(seed).standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------- helpers


def copy_weights(e_mod, t_mod, device='cpu'):
    """Load torch's parameters (and buffers) into the ember module."""
    sd = {k: ember.tensor(v.detach().numpy(), device=device) for k, v in t_mod.state_dict().items()}
    e_mod.load_state_dict(sd)


def make_pair(name, *args, device='cpu', **kw):
    t_mod = getattr(torch.nn, name)(*args, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        e_mod = getattr(nn, name)(*args, **kw)
    e_mod.to(device)
    copy_weights(e_mod, t_mod, device)
    return e_mod, t_mod


def run_both(e_mod, t_mod, inputs, device='cpu', grad_idx=None, kwargs=None, out_index=None,
             rtol=1e-4, atol=1e-5):
    """Call both modules on the same inputs (numpy arrays become tensors, float ones require
    grad unless excluded), compare outputs, backpropagate a fixed random weighting and compare
    input and parameter gradients."""
    kwargs = kwargs or {}
    e_in, t_in = [], []
    for i, x in enumerate(inputs):
        rg = x.dtype.kind == 'f' and (grad_idx is None or i in grad_idx)
        e_in.append(ember.tensor(x, device=device, requires_grad=rg))
        t_in.append(torch.tensor(x, requires_grad=rg))
    ekw = {k: ember.tensor(v, device=device) if isinstance(v, np.ndarray) else v
           for k, v in kwargs.items()}
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    eo, to = e_mod(*e_in, **ekw), t_mod(*t_in, **tkw)
    if not isinstance(eo, tuple):
        eo, to = (eo,), (to,)
    rng = R(7)
    el = tl = 0
    for a, b in zip(eo, to):
        if b is None:
            assert a is None
            continue
        assert_same(a, b, rtol=rtol, atol=atol)
        w = rng.standard_normal(tuple(b.shape)).astype(np.float32)
        el = el + (a * ember.tensor(w, device=device)).sum()
        tl = tl + (b * torch.tensor(w)).sum()
    el.backward()
    tl.backward()
    for a, b in zip(e_in, t_in):
        if b.requires_grad:
            assert_same(a.grad, b.grad, rtol=rtol, atol=atol)
    tp = dict(t_mod.named_parameters())
    for n, p in e_mod.named_parameters():
        if tp[n].grad is None:
            assert p.grad is None
        else:
            assert_same(p.grad, tp[n].grad, rtol=rtol, atol=10 * atol)
    return eo, to


# ----------------------------------------------------------------------------- SDPA


@pytest.mark.parametrize('mask', [None, 'bool', 'float', 'float3', 'causal', 'scale'])
def test_sdpa_matches_torch(device, mask):
    q, k, v = rnd(2, 3, 4, 8), rnd(2, 3, 5, 8, seed=1), rnd(2, 3, 5, 6, seed=2)
    kw = {}
    if mask == 'bool':
        m = R(3).rand(4, 5) > 0.3
        m[:, 0] = True
        kw = {'attn_mask': m}
    elif mask == 'float':
        kw = {'attn_mask': rnd(4, 5, seed=3)}
    elif mask == 'float3':
        kw = {'attn_mask': rnd(3, 1, 5, seed=3)}
    elif mask == 'causal':
        kw = {'is_causal': True}
    elif mask == 'scale':
        kw = {'scale': 0.37}

    def fn(lib, q, k, v):
        akw = dict(kw)
        if 'attn_mask' in akw:
            akw['attn_mask'] = lib.tensor(akw['attn_mask'], device=device) if lib is ember \
                else lib.tensor(akw['attn_mask'])
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **akw)
    compare(fn, q, k, v, device=device, rtol=1e-5, atol=1e-5)


def test_sdpa_float_mask_grad_and_broadcast(device):
    # the float mask requires grad; query batch dims broadcast against key/value's
    q, k, v = rnd(3, 4, 8), rnd(2, 3, 6, 8, seed=1), rnd(2, 3, 6, 5, seed=2)
    m = rnd(1, 3, 4, 6, seed=3)
    compare(lambda lib, q, k, v, m: lib.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=m), q, k, v, m, device=device, rtol=1e-5, atol=1e-5)


def test_sdpa_noncontiguous_and_unbatched(device):
    q, k, v = rnd(8, 4), rnd(8, 5, seed=1), rnd(3, 5, seed=2)
    compare(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
        q.t(), k.t(), v.t()), q, k, v, device=device, rtol=1e-5, atol=1e-5)
    q4 = rnd(2, 4, 3, 8)
    compare(lambda lib, q: lib.nn.functional.scaled_dot_product_attention(
        q.transpose(1, 2), q.transpose(1, 2)[..., ::2, :], q.transpose(1, 2)[..., 1::2, :]),
        q4, device=device, rtol=1e-5, atol=1e-5)


def test_sdpa_fully_masked_rows_give_zeros(device):
    q, k, v = rnd(2, 4, 8), rnd(2, 5, 8, seed=1), rnd(2, 5, 6, seed=2)
    m = R(3).rand(4, 5) > 0.5
    m[1] = False
    fm = np.zeros((4, 5), np.float32)
    fm[2] = -np.inf
    for mask in (m, fm):
        eo, to = compare(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=(lib.tensor(mask, device=device) if lib is ember
                                else lib.tensor(mask))), q, k, v, device=device)
        assert np.isfinite(to_np(eo)).all()


def test_sdpa_gqa(device):
    q, k, v = rnd(2, 4, 3, 8), rnd(2, 2, 5, 8, seed=1), rnd(2, 1, 5, 6, seed=2)
    compare(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
        q, k, v, enable_gqa=True), q, k, v, device=device, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('kw', [{}, {'causal': True}, {'mask': True}])
def test_sdpa_gradcheck_float64(device, kw):
    q = ember.tensor(rnd(2, 3, 4, dtype=np.float64), device=device, requires_grad=True)
    k = ember.tensor(rnd(2, 5, 4, seed=1, dtype=np.float64), device=device, requires_grad=True)
    v = ember.tensor(rnd(2, 5, 3, seed=2, dtype=np.float64), device=device, requires_grad=True)
    m = ember.tensor(rnd(3, 5, seed=3, dtype=np.float64), device=device, requires_grad=True)

    def f(q, k, v, m):
        if kw.get('mask'):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=m)
        causal = kw.get('causal', False)
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal) + 0 * m.sum()
    assert gradcheck(f, (q, k, v, m))
    assert gradgradcheck(f, (q, k, v, m))


def test_sdpa_double_backward_vs_torch(device):
    q, k, v = rnd(2, 3, 4), rnd(2, 5, 4, seed=1), rnd(2, 5, 3, seed=2)
    mask = R(3).rand(3, 5) > 0.3
    mask[0] = False

    def fn(lib, q, k, v):
        m = lib.tensor(mask, device=device) if lib is ember else lib.tensor(mask)
        o = lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m)
        gq, gk = lib.autograd.grad((o * o).sum(), (q, k), create_graph=True)
        return gq, gk
    compare(fn, q, k, v, device=device, rtol=1e-4, atol=1e-5)


def test_sdpa_dropout(device):
    q = ember.tensor(rnd(2, 3, 16, 8), device=device)
    v = ember.tensor(np.ones((2, 3, 16, 8), np.float32), device=device)
    ember.manual_seed(0)
    a = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    ember.manual_seed(0)
    b = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    c = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    assert a.shape == (2, 3, 16, 8) and a.dtype == ember.float32
    assert np.array_equal(to_np(a), to_np(b)) and not np.array_equal(to_np(a), to_np(c))
    # with v = 1 the output is the sum of the kept (rescaled) weights of each row: mean 1
    assert abs(to_np(a).mean() - 1) < 0.15 and to_np(a).std() > 0.1
    z = F.scaled_dot_product_attention(q, q, v, dropout_p=1.0)
    assert np.all(to_np(z) == 0)
    # gradients flow through the kept weights only
    qg = ember.tensor(rnd(2, 3, 16, 8), device=device, requires_grad=True)
    ember.manual_seed(1)
    F.scaled_dot_product_attention(qg, qg, qg, dropout_p=0.3).sum().backward()
    assert qg.grad.shape == qg.shape and np.isfinite(to_np(qg.grad)).all()


def test_sdpa_errors(device):
    t = lambda *s, dt=np.float32: ember.tensor(np.zeros(s, dt), device=device)  # noqa: E731
    T = lambda *s, dt=np.float32: torch.tensor(np.zeros(s, dt))  # noqa: E731
    cases = [
        ((2, 4, 8), (2, 5, 8), (2, 4, 6), {}),          # value's S != key's S
        ((2, 4, 8), (2, 5, 7), (2, 5, 6), {}),          # E mismatch
        ((8,), (5, 8), (5, 6), {}),                     # 1-D query
        ((2, 4, 8), (2, 5, 8), (2, 5, 6), {'mask': (4, 5), 'is_causal': True}),
        ((2, 4, 8), (2, 5, 8), (2, 5, 6), {'mask': (3, 5)}),
        ((2, 4, 8), (2, 5, 8), (2, 5, 6), {'mask_dt': np.int64}),
        ((2, 4, 8), (2, 5, 8), (2, 5, 6), {'dropout_p': 1.5}),
    ]
    for qs, ks, vs, kw in cases:
        kw = dict(kw)
        margs = {}
        if 'mask' in kw or 'mask_dt' in kw:
            shp, dt = kw.pop('mask', (4, 5)), kw.pop('mask_dt', np.float32)
            margs = {'attn_mask': (t(*shp, dt=dt), T(*shp, dt=dt))}
        with pytest.raises(RuntimeError) as te:
            torch.nn.functional.scaled_dot_product_attention(
                T(*qs), T(*ks), T(*vs), **{k: v[1] for k, v in margs.items()}, **kw)
        with pytest.raises(RuntimeError) as ee:
            F.scaled_dot_product_attention(t(*qs), t(*ks), t(*vs),
                                           **{k: v[0] for k, v in margs.items()}, **kw)
        assert str(ee.value) == str(te.value)
    with pytest.raises(RuntimeError, match='same dtype'):
        F.scaled_dot_product_attention(t(2, 4, 8, dt=np.float64), t(2, 5, 8), t(2, 5, 6))


# ----------------------------------------------------------------------------- MHA


def _state_like(e_mod, t_mod):
    esd, tsd = e_mod.state_dict(), t_mod.state_dict()
    assert list(esd) == list(tsd)
    for k in esd:
        assert tuple(esd[k].shape) == tuple(tsd[k].shape), k
        assert str(esd[k].dtype) == str(tsd[k].dtype), k


@pytest.mark.parametrize('kw', [{}, {'bias': False}, {'kdim': 4, 'vdim': 6},
                                {'add_bias_kv': True, 'add_zero_attn': True},
                                {'batch_first': True, 'dropout': 0.1}])
def test_mha_params_state_dict_repr_init(device, kw):
    t_mod = torch.nn.MultiheadAttention(16, 4, **kw)
    e_mod = nn.MultiheadAttention(16, 4, device=device, **kw)
    _state_like(e_mod, t_mod)
    assert repr(e_mod) == repr(t_mod)
    assert type(e_mod.out_proj).__name__ == 'NonDynamicallyQuantizableLinear'
    assert isinstance(e_mod.out_proj, nn.Linear)
    for a in ('embed_dim', 'kdim', 'vdim', 'num_heads', 'dropout', 'batch_first', 'head_dim',
              '_qkv_same_embed_dim', 'add_zero_attn'):
        assert getattr(e_mod, a) == getattr(t_mod, a), a
    # init: xavier-uniform projections, zero biases
    bound = math.sqrt(6 / (16 + 48))
    if e_mod.in_proj_weight is not None:
        w = to_np(e_mod.in_proj_weight)
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    else:
        w = to_np(e_mod.k_proj_weight)
        assert np.abs(w).max() <= math.sqrt(6 / (16 + 4))
    if e_mod.in_proj_bias is not None:
        assert np.all(to_np(e_mod.in_proj_bias) == 0) and np.all(to_np(e_mod.out_proj.bias) == 0)
    ob = 1 / math.sqrt(16)
    assert np.abs(to_np(e_mod.out_proj.weight)).max() <= ob


M_CASES = [
    ({}, {}, False, True),
    ({}, {'need_weights': False}, False, True),
    ({}, {'average_attn_weights': False}, True, True),
    ({}, {'need_weights': False}, True, True),
    ({}, {'attn_mask': 'bool'}, False, False),
    ({}, {'attn_mask': 'float', 'need_weights': False}, True, False),
    ({}, {'attn_mask': 'bool3', 'need_weights': False}, False, True),
    ({}, {'key_padding_mask': 'bool', 'need_weights': False}, True, False),
    ({}, {'key_padding_mask': 'float', 'attn_mask': 'float'}, False, False),
    ({'kdim': 4, 'vdim': 7}, {'key_padding_mask': 'bool', 'attn_mask': 'bool'}, True, False),
    ({'kdim': 4, 'vdim': 7}, {'need_weights': False}, False, False),
    ({'add_bias_kv': True, 'add_zero_attn': True}, {'key_padding_mask': 'bool',
                                                    'attn_mask': 'bool'}, False, False),
    ({'add_bias_kv': True, 'bias': False}, {'key_padding_mask': 'bool', 'need_weights': False},
     True, False),
    ({}, {'attn_mask': 'causal', 'is_causal': True, 'need_weights': False}, True, True),
    ({}, {'attn_mask': 'causal', 'is_causal': True, 'key_padding_mask': 'bool',
          'need_weights': False}, False, True),
]


def _masks(spec, L, S, N, H):
    rng = R(5)
    out = {}
    for k, v in spec.items():
        if v == 'bool':
            shape = (L, S) if k == 'attn_mask' else (N, S)
            m = rng.rand(*shape) > 0.7
            m[..., 0] = False
            out[k] = m
        elif v == 'bool3':
            m = rng.rand(N * H, L, S) > 0.7
            m[..., 0] = False
            out[k] = m
        elif v == 'float':
            shape = (L, S) if k == 'attn_mask' else (N, S)
            out[k] = rng.standard_normal(shape).astype(np.float32)
        elif v == 'causal':
            out[k] = np.triu(np.full((L, S), -np.inf, np.float32), 1)
        else:
            out[k] = v
    return out


@pytest.mark.parametrize('ctor,call,bf,self_attn', M_CASES)
def test_mha_matches_torch(device, ctor, call, bf, self_attn):
    E, H, N, L = 8, 2, 3, 5
    S = L if self_attn else 6
    e_mod, t_mod = make_pair('MultiheadAttention', E, H, batch_first=bf, device=device, **ctor)
    e_mod.eval(), t_mod.eval()
    sh = (lambda n, e: (N, n, e)) if bf else (lambda n, e: (n, N, e))
    kw = _masks(call, L, S, N, H)
    if self_attn:
        x = rnd(*sh(L, E))
        ex = ember.tensor(x, device=device, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        ekw = {k: ember.tensor(v, device=device) if isinstance(v, np.ndarray) else v
               for k, v in kw.items()}
        tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        eo, ew = e_mod(ex, ex, ex, **ekw)
        to, tw = t_mod(tx, tx, tx, **tkw)
        assert_same(eo, to, rtol=1e-4, atol=1e-5)
        assert (ew is None) == (tw is None)
        loss_e = (eo * ember.tensor(rnd(*eo.shape, seed=9), device=device)).sum()
        loss_t = (to * torch.tensor(rnd(*to.shape, seed=9))).sum()
        if tw is not None:
            assert_same(ew, tw, rtol=1e-4, atol=1e-6)
            loss_e, loss_t = loss_e + (ew * ew).sum(), loss_t + (tw * tw).sum()
        loss_e.backward()
        loss_t.backward()
        assert_same(ex.grad, tx.grad, rtol=1e-4, atol=1e-5)
        tp = dict(t_mod.named_parameters())
        for n, p in e_mod.named_parameters():
            assert_same(p.grad, tp[n].grad, rtol=1e-4, atol=1e-4)
    else:
        q, k, v = rnd(*sh(L, E)), rnd(*sh(S, e_mod.kdim), seed=1), rnd(*sh(S, e_mod.vdim), seed=2)
        run_both(e_mod, t_mod, [q, k, v], device=device, kwargs=kw)


def test_mha_unbatched_and_key_is_value(device):
    e_mod, t_mod = make_pair('MultiheadAttention', 8, 4, device=device)
    q, kv = rnd(5, 8), rnd(6, 8, seed=1)
    kpm = np.array([False, True, False, False, True, False])
    run_both(e_mod, t_mod, [q, kv, kv], device=device,
             kwargs={'key_padding_mask': kpm, 'average_attn_weights': False})
    # key is value (encoder-decoder attention): one packed k/v projection
    ek = ember.tensor(rnd(6, 2, 8, seed=1), device=device, requires_grad=True)
    tk = torch.tensor(rnd(6, 2, 8, seed=1), requires_grad=True)
    eq, tq = ember.tensor(rnd(5, 2, 8), device=device), torch.tensor(rnd(5, 2, 8))
    eo = e_mod(eq, ek, ek)[0]
    to = t_mod(tq, tk, tk)[0]
    assert_same(eo, to, rtol=1e-4, atol=1e-5)
    eo.sum().backward()
    to.sum().backward()
    assert_same(ek.grad, tk.grad, rtol=1e-4, atol=1e-5)


def test_mha_functional_matches_torch(device):
    t_mod = torch.nn.MultiheadAttention(8, 2, add_bias_kv=True)
    args = lambda lib, m: (8, 2, m.in_proj_weight, m.in_proj_bias, m.bias_k, m.bias_v,  # noqa
                           False, 0.0, m.out_proj.weight, m.out_proj.bias)
    e_mod = nn.MultiheadAttention(8, 2, add_bias_kv=True, device=device)
    copy_weights(e_mod, t_mod, device)
    q = rnd(4, 3, 8)
    sk = rnd(6, 5, 4, seed=1)
    e_out = F.multi_head_attention_forward(
        ember.tensor(q, device=device), ember.tensor(q, device=device),
        ember.tensor(q, device=device), *args(ember, e_mod), training=False)
    t_out = torch.nn.functional.multi_head_attention_forward(
        torch.tensor(q), torch.tensor(q), torch.tensor(q), *args(torch, t_mod), training=False)
    assert_same(e_out, t_out, rtol=1e-4, atol=1e-5)
    # static keys / values (no bias_kv)
    t2 = torch.nn.MultiheadAttention(8, 2)
    e2 = nn.MultiheadAttention(8, 2, device=device)
    copy_weights(e2, t2, device)
    a2 = lambda m: (8, 2, m.in_proj_weight, m.in_proj_bias, None, None, True, 0.0,  # noqa
                    m.out_proj.weight, m.out_proj.bias)
    e_out = F.multi_head_attention_forward(
        *(ember.tensor(q, device=device),) * 3, *a2(e2), training=False,
        static_k=ember.tensor(sk, device=device), static_v=ember.tensor(sk, device=device))
    t_out = torch.nn.functional.multi_head_attention_forward(
        *(torch.tensor(q),) * 3, *a2(t2), training=False, static_k=torch.tensor(sk),
        static_v=torch.tensor(sk))
    assert_same(e_out, t_out, rtol=1e-4, atol=1e-5)


def test_mha_train_dropout(device):
    m = nn.MultiheadAttention(8, 2, dropout=0.5, device=device)
    x = ember.tensor(rnd(5, 3, 8), device=device, requires_grad=True)
    ember.manual_seed(0)
    a, wa = m(x, x, x)
    ember.manual_seed(0)
    b, wb = m(x, x, x)
    c, _ = m(x, x, x)
    assert a.shape == (5, 3, 8) and wa.shape == (3, 5, 5)
    assert np.array_equal(to_np(a), to_np(b)) and not np.array_equal(to_np(a), to_np(c))
    m.eval()
    d, wd = m(x, x, x)
    e, _ = m(x, x, x)
    assert np.array_equal(to_np(d), to_np(e))
    np.testing.assert_allclose(to_np(wd).sum(-1), 1, rtol=1e-5)
    m.train()
    ember.manual_seed(2)
    m(x, x, x, need_weights=False)[0].sum().backward()
    assert x.grad.shape == x.shape


def test_mha_errors(device):
    for args in [(0, 2), (8, 0)]:
        with pytest.raises(ValueError) as te:
            torch.nn.MultiheadAttention(*args)
        with pytest.raises(ValueError) as ee:
            nn.MultiheadAttention(*args)
        assert str(ee.value) == str(te.value)
    with pytest.raises(AssertionError, match='embed_dim must be divisible by num_heads'):
        nn.MultiheadAttention(10, 3)
    e_mod, t_mod = make_pair('MultiheadAttention', 8, 2, device=device)
    bad = [
        ([(5, 3, 6)] * 3, {}),                                   # wrong embed dim
        ([(5, 3, 8), (6, 3, 8), (7, 3, 8)], {}),                 # key/value shape
        ([(5, 3, 8), (5, 3, 8), (5, 8)], {}),                    # 3-D query, 2-D value
        ([(2, 5, 3, 8)] * 3, {}),                                # 4-D
        ([(5, 3, 8)] * 3, {'key_padding_mask': (3,)}),
        ([(5, 3, 8)] * 3, {'key_padding_mask': (3, 4)}),
        ([(5, 3, 8)] * 3, {'attn_mask': (5, 4)}),
        ([(5, 3, 8)] * 3, {'attn_mask': (5, 5, 5)}),
        ([(5, 3, 8)] * 3, {'is_causal': True}),
        ([(5, 8)] * 3, {'attn_mask': (3, 5, 5)}),
    ]
    for shapes, kw in bad:
        ekw = {k: ember.zeros(*v, dtype=ember.bool, device=device) if isinstance(v, tuple) else v
               for k, v in kw.items()}
        tkw = {k: torch.zeros(*v, dtype=torch.bool) if isinstance(v, tuple) else v
               for k, v in kw.items()}
        with pytest.raises(Exception) as te:
            t_mod(*(torch.zeros(*s) for s in shapes), **tkw)
        with pytest.raises(Exception) as ee:
            e_mod(*(ember.zeros(*s, device=device) for s in shapes), **ekw)
        assert type(ee.value) is type(te.value), (shapes, kw, te.value)
        assert str(ee.value) == str(te.value)
    with pytest.raises(AssertionError, match='only bool and floating types'):
        e_mod(*(ember.zeros(5, 3, 8, device=device),) * 3,
              attn_mask=ember.zeros(5, 5, dtype=ember.int64, device=device))
    with pytest.warns(UserWarning, match='mismatched key_padding_mask and attn_mask'):
        e_mod(*(ember.zeros(5, 3, 8, device=device),) * 3,
              attn_mask=ember.zeros(5, 5, device=device),
              key_padding_mask=ember.zeros(3, 5, dtype=ember.bool, device=device))


# ----------------------------------------------------------------------------- transformer


ENC_CASES = [
    dict(batch_first=False),
    dict(batch_first=True),
    dict(batch_first=True, norm_first=True),
    dict(activation='gelu'),
    dict(activation='gelu', norm_first=True, bias=False),
    dict(layer_norm_eps=1e-3, batch_first=True),
]


@pytest.mark.parametrize('kw', ENC_CASES)
@pytest.mark.parametrize('masks', ['none', 'bool', 'float'])
def test_encoder_layer_matches_torch(device, kw, masks):
    d, h, ff, N, S = 8, 2, 16, 3, 5
    e_mod, t_mod = make_pair('TransformerEncoderLayer', d, h, ff, device=device, **kw)
    e_mod.eval(), t_mod.eval()
    bf = kw.get('batch_first', False)
    x = rnd(*((N, S, d) if bf else (S, N, d)))
    call = {}
    if masks == 'bool':
        m = R(2).rand(S, S) > 0.6
        np.fill_diagonal(m, False)
        kpm = np.zeros((N, S), bool)
        kpm[1, 3:] = True
        call = {'src_mask': m, 'src_key_padding_mask': kpm}
    elif masks == 'float':
        call = {'src_mask': rnd(S, S, seed=4), 'src_key_padding_mask': rnd(N, S, seed=5)}
    run_both(e_mod, t_mod, [x], device=device, kwargs=call)


def test_encoder_layer_callable_activation_and_unbatched(device):
    e_mod = nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU(), device=device)
    t_mod = torch.nn.TransformerEncoderLayer(8, 2, 16, activation=torch.nn.GELU())
    copy_weights(e_mod, t_mod, device)
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.activation_relu_or_gelu == t_mod.activation_relu_or_gelu == 2
    e_mod.eval(), t_mod.eval()
    run_both(e_mod, t_mod, [rnd(5, 8)], device=device)
    e2 = nn.TransformerEncoderLayer(8, 2, 16, activation=lambda x: x.tanh(), device=device)
    t2 = torch.nn.TransformerEncoderLayer(8, 2, 16, activation=lambda x: x.tanh())
    copy_weights(e2, t2, device)
    assert e2.activation_relu_or_gelu == 0
    e2.eval(), t2.eval()
    run_both(e2, t2, [rnd(5, 2, 8)], device=device)
    with pytest.raises(RuntimeError, match='activation should be relu/gelu, not tanh'):
        nn.TransformerEncoderLayer(8, 2, activation='tanh')


@pytest.mark.parametrize('bf', [False, True])
def test_encoder_stack_matches_torch(device, bf):
    d, h, N, S = 8, 2, 2, 6
    t_layer = torch.nn.TransformerEncoderLayer(d, h, 16, batch_first=bf)
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter('always')
        t_mod = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(d))
    e_layer = nn.TransformerEncoderLayer(d, h, 16, batch_first=bf, device=device)
    with warnings.catch_warnings(record=True) as ew:
        warnings.simplefilter('always')
        e_mod = nn.TransformerEncoder(e_layer, 2, norm=nn.LayerNorm(d, device=device))
    assert [str(w.message) for w in ew] == [str(w.message) for w in tw]
    assert e_mod.use_nested_tensor == t_mod.use_nested_tensor
    copy_weights(e_mod, t_mod, device)
    _state_like(e_mod, t_mod)
    assert 'layers.0.self_attn.in_proj_weight' in e_mod.state_dict()
    assert repr(e_mod) == repr(t_mod)
    e_mod.eval(), t_mod.eval()
    x = rnd(*((N, S, d) if bf else (S, N, d)))
    causal = np.triu(np.full((S, S), -np.inf, np.float32), 1)
    kpm = np.zeros((N, S), bool)
    kpm[0, 4:] = True
    run_both(e_mod, t_mod, [x], device=device, kwargs={'mask': causal})
    run_both(e_mod, t_mod, [x], device=device,
             kwargs={'mask': causal, 'src_key_padding_mask': kpm, 'is_causal': True})
    run_both(e_mod, t_mod, [x], device=device, kwargs={'src_key_padding_mask': kpm})


def test_decoder_and_transformer_match_torch(device):
    d, h, N, S, T = 8, 2, 2, 6, 4
    for bf, nf in [(False, False), (True, True)]:
        t_mod = torch.nn.Transformer(d, h, 2, 1, 16, batch_first=bf, norm_first=nf)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            e_mod = nn.Transformer(d, h, 2, 1, 16, batch_first=bf, norm_first=nf, device=device)
        _state_like(e_mod, t_mod)
        assert repr(e_mod) == repr(t_mod)
        copy_weights(e_mod, t_mod, device)
        e_mod.eval(), t_mod.eval()
        src = rnd(*((N, S, d) if bf else (S, N, d)))
        tgt = rnd(*((N, T, d) if bf else (T, N, d)), seed=1)
        tm = nn.Transformer.generate_square_subsequent_mask(T, device=device)
        assert_same(tm, torch.nn.Transformer.generate_square_subsequent_mask(T))
        kpm = np.zeros((N, S), bool)
        kpm[1, 5:] = True
        run_both(e_mod, t_mod, [src, tgt], device=device,
                 kwargs={'tgt_mask': to_np(tm), 'src_key_padding_mask': kpm,
                         'memory_key_padding_mask': kpm, 'tgt_is_causal': True})
    # decoder on its own, unbatched, bool masks
    e_dec, t_dec = make_pair('TransformerDecoderLayer', d, h, 16, activation='gelu',
                             device=device)
    e_dec.eval(), t_dec.eval()
    mm = R(1).rand(T, S) > 0.6
    mm[:, 0] = False
    run_both(e_dec, t_dec, [rnd(T, d), rnd(S, d, seed=1)], device=device,
             kwargs={'memory_mask': mm})


def test_transformer_init_and_repr(device):
    e_mod = nn.Transformer(16, 4, 1, 1, 32, device=device)
    t_mod = torch.nn.Transformer(16, 4, 1, 1, 32)
    assert repr(e_mod) == repr(t_mod)
    _state_like(e_mod, t_mod)
    # every matrix is xavier-uniform
    for n, p in e_mod.named_parameters():
        if p.dim() > 1:
            fo, fi = p.shape
            assert np.abs(to_np(p)).max() <= math.sqrt(6 / (fi + fo)), n
    assert (e_mod.d_model, e_mod.nhead, e_mod.batch_first) == (16, 4, False)
    dec_layer = nn.TransformerDecoderLayer(16, 4)
    t_dec = torch.nn.TransformerDecoderLayer(16, 4)
    assert repr(dec_layer) == repr(t_dec)
    _state_like(dec_layer, t_dec)
    assert 'multihead_attn.out_proj.weight' in dec_layer.state_dict()


def test_transformer_errors(device):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        e_mod = nn.Transformer(8, 2, 1, 1, 16, device=device)
        e_bf = nn.Transformer(8, 2, 1, 1, 16, batch_first=True, device=device)
    t_mod = torch.nn.Transformer(8, 2, 1, 1, 16)
    t_bf = torch.nn.Transformer(8, 2, 1, 1, 16, batch_first=True)
    for em, tm, s, t in [(e_mod, t_mod, (5, 2, 8), (4, 3, 8)), (e_bf, t_bf, (2, 5, 8), (3, 4, 8)),
                         (e_mod, t_mod, (5, 2, 8), (4, 2, 6))]:
        with pytest.raises(RuntimeError) as te:
            tm(torch.zeros(*s), torch.zeros(*t))
        with pytest.raises(RuntimeError) as ee:
            em(ember.zeros(*s, device=device), ember.zeros(*t, device=device))
        assert str(ee.value) == str(te.value)
    layer = nn.TransformerEncoderLayer(8, 2, 16, device=device)
    with pytest.raises(AssertionError):
        layer(ember.zeros(5, 2, 6, device=device))


def test_encoder_layer_train_mode_dropout(device):
    m = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.3, batch_first=True, device=device)
    x = ember.tensor(rnd(2, 6, 16), device=device, requires_grad=True)
    ember.manual_seed(0)
    a = m(x)
    ember.manual_seed(0)
    b = m(x)
    c = m(x)
    assert a.shape == (2, 6, 16) and a.dtype == ember.float32
    assert np.array_equal(to_np(a), to_np(b)) and not np.array_equal(to_np(a), to_np(c))
    m.eval()
    d, e = m(x), m(x)
    assert np.array_equal(to_np(d), to_np(e)) and not np.allclose(to_np(a), to_np(d))
    m.train()
    a.sum().backward()
    assert x.grad.shape == x.shape and np.isfinite(to_np(x.grad)).all()
    assert m.linear1.weight.grad is not None and m.self_attn.in_proj_weight.grad is not None


def test_encoder_layer_float64(device):
    t_mod = torch.nn.TransformerEncoderLayer(8, 2, 16, dtype=torch.float64)
    e_mod = nn.TransformerEncoderLayer(8, 2, 16, dtype=ember.float64, device=device)
    copy_weights(e_mod, t_mod, device)
    e_mod.eval(), t_mod.eval()
    x = rnd(5, 2, 8, dtype=np.float64)
    e_in = ember.tensor(x, device=device)
    out = e_mod(e_in)
    assert out.dtype == ember.float64
    assert_same(out, t_mod(torch.tensor(x)), rtol=1e-10, atol=1e-10)
