"""Pointwise ops: arithmetic, math functions, comparisons, logical and bitwise ops.

Each primitive's forward (on arrays, through ``xp``) sits beside its backward (on Tensors).
"""
import builtins
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind
from ._util import Primitive, promote2, float_input, inplace, inplace_fn, to_dtype, as_tensor_like

# ---------------------------------------------------------------------------- arithmetic


class Add(Primitive):
    def forward(ctx, xp, x, y, alpha=1):
        ctx.alpha = alpha
        if alpha != 1:
            y = y * alpha
        return xp.add(x, y)

    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * ctx.alpha)


class Sub(Primitive):
    def forward(ctx, xp, x, y, alpha=1):
        ctx.alpha = alpha
        if alpha != 1:
            y = y * alpha
        return xp.subtract(x, y)

    def backward(ctx, g):
        return g, (-g if ctx.alpha == 1 else g * -ctx.alpha)


class Mul(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.multiply(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return (g * y if ctx._next[0] is not None else None,
                g * x if ctx._next[1] is not None else None)


class Div(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.true_divide(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g / y if ctx._next[0] is not None else None
        gy = -g * x / (y * y) if ctx._next[1] is not None else None
        return gx, gy


class Neg(Primitive):
    def forward(ctx, xp, x):
        return xp.negative(x)

    def backward(ctx, g):
        return -g


class Pow(Primitive):
    def forward(ctx, xp, x, y):
        out = xp.power(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved_tensors
        gx = gy = None
        if ctx._next[0] is not None:
            if isinstance(y, Tensor):
                gx = g * y * where(y == 0, 0.0, x ** (y - 1)) if y.dtype.is_floating_point else g * y * x ** (y - 1)
            else:
                gx = g * (y * x ** (y - 1)) if y != 0 else g * 0
        if ctx._next[1] is not None:
            gy = g * out * where(x == 0, 0.0, log(where(x == 0, 1.0, x)))
        return gx, gy


class Abs(Primitive):
    def forward(ctx, xp, x):
        ctx.save_for_backward(x)
        return xp.abs(x)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * sign(x)


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and PyTorch's type promotion."""
    a, b = promote2(input, other)
    r = Add.apply(a, b, alpha=alpha) if alpha != 1 else Add.apply(a, b)
    return _out(r, out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError('Subtraction, the `-` operator, with two bool tensors is not supported. '
                           'Use the `^` or `logical_xor()` operator instead.')
    a, b = promote2(input, other)
    r = Sub.apply(a, b, alpha=alpha) if alpha != 1 else Sub.apply(a, b)
    return _out(r, out)


def _is_bool(x):
    return isinstance(x, Tensor) and x._data.dtype.kind == 'b' or isinstance(x, (bool, np.bool_))


def mul(input, other, *, out=None):
    """Elementwise product."""
    a, b = promote2(input, other)
    return _out(Mul.apply(a, b), out)


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``: true division (ints give the default float dtype), or rounded with
    ``rounding_mode='trunc'|'floor'``."""
    if rounding_mode is None:
        a, b = promote2(input, other)
        if a._data.dtype.kind in 'biu' and (not isinstance(b, Tensor) or b._data.dtype.kind in 'biu'):
            a = a.to(_dtype.get_default_dtype())
            if isinstance(b, Tensor):
                b = b.to(_dtype.get_default_dtype())
        return _out(Div.apply(a, b), out)
    if rounding_mode == 'trunc':
        return _out(_rounded_div(input, other, 'trunc'), out)
    if rounding_mode == 'floor':
        return _out(floor_divide(input, other), out)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                     f"'{rounding_mode}'")


class FloorDivide(Primitive):
    def forward(ctx, xp, x, y):
        if xp.asarray(x).dtype.kind in 'iu' and _has_zero(xp, y):
            raise RuntimeError('ZeroDivisionError')
        return xp.floor_divide(x, y)

    def backward(ctx, g):
        return g * 0, None


class TruncDivide(Primitive):
    def forward(ctx, xp, x, y):
        if x.dtype.kind in 'iu':
            if _has_zero(xp, y):
                raise RuntimeError('ZeroDivisionError')
            q = xp.floor_divide(x, y)
            fix = (xp.remainder(x, y) != 0) & ((x < 0) != (xp.asarray(y) < 0))
            return q + fix.astype(q.dtype)
        return xp.trunc(xp.true_divide(x, y))

    def backward(ctx, g):
        return g * 0, None


def _has_zero(xp, y):
    return bool(xp.any(xp.asarray(y) == 0))


def _rounded_div(input, other, mode):
    a, b = promote2(input, other)
    return TruncDivide.apply(a, b)


def floor_divide(input, other, *, out=None):
    """``floor(input / other)`` elementwise (the ``//`` operator)."""
    a, b = promote2(input, other)
    return _out(FloorDivide.apply(a, b), out)


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def neg(input, *, out=None):
    """``-input``."""
    if input._data.dtype.kind == 'b':
        raise RuntimeError('Negation, the `-` operator, on a bool tensor is not supported. If you '
                           'are trying to invert a mask, use the `~` or `logical_not()` operator '
                           'instead.')
    return _out(Neg.apply(input), out)


negative = neg


def pow(input, exponent, *, out=None):
    """``input ** exponent`` elementwise."""
    if not isinstance(input, Tensor):
        a, b = promote2(input, exponent)
        return _out(Pow.apply(a, b), out)
    if isinstance(exponent, Tensor):
        a, b = promote2(input, exponent)
    else:
        a, b = promote2(input, exponent)
        if a._data.dtype.kind in 'iu' and isinstance(b, int) and b < 0:
            raise RuntimeError('Integers to negative integer powers are not allowed.')
    return _out(Pow.apply(a, b), out)


def abs(input, *, out=None):
    """``|input|``."""
    return _out(Abs.apply(input), out)


absolute = abs


def _out(r, out):
    """Honour an ``out=`` argument: copy the result into ``out`` (resized if needed)."""
    if out is None:
        return r
    from ._util import _write
    if out._data.shape != r._data.shape:
        if out._data.size != 0:
            import warnings
            warnings.warn('An output with one or more elements was resized since it had shape '
                          f'{list(out._data.shape)}, which does not match the required output shape '
                          f'{list(r._data.shape)}. This behavior is deprecated.')
        out._data = r._data.astype(out._data.dtype, copy=True)
    else:
        _write(out, r._data, None)
    out._vc[0] += 1
    return out


# ---------------------------------------------------------------------------- unary math


class _Unary(Primitive):
    """``y = f(x)``: subclasses give ``f`` (on arrays) and ``df(x, y, g)`` (on Tensors)."""
    save = 'x'   # what backward needs: 'x', 'y' or 'xy'

    def forward(ctx, xp, x):
        y = ctx.f(xp, x)
        s = ctx.save
        if s == 'x':
            ctx.save_for_backward(x)
        elif s == 'y':
            ctx.save_for_backward(y)
        else:
            ctx.save_for_backward(x, y)
        return y

    def backward(ctx, g):
        s = ctx.saved_tensors
        if ctx.save == 'x':
            return ctx.df(s[0], None, g)
        if ctx.save == 'y':
            return ctx.df(None, s[0], g)
        return ctx.df(s[0], s[1], g)


def _unary(name, f, df, save='x', floating=True, doc=None):
    """Define a unary primitive ``name`` and its function; returns the function."""
    cls = type(name.capitalize().replace('_', ''), (_Unary,),
               {'f': staticmethod(f), 'df': staticmethod(df), 'save': save})

    def fn(input, *, out=None):
        x = float_input(input) if floating else input
        return _out(cls.apply(x), out)
    fn.__name__ = name
    fn.__doc__ = doc or f'Elementwise ``{name}(input)``.'
    fn.prim = cls
    return fn


exp = _unary('exp', lambda xp, x: xp.exp(x), lambda x, y, g: g * y, 'y', doc='``e ** input``.')
exp2 = _unary('exp2', lambda xp, x: xp.exp2(x), lambda x, y, g: g * y * math.log(2.0), 'y')
expm1 = _unary('expm1', lambda xp, x: xp.expm1(x), lambda x, y, g: g * (y + 1), 'y',
               doc='``exp(input) - 1``, accurate near 0.')
log = _unary('log', lambda xp, x: xp.log(x), lambda x, y, g: g / x, doc='Natural logarithm.')
log2 = _unary('log2', lambda xp, x: xp.log2(x), lambda x, y, g: g / (x * math.log(2.0)))
log10 = _unary('log10', lambda xp, x: xp.log10(x), lambda x, y, g: g / (x * math.log(10.0)))
log1p = _unary('log1p', lambda xp, x: xp.log1p(x), lambda x, y, g: g / (x + 1),
               doc='``log(1 + input)``, accurate near 0.')
sqrt = _unary('sqrt', lambda xp, x: xp.sqrt(x), lambda x, y, g: g / (2 * y), 'y')
rsqrt = _unary('rsqrt', lambda xp, x: 1 / xp.sqrt(x), lambda x, y, g: g * (-0.5) * y * y * y, 'y',
               doc='``1 / sqrt(input)``.')
sin = _unary('sin', lambda xp, x: xp.sin(x), lambda x, y, g: g * cos(x))
cos = _unary('cos', lambda xp, x: xp.cos(x), lambda x, y, g: -g * sin(x))
tan = _unary('tan', lambda xp, x: xp.tan(x), lambda x, y, g: g * (1 + y * y), 'y')
asin = _unary('asin', lambda xp, x: xp.arcsin(x), lambda x, y, g: g * rsqrt(1 - x * x))
acos = _unary('acos', lambda xp, x: xp.arccos(x), lambda x, y, g: -g * rsqrt(1 - x * x))
atan = _unary('atan', lambda xp, x: xp.arctan(x), lambda x, y, g: g / (1 + x * x))
sinh = _unary('sinh', lambda xp, x: xp.sinh(x), lambda x, y, g: g * cosh(x))
cosh = _unary('cosh', lambda xp, x: xp.cosh(x), lambda x, y, g: g * sinh(x))
tanh = _unary('tanh', lambda xp, x: xp.tanh(x), lambda x, y, g: g * (1 - y * y), 'y',
              doc='Hyperbolic tangent.')
asinh = _unary('asinh', lambda xp, x: xp.arcsinh(x), lambda x, y, g: g * rsqrt(x * x + 1))
acosh = _unary('acosh', lambda xp, x: xp.arccosh(x), lambda x, y, g: g * rsqrt(x * x - 1))
atanh = _unary('atanh', lambda xp, x: xp.arctanh(x), lambda x, y, g: g / (1 - x * x))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def _sigmoid(xp, x):
    # one exp, no overflow: exp(-|x|) never overflows
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


sigmoid = _unary('sigmoid', _sigmoid, lambda x, y, g: g * y * (1 - y), 'y',
                 doc='``1 / (1 + exp(-input))``.')


def _relu_f(xp, x):
    return xp.maximum(x, 0, dtype=x.dtype) if x.dtype.kind != 'b' else x.copy()


relu = _unary('relu', _relu_f, lambda x, y, g: g * (y > 0), 'y', floating=False,
              doc='``max(input, 0)``.')


def _sign_f(xp, x):
    return xp.sign(x) if x.dtype.kind != 'b' else x.copy()


sign = _unary('sign', _sign_f, lambda x, y, g: g * 0, floating=False, doc='-1, 0 or 1 by sign.')
sgn = sign


def _rounding(name, f):
    return _unary(name, lambda xp, x: f(xp)(x) if x.dtype.kind in 'fcV' else x.copy(),
                  lambda x, y, g: g * 0, floating=False)


floor = _rounding('floor', lambda xp: xp.floor)
ceil = _rounding('ceil', lambda xp: xp.ceil)
trunc = _rounding('trunc', lambda xp: xp.trunc)
fix = trunc


def _frac_f(xp, x):
    return x - xp.trunc(x)


frac = _unary('frac', _frac_f, lambda x, y, g: g, floating=False,
              doc='``input - trunc(input)``.')


class Round(Primitive):
    def forward(ctx, xp, x, decimals=0):
        if x.dtype.kind not in 'fcV':
            return x.copy()
        if decimals == 0:
            return xp.round(x)
        return xp.round(x, decimals)

    def backward(ctx, g):
        return g * 0


def round(input, *, decimals=0, out=None):
    """Round half to even, to ``decimals`` places (``torch.round``)."""
    return _out(Round.apply(input, decimals=decimals) if decimals else Round.apply(input), out)


def square(input, *, out=None):
    """``input * input``."""
    return _out(mul(input, input), out)


def reciprocal(input, *, out=None):
    """``1 / input`` (ints give floats)."""
    return _out(div(1.0, float_input(input)), out)


def positive(input):
    return input


# special functions: erf, erfinv, lgamma, digamma come from scipy when present, else NumPy code
def _special(name):
    try:
        import scipy.special as sp
        return getattr(sp, name)
    except ImportError:  # pragma: no cover
        return None


def _erf_f(xp, x):
    if xp is np:
        f = _special('erf')
        if f is not None:
            return f(x).astype(x.dtype, copy=False)
        return np.vectorize(math.erf, otypes=[x.dtype])(x)
    import cupyx.scipy.special as csp
    return csp.erf(x)


def _xsp(xp, name):
    if xp is np:
        f = _special(name)
        if f is None:
            raise RuntimeError(f'ember.{name} on CPU needs SciPy (pip install scipy)')
        return f
    import cupyx.scipy.special as csp
    return getattr(csp, name)


def _keep(f):
    return lambda xp, x: f(xp, x).astype(x.dtype, copy=False)


erf = _unary('erf', _erf_f, lambda x, y, g: g * (2 / math.sqrt(math.pi)) * exp(-x * x),
             doc='Gauss error function.')
erfc = _unary('erfc', _keep(lambda xp, x: _xsp(xp, 'erfc')(x)),
              lambda x, y, g: g * (-2 / math.sqrt(math.pi)) * exp(-x * x))
erfinv = _unary('erfinv', _keep(lambda xp, x: _xsp(xp, 'erfinv')(x)),
                lambda x, y, g: g * (math.sqrt(math.pi) / 2) * exp(y * y), 'y',
                doc='Inverse error function.')
lgamma = _unary('lgamma', _keep(lambda xp, x: _xsp(xp, 'gammaln')(x)),
                lambda x, y, g: g * digamma(x), doc='``log |Gamma(input)|``.')
digamma = _unary('digamma', _keep(lambda xp, x: _xsp(xp, 'digamma')(x)),
                 lambda x, y, g: g * polygamma(1, x), doc='``d/dx lgamma(input)``.')


class Polygamma(Primitive):
    def forward(ctx, xp, x, n=1):
        ctx.n = n
        ctx.save_for_backward(x)
        return _xsp(xp, 'polygamma')(n, x).astype(x.dtype, copy=False)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * polygamma(ctx.n + 1, x)


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of digamma."""
    return _out(Polygamma.apply(float_input(input), n=n), out)


# ---------------------------------------------------------------------------- binary math


class Maximum(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.maximum(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        m = (x > y).to(g.dtype) + (x == y).to(g.dtype) * 0.5
        return g * m, g * (1 - m)


class Minimum(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.minimum(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        m = (x < y).to(g.dtype) + (x == y).to(g.dtype) * 0.5
        return g * m, g * (1 - m)


def maximum(input, other, *, out=None):
    """Elementwise max; NaN propagates; the gradient is split evenly on ties."""
    _need_tensor(other, 'maximum')
    return _out(Maximum.apply(*promote2(input, other)), out)


def minimum(input, other, *, out=None):
    """Elementwise min; NaN propagates; the gradient is split evenly on ties."""
    _need_tensor(other, 'minimum')
    return _out(Minimum.apply(*promote2(input, other)), out)


def _need_tensor(x, fn):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'other' (position 2) must be Tensor, not "
                        f'{type(x).__name__}')


class Fmax(Maximum):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.fmax(x, y)


class Fmin(Minimum):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.fmin(x, y)


def fmax(input, other, *, out=None):
    """Elementwise max ignoring NaN."""
    return _out(Fmax.apply(*promote2(input, other)), out)


def fmin(input, other, *, out=None):
    """Elementwise min ignoring NaN."""
    return _out(Fmin.apply(*promote2(input, other)), out)


class Fmod(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        if x.dtype.kind in 'iu' and _has_zero(xp, y):
            raise RuntimeError('ZeroDivisionError')
        return xp.fmod(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gy = None
        if ctx._next[1] is not None:
            gy = -g * trunc(x / y)
        return g, gy


class Remainder(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        if xp.asarray(x).dtype.kind in 'iu' and _has_zero(xp, y):
            raise RuntimeError('ZeroDivisionError')
        return xp.remainder(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gy = None
        if ctx._next[1] is not None:
            gy = -g * floor(x / y)
        return g, gy


def fmod(input, other, *, out=None):
    """C-style remainder: the result has the sign of ``input``."""
    return _out(Fmod.apply(*promote2(input, other)), out)


def remainder(input, other, *, out=None):
    """Python-style remainder: the result has the sign of ``other``."""
    return _out(Remainder.apply(*promote2(input, other)), out)


class Atan2(Primitive):
    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.arctan2(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        d = x * x + y * y
        return g * y / d, -g * x / d


def atan2(input, other, *, out=None):
    """``atan(input / other)`` with the quadrant of (other, input)."""
    a, b = promote2(float_input(input), other)
    return _out(Atan2.apply(a, b), out)


arctan2 = atan2


class Hypot(Primitive):
    def forward(ctx, xp, x, y):
        out = xp.hypot(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved_tensors
        return g * x / out, g * y / out


def hypot(input, other, *, out=None):
    return _out(Hypot.apply(*promote2(input, other)), out)


class Lerp(Primitive):
    def forward(ctx, xp, x, end, weight):
        ctx.save_for_backward(x, end, weight)
        return x + weight * (end - x)

    def backward(ctx, g):
        x, end, w = ctx.saved_tensors
        gw = None
        if ctx._next[2] is not None:
            gw = g * (end - x)
        return g * (1 - w), g * w, gw


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``."""
    a, b = promote2(input, end)
    if isinstance(weight, Tensor):
        return _out(Lerp.apply(a, b, weight), out)
    return _out(Lerp.apply(a, b, float(weight)), out)


class Where(Primitive):
    def forward(ctx, xp, cond, x, y):
        ctx.save_for_backward(cond)
        return xp.where(cond, x, y)

    def backward(ctx, g):
        cond, = ctx.saved_tensors
        z = g.new_zeros(())
        return None, where(cond, g, z), where(cond, z, g)


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other``; with one argument, ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._data.dtype.kind != 'b':
        raise RuntimeError(f'where expected condition to be a boolean tensor, but got a tensor with '
                           f'dtype {condition.dtype}')
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        ref = input if isinstance(input, Tensor) else other
        dt = _dtype.result_type(input, other)
        a = to_dtype(input, dt) if isinstance(input, Tensor) else _scalar(input, dt, ref)
        b = to_dtype(other, dt) if isinstance(other, Tensor) else _scalar(other, dt, ref)
    else:
        dt = _dtype.result_type(input, other)
        a, b = _scalar(input, dt, condition), _scalar(other, dt, condition)
    return _out(Where.apply(condition, a, b), out)


def _scalar(v, dt, like):
    t = as_tensor_like(v, like)
    return t if t._data.dtype == dt.np else t.to(dt)


class Clamp(Primitive):
    def forward(ctx, xp, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        if lo is not None and hi is not None:
            return xp.minimum(xp.maximum(x, lo), hi)
        if lo is not None:
            return xp.maximum(x, lo)
        return xp.minimum(x, hi)

    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        m = None
        if lo is not None:
            m = x >= lo
        if hi is not None:
            m = (x <= hi) if m is None else (m & (x <= hi))
        gx = g * m
        glo = ghi = None
        if isinstance(lo, Tensor) and ctx._next[1] is not None:
            glo = g * (x < lo)
        if isinstance(hi, Tensor) and ctx._next[2] is not None:
            ghi = g * (x > hi) * (~(x < lo) if lo is not None else 1)
        return gx, glo, ghi


def clamp(input, min=None, max=None, *, out=None):
    """Clip to ``[min, max]`` (either may be None; scalars or tensors)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
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
    return v if dt.is_floating_point else builtins.int(v) if not isinstance(v, bool) else v


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


# ---------------------------------------------------------------------------- comparisons, logic


class _NoGrad(Primitive):
    """Outputs bool or integer: never differentiable."""
    differentiable = False


def _cmp(name, ufunc):
    cls = type(name.capitalize(), (_NoGrad,), {
        'forward': lambda ctx, xp, x, y: getattr(xp, ufunc)(x, y)})

    def fn(input, other, *, out=None):
        a, b = promote2(input, other)
        return _out(cls.apply(a, b), out)
    fn.__name__ = name
    fn.__doc__ = f'Elementwise ``{name}`` comparison, a bool tensor.'
    return fn


eq = _cmp('eq', 'equal')
ne = _cmp('ne', 'not_equal')
lt = _cmp('lt', 'less')
le = _cmp('le', 'less_equal')
gt = _cmp('gt', 'greater')
ge = _cmp('ge', 'greater_equal')
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_and = _cmp('logical_and', 'logical_and')
logical_or = _cmp('logical_or', 'logical_or')
logical_xor = _cmp('logical_xor', 'logical_xor')


def _bitwise(name, ufunc):
    cls = type(name.title().replace('_', ''), (_NoGrad,), {
        'forward': lambda ctx, xp, x, y: getattr(xp, ufunc)(x, y)})

    def fn(input, other, *, out=None):
        a, b = promote2(input, other)
        if a._data.dtype.kind not in 'biu' or (isinstance(b, Tensor) and b._data.dtype.kind not in 'biu') \
                or isinstance(b, float):
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{_tname(a, b)}\'')
        return _out(cls.apply(a, b), out)
    fn.__name__ = name
    return fn


def _tname(a, b):
    from ._util import _tname as t
    dt = a.dtype if a._data.dtype.kind not in 'biu' else (b.dtype if isinstance(b, Tensor) else _dtype.float32)
    return t(dt)


bitwise_and = _bitwise('bitwise_and', 'bitwise_and')
bitwise_or = _bitwise('bitwise_or', 'bitwise_or')
bitwise_xor = _bitwise('bitwise_xor', 'bitwise_xor')
bitwise_left_shift = _bitwise('bitwise_left_shift', 'left_shift')
bitwise_right_shift = _bitwise('bitwise_right_shift', 'right_shift')


class LogicalNot(_NoGrad):
    def forward(ctx, xp, x):
        return xp.logical_not(x)


class BitwiseNot(_NoGrad):
    def forward(ctx, xp, x):
        return xp.invert(x)


def logical_not(input, *, out=None):
    return _out(LogicalNot.apply(input), out)


def bitwise_not(input, *, out=None):
    """``~input``: bitwise NOT of integers, logical NOT of bools."""
    if input._data.dtype.kind not in 'biu':
        raise RuntimeError(f'"bitwise_not_cpu" not implemented for \'{_tname(input, None)}\'')
    return _out(BitwiseNot.apply(input), out)


def _unary_bool(name, f):
    cls = type(name, (_NoGrad,), {'forward': lambda ctx, xp, x: f(xp, x)})

    def fn(input):
        return cls.apply(input)
    fn.__name__ = name
    return fn


isnan = _unary_bool('isnan', lambda xp, x: xp.isnan(x) if x.dtype.kind in 'fcV' else xp.zeros(x.shape, bool))
isinf = _unary_bool('isinf', lambda xp, x: xp.isinf(x) if x.dtype.kind in 'fcV' else xp.zeros(x.shape, bool))
isfinite = _unary_bool('isfinite', lambda xp, x: xp.isfinite(x) if x.dtype.kind in 'fcV' else xp.ones(x.shape, bool))
isposinf = _unary_bool('isposinf', lambda xp, x: xp.isposinf(x) if x.dtype.kind in 'fV' else xp.zeros(x.shape, bool))
isneginf = _unary_bool('isneginf', lambda xp, x: xp.isneginf(x) if x.dtype.kind in 'fV' else xp.zeros(x.shape, bool))
signbit = _unary_bool('signbit', lambda xp, x: xp.signbit(x) if x.dtype.kind != 'b' else xp.zeros(x.shape, bool))


class NanToNum(Primitive):
    def forward(ctx, xp, x, nan=0.0, posinf=None, neginf=None):
        ctx.save_for_backward(x)
        if x.dtype.kind not in 'fcV':
            return x.copy()
        fi = xp.finfo(x.dtype) if x.dtype.kind == 'f' else None
        hi = posinf if posinf is not None else (fi.max if fi is not None else float('inf'))
        lo = neginf if neginf is not None else (fi.min if fi is not None else float('-inf'))
        out = xp.where(xp.isnan(x), nan, x)
        out = xp.where(out == float('inf'), hi, out)
        return xp.where(out == float('-inf'), lo, out).astype(x.dtype, copy=False)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * isfinite(x)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN with ``nan`` and +/-inf with ``posinf``/``neginf`` (default: dtype limits)."""
    return _out(NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf), out)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` elementwise."""
    a, b = promote2(input, other)
    return _IsClose.apply(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


class _IsClose(_NoGrad):
    def forward(ctx, xp, x, y, rtol, atol, equal_nan):
        return xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)


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
    return div(other, self)


def _rpow(self, other):
    return pow(other, self)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


def _in(fn):
    """The in-place method ``x.fn_(...)``: ``x`` takes the result, keeping its dtype."""
    prim = getattr(fn, 'prim', None)

    def method(self, *args, **kwargs):
        if prim is not None and not args and not kwargs:
            return inplace(self, prim)
        return inplace_fn(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + '_'
    return method


def _and(self, other):
    return (logical_and if self._data.dtype.kind == 'b' and _boolish(other) else bitwise_and)(self, other)


def _or(self, other):
    return (logical_or if self._data.dtype.kind == 'b' and _boolish(other) else bitwise_or)(self, other)


def _xor(self, other):
    return (logical_xor if self._data.dtype.kind == 'b' and _boolish(other) else bitwise_xor)(self, other)


def _boolish(o):
    return isinstance(o, (bool, np.bool_)) or (isinstance(o, Tensor) and o._data.dtype.kind == 'b')


_METHODS = {
    '__add__': add, '__radd__': add, '__sub__': sub, '__rsub__': _rsub, '__mul__': mul,
    '__rmul__': mul, '__truediv__': div, '__rtruediv__': _rdiv, '__floordiv__': floor_divide,
    '__rfloordiv__': _rfloordiv, '__mod__': remainder, '__rmod__': _rmod, '__pow__': pow,
    '__rpow__': _rpow, '__neg__': neg, '__pos__': positive, '__abs__': abs,
    '__eq__': eq, '__ne__': ne, '__lt__': lt, '__le__': le, '__gt__': gt, '__ge__': ge,
    '__and__': _and, '__rand__': _and, '__or__': _or, '__ror__': _or, '__xor__': _xor,
    '__rxor__': _xor, '__invert__': bitwise_not,
    '__lshift__': bitwise_left_shift, '__rshift__': bitwise_right_shift,
}

_FUNCS = [add, sub, mul, div, true_divide, floor_divide, neg, negative, pow, abs, absolute,
          exp, exp2, expm1, log, log2, log10, log1p, sqrt, rsqrt, sin, cos, tan, asin, acos, atan,
          sinh, cosh, tanh, asinh, acosh, atanh, arcsin, arccos, arctan, arcsinh, arccosh,
          arctanh, sigmoid, relu, sign, sgn, floor, ceil, trunc, fix, frac, round, square,
          reciprocal, positive, erf, erfc, erfinv, lgamma, digamma, polygamma, maximum, minimum,
          fmax, fmin, fmod, remainder, atan2, arctan2, hypot, lerp, where, clamp, clip,
          clamp_min, clamp_max, eq, ne, lt, le, gt, ge, greater, greater_equal, less, less_equal,
          not_equal, logical_and, logical_or, logical_xor, logical_not, bitwise_and, bitwise_or,
          bitwise_xor, bitwise_not, bitwise_left_shift, bitwise_right_shift, isnan, isinf,
          isfinite, isposinf, isneginf, signbit, nan_to_num, isclose, allclose, equal]

_IDS = {id(f) for f in _FUNCS}
_NAMES = {n: f for n, f in list(globals().items()) if id(f) in _IDS and not n.startswith('_')}
_METHODS.update(_NAMES)
del _METHODS['polygamma']
_METHODS['polygamma'] = lambda self, n: polygamma(n, self)
_METHODS['multiply'] = mul
_METHODS['subtract'] = sub
_METHODS['divide'] = div
_METHODS['__iadd__'] = _in(add)
for _n in ['add', 'sub', 'mul', 'div', 'true_divide', 'floor_divide', 'neg', 'negative', 'pow',
           'abs', 'absolute', 'exp', 'exp2', 'expm1', 'log', 'log2', 'log10', 'log1p', 'sqrt',
           'rsqrt', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh',
           'acosh', 'atanh', 'sigmoid', 'relu', 'sign', 'sgn', 'floor', 'ceil', 'trunc', 'fix',
           'frac', 'round', 'square', 'reciprocal', 'erf', 'erfc', 'erfinv', 'lgamma', 'digamma',
           'fmod', 'remainder', 'atan2', 'hypot', 'lerp', 'clamp', 'clip', 'clamp_min',
           'clamp_max', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and', 'logical_or',
           'logical_xor', 'logical_not', 'bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_not',
           'nan_to_num', 'maximum', 'minimum', 'multiply', 'subtract', 'divide']:
    _METHODS[_n + '_'] = _in(_METHODS[_n])
_METHODS.update({'__isub__': _METHODS['sub_'], '__imul__': _METHODS['mul_'],
                 '__itruediv__': _METHODS['div_'], '__ipow__': _METHODS['pow_'],
                 '__ifloordiv__': _METHODS['floor_divide_'], '__imod__': _METHODS['remainder_'],
                 '__iand__': lambda s, o: inplace_fn(s, _and, o),
                 '__ior__': lambda s, o: inplace_fn(s, _or, o),
                 '__ixor__': lambda s, o: inplace_fn(s, _xor, o)})
bind(_METHODS)

__all__ = sorted(_NAMES)
