"""QConfig: which observer (or fake-quantize) classes to build for activations and weights
(``torch.ao.quantization.qconfig``)."""
from collections import namedtuple

from .. import _quantized as Q
from .observer import (HistogramObserver, MinMaxObserver, PerChannelMinMaxObserver,
                       PlaceholderObserver, NoopObserver, default_observer,
                       default_weight_observer, default_per_channel_weight_observer,
                       default_dynamic_quant_observer, default_placeholder_observer,
                       default_float_qparams_observer, default_debug_observer,
                       MovingAverageMinMaxObserver, MovingAveragePerChannelMinMaxObserver)

__all__ = ['QConfig', 'QConfigDynamic', 'default_qconfig', 'default_debug_qconfig',
           'default_per_channel_qconfig', 'default_dynamic_qconfig', 'float16_dynamic_qconfig',
           'float16_static_qconfig', 'per_channel_dynamic_qconfig',
           'float_qparams_weight_only_qconfig', 'default_qat_qconfig',
           'default_weight_only_qconfig', 'default_activation_only_qconfig',
           'get_default_qconfig', 'get_default_qat_qconfig', 'qconfig_equals']


class QConfig(namedtuple('QConfig', ['activation', 'weight'])):
    """Observer/fake-quant factories for activations and weights: pass classes or
    ``Observer.with_args(...)``, not instances."""

    def __new__(cls, activation, weight):
        from ..nn.module import Module
        if isinstance(activation, Module) or isinstance(weight, Module):
            raise ValueError('QConfig received observer instance, please pass observer class '
                             'instead. Use MyObserver.with_args(x=1) to override arguments to '
                             'constructor if needed')
        return super().__new__(cls, activation, weight)


QConfigDynamic = QConfig


def _float16():
    import ember
    return ember.float16


default_qconfig = QConfig(activation=default_observer, weight=default_weight_observer)
default_debug_qconfig = QConfig(weight=default_weight_observer, activation=default_debug_observer)
default_per_channel_qconfig = QConfig(activation=default_observer,
                                      weight=default_per_channel_weight_observer)
default_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer,
                                  weight=default_weight_observer)
float16_dynamic_qconfig = QConfig(
    activation=PlaceholderObserver.with_args(dtype=_float16(), is_dynamic=True),
    weight=PlaceholderObserver.with_args(dtype=_float16()))
float16_static_qconfig = QConfig(activation=PlaceholderObserver.with_args(dtype=_float16()),
                                 weight=PlaceholderObserver.with_args(dtype=_float16()))
per_channel_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer,
                                      weight=default_per_channel_weight_observer)
float_qparams_weight_only_qconfig = QConfig(activation=default_placeholder_observer,
                                            weight=default_float_qparams_observer)


def get_default_qconfig(backend='x86', version=0):
    """The post-training static qconfig of a backend: 'fbgemm'/'x86' (histogram activations
    with reduce_range, per-channel symmetric weights), 'qnnpack', 'onednn'."""
    supported = ['x86', 'fbgemm', 'qnnpack', 'onednn']
    if backend not in supported:
        raise AssertionError(f'backend: {backend} not supported. backend must be one of '
                             f'{supported}')
    if version == 0:
        if backend in ('fbgemm', 'x86'):
            return QConfig(activation=HistogramObserver.with_args(reduce_range=True),
                           weight=default_per_channel_weight_observer)
        if backend == 'qnnpack':
            return QConfig(activation=HistogramObserver.with_args(reduce_range=False),
                           weight=default_weight_observer)
        return QConfig(activation=HistogramObserver.with_args(reduce_range=False),
                       weight=default_per_channel_weight_observer)
    return default_qconfig


def get_default_qat_qconfig(backend='x86', version=1):
    """The quantization-aware-training qconfig of a backend (fake-quantize modules)."""
    from .fake_quantize import (FakeQuantize, default_fake_quant, default_weight_fake_quant,
                                default_per_channel_weight_fake_quant,
                                FusedMovingAvgObsFakeQuantize,
                                default_fused_act_fake_quant, default_fused_wt_fake_quant,
                                default_fused_per_channel_wt_fake_quant)
    supported = ['x86', 'fbgemm', 'qnnpack', 'onednn']
    if backend not in supported:
        raise AssertionError(f'backend: {backend} not supported. backend must be one of '
                             f'{supported}')
    if version == 0:
        if backend in ('fbgemm', 'x86'):
            return QConfig(activation=FakeQuantize.with_args(
                observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                reduce_range=True), weight=default_per_channel_weight_fake_quant)
        return QConfig(activation=FakeQuantize.with_args(
            observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
            reduce_range=False), weight=default_weight_fake_quant)
    if backend in ('fbgemm', 'x86'):
        return QConfig(activation=FusedMovingAvgObsFakeQuantize.with_args(
            observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
            reduce_range=True), weight=default_fused_per_channel_wt_fake_quant)
    if backend == 'qnnpack':
        return QConfig(activation=FusedMovingAvgObsFakeQuantize.with_args(
            observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
            reduce_range=False), weight=default_fused_wt_fake_quant)
    return QConfig(activation=FusedMovingAvgObsFakeQuantize.with_args(
        observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255),
        weight=default_fused_per_channel_wt_fake_quant)


def _lazy_qat():
    return get_default_qat_qconfig('fbgemm', 0)


def qconfig_equals(q1, q2):
    """Whether two qconfigs build the same observers."""
    if q1 is None or q2 is None:
        return q1 == q2
    def eq(a, b):
        pa, pb = getattr(a, 'p', None), getattr(b, 'p', None)
        if pa is not None and pb is not None:
            return pa.func == pb.func and pa.keywords == pb.keywords
        return a == b
    return eq(q1.activation, q2.activation) and eq(q1.weight, q2.weight)


def __getattr__(name):
    if name == 'default_qat_qconfig':
        from .fake_quantize import default_fake_quant, default_weight_fake_quant
        return QConfig(activation=default_fake_quant, weight=default_weight_fake_quant)
    if name == 'default_weight_only_qconfig':
        from .fake_quantize import default_weight_fake_quant
        from ..nn.modules import Identity
        return QConfig(activation=Identity, weight=default_weight_fake_quant)
    if name == 'default_activation_only_qconfig':
        from .fake_quantize import default_fake_quant
        from ..nn.modules import Identity
        return QConfig(activation=default_fake_quant, weight=Identity)
    raise AttributeError(name)
