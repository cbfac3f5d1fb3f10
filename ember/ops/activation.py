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
    x = _softmax_dtype(input, dtype)
    return Softmax.apply(x, _dim(dim, x, 'softmax'))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(input))`` computed stably (``F.log_softmax``)."""
    x = _softmax_dtype(input, dtype)
    return LogSoftmax.apply(x, _dim(dim, x, 'log_softmax'))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-input)``."""
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


def elu(input, alpha=1.0, inplace=False):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    r = P.where(input > 0, input, alpha * P.expm1(P.clamp(input, max=0)))
    return _maybe_inplace(input, r, inplace)


def _maybe_inplace(input, r, inplace):
    if inplace:
        from ._util import inplace_fn
        return inplace_fn(input, lambda s: r)
    return r


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return _maybe_inplace(input, _SELU_SCALE * elu(input, _SELU_ALPHA), inplace)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _maybe_inplace(input, P.where(input > 0, input,
                                         alpha * P.expm1(P.clamp(input, max=0) / alpha)), inplace)


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
    return _maybe_inplace(input, LeakyRelu.apply(input, negative_slope), inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to ``[min_val, max_val]`` (zero gradient outside, as PyTorch)."""
    if min_val > max_val:
        raise ValueError('min_val cannot be greater than max_val')
    return _maybe_inplace(input, P.clamp(input, min_val, max_val), inplace)


def relu6(input, inplace=False):
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``; linear where ``beta * x > threshold``."""
    bx = input * beta
    soft = P.log1p(P.exp(P.clamp(bx, max=threshold))) / beta
    return P.where(bx > threshold, input, soft)


def silu(input, inplace=False):
    """``x * sigmoid(x)``."""
    return _maybe_inplace(input, input * P.sigmoid(input), inplace)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    return _maybe_inplace(input, input * P.tanh(softplus(input)), inplace)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``."""
    return _maybe_inplace(input, input * P.clamp(input + 3, 0, 6) / 6, inplace)


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``."""
    return _maybe_inplace(input, P.clamp(input + 3, 0, 6) / 6, inplace)


def logsigmoid(input):
    """``log(sigmoid(x))`` computed stably: ``min(x, 0) - log1p(exp(-|x|))``."""
    return P.clamp(input, max=0) - P.log1p(P.exp(-P.abs(input)))


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
    return _maybe_inplace(input, P.where(input > threshold, input, value), inplace)


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
    return _maybe_inplace(input, P.where(input >= 0, input, input * a), inplace)


bind({'softmax': lambda self, dim=None, dtype=None: softmax(self, dim, dtype=dtype),
      'log_softmax': lambda self, dim=None, dtype=None: log_softmax(self, dim, dtype=dtype)})
