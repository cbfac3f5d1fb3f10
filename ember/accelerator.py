"""``ember.accelerator`` (``torch.accelerator``): the current accelerator, CUDA when present."""
from . import cuda as _cuda
from .backend import device as _device

__all__ = ['is_available', 'device_count', 'current_accelerator', 'current_device_index',
           'set_device_index', 'synchronize']


def is_available():
    return _cuda.is_available()


def device_count():
    return _cuda.device_count()


def current_accelerator(check_available=False):
    """``device('cuda')`` when a GPU is present, else None."""
    return _device('cuda') if _cuda.is_available() else None


def current_device_index():
    return _cuda.current_device() if _cuda.is_available() else -1


def set_device_index(device):
    _cuda.set_device(device)


set_device_idx = set_device_index


def synchronize(device=None):
    _cuda.synchronize(device)
