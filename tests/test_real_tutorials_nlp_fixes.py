"""Conformance tests for the differences found by the NLP tutorial scripts
(tests/scripts/real_tutorials_nlp/, tests/test_real_tutorials_nlp_scripts.py)."""
import pytest

from conformance import cpu_random_only


@pytest.mark.parametrize('kw', [{}, {'num_layers': 2}, {'batch_first': True}, {'bidirectional': True},
                                {'proj_size': 2}, {'bias': False}])
def test_lstm_output_grad_fn_name(both, kw):
    # "Sequence Models and LSTM": print(out) shows grad_fn=<MkldnnRnnLayerBackward0> for torch's
    # CPU LSTM (oneDNN's layer), TransposeBackward0 with batch_first, CatBackward0 bidirectional
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        lstm = lib.nn.LSTM(3, 3, **kw)
        out, (h, c) = lstm(lib.randn(4, 2, 3))
        out.sum().backward()
        return (type(out.grad_fn).__name__, type(h.grad_fn).__name__, type(c.grad_fn).__name__, out, h,
                lstm.weight_ih_l0.grad)
    both(body)


def test_lstm_output_grad_fn_name_other_cases(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        nn = lib.nn
        lstm = nn.LSTM(2, 3)
        x = lib.randn(4, 2)
        out_unbatched = lstm(x)[0]
        out64 = nn.LSTM(2, 3).double()(x.double().unsqueeze(1))[0]
        packed = nn.utils.rnn.pack_sequence([lib.randn(3, 2), lib.randn(2, 2)])
        out_packed = lstm(packed)[0].data
        frozen = nn.LSTM(2, 3).requires_grad_(False)
        x_grad = lib.randn(3, 1, 2, requires_grad=True)
        with lib.no_grad():
            out_nograd = lstm(x.unsqueeze(1))[0]
        return [type(t.grad_fn).__name__ for t in (out_unbatched, out64, out_packed, frozen(x_grad)[0],
                                                    out_nograd)]
    both(body)


@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('side', ['right', 'left'])
def test_pad_sequence_copies_into_first_dtype_with_copyslices(both, batch_first, side):
    # ATen's pad_sequence fills an output of sequences[0]'s dtype and copy_()s each sequence in:
    # print(pad_sequence(embeddings)) shows grad_fn=<CopySlices>, later dtypes are converted
    def body(lib):
        a = lib.arange(6.).view(3, 2).requires_grad_()
        b = lib.tensor([[7.5, 8.5]], requires_grad=True)
        out = lib.nn.utils.rnn.pad_sequence([a, b], batch_first=batch_first, padding_value=-1,
                                            padding_side=side)
        (out * lib.arange(1., 1. + out.numel()).view(out.shape)).sum().backward()
        ints = lib.nn.utils.rnn.pad_sequence([lib.ones(2, 2, dtype=lib.int64), lib.full((1, 2), 2.7)],
                                             batch_first=batch_first, padding_side=side, padding_value=-1.5)
        bcast = lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.full((1, 1), 5.0)], batch_first=batch_first)
        return out, type(out.grad_fn).__name__, a.grad, b.grad, ints, bcast
    both(body)


@pytest.mark.parametrize('shapes', [[(2, 3), (2, 4)], [(2, 3), (2,)], [(2,), (3, 2)], [(2, 1), (3, 4)]])
def test_pad_sequence_mismatched_trailing_shape_errors(both, shapes):
    def body(lib):
        try:
            lib.nn.utils.rnn.pad_sequence([lib.ones(s) for s in shapes])
        except RuntimeError as e:
            return str(e)          # the messages themselves must agree
    both(body)


@pytest.mark.parametrize('dst,src', [((3,), (3, 2)), ((3, 1), (3, 4)), ((2, 3), (4, 3)), ((2, 3), (5,)),
                                     ((3,), (2, 3)), ((), (2,)), ((2,), ()), ((2, 1, 3), (4, 3))])
def test_copy_broadcast_errors(both, dst, src):
    # copy_ broadcasts src to self: torch names the mismatched dimension, or the output shape
    def body(lib):
        x = lib.zeros(dst)
        try:
            x.copy_(lib.ones(src))
        except RuntimeError as e:
            return str(e)          # the messages themselves must agree
        return x
    both(body)


def _cell_hidden(cls, lib, shape, shape1=None):
    h = lib.zeros(shape)
    return (h, lib.zeros(shape1 or shape)) if cls == 'LSTMCell' else h


@pytest.mark.parametrize('cls', ['LSTMCell', 'GRUCell', 'RNNCell'])
@pytest.mark.parametrize('case', ['input_size', 'input_size_unbatched', 'batch', 'hidden_size', 'hidden1_size',
                                  'unbatched_2d_hidden', 'batched_1d_hidden', 'ok'])
def test_rnn_cell_size_checks(both, cls, case):
    cpu_random_only()          # (the modules are initialised with random draws)
    # a char-RNN step with the wrong one-hot width: ATen's check_rnn_cell_forward_input/_hidden
    def body(lib):
        lib.manual_seed(0)
        cell = getattr(lib.nn, cls)(2, 3)
        x = lib.randn(5, 2)
        args = {'input_size': (lib.randn(5, 4),), 'input_size_unbatched': (lib.randn(4),),
                'batch': (x, _cell_hidden(cls, lib, (4, 3))),
                'hidden_size': (x, _cell_hidden(cls, lib, (5, 2), (5, 3))),
                'hidden1_size': (x, _cell_hidden(cls, lib, (5, 3), (5, 4))),
                'unbatched_2d_hidden': (lib.randn(2), _cell_hidden(cls, lib, (1, 3))),
                'batched_1d_hidden': (x, _cell_hidden(cls, lib, (3,))),
                'ok': (x, _cell_hidden(cls, lib, (5, 3)))}[case]
        try:
            return cell(*args)
        except RuntimeError as e:
            return str(e)          # the messages themselves must agree
    both(body)


@pytest.mark.parametrize('case', ['no_grad', 'inference_mode', 'grad', 'train', 'with_norm', 'right_padded',
                                  'right_padded_no_check', 'float_mask', 'with_mask', 'not_batch_first',
                                  'fastpath_off', 'frozen_grad'])
def test_transformer_encoder_eval_padding_positions(both, case):
    # an eval-mode nn.TransformerEncoder with a src_key_padding_mask runs on nested tensors in
    # torch (no grad, batch_first, left-aligned padding): the padded positions come back as zeros
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        nn = lib.nn
        batch_first = case != 'not_batch_first'
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=batch_first)
        enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8) if case == 'with_norm' else None,
                                    mask_check=case != 'right_padded_no_check', enable_nested_tensor=batch_first)
        if case != 'train':
            enc.eval()
        if case == 'frozen_grad':
            enc.requires_grad_(False)
        x = lib.randn(3, 4, 8)
        if not batch_first:
            x = x.transpose(0, 1)
        kpm = lib.tensor([[False, False, True, True], [False, False, False, False], [False, True, True, True]])
        if case.startswith('right_padded'):
            kpm = kpm.flip(1)
        if case == 'float_mask':
            kpm = lib.zeros(3, 4).masked_fill(kpm, float('-inf'))
        kw = {'mask': lib.zeros(4, 4)} if case == 'with_mask' else {}
        if case == 'fastpath_off':
            lib.backends.mha.set_fastpath_enabled(False)
        try:
            if case in ('grad', 'train', 'frozen_grad'):
                out = enc(x, src_key_padding_mask=kpm, **kw)
            elif case == 'inference_mode':
                with lib.inference_mode():
                    out = enc(x, src_key_padding_mask=kpm, **kw)
            else:
                with lib.no_grad():
                    out = enc(x, src_key_padding_mask=kpm, **kw)
        finally:
            lib.backends.mha.set_fastpath_enabled(True)
        return out, lib.backends.mha.get_fastpath_enabled()
    both(body)


@pytest.mark.parametrize('case', ['shrink_grow', 'grow_new', 'same', 'transposed', 'offset_view', 'zero', 'as_',
                                  'requires_grad', 'nonleaf', 'negative'])
def test_tensor_resize_(both, case):
    # AWD-LSTM's embedded_dropout: embed.weight.data.new().resize_((V, 1)).bernoulli_(1 - p)
    def body(lib):
        x = lib.arange(6.)
        try:
            if case == 'shrink_grow':
                v = x.view(2, 3)
                a = x.resize_(2, 2).clone()
                b = x.resize_(3).clone()
                return a, b, x.resize_(3, 2), v
            if case == 'grow_new':
                m = x.new().resize_((4, 1)).fill_(0.5).expand(4, 3)
                return m, x.new().resize_(0, 2).shape, x.new().dtype
            if case == 'same':
                y = x.view(2, 3).t()
                return y.resize_(3, 2), y.stride()
            if case == 'transposed':
                return x.view(2, 3).t().resize_(6)
            if case == 'offset_view':
                y = x[2:]
                return y.resize_(2).clone(), y.resize_(4)
            if case == 'zero':
                return x.resize_(0), x.resize_(2, 0).shape
            if case == 'as_':
                return x.resize_as_(lib.ones(3, 1)), x.shape
            if case == 'requires_grad':
                return lib.ones(3, requires_grad=True).resize_(2)
            if case == 'nonleaf':
                return (lib.ones(3, requires_grad=True) * 2).resize_(3, 1)
            return x.resize_(2, -2)
        except RuntimeError as e:
            return str(e)
    both(body)


@pytest.mark.parametrize('lengths', [[[3, 2]], 3, [3.0, 2.0], [3.5, 2]])
def test_pack_padded_sequence_lengths_forms(both, lengths):
    cpu_random_only()          # (the modules are initialised with random draws)
    # lengths as a (1, B) tensor (a stray unsqueeze) is refused with ATen's message
    def body(lib):
        try:
            return lib.nn.utils.rnn.pack_padded_sequence(lib.arange(6.).view(3, 2, 1), lib.tensor(lengths)).batch_sizes
        except RuntimeError as e:
            return str(e)
    both(body)


@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('enforce_sorted', [True, False])
def test_packed_sequence_grad_fn_names_and_layout(both, batch_first, enforce_sorted):
    cpu_random_only()          # (the modules are initialised with random draws)
    # print(packed) shows data=tensor(..., grad_fn=<PackPaddedSequenceBackward0>); pad_packed_sequence
    # copies into a (T, B, *) output (CopySlices), transposed for batch_first (a non-contiguous view)
    def body(lib):
        rnn = lib.nn.utils.rnn
        x = lib.arange(24.).view(4, 3, 2).clone().requires_grad_()
        lens = lib.tensor([4, 3, 1]) if enforce_sorted else lib.tensor([3, 4, 1])
        inp = x.transpose(0, 1) if batch_first else x
        p = rnn.pack_padded_sequence(inp, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
        u, l = rnn.pad_packed_sequence(p, batch_first=batch_first)
        u2, _ = rnn.pad_packed_sequence(p, batch_first=batch_first, total_length=6, padding_value=-1)
        (u * lib.arange(1., 1. + u.numel()).view(u.shape)).sum().backward()
        ps = rnn.pack_sequence([x[:, 0], x[:2, 1]], enforce_sorted=enforce_sorted)
        return (repr(p), p.data.grad_fn.name(), u.grad_fn.name(), u2.grad_fn.name(), u, u2, l, u.is_contiguous(),
                u.stride(), x.grad, ps.data.grad_fn.name())
    both(body)


def test_unpad_and_unpack_sequence(both):
    # torch.nn.utils.rnn.unpad_sequence keeps each row with a boolean mask (grad_fn=<IndexBackward0>)
    # and transposes its argument in place (refused on a leaf that requires grad)
    def body(lib):
        rnn = lib.nn.utils.rnn
        x = lib.arange(24.).view(4, 3, 2).clone().requires_grad_()
        y = x * 1
        parts = rnn.unpad_sequence(y, lib.tensor([4, 2, 1]))
        try:
            rnn.unpad_sequence(x, lib.tensor([4, 2, 1]))
            leaf = None
        except RuntimeError as e:
            leaf = str(e)
        try:
            rnn.unpad_sequence(lib.zeros(2, 3), lib.tensor([1, 1]), batch_first=True)
            strict = None
        except ValueError as e:
            strict = type(e).__name__
        return parts, [p.grad_fn.name() for p in parts], y.shape, leaf, strict
    both(body)

    # pack_sequence makes its lengths on the default device: torch's CUDA build refuses them there
    # ("'lengths' argument should be a 1D CPU int64 tensor, but got 1D cuda:0 Long tensor"); a body
    # of its own, since a body that catches an error on the CPU is compared with the CPU's answer
    def packed(lib):
        x = lib.arange(24.).view(4, 3, 2).clone().requires_grad_()
        unpacked = lib.nn.utils.rnn.unpack_sequence(lib.nn.utils.rnn.pack_sequence([x[:, 0], x[:2, 1]]))
        return unpacked, unpacked[1].grad_fn.name()
    both(packed)


@pytest.mark.parametrize('cls', ['GRU', 'RNN', 'LSTM'])
@pytest.mark.parametrize('kw', [{}, {'bidirectional': True}, {'num_layers': 2}])
def test_rnn_batch_first_output_grad_fn(both, cls, kw):
    # torch's GRU/RNN transpose their batch_first output in place: grad_fn=<TransposeBackward1>
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        m = getattr(lib.nn, cls)(2, 3, batch_first=True, **kw)
        out = m(lib.randn(4, 5, 2))[0]
        out.sum().backward()
        return out, out.grad_fn.name(), out.is_contiguous(), m(lib.randn(5, 2))[0].grad_fn.name(), m.weight_ih_l0.grad
    both(body)


@pytest.mark.parametrize('op', ['transpose_', 'swapdims_', 'swapaxes_', 't_', 'squeeze_', 'squeeze_dim', 'squeeze_dims',
                                'unsqueeze_'])
def test_inplace_view_ops_leaf_and_names(both, op):
    # padded.transpose_(0, 1) on a leaf that requires grad is refused; on a non-leaf the node is
    # the in-place one (TransposeBackward1, TBackward1, SqueezeBackward3/4/5, UnsqueezeBackward1)
    call = {'transpose_': lambda t: t.transpose_(0, 2), 'swapdims_': lambda t: t.swapdims_(0, 2),
            'swapaxes_': lambda t: t.swapaxes_(0, 2), 't_': lambda t: t.view(2, 3).t_(),
            'squeeze_': lambda t: t.squeeze_(), 'squeeze_dim': lambda t: t.squeeze_(0),
            'squeeze_dims': lambda t: t.squeeze_((0, 2)), 'unsqueeze_': lambda t: t.unsqueeze_(1)}[op]

    def body(lib):
        a = lib.arange(6.).requires_grad_()
        leaf = lib.zeros(1, 6, 1, requires_grad=True)
        try:
            call(leaf)
            refused = None
        except RuntimeError as e:
            refused = str(e)
        try:
            call(a.view(1, 6, 1))
            view_refused = None
        except RuntimeError as e:
            view_refused = str(e)
        y = (a * 2).view(1, 6, 1)
        r = call(y)
        (r * lib.arange(1., 7.).view(r.shape)).sum().backward()
        with lib.no_grad():
            free = lib.ones(1, 6, 1, requires_grad=True)
            call(free)
        return refused, view_refused, r, r.grad_fn.name(), a.grad, free.shape, free.is_leaf, leaf.shape
    both(body)


@pytest.mark.parametrize('case', ['t_', 'transpose_', 'unsqueeze_squeeze', 'base_changed'])
def test_inplace_view_op_on_a_view_keeps_the_gradient(both, case):
    # y = base.view(2, 3); y.t_(): y stays a view of base with the new layout; its gradient
    # follows the transpose, also when base changes in place afterwards
    def body(lib):
        a = lib.arange(6.).requires_grad_()
        base = a * 1
        y = base.view(2, 3)
        if case == 't_':
            y.t_()
        elif case == 'transpose_':
            y.transpose_(1, 0)
        elif case == 'unsqueeze_squeeze':
            y.unsqueeze_(0).squeeze_(0).t_()
        else:
            y.t_()
            base.mul_(3)
        (y * lib.arange(6.).view(3, 2)).sum().backward()
        # (after base changes in place torch remakes the node as AsStridedBackward0, ember replays
        # the view ops: the names differ there, the gradients agree)
        return a.grad, y.shape, y.grad_fn.name() if case != 'base_changed' else None, y._base is base
    both(body)
