"""``torch.ao.nn.intrinsic.qat``: fused QAT modules (ConvBn2d, ConvBnReLU2d, ConvReLU2d,
LinearReLU) and the BatchNorm freeze/unfreeze helpers."""
from .....quantization.qat import (ConvBn2d, ConvBnReLU2d, ConvReLU2d, LinearReLU,  # noqa: F401
                                  update_bn_stats, freeze_bn_stats)

__all__ = ['ConvBn2d', 'ConvBnReLU2d', 'ConvReLU2d', 'LinearReLU', 'update_bn_stats',
           'freeze_bn_stats']
