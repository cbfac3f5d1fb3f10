"""``ember.cuda``: the CUDA device through CuPy (``torch.cuda``).

Without CuPy or a GPU, ``is_available()`` is False, ``device_count()`` is 0, seeding and the
memory counters are harmless (no-ops / 0) as in PyTorch, and the device functions raise
PyTorch's "Torch not compiled with CUDA enabled" saying what to install.
"""
from ..backend import cuda as _b
from ..backend.cuda import OutOfMemoryError

__all__ = ['is_available', 'is_initialized', 'init', 'device_count', 'current_device',
           'set_device', 'device', 'device_of', 'get_device_name', 'get_device_properties',
           'get_device_capability', 'synchronize', 'manual_seed', 'manual_seed_all', 'seed',
           'seed_all', 'memory_allocated', 'max_memory_allocated', 'memory_reserved',
           'max_memory_reserved', 'reset_peak_memory_stats', 'reset_max_memory_allocated',
           'empty_cache', 'memory_summary', 'memory_stats', 'mem_get_info', 'Stream',
           'current_stream', 'default_stream', 'stream', 'StreamContext', 'Event',
           'OutOfMemoryError', 'is_bf16_supported', 'amp']


def is_available():
    """True when CuPy is installed and sees an NVIDIA GPU."""
    return _b.is_available()


def is_initialized():
    return _b.is_available()


def init():
    """Initialise CUDA (raises the not-available error without it)."""
    _need()


def device_count():
    """Number of visible GPUs (0 without CuPy)."""
    return _b.device_count() if _b.is_available() else 0


def _need():
    if not _b.is_available():
        raise _b.unavailable_error()
    return _b.xp()


def _index(device):
    """A device index from None/int/str/device (None: the current device)."""
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    from ..backend import device as _device
    d = device if isinstance(device, _device) else _device(device)
    if d.type != 'cuda':
        raise ValueError(f'Expected a cuda device, but got: {d}')
    return current_device() if d.index is None else d.index


def current_device():
    """Index of the current GPU."""
    return _need().cuda.runtime.getDevice()


def set_device(device):
    """Make ``device`` (int, 'cuda:i' or torch.device) the current GPU."""
    cp = _need()
    idx = _index(device)
    if idx >= 0:
        cp.cuda.Device(idx).use()


class device:
    """Context manager that makes ``device`` the current CUDA device."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev_idx = current_device()
            if self.prev_idx != self.idx:
                set_device(self.idx)
        return self

    def __exit__(self, *a):
        if self.idx >= 0 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """``device`` of a tensor's GPU (a no-op context for CPU tensors)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else None)


class _CudaDeviceProperties:
    """What ``get_device_properties`` returns: name, total_memory, major, minor,
    multi_processor_count (and a few more), as PyTorch's object."""

    def __init__(self, p):
        name = p['name']
        self.name = name.decode() if isinstance(name, bytes) else name
        self.total_memory = int(p['totalGlobalMem'])
        self.major = int(p['major'])
        self.minor = int(p['minor'])
        self.multi_processor_count = int(p['multiProcessorCount'])
        self.is_integrated = int(p.get('integrated', 0))
        self.is_multi_gpu_board = int(p.get('isMultiGpuBoard', 0))
        self.L2_cache_size = int(p.get('l2CacheSize', 0))
        self.warp_size = int(p.get('warpSize', 32))
        self.max_threads_per_multi_processor = int(p.get('maxThreadsPerMultiProcessor', 0))

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, "
                f'minor={self.minor}, total_memory={self.total_memory // (1 << 20)}MB, '
                f'multi_processor_count={self.multi_processor_count}, '
                f'L2_cache_size={self.L2_cache_size // (1 << 20)}MB)')


def get_device_properties(device=None):
    """The GPU's properties (``name``, ``total_memory``, ``major``, ``minor``,
    ``multi_processor_count``)."""
    cp = _need()
    idx = _index(device)
    if idx < 0 or idx >= device_count():
        raise AssertionError('Invalid device id')
    return _CudaDeviceProperties(cp.cuda.runtime.getDeviceProperties(idx))


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    """(major, minor) compute capability."""
    p = get_device_properties(device)
    return p.major, p.minor


def is_bf16_supported(including_emulation=True):
    """bfloat16 on the GPU: compute capability 8.0+ (False without CUDA)."""
    if not is_available():
        return False
    return get_device_capability()[0] >= 8


def synchronize(device=None):
    """Wait for all work on the GPU to finish."""
    cp = _need()
    with cp.cuda.Device(_index(device)):
        cp.cuda.Device().synchronize()


# ---------------------------------------------------------------------------- seeding


def manual_seed(seed):
    """Seed the current GPU's generator (a no-op without a GPU, as in PyTorch)."""
    if not is_available():
        return
    from ..ops import random
    random._default_for(random.canonical('cuda')).manual_seed(seed)


def manual_seed_all(seed):
    """Seed every GPU's generator (a no-op without a GPU)."""
    if not is_available():
        return
    from ..ops import random
    for i in range(device_count()):
        random._default_for(random.canonical(f'cuda:{i}')).manual_seed(seed)


def seed():
    """Seed the current GPU's generator from a random number (no-op without a GPU)."""
    if is_available():
        import random as _r
        manual_seed(_r.getrandbits(63))


def seed_all():
    if is_available():
        import random as _r
        manual_seed_all(_r.getrandbits(63))


# ---------------------------------------------------------------------------- memory


def _pool():
    return _b.xp().get_default_memory_pool()


def _dev_or_zero(device):
    return _index(device) if is_available() else 0


def memory_allocated(device=None):
    """Bytes held by tensors on the GPU (CuPy's pool ``used_bytes``; 0 without CUDA)."""
    if not is_available():
        return 0
    cp = _b.xp()
    with cp.cuda.Device(_index(device)):
        return _pool().used_bytes()


def memory_reserved(device=None):
    """Bytes reserved by the caching allocator (the pool's ``total_bytes``; 0 without CUDA)."""
    if not is_available():
        return 0
    cp = _b.xp()
    with cp.cuda.Device(_index(device)):
        return _pool().total_bytes()


def max_memory_allocated(device=None):
    """Peak of ``memory_allocated`` since start or ``reset_peak_memory_stats``."""
    if not is_available():
        return 0
    idx = _index(device)
    return max(_b._peak_alloc.get(idx, 0), memory_allocated(idx))


def max_memory_reserved(device=None):
    """Peak of ``memory_reserved`` since start or ``reset_peak_memory_stats``."""
    if not is_available():
        return 0
    idx = _index(device)
    return max(_b._peak_reserved.get(idx, 0), memory_reserved(idx))


def reset_peak_memory_stats(device=None):
    """Restart the peaks from the current usage."""
    if not is_available():
        return
    idx = _index(device)
    _b._peak_alloc[idx] = memory_allocated(idx)
    _b._peak_reserved[idx] = memory_reserved(idx)


def reset_max_memory_allocated(device=None):
    if is_available():
        idx = _index(device)
        _b._peak_alloc[idx] = memory_allocated(idx)


def reset_max_memory_cached(device=None):
    if is_available():
        idx = _index(device)
        _b._peak_reserved[idx] = memory_reserved(idx)


def empty_cache():
    """Return the pool's unused blocks to the driver (no-op without CUDA)."""
    if is_available():
        _pool().free_all_blocks()
        _b.xp().get_default_pinned_memory_pool().free_all_blocks()


def mem_get_info(device=None):
    """(free, total) bytes of the GPU, from the driver."""
    cp = _need()
    with cp.cuda.Device(_index(device)):
        return tuple(int(v) for v in cp.cuda.runtime.memGetInfo())


def memory_stats(device=None):
    """A few of PyTorch's memory statistics (current/peak allocated and reserved bytes)."""
    if not is_available():
        return {}
    idx = _index(device)
    return {'allocated_bytes.all.current': memory_allocated(idx),
            'allocated_bytes.all.peak': max_memory_allocated(idx),
            'reserved_bytes.all.current': memory_reserved(idx),
            'reserved_bytes.all.peak': max_memory_reserved(idx)}


def memory_summary(device=None, abbreviated=False):
    """A printable table of the memory counters of ``device``."""
    idx = _index(device)
    s = memory_stats(idx)
    f = _b._fmt
    line = '|' + '=' * 75 + '|'
    rows = [line, f'|{"ember CUDA memory summary, device ID " + str(idx):^75}|', line,
            f'|{"Metric":<30}|{"Cur Usage":>21} |{"Peak Usage":>21} |', line,
            f'|{"Allocated memory":<30}|{f(s["allocated_bytes.all.current"]):>21} |'
            f'{f(s["allocated_bytes.all.peak"]):>21} |',
            f'|{"GPU reserved memory":<30}|{f(s["reserved_bytes.all.current"]):>21} |'
            f'{f(s["reserved_bytes.all.peak"]):>21} |', line]
    return '\n'.join(rows) + '\n'


# ---------------------------------------------------------------------------- streams, events


class Stream:
    """A CUDA stream (``torch.cuda.Stream``), wrapping ``cupy.cuda.Stream``."""

    def __init__(self, device=None, priority=0, _cp_stream=None, **kwargs):
        cp = _need()
        if _cp_stream is not None:
            self._s = _cp_stream
            self.device = _device_obj(current_device())
            return
        idx = current_device() if device is None else _index(device)
        with cp.cuda.Device(idx):
            self._s = cp.cuda.Stream(non_blocking=True, priority=priority) if priority else \
                cp.cuda.Stream(non_blocking=True)
        self.device = _device_obj(idx)

    @property
    def cuda_stream(self):
        return self._s.ptr

    def wait_event(self, event):
        self._s.wait_event(event._e)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        if event is None:
            event = Event()
        event.record(self)
        return event

    def query(self):
        return self._s.done

    def synchronize(self):
        self._s.synchronize()

    def __enter__(self):
        self._prev = current_stream()
        self._s.use()
        return self

    def __exit__(self, *a):
        self._prev._s.use()
        return False

    def __eq__(self, o):
        return isinstance(o, Stream) and o._s.ptr == self._s.ptr and o.device == self.device

    def __hash__(self):
        return hash((self._s.ptr, self.device))

    def __repr__(self):
        return f'<torch.cuda.Stream device={self.device} cuda_stream={hex(self._s.ptr)}>'


def _device_obj(idx):
    from ..backend import device as _device
    return _device('cuda', idx)


def current_stream(device=None):
    """The stream ops are queued on."""
    cp = _need()
    return Stream(_cp_stream=cp.cuda.get_current_stream())


def default_stream(device=None):
    cp = _need()
    return Stream(_cp_stream=cp.cuda.Stream.null)


class StreamContext:
    """``with torch.cuda.stream(s):`` queues the block's work on ``s`` (None: no change)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream.__enter__()
        return self.stream

    def __exit__(self, *a):
        if self.stream is not None:
            self.stream.__exit__(*a)
        return False


def stream(stream):
    return StreamContext(stream)


class Event:
    """A CUDA event (``torch.cuda.Event``): ``record``, ``synchronize``, ``query``, ``wait`` and
    ``elapsed_time`` (milliseconds, needs ``enable_timing=True``)."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        cp = _need()
        self.enable_timing = enable_timing
        self._e = cp.cuda.Event(block=blocking, disable_timing=not enable_timing,
                                interprocess=interprocess)
        self._recorded = False

    def record(self, stream=None):
        if stream is None:
            stream = current_stream()
        self._e.record(stream._s)
        self._recorded = True

    def wait(self, stream=None):
        if stream is None:
            stream = current_stream()
        stream._s.wait_event(self._e)

    def query(self):
        return self._e.done

    def synchronize(self):
        self._e.synchronize()

    def elapsed_time(self, end_event):
        """Milliseconds between this event and ``end_event`` (both recorded)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError('Both events must be created with argument \'enable_timing=True\'.')
        if not (self._recorded and end_event._recorded):
            raise RuntimeError('Both events must be recorded before calculating elapsed time.')
        return float(_b.xp().cuda.get_elapsed_time(self._e, end_event._e))

    def __repr__(self):
        return f'<torch.cuda.Event {hex(id(self))}>'


# ---------------------------------------------------------------------------- pinned memory


def _is_pinned_array(a):
    b = a
    while b is not None:
        if type(b).__name__ == 'PinnedMemoryPointer':
            return True
        b = getattr(b, 'base', None) if not isinstance(b, memoryview) else b.obj
    return False


def _pin_memory(self, device=None):
    """A copy of this CPU tensor in page-locked (pinned) host memory, for fast asynchronous
    copies to the GPU; needs CUDA, as in PyTorch."""
    if self.is_cuda:
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    if not is_available():
        raise RuntimeError('Cannot access accelerator device when none is available.')
    import cupyx
    from .._tensor import _wrap
    a = self._data
    if _is_pinned_array(a):
        return self
    p = cupyx.empty_pinned(a.shape, a.dtype)
    p[...] = a
    return _wrap(p)


def _is_pinned(self, device=None):
    """Whether this CPU tensor lives in pinned host memory."""
    return not self.is_cuda and _is_pinned_array(self._data)


def _bind_tensor_methods():
    from .._tensor import Tensor
    if not hasattr(Tensor, 'pin_memory'):
        Tensor.pin_memory = _pin_memory
    if not hasattr(Tensor, 'is_pinned'):
        Tensor.is_pinned = _is_pinned


_bind_tensor_methods()

from . import amp  # noqa: E402
