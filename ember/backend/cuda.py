"""The CUDA backend: CuPy is the array module, imported lazily (``pip install "ember[cuda]"``)."""
_cupy = None
_error = None


def _load():
    global _cupy, _error
    if _cupy is None and _error is None:
        try:
            import cupy
            cupy.cuda.runtime.getDeviceCount()
            _cupy = cupy
        except Exception as e:  # ImportError, or CUDA driver errors without a GPU
            _error = e
    return _cupy


def is_available():
    """True when CuPy imports and sees at least one GPU."""
    cp = _load()
    return cp is not None and cp.cuda.runtime.getDeviceCount() > 0


def xp():
    """CuPy, or a clear error saying what to install."""
    cp = _load()
    if cp is None:
        raise RuntimeError('Torch not compiled with CUDA enabled: ember needs CuPy and an NVIDIA GPU '
                           'for the cuda device (pip install "ember[cuda]")'
                           + (f'; CuPy said: {_error}' if _error and not isinstance(_error, ImportError) else ''))
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
