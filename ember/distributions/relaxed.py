"""Relaxed (Concrete / Gumbel-softmax) distributions: LogitRelaxedBernoulli, RelaxedBernoulli,
ExpRelaxedCategorical, RelaxedOneHotCategorical (``torch.distributions`` classes)."""

from .._tensor import Size
from . import constraints
from .discrete import _BinaryProbsLogits, _CategoricalBacked, _ParamBacked
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution, _base_dist_property
from .transforms import ExpTransform, SigmoidTransform
from .utils import broadcast_all, clamp_probs

__all__ = ['LogitRelaxedBernoulli', 'RelaxedBernoulli', 'ExpRelaxedCategorical',
           'RelaxedOneHotCategorical']


def _E():
    import ember
    return ember


class LogitRelaxedBernoulli(_BinaryProbsLogits, _ParamBacked, Distribution):
    """The logit of a ``RelaxedBernoulli`` sample: ``(logit(u) + logits) / temperature``.

    Args:
        temperature (Tensor): relaxation temperature.
        probs (Number or Tensor): probability of 1.
        logits (Number or Tensor): log-odds of 1.
    """
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.real

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        batch_shape = self._set_probs_or_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        self._expand_probs_logits(new, batch_shape)
        return self._init_expanded(LogitRelaxedBernoulli, new, batch_shape)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = clamp_probs(_E().rand(shape, dtype=probs.dtype, device=probs.device))
        return (uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()) \
            / self.temperature

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class _Relaxed(TransformedDistribution):
    """A relaxed distribution: its ``base_dist`` (holding ``temperature``, ``probs`` and
    ``logits``) pushed through one transform."""
    has_rsample = True
    temperature = _base_dist_property('temperature')
    logits = _base_dist_property('logits')
    probs = _base_dist_property('probs')


class RelaxedBernoulli(_Relaxed):
    """Relaxed Bernoulli (binary Concrete) on ``(0, 1)``: ``sigmoid`` of a
    ``LogitRelaxedBernoulli`` (same arguments); ``rsample`` is differentiable in
    ``probs``/``logits``."""
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.unit_interval

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)


class ExpRelaxedCategorical(_CategoricalBacked, Distribution):
    """The log of a ``RelaxedOneHotCategorical`` sample: ``log_softmax((logits + g) / T)``
    with Gumbel noise ``g``.

    Args:
        temperature (Tensor): relaxation temperature.
        probs (Tensor): event probabilities.
        logits (Tensor): unnormalised event log-probabilities.
    """
    arg_constraints = {'probs': constraints.simplex, 'logits': constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        batch_shape, event_shape = self._set_categorical(probs, logits)
        self.temperature = temperature
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_categorical(ExpRelaxedCategorical, batch_shape, _instance)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(_E().rand(shape, dtype=self.logits.dtype,
                                         device=self.logits.device))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value):
        E = _E()
        K = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_scale = (E.full_like(self.temperature, float(K)).lgamma()
                     - self.temperature.log().mul(-(K - 1)))
        score = logits - value.mul(self.temperature)
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_Relaxed):
    """Relaxed one-hot categorical (Concrete / Gumbel-softmax) on the simplex: ``exp`` of an
    ``ExpRelaxedCategorical`` (same arguments); ``rsample`` is differentiable in
    ``probs``/``logits``."""
    arg_constraints = {'probs': constraints.simplex, 'logits': constraints.real_vector}
    support = constraints.simplex

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)
