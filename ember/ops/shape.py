"""Shape and view ops. Views share memory with their input, as in PyTorch."""
import builtins
import numbers

import numpy as np

from .._tensor import Tensor, _wrap, bind, Size
from ._util import Primitive, wrap_dim, dims_arg
from .creation import _shape_arg

_ndarray = np.ndarray


def _infer_shape(shape, numel):
    """Resolve one ``-1`` in ``shape`` against ``numel`` with PyTorch's error messages."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError('only one dimension can be inferred')
    for s in shape:
        if s < -1:
            raise RuntimeError(f'invalid shape dimension {s}')
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = list(shape)
        shape[neg[0]] = numel // known
        return tuple(shape)
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


class View(Primitive):
    is_view = True

    def forward(ctx, xp, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape, copy=False) if xp is np else _view_cupy(x, shape)
        except (ValueError, AttributeError):
            raise RuntimeError('view size is not compatible with input tensor\'s size and stride '
                               '(at least one dimension spans across two contiguous subspaces). '
                               'Use .reshape(...) instead.') from None

    def backward(ctx, g):
        return g.reshape(ctx.shape), None


def _view_cupy(x, shape):
    y = x.view()
    y.shape = shape
    return y


class Reshape(Primitive):
    """reshape that must copy (the input's strides allow no view)."""
    _name = 'ViewBackward0'

    def forward(ctx, xp, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    def backward(ctx, g):
        return g.reshape(ctx.shape), None


def view(self, *shape):
    """A view with a new shape (one dim may be -1); never copies (``Tensor.view``).

    ``view(dtype)`` reinterprets the bytes as another dtype."""
    from .. import _dtype
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _wrap(self._data.view(shape[0].np))
    shape = _infer_shape(_shape_arg(shape), self._data.size)
    if shape == self._data.shape:
        return View.apply(self, shape)
    return View.apply(self, shape)


def reshape(input, *shape):
    """``input`` with a new shape: a view when the strides allow, else a copy."""
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    d = input._data
    if d.flags.c_contiguous or _viewable(d, shape):
        return View.apply(input, shape)
    return Reshape.apply(input, shape)


def _viewable(d, shape):
    try:
        d.reshape(shape, copy=False) if type(d) is _ndarray else None
        return type(d) is _ndarray
    except ValueError:
        return False


def view_as(self, other):
    return view(self, other._data.shape)


def reshape_as(self, other):
    return reshape(self, other._data.shape)


class Permute(Primitive):
    is_view = True

    def forward(ctx, xp, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    def backward(ctx, g):
        return g.permute(tuple(np.argsort(ctx.dims))), None


def permute(input, *dims):
    """A view with dims reordered."""
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = tuple(dims[0])
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f'permute(sparse_coo): number of dimensions in the tensor input does '
                           f'not match the length of the desired ordering of dimensions i.e. input.'
                           f'dim() = {n} is not equal to len(dims) = {len(dims)}')
    d = tuple(wrap_dim(int(i), n) for i in dims)
    if len(set(d)) != n:
        raise RuntimeError('permute(): duplicate dims are not allowed.')
    return Permute.apply(input, d)


class Transpose(Primitive):
    is_view = True

    def forward(ctx, xp, x, d0, d1):
        ctx.d0, ctx.d1 = d0, d1
        return xp.swapaxes(x, d0, d1)

    def backward(ctx, g):
        return g.transpose(ctx.d0, ctx.d1), None, None


def transpose(input, dim0, dim1):
    """A view with ``dim0`` and ``dim1`` swapped."""
    n = input._data.ndim
    return Transpose.apply(input, wrap_dim(dim0, n), wrap_dim(dim1, n))


swapaxes = swapdims = transpose


def t(input):
    """Transpose of a matrix (0-D and 1-D tensors are returned as is)."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f't() expects a tensor with <= 2 dimensions, but self is {n}D')
    if n < 2:
        return View.apply(input, input._data.shape)
    return Transpose.apply(input, 0, 1)


def _T(self):
    n = self._data.ndim
    if n < 2:
        return self
    return Permute.apply(self, tuple(range(n - 1, -1, -1)))


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError('tensor.mT is only supported on matrices or batches of matrices. Got '
                           f'{self._data.ndim}-D tensor.')
    return Transpose.apply(self, self._data.ndim - 2, self._data.ndim - 1)


class Expand(Primitive):
    is_view = True

    def forward(ctx, xp, x, shape):
        ctx.shape = x.shape
        return xp.broadcast_to(x, shape)

    def backward(ctx, g):
        from .reduce import sum_to
        return sum_to(g, ctx.shape), None


def expand(self, *sizes):
    """A broadcast view of ``self`` to ``sizes`` (-1 keeps a dim); no memory is copied."""
    sizes = _shape_arg_neg(sizes)
    d = self._data
    n = len(sizes)
    if n < d.ndim:
        raise RuntimeError(f'expand(torch.FloatTensor{{{list(d.shape)}}}, size={list(sizes)}): the '
                           'number of sizes provided ({}) must be greater or equal to the number of '
                           'dimensions in the tensor ({})'.format(n, d.ndim))
    lead = n - d.ndim
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s == -1:
                raise RuntimeError(f'The expanded size of the tensor (-1) isn\'t allowed in a leading, '
                                   f'non-existing dimension {i}')
            shape.append(s)
        else:
            cur = d.shape[i - lead]
            if s == -1:
                s = cur
            elif cur != 1 and s != cur:
                raise RuntimeError(f'The expanded size of the tensor ({s}) must match the existing '
                                   f'size ({cur}) at non-singleton dimension {i}.  Target sizes: '
                                   f'{list(sizes)}.  Tensor sizes: {list(d.shape)}')
            shape.append(s)
    shape = tuple(shape)
    if shape == d.shape:
        return View.apply(self, shape)
    return Expand.apply(self, shape)


def _shape_arg_neg(size):
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = size[0]
    return tuple(builtins.int(s) for s in size)


def expand_as(self, other):
    return expand(self, other._data.shape)


def broadcast_to(input, size):
    return expand(input, size)


def squeeze(input, dim=None):
    """Drop dims of size 1 (all of them, or those in ``dim``)."""
    d = input._data
    if dim is None:
        shape = tuple(s for s in d.shape if s != 1)
    else:
        dims = dims_arg(dim, d.ndim) if d.ndim else ()
        shape = tuple(s for i, s in enumerate(d.shape) if not (i in dims and s == 1))
    return View.apply(input, shape)


def unsqueeze(input, dim):
    """Insert a dim of size 1 at ``dim``."""
    d = input._data
    dim = wrap_dim(dim, d.ndim + 1)
    shape = d.shape[:dim] + (1,) + d.shape[dim:]
    return View.apply(input, shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (a view when possible)."""
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
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    sizes = _infer_shape(tuple(sizes), d.shape[dim])
    return reshape(input, d.shape[:dim] + sizes + d.shape[dim + 1:])


class Contiguous(Primitive):
    _name = 'CloneBackward0'

    def forward(ctx, xp, x):
        return xp.ascontiguousarray(x)

    def backward(ctx, g):
        return g


def contiguous(self, memory_format=None):
    """``self`` if already contiguous, else a contiguous copy."""
    if self._data.flags.c_contiguous and memory_format is None:
        return self
    if memory_format is not None and 'channels_last' in str(memory_format):
        return self
    return Contiguous.apply(self)


class Select(Primitive):
    """``x.select(dim, i)``: a view without dim ``dim``."""
    is_view = True

    def forward(ctx, xp, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return x[(slice(None),) * dim + (index,)]

    def backward(ctx, g):
        z = g.new_zeros(ctx.shape)
        z[(slice(None),) * ctx.dim + (ctx.index,)] = g
        return z, None, None


def select(input, dim, index):
    """The slice at ``index`` along ``dim`` (a view)."""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    if not -n <= index < n:
        raise IndexError(f'select(): index {index} out of range for tensor of size '
                         f'{list(d.shape)} at dimension {dim}')
    return Select.apply(input, dim, index % n)


def unbind(input, dim=0):
    """The slices along ``dim`` as a tuple of views."""
    dim = wrap_dim(dim, input._data.ndim)
    return tuple(Select.apply(input, dim, i) for i in builtins.range(input._data.shape[dim]))


_FUNCS = {'reshape': reshape, 'permute': permute, 'transpose': transpose, 'swapaxes': swapaxes,
          'swapdims': swapdims, 't': t, 'squeeze': squeeze, 'unsqueeze': unsqueeze,
          'flatten': flatten, 'unflatten': unflatten, 'select': select, 'unbind': unbind,
          'broadcast_to': broadcast_to}

bind(dict(_FUNCS, view=view, view_as=view_as, reshape_as=reshape_as, expand=expand,
          expand_as=expand_as, contiguous=contiguous,
          T=property(_T), mT=property(_mT), H=property(_T), mH=property(_mT),
          reshape=lambda self, *shape: reshape(self, *shape),
          permute=lambda self, *dims: permute(self, *dims)))
__all__ = list(_FUNCS)
