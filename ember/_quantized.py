"""Quantized tensors: ``quint8``/``qint8``/``qint32`` dtypes, affine quantization schemes and
a Tensor subclass holding the integer array plus its quantization parameters.

Rounding and clamping follow PyTorch's CPU kernels (FBGEMM): ``q = clamp(rint(x * (1/scale)) +
zero_point, qmin, qmax)`` with ``1/scale`` in float32 and round-half-to-even; dequantization is
``(q - zero_point) * scale`` in float32.
"""
import numpy as np

from . import _dtype
from ._dtype import dtype as _DT
from ._tensor import Tensor, _init, _wrap

__all__ = ['quint8', 'qint8', 'qint32', 'quint4x2', 'qscheme', 'per_tensor_affine',
           'per_channel_affine', 'per_tensor_symmetric', 'per_channel_symmetric',
           'per_channel_affine_float_qparams', 'quantize_per_tensor', 'quantize_per_channel',
           'quantize_per_tensor_dynamic', 'dequantize', 'QTensor', 'fake_quantize_per_tensor_affine',
           'fake_quantize_per_channel_affine']

quint8 = _DT('quint8', np.dtype(np.uint8), _dtype._INT, 1, False)
qint8 = _DT('qint8', np.dtype(np.int8), _dtype._INT, 1, True)
qint32 = _DT('qint32', np.dtype(np.int32), _dtype._INT, 3, True)
quint4x2 = _DT('quint4x2', np.dtype(np.uint8), _dtype._INT, 1, False)
for _d in (quint8, qint8, qint32, quint4x2):
    setattr(_dtype, _d.name, _d)      # so dtype.__reduce__ (by name) round-trips

QRANGE = {'quint8': (0, 255), 'qint8': (-128, 127), 'qint32': (-2 ** 31, 2 ** 31 - 1),
          'quint4x2': (0, 15)}
_INT_DT = {'quint8': _dtype.uint8, 'qint8': _dtype.int8, 'qint32': _dtype.int32,
           'quint4x2': _dtype.uint8}


class qscheme:
    """A quantization scheme (``torch.qscheme``): ``torch.per_tensor_affine``..."""
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return 'torch.' + self.name

    def __reduce__(self):
        return (_qscheme_by_name, (self.name,))


def _qscheme_by_name(name):
    return globals()[name]


per_tensor_affine = qscheme('per_tensor_affine')
per_channel_affine = qscheme('per_channel_affine')
per_tensor_symmetric = qscheme('per_tensor_symmetric')
per_channel_symmetric = qscheme('per_channel_symmetric')
per_channel_affine_float_qparams = qscheme('per_channel_affine_float_qparams')


def _xp(a):
    from .backend import xp_of
    return xp_of(a)


class QTensor(Tensor):
    """A quantized tensor: ``_data`` is the integer representation (uint8/int8/int32), with
    ``scale``/``zero_point`` (per tensor) or ``scales``/``zero_points``/``axis`` (per channel).
    Shape and view methods keep the quantization; ``dequantize()`` gives float32."""

    def __init__(self, *a, **k):
        pass

    is_quantized = True

    @property
    def dtype(self):
        return self._qdtype

    def is_floating_point(self):
        return False

    def requires_grad_(self, requires_grad=True):
        if requires_grad:
            raise RuntimeError('only Tensors of floating point dtype can require gradients')
        return self

    # ---------------------------------------------------------------- quantization info
    def qscheme(self):
        """``torch.per_tensor_affine`` or ``torch.per_channel_affine``."""
        return self._qscheme

    def q_scale(self):
        if self._qscheme is not per_tensor_affine:
            raise RuntimeError('Expected quantizer->qscheme() == kPerTensorAffine to be true, '
                               'but got false.')
        return self._scale

    def q_zero_point(self):
        if self._qscheme is not per_tensor_affine:
            raise RuntimeError('Expected quantizer->qscheme() == kPerTensorAffine to be true, '
                               'but got false.')
        return self._zp

    def _need_pc(self):
        if self._qscheme is per_tensor_affine:
            raise RuntimeError('Expected quantizer->qscheme() == kPerChannelAffine || '
                               'quantizer->qscheme() == kPerChannelAffineFloatQParams to be '
                               'true, but got false.')

    def q_per_channel_scales(self):
        self._need_pc()
        return self._scale.clone()

    def q_per_channel_zero_points(self):
        self._need_pc()
        return self._zp.clone()

    def q_per_channel_axis(self):
        self._need_pc()
        return self._axis

    def int_repr(self):
        """The integer values as a uint8/int8/int32 tensor (a copy)."""
        return _wrap(self._data.copy())

    def dequantize(self):
        """The float32 values ``(q - zero_point) * scale``."""
        d = self._data
        xp = _xp(d)
        if self._qscheme is per_tensor_affine:
            return _wrap((d.astype(xp.float32) - xp.float32(self._zp)) * xp.float32(self._scale))
        shape = [1] * d.ndim
        shape[self._axis] = -1
        if self._qscheme is per_channel_affine_float_qparams:
            return _wrap((d.astype(xp.float32) - self._zp._data.reshape(shape)) *
                         self._scale._data.reshape(shape))
        s = self._scale._data.astype(xp.float64).reshape(shape)   # double scales, as torch
        z = self._zp._data.astype(xp.float64).reshape(shape)
        return _wrap(((d.astype(xp.float64) - z) * s).astype(xp.float32))

    def _like(self, arr):
        return _make_q(arr, self._qdtype, self._qscheme, self._scale, self._zp, self._axis)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr, _add_suffixes, PRINT_OPTS
        body = tensor_repr(self.dequantize())
        body = body[:-1] if body.endswith(')') else body
        # drop the float tensor's own suffixes: they are never printed for float32
        suffixes = ['size=' + str(tuple(self._data.shape)), 'dtype=' + str(self._qdtype),
                    'quantization_scheme=' + str(self._qscheme)]
        if self._qscheme is per_tensor_affine:
            suffixes += [f'scale={self._scale}', f'zero_point={self._zp}']
        else:
            suffixes += ['scale=' + repr(self._scale), 'zero_point=' + repr(self._zp),
                         f'axis={self._axis}']
        del PRINT_OPTS
        return _add_suffixes(body, suffixes, len('tensor('))

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild_q, (self._data, self._qdtype.name, self._qscheme.name, self._scale,
                             self._zp, self._axis))

    def __deepcopy__(self, memo):
        return self._like(self._data.copy())

    def clone(self, *a, **k):
        return self._like(self._data.copy())

    def detach(self):
        return self._like(self._data)

    def contiguous(self, *a, **k):
        xp = _xp(self._data)
        return self._like(xp.ascontiguousarray(self._data))

    def numpy(self, *a, **k):
        raise TypeError("Got unsupported ScalarType " + self._qdtype.name.capitalize())

    def to(self, *args, **kwargs):
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, _DT) and a is not self._qdtype:
                raise RuntimeError('Cannot convert a quantized tensor to another dtype; use '
                                   'dequantize()')
        return self

    def cpu(self):
        return self


def _shape_method(name):
    base = getattr(Tensor, name)

    def method(self, *args, **kwargs):
        r = base(_wrap(self._data), *args, **kwargs)
        if self._qscheme is not per_tensor_affine and not (
                isinstance(r, Tensor) and r._data.shape == self._data.shape):
            raise NotImplementedError(f'ember: {name} on per-channel quantized tensors')
        if isinstance(r, Tensor):
            return self._like(r._data)
        if isinstance(r, (tuple, list)):
            return type(r)(self._like(x._data) if isinstance(x, Tensor) else x for x in r)
        return r
    method.__name__ = name
    return method


for _n in ('view', 'reshape', 'flatten', 'unflatten', 'transpose', 'permute', 'squeeze',
           'unsqueeze', '__getitem__', 't', 'expand', 'view_as', 'reshape_as', 'chunk', 'split',
           'unbind', 'narrow', 'select', 'repeat', 'flip'):
    if hasattr(Tensor, _n):
        setattr(QTensor, _n, _shape_method(_n))


def _make_q(arr, qdtype, scheme, scale, zp, axis=None):
    t = object.__new__(QTensor)
    _init(t, arr)
    t._qdtype = qdtype
    t._qscheme = scheme
    t._scale = scale
    t._zp = zp
    t._axis = axis
    return t


def _rebuild_q(arr, qname, scheme, scale, zp, axis):
    return _make_q(arr, globals()[qname], globals()[scheme], scale, zp, axis)


def _check_qdtype(dtype):
    if not isinstance(dtype, _DT) or dtype.name not in QRANGE:
        raise RuntimeError(f'ScalarType {_typename(dtype)} is not supported in new_qtensor.')


def _quantize_array(xp, x, inv_scale, zp, qdtype, fused=True):
    """``clamp(rint(fma(x, inv_scale, zp)))``: PyTorch's vectorised kernel fuses the multiply-add
    (one float32 rounding), reproduced exactly by computing it in float64."""
    lo, hi = QRANGE[qdtype.name]
    if not fused:   # the per-channel kernel: rint(float32(x * inv_scale) + zp), unfused
        v = x * inv_scale
        v += zp
        v = xp.rint(v)
        xp.clip(v, lo, hi, out=v)
        return v.astype(_INT_DT[qdtype.name].np)
    v = x.astype(xp.float64) * xp.asarray(inv_scale, dtype=xp.float64)
    v += xp.asarray(zp, dtype=xp.float64)
    v = xp.rint(v.astype(xp.float32))
    xp.clip(v, lo, hi, out=v)
    return v.astype(_INT_DT[qdtype.name].np)


def _float_input(input, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f'{fname}(): argument \'input\' (position 1) must be Tensor, not '
                        f'{type(input).__name__}')
    if input.is_quantized:
        raise RuntimeError('Quantize only works on Float Tensor, got ' + str(input.dtype)
                           .replace('torch.', '').capitalize())
    if not input.is_floating_point():
        raise RuntimeError(f'Quantize only works on Float Tensor, got {_typename(input.dtype)}')
    return input.detach()._data


def _typename(dt):
    return {'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
            'bool': 'Bool', 'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}.get(
                getattr(dt, 'name', str(dt)), getattr(dt, 'name', str(dt)))


def quantize_per_tensor(input, scale, zero_point, dtype):
    """Quantize a float tensor with one ``scale``/``zero_point``:
    ``clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`` (``torch.quantize_per_tensor``).

    Args:
        input: a float tensor (or a list of them).
        scale (float or Tensor), zero_point (int or Tensor): quantization parameters.
        dtype: ``quint8``, ``qint8`` or ``qint32``.
    """
    if isinstance(input, (list, tuple)):
        return [quantize_per_tensor(x, s, z, dtype) for x, s, z in
                zip(input, scale._data.tolist() if isinstance(scale, Tensor) else scale,
                    zero_point._data.tolist() if isinstance(zero_point, Tensor) else zero_point)]
    _check_qdtype(dtype)
    x = _float_input(input, 'quantize_per_tensor')
    scale = float(scale.item() if isinstance(scale, Tensor) else scale)
    zero_point = int(zero_point.item() if isinstance(zero_point, Tensor) else zero_point)
    lo, hi = QRANGE[dtype.name]
    if zero_point > hi:
        raise RuntimeError(f'quantize_tensor_per_tensor_affine zero_point {zero_point} is above '
                           'upper bound.')
    if zero_point < lo:
        raise RuntimeError(f'quantize_tensor_per_tensor_affine zero_point {zero_point} is below '
                           'lower bound.')
    xp = _xp(x)
    inv = xp.float32(1.0) / xp.float32(scale)
    q = _quantize_array(xp, x.astype(xp.float32, copy=False), inv, xp.float32(zero_point), dtype)
    return _make_q(q, dtype, per_tensor_affine, scale, zero_point)


def quantize_per_channel(input, scales, zero_points, axis, dtype):
    """Quantize a float tensor with per-slice ``scales``/``zero_points`` along ``axis``
    (``torch.quantize_per_channel``)."""
    _check_qdtype(dtype)
    x = _float_input(input, 'quantize_per_channel')
    if not isinstance(scales, Tensor) or not isinstance(zero_points, Tensor):
        raise TypeError('quantize_per_channel(): scales and zero_points must be Tensors')
    if not 0 <= axis < x.ndim:
        raise RuntimeError(f'Channel axis out of range in per channel affine quantization. Got: '
                           f'{axis}Expected: < {x.ndim}')
    n = x.shape[axis]
    if scales.numel() != n:
        raise RuntimeError(f'length of scales must equal to channel, expected {n} got, '
                           f'{scales.numel()}')
    if zero_points.numel() != n:
        raise RuntimeError(f'length of zero_points must equal to channel expected {n} got, '
                           f'{zero_points.numel()}')
    xp = _xp(x)
    shape = [1] * x.ndim
    shape[axis] = n
    if zero_points.is_floating_point():
        # float zero points: per_channel_affine_float_qparams (embedding weights)
        s = scales.detach()._data.astype(xp.float32)
        z = zero_points.detach()._data.astype(xp.float32)
        inv = xp.where(s == 0, xp.float32(1), xp.float32(1.0) / s).astype(xp.float32)
        q = _quantize_array(xp, x.astype(xp.float32, copy=False), inv.reshape(shape),
                            z.reshape(shape), dtype, fused=False)
        return _make_q(q, dtype, per_channel_affine_float_qparams, _wrap(s), _wrap(z), axis)
    s = scales.detach()._data.astype(xp.float64)
    z = zero_points.detach()._data.astype(xp.int64)
    inv = (xp.float32(1.0) / s.astype(xp.float32)).reshape(shape)
    q = _quantize_array(xp, x.astype(xp.float32, copy=False), inv,
                        z.astype(xp.float32).reshape(shape), dtype, fused=False)
    return _make_q(q, dtype, per_channel_affine, _wrap(s), _wrap(z), axis)


def quantize_per_tensor_dynamic(input, dtype, reduce_range):
    """Quantize with a scale/zero_point chosen from the tensor's min/max
    (``torch.quantize_per_tensor_dynamic``)."""
    x = _float_input(input, 'quantize_per_tensor_dynamic')
    lo, hi = QRANGE[dtype.name]
    if reduce_range:
        lo, hi = (lo // 2, hi // 2) if dtype is qint8 else (0, 127)
    mn = float(min(float(x.min()), 0.0)) if x.size else 0.0
    mx = float(max(float(x.max()), 0.0)) if x.size else 0.0
    scale, zp = choose_qparams(mn, mx, lo, hi)
    return quantize_per_tensor(input, scale, zp, dtype)


def choose_qparams(mn, mx, qmin, qmax, preserve_sparsity=False, force_scale_power_of_two=False,
                   reduce_range=False):
    """fbgemm's ChooseQuantizationParams: (scale, zero_point) mapping [min, max] (widened to
    contain 0) onto [qmin, qmax]."""
    mn = min(mn, 0.0)
    mx = max(mx, 0.0)
    mn32, mx32 = np.float32(mn), np.float32(mx)
    scale = (float(mx32) - float(mn32)) / (qmax - qmin)
    scale = float(np.float32(scale))
    if scale == 0.0 or np.isinf(1.0 / np.float32(scale)):
        scale = 0.1
    if mx == mn:
        scale = 0.1 if scale == 0 else scale
    zp_from_min = qmin - mn / scale
    zp_from_max = qmax - mx / scale
    err_min = abs(qmin) - abs(mn / scale)
    err_max = abs(qmax) - abs(mx / scale)
    initial_zp = zp_from_min if err_min < err_max else zp_from_max
    if initial_zp < qmin:
        nudged = qmin
    elif initial_zp > qmax:
        nudged = qmax
    else:
        nudged = int(np.rint(initial_zp))
    return scale, int(nudged)


def dequantize(tensor):
    """``tensor.dequantize()``; a list of tensors gives a list."""
    if isinstance(tensor, (list, tuple)):
        return [dequantize(t) for t in tensor]
    return tensor.dequantize()


def _tensor_dequantize(self):
    """A non-quantized tensor dequantizes to itself (as in PyTorch)."""
    return self


Tensor.dequantize = _tensor_dequantize


def fake_quantize_per_tensor_affine(input, scale, zero_point, quant_min, quant_max):
    """``dequantize(quantize(x))`` with the integer range [quant_min, quant_max] and a
    straight-through gradient inside the range (``torch.fake_quantize_per_tensor_affine``)."""
    from .quantization._fake import fake_quant_per_tensor
    return fake_quant_per_tensor(input, scale, zero_point, quant_min, quant_max)


def fake_quantize_per_channel_affine(input, scale, zero_point, axis, quant_min, quant_max):
    """Per-channel fake quantization along ``axis`` (``torch.fake_quantize_per_channel_affine``)."""
    from .quantization._fake import fake_quant_per_channel
    return fake_quant_per_channel(input, scale, zero_point, axis, quant_min, quant_max)
