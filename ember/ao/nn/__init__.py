"""``torch.ao.nn``: quantized, dynamic-quantized and fused modules."""
from . import quantized, intrinsic  # noqa: F401
