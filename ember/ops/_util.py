"""Shared helpers of the op modules: argument coercion, dims, promotion, in-place writes."""
import builtins
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, _wrap_dim
from ..autograd.function import Primitive, NO_CTX, edge_of
from ..autograd.grad_mode import _state
from ..backend.cpu import parallel as _cpu_parallel, matmul as _cpu_matmul

__all__ = ['Tensor', 'Primitive', 'NO_CTX', 'wrap_dim', 'dims_arg', 'promote2', 'as_tensor_like',
           'inplace', 'float_input', 'to_dtype', 'check_tensor', 'over_batch', 'mm2', 'cj']

wrap_dim = _wrap_dim
_ndarray = np.ndarray


def over_batch(xp, n, fn, work):
    """``fn(start, stop)`` over chunks of a leading axis of length ``n`` on the CPU threads
    (``backend.cpu.parallel``), results in chunk order; one call ``fn(0, n)`` off the CPU.
    ``work``: elements the call touches (small calls run inline)."""
    if xp is not np:
        return [fn(0, n)]
    return _cpu_parallel(n, fn, work)


def mm2(xp, a, b):
    """``a @ b`` (``matmul`` semantics): on the CPU through ``backend.cpu.matmul`` (OpenBLAS
    on one thread, big products split over ember's threads), else ``xp.matmul``."""
    if xp is np:
        return _cpu_matmul(a, b)
    return xp.matmul(a, b)


def cj(t):
    """``t.conj()`` for a complex tensor or number; anything real is returned as is (no copy).

    Backward formulas multiply by the conjugated derivative, as PyTorch's complex autograd
    (conjugate Wirtinger calculus): ``grad_x = grad_y * cj(f'(x))``.
    """
    if isinstance(t, Tensor):
        return t if t._data.dtype.kind != 'c' else t.conj()
    return t.conjugate() if isinstance(t, (complex, np.complexfloating)) else t


def check_tensor(x, name='input', fn=None):
    if not isinstance(x, Tensor):
        raise TypeError(f'{fn or "op"}(): argument \'{name}\' (position 1) must be Tensor, not '
                        f'{type(x).__name__}')
    return x


def dims_arg(dim, ndim):
    """``dim`` (None, int or sequence) as a sorted tuple of non-negative axes; None -> all."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    out = tuple(sorted(_wrap_dim(int(d), ndim) for d in dim))
    if len(set(out)) != len(out):
        raise RuntimeError(f'dim {out[0]} appears multiple times in the list of dims')
    return out if out or ndim == 0 else tuple(range(ndim))


def as_tensor_like(value, like):
    """A Python scalar / array-like as a Tensor on ``like``'s device."""
    return Tensor._coerce(value, like)


def to_dtype(t, dt):
    """``t`` converted to ember dtype ``dt`` (differentiable; no-op when already that dtype)."""
    if t._data.dtype == dt.np:
        return t
    return t.to(dt)


def float_input(t):
    """Integer/bool tensors promoted to the default float dtype (for exp, log, sqrt...)."""
    k = t._data.dtype.kind
    if k in 'fcV':
        return t
    return t.to(_dtype.get_default_dtype())


def _pyscalar(x):
    if isinstance(x, np.generic):
        return x.item()
    return x


def promote2(a, b):
    """Bring a tensor and a tensor-or-scalar to PyTorch's result dtype.

    Returns (a, b) with ``b`` a Tensor or a Python scalar. NumPy computes the right dtype for
    same-dtype tensors and for scalars of the tensor's category (weak scalars), so only the
    other cases cast.
    """
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            raise TypeError(f'expected at least one Tensor argument, got {type(a).__name__} and '
                            f'{type(b).__name__}')
        dt = _dtype.result_type(a, b)
        a = _wrap(_scalar_array(a, dt, b._data))
        return a, to_dtype(b, dt)
    if isinstance(b, Tensor):
        if a._data.dtype is b._data.dtype or a._data.dtype == b._data.dtype:
            return a, b
        dt = _dtype.result_type(a, b)
        return to_dtype(a, dt), to_dtype(b, dt)
    b = _pyscalar(b)
    if not isinstance(b, numbers.Number):
        if b is None or isinstance(b, str):
            raise TypeError(f'unsupported operand type: Tensor and {type(b).__name__}')
        b = Tensor._coerce(b, None)
        if type(a._data) is not _ndarray:
            b = b.to(a.device)
        return promote2(a, b)
    k = a._data.dtype.kind
    if isinstance(b, bool) or (isinstance(b, int) and k != 'b'):
        return a, b
    if isinstance(b, int) or (isinstance(b, float) and k in 'biu') or isinstance(b, complex):
        dt = _dtype.result_type(a, b)
        return to_dtype(a, dt), b
    return a, b


def _scalar_array(x, dt, like):
    xp = np if type(like) is _ndarray else __import__('cupy')
    return xp.asarray(x, dtype=dt.np)


def _write(self, arr, xp):
    """Copy ``arr`` into ``self``'s memory, with PyTorch's shape and cast checks."""
    d = self._data
    if 0 in d.strides and builtins.any(st == 0 and n > 1 for st, n in zip(d.strides, d.shape)):
        raise RuntimeError('unsupported operation: more than one element of the written-to tensor '
                           'refers to a single memory location. Please clone() the tensor before '
                           'performing the operation.')
    if arr.shape != d.shape:
        try:
            bshape = np.broadcast_shapes(arr.shape, d.shape)
        except ValueError:
            bshape = None
        if bshape != d.shape:
            raise RuntimeError(f'output with shape {list(d.shape)} doesn\'t match the broadcast '
                               f'shape {list(bshape) if bshape else list(arr.shape)}')
    if arr.dtype != d.dtype:
        src, dst = _dtype.NP2DT[arr.dtype], _dtype.NP2DT[d.dtype]
        if src._cat > dst._cat:
            raise RuntimeError(f"result type {_tname(src)} can't be cast to the desired output "
                               f'type {_tname(dst)}')
    if d.ndim == 0 and type(d) is _ndarray:
        d[()] = arr
    else:
        d[...] = arr


def _tname(dt):
    return {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
            'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
            'bool': 'Bool', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}[dt.name]


def inplace(self, prim, *args, **kw):
    """Run ``prim(self, *args, **kw)`` and write the result into ``self`` (``add_``, ``x[i] = v``...).

    Bumps the version counter. Under autograd, ``self`` takes the op's node as its grad_fn;
    on a view, the base gets a CopySlices node so gradients reach it, as in PyTorch.
    """
    graph = _state[0] and (self._rg or any(isinstance(a, Tensor) and a._rg for a in args))
    if not graph:
        out = prim.apply(self, *args, **kw)
        xp = np if type(self._data) is _ndarray else __import__('cupy')
        _write(self, out._data, xp)
        self._vc[0] += 1
        return self
    base = self._base
    if base is not None:
        check_multi_view(self)
    if self.grad_fn is None and self._rg:
        if base is not None:
            raise RuntimeError(
                'A view was created in no_grad mode and is being modified inplace with grad mode '
                'enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You '
                'can clarify your code by moving both the view and the inplace either both inside '
                'the no_grad block (if you don\'t want the inplace to be tracked) or both outside (if '
                'you want the inplace to be tracked).')
        raise RuntimeError('a leaf Variable that requires grad is being used in an in-place '
                           'operation.')
    if base is not None and base.grad_fn is None and base._rg:
        raise RuntimeError('a view of a leaf Variable that requires grad is being used in an '
                           'in-place operation.')
    if prim is ViaFunction and base is None:
        # a composite: any of its inner nodes may have saved `self`, so it runs on a copy that
        # carries self's graph (the write below then changes nothing those nodes saved)
        from .creation import clone
        out = prim.apply(clone(self), *args, **kw)
    else:
        out = prim.apply(self, *args, **kw)
    node = out.grad_fn
    # the op saved `self` before the write: keep its old value (and graph) instead
    old = None
    if node is not None:
        for i, e in enumerate(node._saved):
            if e[0] == 0 and e[1] is self:
                if old is None:
                    old = _wrap(self._data.copy(), self._rg, self.grad_fn, self._out_nr)
                node._saved[i] = (0, old, old._vc, 0)
    xp = np if type(self._data) is _ndarray else __import__('cupy')
    _write(self, out._data, xp)
    self._vc[0] += 1
    if node is not None:
        for i, e in enumerate(node._saved):
            if e[0] == 1:
                node._saved[i] = (1, e[1], self._vc, self._vc[0])
    if base is None or node is None:
        self.grad_fn, self._out_nr, self._rg = node, out._out_nr, node is not None or self._rg
        return self
    _copy_slices(self, base, node)
    return self


class ViaFunction(Primitive):
    """Adapter letting ``inplace`` run any out-of-place function of Tensors as its op."""

    @classmethod
    def apply(cls, self, *args, _fn, **kwargs):
        return _fn(self, *args, **kwargs)


def inplace_fn(self, fn, *args, **kwargs):
    """``self`` overwritten with ``fn(self, *args, **kwargs)`` (the in-place ``op_`` methods)."""
    return inplace(self, ViaFunction, *args, _fn=fn, **kwargs)


def view_chain(t):
    """The view steps from ``t._base`` to ``t``: [(cls, args, kw), ...] outermost last."""
    steps = []
    while t._view_src is not None and t._base is not None:
        steps.append(t._view_src)
        t = t._view_src[1][0]
    return steps[::-1]


def check_multi_view(t):
    """PyTorch forbids in-place ops (under autograd) on the outputs of ops that return several
    views (unbind, split, chunk) and on views of them; those outputs carry ``_multi_view``."""
    mv = t.__dict__.get('_multi_view') if hasattr(t, '__dict__') else None
    if mv is None:
        for _, args, _ in view_chain(t):
            if '_multi_view' in getattr(args[0], '__dict__', ()):
                mv = (0, t._view_src[0]._name.replace('Backward0', ''))
                break
    if mv is not None:
        raise RuntimeError(f'Output {mv[0]} of {mv[1]} is a view and is being modified inplace. '
                           'This view is the output of a function that returns multiple views. Such '
                           'functions do not allow the output views to be modified inplace. You '
                           'should replace the inplace operation by an out-of-place one.')


def replay_view_array(arr, steps, xp):
    for cls, args, kw in steps:
        arr = cls.forward(cls._noctx, xp, arr, *[a._data if isinstance(a, Tensor) else a
                                             for a in args[1:]], **kw)
    return arr


def replay_view(t, steps):
    for cls, args, kw in steps:
        t = cls.apply(t, *args[1:], **kw)
    return t


class CopySlices(Primitive):
    """Gradient of an in-place op applied to a view: routes the op's gradient into the
    region of the base that the view covers."""
    _name = 'torch::autograd::CopySlices'

    def backward(ctx, g):
        xp = np if type(g._data) is _ndarray else __import__('cupy')
        gd = g._data
        like = getattr(ctx, 'like', None)   # the base's layout, which the view steps replay on
        if like is not None and gd.strides != like.strides:
            gd = xp.empty_like(like)
            gd[...] = g._data
        region = _wrap(replay_view_array(gd, ctx.steps, xp))
        inner = ctx.inner
        gs = inner._backward([region])
        gbase = gd.copy(order='K')
        g_self = gs[0]
        dst = replay_view_array(gbase, ctx.steps, xp)
        if g_self is None:
            dst[...] = 0
        else:
            m = inner._meta[0]
            if m is not None and g_self._data.shape != m[0]:
                from .reduce import sum_to
                g_self = sum_to(g_self, m[0])
            dst[...] = g_self._data
        res = [_wrap(gbase)]
        for i, gi in enumerate(gs[1:], 1):
            m = inner._meta[i] if i < len(inner._meta) else None
            if gi is not None and m is not None and gi._data.shape != m[0]:
                from .reduce import sum_to
                gi = sum_to(gi, m[0])
            res.append(gi)
        return tuple(res)


def _copy_slices(view, base, node):
    steps = view_chain(view)
    cs = CopySlices()
    cs.inner = node
    cs.steps = steps
    cs.like = base._data
    cs._next = (edge_of(base) if base._rg else None,) + tuple(node._next[1:])
    cs._meta = ((base._data.shape, base._data.dtype) if base._rg else None,) + tuple(node._meta[1:])
    cs._saved = []
    base.grad_fn, base._out_nr, base._rg = cs, 0, True
    v = replay_view(base, steps)
    view.grad_fn, view._out_nr, view._rg = v.grad_fn, v._out_nr, True
    view._vver = view._vc[0]
