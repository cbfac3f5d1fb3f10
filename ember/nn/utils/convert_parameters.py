"""``parameters_to_vector`` and ``vector_to_parameters`` (``torch.nn.utils``)."""
from ..._tensor import Tensor

__all__ = ['parameters_to_vector', 'vector_to_parameters']


def _check_same_device(param, old):
    if old is None:
        return param.device
    if param.device != old:
        raise TypeError('Found two parameters on different devices, this is currently not '
                        'supported.')
    return old


def parameters_to_vector(parameters):
    """All ``parameters`` flattened and concatenated into one 1-D tensor (a copy)."""
    from ...ops.shape import cat
    dev = None
    vec = []
    for p in parameters:
        dev = _check_same_device(p, dev)
        vec.append(p.view(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (their ``.data`` is
    replaced by views of ``vec``, as in PyTorch)."""
    if not isinstance(vec, Tensor):
        from ..module import _typename
        raise TypeError(f'expected torch.Tensor, but got: {_typename(vec)}')
    dev = None
    pointer = 0
    for p in parameters:
        dev = _check_same_device(p, dev)
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
