"""``torch.ao.nn``: quantized, dynamic-quantized, fused and QAT modules."""
from . import quantized, intrinsic  # noqa: F401


def __getattr__(name):
    if name == 'qat':     # imported lazily: it builds on ember.quantization
        import importlib
        return importlib.import_module(__name__ + '.qat')
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
