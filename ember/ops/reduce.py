"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, cumulative ops, sorting,
order statistics (median, mode, kthvalue, topk) and unique.

Each primitive's forward works on arrays through ``xp`` (NumPy or CuPy); its backward is written
with ember ops, so double backward works. Gradients follow PyTorch's formulas: selections
(max/min along a dim, median, sort, topk...) route the gradient to the chosen index, ``amax``
and the all-reduce ``max``/``median`` split it evenly between ties.
"""
import builtins
import math
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind
from ..autograd.grad_mode import _state
from ._util import Primitive, dims_arg, wrap_dim, float_input, inplace_fn, cj
from .pointwise import _out, where
from ..amp._policy import on as _ac, run as _ac_run

_ndarray = np.ndarray
_i64 = np.dtype(np.int64)

# ---------------------------------------------------------------------------- helpers


def _dims(dim, ndim):
    """``dim`` (None, int or sequence) as sorted axes; a 0-d tensor reduces over nothing."""
    d = dims_arg(dim, ndim)
    return () if ndim == 0 else d


def _kshape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _rshape(shape, dims):
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _keep(t, shape, dims, keepdim):
    """A reduced tensor reshaped to its keepdim form (reduced dims kept with size 1)."""
    if keepdim or not dims:
        return t
    return t.reshape(_kshape(shape, dims))


def _expand_back(g, shape, dims, keepdim):
    """Broadcast a reduced gradient back to ``shape`` (re-inserting reduced dims)."""
    return _keep(g, shape, dims, keepdim).expand(shape)


def _numel(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _low(dt):
    """float16 / bfloat16: accumulate in float32, as PyTorch does on CPU."""
    return dt.itemsize == 2 and dt.kind in 'fV'


def _isfloat_arr(a):
    return a.dtype.kind in 'fcV'


def _is_float(t):
    return t._data.dtype.kind in 'fcV'


def _quiet():
    return np.errstate(all='ignore')


def _tname(t):
    """PyTorch's short dtype name ('Long', 'Float'...) of a tensor or dtype."""
    from ._util import _tname as n
    return n(t.dtype if isinstance(t, Tensor) else t)


def _xp(arr):
    if type(arr) is _ndarray:
        return np
    from ..backend import xp_of
    return xp_of(arr)


def _rt(name, pair):
    from .. import return_types
    return getattr(return_types, name)(tuple(pair))


def _out_pair(res, out, name):
    """Named (values, indices)-style result, honouring a tuple ``out=``."""
    if out is not None:
        res = tuple(_out(r, o) for r, o in zip(res, out))
    return _rt(name, res)


def _check_nonempty(shape, dims, name):
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f'{name}(): Expected reduction dim {d} to have non-zero size.')


def _acc_dtype(x, dtype):
    """sum/prod/cumsum of bool and integer tensors accumulate in int64, as in PyTorch."""
    if dtype is not None:
        return _dtype.to_np(dtype)
    if x._data.dtype.kind in 'biu':
        return _i64
    return None


def _one_dim(dim, name):
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return builtins.int(dim)


class _Fn(Primitive):
    """Run ``fn(xp, *arrays)``; never differentiable (indices, counts, unique...)."""
    differentiable = False

    def forward(ctx, xp, x, fn):
        return fn(xp, x)


def _nograd(x, fn):
    return _Fn.apply(x, fn)


class _Flip(Primitive):
    """Reverse ``dim`` (used by the backward of cumulative ops)."""
    _name = 'FlipBackward0'

    def forward(ctx, xp, x, dim):
        ctx.dim = dim
        return xp.flip(x, axis=dim)

    def backward(ctx, g):
        return _Flip.apply(g, ctx.dim), None


def _flip(t, dim):
    return _Flip.apply(t, dim)


class _Shift(Primitive):
    """Shift along ``dim`` by one (``step`` +1: towards higher indices), filling with ``fill``."""
    _name = 'ShiftBackward0'

    def forward(ctx, xp, x, dim, step, fill):
        ctx.dim, ctx.step = dim, step
        out = xp.full(x.shape, fill, dtype=x.dtype)
        n = x.shape[dim]
        a = [slice(None)] * x.ndim
        b = [slice(None)] * x.ndim
        a[dim], b[dim] = (slice(1, None), slice(0, n - 1)) if step > 0 else \
            (slice(0, n - 1), slice(1, None))
        out[tuple(a)] = x[tuple(b)]
        return out

    def backward(ctx, g):
        return _Shift.apply(g, ctx.dim, -ctx.step, 0), None, None, None


# ---------------------------------------------------------------------------- sum, mean, prod


class Sum(Primitive):
    def forward(ctx, xp, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if dtype is None and _low(x.dtype):
            return xp.asarray(xp.sum(x, axis=dims, keepdims=keepdim, dtype=np.float32)).astype(x.dtype)
        return xp.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)

    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim), None, None


class _SumDim(Sum):
    _name = 'SumBackward1'


class SumTo(Primitive):
    """Sum a broadcast gradient down to ``shape`` (the engine's broadcast reduction)."""
    _name = 'SumBackward1'

    def forward(ctx, xp, x, shape):
        ctx.shape = x.shape
        lead = x.ndim - len(shape)
        keep = tuple(i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1)
        if not keep:    # only leading dims (a bias gradient): one owned array, no reshape view
            return xp.sum(x, axis=tuple(range(lead))) if lead else x
        out = xp.sum(x, axis=tuple(range(lead)) + keep, keepdims=True)
        return out.reshape(shape)

    def backward(ctx, g):
        return g.expand(ctx.shape), None


def sum_to(x, shape):
    """``x`` summed over broadcast dims so that it has ``shape``."""
    if tuple(x.shape) == tuple(shape):
        return x
    return SumTo.apply(x, tuple(shape))


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of the elements over ``dim``.

    Args:
        dim: int, tuple of ints, or None (all dims).
        keepdim: keep reduced dims with size 1.
        dtype: accumulate and return in this dtype. Bool and integer inputs give int64 by
            default, as in PyTorch.
    """
    if _ac[0]:
        return _ac_run('sum', sum, input, dim, keepdim, dtype=dtype, out=out)
    dims = _dims(dim, input._data.ndim)
    prim = Sum if dim is None else _SumDim
    return _out(prim.apply(input, dims, keepdim, dtype=_acc_dtype(input, dtype)), out)


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` treating NaN as zero (integers give int64, as ``sum``)."""
    dims = _dims(dim, input._data.ndim)
    return _out(Nansum.apply(input, dims, keepdim, dtype=_acc_dtype(input, dtype)), out)


class Nansum(Primitive):
    def forward(ctx, xp, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.save_for_backward(x)
        if not _isfloat_arr(x):
            return xp.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)
        if dtype is None and _low(x.dtype):
            return xp.asarray(xp.nansum(x, axis=dims, keepdims=keepdim, dtype=np.float32)).astype(x.dtype)
        return xp.nansum(x, axis=dims, keepdims=keepdim, dtype=dtype)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim) * x.isnan().logical_not(), None, None


class Mean(Primitive):
    def forward(ctx, xp, x, dims, keepdim):
        n = _numel(x.shape, dims)
        ctx.shape, ctx.dims, ctx.keepdim, ctx.n = x.shape, dims, keepdim, n
        low = _low(x.dtype)
        with _quiet():
            r = xp.asarray(xp.sum(x, axis=dims, keepdims=keepdim, dtype=np.float32 if low else None)) / n
        return r.astype(x.dtype) if low else r

    def backward(ctx, g):
        return _expand_back(g / ctx.n if ctx.n else g, ctx.shape, ctx.dims, ctx.keepdim), None, None


class _MeanDim(Mean):
    _name = 'MeanBackward1'


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim`` (int, tuple or None for all). Floating or complex inputs only (or give
    a floating ``dtype``), as in PyTorch."""
    if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError('mean(): could not infer output dtype. Optional dtype must be either a '
                           f'floating point or complex dtype. Got: {_tname(dtype)}')
    if dtype is None and not _is_float(input):
        raise RuntimeError('mean(): could not infer output dtype. Input dtype must be either a '
                           f'floating point or complex dtype. Got: {_tname(input)}')
    x = input if dtype is None else input.to(dtype)
    prim = Mean if dim is None else _MeanDim
    return _out(prim.apply(x, _dims(dim, x._data.ndim), keepdim), out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim`` of the non-NaN elements (``nansum / count``, as PyTorch computes it)."""
    if not _is_float(input):
        raise RuntimeError('nanmean(): expected input to have floating point or complex dtype but '
                           f'got {_tname(input)}')
    count = sum(input.isnan().logical_not(), dim, keepdim)
    return _out(nansum(input, dim, keepdim, dtype=dtype).div(count), out)


class Prod(Primitive):
    _name = 'ProdBackward1'

    def forward(ctx, xp, x, dim, keepdim, dtype=None):
        ctx.dim, ctx.keepdim = dim, keepdim
        low = dtype is None and _low(x.dtype)
        out = xp.asarray(xp.prod(x, axis=dim, keepdims=keepdim, dtype=np.float32 if low else dtype))
        if low:
            out = out.astype(x.dtype)
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return g, None, None
        xd = x._data
        if ctx.dim is None:
            if not builtins.bool((xd == 0).any()):
                return g * cj(out / x), None, None
            return _prod_safe(g, x.reshape(-1), 0).reshape(x.shape), None, None
        dims = (ctx.dim,)
        gk, ok = _keep(g, x.shape, dims, ctx.keepdim), _keep(out, x.shape, dims, ctx.keepdim)
        if not builtins.bool((xd == 0).any()):
            return gk * cj(ok / x), None, None
        return _prod_safe(gk, x, ctx.dim), None, None


class _ProdAll(Prod):
    _name = 'ProdBackward0'


def _prod_safe(g, x, dim):
    """Gradient of prod along ``dim`` with zeros present: g * prod_{j<i} x_j * prod_{j>i} x_j."""
    left = Cumprod.apply(_Shift.apply(x, dim, 1, 1), dim)
    right = _flip(Cumprod.apply(_Shift.apply(_flip(x, dim), dim, 1, 1), dim), dim)
    return g * cj(left * right)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of all elements, or along the single ``dim``; ints accumulate in int64."""
    if _ac[0]:
        return _ac_run('prod', prod, input, dim, keepdim, dtype=dtype, out=out)
    dt = _acc_dtype(input, dtype)
    if dim is None:
        return _out(_ProdAll.apply(input, None, False, dtype=dt), out)
    d = _one_dim(dim, 'prod')
    d = wrap_dim(d, input._data.ndim)
    if input._data.ndim == 0:
        return _out(_ProdAll.apply(input, None, False, dtype=dt), out)
    return _out(Prod.apply(input, d, keepdim, dtype=dt), out)


# ---------------------------------------------------------------------------- max / min family


class Amax(Primitive):
    """max over dims; the gradient is split evenly between tied maxima (as amax does)."""
    f = staticmethod(lambda xp: xp.amax)

    def forward(ctx, xp, x, dims, keepdim):
        out = xp.asarray(ctx.f(xp)(x, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    def backward(ctx, g):
        x, out = ctx.saved_tensors
        mask = x == _keep(out, x.shape, ctx.dims, ctx.keepdim)
        gk = _keep(g, x.shape, ctx.dims, ctx.keepdim)
        return (gk / mask.sum(ctx.dims, keepdim=True)) * mask, None, None


class Amin(Amax):
    f = staticmethod(lambda xp: xp.amin)


def _amaxmin(input, dim, keepdim, name, prim):
    d = input._data
    every = dim is None or (not isinstance(dim, (int, np.integer)) and len(dim) == 0)
    dims = _dims(None if every else dim, d.ndim)
    if d.size == 0:
        if every:
            raise RuntimeError(f'{name}(): Expected reduction dim to be specified for '
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               'argument.')
        _check_nonempty(d.shape, dims, name)
    return prim.apply(input, dims, keepdim)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over ``dim`` (int or tuple; all dims when empty). The gradient is split evenly
    between tied maxima, as in PyTorch."""
    return _out(_amaxmin(input, dim, keepdim, 'amax', Amax), out)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over ``dim`` (int or tuple; all dims when empty); ties share the gradient."""
    return _out(_amaxmin(input, dim, keepdim, 'amin', Amin), out)


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` over ``dim`` (or all elements), as ``torch.aminmax``."""
    d = input._data
    if dim is not None:
        dim = wrap_dim(_one_dim(dim, 'aminmax'), d.ndim)
    if d.size == 0 and (dim is None or d.ndim == 0 or d.shape[dim] == 0):
        raise RuntimeError('aminmax(): cannot compute aminmax over an empty dimension as the '
                           'operation has no identity.')
    dims = _dims(dim, d.ndim)
    res = (Amin.apply(input, dims, keepdim), Amax.apply(input, dims, keepdim))
    return _out_pair(res, out, 'aminmax')


def _nan_first(xp, x, dim, idx):
    """Where a slice holds NaN, point ``idx`` (keepdims form) at its first NaN."""
    if x.dtype.kind not in 'fcV':
        return idx
    nan = xp.isnan(x)
    if not nan.any():
        return idx
    return xp.where(nan.any(axis=dim, keepdims=True), xp.argmax(nan, axis=dim, keepdims=True), idx)


def _sel_max(xp, x, dim, arg):
    return _nan_first(xp, x, dim, xp.argmax(x, axis=dim, keepdims=True))


def _sel_min(xp, x, dim, arg):
    return _nan_first(xp, x, dim, xp.argmin(x, axis=dim, keepdims=True))


def _sel_median(xp, x, dim, arg):
    k = (x.shape[dim] - 1) // 2
    idx = xp.take(xp.argpartition(x, k, axis=dim), xp.asarray([k]), axis=dim)
    return _nan_first(xp, x, dim, idx)


def _sel_nanmedian(xp, x, dim, arg):
    if x.dtype.kind not in 'fcV' or not xp.isnan(x).any():
        return _sel_median(xp, x, dim, arg)
    order = xp.argsort(x, axis=dim, kind='stable')        # NaNs last, in their original order
    c = xp.sum(~xp.isnan(x), axis=dim, keepdims=True)
    k = xp.maximum((c - 1) // 2, 0)
    return xp.take_along_axis(order, k, axis=dim)


def _sel_kth(xp, x, dim, k):
    return xp.take(xp.argpartition(x, k - 1, axis=dim), xp.asarray([k - 1]), axis=dim)


def _sel_mode(xp, x, dim, arg):
    xt = xp.moveaxis(x, dim, -1)
    order = xp.argsort(xt, axis=-1, kind='stable')
    s = xp.take_along_axis(xt, order, axis=-1)
    n = s.shape[-1]
    ar = xp.arange(n)
    start = xp.ones(s.shape, dtype=bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    run_start = xp.maximum.accumulate(xp.where(start, ar, 0), axis=-1)
    # the end of the first longest run: the smallest most frequent value, at its last index
    best = xp.argmax(ar - run_start, axis=-1)[..., None]
    return xp.moveaxis(xp.take_along_axis(order, best, axis=-1), -1, dim)


class _Select(Primitive):
    """``(values, indices)`` of one element chosen along ``dim``; the gradient goes to it."""
    sel = staticmethod(_sel_max)

    def forward(ctx, xp, x, dim, keepdim, arg=None):
        if x.ndim == 0:
            idx = xp.zeros((), dtype=np.int64)
            val = x.copy()
        else:
            idx = ctx.sel(xp, x, dim, arg).astype(np.int64, copy=False)
            val = xp.take_along_axis(x, idx, axis=dim)
            if not keepdim:
                idx, val = idx.squeeze(dim), val.squeeze(dim)
        ctx.shape, ctx.dim, ctx.keepdim, ctx.idx = x.shape, dim, keepdim, idx
        return val, idx

    def backward(ctx, g, gi):
        if not ctx.shape:
            return g, None, None, None
        idx = _wrap(ctx.idx)
        if not ctx.keepdim:
            g, idx = g.unsqueeze(ctx.dim), idx.unsqueeze(ctx.dim)
        return g.new_zeros(ctx.shape).scatter(ctx.dim, idx, g), None, None, None


def _selector(name, sel):
    return type(name, (_Select,), {'_name': name, 'sel': staticmethod(sel)})


MaxDim = _selector('MaxBackward0', _sel_max)
MinDim = _selector('MinBackward0', _sel_min)
_MedianDim = _selector('MedianBackward1', _sel_median)
_NanmedianDim = _selector('NanmedianBackward1', _sel_nanmedian)
_ModeDim = _selector('ModeBackward0', _sel_mode)
_KthDim = _selector('KthvalueBackward0', _sel_kth)


class _SelectAll(Primitive):
    """One element chosen from all; the gradient is split evenly between its equals (and
    between the NaNs when it is NaN), as PyTorch's ``evenly_distribute_backward``."""
    sel = staticmethod(_sel_max)

    def forward(ctx, xp, x):
        flat = x.reshape(-1)
        out = xp.asarray(flat[ctx.sel(xp, flat, 0, None)[0]])
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, g):
        x, v = ctx.saved_tensors
        mask = x == v
        if _is_float(x):
            mask = mask | (x.isnan() & v.isnan())
        return mask * (g / mask.sum())


def _all_selector(name, sel):
    return type(name, (_SelectAll,), {'_name': name, 'sel': staticmethod(sel)})


_MaxAll = _all_selector('MaxBackward1', _sel_max)
_MinAll = _all_selector('MinBackward1', _sel_min)
_MedianAll = _all_selector('MedianBackward0', _sel_median)
_NanmedianAll = _all_selector('NanmedianBackward0', _sel_nanmedian)


def _maxmin(name, sel_prim, all_prim, binary):
    def fn(input, dim=None, keepdim=False, *, other=None, out=None):
        if isinstance(dim, Tensor) or other is not None:
            return binary(input, dim if other is None else other, out=out)
        d = input._data
        if dim is None:
            if d.size == 0:
                raise RuntimeError(f'{name}(): Expected reduction dim to be specified for '
                                   "input.numel() == 0. Specify the reduction dim with the 'dim' "
                                   'argument.')
            return _out(all_prim.apply(input), out)
        dim = wrap_dim(_one_dim(dim, name), d.ndim)
        if d.ndim:
            _check_nonempty(d.shape, (dim,), name)
        return _out_pair(sel_prim.apply(input, dim, keepdim, None), out, name)
    fn.__name__ = fn.__qualname__ = name
    return fn


def _binary(name):
    def f(input, other, out=None):
        from . import pointwise
        return getattr(pointwise, name)(input, other, out=out)
    return f


max = _maxmin('max', MaxDim, _MaxAll, _binary('maximum'))
max.__doc__ = """The maximum of all elements, or ``(values, indices)`` along ``dim``, or with a
Tensor second argument the elementwise ``maximum``.

Along a dim, NaN wins and the first maximal index is returned; the gradient goes to that index.
The all-reduce form splits the gradient evenly between tied maxima, as PyTorch does."""
min = _maxmin('min', MinDim, _MinAll, _binary('minimum'))
min.__doc__ = """The minimum of all elements, or ``(values, indices)`` along ``dim``, or with a
Tensor second argument the elementwise ``minimum`` (see ``max``)."""


def _argext(name, sel, npfn):
    def fn(input, dim=None, keepdim=False):
        d = input._data
        if d.dtype.kind == 'b':
            raise RuntimeError(f'{name}(): does not support bool input')
        if dim is None:
            if d.size == 0:
                raise IndexError(f'{name}(): Expected reduction dim to be specified for '
                                 'input.numel() == 0.')
            nd = d.ndim

            def f(xp, x):
                r = getattr(xp, npfn)(x.reshape(-1)).astype(np.int64)
                return r.reshape((1,) * nd) if keepdim else r
            return _nograd(input, f)
        dim = wrap_dim(_one_dim(dim, name), d.ndim)
        if d.ndim == 0:
            return _nograd(input, lambda xp, x: xp.zeros((), dtype=np.int64))
        _check_nonempty(d.shape, (dim,), name)

        def g(xp, x):
            i = sel(xp, x, dim, None).astype(np.int64, copy=False)
            return i if keepdim else i.squeeze(dim)
        return _nograd(input, g)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f'Index of the {name[3:]}imum (over the flattened tensor when ``dim`` is None; '
                  'NaN counts as the extreme, first index on ties), as int64.')
    return fn


argmax = _argext('argmax', _sel_max, 'argmax')
argmin = _argext('argmin', _sel_min, 'argmin')


# ---------------------------------------------------------------------------- order statistics


def _order_stat(name, dim_prim, all_prim=None):
    def fn(input, dim=None, keepdim=False, *, out=None):
        d = input._data
        if d.dtype.kind == 'b':
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')
        if dim is None and all_prim is not None:
            if d.size == 0:     # PyTorch: NaN (the lowest integer for integer dtypes)
                fill = np.nan if d.dtype.kind in 'fcV' else np.iinfo(d.dtype).min
                return _out(_wrap(_xp(d).full((), fill, dtype=d.dtype)), out)
            return _out(all_prim.apply(input), out)
        dim = wrap_dim(_one_dim(-1 if dim is None else dim, name), d.ndim)
        if d.ndim:
            _check_nonempty(d.shape, (dim,), name)
        return _out_pair(dim_prim.apply(input, dim, keepdim, None), out, name)
    fn.__name__ = fn.__qualname__ = name
    return fn


median = _order_stat('median', _MedianDim, _MedianAll)
median.__doc__ = """The lower median of all elements (NaN if any is NaN), or ``(values, indices)``
along ``dim``. The all-reduce gradient is split between equal elements; along a dim it goes to
the returned index, as in PyTorch."""
nanmedian = _order_stat('nanmedian', _NanmedianDim, _NanmedianAll)
nanmedian.__doc__ = """``median`` ignoring NaN (NaN only where a slice is all NaN)."""
_mode = _order_stat('mode', _ModeDim)


def mode(input, dim=-1, keepdim=False, *, out=None):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest on ties) and
    its last index, as in PyTorch."""
    return _mode(input, dim, keepdim, out=out)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``."""
    d = input._data
    if d.dtype.kind == 'b':
        raise NotImplementedError('"kthvalue_cpu" not implemented for \'Bool\'')
    dim = wrap_dim(_one_dim(dim, 'kthvalue'), d.ndim)
    n = d.shape[dim] if d.ndim else 1
    if d.ndim:
        _check_nonempty(d.shape, (dim,), 'kthvalue')
    if not 1 <= k <= n:
        raise RuntimeError(f'kthvalue(): selected number k out of range for dimension {dim}')
    return _out_pair(_KthDim.apply(input, dim, keepdim, builtins.int(k)), out, 'kthvalue')


def _argsort(xp, x, dim, descending):
    """Stable argsort along ``dim``; descending keeps ties in their original order and puts
    NaN first (NaN is the largest, as in PyTorch)."""
    if not descending:
        return xp.argsort(x, axis=dim, kind='stable')
    if x.dtype.kind in 'fV' and not xp.isnan(x).any():
        return xp.argsort(-x, axis=dim, kind='stable')
    i = xp.argsort(xp.flip(x, axis=dim), axis=dim, kind='stable')
    return (x.shape[dim] - 1) - xp.flip(i, axis=dim)


def _take(xp, x, dim, start, stop):
    s = [slice(None)] * x.ndim
    s[dim] = slice(start, stop)
    return x[tuple(s)]


class _SortLike(Primitive):
    """``(values, indices)`` gathered along ``dim``; the gradient is scattered back."""

    def forward(ctx, xp, x, dim, k, largest, descending):
        if x.ndim == 0:
            idx = xp.zeros((), dtype=np.int64)
            ctx.shape, ctx.idx = x.shape, idx
            return x.copy(), idx
        n = x.shape[dim]
        if k is None:                                   # sort
            idx = _argsort(xp, x, dim, descending)
        elif 0 < k and 4 * k <= n:                      # topk, small k: partition first
            part = xp.argpartition(x, n - k if largest else k - 1, axis=dim)
            part = _take(xp, part, dim, n - k, n) if largest else _take(xp, part, dim, 0, k)
            o = _argsort(xp, xp.take_along_axis(x, part, axis=dim), dim, largest)
            idx = xp.take_along_axis(part, o, axis=dim)
        else:
            idx = _take(xp, _argsort(xp, x, dim, largest), dim, 0, k)
        idx = idx.astype(np.int64, copy=False)
        ctx.shape, ctx.dim, ctx.idx = x.shape, dim, idx
        return xp.take_along_axis(x, idx, axis=dim), idx

    def backward(ctx, g, gi):
        if not ctx.shape:
            return g, None, None, None, None
        return (g.new_zeros(ctx.shape).scatter(ctx.dim, _wrap(ctx.idx), g),
                None, None, None, None)


class _Sort(_SortLike):
    _name = 'SortBackward0'


class _Topk(_SortLike):
    _name = 'TopkBackward0'


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """``(values, indices)`` sorted along ``dim`` (always stable; NaN sorts as the largest).
    The gradient is routed back through the indices."""
    dim = wrap_dim(_one_dim(dim, 'sort'), input._data.ndim)
    return _out_pair(_Sort.apply(input, dim, None, False, builtins.bool(descending)), out, 'sort')


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (stable)."""
    d = input._data
    dim = wrap_dim(_one_dim(dim, 'argsort'), d.ndim)
    if d.ndim == 0:
        return _nograd(input, lambda xp, x: xp.zeros((), dtype=np.int64))
    return _nograd(input, lambda xp, x: _argsort(xp, x, dim, descending).astype(np.int64, copy=False))


def msort(input, *, out=None):
    """``input`` sorted along its first dim (``sort(input, 0).values``)."""
    return _out(sort(input, 0).values, out)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, sorted;
    NaN counts as the largest. The gradient goes to the chosen indices."""
    d = input._data
    dim = wrap_dim(_one_dim(dim, 'topk'), d.ndim)
    n = d.shape[dim] if d.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError('selected index k out of range')
    if d.dtype.kind == 'b':
        raise RuntimeError('topk does not support bool dtypes on CPU')
    return _out_pair(_Topk.apply(input, dim, builtins.int(k), builtins.bool(largest), False),
                     out, 'topk')


# ---------------------------------------------------------------------------- cumulative ops


class Cumsum(Primitive):
    def forward(ctx, xp, x, dim, dtype=None):
        ctx.dim = dim
        if x.ndim == 0:
            return x.astype(dtype) if dtype is not None else x.copy()
        if dtype is None and _low(x.dtype):
            return xp.cumsum(x, axis=dim, dtype=np.float32).astype(x.dtype)
        return xp.cumsum(x, axis=dim, dtype=dtype)

    def backward(ctx, g):
        if g.ndim == 0:
            return g, None
        d = ctx.dim
        return _flip(cumsum(_flip(g, d), d), d), None


def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim``; bool and integer inputs give int64 unless ``dtype``."""
    if _ac[0]:
        return _ac_run('cumsum', cumsum, input, dim, dtype=dtype, out=out)
    d = input._data
    dim = wrap_dim(_one_dim(dim, 'cumsum'), d.ndim)
    return _out(Cumsum.apply(input, dim, dtype=_acc_dtype(input, dtype)), out)


class Cumprod(Primitive):
    def forward(ctx, xp, x, dim, dtype=None):
        ctx.dim = dim
        if x.ndim == 0:
            out = x.astype(dtype) if dtype is not None else x.copy()
        elif dtype is None and _low(x.dtype):
            out = xp.cumprod(x, axis=dim, dtype=np.float32).astype(x.dtype)
        else:
            out = xp.cumprod(x, axis=dim, dtype=dtype)
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if x._data.size <= 1:
            return g, None
        d = ctx.dim
        xd = x._data
        if not builtins.bool((xd == 0).any()):
            return _flip(cumsum(_flip(g * cj(out), d), d), d) / cj(x), None
        # complex: the real formula with conjugated factors (PyTorch's Wirtinger convention)
        x, out = cj(x), cj(out)
        if _state[0]:                       # recording: the exact, differentiable O(n^2) form
            return _cumprod_grad_graph(g, x, d), None
        return _wrap(_cumprod_grad_zeros(_xp(xd), x._data, out._data, g._data, d)), None


def _cumprod_grad_zeros(xp, x, out, g, dim):
    """Gradient of cumprod with zeros present, O(n): before the first zero it is the usual
    ``revcumsum(g * out) / x``; at the first zero it is ``sum_i g_i prod_{j<=i, j!=z} x_j``;
    after it, zero."""
    zero = x == 0
    cz = xp.cumsum(zero, axis=dim)
    before = cz == 0
    w = xp.where(before, g * out, 0)
    rc = xp.flip(xp.cumsum(xp.flip(w, axis=dim), axis=dim), axis=dim)
    with _quiet():
        a = xp.where(before, rc / xp.where(before, x, 1), 0)
    first = zero & (cz == 1)
    y = xp.where(first, 1, x)
    b = xp.sum(xp.where(cz >= 1, g * xp.cumprod(y, axis=dim), 0), axis=dim, keepdims=True)
    return xp.where(first, b, a).astype(g.dtype, copy=False)


def _cumprod_grad_graph(g, x, d):
    """grad_k = sum_{i>=k} g_i prod_{j<=i, j!=k} x_j, built from ember ops (double backward)."""
    xp = _xp(x._data)
    n = x.shape[d]
    xt, gt = x.transpose(d, -1), g.transpose(d, -1)
    big = xt.unsqueeze(-2).expand(tuple(xt.shape[:-1]) + (n, n))     # [..., k, j] = x_j
    eye = _wrap(xp.eye(n, dtype=bool))
    p = Cumprod.apply(where(eye, 1, big), big.ndim - 1)              # prod_{j<=i, j!=k} x_j
    upper = _wrap(xp.triu(xp.ones((n, n), dtype=bool)))               # i >= k
    r = where(upper, p * gt.unsqueeze(-2), 0).sum(-1)
    return r.transpose(d, -1)


def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along ``dim``; bool and integer inputs give int64 unless ``dtype``.
    The gradient is exact with zeros in the input (and twice differentiable)."""
    if _ac[0]:
        return _ac_run('cumprod', cumprod, input, dim, dtype=dtype, out=out)
    d = input._data
    dim = wrap_dim(_one_dim(dim, 'cumprod'), d.ndim)
    return _out(Cumprod.apply(input, dim, dtype=_acc_dtype(input, dtype)), out)


class _CumExt(Primitive):
    """cummax/cummin: running extreme and the index it came from (ties and NaN take the latest
    index, as in PyTorch); the gradient is scatter-added to those indices."""
    f = staticmethod(lambda xp: xp.maximum)

    def forward(ctx, xp, x, dim):
        if x.ndim == 0:
            idx = xp.zeros((), dtype=np.int64)
            ctx.shape, ctx.idx = x.shape, idx
            return x.copy(), idx
        v = ctx.f(xp).accumulate(x, axis=dim)
        hit = x == v
        if x.dtype.kind in 'fcV':
            hit |= xp.isnan(x)
        ar = xp.arange(x.shape[dim], dtype=np.int64).reshape(
            [-1 if i == dim else 1 for i in range(x.ndim)])
        idx = xp.maximum.accumulate(xp.where(hit, ar, 0), axis=dim)
        ctx.shape, ctx.dim, ctx.idx = x.shape, dim, idx
        return v, idx

    def backward(ctx, g, gi):
        if not ctx.shape:
            return g, None
        return g.new_zeros(ctx.shape).scatter_add(ctx.dim, _wrap(ctx.idx), g), None


class _Cummax(_CumExt):
    _name = 'CummaxBackward0'


class _Cummin(_CumExt):
    _name = 'CumminBackward0'
    f = staticmethod(lambda xp: xp.minimum)


def cummax(input, dim, *, out=None):
    """``(values, indices)``: the running maximum along ``dim`` and where it was attained."""
    dim = wrap_dim(_one_dim(dim, 'cummax'), input._data.ndim)
    return _out_pair(_Cummax.apply(input, dim), out, 'cummax')


def cummin(input, dim, *, out=None):
    """``(values, indices)``: the running minimum along ``dim`` and where it was attained."""
    dim = wrap_dim(_one_dim(dim, 'cummin'), input._data.ndim)
    return _out_pair(_Cummin.apply(input, dim), out, 'cummin')


# ---------------------------------------------------------------------------- var / std
# (torch.norm / Tensor.norm live with the vector and matrix norms in ops/linalg.py)


def _var_fwd(ctx, xp, x, dims, correction, keepdim, root):
    n = _numel(x.shape, dims)
    xf = x.astype(np.float32) if _low(x.dtype) else x
    with _quiet():
        m = xp.sum(xf, axis=dims, keepdims=True) / n
        dev = xf - m
        sq = dev.real * dev.real + dev.imag * dev.imag if dev.dtype.kind == 'c' else dev * dev
        r = xp.asarray(xp.sum(sq, axis=dims, keepdims=keepdim)) / builtins.max(0, n - correction)
        if root:
            r = xp.sqrt(r)
    r = xp.asarray(r).astype(x.real.dtype if x.dtype.kind == 'c' else x.dtype, copy=False)
    ctx.dims, ctx.keepdim, ctx.n, ctx.c = dims, keepdim, n, correction
    ctx.save_for_backward(x, r if root else None)
    return r


def _var_grad(ctx, gk, x):
    """PyTorch's var_backward, ``gk`` in keepdim form: 2 g (x - mean) / (N - correction)."""
    nc = ctx.n - ctx.c
    coef = 2.0 / nc if nc != 0 else math.inf
    return gk * coef * (x - x.mean(ctx.dims, keepdim=True))


class Var(Primitive):
    def forward(ctx, xp, x, dims, correction, keepdim):
        return _var_fwd(ctx, xp, x, dims, correction, keepdim, False)

    def backward(ctx, g):
        x, _ = ctx.saved_tensors
        return _var_grad(ctx, _keep(g, x.shape, ctx.dims, ctx.keepdim), x), None, None, None


class Std(Primitive):
    def forward(ctx, xp, x, dims, correction, keepdim):
        return _var_fwd(ctx, xp, x, dims, correction, keepdim, True)

    def backward(ctx, g):
        x, r = ctx.saved_tensors
        rk = _keep(r, x.shape, ctx.dims, ctx.keepdim)
        gk = _keep(g, x.shape, ctx.dims, ctx.keepdim)
        zero = rk == 0
        gv = where(zero, 0, gk / where(zero, 1, rk * 2))     # 0 where std == 0, as PyTorch
        return _var_grad(ctx, gv, x), None, None, None


def _var_args(name, input, dim, unbiased, correction):
    if isinstance(dim, bool):                 # var(input, unbiased)
        unbiased, dim = dim, None
    if unbiased is not None and correction is not None:
        raise TypeError(f'{name}() received an invalid combination of arguments: use either '
                        "'unbiased' or 'correction', not both")
    if correction is None:
        correction = 0 if unbiased is not None and not unbiased else 1
    if not _is_float(input):
        raise RuntimeError('std and var only support floating point and complex dtypes')
    d = input._data
    dims = _dims(dim, d.ndim)
    if _numel(d.shape, dims) - correction <= 0:
        warnings.warn(f'{name}(): degrees of freedom is <= 0. Correction should be strictly less '
                      'than the reduction factor (input numel divided by output numel).',
                      UserWarning, stacklevel=3)
    return dims, correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim``: ``sum(|x - mean|^2) / max(0, N - correction)``.

    Args:
        dim: int, tuple or None (all dims).
        correction: Bessel's correction (default 1); ``unbiased`` (legacy) is
            ``correction=1 if unbiased else 0``. ``var(input, unbiased)`` also works.
    Complex inputs give a real result; integer inputs raise, as in PyTorch.
    """
    dims, c = _var_args('var', input, dim, unbiased, correction)
    return _out(Var.apply(input, dims, c, keepdim), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation: ``sqrt(var(...))`` with the same arguments as ``var``; its gradient
    is zero where the result is zero, as in PyTorch."""
    dims, c = _var_args('std', input, dim, unbiased, correction)
    return _out(Std.apply(input, dims, c, keepdim), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """``(var, mean)`` over ``dim`` (arguments as ``var``)."""
    dims, c = _var_args('var_mean', input, dim, unbiased, correction)
    return _out_tuple((Var.apply(input, dims, c, keepdim), Mean.apply(input, dims, keepdim)), out)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """``(std, mean)`` over ``dim`` (arguments as ``var``)."""
    dims, c = _var_args('std_mean', input, dim, unbiased, correction)
    return _out_tuple((Std.apply(input, dims, c, keepdim), Mean.apply(input, dims, keepdim)), out)


def _out_tuple(res, out):
    return res if out is None else tuple(_out(r, o) for r, o in zip(res, out))


# ---------------------------------------------------------------------------- logsumexp, all/any


class Logsumexp(Primitive):
    def forward(ctx, xp, x, dims, keepdim):
        xf = x.astype(np.float32) if _low(x.dtype) else x
        with _quiet():
            if x.size == 0:
                r = xp.log(xp.sum(xp.exp(xf), axis=dims, keepdims=keepdim))
            else:
                m = xp.amax(xf, axis=dims, keepdims=True)
                m = xp.where(xp.isinf(m), 0, m)
                r = xp.log(xp.sum(xp.exp(xf - m), axis=dims, keepdims=True)) + m
                if not keepdim:
                    r = r.reshape(_rshape(x.shape, dims))
        r = xp.asarray(r).astype(x.dtype, copy=False)
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(x, r)
        return r

    def backward(ctx, g):
        x, r = ctx.saved_tensors
        gk = _keep(g, x.shape, ctx.dims, ctx.keepdim)
        rk = _keep(r, x.shape, ctx.dims, ctx.keepdim)
        return gk * cj((x - rk).exp()), None, None


def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim`` (int or tuple), computed stably by shifting with
    the max; integer inputs give the default float dtype."""
    if _ac[0]:
        return _ac_run('logsumexp', logsumexp, input, dim, keepdim, out=out)
    x = float_input(input)
    return _out(Logsumexp.apply(x, _dims(dim, x._data.ndim), keepdim), out)


class _BoolReduce(Primitive):
    differentiable = False

    def forward(ctx, xp, x, dims, keepdim, fn):
        r = getattr(xp, fn)(x, axis=dims, keepdims=keepdim)
        return r if x.dtype != np.uint8 else r.astype(np.uint8)


def all(input, dim=None, keepdim=False, *, out=None):
    """True where every element along ``dim`` (int, tuple or None) is nonzero; uint8 inputs
    give uint8, others bool."""
    return _out(_BoolReduce.apply(input, _dims(dim, input._data.ndim), keepdim, fn='all'), out)


def any(input, dim=None, keepdim=False, *, out=None):
    """True where some element along ``dim`` (int, tuple or None) is nonzero."""
    return _out(_BoolReduce.apply(input, _dims(dim, input._data.ndim), keepdim, fn='any'), out)


def count_nonzero(input, dim=None):
    """Number of nonzero elements over ``dim`` (int, tuple or None), as int64."""
    d = input._data
    if dim is None:
        return _nograd(input, lambda xp, x: xp.asarray(xp.count_nonzero(x)).astype(np.int64))
    dims = _dims(dim, d.ndim)
    if not dims:
        return _nograd(input, lambda xp, x: (x != 0).astype(np.int64))
    return _nograd(input, lambda xp, x: xp.asarray(xp.count_nonzero(x, axis=dims)).astype(np.int64))


# ---------------------------------------------------------------------------- unique, diff


def _unique_arrays(xp, x, inverse, counts, dim):
    kw = {'equal_nan': False}
    src = x.reshape(-1) if dim is None else x
    try:
        r = xp.unique(src, return_inverse=inverse, return_counts=counts, axis=dim, **kw)
    except TypeError:           # an array library without equal_nan
        r = xp.unique(src, return_inverse=inverse, return_counts=counts, axis=dim)
    r = r if isinstance(r, tuple) else (r,)
    res = [r[0]]
    k = 1
    if inverse:
        res.append(r[k].reshape(x.shape if dim is None else (x.shape[dim],)).astype(np.int64))
        k += 1
    if counts:
        res.append(r[k].astype(np.int64))
    return tuple(res)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The unique elements (or slices along ``dim``), sorted; optionally the inverse indices
    (input shape, or ``input.size(dim)``) and the counts, as ``torch.unique``. Each NaN is its
    own value. Not differentiable."""
    d = input._data
    if dim is not None:
        if d.ndim == 0:
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        dim = wrap_dim(dim, d.ndim)
    r = _nograd(input, lambda xp, x: _unique_arrays(xp, x, return_inverse, return_counts, dim))
    return r[0] if len(r) == 1 else r


def _unique_consecutive_arrays(xp, x, inverse, counts, dim):
    if dim is None:
        flat = x.reshape(-1)
        n = flat.shape[0]
        a = flat.reshape(n, 1)
    else:
        n = x.shape[dim]
        a = xp.moveaxis(x, dim, 0).reshape(n, _numel(x.shape, [i for i in range(x.ndim) if i != dim]))
    keep = xp.ones(n, dtype=bool)
    if n > 1:
        keep[1:] = (a[1:] != a[:-1]).any(axis=1)
    pos = xp.nonzero(keep)[0]
    res = [flat[pos] if dim is None else xp.take(x, pos, axis=dim)]
    if inverse:
        inv = xp.cumsum(keep, dtype=np.int64) - 1
        res.append(inv.reshape(x.shape) if dim is None else inv)
    if counts:
        res.append(xp.diff(xp.concatenate([pos, xp.asarray([n])])).astype(np.int64))
    return tuple(res)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse consecutive equal elements (or slices along ``dim``), as
    ``torch.unique_consecutive``; optionally the inverse indices and the run lengths."""
    d = input._data
    if dim is not None:
        if d.ndim == 0:
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        dim = wrap_dim(dim, d.ndim)
    r = _nograd(input, lambda xp, x: _unique_consecutive_arrays(xp, x, return_inverse,
                                                                return_counts, dim))
    return r[0] if len(r) == 1 else r


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim`` (``!=`` for bool), after concatenating
    ``prepend`` and ``append``, as ``torch.diff``."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError('diff expects input to be at least one-dimensional')
    if n < 0:
        raise RuntimeError(f'order must be non-negative but got {n}')
    dim = wrap_dim(dim, d.ndim)
    if prepend is not None or append is not None:
        from . import shape
        cat = getattr(shape, 'cat', None)
        if cat is None:
            raise NotImplementedError('diff(prepend=, append=) needs ember.cat')
        input = cat([t for t in (prepend, input, append) if t is not None], dim)
    lo = [slice(None)] * d.ndim
    hi = [slice(None)] * d.ndim
    lo[dim], hi[dim] = slice(None, -1), slice(1, None)
    lo, hi = tuple(lo), tuple(hi)
    for _ in range(n):
        if input._data.shape[dim] == 0:
            break
        a, b = input[hi], input[lo]
        input = (a != b) if input._data.dtype.kind == 'b' else a - b
    return input


# ---------------------------------------------------------------------------- binding


def _sum_to_size(self, *size):
    from .creation import _shape_arg
    return sum_to(self, _shape_arg(size))


_FUNCS = {'sum': sum, 'nansum': nansum, 'mean': mean, 'nanmean': nanmean, 'prod': prod,
          'amax': amax, 'amin': amin, 'aminmax': aminmax, 'max': max, 'min': min,
          'argmax': argmax, 'argmin': argmin, 'median': median, 'nanmedian': nanmedian,
          'mode': mode, 'kthvalue': kthvalue, 'sort': sort, 'argsort': argsort, 'msort': msort,
          'topk': topk, 'cumsum': cumsum, 'cumprod': cumprod, 'cummax': cummax, 'cummin': cummin,
          'var': var, 'std': std, 'logsumexp': logsumexp,
          'all': all, 'any': any, 'count_nonzero': count_nonzero, 'unique': unique,
          'unique_consecutive': unique_consecutive, 'diff': diff}

bind(dict(_FUNCS, sum_to_size=_sum_to_size,
          cumsum_=lambda self, dim, *, dtype=None: inplace_fn(self, cumsum, dim, dtype=dtype),
          cumprod_=lambda self, dim, *, dtype=None: inplace_fn(self, cumprod, dim, dtype=dtype)))
__all__ = list(_FUNCS) + ['std_mean', 'var_mean']
