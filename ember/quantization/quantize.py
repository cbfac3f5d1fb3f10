"""Eager-mode workflows (``torch.ao.quantization.quantize``): ``propagate_qconfig_``,
``prepare`` (observers on the modules that have quantized counterparts), ``convert`` (swap
observed modules for quantized ones), ``quantize_dynamic``, ``prepare_qat``, ``quantize``."""
import copy
import itertools
import warnings

from .. import nn
from .. import _quantized as Q
from ..ao.nn import quantized as nnq
from ..ao.nn.quantized import dynamic as nnqd
from ..ao.nn import intrinsic as nni
from ..ao.nn.intrinsic import quantized as nniq
from . import qat as nnqat
from .stubs import QuantStub, DeQuantStub, QuantWrapper
from .observer import ObserverBase
from .fake_quantize import FakeQuantizeBase
from .qconfig import default_dynamic_qconfig, float16_dynamic_qconfig, \
    float_qparams_weight_only_qconfig

__all__ = ['propagate_qconfig_', 'prepare', 'convert', 'quantize', 'quantize_dynamic',
           'prepare_qat', 'quantize_qat', 'swap_module', 'add_quant_dequant',
           'get_default_static_quant_module_mappings', 'get_default_dynamic_quant_module_mappings',
           'get_default_qat_module_mappings', 'get_default_qconfig_propagation_list',
           'no_observer_set', 'DEFAULT_STATIC_QUANT_MODULE_MAPPINGS',
           'DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS', 'DEFAULT_QAT_MODULE_MAPPINGS']

DEFAULT_STATIC_QUANT_MODULE_MAPPINGS = {
    QuantStub: nnq.Quantize,
    DeQuantStub: nnq.DeQuantize,
    nn.BatchNorm2d: nnq.BatchNorm2d,
    nn.BatchNorm3d: nnq.BatchNorm3d,
    nn.Dropout: nnq.Dropout,
    nn.Conv2d: nnq.Conv2d,
    nn.ELU: nnq.ELU,
    nn.Embedding: nnq.Embedding,
    nn.EmbeddingBag: nnq.EmbeddingBag,
    nn.GroupNorm: nnq.GroupNorm,
    nn.Hardswish: nnq.Hardswish,
    nn.InstanceNorm1d: nnq.InstanceNorm1d,
    nn.InstanceNorm2d: nnq.InstanceNorm2d,
    nn.InstanceNorm3d: nnq.InstanceNorm3d,
    nn.LayerNorm: nnq.LayerNorm,
    nn.LeakyReLU: nnq.LeakyReLU,
    nn.Linear: nnq.Linear,
    nn.ReLU6: nnq.ReLU6,
    nnq.FloatFunctional: nnq.QFunctional,
    nni.BNReLU2d: nniq.BNReLU2d,
    nni.BNReLU3d: nniq.BNReLU3d,
    nni.ConvReLU2d: nniq.ConvReLU2d,
    nni.LinearReLU: nniq.LinearReLU,
    nnqat.Linear: nnq.Linear,
    nnqat.Conv2d: nnq.Conv2d,
    nnqat.LinearReLU: nniq.LinearReLU,
    nnqat.ConvReLU2d: nniq.ConvReLU2d,
    nnqat.ConvBn2d: nnq.Conv2d,
    nnqat.ConvBnReLU2d: nniq.ConvReLU2d,
}
# modules PyTorch runs natively on quantized tensors; ember swaps in subclasses that accept them
_QUANTIZED_AWARE = {nn.ReLU: nnq.ReLU, nn.MaxPool2d: nnq.MaxPool2d}

DEFAULT_QAT_MODULE_MAPPINGS = {
    nn.Conv2d: nnqat.Conv2d,
    nn.Linear: nnqat.Linear,
    nni.ConvBn2d: nnqat.ConvBn2d,
    nni.ConvBnReLU2d: nnqat.ConvBnReLU2d,
    nni.ConvReLU2d: nnqat.ConvReLU2d,
    nni.LinearReLU: nnqat.LinearReLU,
}

DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS = {
    nn.GRUCell: nnqd.GRUCell,
    nn.Linear: nnqd.Linear,
    nni.LinearReLU: nnqd.Linear,
    nn.EmbeddingBag: nnq.EmbeddingBag,
    nn.Embedding: nnq.Embedding,
    nn.LSTM: nnqd.LSTM,
    nn.GRU: nnqd.GRU,
    nn.LSTMCell: nnqd.LSTMCell,
    nn.RNNCell: nnqd.RNNCell,
}
_INCLUDE_QCONFIG_PROPAGATE_LIST = {nn.Sequential}


def get_default_static_quant_module_mappings():
    return copy.deepcopy(DEFAULT_STATIC_QUANT_MODULE_MAPPINGS)


def get_default_dynamic_quant_module_mappings():
    return DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS


def get_default_qat_module_mappings():
    return copy.deepcopy(DEFAULT_QAT_MODULE_MAPPINGS)


def get_default_qconfig_propagation_list():
    return (set(DEFAULT_STATIC_QUANT_MODULE_MAPPINGS) | set(DEFAULT_QAT_MODULE_MAPPINGS) |
            set(DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS) | _INCLUDE_QCONFIG_PROPAGATE_LIST)


def no_observer_set():
    return set()


def _propagate_qconfig_helper(module, qconfig_dict, qconfig_parent=None, prefix=''):
    q = qconfig_dict.get(type(module), qconfig_parent)
    q = qconfig_dict.get(prefix, q)
    q = getattr(module, 'qconfig', q)
    module.qconfig = q
    for name, child in module.named_children():
        _propagate_qconfig_helper(child, qconfig_dict, q, prefix + '.' + name if prefix
                                  else name)


def propagate_qconfig_(module, qconfig_dict=None, prepare_custom_config_dict=None):
    """Give every submodule a ``qconfig`` (its own, by type/name from ``qconfig_dict``, or
    its parent's)."""
    _propagate_qconfig_helper(module, qconfig_dict or {})


def _observer_forward_hook(self, input, output):
    return self.activation_post_process(output)


def _observer_forward_pre_hook(self, input):
    return self.activation_post_process(input[0])


def _add_observer_(module, qconfig_propagation_list=None, non_leaf_module_list=None):
    if qconfig_propagation_list is None:
        qconfig_propagation_list = get_default_qconfig_propagation_list()

    def needs(m):
        return getattr(m, 'qconfig', None) is not None

    def insert(m):
        if needs(m) and not isinstance(m, DeQuantStub):
            m.add_module('activation_post_process', m.qconfig.activation())
            m.register_forward_hook(_observer_forward_hook, prepend=True)

    for name, child in module.named_children():
        if type(child) is nn.Dropout:
            continue
        if isinstance(child, (nnq.FloatFunctional, nnq.QFunctional)):
            if needs(child):
                child.activation_post_process = child.qconfig.activation()
        elif isinstance(child, nni._FusedModule):
            if needs(child):
                insert(child)
        elif non_leaf_module_list is not None and type(child) in non_leaf_module_list:
            if needs(child):
                insert(child)
        else:
            _add_observer_(child, qconfig_propagation_list, non_leaf_module_list)
    if not module._modules and not isinstance(module, nn.Sequential) and \
            type(module) in qconfig_propagation_list:
        insert(module)
    if hasattr(module, 'weight_fake_quant') and not isinstance(module, nn.Sequential) and \
            type(module) in qconfig_propagation_list:
        insert(module)


def prepare(model, inplace=False, allow_list=None, observer_non_leaf_module_list=None,
            prepare_custom_config_dict=None):
    """Attach observers (``activation_post_process`` + forward hook) to each leaf module
    that has a qconfig and a quantized counterpart, ready for calibration."""
    if not inplace:
        model = copy.deepcopy(model)
    plist = allow_list if allow_list is not None else get_default_qconfig_propagation_list()
    propagate_qconfig_(model)
    if not any(getattr(m, 'qconfig', None) for m in model.modules()):
        warnings.warn('None of the submodule got qconfig applied. Make sure you passed correct '
                      'configuration through `qconfig_dict` or by assigning the `.qconfig` '
                      'attribute directly on submodules', stacklevel=2)
    _add_observer_(model, plist, observer_non_leaf_module_list)
    return model


def _remove_activation_post_process(module):
    ap = module._modules.get('activation_post_process')
    if ap is not None and isinstance(ap, (ObserverBase, FakeQuantizeBase)):
        del module._modules['activation_post_process']
    for hmap, fn in ((module._forward_pre_hooks, _observer_forward_pre_hook),
                     (module._forward_hooks, _observer_forward_hook)):
        for k in [k for k, h in hmap.items() if h is fn]:
            hmap.pop(k)


def _remove_qconfig(module):
    for child in module.children():
        _remove_qconfig(child)
    if hasattr(module, 'qconfig'):
        del module.qconfig
    _remove_activation_post_process(module)


def swap_module(mod, mapping, custom_module_class_mapping=None,
                use_precomputed_fake_quant=False):
    """The quantized replacement of ``mod`` per ``mapping`` (hooks carried over), or ``mod``."""
    new_mod = mod
    if getattr(mod, 'qconfig', None) is not None:
        swapped = False
        if type(mod) in mapping:
            new_mod = mapping[type(mod)].from_float(mod)
            swapped = True
        elif type(mod) in _QUANTIZED_AWARE and mapping is not DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS:
            new_mod = copy.copy(mod)
            new_mod.__class__ = _QUANTIZED_AWARE[type(mod)]
        if swapped:
            for h in mod._forward_pre_hooks.values():
                new_mod.register_forward_pre_hook(h)
            for h in mod._forward_hooks.values():
                if h is not _observer_forward_hook:
                    new_mod.register_forward_hook(h)
    return new_mod


def _convert(module, mapping=None, inplace=False, is_reference=False,
             convert_custom_config_dict=None):
    if mapping is None:
        mapping = get_default_static_quant_module_mappings()
    if not inplace:
        module = copy.deepcopy(module)
    reassign = {}
    for name, mod in module.named_children():
        if not isinstance(mod, nni._FusedModule):
            _convert(mod, mapping, True, is_reference, convert_custom_config_dict)
        reassign[name] = swap_module(mod, mapping)
    for k, v in reassign.items():
        module._modules[k] = v
    return module


def convert(module, mapping=None, inplace=False, remove_qconfig=True, is_reference=False,
            convert_custom_config_dict=None, use_precomputed_fake_quant=False):
    """Swap observed (or QAT) modules for quantized ones using the observers' qparams."""
    if is_reference:
        raise NotImplementedError('ember: reference quantized modules')
    if not inplace:
        module = copy.deepcopy(module)
    _convert(module, mapping, inplace=True)
    if remove_qconfig:
        _remove_qconfig(module)
    return module


def quantize(model, run_fn, run_args, mapping=None, inplace=False):
    """prepare -> ``run_fn(model, *run_args)`` (calibration) -> convert."""
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    prepare(model, inplace=True)
    run_fn(model, *run_args)
    convert(model, mapping, inplace=True)
    return model


def quantize_dynamic(model, qconfig_spec=None, dtype=Q.qint8, mapping=None, inplace=False):
    """Replace the layers named by ``qconfig_spec`` (a set of types like ``{nn.Linear}`` or a
    dict of type/name -> qconfig) with dynamically quantized versions (int8 weights;
    activations quantized per batch). Returns the model (a copy unless ``inplace``)."""
    import ember
    if qconfig_spec is None:
        if dtype is Q.qint8:
            qconfig_spec = {nn.Linear: default_dynamic_qconfig,
                            nn.LSTM: default_dynamic_qconfig, nn.GRU: default_dynamic_qconfig,
                            nn.LSTMCell: default_dynamic_qconfig,
                            nn.RNNCell: default_dynamic_qconfig,
                            nn.GRUCell: default_dynamic_qconfig}
        elif dtype is ember.float16:
            qconfig_spec = {nn.Linear: float16_dynamic_qconfig,
                            nn.LSTM: float16_dynamic_qconfig, nn.GRU: float16_dynamic_qconfig,
                            nn.LSTMCell: float16_dynamic_qconfig,
                            nn.RNNCell: float16_dynamic_qconfig,
                            nn.GRUCell: float16_dynamic_qconfig}
        elif dtype is Q.quint8:
            qconfig_spec = {nn.EmbeddingBag: float_qparams_weight_only_qconfig,
                            nn.Embedding: float_qparams_weight_only_qconfig}
        else:
            raise ValueError(f"Don't know how to quantize with default settings for {dtype}. "
                             'Provide full qconfig please')
    elif isinstance(qconfig_spec, set):
        if dtype is Q.qint8:
            default = default_dynamic_qconfig
        elif dtype is ember.float16:
            default = float16_dynamic_qconfig
        elif dtype is Q.quint8:
            default = float_qparams_weight_only_qconfig
        else:
            raise RuntimeError('Unknown dtype specified for quantize_dynamic: ', str(dtype))
        qconfig_spec = dict(zip(qconfig_spec, itertools.repeat(default)))
    if mapping is None:
        mapping = get_default_dynamic_quant_module_mappings()
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    propagate_qconfig_(model, qconfig_spec)
    convert(model, mapping, inplace=True)
    return model


def prepare_qat(model, mapping=None, inplace=False):
    """Swap modules for QAT versions (fake-quantized weights) and attach fake-quantize
    observers to their outputs; the model must be in training mode."""
    if not model.training:
        raise AssertionError('prepare_qat only works on models in training mode')
    if mapping is None:
        mapping = get_default_qat_module_mappings()
    if not inplace:
        model = copy.deepcopy(model)
    propagate_qconfig_(model)
    _convert(model, mapping, inplace=True)
    prepare(model, observer_non_leaf_module_list=set(mapping.values()), inplace=True)
    return model


def quantize_qat(model, run_fn, run_args, inplace=False):
    """prepare_qat -> ``run_fn`` (training) -> convert."""
    if not inplace:
        model = copy.deepcopy(model)
    model.train()
    prepare_qat(model, inplace=True)
    run_fn(model, *run_args)
    convert(model, inplace=True)
    return model


def add_quant_dequant(module):
    """Wrap every leaf module that has a qconfig in a :class:`QuantWrapper`."""
    if not module._modules and getattr(module, 'qconfig', None):
        return QuantWrapper(module)
    for name, child in module.named_children():
        module._modules[name] = add_quant_dequant(child)
    return module
