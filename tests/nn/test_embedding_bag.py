"""F.embedding_bag and nn.EmbeddingBag against PyTorch: values and gradients (weight and
per_sample_weights) for every mode / layout / padding option, errors, module behaviour."""
import itertools
import zlib

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import compare, assert_same, needs_torch, torch

N_EMB, DIM = 10, 4


def _layout(kind, rng):
    """(indices, offsets, include_last_offset) with empty bags and repeated indices."""
    if kind == '2d':
        idx = rng.integers(0, N_EMB, (5, 3))
        idx[0] = 3                      # an all-padding bag when padding_idx=3
        idx[1, 0] = 3
        return idx, None, False
    idx = rng.integers(0, N_EMB, 12)
    idx[4:6] = 3
    idx[9] = 9
    if kind == '1d':
        return idx, np.array([0, 0, 3, 3, 7, 12, 12]), False
    return idx, np.array([0, 0, 3, 7, 10, 10, 12]), True      # include_last_offset


def _run(lib, idx, w, off, psw, **kw):
    return lib.nn.functional.embedding_bag(idx, w, off, per_sample_weights=psw, **kw)


@needs_torch
@pytest.mark.parametrize('mode,padding_idx,kind,use_psw', [
    c for c in itertools.product(['sum', 'mean', 'max'], [None, 3, -1], ['2d', '1d', 'last'],
                                 [False, True]) if not (c[3] and c[0] != 'sum')])
def test_embedding_bag_matches_torch(mode, padding_idx, kind, use_psw, device):
    rng = np.random.default_rng(zlib.crc32(repr((mode, padding_idx, kind, use_psw)).encode()))
    idx, off, last = _layout(kind, rng)
    w = rng.standard_normal((N_EMB, DIM))
    args = [idx, w] + ([off] if off is not None else [])
    psw = rng.standard_normal(idx.shape) if use_psw else None

    def fn(lib, i, wt, *rest):
        o = rest[0] if off is not None else None
        p = rest[-1] if use_psw else None
        return _run(lib, i, wt, o, p, mode=mode, include_last_offset=last,
                    padding_idx=padding_idx)
    e, _ = compare(fn, *(args + ([psw] if use_psw else [])), device=device)
    assert e.dtype == ember.float64


@needs_torch
@pytest.mark.parametrize('mode', ['sum', 'mean', 'max'])
def test_embedding_bag_float32_last_offset_short(mode, device):
    """include_last_offset with offsets[-1] < len(input) (outside PyTorch's contract: its CPU
    kernels read uninitialised memory there): the tail is ignored, i.e. the same as the input cut
    at offsets[-1]; int32 indices and offsets."""
    rng = np.random.default_rng(1)
    idx = rng.integers(0, N_EMB, 12)
    off = np.array([0, 0, 3, 7, 10, 10, 11])
    w = rng.standard_normal((N_EMB, DIM)).astype(np.float32)
    We = ember.tensor(w, device=device)
    oe = F.embedding_bag(ember.tensor(idx, device=device), We, ember.tensor(off, device=device),
                         mode=mode, include_last_offset=True)
    ot = torch.nn.functional.embedding_bag(torch.tensor(idx[:11]), torch.tensor(w),
                                           torch.tensor(off), mode=mode, include_last_offset=True)
    assert_same(oe, ot)
    compare(lambda lib, i, wt, o: lib.nn.functional.embedding_bag(i.int(), wt, o.int(), mode=mode),
            idx, w, np.array([0, 3, 7, 10]), device=device)


@needs_torch
@pytest.mark.parametrize('mode', ['sum', 'mean'])
def test_embedding_bag_scale_grad_by_freq(mode, device):
    """The weight gradient is scaled by the inverse frequency of each index in the batch
    (checked against F.embedding(scale_grad_by_freq=True) followed by the bag reduction:
    PyTorch's own CPU embedding_bag kernel divides by the wrong index's count)."""
    rng = np.random.default_rng(2)
    idx = rng.integers(0, 5, (4, 3))
    w = rng.standard_normal((N_EMB, DIM))
    gw = rng.standard_normal((4, DIM))
    We = ember.tensor(w, requires_grad=True, device=device)
    oe = F.embedding_bag(ember.tensor(idx, device=device), We, mode=mode, scale_grad_by_freq=True)
    (oe * ember.tensor(gw, device=device)).sum().backward()
    Wt = torch.tensor(w, requires_grad=True)
    e = torch.nn.functional.embedding(torch.tensor(idx), Wt, scale_grad_by_freq=True)
    ot = e.sum(1) if mode == 'sum' else e.mean(1)
    (ot * torch.tensor(gw)).sum().backward()
    assert_same(oe, ot)
    assert_same(We.grad, Wt.grad)


@needs_torch
def test_embedding_bag_noncontiguous_and_empty(device):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((DIM, N_EMB))
    idx = rng.integers(0, N_EMB, (3, 4))
    for mode in ['sum', 'mean', 'max']:
        compare(lambda lib, i, wt: lib.nn.functional.embedding_bag(i.t(), wt.t(), mode=mode),
                idx, w, device=device)
        # no indices at all: every bag is empty
        compare(lambda lib, i, wt, o: lib.nn.functional.embedding_bag(i, wt.t(), o, mode=mode),
                np.zeros(0, np.int64), w, np.array([0, 0, 0]), device=device)
        compare(lambda lib, i, wt: lib.nn.functional.embedding_bag(i, wt.t(), mode=mode),
                np.zeros((0, 3), np.int64), w, device=device)
        # no bags (PyTorch's CPU kernel can crash here, so it is not asked)
        out = F.embedding_bag(ember.tensor(idx.ravel(), device=device),
                              ember.tensor(w, device=device).t(),
                              ember.tensor(np.zeros(0, np.int64), device=device), mode=mode)
        assert tuple(out.shape) == (0, DIM) and out.dtype == ember.float64


@needs_torch
def test_embedding_bag_max_norm(device):
    rng = np.random.default_rng(4)
    w = rng.standard_normal((N_EMB, DIM)) * 3
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    off = np.array([0, 4])
    we, wt = ember.tensor(w.copy(), device=device), torch.tensor(w.copy())
    oe = F.embedding_bag(ember.tensor(idx, device=device), we, ember.tensor(off, device=device),
                         max_norm=1.5, norm_type=1.0, mode='sum')
    ot = torch.nn.functional.embedding_bag(torch.tensor(idx), wt, torch.tensor(off), max_norm=1.5,
                                           norm_type=1.0, mode='sum')
    assert_same(oe, ot)
    assert_same(we, wt)


@pytest.mark.parametrize('mode', ['sum', 'mean', 'max'])
def test_embedding_bag_gradcheck(mode, device):
    rng = np.random.default_rng(5)
    w = ember.tensor(rng.standard_normal((6, 3)), requires_grad=True, device=device)
    idx = ember.tensor(np.array([1, 2, 4, 5, 4, 0, 2, 1]), device=device)
    off = ember.tensor(np.array([0, 3, 3, 6]), device=device)
    f = lambda wt: F.embedding_bag(idx, wt, off, mode=mode, padding_idx=5)
    assert gradcheck(f, (w,))
    assert gradgradcheck(f, (w,))
    if mode == 'sum':
        p = ember.tensor(rng.standard_normal(8), requires_grad=True, device=device)
        g = lambda wt, ps: F.embedding_bag(idx, wt, off, mode='sum', per_sample_weights=ps,
                                           padding_idx=4)
        assert gradcheck(g, (w, p))
        assert gradgradcheck(g, (w, p))


@needs_torch
def test_embedding_bag_errors_match_torch(device):
    i = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    w = np.random.randn(10, 3).astype(np.float32)
    E = lambda lib, *a, **k: lib.nn.functional.embedding_bag(*a, **k)
    cases = [
        lambda lib, I, W, T: E(lib, I.float(), W, T(np.array([0, 4]))),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([1, 4]))),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([1, 4])).int()),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 9]))),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 9])), include_last_offset=True),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 5, 3]))),
        lambda lib, I, W, T: E(lib, I, W, T(np.zeros(0, np.int64)), include_last_offset=True),
        lambda lib, I, W, T: E(lib, T(np.array([1, 10])), W, T(np.array([0]))),
        lambda lib, I, W, T: E(lib, T(np.array([1, -1])), W, T(np.array([0]))),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 4])), padding_idx=10),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 4])), padding_idx=-11),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 4])), mode='sum',
                               per_sample_weights=T(np.random.rand(8))),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 4])), mode='sum',
                               per_sample_weights=T(np.random.rand(7).astype(np.float32))),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 4])),
                               per_sample_weights=T(np.random.rand(8).astype(np.float32))),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 4])), mode='foo'),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 4])), mode='max',
                               scale_grad_by_freq=True),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([0, 4])), mode='max', sparse=True),
        lambda lib, I, W, T: E(lib, I.view(2, 4), W, T(np.array([0, 4]))),
        lambda lib, I, W, T: E(lib, I.view(2, 2, 2), W),
        lambda lib, I, W, T: E(lib, I, W),
        lambda lib, I, W, T: E(lib, I, W, T(np.array([[0, 4]]))),
        lambda lib, I, W, T: E(lib, I, W[0], T(np.array([0, 4]))),
        lambda lib, I, W, T: E(lib, I, W.int(), T(np.array([0, 4]))),
        lambda lib, I, W, T: E(lib, I.view(8, 1)[:, :0], W),
        lambda lib, I, W, T: E(lib, T(np.zeros(0, np.int64)), W, T(np.array([0, 4]))),
    ]
    for fn in cases:
        with pytest.raises(Exception) as te:
            fn(torch, torch.tensor(i), torch.tensor(w), torch.tensor)
        with pytest.raises(type(te.value)) as ee:
            fn(ember, ember.tensor(i, device=device), ember.tensor(w, device=device),
               lambda a: ember.tensor(a, device=device))
        assert str(ee.value).replace('ember._tensor.', 'torch.') == str(te.value)


# ------------------------------------------------------------------ nn.EmbeddingBag

@needs_torch
def test_embedding_bag_module_repr_state_dict(device):
    for kw in [{}, {'mode': 'sum'}, {'max_norm': 1.0, 'norm_type': 1,
                                     'scale_grad_by_freq': True, 'mode': 'max',
                                     'padding_idx': -2},
               {'padding_idx': 0, 'include_last_offset': True, 'sparse': True}]:
        if kw.get('mode') == 'max':
            kw = dict(kw, scale_grad_by_freq=False)
        e = nn.EmbeddingBag(10, 3, device=device, **kw)
        t = torch.nn.EmbeddingBag(10, 3, **kw)
        assert repr(e) == repr(t)
        assert e.padding_idx == t.padding_idx
        sd = e.state_dict()
        assert list(sd) == list(t.state_dict()) == ['weight']
        assert tuple(sd['weight'].shape) == (10, 3) and sd['weight'].dtype == ember.float32
        if t.padding_idx is not None:
            assert not np.any(e.weight.detach().cpu().numpy()[t.padding_idx])
    assert repr(nn.EmbeddingBag(10, 3)) == 'EmbeddingBag(10, 3, mode=\'mean\')'
    assert nn.EmbeddingBag(4, 2, dtype=ember.float64).weight.dtype == ember.float64
    with pytest.raises(AssertionError, match='padding_idx must be within num_embeddings'):
        nn.EmbeddingBag(10, 3, padding_idx=10)
    with pytest.raises(AssertionError, match='Shape of weight'):
        nn.EmbeddingBag(10, 3, _weight=ember.zeros(3, 10))


def test_embedding_bag_module_init_distribution(device):
    e = nn.EmbeddingBag(2000, 50, device=device)
    w = e.weight.detach().cpu().numpy()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02


@needs_torch
@pytest.mark.parametrize('mode', ['sum', 'mean', 'max'])
def test_embedding_bag_module_matches_torch(mode, device):
    rng = np.random.default_rng(6)
    t = torch.nn.EmbeddingBag(10, 4, mode=mode, padding_idx=2, include_last_offset=True)
    e = nn.EmbeddingBag(10, 4, mode=mode, padding_idx=2, include_last_offset=True, device=device)
    e.load_state_dict({'weight': ember.tensor(t.weight.detach().numpy(), device=device)})
    idx = rng.integers(0, 10, 9)
    off = np.array([0, 2, 2, 6, 9])
    psw = rng.standard_normal(9).astype(np.float32) if mode == 'sum' else None
    oe = e(ember.tensor(idx, device=device), ember.tensor(off, device=device),
           None if psw is None else ember.tensor(psw, device=device))
    ot = t(torch.tensor(idx), torch.tensor(off), None if psw is None else torch.tensor(psw))
    assert_same(oe, ot)
    assert oe.grad_fn.name() == 'EmbeddingBagBackward0'
    gw = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    (oe * ember.tensor(gw, device=device)).sum().backward()
    (ot * torch.tensor(gw)).sum().backward()
    assert_same(e.weight.grad, t.weight.grad)


@needs_torch
def test_embedding_bag_from_pretrained(device):
    w = np.random.randn(5, 3).astype(np.float32)
    e = nn.EmbeddingBag.from_pretrained(ember.tensor(w, device=device), mode='sum')
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode='sum')
    assert not e.weight.requires_grad and repr(e) == repr(t)
    e2 = nn.EmbeddingBag.from_pretrained(ember.tensor(w, device=device), freeze=False,
                                         padding_idx=1, mode='max')
    assert e2.weight.requires_grad and e2.padding_idx == 1 and e2.mode == 'max'
    i = np.array([[0, 1], [4, 1]])
    assert_same(e2(ember.tensor(i, device=device)),
                torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), padding_idx=1,
                                                      mode='max')(torch.tensor(i)))
    with pytest.raises(AssertionError, match='2-dimensional'):
        nn.EmbeddingBag.from_pretrained(ember.zeros(3, device=device))
