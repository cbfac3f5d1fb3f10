"""``torch.ao.nn.quantized.dynamic``: dynamically quantized modules."""
from .modules import Linear  # noqa: F401
from .rnn import (LSTM, GRU, RNNCell, LSTMCell, GRUCell, RNNBase, RNNCellBase,  # noqa: F401
                  PackedParameter, pack_weight_bias)
__all__ = ['Linear', 'LSTM', 'GRU', 'LSTMCell', 'RNNCell', 'GRUCell']
