"""Recurrent layers: ``RNN`` (tanh/relu), ``LSTM`` (with optional projections), ``GRU`` and the
single-step cells ``RNNCell``, ``LSTMCell``, ``GRUCell``, as in torch/nn/modules/rnn.py.

The forward is made of ember ops, so autograd differentiates it: each layer projects the input
of all time steps at once (one matmul), then a Python loop over the time steps applies the
recurrent matmul and the gates. ``PackedSequence`` inputs run the same loop with the batch
shrinking (forward direction) or growing (reverse direction) as the sequences end.

Example:
    >>> rnn = nn.LSTM(10, 20, num_layers=2)
    >>> output, (h_n, c_n) = rnn(ember.randn(5, 3, 10))   # (5, 3, 20), (2, 3, 20), (2, 3, 20)
"""
import math
import numbers
import warnings
import weakref

from ..._ops._core import fused_name
from ..._backend import is_host as _is_host
from .._functional.rnn import lstm_layer
from ..._ops.creation import empty
from .. import functional as F, init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell']


def _E():
    import ember
    return ember


def _apply_permutation(tensor, permutation, dim=1):
    return tensor.index_select(dim, permutation)


# ----------------------------------------------------------------------------- the cell math
def _rnn_step(gi, h, w_hh, b_hh, act):
    return act(gi + F.linear(h, w_hh, b_hh))


def _lstm_step(gi, h, c, w_hh, b_hh, w_hr):
    E = _E()
    gates = gi + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, 1)
    i, f, g, o = E.sigmoid(i), E.sigmoid(f), E.tanh(g), E.sigmoid(o)
    c = f * c + i * g
    h = o * E.tanh(c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(gi, h, w_hh, b_hh):
    E = _E()
    gh = F.linear(h, w_hh, b_hh)
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = E.sigmoid(i_r + h_r)
    z = E.sigmoid(i_z + h_z)
    n = E.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def _run_direction(mode, gi_steps, h0, c0, w, reverse):
    """Run one layer in one direction.

    ``gi_steps[t]`` is the input projection at step ``t`` (``(bs_t, gates)``, batch sizes
    non-increasing in ``t``); ``h0``/``c0`` the initial state of the full batch. Returns the list
    of per-step outputs (in time order) and the final ``h`` (and ``c``) for the full batch.
    """
    E = _E()
    w_hh, b_hh, w_hr = w['w_hh'], w['b_hh'], w['w_hr']
    act = E.relu if mode == 'RNN_RELU' else E.tanh
    lstm = mode == 'LSTM'
    T = len(gi_steps)
    sizes = [g.size(0) for g in gi_steps]
    full = h0.size(0)
    outs = [None] * T

    def step(t, h, c):
        gi = gi_steps[t]
        if lstm:
            return _lstm_step(gi, h, c, w_hh, b_hh, w_hr)
        if mode == 'GRU':
            return _gru_step(gi, h, w_hh, b_hh), None
        return _rnn_step(gi, h, w_hh, b_hh, act), None

    if not reverse:
        h, c = h0, c0
        done_h, done_c = [], []              # final states of sequences that ended, high rows first
        cur = full
        for t in range(T):
            bs = sizes[t]
            if bs < cur:
                done_h.append(h[bs:cur])
                h = h[:bs]
                if lstm:
                    done_c.append(c[bs:cur])
                    c = c[:bs]
                cur = bs
            h, c = step(t, h, c)
            outs[t] = h
        h_n = E.cat([h] + done_h[::-1], 0) if done_h else h
        c_n = (E.cat([c] + done_c[::-1], 0) if done_c else c) if lstm else None
        return outs, h_n, c_n
    cur = sizes[-1] if T else 0
    h = h0[:cur]
    c = c0[:cur] if lstm else None
    for t in range(T - 1, -1, -1):
        bs = sizes[t]
        if bs > cur:
            h = E.cat([h, h0[cur:bs]], 0)
            if lstm:
                c = E.cat([c, c0[cur:bs]], 0)
            cur = bs
        h, c = step(t, h, c)
        outs[t] = h
    if cur < full:
        h = E.cat([h, h0[cur:full]], 0)
        if lstm:
            c = E.cat([c, c0[cur:full]], 0)
    return outs, h, c


def _rnn_impl(mode, input, batch_sizes, hx, cx, weights, has_bias, has_proj, num_layers, dropout, training,
              bidirectional, batch_first):
    """The whole multi-layer, maybe bidirectional recurrence (``_VF.rnn_tanh/rnn_relu/lstm/gru``).

    ``input`` is ``(T, B, I)`` (``(B, T, I)`` with ``batch_first``) when ``batch_sizes`` is None,
    else the packed data ``(N, I)``. Returns ``(output, h_n, c_n)``.
    """
    E = _E()
    packed = batch_sizes is not None
    if not packed and batch_first:
        input = input.transpose(0, 1)
    if packed:
        sizes = [int(v) for v in batch_sizes.tolist()]
        offsets = [0]
        for bs in sizes:
            offsets.append(offsets[-1] + bs)
    num_dir = 2 if bidirectional else 1
    per = 2 + (2 if has_bias else 0) + (1 if has_proj else 0)
    mkldnn = (mode == 'LSTM' and not packed and not has_proj and input.device.type == 'cpu'
              and input.dtype is E.float32)
    layer_input = input
    h_n, c_n = [], []
    for layer in range(num_layers):
        dir_outs = []
        for d in range(num_dir):
            ws = weights[(layer * num_dir + d) * per:(layer * num_dir + d + 1) * per]
            w = {'w_ih': ws[0], 'w_hh': ws[1], 'b_ih': ws[2] if has_bias else None,
                 'b_hh': ws[3] if has_bias else None, 'w_hr': ws[-1] if has_proj else None}
            idx = layer * num_dir + d
            if mkldnn and _is_host(layer_input._data):
                # one node for the layer (nn/_functional/rnn.py), as torch's oneDNN layer
                dir_out, h, c = lstm_layer(layer_input, w['w_ih'], w['w_hh'], w['b_ih'], w['b_hh'], hx[idx],
                                           cx[idx], reverse=d == 1)
            else:
                gi = F.linear(layer_input, w['w_ih'], w['b_ih'])      # all time steps at once
                if packed:
                    gi_steps = [gi[offsets[t]:offsets[t + 1]] for t in range(len(sizes))]
                else:
                    gi_steps = list(gi.unbind(0))
                outs, h, c = _run_direction(mode, gi_steps, hx[idx], cx[idx] if cx is not None else None, w,
                                            reverse=d == 1)
                dir_out = E.cat(outs, 0) if packed else E.stack(outs, 0)
            if mkldnn:      # torch's CPU LSTM runs oneDNN's layer: print(out) shows its node
                dir_out = fused_name(dir_out, 'MkldnnRnnLayerBackward0')
            dir_outs.append(dir_out)
            h_n.append(h)
            if c is not None:
                c_n.append(c)
        out = dir_outs[0] if num_dir == 1 else E.cat(dir_outs, -1)
        if dropout > 0 and training and layer < num_layers - 1:
            out = F.dropout(out, p=dropout, training=True)
        layer_input = out
    output = layer_input
    if not packed and batch_first:
        # (torch's GRU/RNN transpose in place: grad_fn=<TransposeBackward1>)
        output = output.transpose(0, 1) if mode == 'LSTM' else output.transpose_(0, 1)
    return output, E.stack(h_n, 0), (E.stack(c_n, 0) if c_n else None)


# ----------------------------------------------------------------------------- the layers
class RNNBase(Module):
    r"""Base class for :class:`RNN`, :class:`LSTM` and :class:`GRU`: builds the per-layer,
    per-direction parameters ``weight_ih_l{k}[_reverse]``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (and ``weight_hr_l{k}`` for a projected LSTM), all initialised from
    :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})` with :math:`k = 1/\text{hidden\_size}`.
    """
    __constants__ = ['mode', 'input_size', 'hidden_size', 'num_layers', 'bias', 'batch_first', 'dropout',
                     'bidirectional', 'proj_size']
    __jit_unused_properties__ = ['all_weights']

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        factory_kwargs = {'device': device, 'dtype': dtype}
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
        self._flat_weight_refs = []
        num_directions = 2 if bidirectional else 1

        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError('dropout should be a number in range [0, 1] representing the probability of an '
                             'element being zeroed')
        if dropout > 0 and num_layers == 1:
            warnings.warn('dropout option adds dropout after all but last recurrent layer, so non-zero dropout '
                          f'expects num_layers greater than 1, but got dropout={dropout} and '
                          f'num_layers={num_layers}', stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f'bias should be of type bool, got: {type(bias).__name__}')
        if not isinstance(batch_first, bool):
            raise TypeError(f'batch_first should be of type bool, got: {type(batch_first).__name__}')
        if not isinstance(input_size, int):
            raise TypeError(f'input_size should be of type int, got: {type(input_size).__name__}')
        if input_size <= 0:
            raise ValueError('input_size must be greater than zero')
        if not isinstance(hidden_size, int):
            raise TypeError(f'hidden_size should be of type int, got: {type(hidden_size).__name__}')
        if hidden_size <= 0:
            raise ValueError('hidden_size must be greater than zero')
        if num_layers <= 0:
            raise ValueError('num_layers must be greater than zero')
        if proj_size < 0:
            raise ValueError('proj_size should be a positive integer or zero to disable projections')
        if proj_size >= hidden_size:
            raise ValueError('proj_size has to be smaller than hidden_size')

        if mode == 'LSTM':
            gate_size = 4 * hidden_size
        elif mode == 'GRU':
            gate_size = 3 * hidden_size
        elif mode in ('RNN_TANH', 'RNN_RELU'):
            gate_size = hidden_size
        else:
            raise ValueError('Unrecognized RNN mode: ' + mode)

        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                real_hidden_size = proj_size if proj_size > 0 else hidden_size
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                w_ih = Parameter(empty((gate_size, layer_input_size), **factory_kwargs))
                w_hh = Parameter(empty((gate_size, real_hidden_size), **factory_kwargs))
                b_ih = Parameter(empty(gate_size, **factory_kwargs))
                b_hh = Parameter(empty(gate_size, **factory_kwargs))
                if self.proj_size == 0:
                    layer_params = (w_ih, w_hh, b_ih, b_hh) if bias else (w_ih, w_hh)
                else:
                    w_hr = Parameter(empty((proj_size, hidden_size), **factory_kwargs))
                    layer_params = (w_ih, w_hh, b_ih, b_hh, w_hr) if bias else (w_ih, w_hh, w_hr)
                suffix = '_reverse' if direction == 1 else ''
                param_names = ['weight_ih_l{}{}', 'weight_hh_l{}{}']
                if bias:
                    param_names += ['bias_ih_l{}{}', 'bias_hh_l{}{}']
                if self.proj_size > 0:
                    param_names += ['weight_hr_l{}{}']
                param_names = [x.format(layer, suffix) for x in param_names]
                for name, param in zip(param_names, layer_params):
                    setattr(self, name, param)
                self._flat_weights_names.extend(param_names)
                self._all_weights.append(param_names)
        self._init_flat_weights()
        self.reset_parameters()

    def _init_flat_weights(self):
        self._flat_weights = [getattr(self, wn) if hasattr(self, wn) else None for wn in self._flat_weights_names]
        refs = []
        for w in self._flat_weights:
            try:
                refs.append(weakref.ref(w) if w is not None else None)
            except TypeError:
                refs.append(None)
        self._flat_weight_refs = refs
        self.flatten_parameters()

    def __setattr__(self, attr, value):
        if '_flat_weights_names' in self.__dict__ and attr in self._flat_weights_names and \
                '_flat_weights' in self.__dict__:
            idx = self._flat_weights_names.index(attr)
            self._flat_weights[idx] = value
        super().__setattr__(attr, value)

    def flatten_parameters(self):
        """Compact the weights into one buffer for cuDNN; nothing to do here."""
        return None

    def _apply(self, fn, recurse=True):
        self._flat_weight_refs = []
        ret = super()._apply(fn, recurse)
        self._init_flat_weights()
        return ret

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def check_input(self, input, batch_sizes):
        wdtype = self._flat_weights[0].dtype
        if input.dtype != wdtype:
            raise ValueError(f'RNN input dtype ({input.dtype}) does not match weight dtype ({wdtype}). '
                             f'Convert input: input.to({wdtype}), or convert model: model.to({input.dtype})')
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f'input must have {expected_input_dim} dimensions, got {input.dim()}')
        if self.input_size != input.size(-1):
            raise RuntimeError(f'input.size(-1) must be equal to input_size. Expected {self.input_size}, '
                               f'got {input.size(-1)}')

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx, expected_hidden_size, msg='Expected hidden size {}, got {}'):
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def _weights_have_changed(self):
        for ref, name in zip(self._flat_weight_refs, self._flat_weights_names):
            weight = getattr(self, name) if hasattr(self, name) else None
            if weight is not None and ref is not None and ref() is not weight:
                return True
        return False

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self):
        # (also the dynamically quantized RNNs' (ember/ao/nn/quantized/dynamic/rnn.py): no proj_size)
        s = '{input_size}, {hidden_size}'
        if getattr(self, 'proj_size', 0) != 0:
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

    def _update_flat_weights(self):
        if self._weights_have_changed():
            self._init_flat_weights()

    def __getstate__(self):
        self._update_flat_weights()
        state = self.__dict__.copy()
        state.pop('_flat_weight_refs', None)
        return state

    def __setstate__(self, d):
        super().__setstate__(d)
        if 'proj_size' not in d:
            self.proj_size = 0
        self._flat_weights = [getattr(self, wn) if hasattr(self, wn) else None for wn in self._flat_weights_names]
        self._flat_weight_refs = []

    @property
    def all_weights(self):
        return [[getattr(self, weight) for weight in weights] for weights in self._all_weights]

    def _run(self, input, batch_sizes, hx, cx):
        weights = [getattr(self, n) for n in self._flat_weights_names]
        return _rnn_impl(self.mode, input, batch_sizes, hx, cx, weights, self.bias, self.proj_size > 0,
                         self.num_layers, self.dropout, self.training, self.bidirectional, self.batch_first)

    def _zeros(self, input, batch, size):
        num_directions = 2 if self.bidirectional else 1
        return _E().zeros(self.num_layers * num_directions, batch, size, dtype=input.dtype, device=input.device)


class _SingleStateRNN(RNNBase):
    """The forward shared by RNN and GRU (one hidden state)."""
    _name = 'RNN'

    def forward(self, input, hx=None):
        self._update_flat_weights()
        orig_input = input
        if isinstance(orig_input, PackedSequence):
            input, batch_sizes, sorted_indices, unsorted_indices = input
            max_batch_size = int(batch_sizes[0])
            if hx is None:
                hx = self._zeros(input, max_batch_size, self.hidden_size)
            else:
                hx = self.permute_hidden(hx, sorted_indices)
        else:
            batch_sizes = None
            if input.dim() not in (2, 3):
                tail = 'D tensor instead' if self._name == 'RNN' else 'D instead'
                raise ValueError(f'{self._name}: Expected input to be 2D or 3D, got {input.dim()}{tail}')
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    if hx.dim() != 2:
                        raise RuntimeError(f'For unbatched 2-D input, hx should also be 2-D but got '
                                           f'{hx.dim()}-D tensor')
                    hx = hx.unsqueeze(1)
            elif hx is not None and hx.dim() != 3:
                raise RuntimeError(f'For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor')
            max_batch_size = input.size(0) if self.batch_first else input.size(1)
            sorted_indices = None
            unsorted_indices = None
            if hx is None:
                hx = self._zeros(input, max_batch_size, self.hidden_size)
        self.check_forward_args(input, hx, batch_sizes)
        output, hidden, _ = self._run(input, batch_sizes, hx, None)
        if isinstance(orig_input, PackedSequence):
            return (PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices),
                    self.permute_hidden(hidden, unsorted_indices))
        if not is_batched:
            output = output.squeeze(batch_dim)
            hidden = hidden.squeeze(1)
        return output, self.permute_hidden(hidden, unsorted_indices)


class RNN(_SingleStateRNN):
    r"""A multi-layer Elman RNN with :math:`\tanh` or ReLU non-linearity:
    :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1}W_{hh}^T + b_{hh})`.

    Args:
        input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
        dropout=0.0, bidirectional=False, device=None, dtype=None (as in torch).

    Inputs: ``input`` ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``, ``(L, H_in)``
    unbatched, or a :class:`PackedSequence`), ``hx`` ``(D*num_layers, N, H_out)`` (default zeros).
    Outputs: ``output`` ``(L, N, D*H_out)``, ``h_n`` ``(D*num_layers, N, H_out)``.

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(torch.randn(5, 3, 10), torch.randn(2, 3, 20))
    """

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError('proj_size argument is only supported for LSTM, not RNN or GRU')
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop('nonlinearity', 'tanh')
        if nonlinearity == 'tanh':
            mode = 'RNN_TANH'
        elif nonlinearity == 'relu':
            mode = 'RNN_RELU'
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity


class GRU(_SingleStateRNN):
    r"""A multi-layer gated recurrent unit (GRU) RNN:

    .. math::
        r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}),\;
        z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}),\\
        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})),\;
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    Arguments, inputs and outputs as :class:`RNN` (without ``nonlinearity``).

    Example::

        >>> rnn = nn.GRU(10, 20, 2)
        >>> output, hn = rnn(torch.randn(5, 3, 10), torch.randn(2, 3, 20))
    """
    _name = 'GRU'

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError('proj_size argument is only supported for LSTM, not RNN or GRU')
        super().__init__('GRU', *args, **kwargs)


class LSTM(RNNBase):
    r"""A multi-layer long short-term memory (LSTM) RNN:

    .. math::
        i_t, f_t, o_t = \sigma(\cdot),\; g_t = \tanh(\cdot),\;
        c_t = f_t \odot c_{t-1} + i_t \odot g_t,\; h_t = o_t \odot \tanh(c_t)

    (gates in the order i, f, g, o). With ``proj_size > 0``, :math:`h_t = W_{hr} h_t`.

    Inputs: ``input``, ``(h_0, c_0)`` (default zeros). Outputs: ``output, (h_n, c_n)``.

    Example::

        >>> rnn = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = rnn(torch.randn(5, 3, 10))
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
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               'Expected hidden[0] size {}, got {}')
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               'Expected hidden[1] size {}, got {}')

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input, hx=None):
        self._update_flat_weights()
        orig_input = input
        batch_sizes = None
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        if isinstance(orig_input, PackedSequence):
            input, batch_sizes, sorted_indices, unsorted_indices = input
            max_batch_size = int(batch_sizes[0])
            if hx is None:
                hx = (self._zeros(input, max_batch_size, real_hidden_size),
                      self._zeros(input, max_batch_size, self.hidden_size))
            else:
                hx = self.permute_hidden(hx, sorted_indices)
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f'LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead')
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
            max_batch_size = input.size(0) if self.batch_first else input.size(1)
            sorted_indices = None
            unsorted_indices = None
            if hx is None:
                hx = (self._zeros(input, max_batch_size, real_hidden_size),
                      self._zeros(input, max_batch_size, self.hidden_size))
                self.check_forward_args(input, hx, batch_sizes)
            else:
                if is_batched:
                    if hx[0].dim() != 3 or hx[1].dim() != 3:
                        raise RuntimeError('For batched 3-D input, hx and cx should also be 3-D but got '
                                           f'({hx[0].dim()}-D, {hx[1].dim()}-D) tensors')
                else:
                    if hx[0].dim() != 2 or hx[1].dim() != 2:
                        raise RuntimeError('For unbatched 2-D input, hx and cx should also be 2-D but got '
                                           f'({hx[0].dim()}-D, {hx[1].dim()}-D) tensors')
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
                self.check_forward_args(input, hx, batch_sizes)
        if batch_sizes is not None:
            self.check_forward_args(input, hx, batch_sizes)
        output, h_n, c_n = self._run(input, batch_sizes, hx[0], hx[1])
        hidden = (h_n, c_n)
        if isinstance(orig_input, PackedSequence):
            return (PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices),
                    self.permute_hidden(hidden, unsorted_indices))
        if not is_batched:
            output = output.squeeze(batch_dim)
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1))
        return output, self.permute_hidden(hidden, unsorted_indices)


# ----------------------------------------------------------------------------- the cells
def _check_cell_sizes(input, hxs, w_ih, w_hh):
    """ATen's check_rnn_cell_forward_input/_hidden, in their order and words."""
    if input.size(1) != w_ih.size(1):
        raise RuntimeError(f'input has inconsistent input_size: got {input.size(1)} expected {w_ih.size(1)}')
    for label, h in enumerate(hxs):
        if input.size(0) != h.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{label} batch size "
                               f'{h.size(0)}')
        if h.size(1) != w_hh.size(1):
            raise RuntimeError(f'hidden{label} has inconsistent hidden_size: got {h.size(1)}, expected '
                               f'{w_hh.size(1)}')


def _lstm_hx(hx):
    """The argument parsing of _VF.lstm_cell's ``hx``: a tuple (or list) of two tensors (passing
    nn.LSTMCell only ``h`` is a common slip)."""
    if not isinstance(hx, (tuple, list)) or not all(isinstance(h, _E().Tensor) for h in hx):
        raise TypeError(f"lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not {type(hx).__name__}")
    if len(hx) != 2:
        raise RuntimeError('lstm_cell expects two hidden states')
    return hx


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.lstm_cell``: one LSTM step on 2-D input, ``(h', c')``."""
    hx = _lstm_hx(hx)
    _check_cell_sizes(input, hx, w_ih, w_hh)
    return _lstm_step(F.linear(input, w_ih, b_ih), hx[0], hx[1], w_hh, b_hh, None)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.gru_cell``: one GRU step on 2-D input."""
    _check_cell_sizes(input, (hx,), w_ih, w_hh)
    return _gru_step(F.linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.rnn_tanh_cell``: one Elman step, tanh."""
    _check_cell_sizes(input, (hx,), w_ih, w_hh)
    return _rnn_step(F.linear(input, w_ih, b_ih), hx, w_hh, b_hh, _E().tanh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.rnn_relu_cell``: one Elman step, relu."""
    _check_cell_sizes(input, (hx,), w_ih, w_hh)
    return _rnn_step(F.linear(input, w_ih, b_ih), hx, w_hh, b_hh, _E().relu)


class RNNCellBase(Module):
    """Base class of the cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""
    __constants__ = ['input_size', 'hidden_size', 'bias']

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        factory_kwargs = {'device': device, 'dtype': dtype}
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **factory_kwargs))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **factory_kwargs))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **factory_kwargs))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **factory_kwargs))
        else:
            self.register_parameter('bias_ih', None)
            self.register_parameter('bias_hh', None)
        self.reset_parameters()

    def _batch(self, input, hx):
        """RNNCell's and GRUCell's checks in torch's order, then a batch of one for unbatched input
        and zeros for a missing hidden state: (input, hx, is_batched)."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f'{name}: Expected input to be 1D or 2D, got {input.dim()}D instead')
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f'{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D instead')
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = _E().zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        self._check_sizes(input, (hx,))
        return input, hx, is_batched

    def _check_sizes(self, input, hxs):
        _check_cell_sizes(input, hxs, self.weight_ih, self.weight_hh)

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


class RNNCell(RNNCellBase):
    r"""One step of an Elman RNN: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})`.

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> hx = cell(torch.randn(3, 10), torch.randn(3, 20))     # (3, 20)
    """
    __constants__ = ['input_size', 'hidden_size', 'bias', 'nonlinearity']

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        E = _E()
        input, hx, is_batched = self._batch(input, hx)
        if self.nonlinearity == 'tanh':
            act = E.tanh
        elif self.nonlinearity == 'relu':
            act = E.relu
        else:
            raise RuntimeError(f'Unknown nonlinearity: {self.nonlinearity}')
        ret = _rnn_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh, act)
        if not is_batched:
            ret = ret.squeeze(0)
        return ret


class LSTMCell(RNNCellBase):
    r"""One step of an LSTM: returns ``(h', c')``.

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> hx, cx = cell(torch.randn(3, 10), (torch.randn(3, 20), torch.randn(3, 20)))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        E = _E()
        if input.dim() not in (1, 2):
            raise ValueError(f'LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead')
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f'LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead')
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = E.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (zeros, zeros)
        else:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0)) if not is_batched else _lstm_hx(hx)
        self._check_sizes(input, hx)
        ret = _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), hx[0], hx[1], self.weight_hh,
                         self.bias_hh, None)
        if not is_batched:
            ret = (ret[0].squeeze(0), ret[1].squeeze(0))
        return ret


class GRUCell(RNNCellBase):
    r"""One step of a GRU.

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> hx = cell(torch.randn(3, 10), torch.randn(3, 20))     # (3, 20)
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, hx, is_batched = self._batch(input, hx)
        ret = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)
        if not is_batched:
            ret = ret.squeeze(0)
        return ret
