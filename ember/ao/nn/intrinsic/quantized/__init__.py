"""``torch.ao.nn.intrinsic.quantized``: quantized fused modules (ReLU applied before
requantization)."""
from ...quantized.modules import Linear as _Linear, Conv2d as _Conv2d

__all__ = ['LinearReLU', 'ConvReLU2d']


class LinearReLU(_Linear):
    """Quantized Linear + ReLU."""
    _RELU = True

    def _get_name(self):
        return 'QuantizedLinearReLU'


class ConvReLU2d(_Conv2d):
    """Quantized Conv2d + ReLU."""
    _RELU = True

    def _get_name(self):
        return 'QuantizedConvReLU2d'
