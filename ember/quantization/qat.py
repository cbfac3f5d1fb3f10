"""QAT modules (``torch.ao.nn.qat`` / ``torch.ao.nn.intrinsic.qat``): float modules whose
weight passes through ``weight_fake_quant`` in forward."""
from .. import nn
from ..nn import functional as F
from ..ao.nn import intrinsic as nni

__all__ = ['Linear', 'Conv2d', 'LinearReLU', 'ConvReLU2d', 'ConvBn2d', 'ConvBnReLU2d',
           'update_bn_stats', 'freeze_bn_stats']


class Linear(nn.Linear):
    """Linear with fake-quantized weight for quantization-aware training."""
    _FLOAT_MODULE = nn.Linear

    def __init__(self, in_features, out_features, bias=True, qconfig=None, device=None,
                 dtype=None):
        super().__init__(in_features, out_features, bias)
        if not qconfig:
            raise AssertionError('qconfig must be provided for QAT module')
        self.qconfig = qconfig
        self.weight_fake_quant = qconfig.weight()

    def forward(self, input):
        return F.linear(input, self.weight_fake_quant(self.weight), self.bias)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        if isinstance(mod, nni.LinearReLU):
            lin = mod[0]
        else:
            lin = mod
        q = cls(lin.in_features, lin.out_features, bias=lin.bias is not None,
                qconfig=mod.qconfig)
        q.weight = lin.weight
        q.bias = lin.bias
        return q


class Conv2d(nn.Conv2d):
    """Conv2d with fake-quantized weight for quantization-aware training."""
    _FLOAT_MODULE = nn.Conv2d

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros', qconfig=None, device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, groups=groups, bias=bias, padding_mode=padding_mode)
        if not qconfig:
            raise AssertionError('qconfig must be provided for QAT module')
        self.qconfig = qconfig
        self.weight_fake_quant = qconfig.weight()

    def forward(self, input):
        return self._conv_forward(input, self.weight_fake_quant(self.weight), self.bias) \
            if hasattr(self, '_conv_forward') else \
            F.conv2d(input, self.weight_fake_quant(self.weight), self.bias, self.stride,
                     self.padding, self.dilation, self.groups)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        c = mod[0] if isinstance(mod, nni.ConvReLU2d) else mod
        q = cls(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.padding, c.dilation,
                c.groups, c.bias is not None, c.padding_mode, qconfig=mod.qconfig)
        q.weight = c.weight
        q.bias = c.bias
        return q


class LinearReLU(Linear):
    """QAT Linear + ReLU."""
    _FLOAT_MODULE = nni.LinearReLU

    def forward(self, input):
        return F.relu(super().forward(input))


class ConvReLU2d(Conv2d):
    """QAT Conv2d + ReLU."""
    _FLOAT_MODULE = nni.ConvReLU2d

    def forward(self, input):
        return F.relu(super().forward(input))


# ------------------------------------------------------------------ conv + batch norm (QAT)

class _ConvBnNd(nn.Conv2d, nni._FusedModule):
    """Conv2d with its BatchNorm folded in for QAT (``torch.ao.nn.intrinsic.qat.ConvBn2d``):
    the weight is scaled by ``gamma / sqrt(running_var + eps)`` before fake quantization, the
    conv output divided back by that factor and passed through the real ``bn`` (batch
    statistics while training, running ones once frozen)."""
    _version = 2
    _FLOAT_MODULE = None
    _FLOAT_CONV_MODULE = nn.Conv2d
    _FLOAT_BN_MODULE = nn.BatchNorm2d
    _FLOAT_RELU_MODULE = None
    _FUSED_FLOAT_MODULE = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=None, padding_mode='zeros', eps=1e-05, momentum=0.1,
                 freeze_bn=False, qconfig=None):
        nn.Conv2d.__init__(self, in_channels, out_channels, kernel_size, stride, padding,
                           dilation, groups, False, padding_mode)
        if not qconfig:
            raise AssertionError('qconfig must be provided for QAT module')
        import ember
        self.qconfig = qconfig
        self.freeze_bn = freeze_bn if self.training else True
        self.bn = self._FLOAT_BN_MODULE(out_channels, eps, momentum, True, True)
        self.weight_fake_quant = self.qconfig.weight()
        if bias:
            self.bias = nn.Parameter(ember.empty(out_channels))
        else:
            self.register_parameter('bias', None)
        self.reset_bn_parameters()
        if self.training:
            if freeze_bn:
                self.freeze_bn_stats()
            else:
                self.update_bn_stats()
        else:
            self.freeze_bn_stats()

    # Sequential's container protocol does not apply to this module
    def __len__(self):
        return len(self._modules)

    def __bool__(self):
        return True

    def reset_running_stats(self):
        self.bn.reset_running_stats()

    def reset_bn_parameters(self):
        import math
        from ..nn import init
        self.bn.reset_running_stats()
        init.uniform_(self.bn.weight)
        init.zeros_(self.bn.bias)
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def update_bn_stats(self):
        """Let the BatchNorm use and update batch statistics again."""
        self.freeze_bn = False
        self.bn.training = True
        return self

    def freeze_bn_stats(self):
        """Freeze the BatchNorm: running statistics are used and no longer updated."""
        self.freeze_bn = True
        self.bn.training = False
        return self

    def _forward(self, input):
        import ember
        if self.bn.running_var is None:
            raise AssertionError('self.bn.running_var must not be None')
        running_std = ember.sqrt(self.bn.running_var + self.bn.eps)
        scale_factor = self.bn.weight / running_std
        nd = self.weight.dim()
        weight_shape = [-1] + [1] * (nd - 1)
        bias_shape = [1, -1] + [1] * (nd - 2)
        scaled_weight = self.weight_fake_quant(self.weight * scale_factor.reshape(weight_shape))
        zero_bias = ember.zeros(self.out_channels, dtype=input.dtype, device=input.device)
        conv = self._conv_forward(input, scaled_weight, zero_bias)
        conv_orig = conv / scale_factor.reshape(bias_shape)
        if self.bias is not None:
            conv_orig = conv_orig + self.bias.reshape(bias_shape)
        return self.bn(conv_orig)

    def forward(self, input):
        return self._forward(input)

    def train(self, mode=True):
        """Like Module.train, but a frozen BatchNorm stays in eval mode."""
        self.training = mode
        if not self.freeze_bn:
            for module in self.children():
                module.train(mode)
        return self

    def extra_repr(self):
        return nn.Conv2d.extra_repr(self)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """The QAT module of a fused float ``ConvBn2d``/``ConvBnReLU2d`` container, sharing its
        conv weight/bias and BatchNorm parameters and statistics."""
        if type(mod) is not cls._FLOAT_MODULE:
            raise AssertionError('qat.' + cls.__name__ + '.from_float only works for ' +
                                 cls._FLOAT_MODULE.__name__)
        if not hasattr(mod, 'qconfig'):
            raise AssertionError('Input float module must have qconfig defined')
        if not mod.qconfig:
            raise AssertionError('Input float module must have a valid qconfig')
        conv, bn = mod[0], mod[1]
        q = cls(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                conv.padding, conv.dilation, conv.groups, conv.bias is not None,
                conv.padding_mode, bn.eps, bn.momentum, False, mod.qconfig)
        q.weight = conv.weight
        q.bias = conv.bias
        q.bn.weight = bn.weight
        q.bn.bias = bn.bias
        q.bn.running_mean = bn.running_mean
        q.bn.running_var = bn.running_var
        q.bn.num_batches_tracked = bn.num_batches_tracked
        return q

    def to_float(self):
        """A float Conv2d (or ConvReLU2d) with the BatchNorm folded into its weight and bias."""
        from .fuse_modules import fuse_conv_bn_weights
        conv = self._FLOAT_CONV_MODULE(self.in_channels, self.out_channels, self.kernel_size,
                                       self.stride, self.padding, self.dilation, self.groups,
                                       self.bias is not None, self.padding_mode)
        conv.weight = nn.Parameter(self.weight.detach())
        if self.bias is not None:
            conv.bias = nn.Parameter(self.bias.detach())
        conv.weight, conv.bias = fuse_conv_bn_weights(
            conv.weight, conv.bias, self.bn.running_mean, self.bn.running_var, self.bn.eps,
            self.bn.weight, self.bn.bias)
        if self._FLOAT_RELU_MODULE is not None:
            r = self._FUSED_FLOAT_MODULE(conv, self._FLOAT_RELU_MODULE())
            r.train(self.training)
            return r
        conv.train(self.training)
        return conv


class ConvBn2d(_ConvBnNd):
    """QAT Conv2d + BatchNorm2d (``torch.ao.nn.intrinsic.qat.ConvBn2d``)."""
    _FLOAT_MODULE = nni.ConvBn2d


class ConvBnReLU2d(ConvBn2d):
    """QAT Conv2d + BatchNorm2d + ReLU (``torch.ao.nn.intrinsic.qat.ConvBnReLU2d``)."""
    _FLOAT_MODULE = nni.ConvBnReLU2d
    _FLOAT_RELU_MODULE = nn.ReLU
    _FUSED_FLOAT_MODULE = nni.ConvReLU2d

    def forward(self, input):
        return F.relu(self._forward(input))


def update_bn_stats(mod):
    """``model.apply(update_bn_stats)``: unfreeze the BatchNorm of QAT conv+bn modules."""
    if type(mod) in {ConvBn2d, ConvBnReLU2d}:
        mod.update_bn_stats()


def freeze_bn_stats(mod):
    """``model.apply(freeze_bn_stats)``: freeze the BatchNorm of QAT conv+bn modules."""
    if type(mod) in {ConvBn2d, ConvBnReLU2d}:
        mod.freeze_bn_stats()
