"""``torch.nn.intrinsic``: the same modules as ``ember.ao.nn.intrinsic``."""
from ...ao.nn.intrinsic import *  # noqa: F401,F403
from ...ao.nn.intrinsic import _FusedModule, quantized  # noqa: F401
