"""``torch.ao.nn.intrinsic``: fused module containers (conv+bn+relu, linear+relu...)."""
from ....nn.modules import Sequential as _Seq

__all__ = ['_FusedModule', 'ConvReLU2d', 'LinearReLU', 'ConvBn2d', 'ConvBnReLU2d', 'BNReLU2d', 'BNReLU3d',
           'ConvReLU1d', 'ConvBn1d', 'ConvBnReLU1d']


class _FusedModule(_Seq):
    pass


def _fused(name, n, doc):
    def __init__(self, *mods):
        if len(mods) != n:
            raise AssertionError(f'Incorrect types for input modules{[type(m) for m in mods]}')
        _Seq.__init__(self, *mods)
    return type(name, (_FusedModule,), {'__init__': __init__, '__doc__': doc,
                                         '__module__': __name__})


ConvReLU1d = _fused('ConvReLU1d', 2, 'Conv1d followed by ReLU.')
ConvReLU2d = _fused('ConvReLU2d', 2, 'Conv2d followed by ReLU.')
LinearReLU = _fused('LinearReLU', 2, 'Linear followed by ReLU.')
ConvBn1d = _fused('ConvBn1d', 2, 'Conv1d followed by BatchNorm1d.')
ConvBn2d = _fused('ConvBn2d', 2, 'Conv2d followed by BatchNorm2d.')
ConvBnReLU1d = _fused('ConvBnReLU1d', 3, 'Conv1d, BatchNorm1d, ReLU.')
ConvBnReLU2d = _fused('ConvBnReLU2d', 3, 'Conv2d, BatchNorm2d, ReLU.')
BNReLU2d = _fused('BNReLU2d', 2, 'BatchNorm2d followed by ReLU.')
BNReLU3d = _fused('BNReLU3d', 2, 'BatchNorm3d followed by ReLU.')

from . import quantized  # noqa: E402,F401


def __getattr__(name):
    if name == 'qat':     # imported lazily: it builds on ember.quantization
        import importlib
        return importlib.import_module(__name__ + '.qat')
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
