"""``torch.nn.intrinsic``: the same modules as ``ember.ao.nn.intrinsic``."""
from ...ao.nn.intrinsic import *  # noqa: F401,F403
from ...ao.nn.intrinsic import _FusedModule, quantized  # noqa: F401


def __getattr__(name):
    if name == 'qat':     # torch.nn.intrinsic.qat, imported lazily
        from ...ao.nn.intrinsic import qat
        return qat
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
