"""Dynamically quantized recurrent layers (``torch.ao.nn.quantized.dynamic.LSTM``/``GRU`` and
the cells): int8 per-tensor (or per-channel) weights; every matmul quantizes its float input on
the fly to quint8 with fbgemm's qparams (``reduce_range=True``), accumulates in integers and
rescales to float32 before adding the float bias, as PyTorch's ``quantized_lstm`` /
``quantized_gru`` with ``use_dynamic=True`` compute on CPU.

The input projection of a whole layer is one dynamic matmul over the full sequence (PyTorch's CPU
path pre-computes it), the hidden projection one per time step.
"""

import numpy as np

from ..... import _quantized as Q
from ....._tensor import Tensor, _wrap
from .....nn.module import Module
from .....nn.modules.container import ModuleList
from .....nn.modules.rnn import RNNBase as _FloatRNNBase, _check_dropout
from .....nn.utils.rnn import PackedSequence
from .modules import choose_qparams_fbgemm

__all__ = ['PackedParameter', 'RNNBase', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell',
           'GRUCell', 'pack_weight_bias']

_F32_EXACT = 2 ** 24


def _xp(a):
    from .....backend import xp_of
    return xp_of(a)


# ---------------------------------------------------------------------------- packed weights

class _LinearPackedParams:
    """A quantized (or float16) weight with its float bias, what ``linear_prepack`` returns.
    Keeps the centred integer weight, transposed, ready for the GEMM."""

    def __init__(self, weight, bias):
        self._set(weight, bias)

    def _set(self, weight, bias):
        self.weight, self.bias = weight, bias
        w = weight._data
        xp = _xp(w)
        if isinstance(weight, Q.QTensor):
            if weight._qscheme is Q.per_tensor_affine:
                wc = w.astype(xp.float32) - xp.float32(weight._zp)
                self._wscale = xp.float32(weight._scale)
            else:
                wc = w.astype(xp.float32) - weight._zp._data.reshape(-1, 1).astype(xp.float32)
                self._wscale = weight._scale._data.astype(xp.float32)
            k = w.shape[1]
            # |x - zx| <= 255, |w - zw| <= 255: float32 sums stay exact below 2**24
            acc = xp.float32 if 255 * 255 * k < _F32_EXACT else xp.float64
            self._wt = xp.ascontiguousarray(wc.T.astype(acc))
        else:   # float16 weights
            self._wscale = None
            self._wt = xp.ascontiguousarray(w.astype(xp.float16).astype(xp.float32).T)
        self._b = None if bias is None else bias.detach()._data.astype(xp.float32)

    def __getstate__(self):
        return ((self.weight, self.bias), '__torch__.torch.classes.quantized.'
                'LinearPackedParamsBase')

    def __setstate__(self, state):
        self._set(*state[0])

    def __repr__(self):
        return 'ScriptObject <__torch__.torch.classes.quantized.LinearPackedParamsBase>'

    def apply_dynamic(self, x, reduce_range=True):
        """float32 (N, K) -> float32 (N, out): quantize x per tensor, integer GEMM, rescale,
        add bias (fbgemm's ``PackedLinearWeight::apply_dynamic``)."""
        xp = _xp(x)
        if self._wscale is None:
            y = x @ self._wt
            if self._b is not None:
                y += self._b
            return y
        if x.size:
            mn, mx = float(x.min()), float(x.max())
        else:
            mn = mx = 0.0
        scale, zp = choose_qparams_fbgemm(mn, mx, 0, 255, reduce_range)
        inv = xp.float32(1.0) / xp.float32(scale)
        q = Q._quantize_array(xp, x, inv, xp.float32(zp), Q.quint8)
        xc = q.astype(self._wt.dtype)
        xc -= zp
        acc = xc @ self._wt
        y = acc.astype(xp.float32, copy=False)
        y *= (xp.float32(scale) * self._wscale).astype(xp.float32)
        if self._b is not None:
            y += self._b
        return y


def pack_weight_bias(qweight, bias, dtype):
    """``linear_prepack`` (qint8) or ``linear_prepack_fp16`` of a weight and bias."""
    return _LinearPackedParams(qweight, bias)


class _CellParams:
    """``make_quantized_cell_params_dynamic``: packed ih/hh weights plus the float biases."""

    def __init__(self, packed_ih, packed_hh, b_ih, b_hh, reduce_range=True, kind='dynamic'):
        self.packed_ih, self.packed_hh = packed_ih, packed_hh
        self.b_ih, self.b_hh = b_ih, b_hh
        self.reduce_range = reduce_range
        self.kind = kind

    def __getstate__(self):
        if self.kind == 'fp16':
            return (('quantized_fp16', [], [], [], [self.packed_ih, self.packed_hh]),
                    '__torch__.torch.classes.rnn.CellParamsBase')
        return (('quantized_dynamic', [self.b_ih, self.b_hh], [], [int(self.reduce_range)],
                 [self.packed_ih, self.packed_hh]), '__torch__.torch.classes.rnn.CellParamsBase')

    def __setstate__(self, state):
        kind, biases, _, longs, packed = state[0]
        self.kind = 'fp16' if kind == 'quantized_fp16' else 'dynamic'
        self.packed_ih, self.packed_hh = packed
        self.b_ih, self.b_hh = biases if biases else (packed[0].bias, packed[1].bias)
        self.reduce_range = bool(longs[0]) if longs else False

    def __repr__(self):
        return 'ScriptObject <__torch__.torch.classes.rnn.CellParamsBase>'

    def linear_ih(self, x):
        return self.packed_ih.apply_dynamic(x, self.reduce_range)

    def linear_hh(self, h):
        return self.packed_hh.apply_dynamic(h, self.reduce_range)


class PackedParameter(Module):
    """Holds one layer/direction's cell parameters; state_dict key ``param``."""

    def __init__(self, param):
        super().__init__()
        self.param = param

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'param'] = self.param

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        self.param = state_dict[prefix + 'param']
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs, assign)


def _E():
    import ember
    return ember


def _float16():
    return _E().float16


def _make_packed(w, b, dtype):
    if dtype is Q.qint8:
        return _LinearPackedParams(w, b)
    return _LinearPackedParams(w.float() if isinstance(w, Tensor) else w, b)


def _cell_params(w_ih, w_hh, b_ih, b_hh, dtype):
    if dtype is Q.qint8:
        return _CellParams(_LinearPackedParams(w_ih, b_ih), _LinearPackedParams(w_hh, b_hh),
                           b_ih, b_hh, True)
    return _CellParams(_LinearPackedParams(w_ih, b_ih), _LinearPackedParams(w_hh, b_hh),
                       b_ih, b_hh, False, 'fp16')


def _quantize_and_pack_weight(w, observer_method):
    from ..modules import _quantize_weight
    obs = observer_method()
    obs(w)
    return _quantize_weight(w.float(), obs)


def _weight_observer_method(mod):
    if getattr(mod, 'qconfig', None) is not None and mod.qconfig.weight is not None:
        return mod.qconfig.weight
    from .....quantization.qconfig import default_dynamic_qconfig
    return default_dynamic_qconfig.weight


# ------------------------------------------------------------------------------- kernels

def _sigmoid(xp, a):
    xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)
    return a


def _lstm_step(xp, p, gi, h, c):
    gates = p.linear_hh(h)
    gates += gi
    H = h.shape[1]
    i = _sigmoid(xp, gates[:, :H])
    f = _sigmoid(xp, gates[:, H:2 * H])
    g = xp.tanh(gates[:, 2 * H:3 * H], out=gates[:, 2 * H:3 * H])
    o = _sigmoid(xp, gates[:, 3 * H:])
    cy = f * c
    cy += i * g
    hy = o * xp.tanh(cy)
    return hy, cy


def _gru_step(xp, p, gi, h, c):
    gh = p.linear_hh(h)
    H = h.shape[1]
    r = gh[:, :H]
    r += gi[:, :H]
    r = _sigmoid(xp, r)
    z = gh[:, H:2 * H]
    z += gi[:, H:2 * H]
    z = _sigmoid(xp, z)
    n = gh[:, 2 * H:] * r
    n += gi[:, 2 * H:]
    xp.tanh(n, out=n)
    hy = h - n
    hy *= z
    hy += n
    return hy, None


def _run_direction(xp, step, p, x, bs, h0, c0, reverse):
    """One layer, one direction over packed rows ``x`` (sum(bs), in) with batch sizes ``bs``
    (non-increasing). Returns (outputs (sum(bs), H), h_n (B, H), c_n or None)."""
    gi_all = p.linear_ih(x)
    T = len(bs)
    offs = np.concatenate([[0], np.cumsum(bs)]).tolist()
    out = xp.empty((x.shape[0], h0.shape[1]), dtype=xp.float32)
    uniform = bs[0] == bs[-1]
    if not reverse:
        h, c = h0, c0
        hn, cn = h0.copy(), None if c0 is None else c0.copy()
        for t in range(T):
            b = bs[t]
            if not uniform and b < h.shape[0]:
                hn[b:h.shape[0]] = h[b:]
                if c is not None:
                    cn[b:h.shape[0]] = c[b:]
                h = h[:b]
                c = None if c is None else c[:b]
            h, c = step(xp, p, gi_all[offs[t]:offs[t + 1]], h, c)
            out[offs[t]:offs[t + 1]] = h
        hn[:h.shape[0]] = h
        if c is not None:
            cn[:c.shape[0]] = c
        return out, hn, cn
    # reverse: the batch grows as we walk back in time
    b = bs[-1]
    h = h0[:b]
    c = None if c0 is None else c0[:b]
    for t in range(T - 1, -1, -1):
        nb = bs[t]
        if nb > h.shape[0]:
            h = xp.concatenate([h, h0[h.shape[0]:nb]], 0)
            if c is not None:
                c = xp.concatenate([c, c0[c.shape[0]:nb]], 0)
        h, c = step(xp, p, gi_all[offs[t]:offs[t + 1]], h, c)
        out[offs[t]:offs[t + 1]] = h
    return out, h, c


# ------------------------------------------------------------------------------ modules

class RNNBase(Module):
    """Base of the dynamically quantized ``LSTM``/``GRU``: one ``PackedParameter`` per layer and
    direction in ``_all_weight_values`` (PyTorch's state_dict layout)."""
    _version = 2

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=Q.qint8):
        super().__init__()
        E = _E()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.dtype = dtype
        self.version = 2
        self.training = False
        D = 2 if bidirectional else 1
        _check_dropout(dropout, num_layers)
        if mode == 'LSTM':
            gate_size = 4 * hidden_size
        elif mode == 'GRU':
            gate_size = 3 * hidden_size
        else:
            raise ValueError('Unrecognized RNN mode: ' + mode)
        vals = []
        for layer in range(num_layers):
            for _ in range(D):
                lin = input_size if layer == 0 else hidden_size * D
                w_ih = E.randn(gate_size, lin)
                w_hh = E.randn(gate_size, hidden_size)
                b_ih = E.randn(gate_size)
                b_hh = E.randn(gate_size)
                if dtype is Q.qint8:
                    w_ih = Q.quantize_per_tensor(w_ih, 0.1, 0, Q.qint8)
                    w_hh = Q.quantize_per_tensor(w_hh, 0.1, 0, Q.qint8)
                vals.append(PackedParameter(_cell_params(w_ih, w_hh, b_ih, b_hh, dtype)))
        self._all_weight_values = ModuleList(vals)

    def _get_name(self):
        return 'DynamicQuantizedRNN'

    # the float RNNs' argument checks and repr serve here too (proj_size is always 0)
    proj_size = 0
    extra_repr = _FloatRNNBase.extra_repr
    check_input = _FloatRNNBase._check_input_shape
    get_expected_hidden_size = _FloatRNNBase.get_expected_hidden_size
    check_hidden_size = _FloatRNNBase.check_hidden_size
    check_forward_args = _FloatRNNBase.check_forward_args
    permute_hidden = _FloatRNNBase.permute_hidden

    def _repr_children(self):
        # the packed weights are state, not submodules worth printing (as PyTorch shows them)
        return [(k, m) for k, m in self._modules.items()
                if not isinstance(m, (PackedParameter, ModuleList))]

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        self.version = local_metadata.get('version', None)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs, assign)

    def set_weight_bias(self, weight_bias_dict):
        """Rebuild the packed parameters from ``{'weight_ih_l0': qweight, 'bias_ih_l0': ...}``."""
        D = 2 if self.bidirectional else 1
        vals = []
        for layer in range(self.num_layers):
            for d in range(D):
                sfx = '_reverse' if d == 1 else ''
                w_ih = weight_bias_dict[f'weight_ih_l{layer}{sfx}']
                w_hh = weight_bias_dict[f'weight_hh_l{layer}{sfx}']
                b_ih = weight_bias_dict[f'bias_ih_l{layer}{sfx}']
                b_hh = weight_bias_dict[f'bias_hh_l{layer}{sfx}']
                dt = Q.qint8 if w_ih.dtype is Q.qint8 else _float16()
                vals.append(PackedParameter(_cell_params(w_ih, w_hh, b_ih, b_hh, dt)))
        self._all_weight_values = ModuleList(vals)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """Quantize a float ``nn.LSTM``/``nn.GRU``: each weight with its own observer from
        ``mod.qconfig.weight`` (default: per-tensor symmetric qint8); biases stay float."""
        from ..... import nn
        if type(mod) not in {nn.LSTM, nn.GRU}:
            raise AssertionError('nn.quantized.dynamic.RNNBase.from_float only works for '
                                 'nn.LSTM and nn.GRU')
        if not hasattr(mod, 'qconfig'):
            raise AssertionError('Input float module must have qconfig defined')
        wom = _weight_observer_method(mod)
        dtype = wom().dtype
        if dtype is not Q.qint8 and dtype is not _float16():
            raise RuntimeError(f'Unsupported dtype for dynamic RNN quantization: {dtype}')
        qcls = LSTM if mod.mode == 'LSTM' else GRU
        q = qcls(mod.input_size, mod.hidden_size, mod.num_layers, mod.bias, mod.batch_first,
                 mod.dropout, mod.bidirectional, dtype)
        if not mod.bias:
            raise AssertionError('mod.bias must be True')
        if getattr(mod, 'proj_size', 0):
            raise AssertionError('ember: dynamic quantization of LSTM with proj_size')
        D = 2 if mod.bidirectional else 1
        vals = []
        for layer in range(q.num_layers):
            for d in range(D):
                sfx = '_reverse' if d == 1 else ''
                w_ih = getattr(mod, f'weight_ih_l{layer}{sfx}')
                w_hh = getattr(mod, f'weight_hh_l{layer}{sfx}')
                b_ih = getattr(mod, f'bias_ih_l{layer}{sfx}')
                b_hh = getattr(mod, f'bias_hh_l{layer}{sfx}')
                if dtype is Q.qint8:
                    w_ih = _quantize_and_pack_weight(w_ih, wom)
                    w_hh = _quantize_and_pack_weight(w_hh, wom)
                else:
                    w_ih, w_hh = w_ih.detach().float(), w_hh.detach().float()
                vals.append(PackedParameter(_cell_params(w_ih, w_hh, b_ih, b_hh, dtype)))
        q._all_weight_values = ModuleList(vals)
        return q

    def _weight_bias(self):
        wb = {'weight': {}, 'bias': {}}
        D = 2 if self.bidirectional else 1
        k = 0
        for layer in range(self.num_layers):
            for d in range(D):
                sfx = '_reverse' if d == 1 else ''
                p = self._all_weight_values[k].param
                wb['weight'][f'weight_ih_l{layer}{sfx}'] = p.packed_ih.weight
                wb['weight'][f'weight_hh_l{layer}{sfx}'] = p.packed_hh.weight
                wb['bias'][f'bias_ih_l{layer}{sfx}'] = p.packed_ih.bias
                wb['bias'][f'bias_hh_l{layer}{sfx}'] = p.packed_hh.bias
                k += 1
        return wb

    def get_weight(self):
        return self._weight_bias()['weight']

    def get_bias(self):
        return self._weight_bias()['bias']

    # ---------------------------------------------------------------------- running
    def _forward_impl(self, input, hx, batch_sizes, max_batch_size, sorted_indices):
        lstm = self.mode == 'LSTM'
        D = 2 if self.bidirectional else 1
        E = _E()
        if hx is None:
            zeros = E.zeros(self.num_layers * D, max_batch_size, self.hidden_size,
                            dtype=input.dtype)
            hx = (zeros, zeros) if lstm else zeros
        else:
            hx = self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(input, hx, batch_sizes)
        x = input.detach()._data
        xp = _xp(x)
        x = x.astype(xp.float32, copy=False)
        if batch_sizes is None:
            if self.batch_first:
                x = x.transpose(1, 0, 2)
            T, B = x.shape[0], x.shape[1]
            x = xp.ascontiguousarray(x).reshape(T * B, x.shape[2])
            bs = [B] * T
        else:
            bs = [int(b) for b in batch_sizes.tolist()]
        if not bs:
            raise RuntimeError('Expected sequence length to be larger than 0 in RNN')
        h0 = (hx[0] if lstm else hx).detach()._data.astype(xp.float32)
        c0 = hx[1].detach()._data.astype(xp.float32) if lstm else None
        step = _lstm_step if lstm else _gru_step
        params = [m.param for m in self._all_weight_values]
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                o, h, c = _run_direction(xp, step, params[k], x, bs, h0[k],
                                         None if c0 is None else c0[k], d == 1)
                outs.append(o)
                hs.append(h)
                cs.append(c)
            x = outs[0] if D == 1 else xp.concatenate(outs, 1)
        h_n = _wrap(xp.stack(hs, 0))
        if batch_sizes is None:
            out = x.reshape(len(bs), bs[0], x.shape[1])
            if self.batch_first:
                out = out.transpose(1, 0, 2)
            out = _wrap(out)
        else:
            out = _wrap(x)
        hidden = (h_n, _wrap(xp.stack(cs, 0))) if lstm else h_n
        return out, hidden

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            out, hidden = self._forward_impl(data, hx, batch_sizes, int(batch_sizes[0]),
                                             sorted_indices)
            return (PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices),
                    self.permute_hidden(hidden, unsorted_indices))
        mb = input.size(0) if self.batch_first else input.size(1)
        return self._forward_impl(input, hx, None, mb, None)


class LSTM(RNNBase):
    """Dynamically quantized LSTM (float in/out, int8 weights), ``torch.nn.LSTM``'s interface
    (no ``proj_size``, no unbatched input, as in PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__('LSTM', *args, **kwargs)

    def _get_name(self):
        return 'DynamicQuantizedLSTM'

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        exp = self.get_expected_hidden_size(input, batch_sizes)
        self.check_hidden_size(hidden[0], exp, 'Expected hidden[0] size {}, got {}')
        self.check_hidden_size(hidden[1], exp, 'Expected hidden[1] size {}, got {}')

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        return super().from_float(mod, use_precomputed_fake_quant)


class GRU(RNNBase):
    """Dynamically quantized GRU (float in/out, int8 weights), ``torch.nn.GRU``'s interface."""

    def __init__(self, *args, **kwargs):
        super().__init__('GRU', *args, **kwargs)

    def _get_name(self):
        return 'DynamicQuantizedGRU'

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        return super().from_float(mod, use_precomputed_fake_quant)


# --------------------------------------------------------------------------------- cells

class RNNCellBase(Module):
    """Dynamically quantized cells: ``_packed_weight_ih`` / ``_packed_weight_hh``."""

    def __init__(self, input_size, hidden_size, bias=True, num_chunks=4, dtype=Q.qint8):
        super().__init__()
        E = _E()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_dtype = dtype
        if bias:
            self.bias_ih = E.randn(num_chunks * hidden_size).float()
            self.bias_hh = E.randn(num_chunks * hidden_size).float()
        else:
            self.bias_ih = None
            self.bias_hh = None
        w_ih = E.randn(num_chunks * hidden_size, input_size).float()
        w_hh = E.randn(num_chunks * hidden_size, hidden_size).float()
        if dtype is Q.qint8:
            w_ih = Q.quantize_per_tensor(w_ih, 1, 0, Q.qint8)
            w_hh = Q.quantize_per_tensor(w_hh, 1, 0, Q.qint8)
        self._packed_weight_ih = _make_packed(w_ih, self.bias_ih, dtype)
        self._packed_weight_hh = _make_packed(w_hh, self.bias_hh, dtype)

    def _get_name(self):
        return 'DynamicQuantizedRNNBase'

    def extra_repr(self):
        s = '{input_size}, {hidden_size}'
        if 'bias' in self.__dict__ and self.bias is not True:
            s += ', bias={bias}'
        if 'nonlinearity' in self.__dict__ and self.nonlinearity != 'tanh':
            s += ', nonlinearity={nonlinearity}'
        return s.format(**self.__dict__)

    def check_forward_input(self, input):
        if input.size(1) != self.input_size:
            raise RuntimeError(f'input has inconsistent input_size: got {input.size(1)}, '
                               f'expected {self.input_size}')

    def check_forward_hidden(self, input, hx, hidden_label=''):
        if input.size(0) != hx.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden"
                               f'{hidden_label} batch size {hx.size(0)}')
        if hx.size(1) != self.hidden_size:
            raise RuntimeError(f'hidden{hidden_label} has inconsistent hidden_size: got '
                               f'{hx.size(1)}, expected {self.hidden_size}')

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        from ..... import nn
        if type(mod) not in {nn.LSTMCell, nn.GRUCell, nn.RNNCell}:
            raise AssertionError('nn.quantized.dynamic.RNNCellBase.from_float only works for '
                                 'nn.LSTMCell, nn.GRUCell and nn.RNNCell')
        if not hasattr(mod, 'qconfig'):
            raise AssertionError('Input float module must have qconfig defined')
        wom = _weight_observer_method(mod)
        dtype = wom().dtype
        if dtype is not Q.qint8 and dtype is not _float16():
            raise RuntimeError(f'Unsupported dtype for dynamic RNN quantization: {dtype}')
        if type(mod) is nn.LSTMCell:
            q = LSTMCell(mod.input_size, mod.hidden_size, bias=mod.bias, dtype=dtype)
        elif type(mod) is nn.GRUCell:
            q = GRUCell(mod.input_size, mod.hidden_size, bias=mod.bias, dtype=dtype)
        else:
            q = RNNCell(mod.input_size, mod.hidden_size, bias=mod.bias,
                        nonlinearity=mod.nonlinearity, dtype=dtype)
        if dtype is Q.qint8:
            w_ih = _quantize_and_pack_weight(mod.weight_ih, wom)
            w_hh = _quantize_and_pack_weight(mod.weight_hh, wom)
        else:
            w_ih, w_hh = mod.weight_ih.detach().float(), mod.weight_hh.detach().float()
        q._packed_weight_ih = _make_packed(w_ih, mod.bias_ih, dtype)
        q._packed_weight_hh = _make_packed(w_hh, mod.bias_hh, dtype)
        return q

    def _weight_bias(self):
        return {'weight': {'weight_ih': self._packed_weight_ih.weight,
                           'weight_hh': self._packed_weight_hh.weight},
                'bias': {'bias_ih': self._packed_weight_ih.bias,
                         'bias_hh': self._packed_weight_hh.bias}}

    def get_weight(self):
        return self._weight_bias()['weight']

    def get_bias(self):
        return self._weight_bias()['bias']

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + '_packed_weight_ih'] = self._packed_weight_ih
        destination[prefix + '_packed_weight_hh'] = self._packed_weight_hh

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        self._packed_weight_ih = state_dict.pop(prefix + '_packed_weight_ih')
        self._packed_weight_hh = state_dict.pop(prefix + '_packed_weight_hh')
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs, assign)

    def _prep(self, input, hx, n):
        self.check_forward_input(input)
        x = input.detach()._data.astype(np.float32, copy=False)
        xp = _xp(x)
        if hx is None:
            hx = [xp.zeros((x.shape[0], self.hidden_size), xp.float32)] * n
        else:
            if n == 1:
                hx = (hx,)
            for i, h in enumerate(hx):
                self.check_forward_hidden(input, h, '' if n == 1 else f'[{i}]')
            hx = [h.detach()._data.astype(xp.float32) for h in hx]
        return xp, x, hx

    def _ih_hh(self, x, h):
        p = _CellParams(self._packed_weight_ih, self._packed_weight_hh, None, None,
                        self.weight_dtype is Q.qint8,
                        'dynamic' if self.weight_dtype is Q.qint8 else 'fp16')
        return p


class RNNCell(RNNCellBase):
    """Dynamically quantized Elman cell: ``h' = tanh/relu(W_ih x + b_ih + W_hh h + b_hh)``."""
    __constants__ = ['input_size', 'hidden_size', 'bias', 'nonlinearity']

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', dtype=Q.qint8):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def _get_name(self):
        return 'DynamicQuantizedRNNCell'

    def forward(self, input, hx=None):
        xp, x, (h,) = self._prep(input, hx, 1)
        p = self._ih_hh(x, h)
        y = p.linear_ih(x)
        y += p.linear_hh(h)
        if self.nonlinearity == 'tanh':
            xp.tanh(y, out=y)
        elif self.nonlinearity == 'relu':
            xp.maximum(y, 0, out=y)
        else:
            raise RuntimeError(f'Unknown nonlinearity: {self.nonlinearity}')
        return _wrap(y)


class LSTMCell(RNNCellBase):
    """Dynamically quantized LSTM cell; returns ``(h', c')``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, num_chunks=4, **kwargs)

    def _get_name(self):
        return 'DynamicQuantizedLSTMCell'

    def forward(self, input, hx=None):
        xp, x, (h, c) = self._prep(input, hx, 2)
        p = self._ih_hh(x, h)
        hy, cy = _lstm_step(xp, p, p.linear_ih(x), h, c)
        return _wrap(hy), _wrap(cy)


class GRUCell(RNNCellBase):
    """Dynamically quantized GRU cell."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=Q.qint8):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def _get_name(self):
        return 'DynamicQuantizedGRUCell'

    def forward(self, input, hx=None):
        xp, x, (h,) = self._prep(input, hx, 1)
        p = self._ih_hh(x, h)
        hy, _ = _gru_step(xp, p, p.linear_ih(x), h, None)
        return _wrap(hy)
