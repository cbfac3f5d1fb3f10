"""Special functions of ``torch.special`` that ember's other op modules do not already have:
erfcx, i0e, i1, i1e, ndtr, ndtri, log_ndtr, entr, xlog1py, multigammaln, zeta, bessel_j0/j1.

The kernels come from ``scipy.special`` on CPU (an optional extra, ``pip install
'ember[special]'``, imported lazily) and ``cupyx.scipy.special`` on CUDA. Gradients follow
PyTorch's formulas; zeta's derivative raises NotImplementedError and bessel_j0/j1 outputs do not
require grad, as in PyTorch.
"""
import math
import numbers


from .._tensor import Tensor
from ._util import Primitive, float_input
from .pointwise import (_unary, _sp, _xsp, _out, _notimpl, _HALF, _F32, exp, log, sign, erfc,
                        lgamma, where)
from .extra import I1, _float_pair as _pair

__all__ = ['erfcx', 'i0e', 'i1', 'i1e', 'ndtr', 'ndtri', 'log_ndtr', 'entr', 'xlog1py',
           'multigammaln', 'zeta', 'bessel_j0', 'bessel_j1']

_SQPI = math.sqrt(math.pi)
_SQ2PI = math.sqrt(2 * math.pi)
_SQRT1_2 = math.sqrt(0.5)


def _full_only(name, fn):
    """``fn`` refusing half/bfloat16/complex inputs with PyTorch's NotImplementedError (its CPU
    kernels for these functions exist for float32/float64 only)."""
    def g(input, *, out=None):
        dt = input._data.dtype
        if dt in _HALF or dt.kind == 'c':
            raise _notimpl(f'{name}_cpu', input)
        return fn(input, out=out)
    g.__name__ = g.__qualname__ = name
    g.__doc__ = fn.__doc__
    g.prim = fn.prim
    return g


erfcx = _full_only('erfcx', _unary(
    'erfcx', _sp('erfcx'), lambda x, y, g: g * (2 * x * erfcx(x) - 2 / _SQPI),
    doc='Scaled complementary error function ``exp(x**2) * erfc(x)`` (needs SciPy on CPU).'))

i0e = _unary('i0e', _sp('i0e'), lambda x, y, g: g * (i1e(x) - sign(x) * i0e(x)),
             doc='Exponentially scaled modified Bessel function of order 0, '
                 '``exp(-|x|) * i0(x)`` (needs SciPy on CPU).')


def _i1e_grad(x, y, g):
    # PyTorch: i0e(x) - i1e(x) * (sgn(x) + 1/x), with 1/2 at x = 0
    z = x == 0
    xs = where(z, 1., x)
    return g * where(z, 0.5, i0e(x) - i1e(x) * (sign(x) + 1 / xs))


i1e = _unary('i1e', _sp('i1e'), _i1e_grad,
             doc='Exponentially scaled modified Bessel function of order 1, '
                 '``exp(-|x|) * i1(x)`` (needs SciPy on CPU).')


def i1(input, *, out=None):
    """Modified Bessel function of the first kind, order 1 (needs SciPy on CPU)."""
    return _out(I1.apply(float_input(input)), out)


ndtri = _full_only('ndtri', _unary(
    'ndtri', _sp('ndtri'), lambda x, y, g: g * (_SQ2PI * exp(y * y * 0.5)), 'y',
    doc='Inverse of ``ndtr``: the standard normal quantile of ``input`` in [0, 1] '
        '(needs SciPy on CPU).'))

log_ndtr = _full_only('log_ndtr', _unary(
    'log_ndtr', _sp('log_ndtr'),
    lambda x, y, g: g * (exp(-(log_ndtr(x) + x * x * 0.5)) / _SQ2PI),
    doc='``log(ndtr(input))``, accurate far in the lower tail (needs SciPy on CPU).'))


def ndtr(input, *, out=None):
    """The standard normal CDF ``(1 + erf(x / sqrt(2))) / 2``, as ``erfc(-x / sqrt(2)) / 2``."""
    x = float_input(input)
    return _out(erfc(x * -_SQRT1_2) * 0.5, out)


def _entr_f(xp, x):
    xf = x.astype(_F32) if x.dtype in _HALF else x
    r = xp.where(xf < 0, -xp.inf, -xf * xp.log(xf))
    r = xp.where(xf == 0, 0, r)
    return r.astype(x.dtype, copy=False)


entr = _unary('entr', _entr_f, lambda x, y, g: g * -(1 + log(x)),
              doc='Elementwise entropy ``-x * log(x)``: 0 at 0, ``-inf`` for ``x < 0``.')


class XLog1Py(Primitive):
    _name = 'SpecialXlog1PyBackward0'

    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        xf, yf = (x.astype(_F32), y.astype(_F32)) if x.dtype in _HALF else (x, y)
        r = xp.where((xf == 0) & ~xp.isnan(yf), 0, xf * xp.log1p(yf))
        return r.astype(x.dtype, copy=False)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx._next[0] is not None:      # PyTorch: xlog1py(grad, y), 0 where x == 0, y <= -1
            gx = where((x == 0) & (y <= -1), 0., XLog1Py.apply(g, y))
        if ctx._next[1] is not None:
            gy = g * x / (y + 1)
        return gx, gy


def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, defined as 0 where ``input == 0`` (unless ``other`` is NaN).

    Args:
        input, other: Tensors or numbers (at least one Tensor), broadcast and type-promoted.
    """
    x, y = _pair(input, other, 'special_xlog1py')
    return _out(XLog1Py.apply(x, y), out)


class Zeta(Primitive):
    _name = 'SpecialZetaBackward0'

    def forward(ctx, xp, x, q):
        return _xsp(xp, 'zeta')(x, q).astype(x.dtype, copy=False)

    def backward(ctx, g):
        raise NotImplementedError("the derivative for 'zeta' is not implemented.")


def zeta(input, other, *, out=None):
    """Hurwitz zeta function ``sum_k (k + other) ** -input`` (needs SciPy on CPU).

    Like PyTorch, it has no derivative (backward raises NotImplementedError).
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError('special_zeta() received an invalid combination of arguments - got '
                        f'({type(input).__name__}, {type(other).__name__})')
    x, q = _pair(input, other, 'special_zeta')
    if x._data.dtype in _HALF or x._data.dtype.kind == 'c':
        raise _notimpl('zeta_cpu', x)
    return _out(Zeta.apply(x, q), out)


def multigammaln(input, p, *, out=None):
    """Multivariate log-gamma of dimension ``p``:
    ``p (p - 1) / 4 * log(pi) + sum_{i<p} lgamma(input - i / 2)`` (``torch.mvlgamma``)."""
    if not isinstance(p, numbers.Integral) or p < 1:
        raise RuntimeError('p has to be greater than or equal to 1')
    x = float_input(input)
    from .creation import arange
    steps = arange(p, dtype=x.dtype, device=x.device) * -0.5
    r = lgamma(x.unsqueeze(-1) + steps).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)
    return _out(r, out)


def _bessel_j(order):
    name = f'bessel_j{order}'
    fn = _unary(name, _sp(f'j{order}'), None, None,
                doc=f'Bessel function of the first kind of order {order} (needs SciPy on CPU); '
                    'as in PyTorch, its output does not require grad.')
    fn.prim.differentiable = False
    return _full_only(name, fn)


bessel_j0 = _bessel_j(0)
bessel_j1 = _bessel_j(1)
