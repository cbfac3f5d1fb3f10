"""``ember.amp`` (``torch.amp``): automatic mixed precision.

``autocast`` runs PyTorch's listed ops in a lower-precision dtype inside a region;
``GradScaler`` scales the loss so float16 gradients do not underflow.
"""
from .autocast_mode import (autocast, autocast_decorator, custom_bwd, custom_fwd,
                            is_autocast_available, is_autocast_enabled, set_autocast_enabled,
                            get_autocast_dtype, set_autocast_dtype, is_autocast_cache_enabled,
                            set_autocast_cache_enabled, clear_autocast_cache,
                            autocast_increment_nesting, autocast_decrement_nesting,
                            is_autocast_cpu_enabled, set_autocast_cpu_enabled,
                            get_autocast_cpu_dtype, get_autocast_gpu_dtype,
                            set_autocast_cpu_dtype, set_autocast_gpu_dtype)
from .grad_scaler import GradScaler, OptState
from . import autocast_mode, grad_scaler

__all__ = ['autocast', 'custom_bwd', 'custom_fwd', 'is_autocast_available', 'GradScaler']
