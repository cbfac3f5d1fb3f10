"""Shape and view ops: view/reshape, permute/transpose, squeeze, expand, cat/stack, split,
flip/roll, triangles and diagonals.

Views share memory with their input, as in PyTorch: ``view``, ``transpose``, ``permute``,
``expand``, ``narrow``, ``select``, ``diagonal``, ``unbind``, ``split``, ``chunk``,
``squeeze``, ``unsqueeze``, ``movedim`` (and ``reshape``/``flatten`` when the strides allow)
are primitives with ``is_view = True`` (or outputs marked as views of their input), so writes
through them reach the base and in-place ops on them are tracked by autograd.
"""
import builtins
import numbers
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind, Size
from ..autograd.grad_mode import _state
from ._util import Primitive, wrap_dim, dims_arg, to_dtype, _tname, inplace_fn, check_multi_view
from .pointwise import _out, _xp
from ..amp._policy import on as _ac, run as _ac_run

_ndarray = np.ndarray


# ---------------------------------------------------------------------------- helpers


def _ints(size, name='size'):
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)`` as a tuple of ints (negatives kept)."""
    if len(size) == 1 and not isinstance(size[0], (numbers.Integral, Tensor)):
        size = size[0]
    try:
        return tuple(builtins.int(s) for s in size)
    except TypeError:
        raise TypeError(f'{name} must be tuple of ints, but found element of type '
                        f'{type(size).__name__}') from None


_shape_arg_neg = _ints


def _infer_shape(shape, numel):
    """Resolve one ``-1`` in ``shape`` against ``numel`` with PyTorch's error messages."""
    shape = tuple(shape)
    neg = -1
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if neg >= 0:
                raise RuntimeError('only one dimension can be inferred')
            neg = i
        elif s < 0:
            raise RuntimeError(f'invalid shape dimension {s} at index {i} of shape {list(shape)}')
        else:
            known *= s
    if neg >= 0:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape[:neg] + (numel // known,) + shape[neg + 1:]
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _try_view(d, shape):
    """``d`` reshaped to ``shape`` without copying, or None when the strides do not allow it."""
    if type(d) is _ndarray:
        try:
            return d.reshape(shape, copy=False)
        except ValueError:
            return None
    try:
        y = d.view()
        y.shape = shape
        return y
    except (AttributeError, ValueError):
        return None


def _writeable(y, x):
    """NumPy marks broadcast and diagonal views read-only; PyTorch's views are writable."""
    if type(y) is _ndarray and not y.flags.writeable and x.flags.writeable:
        y.flags.writeable = True
    return y


def _dense(a):
    """Whether array ``a`` is non-overlapping and dense (a permutation of a contiguous one)."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return True
    expect = a.itemsize
    for st, sh in sorted((abs(st), sh) for st, sh in zip(a.strides, a.shape) if sh != 1):
        if st != expect:
            return False
        expect *= sh
    return True


def _restride(x, shape, strides):
    """A view of ``x``'s memory (starting at its first element) with ``shape`` and byte
    ``strides``; keeps ``.base`` pointing at the owning array."""
    if type(x) is not _ndarray:
        import cupy
        return cupy.ndarray(shape, x.dtype, x.data, strides)
    root = x
    while isinstance(root.base, _ndarray):
        root = root.base
    try:
        off = 0 if root is x else \
            x.__array_interface__['data'][0] - root.__array_interface__['data'][0]
        y = np.ndarray(shape, x.dtype, buffer=root, offset=off, strides=strides)
    except (TypeError, ValueError, BufferError):
        y = np.lib.stride_tricks.as_strided(x, shape, strides)
    if not x.flags.writeable:
        y.flags.writeable = False
    return y


def _clone_array(x):
    """A copy of ``x`` keeping its layout when dense (PyTorch's ``preserve_format``)."""
    if x.flags.c_contiguous:
        return x.copy()
    return x.copy(order='K' if _dense(x) else 'C')


def _fresh_copy(x, perm):
    """A new array equal to ``x``, laid out in memory as ``x.transpose(perm)``."""
    return x.transpose(perm).copy().transpose(tuple(builtins.int(i) for i in np.argsort(perm)))


def _mark_views(outs, src, steps, name):
    """Record that each of ``outs`` (a multi-output op's results) views ``src``; ``steps`` are
    the single-output view primitives ``(cls, args)`` that replay each one."""
    base = src._base if src._base is not None else src
    vc = src._vc
    rg = src._rg
    graph = rg and _state[0]
    for k, (t, (cls, args)) in enumerate(zip(outs, steps)):
        if rg:
            t._rg = True    # as a view made under no_grad: still requires grad
        if graph:           # in-place ops on these are forbidden under autograd, as in PyTorch
            t._multi_view = (k, name)
        t._base = base
        t._vc = vc
        t._view_src = (cls, (src,) + args, {})
    return outs


def _seq_of_tensors(tensors, fn):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f'{type(tensors).__name__}')
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f'expected Tensor as element {i} in argument 0, but got '
                            f'{type(t).__name__}')
    return list(tensors)


def _promote_all(tensors):
    dt = tensors[0].dtype
    for t in tensors[1:]:
        d = t.dtype
        if d is not dt:
            dt = _dtype.promote_types(dt, d)
    return [to_dtype(t, dt) for t in tensors]


# ---------------------------------------------------------------------------- view / reshape


class View(Primitive):
    is_view = True

    def forward(ctx, xp, x, shape):
        ctx.shape = x.shape
        y = _try_view(x, shape)
        if y is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride "
                               '(at least one dimension spans across two contiguous subspaces). '
                               'Use .reshape(...) instead.')
        return y

    def backward(ctx, g):
        return reshape(g, ctx.shape), None


class Reshape(Primitive):
    """reshape that must copy (the input's strides allow no view)."""
    _name = 'UnsafeViewBackward0'

    def forward(ctx, xp, x, shape):
        ctx.shape = x.shape
        return xp.ascontiguousarray(x).reshape(shape)

    def backward(ctx, g):
        return reshape(g, ctx.shape), None


def _view_dtype(self, dt):
    d = self._data
    src = _dtype.NP2DT[d.dtype]
    a, b = d.dtype.itemsize, dt.itemsize
    if a != b:
        what = f'to view {_tname(src)} as {_tname(dt)} (different element sizes)'
        if d.ndim == 0:
            raise RuntimeError(f'self.dim() cannot be 0 {what}')
        st = self.stride()
        if st[-1] != 1:
            raise RuntimeError(f'self.stride(-1) must be 1 {what}, but got {st[-1]}')
        if b > a:
            r = b // a
            if d.shape[-1] % r:
                raise RuntimeError(f'self.size(-1) must be divisible by {r} {what}, but got '
                                   f'{d.shape[-1]}')
            off = self.storage_offset()
            if off % r:
                raise RuntimeError(f'self.storage_offset() must be divisible by {r} {what}, but '
                                   f'got {off}')
            for i, s in enumerate(st[:-1]):
                if s % r:
                    raise RuntimeError(f'self.stride({i}) must be divisible by {r} {what}, but got '
                                       f'{s}')
    try:
        t = _wrap(d.view(dt.np))
    except ValueError as e:
        raise RuntimeError(str(e)) from None
    t._vc = self._vc
    return t


def view(self, *shape):
    """A tensor sharing ``self``'s memory with a new shape (``Tensor.view``); one dim may be -1.

    Never copies: raises PyTorch's RuntimeError when the strides do not allow a view (use
    ``reshape``). ``view(dtype)`` reinterprets the bytes as another dtype (not differentiable;
    with a different element size the last dim scales, as in PyTorch).
    """
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _view_dtype(self, shape[0])
    if len(shape) == 1 and isinstance(shape[0], str):
        return _view_dtype(self, getattr(_dtype, shape[0].replace('torch.', '')))
    shape = _infer_shape(_ints(shape), self._data.size)
    return View.apply(self, shape)


def reshape(input, *args, shape=None):
    """``input`` with a new shape (one dim may be -1): a view when the strides allow (as
    ``view``), else a contiguous copy, as ``torch.reshape``."""
    shape = _infer_shape(_ints(args if shape is None else (shape,), 'shape'), input._data.size)
    d = input._data
    if d.flags.c_contiguous or _try_view(d, shape) is not None:
        return View.apply(input, shape)
    return Reshape.apply(input, shape)


def view_as(self, other):
    """``self.view(other.size())``."""
    return view(self, other._data.shape)


def reshape_as(self, other):
    """``self.reshape(other.size())``."""
    return reshape(self, other._data.shape)


# ---------------------------------------------------------------------------- permutations


class Permute(Primitive):
    is_view = True

    def forward(ctx, xp, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    def backward(ctx, g):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return Permute.apply(g, tuple(inv)), None


def permute(input, *args, dims=None):
    """A view of ``input`` with its dims reordered to ``dims`` (``torch.permute``)."""
    dims = _ints(args if dims is None else (dims,), 'dims')
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError('permute(sparse_coo): number of dimensions in the tensor input does '
                           'not match the length of the desired ordering of dimensions i.e. input.'
                           f'dim() = {n} is not equal to len(dims) = {len(dims)}')
    d = tuple(wrap_dim(i, n) for i in dims)
    if len(set(d)) != n:
        raise RuntimeError('permute(): duplicate dims are not allowed.')
    return Permute.apply(input, d)


class Transpose(Primitive):
    is_view = True

    def forward(ctx, xp, x, d0, d1):
        ctx.d0, ctx.d1 = d0, d1
        return xp.swapaxes(x, d0, d1)

    def backward(ctx, g):
        return Transpose.apply(g, ctx.d0, ctx.d1), None, None


def transpose(input, dim0, dim1):
    """A view of ``input`` with dims ``dim0`` and ``dim1`` swapped (``torch.transpose``)."""
    n = input._data.ndim
    return Transpose.apply(input, wrap_dim(dim0, n), wrap_dim(dim1, n))


swapaxes = swapdims = transpose


class T(Transpose):
    _name = 'TBackward0'


def t(input):
    """Transpose of a matrix (a view); 0-D and 1-D tensors come back as aliases (``torch.t``)."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f't() expects a tensor with <= 2 dimensions, but self is {n}D')
    if n < 2:
        return View.apply(input, input._data.shape)
    return T.apply(input, 0, 1)


def _T(self):
    n = self._data.ndim
    if n != 2:
        if n == 0:
            warnings.warn('Tensor.T is deprecated on 0-D tensors. This function is the identity in '
                          'these cases.', UserWarning, stacklevel=2)
        else:
            warnings.warn('The use of `x.T` on tensors of dimension other than 2 to reverse their '
                          'shape is deprecated and it will throw an error in a future release. '
                          'Consider `x.mT` to transpose batches of matrices or `x.permute(*torch.'
                          'arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.',
                          UserWarning, stacklevel=2)
    return Permute.apply(self, tuple(range(n - 1, -1, -1)))


def _mT(self):
    n = self._data.ndim
    if n < 2:
        raise RuntimeError('tensor.mT is only supported on matrices or batches of matrices. Got '
                           f'{n}-D tensor.')
    return Transpose.apply(self, n - 2, n - 1)


def _conj(t):
    return t.conj() if t._data.dtype.kind == 'c' else t


def _H(self):
    if self._data.ndim > 2:
        raise RuntimeError('tensor.H is only supported on matrices (2-D tensors). Got '
                           f'{self._data.ndim}-D tensor.')
    return _conj(Permute.apply(self, tuple(range(self._data.ndim - 1, -1, -1))))


def _mH(self):
    if self._data.ndim < 2:
        raise RuntimeError('tensor.mH is only supported on matrices or batches of matrices. Got '
                           f'{self._data.ndim}-D tensor.')
    return _conj(_mT(self))


def movedim(input, source, destination):
    """A view with dims ``source`` moved to positions ``destination`` (ints or sequences); the
    other dims keep their order (``torch.movedim``)."""
    n = input._data.ndim
    src = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    dst = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f'movedim: Invalid source or destination dims: source ({list(src)} dims)'
                           f' should contain the same number of dims as destination ({list(dst)} '
                           'dims)')
    s = [wrap_dim(builtins.int(i), n) for i in src]
    d = [wrap_dim(builtins.int(i), n) for i in dst]
    if len(set(s)) != len(s):
        raise RuntimeError(f'movedim: repeated dim in `source` ({list(src)})')
    if len(set(d)) != len(d):
        raise RuntimeError(f'movedim: repeated dim in `destination` ({list(dst)})')
    order = [-1] * n
    for a, b in zip(s, d):
        order[b] = a
    rest = iter(i for i in range(n) if i not in s)
    order = tuple(o if o >= 0 else next(rest) for o in order)
    return Permute.apply(input, order)


moveaxis = movedim


# ---------------------------------------------------------------------------- expand


class Expand(Primitive):
    is_view = True

    def forward(ctx, xp, x, shape):
        ctx.shape = x.shape
        n = len(shape)
        lead = n - x.ndim
        strides = [0] * n
        for i in range(n - 1, -1, -1):   # PyTorch's strides (inferExpandGeometry)
            j = i - lead
            if j >= 0:
                st = x.strides[j] if x.shape[j] == shape[i] else 0
            elif shape[i] == 1:
                st = shape[i + 1] * strides[i + 1] if i + 1 < n else x.itemsize
            else:
                st = 0
            strides[i] = st
        return _restride(x, tuple(shape), tuple(strides))

    def backward(ctx, g):
        from .reduce import sum_to
        return sum_to(g, ctx.shape), None


def expand(self, *sizes):
    """A broadcast view of ``self`` with ``sizes`` (-1 keeps a dim; new dims go in front);
    no memory is copied and expanded dims have stride 0 (``Tensor.expand``)."""
    sizes = _ints(sizes)
    d = self._data
    n = len(sizes)
    if n < d.ndim:
        raise RuntimeError(f'expand({_fn_type(d)}{{{list(d.shape)}}}, size={list(sizes)}): the '
                           f'number of sizes provided ({n}) must be greater or equal to the number '
                           f'of dimensions in the tensor ({d.ndim})')
    lead = n - d.ndim
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f'leading, non-existing dimension {i}')
        else:
            cur = d.shape[i - lead]
            if s == -1:
                s = cur
            elif cur != 1 and s != cur:
                raise RuntimeError(f'The expanded size of the tensor ({s}) must match the existing '
                                   f'size ({cur}) at non-singleton dimension {i}.  Target sizes: '
                                   f'{list(sizes)}.  Tensor sizes: {list(d.shape)}')
            elif s < 0:
                raise RuntimeError(f'Trying to create tensor with negative dimension {s}: '
                                   f'{list(sizes)}')
        shape.append(s)
    shape = tuple(shape)
    if shape == d.shape:
        return View.apply(self, shape)
    return Expand.apply(self, shape)


def _fn_type(d):
    from ..autograd.function import _tensor_type_name
    return _tensor_type_name(d)


def expand_as(self, other):
    """``self.expand(other.size())``."""
    return expand(self, other._data.shape)


def broadcast_to(input, size):
    """``input.expand(size)`` (``torch.broadcast_to``)."""
    return expand(input, size)


# ---------------------------------------------------------------------------- squeeze & co


def squeeze(input, dim=None):
    """A view without the size-1 dims (all of them, or those of ``dim``: an int or a tuple;
    dims of other sizes are kept) (``torch.squeeze``)."""
    d = input._data
    if dim is None:
        dims = tuple(i for i, s in enumerate(d.shape) if s == 1)
    elif isinstance(dim, (tuple, list)) and len(dim) == 0:
        dims = ()
    else:
        dims = dims_arg(dim, d.ndim)
        dims = tuple(i for i in dims if d.ndim and d.shape[i] == 1)
    return Squeeze.apply(input, dims)


class Squeeze(Primitive):
    is_view = True

    def forward(ctx, xp, x, dims):
        ctx.shape = x.shape
        return x[tuple(0 if i in dims else slice(None) for i in range(x.ndim))]

    def backward(ctx, g):
        return reshape(g, ctx.shape), None


class Unsqueeze(Primitive):
    is_view = True

    def forward(ctx, xp, x, dim):
        ctx.dim = dim
        st = x.itemsize if dim >= x.ndim else x.shape[dim] * x.strides[dim]
        shape = x.shape[:dim] + (1,) + x.shape[dim:]
        y = _try_view(x, shape)   # usually already has PyTorch's stride for the new dim
        if y is not None and y.strides[dim] == st:
            return y
        return _restride(x, shape, x.strides[:dim] + (st,) + x.strides[dim:])

    def backward(ctx, g):
        return Squeeze.apply(g, (ctx.dim,)), None


def unsqueeze(input, dim):
    """A view with a size-1 dim inserted at ``dim`` (``torch.unsqueeze``)."""
    d = input._data
    return Unsqueeze.apply(input, wrap_dim(dim, d.ndim + 1))


def flatten(input, start_dim=0, end_dim=-1):
    """``input`` with dims ``start_dim..end_dim`` merged into one: a view when the strides
    allow, else a copy; ``input`` itself when there is nothing to merge (``torch.flatten``)."""
    d = input._data
    if d.ndim == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, d.ndim), wrap_dim(end_dim, d.ndim)
    if s > e:
        raise RuntimeError('flatten() has invalid args: start_dim cannot come after end_dim')
    if s == e:
        return input
    n = 1
    for k in d.shape[s:e + 1]:
        n *= k
    return reshape(input, d.shape[:s] + (n,) + d.shape[e + 1:])


def unflatten(input, dim, sizes):
    """A view with dim ``dim`` split into ``sizes`` (one may be -1) (``torch.unflatten``)."""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    sizes = _ints((sizes,))
    if not sizes:
        raise RuntimeError('unflatten: sizes must be non-empty')
    n = d.shape[dim]
    if -1 not in sizes:
        p = 1
        for s in sizes:
            p *= s
        if p != n:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                               f'size of dim {dim} ({n}) in the input tensor')
    sizes = _infer_shape(sizes, n)
    return View.apply(input, d.shape[:dim] + sizes + d.shape[dim + 1:])


def atleast_1d(*tensors):
    """Each input with at least 1 dim (0-D becomes shape (1,)); a tuple for several inputs."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    """Each input with at least 2 dims (shape (n,) becomes (1, n))."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    """Each input with at least 3 dims ((n,) becomes (1, n, 1); (m, n) becomes (m, n, 1))."""
    return _atleast(tensors, 3)


def _atleast(tensors, k):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_atleast1(t, k) for t in tensors[0])
    if len(tensors) == 1:
        return _atleast1(tensors[0], k)
    return tuple(_atleast1(t, k) for t in tensors)


def _atleast1(x, k):
    n = x._data.ndim
    if n >= k:
        return x
    if n == 0:
        return reshape(x, (1,) * k)
    if k == 2 or n == 2:
        return Unsqueeze.apply(x, 0 if k == 2 else 2)
    return Unsqueeze.apply(Unsqueeze.apply(x, 0), 2)


# ---------------------------------------------------------------------------- contiguous


class Contiguous(Primitive):
    _name = 'CloneBackward0'

    def forward(ctx, xp, x, *, nhwc=False, perm=None):
        """``perm``: always a fresh copy, laid out in memory as ``x.permute(perm)``."""
        if nhwc:
            return xp.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        if perm is not None:
            return _fresh_copy(x, perm)
        return xp.ascontiguousarray(x)

    def backward(ctx, g):
        return g


def contiguous(self, memory_format=None):
    """``self`` when already contiguous (in ``memory_format``), else a contiguous copy."""
    if memory_format is not None and 'channels_last' in str(memory_format):
        if self.is_contiguous(memory_format):
            return self
        if self._data.ndim != 4:
            raise RuntimeError('required rank 4 tensor to use channels_last format')
        return Contiguous.apply(self, nhwc=True)
    if self._data.flags.c_contiguous:
        return self
    return Contiguous.apply(self)


# ---------------------------------------------------------------------------- slicing views


class Slice(Primitive):
    """``x[key]`` for a basic key of slices and ints: a view."""
    _name = 'SliceBackward0'
    is_view = True

    def forward(ctx, xp, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    def backward(ctx, g):
        return SliceScatter.apply(g, ctx.shape, ctx.key), None


class SliceScatter(Primitive):
    """Zeros of ``shape`` with ``g`` written at the basic index ``key`` (the gradient of a
    slice or select)."""

    def forward(ctx, xp, g, shape, key):
        ctx.key = key
        z = xp.zeros(shape, g.dtype)
        z[key] = g
        return z

    def backward(ctx, gg):
        return Slice.apply(gg, ctx.key), None, None


class Select(Slice):
    """``x.select(dim, i)``: a view without dim ``dim``."""
    _name = 'SelectBackward0'

    def forward(ctx, xp, x, dim, index):
        key = (slice(None),) * dim + (index,)
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    def backward(ctx, g):
        return SliceScatter.apply(g, ctx.shape, ctx.key), None, None


def _select_args(input, dim, index):
    d = input._data
    if d.ndim == 0:
        raise IndexError('select() cannot be applied to a 0-dim tensor.')
    dim = wrap_dim(dim, d.ndim)
    index = builtins.int(index)
    n = d.shape[dim]
    if not -n <= index < n:
        raise IndexError(f'select(): index {index} out of range for tensor of size '
                         f'{list(d.shape)} at dimension {dim}')
    return dim, index % n


def select(input, dim, index):
    """The slice at ``index`` along ``dim``, without that dim (a view) (``torch.select``)."""
    return Select.apply(input, *_select_args(input, dim, index))


def _slice_key(input, dim, start, end, step):
    """The basic key of ``torch.slice(input, dim, start, end, step)`` (start/end clamp)."""
    if input._data.ndim == 0:
        raise IndexError('slice() cannot be applied to a 0-dim tensor.')
    dim = wrap_dim(dim, input._data.ndim)
    step = builtins.int(step)
    if step <= 0:
        raise RuntimeError('slice step must be positive')
    start = None if start is None else builtins.int(start)
    end = None if end is None else builtins.int(end)
    return (slice(None),) * dim + (slice(start, end, step),)


def _slice(input, dim=0, start=None, end=None, step=1):
    """The view ``input[..., start:end:step, ...]`` along ``dim`` (aten's ``slice``)."""
    return Slice.apply(input, _slice_key(input, dim, start, end, step))


def narrow(input, dim, start, length):
    """The view ``input[..., start:start + length, ...]`` along ``dim`` (``torch.narrow``);
    ``start`` may be negative or a 0-D tensor."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError('narrow() cannot be applied to a 0-dim tensor.')
    dim = wrap_dim(dim, d.ndim)
    start, length = builtins.int(start), builtins.int(length)
    n = d.shape[dim]
    if length < 0:
        raise RuntimeError('narrow(): length must be non-negative.')
    if not -n <= start <= n:
        raise IndexError(f'start out of range (expected to be in range of [{-n}, {n}], but got '
                         f'{start})')
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f'start ({start}) + length ({length}) exceeds dimension size ({n}).')
    return Slice.apply(input, (slice(None),) * dim + (slice(start, start + length),))


class Unbind(Primitive):
    def forward(ctx, xp, x, dim):
        ctx.dim = dim
        pre = (slice(None),) * dim
        return tuple(x[pre + (i,)] for i in range(x.shape[dim]))

    def backward(ctx, *grads):
        return stack(grads, ctx.dim), None


def unbind(input, dim=0):
    """The slices along ``dim`` as a tuple of views (``torch.unbind``)."""
    d = input._data
    if d.ndim == 0:
        raise IndexError('Dimension specified as 0 but tensor has no dimensions')
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    if n == 0:
        return ()
    outs = Unbind.apply(input, dim)
    return _mark_views(outs, input, [(Select, (dim, i)) for i in range(n)], 'Unbind')


class Split(Primitive):
    def forward(ctx, xp, x, dim, sizes):
        ctx.dim = dim
        pre = (slice(None),) * dim
        out = []
        o = 0
        for s in sizes:
            out.append(x[pre + (slice(o, o + s),)])
            o += s
        return tuple(out)

    def backward(ctx, *grads):
        return cat(grads, ctx.dim), None, None


def _split_sizes(input, sizes, dim, name='Split'):
    pre = (slice(None),) * dim
    outs = Split.apply(input, dim, tuple(sizes))
    keys = []
    o = 0
    for s in sizes:
        keys.append((Slice, (pre + (slice(o, o + s),),)))
        o += s
    return _mark_views(outs, input, keys, name)


def split(tensor, split_size_or_sections, dim=0):
    """``tensor`` cut along ``dim`` into views: pieces of ``split_size`` (the last one may be
    smaller) or of the listed sizes, which must add up to the dim's size (``torch.split``)."""
    d = tensor._data
    if d.ndim == 0:
        raise RuntimeError('split expects at least a 1-dimensional tensor')
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    s = split_size_or_sections
    if isinstance(s, Tensor) and s._data.ndim == 0:
        s = builtins.int(s)
    if isinstance(s, numbers.Integral):
        s = builtins.int(s)
        if s < 0:
            raise RuntimeError(f'split expects split_size be non-negative, but got split_size={s}')
        if s == 0:
            if n != 0:
                raise RuntimeError('split_size can only be 0 if dimension size is 0, but got '
                                   f'dimension size of {n}')
            return _split_sizes(tensor, [0], dim)
        k = builtins.max(1, -(-n // s))
        sizes = [s] * (k - 1) + [n - s * (k - 1)]
        return _split_sizes(tensor, sizes, dim)
    sizes = [builtins.int(v) for v in s]
    if builtins.any(v < 0 for v in sizes):
        raise RuntimeError('split_with_sizes expects split_sizes have only non-negative entries, '
                           f'but got split_sizes={sizes}')
    if builtins.sum(sizes) != n:
        raise RuntimeError(f'split_with_sizes expects split_sizes to sum exactly to {n} (input '
                           f"tensor's size at dimension {dim}), but got split_sizes={sizes}")
    return _split_sizes(tensor, sizes, dim, 'SplitWithSizes')


def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


def split_with_sizes(input, split_sizes, dim=0):
    """``split`` with a list of sizes."""
    return split(input, list(split_sizes), dim)


def chunk(input, chunks, dim=0):
    """``input`` cut into at most ``chunks`` views of ``ceil(size / chunks)`` along ``dim``
    (the last one may be smaller, and fewer chunks may come back) (``torch.chunk``)."""
    chunks = builtins.int(chunks)
    if chunks <= 0:
        raise RuntimeError(f'chunk expects `chunks` to be greater than 0, got: {chunks}')
    d = input._data
    if d.ndim == 0:
        raise RuntimeError('chunk expects at least a 1-dimensional tensor')
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    if n == 0:
        return _split_sizes(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    """Views of ``input`` cut along ``dim``: into ``sections`` near-equal parts (the first
    ``size % sections`` one longer) or at the ``indices`` (Python slicing semantics, so
    indices may be negative, unsorted or past the end) (``torch.tensor_split``)."""
    ios = indices_or_sections
    if ios is None:
        ios = sections if sections is not None else (
            indices if indices is not None else tensor_indices_or_sections)
    d = input._data
    if d.ndim == 0:
        raise RuntimeError('tensor_split expected at least a 1-dimensional tensor, but got a '
                           'tensor with 0 dims')
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    if isinstance(ios, Tensor):
        if ios._data.dtype != np.int64:
            raise RuntimeError('tensor_split expected tensor_indices_or_sections to have dtype of '
                               f'long, but got {_tname(ios.dtype)}')
        if ios._data.ndim > 1:
            raise RuntimeError('tensor_split expected tensor_indices_or_sections to be a zero-'
                               f'dimensional or one-dimensional tensor, but got a tensor with '
                               f'{ios._data.ndim} dims')
        ios = builtins.int(ios) if ios._data.ndim == 0 else ios.tolist()
    pre = (slice(None),) * dim
    if isinstance(ios, numbers.Integral):
        k = builtins.int(ios)
        if k <= 0:
            raise RuntimeError(f'number of sections must be larger than 0, got {k}')
        q, r = divmod(n, k)
        bounds = []
        o = 0
        for i in range(k):
            s = q + (1 if i < r else 0)
            bounds.append((o, o + s))
            o += s
        keys = [pre + (slice(a, b),) for a, b in bounds]
    else:
        idx = [builtins.int(i) for i in ios]
        starts = [None] + idx
        stops = idx + [None]
        keys = [pre + (slice(a, b),) for a, b in zip(starts, stops)]
    return tuple(Slice.apply(input, k) for k in keys)


def _dir_split(input, ios, dim, name, mind):
    d = input._data
    if d.ndim < mind:
        raise RuntimeError(f'torch.{name} requires a tensor with at least {mind} dimension, but '
                           f'got a tensor with {d.ndim} dimensions!')
    if isinstance(ios, numbers.Integral):
        if ios == 0 or d.shape[dim] % ios:
            raise RuntimeError(f'torch.{name} attempted to split along dimension {dim}, but the size '
                               f'of the dimension {d.shape[dim]} is not divisible by the split_size '
                               f'{ios}!')
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 for 1-D inputs); sections must divide evenly."""
    return _dir_split(input, indices_or_sections, 1 if input._data.ndim > 1 else 0, 'hsplit', 1)


def vsplit(input, indices_or_sections):
    """``tensor_split`` along dim 0 of a 2+-D tensor; sections must divide evenly."""
    return _dir_split(input, indices_or_sections, 0, 'vsplit', 2)


def dsplit(input, indices_or_sections):
    """``tensor_split`` along dim 2 of a 3+-D tensor; sections must divide evenly."""
    return _dir_split(input, indices_or_sections, 2, 'dsplit', 3)


# ---------------------------------------------------------------------------- diagonals


class Diagonal(Primitive):
    is_view = True

    def forward(ctx, xp, x, offset, d1, d2):
        ctx.shape, ctx.args = x.shape, (offset, d1, d2)
        return _writeable(xp.diagonal(x, offset, d1, d2), x)

    def backward(ctx, g):
        return (DiagEmbed.apply(g, ctx.shape, *ctx.args),) + (None,) * 3


class DiagEmbed(Primitive):
    """Zeros of ``shape`` whose ``(offset, d1, d2)`` diagonal is ``x`` (its last dim)."""
    _name = 'DiagEmbedBackward0'

    def forward(ctx, xp, x, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        z = xp.zeros(shape, x.dtype)
        dv = _writeable(xp.diagonal(z, offset, d1, d2), z)
        dv[...] = x
        return z

    def backward(ctx, g):
        return (Diagonal.apply(g, *ctx.args),) + (None,) * 4


def _diag_args(input, offset, dim1, dim2):
    n = input._data.ndim
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
    return builtins.int(offset), d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of the ``offset`` diagonal of the ``(dim1, dim2)`` matrices, appended as the last
    dim (``torch.diagonal``; offset > 0 is above the main diagonal)."""
    return Diagonal.apply(input, *_diag_args(input, offset, dim1, dim2))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose ``(dim1, dim2)`` ``offset`` diagonals hold ``input``'s last dim, zeros
    elsewhere (``torch.diag_embed``)."""
    d = input._data
    n = d.ndim + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
    offset = builtins.int(offset)
    m = (d.shape[-1] if d.ndim else 1) + builtins.abs(offset)
    rest = list(d.shape[:-1])
    shape = []
    for i in range(n):
        shape.append(m if i in (d1, d2) else rest.pop(0))
    if d.ndim == 0:
        input = View.apply(input, (1,))
    return DiagEmbed.apply(input, tuple(shape), offset, d1, d2)


def diag(input, diagonal=0, *, out=None):
    """1-D input: the square matrix with ``input`` on its ``diagonal``-th diagonal; 2-D input:
    a copy of that diagonal as a vector (``torch.diag``)."""
    n = input._data.ndim
    if n == 1:
        r = diag_embed(input, diagonal, 0, 1)
    elif n == 2:
        r = Contiguous.apply(Diagonal.apply(input, builtins.int(diagonal), 0, 1))
    else:
        raise RuntimeError(f'diag(): Supports 1D or 2D tensors. Got {n}D')
    return _out(r, out)


# ---------------------------------------------------------------------------- triangles


class Tril(Primitive):
    def forward(ctx, xp, x, k):
        ctx.k = k
        return xp.tril(x, k)

    def backward(ctx, g):
        return Tril.apply(g, ctx.k), None


class Triu(Primitive):
    def forward(ctx, xp, x, k):
        ctx.k = k
        return xp.triu(x, k)

    def backward(ctx, g):
        return Triu.apply(g, ctx.k), None


def tril(input, diagonal=0, *, out=None):
    """``input`` with the elements above the ``diagonal``-th diagonal of its last two dims set
    to zero (``torch.tril``)."""
    if input._data.ndim < 2:
        raise RuntimeError('tril: input tensor must have at least 2 dimensions')
    return _out(Tril.apply(input, builtins.int(diagonal)), out)


def triu(input, diagonal=0, *, out=None):
    """``input`` with the elements below the ``diagonal``-th diagonal of its last two dims set
    to zero (``torch.triu``)."""
    if input._data.ndim < 2:
        raise RuntimeError('triu: input tensor must have at least 2 dimensions')
    return _out(Triu.apply(input, builtins.int(diagonal)), out)


# ---------------------------------------------------------------------------- flip / roll


class Flip(Primitive):
    def forward(ctx, xp, x, dims):
        ctx.dims = dims
        return _clone_array(xp.flip(x, dims))

    def backward(ctx, g):
        return Flip.apply(g, ctx.dims), None


def flip(input, *args, dims=None):
    """A copy of ``input`` with the order of elements along ``dims`` reversed (``torch.flip``)."""
    dims = _ints(args if dims is None else (dims,), 'dims')
    dims = dims_arg(dims, input._data.ndim) if dims else ()
    return Flip.apply(input, dims)


def fliplr(input):
    """``input`` flipped left/right (along dim 1); needs at least 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError('Input must be >= 2-d.')
    return Flip.apply(input, (1,))


def flipud(input):
    """``input`` flipped up/down (along dim 0); needs at least 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError('Input must be >= 1-d.')
    return Flip.apply(input, (0,))


class Roll(Primitive):
    def forward(ctx, xp, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return xp.roll(xp.ascontiguousarray(x), shifts, dims)

    def backward(ctx, g):
        s = ctx.shifts
        return Roll.apply(g, -s if isinstance(s, builtins.int) else tuple(-v for v in s),
                          ctx.dims), None, None


def roll(input, shifts, dims=None):
    """``input`` with its elements shifted cyclically by ``shifts`` along ``dims`` (ints or
    tuples of the same length); without ``dims`` the flattened tensor is rolled and the shape
    restored (``torch.roll``)."""
    sh = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    dm = () if dims is None else ((dims,) if isinstance(dims, numbers.Integral) else tuple(dims))
    if not sh:
        raise RuntimeError('`shifts` required')
    n = input._data.ndim
    if not dm:
        if len(sh) != 1:
            raise RuntimeError(f'shifts and dimensions must align. shifts: {len(sh)}, dims:0')
        return Roll.apply(input, builtins.int(sh[0]), None)
    if len(sh) != len(dm):
        raise RuntimeError(f'shifts and dimensions must align. shifts: {len(sh)}, dims:{len(dm)}')
    dm = tuple(wrap_dim(builtins.int(v), n) for v in dm)
    return Roll.apply(input, tuple(builtins.int(v) for v in sh), dm)


# ---------------------------------------------------------------------------- repeat


class Repeat(Primitive):
    def forward(ctx, xp, x, reps):
        xs = (1,) * (len(reps) - x.ndim) + x.shape
        inter, target, final = [], [], []
        for r, s in zip(reps, xs):
            inter += [1, s]
            target += [r, s]
            final.append(r * s)
        ctx.shape, ctx.target = x.shape, tuple(target)
        return xp.broadcast_to(x.reshape(inter), target).reshape(final)

    def backward(ctx, g):
        gs = reshape(g, ctx.target).sum(tuple(range(0, len(ctx.target), 2)))
        return reshape(gs, ctx.shape), None


def repeat(self, *sizes):
    """``self`` tiled ``sizes[i]`` times along each dim (extra leading sizes add dims); a copy
    (``Tensor.repeat``, like ``numpy.tile``)."""
    reps = _ints(sizes)
    d = self._data
    if len(reps) < d.ndim:
        raise RuntimeError('Number of dimensions of repeat dims can not be smaller than number of '
                           'dimensions of tensor')
    xs = (1,) * (len(reps) - d.ndim) + d.shape
    final = [r * s for r, s in zip(reps, xs)]
    if reps and builtins.min(reps) < 0:
        neg = [f for f in final if f < 0] or [builtins.min(reps)]
        raise RuntimeError(f'Trying to create tensor with negative dimension {neg[0]}: {final}')
    return Repeat.apply(self, reps)


def tile(input, *args, dims=None):
    """``input`` repeated ``dims[i]`` times along each dim; missing leading reps count as 1
    (``torch.tile``)."""
    dims = _ints(args if dims is None else (dims,), 'dims')
    n = input._data.ndim
    if len(dims) < n:
        dims = (1,) * (n - len(dims)) + dims
    return repeat(input, dims)


class RepeatInterleave(Primitive):
    def forward(ctx, xp, x, reps, dim):
        ctx.reps, ctx.dim, ctx.n = reps, dim, x.shape[dim]
        return xp.repeat(x, reps if isinstance(reps, builtins.int) or xp is np else reps.tolist(),
                         axis=dim)

    def backward(ctx, g):
        r, dim = ctx.reps, ctx.dim
        if isinstance(r, builtins.int):
            if r == 0:
                return SegmentSum.apply(g, np.zeros(ctx.n, np.int64), dim), None, None
            return unflatten(g, dim, (ctx.n, r)).sum(dim + 1), None, None
        return SegmentSum.apply(g, r, dim), None, None


class SegmentSum(Primitive):
    """Sums of consecutive runs of ``reps[i]`` slices along ``dim`` (repeat_interleave's
    gradient)."""

    def forward(ctx, xp, g, reps, dim):
        ctx.reps, ctx.dim = reps, dim
        shape = list(g.shape)
        shape[dim] = len(reps)
        out = xp.zeros(shape, g.dtype)
        if g.shape[dim] == 0:
            return out
        pre = (slice(None),) * dim
        if xp is np:
            nz = reps > 0
            starts = np.cumsum(reps) - reps
            out[pre + (nz,)] = np.add.reduceat(g, starts[nz], axis=dim)
        else:
            import cupyx
            idx = xp.asarray(np.repeat(np.arange(len(reps)), reps))
            cupyx.scatter_add(out, pre + (idx,), g)
        return out

    def backward(ctx, gg):
        return RepeatInterleave.apply(gg, ctx.reps, ctx.dim), None, None


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place, as
    ``numpy.repeat`` (``torch.repeat_interleave``).

    Args:
        repeats: an int or a 1-D int64 tensor with one count per slice of ``dim``
            (a one-element tensor counts for all).
        dim: without it the input is flattened first.
        output_size: the total length along ``dim``, checked when given.
    With only a tensor of counts, returns ``arange(len(counts))`` repeated by them.
    """
    if repeats is None:
        r = input
        if r._data.ndim > 1:
            raise RuntimeError('repeat_interleave only accept 1D vector as repeat')
        if r._data.dtype.kind not in 'iu':
            raise RuntimeError('repeats has to be Long or Int tensor')
        rr = _host(r._data).astype(np.int64)
        if (rr < 0).any():
            raise RuntimeError('repeats can not be negative')
        out = np.repeat(np.arange(rr.size, dtype=r._data.dtype), rr)
        if output_size is not None and output_size != out.size:
            raise RuntimeError('allocated size does not match required size')
        return _wrap(out if type(r._data) is _ndarray else _to_like(out, r._data))
    if dim is None:
        input = flatten(input)
        dim = 0
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        input = View.apply(input, (1,))
        d = input._data
    n = d.shape[dim]
    if isinstance(repeats, Tensor):
        rd = repeats._data
        if rd.ndim > 1:
            raise RuntimeError('repeats must be 0-dim or 1-dim tensor')
        if rd.dtype.kind not in 'iu':
            raise RuntimeError('repeats has to be Long or Int tensor')
        rr = _host(rd).astype(np.int64).reshape(-1)
        if rr.size == 1:
            repeats = builtins.int(rr[0])
        else:
            if rr.size != n:
                raise RuntimeError('repeats must have the same size as input along dim, but got '
                                   f'repeats.size(0) = {rr.size} and input.size({dim}) = {n}')
            if (rr < 0).any():
                raise RuntimeError('repeats can not be negative')
            total = builtins.int(rr.sum())
            if output_size is not None and output_size != total:
                raise RuntimeError('allocated size does not match required size')
            return RepeatInterleave.apply(input, rr, dim)
    repeats = builtins.int(repeats)
    if repeats < 0:
        raise RuntimeError('Repeats must be non-negative')
    if output_size is not None and output_size != n * repeats:
        raise RuntimeError(f'repeat_interleave: Invalid output_size, expected {n * repeats} but got '
                           f'{output_size}')
    return RepeatInterleave.apply(input, repeats, dim)


def _host(a):
    return a if type(a) is _ndarray else a.get()


def _to_like(arr, like):
    from ..backend import xp_of
    with like.device:
        return xp_of(like).asarray(arr)


# ---------------------------------------------------------------------------- cat / stack


class Cat(Primitive):
    def forward(ctx, xp, *xs, dim=0):
        keep = [x for x in xs if not (x.ndim == 1 and x.shape[0] == 0)]
        ctx.dim = dim
        ctx.sizes = [None if (x.ndim == 1 and x.shape[0] == 0) else x.shape[dim] for x in xs]
        if not keep:
            return xp.concatenate(xs)
        if len(keep) == 1:
            return keep[0].copy()
        return xp.concatenate(keep, axis=dim)

    def backward(ctx, g):
        sizes = [s for s in ctx.sizes if s is not None]
        if not sizes:
            parts = iter(())
        elif len(sizes) == 1:
            parts = iter((g,))
        else:
            parts = iter(split(g, sizes, ctx.dim))
        return tuple(g.new_zeros(0) if s is None else next(parts) for s in ctx.sizes)


def cat(tensors, dim=0, *, out=None):
    """``tensors`` joined along the existing dim ``dim`` (``torch.cat``).

    Inputs are promoted to a common dtype; all must share their shape except along ``dim``.
    Empty 1-D tensors (shape ``[0]``) are skipped, as PyTorch's legacy behaviour does.
    """
    if _ac[0]:
        return _ac_run('cat', cat, tensors, dim, out=out)
    tensors = _seq_of_tensors(tensors, 'cat')
    if not tensors:
        raise ValueError('torch.cat(): expected a non-empty list of Tensors')
    ref = None
    for i, t in enumerate(tensors):
        s = t._data.shape
        if len(s) == 0:
            raise RuntimeError(f'zero-dimensional tensor (at position {i}) cannot be concatenated')
        if len(s) == 1 and s[0] == 0:
            continue
        if ref is None:
            ref = s
            dim = wrap_dim(dim, len(s))
            continue
        if len(s) != len(ref):
            raise RuntimeError(f'Tensors must have same number of dimensions: got {len(ref)} and '
                               f'{len(s)}')
        for k in range(len(s)):
            if k != dim and s[k] != ref[k]:
                raise RuntimeError(f'Sizes of tensors must match except in dimension {dim}. '
                                   f'Expected size {ref[k]} but got size {s[k]} for tensor '
                                   f'number {i} in the list.')
    if ref is None:
        dim = 0
    tensors = _promote_all(tensors)
    return _out(Cat.apply(*tensors, dim=dim), out)


def concat(tensors, dim=0, *, out=None):
    """Alias of ``cat``."""
    return cat(tensors, dim, out=out)


def concatenate(tensors, axis=0, out=None):
    """Alias of ``cat`` (NumPy's argument name)."""
    return cat(tensors, axis, out=out)


class Stack(Primitive):
    def forward(ctx, xp, *xs, dim=0):
        ctx.dim = dim
        return xp.stack(xs, axis=dim)

    def backward(ctx, g):
        return unbind(g, ctx.dim)


def stack(tensors, dim=0, *, out=None):
    """``tensors`` (all of one shape) joined along a new dim ``dim`` (``torch.stack``);
    inputs are promoted to a common dtype."""
    if _ac[0]:
        return _ac_run('stack', stack, tensors, dim, out=out)
    tensors = _seq_of_tensors(tensors, 'stack')
    if not tensors:
        raise RuntimeError('stack expects a non-empty TensorList')
    s0 = tensors[0]._data.shape
    dim = wrap_dim(dim, len(s0) + 1)
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != s0:
            raise RuntimeError(f'stack expects each tensor to be equal size, but got {list(s0)} at '
                               f'entry 0 and {list(t._data.shape)} at entry {i}')
    tensors = _promote_all(tensors)
    return _out(Stack.apply(*tensors, dim=dim), out)


def hstack(tensors, *, out=None):
    """Join along dim 1 (dim 0 for 1-D inputs), after ``atleast_1d`` (``torch.hstack``)."""
    ts = [_atleast1(t, 1) for t in _seq_of_tensors(tensors, 'hstack')]
    if not ts:
        raise ValueError('torch.cat(): expected a non-empty list of Tensors')
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Join along dim 0 after ``atleast_2d`` (``torch.vstack``)."""
    ts = [_atleast1(t, 2) for t in _seq_of_tensors(tensors, 'vstack')]
    return cat(ts, 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Join along dim 2 after ``atleast_3d`` (``torch.dstack``)."""
    ts = [_atleast1(t, 3) for t in _seq_of_tensors(tensors, 'dstack')]
    return cat(ts, 2, out=out)


def column_stack(tensors, *, out=None):
    """Join 0-D/1-D inputs as columns and 2-D inputs as they are, along dim 1."""
    ts = [View.apply(t, (t._data.size, 1)) if t._data.ndim <= 1 else t
          for t in _seq_of_tensors(tensors, 'column_stack')]
    return cat(ts, 1, out=out)


# ---------------------------------------------------------------------------- in-place views


def _inplace_view(self, fn, *args):
    """``self`` turned in place into ``fn(self, *args)`` (a view op): ``t_``, ``squeeze_``..."""
    if _state[0] and self._rg and self._base is not None:
        check_multi_view(self)
    if _state[0] and self._rg and self.grad_fn is None:
        raise RuntimeError('a leaf Variable that requires grad is being used in an in-place '
                           'operation.')
    alias = _wrap(self._data, self._rg, self.grad_fn, self._out_nr)
    alias._vc, alias._base, alias._view_src = self._vc, self._base, self._view_src
    out = fn(alias, *args)
    self._data = out._data
    if out is not alias:
        self.grad_fn, self._out_nr = out.grad_fn, out._out_nr
        if self._base is not None:
            self._view_src = out._view_src
    self._vc[0] += 1
    return self


def _method_inplace(fn):
    def m(self, *args):
        return _inplace_view(self, fn, *args)
    m.__name__ = fn.__name__ + '_'
    m.__doc__ = f'In-place ``{fn.__name__}``: changes this tensor\'s shape/strides, not its data.'
    return m


# ---------------------------------------------------------------------------- as_strided


class _Iface:
    """An ``__array_interface__`` holder (like NumPy's stride_tricks DummyArray)."""

    def __init__(self, iface, base):
        self.__array_interface__ = iface
        self.base = base


def _ptr(a):
    return a.__array_interface__['data'][0] if type(a) is _ndarray else a.data.ptr


def _storage(x):
    """``(root, offset)``: the array owning ``x``'s memory (PyTorch's storage; views and
    stride_tricks windows are followed to it) and ``x``'s byte offset in it."""
    root = x
    kind = type(x)
    while True:
        b = root.base
        if isinstance(b, kind):
            root = b
        elif b is not None and isinstance(getattr(b, 'base', None), kind) and \
                hasattr(b, '__array_interface__'):
            root = b.base
        else:
            break
    return root, _ptr(x) - _ptr(root)


def _storage_nbytes(root):
    if root.flags.c_contiguous or root.flags.f_contiguous:
        return root.nbytes
    if root.size == 0:
        return 0
    return builtins.sum((n - 1) * abs(s) for n, s in zip(root.shape, root.strides)) + root.itemsize


def _strided_array(xp, x, size, stride, offset):
    """A view of ``x``'s storage with ``size``, ``stride`` (elements) from element ``offset``."""
    root, _ = _storage(x)
    isz = x.dtype.itemsize
    shape, st, off = tuple(size), tuple(s * isz for s in stride), offset * isz
    if xp is not np:
        return xp.ndarray(shape, x.dtype, root.data + off, st)
    try:
        y = np.ndarray(shape, x.dtype, buffer=root, offset=off, strides=st)
    except (TypeError, ValueError, BufferError):     # a non-contiguous owner or empty result
        iface = {'version': 3, 'shape': shape, 'strides': st, 'typestr': x.dtype.str,
                 'data': (_ptr(root) + off, not root.flags.writeable)}
        y = np.asarray(_Iface(iface, root))
        if y.dtype != x.dtype:
            y = y.view(x.dtype)
    if not x.flags.writeable and y.flags.writeable:
        y.flags.writeable = False
    return y


def _geom_index(shape, stride, offset):
    """Storage positions (int64, shaped ``shape``) of a strided geometry (a loop over dims)."""
    idx = np.full((), offset, np.int64)
    for n, s in zip(shape, stride):
        idx = idx[..., None] + np.arange(n, dtype=np.int64) * s
    return idx


class AsStrided(Primitive):
    """``as_strided``: a view of the input's storage. Backward scatter-adds the gradient into
    the storage positions the view reads (overlaps accumulate) and gathers the input's own
    positions from there (PyTorch's ``as_strided_backward``)."""
    _name = 'AsStridedBackward0'
    is_view = True

    def forward(ctx, xp, x, size, stride, offset):
        isz = x.dtype.itemsize
        ctx.geom = (x.shape, tuple(s // isz for s in x.strides), _storage(x)[1] // isz)
        ctx.out = (stride, offset)
        return _strided_array(xp, x, size, stride, offset)

    def backward(ctx, g):
        from .index import IndexAdd, Take
        (shape, stride, offset), size = ctx.geom, g._data.shape
        ostride, ooff = ctx.out
        if shape == size and stride == ostride and offset == ooff:
            return g, None, None, None
        oi, ii = _geom_index(size, ostride, ooff), _geom_index(shape, stride, offset)
        if oi.size == 0 or ii.size == 0:
            return g.new_zeros(shape), None, None, None
        lo = builtins.min(oi.min(), ii.min())
        n = builtins.int(builtins.max(oi.max(), ii.max()) - lo + 1)
        xp = _xp(g._data)
        store = IndexAdd.apply(g.new_zeros((n,)), 0, _wrap(xp.asarray((oi - lo).reshape(-1))),
                               g.reshape(-1))
        count = np.bincount((ii - lo).reshape(-1), minlength=n)
        if count.max() > 1:     # input elements sharing memory split the gradient
            store = store / _wrap(xp.asarray(np.maximum(count, 1).astype(g._data.dtype)))
        return Take.apply(store, _wrap(xp.asarray(ii - lo))), None, None, None


def _int_list(v, name, pos):
    if isinstance(v, Tensor) and v._data.ndim == 1 and v._data.dtype.kind in 'iu':
        v = v.tolist()
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"as_strided(): argument '{name}' (position {pos}) must be tuple of ints, "
                        f'not {type(v).__name__}')
    out = []
    for i, e in enumerate(v):
        if isinstance(e, Tensor) and e._data.ndim == 0 and e._data.dtype.kind in 'iu':
            e = e.item()
        if not isinstance(e, numbers.Integral) or isinstance(e, builtins.bool):
            raise TypeError(f"as_strided(): argument '{name}' (position {pos}) must be tuple of "
                            f'ints, but found element of type {type(e).__name__} at pos {i}')
        out.append(builtins.int(e))
    return tuple(out)


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with the given ``size``, ``stride`` and ``storage_offset``
    (in elements; the offset defaults to input's), sharing memory (``torch.as_strided``).
    Windows may overlap; their gradients then accumulate.

    Args:
        size, stride: tuples of ints of equal length; strides must be non-negative.
        storage_offset: where the view starts in the storage (default: ``input``'s own).
    Raises RuntimeError, as PyTorch does, when the view would reach outside the storage.
    """
    return AsStrided.apply(input, *_strided_args(input, size, stride, storage_offset))


def _strided_args(input, size, stride, storage_offset, fresh=False):
    """Checked ``(size, stride, offset)`` of an ``as_strided`` view of ``input``'s storage (of
    a fresh copy of ``input``, offset 0 by default, with ``fresh``)."""
    if not isinstance(input, Tensor):
        raise TypeError("as_strided(): argument 'input' (position 1) must be Tensor, not "
                        f'{type(input).__name__}')
    size, stride = _int_list(size, 'size', 2), _int_list(stride, 'stride', 3)
    if storage_offset is not None and (not isinstance(storage_offset, numbers.Integral) or
                                       isinstance(storage_offset, builtins.bool)):
        raise TypeError("as_strided(): argument 'storage_offset' (position 4) must be int, not "
                        f'{type(storage_offset).__name__}')
    d = input._data
    isz = d.dtype.itemsize
    if fresh:
        off_b, have = 0, d.size * isz
    else:
        root, off_b = _storage(d)
        have = _storage_nbytes(root)
    off = off_b // isz if storage_offset is None else builtins.int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError('mismatch in length of strides and shape')
    if builtins.any(s < 0 for s in stride):
        raise RuntimeError(f'as_strided: Negative strides are not supported at the moment, got '
                           f'strides: {list(stride)}')
    if builtins.any(n < 0 for n in size):
        raise RuntimeError(f'Storage size calculation overflowed with sizes={list(size)} and '
                           f'strides={list(stride)}')
    need = 0 if 0 in size else (off + 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride)))
    if need * isz > have:
        raise RuntimeError(f'setStorage: sizes {list(size)}, strides {list(stride)}, storage '
                           f'offset {off}, and itemsize {isz} requiring a storage size of '
                           f'{need * isz} are out of bounds for storage of size {have}')
    if off < 0:
        raise RuntimeError(f'Tensor: invalid storage offset {off}')
    return size, stride, off



# ---------------------------------------------------------------------------- *_scatter


class ViewScatter(Primitive):
    """A copy of ``x`` with ``src`` written into its view ``view.forward(copy, *args)``: the
    ``*_scatter`` ops. ``perm`` lays the copy out in memory as ``x.permute(perm)`` (None: like
    ``clone``), which as_strided's strides refer to."""

    def forward(ctx, xp, x, src, view, args, perm):
        ctx.view, ctx.args, ctx.perm, ctx.sshape = view, args, perm, src.shape
        out = _clone_array(x) if perm is None else _fresh_copy(x, perm)
        view.forward(view._noctx, xp, out, *args)[...] = src
        return out

    def backward(ctx, g):
        view, args, perm = ctx.view, ctx.args, ctx.perm
        gx = gs = None
        if ctx._next[0] is not None:
            gx = _SCATTER[view].apply(g, g.new_zeros(ctx.sshape), view, args, perm)
        if ctx._next[1] is not None:
            gs = Contiguous.apply(view.apply(g if perm is None else
                                             Contiguous.apply(g, perm=perm), *args))
        return gx, gs, None, None, None


_SCATTER = {v: type(n, (ViewScatter,), {'_name': n + 'Backward0'}) for v, n in
            ((Select, 'SelectScatter'), (Slice, 'SliceScatter'),
             (Diagonal, 'DiagonalScatter'), (AsStrided, 'AsStridedScatter'))}


def _view_scatter(input, src, name, view, args, vshape, perm=None):
    if not isinstance(src, Tensor):
        raise TypeError(f"{name}(): argument 'src' (position 2) must be Tensor, not "
                        f'{type(src).__name__}')
    if tuple(src._data.shape) != tuple(vshape):
        raise RuntimeError(f'expected src to have a size equal to the slice of self. src size = '
                           f'{list(src._data.shape)}, slice size = {list(vshape)}')
    if src._data.dtype != input._data.dtype:
        src = to_dtype(src, input.dtype)
    return _SCATTER[view].apply(input, src, view, args, perm)


def _vshape(view, input, args):
    return view.forward(view._noctx, _xp(input._data), input._data, *args).shape


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``src`` written into ``input.select(dim, index)``."""
    args = _select_args(input, dim, index)
    return _view_scatter(input, src, 'select_scatter', Select, args, _vshape(Select, input, args))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``src`` written into the slice ``start:end:step`` along
    ``dim``."""
    key = (_slice_key(input, dim, start, end, step),)
    return _view_scatter(input, src, 'slice_scatter', Slice, key, _vshape(Slice, input, key))


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` written into ``input.diagonal(offset, dim1, dim2)``."""
    args = _diag_args(input, offset, dim1, dim2)
    return _view_scatter(input, src, 'diagonal_scatter', Diagonal, args,
                         _vshape(Diagonal, input, args))


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` (fresh storage, offset 0, ``input``'s layout when dense) with ``src``
    written into its ``as_strided(size, stride, storage_offset)`` view."""
    args = _strided_args(input, size, stride, storage_offset, fresh=True)
    d = input._data
    perm = tuple(builtins.int(i) for i in np.argsort([-s for s in d.strides], kind='stable')) \
        if _dense(d) else tuple(range(d.ndim))
    return _view_scatter(input, src, 'as_strided_scatter', AsStrided, args, args[0], perm)


# ---------------------------------------------------------------------------- *_copy


def _copy_of(view_fn, name):
    """``torch.<name>``: ``view_fn`` followed by a contiguous copy of its result(s)."""
    def fn(*args, out=None, **kwargs):
        r = view_fn(*args, **kwargs)
        if isinstance(r, tuple):
            r = tuple(Contiguous.apply(t, perm=tuple(range(t._data.ndim))) for t in r)
            return r if out is None else tuple(_out(t, o) for t, o in zip(r, out))
        return _out(Contiguous.apply(r, perm=tuple(range(r._data.ndim))), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f'``{view_fn.__name__.strip("_")}`` as new contiguous tensor(s) sharing no '
                  'memory with the input.')
    return fn


def _alias(input):
    return input


def _expand(input, size, *, implicit=False):
    return expand(input, size)


def _view(input, *shape):
    """``view`` by ``dtype``, else ``reshape`` (view_copy needs no viewable strides)."""
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return view(input, shape[0])
    return reshape(input, *shape)


_COPIES = {n + '_copy': _copy_of(f, n + '_copy') for n, f in (
    ('diagonal', diagonal), ('select', select), ('slice', _slice), ('t', t),
    ('transpose', transpose), ('permute', permute), ('expand', _expand), ('view', _view),
    ('unsqueeze', unsqueeze), ('squeeze', squeeze), ('unbind', unbind), ('split', split),
    ('split_with_sizes', split_with_sizes), ('narrow', narrow), ('as_strided', as_strided),
    ('alias', _alias))}
globals().update(_COPIES)

_FUNCS = {'reshape': reshape, 'permute': permute, 'transpose': transpose, 'swapaxes': swapaxes,
          'swapdims': swapdims, 't': t, 'squeeze': squeeze, 'unsqueeze': unsqueeze,
          'flatten': flatten, 'unflatten': unflatten, 'select': select, 'unbind': unbind,
          'broadcast_to': broadcast_to, 'movedim': movedim, 'moveaxis': moveaxis,
          'narrow': narrow, 'split': split, 'split_with_sizes': split_with_sizes,
          'chunk': chunk, 'tensor_split': tensor_split, 'hsplit': hsplit, 'vsplit': vsplit,
          'dsplit': dsplit, 'diagonal': diagonal, 'diag_embed': diag_embed, 'diag': diag,
          'tril': tril, 'triu': triu, 'flip': flip, 'fliplr': fliplr, 'flipud': flipud,
          'roll': roll, 'tile': tile, 'repeat_interleave': repeat_interleave,
          'cat': cat, 'concat': concat, 'concatenate': concatenate, 'stack': stack,
          'hstack': hstack, 'vstack': vstack, 'row_stack': row_stack, 'dstack': dstack,
          'column_stack': column_stack, 'atleast_1d': atleast_1d, 'atleast_2d': atleast_2d,
          'atleast_3d': atleast_3d, 'as_strided': as_strided, 'select_scatter': select_scatter,
          'slice_scatter': slice_scatter, 'diagonal_scatter': diagonal_scatter,
          'as_strided_scatter': as_strided_scatter, **_COPIES}

_METHOD_NAMES = ['permute', 'transpose', 'swapaxes', 'swapdims', 't', 'squeeze', 'unsqueeze',
                 'flatten', 'unflatten', 'select', 'unbind', 'broadcast_to', 'movedim',
                 'moveaxis', 'narrow', 'split_with_sizes', 'chunk', 'tensor_split', 'hsplit',
                 'vsplit', 'dsplit', 'diagonal', 'diag_embed', 'diag', 'tril', 'triu',
                 'fliplr', 'flipud', 'roll', 'tile', 'repeat_interleave', 'as_strided',
                 'select_scatter', 'slice_scatter', 'diagonal_scatter', 'as_strided_scatter',
                 'narrow_copy']

bind(dict({k: _FUNCS[k] for k in _METHOD_NAMES}, view=view, view_as=view_as,
          reshape_as=reshape_as, expand=expand, expand_as=expand_as, contiguous=contiguous,
          repeat=repeat, split=_split_method, flip=flip,
          T=property(_T), mT=property(_mT), H=property(_H), mH=property(_mH),
          reshape=reshape, permute=permute,
          squeeze_=_method_inplace(squeeze), unsqueeze_=_method_inplace(unsqueeze),
          t_=_method_inplace(t), transpose_=_method_inplace(transpose),
          swapaxes_=_method_inplace(transpose), swapdims_=_method_inplace(transpose),
          tril_=lambda self, diagonal=0: inplace_fn(self, tril, diagonal),
          triu_=lambda self, diagonal=0: inplace_fn(self, triu, diagonal)))
__all__ = list(_FUNCS)
