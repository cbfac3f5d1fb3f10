"""Padding layers over ``F.pad``: zero, constant, reflection, replication and circular."""
from ..module import Module
from .. import functional as F

__all__ = ['ZeroPad1d', 'ZeroPad2d', 'ZeroPad3d', 'ConstantPad1d', 'ConstantPad2d',
           'ConstantPad3d', 'ReflectionPad1d', 'ReflectionPad2d', 'ReflectionPad3d',
           'ReplicationPad1d', 'ReplicationPad2d', 'ReplicationPad3d', 'CircularPad1d',
           'CircularPad2d', 'CircularPad3d']


def _expand(padding, nd):
    """An int pads every side; a tuple is (left_last, right_last, left_prev, ...)."""
    if isinstance(padding, (tuple, list)):
        return tuple(padding)
    return (padding,) * (2 * nd)


class _ConstantPadNd(Module):
    _nd = 1

    def __init__(self, padding, value):
        super().__init__()
        self.value = value
        self.padding = _expand(padding, self._nd)

    def forward(self, input):
        return F.pad(input, self.padding, 'constant', self.value)

    def extra_repr(self):
        return f'padding={self.padding}, value={self.value}'


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant (``nn.ConstantPad1d``).

    Args:
        padding: int or (left, right); value: the fill value.
    """
    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with a constant; padding (left, right, top, bottom)
    (``nn.ConstantPad2d``)."""
    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with a constant; padding (left, right, top, bottom, front, back)
    (``nn.ConstantPad3d``)."""
    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f'{self.padding}'


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros (``nn.ZeroPad1d``)."""
    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last 2 dims with zeros; padding (left, right, top, bottom) (``nn.ZeroPad2d``)."""
    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last 3 dims with zeros (``nn.ZeroPad3d``)."""
    _nd = 3


class _ModePadNd(Module):
    _nd = 1
    _mode = 'reflect'

    def __init__(self, padding):
        super().__init__()
        self.padding = _expand(padding, self._nd)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f'{self.padding}'


class ReflectionPad1d(_ModePadNd):
    """Pad the last dim with its reflection, edge excluded (``nn.ReflectionPad1d``)."""
    _nd, _mode = 1, 'reflect'


class ReflectionPad2d(_ModePadNd):
    """Pad the last 2 dims with their reflection (``nn.ReflectionPad2d``)."""
    _nd, _mode = 2, 'reflect'


class ReflectionPad3d(_ModePadNd):
    """Pad the last 3 dims with their reflection (``nn.ReflectionPad3d``)."""
    _nd, _mode = 3, 'reflect'


class ReplicationPad1d(_ModePadNd):
    """Pad the last dim by repeating its edge value (``nn.ReplicationPad1d``)."""
    _nd, _mode = 1, 'replicate'


class ReplicationPad2d(_ModePadNd):
    """Pad the last 2 dims by repeating the edge values (``nn.ReplicationPad2d``)."""
    _nd, _mode = 2, 'replicate'


class ReplicationPad3d(_ModePadNd):
    """Pad the last 3 dims by repeating the edge values (``nn.ReplicationPad3d``)."""
    _nd, _mode = 3, 'replicate'


class _CircularPadNd(_ModePadNd):
    _mode = 'circular'

    def forward(self, input):
        n = self._nd
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f'expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)')
        return F.pad(input, self.padding, 'circular')


class CircularPad1d(_CircularPadNd):
    """Pad the last dim by wrapping around (``nn.CircularPad1d``)."""
    _nd = 1


class CircularPad2d(_CircularPadNd):
    """Pad the last 2 dims by wrapping around (``nn.CircularPad2d``)."""
    _nd = 2


class CircularPad3d(_CircularPadNd):
    """Pad the last 3 dims by wrapping around (``nn.CircularPad3d``)."""
    _nd = 3
