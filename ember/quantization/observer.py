"""Observers (``torch.ao.quantization.observer``): modules that record statistics of the
tensors passing through them and turn them into ``(scale, zero_point)``, with PyTorch's
formulas (float32 arithmetic, ``eps`` floor on the scale, reduce_range for fbgemm)."""
import functools
import warnings

import numpy as np

from .. import _quantized as Q
from ..nn.module import Module
from .._tensor import _wrap

__all__ = ['ObserverBase', 'UniformQuantizationObserverBase', 'MinMaxObserver',
           'MovingAverageMinMaxObserver', 'PerChannelMinMaxObserver',
           'MovingAveragePerChannelMinMaxObserver', 'HistogramObserver', 'PlaceholderObserver',
           'NoopObserver', 'RecordingObserver', 'default_observer', 'default_weight_observer',
           'default_per_channel_weight_observer', 'default_histogram_observer',
           'default_dynamic_quant_observer', 'default_placeholder_observer',
           'default_float_qparams_observer', 'default_debug_observer',
           'weight_observer_range_neg_127_to_127', 'per_channel_weight_observer_range_neg_127_to_127',
           'calculate_qmin_qmax', 'get_observer_state_dict', 'load_observer_state_dict']

_EPS = float(np.finfo(np.float32).eps)


class _PartialWrapper:
    """``Observer.with_args(...)``: a factory remembering constructor arguments."""

    def __init__(self, p):
        self.p = p
        self.callable_args = {}

    def __call__(self, *args, **keywords):
        for k, v in self.callable_args.items():
            if k not in keywords:
                keywords[k] = v()
        return self.p(*args, **keywords)

    def __repr__(self):
        return self.p.__repr__() + self.callable_args.__repr__()

    def with_args(self, **kwargs):
        return _with_args(self, **kwargs)


def _with_args(cls_or_self, **kwargs):
    r = _PartialWrapper(functools.partial(cls_or_self, **kwargs))
    return r


def calculate_qmin_qmax(quant_min, quant_max, has_customized_qrange, dtype, reduce_range):
    """The integer range of ``dtype`` (halved by ``reduce_range``) or the custom one."""
    if has_customized_qrange:
        if dtype is Q.qint32:
            initial_min, initial_max = 0, 2 ** 32 - 1
        else:
            initial_min, initial_max = 0, 255
        custom_min, custom_max = quant_min, quant_max
        if custom_min is not None and custom_max is not None:
            initial_min, initial_max = custom_min, custom_max
        qrange_len = initial_max - initial_min + 1
        if dtype in (Q.qint8, ) or getattr(dtype, 'name', '') == 'int8':
            if not 0 < qrange_len <= 256:
                raise AssertionError('quantization range should be positive and not exceed the '
                                     'maximum bit range (=256).')
        if reduce_range:
            quant_min, quant_max = quant_min // 2, quant_max // 2
        return quant_min, quant_max
    if dtype is Q.qint8 or getattr(dtype, 'name', '') == 'int8':
        return (-64, 63) if reduce_range else (-128, 127)
    if dtype is Q.quint8 or getattr(dtype, 'name', '') == 'uint8':
        return (0, 127) if reduce_range else (0, 255)
    if dtype is Q.qint32 or getattr(dtype, 'name', '') == 'int32':
        return -2 ** 31, 2 ** 31 - 1
    return 0, 15


def _E():
    import ember
    return ember


class ObserverBase(Module):
    """Base observer: ``forward(x)`` records and returns ``x``; ``calculate_qparams()``."""

    def __init__(self, dtype, is_dynamic=False):
        super().__init__()
        self.dtype = dtype
        self.is_dynamic = is_dynamic

    with_args = classmethod(_with_args)


class UniformQuantizationObserverBase(ObserverBase):
    """Shared qparams math for affine/symmetric, per-tensor/per-channel observers."""
    _version = 3

    def __init__(self, dtype=Q.quint8, qscheme=Q.per_tensor_affine, reduce_range=False,
                 quant_min=None, quant_max=None, factory_kwargs=None, eps=_EPS,
                 is_dynamic=False, **kwargs):
        super().__init__(dtype=dtype, is_dynamic=is_dynamic)
        self.qscheme = qscheme
        if reduce_range:
            warnings.warn('Please use quant_min and quant_max to specify the range for '
                          'observers. reduce_range will be deprecated in a future release of '
                          'PyTorch.', stacklevel=2)
        self.reduce_range = reduce_range
        self.register_buffer('eps', _E().tensor([eps]))
        if qscheme not in (Q.per_tensor_affine, Q.per_tensor_symmetric, Q.per_channel_affine,
                           Q.per_channel_symmetric, Q.per_channel_affine_float_qparams):
            raise AssertionError('Default Observer only works for per_tensor_affine, '
                                 'per_tensor_symmetric, per_channel_affine, '
                                 'per_channel_symmetric and per_channel_float_qparams '
                                 'quantization scheme')
        self.has_customized_qrange = quant_min is not None and quant_max is not None
        if self.has_customized_qrange and not quant_min <= 0 <= quant_max:
            raise AssertionError('Used-specified quantization range must include 0.')
        self.quant_min, self.quant_max = calculate_qmin_qmax(
            quant_min, quant_max, self.has_customized_qrange, self.dtype, self.reduce_range)

    def _calculate_qparams(self, min_val, max_val):
        """scale and zero_point tensors (float32 / int64, shape [1] for per tensor)."""
        mn = np.asarray(_np(min_val), dtype=np.float32)
        mx = np.asarray(_np(max_val), dtype=np.float32)
        qmin, qmax = self.quant_min, self.quant_max
        mn_neg = np.minimum(mn, np.float32(0))
        mx_pos = np.maximum(mx, np.float32(0))
        eps = np.float32(_np(self.eps)[0])
        zp = np.zeros(mn.shape, dtype=np.int64)
        if self.qscheme in (Q.per_tensor_symmetric, Q.per_channel_symmetric):
            mx_pos = np.maximum(-mn_neg, mx_pos)
            scale = (mx_pos / np.float32((qmax - qmin) / 2)).astype(np.float32)
            scale = np.maximum(scale, eps)
            if self.dtype is Q.quint8:
                zp[...] = (qmin + qmax) // 2 if self.has_customized_qrange else 128
        elif self.qscheme is Q.per_channel_affine_float_qparams:
            scale = ((mx - mn) / np.float32(qmax - qmin)).astype(np.float32)
            scale = np.where(scale > eps, scale, np.float32(1.0))
            zp = (-1 * mn / scale).astype(np.float32)
        else:
            scale = ((mx_pos - mn_neg) / np.float32(qmax - qmin)).astype(np.float32)
            scale = np.maximum(scale, eps)
            zp = qmin - np.rint(mn_neg / scale).astype(np.int32)
            zp = np.clip(zp, qmin, qmax).astype(np.int32)   # PyTorch: .to(torch.int)
        if scale.ndim == 0:
            scale = scale.reshape(1)
            zp = np.asarray(zp).reshape(1)
        E = _E()
        return E.tensor(scale, dtype=E.float32), E.tensor(zp)

    def reset_min_max_vals(self):
        raise NotImplementedError('Cannot reset min/max values in the given observer.')


def _np(t):
    from .._tensor import Tensor
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def _min_max(x):
    d = x.detach()._data
    xp = np if type(d) is np.ndarray else __import__('cupy')
    return xp.min(d), xp.max(d)


class MinMaxObserver(UniformQuantizationObserverBase):
    """Tracks the running min and max of its inputs."""

    def __init__(self, dtype=Q.quint8, qscheme=Q.per_tensor_affine, reduce_range=False,
                 quant_min=None, quant_max=None, factory_kwargs=None, eps=_EPS,
                 is_dynamic=False, **kwargs):
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range,
                         quant_min=quant_min, quant_max=quant_max, factory_kwargs=factory_kwargs,
                         eps=eps, is_dynamic=is_dynamic, **kwargs)
        E = _E()
        self.register_buffer('min_val', E.tensor(float('inf')))
        self.register_buffer('max_val', E.tensor(float('-inf')))
        if self.qscheme is Q.per_tensor_symmetric and self.reduce_range and \
                self.dtype is Q.quint8:
            raise NotImplementedError('Cannot reduce range for symmetric quantization for '
                                      'quint8')

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        mn, mx = _min_max(x_orig.float() if x_orig.dtype != self.min_val.dtype else x_orig)
        self.min_val._data[...] = min(float(mn), float(self.min_val._data))
        self.max_val._data[...] = max(float(mx), float(self.max_val._data))
        return x_orig

    def calculate_qparams(self):
        return self._calculate_qparams(self.min_val, self.max_val)

    def extra_repr(self):
        return f'min_val={self.min_val}, max_val={self.max_val}'

    def reset_min_max_vals(self):
        self.min_val._data[...] = np.inf
        self.max_val._data[...] = -np.inf


class MovingAverageMinMaxObserver(MinMaxObserver):
    """Exponential moving average of the per-batch min and max."""

    def __init__(self, averaging_constant=0.01, dtype=Q.quint8, qscheme=Q.per_tensor_affine,
                 reduce_range=False, quant_min=None, quant_max=None, eps=_EPS, is_dynamic=False,
                 **kwargs):
        self.averaging_constant = averaging_constant
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range,
                         quant_min=quant_min, quant_max=quant_max, eps=eps,
                         is_dynamic=is_dynamic, **kwargs)

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        mn, mx = _min_max(x_orig)
        mn, mx = np.float32(mn), np.float32(mx)
        cmin, cmax = np.float32(self.min_val._data), np.float32(self.max_val._data)
        if cmin == np.inf and cmax == -np.inf:
            nmin, nmax = mn, mx
        else:
            c = np.float32(self.averaging_constant)
            nmin = cmin + c * (mn - cmin)
            nmax = cmax + c * (mx - cmax)
        self.min_val._data[...] = nmin
        self.max_val._data[...] = nmax
        return x_orig


class PerChannelMinMaxObserver(UniformQuantizationObserverBase):
    """Running min/max per slice along ``ch_axis``."""

    def __init__(self, ch_axis=0, dtype=Q.quint8, qscheme=Q.per_channel_affine,
                 reduce_range=False, quant_min=None, quant_max=None, factory_kwargs=None,
                 eps=_EPS, is_dynamic=False, **kwargs):
        if qscheme not in (Q.per_channel_affine, Q.per_channel_symmetric,
                           Q.per_channel_affine_float_qparams):
            raise NotImplementedError('PerChannelObserver\'s qscheme only support '
                                      'torch.per_channel_symmetric, torch.per_channel_affine '
                                      'and torch.per_channel_affine_float_qparams.')
        if is_dynamic:
            raise NotImplementedError("MemoryLessObserver doesn't support dynamic quantization")
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range,
                         quant_min=quant_min, quant_max=quant_max, factory_kwargs=factory_kwargs,
                         eps=eps, is_dynamic=is_dynamic, **kwargs)
        self.ch_axis = ch_axis
        E = _E()
        self.register_buffer('min_val', E.tensor([]))
        self.register_buffer('max_val', E.tensor([]))

    def _reduce(self, x):
        d = x.detach()._data.astype(np.float32, copy=False)
        d = np.moveaxis(d, self.ch_axis, 0).reshape(d.shape[self.ch_axis], -1)
        return d.min(1), d.max(1)

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        mn, mx = self._reduce(x_orig)
        if self.min_val.numel() == 0 or self.max_val.numel() == 0:
            nmin, nmax = mn, mx
        else:
            nmin = np.minimum(mn, self.min_val._data)
            nmax = np.maximum(mx, self.max_val._data)
        self.min_val = _wrap(nmin.astype(np.float32))
        self.max_val = _wrap(nmax.astype(np.float32))
        return x_orig

    def calculate_qparams(self):
        return self._calculate_qparams(self.min_val, self.max_val)

    def extra_repr(self):
        return f'min_val={self.min_val}, max_val={self.max_val}'

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in ('min_val', 'max_val'):
            if prefix + name in state_dict:
                self._buffers[name] = state_dict[prefix + name].clone()
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def reset_min_max_vals(self):
        E = _E()
        self.min_val = E.tensor([])
        self.max_val = E.tensor([])


class MovingAveragePerChannelMinMaxObserver(PerChannelMinMaxObserver):
    """Per-channel exponential moving average of min and max."""

    def __init__(self, averaging_constant=0.01, ch_axis=0, dtype=Q.quint8,
                 qscheme=Q.per_channel_affine, reduce_range=False, quant_min=None,
                 quant_max=None, eps=_EPS, is_dynamic=False, **kwargs):
        super().__init__(ch_axis=ch_axis, dtype=dtype, qscheme=qscheme,
                         reduce_range=reduce_range, quant_min=quant_min, quant_max=quant_max,
                         eps=eps, is_dynamic=is_dynamic, **kwargs)
        self.averaging_constant = averaging_constant

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        mn, mx = self._reduce(x_orig)
        if self.min_val.numel() == 0:
            nmin, nmax = mn, mx
        else:
            c = np.float32(self.averaging_constant)
            nmin = self.min_val._data + c * (mn - self.min_val._data)
            nmax = self.max_val._data + c * (mx - self.max_val._data)
        self.min_val = _wrap(nmin.astype(np.float32))
        self.max_val = _wrap(nmax.astype(np.float32))
        return x_orig


def _histc(x, bins, mn, mx):
    """``torch.histc``: counts of ``x`` in ``bins`` equal bins over [mn, mx] (float32)."""
    x = x.astype(np.float32, copy=False).ravel()
    if mn == mx:
        mn, mx = mn - 1, mx + 1
    keep = (x >= mn) & (x <= mx)
    x = x[keep]
    pos = ((x - np.float32(mn)) * np.float32(bins) / (np.float32(mx) - np.float32(mn)))
    idx = pos.astype(np.int64)
    idx[idx >= bins] = bins - 1
    return np.bincount(idx, minlength=bins).astype(np.float32)


class HistogramObserver(UniformQuantizationObserverBase):
    """Keeps a running histogram of the inputs and picks the [min, max] that minimises the
    L2 quantization error over it (PyTorch's non-linear parameter search)."""

    def __init__(self, bins=2048, dtype=Q.quint8, qscheme=Q.per_tensor_affine,
                 reduce_range=False, quant_min=None, quant_max=None, factory_kwargs=None,
                 eps=_EPS, is_dynamic=False, **kwargs):
        if qscheme not in (Q.per_tensor_affine, Q.per_tensor_symmetric):
            raise NotImplementedError("HistogramObserver's qscheme only support "
                                      'torch.per_tensor_symmetric and torch.per_tensor_affine.')
        if is_dynamic:
            raise NotImplementedError("HistogramObserver doesn't support dynamic quantization")
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range,
                         quant_min=quant_min, quant_max=quant_max, factory_kwargs=factory_kwargs,
                         eps=eps, is_dynamic=is_dynamic, **kwargs)
        E = _E()
        self.bins = bins
        self.register_buffer('histogram', E.zeros(bins))
        self.register_buffer('min_val', E.tensor(float('inf')))
        self.register_buffer('max_val', E.tensor(float('-inf')))
        self.dst_nbins = 2 ** 8 if dtype is not Q.qint32 else 2 ** 32
        self.upsample_rate = 16

    def _compute_quantization_error(self, s, e):
        mn, mx = float(self.min_val._data), float(self.max_val._data)
        bin_width = (mx - mn) / self.bins
        dst_w = bin_width * (e - s + 1) / self.dst_nbins
        if dst_w == 0.0:
            return 0.0
        f = np.float32
        src = np.arange(self.bins, dtype=np.float32)
        begin = (src - f(s)) * f(bin_width)
        end = begin + f(bin_width)
        dst_w32 = f(dst_w)
        db = np.clip(np.floor(begin / dst_w32), 0, self.dst_nbins - 1)
        db_center = (db + f(0.5)) * dst_w32
        de = np.clip(np.floor(end / dst_w32), 0, self.dst_nbins - 1)
        density = self.histogram._data / f(bin_width)

        def norm(a, b):
            return density * ((b * b * b - a * a * a) / f(3))
        tot = norm(begin - db_center, np.full(self.bins, dst_w32 / 2, np.float32))
        tot = tot + (de - db - 1) * norm(f(-dst_w / 2), f(dst_w / 2))
        de_center = de * dst_w32 + dst_w32 / 2
        tot = tot + norm(f(-dst_w / 2), end - de_center)
        return float(tot.astype(np.float32).sum(dtype=np.float32))

    def _non_linear_param_search(self):
        hist = self.histogram._data
        mn, mx = np.float32(self.min_val._data), np.float32(self.max_val._data)
        bin_width = (mx - mn) / np.float32(self.bins)
        total = float(hist.sum())
        csum = np.cumsum(hist, dtype=np.float32)
        stepsize = 1e-5
        alpha, beta = 0.0, 1.0
        start_bin, end_bin = 0, self.bins - 1
        norm_min = float('inf')
        while alpha < beta:
            next_alpha = alpha + stepsize
            next_beta = beta - stepsize
            l, r = start_bin, end_bin
            # the first index at or after l with csum >= next_alpha*total (vectorised scan)
            lim = np.float32(next_alpha * total)
            idx = np.nonzero(csum[l:end_bin] >= lim)[0]
            l = l + int(idx[0]) if idx.size else end_bin
            lim = np.float32(next_beta * total)
            idx = np.nonzero(csum[start_bin + 1:r + 1] <= lim)[0]
            r = start_bin + 1 + int(idx[-1]) if idx.size else start_bin
            ns, ne = start_bin, end_bin
            if (l - start_bin) > (end_bin - r):
                ns = l
                alpha = next_alpha
            else:
                ne = r
                beta = next_beta
            if ns == start_bin and ne == end_bin:
                continue
            n = self._compute_quantization_error(ns, ne)
            if n > norm_min:
                break
            norm_min = n
            start_bin, end_bin = ns, ne
        return mn + bin_width * np.float32(start_bin), mn + bin_width * np.float32(end_bin + 1)

    def _upscale_histogram(self, hist, omin, omax, umin, umax):
        hist = np.repeat(hist, self.upsample_rate) / np.float32(self.upsample_rate)
        bin_size = (omax - omin) / np.float32(self.bins * self.upsample_rate)
        mids = np.linspace(omin, omax, self.bins * self.upsample_rate + 1,
                           dtype=np.float32)[:-1] + np.float32(0.5) * bin_size
        bounds = np.linspace(umin, umax, self.bins + 1, dtype=np.float32)
        b = np.searchsorted(bounds, mids, side='right') - 1
        b = np.clip(b, 0, self.bins - 1)
        return np.bincount(b, weights=hist, minlength=self.bins).astype(np.float32)

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach()._data.astype(np.float32, copy=False)
        xmin, xmax = np.float32(x.min()), np.float32(x.max())
        if np.isinf(xmin) or np.isinf(xmax):
            warnings.warn('torch.inf detected in input tensor, ignoring input', stacklevel=2)
            x = x[np.abs(x) != np.inf]
            if x.size == 0:
                return x_orig
            xmin, xmax = np.float32(x.min()), np.float32(x.max())
        cmin, cmax = np.float32(self.min_val._data), np.float32(self.max_val._data)
        if cmin == np.inf or cmax == -np.inf:
            self.min_val._data[...] = xmin
            self.max_val._data[...] = xmax
            self.histogram._data[...] = _histc(x, self.bins, xmin, xmax)
            return x_orig
        nmin, nmax = min(cmin, xmin), max(cmax, xmax)
        upd = _histc(x, self.bins, nmin, nmax)
        if nmin == cmin and nmax == cmax:
            self.histogram._data[...] = self.histogram._data + upd
        else:
            if cmin == cmax:
                orig = _histc(np.array([cmin], np.float32), self.bins, nmin, nmax) * \
                    self.histogram._data.sum()
            else:
                orig = self._upscale_histogram(self.histogram._data, cmin, cmax, nmin, nmax)
            self.histogram._data[...] = upd + orig
            self.min_val._data[...] = nmin
            self.max_val._data[...] = nmax
        return x_orig

    def calculate_qparams(self):
        if float(self.min_val._data) == np.inf and float(self.max_val._data) == -np.inf:
            warnings.warn('must run observer before calling calculate_qparams. Returning '
                          'default scale and zero point ', stacklevel=2)
            E = _E()
            return E.tensor([1.0]), E.tensor([0])
        new_min, new_max = self._non_linear_param_search()
        return self._calculate_qparams(new_min, new_max)

    def extra_repr(self):
        return f'min_val={self.min_val}, max_val={self.max_val}'


class PlaceholderObserver(ObserverBase):
    """Records nothing; carries dtype (and qscheme) for dynamic quantization/fp16."""

    def __init__(self, dtype=None, custom_op_name='', compute_dtype=None, quant_min=None,
                 quant_max=None, qscheme=None, eps=None, is_dynamic=False):
        import ember
        super().__init__(dtype=dtype if dtype is not None else ember.float32,
                         is_dynamic=is_dynamic)
        if qscheme is None:
            qscheme = Q.per_tensor_affine
        if eps is None:
            eps = _EPS
        self.quant_min, self.quant_max = quant_min, quant_max
        self.qscheme = qscheme
        self.eps = eps
        self.custom_op = custom_op_name

    def forward(self, x):
        return x

    def extra_repr(self):
        return f'dtype={self.dtype}, is_dynamic={self.is_dynamic}'

    def calculate_qparams(self):
        raise Exception('calculate_qparams should not be called for PlaceholderObserver')


class NoopObserver(ObserverBase):
    """Passes tensors through (for fp16 weights)."""

    def __init__(self, dtype=None, custom_op_name=''):
        import ember
        super().__init__(dtype=dtype if dtype is not None else ember.float16)
        self.custom_op = custom_op_name

    def forward(self, x):
        return x

    def calculate_qparams(self):
        raise Exception('calculate_qparams should not be called for NoopObserver')


class RecordingObserver(ObserverBase):
    """Keeps every tensor it sees (debugging)."""

    def __init__(self, dtype=Q.quint8):
        super().__init__(dtype=dtype)
        self.tensor_val = []

    def forward(self, x):
        self.tensor_val.append(x.clone())
        return x

    def calculate_qparams(self):
        raise Exception('calculate_qparams should not be called for RecordingObserver')

    def get_tensor_value(self):
        return self.tensor_val


def get_observer_state_dict(mod):
    """The state_dict entries of all observers in ``mod``."""
    from collections import OrderedDict
    od = OrderedDict()
    for k, v in mod.state_dict().items():
        if 'observer' in k or 'activation_post_process' in k:
            od[k] = v
    od._metadata = getattr(mod.state_dict(), '_metadata', None)
    return od


def load_observer_state_dict(mod, obs_dict):
    """Load observer statistics saved by :func:`get_observer_state_dict`."""
    for name, module in mod.named_modules():
        prefix = name + '.' if name else ''
        if isinstance(module, ObserverBase):
            module._load_from_state_dict(obs_dict, prefix, {}, False, [], [], [])


default_observer = MinMaxObserver.with_args(quant_min=0, quant_max=127)
default_placeholder_observer = PlaceholderObserver
default_debug_observer = RecordingObserver
default_weight_observer = MinMaxObserver.with_args(dtype=Q.qint8,
                                                   qscheme=Q.per_tensor_symmetric)
weight_observer_range_neg_127_to_127 = MinMaxObserver.with_args(
    dtype=Q.qint8, qscheme=Q.per_tensor_symmetric, quant_min=-127, quant_max=127, eps=2 ** -12)
default_histogram_observer = HistogramObserver.with_args(quant_min=0, quant_max=127)
default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args(
    dtype=Q.qint8, qscheme=Q.per_channel_symmetric)
per_channel_weight_observer_range_neg_127_to_127 = PerChannelMinMaxObserver.with_args(
    dtype=Q.qint8, qscheme=Q.per_channel_symmetric, quant_min=-127, quant_max=127, eps=2 ** -12)
default_dynamic_quant_observer = PlaceholderObserver.with_args(
    dtype=Q.quint8, quant_min=0, quant_max=255, is_dynamic=True)
default_float_qparams_observer = PerChannelMinMaxObserver.with_args(
    dtype=Q.quint8, qscheme=Q.per_channel_affine_float_qparams, ch_axis=0)
