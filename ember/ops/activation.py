"""Activation functions: softmax and log_softmax (fused, stable), GELU, ELU and the rest.

Cheap elementwise activations are built from pointwise primitives; those whose composite form
is slow or unstable have a primitive here.
"""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, bind
from ._util import Primitive, wrap_dim, float_input
from . import pointwise as P
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['softmax', 'log_softmax', 'softmin', 'gelu', 'elu', 'selu', 'celu', 'leaky_relu',
           'relu6', 'hardtanh', 'softplus', 'silu', 'mish', 'hardswish', 'hardsigmoid',
           'logsigmoid', 'softsign', 'tanhshrink', 'softshrink', 'hardshrink', 'threshold', 'glu',
           'prelu', 'rrelu']


def _softmax_dtype(input, dtype):
    if dtype is not None:
        return input.to(dtype)
    return float_input(input)


def _dim(dim, input, name):
    if dim is None:
        import warnings
        warnings.warn(f'Implicit dimension choice for {name} has been deprecated. Change the call '
                      'to include dim=X as an argument.', stacklevel=3)
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return wrap_dim(dim, input.dim())


class Softmax(Primitive):
    """``exp(x - max) / sum(exp(x - max))`` along ``dim``."""

    def forward(ctx, xp, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            out = xp.ones_like(x)
        else:
            e = xp.exp(x - x.max(axis=dim, keepdims=True))
            e /= e.sum(axis=dim, keepdims=True)
            out = e
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        y, = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Primitive):
    """``x - max - log(sum(exp(x - max)))`` along ``dim``."""

    def forward(ctx, xp, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            out = xp.zeros_like(x)
        else:
            s = x - x.max(axis=dim, keepdims=True)
            s -= xp.log(xp.exp(s).sum(axis=dim, keepdims=True))
            out = s
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along ``dim``: non-negative, sums to 1 (``F.softmax``).

    Args:
        dim: the dimension to normalise over.
        dtype: cast the input to this dtype first.
    """
    if _ac[0]:
        return _ac_run('softmax', softmax, input, dim, _stacklevel, dtype)
    x = _softmax_dtype(input, dtype)
    return Softmax.apply(x, _dim(dim, x, 'softmax'))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(input))`` computed stably (``F.log_softmax``)."""
    if _ac[0]:
        return _ac_run('log_softmax', log_softmax, input, dim, _stacklevel, dtype)
    x = _softmax_dtype(input, dtype)
    return LogSoftmax.apply(x, _dim(dim, x, 'log_softmax'))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-input)``."""
    if _ac[0]:
        return _ac_run('softmin', softmin, input, dim, _stacklevel, dtype)
    x = _softmax_dtype(input, dtype)
    return Softmax.apply(-x, _dim(dim, x, 'softmin'))


class Gelu(Primitive):
    """GELU: ``x * Phi(x)`` (exact, with erf) or the tanh approximation."""

    def forward(ctx, xp, x, approximate='none'):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if approximate == 'tanh':
            k = math.sqrt(2 / math.pi)
            return (0.5 * x * (1 + xp.tanh(k * (x + 0.044715 * x * x * x)))).astype(x.dtype, copy=False)
        return (0.5 * x * (1 + P._erf_f(xp, x * (1 / math.sqrt(2))))).astype(x.dtype, copy=False)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        if ctx.approximate == 'tanh':
            k = math.sqrt(2 / math.pi)
            inner = k * (x + 0.044715 * x * x * x)
            t = P.tanh(inner)
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
            return g * d, None
        cdf = 0.5 * (1 + P.erf(x * (1 / math.sqrt(2))))
        pdf = P.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return g * (cdf + x * pdf), None


def gelu(input, approximate='none'):
    """Gaussian error linear unit (``approximate='none'|'tanh'``)."""
    if approximate not in ('none', 'tanh'):
        raise RuntimeError(f'approximate argument must be either none or tanh.')
    return Gelu.apply(input, approximate=approximate)


def _elu(x, alpha):
    return P.where(x > 0, x, alpha * P.expm1(P.clamp(x, max=0)))


def elu(input, alpha=1.0, inplace=False):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return _act(input, inplace, _elu, alpha)


def _act(input, inplace, fn, *args):
    """``fn(input, *args)``, written into ``input`` when ``inplace``.

    Under autograd the in-place form computes from a clone of the input, so that the nodes of a
    composite activation keep the values they saved (PyTorch's in-place activations save their
    result instead; the gradients are the same)."""
    if not inplace:
        return fn(input, *args)
    from ._util import inplace_fn
    from ..autograd.grad_mode import _state
    if _state[0] and input._rg:
        return inplace_fn(input, lambda s: fn(s.clone(), *args))
    return inplace_fn(input, lambda s: fn(s, *args))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return _act(input, inplace, lambda x: _SELU_SCALE * _elu(x, _SELU_ALPHA))


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _act(input, inplace,
                lambda x: P.where(x > 0, x, alpha * P.expm1(P.clamp(x, max=0) / alpha)))


class LeakyRelu(Primitive):
    def forward(ctx, xp, x, slope):
        ctx.slope = slope
        ctx.save_for_backward(x)
        return xp.where(x > 0, x, x * x.dtype.type(slope))

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return P.where(x > 0, g, g * ctx.slope), None


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` if ``x > 0`` else ``negative_slope * x``."""
    return _act(input, inplace, LeakyRelu.apply, negative_slope)


class Hardtanh(Primitive):
    """Clamp to [lo, hi]; the gradient is zero at and beyond the bounds (PyTorch's
    ``hardtanh_backward``, unlike ``clamp``'s)."""

    def forward(ctx, xp, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        ctx.save_for_backward(x)
        t = x.dtype.type
        return xp.clip(x, t(lo), t(hi))

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return P.where((x > ctx.lo) & (x < ctx.hi), g, 0.0), None, None


class Hardswish(Primitive):
    """``x * relu6(x + 3) / 6``; gradient ``x / 3 + 0.5`` on (-3, 3), 0 at and below -3, 1 at
    and above 3 (PyTorch's ``hardswish_backward``)."""

    def forward(ctx, xp, x):
        ctx.save_for_backward(x)
        t = x.dtype.type
        return x * xp.clip(x + t(3), t(0), t(6)) / t(6)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return P.where(x <= -3, 0.0, P.where(x < 3, g * (x / 3 + 0.5), g)),


_ONE_SIXTH = float(np.float32(1.0) / np.float32(6.0))


class Hardsigmoid(Primitive):
    """``relu6(x + 3) / 6``; gradient 1/6 strictly inside (-3, 3)."""

    def forward(ctx, xp, x):
        ctx.save_for_backward(x)
        t = x.dtype.type
        return xp.clip(x + t(3), t(0), t(6)) / t(6)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        # PyTorch multiplies by the float32 constant 1.0f / 6.0f, in every dtype
        return P.where((x > -3) & (x < 3), g * _ONE_SIXTH, 0.0),


class LogSigmoid(Primitive):
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``; gradient ``sigmoid(-x)``."""

    def forward(ctx, xp, x):
        ctx.save_for_backward(x)
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * P.sigmoid(-x),


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to ``[min_val, max_val]`` (zero gradient at and outside the bounds, as PyTorch)."""
    if min_val > max_val:
        raise ValueError('min_val cannot be greater than max_val')
    return _act(input, inplace, Hardtanh.apply, min_val, max_val)


def relu6(input, inplace=False):
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``; linear where ``beta * x > threshold``."""
    if _ac[0]:
        return _ac_run('softplus', softplus, input, beta, threshold)
    bx = input * beta
    soft = P.log1p(P.exp(P.clamp(bx, max=threshold))) / beta
    return P.where(bx > threshold, input, soft)


def silu(input, inplace=False):
    """``x * sigmoid(x)``."""
    return _act(input, inplace, lambda x: x * P.sigmoid(x))


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    return _act(input, inplace, lambda x: x * P.tanh(softplus(x)))


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``."""
    return _act(input, inplace, Hardswish.apply)


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``."""
    return _act(input, inplace, Hardsigmoid.apply)


def logsigmoid(input):
    """``log(sigmoid(x))`` computed stably: ``min(x, 0) - log1p(exp(-|x|))``."""
    return LogSigmoid.apply(input)


def softsign(input):
    """``x / (1 + |x|)``."""
    return input / (1 + P.abs(input))


def tanhshrink(input):
    """``x - tanh(x)``."""
    return input - P.tanh(input)


def softshrink(input, lambd=0.5):
    """Shrink towards 0 by ``lambd``; 0 inside ``[-lambd, lambd]``."""
    return P.where(input > lambd, input - lambd, P.where(input < -lambd, input + lambd,
                                                         input * 0))


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0."""
    return P.where(P.abs(input) > lambd, input, input * 0)


def threshold(input, threshold, value, inplace=False):
    """``x`` where ``x > threshold``, else ``value``."""
    return _act(input, inplace, lambda x: P.where(x > threshold, x, value))


def glu(input, dim=-1):
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves of ``dim``."""
    n = input.shape[dim]
    if n % 2:
        raise RuntimeError(f'Halving dimension must be even, but dimension {wrap_dim(dim, input.dim())} '
                           f'is size {n}')
    a, b = input.split(n // 2, dim)
    return a * P.sigmoid(b)


def prelu(input, weight):
    """``x`` if ``x > 0`` else ``weight * x``, with one weight or one per channel (dim 1)."""
    if _ac[0]:
        return _ac_run('prelu', prelu, input, weight)
    w = weight
    if weight.numel() != 1 and input.dim() > 1:
        w = weight.reshape([1, -1] + [1] * (input.dim() - 2))
    return P.where(input > 0, input, w * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: random slopes in training, their mean in eval."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from .creation import empty_like
    a = empty_like(input).uniform_(lower, upper)
    return _act(input, inplace, lambda x: P.where(x >= 0, x, x * a))


bind({'softmax': lambda self, dim=None, dtype=None: softmax(self, dim, dtype=dtype),
      'log_softmax': lambda self, dim=None, dtype=None: log_softmax(self, dim, dtype=dtype)})
