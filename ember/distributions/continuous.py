"""Continuous distributions: Normal, LogNormal, Uniform, Laplace, Exponential, Gamma, Beta,
Dirichlet, Cauchy, Chi2, StudentT, Gumbel, HalfNormal, VonMises (the ``torch.distributions``
classes of the same names)."""
import math
from numbers import Number

import numpy as np

from .._tensor import Size, _wrap
from ..autograd.function import Primitive
from . import constraints
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution, _base_dist_property
from .transforms import AbsTransform, AffineTransform, ExpTransform
from .utils import broadcast_all, lazy_property, _standard_normal

__all__ = ['ExponentialFamily', 'Normal', 'LogNormal', 'Uniform', 'Laplace', 'Exponential',
           'Gamma', 'Beta', 'Dirichlet', 'Cauchy', 'Chi2', 'StudentT', 'Gumbel', 'HalfNormal',
           'VonMises']

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


class LogNormal(TransformedDistribution):
    """Log-normal distribution: ``exp(X)`` with ``X ~ Normal(loc, scale)``
    (a ``TransformedDistribution`` of ``base_dist`` through ``ExpTransform``)."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    loc = _base_dist_property('loc')
    scale = _base_dist_property('scale')

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
        return self._init_expanded(Dirichlet, new, batch_shape, self.event_shape)

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


class Chi2(Gamma):
    """Chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``."""
    arg_constraints = {'df': constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self):
        return self.concentration * 2


class StudentT(Distribution):
    """Student's t-distribution with ``df`` degrees of freedom, location ``loc`` and scale
    ``scale``. ``rsample`` is ``loc + scale * X / sqrt(Z / df)``, ``X ~ N(0, 1)``,
    ``Z ~ Chi2(df)`` (reparameterised through both)."""
    arg_constraints = {'df': constraints.positive, 'loc': constraints.real,
                       'scale': constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self):
        return _E().where(self.df <= 1, _E().full_like(self.loc, math.nan), self.loc)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        E = _E()
        big = self.df > 2
        df = E.where(big, self.df, E.full_like(self.df, 3.0))
        v = self.scale.pow(2) * df / (df - 2)
        other = E.where(self.df > 1, E.full_like(v, math.inf), E.full_like(v, math.nan))
        return E.where(big, v, other)

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(StudentT, batch_shape, _instance, ('df', 'loc', 'scale'))
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        X = _standard_normal(shape, dtype=self.df.dtype, device=self.df.device)
        Z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (X * (Z / self.df).rsqrt())

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        Z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
             + E.lgamma(0.5 * self.df) - E.lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * E.log1p(y ** 2.0 / self.df) - Z

    def entropy(self):
        E = _E()
        lbeta = E.lgamma(0.5 * self.df) + math.lgamma(0.5) - E.lgamma(0.5 * (self.df + 1))
        return (self.scale.log()
                + 0.5 * (self.df + 1) * (E.digamma(0.5 * (self.df + 1))
                                         - E.digamma(0.5 * self.df))
                + 0.5 * self.df.log() + lbeta)


_EULER = 0.57721566490153286060


class Gumbel(TransformedDistribution):
    """Gumbel distribution with location ``loc`` and scale ``scale``: ``Uniform(0, 1)``
    pushed through ``loc - scale * log(-log(u))``."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        E = _E()
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = E.finfo(self.loc.dtype)
        if isinstance(loc, Number) and isinstance(scale, Number):
            base_dist = Uniform(finfo.tiny, 1 - finfo.eps, validate_args=validate_args)
        else:
            base_dist = Uniform(E.full_like(self.loc, finfo.tiny),
                                E.full_like(self.loc, 1 - finfo.eps),
                                validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(loc=0, scale=-E.ones_like(self.scale)),
                      ExpTransform().inv, AffineTransform(loc=loc, scale=-self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self):
        return self.loc + self.scale * _EULER

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def entropy(self):
        return self.scale.log() + (1 + _EULER)


class HalfNormal(TransformedDistribution):
    """Half-normal distribution: ``|X|`` with ``X ~ Normal(0, scale)``."""
    arg_constraints = {'scale': constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        base_dist = Normal(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    scale = _base_dist_property('scale')

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self):
        return _E().zeros_like(self.scale)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return _E().where(value >= 0, log_prob, -math.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


def _eval_poly(y, coef):
    coef = list(coef)
    result = coef.pop()
    while coef:
        result = coef.pop() + y * result
    return result


_I0_COEF_SMALL = [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2]
_I0_COEF_LARGE = [0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2,
                  -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2]
_I1_COEF_SMALL = [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2,
                  0.32411e-3]
_I1_COEF_LARGE = [0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
                  0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2]
_COEF_SMALL = [_I0_COEF_SMALL, _I1_COEF_SMALL]
_COEF_LARGE = [_I0_COEF_LARGE, _I1_COEF_LARGE]


def _log_modified_bessel_fn(x, order=0):
    """``log I_order(x)`` for ``x > 0`` (order 0 or 1), the polynomial fits PyTorch uses."""
    assert order == 0 or order == 1
    y = (x / 3.75) ** 2
    small = _eval_poly(y, _COEF_SMALL[order])
    if order == 1:
        small = x.abs() * small
    small = small.log()
    large = x - 0.5 * x.log() + _eval_poly(3.75 / x, _COEF_LARGE[order]).log()
    return _E().where(x < 3.75, small, large)


def _rejection_sample(loc, concentration, proposal_r, x):
    """Best-Fisher rejection sampling, all elements at once, until every one is accepted."""
    E = _E()
    done = E.zeros(tuple(x.shape), dtype=E.bool, device=loc.device)
    while not bool(done.all()):
        u1, u2, u3 = E.rand((3,) + tuple(x.shape), dtype=loc.dtype, device=loc.device).unbind()
        z = E.cos(math.pi * u1)
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = concentration * (proposal_r - f)
        accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
        x = E.where(accept & ~done, (u3 - 0.5).sign() * f.acos(), x)
        done = done | accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """Von Mises (circular normal) distribution on ``[-pi, pi)`` with mean direction ``loc``
    and ``concentration``. Sampled by rejection, in float64."""
    arg_constraints = {'loc': constraints.real, 'concentration': constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, Size(), validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.concentration * _E().cos(value - self.loc)
        return (log_prob - math.log(2 * math.pi)
                - _log_modified_bessel_fn(self.concentration, order=0))

    @lazy_property
    def _loc(self):
        return self.loc.to(_E().double)

    @lazy_property
    def _concentration(self):
        return self.concentration.to(_E().double)

    @lazy_property
    def _proposal_r(self):
        kappa = self._concentration
        tau = 1 + (1 + 4 * kappa ** 2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        proposal_r = (1 + rho ** 2) / (2 * rho)
        return _E().where(kappa < 1e-5, 1 / kappa + kappa, proposal_r)

    def sample(self, sample_shape=Size()):
        E = _E()
        shape = self._extended_shape(sample_shape)
        with E.no_grad():
            x = E.zeros(shape, dtype=self._loc.dtype, device=self.loc.device)
            return _rejection_sample(self._loc.detach(), self._concentration.detach(),
                                     self._proposal_r.detach(), x).to(self.loc.dtype)

    def expand(self, batch_shape, _instance=None):
        try:
            return super().expand(batch_shape)
        except NotImplementedError:
            validate_args = self.__dict__.get('_validate_args')
            loc = self.loc.expand(batch_shape)
            concentration = self.concentration.expand(batch_shape)
            return type(self)(loc, concentration, validate_args=validate_args)

    @property
    def mean(self):
        return self.loc

    mode = mean

    @lazy_property
    def variance(self):
        return 1 - (_log_modified_bessel_fn(self.concentration, order=1)
                    - _log_modified_bessel_fn(self.concentration, order=0)).exp()
