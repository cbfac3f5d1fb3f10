"""Dynamically quantized modules (``torch.ao.nn.quantized.dynamic``): int8 weights; each
input batch is quantized on the fly (per tensor, fbgemm's qparams with reduce_range), the
product accumulated in integers and rescaled to float32."""
import numpy as np

from ..... import _quantized as Q
from ....._tensor import _wrap
from ..modules import Linear as _QLinear, _quantize_weight, _qlinear_float

__all__ = ['Linear', 'choose_qparams_fbgemm']

_SMALL_SCALE = np.float32(6.1e-5)


def choose_qparams_fbgemm(mn, mx, qmin=0, qmax=255, reduce_range=True):
    """fbgemm's ChooseQuantizationParams (ATen QuantUtils.h): scale/zero_point for [mn, mx]."""
    if reduce_range:
        qmin, qmax = qmin // 2, qmax // 2
    mn = np.float32(min(mn, 0.0))
    mx = np.float32(max(mx, 0.0))
    scale = (float(mx) - float(mn)) / (qmax - qmin)
    if np.float32(scale) == 0 or np.isinf(np.float32(1.0) / np.float32(scale)):
        scale = 0.1
    if scale < _SMALL_SCALE:
        org = scale
        scale = float(_SMALL_SCALE)
        if mn == 0:
            mx = np.float32(_SMALL_SCALE * (qmax - qmin))
        elif mx == 0:
            mn = np.float32(-_SMALL_SCALE * (qmax - qmin))
        else:
            amp = np.float32(_SMALL_SCALE / np.float32(org))
            mn, mx = mn * amp, mx * amp
    zfmin = qmin - float(mn) / scale
    zfmax = qmax - float(mx) / scale
    emin = abs(qmin) - abs(float(mn) / scale)
    emax = abs(qmax) - abs(float(mx) / scale)
    z0 = zfmin if emin < emax else zfmax
    if z0 < qmin:
        zp = qmin
    elif z0 > qmax:
        zp = qmax
    else:
        zp = int(np.rint(z0))
    return float(np.float32(scale)), zp


class Linear(_QLinear):
    """Dynamically quantized Linear: float in, float out; weights qint8."""
    _version = 4

    def __init__(self, in_features, out_features, bias_=True, dtype=Q.qint8):
        super().__init__(in_features, out_features, bias_, dtype=dtype)
        self.version = 4

    def _get_name(self):
        return 'DynamicQuantizedLinear'

    def extra_repr(self):
        s = (f'in_features={self.in_features}, out_features={self.out_features}, '
             f'dtype={self._packed_params.dtype}')
        if self._packed_params.dtype is Q.qint8:
            s += f', qscheme={self.weight().qscheme()}'
        return s

    def forward(self, x):
        import ember
        d = x.detach()._data.astype(np.float32, copy=False)
        if self._packed_params.dtype is not Q.qint8:   # float16 weights
            w = self.weight().detach()._data.astype(np.float16).astype(np.float32)
            y = d @ w.T
            if self.bias() is not None:
                y = y + self.bias()._data
            return _wrap(y.astype(np.float32))
        mn = float(d.min()) if d.size else 0.0
        mx = float(d.max()) if d.size else 0.0
        scale, zp = choose_qparams_fbgemm(mn, mx, 0, 255, reduce_range=True)
        xq = Q.quantize_per_tensor(_wrap(d), scale, zp, Q.quint8)
        y = _qlinear_float(xq, self.weight(), self.bias())
        return _wrap(y.astype(np.float32))

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """Quantize a float Linear's weight with ``mod.qconfig.weight()`` (default: per-tensor
        symmetric qint8)."""
        from .....quantization.qconfig import default_dynamic_qconfig
        if getattr(mod, 'qconfig', None) is not None and mod.qconfig.weight is not None:
            wobs = mod.qconfig.weight()
        else:
            wobs = default_dynamic_qconfig.weight()
        dtype = wobs.dtype
        if dtype not in (Q.qint8,) and dtype.name != 'float16':
            raise AssertionError(f'The only supported dtypes for dynamic quantized linear are '
                                 f'qint8 and float16 got: {dtype}')
        from .....nn import Linear as _FL
        from ...intrinsic import LinearReLU
        if isinstance(mod, LinearReLU):
            mod = mod[0]
        wobs(mod.weight)
        if dtype is Q.qint8:
            qweight = _quantize_weight(mod.weight.float(), wobs)
        else:
            qweight = mod.weight.detach().float()
        q = cls(mod.in_features, mod.out_features, dtype=dtype)
        q.set_weight_bias(qweight, None if mod.bias is None else mod.bias.detach().clone())
        return q
