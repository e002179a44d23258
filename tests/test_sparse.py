"""Sparse COO tensors against torch: creation, coalescing, printing, conversions, the products
(``torch.sparse.mm``, ``torch.spmm``, ``mm``/``matmul``/``@``, ``addmm``) with their gradients,
elementwise ops and reductions, refusals, and a small GCN trained with both libraries.

Bodies return dense tensors (``to_dense()``) or the ``indices()``/``values()`` of coalesced
results, since the harness compares strided tensors."""
import warnings

import numpy as np
import pytest

import conformance
from conformance import run_both, torch
import ember

warnings.filterwarnings('ignore', message='Sparse invariant checks')
warnings.filterwarnings('ignore', message='torch.sparse.SparseTensor')

IDX = [[0, 1, 1, 0, 2], [2, 0, 2, 2, 1]]           # (0, 2) twice: uncoalesced
VAL = [3., 4., 5., 6., -1.5]


def _s(lib, dtype=None, size=(3, 3), **kw):
    return lib.sparse_coo_tensor(lib.tensor(IDX), lib.tensor(VAL, dtype=dtype), size, **kw)


def _parts(s):
    """What describes a sparse tensor: its dense form, nnz, coalesced flag, size, dtype, layout."""
    return s.to_dense(), s._nnz(), s.is_coalesced(), tuple(s.shape), s.dtype, str(s.layout), s.sparse_dim(), \
        s.dense_dim(), s.is_sparse


# ---------------------------------------------------------------- creation
@pytest.mark.parametrize('size', [(3, 3), None, (4, 5), [3, 3]])
def test_create_with_size(both, size):
    both(lambda lib: _parts(lib.sparse_coo_tensor(lib.tensor(IDX), lib.tensor(VAL), size)))   # None: TypeError


def test_create_without_size(both):
    both(lambda lib: _parts(lib.sparse_coo_tensor(lib.tensor(IDX), lib.tensor(VAL))))


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'int64', None])
def test_create_from_lists_and_dtype(both, dtype):
    both(lambda lib: _parts(lib.sparse_coo_tensor(IDX, VAL if dtype != 'int64' else [1, 2, 3, 4, 5],
                                                  dtype=getattr(lib, dtype) if dtype else None)))


def test_create_dense_dims_and_1d(both):
    both(lambda lib: (_parts(lib.sparse_coo_tensor(lib.tensor([[0, 2, 2]]), lib.tensor([[1., 2], [3, 4], [5, 6]]))),
                      _parts(lib.sparse_coo_tensor(lib.tensor([[4, 1, 4]]), lib.tensor([1., 2, 3]), (6,)))))


def test_create_empty(both):
    both(lambda lib: _parts(lib.sparse_coo_tensor(lib.zeros(2, 0, dtype=lib.int64), lib.zeros(0), (3, 4))))


def test_coalesce_sums_duplicates_in_order(both):
    def body(lib):
        c = _s(lib).coalesce()
        return c.indices(), c.values(), c.is_coalesced(), c._nnz(), c.coalesce().values()
    both(body)


def test_coalesce_random_duplicates(both):
    rng = np.random.default_rng(0)
    i = rng.integers(0, 6, size=(2, 60))
    v = rng.standard_normal(60)

    def body(lib):
        c = lib.sparse_coo_tensor(lib.tensor(i), lib.tensor(v), (6, 6)).coalesce()
        return c.indices(), c.values(), c.to_dense()
    both(body, rtol=1e-12, atol=1e-12)


def test_is_coalesced_flag(both):
    both(lambda lib: (_s(lib).is_coalesced(), _s(lib, is_coalesced=True).is_coalesced(),
                      lib.sparse_coo_tensor([[0]], [1.]).is_coalesced(), lib.eye(2).to_sparse().is_coalesced(),
                      _s(lib).detach().is_coalesced()))


@pytest.mark.parametrize('name', ['FloatTensor', 'DoubleTensor', 'LongTensor'])
def test_legacy_constructors(both, name):
    dt = {'FloatTensor': 'float32', 'DoubleTensor': 'float64', 'LongTensor': 'int64'}[name]

    def body(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            a = getattr(lib.sparse, name)(lib.tensor(IDX), lib.tensor(VAL).to(getattr(lib, dt)), lib.Size([3, 3]))
            e = getattr(lib.sparse, name)(2, 3)
        return _parts(a), _parts(e)
    both(body)


def test_legacy_constructor_warns_once():
    """torch's deprecation warning is a TORCH_WARN_ONCE: the first call in the process warns."""
    import ember.sparse as es
    es._WARNED[0] = False
    with pytest.warns(UserWarning, match='torch.sparse.SparseTensor'):
        ember.sparse.FloatTensor(ember.tensor(IDX), ember.tensor(VAL), (3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ember.sparse.FloatTensor(ember.tensor(IDX), ember.tensor(VAL), (3, 3))


def test_metadata(both):
    def body(lib):
        s = _s(lib)
        return (s.shape, s.size(), s.size(1), s.dim(), s.ndim, s.numel(), s.is_sparse, s.layout == lib.sparse_coo,
                lib.ones(2).layout == lib.strided, lib.ones(2).is_sparse, s.device, s.is_leaf, len(s),
                s.stride(), s.is_contiguous(), s.requires_grad, isinstance(s, lib.Tensor), s._indices(), s._values())
    both(body)


def test_type_string():
    if conformance.DEVICE[0] != 'cpu':
        pytest.skip('the legacy type string names the device: compared on the cpu axis')
    run_both(lambda lib: (_s(lib).type(), _s(lib, dtype=lib.float64).type()))


def test_layout_constants():
    assert str(ember.sparse_coo) == str(torch.sparse_coo) == 'torch.sparse_coo'
    assert str(ember.strided) == str(torch.strided)


def test_to_device_dtype_detach_requires_grad(both):
    def body(lib):
        s = _s(lib)
        d = s.to(lib.float64)
        r = s.detach().requires_grad_()
        return (_parts(d), _parts(s.double()), _parts(s.cpu()), s.to(s.device) is s, _parts(s.to(device='cpu',
                dtype=lib.float64)), r.requires_grad, r.is_leaf, _parts(r.detach()), r.detach().requires_grad)
    both(body)


# ---------------------------------------------------------------- printing
PRINT_CASES = {
    'uncoalesced': lambda lib: _s(lib),
    'coalesced': lambda lib: _s(lib).coalesce(),
    'float64': lambda lib: _s(lib, dtype=lib.float64),
    'int64': lambda lib: lib.sparse_coo_tensor(IDX, [1, 2, 3, 4, 5]),
    'int32': lambda lib: lib.sparse_coo_tensor(IDX, [1, 2, 3, 4, 5], dtype=lib.int32),
    'empty': lambda lib: lib.zeros(3, 3).to_sparse(),
    'requires_grad': lambda lib: _s(lib, requires_grad=True),
    'grad_fn': lambda lib: lib.sparse_coo_tensor(lib.tensor(IDX), lib.tensor(VAL, requires_grad=True), (3, 3)),
    'dense_dim': lambda lib: lib.sparse_coo_tensor([[0, 2]], [[1.5, 2], [3, 4]]),
    '1d': lambda lib: lib.tensor([0., 2, 0, -3]).to_sparse(),
    'wide': lambda lib: lib.sparse_coo_tensor(lib.stack([lib.arange(40), lib.arange(40)]), lib.arange(40.) / 7),
    'to_sparse': lambda lib: lib.tensor([[0, 1.], [2, 0]], requires_grad=True).to_sparse(),
    'sum_dim': lambda lib: lib.sparse.sum(_s(lib), 0),
}


@pytest.mark.parametrize('case', sorted(PRINT_CASES))
def test_repr_and_str_match_torch(both, case):
    if conformance.DEVICE[0] != 'cpu' and not torch.cuda.is_available():
        pytest.skip("fake CuPy: torch runs on the CPU and prints no device='cuda:0'")
    both(lambda lib: (repr(PRINT_CASES[case](lib)), str(PRINT_CASES[case](lib))))


# ---------------------------------------------------------------- conversions
def test_to_dense_to_sparse_round_trip(both):
    def body(lib):
        d = lib.tensor([[0., 1.5, 0], [0, 0, 0], [-2, 0, 3]])
        s = d.to_sparse()
        return (s.indices(), s.values(), s.to_dense(), _parts(s), s.to_dense().to_sparse().values(),
                _parts(d.to_sparse_coo()), _parts(d.to_sparse(1)), d.to_dense(),
                _s(lib).to_dense().to_sparse().values())
    both(body)


def test_to_dense_and_to_sparse_gradients(both):
    def body(lib):
        x = lib.tensor([[0., 2.], [3., 0.]], requires_grad=True)
        s = x.to_sparse()
        (s.to_dense() * lib.tensor([[1., 2.], [3., 4.]])).sum().backward()
        v = lib.tensor(VAL, requires_grad=True)
        (lib.sparse_coo_tensor(lib.tensor(IDX), v, (3, 3)).to_dense() * lib.arange(9.).view(3, 3)).sum().backward()
        return x.grad, v.grad
    both(body)


# ---------------------------------------------------------------- products
PRODUCTS = {
    'sparse.mm': lambda lib, s, d: lib.sparse.mm(s, d),
    'spmm': lambda lib, s, d: lib.spmm(s, d),
    'mm': lambda lib, s, d: lib.mm(s, d),
    'matmul': lambda lib, s, d: lib.matmul(s, d),
    'operator': lambda lib, s, d: s @ d,
    'method': lambda lib, s, d: s.mm(d),
    'sparse.addmm': lambda lib, s, d: lib.sparse.addmm(lib.ones(3, 2), s, d, beta=0.5, alpha=2.0),
    'addmm': lambda lib, s, d: lib.addmm(lib.ones(3, 2), s, d),
    'dense@sparse': lambda lib, s, d: lib.mm(d.t(), s.t()).t(),
}
D = np.arange(6, dtype=np.float32).reshape(3, 2) / 4 - 0.5


@pytest.mark.parametrize('op', sorted(PRODUCTS))
def test_product_value_and_dense_grad(both, op):
    def body(lib):
        d = lib.tensor(D, requires_grad=True)
        out = PRODUCTS[op](lib, _s(lib), d)
        (out * lib.tensor([[1., -1.], [2., 0.5], [0.25, 3.]])).sum().backward()
        return out, d.grad, out.grad_fn.name()
    both(body)


@pytest.mark.parametrize('op', sorted(PRODUCTS))
def test_product_grad_to_values(both, op):
    def body(lib):
        v = lib.tensor(VAL, requires_grad=True)
        d = lib.tensor(D, requires_grad=True)
        s = lib.sparse_coo_tensor(lib.tensor(IDX), v, (3, 3))
        PRODUCTS[op](lib, s, d).pow(2).sum().backward()
        return v.grad, d.grad
    both(body)


@pytest.mark.parametrize('op', sorted(PRODUCTS))
def test_product_grad_of_sparse_leaf(both, op):
    """torch.sparse.mm gives a sparse leaf a sparse, coalesced gradient; torch.mm a dense one."""
    def body(lib):
        s = _s(lib, requires_grad=True)
        PRODUCTS[op](lib, s, lib.tensor(D)).pow(2).sum().backward()
        g = s.grad
        if g.is_sparse:     # (unique indices; torch leaves is_coalesced() False on it)
            return 'sparse', g._nnz(), g.coalesce().indices(), g.coalesce().values(), g.to_dense()
        return 'dense', g
    both(body)


def test_sparse_leaf_grad_accumulates(both):
    def body(lib):
        s = _s(lib, requires_grad=True)
        d = lib.tensor(D)
        for _ in range(2):
            lib.sparse.mm(s, d).sum().backward()
        return s.grad.to_dense(), s.grad.is_sparse
    both(body)


def test_matmul_with_vector(both):
    def body(lib):
        x = lib.tensor([1., 2., 3.], requires_grad=True)
        out = _s(lib) @ x
        out.sum().backward()
        return out, x.grad
    both(body)


def test_product_float64(both):
    both(lambda lib: lib.sparse.mm(_s(lib, dtype=lib.float64), lib.tensor(D, dtype=lib.float64)))


def test_gradcheck_dense_operand_and_values():
    i = ember.tensor(IDX)
    v = ember.tensor(VAL, dtype=ember.float64, requires_grad=True)
    d = ember.tensor(D, dtype=ember.float64, requires_grad=True)

    def f(v, d):
        s = ember.sparse_coo_tensor(i, v, (3, 3))
        return ember.sparse.mm(s, d) + ember.spmm(s, d * d)
    assert ember.autograd.gradcheck(f, (v, d))

    def g(v):
        s = ember.sparse_coo_tensor(i, v, (3, 3)).coalesce()
        return (ember.sparse.softmax(s, 1).to_dense(), ember.sparse.sum(s * 3, 0).to_dense(), (s + s.t()).to_dense())
    assert ember.autograd.gradcheck(g, (v,))


def test_gradcheck_catches_a_wrong_gradient():
    """gradcheck through the sparse nodes does fail when a backward is wrong (guards the test above)."""
    from ember._ops import sparse_coo
    i = ember.tensor(IDX)
    v = ember.tensor(VAL, dtype=ember.float64, requires_grad=True)
    d = ember.tensor(D, dtype=ember.float64, requires_grad=True)
    saved = sparse_coo._SparseAddmmBackward._backward

    def wrong(node, g):
        gs, gd = saved(node, g)
        return gs, None if gd is None else gd * 2
    sparse_coo._SparseAddmmBackward._backward = wrong
    try:
        with pytest.raises(Exception):
            ember.autograd.gradcheck(lambda v, d: ember.sparse.mm(ember.sparse_coo_tensor(i, v, (3, 3)), d), (v, d))
    finally:
        sparse_coo._SparseAddmmBackward._backward = saved


# ---------------------------------------------------------------- elementwise and reductions
ELEMENTWISE = {
    'add_same': lambda lib, s, c: s + s,
    'add_uncoalesced': lambda lib, s, c: s + s * 2,
    'add_coalesced': lambda lib, s, c: c + c.t(),
    'add_mixed': lambda lib, s, c: c + s,
    'sub': lambda lib, s, c: c - s.t(),
    'add_alpha': lambda lib, s, c: s.add(c, alpha=2),
    'sub_method': lambda lib, s, c: s.sub(s * 3),
    'mul_scalar': lambda lib, s, c: s * 2.5,
    'rmul_scalar': lambda lib, s, c: 3 * s,
    'div_scalar': lambda lib, s, c: s / 4,
    'neg': lambda lib, s, c: -s,
    'mul_dense': lambda lib, s, c: s * lib.arange(9.).view(3, 3),
    't': lambda lib, s, c: s.t(),
    'transpose': lambda lib, s, c: s.transpose(0, 1),
    'sum_dim0': lambda lib, s, c: lib.sparse.sum(s, 0),
    'sum_dim1': lambda lib, s, c: lib.sparse.sum(s, dim=1),
    'softmax': lambda lib, s, c: lib.sparse.softmax(s, 1),
    'softmax0': lambda lib, s, c: lib.sparse.softmax(c, 0),
    'log_softmax': lambda lib, s, c: lib.sparse.log_softmax(s, 1),
    'abs': lambda lib, s, c: s.abs(),
    'relu': lambda lib, s, c: s.relu(),
    'pow': lambda lib, s, c: s.pow(2),
    'coalesce': lambda lib, s, c: s.coalesce(),
}


@pytest.mark.parametrize('op', sorted(ELEMENTWISE))
def test_elementwise_values_and_grads(both, op):
    def body(lib):
        v = lib.tensor(VAL, requires_grad=True)
        s = lib.sparse_coo_tensor(lib.tensor(IDX), v, (3, 3))
        c = s.coalesce()
        r = ELEMENTWISE[op](lib, s, c)
        dense = r.to_dense()
        (dense * lib.arange(1., 1. + dense.numel()).view(dense.shape)).sum().backward()
        return _parts(r), r.grad_fn.name(), v.grad
    both(body, rtol=1e-5)


@pytest.mark.parametrize('op', sorted(ELEMENTWISE))
def test_elementwise_on_sparse_leaf(both, op):
    def body(lib):
        s = _s(lib, requires_grad=True)
        r = ELEMENTWISE[op](lib, s, s.coalesce())
        r.to_dense().pow(2).sum().backward()
        return _parts(r), s.grad.to_dense() if s.grad.is_sparse else ('dense', s.grad)
    both(body, rtol=1e-5)


def test_full_sums(both):
    def body(lib):
        v = lib.tensor(VAL, requires_grad=True)
        s = lib.sparse_coo_tensor(lib.tensor(IDX), v, (3, 3))
        a, b, c = lib.sparse.sum(s), s.sum(), lib.sparse.sum(s, dim=(0, 1))
        (a + 2 * b + 3 * c).backward()
        return a, b, c, v.grad, a.grad_fn.name()
    both(body)


def test_method_sum_dim(both):
    both(lambda lib: (_parts(_s(lib).sum(1)), _parts(_s(lib).sum(0))))


def test_sum_with_dense_dims(both):
    def body(lib):
        s = lib.sparse_coo_tensor([[0, 2, 0]], [[1., 2], [3, 4], [5, 6]], (3, 2))
        return _parts(lib.sparse.sum(s, 1)), lib.sparse.sum(s, 0), lib.sparse.sum(s)
    both(body)


# ---------------------------------------------------------------- refusals
REFUSED = {
    'view': lambda lib, s: s.view(9),
    'reshape': lambda lib, s: s.reshape(9),
    'exp': lambda lib, s: s.exp(),
    'sparse_plus_dense': lambda lib, s: s + lib.ones(3, 3),
    'sparse_plus_number': lambda lib, s: s + 1,
    'dense_plus_sparse_broadcast': lambda lib, s: lib.ones(1, 3) + s,
    'indices_uncoalesced': lambda lib, s: s.indices(),
    'values_uncoalesced': lambda lib, s: s.values(),
    'numpy': lambda lib, s: s.numpy(),
    'contiguous': lambda lib, s: s.contiguous(),
    'data_ptr': lambda lib, s: s.data_ptr(),
    'size_mismatch_add': lambda lib, s: s + lib.sparse_coo_tensor([[0], [0]], [1.], (3, 4)),
    'mm_dtype': lambda lib, s: lib.sparse.mm(s, lib.ones(3, 2, dtype=lib.float64)),
    'mm_shape': lambda lib, s: lib.sparse.mm(s, lib.ones(4, 2)),
    'mm_vector': lambda lib, s: lib.mm(s, lib.ones(3)),
    'bad_size_len': lambda lib, s: lib.sparse_coo_tensor(lib.tensor(IDX), lib.tensor(VAL), (3,)),
    'nnz_mismatch': lambda lib, s: lib.sparse_coo_tensor(lib.tensor(IDX), lib.tensor(VAL[:3])),
    'indices_1d': lambda lib, s: lib.sparse_coo_tensor(lib.tensor(IDX[0]), lib.tensor(VAL)),
    'check_invariants': lambda lib, s: lib.sparse_coo_tensor(lib.tensor(IDX), lib.tensor(VAL), (2, 3),
                                                             check_invariants=True),
    'item': lambda lib, s: s.item(),
    'sum_bad_dim': lambda lib, s: lib.sparse.sum(s, 2),
}


@pytest.mark.parametrize('case', sorted(REFUSED))
def test_refusals_match_torch(both, case):
    both(lambda lib: REFUSED[case](lib, _s(lib)))


def test_dense_op_on_sparse_raises_not_implemented():
    s = _s(ember)
    for f in (ember.exp, ember.sigmoid, lambda t: t.mean()):
        with pytest.raises(NotImplementedError, match='SparseCPU'):
            f(s)


def test_dense_plus_sparse_is_dense(both):
    both(lambda lib: (lib.ones(3, 3) + _s(lib), lib.ones(3, 3) + _s(lib).coalesce(), lib.ones(3, 3) - _s(lib),
                      _parts(lib.arange(9.).view(3, 3) * _s(lib))))


def test_dense_plus_sparse_gradients(both):
    def body(lib):
        x = lib.ones(3, 3, requires_grad=True)
        s = _s(lib, requires_grad=True)
        ((x - s) * lib.arange(9.).view(3, 3)).sum().backward()
        return x.grad, s.grad.to_dense()
    both(body)


# ---------------------------------------------------------------- a GCN (Kipf's pygcn) trained with both
def _graph(n=12, f=5, c=3, seed=0):
    rng = np.random.default_rng(seed)
    edges = rng.integers(0, n, size=(2, 30))
    edges = np.concatenate([edges, edges[::-1], np.tile(np.arange(n), (2, 1))], axis=1)   # symmetric, self loops
    deg = np.bincount(edges[0], minlength=n).astype(np.float32)
    vals = (1.0 / np.sqrt(deg[edges[0]] * deg[edges[1]])).astype(np.float32)
    x = rng.standard_normal((n, f)).astype(np.float32)
    y = rng.integers(0, c, size=n)
    w1 = (rng.standard_normal((f, 8)) * 0.3).astype(np.float32)
    w2 = (rng.standard_normal((8, c)) * 0.3).astype(np.float32)
    return edges, vals, x, y, w1, w2


def _train_gcn(lib, steps=8):
    edges, vals, x, y, w1, w2 = _graph()
    nn = lib.nn

    class GraphConvolution(nn.Module):
        def __init__(self, w):
            super().__init__()
            self.weight = nn.Parameter(lib.tensor(w))
            self.bias = nn.Parameter(lib.zeros(w.shape[1]))

        def forward(self, input, adj):
            support = lib.mm(input, self.weight)
            return lib.spmm(adj, support) + self.bias

    class GCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.gc1, self.gc2 = GraphConvolution(w1), GraphConvolution(w2)

        def forward(self, x, adj):
            x = lib.relu(self.gc1(x, adj))
            return nn.functional.log_softmax(lib.sparse.mm(adj, x @ self.gc2.weight) + self.gc2.bias, dim=1)

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        adj = lib.sparse.FloatTensor(lib.tensor(edges), lib.tensor(vals), lib.Size([len(x), len(x)]))
    model = GCN()
    opt = lib.optim.Adam(model.parameters(), lr=0.05, weight_decay=5e-4)
    feats, labels, train = lib.tensor(x), lib.tensor(y), lib.arange(8)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        out = model(feats, adj)
        loss = nn.functional.nll_loss(out[train], labels[train])
        loss.backward()
        opt.step()
        losses.append(loss)
    return losses, model.gc1.weight.grad, model.gc2.weight


def test_gcn_training_matches_torch(both):
    t, e = both(_train_gcn, rtol=1e-4, atol=1e-5)
    assert float(e[0][-1]) < float(e[0][0])         # and it learns


def test_import_stays_lazy():
    import subprocess
    import sys
    code = 'import ember, sys; print("ember._ops.sparse_coo" in sys.modules, "ember.sparse" in sys.modules)'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ['False', 'False']
