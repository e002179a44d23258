"""The large-array fast paths give what the plain formulas give: ``_backend.where`` (a bit blend
in place of ``np.where``, which branches per element) bit for bit against ``np.where``; the ops
that use it (torch.where, masked_fill, leaky_relu, elu, softplus, threshold) against torch with
gradients; exact GELU's float32 path (the normal CDF through erfc, not 1 + erf) against torch and
against a float64 reference; float32 erf within a few ulp of the true erf."""
import math

import numpy as np
import pytest

import conformance
import ember
from ember import _backend


def _skip_if_torch_runs_cudnn_lstm():
    """On the cuda axis with a real GPU, torch's nn.LSTM runs cuDNN's fused RNN: its graph is one
    CudnnRnnBackward0 node and has no double backward; ember has no cuDNN (it builds the layer
    from its own nodes), so these graph-structure comparisons do not apply there."""
    torch = conformance.torch
    if conformance.DEVICE[0] != 'cpu' and torch.cuda.is_available() and torch.backends.cudnn.is_available() \
            and torch.backends.cudnn.enabled:
        pytest.skip("torch's CUDA LSTM is cuDNN's (CudnnRnnBackward0, no double backward); ember has no cuDNN")

N = 64 * 129           # above _backend._BLEND_MIN: the blend, not np.where


def _specials(dt):
    return np.array([np.nan, -np.nan, 0.0, -0.0, np.inf, -np.inf, 1e-40, -1e-40], dt)


@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.float16, np.int32, np.int64, np.int16])
def test_backend_where_is_np_where_bitwise(dtype):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(N) * 100).astype(dtype)
    b = (rng.standard_normal(N) * 100).astype(dtype)
    if np.dtype(dtype).kind == 'f':
        a[:8] = _specials(dtype)
        b[8:16] = _specials(dtype)
        a[20] = np.frombuffer(np.array([0x7fc01234], np.uint32).tobytes(), np.float32)[0] if dtype == np.float32 \
            else a[20]            # a NaN payload travels unchanged
    c = rng.random(N) < 0.5
    cases = [(a, b), (a, 0), (0, a), (a, 0.0), (a, -0.0), (a, 2.5), (a, np.float32(3)), (a, b.astype(np.float64)),
             (np.int8(3), a), (a.reshape(64, 129)[:, :1], b.reshape(64, 129)), (a.reshape(64, 129)[0], b.reshape(64, 129)),
             (a.reshape(129, 64).T, b.reshape(64, 129))]
    for x, y in cases:
        cond = c.reshape(64, 129) if np.ndim(x) == 2 or np.ndim(y) == 2 else c
        got, want = _backend.where(cond, x, y), np.where(cond, x, y)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()
    # a condition broadcast against larger operands, and small inputs (np.where itself)
    got = _backend.where(c.reshape(64, 129)[:, :1], a.reshape(64, 129), b.reshape(64, 129))
    assert got.tobytes() == np.where(c.reshape(64, 129)[:, :1], a.reshape(64, 129), b.reshape(64, 129)).tobytes()
    assert _backend.where(c[:10], a[:10], 0).tobytes() == np.where(c[:10], a[:10], 0).tobytes()


def _big(lib, scale=3.0):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((64, 129)) * scale).astype(np.float32)
    x[0, :6] = [0.0, -0.0, 1e-30, -1e-30, 20.0, -20.0]
    return lib.tensor(x, requires_grad=True)


@pytest.mark.parametrize('name', ['where', 'masked_fill', 'leaky_relu', 'elu', 'softplus', 'threshold', 'hardtanh'])
def test_ops_on_the_blend_match_torch(both, name):
    def body(lib):
        x = _big(lib)
        F = lib.nn.functional
        y = {'where': lambda: lib.where(x > 0.5, x * 2, x - 1),
             'masked_fill': lambda: x.masked_fill(x < 0, -7.5),
             'leaky_relu': lambda: F.leaky_relu(x, 0.02),
             'elu': lambda: F.elu(x, 0.7),
             'softplus': lambda: F.softplus(x, beta=2, threshold=3),
             'threshold': lambda: F.threshold(x, 0.3, -2.0),
             'hardtanh': lambda: F.hardtanh(x, -1.5, 2.0)}[name]()
        g = lib.tensor(np.random.default_rng(2).standard_normal((64, 129)).astype(np.float32))
        y.backward(g)
        return y, x.grad
    both(body)


def test_gelu_float32_matches_torch_and_float64(both):
    def body(lib):
        x = _big(lib, scale=4.0)
        y = lib.nn.functional.gelu(x)
        y.backward(lib.ones_like(y) * 0.5)
        return y, x.grad
    both(body)
    # against the exact value: ember's lower tail keeps its relative precision
    x = _big(ember, scale=4.0)
    y = ember.nn.functional.gelu(x).detach().numpy().astype(np.float64)
    xs = x.detach().numpy().astype(np.float64).ravel()
    ref = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in xs]).reshape(y.shape)
    big = np.abs(ref) > 1e-6
    assert np.max(np.abs(y - ref)[big] / np.abs(ref[big])) < 3e-6


def test_gelu_float64_gradcheck_and_compile_equal_eager():
    x = ember.tensor(np.random.default_rng(3).standard_normal(20), dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(ember.nn.functional.gelu, (x,))
    f = ember.nn.functional.gelu
    cf = ember.compile(lambda t: f(t) * 2)
    xb = _big(ember).detach()
    for _ in range(3):
        assert np.array_equal(cf(xb).numpy(), (f(xb) * 2).numpy())


def test_erf_float32_within_a_few_ulp():
    xs = np.linspace(-6, 6, 200001).astype(np.float32)
    got = ember.erf(ember.from_numpy(xs)).numpy().astype(np.float64)
    ref = np.array([math.erf(float(v)) for v in xs])
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - ref) / ulp) <= 4
    sp = ember.erf(ember.tensor([np.nan, np.inf, -np.inf, -0.0, 0.0])).numpy()
    assert np.isnan(sp[0]) and list(sp[1:3]) == [1.0, -1.0] and np.signbit(sp[3]) and not np.signbit(sp[4])


@pytest.mark.parametrize('kw', [dict(), dict(bidirectional=True), dict(num_layers=2, bidirectional=True, batch_first=False),
                                dict(bias=False), dict(num_layers=3, dropout=0.0)])
def test_lstm_layer_node_matches_torch(both, kw):
    _skip_if_torch_runs_cudnn_lstm()
    # nn.LSTM on float32 CPU input: one node per layer and direction (nn/_functional/rnn.py)
    def body(lib):
        lib.manual_seed(0)
        bf = kw.get('batch_first', True)
        m = lib.nn.LSTM(5, 7, **{**kw, 'batch_first': bf})
        rng = np.random.default_rng(0)
        with lib.no_grad():
            for p in m.parameters():
                p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=lib.float32))
        D = 2 if kw.get('bidirectional') else 1
        L = kw.get('num_layers', 1)
        x = lib.tensor(rng.standard_normal((3, 6, 5) if bf else (6, 3, 5)), dtype=lib.float32, requires_grad=True)
        h0 = lib.tensor(rng.standard_normal((L * D, 3, 7)), dtype=lib.float32, requires_grad=True)
        c0 = lib.tensor(rng.standard_normal((L * D, 3, 7)), dtype=lib.float32, requires_grad=True)
        out, (h, c) = m(x, (h0, c0))
        (out.pow(2).sum() + h.sum() * 0.3 + (c * c).sum() * 0.2).backward()
        with lib.no_grad():
            plain = m(x, (h0, c0))[0]
        return (out, h, c, x.grad, h0.grad, c0.grad, [p.grad for p in m.parameters()], plain,
                type(out.grad_fn).__name__, type(h.grad_fn).__name__)
    both(body)


def test_lstm_layer_node_double_backward(both):
    _skip_if_torch_runs_cudnn_lstm()
    def body(lib):
        m = lib.nn.LSTM(3, 4)
        rng = np.random.default_rng(1)
        with lib.no_grad():
            for p in m.parameters():
                p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=lib.float32))
        x = lib.tensor(rng.standard_normal((5, 2, 3)), dtype=lib.float32, requires_grad=True)
        y = m(x)[0].pow(2).sum()
        g, = lib.autograd.grad(y, x, create_graph=True)
        g.pow(2).sum().backward()
        return g, x.grad, [p.grad for p in m.parameters()]
    both(body)


def test_seeded_mt_is_init_genrand():
    # ember/_mt19937._seeded_mt uses NumPy's legacy integer seeding: the reference init_genrand
    from ember._mt19937 import _seeded_mt
    for seed in (0, 5, 67280421310721, 2 ** 32 - 1, 2 ** 64 - 1):
        x = seed & 0xffffffff
        key = [x]
        for i in range(1, 624):
            x = (1812433253 * (x ^ (x >> 30)) + i) & 0xffffffff
            key.append(x)
        st = _seeded_mt(seed).state['state']
        assert st['pos'] == 624 and st['key'].tolist() == key


def test_compile_sees_a_hook_added_to_a_tensor_with_extras():
    # the replay's guard compares each tensor's _extra by identity and size (a hook adds a key)
    lin = ember.nn.Linear(3, 2)
    opt = ember.optim.SGD(lin.parameters(), lr=0.1)
    x = ember.randn(4, 3)

    def step():
        opt.zero_grad()
        loss = lin(x).pow(2).sum()
        loss.backward()
        opt.step()
        return loss
    cstep = ember.compile(step)
    for _ in range(3):
        cstep()
    assert cstep.stats['replayed'] >= 1 and lin.weight._extra     # (the leaf's AccumulateGrad lives there)
    calls = []
    lin.weight.register_hook(lambda g: calls.append(g.shape))
    cstep()                 # a new recording stops at the hooked tensor: the step runs eagerly, once
    cstep()
    assert calls == [(2, 3), (2, 3)]


@pytest.mark.parametrize('geo', [dict(k=3, stride=1, padding=1), dict(k=3, stride=2, padding=1), dict(k=5, stride=1, padding=2),
                                 dict(k=3, stride=1, padding=2, dilation=2), dict(k=(3, 1), stride=1, padding=(1, 0)),
                                 dict(k=3, stride=2, padding=0, dilation=2), dict(k=3, stride=1, padding='same'),
                                 dict(k=3, stride=1, padding=0, bias=False)])
def test_depthwise_conv_matches_torch(both, geo):
    # groups = in = out channels: the direct path (nn/_functional/conv.py, "depthwise")
    def body(lib):
        rng = np.random.default_rng(0)
        kw = {k: v for k, v in geo.items() if k not in ('k', 'bias')}
        m = lib.nn.Conv2d(6, 6, geo['k'], groups=6, bias=geo.get('bias', True), **kw)
        with lib.no_grad():
            for p in m.parameters():
                p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.3, dtype=lib.float32))
        x = lib.tensor(rng.standard_normal((3, 6, 9, 10)), dtype=lib.float32, requires_grad=True)
        y = m(x)
        (y * y).sum().backward()        # (weights x0.3: with unit ones, 25-tap sums cancel past float32's rtol in any order)
        return y, x.grad, [p.grad for p in m.parameters()]
    both(body)


def test_depthwise_conv_compiled_equals_eager():
    m = ember.nn.Sequential(ember.nn.Conv2d(4, 4, 3, padding=1, groups=4), ember.nn.ReLU(),
                            ember.nn.Conv2d(4, 4, 3, stride=2, groups=4), ember.nn.Flatten(), ember.nn.Linear(36, 2))
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    x = ember.randn(2, 4, 8, 8)

    def step():
        opt.zero_grad()
        loss = m(x).pow(2).sum()
        loss.backward()
        opt.step()
        return loss
    import copy
    m2, ref = copy.deepcopy(m), []
    opt2 = ember.optim.SGD(m2.parameters(), lr=0.1)
    for _ in range(4):
        opt2.zero_grad()
        loss = m2(x).pow(2).sum()
        loss.backward()
        opt2.step()
        ref.append(loss.item())
    cstep = ember.compile(step)
    got = [cstep().item() for _ in range(4)]
    assert got == ref and cstep.stats['replayed'] >= 1


@pytest.mark.parametrize('mode,shape,kw', [('bilinear', (4, 8, 16, 20), dict(scale_factor=2)),
                                           ('bilinear', (4, 8, 16, 20), dict(size=(7, 33), align_corners=True)),
                                           ('linear', (8, 8, 100), dict(scale_factor=0.37)),
                                           ('trilinear', (2, 4, 8, 9, 10), dict(size=(5, 12, 7)))])
def test_linear_interpolation_by_matrix_matches_torch(both, mode, shape, kw):
    # large finite inputs: one product with the interpolation matrix per dim (misc._resample_linear)
    def body(lib):
        x = lib.tensor(np.random.default_rng(4).standard_normal(shape), dtype=lib.float32, requires_grad=True)
        y = lib.nn.functional.interpolate(x, mode=mode, **kw)
        (y * y).sum().backward()
        return y, x.grad, type(y.grad_fn).__name__
    both(body)


def test_linear_interpolation_keeps_nonfinite_local(both):
    def body(lib):
        x = lib.tensor(np.random.default_rng(5).standard_normal((4, 8, 16, 20)), dtype=lib.float32)
        x[0, 0, 3, 4] = float('inf')
        x[1, 2, 5, 6] = float('nan')
        return lib.nn.functional.interpolate(x, scale_factor=2, mode='bilinear')
    both(body)


@pytest.mark.skipif(not __import__('sys').platform.startswith('linux'), reason='glibc malloc tuning (Linux)')
def test_freed_memory_is_reused_without_page_faults():
    # ember/_backend.tune_malloc: a process that imported ember gets its large temporaries from
    # kept memory; with EMBER_MALLOC_TUNE=0, glibc hands them back and faults fresh pages in
    import os
    import subprocess
    import sys
    code = ('import resource, numpy as np, ember\n'
            'x = np.ones(1 << 21, np.float32)\n'
            'for _ in range(5): y = x * 2; z = y + 1; del y, z\n'
            'r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n'
            'for _ in range(50): y = x * 2; z = y + 1; del y, z\n'
            'print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0)\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith('MALLOC_')}
    faults = []
    for tune in ('1', '0'):
        out = subprocess.run([sys.executable, '-c', code], env=dict(env, EMBER_MALLOC_TUNE=tune),
                             capture_output=True, text=True, check=True).stdout
        faults.append(int(out))
    if faults[1] < 1000:
        pytest.skip(f'this malloc did not give the blocks back even untuned ({faults[1]} faults)')
    assert faults[0] < faults[1] // 10, faults


@pytest.mark.parametrize('shape', [(64, 10), (1000, 3), (4, 50, 7), (40, 48), (33, 1)])
def test_short_row_max_is_the_reduce(shape):
    # softmax's row max over short rows goes through a transposed copy: the same values (NaN, +-inf
    # and signed zeros included) as NumPy's reduce along the row
    from ember._ops.softmax import _row_max_short
    rng = np.random.default_rng(sum(shape))
    for dt in (np.float32, np.float64):
        x = rng.standard_normal(shape).astype(dt)
        flat = x.reshape(-1)
        flat[rng.integers(0, flat.size, 8)] = _specials(dt)
        got, want = _row_max_short(x), np.maximum.reduce(x, -1, keepdims=True)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert np.array_equal(np.isnan(got), np.isnan(want))
        ok = ~np.isnan(want)
        assert np.array_equal(got[ok], want[ok])


@pytest.mark.parametrize('shape', [(64, 10), (1000, 3), (4, 50, 7)])
def test_short_row_softmax_matches_torch(both, shape):
    def body(lib):
        g = np.random.default_rng(3)
        a = g.standard_normal(shape).astype(np.float32) * 4
        a[0, ...] = np.inf
        a[1, ..., 0] = -np.inf
        x = lib.from_numpy(a).requires_grad_()
        y = lib.log_softmax(x, -1)
        (y[2:] * lib.from_numpy(g.standard_normal(y[2:].shape).astype(np.float32))).sum().backward()
        return y, lib.softmax(x.detach(), -1), lib.nn.functional.cross_entropy(x.detach()[2:].reshape(-1, shape[-1]),
                                                                               lib.zeros(x[2:].numel() // shape[-1], dtype=lib.int64)), x.grad
    both(body)
