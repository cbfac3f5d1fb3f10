"""``torch.ao.nn.quantized`` (also ``ember.nn.quantized``): quantized modules."""
from .modules import *  # noqa: F401,F403
from .modules import __all__  # noqa: F401
from . import dynamic  # noqa: F401
