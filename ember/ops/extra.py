"""Less common ops of PyTorch's namespace: extra pointwise math, statistics, construction and
shape helpers, complex views, predicates and the top-level aliases of ``nn.functional``.

Most are composites of existing ember ops (autograd comes for free); primitives are used where
a fused kernel is needed for stability (logaddexp, logcumsumexp, copysign, p-norm distances)
or where the result is a view (unfold, real, imag, view_as_real/complex).
"""
import builtins
import math
import numbers
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, Size, _wrap, bind
from ..autograd.grad_mode import _state
from ._util import Primitive, promote2, float_input, inplace_fn, wrap_dim, to_dtype, _tname
from .pointwise import _out, _xp
from .shape import _copy_of

_ndarray = np.ndarray
_PI = math.pi


def _e():
    import ember
    return ember


def _F():
    from ..nn import functional
    return functional


def _is_float(t):
    return t._data.dtype.kind in 'fV' or t.dtype in (_dtype.float16, _dtype.bfloat16)


def _t(x, like):
    """``x`` (a Tensor or a Python number) as a Tensor on ``like``'s device."""
    return x if isinstance(x, Tensor) else Tensor._coerce(x, like)


def _xpt(t):
    return _xp(t._data)


def _need_t(x, fn, name='input', pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f'{type(x).__name__}')


def _notimpl(name, t):
    return RuntimeError(f'"{name}" not implemented for \'{_tname(t.dtype)}\'')


# ============================================================================ pointwise


def _promote3(*ts):
    """Tensors converted to their common PyTorch result dtype (as ternary kernels compute)."""
    dt = _dtype.result_type(*ts)
    return tuple(to_dtype(t, dt) if isinstance(t, Tensor) else t for t in ts)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2`` (elementwise, broadcast, type-promoted)."""
    _need_t(input, 'addcmul')
    input, tensor1, tensor2 = _promote3(input, tensor1, tensor2)
    prod = tensor1 * tensor2
    r = input + (prod if value == 1 else prod * value)
    return _out(r, out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``; integer ``tensor1``/``tensor2`` raise as in PyTorch."""
    _need_t(input, 'addcdiv')
    if (isinstance(tensor1, Tensor) and tensor1._data.dtype.kind in 'biu'
            and isinstance(tensor2, Tensor) and tensor2._data.dtype.kind in 'biu'):
        raise RuntimeError('Integer division with addcdiv is no longer supported, and in a future '
                           'release addcdiv will perform a true division of tensor1 and tensor2. '
                           'The historic addcdiv behavior can be implemented as (input + value * '
                           'torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and '
                           'as (input + value * tensor1 / tensor2) for float inputs. The future '
                           'addcdiv behavior is just the latter implementation: (input + value * '
                           'tensor1 / tensor2), for all dtypes.')
    input, tensor1, tensor2 = _promote3(input, tensor1, tensor2)
    q = tensor1 / tensor2
    r = input + (q if value == 1 else q * value)
    return _out(r, out)


def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``
    (its gradient is zero outside that range, as in PyTorch)."""
    x = float_input(input)
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return _out((x / (1 - x)).log(), out)


class XLogY(Primitive):
    _name = 'XlogyBackward0'

    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), x * xp.log(y))

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        E = _e()
        gx = gy = None
        if ctx._next[0] is not None:      # PyTorch: xlogy(grad, y), zero where x == 0 and y <= 0
            gx = E.where((x == 0) & (y <= 0), 0., XLogY.apply(g, y))
        if ctx._next[1] is not None:
            gy = g * x / y
        return gx, gy


def _float_pair(input, other, fn):
    """Two operands (a Tensor and a Tensor or number) as float Tensors of one dtype."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f'{fn}(): expected at least one Tensor argument')
    x, y = (input, other) if isinstance(input, Tensor) else (other, input)
    x, y = promote2(x, y)
    x, y = (x, y) if isinstance(input, Tensor) else (y, x)
    like = x if isinstance(x, Tensor) else y
    x, y = float_input(_t(x, like)), float_input(_t(y, like))
    if x.dtype != y.dtype:
        x, y = promote2(x, y)
    return x, y


def xlogy(input, other, *, out=None):
    """``input * log(other)``, defined as 0 where ``input == 0`` (unless ``other`` is NaN)."""
    x, y = _float_pair(input, other, 'xlogy')
    return _out(XLogY.apply(x, y), out)


def sinc(input, *, out=None):
    """Normalised sinc ``sin(pi x) / (pi x)``, 1 at 0."""
    E = _e()
    x = float_input(input)
    z = x == 0
    xs = E.where(z, 1., x) * _PI
    return _out(E.where(z, 1., xs.sin() / xs), out)


def deg2rad(input, *, out=None):
    """Degrees to radians."""
    if input.is_complex():
        raise RuntimeError('deg2rad is not supported for complex tensors.')
    return _out(float_input(input) * (_PI / 180), out)


def rad2deg(input, *, out=None):
    """Radians to degrees."""
    if input.is_complex():
        raise RuntimeError('rad2deg is not supported for complex tensors.')
    return _out(float_input(input) * (180 / _PI), out)


def _int_binary(name, kernel):
    def fn(input, other, *, out=None):
        a, b = promote2(input, other)
        b = _t(b, a)
        if a._data.dtype.kind not in 'iu':
            raise _notimpl(f'{name}_cpu', a)
        xp = _xpt(a)
        return _out(_wrap(kernel(xp)(a._data, b._data).astype(a._data.dtype, copy=False)), out)
    fn.__name__ = name
    return fn


gcd = _int_binary('gcd', lambda xp: xp.gcd)
gcd.__doc__ = 'Elementwise greatest common divisor of integer tensors (non-negative).'
lcm = _int_binary('lcm', lambda xp: xp.lcm)
lcm.__doc__ = 'Elementwise least common multiple of integer tensors (non-negative).'


def heaviside(input, values, *, out=None):
    """Step function: 0 where ``input < 0``, ``values`` where 0, 1 where positive.
    ``input`` and ``values`` must share a dtype (PyTorch does not promote here)."""
    _need_t(values, 'heaviside', 'values', 2)
    if input.dtype != values.dtype:
        raise RuntimeError('heaviside is not yet implemented for tensors with different dtypes')
    if input.is_complex():
        raise RuntimeError('heaviside is not yet implemented for complex tensors.')
    xp = _xpt(input)
    x, v = input._data, values._data
    r = xp.where(x == 0, v, (x > 0).astype(x.dtype))
    if r.shape != np.broadcast_shapes(x.shape, v.shape):
        r = xp.broadcast_to(r, np.broadcast_shapes(x.shape, v.shape)).copy()
    return _out(_wrap(xp.ascontiguousarray(r).astype(x.dtype, copy=False)), out)


class LogAddExp(Primitive):
    _name = 'LogaddexpBackward0'

    def forward(ctx, xp, x, y, base2=False):
        ctx.base2 = base2
        ctx.save_for_backward(x, y)
        return (xp.logaddexp2 if base2 else xp.logaddexp)(x, y)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if ctx.base2:
            gx = g / (1 + (2 ** (y - x)))
            gy = g / (1 + (2 ** (x - y)))
        else:
            gx = g / (1 + (y - x).exp())
            gy = g / (1 + (x - y).exp())
        return (gx if ctx._next[0] is not None else None,
                gy if ctx._next[1] is not None else None, None)


def _logaddexp(input, other, base2, out):
    _need_t(input, 'logaddexp2' if base2 else 'logaddexp')
    _need_t(other, 'logaddexp2' if base2 else 'logaddexp', 'other', 2)
    x, y = promote2(input, other)
    if not _is_float(x) and not x.is_complex():
        raise NotImplementedError(f'"logaddexp{"2" if base2 else ""}_cpu" not implemented for '
                                  f"'{_tname(x.dtype)}'")
    if x.is_complex():
        raise RuntimeError('logaddexp is not implemented for complex tensors')
    return _out(LogAddExp.apply(x, y, base2), out)


def logaddexp(input, other, *, out=None):
    """``log(exp(input) + exp(other))``, computed stably."""
    return _logaddexp(input, other, False, out)


def logaddexp2(input, other, *, out=None):
    """``log2(2**input + 2**other)``, computed stably."""
    return _logaddexp(input, other, True, out)


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in double precision (complex128 for complex operands)."""
    cplx = any(isinstance(v, Tensor) and v.is_complex() or isinstance(v, complex)
               for v in (input, exponent))
    dt = _dtype.complex128 if cplx else _dtype.float64
    if isinstance(input, Tensor):
        input = to_dtype(input, dt)
    if isinstance(exponent, Tensor):
        exponent = to_dtype(exponent, dt)
    if isinstance(input, Tensor):
        r = input.pow(exponent)
    else:
        r = _e().pow(input, exponent)
    if out is not None and out.dtype != dt:
        raise RuntimeError(f'the output given to float_power has dtype {out.dtype} but the '
                           f'operation\'s result requires dtype {dt}')
    return _out(r, out)


def _float_power_(self, exponent):
    if self.dtype != _dtype.float64 and self.dtype != _dtype.complex128:
        raise RuntimeError(f'the base given to float_power_ has dtype {_tname(self.dtype)} but '
                           "the operation's result requires dtype Double")
    return _ipc(self, float_power, exponent)


class CopySign(Primitive):
    _name = 'CopysignBackward0'

    def forward(ctx, xp, x, y):
        r = xp.copysign(x, y)
        ctx.save_for_backward(x, r)
        return r

    def backward(ctx, g):
        x, r = ctx.saved_tensors
        E = _e()
        gx = None
        if ctx._next[0] is not None:
            gx = g * E.where(x == 0, 0., r / x)
        gy = _wrap(_xp(g._data).zeros_like(g._data)) if ctx._next[1] is not None else None
        return gx, gy


def copysign(input, other, *, out=None):
    """``input``'s magnitude with ``other``'s sign (float result)."""
    x, y = promote2(input, other)
    y = _t(y, x)
    x, y = float_input(x), float_input(y)
    if x.dtype != y.dtype:
        x, y = promote2(x, y)
    return _out(CopySign.apply(x, y), out)


def _rt(name, fields):
    from .. import return_types as R
    return getattr(R, name, None) or R._make(name, fields)


def frexp(input, *, out=None):
    """Mantissa (in ``[0.5, 1)``) and int32 exponent with ``input = mantissa * 2**exponent``."""
    if not _is_float(input):
        raise RuntimeError('torch.frexp() only supports floating-point dtypes')
    xp = _xpt(input)
    m, e = xp.frexp(input._data)
    res = _rt('frexp', ['mantissa', 'exponent'])((_wrap(m), _wrap(e.astype(np.int32))))
    if out is not None:
        _out(res[0], out[0])
        _out(res[1], out[1])
        return _rt('frexp', ['mantissa', 'exponent'])(tuple(out))
    return res


def ldexp(input, other, *, out=None):
    """``input * 2 ** other``."""
    r = input * _e().pow(2., other) if isinstance(other, Tensor) else input * (2. ** other)
    return _out(float_input(r), out)


def nextafter(input, other, *, out=None):
    """The next representable float after ``input`` towards ``other``."""
    _need_t(other, 'nextafter', 'other', 2)
    x, y = promote2(input, other)
    if not _is_float(x):
        raise _notimpl('nextafter_cpu', x)
    xp = _xpt(x)
    return _out(_wrap(xp.nextafter(x._data, y._data)), out)


def _bessel(xp, x, order):
    if xp is np:
        try:
            from scipy import special
            return (special.i0 if order == 0 else special.i1)(x).astype(x.dtype, copy=False)
        except ImportError:
            if order == 0:
                return np.i0(x).astype(x.dtype, copy=False)
            raise RuntimeError("ember's i1 on CPU needs SciPy: pip install 'ember[special]' "
                               '(or pip install scipy)') from None
    from cupyx.scipy import special
    return (special.i0 if order == 0 else special.i1)(x).astype(x.dtype, copy=False)


class I1(Primitive):
    """Modified Bessel function of the first kind, order 1 (the derivative of i0)."""

    def forward(ctx, xp, x):
        ctx.save_for_backward(x)
        return _bessel(xp, x, 1)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        # i1'(x) = i0(x) - i1(x) / x, with i1'(0) = 1/2
        E = _e()
        z = x == 0
        xs = E.where(z, 1., x)
        return g * E.where(z, 0.5, I0.apply(x) - I1.apply(x) / xs)


class I0(Primitive):
    _name = 'I0Backward0'

    def forward(ctx, xp, x):
        ctx.save_for_backward(x)
        return _bessel(xp, x, 0)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * I1.apply(x)


def i0(input, *, out=None):
    """Modified Bessel function of the first kind, order 0."""
    return _out(I0.apply(float_input(input)), out)


# ============================================================================ reductions / stats


class LogCumSumExp(Primitive):
    _name = 'LogcumsumexpBackward0'

    def forward(ctx, xp, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            r = x.copy()
        elif xp is np:
            r = np.logaddexp.accumulate(x, axis=dim)
        else:
            m = xp.max(x, axis=dim, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            r = xp.log(xp.cumsum(xp.exp(x - m), axis=dim)) + m
        ctx.save_for_backward(x, r)
        return r

    def backward(ctx, g):
        x, r = ctx.saved_tensors
        if x.ndim == 0:
            return g, None
        d = ctx.dim
        E = _e()

        def rev_lcse(t):
            return LogCumSumExp.apply(t.flip(d), d).flip(d)

        # PyTorch's (TensorFlow's) log-space form: positive and negative parts of g separately,
        # with the lowest finite value standing for log(0)
        low = float(np.finfo(g._data.dtype).min)
        lg = g.abs().log()
        gp = rev_lcse(E.where(g > 0, lg, low) - r)
        gn = rev_lcse(E.where(g < 0, lg, low) - r)
        return (gp + x).exp() - (gn + x).exp(), None


def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(input), dim))``, computed stably."""
    d = wrap_dim(dim, builtins.max(input.ndim, 1))
    if not _is_float(input):
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                  f"'{_tname(input.dtype)}'")
    return _out(LogCumSumExp.apply(input, d if input.ndim else 0), out)


_INTERP = ('linear', 'lower', 'higher', 'midpoint', 'nearest')


def _quantile(input, q, dim, keepdim, interpolation, out, ignore_nan, name):
    E = _e()
    _need_t(input, name)
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(f'{name}() input tensor must be either float or double dtype')
    if interpolation not in _INTERP:
        raise RuntimeError(f'{name}() interpolation must be one of linear, lower, higher, '
                           f'midpoint or nearest. Got {interpolation}')
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        if not 0 <= q <= 1:
            raise RuntimeError(f'{name}() q must be in the range [0, 1] but got {q}')
        qt = E.tensor([float(q)], dtype=input.dtype, device=input.device)
    else:
        if q.ndim > 1:
            raise RuntimeError(f'{name}() q must be a scalar or 1D tensor')
        if q.dtype != input.dtype:
            raise RuntimeError(f'{name}() q tensor must be same dtype as the input tensor')
        qd = q._data
        if qd.size and not bool(((qd >= 0) & (qd <= 1)).all()):
            raise RuntimeError(f'{name}() q values must be in the range [0, 1]')
        qt = q.reshape(-1)
    if input.numel() == 0:
        raise RuntimeError(f'{name}() input tensor must be non-empty')
    if dim is None:
        x = input.reshape(-1)
        d = 0
    else:
        d = wrap_dim(dim, builtins.max(input.ndim, 1))
        x = input if input.ndim else input.reshape(1)
    x = x.movedim(d, -1)
    s = E.sort(x, -1)[0]                               # NaNs sort last
    n = s.shape[-1]
    nan = s.isnan()
    if ignore_nan:
        k = (~nan).sum(-1, keepdim=True).to(input.dtype)      # valid count per row
        ranks = (qt * (k - 1)).clamp(min=0)                   # (..., nq); all-NaN rows: 0
    else:
        ranks = (qt * (n - 1)).expand(*s.shape[:-1], qt.shape[0])
        ranks = E.where(nan.any(-1, keepdim=True), float(n - 1), ranks)   # NaN row: last
    if interpolation == 'lower':
        ranks = ranks.floor()
    elif interpolation == 'higher':
        ranks = ranks.ceil()
    elif interpolation == 'nearest':
        ranks = ranks.round()
    lo = ranks.detach().long()
    r = s.gather(-1, lo)
    if interpolation in ('linear', 'midpoint'):
        w = E.full_like(ranks, 0.5) if interpolation == 'midpoint' else ranks - lo.to(ranks.dtype)
        r = r.lerp(s.gather(-1, ranks.detach().ceil().long()), w)
    r = r.movedim(-1, 0)                              # (nq, ...)
    if keepdim:
        if dim is None:
            r = r.reshape((r.shape[0],) + (1,) * input.ndim)
        elif input.ndim:
            r = r.unsqueeze(d + 1)
    if scalar_q or q.ndim == 0:
        r = r.squeeze(0)
    return _out(r, out)


def quantile(input, q, dim=None, keepdim=False, *, interpolation='linear', out=None):
    """The ``q``-th quantiles of ``input`` (along ``dim``, or of all elements); a row holding
    NaN gives NaN. ``interpolation``: linear, lower, higher, midpoint or nearest."""
    return _quantile(input, q, dim, keepdim, interpolation, out, False, 'quantile')


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation='linear', out=None):
    """``quantile`` ignoring NaNs (a row of only NaNs gives NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, out, True, 'nanquantile')


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of ``bins`` equal-width bins over ``[min, max]`` (data range when equal);
    elements outside are ignored. Returns ``input``'s dtype."""
    if not _is_float(input):
        raise _notimpl('histogram_cpu', input)
    if bins <= 0:
        raise RuntimeError('torch.histc(): bins must be > 0, but got ' + str(bins) + ' for dimension 0')
    xp = _xpt(input)
    x = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError('torch.histc(): max must be larger than min')
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f'torch.histc(): range of [{lo}, {hi}] is not finite')
    x = x[(x >= lo) & (x <= hi)]
    dt = x.dtype
    idx = ((x - dt.type(lo)) * dt.type(bins) / (dt.type(hi) - dt.type(lo))).astype(np.int64)
    idx = xp.minimum(idx, bins - 1)
    h = xp.bincount(idx, minlength=bins).astype(dt)
    return _out(_wrap(h), out)


def bincount(input, weights=None, minlength=0):
    """Count of each value of a 1-D non-negative integer tensor (sum of ``weights`` if given)."""
    if input.ndim != 1 or input._data.dtype.kind not in 'iu' or (
            input.numel() and int(input._data.min()) < 0):
        if input._data.dtype.kind not in 'biu':
            raise _notimpl('bincount_cpu', input)
        raise RuntimeError('bincount only supports 1-d non-negative integral inputs.')
    if minlength < 0:
        raise RuntimeError('minlength should be >= 0')
    xp = _xpt(input)
    if weights is None:
        return _wrap(xp.bincount(input._data, minlength=minlength).astype(np.int64))
    if weights.shape != input.shape:
        raise RuntimeError('weights should be 1-d and have the same length as input')
    wd = weights._data
    dt = wd.dtype if wd.dtype.kind == 'f' and wd.dtype != np.float16 else np.float64
    if wd.dtype == np.float32:
        dt = np.float32
    return _wrap(xp.bincount(input._data, weights=wd.astype(np.float64),
                             minlength=minlength).astype(dt))


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """Histogram of ``input`` with ``bins`` equal bins (over ``range`` or the data range) or
    the given bin edges; returns ``(hist, bin_edges)``."""
    if not _is_float(input):
        raise _notimpl('histogram_cpu', input)
    xp = _xpt(input)
    x = input._data.reshape(-1)
    dt = x.dtype
    if isinstance(bins, Tensor):
        if bins.ndim != 1 or bins.numel() < 1:
            raise RuntimeError('torch.histogram(): bins tensor should have one dimension')
        edges = bins._data.astype(dt)
        nb = edges.size - 1
    else:
        if bins <= 0:
            raise RuntimeError('torch.histogram(): bins must be > 0')
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x.size:
            lo, hi = float(x.min()), float(x.max())
        else:
            lo, hi = 0., 0.
        if lo > hi:
            raise RuntimeError(f'torch.histogram(): min should not exceed max, but got min {lo} '
                               f'max {hi}')
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = xp.linspace(lo, hi, bins + 1).astype(dt)
        nb = bins
    wd = None if weight is None else weight._data.reshape(-1)
    lo_e, hi_e = edges[0], edges[-1]
    keep = (x >= lo_e) & (x <= hi_e)
    xv = x[keep]
    idx = xp.searchsorted(edges, xv, side='right') - 1
    idx = xp.minimum(idx, nb - 1)
    h = xp.bincount(idx, weights=None if wd is None else wd[keep].astype(np.float64),
                    minlength=nb).astype(dt)
    if density:
        h = h / (h.sum() * xp.diff(edges))
        h = h.astype(dt)
    R = _rt('histogram', ['hist', 'bin_edges'])
    res = R((_wrap(h), _wrap(xp.ascontiguousarray(edges))))
    if out is not None:
        _out(res[0], out[0])
        _out(res[1], out[1])
        return R(tuple(out))
    return res


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the variables in ``input``'s rows (observations in columns), with
    optional integer frequency weights and float observation weights."""
    if input.ndim > 2:
        raise RuntimeError(f'cov(): expected input to have two or fewer dimensions but got an '
                           f'input with {input.ndim} dimensions')
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    if x.dtype.is_floating_point is False and not x.is_complex():
        x = x.to(_dtype.get_default_dtype())
    w = None
    if fweights is not None:
        if fweights.ndim > 1:
            raise RuntimeError(f'cov(): expected fweights to have one or fewer dimensions but got '
                               f'fweights with {fweights.ndim} dimensions')
        if fweights._data.dtype.kind not in 'iu':
            raise RuntimeError('cov(): expected fweights to have integral dtype but got fweights '
                               f'with {_tname(fweights.dtype)} dtype')
        if fweights.numel() != n:
            raise RuntimeError(f'cov(): expected fweights to have the same numel as there are '
                               f'observations in the input but got {fweights.numel()} != {n}')
        if fweights.numel() and int(fweights._data.min()) < 0:
            raise RuntimeError('cov(): fweights cannot be negative')
        w = fweights
    if aweights is not None:
        if aweights.ndim > 1:
            raise RuntimeError(f'cov(): expected aweights to have one or fewer dimensions but got '
                               f'aweights with {aweights.ndim} dimensions')
        if not _is_float(aweights):
            raise RuntimeError('cov(): expected aweights to have floating point dtype')
        if aweights.numel() != n:
            raise RuntimeError(f'cov(): expected aweights to have the same numel as there are '
                               f'observations in the input but got {aweights.numel()} != {n}')
        if aweights.numel() and float(aweights._data.min()) < 0:
            raise RuntimeError('cov(): aweights cannot be negative')
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        w_sum = n
        norm = n - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights).sum() / w_sum
    if isinstance(norm, Tensor):
        if bool((norm <= 0)._data):
            warnings.warn('cov(): degrees of freedom is <= 0. Correction should be strictly less '
                          'than the number of observations.')
            norm = norm.clamp(min=0)
    elif norm <= 0:
        warnings.warn('cov(): degrees of freedom is <= 0. Correction should be strictly less than '
                      'the number of observations.')
        norm = 0
    xc = x - avg.unsqueeze(1)
    xw = xc if w is None else xc * w
    c = xc.matmul(xw.t().conj() if xw.is_complex() else xw.t())
    c = c / norm
    return c.squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the variables in ``input``'s rows."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    sd = d.sqrt()
    c = c / sd.unsqueeze(1)
    c = c / sd.unsqueeze(0)
    return c.clamp(-1, 1)


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` (broadcast)."""
    from .. import linalg
    return linalg.vector_norm(input - other, float(p))


def renorm(input, p, dim, maxnorm, *, out=None):
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to norm
    ``maxnorm`` (PyTorch's ``maxnorm / (norm + 1e-7)`` factor)."""
    from .. import linalg
    E = _e()
    if p <= 0:
        raise RuntimeError('renorm: non-positive-norm not supported')
    if maxnorm < 0:
        raise RuntimeError(f'renorm: expected maxnorm to be >= 0 but got {maxnorm}')
    if input.ndim <= 1:
        raise RuntimeError(f'renorm: input needs at least 2 dimensions, got {input.ndim} '
                           'dimensions')
    d = wrap_dim(dim, input.ndim)
    red = tuple(i for i in builtins.range(input.ndim) if i != d)
    nrm = linalg.vector_norm(input, float(p), red, keepdim=True)
    factor = E.where(nrm > maxnorm, maxnorm / (nrm + 1e-7), 1.)
    return _out(input * factor, out)


# ============================================================================ construction / shape


def _tensors_arg(tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 1-D (or 0-D) tensors, as expanded views. ``indexing='ij'`` (default,
    with PyTorch's warning when omitted) or ``'xy'`` (first two dims swapped)."""
    ts = _tensors_arg(tensors)
    if indexing is None:
        warnings.warn('torch.meshgrid: in an upcoming release, it will be required to pass the '
                      'indexing argument.', UserWarning, stacklevel=2)
        indexing = 'ij'
    if indexing not in ('ij', 'xy'):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    if not ts:
        raise RuntimeError('meshgrid expects a non-empty TensorList')
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f'torch.meshgrid: Expected 0D or 1D tensor in the tensor list but '
                               f'got: {t}')
    for t in ts[1:]:
        if t.dtype != ts[0].dtype:
            raise RuntimeError('meshgrid expects all tensors to have the same dtype')
        if t.device != ts[0].device:
            raise RuntimeError('meshgrid expects all tensors to have the same device')
    swap = indexing == 'xy' and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    n = len(ts)
    outs = []
    for i, t in enumerate(ts):
        v = t.reshape((1,) * i + (-1,) + (1,) * (n - i - 1))
        outs.append(v.expand(*shape))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to (a ``Size``)."""
    sh = []
    for s in shapes:
        if isinstance(s, (int, np.integer)):
            s = (int(s),)
        sh.append(tuple(int(v) for v in s))
    try:
        return Size(np.broadcast_shapes(*sh))
    except ValueError:
        raise RuntimeError(f'Shape mismatch: objects cannot be broadcast to a single shape.  '
                           f'Mismatch in shapes {sh}') from None


def broadcast_tensors(*tensors):
    """``tensors`` expanded (as views) to their common broadcast shape."""
    ts = _tensors_arg(tensors)
    shape = broadcast_shapes(*[t.shape for t in ts])
    return tuple(t.expand(*shape) for t in ts)


def cartesian_prod(*tensors):
    """Cartesian product of 1-D tensors: ``(N1*N2*..., len(tensors))`` (1-D for one tensor)."""
    ts = _tensors_arg(tensors)
    for t in ts:
        if t.ndim != 1:
            raise RuntimeError(f'Expect a 1D vector, but got shape {list(t.shape)}')
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing='ij')
    return _e().stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of a 1-D tensor's elements (``itertools.combinations``
    order), or with replacement."""
    if input.ndim != 1:
        raise RuntimeError(f'Expect a 1D vector, but got shape {list(input.shape)}')
    if r < 0:
        raise RuntimeError(f'Expect a non-negative number, but got {r}')
    if r == 0:
        return _e().empty(0, dtype=input.dtype, device=input.device)
    n = input.shape[0]
    xp = _xpt(input)
    grids = np.meshgrid(*([np.arange(n)] * r), indexing='ij')
    mask = np.ones(grids[0].shape, bool)
    for a, b in zip(grids[:-1], grids[1:]):
        mask &= (a <= b) if with_replacement else (a < b)
    idx = np.stack([g[mask] for g in grids], 1)          # (k, r), lexicographic
    it = _wrap(xp.asarray(idx.reshape(-1)))
    return input.index_select(0, it).reshape(idx.shape[0], r)


def block_diag(*tensors):
    """Block-diagonal matrix of the given tensors (0-D as 1x1, 1-D as a row)."""
    E = _e()
    ts = _tensors_arg(tensors)
    mats = []
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise RuntimeError(f'torch.block_diag: Input tensors must have 2 or fewer dimensions. '
                               f'Input {i} has {t.ndim} dimensions')
        mats.append(t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t)
    if not mats:
        return E.empty(1, 0)
    dt = mats[0].dtype
    for m in mats[1:]:
        dt = _dtype.promote_types(dt, m.dtype)
    total = builtins.sum(m.shape[1] for m in mats)
    rows = []
    col = 0
    F = _F()
    for m in mats:
        m = to_dtype(m, dt)
        c = m.shape[1]
        rows.append(F.pad(m, (col, total - col - c)) if total else m)
        col += c
    return E.cat(rows, 0)


def _tri_indices(row, col, offset, dtype, device, lower):
    E = _e()
    if row < 0 or col < 0:
        raise RuntimeError(f'row must be non-negative, got{row}' if row < 0 else
                           f'col must be non-negative, got{col}')
    if dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError('"tril_indices" not implemented for \'' + _tname(dtype) + "'")
    f = np.tril_indices if lower else np.triu_indices
    r, c = f(row, offset, col)
    return E.tensor(np.stack([r, c]).astype(dtype.np), device=device)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    """``(2, N)`` coordinates of the lower triangle (diagonal ``offset``) of a row x col matrix."""
    return _tri_indices(row, col, offset, dtype or _dtype.int64, device, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    """``(2, N)`` coordinates of the upper triangle (diagonal ``offset``) of a row x col matrix."""
    return _tri_indices(row, col, offset, dtype or _dtype.int64, device, False)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims`` (from the first towards the second)."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f'expected total rotation dims == 2, but got dims = {len(dims)}')
    if input.ndim < 2:
        raise RuntimeError(f'expected total dims >= 2, but got total dims = {input.ndim}')
    d0, d1 = wrap_dim(dims[0], input.ndim), wrap_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f'expected rotation dims to be different, but got dim0 = {d0} and '
                           f'dim1 = {d1}')
    k = k % 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip(d0, d1)
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


def diagflat(input, offset=0):
    """2-D tensor with the flattened ``input`` on diagonal ``offset``."""
    return _e().diag(input.reshape(-1), offset)


def vander(x, N=None, increasing=False):
    """Vandermonde matrix: columns are powers of ``x`` (decreasing unless ``increasing``)."""
    E = _e()
    if x.ndim != 1:
        raise RuntimeError('x must be a one-dimensional tensor.')
    n = x.shape[0]
    if N is None:
        N = n
    if N < 0:
        raise RuntimeError('N must be non-negative.')
    dt = _dtype.promote_types(x.dtype, _dtype.int64)
    if N == 0:
        return E.empty(n, 0, dtype=dt, device=x.device)
    xx = to_dtype(x, dt)
    cols = [E.ones(n, 1, dtype=dt, device=x.device)]
    if N > 1:
        cols.append(xx.unsqueeze(1).expand(n, N - 1))
    r = E.cat(cols, 1).cumprod(1)
    return r if increasing else r.flip(1)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Trapezoidal rule integral of ``y`` along ``dim``, with sample points ``x`` or spacing ``dx``."""
    if y.ndim == 0:
        raise IndexError(f'Dimension out of range (expected to be in range of [-1, 0], but got '
                         f'{dim})')
    d = wrap_dim(dim, y.ndim)
    n = y.shape[d]
    if isinstance(x, Tensor):
        if n == 0:
            return float_input(y).sum(d) * 0
        if x.ndim == 1:
            if x.shape[0] != n:
                raise RuntimeError('trapezoid: There must be one `x` value for each sample point')
            dxs = x.diff().reshape((-1,) + (1,) * (y.ndim - d - 1))
        else:
            dxs = x.diff(dim=dim)
        return (dxs * (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1))).sum(d) / 2
    if x is not None:
        dx = x
    if dx is None:
        dx = 1
    if n == 0:
        return float_input(y).sum(d) * 0
    r = (y.sum(d) - (y.select(d, 0) + y.select(d, -1)) * 0.5) * dx
    return float_input(r) if r.dtype.is_floating_point is False else r


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Cumulative trapezoidal integral of ``y`` along ``dim`` (one element fewer than ``y``)."""
    d = wrap_dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return float_input(y) * 1
    avg = (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1))
    if isinstance(x, Tensor):
        if x.ndim == 1:
            dxs = x.diff().reshape((-1,) + (1,) * (y.ndim - d - 1))
        else:
            dxs = x.diff(dim=dim)
        return (dxs * avg / 2).cumsum(d)
    if x is not None:
        dx = x
    if dx is None:
        dx = 1
    return (avg * (dx / 2)).cumsum(d)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None,
                 out=None):
    """Indices where ``input``'s values would be inserted into the innermost dim of
    ``sorted_sequence`` to keep it sorted (``right``/``side='right'``: after equal values)."""
    _need_t(sorted_sequence, 'searchsorted', 'sorted_sequence')
    if side is not None:
        if side not in ('left', 'right'):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == 'left':
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               'got side of left while right was True')
        right = side == 'right'
    xp = _xpt(sorted_sequence)
    seq = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    v = xp.asarray(input, dtype=seq.dtype) if scalar else input._data
    if sorter is not None:
        if sorter.shape != sorted_sequence.shape:
            raise RuntimeError('torch.searchsorted(): boundary and sorter must have the same size, '
                               f'but got boundary tensor {list(seq.shape)}and got sorter tensor '
                               f'{list(sorter.shape)}')
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim > 1 and not scalar and seq.shape[:-1] != v.shape[:-1]:
        raise RuntimeError('torch.searchsorted(): boundaries tensor should be 1 dimension or the '
                           'first N-1 dimensions of boundaries tensor and input value tensor must '
                           f'match, but we got boundaries tensor {list(seq.shape)} and input value '
                           f'tensor {list(v.shape)}')
    if not scalar and input.dtype != sorted_sequence.dtype:
        ct = np.promote_types(seq.dtype, v.dtype)
        seq, v = seq.astype(ct), v.astype(ct)
    sd = 'right' if right else 'left'
    if seq.ndim <= 1:
        r = xp.searchsorted(seq, v, side=sd)
    else:
        # per-row search: compare every value with its row (vectorised count)
        cmp = (seq[..., None, :] <= v[..., :, None]) if right else (seq[..., None, :] < v[..., :, None])
        r = cmp.sum(-1)
    r = xp.asarray(r).astype(np.int32 if out_int32 else np.int64)
    return _out(_wrap(r), out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket of each ``input`` value given 1-D sorted ``boundaries``."""
    if boundaries.ndim != 1:
        raise RuntimeError(f'boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})')
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def ravel(input):
    """``input`` flattened to 1-D (a view when possible)."""
    return input.reshape(-1)


def unravel_index(indices, shape):
    """Flat ``indices`` as a tuple of coordinate tensors into ``shape`` (negatives count back)."""
    E = _e()
    if not isinstance(indices, Tensor):
        indices = E.tensor(indices)
    if indices._data.dtype.kind not in 'iu' or indices.dtype == _dtype.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    for s in shape:
        if s < 0:
            raise ValueError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    n = 1
    for s in shape:
        n *= s
    xp = _xpt(indices)
    idx = indices._data.astype(np.int64)
    if idx.size and (int(idx.max()) >= n or int(idx.min()) < -n):
        raise RuntimeError(f"'indices' must be in range [{-n}, {n - 1}]")
    idx = xp.where(idx < 0, idx + n, idx)
    outs = []
    for s in reversed(shape):
        outs.append(_wrap(idx % s if s else idx * 0))
        idx = idx // s if s else idx
    return tuple(reversed(outs))


class PNorm(Primitive):
    """``p``-norm over the last dim, with PyTorch's cdist gradients (zero where the norm is 0)."""
    _name = 'CdistBackward0'

    def forward(ctx, xp, diff, p):
        a = xp.abs(diff)
        if p == 0:
            r = (a != 0).sum(-1).astype(diff.dtype)
        elif p == 1:
            r = a.sum(-1)
        elif p == 2:
            r = xp.sqrt((diff * diff).sum(-1))
        elif p == math.inf:
            r = a.max(-1) if a.shape[-1] else xp.zeros(a.shape[:-1], a.dtype)
        else:
            r = (a ** p).sum(-1) ** (1 / p)
        ctx.p = p
        ctx.save_for_backward(diff, r)
        return r.astype(diff.dtype, copy=False)

    def backward(ctx, g):
        diff, r = ctx.saved_tensors
        p = ctx.p
        E = _e()
        g = g.unsqueeze(-1)
        rr = r.unsqueeze(-1)
        if p == 0:
            return diff * 0, None
        if p == 1:
            return g * diff.sign(), None
        z = rr == 0
        if p == 2:
            return diff * E.where(z, 0., g / E.where(z, 1., rr)), None
        if p == math.inf:
            return g * diff.sign() * (diff.abs() == rr).to(diff.dtype), None
        gd = diff * diff.abs().pow(p - 2) * g / E.where(z, 1., rr).pow(p - 1)
        if p < 2:
            gd = E.where(diff == 0, 0., gd)
        return E.where(z, 0., gd), None


def cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary'):
    """Batched ``p``-norm distances between the rows of ``x1`` (…, P, M) and ``x2`` (…, R, M)."""
    if x1.ndim < 2:
        raise RuntimeError(f'cdist only supports at least 2D tensors, X1 got: {x1.ndim}D')
    if x2.ndim < 2:
        raise RuntimeError(f'cdist only supports at least 2D tensors, X2 got: {x2.ndim}D')
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f'X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} '
                           f'X2: {x2.shape[-1]}')
    if not _is_float(x1) or not _is_float(x2):
        raise RuntimeError(f'cdist only supports floating-point dtypes, X1 got: {x1.dtype}')
    if p < 0:
        raise RuntimeError('cdist only supports non-negative p values')
    if compute_mode not in (None, 'use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist',
                            'donot_use_mm_for_euclid_dist'):
        raise ValueError(f'{compute_mode} is not a valid value for compute_mode')
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return PNorm.apply(diff, float(p))


def pdist(input, p=2):
    """Distances between all pairs of rows of a 2-D tensor (upper triangle, row-major)."""
    if input.ndim != 2:
        raise RuntimeError(f'pdist only supports 2D tensors, got: {input.ndim}D')
    if not _is_float(input):
        raise RuntimeError('pdist only supports floating-point dtypes')
    if p < 0:
        raise RuntimeError('pdist only supports non-negative p values')
    n = input.shape[0]
    r, c = np.triu_indices(n, 1)
    xp = _xpt(input)
    diff = input.index_select(0, _wrap(xp.asarray(r))) - input.index_select(0, _wrap(xp.asarray(c)))
    return PNorm.apply(diff, float(p))


class Unfold(Primitive):
    """``x.unfold(dim, size, step)``: every window of ``size`` along ``dim`` (a new last dim)."""
    _name = 'UnfoldBackward0'
    is_view = True

    def forward(ctx, xp, x, dim, size, step):
        ctx.shape, ctx.args = x.shape, (dim, size, step)
        if x.ndim == 0:
            return x.reshape(1)
        n = x.shape[dim]
        cnt = (n - size) // step + 1
        shape = x.shape[:dim] + (cnt,) + x.shape[dim + 1:] + (size,)
        st = x.strides
        strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
        return xp.lib.stride_tricks.as_strided(x, shape, strides)

    def backward(ctx, g):
        return (UnfoldBackward.apply(g, ctx.shape, *ctx.args),) + (None,) * 3


class UnfoldBackward(Primitive):
    _name = 'UnfoldBackwardBackward0'

    def forward(ctx, xp, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        z = xp.zeros(shape, g.dtype)
        if len(shape) == 0:
            z[()] = g.reshape(())
            return z
        cnt = g.shape[dim]
        zm = xp.moveaxis(z, dim, -1)
        gm = xp.moveaxis(g, dim, -2)            # (..., cnt, size)
        for k in builtins.range(size):
            zm[..., k:k + step * (cnt - 1) + 1:step] += gm[..., k]
        return z

    def backward(ctx, gg):
        return (Unfold.apply(gg, *ctx.args),) + (None,) * 4


def unfold(self, dimension, size, step):
    """View of all length-``size`` windows along ``dimension`` with stride ``step``; the windows
    form a new last dimension."""
    d = wrap_dim(dimension, builtins.max(self.ndim, 1))
    n = self.shape[d] if self.ndim else 1
    if size > n:
        raise RuntimeError(f'maximum size for tensor at dimension {d} is {n} but size is {size}')
    if step <= 0:
        raise RuntimeError(f'step is {step} but must be > 0')
    if size < 0:
        raise RuntimeError(f'size is {size} but must be >= 0')
    return Unfold.apply(self, d, size, step)


def _fill_diag(self, fill_value, wrap):
    E = _e()
    if self.ndim < 2:
        raise RuntimeError('dimensions must larger than 1')
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError('all dimensions of input must be of equal length')
    m = np.zeros(tuple(self.shape), bool)
    np.fill_diagonal(m, True, wrap=wrap)
    mask = _wrap(_xpt(self).asarray(m))
    return E.where(mask, _t(fill_value, self).to(self.dtype), self)


def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal in place (for tall matrices, ``wrap`` restarts it every N+1 rows)."""
    return _ipc(self, _fill_diag, fill_value, wrap)


def _new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None,
                       pin_memory=False, requires_grad=False):
    """An uninitialised tensor of ``size`` with element strides ``stride``."""
    E = _e()
    size, stride = tuple(int(v) for v in size), tuple(int(v) for v in stride)
    if len(size) != len(stride):
        raise RuntimeError('mismatch in length of strides and shape')
    dt = dtype or self.dtype
    n = 1 + builtins.sum((a - 1) * b for a, b in zip(size, stride)) if 0 not in size else 0
    buf = E.empty(n, dtype=dt, device=device or self.device)._data
    xp = _xp(buf)
    arr = xp.lib.stride_tricks.as_strided(buf, size, tuple(b * buf.itemsize for b in stride))
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


# ============================================================================ complex helpers


_C2R = {np.dtype(np.complex64): np.dtype(np.float32), np.dtype(np.complex128): np.dtype(np.float64)}
_R2C = {v: k for k, v in _C2R.items()}


class ComplexParts(Primitive):
    """``re + 1j * im`` from two real tensors (the gradient of real/imag views)."""

    def forward(ctx, xp, re, im):
        out = xp.empty(np.broadcast_shapes(re.shape, im.shape), _R2C[np.dtype(re.dtype)])
        out.real = re
        out.imag = im
        return out

    def backward(ctx, g):
        return real(g), imag(g)


class Real(Primitive):
    _name = 'RealBackward0'
    is_view = True

    def forward(ctx, xp, x):
        return x.real

    def backward(ctx, g):
        return ComplexParts.apply(g, g * 0)


class Imag(Primitive):
    _name = 'ImagBackward0'
    is_view = True

    def forward(ctx, xp, x):
        return x.imag

    def backward(ctx, g):
        return ComplexParts.apply(g * 0, g)


def real(input):
    """The real part: a view for complex tensors; a real tensor is returned as is."""
    if not input.is_complex():
        return input
    return Real.apply(input)


def imag(input):
    """The imaginary part of a complex tensor, as a view."""
    if not input.is_complex():
        raise RuntimeError('imag is not implemented for tensors with non-complex dtypes.')
    return Imag.apply(input)


class ViewAsReal(Primitive):
    _name = 'ViewAsRealBackward0'
    is_view = True

    def forward(ctx, xp, x):
        if x.ndim == 0:     # NumPy cannot change a 0-d array's itemsize: view it as 1-d first
            return x.reshape(1).view(_C2R[np.dtype(x.dtype)])
        f = x.view(_C2R[np.dtype(x.dtype)])
        shape = x.shape + (2,)
        strides = tuple(s for s in x.strides) + (f.itemsize,)
        return xp.lib.stride_tricks.as_strided(f, shape, strides) if x.ndim else f

    def backward(ctx, g):
        return view_as_complex(g.contiguous())


class ViewAsComplex(Primitive):
    _name = 'ViewAsComplexBackward0'
    is_view = True

    def forward(ctx, xp, x):
        return x.view(_R2C[np.dtype(x.dtype)])[..., 0]

    def backward(ctx, g):
        return view_as_real(g)


def view_as_real(input):
    """A complex tensor viewed as a real one with a last dim of size 2 (real, imag)."""
    if not input.is_complex():
        raise RuntimeError('view_as_real is only supported for complex tensors')
    return ViewAsReal.apply(input)


def view_as_complex(input):
    """A real tensor whose last dim has size 2 and stride 1 viewed as complex."""
    d = input._data
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError('view_as_complex is only supported for float and double tensors, but '
                           f'got a tensor of scalar type: {_tname(input.dtype)}')
    if d.ndim == 0 or d.shape[-1] != 2:
        raise RuntimeError('Tensor must have a last dimension of size 2')
    if d.strides[-1] != d.itemsize:
        raise RuntimeError('Tensor must have a last dimension with stride 1')
    for s in d.strides[:-1]:
        if s % (2 * d.itemsize):
            raise RuntimeError('Tensor must have a stride divisible by 2 for all but last dimension')
    return ViewAsComplex.apply(input)


class Conj(Primitive):
    _name = 'ConjBackward0'

    def forward(ctx, xp, x):
        return xp.conj(x)

    def backward(ctx, g):
        return conj_physical(g)


def conj_physical(input, *, out=None):
    """Elementwise complex conjugate (a real tensor is returned unchanged)."""
    if not input.is_complex():
        return _out(input, out) if out is not None else input
    return _out(Conj.apply(input), out)


def conj(input):
    """Complex conjugate. ember materialises it (PyTorch returns a lazy view with the conj bit);
    a real tensor is returned as is."""
    return conj_physical(input)


def resolve_conj(input):
    """``input`` with any lazy conjugation materialised (ember never defers it)."""
    return input


def resolve_neg(input):
    """``input`` with any lazy negation materialised (ember never defers it)."""
    return input


def is_conj(input):
    """Whether the conjugate bit is set (never in ember: conjugation is materialised)."""
    return False


def is_neg(input):
    """Whether the negative bit is set (never in ember)."""
    return False


class Angle(Primitive):
    _name = 'AngleBackward0'

    def forward(ctx, xp, x):
        if x.dtype.kind == 'c':
            ctx.save_for_backward(x)
            return xp.angle(x)
        return xp.where(xp.isnan(x), x, xp.where(x < 0, x.dtype.type(_PI), x.dtype.type(0)))

    def backward(ctx, g):
        if not ctx.saved_tensors:
            return g * 0
        # PyTorch's angle_backward: grad * 1j * x / |x|^2, 0 where x is 0
        x, = ctx.saved_tensors
        return _e().where(x == 0, 0.0, g * x / (x.abs() ** 2) * 1j)


def angle(input, *, out=None):
    """Elementwise argument (radians); for real inputs 0 or pi (NaN kept)."""
    return _out(Angle.apply(float_input(input)), out)


# ============================================================================ predicates / utilities


def is_tensor(obj):
    """Whether ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def is_storage(obj):
    """Whether ``obj`` is a storage object (ember has none exposed)."""
    return False


def is_floating_point(input):
    """Whether ``input`` has a floating-point dtype."""
    _need_t(input, 'is_floating_point')
    return input.is_floating_point()


def is_complex(input):
    """Whether ``input`` has a complex dtype."""
    _need_t(input, 'is_complex')
    return input.is_complex()


def is_nonzero(input):
    """Whether a single-element tensor is nonzero."""
    n = input.numel()
    if n == 0:
        raise RuntimeError('Boolean value of Tensor with no values is ambiguous')
    if n > 1:
        raise RuntimeError('Boolean value of Tensor with more than one value is ambiguous')
    return builtins.bool(input._data.reshape(-1)[0])


def is_same_size(input, other):
    """Whether the two tensors have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


_ISIN_SIG = ('isin() received an invalid combination of arguments - got ({}), but expected one '
             'of:\n'
             ' * (Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool '
             'invert = False, Tensor out = None)\n'
             ' * (Number element, Tensor test_elements, *, bool assume_unique = False, bool invert '
             '= False, Tensor out = None)\n'
             ' * (Tensor elements, Number test_element, *, bool assume_unique = False, bool invert '
             '= False, Tensor out = None)\n')


def isin(elements, test_elements, *, assume_unique=False, invert=False, out=None):
    """Whether each element of ``elements`` is in ``test_elements`` (a bool tensor shaped like
    ``elements``; ``invert`` negates it). Either argument may be a number, not both; values
    are compared in their promoted dtype (NaN matches nothing), as ``torch.isin`` does.

    Args:
        elements: a tensor or a number. test_elements: a tensor or a number.
        assume_unique: accepted for PyTorch's signature (the result does not depend on it).
        invert: return ``not in`` instead.
    """
    et, tt = isinstance(elements, Tensor), isinstance(test_elements, Tensor)

    def num(v):
        return isinstance(v, numbers.Number) or isinstance(v, np.bool_)
    if not ((et or num(elements)) and (tt or num(test_elements)) and (et or tt)) or \
            not isinstance(assume_unique, (builtins.bool, np.bool_)) or \
            not isinstance(invert, (builtins.bool, np.bool_)):
        got = [type(elements).__name__, type(test_elements).__name__]
        got += [f'{k}={type(v).__name__}' for k, v in (('assume_unique', assume_unique),
                                                       ('invert', invert))
                if not isinstance(v, (builtins.bool, np.bool_))]
        raise TypeError(_ISIN_SIG.format(', '.join(got)))
    for v in (elements, test_elements):
        if isinstance(v, Tensor):
            d = v.dtype
        elif isinstance(v, (builtins.bool, np.bool_)):
            d = _dtype.bool
        elif isinstance(v, builtins.complex) or isinstance(v, np.complexfloating):
            d = _dtype.complex128
        else:
            continue
        if d is _dtype.bool or d.is_complex:
            raise RuntimeError(f'Unsupported input type encountered for isin(): {_tname(d)}')
    if et and tt and type(elements._data) is not type(test_elements._data):
        from ..autograd.function import _mixed_devices
        _mixed_devices([elements._data, test_elements._data])
    like = elements if et else test_elements
    dt = _dtype.result_type(elements, test_elements)
    npdt = _dtype.to_np(dt if dt is not _dtype.bfloat16 else _dtype.float32)   # exact widening
    xp = _xpt(like)
    e = elements._data if et else xp.asarray(elements)
    t = test_elements._data if tt else xp.asarray(test_elements)
    r = xp.isin(e.astype(npdt, copy=False), t.astype(npdt, copy=False),
                invert=builtins.bool(invert))
    return _out(_wrap(xp.asarray(r)), out)


def numel(input):
    """Number of elements of ``input``."""
    _need_t(input, 'numel')
    return input.numel()


_TYPENAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
              'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
              'bool': 'Bool', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}


def typename(obj):
    """PyTorch's type name: ``'torch.FloatTensor'`` for tensors, the qualified name otherwise."""
    if isinstance(obj, Tensor):
        pre = 'torch.cuda.' if obj.device.type == 'cuda' else 'torch.'
        return pre + _TYPENAMES[obj.dtype.name if hasattr(obj.dtype, 'name') else str(obj.dtype)] \
            + 'Tensor'
    module = ''
    qualname = ''
    if hasattr(obj, '__module__') and obj.__module__ not in ('builtins', '__builtin__', None):
        module = obj.__module__ + '.'
    if hasattr(obj, '__qualname__'):
        qualname = obj.__qualname__
    elif hasattr(obj, '__name__'):
        qualname = obj.__name__
    else:
        t = type(obj)
        module = t.__module__ + '.' if t.__module__ not in ('builtins', None) else ''
        qualname = t.__qualname__
    return module + qualname


def clone(input, *, memory_format=None):
    """A copy of ``input`` (differentiable)."""
    _need_t(input, 'clone')
    return input.clone() if memory_format is None else input.clone(memory_format=memory_format)


def detach(input):
    """``input`` detached from the graph (shares memory)."""
    return input.detach()


unfold_copy = _copy_of(unfold, 'unfold_copy')
view_as_real_copy = _copy_of(view_as_real, 'view_as_real_copy')
view_as_complex_copy = _copy_of(view_as_complex, 'view_as_complex_copy')
detach_copy = _copy_of(detach, 'detach_copy')


# ============================================================================ functional aliases
# torch.xxx forms of nn.functional ops; positional signatures follow torch's (aten) schemas.

# aten's int reductions; PyTorch's Python top level defaults these ops to 0 ('none')
_RED = {0: 'none', 1: 'mean', 2: 'sum'}


def _red(r):
    return _RED[r] if isinstance(r, (int, np.integer)) and not isinstance(r, bool) else r


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """``torch.conv1d`` (= ``F.conv1d``)."""
    return _F().conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """``torch.conv2d`` (= ``F.conv2d``)."""
    return _F().conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """``torch.conv3d`` (= ``F.conv3d``)."""
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """``torch.conv_transpose1d`` (= ``F.conv_transpose1d``)."""
    return _F().conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """``torch.conv_transpose2d`` (= ``F.conv_transpose2d``)."""
    return _F().conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """``torch.conv_transpose3d`` (= ``F.conv_transpose3d``)."""
    return _F().conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)


def dropout(input, p, train):
    """``torch.dropout(input, p, train)``."""
    return _F().dropout(input, p, train)


def dropout_(input, p, train):
    """In-place ``torch.dropout``."""
    return _F().dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train):
    """``torch.alpha_dropout(input, p, train)``."""
    return _F().alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    """In-place ``torch.alpha_dropout``."""
    return _F().alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p, train):
    """``torch.feature_alpha_dropout(input, p, train)``."""
    return _F().feature_alpha_dropout(input, p, train)


def feature_dropout(input, p, train):
    """``torch.feature_dropout(input, p, train)``: whole channels (dim 1) zeroed."""
    F = _F()
    if input.ndim == 3 or input.ndim == 2:
        return F.dropout1d(input, p, train)
    if input.ndim == 4:
        return F.dropout2d(input, p, train)
    return F.dropout3d(input, p, train)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    """``torch.batch_norm`` (aten argument order; = ``F.batch_norm``)."""
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled):
    """``torch.instance_norm`` (aten argument order; = ``F.instance_norm``)."""
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                              momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """``torch.layer_norm`` (= ``F.layer_norm``)."""
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    """``torch.group_norm`` (= ``F.group_norm``)."""
    return _F().group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``torch.rms_norm`` (= ``F.rms_norm``)."""
    return _F().rms_norm(input, normalized_shape, weight, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """``torch.embedding(weight, indices, ...)`` (note the order; ``padding_idx=-1``: none)."""
    return _F().embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def _stride(stride):
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) else stride


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``torch.max_pool1d`` (= ``F.max_pool1d``)."""
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    """``torch.max_pool1d_with_indices``: ``(values, indices)``."""
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode,
                           return_indices=True)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``torch.max_pool2d`` (= ``F.max_pool2d``)."""
    return _F().max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``torch.max_pool3d`` (= ``F.max_pool3d``)."""
    return _F().max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """``torch.avg_pool1d`` (= ``F.avg_pool1d``)."""
    return _F().avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode,
                           count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    """``torch.adaptive_avg_pool1d`` (= ``F.adaptive_avg_pool1d``)."""
    return _F().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    """``torch.adaptive_max_pool1d``: ``(values, indices)`` as in PyTorch's top level."""
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


def pixel_shuffle(input, upscale_factor):
    """``torch.pixel_shuffle`` (= ``F.pixel_shuffle``)."""
    return _F().pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """``torch.pixel_unshuffle`` (= ``F.pixel_unshuffle``)."""
    return _F().pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    """``torch.channel_shuffle`` (= ``F.channel_shuffle``)."""
    return _F().channel_shuffle(input, groups)


native_channel_shuffle = channel_shuffle


def prelu(input, weight):
    """``torch.prelu`` (= ``F.prelu``)."""
    return _F().prelu(input, weight)


def selu(input):
    """``torch.selu`` (= ``F.selu``)."""
    return _F().selu(input)


def selu_(input):
    """In-place ``torch.selu``."""
    return _F().selu(input, inplace=True)


def celu(input, alpha=1.0):
    """``torch.celu`` (= ``F.celu``)."""
    return _F().celu(input, alpha)


def celu_(input, alpha=1.0):
    """In-place ``torch.celu``."""
    return _F().celu(input, alpha, inplace=True)


def rrelu(input, lower=0.125, upper=1.0 / 3, training=False, generator=None):
    """``torch.rrelu`` (= ``F.rrelu``)."""
    return _F().rrelu(input, lower, upper, training)


def rrelu_(input, lower=0.125, upper=1.0 / 3, training=False, generator=None):
    """In-place ``torch.rrelu``."""
    return _F().rrelu(input, lower, upper, training, inplace=True)


def threshold(input, threshold, value, *, out=None):
    """``torch.threshold`` (= ``F.threshold``)."""
    return _out(_F().threshold(input, threshold, value), out)


def threshold_(input, threshold, value):
    """In-place ``torch.threshold``."""
    return _F().threshold(input, threshold, value, inplace=True)


def hardshrink(input, lambd=0.5):
    """``torch.hardshrink`` (= ``F.hardshrink``)."""
    return _F().hardshrink(input, lambd)


def bilinear(input1, input2, weight, bias=None):
    """``torch.bilinear`` (= ``F.bilinear``)."""
    return _F().bilinear(input1, input2, weight, bias)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``torch.cosine_similarity`` (= ``F.cosine_similarity``)."""
    return _F().cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``torch.pairwise_distance`` (= ``F.pairwise_distance``)."""
    return _F().pairwise_distance(x1, x2, p, eps, keepdim)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """``torch.binary_cross_entropy_with_logits`` (``reduction`` may be aten's int 0/1/2)."""
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=_red(reduction),
                                                 pos_weight=pos_weight)


def kl_div(input, target, reduction=0, *, log_target=False):
    """``torch.kl_div`` (``reduction`` may be aten's int 0/1/2; 1 = 'mean')."""
    with warnings.catch_warnings():     # torch.kl_div does not warn about 'mean' as F does
        warnings.simplefilter('ignore', UserWarning)
        return _F().kl_div(input, target, reduction=_red(reduction), log_target=log_target)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0,
             zero_infinity=False):
    """``torch.ctc_loss`` (``reduction`` may be aten's int 0/1/2)."""
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                         _red(reduction), zero_infinity)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """``torch.cosine_embedding_loss`` (``reduction`` may be aten's int)."""
    return _F().cosine_embedding_loss(input1, input2, target, margin, reduction=_red(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """``torch.margin_ranking_loss`` (``reduction`` may be aten's int)."""
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=_red(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """``torch.hinge_embedding_loss`` (``reduction`` may be aten's int)."""
    return _F().hinge_embedding_loss(input, target, margin, reduction=_red(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction=0):
    """``torch.triplet_margin_loss`` (``reduction`` may be aten's int)."""
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_red(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """``torch.poisson_nll_loss(input, target, log_input, full, eps, reduction)``."""
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_red(reduction))


def constant_pad_nd(input, pad, value=0):
    """``torch.constant_pad_nd`` (= ``F.pad`` in constant mode)."""
    return _F().pad(input, list(pad), 'constant', value)


# ============================================================================ top-level in-place forms

_INPLACE_METHODS = [
    'abs_', 'acos_', 'acosh_', 'arccos_', 'arccosh_', 'arcsin_', 'arcsinh_', 'arctan_',
    'arctanh_', 'asin_', 'asinh_', 'atan_', 'atanh_', 'ceil_', 'clamp_max_', 'clamp_min_',
    'clip_', 'cos_', 'cosh_', 'erf_', 'erfc_', 'exp2_', 'exp_', 'expm1_', 'fix_', 'floor_',
    'frac_', 'log10_', 'log1p_', 'log2_', 'log_', 'nan_to_num_', 'neg_', 'negative_',
    'reciprocal_', 'round_', 'rsqrt_', 'sigmoid_', 'sin_', 'sinh_', 'sqrt_', 'square_', 'tan_',
    'tanh_', 'trunc_', 'zero_', 'fill_', 'detach_', 'relu_', 'clamp_',
    # the new ops of this module
    'deg2rad_', 'rad2deg_', 'gcd_', 'lcm_', 'i0_', 'ldexp_', 'logit_', 'sinc_', 'xlogy_',
    'conj_physical_',
]


def _make_inplace(name):
    def fn(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f'``torch.{name}(input, ...)``: the in-place ``Tensor.{name}``.'
    return fn


def fill(input, value):
    """A new tensor like ``input`` filled with ``value`` (``torch.fill``)."""
    return _fill_full(input, value)


def _fill_full(input, value):
    E = _e()
    v = value if isinstance(value, Tensor) else Tensor._coerce(value, input)
    if v.ndim != 0:
        raise RuntimeError(f'fill_ only supports 0-dimension value tensor but got tensor with '
                           f'{v.ndim} dimensions.')
    return E.zeros_like(input) + v.to(input.dtype) if not input.requires_grad else \
        input * 0 + v.to(input.dtype)


# ============================================================================ Tensor methods


def _m(fn):
    def method(self, *a, **k):
        return fn(self, *a, **k)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _ipc(self, fn, *a, **k):
    """``self`` overwritten with composite ``fn(self, ...)``. Under autograd the composite runs
    on a clone, so none of its inner nodes saves ``self`` (which the write then modifies)."""
    if _state[0] and (self._rg or builtins.any(isinstance(v, Tensor) and v._rg for v in a)):
        return inplace_fn(self, lambda s, *b, **kw: fn(s.clone(), *b, **kw), *a, **k)
    return inplace_fn(self, fn, *a, **k)


def _ip(fn):
    def method(self, *a, **k):
        return _ipc(self, fn, *a, **k)
    method.__name__ = fn.__name__ + '_'
    return method


def _logit_(self, eps=None):
    return _ipc(self, logit, eps)


def _real_prop():
    def get(self):
        return real(self)

    def set_(self, v):
        real(self).copy_(v)
    return property(get, set_, doc='The real part (a view for complex tensors).')


def _imag_prop():
    def get(self):
        return imag(self)

    def set_(self, v):
        imag(self).copy_(v)
    return property(get, set_, doc='The imaginary part of a complex tensor (a view).')


bind({
    'addcmul': addcmul, 'addcdiv': addcdiv,
    'addcmul_': lambda self, tensor1, tensor2, *, value=1: _ipc(
        self, lambda s, a, b: addcmul(s, a, b, value=value), tensor1, tensor2),
    'addcdiv_': lambda self, tensor1, tensor2, *, value=1: _ipc(
        self, lambda s, a, b: addcdiv(s, a, b, value=value), tensor1, tensor2),
    'logit': logit, 'logit_': _logit_, 'xlogy': xlogy, 'xlogy_': _ip(xlogy),
    'sinc': sinc, 'sinc_': _ip(sinc), 'deg2rad': deg2rad, 'deg2rad_': _ip(deg2rad),
    'rad2deg': rad2deg, 'rad2deg_': _ip(rad2deg), 'gcd': gcd, 'gcd_': _ip(gcd), 'lcm': lcm,
    'lcm_': _ip(lcm), 'heaviside': heaviside, 'heaviside_': _ip(heaviside),
    'logaddexp': logaddexp, 'logaddexp2': logaddexp2, 'float_power': float_power,
    'float_power_': _float_power_, 'copysign': copysign, 'copysign_': _ip(copysign),
    'frexp': frexp, 'ldexp': ldexp, 'ldexp_': _ip(ldexp), 'nextafter': nextafter,
    'nextafter_': _ip(nextafter), 'i0': i0, 'i0_': _ip(i0),
    'logcumsumexp': logcumsumexp, 'quantile': quantile, 'nanquantile': nanquantile,
    'histc': histc, 'bincount': bincount, 'histogram': histogram, 'cov': cov,
    'corrcoef': corrcoef, 'dist': dist, 'renorm': renorm, 'renorm_': _ip(renorm),
    'rot90': rot90, 'diagflat': diagflat, 'ravel': ravel, 'unfold': unfold,
    'fill_diagonal_': fill_diagonal_, 'new_empty_strided': _new_empty_strided,
    'real': _real_prop(), 'imag': _imag_prop(), 'conj': conj, 'conj_physical': conj_physical,
    'conj_physical_': _ip(conj_physical), 'resolve_conj': resolve_conj,
    'resolve_neg': resolve_neg, 'is_conj': is_conj, 'is_neg': is_neg, 'angle': angle,
    'is_nonzero': is_nonzero, 'is_same_size': is_same_size, 'hardshrink': hardshrink,
    'prelu': prelu,
})

for _n in _INPLACE_METHODS:
    globals()[_n] = _make_inplace(_n)

__all__ = [
    'addcmul', 'addcdiv', 'logit', 'xlogy', 'sinc', 'deg2rad', 'rad2deg', 'gcd', 'lcm',
    'heaviside', 'logaddexp', 'logaddexp2', 'float_power', 'copysign', 'frexp', 'ldexp',
    'nextafter', 'i0',
    'logcumsumexp', 'quantile', 'nanquantile', 'histc', 'bincount', 'histogram', 'cov',
    'corrcoef', 'dist', 'renorm',
    'meshgrid', 'broadcast_tensors', 'broadcast_shapes', 'cartesian_prod', 'combinations',
    'block_diag', 'tril_indices', 'triu_indices', 'rot90', 'diagflat', 'vander', 'trapezoid',
    'trapz', 'cumulative_trapezoid', 'searchsorted', 'bucketize', 'ravel', 'unravel_index',
    'cdist', 'pdist',
    'real', 'imag', 'view_as_real', 'view_as_complex', 'conj', 'conj_physical', 'resolve_conj',
    'resolve_neg', 'is_conj', 'is_neg', 'angle',
    'is_tensor', 'is_storage', 'is_floating_point', 'is_complex', 'is_nonzero', 'is_same_size',
    'isin',
    'numel', 'typename', 'clone', 'detach', 'fill', 'unfold_copy', 'view_as_real_copy',
    'view_as_complex_copy', 'detach_copy',
    'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d',
    'dropout', 'dropout_', 'alpha_dropout', 'alpha_dropout_', 'feature_alpha_dropout',
    'feature_dropout', 'batch_norm', 'instance_norm', 'layer_norm', 'group_norm', 'rms_norm',
    'embedding', 'max_pool1d', 'max_pool1d_with_indices', 'max_pool2d', 'max_pool3d',
    'avg_pool1d', 'adaptive_avg_pool1d', 'adaptive_max_pool1d', 'pixel_shuffle',
    'pixel_unshuffle', 'channel_shuffle', 'native_channel_shuffle', 'prelu', 'selu', 'selu_',
    'celu', 'celu_', 'rrelu', 'rrelu_', 'threshold', 'threshold_', 'hardshrink', 'bilinear',
    'cosine_similarity', 'pairwise_distance', 'binary_cross_entropy_with_logits', 'kl_div',
    'ctc_loss', 'cosine_embedding_loss', 'margin_ranking_loss', 'hinge_embedding_loss',
    'triplet_margin_loss', 'poisson_nll_loss', 'constant_pad_nd',
] + [n for n in _INPLACE_METHODS if n not in ('relu_', 'clamp_', 'sigmoid_')]
