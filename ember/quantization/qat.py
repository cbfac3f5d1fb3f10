"""QAT modules (``torch.ao.nn.qat`` / ``torch.ao.nn.intrinsic.qat``): float modules whose
weight passes through ``weight_fake_quant`` in forward."""
from .. import nn
from ..nn import functional as F
from ..ao.nn import intrinsic as nni

__all__ = ['Linear', 'Conv2d', 'LinearReLU', 'ConvReLU2d']


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
