"""ember: PyTorch's API on NumPy (CPU) and CuPy (CUDA).

The public namespace, re-exported explicitly in one place.
"""

import numpy as _np

# PyTorch ops never warn on 1/0, log(-1) or overflow (they give inf/nan silently); NumPy would
# warn on every such op. Silence those floating-point warnings for the process, as NumPy's own
# default elsewhere would surprise a PyTorch user (documented in the README).
_np.seterr(divide='ignore', invalid='ignore', over='ignore', under='ignore')

from . import _dtype, version
from .version import __version__
from ._dtype import (dtype, bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
                     float64, complex64, complex128, half, float, double, short, int, long, cfloat,
                     cdouble, get_default_dtype, set_default_dtype, promote_types, result_type,
                     can_cast, finfo, iinfo)
from .backend import device
from ._tensor import Tensor, Size
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled, \
    is_inference_mode_enabled, set_detect_anomaly
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled
from . import ops
from .ops.creation import *  # noqa: F401,F403  (each op module lists its exports in __all__)
from .ops.pointwise import *  # noqa: F401,F403
from .ops.reduce import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.index import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.random import *  # noqa: F401,F403
from .ops.extra import *  # noqa: F401,F403
from .ops.activation import softmax, log_softmax  # noqa: F401  (torch.softmax, ...)
from ._tensor_str import set_printoptions, get_printoptions
from ._runtime import *  # noqa: F401,F403  (compile, threads, determinism, dlpack...)
from . import linalg
from . import fft
from . import special
from . import nn
from . import optim
from . import random
from . import return_types
from . import vision
from . import utils
from . import cuda, backends, accelerator
from . import amp, cpu
from .amp.autocast_mode import (autocast, is_autocast_enabled, set_autocast_enabled,  # noqa: F401
                                get_autocast_dtype, set_autocast_dtype, is_autocast_cache_enabled,
                                set_autocast_cache_enabled, clear_autocast_cache,
                                autocast_increment_nesting, autocast_decrement_nesting,
                                is_autocast_cpu_enabled, set_autocast_cpu_enabled,
                                get_autocast_cpu_dtype, get_autocast_gpu_dtype,
                                set_autocast_cpu_dtype, set_autocast_gpu_dtype)
from . import serialization
from .serialization import save, load
from . import distributed
from . import quantization
from . import distributions
from ._quantized import (quint8, qint8, qint32, quint4x2, qscheme, per_tensor_affine,
                         per_channel_affine, per_tensor_symmetric, per_channel_symmetric,
                         per_channel_affine_float_qparams, quantize_per_tensor,
                         quantize_per_channel, quantize_per_tensor_dynamic, dequantize,
                         fake_quantize_per_tensor_affine, fake_quantize_per_channel_affine)

# torch submodules ember does not have: any use names the missing API
_MISSING_SUBMODULES = {'sparse', 'jit', 'onnx', 'profiler', 'hub', 'export',
                       'fx', 'compiler', 'masked', 'nested', 'signal', 'testing', 'package',
                       'futures', 'overrides', 'library', 'func', 'xpu', 'mps', 'mtia',
                       'monitor', '_dynamo', '_inductor'}


def __getattr__(name):
    from .run import EmberMissing, _missing_module
    if name in _MISSING_SUBMODULES:
        return _missing_module('torch.' + name)
    if name.startswith('__') and name.endswith('__'):
        raise AttributeError(name)
    raise EmberMissing(f'ember does not implement torch.{name} yet')
