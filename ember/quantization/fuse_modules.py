"""``fuse_modules``: fold BatchNorm into the preceding conv/linear and merge ReLUs into fused
containers, in eval mode (``torch.ao.quantization.fuse_modules``)."""
import copy

from .. import nn
from ..ao.nn import intrinsic as nni

__all__ = ['fuse_modules', 'fuse_conv_bn', 'fuse_conv_bn_relu', 'fuse_linear_bn',
           'fuse_conv_bn_weights', 'fuse_linear_bn_weights', 'get_fuser_method', 'fuse_known_modules']


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """``w * gamma / sqrt(var + eps)`` and ``(b - mean) * gamma / sqrt(var + eps) + beta`` as
    Parameters (``torch.nn.utils.fusion.fuse_conv_bn_weights``)."""
    import ember
    with ember.no_grad():
        dt = conv_w.dtype
        if conv_b is None:
            conv_b = ember.zeros_like(bn_rm)
        if bn_w is None:
            bn_w = ember.ones_like(bn_rm)
        if bn_b is None:
            bn_b = ember.zeros_like(bn_rm)
        var_rsqrt = ember.rsqrt(bn_rv + bn_eps)
        shape = [1] * conv_w.dim()
        shape[1 if transpose else 0] = -1
        w = (conv_w * (bn_w * var_rsqrt).reshape(shape)).to(dt)
        b = ((conv_b - bn_rm) * var_rsqrt * bn_w + bn_b).to(dt)
    return nn.Parameter(w, conv_w.requires_grad), nn.Parameter(b, conv_b.requires_grad)


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    import ember
    with ember.no_grad():
        if linear_b is None:
            linear_b = ember.zeros_like(bn_rm)
        scale = bn_w * ember.rsqrt(bn_rv + bn_eps)
        w = linear_w * scale.unsqueeze(-1)
        b = (linear_b - bn_rm) * scale + bn_b
    return nn.Parameter(w, linear_w.requires_grad), nn.Parameter(b, linear_b.requires_grad)


def _fuse_conv_bn_eval(conv, bn):
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                                    bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_conv_bn(is_qat, conv, bn):
    """Conv+BN: a conv with BN folded in (eval) or a ConvBn container (QAT)."""
    if conv.training != bn.training:
        raise AssertionError('Conv and BN both must be in the same mode (train or eval).')
    if is_qat:
        return {nn.Conv1d: nni.ConvBn1d, nn.Conv2d: nni.ConvBn2d}[type(conv)](conv, bn)
    return _fuse_conv_bn_eval(conv, bn)


def fuse_conv_bn_relu(is_qat, conv, bn, relu):
    if conv.training != bn.training or bn.training != relu.training:
        raise AssertionError('Conv and BN both must be in the same mode (train or eval).')
    if is_qat:
        return {nn.Conv1d: nni.ConvBnReLU1d, nn.Conv2d: nni.ConvBnReLU2d}[type(conv)](
            conv, bn, relu)
    fused = _fuse_conv_bn_eval(conv, bn)
    return {nn.Conv1d: nni.ConvReLU1d, nn.Conv2d: nni.ConvReLU2d}[type(conv)](fused, relu)


def fuse_linear_bn(is_qat, linear, bn):
    if is_qat:
        raise NotImplementedError('ember: LinearBn1d QAT fusion')
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                                      bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def _seq(cls):
    return lambda is_qat, a, b: cls(a, b)


_FUSER = {
    (nn.Conv1d, nn.BatchNorm1d): fuse_conv_bn,
    (nn.Conv1d, nn.BatchNorm1d, nn.ReLU): fuse_conv_bn_relu,
    (nn.Conv2d, nn.BatchNorm2d): fuse_conv_bn,
    (nn.Conv2d, nn.BatchNorm2d, nn.ReLU): fuse_conv_bn_relu,
    (nn.Conv1d, nn.ReLU): _seq(nni.ConvReLU1d),
    (nn.Conv2d, nn.ReLU): _seq(nni.ConvReLU2d),
    (nn.Linear, nn.BatchNorm1d): fuse_linear_bn,
    (nn.Linear, nn.ReLU): _seq(nni.LinearReLU),
    (nn.BatchNorm2d, nn.ReLU): _seq(nni.BNReLU2d),
    (nn.BatchNorm3d, nn.ReLU): _seq(nni.BNReLU3d),
}


def get_fuser_method(op_list, additional_fuser_method_mapping=None):
    m = dict(_FUSER)
    m.update(additional_fuser_method_mapping or {})
    f = m.get(op_list)
    if f is None:
        raise AssertionError(f'did not find fuser method for: {op_list} ')
    return f


def fuse_known_modules(mod_list, is_qat, additional_fuser_method_mapping=None):
    """Fuse a list of modules: the first becomes the fused module, the others Identity
    (forward hooks moved as PyTorch does)."""
    types = tuple(type(m) for m in mod_list)
    fuser = get_fuser_method(types, additional_fuser_method_mapping)
    new_mod = [None] * len(mod_list)
    fused = fuser(is_qat, *mod_list)
    for h in mod_list[0]._forward_pre_hooks.values():
        fused.register_forward_pre_hook(h)
    for h in mod_list[-1]._forward_hooks.values():
        fused.register_forward_hook(h)
    new_mod[0] = fused
    for i in range(1, len(mod_list)):
        ident = nn.Identity()
        ident.training = mod_list[0].training
        new_mod[i] = ident
    return new_mod


def _get_module(model, name):
    for t in name.split('.'):
        model = getattr(model, t)
    return model


def _set_module(model, name, new):
    *path, last = name.split('.')
    for t in path:
        model = getattr(model, t)
    setattr(model, last, new)


def _fuse_modules(model, modules_to_fuse, is_qat, inplace=False, fuser_func=fuse_known_modules,
                  fuse_custom_config_dict=None):
    if not inplace:
        model = copy.deepcopy(model)
    if all(isinstance(m, str) for m in modules_to_fuse):
        modules_to_fuse = [modules_to_fuse]
    extra = (fuse_custom_config_dict or {}).get('additional_fuser_method_mapping', {})
    for names in modules_to_fuse:
        mods = [_get_module(model, n) for n in names]
        new = fuser_func(mods, is_qat, extra)
        for n, m in zip(names, new):
            _set_module(model, n, m)
    return model


def fuse_modules(model, modules_to_fuse, inplace=False, fuser_func=fuse_known_modules,
                 fuse_custom_config_dict=None):
    """Fuse lists of submodule names, e.g. ``[['conv1', 'bn1', 'relu1'], ['fc', 'relu']]``
    (eval mode: BN folded into the conv's weights)."""
    return _fuse_modules(model, modules_to_fuse, False, inplace, fuser_func,
                         fuse_custom_config_dict)


def fuse_modules_qat(model, modules_to_fuse, inplace=False, fuser_func=fuse_known_modules,
                     fuse_custom_config_dict=None):
    """QAT variant: conv+bn stay as ConvBn containers (BN folded during training)."""
    return _fuse_modules(model, modules_to_fuse, True, inplace, fuser_func,
                         fuse_custom_config_dict)
