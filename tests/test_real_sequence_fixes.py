"""Conformance tests for the differences found by the sequence-model scripts of
tests/scripts/real_sequence/ (tests/test_real_sequence_scripts.py)."""
import pytest


@pytest.mark.parametrize('shape', [(3, 6, 5), (3, 6, 5, 2), (3, 6, 2, 2, 2)])
def test_nll_loss_nd_weight_checks_numel_only(both, shape):
    # sequence losses over (B, C, T): nll_loss2d checks only weight.numel() == C (its own, shorter
    # message) and reads a (C, 1) / (2, 3) weight flattened
    def body(lib):
        F = lib.nn.functional
        g = lib.Generator().manual_seed(0)
        x = lib.randn(*shape, generator=g, requires_grad=True)
        t = lib.randint(0, 6, (shape[0],) + shape[2:], generator=g)
        out = []
        for w in [lib.arange(1., 7.).view(6, 1), lib.arange(1., 7.).view(2, 3)]:
            out += [F.nll_loss(x, t, weight=w), F.cross_entropy(x, t, weight=w, reduction='none')]
        out[1].sum().backward()
        try:
            F.cross_entropy(x, t, weight=lib.ones(7))
        except RuntimeError as e:
            out.append(str(e))
        return out, x.grad
    both(body)


@pytest.mark.parametrize('probs', ['long', 'int', '3d', '0d'])
def test_multinomial_rejects_integer_and_high_rank_weights(both, probs):
    # char-RNN sampling from counts: torch wants float weights of rank 1 or 2, before drawing anything
    def body(lib):
        lib.manual_seed(0)
        p = {'long': lib.tensor([1, 0, 2]), 'int': lib.tensor([[3, 1]], dtype=lib.int32),
             '3d': lib.ones(2, 3, 4), '0d': lib.tensor(1.)}[probs]
        try:
            lib.multinomial(p, 1)
        except RuntimeError as e:
            msg = str(e)
        try:
            lib.multinomial(lib.ones(3), 0)
        except RuntimeError as e:
            msg2 = str(e)
        return msg, msg2, lib.rand(2)    # nothing was drawn from the global generator
    both(body)


@pytest.mark.parametrize('norm_type', [2.0, 1.0, 3.0])
def test_embedding_max_norm_renorms_in_weight_dtype(both, norm_type):
    # nn.Embedding(max_norm=...): torch's embedding_renorm_ takes each row's norm in float32 and
    # scales it by a float32 factor (the renormed rows' norms print 1.0000, not 1.)
    def body(lib):
        g = lib.Generator().manual_seed(0)
        w = lib.randn(50, 7, generator=g) * 3
        e = lib.nn.Embedding.from_pretrained(w.clone(), freeze=False, max_norm=1.0, norm_type=norm_type)
        out = e(lib.tensor([[1, 1, 2], [4, 30, 49]]))
        # as torch's loop: row *= max_norm / (row.norm(p).item() + 1e-7), bit for bit
        same = [lib.equal(e.weight[r], w[r] * (1.0 / (w[r].norm(norm_type).item() + 1e-7))) for r in [1, 2, 4, 30, 49]]
        return out, e.weight, same
    both(body)


def test_pad_sequence_zero_dim_first_sequence(both):
    def body(lib):
        pad = lib.nn.utils.rnn.pad_sequence
        res = []
        for seqs in [[lib.tensor(1.), lib.ones(2)], [lib.ones(2), lib.tensor(1.)]]:
            try:
                pad(seqs)
            except (RuntimeError, IndexError) as e:
                res.append((type(e).__name__, str(e)))
        return res
    both(body)


def test_lstm_cell_hx_argument_errors(both):
    # passing nn.LSTMCell only h (a Tensor) or a 1-tuple: _VF.lstm_cell's argument errors
    def body(lib):
        cell = lib.nn.LSTMCell(3, 2)
        x = lib.ones(2, 3)
        res = []
        for hx in [lib.zeros(2, 2), (lib.zeros(2, 2),), (lib.zeros(2, 2),) * 3]:
            try:
                cell(x, hx)
            except (TypeError, RuntimeError) as e:
                res.append((type(e).__name__, str(e)))
        res.append(cell(x, [lib.zeros(2, 2), lib.ones(2, 2)]))
        return res
    both(body)


@pytest.mark.parametrize('kind', ['lstm_cell', 'gru_cell', 'rnn_tanh_cell', 'rnn_relu_cell'])
def test_torch_level_rnn_cells(both, kind):
    # torch.lstm_cell / gru_cell / rnn_tanh_cell / rnn_relu_cell: the functional cells hand-written
    # loops call with a module's weights
    def body(lib):
        lib.manual_seed(0)
        chunks = {'lstm_cell': 4, 'gru_cell': 3}.get(kind, 1)
        x = lib.randn(3, 4, requires_grad=True)
        w_ih, w_hh = lib.randn(chunks * 5, 4, requires_grad=True), lib.randn(chunks * 5, 5)
        b_ih, b_hh = lib.randn(chunks * 5), lib.randn(chunks * 5)
        h = lib.randn(3, 5)
        hx = (h, lib.randn(3, 5)) if kind == 'lstm_cell' else h
        fn = getattr(lib, kind)
        out = fn(x, hx, w_ih, w_hh, b_ih, b_hh)
        first = out[0] if kind == 'lstm_cell' else out
        first.sum().backward()
        nob = fn(x, hx, w_ih, w_hh)
        try:
            fn(x, hx, w_ih[:, :3], w_hh)
        except RuntimeError as e:
            err = str(e)
        return out, nob, x.grad, w_ih.grad, err
    both(body)


@pytest.mark.parametrize('batch', [5, 17, 32, 64])
def test_pack_padded_unsorted_ties_follow_torch_sort(both, batch):
    # enforce_sorted=False sorts the lengths with torch.sort(descending=True), not a stable sort:
    # in a batch of 32 with repeated lengths the sorted_indices (and packed data) follow std::sort
    def body(lib):
        R = lib.nn.utils.rnn
        g = lib.Generator().manual_seed(batch)
        lengths = lib.randint(1, 4, (batch,), generator=g)
        x = lib.arange(4. * batch).view(4, batch, 1)
        p = R.pack_padded_sequence(x, lengths, enforce_sorted=False)
        q = R.pack_sequence([lib.arange(float(n)) + i for i, n in enumerate(lengths.tolist())], enforce_sorted=False)
        return p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices, q.data, q.sorted_indices
    both(body)


@pytest.mark.parametrize('dim', [0, 1, 2, -1, None])
def test_weight_norm_grad_fn_and_norm_except_dim(both, dim):
    # TCN blocks print a weight-normed conv's weight: torch's fused kernel (dim 0 or the last)
    # names it WeightNormInterfaceBackward0; torch.norm_except_dim / torch._weight_norm themselves
    def body(lib):
        import warnings
        g = lib.Generator().manual_seed(0)
        conv = lib.nn.Conv1d(2, 3, 4)
        with lib.no_grad():
            conv.weight.copy_(lib.randn(3, 2, 4, generator=g))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            old = lib.nn.utils.weight_norm(lib.nn.Conv1d(2, 3, 4), dim=dim)
        new = lib.nn.utils.parametrizations.weight_norm(conv, dim=dim)
        v = lib.randn(2, 3, 4, generator=g, requires_grad=True)
        d = -1 if dim is None else dim
        n = lib.norm_except_dim(v, 2, d)
        w = lib._weight_norm(v, n.detach() * 2, d)
        w.sum().backward()
        return (type(old.weight.grad_fn).__name__, type(new.weight.grad_fn).__name__, new.weight, n,
                type(n.grad_fn).__name__, w, type(w.grad_fn).__name__, v.grad)
    both(body)
