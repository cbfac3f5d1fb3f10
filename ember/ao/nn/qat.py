"""``torch.ao.nn.qat``: QAT modules with fake-quantized weights (Linear, Conv2d)."""
from ...quantization.qat import Linear, Conv2d  # noqa: F401

__all__ = ['Linear', 'Conv2d']
