"""Indexing: ``__getitem__``/``__setitem__``, gather/scatter, index_select and friends.

``x[key]`` follows PyTorch: integers select (a view), slices/None/Ellipsis are basic indexing
(a view sharing memory), and tensors/lists/bool masks are advanced indexing (a copy). Integers
are applied before advanced indices, so ``x[0, :, [0, 1]]`` places the advanced dims where
PyTorch does (NumPy would treat the integer as an advanced index too). A key is converted once
into two NumPy keys: ``k1`` (basic, applied first, a view) and ``k2`` (advanced, on ``x[k1]``).
"""
import builtins
import numbers
import operator
import re
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind
from ._util import Primitive, wrap_dim, inplace, inplace_fn
from .pointwise import _out
from ..amp._policy import on as _ac, run as _ac_run

_ndarray = np.ndarray
_INT_DT = (np.dtype(np.int64), np.dtype(np.int32))


def _xp(a):
    return np if type(a) is _ndarray else __import__('cupy')


def _on(xp, a):
    """Index array ``a`` on the device of ``xp``."""
    if xp is np:
        return a if not hasattr(a, 'get') or isinstance(a, (np.ndarray, np.generic)) else a.get()
    return xp.asarray(a) if isinstance(a, _ndarray) else a


def _key_on(xp, key):
    if key is None or xp is np:
        return key
    return tuple(_on(xp, k) if isinstance(k, _ndarray) else k for k in key)


def _tname(arr):
    return {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
            'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
            'bool': 'Bool', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}[
        _dtype.NP2DT[arr.dtype].name]


# ---------------------------------------------------------------------------- key conversion

_BAD_INDEX = ('only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables '
              'are valid indices (got {})')
_BAD_TENSOR = 'tensors used as indices must be long, int, byte or bool tensors'


def _index_int(v):
    if v is None:
        return None
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError('slice indices must be integers or None or have an __index__ method') \
            from None


def _seq_as_tuple(seq):
    """PyTorch's legacy rule: a list holding sequences, slices, None, ... or tensors is a tuple."""
    for k in seq:
        if isinstance(k, (Tensor, list, tuple, slice, np.ndarray)) or k is None or k is Ellipsis:
            return True
    return False


def _item(k):
    """One index entry as (kind, value)."""
    if isinstance(k, Tensor):
        a = k._data
        dt = a.dtype
        if dt == np.uint8:
            warnings.warn('indexing with dtype torch.uint8 is now deprecated, please use a dtype '
                          'torch.bool instead.', UserWarning, stacklevel=4)
            a = a.astype(bool)
            dt = a.dtype
        if dt.kind == 'b':
            if a.ndim == 0:
                return 'bool', builtins.bool(a)
            return 'mask', a
        if dt not in _INT_DT:
            raise IndexError(_BAD_TENSOR)
        if a.ndim == 0:
            return 'int', builtins.int(a)
        return 'adv', a
    if k is None:
        return 'none', None
    if k is Ellipsis:
        return 'ell', None
    if isinstance(k, (builtins.bool, np.bool_)):
        return 'bool', builtins.bool(k)
    if isinstance(k, numbers.Integral):
        return 'int', builtins.int(k)
    if isinstance(k, slice):
        step = _index_int(k.step)
        if step is not None:
            if step == 0:
                raise ValueError('slice step cannot be zero')
            if step < 0:
                raise ValueError('step must be greater than zero')
        return 'slice', slice(_index_int(k.start), _index_int(k.stop), step)
    if isinstance(k, (list, tuple, np.ndarray)):
        try:
            a = np.asarray(k)
        except (ValueError, TypeError):
            raise IndexError(_BAD_TENSOR) from None
        if a.dtype.kind == 'b':
            return ('bool', builtins.bool(a)) if a.ndim == 0 else ('mask', a)
        if a.size == 0 and a.dtype.kind in 'fV':
            a = a.astype(np.int64)
        if a.dtype.kind not in 'iu':
            raise IndexError(_BAD_TENSOR)
        a = a.astype(np.int64, copy=False)
        if a.ndim == 0:
            return 'int', builtins.int(a)
        return 'adv', a
    if isinstance(k, str):
        raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
    raise IndexError(_BAD_INDEX.format(type(k).__name__))


def _conv_key(key, shape):
    """``key`` as ``(k1, k2)``: basic NumPy key applied first (None when trivial) and the advanced
    key applied to its result (None for basic indexing, whose result is a view)."""
    if isinstance(key, list) and _seq_as_tuple(key):
        key = tuple(key)
    if not isinstance(key, tuple):
        key = (key,)
    items = [_item(k) for k in key]
    ndim = len(shape)
    used = 0
    n_ell = 0
    for kind, v in items:
        if kind in ('int', 'slice', 'adv'):
            used += 1
        elif kind == 'mask':
            used += v.ndim
        elif kind == 'ell':
            n_ell += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > ndim:
        if ndim == 0 and builtins.any(kind == 'int' for kind, _ in items):
            raise IndexError('invalid index of a 0-dim tensor. Use `tensor.item()` in Python or '
                             '`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number')
        raise IndexError(f'too many indices for tensor of dimension {ndim}')
    k1, k2 = [], []
    adv = False
    dim = 0
    full = slice(None)
    for kind, v in items:
        if kind == 'int':
            n = shape[dim]
            if not -n <= v < n:
                raise IndexError(f'index {v} is out of bounds for dimension {dim} with size {n}')
            k1.append(v)
            dim += 1
        elif kind == 'slice':
            k1.append(v)
            k2.append(full)
            dim += 1
        elif kind == 'none':
            k1.append(None)
            k2.append(full)
        elif kind == 'ell':
            r = ndim - used
            k1.extend([full] * r)
            k2.extend([full] * r)
            dim += r
        elif kind == 'adv':
            k1.append(full)
            k2.append(v)
            adv = True
            dim += 1
        elif kind == 'mask':
            sub = shape[dim:dim + v.ndim]
            for j, (a, b) in enumerate(zip(v.shape, sub)):
                if a != b:
                    raise IndexError(f'The shape of the mask {list(v.shape)} at index {j} does not '
                                     f'match the shape of the indexed tensor {list(shape)} at '
                                     f'index {dim + j}')
            k1.extend([full] * v.ndim)
            k2.append(v)
            adv = True
            dim += v.ndim
        else:  # bool scalar: a new dim of size 1 (True) or 0 (False), an advanced index
            k2.append(np.bool_(v))
            adv = True
    if not adv:
        return tuple(k1) + (Ellipsis,), None    # trailing Ellipsis: 0-d results stay views
    if builtins.all(k is full for k in k1):
        k1 = None
    else:
        k1 = tuple(k1)
    while k2 and k2[-1] is full:
        k2.pop()
    return k1, tuple(k2)


def _np_index_error(e):
    msg = str(e).replace('axis', 'dimension').replace('indexing arrays', 'indexing tensors')
    msg = re.sub(r'\(([\d,]*)\)', lambda m: '[' + ', '.join(x for x in m.group(1).split(',') if x)
                 + ']', msg)
    msg = msg.replace('] [', '], [')
    return IndexError(msg.strip())


def _apply_key(x, key):
    k1, k2 = key
    if k1 is not None:
        x = x[k1]
    if k2 is not None:
        x = x[_key_on(_xp(x), k2)]
    return x


def _check_adv_bounds(xp, key, shape):
    """Explicit bounds checks for CuPy (which wraps silently); NumPy raises by itself."""
    k1, k2 = key
    if xp is np or k2 is None:
        return
    s = np.broadcast_to(np.empty((), np.bool_), shape)[k1] if k1 is not None else None
    sh = s.shape if s is not None else shape
    dim = 0
    for k in k2:
        if hasattr(k, 'dtype') and getattr(k, 'ndim', 0) > 0 and k.dtype.kind in 'iu':
            n = sh[dim]
            lo, hi = builtins.int(k.min()), builtins.int(k.max())
            if lo < -n or hi >= n:
                bad = hi if hi >= n else lo
                raise IndexError(f'index {bad} is out of bounds for dimension {dim} with size {n}')
            dim += 1
        elif hasattr(k, 'dtype') and getattr(k, 'ndim', 0) > 0:
            dim += k.ndim
        elif isinstance(k, slice):
            dim += 1


class GetItem(Primitive):
    """Advanced indexing (tensors, lists, masks): a copy."""
    _name = 'IndexBackward0'

    def forward(ctx, xp, x, key):
        ctx.shape, ctx.key = x.shape, key
        try:
            return _apply_key(x, key)
        except IndexError as e:
            raise _np_index_error(e) from None

    def backward(ctx, g):
        return IndexBackward.apply(g, ctx.shape, ctx.key), None


class GetItemView(GetItem):
    """Basic indexing (ints, slices, None, ...): a view sharing memory."""
    _name = 'SliceBackward0'
    is_view = True



# one node class per name PyTorch's indexing gives, so type(grad_fn).__name__ matches too
_VIEW_NODES = {n: type(n, (GetItemView,), {'_name': n}) for n in
               ('SelectBackward0', 'SliceBackward0', 'UnsqueezeBackward0', 'AliasBackward0')}


def _view_name(key):
    """The node name PyTorch's indexing gives: that of the last view op it applies (an int
    selects, a partial slice slices, None unsqueezes)."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], tuple):
        key = key[0]            # (basic part, advanced part) as _conv_key returns it
    name = None
    seen_slice = False
    for k in key if isinstance(key, tuple) else (key,):
        if k is None:
            name = 'UnsqueezeBackward0'
        elif isinstance(k, slice):
            seen_slice = True
            if not (k.start in (None, 0) and k.stop is None and k.step in (None, 1)):
                name = 'SliceBackward0'
        elif k is not Ellipsis:
            name = 'SelectBackward0'
    return name or ('SliceBackward0' if seen_slice else 'AliasBackward0')


def _dup_possible(k2):
    return k2 is not None and builtins.any(
        hasattr(k, 'dtype') and getattr(k, 'ndim', 0) > 0 and k.dtype.kind in 'iu' for k in k2)


def _scatter_add_at(xp, out, key, src):
    if xp is np:
        np.add.at(out, key, src)
    else:
        import cupyx
        cupyx.scatter_add(out, key, src)


class IndexBackward(Primitive):
    """Scatter-add ``g`` into zeros of ``shape`` at ``key`` (repeated indices accumulate)."""

    def forward(ctx, xp, g, shape, key):
        ctx.key = key
        z = xp.zeros(shape, g.dtype)
        k1, k2 = key
        zv = z[k1] if k1 is not None else z
        if k2 is None:
            zv[...] = g
        elif _dup_possible(k2):
            _scatter_add_at(xp, zv, _key_on(xp, k2), g)
        else:
            zv[_key_on(xp, k2)] = g
        return z

    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.key), None, None


def getitem(self, key):
    """``self[key]`` with PyTorch's indexing semantics.

    Integers, slices (positive steps), None and Ellipsis give a view sharing memory; integer
    tensors, lists and bool masks (advanced indexing) give a copy, with advanced dims placed as
    PyTorch places them. Out-of-range indices raise IndexError.
    """
    key = _conv_key(key, self._data.shape)
    if key[1] is None:
        return _VIEW_NODES[_view_name(key)].apply(self, key)
    _check_adv_bounds(_xp(self._data), key, self._data.shape)
    return GetItem.apply(self, key)


def _reduce_to(g, shape):
    """Sum gradient ``g`` to a value's ``shape`` (which may carry extra leading 1s)."""
    from .reduce import sum_to
    shape = tuple(shape)
    if tuple(g._data.shape) == shape:
        return g
    lead = 0
    while len(shape) - lead > g._data.ndim and shape[lead] == 1:
        lead += 1
    g = sum_to(g, shape[lead:])
    return g.reshape(shape) if lead else g


class IndexPut(Primitive):
    """``out = x.clone(); out[key] = v`` (or ``+= v`` with ``accumulate``)."""
    _name = 'IndexPutBackward0'

    def forward(ctx, xp, x, v, key, accumulate=False):
        ctx.key, ctx.acc = key, accumulate
        ctx.vshape = v.shape if hasattr(v, 'shape') else ()
        out = x.copy()
        k1, k2 = key
        ov = out[k1] if k1 is not None else out
        try:
            if k2 is None:
                if accumulate:
                    ov += v
                else:
                    ov[...] = v
            elif accumulate and _dup_possible(k2):
                vv = xp.broadcast_to(xp.asarray(v, dtype=x.dtype), ov[_key_on(xp, k2)].shape)
                _scatter_add_at(xp, ov, _key_on(xp, k2), vv)
            elif accumulate:
                ov[_key_on(xp, k2)] += v
            else:
                ov[_key_on(xp, k2)] = v
        except IndexError as e:
            raise _np_index_error(e) from None
        except ValueError:
            raise RuntimeError(_shape_mismatch(v, _apply_key(x, key))) from None
        return out

    def backward(ctx, g):
        key = ctx.key
        gx = gv = None
        if ctx._next[0] is not None:
            gx = g if ctx.acc else IndexPut.apply(g, 0.0, key)
        if ctx._next[1] is not None:
            gv = _reduce_to(GetItem.apply(g, key), ctx.vshape)
        return gx, gv, None, None


def _shape_mismatch(v, res):
    return (f'shape mismatch: value tensor of shape {list(getattr(v, "shape", ()))} cannot be '
            f'broadcast to indexing result of shape {list(res.shape)}')


def _value_for(self, value):
    """A setitem value as a Tensor of ``self``'s dtype and device, or a Python scalar."""
    if isinstance(value, Tensor):
        if value._data.dtype != self._data.dtype:
            value = value.to(self.dtype)
        if type(value._data) is not type(self._data):
            value = value.to(self.device)
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return Tensor._coerce(np.asarray(value, dtype=self._data.dtype), self)
    if isinstance(value, np.generic):
        return value.item()
    if not isinstance(value, numbers.Number):
        raise TypeError(f"can't assign a {type(value).__name__} to a {_dtype_str(self)}")
    return value


def _dtype_str(t):
    return 'torch.' + _tname(t._data) + 'Tensor'


def setitem(self, key, value):
    """``self[key] = value`` in place: ``value`` (scalar or tensor, cast to ``self``'s dtype) is
    broadcast to the indexed region. Autograd-aware on non-leaf tensors (and their views)."""
    mask_key = isinstance(key, Tensor) and key._data.dtype.kind == 'b'
    key = _conv_key(key, self._data.shape)
    if key[1] is not None and isinstance(value, Tensor) and value._data.dtype != \
            self._data.dtype and not (mask_key and value._data.size == 1):
        raise RuntimeError(f'Index put requires the source and destination dtypes match, got '
                           f'{_tname(self._data)} for the destination and {_tname(value._data)} '
                           'for the source.')
    value = _value_for(self, value)
    from ..autograd.grad_mode import _state
    xp = _xp(self._data)
    _check_adv_bounds(xp, key, self._data.shape)
    if not (_state[0] and (self._rg or (isinstance(value, Tensor) and value._rg))):
        d = self._data
        v = value._data if isinstance(value, Tensor) else value
        k1, k2 = key
        dv = d[k1] if k1 is not None else d
        try:
            if k2 is None:
                if dv.ndim == 0 and xp is np and k1 is not None:
                    d[k1] = v
                else:
                    dv[...] = v
            else:
                dv[_key_on(xp, k2)] = v
        except IndexError as e:
            raise _np_index_error(e) from None
        except ValueError:
            raise RuntimeError(_shape_mismatch(v, _apply_key(d, key))) from None
        self._vc[0] += 1
        return
    inplace(self, IndexPut, value, key=key)


def _indices_key(indices, shape):
    if not isinstance(indices, (tuple, list)):
        raise TypeError('index_put(): argument \'indices\' must be tuple of Tensors, not '
                        + type(indices).__name__)
    key = tuple(slice(None) if k is None else k for k in indices)
    return _conv_key(key, shape)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``values`` written (or added, ``accumulate=True``) at the
    positions named by the tuple of index tensors ``indices`` (as ``input[indices] = values``)."""
    if _ac[0]:
        return _ac_run('index_put', index_put, input, indices, values, accumulate)
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' must be Tensor, not "
                        f'{type(values).__name__}')
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f'Index put requires the source and destination dtypes match, got '
                           f'{_tname(input._data)} for the destination and {_tname(values._data)} '
                           'for the source.')
    key = _indices_key(indices, input._data.shape)
    _check_adv_bounds(_xp(input._data), key, input._data.shape)
    return IndexPut.apply(input, values, key, accumulate=builtins.bool(accumulate))


# ---------------------------------------------------------------------------- checks

def _check_index_dtype(index, name):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in _INT_DT:
        raise RuntimeError(f'{name}(): Expected dtype int32/int64 for index')


def _bounds(idx, n, dim, exc=RuntimeError, negative=False):
    """Raise PyTorch's 'index i is out of bounds' when ``idx`` leaves [0, n) ([-n, n))."""
    if idx.size == 0:
        return
    lo, hi = builtins.int(idx.min()), builtins.int(idx.max())
    if hi >= n or lo < (-n if negative else 0):
        bad = hi if hi >= n else lo
        raise exc(f'index {bad} is out of bounds for dimension {dim} with size {n}')


def _scatter_shape_check(self_shape, index_shape, src_shape, dim, name):
    if len(index_shape) != len(self_shape) and not (len(index_shape) == 0 or len(self_shape) == 0):
        raise RuntimeError('Index tensor must have the same number of dimensions as self tensor')
    if src_shape is not None and len(src_shape) != len(index_shape) and len(index_shape) != 0:
        raise RuntimeError('Index tensor must have the same number of dimensions as src tensor')
    for d, s in enumerate(index_shape):
        if (d != dim and s > self_shape[d]) or (src_shape is not None and s > src_shape[d]):
            msg = (f'Expected index {list(index_shape)} to be no larger than self '
                   f'{list(self_shape)} apart from dimension {dim}')
            if src_shape is not None:
                msg += f' and to be no larger size than src {list(src_shape)}'
            raise RuntimeError(msg)


def _crop(t, shape):
    """``t[:shape[0], :shape[1], ...]`` (a differentiable view) when ``t`` is larger."""
    if tuple(t._data.shape) == tuple(shape):
        return t
    return getitem(t, tuple(slice(0, s) for s in shape))


def _along(xp, index, dim):
    """The full NumPy index tuple addressing ``out[..., index, ...]`` elementwise along ``dim``."""
    nd = index.ndim
    idx = []
    for i, s in enumerate(index.shape):
        if i == dim:
            idx.append(index)
        else:
            sh = [1] * nd
            sh[i] = s
            idx.append(xp.arange(s).reshape(sh))
    return tuple(idx)


def _ufunc_at(xp, op, out, idx, src):
    if xp is np:
        getattr(np, op).at(out, idx, src)
        return
    import cupyx
    if op == 'add':
        cupyx.scatter_add(out, idx, src)
    elif op == 'maximum':
        cupyx.scatter_max(out, idx, src)
    elif op == 'minimum':
        cupyx.scatter_min(out, idx, src)
    else:   # no CuPy scatter-multiply: do it on the host
        h = out.get()
        np.multiply.at(h, tuple(i.get() if hasattr(i, 'get') else i for i in idx),
                       src.get() if hasattr(src, 'get') else src)
        out[...] = xp.asarray(h)


# ---------------------------------------------------------------------------- gather / scatter

class Gather(Primitive):
    def forward(ctx, xp, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        if x.ndim == 0:
            return x.copy()
        return xp.take_along_axis(x, index, axis=dim)

    def backward(ctx, g):
        index, = ctx.saved_tensors
        return g.new_zeros(ctx.shape).scatter_add(ctx.dim, index, g), None, None


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Values of ``input`` along ``dim`` at ``index``: ``out[i][j] = input[index[i][j]][j]``
    for dim 0. ``index`` has ``input``'s number of dims and may be smaller in the others."""
    _check_index_dtype(index, 'gather')
    d, idx = input._data, index._data
    dim = wrap_dim(dim, d.ndim)
    if idx.ndim != d.ndim and d.ndim and idx.ndim:
        raise RuntimeError('Index tensor must have the same number of dimensions as input tensor')
    if d.ndim == 0 or idx.ndim == 0:
        _bounds(idx, 1, dim)
        return _out(Gather.apply(input.reshape(()) if d.ndim else input, 0,
                                 index.reshape(()) if idx.ndim else index), out)
    for k, (a, b) in enumerate(zip(idx.shape, d.shape)):
        if k != dim and a > b:
            raise RuntimeError(f'Size does not match at dimension {k} expected index '
                               f'{list(idx.shape)} to be no larger than self {list(d.shape)} apart '
                               f'from dimension {dim}')
    _bounds(idx, d.shape[dim], dim)
    crop = tuple(s if k != dim else d.shape[dim] for k, s in enumerate(idx.shape))
    return _out(Gather.apply(_crop(input, crop), dim, index), out)


def _scatter_core(xp, x, dim, index, src, mode, include_self=True):
    out = x.copy()
    if x.ndim == 0:
        out = out.reshape(1)
        index = index.reshape(1)
        src = src.reshape(1) if hasattr(src, 'shape') and src.ndim == 0 else src
        dim = 0
    idx = _along(xp, index, dim)
    if not hasattr(src, 'shape'):
        src = xp.asarray(src).astype(x.dtype)
    src = xp.broadcast_to(src.astype(x.dtype, copy=False), index.shape)
    if mode is None:
        out[idx] = src
    elif mode == 'sum':
        if not include_self:
            out[idx] = 0
        _ufunc_at(xp, 'add', out, idx, src)
    elif mode == 'prod':
        if not include_self:
            out[idx] = 1
        _ufunc_at(xp, 'multiply', out, idx, src)
    elif mode in ('amax', 'amin'):
        if not include_self:
            out[idx] = src
        _ufunc_at(xp, 'maximum' if mode == 'amax' else 'minimum', out, idx, src)
    elif mode == 'mean':
        cnt = xp.ones(out.shape, out.dtype) if include_self else xp.zeros(out.shape, out.dtype)
        if not include_self:
            out[idx] = 0
            cnt[idx] = 0
        _ufunc_at(xp, 'add', out, idx, src)
        _ufunc_at(xp, 'add', cnt, idx, xp.ones(index.shape, out.dtype))
        cnt = xp.maximum(cnt, 1)
        if out.dtype.kind in 'fcV':
            out = (out / cnt).astype(x.dtype, copy=False)
        else:
            out = xp.floor_divide(out, cnt)
    return out.reshape(x.shape)


class Scatter(Primitive):
    def forward(ctx, xp, x, dim, index, src, reduce=None):
        ctx.dim, ctx.reduce = dim, reduce
        ctx.save_for_backward(index)
        mode = {None: None, 'add': 'sum', 'multiply': 'prod'}[reduce]
        return _scatter_core(xp, x, dim, index, src, mode)

    def backward(ctx, g):
        if ctx.reduce is not None:
            raise RuntimeError('derivative for aten::scatter is not implemented')
        index, = ctx.saved_tensors
        gx = g.scatter(ctx.dim, index, 0.0) if ctx._next[0] is not None else None
        gs = g.gather(ctx.dim, index) if ctx._next[3] is not None else None
        return gx, None, None, gs


def _scatter_prep(input, dim, index, src, name):
    _check_index_dtype(index, name)
    d, i = input._data, index._data
    dim = wrap_dim(dim, d.ndim)
    ss = src._data.shape if isinstance(src, Tensor) else None
    _scatter_shape_check(d.shape, i.shape, ss, dim, name)
    _bounds(i, d.shape[dim] if d.ndim else 1, dim)
    if isinstance(src, Tensor) and i.ndim:
        src = _crop(src, i.shape)
    return dim, src


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of ``input`` with ``src`` (a tensor, or the scalar ``value``) written at ``index``
    along ``dim``: ``out[index[i][j]][j] = src[i][j]`` for dim 0. ``reduce='add'|'multiply'``
    combines instead of overwriting (not differentiable, as in PyTorch)."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if reduce is not None and reduce not in ('add', 'multiply'):
        raise RuntimeError('reduce argument must be either add or multiply.')
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError('scatter(): Expected self.dtype to be equal to src.dtype')
        dim, src = _scatter_prep(input, dim, index, src, 'scatter')
    else:
        src = _fill_value(src, 'scatter')
        dim, _ = _scatter_prep(input, dim, index, None, 'scatter')
    return Scatter.apply(input, dim, index, src, reduce=reduce)


class ScatterAdd(Primitive):
    def forward(ctx, xp, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        return _scatter_core(xp, x, dim, index, src, 'sum')

    def backward(ctx, g):
        index, = ctx.saved_tensors
        gs = g.gather(ctx.dim, index) if ctx._next[3] is not None else None
        return g, None, None, gs


def _same_dtype(input, src, name):
    if not isinstance(src, Tensor):
        raise TypeError(f"{name}(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f'{name}(): Expected self.dtype to be equal to src.dtype')


def scatter_add(input, dim, index, src):
    """``input`` with ``src`` summed in at ``index`` along ``dim`` (repeated indices add up)."""
    if _ac[0]:
        return _ac_run('scatter_add', scatter_add, input, dim, index, src)
    _same_dtype(input, src, 'scatter_add')
    dim, src = _scatter_prep(input, dim, index, src, 'scatter_add')
    return ScatterAdd.apply(input, dim, index, src)


class ScatterReduce(Primitive):
    def forward(ctx, xp, x, dim, index, src, reduce, include_self=True):
        ctx.dim, ctx.reduce, ctx.incl = dim, reduce, include_self
        out = _scatter_core(xp, x, dim, index, src, reduce, include_self)
        ctx.save_for_backward(x, index, src, out)
        return out

    def backward(ctx, g):
        x, index, src, out = ctx.saved_tensors
        dim, red, incl = ctx.dim, ctx.reduce, ctx.incl
        need_x, need_s = ctx._next[0] is not None, ctx._next[3] is not None
        gx = gs = None
        if red == 'sum':
            gx = g
            gs = g.gather(dim, index) if need_s else None
        elif red == 'mean':
            n = g.new_ones(g.shape) if incl else g.new_zeros(g.shape)
            n = n.scatter_add(dim, index, g.new_ones(index.shape))
            n = n.masked_fill(n == 0, 1)
            gx = g / n
            gs = (g.gather(dim, index) / n.gather(dim, index)) if need_s else None
        elif red == 'prod':
            if need_x:
                mx = x.masked_fill(x == 0, 1)
                mres = mx.scatter_reduce(dim, index, src, 'prod', include_self=incl)
                gx = g * mres / mx
            if need_s:
                szero = src == 0
                nz = x.new_zeros(x.shape).scatter_add(dim, index, szero.to(x.dtype))
                single = szero & (nz.gather(dim, index) == 1)
                msrc = src.masked_fill(single, 1)
                mres = x.scatter_reduce(dim, index, msrc, 'prod', include_self=incl)
                from .pointwise import where
                gs = where(single, (g * mres).gather(dim, index),
                           (g * out).gather(dim, index) / src.masked_fill(szero, 1))
        else:   # amax / amin: split evenly among the elements equal to the result
            val = out.gather(dim, index)
            x_is = (x == out).to(x.dtype)
            s_is = (src == val).to(x.dtype)
            # (like PyTorch, self's ties count even with include_self=False)
            cnt = x_is.scatter_add(dim, index, s_is)
            gd = g / cnt.masked_fill(cnt == 0, 1)
            gx = x_is * gd
            gs = s_is * gd.gather(dim, index) if need_s else None
        if gx is not None and not incl:
            gx = gx.scatter(dim, index, 0.0)
        return (gx if need_x else None), None, None, gs, None


_REDUCES = ('sum', 'prod', 'mean', 'amax', 'amin')


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """``input`` with ``src`` reduced in at ``index`` along ``dim`` by ``reduce`` ('sum', 'prod',
    'mean', 'amax', 'amin'); ``include_self=False`` leaves ``input``'s values at the scattered
    positions out of the reduction. Integer 'mean' rounds down, as in PyTorch."""
    if reduce not in _REDUCES:
        raise RuntimeError(f'reduce argument must be either sum, prod, mean, amax or amin, got '
                           f'{reduce}')
    _same_dtype(input, src, 'scatter_reduce')
    dim, src = _scatter_prep(input, dim, index, src, 'scatter_reduce')
    return ScatterReduce.apply(input, dim, index, src, reduce, include_self=include_self)


# ---------------------------------------------------------------------------- index_* along a dim

def _dim_index(input, dim, index, name, exc=RuntimeError):
    _check_index_dtype(index, name)
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    i = index._data
    if i.ndim > 1:
        raise IndexError(f'{name}(): Index is supposed to be a vector')
    return dim


def _dkey(dim, index):
    return (slice(None),) * dim + (index,)


class IndexSelect(Primitive):
    def forward(ctx, xp, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        if x.ndim == 0:
            return x.copy()
        return xp.take(x, index.reshape(-1), axis=dim)

    def backward(ctx, g):
        index, = ctx.saved_tensors
        if len(ctx.shape) == 0:
            return g.sum(), None, None
        return g.new_zeros(ctx.shape).index_add(ctx.dim, index, g), None, None


def index_select(input, dim, index, *, out=None):
    """The entries of ``input`` at positions ``index`` (a 1-D int tensor) along ``dim``."""
    if isinstance(index, Tensor) and index._data.dtype not in _INT_DT:
        raise RuntimeError('index_select(): Expected dtype int32 or int64 for index')
    dim = _dim_index(input, dim, index, 'index_select')
    d, i = input._data, index._data
    n = d.shape[dim] if d.ndim else 1
    if d.ndim == 0 and i.size != 1:
        raise RuntimeError(f'index_select(): Index to scalar can have only 1 value, got {i.size} '
                           'value(s)')
    if i.size:
        lo, hi = builtins.int(i.min()), builtins.int(i.max())
        if lo < 0 or hi >= n:
            raise RuntimeError(f'INDICES element is out of DATA bounds, id={hi if hi >= n else lo} '
                               f'axis_dim={n}')
    return _out(IndexSelect.apply(input, dim, index), out)


class IndexAdd(Primitive):
    def forward(ctx, xp, x, dim, index, source, alpha=1):
        ctx.dim, ctx.alpha = dim, alpha
        ctx.save_for_backward(index)
        out = x.copy()
        if alpha != 1:
            source = (source * alpha).astype(x.dtype, copy=False)
        if x.ndim == 0:
            out = out.reshape(1)
            source = source.reshape(-1)
        _ufunc_at(xp, 'add', out, _dkey(dim, index.reshape(-1)), source)
        return out.reshape(x.shape)

    def backward(ctx, g):
        index, = ctx.saved_tensors
        gs = None
        if ctx._next[3] is not None:
            gs = g.index_select(ctx.dim, index)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
        return g, None, None, gs, None


def _src_check(input, dim, index, source, name, exc=RuntimeError):
    """Source slices must match; ``exc`` is raised for a wrong count or number of dims."""
    if not isinstance(source, Tensor):
        raise TypeError(f"{name}(): argument 'source' must be Tensor, not "
                        f'{type(source).__name__}')
    d, s = input._data.shape, source._data.shape
    n = index._data.size
    exp = list(d)
    if exp:
        exp[dim] = n
    if tuple(exp) != tuple(s) and not (len(s) == 0 and n == 1 and builtins.sum(exp) <= 1) and \
            not (len(d) == 0 and builtins.tuple(s) in ((), (1,))):
        if len(s) == len(d) and d[:dim] + d[dim + 1:] != s[:dim] + s[dim + 1:]:
            raise RuntimeError(f'{name}(): Source/destination tensor must have same slice shapes. '
                               f'Destination slice shape: {list(d[:dim] + d[dim + 1:])} at '
                               f'dimension {dim} and source slice shape: '
                               f'{list(s[:dim] + s[dim + 1:])} at dimension 0.')
        raise exc(f'{name}(): Number of indices ({n}) should be equal to source.size(dim) '
                  f'({s[dim] if dim < len(s) else 1}), for dim {dim}')


def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source`` added at positions ``index`` along ``dim`` (repeated
    indices accumulate)."""
    dim = _dim_index(input, dim, index, 'index_add')
    if isinstance(source, Tensor) and source._data.dtype != input._data.dtype:
        raise RuntimeError(f'index_add_(): self ({_tname(input._data)}) and source '
                           f'({_tname(source._data)}) must have the same scalar type')
    _src_check(input, dim, index, source, 'index_add_')
    d = input._data
    _bounds(index._data, d.shape[dim] if d.ndim else 1, dim)
    return IndexAdd.apply(input, dim, index, source, alpha=alpha)


class IndexCopy(Primitive):
    def forward(ctx, xp, x, dim, index, source):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = x.copy()
        if x.ndim == 0:
            out.reshape(1)[index.reshape(-1)] = source.reshape(-1)
            return out
        out[_dkey(dim, index.reshape(-1))] = source
        return out

    def backward(ctx, g):
        index, = ctx.saved_tensors
        gx = g.index_fill(ctx.dim, index, 0) if ctx._next[0] is not None else None
        gs = g.index_select(ctx.dim, index) if ctx._next[3] is not None else None
        return gx, None, None, gs


def index_copy(input, dim, index, source):
    """``input`` with the slices of ``source`` copied to positions ``index`` along ``dim``."""
    if _ac[0]:
        return _ac_run('index_copy', index_copy, input, dim, index, source)
    dim = _dim_index(input, dim, index, 'index_copy')
    if isinstance(source, Tensor) and source._data.dtype != input._data.dtype:
        raise RuntimeError(f'index_copy_(): self and source expected to have the same dtype, but '
                           f'got (self) {_tname(input._data)} and (source) '
                           f'{_tname(source._data)}')
    _src_check(input, dim, index, source, 'index_copy_', IndexError)
    d = input._data
    _bounds(index._data, d.shape[dim] if d.ndim else 1, dim, IndexError)
    return IndexCopy.apply(input, dim, index, source)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """``input`` with the slices of ``source`` reduced in at positions ``index`` along ``dim`` by
    ``reduce`` ('prod', 'mean', 'amax', 'amin'); ``include_self=False`` leaves ``input``'s
    values at the indexed positions out. A ``scatter_reduce`` with ``index`` spread along
    ``dim``."""
    if reduce not in ('prod', 'mean', 'amax', 'amin'):
        raise RuntimeError(f'index_reduce(): Expected reduce to be one of prod, mean, amax or amin '
                           f'but got {reduce}.')
    if not isinstance(index, Tensor):
        raise TypeError(f"index_reduce(): argument 'index' must be Tensor, not "
                        f'{type(index).__name__}')
    if not isinstance(source, Tensor):
        raise TypeError(f"index_reduce(): argument 'source' must be Tensor, not "
                        f'{type(source).__name__}')
    d, i, s = input._data, index._data, source._data
    if s.dtype != d.dtype:
        raise RuntimeError(f'index_reduce_(): self ({_tname(d)}) and source ({_tname(s)}) must '
                           'have the same scalar type')
    if i.dtype not in _INT_DT:
        raise RuntimeError(f'index_reduce_(): Expected dtype int32/int64 for index but got: '
                           f'{_tname(i)}')
    dim = wrap_dim(dim, d.ndim)
    if i.ndim > 1:
        raise IndexError(f'index_reduce_(): Index is supposed to be a vector, but got dim: '
                         f'{i.ndim} with type: {_tname(i)} and size: {list(i.shape)}')
    if s.ndim != d.ndim or d.shape[:dim] + d.shape[dim + 1:] != s.shape[:dim] + s.shape[dim + 1:]:
        raise RuntimeError('source tensor shape must match self tensor shape, excluding the '
                           f'specified dimension. Got self.shape = {list(d.shape)} source.shape = '
                           f'{list(s.shape)}')
    n = s.shape[dim] if s.ndim else 1
    if i.size != n:
        raise RuntimeError(f'index_reduce_(): Number of indices ({i.size}) should be equal to '
                           f'source.size(dim): ({n}), for dim: {dim}')
    try:
        _bounds(i, d.shape[dim] if d.ndim else 1, dim)
    except RuntimeError:
        raise IndexError('index out of range in self') from None
    if d.ndim:
        shape = [1] * d.ndim
        shape[dim] = -1
        index = index.reshape(shape).expand(s.shape)
    return scatter_reduce(input, dim, index.reshape(s.shape), source, reduce,
                          include_self=include_self)


class IndexFill(Primitive):
    def forward(ctx, xp, x, dim, index, value):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = x.copy()
        v = value.astype(x.dtype) if hasattr(value, 'dtype') else value
        if x.ndim == 0:
            out.reshape(1)[index.reshape(-1) % 1] = v
            return out
        out[_dkey(dim, index.reshape(-1))] = v
        return out

    def backward(ctx, g):
        index, = ctx.saved_tensors
        gx = g.index_fill(ctx.dim, index, 0) if ctx._next[0] is not None else None
        gv = None
        if ctx._next[3] is not None:
            gv = (g - g.index_fill(ctx.dim, index, 0)).sum()     # repeated indices count once
        return gx, None, None, gv


def _fill_value(value, name):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f'{name} only supports a 0-dimensional value tensor, but got '
                               f'tensor with {value._data.ndim} dimension(s).')
        return value
    if isinstance(value, np.generic):
        return value.item()
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{name[:-1]}(): argument 'value' must be Number, not "
                        f'{type(value).__name__}')
    return value


def index_fill(input, dim, index, value):
    """``input`` with ``value`` (a scalar or 0-dim tensor) written at positions ``index`` along
    ``dim``. Negative indices count from the end."""
    dim = _dim_index(input, dim, index, 'index_fill')
    value = _fill_value(value, 'index_fill_')
    d = input._data
    n = d.shape[dim] if d.ndim else 1
    _bounds(index._data, n, dim, IndexError, negative=True)
    if isinstance(value, Tensor) and value._data.dtype != d.dtype:
        value = value.to(input.dtype)
    i = index._data
    if i.size and builtins.int(i.min()) < 0:
        index = _wrap(i % n)
    return IndexFill.apply(input, dim, index, value)


# ---------------------------------------------------------------------------- masks

def _check_mask(mask, name):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype.kind != 'b':
        if mask._data.dtype == np.uint8:
            warnings.warn(f'{name} received a mask with dtype torch.uint8, this behavior is now '
                          'deprecated, please use a mask with dtype torch.bool instead.',
                          UserWarning, stacklevel=3)
            return _wrap(mask._data.astype(bool))
        cname = {'int64': 'long int', 'int32': 'int', 'int16': 'short int', 'int8': 'signed char',
                 'float32': 'float', 'float64': 'double', 'float16': 'c10::Half'}.get(
            str(mask._data.dtype), str(mask._data.dtype))
        raise RuntimeError(f'{name} only supports boolean masks, but got mask with dtype {cname}')
    return mask


def _bshape(*arrays):
    try:
        return np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise RuntimeError(f'The size of tensor a ({arrays[0].shape[-1] if arrays[0].ndim else 1})'
                           f' must match the size of tensor b ('
                           f'{arrays[1].shape[-1] if arrays[1].ndim else 1}) at non-singleton '
                           'dimension') from None


class MaskedFill(Primitive):
    def forward(ctx, xp, x, mask, value):
        ctx.save_for_backward(mask)
        v = xp.asarray(value, dtype=x.dtype) if not hasattr(value, 'dtype') else \
            value.astype(x.dtype, copy=False)
        return xp.where(mask, v, x)

    def backward(ctx, g):
        mask, = ctx.saved_tensors
        gx = g.masked_fill(mask, 0) if ctx._next[0] is not None else None
        gv = None
        if ctx._next[2] is not None:
            gv = g.masked_fill(_wrap(_xp(mask._data).logical_not(mask._data)), 0).sum()
        return gx, None, gv


def masked_fill(input, mask, value):
    """``value`` (a scalar or 0-dim tensor) where the bool ``mask`` (broadcast) is True, else
    ``input``."""
    mask = _check_mask(mask, 'masked_fill_')
    value = _fill_value(value, 'masked_fill_')
    _bshape(input._data, mask._data)
    if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
        value = value.to(input.dtype)
    return MaskedFill.apply(input, mask, value)


class MaskedSelect(Primitive):
    def forward(ctx, xp, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.shape = shape
        ctx.save_for_backward(mask)
        return xp.broadcast_to(x, shape)[xp.broadcast_to(mask, shape)]

    def backward(ctx, g):
        mask, = ctx.saved_tensors
        return MaskedSelectBackward.apply(g, mask, ctx.shape), None


class MaskedSelectBackward(Primitive):
    def forward(ctx, xp, g, mask, shape):
        ctx.save_for_backward(mask)
        z = xp.zeros(shape, g.dtype)
        z[xp.broadcast_to(mask, shape)] = g
        return z

    def backward(ctx, gg):
        mask, = ctx.saved_tensors
        return MaskedSelect.apply(gg, mask), None, None


def masked_select(input, mask, *, out=None):
    """The 1-D tensor of ``input``'s entries where the bool ``mask`` (broadcast with it) is
    True."""
    mask = _check_mask(mask, 'masked_select')
    _bshape(input._data, mask._data)
    return _out(MaskedSelect.apply(input, mask), out)


class MaskedScatter(Primitive):
    def forward(ctx, xp, x, mask, source):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        mb = xp.broadcast_to(mask, shape)
        out = xp.broadcast_to(x, shape).copy()
        n = builtins.int(mb.sum())
        if n > source.size:
            raise RuntimeError('Number of elements of source < number of ones in mask')
        out[mb] = source.reshape(-1)[:n]
        ctx.n, ctx.sshape = n, source.shape
        ctx.save_for_backward(mask)
        return out

    def backward(ctx, g):
        mask, = ctx.saved_tensors
        gx = g.masked_fill(mask, 0) if ctx._next[0] is not None else None
        gs = None
        if ctx._next[2] is not None:
            gs = _PadFlat.apply(masked_select(g, mask), ctx.sshape)
        return gx, None, gs


class _PadFlat(Primitive):
    """A 1-D gradient placed at the start of a zero tensor of ``shape`` (masked_scatter)."""
    _name = 'MaskedScatterBackward0'

    def forward(ctx, xp, g, shape):
        ctx.n = g.shape[0]
        z = xp.zeros(builtins.int(np.prod(shape)), g.dtype)
        z[:g.shape[0]] = g
        return z.reshape(shape)

    def backward(ctx, gg):
        return gg.reshape(-1)[:ctx.n], None


def masked_scatter(input, mask, source):
    """``input`` with the elements of ``source`` (in order) copied where the bool ``mask`` is
    True."""
    mask = _check_mask(mask, 'masked_scatter_')
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): argument 'source' must be Tensor, not "
                        f'{type(source).__name__}')
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f'masked_scatter: expected self and source to have same dtypes but got'
                           f'{_tname(input._data)} and {_tname(source._data)}')
    _bshape(input._data, mask._data)
    return MaskedScatter.apply(input, mask, source)


# ---------------------------------------------------------------------------- flat indexing

def _flat_index(input, index, name):
    _check_index_dtype(index, name)
    n = input._data.size
    i = index._data
    if i.size:
        lo, hi = builtins.int(i.min()), builtins.int(i.max())
        if lo < -n or hi >= n:
            raise IndexError(f'out of range: tried to access index {hi if hi >= n else lo} on a '
                             f'tensor of {n} elements.')
        if lo < 0:
            index = _wrap(i % n)
    return index


class Take(Primitive):
    def forward(ctx, xp, x, index):
        ctx.shape = x.shape
        ctx.save_for_backward(index)
        return xp.take(x.reshape(-1), index)

    def backward(ctx, g):
        index, = ctx.saved_tensors
        n = builtins.int(np.prod(ctx.shape))
        z = g.new_zeros((n,)).index_add(0, index.reshape(-1), g.reshape(-1))
        return z.reshape(ctx.shape), None


def take(input, index):
    """``input`` treated as 1-D, read at ``index`` (result has ``index``'s shape; negative
    indices count from the end)."""
    index = _flat_index(input, index, 'take')
    return Take.apply(input, index)


class Put(Primitive):
    def forward(ctx, xp, x, index, source, accumulate=False):
        ctx.acc, ctx.sshape = accumulate, getattr(source, 'shape', ())
        ctx.save_for_backward(index)
        out = x.copy()
        flat = out.reshape(-1)
        src = source.reshape(-1) if hasattr(source, 'shape') else source
        if accumulate:
            _ufunc_at(xp, 'add', flat, (index.reshape(-1),), src)
        else:
            flat[index.reshape(-1)] = src
        return out

    def backward(ctx, g):
        index, = ctx.saved_tensors
        gx = None
        if ctx._next[0] is not None:
            gx = g if ctx.acc else Put.apply(g, index, 0.0)
        gs = take(g, index).reshape(ctx.sshape) if ctx._next[2] is not None else None
        return gx, None, gs


def put(input, index, source, accumulate=False):
    """A copy of ``input`` (seen as 1-D) with ``source`` written (or added, ``accumulate``) at
    ``index``."""
    index = _flat_index(input, index, 'put')
    if index._data.size != source._data.size:
        raise RuntimeError(f'put_(): Expected source and index to have the same number of '
                           f'elements, but got source.numel() = {source._data.size}, '
                           f'index.numel() = {index._data.size}')
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f'put_(): self and source expected to have the same dtype, but got '
                           f'self.dtype = {input.dtype} and source.dtype = {source.dtype}')
    return Put.apply(input, index, source, accumulate=builtins.bool(accumulate))


def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of ``input`` at ``indices`` along ``dim``, broadcasting the other dims (like
    ``numpy.take_along_axis``); with ``dim=None``, both are flattened first."""
    _check_index_dtype(indices, 'take_along_dim')
    if dim is None:
        return _out(gather(input.reshape(-1), 0, indices.reshape(-1)), out)
    d, i = input._data, indices._data
    if d.ndim != i.ndim:
        raise RuntimeError(f'torch.take_along_dim(): input and indices should have the same '
                           f'number of dimensions, but got {d.ndim} dimensions for input, and '
                           f'{i.ndim} dimensions for indices')
    dim = wrap_dim(dim, d.ndim)
    a, b = list(d.shape), list(i.shape)
    a[dim] = b[dim] = 1
    try:
        bs = list(np.broadcast_shapes(tuple(a), tuple(b)))
    except ValueError:
        raise RuntimeError(f'shape mismatch: objects cannot be broadcast to a single shape. '
                           f'Mismatch is between arg 0 with shape {list(d.shape)} and arg 1 with '
                           f'shape {list(i.shape)}.') from None
    sa, sb = list(bs), list(bs)
    sa[dim], sb[dim] = d.shape[dim], i.shape[dim]
    if list(d.shape) != sa:
        input = input.expand(sa)
    if list(i.shape) != sb:
        indices = indices.expand(sb)
    return _out(gather(input, dim, indices), out)


# ---------------------------------------------------------------------------- nonzero

def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the nonzero entries: an (n, ndim) int64 tensor, or with ``as_tuple`` a tuple
    of ndim 1-D tensors (a 0-dim input counts as 1-D there)."""
    d = input._data
    xp = _xp(d)
    if d.ndim == 0:
        n = 1 if builtins.bool(d) else 0
        if as_tuple:
            return (_wrap(xp.zeros(n, np.int64)),)
        return _out(_wrap(xp.zeros((n, 0), np.int64)), out)
    idx = xp.nonzero(d)
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64, copy=False)) for i in idx)
    r = xp.stack(idx, axis=1).astype(np.int64, copy=False) if idx else xp.zeros((0, 0), np.int64)
    return _out(_wrap(r), out)


def argwhere(input):
    """Indices of the nonzero entries as an (n, ndim) int64 tensor (``nonzero()``)."""
    return nonzero(input)


# ---------------------------------------------------------------------------- binding

def _ip(fn):
    def method(self, *args, **kwargs):
        return inplace_fn(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + '_'
    method.__doc__ = f'In-place ``{fn.__name__}``.'
    return method


_FUNCS = {'gather': gather, 'scatter': scatter, 'scatter_add': scatter_add,
          'scatter_reduce': scatter_reduce, 'index_select': index_select, 'index_add': index_add,
          'index_copy': index_copy, 'index_fill': index_fill, 'index_put': index_put,
          'index_reduce': index_reduce,
          'masked_fill': masked_fill, 'masked_select': masked_select,
          'masked_scatter': masked_scatter, 'take': take, 'take_along_dim': take_along_dim,
          'put': put, 'nonzero': nonzero, 'argwhere': argwhere}

bind(dict(_FUNCS, __getitem__=getitem, __setitem__=setitem,
          scatter_=_ip(scatter), scatter_add_=_ip(scatter_add),
          scatter_reduce_=_ip(scatter_reduce), index_add_=_ip(index_add),
          index_copy_=_ip(index_copy), index_fill_=_ip(index_fill), index_put_=_ip(index_put),
          index_reduce_=_ip(index_reduce),
          masked_fill_=_ip(masked_fill), masked_scatter_=_ip(masked_scatter), put_=_ip(put)))


__all__ = list(_FUNCS)
