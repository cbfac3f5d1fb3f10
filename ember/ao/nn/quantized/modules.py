"""Quantized modules (``torch.ao.nn.quantized``): int8 weights, quint8 activations, integer
accumulation (exact, in float64 BLAS) followed by requantization to the output's scale and
zero point, as PyTorch's fbgemm kernels compute."""
from collections import OrderedDict

import numpy as np

from .... import _quantized as Q
from ...._tensor import Tensor, _wrap
from ....nn.module import Module
from ....nn import modules as _fm

__all__ = ['Quantize', 'DeQuantize', 'LinearPackedParams', 'Linear', 'Conv2d', 'ReLU', 'ReLU6',
           'MaxPool2d', 'FloatFunctional', 'FXFloatFunctional', 'QFunctional']


def _E():
    import ember
    return ember


def _not_quantized_error(op):
    return NotImplementedError(
        f"Could not run '{op}' with arguments from the 'CPU' backend. This could be because the "
        'operator doesn\'t exist for this backend, or was omitted during the selective/custom '
        f"build process (if using custom build). '{op}' is only available for these backends: "
        '[QuantizedCPU].')


def _check_q(x, op):
    if not isinstance(x, Q.QTensor):
        raise _not_quantized_error(op)


def _centered(q):
    """``q - zero_point`` as float64 (exact), broadcast per channel along axis 0 for weights."""
    d = q._data.astype(np.float64)
    if q._qscheme is Q.per_tensor_affine:
        return d - q._zp
    shape = [1] * d.ndim
    shape[q._axis] = -1
    return d - q._zp._data.reshape(shape)


def _wscale(w, ndim_out, axis_out):
    """The weight scale(s) shaped to broadcast over an output with the channel at axis_out."""
    if w._qscheme is Q.per_tensor_affine:
        return np.float64(w._scale)
    shape = [1] * ndim_out
    shape[axis_out] = -1
    return w._scale._data.reshape(shape)


def _requant(y, scale, zp, relu=False):
    """float32 ``y`` quantized to quint8 with the output's scale/zero point."""
    if relu:
        np.maximum(y, 0, out=y)
    return Q.quantize_per_tensor(_wrap(y), scale, zp, Q.quint8)


def _qlinear_float(x, w, b):
    """Dequantized result of the integer linear: ``acc(int32) * s_x * s_w + bias`` (float32)."""
    xi = _centered(x)
    wi = _centered(w)
    acc = xi.reshape(-1, xi.shape[-1]) @ wi.T
    mult = (np.float32(x._scale) * np.asarray(_wscale(w, 2, 1), dtype=np.float32)).astype(
        np.float32)
    y = acc.astype(np.float32) * mult
    if b is not None:
        y += b.detach()._data.astype(np.float32)
    return y.reshape(x._data.shape[:-1] + (wi.shape[0],))


class Quantize(Module):
    """Quantize a float tensor with fixed ``scale``/``zero_point`` (what QuantStub becomes)."""

    def __init__(self, scale, zero_point, dtype, factory_kwargs=None):
        super().__init__()
        E = _E()
        self.register_buffer('scale', E.tensor([float(scale)]))
        self.register_buffer('zero_point', E.tensor([int(zero_point)], dtype=E.int64))
        self.dtype = dtype

    def forward(self, X):
        return Q.quantize_per_tensor(X, float(self.scale[0]), int(self.zero_point[0]), self.dtype)

    @staticmethod
    def from_float(mod, use_precomputed_fake_quant=False):
        scale, zp = mod.activation_post_process.calculate_qparams()
        return Quantize(float(scale.reshape(-1)[0]), int(zp.reshape(-1)[0]),
                        mod.activation_post_process.dtype)

    def extra_repr(self):
        return f'scale={self.scale}, zero_point={self.zero_point}, dtype={self.dtype}'


class DeQuantize(Module):
    """Dequantize a quantized tensor to float32 (what DeQuantStub becomes)."""

    def forward(self, Xq):
        return Xq.dequantize()

    @staticmethod
    def from_float(mod, use_precomputed_fake_quant=False):
        return DeQuantize()


class LinearPackedParams(Module):
    """Holds the quantized weight and float bias (state_dict: ``dtype``, ``_packed_params``)."""
    _version = 3

    def __init__(self, dtype=Q.qint8):
        super().__init__()
        self.dtype = dtype
        self._weight = None
        self._bias = None

    def set_weight_bias(self, weight, bias):
        self._weight = weight
        self._bias = bias

    def _weight_bias(self):
        return self._weight, self._bias

    def forward(self, x):
        return x

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'dtype'] = self.dtype
        destination[prefix + '_packed_params'] = self._weight_bias()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        self.dtype = state_dict.pop(prefix + 'dtype', self.dtype)
        wb = state_dict.pop(prefix + '_packed_params', None)
        if wb is not None:
            self.set_weight_bias(*wb)
        elif strict:
            missing_keys.append(prefix + '_packed_params')

    def __repr__(self):
        return repr(self._weight_bias())


class Linear(Module):
    """Statically quantized linear: quint8 in, quint8 out at (``scale``, ``zero_point``)."""
    _version = 3
    _FLOAT_MODULE = (_fm.Linear,)
    _RELU = False

    def __init__(self, in_features, out_features, bias_=True, dtype=Q.qint8):
        super().__init__()
        E = _E()
        self.in_features = in_features
        self.out_features = out_features
        bias = E.zeros(out_features) if bias_ else None
        qweight = Q.quantize_per_tensor(E.zeros(out_features, in_features), 1, 0, Q.qint8)
        self._packed_params = LinearPackedParams(dtype)
        self._packed_params.set_weight_bias(qweight, bias)
        self.scale = 1.0
        self.zero_point = 0

    def _get_name(self):
        return 'QuantizedLinear'

    def __repr__(self):
        # PyTorch hides the packed-params child in the repr
        from ....nn.module import _addindent
        extra = self.extra_repr()
        child = ['(' + k + '): ' + _addindent(repr(m), 2) for k, m in self._modules.items()
                 if not isinstance(m, LinearPackedParams)]
        if not child:
            return self._get_name() + '(' + extra + ')'
        lines = (extra.split('\n') if extra else []) + child
        return self._get_name() + '(\n  ' + '\n  '.join(lines) + '\n)'

    def extra_repr(self):
        return (f'in_features={self.in_features}, out_features={self.out_features}, '
                f'scale={self.scale}, zero_point={self.zero_point}, '
                f'qscheme={self.weight().qscheme()}')

    def weight(self):
        return self._packed_params._weight

    def bias(self):
        return self._packed_params._bias

    def set_weight_bias(self, w, b):
        self._packed_params.set_weight_bias(w, b)

    def forward(self, x):
        _check_q(x, 'quantized::linear')
        y = _qlinear_float(x, self.weight(), self.bias())
        return _requant(y, self.scale, self.zero_point, self._RELU)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        E = _E()
        destination[prefix + 'scale'] = E.tensor(self.scale)
        destination[prefix + 'zero_point'] = E.tensor(self.zero_point)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        if prefix + 'scale' in state_dict:
            self.scale = float(state_dict.pop(prefix + 'scale'))
        if prefix + 'zero_point' in state_dict:
            self.zero_point = int(state_dict.pop(prefix + 'zero_point'))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs, assign)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """Quantize a float (observed) Linear: weight with ``qconfig.weight()``, output qparams
        from its ``activation_post_process``."""
        from ..intrinsic import LinearReLU as _FLR
        if hasattr(mod, 'weight_fake_quant'):
            weight_post_process = mod.weight_fake_quant
        else:
            weight_post_process = mod.qconfig.weight()
        act = mod.activation_post_process
        if isinstance(mod, _FLR):
            mod = mod[0]
        weight_post_process(mod.weight)
        if weight_post_process.dtype is not Q.qint8:
            raise AssertionError('Weight observer must have dtype torch.qint8')
        qweight = _quantize_weight(mod.weight.float(), weight_post_process)
        s, z = act.calculate_qparams()
        q = cls(mod.in_features, mod.out_features, dtype=weight_post_process.dtype)
        q.set_weight_bias(qweight, None if mod.bias is None else mod.bias.detach().clone())
        q.scale = float(s.reshape(-1)[0])
        q.zero_point = int(z.reshape(-1)[0])
        return q


def _quantize_weight(w, observer):
    s, z = observer.calculate_qparams()
    qs = observer.qscheme
    if qs in (Q.per_tensor_symmetric, Q.per_tensor_affine):
        return Q.quantize_per_tensor(w.detach(), float(s.reshape(-1)[0]), int(z.reshape(-1)[0]),
                                     Q.qint8)
    if qs in (Q.per_channel_symmetric, Q.per_channel_affine):
        E = _E()
        return Q.quantize_per_channel(w.detach(), s.to(E.float64), z.to(E.int64),
                                      observer.ch_axis, Q.qint8)
    raise ValueError(f'Unrecognized qscheme: {qs}')


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


class Conv2d(Module):
    """Statically quantized 2-d convolution (quint8 NCHW input, qint8 weight)."""
    _version = 3
    _RELU = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros', device=None, dtype=None):
        super().__init__()
        E = _E()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride, self.padding, self.dilation = _pair(stride), _pair(padding), _pair(dilation)
        self.transposed = False
        self.output_padding = (0, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        w = Q.quantize_per_tensor(E.zeros(out_channels, in_channels // groups,
                                          *self.kernel_size), 1.0, 0, Q.qint8)
        self.set_weight_bias(w, E.zeros(out_channels) if bias else None)
        self.scale = 1.0
        self.zero_point = 0

    def _get_name(self):
        return 'QuantizedConv2d'

    def set_weight_bias(self, w, b):
        self._weight, self._bias = w, b

    def weight(self):
        return self._weight

    def bias(self):
        return self._bias

    def extra_repr(self):
        s = (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, '
             f'stride={self.stride}, scale={self.scale}, zero_point={self.zero_point}')
        if self.padding != (0, 0):
            s += f', padding={self.padding}'
        if self.dilation != (1, 1):
            s += f', dilation={self.dilation}'
        if self.groups != 1:
            s += f', groups={self.groups}'
        if self.bias() is None:
            s += ', bias=False'
        return s

    def forward(self, input):
        _check_q(input, 'quantized::conv2d.new')
        if input.dim() != 4:
            raise ValueError('Input shape must be `(N, C, H, W)`!')
        E = _E()
        x = _wrap(_centered(input))
        w = self._weight
        wi = _wrap(_centered(w))
        acc = E.nn.functional.conv2d(x, wi, None, self.stride, self.padding, self.dilation,
                                     self.groups)._data
        mult = (np.float32(input._scale) *
                np.asarray(_wscale(w, 4, 1), dtype=np.float32)).astype(np.float32)
        y = acc.astype(np.float32) * mult
        if self._bias is not None:
            y += self._bias.detach()._data.astype(np.float32).reshape(1, -1, 1, 1)
        return _requant(y, self.scale, self.zero_point, self._RELU)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        E = _E()
        destination[prefix + 'weight'] = self._weight
        destination[prefix + 'bias'] = self._bias
        destination[prefix + 'scale'] = E.tensor(self.scale)
        destination[prefix + 'zero_point'] = E.tensor(self.zero_point)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        self.set_weight_bias(state_dict.pop(prefix + 'weight'), state_dict.pop(prefix + 'bias'))
        self.scale = float(state_dict.pop(prefix + 'scale'))
        self.zero_point = int(state_dict.pop(prefix + 'zero_point'))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs, assign)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """Quantize a float (observed, possibly fused conv+relu / QAT) Conv2d."""
        from ..intrinsic import _FusedModule
        if hasattr(mod, 'weight_fake_quant'):
            if hasattr(mod, 'bn'):     # QAT conv+bn: fold the BatchNorm into weight and bias
                mod.weight, mod.bias = _fold_bn_params(mod)
            if not hasattr(mod, 'activation_post_process'):
                raise AssertionError('Input QAT module must have observer attached')
            wpp = mod.weight_fake_quant
            act = mod.activation_post_process
        else:
            wpp = mod.qconfig.weight()
            act = mod.activation_post_process
            if isinstance(mod, _FusedModule):
                mod = mod[0]
        wpp(mod.weight)
        qweight = _quantize_weight(mod.weight.float(), wpp)
        q = cls(mod.in_channels, mod.out_channels, mod.kernel_size, mod.stride, mod.padding,
                mod.dilation, mod.groups, mod.bias is not None, mod.padding_mode)
        q.set_weight_bias(qweight, None if mod.bias is None else mod.bias.detach().clone())
        s, z = act.calculate_qparams()
        q.scale = float(s.reshape(-1)[0])
        q.zero_point = int(z.reshape(-1)[0])
        return q


def _fold_bn_params(mod):
    from ....quantization.fuse_modules import fuse_conv_bn_weights
    w, b = fuse_conv_bn_weights(mod.weight, mod.bias, mod.bn.running_mean, mod.bn.running_var,
                                mod.bn.eps, mod.bn.weight, mod.bn.bias)
    return w, b


class ReLU(_fm.ReLU):
    """ReLU that also takes quantized tensors (``max(q, zero_point)``, same qparams)."""

    def forward(self, input):
        if isinstance(input, Q.QTensor):
            zp = input._zp
            return input._like(np.maximum(input._data, np.asarray(zp, input._data.dtype)))
        return super().forward(input)


class ReLU6(_fm.ReLU6):
    """ReLU6 on quantized tensors: clamp to [zero_point, quantize(6)]."""

    def forward(self, input):
        if isinstance(input, Q.QTensor):
            six = np.rint(6.0 / input._scale) + input._zp
            lo, hi = Q.QRANGE[input._qdtype.name]
            six = int(min(max(six, lo), hi))
            return input._like(np.clip(input._data, input._zp, six).astype(input._data.dtype))
        return super().forward(input)


class MaxPool2d(_fm.MaxPool2d):
    """MaxPool2d that also takes quantized tensors (pooling commutes with the affine map)."""

    def forward(self, input):
        if isinstance(input, Q.QTensor):
            E = _E()
            y = E.nn.functional.max_pool2d(_wrap(input._data.astype(np.float32)),
                                           self.kernel_size, self.stride, self.padding,
                                           self.dilation, ceil_mode=self.ceil_mode)
            return input._like(y._data.astype(input._data.dtype))
        return super().forward(input)


class FloatFunctional(Module):
    """Float ops (add, cat, mul, add_relu, ...) with an output observer slot; becomes
    :class:`QFunctional` on convert."""

    def __init__(self):
        super().__init__()
        from .... import nn
        self.activation_post_process = nn.Identity()

    def forward(self, x):
        raise RuntimeError('FloatFunctional is not intended to use the \'forward\'. Please use '
                           'the underlying operation')

    def add(self, x, y):
        return self.activation_post_process(_E().add(x, y))

    def add_scalar(self, x, y):
        return _E().add(x, y)

    def mul(self, x, y):
        return self.activation_post_process(_E().mul(x, y))

    def mul_scalar(self, x, y):
        return _E().mul(x, y)

    def cat(self, x, dim=0):
        return self.activation_post_process(_E().cat(x, dim=dim))

    def add_relu(self, x, y):
        E = _E()
        return self.activation_post_process(E.relu(E.add(x, y)))

    def matmul(self, x, y):
        return self.activation_post_process(_E().matmul(x, y))


class FXFloatFunctional(FloatFunctional):
    pass


class QFunctional(Module):
    """Quantized add/cat/mul/add_relu: computed on dequantized values, requantized to the
    module's ``scale``/``zero_point``."""

    def __init__(self):
        super().__init__()
        from .... import nn
        self.scale = 1.0
        self.zero_point = 0
        self.activation_post_process = nn.Identity()

    def _get_name(self):
        return 'QFunctional'

    def extra_repr(self):
        return f'scale={self.scale}, zero_point={self.zero_point}'

    def forward(self, x):
        raise RuntimeError('Functional is not intended to use the \'forward\'. Please use the '
                           'underlying operation')

    def _out(self, y, relu=False):
        return _requant(y._data.astype(np.float32), self.scale, self.zero_point, relu)

    def add(self, x, y):
        return self._out(x.dequantize() + y.dequantize())

    def add_scalar(self, x, y):
        return Q.quantize_per_tensor(x.dequantize() + y, x.q_scale(), x.q_zero_point(),
                                     x.dtype)

    def mul(self, x, y):
        return self._out(x.dequantize() * y.dequantize())

    def mul_scalar(self, x, y):
        return Q.quantize_per_tensor(x.dequantize() * y, x.q_scale() * abs(y) if y else 1.0,
                                     x.q_zero_point() if y >= 0 else 255 - x.q_zero_point(),
                                     x.dtype)

    def cat(self, x, dim=0):
        return self._out(_E().cat([t.dequantize() for t in x], dim=dim))

    def add_relu(self, x, y):
        return self._out(x.dequantize() + y.dequantize(), relu=True)

    def matmul(self, x, y):
        return self._out(_E().matmul(x.dequantize(), y.dequantize()))

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        E = _E()
        destination[prefix + 'scale'] = E.tensor(self.scale)
        destination[prefix + 'zero_point'] = E.tensor(self.zero_point)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        self.scale = float(state_dict.pop(prefix + 'scale'))
        self.zero_point = int(state_dict.pop(prefix + 'zero_point'))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs, assign)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        s, z = mod.activation_post_process.calculate_qparams()
        q = QFunctional()
        q.scale = float(s.reshape(-1)[0])
        q.zero_point = int(z.reshape(-1)[0])
        return q
