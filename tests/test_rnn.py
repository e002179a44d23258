"""The recurrent layers (``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells) and
``nn.utils.rnn`` against torch's: each layer is built in both libraries, torch's initial weights
are loaded into ember's, the same inputs (and initial states) go in, a fixed upstream gradient
is backpropagated through the output and the final states, and outputs, states, input/state
gradients and every parameter gradient are compared. Also: packed sequences, reprs, parameter
names and shapes, errors, and a small LSTM classifier trained with SGD in both libraries."""
import itertools

import numpy as np
import pytest

import conformance
from conformance import run_both, torch
import ember
import ember.nn  # noqa: F401


def arr(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def err(fn):
    try:
        fn()
    except Exception as e:      # noqa: BLE001
        return type(e).__name__, str(e)
    return None


MODES = {
    'rnn_tanh': lambda lib, *a, **k: lib.nn.RNN(*a, **k),
    'rnn_relu': lambda lib, *a, **k: lib.nn.RNN(*a, nonlinearity='relu', **k),
    'lstm': lambda lib, *a, **k: lib.nn.LSTM(*a, **k),
    'gru': lambda lib, *a, **k: lib.nn.GRU(*a, **k),
}


def copy_weights(ref, lib, m):
    if lib is torch:
        ref['sd'] = {k: v.detach().cpu().numpy().copy() for k, v in m.state_dict().items()}
    else:
        res = m.load_state_dict({k: ember.tensor(v) for k, v in ref['sd'].items()})
        assert repr(res) == '<All keys matched successfully>'


def upstream(t, lib, seed):
    return lib.tensor(np.random.default_rng(seed).standard_normal(tuple(t.shape))).to(t.dtype)


def run_rnn(mode, *, num_layers=1, bidirectional=False, batch_first=False, init_state=False, bias=True,
            dtype=np.float64, T=4, B=3, I=5, H=6, unbatched=False, proj_size=0, rtol=1e-7, atol=1e-9):
    """Run one recurrent layer in both libraries and compare everything."""
    ref = {}
    D = 2 if bidirectional else 1
    x = arr(*((T, I) if unbatched else ((B, T, I) if batch_first else (T, B, I))), seed=1, dtype=dtype)
    hsize = proj_size or H
    hshape = (num_layers * D, hsize) if unbatched else (num_layers * D, B, hsize)
    cshape = (num_layers * D, H) if unbatched else (num_layers * D, B, H)
    h0 = arr(*hshape, seed=2, dtype=dtype)
    c0 = arr(*cshape, seed=3, dtype=dtype)

    def body(lib):
        kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
        if proj_size:
            kw['proj_size'] = proj_size
        m = MODES[mode](lib, I, H, **kw)
        if dtype == np.float64:
            m = m.double()
        copy_weights(ref, lib, m)
        xt = lib.tensor(x, requires_grad=True)
        states = []
        if init_state:
            states = [lib.tensor(h0, requires_grad=True)]
            if mode == 'lstm':
                states.append(lib.tensor(c0, requires_grad=True))
            out, hn = m(xt, tuple(states) if mode == 'lstm' else states[0])
        else:
            out, hn = m(xt)
        finals = list(hn) if mode == 'lstm' else [hn]
        loss = (out * upstream(out, lib, 7)).sum()
        for i, f in enumerate(finals):
            loss = loss + (f * upstream(f, lib, 8 + i)).sum()
        loss.backward()
        return [out, finals, xt.grad, [s.grad for s in states],
                [(n, p.shape, p.grad) for n, p in m.named_parameters()], repr(m)]
    return run_both(body, rtol=rtol, atol=atol)


GRID = list(itertools.product([1, 2], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize('mode', list(MODES))
@pytest.mark.parametrize('num_layers,bidirectional,batch_first,init_state', GRID)
def test_rnn_grid_float64(mode, num_layers, bidirectional, batch_first, init_state):
    run_rnn(mode, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
            init_state=init_state)


@pytest.mark.parametrize('mode', list(MODES))
@pytest.mark.parametrize('num_layers,bidirectional', [(1, False), (2, True)])
def test_rnn_no_bias(mode, num_layers, bidirectional):
    run_rnn(mode, num_layers=num_layers, bidirectional=bidirectional, bias=False, init_state=True)


@pytest.mark.parametrize('mode', list(MODES))
@pytest.mark.parametrize('num_layers,bidirectional,batch_first,init_state', [(1, False, False, False),
                                                                             (2, True, True, True)])
def test_rnn_float32(mode, num_layers, bidirectional, batch_first, init_state):
    # on CUDA torch runs cuDNN's RNN, whose float32 GEMMs and gradient sums go in another order
    # than ember's per-step products: a 2-layer bidirectional weight gradient (a sum over time,
    # batch and both directions) then differs by a few float32 ulps of its terms (~4e-5 seen)
    tol = 2e-5 if conformance.DEVICE[0] == 'cpu' else 1e-4
    run_rnn(mode, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
            init_state=init_state, dtype=np.float32, rtol=tol, atol=tol)


@pytest.mark.parametrize('mode', list(MODES))
@pytest.mark.parametrize('init_state', [False, True])
def test_rnn_unbatched(mode, init_state):
    run_rnn(mode, num_layers=2, bidirectional=True, unbatched=True, init_state=init_state)


@pytest.mark.parametrize('num_layers,bidirectional,init_state', [(1, False, False), (2, True, True)])
def test_lstm_proj_size(num_layers, bidirectional, init_state):
    run_rnn('lstm', num_layers=num_layers, bidirectional=bidirectional, init_state=init_state, proj_size=3)


def test_rnn_defaults_and_default_init(both):
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.LSTM(3, 4, 2, bidirectional=True)
        ps = [(n, p.shape, p.dtype, p.requires_grad) for n, p in m.named_parameters()]
        bound = max(float(p.detach().abs().max()) for p in m.parameters())
        return (ps, bound <= 0.5, bound > 0.4, m.mode, m.input_size, m.hidden_size, m.num_layers, m.bias,
                m.batch_first, m.dropout, m.bidirectional, m.proj_size, len(m.all_weights),
                [len(w) for w in m.all_weights], lib.nn.RNN(2, 3).nonlinearity, lib.nn.RNN(2, 3, 1, 'relu').nonlinearity,
                [(n, p.shape) for n, p in lib.nn.LSTM(3, 5, proj_size=2).named_parameters()])
    both(body)


def test_reprs():
    cases = [
        lambda lib: lib.nn.RNN(10, 20),
        lambda lib: lib.nn.RNN(10, 20, 2, nonlinearity='relu', bias=False, batch_first=True, dropout=0.5,
                               bidirectional=True),
        lambda lib: lib.nn.LSTM(10, 20, num_layers=3, proj_size=5),
        lambda lib: lib.nn.GRU(4, 8, batch_first=True, bidirectional=True),
        lambda lib: lib.nn.RNNCell(3, 4, nonlinearity='relu'),
        lambda lib: lib.nn.RNNCell(3, 4, bias=False),
        lambda lib: lib.nn.LSTMCell(3, 4),
        lambda lib: lib.nn.GRUCell(3, 4, bias=False),
        lambda lib: lib.nn.Sequential(lib.nn.LSTM(3, 4), lib.nn.Linear(4, 2)),
    ]
    for make in cases:
        assert repr(make(ember)) == repr(make(torch))


def test_errors(both):
    def body(lib):
        m = lib.nn.GRU(3, 4)
        lstm = lib.nn.LSTM(3, 4)
        return [
            err(lambda: lib.nn.RNN(3, 4, nonlinearity='sigmoid')),
            err(lambda: lib.nn.GRU(3, 4, proj_size=2)),
            err(lambda: lib.nn.LSTM(3, 4, proj_size=4)),
            err(lambda: lib.nn.LSTM(3, 0)),
            err(lambda: lib.nn.LSTM(3, 4, dropout=1.5)),
            err(lambda: m(lib.ones(2, 3, 4, 3))),
            err(lambda: m(lib.ones(5, 2, 2))),
            err(lambda: m(lib.ones(5, 2, 3), lib.ones(1, 3, 4))),
            err(lambda: m(lib.ones(5, 2, 3), lib.ones(3, 4))),
            err(lambda: m(lib.ones(5, 2, 3, dtype=lib.float64))),
            err(lambda: lstm(lib.ones(5, 2, 3), (lib.ones(1, 2, 4), lib.ones(1, 2, 5)))),
            err(lambda: lstm(lib.ones(5, 3), (lib.ones(1, 2, 4), lib.ones(1, 2, 4)))),
            err(lambda: lib.nn.LSTMCell(3, 4)(lib.ones(2, 2, 3))),
            err(lambda: lib.nn.GRUCell(3, 4)(lib.ones(2, 3), lib.ones(1, 2, 4))),
        ]
    t, e = both(body)
    assert all(x is not None for x in t)
    assert [x[1] for x in t] == [x[1] for x in e]


def test_dropout_warning_and_eval():
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match='dropout option adds dropout'):
            lib.nn.LSTM(3, 4, dropout=0.2)

    ref = {}

    def body(lib):   # in eval mode dropout between layers is off: outputs match torch's exactly
        m = lib.nn.LSTM(3, 4, num_layers=2, dropout=0.5).double().eval()
        copy_weights(ref, lib, m)
        return m(lib.tensor(arr(5, 2, 3)))
    run_both(body, rtol=1e-7, atol=1e-9)

    lstm = ember.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = ember.randn(5, 2, 3)
    ember.manual_seed(0)
    a = lstm(x)[0]
    assert not np.allclose(a.detach().numpy(), lstm.eval()(x)[0].detach().numpy())


# ---------------------------------------------------------------- cells
@pytest.mark.parametrize('cell', ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'])
@pytest.mark.parametrize('batched', [True, False])
@pytest.mark.parametrize('init_state', [True, False])
@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('dtype', [np.float64, np.float32])
def test_cells(cell, batched, init_state, bias, dtype):
    ref = {}
    x = arr(*((3, 5) if batched else (5,)), seed=1, dtype=dtype)
    h0 = arr(*((3, 4) if batched else (4,)), seed=2, dtype=dtype)
    c0 = arr(*((3, 4) if batched else (4,)), seed=3, dtype=dtype)

    def body(lib):
        m = {'rnn_tanh': lambda: lib.nn.RNNCell(5, 4, bias=bias),
             'rnn_relu': lambda: lib.nn.RNNCell(5, 4, bias=bias, nonlinearity='relu'),
             'lstm': lambda: lib.nn.LSTMCell(5, 4, bias=bias),
             'gru': lambda: lib.nn.GRUCell(5, 4, bias=bias)}[cell]()
        if dtype == np.float64:
            m = m.double()
        copy_weights(ref, lib, m)
        xt = lib.tensor(x, requires_grad=True)
        states = []
        if init_state:
            states = [lib.tensor(h0, requires_grad=True)] + ([lib.tensor(c0, requires_grad=True)]
                                                             if cell == 'lstm' else [])
            out = m(xt, tuple(states) if cell == 'lstm' else states[0])
        else:
            out = m(xt)
        outs = list(out) if cell == 'lstm' else [out]
        loss = sum((o * upstream(o, lib, 5 + i)).sum() for i, o in enumerate(outs))
        loss.backward()
        return [outs, xt.grad, [s.grad for s in states], [(n, p.grad) for n, p in m.named_parameters()],
                m.bias_ih is None]
    tol = dict(rtol=1e-7, atol=1e-9) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)
    run_both(body, **tol)


# ---------------------------------------------------------------- packed sequences
@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('padding_side', ['right', 'left'])
def test_pad_sequence(batch_first, padding_side):
    seqs = [arr(3, 2, seed=1), arr(5, 2, seed=2), arr(1, 2, seed=3)]

    def body(lib):
        ts = [lib.tensor(s, requires_grad=True) for s in seqs]
        out = lib.nn.utils.rnn.pad_sequence(ts, batch_first=batch_first, padding_value=-1.5,
                                            padding_side=padding_side)
        (out * upstream(out, lib, 3)).sum().backward()
        return out, [t.grad for t in ts]
    run_both(body)


@pytest.mark.parametrize('enforce_sorted', [True, False])
@pytest.mark.parametrize('batch_first', [False, True])
def test_pack_pad_round_trip(enforce_sorted, batch_first):
    lengths = [5, 3, 2, 1] if enforce_sorted else [2, 5, 1, 3]
    x = arr(*((4, 5, 2) if batch_first else (5, 4, 2)), seed=4)

    def body(lib):
        R = lib.nn.utils.rnn
        xt = lib.tensor(x, requires_grad=True)
        p = R.pack_padded_sequence(xt, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
        pad, lens = R.pad_packed_sequence(p, batch_first=batch_first, padding_value=9.0)
        pad7, _ = R.pad_packed_sequence(p, batch_first=batch_first, total_length=7)
        (pad * upstream(pad, lib, 2)).sum().backward()
        seqs = [lib.tensor(arr(n, 3, seed=n)) for n in lengths]
        ps = R.pack_sequence(seqs, enforce_sorted=enforce_sorted)
        return [type(p).__name__, p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices, pad, lens, pad7,
                xt.grad, ps.data, ps.batch_sizes, R.unpack_sequence(ps),
                R.unpad_sequence(pad.clone(), lens, batch_first=batch_first),
                err(lambda: R.pad_packed_sequence(p, total_length=2)), isinstance(p, tuple), len(p)]
    run_both(body)


def test_pack_errors(both):
    def body(lib):
        R = lib.nn.utils.rnn
        return [err(lambda: R.pack_padded_sequence(lib.ones(4, 3, 2), [1, 3, 2])),
                err(lambda: R.pack_padded_sequence(lib.ones(4, 3, 2), [3, 2, 0])),
                err(lambda: R.pad_sequence([])),
                err(lambda: R.pad_sequence([lib.ones(2)], padding_side='middle'))]
    t, e = both(body)
    assert all(x is not None for x in t)


@pytest.mark.parametrize('mode', list(MODES))
@pytest.mark.parametrize('num_layers,bidirectional,init_state', [(1, False, False), (2, True, True),
                                                                 (1, True, False)])
def test_rnn_packed_input(mode, num_layers, bidirectional, init_state):
    ref = {}
    lengths = [3, 5, 1, 4]
    x = arr(5, 4, 3, seed=1)
    D = 2 if bidirectional else 1
    h0, c0 = arr(num_layers * D, 4, 6, seed=2), arr(num_layers * D, 4, 6, seed=3)

    def body(lib):
        R = lib.nn.utils.rnn
        m = MODES[mode](lib, 3, 6, num_layers=num_layers, bidirectional=bidirectional).double()
        copy_weights(ref, lib, m)
        xt = lib.tensor(x, requires_grad=True)
        p = R.pack_padded_sequence(xt, lengths, enforce_sorted=False)
        states = []
        if init_state:
            states = [lib.tensor(h0, requires_grad=True)] + ([lib.tensor(c0, requires_grad=True)]
                                                             if mode == 'lstm' else [])
            out, hn = m(p, tuple(states) if mode == 'lstm' else states[0])
        else:
            out, hn = m(p)
        assert isinstance(out, R.PackedSequence)
        pad, lens = R.pad_packed_sequence(out)
        finals = list(hn) if mode == 'lstm' else [hn]
        loss = (pad * upstream(pad, lib, 7)).sum()
        for i, f in enumerate(finals):
            loss = loss + (f * upstream(f, lib, 8 + i)).sum()
        loss.backward()
        return [out.data, out.batch_sizes, pad, lens, finals, xt.grad, [s.grad for s in states],
                [(n, p.grad) for n, p in m.named_parameters()]]
    run_both(body, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------- training
def test_lstm_sequence_classifier_trains_like_torch():
    """A small LSTM sequence classifier, the same code in both libraries, from the same weights:
    five SGD steps give the same losses and the same final weights."""
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((8, 6, 4)).astype(np.float32)         # (batch, time, features)
    ys = xs[:, :, :3].sum(1).argmax(1)                             # a learnable label
    ref = {}

    def program(lib):
        nn = lib.nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(4, 8, num_layers=2, batch_first=True, bidirectional=True)
                self.head = nn.Linear(16, 3)

            def forward(self, x):
                out, (h, c) = self.lstm(x)
                return self.head(out[:, -1])

        model = Classifier()
        copy_weights(ref, lib, model)
        opt = lib.optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        x, y = lib.tensor(xs), lib.tensor(ys)
        losses = []
        for _ in range(6):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, {k: v for k, v in model.state_dict().items()}
    (tl, _), (el, _) = run_both(program, rtol=1e-4, atol=1e-5)
    assert tl[-1] < tl[0] - 0.08 and el[-1] < el[0] - 0.08     # it does learn
