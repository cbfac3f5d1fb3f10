"""``torch.nn.quantized``: the same modules as ``ember.ao.nn.quantized``."""
from ...ao.nn.quantized import *  # noqa: F401,F403
from ...ao.nn.quantized import __all__, dynamic  # noqa: F401
