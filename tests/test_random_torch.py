"""ember's CPU random numbers are PyTorch's (ember/_mt19937.py): after the same manual_seed the
same sampling calls give the same numbers, bit for bit, and the generator state is torch's."""
import numpy as np
import pytest

torch = pytest.importorskip('torch')
import ember  # noqa: E402


def _intel():
    try:
        with open('/proc/cpuinfo') as f:
            return 'GenuineIntel' in f.read()
    except OSError:
        return False


# torch's float32 randn of 16+ values runs avx_mathfun (AVX2 and up); on Intel CPUs its scalar
# bernoulli_ (dropout) draws from MKL: where those hold, ember's emulation is not the reference
AVX = torch.backends.cpu.get_cpu_capability() in ('AVX2', 'AVX512')
needs_avx = pytest.mark.skipif(not AVX, reason="torch's float32 randn uses libm here, not avx_mathfun")
not_intel = pytest.mark.skipif(_intel(), reason="torch's bernoulli_(p) draws from MKL on Intel CPUs")


def same(body, seed=1234):
    """Run ``body(lib)`` after ``lib.manual_seed(seed)`` with torch and ember; every tensor equal."""
    out = []
    for lib in (torch, ember):
        lib.manual_seed(seed)
        r = body(lib)
        out.append([np.array(x.detach().tolist()) if hasattr(x, 'detach') else x for x in
                    (r if isinstance(r, (list, tuple)) else [r])])
    for t, e in zip(*out):
        if isinstance(t, np.ndarray):
            assert t.dtype == e.dtype and t.shape == e.shape
            np.testing.assert_array_equal(e, t)
        else:
            assert e == t


def test_rand_randint_randperm():
    same(lambda lib: [lib.rand(5, 7), lib.rand(3, dtype=lib.float64), lib.randint(-5, 100, (9,)),
                      lib.randint(0, 2 ** 40, (3,)), lib.randperm(13), lib.randint(3, (4,), dtype=lib.int32),
                      lib.rand(20, dtype=lib.float16).float()])


@needs_avx
@pytest.mark.parametrize('n', [16, 37, 1000, 4099, 131072 + 16 * 3 + 5, 400000])
def test_randn_float32_vectorised(n):
    """(The larger sizes cross the pieces ember runs Box-Muller in, and hold fused multiply-add
    halfway cases that the fast tie test in _mt19937._fma must catch.)"""
    same(lambda lib: lib.randn(n), seed=n)


def test_randn_small_and_float64():
    # fewer than 16 values: float64 Box-Muller one pair at a time, the second value cached in the
    # generator for the next draw
    same(lambda lib: [lib.randn(5), lib.randn(1), lib.randn(3, dtype=lib.float64), lib.randn(40, dtype=lib.float64),
                      lib.empty(5).normal_(1.5, 0.3), lib.empty(7, dtype=lib.float64).normal_(-2, 4)])


def test_in_place_fills():
    def body(lib):
        return [lib.empty(20).uniform_(-2, 3), lib.empty(30).bernoulli_(0.35),
                lib.bernoulli(lib.full((25,), 0.6)), lib.bernoulli(lib.full((9,), 0.3, dtype=lib.float64)),
                lib.empty(6).exponential_(2.5), lib.empty(6).geometric_(0.3), lib.empty(4).log_normal_(),
                lib.empty(4).cauchy_(), lib.empty(3, dtype=lib.int64).random_(), lib.empty(3).random_(),
                lib.empty(3, dtype=lib.int32).random_(10), lib.empty(4, dtype=lib.uint8).random_(),
                lib.empty(5, dtype=lib.bool).random_()]
    same(body)


@needs_avx
def test_normal_forms():
    same(lambda lib: [lib.normal(lib.zeros(20), lib.ones(20) * 2), lib.normal(2., 3., (18,)),
                      lib.empty(64).normal_(0.5, 0.02)])


def test_multinomial():
    same(lambda lib: [lib.multinomial(lib.tensor([0.1, 0.5, 0.2, 0.2]), 8, replacement=True),
                      lib.multinomial(lib.tensor([[0.1, 0.5, 0.2, 0.2], [1., 2., 3., 4.]]), 3),
                      lib.multinomial(lib.tensor([0.1, 0.5, 0.2, 0.2]), 1, replacement=True),
                      lib.multinomial(lib.tensor([[1., 2.], [3., 4.]], dtype=lib.float64), 5, replacement=True)])


@not_intel
def test_dropout_masks():
    same(lambda lib: [lib.nn.functional.dropout(lib.ones(50), 0.4), lib.nn.functional.dropout2d(lib.ones(2, 8, 3, 3), 0.5),
                      lib.nn.Dropout(0.1)(lib.ones(4, 30)), lib.nn.functional.alpha_dropout(lib.ones(40), 0.3, True)])


@needs_avx
def test_layer_initialisation():
    """nn layers draw their initial weights in torch's order with torch's numbers."""
    def body(lib):
        nn = lib.nn
        mods = [nn.Linear(5, 3), nn.Conv2d(2, 4, 3), nn.Embedding(10, 4), nn.LSTM(3, 4, num_layers=2),
                nn.GRU(3, 5), nn.TransformerEncoderLayer(8, 2, 16), nn.BatchNorm1d(3)]
        out = [p for m in mods for p in m.parameters()]
        for init in (nn.init.xavier_normal_, nn.init.xavier_uniform_, nn.init.kaiming_normal_, nn.init.kaiming_uniform_,
                     nn.init.trunc_normal_):
            w = lib.empty(8, 6)
            init(w)
            out.append(w)
        return out
    same(body)


def test_generator_objects_and_state():
    def body(lib):
        g = lib.Generator().manual_seed(7)
        out = [lib.randperm(10, generator=g), lib.rand(3, generator=g), lib.tensor(g.initial_seed())]
        lib.randn(3)                     # leaves a cached normal in the default generator
        st = lib.get_rng_state()
        a = lib.randn(2)
        lib.set_rng_state(st)
        b = lib.randn(2)
        gs = g.get_state()
        c = lib.rand(2, generator=g)
        g.set_state(gs)
        d = lib.rand(2, generator=g)
        return out + [st, a, b, gs, c, d]
    same(body)


def test_state_bytes_load_across_libraries():
    """A state saved by torch loads into ember (the same 5056-byte layout) and continues its stream."""
    torch.manual_seed(3)
    torch.rand(5)
    torch.randn(1)
    st = torch.get_rng_state()
    ember.set_rng_state(ember.tensor(st.numpy()))
    np.testing.assert_array_equal(np.array(ember.randn(5).tolist(), np.float32), torch.randn(5).numpy())
    np.testing.assert_array_equal(np.array(ember.rand(40).tolist(), np.float32), torch.rand(40).numpy())
    with pytest.raises(RuntimeError):
        ember.set_rng_state(ember.zeros(10, dtype=ember.uint8))


def test_data_pipeline_order():
    """random_split and a shuffling DataLoader visit the samples in torch's order."""
    def body(lib):
        from importlib import import_module
        data = import_module(lib.__name__ + '.utils.data')
        ds = data.TensorDataset(lib.arange(20))
        a, b = data.random_split(ds, [15, 5], generator=lib.Generator().manual_seed(42))
        loader = data.DataLoader(ds, batch_size=6, shuffle=True)
        order = [x for epoch in range(2) for (batch,) in loader for x in batch.tolist()]
        return [a.indices, b.indices, order]
    same(body)


@needs_avx
@not_intel
def test_seeded_training_loop_prints_torch_numbers():
    """A seeded script (init, data, dropout, shuffling, Adam) gives torch's losses to the last bit
    of float32 agreement that the arithmetic allows: equal to 1e-6."""
    def body(lib):
        nn = lib.nn
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
        x, y = lib.randn(64, 8), lib.randint(0, 3, (64,))
        from importlib import import_module
        data = import_module(lib.__name__ + '.utils.data')
        loader = data.DataLoader(data.TensorDataset(x, y), batch_size=16, shuffle=True)
        opt = lib.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for _ in range(3):
            for xb, yb in loader:
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        return losses
    out = []
    for lib in (torch, ember):
        lib.manual_seed(0)
        out.append(body(lib))
    np.testing.assert_allclose(out[1], out[0], rtol=1e-6, atol=1e-7)
