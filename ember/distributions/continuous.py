"""Continuous distributions: Normal, LogNormal, Uniform, Laplace, Exponential, Gamma, Beta,
Dirichlet, Cauchy (the ``torch.distributions`` classes of the same names)."""
import math
from numbers import Number

import numpy as np

from .._tensor import Size, _wrap
from ..autograd.function import Primitive
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, _standard_normal

__all__ = ['ExponentialFamily', 'Normal', 'LogNormal', 'Uniform', 'Laplace', 'Exponential',
           'Gamma', 'Beta', 'Dirichlet', 'Cauchy']

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


def _E():
    import ember
    return ember


class _Xlogy(Primitive):
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is NaN); gradients ``log(y)``, ``x / y``
    as ``torch.xlogy``."""
    _name = 'XlogyBackward0'

    def forward(ctx, xp, x, y):
        ctx.save_for_backward(x, y)
        return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), x.dtype), x * xp.log(y))

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        E = _E()
        gx = g * E.log(y) if ctx._next[0] is not None else None
        gy = g * x / y if ctx._next[1] is not None else None
        return gx, gy


def _xlogy(x, y):
    """``x * log(y)`` with ``0 * log(0) = 0`` (``torch.xlogy``'s values and gradients)."""
    E = _E()
    if isinstance(x, Number):
        return x * E.log(y) if x != 0 else E.zeros_like(y)
    dt = E.result_type(x, y)
    x, y = x.to(dt), y.to(dt)
    return _Xlogy.apply(x, y)


class _StandardGamma(Primitive):
    """Standard Gamma(alpha, 1) samples drawn from the generator's NumPy/CuPy source.

    Gradient (implicit reparameterisation): ``dx/dalpha = -(dF/dalpha)(x; alpha) / p(x; alpha)``
    with ``F`` the regularised incomplete gamma function, its alpha-derivative taken by a
    central difference in float64.
    """
    _name = 'StandardGammaBackward0'

    def forward(ctx, xp, alpha):
        from ..ops.random import _gen
        g = _gen(None, None if xp is np else _E().device('cuda'))
        src = g._src()
        a64 = alpha.astype(np.float64)
        x = src.standard_gamma(a64) if not g._cuda else src.standard_gamma(a64, a64.shape)
        x = xp.maximum(x, np.finfo(alpha.dtype).tiny)
        ctx.a64, ctx.x64 = a64, x
        return x.astype(alpha.dtype)

    def backward(ctx, g):
        a, x = ctx.a64, ctx.x64
        if isinstance(a, np.ndarray):
            import scipy.special as sp
            xp = np
        else:
            import cupyx.scipy.special as sp
            import cupy as xp
        h = 1e-5 * xp.maximum(a, 1.0)
        dF = (sp.gammainc(a + h, x) - sp.gammainc(a - h, x)) / (2 * h)
        logpdf = (a - 1) * xp.log(x) - x - sp.gammaln(a)
        d = -dF / xp.exp(logpdf)
        d = xp.where(xp.isfinite(d), d, 0.0)
        return (g * _wrap(d.astype(g._data.dtype)),)


def _standard_gamma(alpha):
    return _StandardGamma.apply(alpha)


class ExponentialFamily(Distribution):
    """Base class of exponential-family distributions (``torch.distributions.ExponentialFamily``)."""


class Normal(ExponentialFamily):
    """Normal distribution ``N(loc, scale**2)``.

    Args:
        loc (float or Tensor): mean.
        scale (float or Tensor): standard deviation (> 0).
    """
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.real
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def __init__(self, loc, scale, validate_args=None):
        batch_shape = self._broadcast_params(loc=loc, scale=scale)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Normal, batch_shape, _instance, ('loc', 'scale'))

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with _E().no_grad():
            return _E().normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        log_scale = math.log(self.scale) if isinstance(self.scale, Number) else self.scale.log()
        return -((value - self.loc) ** 2) / (2 * var) - log_scale - _LOG_SQRT_2PI

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + _E().erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value):
        return self.loc + self.scale * _E().erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + _E().log(self.scale)


class LogNormal(Distribution):
    """Log-normal distribution: ``exp(X)`` with ``X ~ Normal(loc, scale)``.

    PyTorch builds it as a ``TransformedDistribution``; here it is direct, with the same
    ``base_dist``, values and gradients.
    """
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogNormal, _instance)
        new.base_dist = self.base_dist.expand(batch_shape)
        super(LogNormal, new).__init__(Size(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def loc(self):
        return self.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mean(self):
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self):
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self):
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def sample(self, sample_shape=Size()):
        with _E().no_grad():
            return self.base_dist.sample(sample_shape).exp()

    def rsample(self, sample_shape=Size()):
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = value.log()
        return self.base_dist.log_prob(y) - y

    def cdf(self, value):
        return self.base_dist.cdf(value.log())

    def icdf(self, value):
        return self.base_dist.icdf(value).exp()

    def entropy(self):
        return self.base_dist.entropy() + self.loc


class Uniform(Distribution):
    """Uniform distribution on the half-open interval ``[low, high)``."""
    has_rsample = True

    @property
    def arg_constraints(self):
        return {'low': constraints.less_than(self.high),
                'high': constraints.greater_than(self.low)}

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return math.nan * self.high

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def __init__(self, low, high, validate_args=None):
        batch_shape = self._broadcast_params(low=low, high=high)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Uniform, batch_shape, _instance, ('low', 'high'))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        rand = _E().rand(shape, dtype=self.low.dtype, device=self.low.device)
        return self.low + rand * (self.high - self.low)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        lb = self.low.le(value).type_as(self.low)
        ub = self.high.gt(value).type_as(self.low)
        return _E().log(lb.mul(ub)) - _E().log(self.high - self.low)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        result = (value - self.low) / (self.high - self.low)
        return result.clamp(min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return _E().log(self.high - self.low)


class Laplace(Distribution):
    """Laplace distribution with location ``loc`` and scale ``scale``."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return (2 ** 0.5) * self.scale

    def __init__(self, loc, scale, validate_args=None):
        batch_shape = self._broadcast_params(loc=loc, scale=scale)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Laplace, batch_shape, _instance, ('loc', 'scale'))

    def rsample(self, sample_shape=Size()):
        E = _E()
        shape = self._extended_shape(sample_shape)
        eps = E.finfo(self.loc.dtype).eps
        u = E.empty(shape, dtype=self.loc.dtype, device=self.loc.device).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * E.log1p(-u.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -_E().log(2 * self.scale) - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * _E().expm1(
            -(value - self.loc).abs() / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * _E().log1p(-2 * term.abs())

    def entropy(self):
        return 1 + _E().log(2 * self.scale)


class Cauchy(Distribution):
    """Cauchy (Lorentz) distribution with median ``loc`` and half-width ``scale``."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        batch_shape = self._broadcast_params(loc=loc, scale=scale)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Cauchy, batch_shape, _instance, ('loc', 'scale'))

    @property
    def mean(self):
        return _E().full(self._extended_shape(), math.nan, dtype=self.loc.dtype,
                         device=self.loc.device)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return _E().full(self._extended_shape(), math.inf, dtype=self.loc.dtype,
                         device=self.loc.device)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = _E().empty(shape, dtype=self.loc.dtype, device=self.loc.device).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - \
            (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        return _E().atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return _E().tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()


class Exponential(ExponentialFamily):
    """Exponential distribution with rate ``rate`` (mean ``1/rate``)."""
    arg_constraints = {'rate': constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return _E().zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Exponential, batch_shape, _instance, ('rate',))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        e = _E().empty(shape, dtype=self.rate.dtype, device=self.rate.device).exponential_()
        return e / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - _E().exp(-self.rate * value)

    def icdf(self, value):
        return -_E().log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - _E().log(self.rate)


class Gamma(ExponentialFamily):
    """Gamma distribution with shape ``concentration`` and ``rate`` (mean ``concentration/rate``).

    ``rsample`` is reparameterised through an implicit gradient of the standard Gamma draw.
    """
    arg_constraints = {'concentration': constraints.positive, 'rate': constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def __init__(self, concentration, rate, validate_args=None):
        batch_shape = self._broadcast_params(concentration=concentration, rate=rate)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gamma, batch_shape, _instance, ('concentration', 'rate'))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return value.clamp(min=_E().finfo(value.dtype).tiny)

    def log_prob(self, value):
        E = _E()
        value = E.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        return (_xlogy(self.concentration, self.rate) + _xlogy(self.concentration - 1, value)
                - self.rate * value - E.lgamma(self.concentration))

    def entropy(self):
        E = _E()
        return (self.concentration - E.log(self.rate) + E.lgamma(self.concentration)
                + (1.0 - self.concentration) * E.digamma(self.concentration))


class Dirichlet(ExponentialFamily):
    """Dirichlet distribution with concentration vector ``concentration`` (last dim = event)."""
    arg_constraints = {'concentration': constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError('`concentration` parameter must be at least one-dimensional.')
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()):
        E = _E()
        shape = self._extended_shape(sample_shape)
        g = _standard_gamma(self.concentration.expand(shape))
        x = g / g.sum(-1, keepdim=True)
        return x.clamp(min=E.finfo(x.dtype).tiny)

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        return (_xlogy(self.concentration - 1.0, value).sum(-1)
                + E.lgamma(self.concentration.sum(-1)) - E.lgamma(self.concentration).sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        E = _E()
        concm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concm1 / concm1.sum(-1, True)
        mask = (self.concentration < 1).all(dim=-1, keepdim=True)
        k = concm1.shape[-1]
        onehot = E.nn.functional.one_hot(concm1.argmax(-1), k).to(mode.dtype)
        return E.where(mask, onehot, mode)

    @property
    def variance(self):
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        E = _E()
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (E.lgamma(self.concentration).sum(-1) - E.lgamma(a0)
                - (k - a0) * E.digamma(a0)
                - ((self.concentration - 1.0) * E.digamma(self.concentration)).sum(-1))


class Beta(ExponentialFamily):
    """Beta distribution with ``concentration1`` (alpha) and ``concentration0`` (beta),
    built on a two-class Dirichlet as in PyTorch."""
    arg_constraints = {'concentration1': constraints.positive,
                       'concentration0': constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        E = _E()
        if isinstance(concentration1, Number) and isinstance(concentration0, Number):
            c = E.tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            c = E.stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(c, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Beta, batch_shape, _instance, ('_dirichlet',))

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = E.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self):
        return self._dirichlet.entropy()

    @property
    def concentration1(self):
        result = self._dirichlet.concentration[..., 0]
        if isinstance(result, Number):
            return _E().tensor([result])
        return result

    @property
    def concentration0(self):
        result = self._dirichlet.concentration[..., 1]
        if isinstance(result, Number):
            return _E().tensor([result])
        return result
