"""``ember.autograd``: the backward engine, ``Function``, grad modes, gradcheck, anomaly mode."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled)
from .function import Function, once_differentiable, FunctionCtx
from .engine import backward, grad
from .anomaly_mode import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .gradcheck import gradcheck, gradgradcheck, GradcheckError

__all__ = ['no_grad', 'enable_grad', 'set_grad_enabled', 'inference_mode', 'is_grad_enabled',
           'is_inference_mode_enabled', 'Function', 'once_differentiable', 'FunctionCtx',
           'backward', 'grad', 'detect_anomaly', 'set_detect_anomaly', 'is_anomaly_enabled',
           'gradcheck', 'gradgradcheck']
