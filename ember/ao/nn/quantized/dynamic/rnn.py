"""``torch.ao.nn.quantized.dynamic.LSTM`` / ``GRU`` (printed ``DynamicQuantizedLSTM`` / ``GRU``):
recurrent layers whose weight matrices are stored as qint8 and applied with fbgemm's dynamic linear
(ember/_quantized.py), in the order of ATen's quantized_lstm / quantized_gru (RNN.cpp) on the CPU:
per layer and direction, the input projection of the whole sequence at once (one activation scale for
all steps), then per step (LSTM) gates = linear_hh(h) + projected input; i, f, g, o = sigmoid,
sigmoid, tanh, sigmoid; c' = f * c + i * g; h' = o * tanh(c'); (GRU) r = sigmoid(hr + ir),
z = sigmoid(hz + iz), n = tanh(in + hn * r), h' = (h - n) * z + n. Packed sequences are not supported.
The cells (RNNCell / LSTMCell / GRUCell) do one step of the same arithmetic, linear_hh(h) + linear_ih(x).
"""
import ember as torch
from ember import nn
from ember import _quantized as Q
from .linear import _quantize_weight, _weight_observer_factory
from ember.nn.modules.rnn import RNNBase as _RNNBase

__all__ = ['PackedParameter', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell']


class _CellParams:
    """The quantized (or float16) weights and float biases of one layer and direction."""
    __slots__ = ('w_ih', 'w_hh', 'b_ih', 'b_hh', 'dtype')

    def __init__(self, w_ih, w_hh, b_ih, b_hh, dtype):
        self.w_ih, self.w_hh, self.b_ih, self.b_hh, self.dtype = w_ih, w_hh, b_ih, b_hh, dtype

    def linear(self, x, w, b):
        if self.dtype == Q.qint8:
            return Q.linear_dynamic(x, w, b, reduce_range=True)
        return torch.nn.functional.linear(x, w.to(torch.float16).float(), b)


class PackedParameter(nn.Module):
    """Holds one layer-direction's cell parameters; saved as ``param``."""

    def __init__(self, param):
        super().__init__()
        self.param = param

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'param'] = self.param

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        self.param = state_dict.pop(prefix + 'param')
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys, unexpected_keys,
                                      error_msgs)


class RNNBase(nn.Module):
    """A dynamically quantized LSTM or GRU (float in, float out), made from the float module by ``from_float``."""
    _version = 2
    _FLOAT_MODULE = None
    _MODE = None

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, dtype=Q.qint8):
        super().__init__()
        self.mode = self._MODE
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
        # torch's __init__ draws placeholder weights (from_float replaces them): the same draws here,
        # so that the global generator is where torch leaves it
        gate_size = (4 if self._MODE == 'LSTM' else 3) * hidden_size
        dirs = 2 if bidirectional else 1
        for layer in range(num_layers):
            for _ in range(dirs):
                torch.randn(gate_size, input_size if layer == 0 else hidden_size * dirs)
                torch.randn(gate_size, hidden_size)
                torch.randn(gate_size)
                torch.randn(gate_size)
        self._all_weight_values = nn.ModuleList()

    def _get_name(self):
        return 'DynamicQuantized' + self._MODE

    extra_repr = _RNNBase.extra_repr       # (the float module's line: it prints no proj_size here)

    def __repr__(self):
        from .linear import _hide_packed_params_repr
        return _hide_packed_params_repr(self, (PackedParameter, nn.ModuleList))

    def _weight_bias(self):
        weight, bias = {}, {}
        dirs = 2 if self.bidirectional else 1
        for i, m in enumerate(self._all_weight_values):
            layer, d = divmod(i, dirs)
            suffix = '_reverse' if d else ''
            p = m.param
            weight[f'weight_ih_l{layer}{suffix}'], weight[f'weight_hh_l{layer}{suffix}'] = p.w_ih, p.w_hh
            bias[f'bias_ih_l{layer}{suffix}'], bias[f'bias_hh_l{layer}{suffix}'] = p.b_ih, p.b_hh
        return {'weight': weight, 'bias': bias}

    def get_weight(self):
        return self._weight_bias()['weight']

    def get_bias(self):
        return self._weight_bias()['bias']

    def forward(self, input, hx=None):
        if not isinstance(input, torch.Tensor):
            raise NotImplementedError('ember: a dynamically quantized RNN on a PackedSequence is not implemented')
        if input.dim() != 3:        # (no unbatched input here, unlike nn.LSTM: torch's check_forward_args)
            raise RuntimeError(f'input must have 3 dimensions, got {input.dim()}')
        lstm = self._MODE == 'LSTM'
        x = input.transpose(0, 1) if self.batch_first else input
        dirs = 2 if self.bidirectional else 1
        if hx is None:
            zeros = torch.zeros(self.num_layers * dirs, x.shape[1], self.hidden_size, dtype=input.dtype)
            hx = (zeros, zeros) if lstm else zeros
        h0, c0 = hx if lstm else (hx, None)
        hs, cs = [], []
        with torch.no_grad():
            layer_in = x
            for layer in range(self.num_layers):
                outs = []
                for d in range(dirs):
                    k = layer * dirs + d
                    p = self._all_weight_values[k].param
                    projected = p.linear(layer_in, p.w_ih, p.b_ih)      # the whole sequence at once
                    h = h0[k]
                    c = c0[k] if lstm else None
                    out = [None] * x.shape[0]
                    for t in (range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])):
                        if lstm:
                            gates = p.linear(h, p.w_hh, p.b_hh) + projected[t]
                            i, f, g, o = gates.chunk(4, 1)
                            i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                            c = f * c + i * g
                            h = o * c.tanh()
                        else:
                            ir, iz, in_ = projected[t].chunk(3, 1)
                            hr, hz, hn = p.linear(h, p.w_hh, p.b_hh).chunk(3, 1)
                            r, z = (hr + ir).sigmoid(), (hz + iz).sigmoid()
                            n = (in_ + hn * r).tanh()
                            h = (h - n) * z + n
                        out[t] = h
                    outs.append(torch.stack(out))
                    hs.append(h)
                    cs.append(c)
                layer_in = outs[0] if dirs == 1 else torch.cat(outs, 2)
                if self.dropout and self.training and layer < self.num_layers - 1:
                    layer_in = torch.nn.functional.dropout(layer_in, self.dropout, True)
        output = layer_in.transpose(0, 1) if self.batch_first else layer_in
        return output, ((torch.stack(hs), torch.stack(cs)) if lstm else torch.stack(hs))

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        if type(mod) is not cls._FLOAT_MODULE:
            raise AssertionError(f'nn.quantized.dynamic.{cls._MODE}.from_float only works for nn.{cls._MODE}')
        weight_observer_method = _weight_observer_factory(mod)
        dtype = weight_observer_method().dtype
        if dtype not in (Q.qint8, torch.float16):
            raise RuntimeError(f'Unsupported dtype for dynamic RNN quantization: {dtype}')
        if getattr(mod, 'proj_size', 0):
            raise NotImplementedError('ember: a dynamically quantized LSTM with proj_size is not implemented')
        q = cls(mod.input_size, mod.hidden_size, mod.num_layers, mod.bias, mod.batch_first, mod.dropout,
                mod.bidirectional, dtype)
        if not mod.bias:
            raise AssertionError('mod.bias must be True')
        params = []
        for layer in range(mod.num_layers):
            for d in range(2 if mod.bidirectional else 1):
                suffix = '_reverse' if d else ''
                ws, bs = [], []
                for ihhh in ('ih', 'hh'):
                    w = getattr(mod, f'weight_{ihhh}_l{layer}{suffix}')
                    b = getattr(mod, f'bias_{ihhh}_l{layer}{suffix}')
                    if dtype == Q.qint8:
                        obs = weight_observer_method()
                        obs(w)
                        ws.append(_quantize_weight(w.float(), obs))
                    else:
                        ws.append(w.detach().float())
                    bs.append(b.detach())
                params.append(PackedParameter(_CellParams(ws[0], ws[1], bs[0], bs[1], dtype)))
        q._all_weight_values = nn.ModuleList(params)
        return q


class LSTM(RNNBase):
    """``torch.ao.nn.quantized.dynamic.LSTM``."""
    _FLOAT_MODULE = nn.LSTM
    _MODE = 'LSTM'


class GRU(RNNBase):
    """``torch.ao.nn.quantized.dynamic.GRU``."""
    _FLOAT_MODULE = nn.GRU
    _MODE = 'GRU'


class RNNCellBase(nn.Module):
    """Dynamically quantized RNN cells: ATen's quantized_*_cell_dynamic, one step (7-bit activations too)."""
    _FLOAT_MODULE = None
    _CHUNKS = 4

    def __init__(self, input_size, hidden_size, bias=True, num_chunks=4, dtype=Q.qint8):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_dtype = dtype
        # (torch's placeholder draws, in its order: biases, then weights)
        if bias:
            self.bias_ih = torch.randn(num_chunks * hidden_size)
            self.bias_hh = torch.randn(num_chunks * hidden_size)
        else:
            self.register_parameter('bias_ih', None)
            self.register_parameter('bias_hh', None)
        w_ih = torch.randn(num_chunks * hidden_size, input_size)
        w_hh = torch.randn(num_chunks * hidden_size, hidden_size)
        if dtype == Q.qint8:
            w_ih = torch.quantize_per_tensor(w_ih, 1, 0, Q.qint8)
            w_hh = torch.quantize_per_tensor(w_hh, 1, 0, Q.qint8)
        self._packed_weight_ih = (w_ih, self.bias_ih)
        self._packed_weight_hh = (w_hh, self.bias_hh)

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
            raise RuntimeError(f'input has inconsistent input_size: got {input.size(1)}, expected {self.input_size}')

    def check_forward_hidden(self, input, hx, hidden_label=''):
        if input.size(0) != hx.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{hidden_label} batch size "
                               f'{hx.size(0)}')
        if hx.size(1) != self.hidden_size:
            raise RuntimeError(f'hidden{hidden_label} has inconsistent hidden_size: got {hx.size(1)}, expected '
                               f'{self.hidden_size}')

    def _lin(self, x, packed):
        w, b = packed
        if self.weight_dtype == Q.qint8:
            return Q.linear_dynamic(x, w, b, reduce_range=True)
        return torch.nn.functional.linear(x, w.to(torch.float16).float(), b)

    def _weight_bias(self):
        (w1, b1), (w2, b2) = self._packed_weight_ih, self._packed_weight_hh
        return {'weight': {'weight_ih': w1, 'weight_hh': w2}, 'bias': {'bias_ih': b1, 'bias_hh': b2}}

    def get_weight(self):
        return self._weight_bias()['weight']

    def get_bias(self):
        return self._weight_bias()['bias']

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + '_packed_weight_ih'] = self._packed_weight_ih
        destination[prefix + '_packed_weight_hh'] = self._packed_weight_hh

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        self._packed_weight_ih = state_dict.pop(prefix + '_packed_weight_ih')
        self._packed_weight_hh = state_dict.pop(prefix + '_packed_weight_hh')
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys, unexpected_keys,
                                      error_msgs)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        if type(mod) not in (nn.LSTMCell, nn.GRUCell, nn.RNNCell):
            raise AssertionError('nn.quantized.dynamic.RNNCellBase.from_float only works for nn.LSTMCell, '
                                 'nn.GRUCell and nn.RNNCell')
        weight_observer_method = _weight_observer_factory(mod)
        dtype = weight_observer_method().dtype
        if dtype not in (Q.qint8, torch.float16):
            raise RuntimeError(f'Unsupported dtype for dynamic RNN quantization: {dtype}')
        if type(mod) is nn.RNNCell:
            q = RNNCell(mod.input_size, mod.hidden_size, bias=mod.bias, nonlinearity=mod.nonlinearity, dtype=dtype)
        else:
            q = (LSTMCell if type(mod) is nn.LSTMCell else GRUCell)(mod.input_size, mod.hidden_size, bias=mod.bias,
                                                                   dtype=dtype)
        if not mod.bias:
            raise AssertionError('mod.bias must be True')

        def quantized(w):
            if dtype != Q.qint8:
                return w.detach().float()
            obs = weight_observer_method()
            obs(w)
            return _quantize_weight(w.float(), obs)
        q._packed_weight_ih = (quantized(mod.weight_ih), mod.bias_ih)
        q._packed_weight_hh = (quantized(mod.weight_hh), mod.bias_hh)
        return q


class RNNCell(RNNCellBase):
    """``torch.ao.nn.quantized.dynamic.RNNCell``: h' = tanh (or relu) of linear_hh(h) + linear_ih(x)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', dtype=Q.qint8):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def _get_name(self):
        return 'DynamicQuantizedRNNCell'

    def forward(self, input, hx=None):
        self.check_forward_input(input)
        if hx is None:
            hx = torch.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        self.check_forward_hidden(input, hx, '')
        if self.nonlinearity not in ('tanh', 'relu'):
            raise RuntimeError(f'Unknown nonlinearity: {self.nonlinearity}')
        with torch.no_grad():
            pre = self._lin(hx, self._packed_weight_hh) + self._lin(input, self._packed_weight_ih)
            return pre.tanh() if self.nonlinearity == 'tanh' else pre.relu()


class LSTMCell(RNNCellBase):
    """``torch.ao.nn.quantized.dynamic.LSTMCell``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, num_chunks=4, **kwargs)

    def _get_name(self):
        return 'DynamicQuantizedLSTMCell'

    def forward(self, input, hx=None):
        self.check_forward_input(input)
        if hx is None:
            zeros = torch.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            hx = (zeros, zeros)
        self.check_forward_hidden(input, hx[0], '[0]')
        self.check_forward_hidden(input, hx[1], '[1]')
        with torch.no_grad():
            gates = self._lin(hx[0], self._packed_weight_hh) + self._lin(input, self._packed_weight_ih)
            i, f, g, o = gates.chunk(4, 1)
            c = f.sigmoid() * hx[1] + i.sigmoid() * g.tanh()
            return o.sigmoid() * c.tanh(), c


class GRUCell(RNNCellBase):
    """``torch.ao.nn.quantized.dynamic.GRUCell``."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=Q.qint8):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def _get_name(self):
        return 'DynamicQuantizedGRUCell'

    def forward(self, input, hx=None):
        self.check_forward_input(input)
        if hx is None:
            hx = torch.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        self.check_forward_hidden(input, hx, '')
        with torch.no_grad():
            ir, iz, in_ = self._lin(input, self._packed_weight_ih).chunk(3, 1)
            hr, hz, hn = self._lin(hx, self._packed_weight_hh).chunk(3, 1)
            r, z = (hr + ir).sigmoid(), (hz + iz).sigmoid()
            n = (in_ + hn * r).tanh()
            return (hx - n) * z + n
