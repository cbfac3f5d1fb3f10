"""FakeQuantize modules (``torch.ao.quantization.fake_quantize``): observe, then simulate
quantization in float with a straight-through gradient, for quantization-aware training."""
import numpy as np

from .. import _quantized as Q
from ..nn.module import Module
from .observer import (MovingAverageMinMaxObserver, MovingAveragePerChannelMinMaxObserver,
                       HistogramObserver, _with_args, _E)
from ._fake import fake_quant_per_tensor, fake_quant_per_channel

__all__ = ['FakeQuantizeBase', 'FakeQuantize', 'FusedMovingAvgObsFakeQuantize',
           'default_fake_quant', 'default_weight_fake_quant',
           'default_per_channel_weight_fake_quant', 'default_histogram_fake_quant',
           'default_fused_act_fake_quant', 'default_fused_wt_fake_quant',
           'default_fused_per_channel_wt_fake_quant', 'disable_fake_quant', 'enable_fake_quant',
           'disable_observer', 'enable_observer']


class FakeQuantizeBase(Module):
    """Base: ``fake_quant_enabled`` / ``observer_enabled`` buffers and their toggles."""

    def __init__(self):
        super().__init__()
        E = _E()
        self.register_buffer('fake_quant_enabled', E.tensor([1], dtype=E.uint8))
        self.register_buffer('observer_enabled', E.tensor([1], dtype=E.uint8))

    def enable_fake_quant(self, enabled=True):
        self.fake_quant_enabled[0] = 1 if enabled else 0

    def disable_fake_quant(self):
        self.enable_fake_quant(False)

    def enable_observer(self, enabled=True):
        self.observer_enabled[0] = 1 if enabled else 0

    def disable_observer(self):
        self.enable_observer(False)

    with_args = classmethod(_with_args)


class FakeQuantize(FakeQuantizeBase):
    """Observer + fake quantization: ``x_out = (clamp(round(x/scale + zp), qmin, qmax) - zp) *
    scale`` with the straight-through estimator for the gradient."""

    def __init__(self, observer=MovingAverageMinMaxObserver, quant_min=None, quant_max=None,
                 is_dynamic=False, **observer_kwargs):
        super().__init__()
        if quant_min is not None and quant_max is not None:
            if not quant_min <= quant_max:
                raise AssertionError('quant_min must be less than or equal to quant_max')
            observer_kwargs['quant_min'] = quant_min
            observer_kwargs['quant_max'] = quant_max
        observer_kwargs['is_dynamic'] = is_dynamic
        self.activation_post_process = observer(**observer_kwargs)
        self.quant_min = self.activation_post_process.quant_min
        self.quant_max = self.activation_post_process.quant_max
        self.is_dynamic = self.activation_post_process.is_dynamic
        E = _E()
        self.register_buffer('scale', E.tensor([1.0], dtype=E.float32))
        self.register_buffer('zero_point', E.tensor([0], dtype=E.int32))
        self.dtype = self.activation_post_process.dtype
        self.qscheme = self.activation_post_process.qscheme
        self.ch_axis = getattr(self.activation_post_process, 'ch_axis', -1)
        self.is_per_channel = self.qscheme in (Q.per_channel_affine, Q.per_channel_symmetric,
                                               Q.per_channel_affine_float_qparams)

    def calculate_qparams(self):
        return self.activation_post_process.calculate_qparams()

    def forward(self, X):
        E = _E()
        if int(self.observer_enabled[0]) == 1:
            self.activation_post_process(X.detach())
            s, z = self.calculate_qparams()
            if self.scale.shape != s.shape:
                self.scale = E.empty(s.shape)
                self.zero_point = E.empty(z.shape, dtype=E.int32)
            self.scale._data[...] = s._data
            self.zero_point._data[...] = z._data
        if int(self.fake_quant_enabled[0]) == 1:
            if self.is_per_channel:
                X = fake_quant_per_channel(X, self.scale, self.zero_point, self.ch_axis,
                                           self.quant_min, self.quant_max)
            else:
                X = fake_quant_per_tensor(X, self.scale, self.zero_point, self.quant_min,
                                          self.quant_max)
        return X

    def extra_repr(self):
        return (f'fake_quant_enabled={self.fake_quant_enabled}, observer_enabled='
                f'{self.observer_enabled}, quant_min={self.activation_post_process.quant_min}, '
                f'quant_max={self.activation_post_process.quant_max}, dtype={self.dtype}, '
                f'qscheme={self.qscheme}, ch_axis={self.ch_axis}, scale={self.scale}, '
                f'zero_point={self.zero_point}')

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in ('scale', 'zero_point'):
            key = prefix + name
            if key in state_dict:
                self._buffers[name] = state_dict[key].clone()
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def _choose_qparams_fbgemm(mn, mx, qmin, qmax, preserve_sparsity):
    """ATen's ``quant_utils::ChooseQuantizationParams`` vectorised over channels (float32
    ``mn``/``mx`` arrays): returns (float32 scales, int32 zero points)."""
    mn = np.asarray(mn, np.float32).copy()
    mx = np.asarray(mx, np.float32).copy()
    if np.any(mn > mx):
        raise RuntimeError('In ChooseQuantizationParams, min should be less than or equal to '
                           'max')
    sym = (mn < 0) & (mx > 0) & preserve_sparsity
    if sym.any():
        sqmin = -((qmax - qmin) // 2 + 1)
        sqmax = (qmax - qmin) // 2
        ms = np.maximum(np.abs(mn.astype(np.float64) / sqmin), np.abs(mx.astype(np.float64) / sqmax))
        mn = np.where(sym, (ms * sqmin).astype(np.float32), mn)
        mx = np.where(sym, (ms * sqmax).astype(np.float32), mx)
    mn = np.minimum(mn, np.float32(0))
    mx = np.maximum(mx, np.float32(0))
    scale = (mx.astype(np.float64) - mn) / (qmax - qmin)
    with np.errstate(divide='ignore', over='ignore'):
        bad = (scale.astype(np.float32) == 0) | np.isinf(np.float32(1) / scale.astype(np.float32))
    scale = np.where(bad, 0.1, scale)
    small = scale < float(np.float32(6.1e-5))
    if small.any():
        thr = np.float32(6.1e-5)
        org = scale.astype(np.float32)
        amp = (thr / np.where(org == 0, 1, org)).astype(np.float32)
        mx = np.where(small & (mn == 0), thr * np.float32(qmax - qmin), mx)
        mn_new = np.where(small & (mx == 0), -thr * np.float32(qmax - qmin), mn)
        both = small & (mn != 0) & (mx != 0)
        mn = np.where(both, mn * amp, mn_new).astype(np.float32)
        mx = np.where(both, mx * amp, mx).astype(np.float32)
        scale = np.where(small, float(thr), scale)
    s32 = scale.astype(np.float32).astype(np.float64)
    zmin = qmin - mn / s32
    zmax = qmax - mx / s32
    emin = abs(qmin) - np.abs(mn / s32)
    emax = abs(qmax) - np.abs(mx / s32)
    z0 = np.where(emin < emax, zmin, zmax)
    z0 = np.where((mn < 0) & (mx > 0) & preserve_sparsity, (qmin + qmax) / 2, z0)
    zp = np.where(z0 < qmin, qmin, np.where(z0 > qmax, qmax, np.rint(z0)))
    return scale.astype(np.float32), zp.astype(np.int32)


class FusedMovingAvgObsFakeQuantize(FakeQuantize):
    """Moving-average min/max observation and fake quantization in one step, as PyTorch's
    ``fused_moving_avg_obs_fake_quant`` kernel: the qparams used in forward come from ATen's
    ``ChooseQuantizationParams`` (symmetric schemes preserve sparsity) on the running min/max,
    while ``calculate_qparams`` (used by convert) asks the observer."""

    def __init__(self, observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                 **observer_kwargs):
        super().__init__(observer, quant_min, quant_max, **observer_kwargs)
        if not isinstance(self.activation_post_process,
                          (MovingAverageMinMaxObserver, MovingAveragePerChannelMinMaxObserver)):
            raise AssertionError('Fused observer+fake_quant module only works with '
                                 'MovingAverageMinMaxObserver')
        E = _E()
        self.register_buffer('fake_quant_enabled', E.tensor([1], dtype=E.int64))
        self.register_buffer('observer_enabled', E.tensor([1], dtype=E.int64))
        self.is_symmetric_quant = self.activation_post_process.qscheme in (
            Q.per_tensor_symmetric, Q.per_channel_symmetric)

    def calculate_qparams(self):
        return self.activation_post_process.calculate_qparams()

    def extra_repr(self):
        return (f'fake_quant_enabled={self.fake_quant_enabled}, observer_enabled='
                f'{self.observer_enabled}, scale={self.scale}, zero_point={self.zero_point}, '
                f'dtype={self.dtype}, quant_min={self.activation_post_process.quant_min}, '
                f'quant_max={self.activation_post_process.quant_max}, qscheme={self.qscheme}, '
                f'reduce_range={self.activation_post_process.reduce_range}')

    def forward(self, X):
        E = _E()
        obs = self.activation_post_process
        qmin, qmax = obs.quant_min, obs.quant_max
        if self.is_per_channel:
            if self.ch_axis != 0:
                raise RuntimeError('Per-channel FakeQuant in fused_moving_avg_obs_fake_quant is '
                                   'only supported on axis == 0')
            n = X.shape[0]
            if obs.min_val.numel() == 0:
                obs.min_val = E.full((n,), float('inf'))
                obs.max_val = E.full((n,), float('-inf'))
                self.scale = E.empty(n)
                self.zero_point = E.zeros(n, dtype=E.int32)
        if int(self.observer_enabled[0]) == 1 and X.numel():
            d = X.detach()._data
            if self.is_per_channel:
                d2 = d.reshape(d.shape[0], -1)
                cmn, cmx = d2.min(1), d2.max(1)
            else:
                cmn, cmx = d.min(), d.max()
            rmn = obs.min_val._data
            rmx = obs.max_val._data
            c = np.float32(obs.averaging_constant)
            nmn = np.where(np.isinf(rmn), cmn, rmn + c * (cmn - rmn)).astype(np.float32)
            nmx = np.where(np.isinf(rmx), cmx, rmx + c * (cmx - rmx)).astype(np.float32)
            obs.min_val._data[...] = nmn
            obs.max_val._data[...] = nmx
        if int(self.fake_quant_enabled[0]) != 1:
            return X.clone()
        s, z = _choose_qparams_fbgemm(obs.min_val._data, obs.max_val._data, qmin, qmax,
                                      self.is_symmetric_quant)
        if self.is_per_channel:
            self.scale._data[...] = s
            self.zero_point._data[...] = z
            return fake_quant_per_channel(X, self.scale, self.zero_point, self.ch_axis, qmin,
                                          qmax)
        self.scale._data[...] = s.reshape(-1)[0]
        self.zero_point._data[...] = z.reshape(-1)[0]
        return fake_quant_per_tensor(X, self.scale, self.zero_point, qmin, qmax)


default_fake_quant = FakeQuantize.with_args(observer=MovingAverageMinMaxObserver, quant_min=0,
                                            quant_max=255, dtype=Q.quint8,
                                            qscheme=Q.per_tensor_affine, reduce_range=True)
default_weight_fake_quant = FakeQuantize.with_args(observer=MovingAverageMinMaxObserver,
                                                   quant_min=-128, quant_max=127, dtype=Q.qint8,
                                                   qscheme=Q.per_tensor_symmetric,
                                                   reduce_range=False)
default_per_channel_weight_fake_quant = FakeQuantize.with_args(
    observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128, quant_max=127,
    dtype=Q.qint8, qscheme=Q.per_channel_symmetric, reduce_range=False, ch_axis=0)
default_histogram_fake_quant = FakeQuantize.with_args(observer=HistogramObserver, quant_min=0,
                                                      quant_max=255, dtype=Q.quint8,
                                                      qscheme=Q.per_tensor_affine,
                                                      reduce_range=True)
default_fused_act_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(
    observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255, dtype=Q.quint8)
default_fused_wt_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(
    observer=MovingAverageMinMaxObserver, quant_min=-128, quant_max=127, dtype=Q.qint8,
    qscheme=Q.per_tensor_symmetric)
default_fused_per_channel_wt_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(
    observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128, quant_max=127,
    dtype=Q.qint8, qscheme=Q.per_channel_symmetric)


def disable_fake_quant(mod):
    if isinstance(mod, FakeQuantizeBase):
        mod.disable_fake_quant()


def enable_fake_quant(mod):
    if isinstance(mod, FakeQuantizeBase):
        mod.enable_fake_quant()


def disable_observer(mod):
    if isinstance(mod, FakeQuantizeBase):
        mod.disable_observer()


def enable_observer(mod):
    if isinstance(mod, FakeQuantizeBase):
        mod.enable_observer()
