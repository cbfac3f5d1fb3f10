"""The CUDA backend: CuPy is the array module, imported lazily (``pip install "ember[cuda]"``).

Every CuPy allocation goes through one allocator installed here, which turns CuPy's
out-of-memory error into ``torch.cuda.OutOfMemoryError`` (naming the requested size, as
PyTorch does) and keeps the peak allocated/reserved bytes per device for
``max_memory_allocated``/``max_memory_reserved``.
"""
_cupy = None
_error = None

INSTALL = 'pip install "ember[cuda]"'


class CudaUnavailableError(AssertionError, RuntimeError):
    """CUDA was asked for without CuPy or a GPU. PyTorch raises AssertionError("Torch not
    compiled with CUDA enabled") here; this is also a RuntimeError."""


class OutOfMemoryError(RuntimeError):
    """A CUDA allocation failed (``torch.cuda.OutOfMemoryError``, a RuntimeError)."""


_peak_alloc = {}      # device index -> peak used bytes of the memory pool
_peak_reserved = {}   # device index -> peak total bytes of the memory pool


def _fmt(n):
    for unit, size in (('GiB', 1 << 30), ('MiB', 1 << 20), ('KiB', 1 << 10)):
        if n >= size:
            return f'{n / size:.2f} {unit}'
    return f'{n} bytes'


def _install_allocator(cp):
    """Route CuPy's allocations through the default pool with OOM translation and peaks."""
    pool = cp.get_default_memory_pool()
    malloc = pool.malloc
    oom = cp.cuda.memory.OutOfMemoryError
    get_device = cp.cuda.runtime.getDevice

    def alloc(size):
        try:
            mem = malloc(size)
        except oom:
            dev = get_device()
            try:
                free, total = cp.cuda.runtime.memGetInfo()
            except Exception:
                free = total = 0
            raise OutOfMemoryError(
                f'CUDA out of memory. Tried to allocate {_fmt(size)}. GPU {dev} has a total '
                f'capacity of {_fmt(total)} of which {_fmt(free)} is free. Of the allocated '
                f'memory {_fmt(pool.used_bytes())} is allocated by ember, and '
                f'{_fmt(pool.total_bytes() - pool.used_bytes())} is reserved by ember but '
                'unallocated. If reserved but unallocated memory is large, '
                'torch.cuda.empty_cache() returns it to the driver.') from None
        dev = mem.device_id
        used = pool.used_bytes()
        if used > _peak_alloc.get(dev, 0):
            _peak_alloc[dev] = used
        tot = pool.total_bytes()
        if tot > _peak_reserved.get(dev, 0):
            _peak_reserved[dev] = tot
        return mem
    cp.cuda.set_allocator(alloc)


def _load():
    global _cupy, _error
    if _cupy is None and _error is None:
        try:
            import cupy
            cupy.cuda.runtime.getDeviceCount()
            _install_allocator(cupy)
            _cupy = cupy
        except Exception as e:  # ImportError, or CUDA driver errors without a GPU
            _error = e
    return _cupy


def is_available():
    """True when CuPy imports and sees at least one GPU."""
    cp = _load()
    return cp is not None and cp.cuda.runtime.getDeviceCount() > 0


def unavailable_error():
    """PyTorch's "Torch not compiled with CUDA enabled", plus what to install."""
    why = ''
    if _error is not None and not isinstance(_error, ImportError):
        why = f'; CuPy said: {_error}'
    elif _error is not None:
        why = '; CuPy is not installed'
    return CudaUnavailableError(f'Torch not compiled with CUDA enabled: ember needs CuPy and an '
                                f'NVIDIA GPU for the cuda device ({INSTALL}){why}')


def xp():
    """CuPy, or a clear error saying what to install."""
    cp = _load()
    if cp is None:
        raise unavailable_error()
    return cp


def device_count():
    return xp().cuda.runtime.getDeviceCount() if is_available() else 0


def current_device():
    return xp().cuda.runtime.getDevice()


def to_device(arr, index, copy=False):
    cp = xp()
    if index >= device_count():
        raise RuntimeError('CUDA error: invalid device ordinal')
    with cp.cuda.Device(index):
        if isinstance(arr, cp.ndarray) and arr.device.id == index and not copy:
            return arr
        return cp.array(arr, copy=True)
