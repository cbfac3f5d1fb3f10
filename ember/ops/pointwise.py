"""Pointwise ops: arithmetic, math functions, comparisons, logical and bitwise ops.

Each primitive's forward (on arrays, through ``xp``) sits beside its backward (on Tensors).
Type promotion follows PyTorch (``promote2``); Python scalars are "weak" operands: an int
scalar is wrapped into an integer tensor's dtype (``uint8_tensor - 1`` wraps like C), and a
float scalar against a half tensor is computed in float32 as PyTorch's CPU kernels do.
NumPy bools (``np.bool_``) are read as floats, as PyTorch's argument parser does.
"""
import builtins
import cmath
import math
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind
from ..autograd.grad_mode import _state
from ..backend import kernels
from ._util import (Primitive, promote2, float_input, inplace, inplace_fn, to_dtype, over_batch,
                    cj, _tname as _tn)
from ..amp._policy import on as _ac, run as _ac_run, UNARY as _ac_unary

_PYNUM = (int, float)
_IRANGE = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
           for t in (np.uint8, np.int8, np.int16, np.int32, np.int64)}
_HALF = {np.dtype(np.float16)}
if _dtype._BF16 is not None:
    _HALF.add(_dtype._BF16)
_F32 = np.dtype(np.float32)


def _prep(x, y):
    """Operands of a binary kernel as PyTorch sees them.

    Returns ``(x, y, cast)``: a Python int against an integer array is wrapped into that
    dtype (C cast); a Python float against a half array makes the op run in float32, and
    ``cast`` is then the dtype to round the result back to (else None).
    """
    tx, ty = type(x), type(y)
    sx = tx is int or tx is float
    if not (sx or ty is int or ty is float):
        return x, y, None
    arr, s = (y, x) if sx else (x, y)
    dt = arr.dtype
    cast = None
    if type(s) is int:
        r = _IRANGE.get(dt)
        if r is not None and not r[0] <= s <= r[1]:
            s = np.array(s).astype(dt)[()]
    elif dt in _HALF:
        arr = arr.astype(_F32)
        cast = dt
    return (s, arr, cast) if sx else (arr, s, cast)


def _done(r, cast):
    return r if cast is None else r.astype(cast)


def _xp(a):
    return np if type(a) is np.ndarray else __import__('cupy')


def _zero(g):
    """Zeros like ``g`` (PyTorch's gradient of piecewise-constant ops)."""
    return _wrap(_xp(g._data).zeros_like(g._data))


def _notimpl(name, t):
    """PyTorch's error for a kernel that has no implementation for a dtype."""
    dt = t.dtype if isinstance(t, Tensor) else t
    return NotImplementedError(f'"{name}" not implemented for \'{_tn(dt)}\'')


def _kind(x):
    return x._data.dtype.kind if isinstance(x, Tensor) else None


def _bin(input, other):
    """Promote a (tensor|scalar, tensor|scalar) pair; returns ``(a, b)`` in the original order,
    Tensors converted to the result dtype and scalars kept as Python numbers."""
    if type(other) is np.bool_:
        other = builtins.float(other)
    if isinstance(input, Tensor):
        return promote2(input, other)
    if type(input) is np.bool_:
        input = builtins.float(input)
    elif isinstance(input, np.generic):
        input = input.item()
    if isinstance(other, Tensor) and isinstance(input, numbers.Number):
        b, a = promote2(other, input)
        return a, b
    return promote2(input, other)


def _same2(a, b):
    """Both are Tensors of one floating dtype: no promotion or dtype check is needed."""
    return (isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype
            and a._data.dtype.kind == 'f')


def _need_tensor(x, fn, name='other', pos=2):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f'{type(x).__name__}')


# ---------------------------------------------------------------------------- arithmetic


class Add(Primitive):
    alpha = 1

    def forward(ctx, xp, x, y, alpha=1):
        if alpha == 1 and type(x) is type(y):     # two arrays: nothing to adapt or remember
            return xp.add(x, y)
        ctx.alpha = alpha
        x, y, cast = _prep(x, y)
        if alpha != 1:
            if type(alpha) is float and cast is None and getattr(y, 'dtype', None) in _HALF:
                x, y, cast = x.astype(_F32), y.astype(_F32), y.dtype
            y = y * alpha
        return _done(xp.add(x, y), cast)

    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * cj(ctx.alpha))


class Sub(Primitive):
    alpha = 1

    def forward(ctx, xp, x, y, alpha=1):
        if alpha == 1 and type(x) is type(y):
            return xp.subtract(x, y)
        ctx.alpha = alpha
        x, y, cast = _prep(x, y)
        if alpha != 1:
            if type(alpha) is float and cast is None and getattr(y, 'dtype', None) in _HALF:
                x, y, cast = x.astype(_F32), y.astype(_F32), y.dtype
            y = y * alpha
        return _done(xp.subtract(x, y), cast)

    def backward(ctx, g):
        return g, (-g if ctx.alpha == 1 else g * -cj(ctx.alpha))


def _rq(t):
    return isinstance(t, Tensor) and t._rg


class Mul(Primitive):
    # keep=1: save y (for x's gradient), 2: save x (for y's), 3: both, as PyTorch saves
    def forward(ctx, xp, x, y, keep=3):
        ctx.save_for_backward(x if keep & 2 else None, y if keep & 1 else None)
        x, y, cast = _prep(x, y)
        return _done(xp.multiply(x, y), cast)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return (g * cj(y) if ctx._next[0] is not None else None,
                g * cj(x) if ctx._next[1] is not None else None)


class Div(Primitive):
    def forward(ctx, xp, x, y, keep=3):
        ctx.save_for_backward(x if keep & 2 else None, y)
        x, y, cast = _prep(x, y)
        return _done(xp.true_divide(x, y), cast)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g / cj(y) if ctx._next[0] is not None else None
        gy = -g * cj((x / y) / y) if ctx._next[1] is not None else None
        return gx, gy


class Neg(Primitive):
    def forward(ctx, xp, x):
        return xp.negative(x)

    def backward(ctx, g):
        return -g


def _check_alpha(a, b, alpha):
    dt = a if isinstance(a, Tensor) else b
    k = dt._data.dtype.kind
    if isinstance(alpha, (bool, np.bool_)):
        if k != 'b':
            raise RuntimeError('Boolean alpha only supported for Boolean results.')
    elif k in 'biu' and isinstance(alpha, (float, np.floating)):
        raise RuntimeError('For integral input tensors, argument alpha must not be a floating '
                           'point number.')


def _bool_alpha(a, b, alpha):
    """bool + alpha * bool stays bool: alpha only says whether ``other`` counts."""
    if builtins.bool(alpha):
        return a, b, 1
    return a, b * False if isinstance(b, Tensor) else False, 1


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` elementwise, with broadcasting and PyTorch's type promotion.

    Args:
        input, other: tensors or Python numbers (at least one a Tensor).
        alpha: multiplier of ``other``; must be an int for integral results and a bool only
            for bool results, as in PyTorch.
    """
    if _same2(input, other) and alpha == 1 and out is None:
        return Add.apply2(input, other)
    a, b = _bin(input, other)
    if alpha != 1 or type(alpha) is not int:
        _check_alpha(a, b, alpha)
        if _kind(a if isinstance(a, Tensor) else b) == 'b':
            a, b, alpha = _bool_alpha(a, b, alpha)
    r = Add.apply(a, b, alpha=alpha) if alpha != 1 else Add.apply(a, b)
    return _out(r, out)


_SUB_BOOL = ('Subtraction, the `-` operator, with a bool tensor is not supported. If you are '
             'trying to invert a mask, use the `~` or `logical_not()` operator instead.')


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other`` elementwise; PyTorch refuses bool operands."""
    bi, bo = _is_bool(input), _is_bool(other)
    if bi and bo and isinstance(input, Tensor) and isinstance(other, Tensor):
        raise RuntimeError('Subtraction, the `-` operator, with two bool tensors is not '
                           'supported. Use the `^` or `logical_xor()` operator instead.')
    if bi or bo:
        raise RuntimeError(_SUB_BOOL)
    a, b = _bin(input, other)
    if alpha != 1 or type(alpha) is not int:
        _check_alpha(a, b, alpha)
    r = Sub.apply(a, b, alpha=alpha) if alpha != 1 else Sub.apply(a, b)
    return _out(r, out)


subtract = sub


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (``torch.rsub``)."""
    return sub(other, input if alpha == 1 else mul(input, alpha))


def _is_bool(x):
    return (isinstance(x, Tensor) and x._data.dtype.kind == 'b') or type(x) is bool


def mul(input, other, *, out=None):
    """Elementwise product ``input * other`` (bool * bool is logical and)."""
    if _same2(input, other) and out is None and not (_state[0] and (input._rg or other._rg)):
        return Mul.apply2(input, other)
    a, b = _bin(input, other)
    if _state[0]:
        keep = (2 if _rq(b) else 0) | (1 if _rq(a) else 0)
        if keep and keep != 3:
            return _out(Mul.apply(a, b, keep=keep), out)
    return _out(Mul.apply(a, b), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``.

    Args:
        rounding_mode: None for true division (integer inputs give the default float dtype),
            ``'trunc'`` to round toward zero, ``'floor'`` to round down (these keep integer
            dtypes; integer division by zero raises ``RuntimeError: ZeroDivisionError``).
    """
    if rounding_mode is None:
        a, b = _bin(input, other)
        ka, kb = _kind(a), _kind(b)
        if (ka is None or ka in 'biu') and (kb is None or kb in 'biu'):
            d = _dtype.get_default_dtype()
            a = a.to(d) if ka is not None else a
            b = b.to(d) if kb is not None else b
        if _state[0] and not _rq(b) and _rq(a):
            return _out(Div.apply(a, b, keep=1), out)
        return _out(Div.apply(a, b), out)
    if rounding_mode == 'trunc':
        a, b = _bin(input, other)
        _no_bool(a, b, 'div_trunc_cpu')
        return _out(TruncDivide.apply(a, b), out)
    if rounding_mode == 'floor':
        a, b = _bin(input, other)
        _no_bool(a, b, 'div_floor_cpu')
        return _out(DivFloor.apply(a, b), out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


divide = div


def true_divide(input, other, *, out=None):
    """``div(input, other)`` (true division)."""
    return div(input, other, out=out)


def _no_bool(a, b, name):
    t = a if isinstance(a, Tensor) else b
    if t._data.dtype.kind == 'b':
        raise _notimpl(name, t)


def _has_zero(xp, y):
    return builtins.bool((xp.asarray(y) == 0).any())


def _int_zero_check(xp, x, y):
    if getattr(x, 'dtype', getattr(y, 'dtype', None)).kind in 'iu' and _has_zero(xp, y):
        raise RuntimeError('ZeroDivisionError')


class DivFloor(Primitive):
    """``div(rounding_mode='floor')``: a zero gradient, as PyTorch's."""
    def forward(ctx, xp, x, y):
        x, y, cast = _prep(x, y)
        _int_zero_check(xp, x, y)
        return _done(xp.floor_divide(x, y), cast)

    def backward(ctx, g):
        return _zero(g), _zero(g)


class FloorDivide(DivFloor):
    """``floor_divide`` / ``//``: PyTorch defines no derivative for it."""
    def backward(ctx, g):
        raise RuntimeError('derivative for aten::floor_divide is not implemented')


class TruncDivide(Primitive):
    def forward(ctx, xp, x, y):
        x, y, cast = _prep(x, y)
        _int_zero_check(xp, x, y)
        dt = getattr(x, 'dtype', None) or y.dtype
        if dt.kind in 'iu':
            q = xp.floor_divide(x, y)
            fix = (xp.remainder(x, y) != 0) & ((xp.asarray(x) < 0) != (xp.asarray(y) < 0))
            return q + fix.astype(q.dtype)
        return _done(xp.trunc(xp.true_divide(x, y)), cast)

    def backward(ctx, g):
        return _zero(g), _zero(g)


def floor_divide(input, other, *, out=None):
    """``floor(input / other)`` elementwise (the ``//`` operator; ``div(rounding_mode='floor')``)."""
    a, b = _bin(input, other)
    _no_bool(a, b, 'div_floor_cpu')
    return _out(FloorDivide.apply(a, b), out)


def neg(input, *, out=None):
    """``-input``; PyTorch refuses bool tensors."""
    if input._data.dtype.kind == 'b':
        raise RuntimeError('Negation, the `-` operator, on a bool tensor is not supported. If you '
                           'are trying to invert a mask, use the `~` or `logical_not()` operator '
                           'instead.')
    return _out(Neg.apply(input), out)


negative = neg


class Pow(Primitive):
    # keep_out: save the result (only the exponent's gradient needs it)
    def forward(ctx, xp, x, y, keep_out=True):
        x0, y0 = x, y
        x, y, cast = _prep(x, y)
        ya = getattr(y, 'dtype', None)
        if ya is not None and ya.kind in 'iu' and getattr(x, 'dtype', ya).kind in 'iu':
            neg = y < 0
            if builtins.bool(neg.any()):   # integer ** negative integer: 1, -1 or 0, as PyTorch
                xa = xp.asarray(x, dtype=ya) if not hasattr(x, 'dtype') else x
                r = xp.power(xa, xp.where(neg, 0, y))
                odd = (y & 1).astype(r.dtype)
                special = xp.where(xa == 1, 1, xp.where(xa == -1, 1 - 2 * odd, 0)).astype(r.dtype)
                return xp.where(neg, special, r)
        out = _done(xp.power(x, y), cast)
        ctx.save_for_backward(x0, y0, out if keep_out else None)
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved_tensors
        gx = gy = None
        if ctx._next[0] is not None:
            if isinstance(y, Tensor):
                gx = where(y == 0, 0.0, g * cj(y * pow(x, y - 1)))
            elif y == 0:
                gx = _zero(g)
            else:
                gx = g * cj(y * pow(x, y - 1))
        if ctx._next[1] is not None:
            if isinstance(x, Tensor):
                gy = g * where((x == 0) & _nonneg(y), 0.0, cj(out * log(x)))
            else:
                if out._data.dtype.kind == 'c':     # complex log: a negative base is fine
                    lx = cmath.log(x) if x != 0 else -math.inf
                else:
                    lx = math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)
                gy = g * cj(out * lx)
                if x == 0:
                    gy = where(_nonneg(y), 0.0, gy)
        return gx, gy


def _nonneg(y):
    """``y >= 0``; for complex ``y``, a real part >= 0 and no imaginary part (PyTorch's rule)."""
    if y._data.dtype.kind == 'c':
        return (y.real >= 0) & (y.imag == 0)
    return y >= 0


def pow(input, exponent, *, out=None):
    """``input ** exponent`` elementwise; either may be a Python number.

    Integers to negative integer powers raise for scalar exponents (PyTorch's
    ``RuntimeError``); with tensor exponents they give 1, -1 or 0 as PyTorch does.
    """
    if _ac[0]:
        return _ac_run('pow', pow, input, exponent, out=out)
    a, b = _bin(input, exponent)
    t = a if isinstance(a, Tensor) else b
    k = t._data.dtype.kind
    if k == 'b':
        if isinstance(a, Tensor) and type(b) is bool:   # x ** True is x; x ** False is ones
            return _out(a.clone() if b else a.new_ones(a.shape), out)
        raise _notimpl('pow', t)
    if k in 'iu' and type(b) is int:
        _int_in_range(b, t._data.dtype)
        if b < 0:
            raise RuntimeError('Integers to negative integer powers are not allowed.')
    cls = Pow if not isinstance(exponent, Tensor) else (
        PowTensor if isinstance(input, Tensor) else PowScalarBase)
    if not _rq(b):
        return _out(cls.apply(a, b, keep_out=False), out)
    return _out(cls.apply(a, b), out)


class PowTensor(Pow):
    """``tensor ** tensor`` (PyTorch's node: PowBackward1)."""
    _name = 'PowBackward1'


class PowScalarBase(Pow):
    """``scalar ** tensor`` (PyTorch's node: PowBackward2)."""
    _name = 'PowBackward2'



def _int_in_range(v, dt):
    lo, hi = _IRANGE[dt]
    if not lo <= v <= hi:
        raise RuntimeError(f'value cannot be converted to type {dt}_t without overflow')


class Abs(Primitive):
    def forward(ctx, xp, x):
        ctx.save_for_backward(x)
        return xp.abs(x)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * sgn(x)


def abs(input, *, out=None):
    """``|input|`` elementwise (gradient ``sign(input)``: 0 at 0, as PyTorch)."""
    if input._data.dtype.kind == 'b':
        raise _notimpl('abs_cpu', input)
    return _out(Abs.apply(input), out)


absolute = abs


def _out(r, out):
    """Honour an ``out=`` argument: copy the result into ``out`` (resized if needed)."""
    if out is None:
        return r
    if r._rg and _state[0]:
        raise RuntimeError('functions with out=... arguments don\'t support automatic '
                           'differentiation, but one of the arguments requires grad.')
    from ._util import _write
    if out._data.shape != r._data.shape:
        if out._data.size != 0:
            import warnings
            warnings.warn('An output with one or more elements was resized since it had shape '
                          f'{list(out._data.shape)}, which does not match the required output shape '
                          f'{list(r._data.shape)}. This behavior is deprecated, and in a future '
                          'PyTorch release outputs will not be resized unless they have zero '
                          'elements. You can explicitly reuse an out tensor t by resizing it, '
                          'inplace, to zero elements with t.resize_(0).')
        src, dst = r.dtype, out.dtype
        if src._cat > dst._cat:
            raise RuntimeError(f"result type {_tn(src)} can't be cast to the desired output "
                               f'type {_tn(dst)}')
        out._data = r._data.astype(out._data.dtype, copy=True)
    else:
        _write(out, r._data, None)
    out._vc[0] += 1
    return out


# ---------------------------------------------------------------------------- unary math


def _unary(name, f, df, save='x', floating=True, doc=None, no_bool=None, ints=True):
    """Define a unary primitive ``name`` (``y = f(xp, x)``, gradient ``df(x, y, g)`` on
    Tensors) and its function; returns the function (its primitive is ``fn.prim``).

    floating: integer/bool inputs are computed in the default float dtype (exp, sin...).
    no_bool: kernel name for PyTorch's NotImplementedError on bool inputs.
    ints: False when integer inputs are refused too (frac).
    """
    if save == 'x':
        def forward(ctx, xp, x):
            ctx.save_for_backward(x)
            return f(xp, x)

        def backward(ctx, g):
            return df(ctx.saved_tensors[0], None, g)
    elif save == 'y':
        def forward(ctx, xp, x):
            y = f(xp, x)
            ctx.save_for_backward(y)
            return y

        def backward(ctx, g):
            return df(None, ctx.saved_tensors[0], g)
    else:
        def forward(ctx, xp, x):
            return f(xp, x)

        def backward(ctx, g):
            return df(None, None, g)
    cls = type(name.title().replace('_', ''), (Primitive,),
               {'forward': forward, 'backward': backward})

    ac = name in _ac_unary

    def fn(input, *, out=None):
        if ac and _ac[0]:
            return _ac_run(name, fn, input, out=out)
        k = input._data.dtype.kind
        if k in 'biu':
            if floating:
                input = float_input(input)
            elif k == 'b' and no_bool:
                raise _notimpl(no_bool, input)
            elif not ints:
                raise _notimpl(no_bool, input)
        return _out(cls.apply(input), out)
    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = doc or f'Elementwise ``{name}(input)``; integer inputs give the default float dtype.'
    fn.prim = cls
    return fn


_LN2, _LN10 = math.log(2.0), math.log(10.0)

exp = _unary('exp', lambda xp, x: xp.exp(x), lambda x, y, g: g * cj(y), 'y', doc='``e ** input``.')
exp2 = _unary('exp2', lambda xp, x: xp.exp2(x), lambda x, y, g: g * cj(y * _LN2), 'y',
              doc='``2 ** input``.')
expm1 = _unary('expm1', lambda xp, x: xp.expm1(x), lambda x, y, g: g * cj(y + 1), 'y',
               doc='``exp(input) - 1``, accurate near 0.')
log = _unary('log', lambda xp, x: xp.log(x), lambda x, y, g: g / cj(x), doc='Natural logarithm.')
log2 = _unary('log2', lambda xp, x: xp.log2(x), lambda x, y, g: g / cj(x * _LN2),
              doc='Base-2 logarithm.')
log10 = _unary('log10', lambda xp, x: xp.log10(x), lambda x, y, g: g / cj(x * _LN10),
               doc='Base-10 logarithm.')
log1p = _unary('log1p', lambda xp, x: xp.log1p(x), lambda x, y, g: g / cj(x + 1),
               doc='``log(1 + input)``, accurate near 0.')
sqrt = _unary('sqrt', lambda xp, x: xp.sqrt(x), lambda x, y, g: g / cj(2 * y), 'y',
              doc='Square root (NaN for negative inputs; gradient inf at 0).')


def _rsqrt_f(xp, x):
    return xp.reciprocal(xp.sqrt(x))


rsqrt = _unary('rsqrt', _rsqrt_f, lambda x, y, g: g * cj(-0.5 * y * y * y), 'y',
               doc='``1 / sqrt(input)``.')
sin = _unary('sin', lambda xp, x: xp.sin(x), lambda x, y, g: g * cj(cos(x)), doc='Sine.')
cos = _unary('cos', lambda xp, x: xp.cos(x), lambda x, y, g: -g * cj(sin(x)), doc='Cosine.')
tan = _unary('tan', lambda xp, x: xp.tan(x), lambda x, y, g: g * cj(1 + y * y), 'y',
             doc='Tangent.')
asin = _unary('asin', lambda xp, x: xp.arcsin(x), lambda x, y, g: g * cj(rsqrt(1 - x * x)),
              doc='Inverse sine.')
acos = _unary('acos', lambda xp, x: xp.arccos(x), lambda x, y, g: -g * cj(rsqrt(1 - x * x)),
              doc='Inverse cosine.')
atan = _unary('atan', lambda xp, x: xp.arctan(x), lambda x, y, g: g / cj(1 + x * x),
              doc='Inverse tangent.')
sinh = _unary('sinh', lambda xp, x: xp.sinh(x), lambda x, y, g: g * cj(cosh(x)),
              doc='Hyperbolic sine.')
cosh = _unary('cosh', lambda xp, x: xp.cosh(x), lambda x, y, g: g * cj(sinh(x)),
              doc='Hyperbolic cosine.')
tanh = _unary('tanh', lambda xp, x: xp.tanh(x), lambda x, y, g: g * cj(1 - y * y), 'y',
              doc='Hyperbolic tangent.')
asinh = _unary('asinh', lambda xp, x: xp.arcsinh(x), lambda x, y, g: g * cj(rsqrt(x * x + 1)),
               doc='Inverse hyperbolic sine.')
acosh = _unary('acosh', lambda xp, x: xp.arccosh(x), lambda x, y, g: g * _dacosh(x),
               doc='Inverse hyperbolic cosine.')
atanh = _unary('atanh', lambda xp, x: xp.arctanh(x), lambda x, y, g: g / cj(1 - x * x),
               doc='Inverse hyperbolic tangent.')
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def _dacosh(x):
    # sqrt(x*x - 1) = sqrt(x + 1) * sqrt(x - 1) holds for real x > 1 only
    if x._data.dtype.kind == 'c':
        return cj(rsqrt(x + 1) * rsqrt(x - 1))
    return rsqrt(x * x - 1)


def _sigmoid(xp, x):
    if x.dtype.kind == 'c':
        return 1 / (1 + xp.exp(-x))
    # one exp, no overflow: exp(-|x|) never overflows; half inputs are computed in float32
    xf = x.astype(_F32) if x.dtype in _HALF else x
    e = xp.exp(-xp.abs(xf))
    r = 1 / (1 + e)
    return xp.where(xf >= 0, r, e * r).astype(x.dtype, copy=False)


sigmoid = _unary('sigmoid', _sigmoid, lambda x, y, g: g * cj((1 - y) * y), 'y',
                 doc='``1 / (1 + exp(-input))``, computed without overflow.')


_PAR = 1 << 18          # elements from which ReLU's passes are split over the CPU threads


def _relu_f(xp, x):
    return xp.maximum(x, 0)


def relu(input, *, out=None):
    """``max(input, 0)``; the gradient at 0 is 0, as PyTorch's."""
    if input._data.dtype.kind == 'b':
        raise RuntimeError('Boolean inputs not supported for relu')
    return _out(_Relu.apply(input), out)


class _Relu(Primitive):
    _name = 'ReluBackward0'

    def forward(ctx, xp, x):
        zero = x.dtype.type(0)
        if x.size >= _PAR and x.flags.c_contiguous:        # chunks on the CPU threads
            y = xp.empty_like(x)
            xf, yf = x.reshape(-1), y.reshape(-1)
            over_batch(xp, xf.size, lambda s, e: xp.maximum(xf[s:e], zero, out=yf[s:e]),
                       2 * x.size)
        else:
            y = xp.maximum(x, zero)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, g):
        y, = ctx.saved_tensors
        return _ReluGrad.apply(g, y)


class _ReluGrad(Primitive):
    """``g`` where ``y > 0``, else 0 (PyTorch's threshold_backward): one masked multiply,
    redone with ``where`` only when a non-finite gradient met the mask (inf * 0 is NaN)."""
    _name = 'ThresholdBackwardBackward0'

    def forward(ctx, xp, g, y):
        ctx.save_for_backward(y)
        if (g.size >= _PAR and g.shape == y.shape and g.dtype.kind == 'f'
                and g.flags.c_contiguous and y.flags.c_contiguous):
            r = xp.empty_like(g)
            gf, yf, rf = g.reshape(-1), y.reshape(-1), r.reshape(-1)
            k = kernels.get('relu_bwd', g, y)
            if k is not None:          # one compiled pass per chunk
                over_batch(xp, gf.size, lambda s, e: k(gf[s:e], yf[s:e], rf[s:e]), 3 * g.size)
                return r

            def run(s, e):             # a float 0/1 mask times g, in place, chunk by chunk
                c = rf[s:e]
                xp.greater(yf[s:e], 0, out=c)
                xp.multiply(c, gf[s:e], out=c)
                return bool(xp.isfinite(xp.add.reduce(c, axis=None)))
            if all(over_batch(xp, gf.size, run, 3 * g.size)):
                return r
            return xp.where(y > 0, g, g.dtype.type(0))
        m = y > 0
        if m.shape == g.shape and g.dtype.kind == 'f':
            # a float 0/1 mask multiplied in place: ~1.5x faster than a bool * float product
            r = m.astype(g.dtype)
            xp.multiply(r, g, out=r)
        else:
            r = xp.multiply(g, m, dtype=g.dtype)
        if not xp.isfinite(xp.add.reduce(r, axis=None)):
            r = xp.where(m, g, g.dtype.type(0))
        return r

    def backward(ctx, gg):
        y, = ctx.saved_tensors
        return _ReluGrad.apply(gg, y), None


relu.prim = _Relu


def _sign_f(xp, x):
    if x.dtype.kind == 'b':
        return x.copy()
    if x.dtype.kind == 'u':
        return (x > 0).astype(x.dtype)
    # (0 < x) - (x < 0): NaN and -0.0 give 0, as PyTorch's kernel
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


_sign = _unary('sign', _sign_f, lambda x, y, g: _zero(g), None, floating=False,
               doc='-1, 0 or 1 by the sign of each element (0 for NaN, as PyTorch on CPU).')


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element (0 for NaN, as PyTorch on CPU); complex inputs
    are refused (use ``sgn``)."""
    if input._data.dtype.kind == 'c':
        raise RuntimeError('Unlike NumPy, torch.sign is not intended to support complex numbers. '
                           'Please use torch.sgn instead.')
    return _sign(input, out=out)


sign.prim = _sign.prim


class Sgn(Primitive):
    """``x / |x|`` (0 at 0) of a complex tensor."""

    def forward(ctx, xp, x):
        a = xp.abs(x)
        y = x / xp.where(a == 0, 1, a)
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, g):
        # PyTorch's sgn_backward: (g - sgn^2 * conj(g)) / (2 |x|), 0 where x is 0
        x, y = ctx.saved_tensors
        a = abs(x)
        return where(a == 0, 0.0, (g - y * y * g.conj()) / (2 * a))


def sgn(input, *, out=None):
    """``input / |input|`` for complex tensors (0 at 0); ``sign(input)`` for real ones."""
    if input._data.dtype.kind == 'c':
        return _out(Sgn.apply(input), out)
    return _sign(input, out=out)


def _rounding(name, f, kernel):
    return _unary(name, lambda xp, x: f(xp)(x) if x.dtype.kind not in 'iu' else x.copy(),
                  lambda x, y, g: _zero(g), None, floating=False, no_bool=kernel,
                  doc=f'``{name}(input)`` elementwise; integer inputs are returned unchanged.')


floor = _rounding('floor', lambda xp: xp.floor, 'floor_vml_cpu')
ceil = _rounding('ceil', lambda xp: xp.ceil, 'ceil_vml_cpu')
trunc = _rounding('trunc', lambda xp: xp.trunc, 'trunc_vml_cpu')
fix = trunc


def _frac_f(xp, x):
    return x - xp.trunc(x)


frac = _unary('frac', _frac_f, lambda x, y, g: g, None, floating=False, no_bool='frac_cpu',
              ints=False, doc='``input - trunc(input)`` (floating inputs only).')


class Round(Primitive):
    def forward(ctx, xp, x, decimals=0):
        if x.dtype.kind in 'iu':
            return x.copy()
        if decimals == 0:
            return xp.rint(x)
        # PyTorch's kernel: nearbyint(x * 10**d) / 10**d in float32 opmath (d < 0: / then *)
        xf = x.astype(_F32) if x.dtype in _HALF else x
        ten = xf.dtype.type(10.0 ** builtins.abs(decimals))
        r = xp.rint(xf * ten) / ten if decimals > 0 else xp.rint(xf / ten) * ten
        return r.astype(x.dtype, copy=False)

    def backward(ctx, g):
        return _zero(g)


def round(input, *, decimals=0, out=None):
    """Round half to even, to ``decimals`` decimal places (``torch.round``)."""
    k = input._data.dtype.kind
    if k == 'b':
        raise _notimpl('round_vml_cpu' if not decimals else 'round_cpu', input)
    if k in 'iu' and decimals:
        raise _notimpl('round_cpu', input)
    return _out(Round.apply(input, decimals=decimals) if decimals else Round.apply(input), out)


round.prim = Round


def square(input, *, out=None):
    """``input * input`` (bool inputs give int64, as ``pow(input, 2)`` does)."""
    if input._data.dtype.kind == 'b':
        input = input.to(_dtype.int64)
    return _out(mul(input, input), out)


def reciprocal(input, *, out=None):
    """``1 / input`` (integer inputs give the default float dtype)."""
    if _ac[0]:
        return _ac_run('reciprocal', reciprocal, input, out=out)
    return _out(div(1.0, float_input(input)), out)


def positive(input):
    """``+input``: ``input`` itself; PyTorch refuses bool tensors."""
    if input._data.dtype.kind == 'b':
        raise RuntimeError('The `+` operator, on a bool tensor is not supported.')
    return input


# special functions: erf, erfinv, lgamma, digamma come from SciPy on CPU, cupyx on GPU
def _xsp(xp, name):
    if xp is np:
        try:
            import scipy.special as sp
        except ImportError:  # pragma: no cover
            if name == 'erf':
                return np.vectorize(math.erf)
            raise RuntimeError(f"ember's {name} on CPU needs SciPy: pip install 'ember[special]' "
                               '(or pip install scipy)') from None
        return getattr(sp, name)
    import cupyx.scipy.special as csp
    return getattr(csp, name)


def _sp(name):
    def f(xp, x):
        xf = x.astype(_F32) if x.dtype in _HALF else x
        return _xsp(xp, name)(xf).astype(x.dtype, copy=False)
    return f


_erf_f = _sp('erf')     # used by activation.Gelu


def _digamma_f(xp, x):
    r = _sp('digamma')(xp, x)
    # PyTorch: digamma(+0) = -inf, digamma(-0) = +inf (SciPy gives the opposite / NaN)
    z = x == 0
    if builtins.bool(z.any()):
        r = xp.where(z, xp.where(xp.signbit(x), xp.inf, -xp.inf).astype(r.dtype), r)
    return r


_SQPI = math.sqrt(math.pi)
erf = _unary('erf', _sp('erf'), lambda x, y, g: g * ((2 / _SQPI) * exp(-x * x)),
             doc='Gauss error function.')
erfc = _unary('erfc', _sp('erfc'), lambda x, y, g: g * ((-2 / _SQPI) * exp(-x * x)),
              doc='Complementary error function ``1 - erf(input)``.')
erfinv = _unary('erfinv', _sp('erfinv'), lambda x, y, g: g * ((_SQPI / 2) * exp(y * y)), 'y',
                doc='Inverse error function (inf at +-1, NaN outside [-1, 1]).')
def _lgamma_f(xp, x):
    r = _sp('gammaln')(xp, x)
    return xp.where(xp.isneginf(x), xp.inf, r).astype(r.dtype, copy=False)


lgamma = _unary('lgamma', _lgamma_f, lambda x, y, g: g * digamma(x),
                doc='``log |Gamma(input)|``.')
digamma = _unary('digamma', _digamma_f, lambda x, y, g: g * polygamma(1, x),
                 doc='``d/dx lgamma(input)``.')


class Polygamma(Primitive):
    def forward(ctx, xp, x, n=1):
        ctx.n = n
        ctx.save_for_backward(x)
        xf = x.astype(_F32) if x.dtype in _HALF else x
        return _xsp(xp, 'polygamma')(n, xf).astype(x.dtype, copy=False)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * polygamma(ctx.n + 1, x)


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of digamma."""
    if n == 0:
        return digamma(input, out=out)
    return _out(Polygamma.apply(float_input(input), n=n), out)


# ---------------------------------------------------------------------------- binary math


class Maximum(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.maximum(x, y)

    def backward(ctx, g):
        # PyTorch: ties split the gradient evenly; NaN sends it to both
        x, y = ctx.saved_tensors
        h = where(x == y, g / 2, g)
        return (where(x < y, 0.0, h) if ctx._next[0] is not None else None,
                where(x > y, 0.0, h) if ctx._next[1] is not None else None)


class Minimum(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.minimum(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        h = where(x == y, g / 2, g)
        return (where(x > y, 0.0, h) if ctx._next[0] is not None else None,
                where(x < y, 0.0, h) if ctx._next[1] is not None else None)


def _two_tensor_fn(name, prim, doc):
    """``name(input, other, *, out=None)``: ``prim`` on two Tensors (``other`` must be one, as
    PyTorch's TypeError says), promoted to a common dtype."""
    def fn(input, other, *, out=None):
        _need_tensor(other, name)
        return _out(prim.apply(*promote2(input, other)), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


maximum = _two_tensor_fn('maximum', Maximum, 'Elementwise max of two tensors; NaN propagates; '
                         'ties split the gradient evenly.')
minimum = _two_tensor_fn('minimum', Minimum, 'Elementwise min of two tensors; NaN propagates; '
                         'ties split the gradient evenly.')


class Fmax(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.fmax(x, y)

    def backward(ctx, g):
        # PyTorch: the whole gradient goes to ``input`` on ties and where ``other`` is NaN
        x, y = ctx.saved_tensors
        m = (x >= y) | isnan(y)
        return where(m, g, 0.0), where(m, 0.0, g)


class Fmin(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.fmin(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        m = (x <= y) | isnan(y)
        return where(m, g, 0.0), where(m, 0.0, g)


fmax = _two_tensor_fn('fmax', Fmax, 'Elementwise max ignoring NaN (NaN only where both are NaN).')
fmin = _two_tensor_fn('fmin', Fmin, 'Elementwise min ignoring NaN (NaN only where both are NaN).')


class Fmod(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        _int_zero_check(xp, x, y)
        x, y, _ = _prep_int(x, y)
        return xp.fmod(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gy = None
        if ctx._next[1] is not None:
            gy = -g * div(x, y, rounding_mode='trunc')
        return g, gy


class Remainder(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        _int_zero_check(xp, x, y)
        x, y, _ = _prep_int(x, y)
        return xp.remainder(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if not isinstance(x, Tensor):   # remainder(Scalar, Tensor)
            raise RuntimeError('derivative for aten::remainder is not implemented')
        gy = None
        if ctx._next[1] is not None:
            gy = -g * div(x, y, rounding_mode='floor')
        return g, gy


def _prep_int(x, y):
    """Like ``_prep``, but a float scalar meets a half tensor in half (fmod, remainder)."""
    if (type(x) is float or type(y) is float):
        return x, y, None
    return _prep(x, y)


def fmod(input, other, *, out=None):
    """C-style remainder ``input - trunc(input / other) * other``: the sign of ``input``."""
    _need_tensor(input, 'fmod', 'input', 1)
    a, b = _bin(input, other)
    _no_bool(a, b, 'fmod_cpu')
    return _out(Fmod.apply(a, b), out)


def remainder(input, other, *, out=None):
    """Python-style remainder ``input - floor(input / other) * other``: the sign of ``other``."""
    a, b = _bin(input, other)
    _no_bool(a, b, 'remainder_cpu')
    return _out(Remainder.apply(a, b), out)


class Atan2(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.arctan2(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        d = x * x + y * y
        return g * (y / d), g * (-x / d)


def atan2(input, other, *, out=None):
    """``atan(input / other)`` in the quadrant of the point ``(other, input)``."""
    if _ac[0]:
        return _ac_run('atan2', atan2, input, other, out=out)
    _need_tensor(other, 'atan2')
    a, b = promote2(input, other)
    if a._data.dtype.kind in 'biu':
        a, b = float_input(a), float_input(b)
    return _out(Atan2.apply(a, b), out)


arctan2 = atan2


class Hypot(Primitive):
    def forward(ctx, xp, x, y):
        out = xp.hypot(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved_tensors
        return g * (x / out), g * (y / out)


def hypot(input, other, *, out=None):
    """``sqrt(input**2 + other**2)`` without overflow (floating tensors only)."""
    _need_tensor(other, 'hypot')
    a, b = promote2(input, other)
    if a._data.dtype.kind in 'biu':
        raise _notimpl('hypot_cpu', a)
    return _out(Hypot.apply(a, b), out)


class Lerp(Primitive):
    def forward(ctx, xp, x, end, weight):
        ctx.save_for_backward(x, end, weight)
        dt = x.dtype
        if dt in _HALF:
            x, end = x.astype(_F32), end.astype(_F32)
            if hasattr(weight, 'dtype'):
                weight = weight.astype(_F32)
        d = end - x
        # PyTorch's formula: exact at weight 0 and 1
        if hasattr(weight, 'dtype'):
            r = xp.where(xp.abs(weight) < 0.5, x + weight * d, end - d * (1 - weight))
        elif builtins.abs(weight) < 0.5:
            r = x + weight * d
        else:
            r = end - d * (1 - weight)
        return r.astype(dt, copy=False)

    def backward(ctx, g):
        x, end, w = ctx.saved_tensors
        gw = None
        if ctx._next[2] is not None:
            gw = g * (end - x)
        return g * (1 - w), g * w, gw


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``; ``end`` (and a tensor ``weight``) must have
    ``input``'s floating dtype, as PyTorch requires."""
    _need_tensor(end, 'lerp', 'end')
    if input._data.dtype.kind in 'biu':
        raise _notimpl('lerp_kernel_tensor' if isinstance(weight, Tensor) else
                       'lerp_kernel_scalar', input)
    dt = input.dtype
    if end.dtype is not dt:
        raise RuntimeError(f'expected dtype {_pyname(dt)} for `end` but got dtype '
                           f'{_pyname(end.dtype)}')
    if isinstance(weight, Tensor):
        if weight.dtype is not dt:
            if weight.ndim:
                raise RuntimeError(f'expected dtype {_pyname(dt)} for `weight` but got dtype '
                                   f'{_pyname(weight.dtype)}')
            weight = weight.to(dt)
        return _out(Lerp.apply(input, end, weight), out)
    return _out(Lerp.apply(input, end, builtins.float(weight)), out)


def _pyname(dt):
    return {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half',
            'bfloat16': 'c10::BFloat16'}.get(dt.name, dt.name)


class Where(Primitive):
    def forward(ctx, xp, cond, x, y, dt=None):
        ctx.save_for_backward(cond)
        r = xp.where(cond, x, y)
        return r if dt is None else r.astype(dt, copy=False)

    def backward(ctx, g):
        cond, = ctx.saved_tensors
        return (None, where(cond, g, 0.0) if ctx._next[1] is not None else None,
                where(cond, 0.0, g) if ctx._next[2] is not None else None)


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other`` (either may be a Python number), with
    PyTorch's type promotion; with only ``condition``, ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._data.dtype.kind != 'b':
        raise RuntimeError(f'where expected condition to be a boolean tensor, but got a tensor '
                           f'with dtype {_tn(condition.dtype)}')
    if type(input) is np.bool_:
        input = builtins.float(input)
    if type(other) is np.bool_:
        other = builtins.float(other)
    ti, to = isinstance(input, Tensor), isinstance(other, Tensor)
    if ti and to and input._data.dtype == other._data.dtype:
        return _out(Where.apply(condition, input, other), out)
    dt = _dtype.result_type(input, other)
    a = to_dtype(input, dt) if ti else _scalar_of(input)
    b = to_dtype(other, dt) if to else _scalar_of(other)
    if ti or to:
        return _out(Where.apply(condition, a, b, dt=None if ti and to else dt.np), out)
    return _out(Where.apply(condition, a, b, dt=dt.np), out)


def _scalar_of(v):
    return v.item() if isinstance(v, np.generic) else v


class Clamp(Primitive):
    def forward(ctx, xp, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        if lo is not None:
            x = xp.maximum(x, lo)
        if hi is not None:
            x = xp.minimum(x, hi)
        return x

    def backward(ctx, g):
        # PyTorch's clamp_backward and clamp_backward_min_max
        x, lo, hi = ctx.saved_tensors
        m = None
        if lo is not None:
            m = x >= lo
        if hi is not None:
            m = (x <= hi) if m is None else (m & (x <= hi))
        gx = where(m, g, 0.0) if ctx._next[0] is not None else None
        glo = ghi = None
        if isinstance(lo, Tensor) and ctx._next[1] is not None:
            c = x < lo
            if hi is not None:
                c = c & (lo < hi)
            glo = where(c, g, 0.0)
        if isinstance(hi, Tensor) and ctx._next[2] is not None:
            c = x > hi
            if lo is not None:
                c = c | (hi < lo)
            ghi = where(c, g, 0.0)
        return gx, glo, ghi


def clamp(input, min=None, max=None, *, out=None):
    """Clip ``input`` to ``[min, max]``: ``minimum(maximum(input, min), max)``.

    Args:
        min, max: both Python numbers or both tensors (either may be None, not both).
            The result dtype promotes ``input`` with the bounds. The gradient passes
            where ``min <= input <= max`` (bounds included), as in PyTorch.
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if (isinstance(min, Tensor) and max is not None and not isinstance(max, Tensor)) or \
            (isinstance(max, Tensor) and min is not None and not isinstance(min, Tensor)):
        raise TypeError('clamp() received an invalid combination of arguments - got (Tensor, '
                        f'min={type(min).__name__}, max={type(max).__name__}), but expected one '
                        'of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, '
                        'Tensor out = None)\n * (Tensor input, Number min = None, Number max = '
                        'None, *, Tensor out = None)')
    min, max = (_scalar_of(builtins.float(v) if type(v) is np.bool_ else v)
                for v in (min, max))
    dt = _dtype.result_type(input, *(v for v in (min, max) if v is not None))
    x = to_dtype(input, dt)
    lo = _bound(min, dt, x)
    hi = _bound(max, dt, x)
    return _out(Clamp.apply(x, lo, hi), out)


def _bound(v, dt, like):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return to_dtype(v, dt)
    if dt.is_floating_point:
        return like._data.dtype.type(v)
    if dt.np.kind != 'b':
        _int_in_range(builtins.int(v), dt.np)
    return dt.np.type(v)


clip = clamp


def clamp_min(input, min, *, out=None):
    """``clamp(input, min=min)``."""
    return clamp(input, min=min, out=out)


def clamp_max(input, max, *, out=None):
    """``clamp(input, max=max)``."""
    return clamp(input, max=max, out=out)


# ---------------------------------------------------------------------------- comparisons, logic


class _NoGrad(Primitive):
    """Outputs bool or integer: never differentiable."""
    differentiable = False


def _binary_kernel(ufunc, prep=True):
    def forward(ctx, xp, x, y):
        if prep:
            x, y, _ = _prep(x, y)
        return getattr(xp, ufunc)(x, y)
    return forward


def _cmp(name, ufunc, doc):
    cls = type(name.title().replace('_', ''), (_NoGrad,), {'forward': _binary_kernel(ufunc)})

    def fn(input, other, *, out=None):
        _need_tensor(input, name, 'input', 1)
        a, b = _bin(input, other)
        return _out(cls.apply(a, b), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


eq = _cmp('eq', 'equal', '``input == other`` elementwise, a bool tensor.')
ne = _cmp('ne', 'not_equal', '``input != other`` elementwise, a bool tensor.')
lt = _cmp('lt', 'less', '``input < other`` elementwise, a bool tensor.')
le = _cmp('le', 'less_equal', '``input <= other`` elementwise, a bool tensor.')
gt = _cmp('gt', 'greater', '``input > other`` elementwise, a bool tensor.')
ge = _cmp('ge', 'greater_equal', '``input >= other`` elementwise, a bool tensor.')
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_and = _cmp('logical_and', 'logical_and', 'Elementwise logical AND (nonzero is True).')
logical_or = _cmp('logical_or', 'logical_or', 'Elementwise logical OR (nonzero is True).')
logical_xor = _cmp('logical_xor', 'logical_xor', 'Elementwise logical XOR (nonzero is True).')


def _shift_operands(xp, x, y):
    """The operands as arrays, the result dtype, its bit width and where the shift amount is
    out of range (negative or >= the bit width)."""
    x, y, _ = _prep(x, y)
    xa, ya = xp.asarray(x), xp.asarray(y)
    dt = xa.dtype if xa.ndim or not ya.ndim else ya.dtype
    bits = dt.itemsize * 8
    return xa, ya, dt, bits, (ya < 0) | (ya >= bits)


def _shift_l(xp, x, y):
    # PyTorch: shifting by a negative amount or by >= the bit width gives 0
    xa, ya, dt, bits, bad = _shift_operands(xp, x, y)
    r = xp.left_shift(xa, xp.where(bad, 0, ya).astype(dt))
    return xp.where(bad, dt.type(0), r).astype(dt, copy=False)


def _shift_r(xp, x, y):
    # PyTorch: shifting by a negative amount or by >= the bit width fills with the sign bit
    xa, ya, dt, bits, bad = _shift_operands(xp, x, y)
    return xp.right_shift(xa, xp.where(bad, bits - 1, ya).astype(dt)).astype(dt, copy=False)


def _bitwise(name, kernel, forward, doc):
    cls = type(name.title().replace('_', ''), (_NoGrad,), {'forward': forward})

    def fn(input, other, *, out=None):
        a, b = _bin(input, other)
        t = a if isinstance(a, Tensor) else b
        k = t._data.dtype.kind
        if k not in 'biu' or (k == 'b' and 'shift' in kernel):
            raise _notimpl(kernel, t)
        return _out(cls.apply(a, b), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


bitwise_and = _bitwise('bitwise_and', 'bitwise_and_cpu', _binary_kernel('bitwise_and'),
                       'Elementwise bitwise AND of integer or bool tensors.')
bitwise_or = _bitwise('bitwise_or', 'bitwise_or_cpu', _binary_kernel('bitwise_or'),
                      'Elementwise bitwise OR of integer or bool tensors.')
bitwise_xor = _bitwise('bitwise_xor', 'bitwise_xor_cpu', _binary_kernel('bitwise_xor'),
                       'Elementwise bitwise XOR of integer or bool tensors.')
bitwise_left_shift = _bitwise('bitwise_left_shift', 'lshift_cpu',
                              lambda ctx, xp, x, y: _shift_l(xp, x, y),
                              '``input << other``; shifts past the bit width give 0.')
bitwise_right_shift = _bitwise('bitwise_right_shift', 'rshift_cpu',
                               lambda ctx, xp, x, y: _shift_r(xp, x, y),
                               '``input >> other`` (arithmetic for signed integers).')


class LogicalNot(_NoGrad):
    def forward(ctx, xp, x):
        return xp.logical_not(x)


class BitwiseNot(_NoGrad):
    def forward(ctx, xp, x):
        return xp.invert(x)


def logical_not(input, *, out=None):
    """Elementwise logical NOT (zero is False), a bool tensor."""
    return _out(LogicalNot.apply(input), out)


def bitwise_not(input, *, out=None):
    """``~input``: bitwise NOT of integers, logical NOT of bools."""
    if input._data.dtype.kind not in 'biu':
        raise _notimpl('bitwise_not_cpu', input)
    return _out(BitwiseNot.apply(input), out)


def _invert(self):
    if self._data.dtype.kind not in 'biu':
        raise TypeError('~ (operator.invert) is only implemented on integer and Boolean-type '
                        'tensors')
    return BitwiseNot.apply(self)


def _unary_bool(name, f, doc):
    cls = type(name.title().replace('_', ''), (_NoGrad,), {'forward': lambda ctx, xp, x: f(xp, x)})

    def fn(input):
        return cls.apply(input)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _flt(x):
    return x.dtype.kind in 'fcV'


isnan = _unary_bool('isnan', lambda xp, x: xp.isnan(x) if _flt(x) else xp.zeros(x.shape, bool),
                    'True where ``input`` is NaN.')
isinf = _unary_bool('isinf', lambda xp, x: xp.isinf(x) if _flt(x) else xp.zeros(x.shape, bool),
                    'True where ``input`` is +inf or -inf.')
isfinite = _unary_bool('isfinite',
                       lambda xp, x: xp.isfinite(x) if _flt(x) else xp.ones(x.shape, bool),
                       'True where ``input`` is neither NaN nor infinite.')
isposinf = _unary_bool('isposinf',
                       lambda xp, x: xp.isposinf(x) if _flt(x) else xp.zeros(x.shape, bool),
                       'True where ``input`` is +inf.')
isneginf = _unary_bool('isneginf',
                       lambda xp, x: xp.isneginf(x) if _flt(x) else xp.zeros(x.shape, bool),
                       'True where ``input`` is -inf.')
signbit = _unary_bool('signbit', lambda xp, x: xp.signbit(x) if x.dtype.kind != 'b'
                      else xp.zeros(x.shape, bool), 'True where the sign bit is set (-0.0 too).')


class NanToNum(Primitive):
    def forward(ctx, xp, x, nan=0.0, posinf=None, neginf=None):
        ctx.save_for_backward(x)
        if x.dtype.kind not in 'fcV':
            return x.copy()
        fi = _dtype.finfo(_dtype.NP2DT[x.dtype])
        hi = x.dtype.type(posinf if posinf is not None else fi.max)
        lo = x.dtype.type(neginf if neginf is not None else fi.min)
        out = xp.where(xp.isnan(x), x.dtype.type(nan), x)
        out = xp.where(out == xp.inf, hi, out)
        return xp.where(out == -xp.inf, lo, out)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return where(isfinite(x), g, 0.0)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN with ``nan`` and +/-inf with ``posinf``/``neginf`` (default: the dtype's
    largest/lowest finite values); integer tensors come back unchanged."""
    return _out(NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf), out)


class _IsClose(_NoGrad):
    def forward(ctx, xp, x, y, rtol, atol, equal_nan):
        return xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` elementwise."""
    a, b = promote2(input, other)
    return _IsClose.apply(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element is ``isclose``."""
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other):
    """True when both have the same shape and elements."""
    return input.shape == other.shape and builtins.bool((input == other).all())


# ---------------------------------------------------------------------------- methods
def _rsub(self, other):
    return sub(other, self)


def _rdiv(self, other):
    # PyTorch's Tensor.__rtruediv__ is ``self.reciprocal() * other`` (its rounding too)
    return mul(reciprocal(self), other)


def _rpow(self, other):
    return pow(other, self)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


def _rlshift(self, other):
    return bitwise_left_shift(other, self)


def _rrshift(self, other):
    return bitwise_right_shift(other, self)


def _eq(self, other):
    if other is None:   # ``t == None`` is False, as in PyTorch
        return NotImplemented
    return eq(self, other)


def _ne(self, other):
    if other is None:
        return NotImplemented
    return ne(self, other)


def _in(fn):
    """The in-place method ``x.fn_(...)``: ``x`` takes the result, keeping its dtype
    (PyTorch's RuntimeError when the result type can't be cast to it)."""
    prim = getattr(fn, 'prim', None)

    def method(self, *args, **kwargs):
        if prim is not None and not args and not kwargs and self._data.dtype.kind in 'fV':
            return inplace(self, prim)
        return inplace_fn(self, fn, *args, **kwargs)
    method.__name__ = method.__qualname__ = fn.__name__ + '_'
    method.__doc__ = f'In-place ``{fn.__name__}``.'
    return method


def relu_(input):
    """In-place ``relu``."""
    return input.relu_()


def sigmoid_(input):
    """In-place ``sigmoid``."""
    return input.sigmoid_()


def clamp_(input, min=None, max=None):
    """In-place ``clamp``."""
    return input.clamp_(min, max)


_METHODS = {
    '__add__': add, '__radd__': add, '__sub__': sub, '__rsub__': _rsub, '__mul__': mul,
    '__rmul__': mul, '__truediv__': div, '__rtruediv__': _rdiv, '__floordiv__': floor_divide,
    '__rfloordiv__': _rfloordiv, '__mod__': remainder, '__rmod__': _rmod, '__pow__': pow,
    '__rpow__': _rpow, '__neg__': neg, '__pos__': positive, '__abs__': abs,
    '__eq__': _eq, '__ne__': _ne, '__lt__': lt, '__le__': le, '__gt__': gt, '__ge__': ge,
    '__and__': bitwise_and, '__rand__': bitwise_and, '__or__': bitwise_or,
    '__ror__': bitwise_or, '__xor__': bitwise_xor, '__rxor__': bitwise_xor,
    '__invert__': _invert, '__lshift__': bitwise_left_shift, '__rshift__': bitwise_right_shift,
    '__rlshift__': _rlshift, '__rrshift__': _rrshift,
}

_FUNCS = [add, sub, subtract, rsub, mul, multiply, div, divide, true_divide, floor_divide, neg,
          negative, pow, abs, absolute, exp, exp2, expm1, log, log2, log10, log1p, sqrt, rsqrt,
          sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, arcsin, arccos,
          arctan, arcsinh, arccosh, arctanh, sigmoid, relu, sign, sgn, floor, ceil, trunc, fix,
          frac, round, square, reciprocal, positive, erf, erfc, erfinv, lgamma, digamma,
          polygamma, maximum, minimum, fmax, fmin, fmod, remainder, atan2, arctan2, hypot, lerp,
          where, clamp, clip, clamp_min, clamp_max, eq, ne, lt, le, gt, ge, greater,
          greater_equal, less, less_equal, not_equal, logical_and, logical_or, logical_xor,
          logical_not, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, bitwise_left_shift,
          bitwise_right_shift, isnan, isinf, isfinite, isposinf, isneginf, signbit, nan_to_num,
          isclose, allclose, equal, relu_, sigmoid_, clamp_]

_IDS = {id(f) for f in _FUNCS}
_NAMES = {n: f for n, f in list(globals().items()) if id(f) in _IDS and not n.startswith('_')}
_METHODS.update({n: f for n, f in _NAMES.items() if n not in ('relu_', 'sigmoid_', 'clamp_')})
del _METHODS['polygamma']
_METHODS['polygamma'] = lambda self, n: polygamma(n, self)
_METHODS['where'] = lambda self, condition, other: where(condition, self, other)
for _n in ['add', 'sub', 'subtract', 'mul', 'multiply', 'div', 'divide', 'true_divide',
           'floor_divide', 'neg', 'negative', 'pow', 'abs', 'absolute', 'exp', 'exp2', 'expm1',
           'log', 'log2', 'log10', 'log1p', 'sqrt', 'rsqrt', 'sin', 'cos', 'tan', 'asin', 'acos',
           'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'arcsin', 'arccos',
           'arctan', 'arcsinh', 'arccosh', 'arctanh', 'sigmoid', 'relu', 'sign', 'sgn', 'floor',
           'ceil', 'trunc', 'fix', 'frac', 'round', 'square', 'reciprocal', 'erf', 'erfc',
           'erfinv', 'lgamma', 'digamma', 'fmod', 'remainder', 'atan2', 'arctan2', 'hypot',
           'lerp', 'clamp', 'clip', 'clamp_min', 'clamp_max', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
           'greater', 'greater_equal', 'less', 'less_equal', 'not_equal', 'logical_and',
           'logical_or', 'logical_xor', 'logical_not', 'bitwise_and', 'bitwise_or',
           'bitwise_xor', 'bitwise_not', 'bitwise_left_shift', 'bitwise_right_shift',
           'nan_to_num']:
    _METHODS[_n + '_'] = _in(_METHODS[_n])
_METHODS.update({'__iadd__': _METHODS['add_'], '__isub__': _METHODS['sub_'],
                 '__imul__': _METHODS['mul_'], '__itruediv__': _METHODS['div_'],
                 '__ipow__': _METHODS['pow_'], '__ifloordiv__': _METHODS['floor_divide_'],
                 '__imod__': _METHODS['remainder_'], '__iand__': _METHODS['bitwise_and_'],
                 '__ior__': _METHODS['bitwise_or_'], '__ixor__': _METHODS['bitwise_xor_'],
                 '__ilshift__': _METHODS['bitwise_left_shift_'],
                 '__irshift__': _METHODS['bitwise_right_shift_']})
bind(_METHODS)

__all__ = sorted(_NAMES)
