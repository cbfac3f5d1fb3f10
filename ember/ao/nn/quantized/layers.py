"""More static quantized modules (``torch.ao.nn.quantized``): BatchNorm2d/3d, LayerNorm,
GroupNorm, InstanceNorm1d/2d/3d, Embedding/EmbeddingBag (weight-only, per-row float qparams),
Dropout, ELU, Hardswish, LeakyReLU, Sigmoid.

Batch norm follows PyTorch's kernel exactly: per-channel ``alpha = gamma / sqrt(var + eps) *
s_in / s_out`` and ``beta = (b - mean * gamma / sqrt(var + eps)) / s_out`` in float32, then
``q = clamp(rint(alpha * (x - z_in) + beta) + z_out)``. The other activations and norms
dequantize, apply the float op in float32 and requantize to the module's (scale, zero_point).
"""
import numpy as np

from .... import _quantized as Q
from ...._tensor import Tensor, _wrap
from ....nn.module import Module
from ....nn import modules as _fm
from .modules import _check_q

__all__ = ['BatchNorm2d', 'BatchNorm3d', 'LayerNorm', 'GroupNorm', 'InstanceNorm1d',
           'InstanceNorm2d', 'InstanceNorm3d', 'EmbeddingPackedParams', 'Embedding',
           'EmbeddingBag', 'Dropout', 'ELU', 'Hardswish', 'LeakyReLU', 'Sigmoid']


def _E():
    import ember
    return ember


def _xp(a):
    from ....backend import xp_of
    return xp_of(a)


def _f(t):
    return None if t is None else t.detach()._data


def _scalar(v, cast):
    if isinstance(v, Tensor):
        return cast(v.reshape(-1)[0].item())
    return cast(v)


def _quant_out(y, scale, zp, qdtype=Q.quint8):
    """float32 array -> QTensor with the output qparams (PyTorch's rounding)."""
    xp = _xp(y)
    scale = float(scale)
    inv = xp.float32(1.0) / xp.float32(scale)
    q = Q._quantize_array(xp, y.astype(xp.float32, copy=False), inv, xp.float32(zp), qdtype)
    return Q._make_q(q, qdtype, Q.per_tensor_affine, scale, int(zp))


def _deq(x):
    return x.dequantize()._data


def _register_qparams(mod, scale, zero_point):
    E = _E()
    mod.register_buffer('scale', scale if isinstance(scale, Tensor) else E.tensor(float(scale)))
    mod.register_buffer('zero_point', zero_point if isinstance(zero_point, Tensor)
                        else E.tensor(int(zero_point)))


def _act_qparams(mod):
    s, z = mod.activation_post_process.calculate_qparams()
    return float(s.reshape(-1)[0].item()), int(z.reshape(-1)[0].item())


# ------------------------------------------------------------------------- batch norm

def quantized_batch_norm(x, weight, bias, mean, var, eps, output_scale, output_zero_point,
                         relu=False):
    """PyTorch's ``quantized::batch_norm`` on a per-tensor quint8/qint8 input (channel dim 1)."""
    d = x._data
    xp = _xp(d)
    C = d.shape[1]
    v = _f(var).astype(xp.float32)
    inv_sigma = (1.0 / xp.sqrt(v + xp.float32(eps)).astype(xp.float64)).astype(xp.float32)
    w = _f(weight).astype(xp.float32) if weight is not None else xp.ones(C, xp.float32)
    b = _f(bias).astype(xp.float32) if bias is not None else xp.zeros(C, xp.float32)
    m = _f(mean).astype(xp.float32)
    out_scale = float(output_scale)
    alpha = ((inv_sigma * w).astype(xp.float64) * (float(x._scale) / out_scale)).astype(
        xp.float32)
    beta = ((b - (m * inv_sigma) * w).astype(xp.float64) / out_scale).astype(xp.float32)
    shape = (1, C) + (1,) * (d.ndim - 2)
    y = (d.astype(xp.float64) - x._zp) * alpha.reshape(shape).astype(xp.float64)
    y += beta.reshape(shape)
    y = xp.rint(y.astype(xp.float32))          # fma(alpha, x - z, beta), one rounding
    if relu:
        xp.maximum(y, 0, out=y)
    y += int(output_zero_point)
    lo, hi = Q.QRANGE[x._qdtype.name]
    xp.clip(y, lo, hi, out=y)
    q = y.astype(d.dtype)
    return Q._make_q(q, x._qdtype, Q.per_tensor_affine, out_scale, int(output_zero_point))


class _BatchNorm(_fm.BatchNorm2d):
    _RELU = False
    _NDIM = 4

    def __init__(self, num_features, eps=1e-5, momentum=0.1, device=None, dtype=None):
        _fm.BatchNorm2d.__init__(self, num_features, eps, momentum, True, True)
        _register_qparams(self, 1.0, 0)

    def _check_input_dim(self, input):
        if len(input.shape) != 4:
            raise ValueError('Input shape must be `(N, C, H, W)`!')

    def forward(self, input):
        _check_q(input, 'quantized::batch_norm2d' if self._NDIM == 4 else
                 'quantized::batch_norm3d')
        if input.dim() != self._NDIM:
            raise RuntimeError(f'Expecting the input tensor of rank {self._NDIM}.')
        return quantized_batch_norm(input, self.weight, self.bias, self.running_mean,
                                    self.running_var, self.eps, _scalar(self.scale, float),
                                    _scalar(self.zero_point, int), self._RELU)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """A quantized batch norm with the float module's statistics and the output qparams of
        its observer (a ``BNReLU`` container gives the ReLU-fused module)."""
        from ..intrinsic import _FusedModule
        act = mod.activation_post_process
        if isinstance(mod, _FusedModule):
            mod = mod[0]
        scale, zero_point = act.calculate_qparams()
        new = cls(mod.num_features, mod.eps)
        new.weight = mod.weight
        new.bias = mod.bias
        new.running_mean = mod.running_mean
        new.running_var = mod.running_var
        new.scale = scale
        new.zero_point = zero_point
        return new


class BatchNorm2d(_BatchNorm):
    """Quantized BatchNorm2d (eval statistics), quint8 NCHW in and out."""

    def _get_name(self):
        return 'QuantizedBatchNorm2d'


class BatchNorm3d(_BatchNorm):
    """Quantized BatchNorm3d (eval statistics), quint8 NCDHW in and out."""
    _NDIM = 5

    def _check_input_dim(self, input):
        if len(input.shape) != 5:
            raise ValueError('Input shape must be `(N, C, H, W)`!')

    def _get_name(self):
        return 'QuantizedBatchNorm3d'


# -------------------------------------------------------------------- other norms

class LayerNorm(_fm.LayerNorm):
    """Quantized LayerNorm: normalise the dequantized input, requantize to (scale, zero_point)."""

    def __init__(self, normalized_shape, weight, bias, scale, zero_point, eps=1e-5,
                 elementwise_affine=True, device=None, dtype=None):
        super().__init__(normalized_shape, eps=eps, elementwise_affine=elementwise_affine)
        self.weight = weight
        self.bias = bias
        _register_qparams(self, float(scale), int(zero_point))

    def _get_name(self):
        return 'QuantizedLayerNorm'

    def forward(self, input):
        _check_q(input, 'quantized::layer_norm')
        E = _E()
        y = E.nn.functional.layer_norm(input.dequantize(), self.normalized_shape,
                                       self.weight, self.bias, self.eps)
        return _quant_out(y.detach()._data, _scalar(self.scale, float),
                          _scalar(self.zero_point, int), input._qdtype)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        s, z = _act_qparams(mod)
        return cls(mod.normalized_shape, mod.weight, mod.bias, s, z, mod.eps,
                   mod.elementwise_affine)


class GroupNorm(_fm.GroupNorm):
    """Quantized GroupNorm (dequantize, group norm, requantize)."""
    __constants__ = ['num_groups', 'num_channels', 'eps', 'affine']

    def __init__(self, num_groups, num_channels, weight, bias, scale, zero_point, eps=1e-5,
                 affine=True, device=None, dtype=None):
        super().__init__(num_groups, num_channels, eps, affine)
        self.weight = weight
        self.bias = bias
        _register_qparams(self, float(scale), int(zero_point))

    def _get_name(self):
        return 'QuantizedGroupNorm'

    def forward(self, input):
        _check_q(input, 'quantized::group_norm')
        E = _E()
        y = E.nn.functional.group_norm(input.dequantize(), self.num_groups, self.weight,
                                       self.bias, self.eps)
        return _quant_out(y.detach()._data, _scalar(self.scale, float),
                          _scalar(self.zero_point, int), input._qdtype)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        s, z = _act_qparams(mod)
        return cls(mod.num_groups, mod.num_channels, mod.weight, mod.bias, s, z, mod.eps,
                   mod.affine)


def _instance_norm(base, name, op):
    class _IN(base):
        def __init__(self, num_features, weight, bias, scale, zero_point, eps=1e-5,
                     momentum=0.1, affine=False, track_running_stats=False, device=None,
                     dtype=None):
            base.__init__(self, num_features, eps, momentum, affine, track_running_stats)
            self.weight = weight
            self.bias = bias
            _register_qparams(self, float(scale), int(zero_point))

        def _get_name(self):
            return 'Quantized' + name

        def forward(self, input):
            _check_q(input, op)
            E = _E()
            y = E.nn.functional.instance_norm(input.dequantize(), None, None, self.weight,
                                              self.bias, True, 0.0, self.eps)
            return _quant_out(y.detach()._data, _scalar(self.scale, float),
                              _scalar(self.zero_point, int), input._qdtype)

        @classmethod
        def from_float(cls, mod, use_precomputed_fake_quant=False):
            s, z = _act_qparams(mod)
            return cls(mod.num_features, mod.weight, mod.bias, s, z, mod.eps, mod.affine)
    _IN.__name__ = _IN.__qualname__ = name
    _IN.__doc__ = f'Quantized {name} (dequantize, instance norm, requantize).'
    return _IN


InstanceNorm1d = _instance_norm(_fm.InstanceNorm1d, 'InstanceNorm1d', 'quantized::instance_norm')
InstanceNorm2d = _instance_norm(_fm.InstanceNorm2d, 'InstanceNorm2d', 'quantized::instance_norm')
InstanceNorm3d = _instance_norm(_fm.InstanceNorm3d, 'InstanceNorm3d', 'quantized::instance_norm')


# ------------------------------------------------------------------------ activations

class Dropout(_fm.Dropout):
    """Quantized Dropout: the identity (quantized models run in eval mode)."""

    def forward(self, input):
        return input

    def _get_name(self):
        return 'QuantizedDropout'

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        return cls(mod.p, mod.inplace)


class ELU(_fm.ELU):
    """Quantized ELU: ``elu(dequantize(x))`` requantized to (scale, zero_point)."""

    def __init__(self, scale, zero_point, alpha=1.0):
        super().__init__(alpha)
        self.scale = scale
        self.zero_point = zero_point

    def forward(self, input):
        if not isinstance(input, Q.QTensor):
            raise ValueError("Input to 'quantized.elu' must be quantized!")
        E = _E()
        y = E.nn.functional.elu(input.dequantize(), self.alpha)
        return _quant_out(y._data, self.scale, self.zero_point, input._qdtype)

    def _get_name(self):
        return 'QuantizedELU'

    @staticmethod
    def from_float(mod, use_precomputed_fake_quant=False):
        s, z = _act_qparams(mod)
        return ELU(s, z, mod.alpha)


class Hardswish(_fm.Hardswish):
    """Quantized Hardswish: ``x * relu6(x + 3) / 6`` on the dequantized input, requantized."""

    def __init__(self, scale, zero_point, device=None, dtype=None):
        super().__init__()
        _register_qparams(self, float(scale), int(zero_point))

    def forward(self, input):
        _check_q(input, 'quantized::hardswish')
        E = _E()
        y = E.nn.functional.hardswish(input.dequantize())
        return _quant_out(y._data, _scalar(self.scale, float), _scalar(self.zero_point, int),
                          input._qdtype)

    def _get_name(self):
        return 'QuantizedHardswish'

    @staticmethod
    def from_float(mod, use_precomputed_fake_quant=False):
        s, z = _act_qparams(mod)
        return Hardswish(s, z)


class LeakyReLU(_fm.LeakyReLU):
    """Quantized LeakyReLU, requantized to (scale, zero_point)."""

    def __init__(self, scale, zero_point, negative_slope=1e-2, inplace=False, device=None,
                 dtype=None):
        super().__init__(negative_slope, inplace)
        _register_qparams(self, float(scale), int(zero_point))

    def forward(self, input):
        _check_q(input, 'quantized::leaky_relu')
        E = _E()
        y = E.nn.functional.leaky_relu(input.dequantize(), self.negative_slope)
        return _quant_out(y._data, _scalar(self.scale, float), _scalar(self.zero_point, int),
                          input._qdtype)

    def _get_name(self):
        return 'QuantizedLeakyReLU'

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        s, z = _act_qparams(mod)
        return cls(s, z, mod.negative_slope, mod.inplace)


class Sigmoid(_fm.Sigmoid):
    """Quantized Sigmoid with fixed output qparams."""

    def __init__(self, output_scale, output_zero_point):
        super().__init__()
        self.output_scale = output_scale
        self.output_zero_point = output_zero_point

    def forward(self, input):
        _check_q(input, 'quantized::sigmoid')
        y = _E().sigmoid(input.dequantize())
        return _quant_out(y._data, self.output_scale, self.output_zero_point, input._qdtype)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        s, z = _act_qparams(mod)
        return cls(s, z)


# ------------------------------------------------------------------------- embeddings

def _empty_float_qparams_weight(n, d, dtype):
    E = _E()
    return Q._make_q(np.zeros((n, d), np.uint8), dtype, Q.per_channel_affine_float_qparams,
                     E.ones(n), E.zeros(n), 0)


class EmbeddingPackedParams(Module):
    """The quantized embedding table (state_dict: ``dtype``, ``_packed_weight``)."""
    _version = 1

    def __init__(self, num_embeddings, embedding_dim, dtype=Q.quint8):
        super().__init__()
        self.dtype = dtype
        if dtype not in (Q.quint8, Q.quint4x2):
            raise NotImplementedError('Unsupported dtype on quantized embedding! Supports quint8 '
                                      f'and quint4x2. Got dtype: {dtype}')
        self.set_weight(_empty_float_qparams_weight(num_embeddings, embedding_dim, dtype))

    def set_weight(self, weight):
        if self.dtype not in (Q.quint8, Q.quint4x2):
            raise NotImplementedError('Unsupported dtype for quantized embedding prepack! '
                                      'Supports quint8 and quint4x2.')
        self._packed_weight = weight
        d = weight._data
        xp = _xp(d)
        if weight._qscheme is Q.per_channel_affine_float_qparams:
            s = weight._scale._data.astype(xp.float32)
            z = weight._zp._data.astype(xp.float32)
        else:
            s = weight._scale._data.astype(xp.float32)
            z = weight._zp._data.astype(xp.float32)
        # fbgemm's row-wise (scale, bias) with bias = -zero_point * scale
        self._rows = d
        self._row_scale = s
        self._row_bias = (z * s) * xp.float32(-1)

    def _weight(self):
        return self._packed_weight

    def forward(self, x):
        return x

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'dtype'] = self.dtype
        destination[prefix + '_packed_weight'] = self._weight()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        self.dtype = state_dict.pop(prefix + 'dtype')
        self.set_weight(state_dict.pop(prefix + '_packed_weight'))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs, assign)

    def __repr__(self):
        return repr(self._weight())

    def _lookup(self, idx, weights=None):
        """Dequantized rows ``scale * q + bias`` (one rounding, as fbgemm's fma) for ``idx``;
        with per-sample ``weights`` both scale and bias are scaled first."""
        xp = _xp(self._rows)
        s = self._row_scale[idx]
        b = self._row_bias[idx]
        if weights is not None:
            s = s * weights
            b = b * weights
        out = self._rows[idx].astype(xp.float64) * s[..., None].astype(xp.float64)
        out += b[..., None]
        return out.astype(xp.float32)


def _check_float_qparams_observer(obs, what):
    if obs.qscheme is not Q.per_channel_affine_float_qparams:
        raise AssertionError(f'{what} quantization is only supported with '
                             'float_qparams_weight_only_qconfig.')
    if obs.dtype not in (Q.quint8, Q.quint4x2):
        raise AssertionError(f'The only supported dtype for nnq.{what} is torch.quint8 and '
                             f'torch.quint4x2, got {obs.dtype}')


def _weight_observer(mod, float_cls, name):
    if hasattr(mod, 'weight_fake_quant'):
        return mod.weight_fake_quant
    if type(mod) is not float_cls:
        raise AssertionError(f'nnq.{name}.from_float only works for {float_cls.__name__}')
    if not hasattr(mod, 'qconfig'):
        raise AssertionError(f'{name} input float module must have qconfig defined')
    from ....quantization.qconfig import float_qparams_weight_only_qconfig
    if mod.qconfig is not None and mod.qconfig.weight is not None:
        return mod.qconfig.weight()
    return float_qparams_weight_only_qconfig.weight()


def _quantize_float_qparams(w, obs):
    obs(w)
    s, z = obs.calculate_qparams()
    return Q.quantize_per_channel(w.detach().float(), s, z, 0, obs.dtype)


class Embedding(Module):
    """Quantized Embedding: quint8 rows with per-row float scale/zero_point; returns float32
    ``(q - zero_point) * scale`` rows (``torch.ao.nn.quantized.Embedding``)."""
    _version = 1

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 dtype=Q.quint8):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.dtype = dtype
        if _weight is None:
            qweight = _empty_float_qparams_weight(num_embeddings, embedding_dim, Q.quint8)
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError('Shape of weight does not match num_embeddings and '
                                     f'embedding_dim: expected {[num_embeddings, embedding_dim]}'
                                     f', got {list(_weight.shape)}')
            qweight = _weight
        self._packed_params = EmbeddingPackedParams(num_embeddings, embedding_dim, dtype)
        self._packed_params.set_weight(qweight)

    def forward(self, indices):
        idx = indices.detach()._data
        if idx.dtype.kind not in 'iu':
            raise RuntimeError('Expect 32 or 64 bit indices, but found '
                               f'{Q._typename(indices.dtype)} instead.')
        return _wrap(self._packed_params._lookup(idx))

    def _get_name(self):
        return 'QuantizedEmbedding'

    def __repr__(self):
        return self._get_name() + '(' + self.extra_repr() + ')'

    def extra_repr(self):
        return (f'num_embeddings={self.num_embeddings}, embedding_dim={self.embedding_dim}, '
                f'dtype={self._packed_params.dtype}, qscheme={self.weight().qscheme()}')

    def set_weight(self, w):
        self._packed_params.set_weight(w)

    def weight(self):
        return self._packed_params._weight()

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """Quantize a float Embedding's table row-wise with ``float_qparams_weight_only_qconfig``
        (quint8, per-row float scale and zero point)."""
        from ....nn import Embedding as _FE
        obs = _weight_observer(mod, _FE, 'Embedding')
        _check_float_qparams_observer(obs, 'Embedding')
        q = Embedding(mod.num_embeddings, mod.embedding_dim)
        q.set_weight(_quantize_float_qparams(mod.weight, obs))
        return q


class EmbeddingBag(Embedding):
    """Quantized EmbeddingBag: sums of dequantized rows per bag (PyTorch's quantized module
    always passes mode 0, i.e. sum, to its kernel, whatever ``mode`` says)."""
    _version = 1

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode='sum', sparse=False, _weight=None,
                 include_last_offset=False, dtype=Q.quint8):
        super().__init__(num_embeddings, embedding_dim, _weight=_weight, dtype=dtype)
        self.mode = mode
        self.pruned_weights = False
        self.include_last_offset = include_last_offset
        self.dtype = dtype

    def _get_name(self):
        return 'QuantizedEmbeddingBag'

    def forward(self, indices, offsets=None, per_sample_weights=None,
                compressed_indices_mapping=None):
        idx = indices.detach()._data
        xp = _xp(idx)
        w = None if per_sample_weights is None else \
            per_sample_weights.detach()._data.astype(xp.float32)
        if idx.ndim == 2:
            if offsets is not None:
                raise ValueError('offsets has to be None if input is 2D')
            # PyTorch's kernel: offsets arange(0, B*L, L), then the 1-D path
            off = xp.arange(0, idx.size, idx.shape[1], dtype=xp.int64)
            idx = idx.reshape(-1)
            w = None if w is None else w.reshape(-1)
        elif offsets is None:
            raise RuntimeError('embedding_bag_byte expects offsets to be set for 1D indices.')
        else:
            off = offsets.detach()._data.astype(xp.int64)
        n = idx.shape[0]
        if self.include_last_offset:
            starts, ends = off[:-1], off[1:]
        else:
            starts = off
            ends = xp.concatenate([off[1:], xp.asarray([n], dtype=xp.int64)])
        total = int(ends.max()) if ends.shape[0] else 0
        rows = self._packed_params._lookup(idx[:total], None if w is None else w[:total])
        n = total
        D = rows.shape[1]
        out = xp.zeros((starts.shape[0], D), dtype=xp.float32)
        nonempty = ends > starts
        if bool(nonempty.any()):
            seg = xp.add.reduceat(rows, starts[nonempty].clip(0, max(n - 1, 0)), axis=0)
            # reduceat sums to the next start; bags are contiguous, so the last one runs to n
            out[nonempty] = seg
        return _wrap(out)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """Quantize a float EmbeddingBag row-wise (``float_qparams_weight_only_qconfig``)."""
        from ....nn import EmbeddingBag as _FEB
        obs = _weight_observer(mod, _FEB, 'EmbeddingBag')
        _check_float_qparams_observer(obs, 'EmbeddingBag')
        q = EmbeddingBag(mod.num_embeddings, mod.embedding_dim, max_norm=mod.max_norm,
                         norm_type=mod.norm_type, scale_grad_by_freq=mod.scale_grad_by_freq,
                         mode=mod.mode, sparse=mod.sparse,
                         include_last_offset=mod.include_last_offset, dtype=obs.dtype)
        q.set_weight(_quantize_float_qparams(mod.weight, obs))
        return q
