"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and the cells ``RNNCell``, ``LSTMCell``,
``GRUCell`` (``torch.nn``'s names, arguments, parameter names, shapes and gate order).

Each layer and direction is one input-projection GEMM over the whole sequence
(``F.linear``) and one fused recurrence primitive from ``ember.ops.rnn``.
"""
import math
import numbers
import warnings

from ..module import Module
from ..parameter import Parameter
from .. import functional as F, init
from ..utils.rnn import PackedSequence

__all__ = ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell']


def _empty(shape, device, dtype):
    from ...ops.creation import empty
    return empty(shape, device=device, dtype=dtype)


def _apply_permutation(tensor, permutation, dim=1):
    return tensor.index_select(dim, permutation)



def _check_dropout(dropout, num_layers):
    """PyTorch's checks of an RNN's ``dropout`` (shared with the quantized RNNs)."""
    if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
            or isinstance(dropout, bool)):
        raise ValueError('dropout should be a number in range [0, 1] representing the '
                         'probability of an element being zeroed')
    if dropout > 0 and num_layers == 1:
        warnings.warn('dropout option adds dropout after all but last recurrent layer, so '
                      'non-zero dropout expects num_layers greater than 1, but got '
                      f'dropout={dropout} and num_layers={num_layers}', stacklevel=3)

class RNNBase(Module):
    """Base of ``RNN``, ``LSTM`` and ``GRU``: parameters ``weight_ih_l{k}[_reverse]``,
    ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (and LSTM's ``weight_hr_l{k}``),
    initialised from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) as in PyTorch."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        _check_dropout(dropout, num_layers)
        if not isinstance(bias, bool):
            raise TypeError(f'bias should be of type bool, got: {type(bias).__name__}')
        if not isinstance(batch_first, bool):
            raise TypeError(f'batch_first should be of type bool, got: '
                            f'{type(batch_first).__name__}')
        if not isinstance(input_size, int):
            raise TypeError(f'input_size should be of type int, got: {type(input_size).__name__}')
        if input_size <= 0:
            raise ValueError('input_size must be greater than zero')
        if not isinstance(hidden_size, int):
            raise TypeError(f'hidden_size should be of type int, got: '
                            f'{type(hidden_size).__name__}')
        if hidden_size <= 0:
            raise ValueError('hidden_size must be greater than zero')
        if num_layers <= 0:
            raise ValueError('num_layers must be greater than zero')
        if proj_size < 0:
            raise ValueError('proj_size should be a positive integer or zero to disable '
                             'projections')
        if proj_size >= hidden_size:
            raise ValueError('proj_size has to be smaller than hidden_size')
        gate_size = {'LSTM': 4, 'GRU': 3, 'RNN_TANH': 1, 'RNN_RELU': 1}.get(mode)
        if gate_size is None:
            raise ValueError('Unrecognized RNN mode: ' + mode)
        gate_size *= hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                params = [_empty((gate_size, layer_input_size), device, dtype),
                          _empty((gate_size, real_hidden_size), device, dtype)]
                names = ['weight_ih_l{}{}', 'weight_hh_l{}{}']
                if bias:
                    params += [_empty(gate_size, device, dtype), _empty(gate_size, device, dtype)]
                    names += ['bias_ih_l{}{}', 'bias_hh_l{}{}']
                if proj_size > 0:
                    params.append(_empty((proj_size, hidden_size), device, dtype))
                    names.append('weight_hr_l{}{}')
                suffix = '_reverse' if direction == 1 else ''
                names = [n.format(layer, suffix) for n in names]
                for name, p in zip(names, params):
                    setattr(self, name, Parameter(p))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    def flatten_parameters(self):
        """No-op (PyTorch compacts weights for cuDNN here; ember needs no flat buffer)."""

    @property
    def all_weights(self):
        """The parameters of each layer and direction, as lists in PyTorch's order."""
        return [[getattr(self, w) for w in ws] for ws in self._all_weights]

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def check_input(self, input, batch_sizes):
        w0 = getattr(self, self._flat_weights_names[0])
        if input.dtype != w0.dtype:
            raise ValueError(f'RNN input dtype ({input.dtype}) does not match weight dtype '
                             f'({w0.dtype}). Convert input: input.to({w0.dtype}), or convert '
                             f'model: model.to({input.dtype})')
        self._check_input_shape(input, batch_sizes)

    def _check_input_shape(self, input, batch_sizes):
        """The rank and feature-size checks (shared with the quantized RNNs)."""
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f'input must have {expected_input_dim} dimensions, got '
                               f'{input.dim()}')
        if self.input_size != input.size(-1):
            raise RuntimeError('input.size(-1) must be equal to input_size. Expected '
                               f'{self.input_size}, got {input.size(-1)}')

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        h = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, h)

    def check_hidden_size(self, hx, expected_hidden_size, msg='Expected hidden size {}, got {}'):
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.shape)))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self):
        s = '{input_size}, {hidden_size}'
        if self.proj_size != 0:
            s += ', proj_size={proj_size}'
        if self.num_layers != 1:
            s += ', num_layers={num_layers}'
        if self.bias is not True:
            s += ', bias={bias}'
        if self.batch_first is not False:
            s += ', batch_first={batch_first}'
        if self.dropout != 0:
            s += ', dropout={dropout}'
        if self.bidirectional is not False:
            s += ', bidirectional={bidirectional}'
        return s.format(**self.__dict__)

    def __setstate__(self, state):
        super().__setstate__(state)
        if 'proj_size' not in state:
            self.proj_size = 0

    # ---------------------------------------------------------------------------- running

    def _run(self, data, batch_sizes, h0, c0):
        """All layers over packed ``data`` (N, input_size); h0/c0 (L*D, B, *) or None.
        Returns (output (N, D*P), h_n, c_n or None)."""
        from ...ops.rnn import rnn_layer
        from ...ops.shape import cat, stack
        D = 2 if self.bidirectional else 1
        mode = self.mode
        lstm = mode == 'LSTM'
        hs, cs = [], []
        x = data
        names = self._all_weights
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                ws = [getattr(self, n) for n in names[k]]
                w_ih, w_hh = ws[0], ws[1]
                if self.bias:
                    b_ih, b_hh = ws[2], ws[3]
                else:
                    b_ih = b_hh = None
                w_hr = ws[-1] if self.proj_size > 0 else None
                res = rnn_layer(mode, x, w_ih, b_ih, None if h0 is None else h0[k],
                                None if c0 is None else c0[k], w_hh, b_hh, w_hr, batch_sizes,
                                d == 1)
                outs.append(res[0])
                hs.append(res[1])
                if lstm:
                    cs.append(res[2])
            x = outs[0] if D == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h_n = stack(hs, 0)
        c_n = stack(cs, 0) if lstm else None
        return x, h_n, c_n

    def forward(self, input, hx=None):
        lstm = self.mode == 'LSTM'
        name = {'LSTM': 'LSTM', 'GRU': 'GRU'}.get(self.mode, 'RNN')
        num_directions = 2 if self.bidirectional else 1
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            bs = [int(b) for b in batch_sizes.tolist()]
            is_batched = True
            if hx is not None:
                hx = self.permute_hidden(hx, sorted_indices)
            self.check_input(data, batch_sizes)
            if hx is not None:
                if lstm:
                    self._check_lstm_hidden(data, hx, batch_sizes)
                else:
                    self.check_hidden_size(hx, self.get_expected_hidden_size(data, batch_sizes))
        else:
            batch_sizes = sorted_indices = unsorted_indices = None
            if input.dim() not in (2, 3):
                tail = ' tensor' if name == 'RNN' else ''
                raise ValueError(f'{name}: Expected input to be 2D or 3D, got {input.dim()}D'
                                 f'{tail} instead')
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    if lstm:
                        if hx[0].dim() != 2 or hx[1].dim() != 2:
                            raise RuntimeError(
                                'For unbatched 2-D input, hx and cx should also be 2-D but got '
                                f'({hx[0].dim()}-D, {hx[1].dim()}-D) tensors')
                        hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
                    else:
                        if hx.dim() != 2:
                            raise RuntimeError('For unbatched 2-D input, hx should also be 2-D '
                                               f'but got {hx.dim()}-D tensor')
                        hx = hx.unsqueeze(1)
            elif hx is not None:
                if lstm:
                    if hx[0].dim() != 3 or hx[1].dim() != 3:
                        raise RuntimeError(
                            'For batched 3-D input, hx and cx should also be 3-D but got '
                            f'({hx[0].dim()}-D, {hx[1].dim()}-D) tensors')
                elif hx.dim() != 3:
                    raise RuntimeError('For batched 3-D input, hx should also be 3-D but got '
                                       f'{hx.dim()}-D tensor')
            self.check_input(input, None)
            if hx is not None:
                if lstm:
                    self._check_lstm_hidden(input, hx, None)
                else:
                    self.check_hidden_size(hx, self.get_expected_hidden_size(input, None))
            if self.batch_first:
                B, T = input.shape[0], input.shape[1]
                data = input.transpose(0, 1).reshape(T * B, input.shape[2])
            else:
                T, B = input.shape[0], input.shape[1]
                data = input.reshape(T * B, input.shape[2])
            bs = [B] * T
        if hx is None:
            h0 = c0 = None
        elif lstm:
            h0, c0 = hx
        else:
            h0, c0 = hx, None
        if not bs:
            raise RuntimeError('Expected sequence length to be larger than 0 in RNN')
        out, h_n, c_n = self._run(data, bs, h0, c0)
        hidden = (h_n, c_n) if lstm else h_n
        if batch_sizes is not None:
            return (PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices),
                    self.permute_hidden(hidden, unsorted_indices))
        out = out.reshape(T, B, out.shape[1])
        if self.batch_first:
            out = out.transpose(0, 1)
        if not is_batched:
            out = out.squeeze(batch_dim)
            hidden = (h_n.squeeze(1), c_n.squeeze(1)) if lstm else h_n.squeeze(1)
        return out, hidden

    def _check_lstm_hidden(self, input, hidden, batch_sizes):
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               'Expected hidden[0] size {}, got {}')
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               'Expected hidden[1] size {}, got {}')


class RNN(RNNBase):
    """Multi-layer Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``
    (or ReLU) (``nn.RNN``).

    Args:
        input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
        batch_first=False, dropout=0.0 (between layers, training only), bidirectional=False.

    Input ``(L, N, H_in)`` (``(N, L, H_in)`` with batch_first), ``(L, H_in)`` unbatched, or a
    ``PackedSequence``; returns ``(output, h_n)``.
    """

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError('proj_size argument is only supported for LSTM, not RNN or GRU')
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop('nonlinearity', 'tanh')
        if self.nonlinearity == 'tanh':
            mode = 'RNN_TANH'
        elif self.nonlinearity == 'relu':
            mode = 'RNN_RELU'
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Multi-layer LSTM with PyTorch's gates (i, f, g, o) and optional projection
    ``h_t = W_hr (o_t * tanh(c_t))`` (``nn.LSTM``).

    Args:
        input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
        bidirectional=False, proj_size=0.

    Returns ``(output, (h_n, c_n))``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__('LSTM', *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self._check_lstm_hidden(input, hidden, batch_sizes)

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)


class GRU(RNNBase):
    """Multi-layer GRU with PyTorch's gates (r, z, n),
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h`` (``nn.GRU``).

    Args:
        input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
        bidirectional=False.
    """

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError('proj_size argument is only supported for LSTM, not RNN or GRU')
        super().__init__('GRU', *args, **kwargs)


# ------------------------------------------------------------------------------------ cells


class RNNCellBase(Module):
    """Base of the cells: ``weight_ih`` (chunks*H, in), ``weight_hh`` (chunks*H, H),
    ``bias_ih``, ``bias_hh``; init U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_empty((num_chunks * hidden_size, input_size), device, dtype))
        self.weight_hh = Parameter(_empty((num_chunks * hidden_size, hidden_size), device, dtype))
        if bias:
            self.bias_ih = Parameter(_empty(num_chunks * hidden_size, device, dtype))
            self.bias_hh = Parameter(_empty(num_chunks * hidden_size, device, dtype))
        else:
            self.register_parameter('bias_ih', None)
            self.register_parameter('bias_hh', None)
        self.reset_parameters()

    def extra_repr(self):
        s = '{input_size}, {hidden_size}'
        if 'bias' in self.__dict__ and self.bias is not True:
            s += ', bias={bias}'
        if 'nonlinearity' in self.__dict__ and self.nonlinearity != 'tanh':
            s += ', nonlinearity={nonlinearity}'
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _check(self, input, hxs):
        if input.size(1) != self.input_size:
            raise RuntimeError(f'input has inconsistent input_size: got {input.size(1)} expected '
                               f'{self.input_size}')
        for k, h in enumerate(hxs):
            if h.size(0) != input.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{k} "
                                   f'batch size {h.size(0)}')
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f'hidden{k} has inconsistent hidden_size: got {h.size(1)}, '
                                   f'expected {self.hidden_size}')

    def _step(self, mode, input, h, c):
        from ...ops.rnn import rnn_layer
        return rnn_layer(mode, input, self.weight_ih, self.bias_ih, h, c, self.weight_hh,
                         self.bias_hh, None, (input.shape[0],), False)


def _cell_prep(name, what, input, hx):
    if input.dim() not in (1, 2):
        raise ValueError(f'{name}: Expected input to be 1D or 2D, got {input.dim()}D instead')
    if hx is not None and hx.dim() not in (1, 2):
        raise ValueError(f'{name}: Expected {what} to be 1D or 2D, got {hx.dim()}D instead')
    is_batched = input.dim() == 2
    if not is_batched:
        input = input.unsqueeze(0)
        if hx is not None:
            hx = hx.unsqueeze(0)
    return input, hx, is_batched


class RNNCell(RNNCellBase):
    """One Elman step ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU)
    (``nn.RNNCell``). Args: input_size, hidden_size, bias=True, nonlinearity='tanh'."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, hx, is_batched = _cell_prep('RNNCell', 'hidden', input, hx)
        if self.nonlinearity not in ('tanh', 'relu'):
            raise RuntimeError(f'Unknown nonlinearity: {self.nonlinearity}')
        self._check(input, () if hx is None else (hx,))
        mode = 'RNN_TANH' if self.nonlinearity == 'tanh' else 'RNN_RELU'
        ret = self._step(mode, input, hx, None)[1]
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step returning ``(h', c')``, gates (i, f, g, o) (``nn.LSTMCell``).
    Args: input_size, hidden_size, bias=True."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f'LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D '
                             'instead')
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f'LSTMCell: Expected hx[{idx}] to be 1D or 2D, got '
                                     f'{value.dim()}D instead')
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
            if hx is not None:
                hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h = c = None
        if hx is not None:
            h, c = hx
            self._check(input, (h, c))
        else:
            self._check(input, ())
        _, h1, c1 = self._step('LSTM', input, h, c)
        if not is_batched:
            return h1.squeeze(0), c1.squeeze(0)
        return h1, c1


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n; ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``)
    (``nn.GRUCell``). Args: input_size, hidden_size, bias=True."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, hx, is_batched = _cell_prep('GRUCell', 'hidden', input, hx)
        self._check(input, () if hx is None else (hx,))
        ret = self._step('GRU', input, hx, None)[1]
        return ret if is_batched else ret.squeeze(0)
