"""ember: PyTorch's API on NumPy (CPU) and CuPy (CUDA).

The public namespace, re-exported explicitly in one place.
"""
__version__ = '0.1.0'

from . import _dtype
from ._dtype import (dtype, bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
                     float64, complex64, complex128, half, float, double, short, int, long, cfloat,
                     cdouble, get_default_dtype, set_default_dtype, promote_types, result_type,
                     can_cast, finfo, iinfo)
from .backend import device
from ._tensor import Tensor, Size
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled, \
    is_inference_mode_enabled, set_detect_anomaly
from . import ops
from .ops.creation import *  # noqa: F401,F403  (each op module lists its exports in __all__)
from .ops.pointwise import *  # noqa: F401,F403
from .ops.reduce import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.index import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.random import *  # noqa: F401,F403
from . import linalg
from . import return_types
