"""Shape and view ops against PyTorch: values, dtypes, strides, memory sharing, gradients."""
import numpy as np
import pytest

import ember
from tests.helpers import compare, assert_same, needs_torch, numeric_grad, to_np, torch

pytestmark = needs_torch

R = np.random.RandomState(0)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def f64(*shape):
    return R.standard_normal(shape)


def same_error(fn, device='cpu', match_message=True):
    """``fn(lib)`` raises the same exception type (and message) in ember as in torch."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    if match_message:
        assert str(ee.value) == str(te.value)


def gradcheck(fn, *arrays, device='cpu', double=True):
    """Finite-difference check of ``fn(ember, *tensors)`` in float64 (and of its gradient)."""
    ts = tuple(ember.tensor(a, device=device, requires_grad=True) for a in arrays)
    f = lambda *xs: fn(ember, *xs)
    gc = getattr(ember.autograd, 'gradcheck', None)
    if gc is not None:
        assert gc(f, ts, eps=1e-6, atol=1e-6)
        if double:
            assert ember.autograd.gradgradcheck(f, ts, eps=1e-6, atol=1e-6)
        return
    # fallback: finite differences of a weighted sum
    out = f(*ts)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    ws = [np.random.RandomState(3).standard_normal(tuple(o.shape)) for o in outs]
    loss = sum((o * ember.tensor(w, device=device)).sum() for o, w in zip(outs, ws))
    loss.backward()
    for i, (a, t) in enumerate(zip(arrays, ts)):
        def scalar(v, i=i):
            args = [ember.tensor(b, device=device) for b in arrays]
            args[i] = ember.tensor(v, device=device)
            o = f(*args)
            os_ = o if isinstance(o, (tuple, list)) else (o,)
            return sum(float((to_np(x) * w).sum()) for x, w in zip(os_, ws))
        np.testing.assert_allclose(to_np(t.grad), numeric_grad(scalar, a.copy()), rtol=1e-5,
                                   atol=1e-6)


def stride_match(fn, arr, device='cpu'):
    """``fn(lib, x)`` gives the same shape, strides and contiguity in ember and torch (or the
    same exception)."""
    try:
        t = fn(torch, torch.tensor(arr))
    except Exception as ex:
        with pytest.raises(type(ex)):
            fn(ember, ember.tensor(arr, device=device))
        return
    e = fn(ember, ember.tensor(arr, device=device))
    es = e if isinstance(e, (tuple, list)) else (e,)
    ts = t if isinstance(t, (tuple, list)) else (t,)
    for a, b in zip(es, ts):
        assert tuple(a.shape) == tuple(b.shape)
        if a.numel() > 1:
            assert a.stride() == b.stride(), (a.stride(), b.stride())
        assert a.is_contiguous() == b.is_contiguous()


def shares_memory(fn, arr, device='cpu'):
    """Writing through each view ``fn(lib, x)`` changes ``x`` the same way in ember and torch,
    and the view is marked as a view of ``x`` (``_base``)."""
    ex = ember.tensor(arr, device=device)
    tx = torch.tensor(arr)
    ev, tv = fn(ember, ex), fn(torch, tx)
    evs = ev if isinstance(ev, (tuple, list)) else (ev,)
    tvs = tv if isinstance(tv, (tuple, list)) else (tv,)
    for k, (a, b) in enumerate(zip(evs, tvs)):
        assert a._base is ex
        a.add_(10.0 * (k + 1))
        b.add_(10.0 * (k + 1))
    assert_same(ex, tx)
    assert ex._version == tx._version
    # and the base's writes are seen through the views
    ex.mul_(2.0)
    tx.mul_(2.0)
    assert_same(tuple(evs), tuple(tvs))


# ---------------------------------------------------------------------------- view family

VIEW_CASES = {
    'view': (lambda L, x: x.view(6, 4), (2, 3, 4)),
    'view_-1': (lambda L, x: x.view(-1, 2, 3), (2, 3, 4)),
    'view_size': (lambda L, x: x.view(L.Size([4, 6])), (2, 3, 4)),
    'view_noncontig_ok': (lambda L, x: x.transpose(0, 2).view(4, 3, 1, 2), (2, 3, 4)),
    'view_as': (lambda L, x: x.view_as(x.reshape(4, 6)), (2, 3, 4)),
    'reshape_view': (lambda L, x: x.reshape(3, -1), (2, 3, 4)),
    'reshape_fn': (lambda L, x: L.reshape(x, (4, 6)), (2, 3, 4)),
    'permute': (lambda L, x: x.permute(2, 0, 1), (2, 3, 4)),
    'permute_fn': (lambda L, x: L.permute(x, (1, -1, 0)), (2, 3, 4)),
    'transpose': (lambda L, x: x.transpose(0, -1), (2, 3, 4)),
    'swapaxes': (lambda L, x: L.swapaxes(x, 0, 1), (2, 3, 4)),
    'swapdims': (lambda L, x: x.swapdims(1, 2), (2, 3, 4)),
    't': (lambda L, x: x.t(), (3, 4)),
    't_1d': (lambda L, x: L.t(x), (4,)),
    'T': (lambda L, x: x.T, (3, 4)),
    'mT': (lambda L, x: x.mT, (2, 3, 4)),
    'mH': (lambda L, x: x.mH, (2, 3, 4)),
    'H': (lambda L, x: x.H, (3, 4)),
    'squeeze': (lambda L, x: x.squeeze(), (1, 3, 1, 4)),
    'squeeze_dim': (lambda L, x: x.squeeze(2), (1, 3, 1, 4)),
    'squeeze_nonone': (lambda L, x: x.squeeze(1), (1, 3, 1, 4)),
    'squeeze_tuple': (lambda L, x: L.squeeze(x, (0, -2, 1)), (1, 3, 1, 4)),
    'squeeze_empty_tuple': (lambda L, x: L.squeeze(x, ()), (1, 3, 1, 4)),
    'squeeze_slice': (lambda L, x: x[:, 1:2].squeeze(1), (3, 4)),
    'unsqueeze': (lambda L, x: x.unsqueeze(1), (3, 4)),
    'unsqueeze_neg': (lambda L, x: L.unsqueeze(x, -1), (3, 4)),
    'unsqueeze_t': (lambda L, x: x.t().unsqueeze(0), (3, 4)),
    'flatten': (lambda L, x: x.flatten(), (2, 3, 4)),
    'flatten_mid': (lambda L, x: L.flatten(x, 1, 2), (2, 3, 4)),
    'unflatten': (lambda L, x: x.unflatten(1, (2, -1)), (3, 4)),
    'unflatten_fn': (lambda L, x: L.unflatten(x, -1, (2, 1, 2)), (3, 4)),
    'expand': (lambda L, x: x.expand(2, 3, 4), (3, 1)),
    'expand_-1': (lambda L, x: x.expand(5, -1, 4), (3, 1)),
    'expand_as': (lambda L, x: x.expand_as(L.zeros(2, 3, 4)), (1, 4)),
    'broadcast_to': (lambda L, x: L.broadcast_to(x, (2, 3, 4)), (4,)),
    'narrow': (lambda L, x: x.narrow(1, 1, 2), (3, 4)),
    'narrow_neg': (lambda L, x: L.narrow(x, -1, -3, 2), (3, 4)),
    'select': (lambda L, x: x.select(1, -1), (3, 4)),
    'select_fn': (lambda L, x: L.select(x, 0, 1), (3, 4)),
    'diagonal': (lambda L, x: x.diagonal(), (3, 4)),
    'diagonal_off': (lambda L, x: L.diagonal(x, 1), (3, 4)),
    'diagonal_neg': (lambda L, x: L.diagonal(x, -1, 2, 0), (3, 4, 5)),
    'diagonal_dims': (lambda L, x: x.diagonal(offset=2, dim1=-1, dim2=1), (3, 4, 5)),
    'movedim': (lambda L, x: L.movedim(x, 0, -1), (2, 3, 4)),
    'movedim_tuple': (lambda L, x: x.movedim((0, 1), (2, 0)), (2, 3, 4)),
    'moveaxis': (lambda L, x: L.moveaxis(x, -1, 0), (2, 3, 4)),
    'atleast_2d': (lambda L, x: L.atleast_2d(x), (4,)),
    'atleast_3d': (lambda L, x: L.atleast_3d(x), (3, 4)),
    'atleast_3d_1d': (lambda L, x: L.atleast_3d(x), (4,)),
}

MULTI_VIEW_CASES = {
    'unbind': (lambda L, x: x.unbind(1), (3, 4)),
    'unbind_fn': (lambda L, x: L.unbind(x), (3, 4)),
    'split': (lambda L, x: x.split(2, 1), (3, 5)),
    'split_sizes': (lambda L, x: L.split(x, [1, 0, 2], 0), (3, 5)),
    'chunk': (lambda L, x: x.chunk(3, -1), (3, 5)),
    'chunk_fn': (lambda L, x: L.chunk(x, 2), (3, 5)),
    'tensor_split': (lambda L, x: L.tensor_split(x, 3, 1), (3, 5)),
    'tensor_split_idx': (lambda L, x: x.tensor_split([1, 4], dim=1), (3, 5)),
    'hsplit': (lambda L, x: L.hsplit(x, [2]), (3, 5)),
    'vsplit': (lambda L, x: L.vsplit(x, 3), (3, 5)),
}

ALL_VIEWS = dict(VIEW_CASES, **MULTI_VIEW_CASES)


@pytest.mark.parametrize('name', list(ALL_VIEWS))
def test_view_values_and_grad(name, device):
    fn, shape = ALL_VIEWS[name]
    compare(fn, f32(*shape), device=device)


@pytest.mark.parametrize('name', list(ALL_VIEWS))
def test_view_strides(name, device):
    fn, shape = ALL_VIEWS[name]
    stride_match(fn, f32(*shape), device)
    # and of a non-contiguous (permuted) input
    if len(shape) >= 2:
        arr = f32(*shape[::-1])
        perm = lambda L, x: x.permute(*range(len(shape) - 1, -1, -1))
        stride_match(lambda L, x: fn(L, perm(L, x)), arr, device)


@pytest.mark.parametrize('name', [n for n in ALL_VIEWS if not n.startswith(('expand', 'broad'))])
def test_view_shares_memory(name, device):
    fn, shape = ALL_VIEWS[name]
    shares_memory(fn, f32(*shape), device)


def test_expand_shares_memory(device):
    ex = ember.tensor(f32(3, 1), device=device)
    tx = torch.tensor(to_np(ex))
    ev, tv = ex.expand(3, 4), tx.expand(3, 4)
    assert ev._base is ex and ev.stride() == tv.stride() == (1, 0)
    ex.add_(1.0)
    tx.add_(1.0)
    assert_same(ev, tv)
    # a select of an expanded view does not overlap itself: writing through it is allowed
    ev[:, 0].mul_(3.0)
    tv[:, 0].mul_(3.0)
    assert_same(ex, tx)
    same_error(lambda L: (L.zeros(3, 1).expand(3, 4)).add_(1))


def test_view_noncontiguous_raises(device):
    same_error(lambda L: L.zeros(2, 3).t().view(6))
    same_error(lambda L: L.zeros(4, 6)[:, :3].view(12))
    stride_match(lambda L, x: x[:, ::2].view(12), f32(4, 6))   # uniform stride: a view
    # reshape copies instead, and only when needed
    x = ember.tensor(f32(2, 3), device=device)
    r = x.t().reshape(6)
    assert r._base is None and r.is_contiguous()
    assert x.reshape(3, 2)._base is x
    assert x.t().reshape(3, 1, 2)._base is x    # splitting a dim of a transpose is a view
    f = x.t().flatten()
    assert f._base is None
    assert x.flatten()._base is x
    assert x.flatten(1, 1) is x


def test_view_shape_errors(device):
    same_error(lambda L: L.zeros(2, 3).view(-1, -1))
    same_error(lambda L: L.zeros(2, 3).view(5))
    same_error(lambda L: L.zeros(2, 3).view(-2, 3))
    same_error(lambda L: L.zeros(2, 3).view(-1, 0))
    same_error(lambda L: L.zeros(2, 3).reshape(4, -1))
    same_error(lambda L: L.zeros(2, 3).flatten(1, 0))
    same_error(lambda L: L.zeros(2, 3).unflatten(1, (2, 2)))
    same_error(lambda L: L.zeros(2, 3).unflatten(1, ()))
    same_error(lambda L: L.zeros(2, 3).permute(0, 0))
    same_error(lambda L: L.zeros(2, 3, 4).t())
    same_error(lambda L: L.zeros(3).mT)


@pytest.mark.parametrize('fn', [
    lambda L: L.zeros(2, 3).transpose(0, 2),
    lambda L: L.zeros(2, 3).squeeze(2),
    lambda L: L.zeros(2, 3).squeeze((0, 5)),
    lambda L: L.zeros(2, 3).unsqueeze(3),
    lambda L: L.zeros(2, 3).unsqueeze(-4),
    lambda L: L.zeros(2, 3).flatten(0, 2),
    lambda L: L.zeros(2, 3).movedim(0, 2),
    lambda L: L.zeros(2, 3).narrow(2, 0, 1),
    lambda L: L.zeros(2, 3).select(-3, 0),
    lambda L: L.zeros(2, 3).unbind(2),
    lambda L: L.zeros(2, 3).split(1, 2),
    lambda L: L.zeros(2, 3).chunk(2, -3),
    lambda L: L.zeros(2, 3).diagonal(0, 0, 2),
    lambda L: L.zeros(2, 3).flip(2),
    lambda L: L.zeros(2, 3).roll(1, 2),
    lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 3)], 2),
    lambda L: L.stack([L.zeros(2, 3), L.zeros(2, 3)], 3),
    lambda L: L.zeros(2, 3).repeat_interleave(2, dim=2),
    lambda L: L.diag_embed(L.zeros(2, 3), 0, 0, 3),
    lambda L: L.tensor(1.).squeeze(1),
    lambda L: L.tensor(1.).unsqueeze(2),
])
def test_dim_out_of_range(fn, device):
    same_error(fn)


def test_dim_message():
    with pytest.raises(IndexError, match=r'Dimension out of range \(expected to be in range of '
                                         r'\[-2, 1\], but got 2\)'):
        ember.zeros(2, 3).transpose(0, 2)


def test_scalar_views(device):
    x = np.array(1.5, np.float32)
    for fn in [lambda L, x: x.squeeze(), lambda L, x: x.squeeze(0), lambda L, x: x.squeeze(-1),
               lambda L, x: x.unsqueeze(0), lambda L, x: x.unsqueeze(-1), lambda L, x: x.flatten(),
               lambda L, x: x.t(), lambda L, x: x.view(1, 1), lambda L, x: x.reshape(-1),
               lambda L, x: L.atleast_1d(x), lambda L, x: L.atleast_2d(x),
               lambda L, x: L.atleast_3d(x), lambda L, x: x.expand(2, 3)]:
        compare(fn, x, device=device)


# ---------------------------------------------------------------------------- view(dtype)


@pytest.mark.parametrize('src,dst,shape', [
    ('float32', 'int32', (2, 4)), ('float32', 'float16', (2, 4)), ('float32', 'float64', (2, 4)),
    ('float64', 'int64', (3,)), ('int64', 'float64', (3,)), ('float32', 'uint8', (2, 2)),
    ('int16', 'int32', (2, 4)), ('uint8', 'bool', (5,)), ('float32', 'bfloat16', (2, 2)),
])
def test_view_dtype(src, dst, shape, device):
    arr = (R.standard_normal(shape) * 10).astype(src) if src != 'uint8' else \
        (np.arange(np.prod(shape)) % 2).astype(np.uint8).reshape(shape)
    e = ember.tensor(arr, device=device)
    t = torch.tensor(arr)
    ev, tv = e.view(getattr(ember, dst)), t.view(getattr(torch, dst))
    assert tuple(ev.shape) == tuple(tv.shape) and str(ev.dtype) == str(tv.dtype)
    assert ev.stride() == tv.stride()
    if dst != 'bfloat16':
        np.testing.assert_array_equal(to_np(ev), to_np(tv))
    # it is an alias: a write through the base shows up in the view
    e.zero_()
    assert not to_np(ev).astype(bool).any()


def test_view_dtype_errors_and_grad(device):
    same_error(lambda L: L.zeros(2, 3).view(L.float64))
    same_error(lambda L: L.zeros(3, 2).t().view(L.float16))
    same_error(lambda L: L.tensor(1.).view(L.float16))
    same_error(lambda L: L.zeros(3, 4)[:, 1:3].view(L.float64))
    same_error(lambda L: L.zeros(1, 3).t().view(L.float16))
    x = ember.zeros(2, 4, requires_grad=True)
    v = x.view(ember.int32)
    assert not v.requires_grad and v.grad_fn is None
    assert tuple(x.t().view(ember.int32).shape) == (4, 2)


# ---------------------------------------------------------------------------- copies

COPY_CASES = {
    'reshape_copy': (lambda L, x: x.t().reshape(-1), (3, 4)),
    'flatten_copy': (lambda L, x: x.transpose(0, 1).flatten(1), (2, 3, 4)),
    'contiguous': (lambda L, x: x.t().contiguous(), (3, 4)),
    'clone': (lambda L, x: x.t().clone(), (3, 4)),
    'repeat': (lambda L, x: x.repeat(2, 3), (3, 4)),
    'repeat_lead': (lambda L, x: x.repeat(2, 1, 3), (3, 4)),
    'repeat_zero': (lambda L, x: x.repeat(0, 2), (3, 4)),
    'repeat_nc': (lambda L, x: x.t().repeat(1, 2), (3, 4)),
    'tile': (lambda L, x: L.tile(x, (2,)), (3, 4)),
    'tile_method': (lambda L, x: x.tile(2, 1, 2), (3, 4)),
    'ri_int': (lambda L, x: x.repeat_interleave(2), (3, 4)),
    'ri_dim': (lambda L, x: L.repeat_interleave(x, 3, dim=1), (3, 4)),
    'ri_zero': (lambda L, x: L.repeat_interleave(x, 0, dim=0), (3, 4)),
    'ri_tensor': (lambda L, x: L.repeat_interleave(x, L.tensor([1, 0, 3]), dim=0), (3, 4)),
    'ri_tensor_neg_dim': (lambda L, x: x.t().repeat_interleave(L.tensor([2, 1, 0]), dim=-1),
                          (3, 4)),
    'ri_tensor1': (lambda L, x: x.repeat_interleave(L.tensor([2]), dim=1), (3, 4)),
    'ri_tensor_flat': (lambda L, x: x.repeat_interleave(L.tensor([1, 2, 0, 1, 1, 3])), (2, 3)),
    'ri_output_size': (lambda L, x: x.repeat_interleave(L.tensor([1, 2, 0]), dim=0,
                                                         output_size=3), (3, 4)),
    'flip': (lambda L, x: x.flip(0), (3, 4)),
    'flip_many': (lambda L, x: L.flip(x, (0, -1)), (2, 3, 4)),
    'flip_nc': (lambda L, x: L.flip(x.transpose(0, 2), dims=[1]), (2, 3, 4)),
    'flip_all': (lambda L, x: x.flip(0, 1, 2), (2, 3, 4)),
    'fliplr': (lambda L, x: L.fliplr(x), (3, 4)),
    'flipud': (lambda L, x: x.flipud(), (3, 4)),
    'roll': (lambda L, x: L.roll(x, 1, 0), (3, 4)),
    'roll_flat': (lambda L, x: x.roll(5), (3, 4)),
    'roll_tuple': (lambda L, x: L.roll(x, (1, -2), (1, 0)), (3, 4)),
    'roll_big': (lambda L, x: L.roll(x, shifts=7, dims=-1), (3, 4)),
    'roll_nc': (lambda L, x: L.roll(x.t(), (2,), (0,)), (3, 4)),
    'tril': (lambda L, x: L.tril(x), (3, 4)),
    'tril_k': (lambda L, x: x.tril(-1), (2, 3, 4)),
    'triu': (lambda L, x: L.triu(x, 1), (4, 3)),
    'triu_nc': (lambda L, x: x.t().triu(diagonal=-1), (3, 4)),
    'diag_vec': (lambda L, x: L.diag(x), (4,)),
    'diag_vec_k': (lambda L, x: L.diag(x, 2), (3,)),
    'diag_vec_negk': (lambda L, x: x.diag(-1), (3,)),
    'diag_mat': (lambda L, x: L.diag(x), (3, 4)),
    'diag_mat_k': (lambda L, x: L.diag(x, 1), (3, 4)),
    'diag_mat_nc': (lambda L, x: L.diag(x.t(), -2), (3, 4)),
    'diag_embed': (lambda L, x: L.diag_embed(x), (2, 3)),
    'diag_embed_off': (lambda L, x: L.diag_embed(x, 1, 0, 2), (2, 3)),
    'diag_embed_neg': (lambda L, x: x.diag_embed(-2, -1, 0), (2, 3)),
    'atleast_1d_many': (lambda L, x: L.atleast_1d(x, x[0, 0]), (2, 3)),
    'atleast_2d_list': (lambda L, x: L.atleast_2d([x[0], x[0, 0]]), (2, 3)),
}


@pytest.mark.parametrize('name', list(COPY_CASES))
def test_copy_ops(name, device):
    fn, shape = COPY_CASES[name]
    e, t = compare(fn, f32(*shape), device=device)
    for a, b in zip(e if isinstance(e, tuple) else (e,), t if isinstance(t, tuple) else (t,)):
        if b._base is None and a.numel() > 1:
            assert a.stride() == b.stride(), (a.stride(), b.stride())
            assert a._base is None


def test_clone_and_contiguous_layout(device):
    x = ember.tensor(f32(3, 4), device=device)
    assert x.contiguous() is x
    c = x.t().contiguous()
    assert c.is_contiguous() and c._base is None
    c.add_(1)
    assert not np.allclose(to_np(c).T, to_np(x))
    stride_match(lambda L, x: x.unsqueeze(0).expand(2, 3, 4).clone(), f32(3, 4), device)
    stride_match(lambda L, x: x[:, ::2].clone(), f32(3, 4), device)
    stride_match(lambda L, x: x.permute(2, 0, 1).clone(), f32(2, 3, 4), device)
    e = ember.tensor(f32(2, 3, 4, 5), device=device)
    cl = e.contiguous(memory_format='channels_last')
    assert cl.is_contiguous(memory_format='channels_last')
    assert cl.stride() == torch.zeros(2, 3, 4, 5).contiguous(
        memory_format=torch.channels_last).stride()
    np.testing.assert_array_equal(to_np(cl), to_np(e))


def test_repeat_errors(device):
    same_error(lambda L: L.zeros(2, 3).repeat(2))
    same_error(lambda L: L.zeros(2, 3).repeat(-1, 2))
    same_error(lambda L: L.zeros(2, 3).repeat_interleave(-1))
    same_error(lambda L: L.zeros(2, 3).repeat_interleave(L.tensor([1, 2, 3]), dim=0))
    same_error(lambda L: L.zeros(2, 3).repeat_interleave(L.tensor([1, -2]), dim=0))
    same_error(lambda L: L.zeros(2, 3).repeat_interleave(2, dim=0, output_size=5))


def test_repeat_interleave_counts_only(device):
    compare(lambda L, r: L.repeat_interleave(r), np.array([1, 0, 3, 2]), device=device)
    compare(lambda L, r: L.repeat_interleave(r), np.array([2, 1], np.int32), device=device)
    compare(lambda L, x: L.repeat_interleave(x, 2), np.array([[1, 2], [3, 4]]), device=device)
    compare(lambda L, x: L.repeat_interleave(x, 2, dim=0), np.array([True, False]), device=device)


def test_flip_roll_tri_errors(device):
    same_error(lambda L: L.zeros(2, 3).flip((0, 0)))
    same_error(lambda L: L.fliplr(L.ones(3)))
    same_error(lambda L: L.flipud(L.tensor(1.)))
    same_error(lambda L: L.roll(L.zeros(2, 3), (1, 2), (0,)))
    same_error(lambda L: L.roll(L.zeros(2, 3), (1, 2)))
    same_error(lambda L: L.roll(L.zeros(2, 3), ()))
    same_error(lambda L: L.tril(L.ones(3)))
    same_error(lambda L: L.triu(L.ones(3)))
    same_error(lambda L: L.diag(L.ones(2, 2, 2)))
    same_error(lambda L: L.diagonal(L.ones(2, 2), 0, 0, 0))
    same_error(lambda L: L.diag_embed(L.ones(2, 3), 0, 1, -2))
    same_error(lambda L: L.movedim(L.ones(2, 3), (0, 1), (1,)))
    same_error(lambda L: L.movedim(L.ones(2, 3), (0, 0), (1, 0)))
    same_error(lambda L: L.movedim(L.ones(2, 3), (0, 1), (1, 1)))
    same_error(lambda L: L.ones(2, 3).expand(3, 3))
    same_error(lambda L: L.ones(2, 3).expand(2))
    same_error(lambda L: L.ones(2, 3).expand(-1, 2, 3))


def test_tril_triu_bool_int_and_inplace(device):
    compare(lambda L, x: L.tril(x, 1), np.ones((3, 4), bool), device=device)
    compare(lambda L, x: L.triu(x, -1), np.arange(12).reshape(3, 4), device=device)
    for name in ['tril_', 'triu_']:
        e = ember.tensor(f32(3, 4), device=device)
        t = torch.tensor(to_np(e))
        r = getattr(e, name)(1)
        getattr(t, name)(1)
        assert r is e
        assert_same(e, t)


# ---------------------------------------------------------------------------- cat / stack

def test_cat_values_grad(device):
    compare(lambda L, a, b: L.cat([a, b]), f32(2, 3), f32(4, 3), device=device)
    compare(lambda L, a, b: L.cat((a, b, a), dim=-1), f32(2, 3), f32(2, 1), device=device)
    compare(lambda L, a, b: L.concat([a.t(), b.t()], 0), f32(3, 2), f32(3, 4), device=device)
    compare(lambda L, a, b: L.concatenate([a, b], axis=0), f32(1, 3), f32(2, 3), device=device)
    compare(lambda L, a: L.cat([a]), f32(2, 3), device=device)
    compare(lambda L, a, b: a.expand(2, 3).cat([b]) if False else L.cat([a.expand(2, 3), b]),
            f32(1, 3), f32(2, 3), device=device)


def test_cat_promotion_and_empty(device):
    compare(lambda L, a, b: L.cat([a, b]), f32(2, 3), f64(1, 3), device=device)
    compare(lambda L, a, b: L.cat([a, b]), f32(2, 3), np.arange(3).reshape(1, 3),
            device=device)
    compare(lambda L, a, b: L.cat([a, b]), np.array([1, 2], np.uint8),
            np.array([3, -4], np.int8), device=device)
    compare(lambda L, a, b: L.cat([a, b]), np.array([True]), np.arange(3), device=device)
    # legacy: empty 1-D tensors are skipped (but still take part in type promotion)
    compare(lambda L, a, b: L.cat([a, b, a]), f32(2, 3), np.zeros(0, np.float64), device=device)
    compare(lambda L, a, b: L.cat([b, a], 1), f32(2, 3), np.zeros(0, np.float32), device=device)
    compare(lambda L, a, b: L.cat([a, b]), np.zeros(0, np.float32), np.zeros(0, np.float64),
            device=device)
    compare(lambda L, a, b: L.cat([a, b]), f32(2, 3), np.zeros((0, 3), np.float32),
            device=device)
    compare(lambda L, a, b: L.cat([a, b], 1), f32(2, 3), np.zeros((2, 0), np.float32),
            device=device)


def test_cat_errors(device):
    same_error(lambda L: L.cat([]))
    same_error(lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 4)]))
    same_error(lambda L: L.cat([L.zeros(2, 3), L.zeros(3, 3)], 1))
    same_error(lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 3, 1)]))
    same_error(lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 3)], -3))
    same_error(lambda L: L.cat([L.tensor(1.), L.tensor(2.)]))
    same_error(lambda L: L.cat(L.zeros(2, 3)))
    same_error(lambda L: L.cat([L.zeros(2, 3), 1]))
    same_error(lambda L: L.stack([L.zeros(2, 3), L.zeros(3, 2)]))
    same_error(lambda L: L.stack([]))
    same_error(lambda L: L.stack([L.zeros(2, 3)], 3))


def test_cat_out(device):
    a, b = f32(2, 3), f32(1, 3)
    out = ember.empty(3, 3, device=device)
    r = ember.cat([ember.tensor(a, device=device), ember.tensor(b, device=device)], out=out)
    assert r is out
    np.testing.assert_array_equal(to_np(out), np.concatenate([a, b]))


def test_stack_family(device):
    a, b = f32(2, 3), f32(2, 3)
    compare(lambda L, a, b: L.stack([a, b]), a, b, device=device)
    compare(lambda L, a, b: L.stack((a, b.t().t()), dim=-1), a, b, device=device)
    compare(lambda L, a, b: L.stack([a, b], 1), a, f64(2, 3), device=device)
    compare(lambda L, a, b: L.hstack([a, b]), a, b, device=device)
    compare(lambda L, a, b: L.hstack([a, b]), f32(3), f32(2), device=device)
    compare(lambda L, a, b: L.hstack([a, b]), f32(), f32(2), device=device)
    compare(lambda L, a, b: L.vstack([a, b]), f32(3), f32(2, 3), device=device)
    compare(lambda L, a, b: L.row_stack([a, b]), f32(3), f32(3), device=device)
    compare(lambda L, a, b: L.dstack([a, b]), f32(3), f32(3), device=device)
    compare(lambda L, a, b: L.dstack((a, b)), a, b, device=device)
    compare(lambda L, a, b: L.column_stack([a, b]), f32(2), f32(2, 3), device=device)


# ---------------------------------------------------------------------------- split errors

def test_split_errors(device):
    same_error(lambda L: L.zeros(2, 3).split(0))
    same_error(lambda L: L.zeros(2, 3).split(-1))
    same_error(lambda L: L.split(L.zeros(2, 3), [1, 2]))
    same_error(lambda L: L.split(L.zeros(2, 3), [1, -1, 2]))
    same_error(lambda L: L.chunk(L.zeros(2, 3), 0))
    same_error(lambda L: L.tensor_split(L.zeros(2, 3), 0, 1))
    same_error(lambda L: L.tensor_split(L.zeros(2, 3), L.tensor(2.), 1))
    same_error(lambda L: L.tensor_split(L.tensor(1.), 2))
    same_error(lambda L: L.narrow(L.zeros(2, 3), 1, 2, 2))
    same_error(lambda L: L.narrow(L.zeros(2, 3), 1, 4, 0))
    same_error(lambda L: L.narrow(L.zeros(2, 3), 1, 0, -1))
    same_error(lambda L: L.zeros(2, 3).select(0, 5))
    same_error(lambda L: L.zeros(2, 3).select(1, -4))
    same_error(lambda L: L.hsplit(L.zeros(2, 3), 2))


def test_split_edge_cases(device):
    for fn in [lambda L, x: L.split(x, 5), lambda L, x: L.chunk(x, 4, 1),
               lambda L, x: L.chunk(x.narrow(1, 0, 0), 3, 1),
               lambda L, x: L.split(x.narrow(1, 0, 0), 0, 1),
               lambda L, x: L.tensor_split(x, [2, 1], 1), lambda L, x: L.tensor_split(x, (-1,), 1),
               lambda L, x: L.tensor_split(x, [1, 7], 1),
               lambda L, x: L.tensor_split(x, L.tensor([1]), 1),
               lambda L, x: L.tensor_split(x, L.tensor(2), 1),
               lambda L, x: L.tensor_split(x, indices=[1], dim=1),
               lambda L, x: L.tensor_split(x, sections=2, dim=1),
               lambda L, x: L.narrow(x, 1, L.tensor(1), 1), lambda L, x: x.narrow(1, 3, 0)]:
        compare(fn, f32(2, 3), device=device)


# ---------------------------------------------------------------------------- in-place views

@pytest.mark.parametrize('name,args', [('squeeze_', ()), ('squeeze_', (1,)),
                                       ('unsqueeze_', (0,)), ('unsqueeze_', (-1,)),
                                       ('t_', ()), ('transpose_', (0, 2)), ('swapdims_', (1, 0))])
def test_inplace_view_ops(name, args, device):
    shape = (3, 1, 2) if name != 't_' else (3, 2)
    a = f32(*shape)
    e, t = ember.tensor(a, device=device), torch.tensor(a)
    r = getattr(e, name)(*args)
    getattr(t, name)(*args)
    assert r is e
    assert_same(e, t)
    assert e.stride() == t.stride() and e._version == t._version
    # on a non-leaf: the gradient flows through the in-place view op
    el = ember.tensor(a, device=device, requires_grad=True)
    tl = torch.tensor(a, requires_grad=True)
    ey, ty = el * 2, tl * 2
    getattr(ey, name)(*args)
    getattr(ty, name)(*args)
    w = f32(*tuple(ty.shape))
    (ey * ember.tensor(w, device=device)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    assert_same(el.grad, tl.grad)
    same_error(lambda L: getattr(L.zeros(*shape, requires_grad=True), name)(*args))


def test_inplace_view_on_view(device):
    e = ember.tensor(f32(2, 1, 3), device=device)
    t = torch.tensor(to_np(e))
    ev, tv = e[0:1], t[0:1]
    ev.squeeze_(0)
    tv.squeeze_(0)
    ev.add_(1.0)
    tv.add_(1.0)
    assert ev._base is e and tuple(ev.shape) == tuple(tv.shape)
    assert_same(e, t)


# ---------------------------------------------------------------------------- autograd & views


@pytest.mark.parametrize('op', [
    lambda L, v: v.mul_(2),
    lambda L, v: v.add_(v.detach() * 0 + 1),
])
@pytest.mark.parametrize('view', [
    lambda L, y: y.t()[1],
    lambda L, y: y.diagonal(),
    lambda L, y: y.narrow(0, 1, 2).view(-1),
    lambda L, y: y.unsqueeze(0).permute(2, 1, 0).squeeze(-1),
    lambda L, y: L.movedim(y, 0, 1)[0],
    lambda L, y: y.tensor_split(2, 1)[1],
    lambda L, y: y.select(0, 2),
    lambda L, y: y.expand(2, 3, 4)[1],
])
def test_grad_through_inplace_on_view(view, op, device):
    """In-place ops on views of non-leaf tensors route their gradient to the base."""
    a = f32(3, 4)

    def run(L, x):
        y = x * 1.5
        v = view(L, y)
        op(L, v)
        return y * y
    compare(run, a, device=device)


def test_grad_inplace_on_view_of_transposed_base(device):
    """The base has a transposed layout (as ``x.t() * 1`` does): the view replays on it."""
    def run(L, x):
        y = x.t() * 1.5
        y.t().view(-1).mul_(2)
        y.t()[1:].view(-1)[::2].add_(1)
        return y * y
    compare(run, f32(3, 4), device=device)


def test_split_method_names(device):
    compare(lambda L, x: x.split(split_size=2, dim=1), f32(3, 5), device=device)
    compare(lambda L, x: L.split(x, split_size_or_sections=[1, 4], dim=1), f32(3, 5),
            device=device)


@pytest.mark.parametrize('view', [
    lambda L, y: y.unbind(1)[2], lambda L, y: y.split(2, 1)[1], lambda L, y: y.chunk(3, 0)[1],
    lambda L, y: y.split([1, 3], 1)[1], lambda L, y: y.unbind(1)[2][0],
    lambda L, y: y.unbind(1)[2].view(-1),
])
def test_inplace_on_multi_output_views(view, device):
    """PyTorch forbids in-place ops (under autograd) on outputs of unbind/split/chunk; without
    autograd the write goes through to the base."""
    for op in (lambda v: v.mul_(2), lambda v: v.squeeze_()):
        msgs = []
        for L in (torch, ember):
            with pytest.raises(RuntimeError) as ex:
                op(view(L, L.ones(3, 4, requires_grad=True) * 1))
            msgs.append(str(ex.value).split(' is a view', 1))
        assert msgs[0][1] == msgs[1][1]
        # the op named is the last view op (its name may differ for ``x[i]``)
        assert msgs[0][0].split(' of ')[0] == msgs[1][0].split(' of ')[0]
    for L in (ember, torch):
        x = L.ones(3, 4, requires_grad=True) * 1
        with L.no_grad():
            view(L, x).mul_(2)
        v = view(L, L.ones(3, 4))
        v.mul_(2)
    e, t = ember.ones(3, 4), torch.ones(3, 4)
    view(ember, e).mul_(3)
    view(torch, t).mul_(3)
    assert_same(e, t)


@pytest.mark.parametrize('fn', [
    lambda L, x: x.view(6, 4), lambda L, x: x.transpose(0, 2), lambda L, x: x.permute(1, 2, 0),
    lambda L, x: x[:, :1].expand(2, 3, 4), lambda L, x: x.narrow(2, 1, 2),
    lambda L, x: x.diagonal(1, 1, 2), lambda L, x: L.stack(x.unbind(1), 2),
    lambda L, x: L.cat(x.split([1, 2], 1)[::-1], 1), lambda L, x: L.cat(x.chunk(2, 2), 1),
    lambda L, x: x.transpose(0, 1).reshape(3, 8), lambda L, x: x.repeat(1, 2, 1),
    lambda L, x: x.repeat_interleave(L.tensor([2, 0, 1]), dim=1),
    lambda L, x: x.repeat_interleave(2, dim=2), lambda L, x: x.flip(1, 2),
    lambda L, x: x.roll((1, 2), (2, 0)), lambda L, x: x.tril(1), lambda L, x: x.triu(-1),
    lambda L, x: L.diag_embed(x, 1, 0, 3), lambda L, x: L.diag(x[0]),
    lambda L, x: L.diag(x[0, 0]), lambda L, x: x.movedim(0, 2).squeeze(),
    lambda L, x: x.tensor_split([1, 3], dim=2),
])
def test_gradcheck(fn, device):
    gradcheck(fn, f64(2, 3, 4), device=device)


def test_cat_stack_gradcheck(device):
    gradcheck(lambda L, a, b: L.cat([a, b.t()], 1), f64(2, 3), f64(2, 2), device=device)
    gradcheck(lambda L, a, b: L.stack([a, b], 1), f64(2, 3), f64(2, 3), device=device)
    gradcheck(lambda L, a, b: L.hstack([a, b]), f64(2), f64(3), device=device)


def test_double_backward_against_torch(device):
    a = f64(2, 3)
    res = []
    for L in (ember, torch):
        x = L.tensor(a, requires_grad=True)
        y = L.cat([x.t().reshape(-1), x.diagonal(), x.flip(0).roll(1).view(-1)]) ** 3
        g, = L.autograd.grad(y.sum(), x, create_graph=True)
        g2, = L.autograd.grad((g * g).sum(), x)
        res.append((g, g2))
    assert_same(res[0][0], res[1][0])
    assert_same(res[0][1], res[1][1])


def test_grad_fn_names():
    x = ember.zeros(2, 3, requires_grad=True)
    names = {
        'ViewBackward0': x.view(6), 'PermuteBackward0': x.permute(1, 0),
        'TransposeBackward0': x.transpose(0, 1), 'TBackward0': x.t(),
        'ExpandBackward0': x.expand(2, 2, 3), 'SqueezeBackward0': x.squeeze(),
        'UnsqueezeBackward0': x.unsqueeze(0), 'SliceBackward0': x.narrow(0, 0, 1),
        'SelectBackward0': x.select(0, 0), 'DiagonalBackward0': x.diagonal(),
        'UnbindBackward0': x.unbind()[0], 'SplitBackward0': x.split(1)[0],
        'CatBackward0': ember.cat([x, x]), 'StackBackward0': ember.stack([x, x]),
        'RepeatBackward0': x.repeat(2, 1), 'FlipBackward0': x.flip(0),
        'RollBackward0': x.roll(1), 'TrilBackward0': x.tril(), 'TriuBackward0': x.triu(),
        'DiagEmbedBackward0': ember.diag_embed(x), 'UnsafeViewBackward0': x.t().reshape(6),
    }
    for n, t in names.items():
        assert t.grad_fn.name() == n, (n, t.grad_fn.name())


def test_views_under_no_grad_keep_requires_grad():
    x = ember.zeros(2, 3, requires_grad=True)
    with ember.no_grad():
        vs = [x.view(6), x.t(), x.unbind(0)[0], x.split(1)[1]]
    tx = torch.zeros(2, 3, requires_grad=True)
    with torch.no_grad():
        tvs = [tx.view(6), tx.t(), tx.unbind(0)[0], tx.split(1)[1]]
    for v, tv in zip(vs, tvs):
        assert v.requires_grad == tv.requires_grad
        assert v.grad_fn is None


def test_saved_tensor_version_check_through_view():
    """Writing through a view bumps the shared version counter of the base."""
    for L in (ember, torch):
        x = L.ones(3, requires_grad=True)
        y = x * 2
        z = y * y
        y.view(3, 1)[0].add_(1)   # y's version changes through its view
        with pytest.raises(RuntimeError, match='modified by an inplace operation'):
            z.sum().backward()


def test_unbind_iter_and_len(device):
    e = ember.tensor(f32(3, 2), device=device)
    rows = list(e)
    assert len(rows) == 3 and all(r._base is e for r in rows)
    assert ember.zeros(0, 2).unbind() == ()


def test_large_unbind_backward_is_linear(device):
    x = ember.tensor(f32(400, 8), device=device, requires_grad=True)
    sum(r.sum() for r in x.unbind(0)).backward()
    np.testing.assert_array_equal(to_np(x.grad), np.ones((400, 8), np.float32))
    assert x.unbind(0)[5].grad_fn is x.unbind(0)[5].grad_fn or True
