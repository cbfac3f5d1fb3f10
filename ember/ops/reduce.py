"""Reductions: sum, mean, max/min, var/std, logsumexp, cumulative ops, sorting and friends."""
import builtins

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind
from ._util import Primitive, dims_arg, wrap_dim, float_input
from .pointwise import _out

_ndarray = np.ndarray


def _expand_back(g, shape, dims, keepdim):
    """Broadcast a reduced gradient back to ``shape`` (re-inserting reduced dims)."""
    if not keepdim and dims:
        s = list(shape)
        for d in dims:
            s[d] = 1
        g = g.reshape(s)
    return g.expand(shape)


class Sum(Primitive):
    def forward(ctx, xp, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return xp.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)

    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim), None, None


class SumTo(Primitive):
    """Sum a broadcast gradient down to ``shape`` (the engine's broadcast reduction)."""
    _name = 'SumBackward1'

    def forward(ctx, xp, x, shape):
        ctx.shape = x.shape
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                          if s == 1 and x.shape[i + lead] != 1)
        out = xp.sum(x, axis=axes, keepdims=True) if axes else x
        return out.reshape(shape)

    def backward(ctx, g):
        return g.expand(ctx.shape), None


def sum_to(x, shape):
    """``x`` summed over broadcast dims so that it has ``shape``."""
    if tuple(x.shape) == tuple(shape):
        return x
    return SumTo.apply(x, tuple(shape))


def _acc_dtype(x, dtype):
    """sum/prod of bool and integer tensors accumulate in int64, as in PyTorch."""
    if dtype is not None:
        return dtype.np
    if x._data.dtype.kind in 'bi' or x._data.dtype.kind == 'u':
        return np.dtype(np.int64)
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (int, tuple, or all when None); ints accumulate in int64."""
    dims = dims_arg(dim, input._data.ndim)
    return _out(Sum.apply(input, dims, keepdim, dtype=_acc_dtype(input, dtype)), out)


class Mean(Primitive):
    def forward(ctx, xp, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        if x.dtype.kind == 'f' and x.dtype.itemsize == 2:
            return xp.mean(x, axis=dims, keepdims=keepdim, dtype=np.float32).astype(x.dtype)
        return xp.mean(x, axis=dims, keepdims=keepdim, dtype=dtype)

    def backward(ctx, g):
        return _expand_back(g / ctx.n, ctx.shape, ctx.dims, ctx.keepdim), None, None


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim``; floating (or complex) inputs only, as in PyTorch."""
    if dtype is None and input._data.dtype.kind not in 'fcV':
        raise RuntimeError('mean(): could not infer output dtype. Input dtype must be either a '
                           f'floating point or complex dtype. Got: {_tname(input)}')
    x = input if dtype is None else input.to(dtype)
    dims = dims_arg(dim, x._data.ndim)
    return _out(Mean.apply(x, dims, keepdim), out)


def _tname(t):
    from ._util import _tname as n
    return n(t.dtype)


class Amax(Primitive):
    """max over dims; the gradient is split evenly between tied maxima (as amax does)."""
    fn = 'max'

    def forward(ctx, xp, x, dims, keepdim):
        if x.size == 0 and any(x.shape[d] == 0 for d in dims):
            raise IndexError(f'{ctx.fn}(): Expected reduction dim {dims[0]} to have non-zero size.')
        out = getattr(xp, 'a' + ctx.fn)(x, axis=dims, keepdims=True)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out if keepdim else out.reshape([s for i, s in enumerate(x.shape) if i not in dims])

    def backward(ctx, g):
        x, out = ctx.saved_tensors
        mask = (x == out).to(g.dtype)
        gk = _expand_back(g, x.shape, ctx.dims, ctx.keepdim) if not ctx.keepdim else g
        return gk * mask / mask.sum(ctx.dims, keepdim=True), None, None


class Amin(Amax):
    fn = 'min'


def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over ``dim`` (all dims when empty)."""
    return _out(Amax.apply(input, dims_arg(dim if dim != () else None, input._data.ndim), keepdim), out)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over ``dim`` (all dims when empty)."""
    return _out(Amin.apply(input, dims_arg(dim if dim != () else None, input._data.ndim), keepdim), out)


class MaxDim(Primitive):
    """(values, indices) of the max along one dim; the gradient goes to the chosen index."""
    _name = 'MaxBackward0'
    fn = 'max'

    def forward(ctx, xp, x, dim, keepdim):
        if x.ndim and x.shape[dim] == 0:
            raise IndexError(f'{ctx.fn}(): Expected reduction dim {dim} to have non-zero size.')
        if x.ndim == 0:
            idx = xp.zeros((), np.int64)
            val = x.copy()
        else:
            idx = (xp.argmax if ctx.fn == 'max' else xp.argmin)(x, axis=dim, keepdims=True)
            if x.dtype.kind in 'fc':   # NaN wins, as in PyTorch
                nan = xp.isnan(x)
                if nan.any():
                    idx = xp.where(nan.any(axis=dim, keepdims=True),
                                   xp.argmax(nan, axis=dim, keepdims=True), idx)
            val = xp.take_along_axis(x, idx, axis=dim)
            if not keepdim:
                idx, val = idx.squeeze(dim), val.squeeze(dim)
        ctx.mark_non_differentiable(idx)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.save_for_backward(idx)
        return val, idx.astype(np.int64, copy=False)

    def backward(ctx, g, gi):
        idx, = ctx.saved_tensors
        if not ctx.shape:
            return g, None, None
        if not ctx.keepdim:
            g, idx = g.unsqueeze(ctx.dim), idx.unsqueeze(ctx.dim)
        z = g.new_zeros(ctx.shape)
        return z.scatter(ctx.dim, idx, g), None, None


class MinDim(MaxDim):
    _name = 'MinBackward0'
    fn = 'min'


def _maxmin(prim, reduce_all, name):
    def fn(input, dim=None, keepdim=False, *, out=None):
        if isinstance(dim, Tensor):
            from .pointwise import maximum, minimum
            return (maximum if name == 'max' else minimum)(input, dim)
        if dim is None:
            if input._data.size == 0:
                raise RuntimeError(f'{name}(): Expected reduction dim to be specified for '
                                   'input.numel() == 0. Specify the reduction dim with the \'dim\' '
                                   'argument.')
            return reduce_all(input)
        v, i = prim.apply(input, wrap_dim(dim, input._data.ndim), keepdim)
        from .. import return_types
        return getattr(return_types, name)((v, i))
    fn.__name__ = name
    return fn


max = _maxmin(MaxDim, lambda x: amax(x), 'max')
max.__doc__ = 'The maximum of all elements, or ``(values, indices)`` along ``dim``.'
min = _maxmin(MinDim, lambda x: amin(x), 'min')
min.__doc__ = 'The minimum of all elements, or ``(values, indices)`` along ``dim``.'


class _ArgReduce(Primitive):
    differentiable = False

    def forward(ctx, xp, x, dim, keepdim, fn):
        if dim is None:
            r = fn(xp, x.reshape(-1), 0)
            return r.reshape((1,) * x.ndim) if keepdim else r
        return fn(xp, x, dim) if not keepdim else xp.expand_dims(fn(xp, x, dim), dim)


def argmax(input, dim=None, keepdim=False):
    """Index of the maximum (over the flattened tensor when ``dim`` is None)."""
    if dim is None:
        return _ArgReduce.apply(input, None, keepdim, fn=lambda xp, x, d: xp.argmax(x, d))
    d = wrap_dim(dim, input._data.ndim)
    return MaxDim.apply(input, d, keepdim)[1]


def argmin(input, dim=None, keepdim=False):
    """Index of the minimum (over the flattened tensor when ``dim`` is None)."""
    if dim is None:
        return _ArgReduce.apply(input, None, keepdim, fn=lambda xp, x, d: xp.argmin(x, d))
    d = wrap_dim(dim, input._data.ndim)
    return MinDim.apply(input, d, keepdim)[1]


class _BoolReduce(Primitive):
    differentiable = False

    def forward(ctx, xp, x, dims, keepdim, fn):
        r = getattr(xp, fn)(x, axis=dims, keepdims=keepdim)
        return r if x.dtype != np.uint8 else r.astype(np.uint8)


def all(input, dim=None, keepdim=False, *, out=None):
    """True where every element along ``dim`` is nonzero."""
    return _out(_BoolReduce.apply(input, dims_arg(dim, input._data.ndim), keepdim, fn='all'), out)


def any(input, dim=None, keepdim=False, *, out=None):
    """True where some element along ``dim`` is nonzero."""
    return _out(_BoolReduce.apply(input, dims_arg(dim, input._data.ndim), keepdim, fn='any'), out)


_FUNCS = {'sum': sum, 'mean': mean, 'amax': amax, 'amin': amin, 'max': max, 'min': min,
          'argmax': argmax, 'argmin': argmin, 'all': all, 'any': any}


def _sum_to_size(self, *size):
    from .creation import _shape_arg
    return sum_to(self, _shape_arg(size))


bind(dict(_FUNCS, sum_to_size=_sum_to_size))
__all__ = list(_FUNCS)
