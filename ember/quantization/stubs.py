"""QuantStub / DeQuantStub / QuantWrapper: mark where float becomes quantized and back."""
from ..nn.module import Module

__all__ = ['QuantStub', 'DeQuantStub', 'QuantWrapper']


class QuantStub(Module):
    """Identity before convert; becomes ``nnq.Quantize`` (quantizing with the observed
    qparams) after."""

    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class DeQuantStub(Module):
    """Identity before convert; becomes ``nnq.DeQuantize`` after."""

    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class QuantWrapper(Module):
    """``quant -> module -> dequant`` around a float module."""

    def __init__(self, module):
        super().__init__()
        qconfig = getattr(module, 'qconfig', None)
        self.add_module('quant', QuantStub(qconfig))
        self.add_module('dequant', DeQuantStub(qconfig))
        self.add_module('module', module)
        self.train(module.training)

    def forward(self, X):
        X = self.quant(X)
        X = self.module(X)
        return self.dequant(X)
