"""``ember.quantization`` (also ``ember.ao.quantization``): quantized tensors, observers,
qconfigs, fake quantization and the eager-mode workflows (dynamic, static PTQ, QAT)."""
from .._quantized import (quint8, qint8, qint32, quint4x2, qscheme, per_tensor_affine,
                          per_channel_affine, per_tensor_symmetric, per_channel_symmetric,
                          per_channel_affine_float_qparams, quantize_per_tensor,
                          quantize_per_channel, quantize_per_tensor_dynamic, dequantize,
                          fake_quantize_per_tensor_affine, fake_quantize_per_channel_affine)
from .observer import *  # noqa: F401,F403
from .fake_quantize import *  # noqa: F401,F403
from .qconfig import *  # noqa: F401,F403
from .stubs import QuantStub, DeQuantStub, QuantWrapper  # noqa: F401
from .fuse_modules import fuse_modules, fuse_modules_qat, fuse_conv_bn_weights  # noqa: F401
from .quantize import *  # noqa: F401,F403
from . import observer, fake_quantize, qconfig, stubs, quantize, fuse_modules as _fm  # noqa
from . import qat  # noqa: F401
from ..ao.nn.quantized import FloatFunctional  # noqa: F401
from ..nn import quantized as _nn_quantized, intrinsic as _nn_intrinsic  # noqa: F401  (torch.nn.quantized)
