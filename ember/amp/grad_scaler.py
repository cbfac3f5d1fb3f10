"""``torch.amp.GradScaler``: dynamic loss scaling for float16 training.

``scale(loss)`` multiplies the loss by the scale so small float16 gradients do not
underflow; ``step(optimizer)`` unscales the gradients, skips the step when any is inf/NaN,
and ``update()`` backs the scale off after an overflow or grows it after
``growth_interval`` clean steps. The scale and growth tracker live on the device as 0-d
tensors, updated without a host sync, as in PyTorch.
"""
import inspect
import warnings
from collections import abc, defaultdict
from enum import Enum

import numpy as np

__all__ = ['OptState', 'GradScaler']


class _MultiDeviceReplicator:
    """Lazily copies a master tensor to each device it is asked for."""

    def __init__(self, master_tensor):
        self.master = master_tensor
        self._per_device_tensors = {}

    def get(self, device):
        retval = self._per_device_tensors.get(device)
        if retval is None:
            retval = self.master.to(device=device, non_blocking=True, copy=True)
            self._per_device_tensors[device] = retval
        return retval


class OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state():
    return {'stage': OptState.READY, 'found_inf_per_device': {}}


def _amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale):
    """``g *= inv_scale`` for each gradient; ``found_inf`` becomes 1.0 if any has inf/NaN
    (``torch._amp_foreach_non_finite_check_and_unscale_``), without a host sync."""
    from ..backend import xp_of
    f = found_inf._data
    inv = inv_scale._data
    for g in grads:
        a = g._data
        xp = xp_of(a)
        bad = ~xp.isfinite(a).all()
        f[...] = xp.maximum(f, bad.astype(f.dtype))
        if a.dtype == np.float32 or a.dtype == np.float64:
            a *= inv.astype(a.dtype)
        else:   # float16 / bfloat16: multiply in float32, round once
            a[...] = (a.astype(np.float32) * inv).astype(a.dtype)
        g._vc[0] += 1


def _amp_update_scale_(scale, growth_tracker, found_inf, growth_factor, backoff_factor,
                       growth_interval):
    """PyTorch's ``_amp_update_scale_``: back off after an overflow (and reset the tracker),
    else count a clean step and grow the scale every ``growth_interval`` clean steps (only if
    the grown scale is finite)."""
    from ..backend import xp_of
    s, t, f = scale._data, growth_tracker._data, found_inf._data
    xp = xp_of(s)
    found = f > 0
    succ = t + 1
    grow = xp.logical_and(~found, succ == growth_interval)
    grown = (s * np.float32(growth_factor)).astype(np.float32)
    new_s = xp.where(found, (s * np.float32(backoff_factor)).astype(np.float32),
                     xp.where(xp.logical_and(grow, xp.isfinite(grown)), grown, s))
    new_t = xp.where(xp.logical_or(found, grow), 0, succ).astype(t.dtype)
    s[...] = new_s
    t[...] = new_t
    return scale


class GradScaler:
    """Dynamic loss scaler (``torch.amp.GradScaler``).

    Args:
        device: 'cuda' (default) or 'cpu'. A 'cuda' scaler without CUDA warns and becomes a
            pass-through, as in PyTorch.
        init_scale: initial scale factor.
        growth_factor: multiplier applied after ``growth_interval`` steps without inf/NaN.
        backoff_factor: multiplier applied when inf/NaN gradients are found.
        growth_interval: number of clean steps between growths.
        enabled: False makes every method a no-op (``step`` just calls ``optimizer.step``).
    """

    def __init__(self, device='cuda', init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if self._device == 'cuda':
            from .. import cuda
            if enabled and not cuda.is_available():
                warnings.warn('torch.cuda.amp.GradScaler is enabled, but CUDA is not available.'
                              '  Disabling.', stacklevel=2)
                self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError('The growth factor must be > 1.0.')
            if backoff_factor >= 1.0:
                raise AssertionError('The backoff factor must be < 1.0.')
            self._init_scale = init_scale
            self._scale = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _check_scale_growth_tracker(self, funcname):
        fix = ('This may indicate your script did not use scaler.scale(loss or outputs) earlier '
               'in the iteration.')
        if self._scale is None:
            raise AssertionError(f'Attempted {funcname} but _scale is None.  ' + fix)
        if self._growth_tracker is None:
            raise AssertionError(f'Attempted {funcname} but _growth_tracker is None.  ' + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self, dev):
        from .. import _dtype
        from ..ops.creation import full
        self._scale = full((), self._init_scale, dtype=_dtype.float32, device=dev)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=_dtype.int32,
                                    device=dev)

    def scale(self, outputs):
        """``outputs`` (a Tensor or an iterable of Tensors) multiplied by the scale factor;
        returned unchanged when the scaler is disabled."""
        from .._tensor import Tensor
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker(outputs.device)
            return outputs * self._scale.to(device=outputs.device, non_blocking=True)
        stash = []

        def apply_scale(val):
            if isinstance(val, Tensor):
                if not stash:
                    if self._scale is None:
                        self._lazy_init_scale_growth_tracker(val.device)
                    stash.append(_MultiDeviceReplicator(self._scale))
                return val * stash[0].get(val.device)
            if isinstance(val, abc.Iterable):
                it = map(apply_scale, val)
                return type(val)(it) if isinstance(val, (list, tuple)) else it
            raise ValueError('outputs must be a Tensor or an iterable of Tensors')
        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer, inv_scale, found_inf, allow_fp16):
        from .. import _dtype
        from ..autograd import no_grad
        per_device_inv_scale = _MultiDeviceReplicator(inv_scale)
        per_device_found_inf = _MultiDeviceReplicator(found_inf)
        per_device_and_dtype_grads = defaultdict(lambda: defaultdict(list))
        with no_grad():
            for group in optimizer.param_groups:
                for param in group['params']:
                    if param.grad is None:
                        continue
                    if (not allow_fp16) and param.grad.dtype is _dtype.float16:
                        raise ValueError('Attempting to unscale FP16 gradients.')
                    g = param.grad
                    per_device_and_dtype_grads[g.device][g.dtype].append(g)
            for device, per_dtype_grads in per_device_and_dtype_grads.items():
                for grads in per_dtype_grads.values():
                    _amp_foreach_non_finite_check_and_unscale_(
                        grads, per_device_found_inf.get(device), per_device_inv_scale.get(device))
        return per_device_found_inf._per_device_tensors

    def unscale_(self, optimizer):
        """Divide the optimizer's gradients by the scale in place (once per step), recording
        whether any is inf/NaN."""
        from .. import _dtype
        from ..ops.creation import full
        if not self._enabled:
            return
        self._check_scale_growth_tracker('unscale_')
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state['stage'] is OptState.UNSCALED:
            raise RuntimeError('unscale_() has already been called on this optimizer since the '
                               'last update().')
        elif optimizer_state['stage'] is OptState.STEPPED:
            raise RuntimeError('unscale_() is being called after step().')
        inv_scale = self._scale.double().reciprocal().float()
        found_inf = full((), 0.0, dtype=_dtype.float32, device=self._scale.device)
        optimizer_state['found_inf_per_device'] = self._unscale_grads_(
            optimizer, inv_scale, found_inf, False)
        optimizer_state['stage'] = OptState.UNSCALED

    def _maybe_opt_step(self, optimizer, optimizer_state, *args, **kwargs):
        retval = None
        if not sum(v.item() for v in optimizer_state['found_inf_per_device'].values()):
            retval = optimizer.step(*args, **kwargs)
        return retval

    def step(self, optimizer, *args, **kwargs):
        """Unscale the gradients (unless ``unscale_`` was called) and call
        ``optimizer.step(*args, **kwargs)`` unless they contain inf/NaN; returns its value."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if 'closure' in kwargs:
            raise RuntimeError('Closure use is not currently supported if GradScaler is enabled.')
        self._check_scale_growth_tracker('step')
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state['stage'] is OptState.STEPPED:
            raise RuntimeError('step() has already been called since the last update().')
        if getattr(optimizer, '_step_supports_amp_scaling', False) and \
                'grad_scaler' in inspect.signature(optimizer.step).parameters:
            warnings.warn('GradScaler is going to stop passing itself as a keyword argument to '
                          'the passed optimizer. In the near future GradScaler registers '
                          '`grad_scale: Tensor` and `found_inf: Tensor` to the passed optimizer '
                          'and let the optimizer use them directly.', FutureWarning, stacklevel=2)
            kwargs.update({'grad_scaler': self})
            retval = optimizer.step(*args, **kwargs)
            optimizer_state['stage'] = OptState.STEPPED
            return retval
        if optimizer_state['stage'] is OptState.READY:
            self.unscale_(optimizer)
        if len(optimizer_state['found_inf_per_device']) == 0:
            raise AssertionError('No inf checks were recorded for this optimizer.')
        retval = self._maybe_opt_step(optimizer, optimizer_state, *args, **kwargs)
        optimizer_state['stage'] = OptState.STEPPED
        return retval

    def update(self, new_scale=None):
        """Update the scale: ``new_scale`` (a float or 1-element tensor) if given, else back
        off after a skipped step or grow after ``growth_interval`` clean ones."""
        from .._tensor import Tensor
        if not self._enabled:
            return
        _scale, _growth_tracker = self._check_scale_growth_tracker('update')
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale.fill_(new_scale)
            else:
                reason = ('new_scale should be a float or a 1-element torch.cuda.FloatTensor or '
                          'torch.FloatTensor with requires_grad=False.')
                if not isinstance(new_scale, Tensor) or new_scale.device.type != self._device:
                    raise AssertionError(reason)
                if new_scale.numel() != 1:
                    raise AssertionError(reason)
                if new_scale.requires_grad is True:
                    raise AssertionError(reason)
                self._scale.copy_(new_scale)
        else:
            found_infs = [found_inf.to(device=_scale.device, non_blocking=True)
                          for state in self._per_optimizer_states.values()
                          for found_inf in state['found_inf_per_device'].values()]
            if len(found_infs) == 0:
                raise AssertionError('No inf checks were recorded prior to update.')
            found_inf_combined = found_infs[0]
            for f in found_infs[1:]:
                found_inf_combined = found_inf_combined + f
            _amp_update_scale_(_scale, _growth_tracker, found_inf_combined,
                               self._growth_factor, self._backoff_factor, self._growth_interval)
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _get_scale_async(self):
        return self._scale

    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if self._enabled:
            return self._init_scale if self._scale is None else float(self._scale.item())
        return 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if self._enabled:
            return self._init_growth_tracker if self._growth_tracker is None else \
                int(self._growth_tracker.item())
        return 0

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """``{'scale', 'growth_factor', 'backoff_factor', 'growth_interval',
        '_growth_tracker'}`` ({} when disabled), as PyTorch's."""
        if self._enabled:
            return {'scale': self.get_scale(), 'growth_factor': self._growth_factor,
                    'backoff_factor': self._backoff_factor,
                    'growth_interval': self._growth_interval,
                    '_growth_tracker': self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError('The source state dict is empty, possibly because it was saved '
                               'from a disabled instance of GradScaler.')
        self._init_scale = state_dict['scale']
        if self._scale is not None:
            self._scale.fill_(state_dict['scale'])
        self._growth_factor = state_dict['growth_factor']
        self._backoff_factor = state_dict['backoff_factor']
        self._growth_interval = state_dict['growth_interval']
        self._init_growth_tracker = state_dict['_growth_tracker']
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict['_growth_tracker'])

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError('A GradScaler instance may only be pickled at the beginning '
                                     'of an iteration, or at the end after scaler.update().')
            state['_init_scale'] = self.get_scale()
            state['_init_growth_tracker'] = self._get_growth_tracker()
            state['_scale'] = None
            state['_growth_tracker'] = None
            state['_per_optimizer_states'] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.__dict__.get('_enabled') and self._per_optimizer_states is None:
            self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _check_inf_per_device(self, optimizer):
        from .. import _dtype
        from ..ops.creation import full
        _scale, _ = self._check_scale_growth_tracker('_check_inf_per_device')
        dummy_inv_scale = full((), 1.0, dtype=_dtype.float32, device=_scale.device)
        found_inf = full((), 0.0, dtype=_dtype.float32, device=_scale.device)
        self._per_optimizer_states[id(optimizer)]['found_inf_per_device'] = \
            self._unscale_grads_(optimizer, dummy_inv_scale, found_inf, True)
        return self._per_optimizer_states[id(optimizer)]['found_inf_per_device']

    def _found_inf_per_device(self, optimizer):
        return self._per_optimizer_states[id(optimizer)]['found_inf_per_device']
