"""``torch.ao.nn.quantized`` (also ``ember.nn.quantized``): quantized modules."""
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _a1
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _a2
from . import dynamic  # noqa: F401
__all__ = list(_a1) + list(_a2)
