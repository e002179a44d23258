"""``torch.ao.nn.quantized.dynamic``: dynamically quantized modules (weights stored quantized,
activations quantized on the fly)."""
from .linear import Linear, LinearPackedParams  # noqa: F401
from .rnn import LSTM, GRU, RNNCell, LSTMCell, GRUCell  # noqa: F401

__all__ = ['Linear', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell']
