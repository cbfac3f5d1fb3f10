"""Linear algebra: matmul and its relatives, einsum, and ``ember.linalg``."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind
from ._util import Primitive, promote2
from .pointwise import _out

_ndarray = np.ndarray


def _shape_str(s):
    return 'x'.join(str(k) for k in s)


class Mm(Primitive):
    """2-D matrix product ``x @ y``."""

    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.matmul(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g.mm(y.t()) if ctx._next[0] is not None else None
        gy = x.t().mm(g) if ctx._next[1] is not None else None
        return gx, gy


def _check_same_dtype(a, b, name='mm'):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f'expected m1 and m2 to have the same dtype, but got: '
                           f'{_tn(a.dtype)} != {_tn(b.dtype)}')


def _tn(dt):
    from ._util import _tname
    return {'Float': 'float', 'Double': 'double', 'Long': 'long int', 'Int': 'int',
            'Half': 'c10::Half', 'BFloat16': 'c10::BFloat16'}.get(_tname(dt), _tname(dt).lower())


def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors."""
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError(f'self must be a matrix')
    if b.ndim != 2:
        raise RuntimeError(f'mat2 must be a matrix')
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({_shape_str(a.shape)} and '
                           f'{_shape_str(b.shape)})')
    _check_same_dtype(input, mat2)
    return _out(Mm.apply(input, mat2), out)


class Matmul(Primitive):
    """Batched/broadcast matrix product (``torch.matmul`` for ndim >= 2 operands)."""
    _name = 'BmmBackward0'

    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.matmul(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g.matmul(y.mT) if ctx._next[0] is not None else None
        gy = x.mT.matmul(g) if ctx._next[1] is not None else None
        return gx, gy


def matmul(input, other, *, out=None):
    """Matrix product with PyTorch's rules for 1-D operands and batch broadcasting."""
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f'both arguments to matmul need to be at least 1D, but they are '
                           f'{a.ndim}D and {b.ndim}D')
    _check_same_dtype(input, other)
    if a.ndim == 2 and b.ndim == 2:
        return mm(input, other, out=out)
    if a.ndim == 1 and b.ndim == 1:
        return _out(dot(input, other), out)
    x = input.unsqueeze(0) if a.ndim == 1 else input
    y = other.unsqueeze(-1) if b.ndim == 1 else other
    if x._data.shape[-1] != y._data.shape[-2]:
        if a.ndim == 1 or b.ndim == 1 and a.ndim == 2:
            raise RuntimeError(f'size mismatch, got input ({a.shape[0] if a.ndim == 1 else a.shape[0]}), '
                               f'mat ({_shape_str(x._data.shape)}), vec ({b.shape[0]})'
                               if b.ndim == 1 else
                               f'mat1 and mat2 shapes cannot be multiplied ({_shape_str(x._data.shape)} '
                               f'and {_shape_str(y._data.shape)})')
        raise RuntimeError(f'Expected size for first two dimensions of batch2 tensor to be: '
                           f'[{x._data.shape[0] if x._data.ndim == 3 else "?"}, {x._data.shape[-1]}] '
                           f'but got: [{y._data.shape[0] if y._data.ndim == 3 else "?"}, '
                           f'{y._data.shape[-2]}].' if a.ndim >= 3 and b.ndim >= 3 else
                           f'mat1 and mat2 shapes cannot be multiplied '
                           f'({_shape_str(x._data.shape[-2:])} and {_shape_str(y._data.shape[-2:])})')
    try:
        np.broadcast_shapes(x._data.shape[:-2], y._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f'The size of tensor a ({x._data.shape[-3]}) must match the size of tensor '
                           f'b ({y._data.shape[-3]}) at non-singleton dimension 0') from None
    r = Matmul.apply(x, y)
    if a.ndim == 1:
        r = r.squeeze(-2)
    if b.ndim == 1:
        r = r.squeeze(-1)
    return _out(r, out)


class Dot(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.dot(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * x


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors."""
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f'1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors')
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f'inconsistent tensor size, expected tensor [{a.shape[0]}] and src '
                           f'[{b.shape[0]}] to have the same number of elements, but got '
                           f'{a.shape[0]} and {b.shape[0]} elements respectively')
    _check_same_dtype(input, tensor, 'dot')
    return _out(Dot.apply(input, tensor), out)


_FUNCS = {'mm': mm, 'matmul': matmul, 'dot': dot}
bind(dict(_FUNCS, __matmul__=matmul, __rmatmul__=lambda self, other: matmul(other, self)))
__all__ = list(_FUNCS)
