"""``torch.ao.nn.intrinsic.quantized``: quantized fused modules (ReLU applied before
requantization)."""
from ...quantized.modules import Linear as _Linear, Conv2d as _Conv2d
from ...quantized.layers import BatchNorm2d as _BN2d, BatchNorm3d as _BN3d

__all__ = ['LinearReLU', 'ConvReLU2d', 'BNReLU2d', 'BNReLU3d']


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


class BNReLU2d(_BN2d):
    """Quantized BatchNorm2d + ReLU."""
    _RELU = True

    def _get_name(self):
        return 'QuantizedBNReLU2d'


class BNReLU3d(_BN3d):
    """Quantized BatchNorm3d + ReLU."""
    _RELU = True

    def _get_name(self):
        return 'QuantizedBNReLU3d'
