"""``torch.ao``: ``ao.quantization`` (= ``ember.quantization``) and ``ao.nn``."""
import sys as _sys

from .. import quantization  # noqa: F401
from . import nn  # noqa: F401

_sys.modules.setdefault(__name__ + '.quantization', quantization)
