"""``torch.distributions`` for ember: parameterised probability distributions built from ember
ops, so ``rsample``/``log_prob``/``entropy``/``kl_divergence`` are differentiable.

Sampling draws from ember's generators, so ``ember.manual_seed`` reproduces samples (the
numbers are not PyTorch's). Validation is on by default, as PyTorch's (``__debug__``).
Submodules are also importable by PyTorch's module names (``distributions.normal``, ...).
"""
import sys as _sys

from . import constraints, utils  # noqa: F401
from .distribution import Distribution
from . import transforms  # noqa: F401
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform,
                         IndependentTransform, LowerCholeskyTransform,
                         PositiveDefiniteTransform, PowerTransform, SigmoidTransform,
                         SoftmaxTransform, SoftplusTransform, StickBreakingTransform,
                         TanhTransform, Transform, identity_transform)
from .transformed_distribution import TransformedDistribution
from .continuous import (ExponentialFamily, Normal, LogNormal, Uniform, Laplace, Exponential,
                         Gamma, Beta, Dirichlet, Cauchy, Chi2, StudentT, Gumbel, HalfNormal,
                         VonMises)
from .discrete import (Bernoulli, Categorical, OneHotCategorical, OneHotCategoricalStraightThrough,
                       Binomial, Poisson, Geometric, Multinomial)
from .multivariate_normal import MultivariateNormal
from .independent import Independent
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .mixture_same_family import MixtureSameFamily
from .kl import kl_divergence, register_kl
from . import constraint_registry  # noqa: F401
from .constraint_registry import biject_to, transform_to
from . import (continuous, discrete, multivariate_normal, independent, kl,  # noqa: F401
               distribution, transformed_distribution, relaxed, mixture_same_family)

__all__ = ['AbsTransform', 'AffineTransform', 'Bernoulli', 'Beta', 'Binomial', 'Categorical',
           'Cauchy', 'Chi2', 'ComposeTransform', 'Dirichlet', 'Distribution', 'ExpTransform',
           'Exponential', 'ExponentialFamily', 'Gamma', 'Geometric',
           'Gumbel', 'HalfNormal', 'Independent', 'IndependentTransform', 'Laplace',
           'LogNormal', 'LowerCholeskyTransform', 'MixtureSameFamily', 'Multinomial',
           'MultivariateNormal', 'Normal', 'OneHotCategorical',
           'OneHotCategoricalStraightThrough', 'Poisson', 'PositiveDefiniteTransform',
           'PowerTransform', 'RelaxedBernoulli',
           'RelaxedOneHotCategorical', 'SigmoidTransform', 'SoftmaxTransform',
           'SoftplusTransform', 'StickBreakingTransform', 'StudentT', 'TanhTransform',
           'Transform', 'TransformedDistribution', 'Uniform', 'VonMises', 'biject_to',
           'constraints',
           'identity_transform', 'kl_divergence', 'register_kl', 'transform_to', 'transforms']

# PyTorch's per-distribution module names (torch.distributions.normal.Normal, ...)
for _name, _mod in (('normal', continuous), ('log_normal', continuous), ('uniform', continuous),
                    ('laplace', continuous), ('exponential', continuous),
                    ('gamma', continuous), ('beta', continuous), ('dirichlet', continuous),
                    ('cauchy', continuous), ('exp_family', continuous),
                    ('bernoulli', discrete), ('categorical', discrete),
                    ('one_hot_categorical', discrete), ('binomial', discrete),
                    ('poisson', discrete), ('geometric', discrete), ('multinomial', discrete),
                    ('chi2', continuous), ('studentT', continuous), ('gumbel', continuous),
                    ('half_normal', continuous), ('von_mises', continuous),
                    ('relaxed_bernoulli', relaxed), ('relaxed_categorical', relaxed)):
    _sys.modules[__name__ + '.' + _name] = _mod
    globals()[_name] = _mod
del _name, _mod
