"""Conformance tests of quantized tensors (ember/_quantized.py) and torch.ao.quantization
(ember/ao/quantization, ember/ao/nn/quantized/dynamic): values, qparams and printed forms as torch's."""
import warnings
import pytest

warnings.filterwarnings('ignore', message='.*quantized tensor creation functions.*')
DEVICE_AXIS = False     # quantized tensors and their kernels are CPU-only (fbgemm), in torch as here
warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*torch.ao.quantization is deprecated.*")


def _x(lib, *shape, seed=0, scale=1.0):
    g = lib.Generator().manual_seed(seed)
    return lib.randn(*shape, generator=g) * scale


@pytest.mark.parametrize('dt', ['quint8', 'qint8', 'qint32'])
@pytest.mark.parametrize('seed', range(4))
def test_quantize_per_tensor_values(both, dt, seed):
    def body(lib):
        x = _x(lib, 7, 9, seed=seed, scale=3.0)
        d = getattr(lib, dt)
        q = lib.quantize_per_tensor(x, 0.0123 * (seed + 1), 3 * seed + (10 if dt == 'quint8' else 0), d)
        return (q.int_repr(), q.dequantize(), q.q_scale(), q.q_zero_point(), str(q.qscheme()), q.dtype,
                q.is_quantized, q.shape, q.element_size(), str(q.qscheme()))
    both(body)


def test_quantize_per_tensor_ties_round_half_even(both):
    both(lambda lib: (lib.quantize_per_tensor(lib.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 1000., -1000.] * 3), 1.0, 10,
                                              lib.quint8).int_repr(),
                      lib.quantize_per_tensor(lib.tensor([0.25, 0.75, -0.25]), 0.5, 0, lib.qint8).int_repr()))


@pytest.mark.parametrize('case', ['vector', 'matrix', 'scalar', 'empty', 'qint32', 'slice', 'view', 'long'])
def test_quantized_repr(both, case):
    def body(lib):
        if case == 'vector':
            q = lib.quantize_per_tensor(lib.tensor([-1.0, 0.0, 1.0, 2.0, 30.]), 0.1, 10, lib.quint8)
        elif case == 'matrix':
            q = lib.quantize_per_tensor(_x(lib, 3, 4), 0.0035361084155738354, 0, lib.qint8)
        elif case == 'scalar':
            q = lib.quantize_per_tensor(lib.tensor(3.0), 0.5, 0, lib.qint8)
        elif case == 'empty':
            q = lib.quantize_per_tensor(lib.zeros(0), 0.5, 0, lib.qint8)
        elif case == 'qint32':
            q = lib.quantize_per_tensor(lib.tensor([[1.5, 2.5], [3., 4.]]), 0.5, 0, lib.qint32)
        elif case == 'slice':
            q = lib.quantize_per_tensor(lib.tensor([-1.0, 0.0, 1.0, 2.0]), 0.1, 10, lib.quint8)[1:3]
        elif case == 'view':
            q = lib.quantize_per_tensor(lib.arange(6.), 0.5, 2, lib.quint8).view(2, 3).t()
        else:
            q = lib.quantize_per_tensor(_x(lib, 40), 0.02, 128, lib.quint8)
        return repr(q), str(type(q)), q.shape
    both(body)


def test_quantize_per_channel(both):
    def body(lib):
        x = _x(lib, 3, 5, seed=2)
        q = lib.quantize_per_channel(x, lib.tensor([0.1, 0.02, 0.3]), lib.tensor([0, 1, -2]), 0, lib.qint8)
        q1 = lib.quantize_per_channel(x, lib.tensor([0.1, 0.02, 0.3, 0.05, 0.01], dtype=lib.float64),
                                      lib.tensor([0, 1, 2, 3, 4]), 1, lib.quint8)
        return (q.int_repr(), q.dequantize(), q.q_per_channel_scales(), q.q_per_channel_zero_points(),
                q.q_per_channel_axis(), str(q.qscheme()), repr(q), q1.int_repr(), q1.dequantize(), repr(q1))
    both(body)


@pytest.mark.parametrize('op', ['add', 'add_q', 'sum', 'float', 'tolist', 'numpy', 'int_repr_float', 'q_scale_pc',
                                'int_input', 'bad_dtype'])
def test_quantized_refusals(both, op):
    def body(lib):
        q = lib.quantize_per_tensor(lib.tensor([-1.0, 0.0, 1.0, 2.0]), 0.1, 10, lib.quint8)
        if op == 'add':
            return q + 1
        if op == 'add_q':
            return q + q
        if op == 'sum':
            return q.sum()
        if op == 'float':
            return q.float()
        if op == 'tolist':
            return q.tolist()
        if op == 'numpy':
            return q.numpy()
        if op == 'int_repr_float':
            return lib.ones(2).int_repr()
        if op == 'q_scale_pc':
            return lib.quantize_per_channel(lib.ones(2, 2), lib.tensor([0.1, 0.2]), lib.tensor([0, 0]), 0,
                                            lib.qint8).q_scale()
        if op == 'int_input':
            return lib.quantize_per_tensor(lib.arange(3), 0.1, 0, lib.quint8)
        return lib.quantize_per_tensor(lib.ones(3), 0.1, 0, lib.float32)
    both(body)


def test_quantized_supported_ops(both):
    def body(lib):
        q = lib.quantize_per_tensor(lib.tensor([-1.0, 0.0, 1.0, 2.0]), 0.1, 10, lib.quint8)
        return (q.mean().int_repr(), q.clone().int_repr(), lib.equal(q, q.clone()), q[0].item(), len(q),
                q.stride(), q.is_contiguous(), q.numel(), q.reshape(2, 2).int_repr(), q.dequantize().dtype,
                lib.dequantize(q), lib.ones(2).dequantize(), q.requires_grad)
    both(body)


@pytest.mark.parametrize('seed', range(3))
def test_fake_quantize_per_tensor_values_and_grad(both, seed):
    def body(lib):
        x = _x(lib, 6, 7, seed=seed, scale=2.0).requires_grad_()
        y = lib.fake_quantize_per_tensor_affine(x, 0.05, 3, -20, 40)
        y.backward(lib.arange(42.).reshape(6, 7))
        x2 = x.detach().clone().requires_grad_()
        y2 = lib.fake_quantize_per_tensor_affine(x2, lib.tensor(0.03), lib.tensor(120, dtype=lib.int32), 0, 255)
        (y2 * y2).sum().backward()
        return y, x.grad, type(y.grad_fn).__name__, y2, x2.grad, type(y2.grad_fn).__name__
    both(body)


def test_fake_quantize_per_channel_values_and_grad(both):
    def body(lib):
        x = _x(lib, 3, 4, 2, seed=5, scale=2.0).requires_grad_()
        y = lib.fake_quantize_per_channel_affine(x, lib.tensor([0.1, 0.01, 0.05, 0.2]),
                                                 lib.tensor([0, 3, -5, 1], dtype=lib.int32), 1, -128, 127)
        y.sum().backward()
        return y, x.grad, type(y.grad_fn).__name__
    both(body)


def test_fake_quantize_ao_namespace(both):
    both(lambda lib: lib.ao.quantization.fake_quantize_per_tensor_affine(lib.tensor([0.26, -3.0]), 0.1, 0, -10, 10)
         if hasattr(lib.ao.quantization, 'fake_quantize_per_tensor_affine')
         else lib.fake_quantize_per_tensor_affine(lib.tensor([0.26, -3.0]), 0.1, 0, -10, 10))


@pytest.mark.parametrize('kw', [{}, {'dtype': 'qint8', 'qscheme': 'per_tensor_symmetric'}, {'reduce_range': True},
                                {'quant_min': 0, 'quant_max': 127}, {'dtype': 'qint8'},
                                {'dtype': 'quint8', 'qscheme': 'per_tensor_symmetric'}])
def test_minmax_observer_qparams(both, kw):
    def body(lib):
        aq = lib.ao.quantization
        args = {k: (getattr(lib, v) if isinstance(v, str) else v) for k, v in kw.items()}
        obs = aq.MinMaxObserver(**args)
        r0 = repr(obs)
        obs(_x(lib, 10, 3, seed=1, scale=1.7))
        obs(_x(lib, 4, seed=2, scale=3.1) + 0.5)
        mavg = aq.MovingAverageMinMaxObserver(averaging_constant=0.1, **args)
        for s in range(4):
            mavg(_x(lib, 8, seed=s, scale=s + 1.0))
        return (r0, repr(obs), obs.calculate_qparams(), obs.quant_min, obs.quant_max, list(obs.state_dict()),
                repr(mavg), mavg.calculate_qparams(), mavg.min_val, mavg.max_val)
    both(body)


def test_minmax_observer_positive_and_unobserved(both):
    def body(lib):
        aq = lib.ao.quantization
        o = aq.MinMaxObserver()
        o(lib.tensor([0.5, 2.0]))
        o2 = aq.MinMaxObserver()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            empty = o2.calculate_qparams()
        return o.calculate_qparams(), empty
    both(body)


@pytest.mark.parametrize('kw', [{}, {'dtype': 'qint8', 'qscheme': 'per_channel_symmetric'},
                                {'ch_axis': 1}])
def test_per_channel_observer_qparams(both, kw):
    def body(lib):
        aq = lib.ao.quantization
        args = {k: (getattr(lib, v) if isinstance(v, str) else v) for k, v in kw.items()}
        obs = aq.PerChannelMinMaxObserver(**args)
        r0 = repr(obs)
        obs(_x(lib, 3, 5, seed=3))
        obs(_x(lib, 3, 5, seed=4, scale=2.0))
        m = aq.MovingAveragePerChannelMinMaxObserver(**args)
        m(_x(lib, 3, 5, seed=3))
        m(_x(lib, 3, 5, seed=4, scale=2.0))
        return r0, repr(obs), obs.calculate_qparams(), m.calculate_qparams()
    both(body)


def test_fake_quantize_module(both):
    def body(lib):
        aq = lib.ao.quantization
        fq = aq.FakeQuantize()
        r0 = repr(fq)
        x = _x(lib, 5, 4, seed=7).requires_grad_()
        y = fq(x)
        y.sum().backward()
        wfq = aq.default_weight_fake_quant()
        w = wfq(_x(lib, 3, 4, seed=8))
        pc = aq.default_per_channel_weight_fake_quant()
        wp = pc(_x(lib, 3, 4, seed=9))
        fq.disable_observer()
        y2 = fq(_x(lib, 5, 4, seed=10) * 5)
        fq.disable_fake_quant()
        y3 = fq(lib.tensor([0.123]))
        return (r0, repr(fq), y, x.grad, fq.scale, fq.zero_point, w, wfq.scale, wp, pc.scale, pc.zero_point, y2,
                y3, list(fq.state_dict()))
    both(body)


def test_qconfig_and_stubs_repr(both):
    def body(lib):
        aq = lib.ao.quantization
        return (repr(aq.default_dynamic_qconfig), repr(aq.default_qconfig), repr(aq.QuantStub()),
                repr(aq.DeQuantStub()), lib.quantization.quantize_dynamic is aq.quantize_dynamic,
                repr(aq.MinMaxObserver.with_args(dtype=lib.qint8)))
    both(body)


def _mlp(lib):
    g = lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(16, 8), lib.nn.ReLU(), lib.nn.Linear(8, 4), lib.nn.Sequential(
        lib.nn.Linear(4, 3, bias=False)))


@pytest.mark.parametrize('seed', range(6))
def test_quantize_dynamic_linear_outputs(both, seed):
    # fbgemm's dynamic linear, to the bit: input quantized to 7-bit quint8 from its min/max,
    # weight int8 per tensor, int32 accumulation, fma(acc, x_scale * w_scale, bias)
    def body(lib):
        m = _mlp(lib)
        qm = lib.ao.quantization.quantize_dynamic(m, {lib.nn.Linear}, dtype=lib.qint8)
        x = _x(lib, 5, 16, seed=seed, scale=0.5 + seed)
        if seed % 2:
            x = x.abs() + 0.1
        with lib.no_grad():
            return qm(x), qm(x[:1]), qm(x.reshape(5, 1, 16)), m(x)
    both(body)


def test_quantize_dynamic_model_structure(both):
    def body(lib):
        m = _mlp(lib)
        qm = lib.ao.quantization.quantize_dynamic(m, {lib.nn.Linear}, dtype=lib.qint8)
        sd = qm.state_dict()
        w = qm[0].weight()
        return (repr(qm), repr(m), list(sd), [type(v).__name__ for v in sd.values()], sd['0.scale'],
                sd['0.zero_point'], sd['0._packed_params.dtype'], w.int_repr(), w.q_scale(), w.q_zero_point(),
                str(w.qscheme()), qm[0].bias(), len(list(qm.parameters())), hasattr(qm[0], 'qconfig'),
                type(qm[0]).__name__)
    both(body)


def test_quantize_dynamic_default_spec_and_dict_spec(both):
    def body(lib):
        m = _mlp(lib)
        q1 = lib.quantization.quantize_dynamic(m)
        q2 = lib.ao.quantization.quantize_dynamic(m, {'2': lib.ao.quantization.default_dynamic_qconfig})
        q3 = lib.ao.quantization.quantize_dynamic(m, {lib.nn.Linear: lib.ao.quantization.per_channel_dynamic_qconfig})
        q4 = lib.ao.quantization.quantize_dynamic(m, {lib.nn.Linear}, dtype=lib.float16)
        x = _x(lib, 3, 16, seed=4)
        with lib.no_grad():
            return repr(q1), repr(q2), repr(q3), repr(q4), q2(x), q3(x), q4(x), q3[0].weight().int_repr()
    both(body)


def test_quantize_dynamic_state_dict_roundtrip(both):
    def body(lib):
        m = _mlp(lib)
        qm = lib.ao.quantization.quantize_dynamic(m, {lib.nn.Linear}, dtype=lib.qint8)
        lib.manual_seed(1)
        m2 = lib.nn.Sequential(lib.nn.Linear(16, 8), lib.nn.ReLU(), lib.nn.Linear(8, 4), lib.nn.Sequential(
            lib.nn.Linear(4, 3, bias=False)))
        qm2 = lib.ao.quantization.quantize_dynamic(m2, {lib.nn.Linear}, dtype=lib.qint8)
        r = qm2.load_state_dict(qm.state_dict())
        x = _x(lib, 2, 16, seed=3)
        with lib.no_grad():
            return str(r), qm2(x), qm(x)
    both(body)


def test_dynamic_linear_and_quantize_bit_exact_on_random_inputs():
    # the exact fbgemm arithmetic (not within a tolerance): many shapes, scales, signs, and a
    # per-channel weight, against torch's quantized::linear_dynamic and quantize_per_tensor
    import numpy as np
    import torch
    import ember
    rng = np.random.RandomState(0)
    for t in range(120):
        k, n, b = rng.randint(1, 40), rng.randint(1, 20), rng.randint(1, 9)
        xs = (rng.randn(b, k) * rng.rand() * 4).astype(np.float32)
        if t % 3 == 0:
            xs = np.abs(xs) + np.float32(rng.rand())
        if t % 7 == 0:
            xs = xs * np.float32(1e-4)
        ws = (rng.randn(n, k) * 0.3).astype(np.float32)
        bs = rng.randn(n).astype(np.float32) if t % 4 else None
        sc, zp = float(rng.rand() * 0.05 + 1e-3), int(t % 200)
        outs = []
        for lib in (torch, ember):
            lin = lib.nn.Linear(k, n, bias=bs is not None)
            with lib.no_grad():
                lin.weight.copy_(lib.tensor(ws))
                if bs is not None:
                    lin.bias.copy_(lib.tensor(bs))
            spec = {lib.nn.Linear: lib.ao.quantization.per_channel_dynamic_qconfig} if t % 5 == 0 else {lib.nn.Linear}
            qm = lib.ao.quantization.quantize_dynamic(lib.nn.Sequential(lin), spec, dtype=lib.qint8)
            with lib.no_grad():
                y = qm(lib.tensor(xs))
            q = lib.quantize_per_tensor(lib.tensor(xs), sc, zp, lib.quint8)
            outs.append((np.asarray(y.numpy() if lib is torch else y._data),
                         np.asarray(q.int_repr().numpy() if lib is torch else q.int_repr()._data)))
        np.testing.assert_array_equal(outs[1][0], outs[0][0], err_msg=f'case {t}')
        np.testing.assert_array_equal(outs[1][1], outs[0][1], err_msg=f'case {t}')


@pytest.mark.parametrize('kind', ['LSTM', 'GRU'])
@pytest.mark.parametrize('cfg', [dict(num_layers=1), dict(num_layers=2, bidirectional=True),
                                 dict(num_layers=2, batch_first=True, dropout=0.3)])
def test_quantize_dynamic_lstm_gru(both, cfg, kind):
    # ATen's quantized_lstm / quantized_gru on the CPU: the input projection of the whole sequence in
    # one dynamic linear, then per step linear_hh(h) and the gates (sigmoid / tanh: within rounding)
    def body(lib):
        lib.manual_seed(0)
        rnn = getattr(lib.nn, kind)(5, 7, **cfg)
        q = lib.ao.quantization.quantize_dynamic(lib.nn.Sequential(rnn, lib.nn.Linear(7, 3)),
                                                 {getattr(lib.nn, kind), lib.nn.Linear}, dtype=lib.qint8)
        x = _x(lib, 4, 3, 5, seed=1)
        dirs = 2 if cfg.get('bidirectional') else 1
        h0 = _x(lib, cfg['num_layers'] * dirs, 4 if cfg.get('batch_first') else 3, 7, seed=2)
        with lib.no_grad():
            out, h = q[0](x)
            out2, h2 = q[0](x, (h0, h0 * 0.5) if kind == 'LSTM' else h0)
            q16 = lib.ao.quantization.quantize_dynamic(lib.nn.Sequential(rnn), dtype=lib.float16)
            out16, _ = q16[0](x)
        w = q[0].get_weight()
        return (repr(q), out, h, out2, h2, repr(q16), out16, list(q.state_dict()), sorted(w),
                [(v.int_repr(), v.q_scale()) for v in w.values()], sorted(q[0].get_bias()))
    both(body)


def test_quantized_lstm_refuses_unbatched_input(both):
    def body(lib):
        lib.manual_seed(0)
        q = lib.ao.quantization.quantize_dynamic(lib.nn.Sequential(lib.nn.LSTM(5, 7)), {lib.nn.LSTM})
        return q[0](lib.ones(3, 5))
    both(body)


def test_quantized_state_dict_save_load(both):
    def body(lib):
        import io
        m = _mlp(lib)
        qm = lib.ao.quantization.quantize_dynamic(m, {lib.nn.Linear}, dtype=lib.qint8)
        pc = lib.quantize_per_channel(_x(lib, 2, 3), lib.tensor([0.1, 0.2]), lib.tensor([1, -1]), 0, lib.qint8)
        buf = io.BytesIO()
        lib.save({'sd': qm.state_dict(), 'pc': pc, 'dt': lib.quint8}, buf)
        buf.seek(0)
        got = lib.load(buf, weights_only=False)
        w, b = got['sd']['0._packed_params._packed_params']
        return (w.int_repr(), w.q_scale(), w.q_zero_point(), w.dtype, b, got['pc'].int_repr(),
                got['pc'].q_per_channel_scales(), got['pc'].q_per_channel_zero_points(), repr(got['pc']),
                got['dt'], list(got['sd']))
    both(body)


@pytest.mark.parametrize('case', ['small', 'combine', 'constant_first', 'symmetric', 'bins256', 'reduce'])
def test_histogram_observer_qparams(both, case):
    # the running histogram (histc, upscaled and re-binned when the range grows) and the L2 search of
    # the clipping range: torch's steps, with its float32 comparisons of the cumulative sums
    def body(lib):
        aq = lib.ao.quantization
        kw = {'symmetric': dict(dtype=lib.qint8, qscheme=lib.per_tensor_symmetric), 'bins256': dict(bins=256),
              'reduce': dict(reduce_range=True)}.get(case, {})
        o = aq.HistogramObserver(**kw)
        if case == 'small':
            o(_x(lib, 100, seed=1))
        elif case == 'constant_first':
            o(lib.full((10,), 2.0))
            o(_x(lib, 50, seed=2))
        else:
            o(_x(lib, 400, seed=3, scale=2.0))
            o(_x(lib, 300, seed=4, scale=3.0) + 1)
            o(lib.rand(200, generator=lib.Generator().manual_seed(5)))
        return o.calculate_qparams(), o.min_val, o.max_val, o.histogram, repr(o), list(o.state_dict())
    both(body)


@pytest.mark.parametrize('kind', ['LSTMCell', 'GRUCell', 'RNNCell', 'RNNCell_relu'])
def test_quantize_dynamic_rnn_cells(both, kind):
    def body(lib):
        lib.manual_seed(0)
        name = kind.split('_')[0]
        cell = getattr(lib.nn, name)(5, 6, **({'nonlinearity': 'relu'} if kind.endswith('relu') else {}))
        q = lib.ao.quantization.quantize_dynamic(lib.nn.Sequential(cell))
        x, h = _x(lib, 3, 5, seed=1, scale=2.0), _x(lib, 3, 6, seed=2)
        with lib.no_grad():
            r1 = q[0](x)
            r2 = q[0](x, (h, h * 0.5) if name == 'LSTMCell' else h)
        return repr(q), r1, r2, list(q.state_dict()), sorted(q[0].get_weight()), q[0].get_weight()['weight_ih'].int_repr()
    both(body)


def test_quantize_dynamic_rnns_draw_torchs_placeholder_weights(both):
    # torch's dynamic RNN / cell constructors draw random placeholder weights before from_float
    # replaces them: the global generator must be where torch leaves it
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.LSTM(3, 4, 2, bidirectional=True), lib.nn.GRU(8, 2), lib.nn.LSTMCell(2, 3),
                              lib.nn.Linear(3, 3))
        a = lib.randn(2)
        q = lib.ao.quantization.quantize_dynamic(m)
        return a, lib.randn(3), repr(q), list(q.state_dict())
    both(body)
