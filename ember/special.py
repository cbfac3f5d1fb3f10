"""``ember.special``: the ``torch.special`` namespace.

Each function is ember's one implementation of the op (many are the top-level ops under
PyTorch's ``special`` names); the rest live in ``ember.ops.special``. Functions marked "needs
SciPy" use ``scipy.special`` on CPU: install it with ``pip install 'ember[special]'``.
"""
from .ops.pointwise import (sigmoid as expit, erf, erfc, erfinv, lgamma as gammaln, digamma,
                            digamma as psi, polygamma, log1p, expm1, exp2, round)
from .ops.extra import logit, i0, sinc, xlogy
from .ops.special import (erfcx, i0e, i1, i1e, ndtr, ndtri, log_ndtr, entr, xlog1py,
                          multigammaln, zeta, bessel_j0, bessel_j1)
from .ops.reduce import logsumexp
from .ops import activation as _act

__all__ = ['expit', 'logit', 'erf', 'erfc', 'erfinv', 'erfcx', 'gammaln', 'digamma', 'psi',
           'polygamma', 'multigammaln', 'i0', 'i0e', 'i1', 'i1e', 'ndtr', 'ndtri', 'log_ndtr',
           'log1p', 'expm1', 'exp2', 'sinc', 'round', 'softmax', 'log_softmax', 'logsumexp',
           'xlogy', 'xlog1py', 'entr', 'zeta', 'bessel_j0', 'bessel_j1']


def softmax(input, dim, *, dtype=None):
    """``exp(input) / sum(exp(input))`` along ``dim`` (``torch.special.softmax``).

    Args:
        dim: the dimension to normalise over.
        dtype: cast the input to this dtype first.
    """
    return _act.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """``log(softmax(input, dim))`` computed stably (``torch.special.log_softmax``)."""
    return _act.log_softmax(input, dim, dtype=dtype)


def __getattr__(name):
    if name.startswith('__') and name.endswith('__'):
        raise AttributeError(name)
    from .run import EmberMissing
    raise EmberMissing(f'ember does not implement torch.special.{name} yet')
