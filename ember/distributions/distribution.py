"""``Distribution``: the base class of every distribution (``torch.distributions.Distribution``)."""
import warnings

from .._tensor import Tensor, Size
from . import constraints
from .utils import lazy_property

__all__ = ['Distribution']


def _E():
    import ember
    return ember


class Distribution:
    """Abstract base class for probability distributions.

    Args:
        batch_shape: the shape over which parameters are batched.
        event_shape: the shape of a single sample (without batching).
        validate_args: whether to validate parameters and sample values; ``None`` uses the
            class default (on, as PyTorch's ``__debug__`` default).
    """
    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Set whether validation is enabled or disabled by default (``value`` must be bool)."""
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            try:
                arg_constraints = self.arg_constraints
            except NotImplementedError:
                arg_constraints = {}
                warnings.warn(f'{self.__class__} does not define `arg_constraints`. '
                              'Please set `arg_constraints = {}` or initialize the distribution '
                              'with `validate_args=False` to turn off validation.')
            for param, constraint in arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param, None),
                                                             lazy_property):
                    continue    # skip checking lazily-constructed args
                value = getattr(self, param)
                valid = constraint.check(value)
                if not bool(valid.all()):
                    raise ValueError(
                        f'Expected parameter {param} '
                        f'({type(value).__name__} of shape {tuple(value.shape)}) '
                        f'of distribution {repr(self)} '
                        f'to satisfy the constraint {repr(constraint)}, '
                        f'but found invalid values:\n{value}')
        super().__init__()

    def expand(self, batch_shape, _instance=None):
        """A new distribution with batch dimensions expanded to ``batch_shape``."""
        raise NotImplementedError

    @property
    def batch_shape(self):
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of a single sample (without batching)."""
        return self._event_shape

    @property
    def arg_constraints(self):
        """Constraint objects each argument of this distribution should satisfy."""
        raise NotImplementedError

    @property
    def support(self):
        """The constraint object of this distribution's support."""
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def mode(self):
        raise NotImplementedError(f'{self.__class__} does not implement mode')

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        """Standard deviation: the square root of the variance."""
        return self.variance.sqrt()

    def sample(self, sample_shape=Size()):
        """A sample of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        with _E().no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()):
        """A reparameterized sample (gradients flow to the parameters)."""
        raise NotImplementedError

    def sample_n(self, n):
        warnings.warn('sample_n will be deprecated. Use .sample((n,)) instead', UserWarning)
        return self.sample(Size((n,)))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def perplexity(self):
        """``exp(entropy)``."""
        return _E().exp(self.entropy())

    def _extended_shape(self, sample_shape=Size()):
        if not isinstance(sample_shape, Size):
            sample_shape = Size(sample_shape)
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value):
        if not isinstance(value, Tensor):
            raise ValueError('The value argument to log_prob must be a Tensor')
        event_dim_start = len(value.size()) - len(self._event_shape)
        if value.size()[event_dim_start:] != self._event_shape:
            raise ValueError('The right-most size of value must match event_shape: '
                             f'{value.size()} vs {self._event_shape}.')
        actual_shape = value.size()
        expected_shape = Size(tuple(self._batch_shape) + tuple(self._event_shape))
        for i, j in zip(reversed(actual_shape), reversed(expected_shape)):
            if i != 1 and j != 1 and i != j:
                raise ValueError('Value is not broadcastable with batch_shape+event_shape: '
                                 f'{actual_shape} vs {expected_shape}.')
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f'{self.__class__} does not define `support` to enable sample '
                          'validation. Please initialize the distribution with '
                          '`validate_args=False` to turn off validation.', stacklevel=2)
            return
        if support is None:
            raise AssertionError('support is unexpectedly None')
        valid = support.check(value)
        if not bool(valid.all()):
            raise ValueError('Expected value argument '
                             f'({type(value).__name__} of shape {tuple(value.shape)}) '
                             f'to be within the support ({repr(support)}) '
                             f'of the distribution {repr(self)}, '
                             f'but found invalid values:\n{value}')

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f'Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom '
                '__init__ method must also define a custom .expand() method.')
        return self.__new__(type(self)) if _instance is None else _instance

    def _broadcast_params(self, **params):
        """Set the parameters, broadcast against each other, as attributes; returns the batch
        shape (empty when every parameter is a Python number, as PyTorch's)."""
        from numbers import Number
        from .utils import broadcast_all
        values = broadcast_all(*params.values())
        for name, v in zip(params, values):
            setattr(self, name, v)
        if all(isinstance(v, Number) for v in params.values()):
            return Size()
        return values[0].size()

    def _expand_probs_logits(self, new, shape):
        """Expand whichever of ``probs``/``logits`` this instance holds onto ``new``."""
        if 'probs' in self.__dict__:
            new.probs = self.probs.expand(shape)
            new._param = new.probs
        if 'logits' in self.__dict__:
            new.logits = self.logits.expand(shape)
            new._param = new.logits

    def _expand_params(self, cls, batch_shape, _instance, names):
        """``expand`` for a distribution of class ``cls`` whose state is the parameters
        ``names``: each is expanded to ``batch_shape`` on a new (or the given) instance."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = Size(batch_shape)
        for n in names:
            setattr(new, n, getattr(self, n).expand(batch_shape))
        return self._init_expanded(cls, new, batch_shape)

    def _init_expanded(self, cls, new, batch_shape, event_shape=Size()):
        """The end of ``cls.expand``: initialise ``new`` (whose state is set) as ``cls``'s base
        with ``batch_shape``/``event_shape``, unvalidated, and give it this instance's
        ``validate_args``."""
        super(cls, new).__init__(batch_shape, event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def __repr__(self):
        param_names = [k for k in self.arg_constraints if k in self.__dict__]
        args_string = ', '.join(
            f'{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else self.__dict__[p].size()}'
            for p in param_names)
        return self.__class__.__name__ + '(' + args_string + ')'
