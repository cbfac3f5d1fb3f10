"""Discrete distributions: Bernoulli, Categorical, OneHotCategorical (+ straight-through),
Binomial, Poisson, Geometric, Multinomial (the ``torch.distributions`` classes of the same
names)."""
import math
from numbers import Number

import numpy as np

from .._tensor import Size
from . import constraints
from .distribution import Distribution
from .continuous import ExponentialFamily, _xlogy
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ['Bernoulli', 'Categorical', 'OneHotCategorical', 'OneHotCategoricalStraightThrough',
           'Binomial', 'Poisson', 'Geometric', 'Multinomial']


def _E():
    import ember
    return ember


def _F():
    from ..nn import functional
    return functional


def _both_or_neither(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError('Either `probs` or `logits` must be specified, but not both.')


def _enum_values(n, batch_shape, dtype, device, expand):
    values = _E().arange(n, dtype=dtype, device=device)
    values = values.view((-1,) + (1,) * len(batch_shape))
    if expand:
        values = values.expand((-1,) + tuple(batch_shape))
    return values


class _ParamBacked:
    """``_new`` and ``param_shape`` of a distribution whose given parameter tensor (``probs``
    or ``logits``) is ``_param``."""

    def _new(self, *args, **kwargs):
        return self._param.new(*args, **kwargs)

    @property
    def param_shape(self):
        return self._param.size()


class _BinaryProbsLogits:
    """``probs``/``logits`` of a distribution over a binary outcome: the one given is set by
    ``_set_probs_or_logits``, the other is derived from it on first use."""

    def _set_probs_or_logits(self, probs, logits):
        """Set exactly one of ``probs``/``logits`` (as a tensor) and ``_param``; returns the
        batch shape (empty when a Python number was given)."""
        _both_or_neither(probs, logits)
        if probs is not None:
            is_scalar = isinstance(probs, Number)
            (self.probs,) = broadcast_all(probs)
        else:
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        return Size() if is_scalar else self._param.size()

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)


class Bernoulli(_BinaryProbsLogits, _ParamBacked, ExponentialFamily):
    """Bernoulli distribution parameterised by ``probs`` or ``logits`` (not both).

    Samples are 0/1 in the parameter's dtype.
    """
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, validate_args=None):
        batch_shape = self._set_probs_or_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = Size(batch_shape)
        self._expand_probs_logits(new, batch_shape)
        return self._init_expanded(Bernoulli, new, batch_shape)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        E = _E()
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return E.where(self.probs == 0.5, E.full_like(mode, math.nan), mode)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with _E().no_grad():
            return _E().bernoulli(self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_F().binary_cross_entropy_with_logits(logits, value, reduction='none')

    def entropy(self):
        return _F().binary_cross_entropy_with_logits(self.logits, self.probs, reduction='none')

    def enumerate_support(self, expand=True):
        return _enum_values(2, self._batch_shape, self._param.dtype, self._param.device, expand)


class Categorical(_ParamBacked, Distribution):
    """Categorical distribution over ``{0, ..., K-1}`` parameterised by ``probs`` (normalised
    over the last dim) or ``logits`` (unnormalised log-probabilities)."""
    arg_constraints = {'probs': constraints.simplex,
                       'logits': constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _both_or_neither(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError('`probs` parameter must be at least one-dimensional.')
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError('`logits` parameter must be at least one-dimensional.')
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.ndimension() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = Size(batch_shape)
        param_shape = tuple(batch_shape) + (self._num_events,)
        self._expand_probs_logits(new, param_shape)
        new._num_events = self._num_events
        return self._init_expanded(Categorical, new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def mean(self):
        return _E().full(self._extended_shape(), math.nan, dtype=self.probs.dtype,
                         device=self.probs.device)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return _E().full(self._extended_shape(), math.nan, dtype=self.probs.dtype,
                         device=self.probs.device)

    def sample(self, sample_shape=Size()):
        E = _E()
        if not isinstance(sample_shape, Size):
            sample_shape = Size(sample_shape)
        with E.no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            samples_2d = E.multinomial(probs_2d, sample_shape.numel(), True).T
            return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape))
        value = value.expand(shape)[..., :1]
        log_pmf = self.logits.expand(shape)
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        min_real = _E().finfo(self.logits.dtype).min
        logits = self.logits.clamp(min=min_real)
        p_log_p = logits * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand=True):
        return _enum_values(self._num_events, self._batch_shape, _E().long,
                            self._param.device, expand)


class _CategoricalBacked(_ParamBacked):
    """A distribution over vectors of length ``K`` (event shape ``(K,)``) whose parameters are
    those of a ``Categorical`` it holds as ``_categorical``."""

    def _set_categorical(self, probs, logits):
        """Hold ``Categorical(probs, logits)``; returns the batch and event shapes."""
        self._categorical = Categorical(probs, logits)
        return self._categorical.batch_shape, self._categorical.param_shape[-1:]

    def _expand_categorical(self, cls, batch_shape, _instance):
        """``cls.expand`` for the state held by the ``Categorical``; the caller copies the
        rest onto the result."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = Size(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        return self._init_expanded(cls, new, batch_shape, self.event_shape)

    @property
    def _param(self):
        return self._categorical._param

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits


class OneHotCategorical(_CategoricalBacked, Distribution):
    """Categorical distribution over one-hot vectors of length ``K`` (event shape ``(K,)``)."""
    arg_constraints = {'probs': constraints.simplex,
                       'logits': constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        batch_shape, event_shape = self._set_categorical(probs, logits)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_categorical(OneHotCategorical, batch_shape, _instance)

    @property
    def mean(self):
        return self._categorical.probs

    @property
    def mode(self):
        probs = self._categorical.probs
        mode = probs.argmax(dim=-1)
        return _F().one_hot(mode, num_classes=probs.shape[-1]).to(probs.dtype)

    @property
    def variance(self):
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        probs = self._categorical.probs
        num_events = self._categorical._num_events
        indices = self._categorical.sample(sample_shape)
        return _F().one_hot(indices, num_events).to(probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        indices = value.max(-1)[1]
        return self._categorical.log_prob(indices)

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        n = self.event_shape[0]
        values = _E().eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.view((n,) + (1,) * len(self.batch_shape) + (n,))
        if expand:
            values = values.expand((n,) + tuple(self.batch_shape) + (n,))
        return values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """``OneHotCategorical`` whose ``rsample`` passes gradients straight through to ``probs``."""
    has_rsample = True

    def rsample(self, sample_shape=Size()):
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())


def _clamp_by_zero(x):
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(_BinaryProbsLogits, _ParamBacked, Distribution):
    """Binomial distribution: successes in ``total_count`` trials of probability ``probs``
    (or ``logits``)."""
    arg_constraints = {'total_count': constraints.nonnegative_integer,
                       'probs': constraints.unit_interval, 'logits': constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        _both_or_neither(probs, logits)
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
        self._param = self.probs if probs is not None else self.logits
        batch_shape = self._param.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        self._expand_probs_logits(new, batch_shape)
        return self._init_expanded(Binomial, new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        E = _E()
        from ..ops.random import _gen
        shape = self._extended_shape(sample_shape)
        with E.no_grad():
            n = self.total_count.expand(shape)._data
            p = self.probs.expand(shape)._data
            g = _gen(None, self.probs.device)
            src = g._src()
            n64 = n.astype(np.int64)
            p64 = p.astype(np.float64)
            r = src.binomial(n64, p64) if not g._cuda else src.binomial(n64, p64, n64.shape)
            return E.tensor(r.astype(p.dtype), device=self.probs.device) if not g._cuda \
                else E.as_tensor(r.astype(p.dtype), device=self.probs.device)

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = E.lgamma(self.total_count + 1)
        log_factorial_k = E.lgamma(value + 1)
        log_factorial_nmk = E.lgamma(self.total_count - value + 1)
        normalize_term = (self.total_count * _clamp_by_zero(self.logits)
                          + self.total_count * E.log1p(E.exp(-E.abs(self.logits)))
                          - log_factorial_n)
        return value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term

    def entropy(self):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError('Inhomogeneous total count not supported by `entropy`.')
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(_E().exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError(
                'Inhomogeneous total count not supported by `enumerate_support`.')
        return _enum_values(1 + total_count, self._batch_shape, self._param.dtype,
                            self._param.device, expand)


class Poisson(ExponentialFamily):
    """Poisson distribution with rate ``rate``."""
    arg_constraints = {'rate': constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Poisson, batch_shape, _instance, ('rate',))

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with _E().no_grad():
            return _E().poisson(self.rate.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return _xlogy(value, rate) - rate - _E().lgamma(value + 1)


class Geometric(_BinaryProbsLogits, Distribution):
    """Geometric distribution: failures before the first success of probability ``probs``."""
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        batch_shape = self._set_probs_or_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                raise ValueError(
                    f'Expected parameter probs ({type(value).__name__} of shape '
                    f'{tuple(value.shape)}) of distribution {repr(self)} to satisfy the '
                    f'constraint Interval(lower_bound=0.0, upper_bound=1.0), but found '
                    f'invalid values:\n{value}')

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = Size(batch_shape)
        self._expand_probs_logits(new, batch_shape)
        return self._init_expanded(Geometric, new, batch_shape)

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return _E().zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=Size()):
        E = _E()
        shape = self._extended_shape(sample_shape)
        tiny = E.finfo(self.probs.dtype).tiny
        with E.no_grad():
            u = E.rand(shape, dtype=self.probs.dtype, device=self.probs.device).clamp(min=tiny)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = probs.clone()
        probs = E.where((probs == 1) & (value == 0), E.zeros_like(probs), probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return _F().binary_cross_entropy_with_logits(self.logits, self.probs,
                                                     reduction='none') / self.probs


class Multinomial(_CategoricalBacked, Distribution):
    """Counts of ``total_count`` draws from a categorical distribution given by ``probs`` or
    ``logits`` (event shape ``(K,)``).

    Args:
        total_count (int): number of trials (one for the whole batch).
        probs (Tensor): event probabilities (normalised over the last dim).
        logits (Tensor): unnormalised event log-probabilities.
    """
    arg_constraints = {'probs': constraints.simplex, 'logits': constraints.real_vector}

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError('inhomogeneous total_count is not supported')
        self.total_count = total_count
        batch_shape, event_shape = self._set_categorical(probs, logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_categorical(Multinomial, batch_shape, _instance)
        new.total_count = self.total_count
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    def sample(self, sample_shape=Size()):
        E = _E()
        sample_shape = Size(sample_shape)
        with E.no_grad():
            samples = self._categorical.sample(Size((self.total_count,) + tuple(sample_shape)))
            samples = samples.permute(tuple(range(1, samples.dim())) + (0,))
            counts = E.zeros(self._extended_shape(sample_shape), dtype=samples.dtype,
                             device=samples.device)
            counts = counts.scatter_add(-1, samples, E.ones_like(samples))
            return counts.type_as(self.probs)

    def entropy(self):
        E = _E()
        n = self.total_count
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = E.exp(self._binomial.log_prob(support))
        weights = E.lgamma(support + 1)
        term2 = (binomial_probs * weights).sum([0, -1])
        return term1 + term2

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = E.lgamma(value.sum(-1) + 1)
        log_factorial_xs = E.lgamma(value + 1).sum(-1)
        logits = E.where((value == 0) & (logits == -math.inf), E.zeros_like(logits), logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
