"""``torch.distributions`` for ember: parameterised probability distributions built from ember
ops, so ``rsample``/``log_prob``/``entropy``/``kl_divergence`` are differentiable.

Sampling draws from ember's generators, so ``ember.manual_seed`` reproduces samples (the
numbers are not PyTorch's). Validation is on by default, as PyTorch's (``__debug__``).
Submodules are also importable by PyTorch's module names (``distributions.normal``, ...).
"""
import sys as _sys

from . import constraints, utils  # noqa: F401
from .distribution import Distribution
from .continuous import (ExponentialFamily, Normal, LogNormal, Uniform, Laplace, Exponential,
                         Gamma, Beta, Dirichlet, Cauchy)
from .discrete import (Bernoulli, Categorical, OneHotCategorical, OneHotCategoricalStraightThrough,
                       Binomial, Poisson, Geometric)
from .multivariate_normal import MultivariateNormal
from .independent import Independent
from .kl import kl_divergence, register_kl
from . import continuous, discrete, multivariate_normal, independent, kl, distribution  # noqa: F401,E501

__all__ = ['Bernoulli', 'Beta', 'Binomial', 'Categorical', 'Cauchy', 'Dirichlet', 'Distribution',
           'Exponential', 'ExponentialFamily', 'Gamma', 'Geometric', 'Independent', 'Laplace',
           'LogNormal', 'MultivariateNormal', 'Normal', 'OneHotCategorical',
           'OneHotCategoricalStraightThrough', 'Poisson', 'Uniform', 'constraints',
           'kl_divergence', 'register_kl']

# PyTorch's per-distribution module names (torch.distributions.normal.Normal, ...)
for _name, _mod in (('normal', continuous), ('log_normal', continuous), ('uniform', continuous),
                    ('laplace', continuous), ('exponential', continuous),
                    ('gamma', continuous), ('beta', continuous), ('dirichlet', continuous),
                    ('cauchy', continuous), ('exp_family', continuous),
                    ('bernoulli', discrete), ('categorical', discrete),
                    ('one_hot_categorical', discrete), ('binomial', discrete),
                    ('poisson', discrete), ('geometric', discrete)):
    _sys.modules[__name__ + '.' + _name] = _mod
    globals()[_name] = _mod
del _name, _mod
