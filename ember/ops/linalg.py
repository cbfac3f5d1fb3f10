"""Linear algebra: matmul and its relatives, einsum, norms, decompositions (``ember.linalg``).

Forwards call the array module's BLAS/LAPACK routines directly (``xp.matmul``, ``xp.linalg.*``);
backwards are PyTorch's matrix-calculus formulas written with ember ops, so double backward works.
"""
import math
import numbers
import warnings

import numpy as np

from .._tensor import Tensor, _wrap, bind
from ._util import Primitive, dims_arg, wrap_dim, inplace_fn, _tname, mm2, cj
from ..backend.cpu import lapack as _cpu_lapack
from .pointwise import _out
from ..amp._policy import on as _ac, run as _ac_run

_ndarray = np.ndarray
_inf = math.inf


def _la(xp):
    """``xp.linalg``; on the CPU with OpenBLAS lent ember's threads for each call (ember holds
    it to one thread otherwise, see ``backend.cpu``)."""
    return _cpu_lapack if xp is np else xp.linalg


class LinAlgError(RuntimeError):
    """Raised when a linear-algebra routine fails on a numerically singular or non-positive-
    definite input (``torch.linalg.LinAlgError``, a ``RuntimeError``)."""


# ----------------------------------------------------------------------------- helpers


def _xp(arr):
    if type(arr) is _ndarray:
        return np
    from ..backend import xp_of
    return xp_of(arr)


def _shape_str(s):
    return 'x'.join(str(k) for k in s)


def _eye(n, m, like):
    """Identity-like constant of ``like``'s dtype and device."""
    d = like._data
    return _wrap(_xp(d).eye(n, m, dtype=d.dtype))


def _tri_mask(like, k, upper):
    d = like._data
    xp = _xp(d)
    o = xp.ones(d.shape[-2:], dtype=d.dtype)
    return _wrap(xp.triu(o, k) if upper else xp.tril(o, k))


def _tril(x, k=0):
    return x * _tri_mask(x, k, False)


def _triu(x, k=0):
    return x * _tri_mask(x, k, True)


def _diag_embed(v):
    """A batch of diagonal matrices with ``v`` on the diagonal (differentiable)."""
    n = v._data.shape[-1]
    return v.unsqueeze(-1) * _eye(n, n, v)


def _nonzero(g):
    """Whether an incoming gradient carries anything (the engine fills unused outputs with 0)."""
    return g is not None and bool(_xp(g._data).any(g._data))


def _check_float(A, fname):
    if A._data.dtype.kind not in 'fcV':
        raise RuntimeError(f'{fname}: Expected a floating point or complex tensor as input. '
                           f'Got {_tname(A.dtype)}')


def _check_square(A, fname, name='A'):
    d = A._data
    if d.ndim < 2:
        raise RuntimeError(f'{fname}: The input tensor {name} must have at least 2 dimensions.')
    if d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f'{fname}: {name} must be batches of square matrices, but they are '
                           f'{d.shape[-2]} by {d.shape[-1]} matrices')


def _check_matrix(A, fname):
    if A._data.ndim < 2:
        raise RuntimeError(f'{fname}: The input tensor A must have at least 2 dimensions.')


def _bcast_error(sa, sb):
    """PyTorch's broadcast error for shapes ``sa`` (tensor a) and ``sb`` (tensor b)."""
    n = max(len(sa), len(sb))
    a = (1,) * (n - len(sa)) + tuple(sa)
    b = (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            return RuntimeError(f'The size of tensor a ({a[i]}) must match the size of tensor b '
                                f'({b[i]}) at non-singleton dimension {i}')
    return RuntimeError('shapes cannot be broadcast')


def _tn(dt):
    return {'Float': 'float', 'Double': 'double', 'Long': 'long int', 'Int': 'int',
            'Half': 'c10::Half', 'BFloat16': 'c10::BFloat16', 'Short': 'short int',
            'Char': 'signed char', 'Byte': 'unsigned char'}.get(_tname(dt), _tname(dt).lower())


def _check_same_dtype(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f'expected m1 and m2 to have the same dtype, but got: '
                           f'{_tn(a.dtype)} != {_tn(b.dtype)}')


def _check_scalar_type(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f'expected scalar type {_tname(a.dtype)} but found {_tname(b.dtype)}')


def _check_bool(t, what):
    if t._data.dtype.kind == 'b':
        raise NotImplementedError(f'"{what}" not implemented for \'Bool\'')


def _first_zero_pivot(a):
    """For each matrix of the batch ``a`` (NumPy), the 1-based index of the first exactly-zero
    pivot of an LU factorisation with partial pivoting (0 if none), as LAPACK's getrf reports."""
    a = np.array(a, dtype=np.float64 if a.dtype.kind != 'c' else np.complex128)
    shp = a.shape
    a = a.reshape((-1,) + shp[-2:])
    B, n = a.shape[0], shp[-1]
    info = np.zeros(B, dtype=np.int64)
    rows = np.arange(B)
    for k in range(n):   # loop over columns (error path only)
        p = k + np.argmax(np.abs(a[:, k:, k]), axis=1)
        pk = a[rows, p].copy()
        a[rows, p] = a[:, k]
        a[:, k] = pk
        piv = a[:, k, k]
        zero = piv == 0
        info[(info == 0) & zero] = k + 1
        safe = np.where(zero, 1, piv)
        f = a[:, k + 1:, k] / safe[:, None]
        f[zero] = 0
        a[:, k + 1:, k:] -= f[:, :, None] * a[:, None, k, k:]
    return info.reshape(shp[:-2])


def _singular_error(A_arr, fname, msg):
    a = A_arr.get() if hasattr(A_arr, 'get') else A_arr
    info = _first_zero_pivot(a)
    flat = info.reshape(-1)
    nz = np.flatnonzero(flat)
    b = int(nz[0]) if len(nz) else 0
    piv = int(flat[b]) if len(nz) else a.shape[-1]
    batch = f'(Batch element {b}): ' if info.ndim else ''
    return LinAlgError(f'{fname}: {batch}' + msg.format(piv=piv))


def _to_np(a):
    return a.get() if hasattr(a, 'get') else np.asarray(a)


# ----------------------------------------------------------------------------- products


class Mm(Primitive):
    """2-D matrix product ``x @ y``."""

    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return mm2(xp, x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = gy = None
        # each gradient is computed in its operand's memory layout (as PyTorch's
        # mm_mat*_backward), so a transposed weight (x @ W.t()) gets a row-major W.grad;
        # complex operands enter conjugated: g @ y^H, x^H @ g
        if ctx._next[0] is not None:
            yc = cj(y)
            gx = yc.mm(g.t()).t() if _col_major(x._data) else g.mm(yc.t())
        if ctx._next[1] is not None:
            xc = cj(x)
            gy = g.t().mm(xc).t() if _col_major(y._data) else xc.t().mm(g)
        return gx, gy


def _col_major(a):
    return a.ndim == 2 and not a.flags.c_contiguous and a.flags.f_contiguous


def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors (no broadcasting).

    Raises PyTorch's ``mat1 and mat2 shapes cannot be multiplied (AxB and CxD)``.
    """
    if _ac[0]:
        return _ac_run('mm', mm, input, mat2, out=out)
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError('self must be a matrix')
    if b.ndim != 2:
        raise RuntimeError('mat2 must be a matrix')
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({_shape_str(a.shape)} and '
                           f'{_shape_str(b.shape)})')
    if a.dtype != b.dtype:
        _check_same_dtype(input, mat2)
    if a.dtype.kind == 'b':
        raise NotImplementedError('"addmm_impl_cpu_" not implemented for \'Bool\'')
    return _out(Mm.apply(input, mat2), out)


class Matmul(Primitive):
    """``xp.matmul`` with PyTorch's rules: 1-D operands are promoted to matrices and batch dims
    broadcast. The backward handles the 1-D cases; the engine reduces broadcast batch dims."""
    _name = 'BmmBackward0'

    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        if x.ndim == 2 and y.ndim == 2:
            return mm2(xp, x, y)
        return xp.matmul(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        x, y = cj(x), cj(y)
        xd, yd = x._data.ndim, y._data.ndim
        nx, ny = ctx._next[0] is not None, ctx._next[1] is not None
        if xd == 1 and yd == 1:
            return (g * y if nx else None), (g * x if ny else None)
        g2 = g.unsqueeze(-2) if xd == 1 else g
        if yd == 1:
            g2 = g2.unsqueeze(-1)
        gx = gy = None
        if nx:
            if yd == 1:
                gx = g2 * y     # (..., m, 1) * (k,) -> (..., m, k)
            else:
                gx = g2.matmul(y.mT)
                if xd == 1:
                    gx = gx.squeeze(-2)
        if ny:
            if xd == 1:
                gy = x.unsqueeze(-1) * g2      # (k, 1) * (..., 1, n)
            else:
                gy = x.mT.matmul(g2)
                if yd == 1:
                    gy = gy.squeeze(-1)
        return gx, gy


class Dot(Matmul):
    _name = 'DotBackward0'


class Mv(Matmul):
    _name = 'MvBackward0'


def _matmul_error(a, b):
    """PyTorch's message for ``matmul`` operands whose shapes do not fit."""
    if a.ndim == 1 and b.ndim == 1:
        return RuntimeError(f'inconsistent tensor size, expected tensor [{a.shape[0]}] and src '
                            f'[{b.shape[0]}] to have the same number of elements, but got '
                            f'{a.shape[0]} and {b.shape[0]} elements respectively')
    if b.ndim == 1:    # matrix (batch) @ vector: folded into one mv
        rows = int(np.prod(a.shape[:-1]))
        return RuntimeError(f'size mismatch, got input ({rows}), mat ({rows}x{a.shape[-1]}), '
                            f'vec ({b.shape[0]})')
    x = a.shape if a.ndim > 1 else (1,) + a.shape
    if b.ndim == 2 and a.ndim >= 1:
        rows = int(np.prod(x[:-1]))
        if x[-1] != b.shape[0]:
            return RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({rows}x{x[-1]} and '
                                f'{_shape_str(b.shape)})')
    if x[-1] != b.shape[-2]:
        bx = int(np.prod(b.shape[:-2])) if b.ndim > 2 else 1
        return RuntimeError(f'Expected size for first two dimensions of batch2 tensor to be: '
                            f'[{bx}, {x[-1]}] but got: [{bx}, {b.shape[-2]}].')
    return _bcast_error(x[:-2], b.shape[:-2])


def matmul(input, other, *, out=None):
    """Matrix product with PyTorch's rules: 1-D x 1-D is a dot product, a 1-D operand is
    treated as a row (first) or column (second) vector and the added dim removed, and batch
    dims broadcast. Both operands must have the same dtype."""
    if _ac[0]:
        return _ac_run('matmul', matmul, input, other, out=out)
    a, b = input._data, other._data
    an, bn = a.ndim, b.ndim
    if an == 2 and bn == 2:
        return mm(input, other, out=out)
    if an == 0 or bn == 0:
        raise RuntimeError(f'both arguments to matmul need to be at least 1D, but they are '
                           f'{an}D and {bn}D')
    if a.dtype != b.dtype:
        _check_same_dtype(input, other)
    if a.dtype.kind == 'b':
        raise NotImplementedError('"addmm_impl_cpu_" not implemented for \'Bool\'')
    if a.shape[-1] != b.shape[-2 if bn > 1 else 0]:
        raise _matmul_error(a, b)
    prim = Dot if an == 1 and bn == 1 else Mv if an == 2 and bn == 1 else Matmul
    try:
        r = prim.apply(input, other)
    except ValueError:
        raise _matmul_error(a, b) from None
    return _out(r, out)


def _rmatmul(self, other):
    return matmul(other, self)


def bmm(input, mat2, *, out=None):
    """Batched product of two 3-D tensors ``(b, n, m) @ (b, m, p)`` (no broadcasting)."""
    if _ac[0]:
        return _ac_run('bmm', bmm, input, mat2, out=out)
    _check_batches(input._data, mat2._data, 'bmm')
    _check_scalar_type(input, mat2)
    return _out(Matmul.apply(input, mat2), out)


def mv(input, vec, *, out=None):
    """Matrix-vector product ``(n, m) @ (m,)``."""
    if _ac[0]:
        return _ac_run('mv', mv, input, vec, out=out)
    a, b = input._data, vec._data
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f'vector + matrix @ vector expected, got 1, {a.ndim}, {b.ndim}')
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f'size mismatch, got input ({a.shape[0]}), mat ({_shape_str(a.shape)}), '
                           f'vec ({b.shape[0]})')
    if a.dtype != b.dtype:
        raise RuntimeError(f'addmv input tensors must have the same dtype, but got '
                           f'{_tname(vec.dtype)}, {_tname(input.dtype)}, and {_tname(vec.dtype)}')
    return _out(Mv.apply(input, vec), out)


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of the same size and dtype."""
    if _ac[0]:
        return _ac_run('dot', dot, input, tensor, out=out)
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f'1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors')
    if a.shape[0] != b.shape[0]:
        raise _matmul_error(a, b)
    if a.dtype != b.dtype:
        raise RuntimeError(f'dot : expected both vectors to have same dtype, but found '
                           f'{_tname(input.dtype)} and {_tname(tensor.dtype)}')
    return _out(Dot.apply(input, tensor), out)


def vdot(input, other, *, out=None):
    """``sum(conj(input) * other)`` for 1-D tensors (equal to ``dot`` for real tensors)."""
    if _ac[0]:
        return _ac_run('vdot', vdot, input, other, out=out)
    return dot(cj(input), other, out=out)


class AddMatmul(Primitive):
    """``beta * input + alpha * (a @ b)``: addmm, addmv, baddbmm and (kind='sum') addbmm.

    One output array, computed in place after the product; ``input`` broadcasts to it. With
    ``beta == 0`` the input is ignored (nan/inf in it do not propagate), as in PyTorch.
    """
    _name = 'AddmmBackward0'

    def forward(ctx, xp, inp, a, b, beta, alpha, kind):
        ctx.save_for_backward(a, b)
        ctx.beta, ctx.alpha, ctx.kind = beta, alpha, kind
        if kind == 'sum':
            p = mm2(xp, a.transpose(1, 0, 2).reshape(a.shape[1], -1), b.reshape(-1, b.shape[2]))
        elif a.ndim == 2 and b.ndim == 2:
            p = mm2(xp, a, b)
        else:
            p = xp.matmul(a, b)
        if alpha != 1:
            if p.dtype.kind in 'fcV':
                p *= alpha
            else:
                p = (p * alpha).astype(p.dtype)
        if beta != 0:
            if beta == 1:
                p += inp
            elif p.dtype.kind in 'fcV':
                p += beta * inp
            else:
                p += (beta * inp).astype(p.dtype)
        return p

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a, b = cj(a), cj(b)
        beta, alpha, kind = cj(ctx.beta), cj(ctx.alpha), ctx.kind
        gi = ga = gb = None
        if ctx._next[0] is not None:
            gi = g if beta == 1 else g * beta
        ga_s = g if alpha == 1 else g * alpha
        if ctx._next[1] is not None:
            if kind == 'mv':
                ga = ga_s.unsqueeze(-1) * b
            elif kind == 'sum':
                ga = ga_s.unsqueeze(0).matmul(b.mT)
            else:
                ga = ga_s.matmul(b.mT)
        if ctx._next[2] is not None:
            if kind == 'sum':
                gb = a.mT.matmul(ga_s.unsqueeze(0))
            else:
                gb = a.mT.matmul(ga_s)
        return gi, ga, gb, None, None, None


def _check_input_expand(input, shape):
    s = input._data.shape
    if len(s) > len(shape) or any(x != 1 and x != y for x, y in zip(s[::-1], shape[::-1])):
        input.expand(shape)   # raises PyTorch's expand message
        raise RuntimeError(f'input of shape {list(s)} cannot be broadcast to {list(shape)}')


def _add_dtypes(input, m1, m2):
    if input._data.dtype != m2._data.dtype:
        raise RuntimeError(f'self and mat2 must have the same dtype, but got {_tname(input.dtype)} '
                           f'and {_tname(m2.dtype)}')
    if m1._data.dtype != m2._data.dtype:
        raise RuntimeError(f'mat1 and mat2 must have the same dtype, but got {_tname(m1.dtype)} '
                           f'and {_tname(m2.dtype)}')


def _as_tensor(x, like):
    if isinstance(x, Tensor):
        return x
    return Tensor._coerce(x, like)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)`` with ``input`` broadcast to ``(n, p)``."""
    if _ac[0]:
        return _ac_run('addmm', addmm, input, mat1, mat2, beta=beta, alpha=alpha, out=out)
    input = _as_tensor(input, mat1)
    a, b = mat1._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError(f'mat1 must be a matrix, got {a.ndim}-D tensor')
    if b.ndim != 2:
        raise RuntimeError(f'mat2 must be a matrix, got {b.ndim}-D tensor')
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({_shape_str(a.shape)} and '
                           f'{_shape_str(b.shape)})')
    _add_dtypes(input, mat1, mat2)
    _check_input_expand(input, (a.shape[0], b.shape[1]))
    return _out(AddMatmul.apply(input, mat1, mat2, beta, alpha, 'mm'), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    if _ac[0]:
        return _ac_run('addmv', addmv, input, mat, vec, beta=beta, alpha=alpha, out=out)
    input = _as_tensor(input, mat)
    a, b = mat._data, vec._data
    if a.ndim != 2 or b.ndim != 1 or input._data.ndim > 1:
        raise RuntimeError(f'vector + matrix @ vector expected, got {input._data.ndim}, {a.ndim}, '
                           f'{b.ndim}')
    s = input._data.shape
    if a.shape[1] != b.shape[0] or (s and s[0] not in (1, a.shape[0])):
        raise RuntimeError(f'size mismatch, got input ({s[0] if s else 1}), mat '
                           f'({_shape_str(a.shape)}), vec ({b.shape[0]})')
    if not (input._data.dtype == a.dtype == b.dtype):
        raise RuntimeError(f'addmv input tensors must have the same dtype, but got '
                           f'{_tname(input.dtype)}, {_tname(mat.dtype)}, and {_tname(vec.dtype)}')
    r = AddMatmul.apply(input, mat, vec, beta, alpha, 'mv')
    r.grad_fn is not None and setattr(r.grad_fn, '_name', 'AddmvBackward0')
    return _out(r, out)


def _check_batches(a, b, kind):
    """Shape checks of bmm, baddbmm (``kind='bmm'``) and addbmm (``kind='sum'``), with
    PyTorch's messages."""
    if a.ndim != 3:
        raise RuntimeError('batch1 must be a 3D tensor')
    if b.ndim != 3:
        raise RuntimeError('batch2 must be a 3D tensor')
    if kind == 'sum' and a.shape[0] != b.shape[0]:
        raise RuntimeError(f'batch1 and batch2 must have same number of batches, got {a.shape[0]} '
                           f'and {b.shape[0]}')
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f'Expected size for first two dimensions of batch2 tensor to be: '
                           f'[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].')


def _add_batched(input, batch1, batch2, beta, alpha, out, kind):
    """baddbmm (``kind='bmm'``, a ``(b, n, p)`` result) and addbmm (``kind='sum'``, ``(n, p)``)."""
    input = _as_tensor(input, batch1)
    a, b = batch1._data, batch2._data
    _check_batches(a, b, kind)
    _check_scalar_type(input, batch1)
    _check_scalar_type(input, batch2)
    shape = (a.shape[1], b.shape[2])
    _check_input_expand(input, shape if kind == 'sum' else (a.shape[0],) + shape)
    r = AddMatmul.apply(input, batch1, batch2, beta, alpha, kind)
    r.grad_fn is not None and setattr(r.grad_fn, '_name',
                                      'AddbmmBackward0' if kind == 'sum' else 'BaddbmmBackward0')
    return _out(r, out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)`` with ``input`` broadcast to ``(b, n, p)``."""
    if _ac[0]:
        return _ac_run('baddbmm', baddbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    return _add_batched(input, batch1, batch2, beta, alpha, out, 'bmm')


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]`` (a 2-D result)."""
    if _ac[0]:
        return _ac_run('addbmm', addbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    return _add_batched(input, batch1, batch2, beta, alpha, out, 'sum')


def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors (``input[:, None] * vec2``, dtypes promoted)."""
    if input._data.ndim != 1:
        raise RuntimeError(f'outer: Expected 1-D argument self, but got {input._data.ndim}-D')
    if vec2._data.ndim != 1:
        raise RuntimeError(f'outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D')
    return _out(input.unsqueeze(-1) * vec2, out)


ger = outer


# ----------------------------------------------------------------------------- einsum

_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'


class Einsum(Primitive):
    """``xp.einsum`` on an explicit equation (letters only, no ellipsis, no broadcasting).

    The gradient of operand i is another einsum: the output gradient with the other operands,
    plus a ones vector for each label only operand i has and an identity for each repeated label.
    """

    def forward(ctx, xp, *ops, eq):
        ctx.save_for_backward(*ops)
        ctx.eq = eq
        if len(ops) == 1:
            out = xp.einsum(eq, ops[0])
            if isinstance(out, xp.ndarray) and xp.may_share_memory(out, ops[0]):
                out = out.copy()
            return out
        return xp.einsum(eq, *ops, optimize=len(ops) > 2 or 'greedy')

    def backward(ctx, g):
        ops = ctx.saved_tensors
        lhs, out = ctx.eq.split('->')
        terms = lhs.split(',')
        used = set(ctx.eq)
        fresh = [c for c in _LETTERS if c not in used]
        res = []
        for i, t in enumerate(terms):
            if ctx._next[i] is None:
                res.append(None)
                continue
            sizes = dict(zip(t, ops[i]._data.shape))
            in_terms = [out] + [terms[j] for j in range(len(terms)) if j != i]
            in_ops = [g] + [cj(ops[j]) for j in range(len(terms)) if j != i]
            have = set(''.join(in_terms))
            xp = _xp(g._data)
            dt = g._data.dtype
            for c in dict.fromkeys(t):
                if c not in have:
                    in_terms.append(c)
                    in_ops.append(_wrap(xp.ones(sizes[c], dtype=dt)))
            out_t = ''
            seen = set()
            k = 0
            for c in t:
                if c in seen:
                    f = fresh[k]
                    k += 1
                    in_terms.append(c + f)
                    in_ops.append(_wrap(xp.eye(sizes[c], dtype=dt)))
                    out_t += f
                else:
                    seen.add(c)
                    out_t += c
            res.append(Einsum.apply(*in_ops, eq=','.join(in_terms) + '->' + out_t))
        return tuple(res)


def _parse_einsum(eq, shapes):
    """Rewrite ``eq`` with explicit letters for ellipsis dims and check it against ``shapes``.

    Returns (terms, out, sizes): each term a string of letters, one per dim of its operand.
    """
    for i, c in enumerate(eq):
        if not (c in _LETTERS or c in ' .,->'):
            raise RuntimeError(f'einsum(): invalid subscript given at index {i} in the equation '
                               'string, subscripts must be in [a-zA-Z]')
    e = eq.replace(' ', '')
    lhs, arrow, rhs = e.partition('->')
    terms = lhs.split(',')
    if len(terms) > len(shapes):
        raise RuntimeError('einsum(): fewer operands were provided than specified in the equation')
    if len(terms) < len(shapes):
        raise RuntimeError('einsum(): more operands were provided than specified in the equation')
    used = set(c for c in e if c in _LETTERS)
    spare = [c for c in _LETTERS if c not in used]
    ell = []
    for i, (t, s) in enumerate(zip(terms, shapes)):
        n = len(t.replace('...', ''))
        if '...' in t:
            if n > len(s):
                raise RuntimeError(f'einsum(): the number of subscripts in the equation ({n}) is '
                                   f'more than the number of dimensions ({len(s)}) for operand {i}')
            ell.append(len(s) - n)
        else:
            if '.' in t:
                raise RuntimeError('einsum(): found \'.\' for operand ' + str(i) +
                                   ' that is not part of any ellipsis')
            if n != len(s):
                raise RuntimeError(f'einsum(): the number of subscripts in the equation ({n}) does '
                                   f'not match the number of dimensions ({len(s)}) for operand {i}'
                                   ' and no ellipsis was given')
            ell.append(0)
    E = max(ell) if ell else 0
    ell_letters = ''.join(spare[:E])
    terms = [t.replace('...', ell_letters[E - k:]) for t, k in zip(terms, ell)]
    sizes = {}
    for i, (t, s) in enumerate(zip(terms, shapes)):
        own = {}
        for c, n in zip(t, s):
            if c in own and own[c] != n:
                raise RuntimeError(f'einsum(): subscript {c} is repeated for operand {i} but the '
                                   f'sizes don\'t match, {n} != {own[c]}')
            own[c] = n
        for c, n in own.items():
            p = sizes.get(c)
            if p is None or p == 1:
                sizes[c] = n
            elif n != 1 and n != p:
                raise RuntimeError(f'einsum(): subscript {c} has size {n} for operand {i} which '
                                   f'does not broadcast with previously seen size {p}')
    if arrow:
        out = rhs.replace('...', ell_letters)
        seen = set()
        for c in out:
            if c == '.':
                raise RuntimeError('einsum(): found \'.\' for output but an ellipsis (...) was '
                                   'not found')
            if c in seen:
                raise RuntimeError(f'einsum(): output subscript {c} appears more than once in the '
                                   'output')
            if c not in sizes:
                raise RuntimeError(f'einsum(): output subscript {c} does not appear in the equation'
                                   ' for any input operand')
            seen.add(c)
    else:
        counts = {}
        for t in terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + ''.join(sorted(c for c, k in counts.items()
                                           if k == 1 and c not in ell_letters))
    return terms, out, sizes


def einsum(equation, *operands):
    """Einstein summation: ``einsum('ij,jk->ik', a, b)``; operands as varargs or one list.

    Supports ellipsis (broadcast batch dims), implicit output (labels seen once, sorted),
    repeated labels (diagonals) and size-1 broadcasting, with PyTorch's error messages.
    """
    if _ac[0]:
        return _ac_run('einsum', einsum, equation, *operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError('einsum(): the sublist format is not supported; pass an equation string')
    shapes = [o._data.shape for o in operands]
    terms, out, sizes = _parse_einsum(equation, shapes)
    if operands:
        d0 = operands[0]
        for o in operands[1:]:
            _check_scalar_type(d0, o)
    ops = []
    for t, o in zip(terms, operands):
        want = tuple(sizes[c] for c in t)
        if want != o._data.shape:
            o = o.expand(want)
        ops.append(o)
    return Einsum.apply(*ops, eq=','.join(terms) + '->' + out)


def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` dims of ``a`` with ``dims`` dims of ``b``: an int (the last dims of
    ``a`` with the first of ``b``) or a pair of lists of dims."""
    if _ac[0]:
        return _ac_run('tensordot', tensordot, a, b, dims, out)
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f'tensordot expects dims >= 0, but got dims={dims}')
        if dims > na or dims > nb:
            raise RuntimeError(f'tensordot expects dims < ndim_a or ndim_b, but got dims={dims}')
        da, db = list(range(-dims, 0)), list(range(dims))
        pa = list(range(na - dims, na))
    else:
        da, db = dims
        da = [da] if isinstance(da, numbers.Integral) else list(da)
        db = [db] if isinstance(db, numbers.Integral) else list(db)
        if len(da) != len(db):
            raise RuntimeError('both dimension lists should have same length')
        pa = [wrap_dim(int(d), na) for d in da]
    pb = [wrap_dim(int(d), nb) for d in db]
    for x, y, dx, dy in zip(pa, pb, da, db):
        if a._data.shape[x] != b._data.shape[y]:
            raise RuntimeError(f'contracted dimensions need to match, but first has size '
                               f'{a._data.shape[x]} in dim {dx} and second has size '
                               f'{b._data.shape[y]} in dim {dy}')
    if a._data.dtype != b._data.dtype:
        raise RuntimeError('both inputs should have same dtype')
    la = _LETTERS[:na]
    lb = list(_LETTERS[na:na + nb])
    for x, y in zip(pa, pb):
        lb[y] = la[x]
    lb = ''.join(lb)
    o = ''.join(c for i, c in enumerate(la) if i not in pa) + \
        ''.join(c for i, c in enumerate(lb) if i not in pb)
    return _out(Einsum.apply(a, b, eq=f'{la},{lb}->{o}'), out)


def inner(input, other, *, out=None):
    """Sum of products over the last dim of both tensors (a scalar operand multiplies)."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return _out(input * other, out)
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(f'inner() the last dimension must match on both input tensors but got '
                           f'shapes {list(sa)} and {list(sb)}')
    return tensordot(input, other, ([-1], [-1]), out=out)


def kron(input, other, *, out=None):
    """Kronecker product: blocks ``input[i...] * other`` (dtypes promoted)."""
    a, b = input._data, other._data
    n = max(a.ndim, b.ndim)
    sa = (1,) * (n - a.ndim) + a.shape
    sb = (1,) * (n - b.ndim) + b.shape
    x = input.reshape(tuple(v for s in sa for v in (s, 1)))
    y = other.reshape(tuple(v for s in sb for v in (1, s)))
    return _out((x * y).reshape(tuple(p * q for p, q in zip(sa, sb))), out)


# ----------------------------------------------------------------------------- cross, trace


class Cross(Primitive):
    _name = 'LinalgCrossBackward0'

    def forward(ctx, xp, a, b, dim):
        ctx.save_for_backward(a, b)
        ctx.dim = dim
        return xp.cross(a, b, axis=dim)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        d = ctx.dim
        ga = Cross.apply(cj(b), g, d) if ctx._next[0] is not None else None
        gb = Cross.apply(g, cj(a), d) if ctx._next[1] is not None else None
        return ga, gb, None


def _linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (batch dims broadcast)."""
    sa, sb = input._data.shape, other._data.shape
    if len(sa) != len(sb):
        raise RuntimeError(f'linalg.cross: inputs must have the same number of dimensions.')
    _check_scalar_type(input, other)
    n = len(sa)
    d = wrap_dim(dim, n)
    if sa[d] != 3 or sb[d] != 3:
        raise RuntimeError(f'linalg.cross: inputs dimension {dim} must have length 3. Got '
                           f'{sa[d]} and {sb[d]}')
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise _bcast_error(sa, sb) from None
    return _out(Cross.apply(input, other, d), out)


def cross(input, other, dim=None, *, out=None):
    """``torch.cross``: like ``linalg.cross``, but ``dim=None`` picks the first dim of size 3
    (with PyTorch's deprecation warning)."""
    if _ac[0]:
        return _ac_run('cross', cross, input, other, dim, out=out)
    if dim is None:
        try:
            shape = np.broadcast_shapes(input._data.shape, other._data.shape)
        except ValueError:
            raise _bcast_error(input._data.shape, other._data.shape) from None
        dims = [i for i, s in enumerate(shape) if s == 3]
        if not dims:
            raise RuntimeError('no dimension of size 3 in input')
        warnings.warn('Using torch.cross without specifying the dim arg is deprecated.\nPlease '
                      'either pass the dim explicitly or simply use torch.linalg.cross.\nThe '
                      'default value of dim will change to agree with that of linalg.cross in a '
                      'future release.', UserWarning, stacklevel=2)
        dim = dims[0]
    return _linalg_cross(input, other, dim=dim, out=out)


class Trace(Primitive):
    def forward(ctx, xp, x):
        ctx.shape = x.shape
        r = xp.trace(x)
        if x.dtype.kind in 'iu':
            r = xp.asarray(r, dtype=np.int64)
        return r

    def backward(ctx, g):
        n, m = ctx.shape
        return g * _eye(n, m, g)


def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integer inputs give int64)."""
    if _ac[0]:
        return _ac_run('trace', trace, input)
    if input._data.ndim != 2:
        raise RuntimeError(f'trace: expected a matrix, but got tensor with dim {input._data.ndim}')
    _check_bool(input, 'trace')
    return Trace.apply(input)


# ----------------------------------------------------------------------------- norms


def _ord_str(o):
    if isinstance(o, float) and o.is_integer():
        return str(int(o))
    return str(o)


class VectorNorm(Primitive):
    _name = 'LinalgVectorNormBackward0'

    def forward(ctx, xp, x, ord, dims, keepdim):
        ctx.ord, ctx.dims, ctx.keepdim = ord, dims, keepdim
        rdt = x.real.dtype if x.dtype.kind == 'c' else x.dtype
        if ord == 2:
            y = x * x if x.dtype.kind != 'c' else (x * x.conj()).real
            r = xp.sqrt(xp.sum(y, axis=dims, keepdims=keepdim))
        else:
            a = xp.abs(x)
            if ord == _inf:
                r = xp.max(a, axis=dims, keepdims=keepdim)
            elif ord == -_inf:
                r = xp.min(a, axis=dims, keepdims=keepdim)
            elif ord == 0:
                r = xp.sum(a != 0, axis=dims, keepdims=keepdim)
            elif ord == 1:
                r = xp.sum(a, axis=dims, keepdims=keepdim)
            elif xp is np:
                with np.errstate(divide='ignore'):
                    r = np.sum(a ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)
            else:
                r = xp.sum(a ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)
        r = xp.asarray(r, dtype=rdt)
        ctx.save_for_backward(x, r)
        return r

    def backward(ctx, g):
        x, r = ctx.saved_tensors
        p, dims, keepdim = ctx.ord, ctx.dims, ctx.keepdim
        if p == 0:
            return None, None, None, None
        xd = x._data
        xp = _xp(xd)
        if not keepdim and xd.ndim:
            kshape = tuple(1 if i in dims else s for i, s in enumerate(xd.shape))
            g = g.reshape(kshape)
            r = r.reshape(kshape)
        ra = r._data
        if p == 1:
            return x.sgn() * g, None, None, None
        if abs(p) == _inf:
            mask = (xp.abs(xd) == ra) | xp.isnan(xd)
            cnt = xp.sum(mask, axis=dims, keepdims=True).astype(xd.dtype)
            return x.sgn() * ((g / _wrap(cnt)) * _wrap(mask.astype(xd.dtype))), None, None, None
        rz = _wrap((ra == 0).astype(ra.dtype))
        if p == 2:
            return x * (g / (r + rz)), None, None, None
        ax = x.abs()
        if p < 1:
            xz = _wrap((xd == 0).astype(xd.dtype))
            scaled = x.sgn() * ((ax + xz) ** (p - 1) * (1 - xz))
            return scaled * g * r ** (1 - p), None, None, None
        if p < 2:
            return x.sgn() * ax ** (p - 1) * (g / (r + rz) ** (p - 1)), None, None, None
        return x * ax ** (p - 2) * (g / (r + rz) ** (p - 1)), None, None, None


def _norm_dtype(x, dtype, fname):
    _check_float(x, fname)
    if dtype is not None and x._data.dtype != dtype.np:
        src = x.dtype
        if dtype._cat < src._cat or dtype.itemsize < src.itemsize:
            raise RuntimeError(f'{fname}: the dtype of the input ({_tname(src)}) should be '
                               f'convertible without narrowing to the specified dtype '
                               f'({_tname(dtype)})')
        x = x.to(dtype)
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """``sum(|x|**ord) ** (1/ord)`` over ``dim`` (all dims when None); ``ord`` may be inf
    (max |x|), -inf (min |x|) or 0 (count of non-zeros). Gradients follow PyTorch
    (0 at a zero norm, ties of the inf norm share the gradient)."""
    if _ac[0]:
        return _ac_run('vector_norm', vector_norm, x, ord, dim, keepdim, dtype=dtype, out=out)
    if not isinstance(ord, numbers.Number) or isinstance(ord, bool):
        raise TypeError(f'linalg_vector_norm(): argument \'ord\' must be Number, not '
                        f'{type(ord).__name__}')
    x = _norm_dtype(x, dtype, 'linalg.vector_norm')
    d = x._data
    if isinstance(dim, numbers.Integral):
        dim = (dim,)
    dims = dims_arg(dim, d.ndim) if d.ndim else ()
    if dim is not None and len(dim) == 0 and d.ndim:
        dims = tuple(range(d.ndim))
    if (ord < 0 or ord == _inf) and d.size == 0:
        if any(d.shape[i] == 0 for i in dims) or not dims:
            raise RuntimeError(f'linalg.vector_norm cannot compute the {_ord_str(ord)} norm on an '
                               'empty tensor because the operation does not have an identity')
    ord = float(ord)
    return _out(VectorNorm.apply(x, ord, dims, keepdim), out)


def _move_last(A, d0, d1):
    n = A._data.ndim
    rest = [i for i in range(n) if i not in (d0, d1)]
    return A.permute(rest + [d0, d1])


def matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc' (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (max / min column abs-sum),
    inf / -inf (max / min row abs-sum)."""
    if _ac[0]:
        return _ac_run('matrix_norm', matrix_norm, A, ord, dim, keepdim, dtype=dtype, out=out)
    _check_matrix(A, 'linalg.matrix_norm')
    A = _norm_dtype(A, dtype, 'linalg.matrix_norm')
    n = A._data.ndim
    d0, d1 = wrap_dim(dim[0], n), wrap_dim(dim[1], n)
    if d0 == d1:
        raise RuntimeError(f'linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})')
    if isinstance(ord, str):
        if ord == 'fro':
            return vector_norm(A, 2, (d0, d1), keepdim, out=out)
        if ord != 'nuc':
            raise RuntimeError(f'linalg.matrix_norm: Order {ord} not supported.')
    elif ord not in (1, -1, 2, -2, _inf, -_inf):
        raise RuntimeError(f'linalg.matrix_norm: Order {_ord_str(ord)} not supported.')
    if ord == 'nuc' or abs(ord) == 2:
        S = svdvals(_move_last(A, d0, d1))
        r = S.sum(-1) if ord == 'nuc' else S.amax(-1) if ord == 2 else S.amin(-1)
        if keepdim:
            for k in sorted((d0, d1)):
                r = r.unsqueeze(k)
        return _out(r, out)
    if abs(ord) == _inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    s = vector_norm(A, 1.0, (d0,), keepdim)
    r = s.amax(d1, keepdim) if ord > 0 else s.amin(d1, keepdim)
    return _out(r, out)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """``torch.linalg.norm``: a vector norm (1 dim, or all dims when ``ord`` is None) or a
    matrix norm (2 dims, or a 2-D input with ``ord`` given)."""
    if dim is not None:
        if isinstance(dim, numbers.Integral):
            dim = (dim,)
        dim = tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f'linalg.norm: If dim is specified, it must be of length 1 or 2. '
                               f'Got {list(dim)}')
    elif ord is not None and A._data.ndim not in (1, 2):
        raise RuntimeError(f'linalg.norm: If dim is not specified but ord is, the input must be '
                           f'1D or 2D. Got {A._data.ndim}D.')
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if isinstance(ord, str) or (dim is not None and len(dim) == 2) or \
            (dim is None and A._data.ndim == 2):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype,
                           out=out)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def norm(input, p='fro', dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm`` (legacy): 'fro' and numbers are vector norms over ``dim`` (all dims when
    None), 'nuc' the nuclear norm of the matrices in the last two dims (or ``dim``)."""
    if _ac[0]:
        return _ac_run('norm', norm, input, p, dim, keepdim, out, dtype)
    if isinstance(dim, numbers.Integral):
        dim = (dim,)
    if isinstance(p, str):
        if p == 'fro' and (dim is None or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        if p == 'nuc':
            return matrix_norm(input, 'nuc', dim if dim is not None else (-2, -1), keepdim,
                               dtype=dtype, out=out)
        raise RuntimeError(f'norm: Order {p} not supported.')
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype, out=out)


def vecdot(x, y, *, dim=-1, out=None):
    """Dot product of vectors along ``dim`` (``sum(conj(x) * y, dim)``), batch dims broadcast."""
    if _ac[0]:
        return _ac_run('linalg_vecdot', vecdot, x, y, dim=dim, out=out)
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f'linalg.vecdot: Expected x and y to have the same dtype, but found x '
                           f'of type {_tname(x.dtype)} and y of type {_tname(y.dtype)} instead')
    return _out((x * y).sum(dim), out)


# ----------------------------------------------------------------------------- det, inv, solve


class Inv(Primitive):
    _name = 'LinalgInvExBackward0'

    def forward(ctx, xp, A):
        try:
            r = _la(xp).inv(A)
        except np.linalg.LinAlgError:
            raise _singular_error(A, 'linalg.inv', 'The diagonal element {piv} is zero, the '
                                  'inversion could not be completed because the input matrix is '
                                  'singular.') from None
        ctx.save_for_backward(r)
        return r

    def backward(ctx, g):
        r, = ctx.saved_tensors
        rt = cj(r).mT
        return -rt.matmul(g).matmul(rt)


def inv(A, *, out=None):
    """Inverse of a (batch of) square matrices; raises ``LinAlgError`` for singular ones."""
    if _ac[0]:
        return _ac_run('linalg_inv', inv, A, out=out)
    _check_square(A, 'linalg.inv')
    _check_float(A, 'linalg.inv')
    return _out(Inv.apply(A), out)


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: ``info`` is 0, or the 1-based index of a zero pivot for singular
    matrices (whose inverse is then not meaningful)."""
    _check_square(A, 'linalg.inv_ex')
    _check_float(A, 'linalg.inv_ex')
    from .. import return_types
    d = A._data
    xp = _xp(d)
    info = _first_zero_pivot(_to_np(d)) if d.size else np.zeros(d.shape[:-2], np.int64)
    info_t = _wrap(xp.asarray(info.astype(np.int32)))
    if not info.any():
        return return_types.linalg_inv_ex(Inv.apply(A), info_t)
    if check_errors:
        Inv.apply(A)
    return return_types.linalg_inv_ex(_wrap(xp.full(d.shape, xp.nan, d.dtype)), info_t)


class Det(Primitive):
    _name = 'LinalgDetBackward0'

    def forward(ctx, xp, A):
        d = _la(xp).det(A)
        d = xp.asarray(d, dtype=A.dtype)
        ctx.save_for_backward(A, d)
        return d

    def backward(ctx, g):
        A, d = ctx.saved_tensors
        ad, dd = A._data, d._data
        xp = _xp(ad)
        if ad.shape[-1] == 0:
            return None
        eps = np.finfo(ad.dtype).eps
        if not bool(xp.any(xp.abs(dd) < 100 * eps)):
            return (g * cj(d)).unsqueeze(-1).unsqueeze(-1) * cj(inv(A)).mT
        # singular somewhere: the cofactor matrix from the SVD (no double backward through A)
        U, S, Vh = _la(xp).svd(ad)
        sgn = _la(xp).det(U) * _la(xp).det(Vh)
        if ad.dtype.kind == 'c':    # g times the conjugated cofactor matrix
            sgn = sgn.conj()
        n = S.shape[-1]
        ones = xp.ones(S.shape[:-1] + (1,), S.dtype)
        left = xp.cumprod(xp.concatenate([ones, S[..., :-1]], -1), -1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(S, -1)[..., :-1]], -1), -1), -1)
        D = (left * right) * sgn[..., None]
        C = xp.matmul(U * D[..., None, :], Vh).astype(ad.dtype)
        return g.unsqueeze(-1).unsqueeze(-1) * _wrap(C)


def det(A, *, out=None):
    """Determinant of a (batch of) square matrices."""
    _check_square(A, 'linalg.det')
    _check_float(A, 'linalg.det')
    return _out(Det.apply(A), out)


class Slogdet(Primitive):
    _name = 'LinalgSlogdetBackward0'

    def forward(ctx, xp, A):
        s, l = _la(xp).slogdet(A)
        s = xp.asarray(s, dtype=A.dtype)
        if A.dtype.kind == 'c':     # the sign of a complex determinant is differentiable
            l = xp.asarray(l, dtype=A.real.dtype)
            ctx.save_for_backward(A, s)
        else:
            l = xp.asarray(l, dtype=A.dtype)
            ctx.save_for_backward(A)
            ctx.mark_non_differentiable(s)
        return s, l

    def backward(ctx, gs, gl):
        A, *s = ctx.saved_tensors
        if s:   # PyTorch's slogdet_backward: (gl + 1j * imag(gs * conj(sign))) * A^-H
            gl = gl + (gs * s[0].conj()).imag * 1j
        return gl.unsqueeze(-1).unsqueeze(-1) * cj(inv(A)).mT


def linalg_slogdet(A, *, out=None):
    """``(sign, logabsdet)`` of the determinant; differentiable through ``logabsdet``."""
    _check_square(A, 'linalg.slogdet')
    _check_float(A, 'linalg.slogdet')
    from .. import return_types
    return return_types.linalg_slogdet(Slogdet.apply(A))


def _torch_slogdet(input):
    from .. import return_types
    return return_types.slogdet(tuple(linalg_slogdet(input)))


def logdet(input):
    """``log(det(input))``: nan for a negative determinant, -inf for a singular matrix."""
    s, l = linalg_slogdet(input)
    return l + s.log()


class Solve(Primitive):
    _name = 'LinalgSolveExBackward0'

    def forward(ctx, xp, A, B):
        try:
            X = _la(xp).solve(A, B)
        except np.linalg.LinAlgError:
            shape = np.broadcast_shapes(A.shape[:-2], B.shape[:-2]) + A.shape[-2:]
            raise _singular_error(xp.broadcast_to(A, shape), 'torch.linalg.solve',
                                  'The solver failed because the input matrix is singular.') \
                from None
        ctx.save_for_backward(A, X)
        return X

    def backward(ctx, g):
        A, X = ctx.saved_tensors
        gB = Solve.apply(cj(A).mT, g)
        gA = -gB.matmul(cj(X).mT) if ctx._next[0] is not None else None
        return gA, (gB if ctx._next[1] is not None else None)


def solve(A, B, *, left=True, out=None):
    """Solution ``X`` of ``A X = B`` (``X A = B`` when ``left=False``); ``B`` is a batch of
    vectors when it is 1-D or has ``A``'s batch shape, else of matrices. Batch dims broadcast.
    Raises ``LinAlgError`` for singular ``A``."""
    _check_float(A, 'linalg.solve')
    _check_square(A, 'linalg.solve')
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f'linalg.solve: Expected A and B to have the same dtype, but found A of '
                           f'type {_tname(A.dtype)} and B of type {_tname(B.dtype)} instead')
    a, b = A._data, B._data
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if vector:
        B2 = B.unsqueeze(-1)
    elif left:
        B2 = B
    else:
        B2 = B.mT
    if not left:
        A = A.mT
    bs = B2._data.shape
    if bs[-2] != a.shape[-1]:
        shown = bs if left or vector else bs[:-2] + (bs[-1], bs[-2])
        raise RuntimeError(f'linalg.solve: Incompatible shapes of A and B for the equation '
                           f'{"AX" if left else "XA"} = B ({_shape_str(a.shape[-2:])} and '
                           f'{_shape_str(shown[-2:])})')
    try:
        np.broadcast_shapes(bs[:-2], a.shape[:-2])
    except ValueError:
        raise _bcast_error(bs[:-2], a.shape[:-2]) from None
    X = Solve.apply(A, B2)
    X = X.squeeze(-1) if vector else X if left else X.mT
    return _out(X, out)


# ----------------------------------------------------------------------------- decompositions


class Cholesky(Primitive):
    _name = 'LinalgCholeskyExBackward0'

    def forward(ctx, xp, A, upper):
        try:
            L = _la(xp).cholesky(A.swapaxes(-1, -2) if upper else A)
        except np.linalg.LinAlgError:
            raise _not_pd(A if not upper else A.swapaxes(-1, -2)) from None
        r = L.swapaxes(-1, -2) if upper else L
        ctx.upper = upper
        ctx.save_for_backward(r)
        return r

    def backward(ctx, g):
        # PyTorch's cholesky_backward: gA = L^-H Phi(tril(L^H gL)) L^-1,
        # Phi(X) = (X + X^H - diag X) / 2
        r, = ctx.saved_tensors
        L, g = (r.mH, g.mH) if ctx.upper else (r, g)
        gA = _tril(L.mH.matmul(g))
        gA = 0.5 * (gA + _tril(gA, -1).mH)
        gA = _trs(L.mH, gA, True)
        return _trs(L, gA, False, left=False), None


def _not_pd(A):
    a = _to_np(A)
    shp = a.shape
    flat = a.reshape((-1,) + shp[-2:])
    for b in range(flat.shape[0]):   # error path only
        for k in range(1, shp[-1] + 1):
            try:
                np.linalg.cholesky(flat[b, :k, :k])
            except np.linalg.LinAlgError:
                batch = f'(Batch element {b}): ' if len(shp) > 2 else ''
                return LinAlgError(f'linalg.cholesky: {batch}The factorization could not be '
                                   'completed because the input is not positive-definite (the '
                                   f'leading minor of order {k} is not positive-definite).')
    return LinAlgError('linalg.cholesky: The factorization could not be completed because the '
                       'input is not positive-definite.')


def linalg_cholesky(A, *, upper=False, out=None):
    """Cholesky factor ``L`` (lower, ``A = L L^T``) or ``U`` (``upper=True``, ``A = U^T U``) of
    symmetric positive-definite matrices; raises ``LinAlgError`` otherwise."""
    _check_square(A, 'linalg.cholesky')
    _check_float(A, 'linalg.cholesky')
    return _out(Cholesky.apply(A, bool(upper)), out)


def _torch_cholesky(input, upper=False, *, out=None):
    return linalg_cholesky(input, upper=upper, out=out)


class Svd(Primitive):
    _name = 'LinalgSvdBackward0'

    def forward(ctx, xp, A, full_matrices):
        U, S, Vh = _la(xp).svd(A, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S._data.shape[-1]
        m, n = U._data.shape[-2], Vh._data.shape[-1]
        if ctx.full:
            if U._data.shape[-1] != k:
                U, gU = U[..., :k], gU[..., :k]
            if Vh._data.shape[-2] != k:
                Vh, gVh = Vh[..., :k, :], gVh[..., :k, :]
        hu, hv = _nonzero(gU), _nonzero(gVh)
        if not hu and not hv:
            return (U.matmul(gS.unsqueeze(-1) * Vh) if m >= n
                    else (U * gS.unsqueeze(-2)).matmul(Vh)), None
        # PyTorch's svd_backward (conjugate Wirtinger convention for complex A)
        cplx = U._data.dtype.kind == 'c'
        S2 = S * S
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye(k, k, S)
        if hu:
            UhgU = U.mH.matmul(gU)
            UhgU = UhgU - UhgU.mH
        if hv:
            VhgV = Vh.matmul(gVh.mH)
            VhgV = VhgV - VhgV.mH
        if cplx:
            _check_gauge(UhgU if hu else None, VhgV if hv else None, 'svd_backward: The singular '
                         'vectors in the complex case are specified up to multiplication by '
                         'e^{i phi}. The specified loss function depends on this phase term, '
                         'making it ill-defined.')
        if hu and hv:
            ret = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
        elif hu:
            ret = (UhgU / E) * S.unsqueeze(-2)
        else:
            ret = S.unsqueeze(-1) * (VhgV / E)
        ret = ret + _diag_embed(gS)
        if cplx and hu and hv:
            ret = ret + _diag_embed(UhgU.diagonal(0, -2, -1) / (2 * S))
        if m > n and hu:
            gA = U.matmul(ret)
            gUSinv = gU / S.unsqueeze(-2)
            gA = gA + gUSinv - U.matmul(U.mH.matmul(gUSinv))
            gA = gA.matmul(Vh)
        elif m < n and hv:
            gA = ret.matmul(Vh)
            SinvgVh = gVh / S.unsqueeze(-1)
            gA = gA + SinvgVh - SinvgVh.matmul(Vh.mH).matmul(Vh)
            gA = U.matmul(gA)
        else:
            gA = U.matmul(ret.matmul(Vh)) if m >= n else U.matmul(ret).matmul(Vh)
        return gA, None


def _check_gauge(X, Y, msg):
    """PyTorch's check that a loss does not depend on the phase of complex singular/eigen
    vectors: ``Im(diag X) == -Im(diag Y)`` (None counts as zero), loosely (rtol=atol=1e-2)."""
    xp = _xp((X if X is not None else Y)._data)
    a = xp.diagonal(X._data, 0, -2, -1).imag if X is not None else 0
    b = -xp.diagonal(Y._data, 0, -2, -1).imag if Y is not None else 0
    if not bool(xp.all(xp.abs(a - b) <= 1e-2 + 1e-2 * xp.abs(b))):
        raise RuntimeError(msg)


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """``A = U diag(S) Vh``; ``full_matrices=False`` gives the reduced factors. Gradients use
    PyTorch's formula (well defined for distinct singular values and gauge-invariant losses)."""
    _check_matrix(A, 'linalg.svd')
    _check_float(A, 'linalg.svd')
    from .. import return_types
    return return_types.linalg_svd(Svd.apply(A, bool(full_matrices)))


def svdvals(A, *, driver=None, out=None):
    """Singular values of a (batch of) matrices, in descending order."""
    _check_matrix(A, 'linalg.svd')
    _check_float(A, 'linalg.svd')
    from ..autograd.grad_mode import _state
    if A._rg and _state[0]:
        return _out(Svd.apply(A, False)[1], out)
    d = A._data
    return _out(_wrap(_xp(d).linalg.svd(d, compute_uv=False)), out)


def _torch_svd(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd`` (legacy): ``(U, S, V)`` with ``V`` (not ``Vh``); ``some=True`` gives the
    reduced factors; ``compute_uv=False`` returns zero-filled ``U`` and ``V``."""
    from .. import return_types
    if not compute_uv:
        S = svdvals(input)
        d = input._data
        xp = _xp(d)
        m, n = d.shape[-2:]
        U = _wrap(xp.zeros(d.shape[:-2] + (m, m), d.dtype))
        V = _wrap(xp.zeros(d.shape[:-2] + (n, n), d.dtype))
        return return_types.svd(U, S, V)
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return return_types.svd(U, S, Vh.mT)


def _check_qr_mode(mode):
    if mode not in ('reduced', 'complete', 'r'):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")


class Qr(Primitive):
    _name = 'LinalgQrBackward0'

    def forward(ctx, xp, A, mode):
        ctx.mode = mode
        if mode == 'r':
            R = _la(xp).qr(A, mode='r')
            Q = xp.empty((0,), A.dtype)
        else:
            Q, R = _la(xp).qr(A, mode=mode)
        ctx.save_for_backward(Q, R)
        return Q, R

    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        if ctx.mode == 'r':
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                               "going to differentiate through linalg.qr.")
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if ctx.mode == 'complete' and m > n:
            raise RuntimeError('The QR decomposition is not differentiable when mode=\'complete\' '
                               'and nrows > ncols.')
        hq, hr = _nonzero(gQ), _nonzero(gR)
        if not hq and not hr:
            return None, None
        # PyTorch's linalg_qr_backward
        if hq:
            gA = gR.matmul(R.mH) - Q.mH.matmul(gQ) if hr else -Q.mH.matmul(gQ)
        else:
            gA = gR.matmul(R.mH)
        cplx = Q._data.dtype.kind == 'c'
        if m >= n:
            gA = _triu(gA)
            gA = gA + gA.mH    # syminvadj: X + X^H with the real part of the diagonal halved
            d = gA.diagonal(0, -2, -1)
            gA = gA - _diag_embed((d.real if cplx else d) * 0.5)
            gA = Q.matmul(gA)
            if hq:
                gA = gA + gQ
            return _trs(R.mH, gA, False, left=False), None
        Y = -gA
        Y = _tril(Y - Y.mH)    # trilImInvAdjSkew: the imaginary part of the diagonal halved
        if cplx:
            Y = Y - _diag_embed(Y.diagonal(0, -2, -1).imag * 0.5j)
        gA = _trs(R[..., :m].mH, Q.matmul(Y), False, left=False)
        gA = gA.matmul(_eye(m, n, gA))
        if hr:
            gA = gA + Q.matmul(gR)
        return gA, None


def linalg_qr(A, mode='reduced', *, out=None):
    """QR factorisation ``A = Q R``: mode 'reduced' (default), 'complete' or 'r' (R only, Q
    empty)."""
    _check_qr_mode(mode)
    _check_matrix(A, 'linalg.qr')
    _check_float(A, 'linalg.qr')
    from .. import return_types
    return return_types.linalg_qr(Qr.apply(A, mode))


def _torch_qr(input, some=True, *, out=None):
    from .. import return_types
    return return_types.qr(tuple(linalg_qr(input, 'reduced' if some else 'complete')))


class Eigh(Primitive):
    _name = 'LinalgEighBackward0'

    def forward(ctx, xp, A, UPLO):
        w, V = _la(xp).eigh(A, UPLO=UPLO)
        ctx.save_for_backward(w, V)
        return w, V

    def backward(ctx, gL, gV):
        # PyTorch's linalg_eig_backward (is_hermitian=True)
        L, V = ctx.saved_tensors
        if not _nonzero(gV):
            return (V * gL.unsqueeze(-2)).matmul(V.mH), None
        n = L._data.shape[-1]
        VhgV = V.mH.matmul(gV)
        if VhgV._data.dtype.kind == 'c':
            _check_gauge(VhgV, None, 'linalg_eigh_backward: The eigenvectors in the complex case '
                         'are specified up to multiplication by e^{i phi}. The specified loss '
                         'function depends on this quantity, so it is ill-defined.')
        VhgV = 0.5 * (VhgV - VhgV.mH)
        I = _eye(n, n, L)
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + I
        ret = VhgV / E * (1 - I) + _diag_embed(gL)   # the diagonal is gL
        return V.matmul(ret.matmul(V.mH)), None


def _check_uplo(UPLO):
    if UPLO not in ('L', 'U'):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO='L', *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices, reading the
    lower (``UPLO='L'``) or upper triangle."""
    _check_square(A, 'linalg.eigh')
    _check_uplo(UPLO)
    if A._data.dtype.kind not in 'fcV':
        raise NotImplementedError(f'"linalg_eigh_cpu" not implemented for \'{_tname(A.dtype)}\'')
    from .. import return_types
    return return_types.linalg_eigh(Eigh.apply(A, UPLO))


def eigvalsh(A, UPLO='L', *, out=None):
    """Eigenvalues (ascending) of symmetric matrices."""
    _check_square(A, 'linalg.eigvalsh')
    _check_uplo(UPLO)
    if A._data.dtype.kind not in 'fcV':
        raise NotImplementedError(f'"linalg_eigh_cpu" not implemented for \'{_tname(A.dtype)}\'')
    from ..autograd.grad_mode import _state
    if A._rg and _state[0]:
        return _out(Eigh.apply(A, UPLO)[0], out)
    d = A._data
    return _out(_wrap(_xp(d).linalg.eigvalsh(d, UPLO=UPLO)), out)


def _tolerances(A, atol, rtol):
    if isinstance(atol, Tensor):
        atol = atol.item()
    if isinstance(rtol, Tensor):
        rtol = rtol.item()
    d = A._data
    if rtol is None:
        rtol = (np.finfo(d.dtype).eps * max(d.shape[-2:])
                if atol is None or atol <= 0 else 0.0)
    return (0.0 if atol is None else float(atol)), float(rtol)


class Pinv(Primitive):
    _name = 'LinalgPinvBackward0'

    def forward(ctx, xp, A, atol, rtol, hermitian):
        if hermitian:
            w, V = _la(xp).eigh(A)
            aw = xp.abs(w)
            tol = xp.maximum(atol, rtol * aw.max(-1, keepdims=True)) if w.shape[-1] else atol
            winv = xp.where(aw > tol, 1 / xp.where(aw > tol, w, 1), 0).astype(A.dtype)
            r = xp.matmul(V * winv[..., None, :], V.swapaxes(-1, -2).conj())
        else:
            U, S, Vh = _la(xp).svd(A, full_matrices=False)
            tol = xp.maximum(atol, rtol * S[..., :1]) if S.shape[-1] else atol
            sinv = xp.where(S > tol, 1 / xp.where(S > tol, S, 1), 0).astype(A.dtype)
            r = xp.matmul(Vh.swapaxes(-1, -2).conj() * sinv[..., None, :],
                          U.swapaxes(-1, -2).conj())
        r = r.astype(A.dtype, copy=False)
        ctx.save_for_backward(A, r)
        return r

    def backward(ctx, g):
        A, P = ctx.saved_tensors
        m, n = A._data.shape[-2:]
        Ph, gh = P.mH, g.mH
        if m <= n:
            K = gh.matmul(P)
            KPh = K.matmul(Ph)
            gA = (-(P.matmul(K)).mH + KPh - A.matmul(P).matmul(KPh)
                  + Ph.matmul(P).matmul(gh - K.matmul(A)))
        else:
            K = P.matmul(gh)
            PhK = Ph.matmul(K)
            gA = (-(K.matmul(P)).mH + (gh - A.matmul(K)).matmul(P).matmul(Ph)
                  + PhK - PhK.matmul(P).matmul(A))
        return gA, None, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse from the SVD (eigh when ``hermitian``); singular values
    below ``max(atol, rtol * s_max)`` count as zero (PyTorch's default rtol is
    ``eps * max(m, n)``)."""
    if A._data.ndim < 2 or A._data.dtype.kind not in 'fcV':
        raise RuntimeError(f'linalg.pinv({_tname(A.dtype)}{{{list(A._data.shape)}}}): expected a '
                           'tensor with 2 or more dimensions of float, double, cfloat or cdouble '
                           'types')
    atol, rtol = _tolerances(A, atol, rtol)
    return _out(Pinv.apply(A, atol, rtol, bool(hermitian)), out)


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: ``linalg.pinv(input, rtol=rcond)``."""
    if _ac[0]:
        return _ac_run('pinverse', pinverse, input, rcond)
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Number of singular values (|eigenvalues| when ``hermitian``) above
    ``max(atol, rtol * s_max)``, as int64."""
    if A._data.dtype.kind not in 'fcV':
        raise RuntimeError("This function doesn't handle types other than float and double")
    _check_matrix(A, 'linalg.matrix_rank')
    atol, rtol = _tolerances(A, atol, rtol)
    d = A._data
    xp = _xp(d)
    S = xp.abs(_la(xp).eigvalsh(d)) if hermitian else _la(xp).svd(d, compute_uv=False)
    if S.shape[-1] == 0:
        return _out(_wrap(xp.zeros(S.shape[:-1], np.int64)), out)
    tol = xp.maximum(atol, rtol * S.max(-1, keepdims=True))
    return _out(_wrap(xp.sum(S > tol, -1).astype(np.int64)), out)


def matrix_power(A, n, *, out=None):
    """``A`` multiplied by itself ``n`` times (identity for 0, powers of the inverse for n < 0)."""
    _check_square(A, 'linalg.matrix_power')
    if n == 0:
        k = A._data.shape[-1]
        I = _eye(k, k, A)
        return _out(I.expand(A._data.shape).clone() if A._data.ndim > 2 else I, out)
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else result.matmul(base)
        n >>= 1
        if n:
            base = base.matmul(base)
    return _out(result, out)


def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices; the first / last may be 1-D (row / column vector)."""
    if _ac[0]:
        return _ac_run('linalg_multi_dot', multi_dot, tensors, out=out)
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f'multi_dot(): expected at least 2 tensors but got {len(tensors)}')
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        if (0 < i < len(tensors) - 1 and nd != 2) or nd not in (1, 2):
            raise RuntimeError(f'multi_dot(): tensor {i} must be 2D but got {nd}D')
    r = tensors[0]
    for t in tensors[1:]:
        r = matmul(r, t)
    return _out(r, out)


# ----------------------------------------------------------------------------- exports

_FUNCS = {'mm': mm, 'matmul': matmul, 'bmm': bmm, 'mv': mv, 'dot': dot, 'vdot': vdot,
          'addmm': addmm, 'addmv': addmv, 'baddbmm': baddbmm, 'addbmm': addbmm,
          'outer': outer, 'ger': ger, 'inner': inner, 'kron': kron, 'cross': cross,
          'trace': trace, 'det': det, 'logdet': logdet, 'slogdet': _torch_slogdet,
          'inverse': inv, 'svd': _torch_svd, 'qr': _torch_qr, 'cholesky': _torch_cholesky,
          'pinverse': pinverse, 'norm': norm, 'matrix_power': matrix_power}
# functions of the top-level namespace that are not Tensor methods
_TOP = {'einsum': einsum, 'tensordot': tensordot, 'chain_matmul': lambda *m: multi_dot(m)}

_METHODS = dict(_FUNCS, __matmul__=matmul, __rmatmul__=_rmatmul,
                addmm_=lambda self, m1, m2, *, beta=1, alpha=1:
                inplace_fn(self, addmm, m1, m2, beta=beta, alpha=alpha),
                addmv_=lambda self, m, v, *, beta=1, alpha=1:
                inplace_fn(self, addmv, m, v, beta=beta, alpha=alpha),
                baddbmm_=lambda self, b1, b2, *, beta=1, alpha=1:
                inplace_fn(self, baddbmm, b1, b2, beta=beta, alpha=alpha),
                addbmm_=lambda self, b1, b2, *, beta=1, alpha=1:
                inplace_fn(self, addbmm, b1, b2, beta=beta, alpha=alpha),
                cross=lambda self, other, dim=None: cross(self, other, dim))
bind(_METHODS)
globals().update(_TOP)
svd, qr, cholesky, slogdet, inverse = _torch_svd, _torch_qr, _torch_cholesky, _torch_slogdet, inv
__all__ = list(_FUNCS) + list(_TOP)



# ----------------------------------------------------------------------------- addr


class Addr(Primitive):
    """``beta * input + alpha * outer(vec1, vec2)``; ``beta == 0`` ignores input (nan/inf in it
    do not propagate); bool tensors use ``(beta and input) or (alpha and vec1 and vec2)``."""
    _name = 'AddrBackward0'

    def forward(ctx, xp, inp, v1, v2, beta, alpha):
        ctx.save_for_backward(v1, v2)
        ctx.beta, ctx.alpha = beta, alpha
        shape = (v1.shape[0], v2.shape[0])
        if v1.dtype.kind == 'b':
            p = v1[:, None] & v2[None, :] if alpha else xp.zeros(shape, bool)
            return p | inp if beta else p
        p = v1[:, None] * v2[None, :]
        if alpha != 1:
            p *= alpha
        if beta != 0:
            p += inp if beta == 1 else beta * inp
        return p

    def backward(ctx, g):
        v1, v2 = ctx.saved_tensors
        beta, alpha = ctx.beta, ctx.alpha
        c = g._data.dtype.kind == 'c'
        gi = g1 = g2 = None
        if ctx._next[0] is not None:
            gi = g if beta == 1 else g * (beta.conjugate() if c else beta)
        a = alpha.conjugate() if c else alpha
        if ctx._next[1] is not None:
            g1 = g.matmul(v2.conj() if c else v2)
            g1 = g1 if alpha == 1 else g1 * a
        if ctx._next[2] is not None:
            g2 = g.mT.matmul(v1.conj() if c else v1)
            g2 = g2 if alpha == 1 else g2 * a
        return gi, g1, g2, None, None


def _addr_scalar(v, name, dt):
    from .creation import _check_fits
    if isinstance(v, Tensor):
        v = v.item()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool) and dt.name != 'bool':
        raise RuntimeError(f'Boolean {name} only supported for Boolean results.')
    if not (dt.is_floating_point or dt.is_complex or isinstance(v, numbers.Integral)):
        raise RuntimeError(f'For integral input tensors, argument {name} must not be a floating '
                           'point number.')
    return _check_fits(v, dt)


def _addr_prep(input, vec1, vec2, beta, alpha, fn='addr'):
    for t, nm, pos in ((input, 'input', 1), (vec1, 'vec1', 2), (vec2, 'vec2', 3)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}(): argument '{nm}' (position {pos}) must be Tensor, not "
                            f'{type(t).__name__}')
    for t, nm in ((vec1, 'vec1'), (vec2, 'vec2')):
        if t._data.ndim != 1:
            raise RuntimeError(f'addr: Expected 1-D argument {nm}, but got {t._data.ndim}-D')
    from .. import _dtype
    dt = _dtype.result_type(input, vec1, vec2)
    return dt, _addr_scalar(beta, 'beta', dt), _addr_scalar(alpha, 'alpha', dt)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)`` (``torch.addr``).

    Args:
        input: broadcastable to ``(len(vec1), len(vec2))``. vec1, vec2: 1-D tensors.
        beta, alpha: scalars (integers for integer results; ``beta=0`` ignores input).
    The three tensors promote to a common dtype, as in PyTorch.
    """
    if _ac[0]:
        return _ac_run('addr', addr, input, vec1, vec2, beta=beta, alpha=alpha, out=out)
    dt, beta, alpha = _addr_prep(input, vec1, vec2, beta, alpha)
    _check_input_expand(input, (vec1._data.shape[0], vec2._data.shape[0]))
    from ._util import to_dtype
    r = Addr.apply(to_dtype(input, dt), to_dtype(vec1, dt), to_dtype(vec2, dt), beta, alpha)
    return _out(r, out)


def _addr_(self, vec1, vec2, *, beta=1, alpha=1):
    """In-place ``addr``: ``self`` must already have shape ``(len(vec1), len(vec2))``."""
    _addr_prep(self, vec1, vec2, beta, alpha, 'addr_')
    s = self._data.shape
    if len(s) != 2 or s != (vec1._data.shape[0], vec2._data.shape[0]):
        raise RuntimeError(f'size mismatch, input: {list(s)}, v1: {list(vec1._data.shape)}, '
                           f'v2: {list(vec2._data.shape)}')
    return inplace_fn(self, addr, vec1, vec2, beta=beta, alpha=alpha)


# ----------------------------------------------------------------------------- solve_triangular


def _tri_effective(xp, A, upper, unitriangular):
    """The triangle of ``A`` the solver reads (unit diagonal when ``unitriangular``)."""
    T = xp.triu(A) if upper else xp.tril(A)
    if unitriangular:
        n = A.shape[-1]
        T = T.copy() if T is A else T
        T[..., xp.arange(n), xp.arange(n)] = 1
    return T


def _substitute(xp, T, B, upper):
    """Row-by-row substitution over the (small, rare) systems LAPACK's solve refuses: a zero
    or non-finite diagonal gives inf/nan as a triangular solve (trsm) does."""
    n = T.shape[-1]
    X = xp.zeros(np.broadcast_shapes(T.shape[:-2], B.shape[:-2]) + B.shape[-2:],
                 dtype=np.result_type(T.dtype, B.dtype))
    with np.errstate(all='ignore'):
        for i in (range(n - 1, -1, -1) if upper else range(n)):   # a loop over rows
            s = T[..., i:i + 1, i + 1:] if upper else T[..., i:i + 1, :i]
            r = X[..., i + 1:, :] if upper else X[..., :i, :]
            acc = B[..., i:i + 1, :] - xp.matmul(s, r) if r.shape[-2] else B[..., i:i + 1, :]
            X[..., i:i + 1, :] = acc / T[..., i:i + 1, i:i + 1]
    return X


class SolveTriangular(Primitive):
    """``X`` with ``A X = B`` for triangular ``A`` (batches broadcast); ``left=False`` solves
    ``X A = B``. Backward: PyTorch's ``linalg_solve_triangular_backward``."""
    _name = 'LinalgSolveTriangularBackward0'

    def forward(ctx, xp, A, B, upper, left, unitriangular):
        ctx.upper, ctx.left, ctx.unit = upper, left, unitriangular
        T = _tri_effective(xp, A, upper, unitriangular)
        if not left:
            T, B, up = xp.swapaxes(T, -1, -2), xp.swapaxes(B, -1, -2), not upper
        else:
            up = upper
        batch = np.broadcast_shapes(T.shape[:-2], B.shape[:-2])
        T = xp.broadcast_to(T, batch + T.shape[-2:])
        B = xp.broadcast_to(B, batch + B.shape[-2:])
        d = xp.diagonal(T, 0, -2, -1)
        if T.shape[-1] == 0 or B.shape[-1] == 0:
            X = xp.zeros(B.shape, A.dtype)
        elif bool(xp.all(d != 0)) and bool(xp.all(xp.isfinite(T))):
            X = _la(xp).solve(T, B)
        else:
            X = _substitute(xp, T, B, up)
        X = X.astype(A.dtype, copy=False)
        if not left:
            X = xp.swapaxes(X, -1, -2)
        ctx.save_for_backward(A, X)
        return X

    def backward(ctx, g):
        A, X = ctx.saved_tensors
        upper, left, unit = ctx.upper, ctx.left, ctx.unit
        gB = SolveTriangular.apply(A.mH, g, not upper, left, unit)
        gA = None
        if ctx._next[0] is not None:
            gA = -gB.matmul(X.mH) if left else -X.mH.matmul(gB)
            gA = gA.triu(int(unit)) if upper else gA.tril(-int(unit))
        return gA, (gB if ctx._next[1] is not None else None), None, None, None


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Solution ``X`` of ``A X = B`` (``X A = B`` when ``left=False``) for a triangular ``A``
    (``torch.linalg.solve_triangular``).

    Args:
        A: ``(*, n, n)``; only its upper (``upper=True``) or lower triangle is read, and not
            its diagonal when ``unitriangular`` (taken as ones).
        B: ``(*, n, k)`` (``(*, k, n)`` when ``left=False``); batch dims broadcast with A's.
    The result has A's dtype (B is cast); a singular A gives inf/nan, not an error, as in
    PyTorch.
    """
    for v, nm in ((A, 'A'), (B, 'B')):
        if not isinstance(v, Tensor):
            raise TypeError(f"linalg_solve_triangular(): argument '{nm}' must be Tensor, not "
                            f'{type(v).__name__}')
    for v, nm in ((upper, 'upper'), (left, 'left'), (unitriangular, 'unitriangular')):
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"linalg_solve_triangular(): argument '{nm}' must be bool, not "
                            f'{type(v).__name__}')
    fname = 'linalg.solve_triangular'
    _check_square(A, fname)
    a, b = A._data, B._data
    if b.ndim < 2:
        raise RuntimeError(f'{fname}: The input tensor B must have at least 2 dimensions.')
    if (a.shape[-2] != b.shape[-2]) if left else (a.shape[-1] != b.shape[-1]):
        raise RuntimeError(f'{fname}: Incompatible shapes of A and B for the equation '
                           f'{"AX" if left else "XA"} = B ({_shape_str(a.shape[-2:])} and '
                           f'{_shape_str(b.shape[-2:])})')
    try:
        np.broadcast_shapes(b.shape[:-2], a.shape[:-2])
    except ValueError:
        raise _bcast_error(b.shape[:-2], a.shape[:-2]) from None
    if a.dtype.kind not in 'fc' or a.dtype == np.float16:
        dev = 'cpu' if type(a) is _ndarray else 'cuda'
        raise NotImplementedError(f'"triangular_solve_{dev}" not implemented for '
                                  f"'{_tname(A.dtype)}'")
    if out is not None and out._data.dtype != a.dtype:
        raise RuntimeError(f'expected scalar type {_tname(A.dtype)} but found {_tname(out.dtype)}')
    if b.dtype != a.dtype:
        if b.dtype.kind == 'c' and a.dtype.kind != 'c':
            warnings.warn('Casting complex values to real discards the imaginary part',
                          UserWarning, stacklevel=2)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', np.exceptions.ComplexWarning)
            B = B.to(A.dtype)
    X = SolveTriangular.apply(A, B, bool(upper), bool(left), bool(unitriangular))
    return _out(X, out)


bind({'addr': addr, 'addr_': _addr_})
__all__ += ['addr']


# ----------------------------------------------------------------------------- LU

from .. import return_types as _rt

for _nm, _fields in (('linalg_lu', ['P', 'L', 'U']), ('linalg_lu_factor', ['LU', 'pivots']),
                     ('linalg_lu_factor_ex', ['LU', 'pivots', 'info']),
                     ('lu_unpack', ['P', 'L', 'U'])):
    if not hasattr(_rt, _nm):
        _rt._make(_nm, _fields)

_NB = 32    # panel width of the blocked LU


def _getrf(xp, a, pivot=True):
    """LU factorisation with partial pivoting of a batch ``a`` (*, m, n), LAPACK getrf's
    blocked right-looking algorithm (the pivot is the first entry of largest ``|re| + |im|``).

    Returns (LU, pivots, info): 1-based int32 pivots (*, min(m, n)) as sequential row swaps,
    and info (*) the 1-based index of the first zero pivot (0 if none). The Python loop runs
    over the columns only.
    """
    shp = a.shape
    m, n = shp[-2:]
    k = min(m, n)
    B = int(np.prod(shp[:-2], dtype=np.int64))
    lu = a.reshape((B, m, n)).copy()
    piv = xp.broadcast_to(xp.arange(k), (B, k)).copy()
    info = xp.zeros(B, np.int32)
    rows = xp.arange(B)
    cplx = lu.dtype.kind == 'c'
    for j0 in range(0, k if B else 0, _NB):
        j1 = min(j0 + _NB, k)
        for j in range(j0, j1):     # the panel, unblocked: a loop over its columns
            if pivot:
                col = lu[:, j:, j]
                mag = xp.abs(col.real) + xp.abs(col.imag) if cplx else xp.abs(col)
                p = j + xp.argmax(mag, axis=1)
                piv[:, j] = p
                rj = lu[:, j].copy()
                lu[:, j] = lu[rows, p]
                lu[rows, p] = rj
            d = lu[:, j, j]
            nz = d != 0
            info = xp.where((info == 0) & ~nz, j + 1, info).astype(np.int32)
            if j + 1 < m:
                lu[:, j + 1:, j] /= xp.where(nz, d, 1)[:, None]
                if j + 1 < j1:
                    lu[:, j + 1:, j + 1:j1] -= lu[:, j + 1:, j, None] * lu[:, None, j, j + 1:j1]
        if j1 < n:      # U12 = L11^-1 A12 (unit lower, no pivoting happens), A22 -= L21 U12
            L11 = xp.tril(lu[:, j0:j1, j0:j1], -1) + xp.eye(j1 - j0, dtype=lu.dtype)
            lu[:, j0:j1, j1:] = _la(xp).solve(L11, lu[:, j0:j1, j1:])
            if j1 < m:
                lu[:, j1:, j1:] -= xp.matmul(lu[:, j1:, j0:j1], lu[:, j0:j1, j1:])
    return (lu.reshape(shp), (piv + 1).astype(np.int32).reshape(shp[:-2] + (k,)),
            info.reshape(shp[:-2]))


def _perm_matrix(piv, m, like):
    """The permutation matrix ``P`` (``A = P L U``) of 1-based sequential row swaps ``piv``
    (a Tensor (*, k)), as a constant of ``like``'s dtype and device, shape (*, m, m)."""
    p = piv._data
    xp = _xp(p)
    k = p.shape[-1]
    B = int(np.prod(p.shape[:-1], dtype=np.int64))
    p = p.reshape((B, k)).astype(np.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (B, m)).copy()
    rows = xp.arange(B)
    for i in range(k):      # a loop over the swaps (columns)
        t = perm[:, i].copy()
        perm[:, i] = perm[rows, p[:, i]]
        perm[rows, p[:, i]] = t
    P = xp.arange(m)[:, None] == perm.reshape(piv._data.shape[:-1] + (1, m))
    return _wrap(P.astype(like._data.dtype))


def _trs(A, B, upper, left=True, unit=False):
    """Differentiable triangular solve of arrays already checked (``SolveTriangular``)."""
    return SolveTriangular.apply(A, B, upper, left, unit)


def _lu_backward(gL, gU, P, L, U):
    """PyTorch's ``linalg_lu_backward``: the gradient of ``A = P L U`` (P constant) from those
    of ``L`` (*, m, k) and ``U`` (*, k, n)."""
    from .shape import cat
    m, n = L._data.shape[-2], U._data.shape[-1]
    k = min(m, n)
    if m == n:
        gA = L.mH.matmul(gL).tril(-1) + gU.matmul(U.mH).triu()
        gA = _trs(U.mH, gA, False, left=False)
        gA = _trs(L.mH, gA, True, unit=True)
    elif m < n:
        gA = L.mH.matmul(gL) - gU.triu().matmul(U.mH)
        gA = _trs(U[..., :k].mH, gA.tril(-1), False, left=False)
        gA = cat([gA + gU[..., :k].triu(), gU[..., k:]], -1)
        gA = _trs(L.mH, gA, True, unit=True)
    else:
        gA = gU.matmul(U.mH) - L.mH.matmul(gL.tril(-1))
        gA = _trs(L[..., :k, :].mH, gA.triu(), True, unit=True)
        gA = cat([gA + gL[..., :k, :].tril(-1), gL[..., k:, :]], -2)
        gA = _trs(U.mH, gA, False, left=False)
    return P.matmul(gA)


def _unpack_LU(LU):
    """``(L, U)`` of a packed ``LU`` (*, m, n): unit lower (*, m, k) and upper (*, k, n)."""
    m, n = LU._data.shape[-2:]
    k = min(m, n)
    L = LU[..., :, :k].tril(-1) + _eye(m, k, LU)
    return L, LU[..., :k, :].triu()


class LuFactor(Primitive):
    """``(LU, pivots, info)`` of ``A`` (*, m, n); backward: PyTorch's ``lu_factor_ex_backward``
    (the pivots are constant)."""
    _name = 'LinalgLuFactorExBackward0'

    def forward(ctx, xp, A, pivot):
        LU, piv, info = _getrf(xp, A, pivot)
        ctx.save_for_backward(LU, piv)
        ctx.mark_non_differentiable(piv, info)
        return LU, piv, info

    def backward(ctx, g, gp, gi):
        LU, piv = ctx.saved_tensors
        m, n = LU._data.shape[-2:]
        k = min(m, n)
        L, U = _unpack_LU(LU)
        P = _perm_matrix(piv, m, LU)
        return _lu_backward(g[..., :, :k], g[..., :k, :], P, L, U), None


def _lu_checks(A, fname, pivot, dims_name):
    if A._data.ndim < 2:
        raise RuntimeError(f'{dims_name}: Expected tensor with 2 or more dimensions. Got size: '
                           f'{list(A._data.shape)} instead')
    dt = A._data.dtype
    if dt.kind not in 'fc' or dt == np.float16:
        dev = 'cpu' if type(A._data) is _ndarray else 'cuda'
        raise NotImplementedError(f'"lu_{dev}" not implemented for \'{_tname(A.dtype)}\'')
    if not pivot and type(A._data) is _ndarray:
        raise RuntimeError(f'{fname}: LU without pivoting is not implemented on the CPU')


def _lu_error(info, fname):
    """PyTorch's error for a zero pivot ``U[i,i]`` (info > 0) of ``lu_factor``."""
    flat = _to_np(info._data).reshape(-1)
    nz = np.flatnonzero(flat)
    if len(nz):
        b = int(nz[0])
        batch = f'(Batch element {b}): ' if info._data.ndim else ''
        i = int(flat[b])
        raise RuntimeError(f'{fname}: {batch}U[{i},{i}] is zero and using it on lu_solve would '
                           'result in a division by zero. If you still want to perform the '
                           'factorization, consider calling linalg.lu(A, pivot) or '
                           'linalg.lu_factor_ex(A, pivot)')


def _tuple_out(res, out):
    if out is not None:
        for r, o in zip(res, out):
            _out(r, o)
        return type(res)(tuple(out))
    return res


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """``(LU, pivots, info)``: the packed LU factorisation with partial pivoting of ``A``
    (*, m, n) (``L`` strictly below the diagonal, ``U`` on and above), 1-based int32 pivots
    and int32 ``info`` (the first zero pivot of ``U``, 0 if none). ``check_errors`` raises for
    ``info > 0``."""
    _lu_checks(A, 'linalg.lu_factor', pivot, 'torch.lu_factor_ex')
    LU, piv, info = LuFactor.apply(A, bool(pivot))
    if check_errors:
        _lu_error(info, 'torch.linalg.lu_factor_ex')
    return _tuple_out(_rt.linalg_lu_factor_ex(LU, piv, info), out)


def lu_factor(A, *, pivot=True, out=None):
    """``(LU, pivots)`` of ``linalg.lu_factor_ex``; raises when ``U`` has a zero pivot."""
    _lu_checks(A, 'linalg.lu_factor', pivot, 'torch.lu_factor')
    LU, piv, info = LuFactor.apply(A, bool(pivot))
    _lu_error(info, 'torch.linalg.lu_factor')
    return _tuple_out(_rt.linalg_lu_factor(LU, piv), out)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``(P, L, U)`` from ``lu_factor``'s packed result; a part not unpacked is an empty
    tensor. Differentiable w.r.t. ``LU_data``."""
    if LU_data._data.ndim < 2:
        raise RuntimeError(f'torch.lu_unpack: Expected tensor with 2 or more dimensions. Got '
                           f'size: {list(LU_data._data.shape)} instead')
    if LU_pivots._data.dtype != np.int32:
        raise RuntimeError('torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of '
                           'torch.int32 dtype.\nNote: this function is intended to be used with '
                           'the output produced by torch.linalg.lu_factor')
    m = LU_data._data.shape[-2]
    xp = _xp(LU_data._data)
    empty = _wrap(xp.empty((0,), LU_data._data.dtype))
    L, U = _unpack_LU(LU_data) if unpack_data else (empty, empty)
    P = empty
    if unpack_pivots:
        p = LU_pivots._data
        if p.size and bool(xp.any((p < 1) | (p > m))):
            raise RuntimeError('pivots passed to lu_unpack must be between 1 and LU.size(-2) '
                               'inclusive.Did you properly pass the result of lu_factor?')
        P = _perm_matrix(LU_pivots, m, LU_data)
    return _tuple_out(_rt.lu_unpack(P, L, U), out)


def linalg_lu(A, *, pivot=True, out=None):
    """``(P, L, U)`` with ``A = P L U``: ``P`` a permutation matrix (empty when
    ``pivot=False``), ``L`` unit lower (*, m, k), ``U`` upper (*, k, n), k = min(m, n).
    Gradients follow PyTorch's ``linalg_lu_backward`` (``P`` is constant)."""
    _lu_checks(A, 'linalg.lu_factor', pivot, 'linalg.lu')
    LU, piv, _ = LuFactor.apply(A, bool(pivot))
    P, L, U = lu_unpack(LU, piv, unpack_pivots=bool(pivot))
    return _tuple_out(_rt.linalg_lu(P, L, U), out)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """Solution ``X`` of ``A X = B`` (``X A = B`` when ``left=False``; ``A^H`` for ``A`` when
    ``adjoint``) from ``A``'s ``lu_factor`` result. Batch dims broadcast. Differentiable
    w.r.t. ``LU`` and ``B`` (two triangular solves and a constant permutation)."""
    fname = 'linalg.lu_solve'
    _check_square(LU, 'torch.linalg.lu_solve', 'A')
    a, b = LU._data, B._data
    if b.ndim < 2:
        raise RuntimeError(f'{fname}: The input tensor B must have at least 2 dimensions.')
    if a.dtype != b.dtype:
        raise RuntimeError(f'{fname}: Expected LU and B to have the same dtype, but found LU of '
                           f'type {_tname(LU.dtype)} and B of type {_tname(B.dtype)} instead')
    if (a.shape[-1] != b.shape[-2]) if left else (a.shape[-1] != b.shape[-1]):
        raise RuntimeError(f'{fname}: Incompatible shapes of A and B for the equation '
                           f'{"AX" if left else "XA"} = B ({_shape_str(a.shape[-2:])} and '
                           f'{_shape_str(b.shape[-2:])})')
    p = pivots._data
    if p.ndim == 0 or p.shape[-1] != a.shape[-1]:
        raise RuntimeError(f'{fname}: Number of pivots per batch should be same as the dimension '
                           'of the matrix')
    if p.dtype != np.int32:
        raise RuntimeError(f'{fname}: pivots should be a Tensor of scalar type torch.int32')
    if p.shape != a.shape[:-1]:
        raise RuntimeError(f'{fname}: Expected LU.shape[:-1] and pivots.shape to be the same, but '
                           f'got pivots with shape {list(p.shape)} instead')
    try:
        np.broadcast_shapes(b.shape[:-2], a.shape[:-2])
    except ValueError:
        raise _bcast_error(b.shape[:-2], a.shape[:-2]) from None
    P = _perm_matrix(pivots, a.shape[-1], LU)
    if left and not adjoint:        # X = U^-1 L^-1 P^T B
        X = _trs(LU, _trs(LU, P.mT.matmul(B), False, unit=True), True)
    elif left:                      # A^H X = B: X = P L^-H U^-H B
        LUh = LU.mH
        X = P.matmul(_trs(LUh, _trs(LUh, B, False), True, unit=True))
    elif not adjoint:               # X A = B: X = B U^-1 L^-1 P^T
        X = _trs(LU, _trs(LU, B, True, left=False), False, left=False, unit=True).matmul(P.mT)
    else:                           # X A^H = B: X = B P L^-H U^-H
        LUh = LU.mH
        X = _trs(LUh, _trs(LUh, B.matmul(P), True, left=False, unit=True), False, left=False)
    return _out(X, out)


_LU_WARNED = [False]


def lu(A, pivot=True, get_infos=False, out=None):
    """``torch.lu`` (deprecated): ``(LU, pivots)``, or ``(LU, pivots, infos)`` with
    ``get_infos``; use ``linalg.lu_factor`` / ``linalg.lu_factor_ex``."""
    if not _LU_WARNED[0]:
        _LU_WARNED[0] = True
        warnings.warn('torch.lu is deprecated in favor of torch.linalg.lu_factor / '
                      'torch.linalg.lu_factor_ex and will be removed in a future PyTorch '
                      'release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced '
                      'with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, '
                      'pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be '
                      'replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, '
                      'compute_pivots)', UserWarning, stacklevel=2)
    _lu_checks(A, 'linalg.lu_factor', pivot, 'torch.lu_factor')
    r = LuFactor.apply(A, bool(pivot))
    r = tuple(r) if get_infos else tuple(r[:2])
    if out is not None:
        return tuple(_out(x, o) for x, o in zip(r, out))
    return r


bind({'lu': lu})
__all__ += ['lu', 'lu_unpack']
