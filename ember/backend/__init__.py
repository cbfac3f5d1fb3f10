"""The device seam: ``ember.device`` and the array module (``xp``) behind each device kind.

Every op runs its forward through ``xp`` (``numpy`` on CPU, ``cupy`` on CUDA), so one code
path serves both. ``cuda`` is imported lazily and only when asked for.
"""
import numpy as np

from . import cpu

__all__ = ['device', 'xp_of', 'device_of', 'to_device']


class device:
    """A device: ``device('cpu')``, ``device('cuda')``, ``device('cuda:1')``, ``device('cuda', 1)``.

    Mirrors ``torch.device`` (``type``, ``index``, ``str``, ``repr``, equality, hashing).
    """
    __slots__ = ('type', 'index')

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = 'cuda', type
        elif not isinstance(type, str):
            raise TypeError(f'device() received an invalid combination of arguments - got ({type!r})')
        elif ':' in type:
            if index is not None:
                raise RuntimeError(f'type (string) must not include an index because index was '
                                   f'passed explicitly: {type}')
            type, _, idx = type.partition(':')
            if not idx.isdigit():
                raise RuntimeError(f'Invalid device string: \'{type}:{idx}\'')
            index = int(idx)
        if type not in ('cpu', 'cuda', 'mps', 'meta'):
            raise RuntimeError('Expected one of cpu, cuda, mps, meta device type at start of '
                               f'device string: {type}')
        if index is not None and index < 0:
            raise RuntimeError(f'Device index must not be negative')
        object.__setattr__(self, 'type', type)
        object.__setattr__(self, 'index', index)

    def __setattr__(self, k, v):
        raise AttributeError('torch.device is immutable')

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f'{self.type}:{self.index}'

    def __eq__(self, other):
        return isinstance(other, device) and other.type == self.type and other.index == self.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


CPU = device('cpu')


def device_of(arr):
    """The device an array lives on."""
    if type(arr) is np.ndarray:
        return CPU
    return device('cuda', arr.device.id)


def xp_of(arr):
    """The array module (numpy or cupy) of an array."""
    if type(arr) is np.ndarray:
        return np
    from . import cuda
    return cuda.xp()


def canonical(dev):
    """A device from a str/int/device argument; ``cuda`` gets the current device's index."""
    if dev is None:
        return None
    if type(dev) is not device:
        dev = device(dev)
    if dev.type == 'cuda' and dev.index is None:
        from . import cuda
        dev = device('cuda', cuda.current_device())
    return dev


def to_device(arr, dev, copy=False):
    """``arr`` on device ``dev`` (a canonical device); copies only when the device changes."""
    if dev.type == 'cpu':
        if type(arr) is np.ndarray:
            return arr.copy() if copy else arr
        return arr.get()
    if dev.type != 'cuda':
        raise RuntimeError(f'ember has no backend for device type {dev.type!r}')
    from . import cuda
    return cuda.to_device(arr, dev.index, copy)
