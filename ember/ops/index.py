"""Indexing: ``__getitem__``/``__setitem__``, gather/scatter, index_select and friends."""
import builtins
import numbers

import numpy as np

from .._tensor import Tensor, _wrap, bind
from ._util import Primitive, wrap_dim, inplace, inplace_fn

_ndarray = np.ndarray


def _conv_key(key, shape):
    """A Python index (ints, slices, None, Ellipsis, tensors, lists) as a NumPy index.

    Returns (key, basic): ``basic`` is True when the result is a view."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    basic = True
    for k in key:
        if isinstance(k, Tensor):
            a = k._data
            if a.dtype.kind not in 'biu':
                raise IndexError('tensors used as indices must be long, int, byte or bool tensors')
            if a.ndim == 0 and a.dtype.kind in 'iu':
                out.append(builtins.int(a))
                continue
            out.append(a)
            basic = False
        elif isinstance(k, slice):
            if k.step is not None and _int(k.step) <= 0:
                raise ValueError('step must be greater than zero')
            out.append(slice(_int(k.start), _int(k.stop), _int(k.step)))
        elif k is None or k is Ellipsis or isinstance(k, (bool, np.bool_)):
            out.append(k)
            if isinstance(k, (bool, np.bool_)):
                basic = False
        elif isinstance(k, numbers.Integral):
            out.append(builtins.int(k))
        elif isinstance(k, (list, tuple, np.ndarray)):
            a = np.asarray(k)
            if a.dtype.kind == 'f' or a.dtype.kind == 'O':
                raise IndexError('tensors used as indices must be long, int, byte or bool tensors')
            out.append(a)
            basic = False
        else:
            raise IndexError('only integers, slices (`:`), ellipsis (`...`), None and long or byte '
                             'Variables are valid indices (got ' + type(k).__name__ + ')')
    _check_int_bounds(out, shape)
    return tuple(out), basic


def _int(v):
    return None if v is None else builtins.int(v)


def _check_int_bounds(key, shape):
    dim = 0
    n_spec = builtins.sum(1 for k in key if k is not None and k is not Ellipsis and
                          not isinstance(k, (bool, np.bool_)) and
                          not (hasattr(k, 'dtype') and k.dtype.kind == 'b'))
    n_spec += builtins.sum(k.ndim - 1 for k in key if hasattr(k, 'dtype') and k.dtype.kind == 'b')
    if n_spec > len(shape):
        raise IndexError(f'too many indices for tensor of dimension {len(shape)}')
    for k in key:
        if k is Ellipsis:
            dim = len(shape) - (n_spec - dim) if True else dim
            # dims after the ellipsis are counted from the end
            rest = key[key.index(Ellipsis) + 1:]
            _check_tail(rest, shape)
            return
        if k is None or isinstance(k, (bool, np.bool_)):
            continue
        if isinstance(k, builtins.int):
            n = shape[dim]
            if not -n <= k < n:
                raise IndexError(f'index {k} is out of bounds for dimension {dim} with size {n}')
        elif hasattr(k, 'dtype') and k.dtype.kind == 'b':
            dim += k.ndim
            continue
        dim += 1


def _check_tail(rest, shape):
    dim = len(shape) - builtins.sum(1 for k in rest if k is not None)
    for k in rest:
        if k is None:
            continue
        if isinstance(k, builtins.int):
            n = shape[dim]
            if not -n <= k < n:
                raise IndexError(f'index {k} is out of bounds for dimension {dim} with size {n}')
        dim += 1


class GetItemView(Primitive):
    """Basic indexing (ints, slices, None, ...): a view."""
    _name = 'SliceBackward0'
    is_view = True

    def forward(ctx, xp, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    def backward(ctx, g):
        return IndexBackward.apply(g, ctx.shape, ctx.key), None


class GetItem(Primitive):
    """Advanced indexing (tensors, lists, masks): a copy."""
    _name = 'IndexBackward0'

    def forward(ctx, xp, x, key):
        ctx.shape, ctx.key = x.shape, key
        if xp is not np:
            key = tuple(xp.asarray(k) if isinstance(k, _ndarray) else k for k in key)
        try:
            return x[key]
        except IndexError as e:
            raise IndexError(str(e).replace('axis', 'dimension')) from None

    def backward(ctx, g):
        return IndexBackward.apply(g, ctx.shape, ctx.key), None


class IndexBackward(Primitive):
    """Scatter-add ``g`` into zeros of ``shape`` at ``key`` (repeated indices accumulate)."""

    def forward(ctx, xp, g, shape, key):
        ctx.key = key
        z = xp.zeros(shape, g.dtype)
        if xp is not np:
            key = tuple(xp.asarray(k) if isinstance(k, _ndarray) else k for k in key)
        if builtins.all(not isinstance(k, (_ndarray,)) and not hasattr(k, 'device') for k in key):
            z[key] = g
        else:
            xp.add.at(z, key, g) if xp is np else _cupy_add_at(xp, z, key, g)
        return z

    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.key), None, None


def _cupy_add_at(xp, z, key, g):
    import cupyx
    cupyx.scatter_add(z, key, g)


def getitem(self, key):
    """``self[key]`` with PyTorch's indexing semantics (basic indexing gives a view)."""
    if self._data.ndim == 0 and key is not None and key is not Ellipsis and not (
            isinstance(key, tuple) and builtins.all(k is None or k is Ellipsis for k in key)) \
            and not (isinstance(key, Tensor) and key._data.dtype.kind == 'b'):
        raise IndexError('invalid index of a 0-dim tensor. Use `tensor.item()` in Python or '
                         '`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number')
    k, basic = _conv_key(key, self._data.shape)
    if basic:
        return GetItemView.apply(self, k)
    return GetItem.apply(self, k)


class IndexPut(Primitive):
    """``out = x.clone(); out[key] = v`` (``__setitem__``)."""

    def forward(ctx, xp, x, v, key):
        ctx.key = key
        ctx.vshape = v.shape if hasattr(v, 'shape') else ()
        out = x.copy()
        if xp is not np:
            key = tuple(xp.asarray(k) if isinstance(k, _ndarray) else k for k in key)
        out[key] = v
        return out

    def backward(ctx, g):
        key = ctx.key
        gx = None
        if ctx._next[0] is not None:
            gx = IndexPut.apply(g, 0.0, key)
        gv = None
        if ctx._next[1] is not None:
            gv = GetItem.apply(g, key)
            from .reduce import sum_to
            if gv._data.shape != ctx.vshape:
                gv = sum_to(gv, ctx.vshape)
        return gx, gv, None


def setitem(self, key, value):
    """``self[key] = value`` in place (broadcasting ``value``; autograd-aware)."""
    k, basic = _conv_key(key, self._data.shape)
    if isinstance(value, Tensor):
        if value._data.dtype != self._data.dtype:
            value = value.to(self.dtype)
        if type(value._data) is not type(self._data):
            value = value.to(self.device)
    else:
        if isinstance(value, (list, tuple, np.ndarray)):
            value = Tensor._coerce(np.asarray(value, dtype=self._data.dtype), self)
    from ..autograd.grad_mode import _state
    if not (_state[0] and (self._rg or (isinstance(value, Tensor) and value._rg))):
        d = self._data
        v = value._data if isinstance(value, Tensor) else value
        if type(d) is not _ndarray:
            k = tuple(d.__class__(x) if isinstance(x, _ndarray) else x for x in k) if False else \
                tuple(__import__('cupy').asarray(x) if isinstance(x, _ndarray) else x for x in k)
        try:
            d[k] = v
        except ValueError as e:
            raise RuntimeError(str(e)) from None
        self._vc[0] += 1
        return
    inplace(self, IndexPut, value, key=k)


class Gather(Primitive):
    def forward(ctx, xp, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return xp.take_along_axis(x, index, axis=dim)

    def backward(ctx, g):
        index, = ctx.saved_tensors
        z = g.new_zeros(ctx.shape)
        return z.scatter_add(ctx.dim, index, g), None, None


def _check_index(index, name):
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        raise RuntimeError(f'{name}(): Expected dtype int64 for index')


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` for dim 0 (and likewise for others)."""
    _check_index(index, 'gather')
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    if index._data.ndim != d.ndim and d.ndim:
        raise RuntimeError('Index tensor must have the same number of dimensions as input tensor')
    idx = index._data
    if idx.shape != d.shape:
        # PyTorch allows index smaller than input in dims other than `dim`
        sl = tuple(slice(0, s) if i != dim else slice(None) for i, s in enumerate(idx.shape))
        input = getitem(input, sl)
    if idx.size and (idx.min() < -d.shape[dim] or idx.max() >= d.shape[dim]):
        raise RuntimeError(f'index {builtins.int(idx.max())} is out of bounds for dimension {dim} '
                           f'with size {d.shape[dim]}')
    return Gather.apply(input, dim, index)


def _scatter_arrays(xp, x, dim, index, src, reduce):
    out = x.copy()
    idx = [xp.broadcast_to(xp.arange(s).reshape([-1 if j == i else 1 for j in range(index.ndim)]),
                           index.shape) for i, s in enumerate(index.shape)]
    idx[dim] = index
    idx = tuple(idx)
    if not hasattr(src, 'shape') or src.ndim == 0:
        src = xp.broadcast_to(xp.asarray(src, dtype=x.dtype), index.shape)
    else:
        src = src[tuple(slice(0, s) for s in index.shape)]
    if reduce is None:
        out[idx] = src
    elif reduce == 'add' or reduce == 'sum':
        (xp.add.at(out, idx, src) if xp is np else __import__('cupyx').scatter_add(out, idx, src))
    elif reduce == 'multiply' or reduce == 'prod':
        xp.multiply.at(out, idx, src)
    elif reduce == 'amax':
        xp.maximum.at(out, idx, src)
    elif reduce == 'amin':
        xp.minimum.at(out, idx, src)
    return out, idx


class Scatter(Primitive):
    def forward(ctx, xp, x, dim, index, src, reduce=None):
        out, idx = _scatter_arrays(xp, x, dim, index, src, reduce)
        ctx.dim, ctx.idx = dim, idx
        ctx.save_for_backward(index)
        ctx.src_shape = src.shape if hasattr(src, 'shape') else None
        return out

    def backward(ctx, g):
        index, = ctx.saved_tensors
        gx = g.scatter(ctx.dim, index, 0.0) if ctx._next[0] is not None else None
        gs = None
        if ctx._next[3] is not None:
            gs = g.gather(ctx.dim, index)
            if gs._data.shape != ctx.src_shape:
                from .shape import View
                gs = _pad_to(gs, ctx.src_shape)
        return gx, None, None, gs


def _pad_to(t, shape):
    z = t.new_zeros(shape)
    z[tuple(slice(0, s) for s in t._data.shape)] = t
    return z


class ScatterAdd(Primitive):
    def forward(ctx, xp, x, dim, index, src):
        out, _ = _scatter_arrays(xp, x, dim, index, src, 'add')
        ctx.dim = dim
        ctx.src_shape = src.shape
        ctx.save_for_backward(index)
        return out

    def backward(ctx, g):
        index, = ctx.saved_tensors
        gs = None
        if ctx._next[3] is not None:
            gs = g.gather(ctx.dim, index)
            if gs._data.shape != ctx.src_shape:
                gs = _pad_to(gs, ctx.src_shape)
        return g, None, None, gs


def _scatter_check(input, dim, index, src, name):
    _check_index(index, name)
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    i = index._data
    if i.size and (i.min() < 0 or i.max() >= d.shape[dim]):
        raise RuntimeError(f'index {builtins.int(i.max())} is out of bounds for dimension {dim} with '
                           f'size {d.shape[dim]}')
    return dim


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """Write ``src`` (tensor or scalar) into a copy of ``input`` at ``index`` along ``dim``."""
    if src is None:
        src = value
    dim = _scatter_check(input, dim, index, src, 'scatter')
    if isinstance(src, Tensor) and src._data.dtype != input._data.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype")
    return Scatter.apply(input, dim, index, src, reduce=reduce)


def scatter_add(input, dim, index, src):
    """``input`` plus ``src`` summed into the positions ``index`` along ``dim``."""
    dim = _scatter_check(input, dim, index, src, 'scatter_add')
    return ScatterAdd.apply(input, dim, index, src)


_FUNCS = {'gather': gather, 'scatter': scatter, 'scatter_add': scatter_add}
bind(dict(_FUNCS, __getitem__=getitem, __setitem__=setitem,
          scatter_=lambda self, *a, **k: inplace_fn(self, scatter, *a, **k),
          scatter_add_=lambda self, *a, **k: inplace_fn(self, scatter_add, *a, **k)))


__all__ = list(_FUNCS)
