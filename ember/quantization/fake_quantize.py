"""FakeQuantize modules (``torch.ao.quantization.fake_quantize``): observe, then simulate
quantization in float with a straight-through gradient, for quantization-aware training."""
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


class FusedMovingAvgObsFakeQuantize(FakeQuantize):
    """FakeQuantize with a moving-average observer (PyTorch fuses the two in one kernel)."""

    def __init__(self, observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                 **observer_kwargs):
        super().__init__(observer, quant_min, quant_max, **observer_kwargs)


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
