"""``torch.autocast``: regions where PyTorch's listed ops run in a lower-precision dtype.

Inside ``autocast(device_type)``, the ops on PyTorch's lower-precision list (matmul, linear,
convolutions...) cast their floating-point inputs to the fast dtype (bfloat16 on CPU,
float16 on CUDA by default), the ops on the float32 list (losses, and on CUDA softmax,
norms, exp/log, sums...) cast them to float32 and the promote ops (cat, stack...) to the
widest input type. Gradients flow back in each leaf's own dtype. See ``_policy`` for the
lists and the hook the ops carry.
"""
import collections
import functools
import warnings

import numpy as np

from .. import _dtype
from . import _policy as _p

__all__ = ['autocast_decorator', 'autocast', 'is_autocast_available', 'custom_fwd',
           'custom_bwd']

_DEVICES = ('cpu', 'cuda')
_KNOWN = ('cpu', 'cuda', 'ipu', 'xpu', 'mkldnn', 'opengl', 'opencl', 'ideep', 'hip', 've',
          'fpga', 'maia', 'xla', 'lazy', 'vulkan', 'mps', 'meta', 'hpu', 'mtia',
          'privateuseone')
_p._fast.update(cpu=_dtype.bfloat16, cuda=_dtype.float16)


def _dev(device_type):
    if device_type not in _KNOWN:
        raise RuntimeError('Expected one of ' + ', '.join(_KNOWN) +
                           f' device type at start of device string: {device_type}')
    return device_type


def is_autocast_available(device_type):
    """True for the device types ember can autocast on ('cpu' and 'cuda')."""
    return _dev(device_type) in _DEVICES


def is_autocast_enabled(device_type=None):
    """Whether autocast is enabled for ``device_type`` (no argument: CUDA, as in PyTorch)."""
    d = 'cuda' if device_type is None else _dev(device_type)
    return _p._enabled.get(d, False)


def set_autocast_enabled(device_type, enabled=None):
    """Enable/disable autocast for ``device_type`` (``set_autocast_enabled(True)``: CUDA)."""
    if enabled is None:
        device_type, enabled = 'cuda', device_type
    d = _dev(device_type)
    if d in _DEVICES:
        _p._enabled[d] = bool(enabled)
        _p.refresh()


def get_autocast_dtype(device_type):
    """The dtype autocast uses on ``device_type`` (bfloat16 on CPU, float16 on CUDA)."""
    return _p._fast.get(_dev(device_type), _dtype.float16)


def set_autocast_dtype(device_type, dtype):
    d = _dev(device_type)
    if d in _DEVICES:
        _p._fast[d] = dtype


def is_autocast_cache_enabled():
    """Whether casts of float32 leaf weights are cached inside autocast regions."""
    return _p._cache_enabled[0]


def set_autocast_cache_enabled(enabled):
    _p._cache_enabled[0] = bool(enabled)


def clear_autocast_cache():
    """Drop the cached low-precision copies of the weights."""
    _p._cache.clear()


def autocast_increment_nesting():
    _p._nesting[0] += 1
    return _p._nesting[0]


def autocast_decrement_nesting():
    _p._nesting[0] -= 1
    return _p._nesting[0]


def _deprecated(old, new):
    warnings.warn(f'torch.{old} is deprecated. Please use torch.{new} instead.',
                  DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    _deprecated('is_autocast_cpu_enabled()', "is_autocast_enabled('cpu')")
    return _p._enabled['cpu']


def set_autocast_cpu_enabled(enabled):
    _deprecated('set_autocast_cpu_enabled(enabled)', "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled('cpu', enabled)


def get_autocast_cpu_dtype():
    _deprecated('get_autocast_cpu_dtype()', "get_autocast_dtype('cpu')")
    return _p._fast['cpu']


def get_autocast_gpu_dtype():
    _deprecated('get_autocast_gpu_dtype()', "get_autocast_dtype('cuda')")
    return _p._fast['cuda']


def set_autocast_cpu_dtype(dtype):
    _deprecated('set_autocast_cpu_dtype(dtype)', "set_autocast_dtype('cpu', dtype)")
    _p._fast['cpu'] = dtype


def set_autocast_gpu_dtype(dtype):
    _deprecated('set_autocast_gpu_dtype(dtype)', "set_autocast_dtype('cuda', dtype)")
    _p._fast['cuda'] = dtype


def _cuda_available():
    from .. import cuda
    return cuda.is_available()


def autocast_decorator(autocast_instance, func):
    @functools.wraps(func)
    def decorate_autocast(*args, **kwargs):
        with autocast_instance:
            return func(*args, **kwargs)
    return decorate_autocast


class autocast:
    """Context manager / decorator running a region in mixed precision (``torch.autocast``).

    Args:
        device_type: 'cpu' or 'cuda'.
        dtype: the lower-precision dtype (default: ``get_autocast_dtype(device_type)``,
            bfloat16 on CPU and float16 on CUDA).
        enabled: False makes the region run without autocast (nesting allowed).
        cache_enabled: cache the low-precision copies of float32 leaf weights in the region.

    As in PyTorch, ``autocast('cuda')`` without CUDA warns and disables itself, and a CPU
    dtype other than bfloat16/float16 warns and disables itself.
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(self.device):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{self.device}'")
        supported = [_dtype.bfloat16, _dtype.float16]
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        name = self.device.upper()
        if enabled:
            if self.device == 'cuda':
                if not _cuda_available():
                    warnings.warn('CUDA is not available or torch_xla is imported. Disabling '
                                  'autocast.', stacklevel=2)
                    enabled = False
                elif self.fast_dtype is _dtype.bfloat16:
                    from .. import cuda
                    if not cuda.is_bf16_supported():
                        raise RuntimeError('Current CUDA Device does not support bfloat16. '
                                           'Please switch dtype to float16.')
            elif self.fast_dtype not in supported:
                warnings.warn(f'In {name} autocast, but the target dtype is not supported. '
                              f'Disabling autocast.\n{name} Autocast only supports dtypes of '
                              + ', '.join(map(str, supported)) + ' currently.', stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        set_autocast_enabled(self.device, self.prev)
        set_autocast_dtype(self.device, self.prev_fastdtype)
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f'autocast()(func) requires a callable, but got {type(func).__name__}. '
                'Did you mean to use autocast as a context manager? For example:\n'
                '    with torch.autocast(device_type=...):\n'
                '        output = model(input)')
        return autocast_decorator(self, func)


def _cast(value, device_type, dtype):
    """``value`` with its eligible floating Tensors (on ``device_type``, not float64) cast to
    ``dtype``, looking into mappings and iterables (``torch.amp.autocast_mode._cast``)."""
    from .._tensor import Tensor
    if isinstance(value, Tensor):
        ok = value.is_floating_point() and value.device.type == device_type and \
            value.dtype is not _dtype.float64
        return value.to(dtype) if ok else value
    if isinstance(value, (str, bytes, np.ndarray)):
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, collections.abc.Iterable):
        it = (_cast(v, device_type, dtype) for v in value)
        return type(value)(it) if isinstance(value, (list, tuple)) else it
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom ``autograd.Function.forward`` under autocast
    (``torch.amp.custom_fwd``): with ``cast_inputs`` the floating inputs are cast to it and
    forward runs with autocast disabled."""
    if not isinstance(device_type, str):
        raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        args[0]._fwd_used_autocast = False
        if is_autocast_enabled(device_type):
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, cast_inputs),
                           **_cast(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom ``autograd.Function.backward``: runs it with the autocast state
    its forward saw (``torch.amp.custom_bwd``)."""
    if not isinstance(device_type, str):
        raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast,
                      dtype=args[0]._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
