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


class UninitializedTensorMixin:
    """A parameter or buffer whose shape is not known yet (lazy modules): no data until
    ``materialize(shape)``, which turns it into a regular ``cls_to_become``."""

    def materialize(self, shape, device=None, dtype=None):
        """Allocate uninitialised memory of ``shape`` and become ``cls_to_become``."""
        from ..ops.creation import empty
        if device is None:
            device = self.device
        if dtype is None:
            dtype = self.dtype
        if isinstance(shape, int):
            shape = (shape,)
        self._data = empty(tuple(shape), device=device, dtype=dtype)._data
        self._vc[0] += 1
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            'happens in `load_state_dict` when trying to load an uninitialized parameter into an '
            'initialized one. Call `forward` to initialize the parameters before accessing their '
            'attributes.')

    def size(self, dim=None):
        return self.shape

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            'initialize the parameters before calling `module.share_memory()`.')

    def __repr__(self):
        return f'<{self.__class__.__name__}>'

    def __reduce_ex__(self, proto):
        return (self.__class__, (self._rg,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self._rg, self.device, self.dtype)
        return memo[id(self)]


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter not initialised yet (``nn.UninitializedParameter``): lazy modules
    materialize it on their first forward, when it becomes an ``nn.Parameter``."""
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from ..ops.creation import empty
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer not initialised yet (``nn.UninitializedBuffer``); becomes a plain Tensor."""
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from ..ops.creation import empty
        self = object.__new__(cls)
        _init(self, empty(0, device=device, dtype=dtype)._data)
        if requires_grad:
            self.requires_grad_(True)
        self.persistent = persistent
        return self

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass


def is_lazy(param):
    """Whether ``param`` is an uninitialised parameter or buffer."""
    return isinstance(param, UninitializedTensorMixin)
