"""Per-op workloads of the suite: tiny-op overhead, a 100-op elementwise chain, a big matmul."""
import numpy as np


def _pair(lib, shape, rg, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    return lib.tensor(a, requires_grad=rg), lib.tensor(b, requires_grad=rg)


def add(rg):
    def make(lib):
        a, b = _pair(lib, (4,), rg)

        def f():
            a + b
        return f
    return make


# ten ops, repeated ten times: 100 recorded ops; values stay bounded (sin/tanh/sigmoid/cos squash)
CHAIN = (
    lambda L, x, w, c: x * w,
    lambda L, x, w, c: x + c,
    lambda L, x, w, c: L.sin(x),
    lambda L, x, w, c: x * 1.5,
    lambda L, x, w, c: L.tanh(x),
    lambda L, x, w, c: L.exp(x),
    lambda L, x, w, c: x - c,
    lambda L, x, w, c: L.sigmoid(x),
    lambda L, x, w, c: L.cos(x),
    lambda L, x, w, c: x * x,
)


def _chain_leaves(lib):
    rng = np.random.default_rng(1)
    return [lib.tensor(rng.standard_normal(1000).astype(np.float32), requires_grad=True) for _ in range(3)]


def chain(lib):
    x0, w, c = _chain_leaves(lib)
    seed = lib.ones(1000)

    def f():
        x0.grad = w.grad = c.grad = None
        x = x0
        for _ in range(10):
            for op in CHAIN:
                x = op(lib, x, w, c)
        x.backward(seed)
    return f


def chain_grad_diff(ember, torch):
    """Max relative difference of the chain's leaf gradients, ember vs torch (the same work)."""
    outs = []
    for lib in (ember, torch):
        leaves = _chain_leaves(lib)
        x0, w, c = leaves
        x = x0
        for _ in range(10):
            for op in CHAIN:
                x = op(lib, x, w, c)
        x.backward(lib.ones(1000))
        outs.append([np.array(t.grad.tolist(), dtype=np.float32) for t in leaves])
    return max(float(np.max(np.abs(e - t) / (1e-3 + np.abs(t)))) for e, t in zip(*outs))


MATMUL_N = 2048


def matmul_operands(lib=None):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((MATMUL_N, MATMUL_N)).astype(np.float32)
    b = rng.standard_normal((MATMUL_N, MATMUL_N)).astype(np.float32)
    return (a, b) if lib is None else (lib.from_numpy(a), lib.from_numpy(b))


def matmul(lib):
    a, b = matmul_operands(lib)
    mm = lib.matmul

    def f():
        mm(a, b)
    return f


def matmul_flop():
    return 2.0 * MATMUL_N ** 3


# name: (factory, label, unit, target ratio or None)
CORE = {
    'add': (add(False), 'add, float32 (4,), no grad', 'us', 0.8),
    'add_grad': (add(True), 'add, float32 (4,), leaves require grad (forward only)', 'us', 1.0),
    'chain': (chain, '100 elementwise ops fwd+bwd, float32 (1000,)', 'us', 1.0),
    'matmul': (matmul, f'matmul {MATMUL_N}x{MATMUL_N} float32', 'ms', None),
}
