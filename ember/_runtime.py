"""Process-level settings of ``torch``: compile, threads, determinism, matmul precision, the
default device, DLPack and buffer interchange.

ember has no graph compiler and no kernels whose determinism or precision these switches change;
the settings are recorded and read back as PyTorch's are, so programs that set them run
unchanged. Thread counts set ember's own CPU threads (``backend.cpu``: OpenBLAS is held to one
thread and ember splits the work), or the BLAS pool's through ``threadpoolctl`` where ember cannot
switch OpenBLAS.
"""
import numbers
import warnings

import numpy as np

from . import _dtype

__all__ = ['compile', 'set_num_threads', 'get_num_threads', 'set_num_interop_threads',
           'get_num_interop_threads', 'use_deterministic_algorithms',
           'are_deterministic_algorithms_enabled', 'is_deterministic_algorithms_warn_only_enabled',
           'set_deterministic_debug_mode', 'get_deterministic_debug_mode',
           'set_float32_matmul_precision', 'get_float32_matmul_precision', 'set_default_device',
           'get_default_device', 'set_default_tensor_type', 'from_dlpack', 'to_dlpack',
           'frombuffer', 'is_inference', 'set_warn_always', 'is_warn_always_enabled']

_S = {'threads': None, 'interop': None, 'det': False, 'det_warn': False, 'prec': 'highest',
      'warn_always': False}


# ---------------------------------------------------------------------------------- compile

def compile(model=None, *, fullgraph=False, dynamic=None, backend='inductor', mode=None,
            options=None, disable=False):
    """``torch.compile``: ember has no compiler, so the module or function comes back unchanged.

    Works as ``compile(model)``, ``@compile`` and ``@compile(mode=...)``; the arguments are
    checked as PyTorch checks them and otherwise ignored.
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified "
                           'at the same time.')
    if model is None:
        def fn(model):
            if model is None:
                raise RuntimeError('Model can\'t be None')
            return compile(model, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                           mode=mode, options=options, disable=disable)
        return fn
    if not callable(model):
        raise RuntimeError(f'compile() expects a callable, got {type(model).__name__}')
    return model


# ---------------------------------------------------------------------------------- threads

def _blas_limits():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


def _check_threads(n, name):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise RuntimeError(f'{name} expects an int, but got {type(n).__name__}')
    if n <= 0:
        raise RuntimeError(f'{name} expects a positive integer')


def set_num_threads(int):  # noqa: A002 - PyTorch's argument name
    """Set the number of threads for intra-op parallelism: ember's CPU threads (or the BLAS
    pool's, via threadpoolctl, where ember cannot hold OpenBLAS to one thread)."""
    _check_threads(int, 'set_num_threads')
    from .backend import cpu
    if not cpu.set_num_threads(int):           # ember drives the cores where it can
        tpc = _blas_limits()
        if tpc is not None:
            tpc.threadpool_limits(limits=int)  # else the BLAS pool's own count, from now on
    _S['threads'] = int


def get_num_threads():
    """The number of threads used for intra-op parallelism (the BLAS pool's, when known)."""
    from .backend import cpu
    if cpu._blas.set is not None:
        return cpu.num_threads()
    tpc = _blas_limits()
    if tpc is not None:
        info = [i['num_threads'] for i in tpc.threadpool_info() if i.get('user_api') == 'blas']
        if info:
            return max(info)
    if _S['threads'] is not None:
        return _S['threads']
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()


def set_num_interop_threads(int):  # noqa: A002
    """Set the number of inter-op threads (recorded; ember runs ops one after another)."""
    _check_threads(int, 'set_num_interop_threads')
    _S['interop'] = int


def get_num_interop_threads():
    """The number of inter-op threads (the value set, else the intra-op count)."""
    return _S['interop'] if _S['interop'] is not None else get_num_threads()


# ---------------------------------------------------------------------------------- determinism

def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record whether deterministic algorithms are required (ember's CPU ops already are)."""
    if not isinstance(mode, bool):
        raise TypeError("_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f'bool, not {type(mode).__name__}')
    if not isinstance(warn_only, bool):
        raise TypeError("_set_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f'{type(warn_only).__name__}')
    _S['det'], _S['det_warn'] = mode, warn_only


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is in force."""
    return _S['det']


def is_deterministic_algorithms_warn_only_enabled():
    """Whether deterministic mode only warns."""
    return _S['det_warn']


def set_deterministic_debug_mode(debug_mode):
    """0/'default', 1/'warn' or 2/'error' (``torch.set_deterministic_debug_mode``)."""
    if isinstance(debug_mode, str):
        names = {'default': 0, 'warn': 1, 'error': 2}
        if debug_mode not in names:
            raise RuntimeError('invalid value of debug_mode, expected one of `default`, `warn`, '
                               f'`error`, but got {debug_mode}')
        debug_mode = names[debug_mode]
    elif isinstance(debug_mode, numbers.Integral) and not isinstance(debug_mode, bool):
        if debug_mode not in (0, 1, 2):
            raise RuntimeError(f'invalid value of debug_mode, expected 0, 1, or 2, but got '
                               f'{debug_mode}')
    else:
        raise TypeError(f'debug_mode must be str or int, but got {type(debug_mode)}')
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """0 (off), 1 (warn only) or 2 (error)."""
    if not _S['det']:
        return 0
    return 1 if _S['det_warn'] else 2


# ---------------------------------------------------------------------------------- precision

def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium'; any other value warns and changes nothing (as PyTorch)."""
    if precision not in ('highest', 'high', 'medium'):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      'setFloat32MatmulPrecision call has no effect.')
        return
    _S['prec'] = precision


def get_float32_matmul_precision():
    """The float32 matmul precision set (default 'highest')."""
    return _S['prec']


# ---------------------------------------------------------------------------------- devices/types

def set_default_device(device):
    """Device that factory functions (``zeros``, ``tensor``, layers' parameters...) use when
    given ``device=None``; ``None`` restores CPU. Only 'cpu' works without CuPy; 'cuda' raises
    the usual clear error at the first tensor made."""
    from .ops import creation
    if device is None:
        creation._DEFAULT_DEVICE[0] = None
        return
    from .backend import device as _device
    d = device if isinstance(device, _device) else _device(device)
    creation._DEFAULT_DEVICE[0] = None if d.type == 'cpu' and d.index is None else d


def get_default_device():
    """The default device for new tensors (``device(type='cpu')`` unless set)."""
    from .ops import creation
    from .backend import device as _device
    d = creation._DEFAULT_DEVICE[0]
    return _device('cpu') if d is None else d


_TENSOR_TYPES = {'FloatTensor': _dtype.float32, 'DoubleTensor': _dtype.float64,
                 'HalfTensor': _dtype.float16, 'BFloat16Tensor': _dtype.bfloat16}


def set_default_tensor_type(t):
    """Deprecated: ``torch.FloatTensor``/``'torch.DoubleTensor'``... set the default dtype
    (and a ``cuda.`` type the default device)."""
    warnings.warn('torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use '
                  'torch.set_default_dtype() and torch.set_default_device() as alternatives.')
    name = t if isinstance(t, str) else getattr(t, '__name__', str(t))
    cuda = '.cuda.' in name or name.startswith('cuda.')
    base = name.rsplit('.', 1)[-1]
    if base not in _TENSOR_TYPES:
        if base.endswith('Tensor'):
            raise TypeError('only floating-point types are supported as the default type')
        raise TypeError(f'invalid type: {t!r}')
    _dtype.set_default_dtype(_TENSOR_TYPES[base])
    if cuda:
        set_default_device('cuda')


def is_inference(input):
    """Whether ``input`` is an inference tensor (ember makes none: False)."""
    return False


def set_warn_always(b):
    """Warn every time instead of once (recorded for ``is_warn_always_enabled``)."""
    _S['warn_always'] = bool(b)


def is_warn_always_enabled():
    """Whether ``set_warn_always(True)`` is in force."""
    return _S['warn_always']


# ---------------------------------------------------------------------------------- interchange

def from_dlpack(ext_tensor):
    """A tensor sharing memory with a DLPack-capable object (NumPy/CuPy array, a torch tensor,
    or a DLPack capsule)."""
    from ._tensor import Tensor, _wrap
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    dev = getattr(ext_tensor, '__dlpack_device__', None)
    if dev is not None and dev()[0] == 2:           # kDLCUDA
        from .backend import cuda
        arr = cuda.xp().from_dlpack(ext_tensor)
    elif type(ext_tensor).__name__ == 'PyCapsule':
        arr = _from_capsule(ext_tensor)
    else:
        arr = np.from_dlpack(ext_tensor)
    if not arr.flags.writeable:
        try:
            arr.flags.writeable = True                # memory is the producer's, as in PyTorch
        except ValueError:
            pass
    _dtype.from_np(arr.dtype)
    return _wrap(arr)


class _Capsule:
    """Adapter so NumPy can import a bare (legacy) DLPack capsule."""

    def __init__(self, cap):
        self.cap = cap

    def __dlpack__(self, stream=None, **kw):
        return self.cap

    def __dlpack_device__(self):
        return (1, 0)


def _from_capsule(cap):
    try:
        return np.from_dlpack(_Capsule(cap))
    except Exception:
        from .backend import cuda
        return cuda.xp().from_dlpack(cap)


def to_dlpack(tensor):
    """A DLPack capsule sharing ``tensor``'s memory (``torch.utils.dlpack.to_dlpack``)."""
    return tensor._data.__dlpack__()


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor sharing memory with an object exposing the buffer protocol
    (``torch.frombuffer``): ``count`` elements of ``dtype`` starting ``offset`` bytes in."""
    from ._tensor import _wrap
    mv = memoryview(buffer)
    n = mv.nbytes
    isz = _dtype.to_np(dtype).itemsize
    if n <= 0 and count <= 0 or count == 0:
        raise ValueError(f'both buffer length ({n}) and count ({count}) must not be 0')
    if not 0 <= offset < n:
        raise ValueError(f'offset ({offset} bytes) must be non-negative and no greater than '
                         f'buffer length ({n} bytes) minus 1')
    if count < 0:
        if (n - offset) % isz:
            raise ValueError(f'buffer length ({n - offset} bytes) after offset ({offset} bytes) '
                             f'must be a multiple of element size ({isz})')
        count = (n - offset) // isz
    elif offset + count * isz > n:
        raise ValueError(f'requested buffer length ({count} * {isz} bytes) after offset '
                         f'({offset} bytes) must not be greater than actual buffer length '
                         f'({n} bytes)')
    arr = np.frombuffer(buffer, dtype=_dtype.to_np(dtype), count=count, offset=offset)
    if not arr.flags.writeable:
        arr = arr.copy()    # a read-only buffer (bytes): ember copies where PyTorch would share
    t = _wrap(arr)
    return t.requires_grad_(True) if requires_grad else t



# ---------------------------------------------------------------------------------- storage
# Tensor methods on memory: share_memory_, storage, resize_, apply_/map_ (bound at the end)

def _root(arr):
    """The array that owns ``arr``'s memory (the end of its chain of array bases)."""
    t = type(arr)
    while isinstance(arr.base, t):
        arr = arr.base
    return arr


def _ptr(a):
    return a.__array_interface__['data'][0] if type(a) is np.ndarray else a.data.ptr


def _root_bytes(arr):
    """(1-D uint8 view of the owning memory, byte offset of ``arr`` in it)."""
    r = _root(arr)
    if r.flags.c_contiguous:
        b = r.reshape(-1).view(np.uint8) if r.dtype.itemsize else r.reshape(-1)
    elif r.flags.f_contiguous:
        b = r.T.reshape(-1).view(np.uint8)
    else:                       # memory ember cannot view as bytes: a copy (rare)
        return arr.ravel().view(np.uint8), 0
    return b, _ptr(arr) - _ptr(r)


class UntypedStorage:
    """The bytes behind a tensor (``torch.UntypedStorage``, minimal): shares the memory."""

    def __init__(self, data):
        self._b = data
        self._dev = 'cpu' if type(data) is np.ndarray else f'cuda:{data.device.id}'

    @property
    def device(self):
        from .backend import device
        return device(self._dev)

    @property
    def is_cuda(self):
        return self._dev != 'cpu'

    def size(self):
        return self._b.size

    nbytes = size
    __len__ = size

    def element_size(self):
        return 1

    def data_ptr(self):
        return _ptr(self._b)

    def tolist(self):
        return self._b.tolist()

    def __getitem__(self, i):
        v = self._b[i]
        return v.tolist()

    def __setitem__(self, i, v):
        self._b[i] = v

    def is_shared(self):
        return _is_shared(self._b)

    def untyped(self):
        return self

    def __iter__(self):
        return iter(self.tolist())

    def __repr__(self):
        lines = '\n'.join(' ' + str(v) for v in self.tolist())
        return (lines + '\n' if lines else '') + \
            f'[torch.storage.UntypedStorage(device={self._dev}) of size {self.size()}]'


class TypedStorage(UntypedStorage):
    """``tensor.storage()``: the memory read as the tensor's dtype (deprecated in PyTorch)."""

    def __init__(self, data, dtype):
        super().__init__(data)
        self.dtype = dtype
        n = data.size // dtype.itemsize * dtype.itemsize
        self._v = data[:n].view(_dtype.to_np(dtype))

    def size(self):
        return self._v.size

    __len__ = size

    def nbytes(self):
        return self._v.nbytes

    def element_size(self):
        return self.dtype.itemsize

    def tolist(self):
        return self._v.tolist()

    def __getitem__(self, i):
        return self._v[i].tolist()

    def __setitem__(self, i, v):
        self._v[i] = v

    def untyped(self):
        return UntypedStorage(self._b)

    def __repr__(self):
        lines = '\n'.join(' ' + str(v) for v in self.tolist())
        return (lines + '\n' if lines else '') + \
            f'[torch.storage.TypedStorage(dtype={self.dtype}, device={self._dev}) of size ' \
            f'{self.size()}]'


def _untyped_storage(self):
    """The tensor's memory as bytes, shared (``Tensor.untyped_storage``)."""
    b, _ = _root_bytes(self._data)
    return UntypedStorage(b)


def _storage(self):
    """The tensor's memory read as its dtype (``Tensor.storage``; deprecated in PyTorch)."""
    warnings.warn('TypedStorage is deprecated. It will be removed in the future and '
                  'UntypedStorage will be the only storage class. This should only matter to you '
                  'if you are using storages directly.  To access UntypedStorage directly, use '
                  'tensor.untyped_storage() instead of tensor.storage()', UserWarning, 2)
    b, _ = _root_bytes(self._data)
    return TypedStorage(b, self.dtype)


def _is_shared(arr):
    import mmap
    if type(arr) is not np.ndarray:
        return False
    b = _root(arr).base
    if isinstance(b, memoryview):
        b = b.obj
    return isinstance(b, mmap.mmap)


def _share_memory_(self):
    """Move the data into shared memory (an anonymous shared mapping), keeping the values, so
    that forked processes (DataLoader workers, ``multiprocessing`` with fork) see writes; a no-op
    for CUDA tensors and tensors already shared. Returns self."""
    d = self._data
    if type(d) is not np.ndarray or _is_shared(d):
        return self
    import mmap
    buf = mmap.mmap(-1, max(d.nbytes, 1))
    new = np.frombuffer(buf, dtype=d.dtype, count=d.size).reshape(d.shape)
    np.copyto(new, d)
    self._data = new
    return self


def _resize_(self, *sizes, memory_format=None):
    """Give the tensor shape ``sizes`` (``Tensor.resize_``): it keeps its memory when that holds
    enough elements from the tensor's offset (a contiguous view of them), else reallocates and
    keeps the leading elements (the rest is uninitialised, as in PyTorch)."""
    from .ops.creation import _shape_arg
    if self._rg:
        raise RuntimeError('cannot resize variables that require grad')
    shape = tuple(int(s) for s in _shape_arg(sizes))
    if any(s < 0 for s in shape):
        raise RuntimeError(f'Trying to create tensor with negative dimension {min(shape)}: '
                           f'{list(shape)}')
    n = 1
    for s in shape:
        n *= s
    d = self._data
    dt = d.dtype
    b, off = _root_bytes(d)
    avail = max((b.size - off) // dt.itemsize, 0)
    flat = b[off:off + avail * dt.itemsize].view(dt)
    if n <= avail:
        new = flat[:n].reshape(shape)
    else:
        xp = np if type(d) is np.ndarray else __import__('cupy')
        new = xp.empty(shape, dt)
        new.reshape(-1)[:avail] = flat
    if shape == d.shape and new.strides == d.strides and _ptr(new) == _ptr(d):
        return self
    self._data = new
    self._vc[0] += 1
    return self


def _resize_as_(self, the_template, memory_format=None):
    """``resize_(the_template.shape)``."""
    return _resize_(self, the_template.shape)


def _apply_cpu(self, name):
    if type(self._data) is not np.ndarray:
        raise TypeError(f'{name} is only implemented on CPU tensors')
    if self._rg:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f'var.detach().{name}() instead.')


def _apply_(self, callable):  # noqa: A002
    """Replace each element ``x`` with ``callable(x)`` (CPU only; slow, as in PyTorch)."""
    _apply_cpu(self, 'apply_')
    d = self._data
    if d.size:
        d[...] = np.vectorize(callable, otypes=[d.dtype])(d)
    self._vc[0] += 1
    return self


def _map_(self, tensor, callable):  # noqa: A002
    """Replace each element ``x`` with ``callable(x, y)``, ``y`` from ``tensor`` broadcast to
    self's shape (CPU only)."""
    _apply_cpu(self, 'map_')
    d = self._data
    o = np.broadcast_to(tensor._data, d.shape)
    if d.size:
        d[...] = np.vectorize(callable, otypes=[d.dtype])(d, o)
    self._vc[0] += 1
    return self


def _map2_(self, x, y, callable):  # noqa: A002
    """``callable(self, x, y)`` elementwise into self (CPU only)."""
    _apply_cpu(self, 'map2_')
    d = self._data
    a, b = np.broadcast_to(x._data, d.shape), np.broadcast_to(y._data, d.shape)
    if d.size:
        d[...] = np.vectorize(callable, otypes=[d.dtype])(d, a, b)
    self._vc[0] += 1
    return self


def _bind_tensor_methods():
    from ._tensor import bind
    bind({'share_memory_': _share_memory_, 'is_shared': lambda self: _is_shared(self._data),
          'storage': _storage, 'untyped_storage': _untyped_storage, 'resize_': _resize_,
          'resize_as_': _resize_as_, 'apply_': _apply_, 'map_': _map_, 'map2_': _map2_,
          'record_stream': lambda self, stream: None, 'is_inference': lambda self: False})


_bind_tensor_methods()
