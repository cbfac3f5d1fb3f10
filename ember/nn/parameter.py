"""``nn.Parameter``: a leaf tensor that a Module registers as a learnable parameter."""
from .._tensor import Tensor, _init


class Parameter(Tensor):
    """A Tensor that, assigned as a Module attribute, is registered in ``parameters()``.

    Args:
        data: the tensor to wrap (memory is shared); an empty tensor when None.
        requires_grad: whether the parameter requires gradient (default True).
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        self = object.__new__(cls)
        _init(self, data._data)
        self._vc = data._vc
        if requires_grad:
            self.requires_grad_(True)
        return self

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return 'Parameter containing:\n' + super().__repr__()

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach(), self._rg))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        from ..ops.creation import clone
        r = Parameter(self.detach().clone(), self._rg)
        memo[id(self)] = r
        return r


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marker for a tensor to register as a buffer when assigned to a Module (``nn.Buffer``)."""

    def __new__(cls, data=None, *, persistent=True):
        from ..ops.creation import empty
        data = empty(0) if data is None else data
        self = object.__new__(cls)
        _init(self, data._data)
        self.persistent = persistent
        return self

    def __init__(self, data=None, *, persistent=True):
        pass


class UninitializedParameter(Parameter):
    pass
