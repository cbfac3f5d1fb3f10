"""``torch.nn.quantized.dynamic``: the same modules as ``ember.ao.nn.quantized.dynamic``."""
from ...ao.nn.quantized.dynamic import *  # noqa: F401,F403
