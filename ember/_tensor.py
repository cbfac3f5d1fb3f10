"""``ember.Tensor``: an array (numpy or cupy) plus dtype, device and autograd state.

Op methods (``x.exp()``, ``x + y``, ``x.sum(dim)``...) are bound onto the class by the op
modules in ``ember.ops``, so a method and its function share one definition.
"""
import numbers

import numpy as np

from . import _dtype
from ._dtype import NP2DT
from .backend import device_of, xp_of, canonical, to_device
from .autograd import function as _fn
from .autograd.grad_mode import _state

__all__ = ['Tensor', 'Size']

_ndarray = np.ndarray


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self):
        return 'torch.Size([' + ', '.join(str(int(s)) for s in self) + '])'

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, k):
        r = tuple.__getitem__(self, k)
        return Size(r) if isinstance(k, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return (Size, (tuple(self),))


class Tensor:
    """A multi-dimensional array with autograd, mirroring ``torch.Tensor``.

    ``Tensor(data)`` builds one like ``torch.tensor`` (legacy constructor); prefer
    ``ember.tensor``.
    """
    __slots__ = ('_data', '_rg', 'grad_fn', '_out_nr', '_vc', '_base', '_view_src', '_grad',
                 '_hooks', '_accum', '_vver', '__weakref__', '__dict__')
    __array_priority__ = 1000   # numpy defers `ndarray + Tensor` to Tensor.__radd__

    def __new__(cls, *args, **kwargs):
        self = object.__new__(cls)
        return self

    def __init__(self, *args, dtype=None, device=None):
        if args and isinstance(args[0], Tensor) and len(args) == 1:
            src = args[0]
            _init(self, src._data)
            return
        from .ops.creation import _legacy_array
        _init(self, _legacy_array(args, dtype, device))

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or its length along ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return NP2DT[self._data.dtype]

    @staticmethod
    def _dtype_of(npdtype):
        return NP2DT[npdtype]

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return type(self._data) is not _ndarray

    @property
    def is_cpu(self):
        return type(self._data) is _ndarray

    is_sparse = False
    is_quantized = False
    is_meta = False
    is_mps = False
    is_nested = False
    layout = 'torch.strided'

    def get_device(self):
        return -1 if type(self._data) is _ndarray else self._data.device.id

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.dtype.itemsize

    @property
    def itemsize(self):
        return self._data.dtype.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        """Strides in elements, as PyTorch counts them."""
        isz = self._data.dtype.itemsize
        st = tuple(s // isz for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        base = self._data
        while base.base is not None and isinstance(base.base, type(self._data)):
            base = base.base
        return (_ptr(self._data) - _ptr(base)) // self._data.dtype.itemsize

    def data_ptr(self):
        return _ptr(self._data)

    def is_contiguous(self, memory_format=None):
        if memory_format is not None and 'channels_last' in str(memory_format):
            d = self._data
            return d.ndim == 4 and d.transpose(0, 2, 3, 1).flags.c_contiguous
        return self._data.flags.c_contiguous

    def is_floating_point(self):
        return self._data.dtype.kind in 'fV' or self._data.dtype == _BF16

    def is_complex(self):
        return self._data.dtype.kind == 'c'

    def is_signed(self):
        return NP2DT[self._data.dtype].is_signed

    @property
    def _version(self):
        return self._vc[0]

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records ops on this (leaf) tensor; returns self."""
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError('you can only change requires_grad flags of leaf variables. If you '
                               'want to use a computed variable in a subgraph that doesn\'t require '
                               'differentiation use var_no_grad = var.detach().')
        if requires_grad and not (self.is_floating_point() or self.is_complex()):
            raise RuntimeError('only Tensors of floating point dtype can require gradients')
        self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        g = self._grad
        if g is None and self.grad_fn is not None and not self.retains_grad:
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
                "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more "
                "information.", UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, g):
        if g is not None:
            if not isinstance(g, Tensor):
                raise TypeError(f'assigned grad expected to be a Tensor or None but got grad of '
                                f'type {type(g).__name__}')
            if g._data.shape != self._data.shape:
                raise RuntimeError('assigned grad has data of a different size')
            if g._data.dtype != self._data.dtype:
                raise RuntimeError('assigned grad has data of a different type')
            if type(g._data) is not type(self._data):
                raise RuntimeError('assigned grad has data located on a different device')
        self._grad = g

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        """This tensor's values as a tensor that autograd does not track: shares memory but,
        unlike ``detach()``, not the version counter (in-place changes go unnoticed)."""
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f'data must be a Tensor, not {type(value).__name__}')
        self._data = value._data

    @property
    def retains_grad(self):
        fn = self.grad_fn
        return fn is not None and bool(fn._retain) and self._out_nr in fn._retain

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self.grad_fn
        if fn is None:
            return
        if fn._retain is None:
            fn._retain = {}
        import weakref
        fn._retain[self._out_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self.grad_fn
        if fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if fn._thooks is None:
                fn._thooks = {}
            hooks = fn._thooks.setdefault(self._out_nr, [])
        hooks.append(hook)
        return _fn._Handle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after the gradient was accumulated into this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError('post accumulate grad hooks cannot be registered on non-leaf tensors')
        h = self.__dict__.setdefault('_post_acc_hooks', [])
        h.append(hook)
        return _fn._Handle(h, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. graph leaves (``Tensor.backward``)."""
        from .autograd.engine import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing memory with this one, outside the graph."""
        t = _wrap(self._data)
        t._vc = self._vc
        return t

    def detach_(self):
        """Detach this tensor from the graph in place."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                'DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as '
                'True, gradients are views of DDP buckets, and hence detach_() cannot be called on '
                'these gradients. To fix this error, please refer to the Optimizer.zero_grad() '
                'function in torch/optim/optimizer.py as the solution.')
        self.grad_fn = None
        self._rg = False
        return self

    # ------------------------------------------------------------------ conversion
    def item(self):
        """The value of a one-element tensor as a Python number."""
        d = self._data
        if d.size != 1:
            raise RuntimeError(f'a Tensor with {d.size} elements cannot be converted to Scalar')
        return d.reshape(()).item() if type(d) is _ndarray else d.reshape(()).get().item()

    def tolist(self):
        d = self._data
        return (d if type(d) is _ndarray else d.get()).tolist()

    def numpy(self, *, force=False):
        """The values as a NumPy array sharing memory (CPU tensors without grad only)."""
        if type(self._data) is not _ndarray:
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                                'Tensor.cpu() to copy the tensor to host memory first.')
            return self._data.get()
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               'tensor.detach().numpy() instead.')
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.numpy(force=True) if type(self._data) is not _ndarray else self._data
        return a if dtype is None else a.astype(dtype, copy=False)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError('len() of a 0-d tensor')
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError('iteration over a 0-d tensor')
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f'Boolean value of Tensor with more than one value is ambiguous')
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self._data.dtype.kind not in 'iub' or self._data.size != 1:
            raise TypeError('only integer tensors of a single element can be converted to an index')
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self, tensor_contents)

    def __reduce_ex__(self, proto):
        return (_rebuild, (self.detach().cpu().numpy(), self._rg, str(self.device)))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError('Only Tensors created explicitly by the user (graph leaves) support '
                               'the deepcopy protocol at the moment.')
        if id(self) in memo:
            return memo[id(self)]
        t = type(self).__new__(type(self))
        _init(t, self._data.copy(), self._rg)
        if self._grad is not None:
            import copy
            t._grad = copy.deepcopy(self._grad, memo)
        for k, v in getattr(self, '__dict__', {}).items():
            import copy
            t.__dict__[k] = copy.deepcopy(v, memo)
        memo[id(self)] = t
        return t

    @classmethod
    def _coerce(cls, value, like=None):
        """``value`` as a Tensor on ``like``'s device (scalars take ``like``'s dtype)."""
        if isinstance(value, Tensor):
            return value
        arr = np.asarray(value)
        if like is not None:
            if arr.ndim == 0 and not isinstance(value, np.ndarray):
                arr = arr.astype(like._data.dtype)
            if type(like._data) is not _ndarray:
                arr = to_device(arr, like.device)
        return _wrap(arr)

    def type(self, dtype=None, non_blocking=False):
        """The type name (no argument), or a copy converted to ``dtype``."""
        if dtype is None:
            return _fn._tensor_type_name(self._data)
        if isinstance(dtype, str):
            name = dtype.rsplit('.', 1)[-1].replace('Tensor', '')
            m = {'Float': _dtype.float32, 'Double': _dtype.float64, 'Half': _dtype.float16,
                 'BFloat16': _dtype.bfloat16, 'Long': _dtype.int64, 'Int': _dtype.int32,
                 'Short': _dtype.int16, 'Char': _dtype.int8, 'Byte': _dtype.uint8,
                 'Bool': _dtype.bool}
            t = self.to(m[name])
            return t.cuda() if '.cuda.' in dtype else t
        return self.to(dtype)

    def __setstate__(self, state):
        pass


_BF16 = _dtype._BF16


def _ptr(a):
    if type(a) is _ndarray:
        return a.__array_interface__['data'][0]
    return a.data.ptr


def _rebuild(arr, rg, dev):
    t = _wrap(np.array(arr))
    if dev != 'cpu':
        t = t.to(dev)
    t._rg = rg
    return t


def _wrap_dim(dim, ndim):
    """``dim`` made non-negative, with PyTorch's IndexError when out of range."""
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f'Dimension out of range (expected to be in range of [{-n}, {n - 1}], '
                         f'but got {dim})')
    return dim % n


def _init(t, arr, rg=False, fn=None, nr=0):
    t._data = arr
    t._rg = rg
    t.grad_fn = fn
    t._out_nr = nr
    t._vc = [0]
    t._base = None
    t._view_src = None
    t._grad = None
    t._hooks = None
    t._accum = None


_new = object.__new__


def _wrap(arr, rg=False, fn=None, nr=0):
    """A new Tensor around array ``arr`` (no copy)."""
    t = _new(Tensor)
    t._data = arr
    t._rg = rg
    t.grad_fn = fn
    t._out_nr = nr
    t._vc = [0]
    t._base = None
    t._view_src = None
    t._grad = None
    t._hooks = None
    t._accum = None
    return t


_fn.Tensor = Tensor
_fn._wrap = _wrap


def bind(names_to_fns):
    """Bind op functions as Tensor methods: ``{'exp': exp, '__add__': add, ...}``."""
    for name, f in names_to_fns.items():
        setattr(Tensor, name, f)
