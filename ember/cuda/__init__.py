"""``ember.cuda``: the CUDA device through CuPy (``torch.cuda``).

Without CuPy or a GPU, ``is_available()`` is False and the device functions raise a clear
error saying what to install; seeding functions are harmless no-ops then, as in PyTorch.
"""
from ..backend import cuda as _b

__all__ = ['is_available', 'device_count', 'current_device', 'set_device', 'get_device_name',
           'manual_seed', 'manual_seed_all', 'synchronize', 'empty_cache', 'is_initialized',
           'device', 'get_device_properties', 'get_device_capability', 'memory_allocated',
           'max_memory_allocated', 'memory_reserved', 'max_memory_reserved',
           'reset_peak_memory_stats']


def is_available():
    """True when CuPy is installed and sees an NVIDIA GPU."""
    return _b.is_available()


def is_initialized():
    return _b.is_available()


def device_count():
    """Number of visible GPUs (0 without CuPy)."""
    return _b.device_count() if _b.is_available() else 0


def _need():
    return _b.xp()


def current_device():
    return _b.current_device()


def set_device(device):
    from ..backend import device as _device
    idx = device if isinstance(device, int) else _device(device).index or 0
    _need().cuda.Device(idx).use()


def get_device_name(device=None):
    cp = _need()
    idx = 0 if device is None else (device if isinstance(device, int) else device.index or 0)
    return cp.cuda.runtime.getDeviceProperties(idx)['name'].decode()


def get_device_properties(device=None):
    cp = _need()
    idx = 0 if device is None else (device if isinstance(device, int) else device.index or 0)
    return cp.cuda.runtime.getDeviceProperties(idx)


def get_device_capability(device=None):
    p = get_device_properties(device)
    return p['major'], p['minor']


class device:
    """Context manager that makes ``device`` the current CUDA device."""

    def __init__(self, device):
        self.idx = device if isinstance(device, int) else getattr(device, 'index', None) or 0

    def __enter__(self):
        self.prev = current_device()
        set_device(self.idx)

    def __exit__(self, *a):
        set_device(self.prev)
        return False


def manual_seed(seed):
    """Seed the current GPU's generator (a no-op without a GPU, as in PyTorch)."""
    if not is_available():
        return
    from ..ops import random
    random._default_for(random.canonical('cuda')).manual_seed(seed)


def manual_seed_all(seed):
    if not is_available():
        return
    from ..ops import random
    for i in range(device_count()):
        random._default_for(random.canonical(f'cuda:{i}')).manual_seed(seed)


def synchronize(device=None):
    if is_available():
        _need().cuda.Device().synchronize()


def empty_cache():
    if is_available():
        _need().get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    return _need().get_default_memory_pool().used_bytes() if is_available() else 0


def memory_reserved(device=None):
    return _need().get_default_memory_pool().total_bytes() if is_available() else 0


max_memory_allocated = memory_allocated
max_memory_reserved = memory_reserved


def reset_peak_memory_stats(device=None):
    pass
