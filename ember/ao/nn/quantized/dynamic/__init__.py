"""``torch.ao.nn.quantized.dynamic``: dynamically quantized modules."""
from .modules import Linear  # noqa: F401
__all__ = ['Linear']
