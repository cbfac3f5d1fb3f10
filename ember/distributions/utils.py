"""Helpers shared by the distributions (``torch.distributions.utils``)."""
import builtins
import numbers
from functools import update_wrapper

import numpy as np

from .._tensor import Tensor

__all__ = ['broadcast_all', 'logits_to_probs', 'probs_to_logits', 'clamp_probs',
           'lazy_property', 'tril_matrix_to_vec', 'vec_to_tril_matrix']


def _E():
    import ember
    return ember


def broadcast_all(*values):
    """Broadcast tensors and numbers to one shape (``torch.distributions.utils.broadcast_all``).

    Numbers become tensors of the first tensor argument's dtype and device (the default
    dtype when there is none), as in PyTorch.
    """
    E = _E()
    if not builtins.all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError('Input arguments must all be instances of numbers.Number, '
                         'torch.Tensor or objects implementing __torch_function__.')
    if not builtins.all(isinstance(v, Tensor) for v in values):
        opts = dict(dtype=E.get_default_dtype())
        for v in values:
            if isinstance(v, Tensor):
                opts = dict(dtype=v.dtype, device=v.device)
                break
        values = [v if isinstance(v, Tensor) else E.tensor(v, **opts) for v in values]
    shape = np.broadcast_shapes(*[tuple(v.shape) for v in values])
    return tuple(v if tuple(v.shape) == shape else v.expand(shape) for v in values)


def _standard_normal(shape, dtype, device):
    return _E().randn(tuple(shape), dtype=dtype, device=device)


def _sum_rightmost(value, dim):
    """Sum out the ``dim`` rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Logits to probabilities: sigmoid when ``is_binary``, else softmax over the last dim."""
    E = _E()
    if is_binary:
        return E.sigmoid(logits)
    return E.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp probabilities to ``[eps, 1 - eps]`` of their dtype."""
    eps = _E().finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Probabilities to logits: ``log p - log1p(-p)`` when ``is_binary``, else ``log p``
    (after clamping to ``[eps, 1 - eps]``)."""
    E = _E()
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return E.log(ps_clamped) - E.log1p(-ps_clamped)
    return E.log(ps_clamped)


class lazy_property:
    """A property computed once on first access and cached in the instance's ``__dict__``."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with _E().enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag=0):
    """The lower-triangular entries (offset ``diag``) of ``mat``'s last two dims, row-major."""
    n = mat.shape[-1]
    idx = np.tril_indices(n, k=diag)
    flat = mat.reshape(tuple(mat.shape[:-2]) + (-1,))
    return flat[..., _E().tensor(idx[0] * n + idx[1], device=mat.device)]


def vec_to_tril_matrix(vec, diag=0):
    """Inverse of ``tril_matrix_to_vec``: a matrix whose lower triangle holds ``vec``."""
    E = _E()
    n = 0
    while len(np.tril_indices(n, k=diag)[0]) < vec.shape[-1]:
        n += 1
    idx = np.tril_indices(n, k=diag)
    mat = E.zeros(tuple(vec.shape[:-1]) + (n * n,), dtype=vec.dtype, device=vec.device)
    index = E.tensor(idx[0] * n + idx[1], device=vec.device).expand(tuple(vec.shape))
    return mat.scatter(-1, index, vec).reshape(tuple(vec.shape[:-1]) + (n, n))
