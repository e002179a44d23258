"""Reductions (ember/_ops/reduction.py) and matrix products (ember/_ops/linalg.py) against PyTorch:
values, dtypes, shapes, gradients (first and second order), graph node names, errors and messages."""
import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip('torch')
import ember  # noqa: E402
from conformance import run_both  # noqa: E402
from torch_versions import requires_torch_2_13, torch_older_than_2_13  # noqa: E402

try:
    from ember.autograd import gradcheck as e_gradcheck, gradgradcheck as e_gradgradcheck
except ImportError:       # pragma: no cover - written by another part of the project
    e_gradcheck = e_gradgradcheck = None

LIBS = (torch, ember)


# ---------------------------------------------------------------- helpers
def _np(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return np.zeros(tuple(x.shape), np.float64) if x._is_zerotensor() else x.numpy()
    return np.asarray(x.detach()._data)


def assert_same(e, t, rtol=1e-5, atol=1e-6, what='result'):
    """ember tensor e equals torch tensor t: shape, dtype name, values (NaN-aware)."""
    assert isinstance(e, ember.Tensor), f'{what}: ember gave {type(e).__name__}'
    assert tuple(e.shape) == tuple(t.shape), f'{what}: shape {tuple(e.shape)} != torch {tuple(t.shape)}'
    assert str(e.dtype) == str(t.dtype), f'{what}: dtype {e.dtype} != torch {t.dtype}'
    a, b = _np(e), _np(t)
    if b.dtype.kind == 'f':
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def leaves(arrays, rg=True):
    """The same data as torch and ember leaves (floating ones require grad when rg)."""
    ts, es = [], []
    for a in arrays:
        a = np.asarray(a)
        g = rg and a.dtype.kind == 'f'
        ts.append(torch.tensor(a, requires_grad=g))
        es.append(ember.tensor(a, requires_grad=g))
    return ts, es


def _outs(o):
    return list(o) if isinstance(o, tuple) else [o]


def compare_op(fn, arrays, rtol=1e-5, atol=1e-6, grad=True, name=True, seed=0):
    """Run fn(lib, *inputs) for both libs; compare outputs, grad_fn names and the gradients of
    sum(out * w) for a random w. Returns (torch outputs, ember outputs)."""
    rng = np.random.default_rng(seed)
    ts, es = leaves(arrays, rg=grad)
    to, eo = fn(torch, *ts), fn(ember, *es)
    tl, el = _outs(to), _outs(eo)
    assert len(tl) == len(el)
    for i, (t, e) in enumerate(zip(tl, el)):
        assert_same(e, t, rtol, atol, what=f'output {i}')
        if name:
            tn = None if t.grad_fn is None else type(t.grad_fn).__name__
            en = None if e.grad_fn is None else e.grad_fn.name()
            assert en == tn, f'output {i}: grad_fn {en} != torch {tn}'
        assert e.requires_grad == t.requires_grad
    if grad and any(t.requires_grad for t in tl):
        tsum = esum = None
        for t, e in zip(tl, el):
            if not t.requires_grad:
                continue
            w = rng.standard_normal(tuple(t.shape))
            tw = torch.tensor(w, dtype=t.dtype)
            ew = ember.tensor(w, dtype=e.dtype)
            tsum = (t * tw).sum() if tsum is None else tsum + (t * tw).sum()
            esum = (e * ew).sum() if esum is None else esum + (e * ew).sum()
        tsum.backward()
        esum.backward()
        for i, (t, e) in enumerate(zip(ts, es)):
            if t.requires_grad:
                if t.grad is None:
                    assert e.grad is None or not np.any(_np(e.grad)), f'grad {i}: torch has none'
                else:
                    assert e.grad is not None, f'grad {i}: ember has none'
                    assert_same(e.grad, t.grad, rtol, atol, what=f'grad of input {i}')
    return to, eo


def compare_double(fn, arrays, rtol=1e-7, atol=1e-9, seed=1):
    """Second order: grads of sum(out * w) with create_graph, then the grads of sum(grad * v)."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    ts, es = leaves(arrays)
    to, eo = fn(torch, *ts), fn(ember, *es)
    w = rng.standard_normal(tuple(to.shape))
    gt = torch.autograd.grad((to * torch.tensor(w)).sum(), ts, create_graph=True, allow_unused=True)
    ge = ember.autograd.grad((eo * ember.tensor(w)).sum(), es, create_graph=True, allow_unused=True)
    st = se = None
    for i, (a, b) in enumerate(zip(gt, ge)):
        if a is None:
            assert b is None or not np.any(_np(b))
            continue
        assert_same(b, a, rtol, atol, what=f'first grad {i}')
        if not a.requires_grad:
            continue
        v = rng.standard_normal(tuple(a.shape))
        st = (a * torch.tensor(v)).sum() if st is None else st + (a * torch.tensor(v)).sum()
        if b.requires_grad:
            term = (b * ember.tensor(v)).sum()
            se = term if se is None else se + term
    if st is None:
        return
    g2t = torch.autograd.grad(st, ts, allow_unused=True)
    g2e = ember.autograd.grad(se, es, allow_unused=True) if se is not None else [None] * len(es)
    for i, (a, b) in enumerate(zip(g2t, g2e)):
        a = np.zeros(arrays[i].shape) if a is None else _np(a)
        b = np.zeros(arrays[i].shape) if b is None else _np(b)
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=f'second grad {i}')


def same_error(fn, exact=True):
    """fn(lib) raises with both libs: the same exception class, and (exact) the same message."""
    errs = []
    for lib in LIBS:
        with pytest.raises(Exception) as info:
            fn(lib)
        errs.append(info.value)
    t, e = errs
    assert type(e).__name__ == type(t).__name__, f'ember raised {type(e).__name__}({e}), torch {type(t).__name__}({t})'
    if exact:
        assert str(e) == str(t)
    return t, e


def rand(shape, dtype=np.float64, seed=0, low=-3, high=4):
    rng = np.random.default_rng(seed)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        lo = 0 if dtype == np.uint8 else low
        return rng.integers(lo, high, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


ALL_DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]
# (shape, dim) pairs covering int, negative, tuple, list, empty list, None and 0-d inputs
SHAPE_DIMS = [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), [-1, 0]),
              ((2, 3, 4), 1), ((2, 3, 4), []), ((5,), 0), ((), 0), ((), -1), ((), None), ((0, 3), 0), ((0, 3), 1)]


def call(name, lib, x, dim, keepdim, **kw):
    f = getattr(lib, name)
    if dim is None and not keepdim:
        return f(x, **kw)
    return f(x, dim, keepdim, **kw)


# ---------------------------------------------------------------- sum / mean / prod
@pytest.mark.parametrize('dtype', ALL_DTYPES)
@pytest.mark.parametrize('shape,dim', SHAPE_DIMS)
@pytest.mark.parametrize('keepdim', [False, True])
def test_sum_values_and_dtypes(dtype, shape, dim, keepdim):
    a = rand(shape, dtype)
    compare_op(lambda lib, x: call('sum', lib, x, dim, keepdim), [a], rtol=1e-5)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape,dim', SHAPE_DIMS)
@pytest.mark.parametrize('keepdim', [False, True])
def test_mean_values_grads(dtype, shape, dim, keepdim):
    a = rand(shape, dtype)
    compare_op(lambda lib, x: call('mean', lib, x, dim, keepdim), [a], rtol=1e-5)


@pytest.mark.parametrize('dtype', [np.int64, np.int32, np.bool_, np.uint8])
def test_mean_of_integers_raises_like_torch(dtype):
    a = rand((3, 4), dtype)
    same_error(lambda lib: lib.tensor(a).mean())
    same_error(lambda lib: lib.tensor(a).mean(1))
    same_error(lambda lib: lib.tensor(a.astype(np.float32)).mean(dtype=lib.int64))
    # an explicit floating dtype is fine
    compare_op(lambda lib, x: x.mean(dtype=lib.float64), [a])
    compare_op(lambda lib, x: x.mean(0, dtype=lib.float32), [a])


@pytest.mark.parametrize('dtype', ALL_DTYPES)
def test_sum_dtype_argument(dtype):
    a = rand((3, 4), dtype)
    compare_op(lambda lib, x: x.sum(dtype=lib.float64), [a])
    compare_op(lambda lib, x: x.sum(1, dtype=lib.int32), [a], grad=False)
    compare_op(lambda lib, x: x.prod(1, dtype=lib.int64), [a], grad=False)
    compare_op(lambda lib, x: lib.sum(x, (0, 1), True, dtype=lib.float32), [a])
    if a.dtype.kind == 'f':     # an integer result cannot take part in autograd
        same_error(lambda lib: lib.tensor(a, requires_grad=True).sum(1, dtype=lib.int32))
        same_error(lambda lib: lib.tensor(a, requires_grad=True).prod(dtype=lib.int64))
        same_error(lambda lib: lib.tensor(a, requires_grad=True).cumsum(0, dtype=lib.bool))


def test_sum_node_names_follow_the_overload():
    a = rand((2, 3))
    for fn in (lambda lib, x: x.sum(), lambda lib, x: x.sum(None), lambda lib, x: x.sum([]),
               lambda lib, x: x.sum(dim=None, keepdim=True), lambda lib, x: x.sum(dtype=lib.float32),
               lambda lib, x: x.mean(), lambda lib, x: x.mean([]), lambda lib, x: x.mean(None, True),
               lambda lib, x: x.prod(), lambda lib, x: x.prod(1)):
        compare_op(fn, [a])


def test_sum_noncontiguous_and_float16():
    a = rand((4, 5))
    compare_op(lambda lib, x: x.t().sum(0), [a])
    compare_op(lambda lib, x: x.t().mean(1, keepdim=True), [a])
    compare_op(lambda lib, x: x[:, ::2].sum(), [a])
    h = np.full((1000,), 0.1, np.float16)
    compare_op(lambda lib, x: x.sum(), [h], rtol=1e-3)
    compare_op(lambda lib, x: x.mean(), [h], rtol=1e-3)


@pytest.mark.parametrize('dtype', ALL_DTYPES)
@pytest.mark.parametrize('shape,dim', [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1), ((), 0),
                                       ((0, 3), 0), ((0, 3), 1), ((0, 3), None)])
@pytest.mark.parametrize('keepdim', [False, True])
def test_prod_values_and_dtypes(dtype, shape, dim, keepdim):
    if dim is None and keepdim:
        return
    a = rand(shape, dtype, low=-2, high=3)
    compare_op(lambda lib, x: call('prod', lib, x, dim, keepdim), [a])


@pytest.mark.parametrize('vals', [
    [[1., 2., 3.], [4., 5., 6.]],
    [[1., 0., 3.], [4., 5., 6.]],          # one zero in a row
    [[0., 0., 3.], [4., 0., 6.]],          # two zeros in a row
    [[0., 2., 0.], [0., 5., 6.]],
])
def test_prod_gradients_with_zeros(vals):
    a = np.array(vals)
    compare_op(lambda lib, x: x.prod(), [a])
    compare_op(lambda lib, x: x.prod(1), [a])
    compare_op(lambda lib, x: x.prod(0, keepdim=True), [a])
    compare_op(lambda lib, x: x.t().prod(1), [a])


def test_prod_second_order_without_zeros():
    a = rand((3, 4)) + 0.0
    compare_double(lambda lib, x: x.prod(1), [a])
    compare_double(lambda lib, x: x.prod(), [a])


# ---------------------------------------------------------------- max / min / amax / amin / argmax / argmin
@pytest.mark.parametrize('name', ['max', 'min'])
@pytest.mark.parametrize('dtype', ALL_DTYPES)
def test_max_min_full(name, dtype):
    a = rand((3, 4), dtype)
    compare_op(lambda lib, x: getattr(lib, name)(x), [a])
    compare_op(lambda lib, x: getattr(x, name)(), [a])


@pytest.mark.parametrize('name', ['max', 'min'])
@pytest.mark.parametrize('dtype', ALL_DTYPES)
@pytest.mark.parametrize('shape,dim', [((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1), ((), 0), ((0, 3), 1)])
@pytest.mark.parametrize('keepdim', [False, True])
def test_max_min_dim(name, dtype, shape, dim, keepdim):
    a = rand(shape, dtype)
    to, eo = compare_op(lambda lib, x: getattr(lib, name)(x, dim, keepdim), [a])
    assert type(eo).__name__ == name and isinstance(eo, tuple)
    assert eo._fields == ('values', 'indices')
    assert_same(eo.values, to.values)
    assert_same(eo.indices, to.indices)
    compare_op(lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim), [a])


def test_max_dim_ties_take_first_index_and_grad_goes_there():
    a = np.array([[3., 1., 3.], [2., 2., 0.], [5., 5., 5.]])
    compare_op(lambda lib, x: lib.max(x, 1), [a])
    compare_op(lambda lib, x: lib.min(x, 0), [a])
    compare_op(lambda lib, x: lib.max(x.t(), 1, keepdim=True), [a])


def test_full_max_min_ties_share_gradient_evenly():
    a = np.array([[1., 3., 3.], [3., 0., -1.]])
    compare_op(lambda lib, x: x.max(), [a])
    compare_op(lambda lib, x: x.min(), [a + np.array([[0., 0, 0], [0, -1., 0]])])


@pytest.mark.parametrize('name', ['amax', 'amin'])
@pytest.mark.parametrize('dtype', ALL_DTYPES)
@pytest.mark.parametrize('shape,dim', [((3, 4), ()), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2)),
                                       ((2, 3, 4), [1]), ((), 0), ((0, 3), 1)])
@pytest.mark.parametrize('keepdim', [False, True])
def test_amax_amin(name, dtype, shape, dim, keepdim):
    a = rand(shape, dtype)
    compare_op(lambda lib, x: getattr(lib, name)(x, dim, keepdim), [a])


def test_amax_ties_share_gradient():
    a = np.array([[1., 3., 3.], [2., 2., 0.]])
    compare_op(lambda lib, x: x.amax(1), [a])
    compare_op(lambda lib, x: x.amin(0, keepdim=True), [a])
    compare_op(lambda lib, x: x.amax(), [a])
    compare_op(lambda lib, x: x.amax((0, 1)), [a])


def test_max_min_nan_propagation():
    nan = float('nan')
    a = np.array([[1., nan, 3., nan], [0., 2., -1., 4.]], dtype=np.float32)
    for fn in (lambda lib, x: x.max(), lambda lib, x: x.min(), lambda lib, x: x.max(1), lambda lib, x: x.min(1),
               lambda lib, x: x.amax(1), lambda lib, x: x.amin(), lambda lib, x: x.argmax(1),
               lambda lib, x: x.argmin(), lambda lib, x: x.argmax()):
        compare_op(fn, [a], grad=False)
    # the full max of a tensor with NaNs sends the gradient to the NaNs
    compare_op(lambda lib, x: x.max(), [a.astype(np.float64)])
    compare_op(lambda lib, x: x.max(1), [a.astype(np.float64)])


def test_max_with_tensor_other_is_maximum():
    a, b = rand((2, 3)), rand((2, 3), seed=5)
    compare_op(lambda lib, x, y: lib.max(x, y), [a, b])
    compare_op(lambda lib, x, y: lib.min(x, y), [a, b])
    compare_op(lambda lib, x, y: x.max(y), [a, b])
    compare_op(lambda lib, x, y: lib.max(x, other=y), [a, b])


@pytest.mark.parametrize('name', ['argmax', 'argmin'])
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.int64, np.int32, np.uint8])
@pytest.mark.parametrize('dim', [None, 0, 1, -1])
@pytest.mark.parametrize('keepdim', [False, True])
def test_argmax_argmin(name, dtype, dim, keepdim):
    a = rand((4, 5), dtype)
    compare_op(lambda lib, x: getattr(lib, name)(x, dim, keepdim), [a])
    compare_op(lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim), [a])
    compare_op(lambda lib, x: getattr(x.t(), name)(dim=dim, keepdim=keepdim), [a])


def test_argmax_scalar_and_ties():
    compare_op(lambda lib, x: x.argmax(), [np.array(2.5)])
    compare_op(lambda lib, x: x.argmax(0), [np.array(2.5)])
    compare_op(lambda lib, x: x.argmin(0, keepdim=True), [np.array([3., 1., 1., 3.])])
    compare_op(lambda lib, x: x.argmax(), [np.array([[3., 1.], [3., 3.]])])


def test_return_type_repr_matches_torch():
    a = np.array([[1., 5.], [7., 2.]], dtype=np.float32)
    ts, es = leaves([a], rg=False)
    assert repr(ember.max(es[0], 1)) == repr(torch.max(ts[0], 1))
    assert repr(ember.min(es[0], 0, True)) == repr(torch.min(ts[0], 0, True))
    ts, es = leaves([a])
    assert repr(es[0].max(1)) == repr(ts[0].max(1))
    assert str(ember.max(es[0], 1)) == str(torch.max(ts[0], 1))


def test_return_type_behaves_like_a_named_tuple():
    x = ember.tensor([[1., 5.], [7., 2.]])
    r = ember.max(x, 1)
    v, i = r
    assert v is r[0] is r.values and i is r[1] is r.indices
    assert len(r) == 2 and isinstance(r, tuple)
    assert type(r) is ember.return_types.max
    r2 = pickle.loads(pickle.dumps(r))
    assert type(r2) is ember.return_types.max and r2.indices.tolist() == [1, 0]
    assert ember.return_types.max((v, i)).values is v
    assert ember.return_types.max(values=v, indices=i).indices is i
    T = ember.return_types.make('sort', ('values', 'indices'))
    assert T is ember.return_types.sort


# ---------------------------------------------------------------- std / var and their _mean forms
VAR_CALLS = [
    ('()', lambda f, x: f(x)),
    ('(False)', lambda f, x: f(x, False)),
    ('(True)', lambda f, x: f(x, True)),
    ('(1)', lambda f, x: f(x, 1)),
    ('(1, False)', lambda f, x: f(x, 1, False)),
    ('(1, True, True)', lambda f, x: f(x, 1, True, True)),
    ('(-1, keepdim)', lambda f, x: f(x, -1, keepdim=True)),
    ('((0,1))', lambda f, x: f(x, (0, 1))),
    ('([0])', lambda f, x: f(x, [0])),
    ('(None, keepdim)', lambda f, x: f(x, dim=None, keepdim=True)),
    ('unbiased=False', lambda f, x: f(x, unbiased=False)),
    ('correction=0', lambda f, x: f(x, 1, correction=0)),
    ('correction=2', lambda f, x: f(x, 0, correction=2)),
    ('correction=0.5', lambda f, x: f(x, dim=1, correction=0.5)),
]


@pytest.mark.parametrize('name', ['std', 'var'])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('label,form', VAR_CALLS, ids=[c[0] for c in VAR_CALLS])
def test_std_var_argument_forms(name, dtype, label, form):
    a = rand((4, 5), dtype)
    compare_op(lambda lib, x: form(getattr(lib, name), x), [a], rtol=2e-5)
    compare_op(lambda lib, x: form(lambda *a, **k: getattr(a[0], name)(*a[1:], **k), x), [a], rtol=2e-5)


@pytest.mark.parametrize('name', ['std_mean', 'var_mean'])
@pytest.mark.parametrize('label,form', VAR_CALLS, ids=[c[0] for c in VAR_CALLS])
def test_std_var_mean(name, label, form):
    a = rand((4, 5))
    compare_op(lambda lib, x: form(getattr(lib, name), x), [a])


@pytest.mark.parametrize('name', ['std', 'var', 'std_mean', 'var_mean'])
def test_std_var_empty_dim_list_reduces_everything(name):
    # torch quirk: dim=[] reduces every dim in the forward, but torch's backward treats it as
    # "no dims" and returns +-inf. ember returns the gradient of the full reduction instead;
    # values, dtypes and node names still match torch.
    a = rand((4, 5))
    compare_op(lambda lib, x: getattr(lib, name)(x, []), [a], grad=False)
    x1 = ember.tensor(a, requires_grad=True)
    x2 = torch.tensor(a, requires_grad=True)
    r1 = getattr(ember, name)(x1, [])
    r2 = getattr(torch, name)(x2, None)
    for r in (r1, r2):
        out = r if not isinstance(r, tuple) else r[0] * 2 + r[1] * 3
        out.backward()
    assert_same(x1.grad, x2.grad, 1e-10, 1e-12)


def test_std_var_mean_gradient_through_one_output():
    a = rand((3, 4))
    compare_op(lambda lib, x: lib.std_mean(x, 1)[1], [a])
    compare_op(lambda lib, x: lib.var_mean(x, 0)[0], [a])
    compare_op(lambda lib, x: lib.var_mean(x.t(), 0, keepdim=True)[1], [a])


def test_std_var_noncontiguous_and_second_order():
    a = rand((4, 5))
    compare_op(lambda lib, x: x.t().std(1), [a])
    compare_double(lambda lib, x: x.std(1), [a])
    compare_double(lambda lib, x: x.var(), [a])
    compare_double(lambda lib, x: x.var(0, correction=0), [a])


def test_std_zero_spread_has_zero_gradient():
    a = np.array([[2., 2., 2.], [1., 2., 4.]])
    compare_op(lambda lib, x: x.std(1), [a])
    compare_op(lambda lib, x: lib.std_mean(x, 1)[0], [a])


def test_std_var_degrees_of_freedom_warn_and_match_torch():
    for fn in (lambda lib, x: x.std(), lambda lib, x: x.var(0, correction=3)):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            compare_op(fn, [np.array([1.5])], grad=False)
        with pytest.warns(UserWarning, match='degrees of freedom is <= 0'):
            fn(ember, ember.tensor([1.5]))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare_op(lambda lib, x: x.var(0, correction=3), [rand((3, 2))], grad=False)
        compare_op(lambda lib, x: x.std(), [np.zeros((0, 3))], grad=False)
        compare_op(lambda lib, x: x.std(0, correction=0), [np.array(2.0)], grad=False)


@pytest.mark.parametrize('dtype', [np.int64, np.bool_, np.int32])
def test_std_var_of_integers_raise(dtype):
    a = rand((3, 4), dtype)
    same_error(lambda lib: lib.tensor(a).std())
    same_error(lambda lib: lib.tensor(a).var(1))
    same_error(lambda lib: lib.var_mean(lib.tensor(a)))
    same_error(lambda lib: lib.std_mean(lib.tensor(a), 0))


def test_std_unbiased_and_correction_together_is_a_type_error():
    same_error(lambda lib: lib.ones(2, 3).std(1, unbiased=True, correction=1), exact=False)


# ---------------------------------------------------------------- all / any
@pytest.mark.parametrize('name', ['all', 'any'])
@pytest.mark.parametrize('dtype', ALL_DTYPES + [np.int8])
@pytest.mark.parametrize('shape,dim', [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 1)),
                                       ((), 0), ((0, 3), None), ((0, 3), 0), ((0, 3), 1)])
@pytest.mark.parametrize('keepdim', [False, True])
def test_all_any(name, dtype, shape, dim, keepdim):
    a = rand(shape, dtype, low=0, high=2)
    compare_op(lambda lib, x: call(name, lib, x, dim, keepdim), [a], grad=False)


def test_all_any_with_nan_and_floats():
    a = np.array([float('nan'), 0., 2.])
    for fn in (lambda lib, x: x.all(), lambda lib, x: x.any(), lambda lib, x: x[:1].all(),
               lambda lib, x: x[1:2].any()):
        compare_op(fn, [a], grad=False)


# ---------------------------------------------------------------- logsumexp
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.int64, np.bool_])
@pytest.mark.parametrize('shape,dim', [((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), [1]), ((), 0),
                                       ((0, 3), 0), ((0, 3), 1)])
@pytest.mark.parametrize('keepdim', [False, True])
def test_logsumexp(dtype, shape, dim, keepdim):
    a = rand(shape, dtype) * (10 if dtype != np.bool_ else 1)
    compare_op(lambda lib, x: lib.logsumexp(x, dim, keepdim), [a])


def test_logsumexp_large_and_infinite_values():
    inf = float('inf')
    a = np.array([[1000., 1000.5, -3.], [-inf, -inf, -inf], [inf, 1., 2.], [-1000., -1001, -inf]])
    compare_op(lambda lib, x: x.logsumexp(1), [a], grad=False)
    compare_op(lambda lib, x: x[[0, 3]].logsumexp(1), [a])
    compare_double(lambda lib, x: x.logsumexp(1), [rand((3, 4))])


def test_logsumexp_needs_dim():
    if not torch_older_than_2_13:       # torch 2.13's argument-parser message ('missing 1 required ...')
        same_error(lambda lib: lib.ones(2, 3).logsumexp())
    same_error(lambda lib: lib.ones(2, 3).logsumexp(()), exact=False)
    compare_op(lambda lib, x: x.logsumexp((), keepdim=True), [rand((2, 3))])


# ---------------------------------------------------------------- cumsum
@pytest.mark.parametrize('dtype', ALL_DTYPES + [np.float16])
@pytest.mark.parametrize('shape,dim', [((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((2, 3, 4), 1), ((), 0), ((), -1),
                                       ((0, 3), 0), ((5,), 0), ((1, 4), 0)])
def test_cumsum(dtype, shape, dim):
    a = rand(shape, dtype)
    compare_op(lambda lib, x: lib.cumsum(x, dim), [a], rtol=1e-3 if dtype == np.float16 else 1e-5,
               atol=1e-3 if dtype == np.float16 else 1e-6)
    compare_op(lambda lib, x: x.cumsum(dim=dim), [a], rtol=1e-3 if dtype == np.float16 else 1e-5,
               atol=1e-3 if dtype == np.float16 else 1e-6)


def test_cumsum_dtype_noncontiguous_second_order():
    a = rand((3, 4))
    compare_op(lambda lib, x: x.cumsum(0, dtype=lib.float32), [a.astype(np.float32)])
    compare_op(lambda lib, x: x.cumsum(1, dtype=lib.float64), [a.astype(np.float32)])
    compare_op(lambda lib, x: x.cumsum(0, dtype=lib.int32), [rand((3, 4), np.int64)])
    compare_op(lambda lib, x: x.t().cumsum(1), [a])
    compare_double(lambda lib, x: (x.cumsum(1) ** 2), [a])
    if not torch_older_than_2_13:       # torch 2.13's argument-parser message ('missing 1 required ...')
        same_error(lambda lib: lib.ones(2, 3).cumsum())
    same_error(lambda lib: lib.ones(2, 3).cumsum(2))


# ---------------------------------------------------------------- norm
NORM_CALLS = [
    ('()', lambda x: x.norm()),
    ('fro', lambda x: x.norm('fro')),
    ('p=1', lambda x: x.norm(1)),
    ('p=2 dim=1', lambda x: x.norm(2, 1)),
    ('p=inf', lambda x: x.norm(float('inf'))),
    ('p=-inf dim 0', lambda x: x.norm(float('-inf'), 0)),
    ('p=inf dim 1 keep', lambda x: x.norm(float('inf'), 1, True)),
    ('p=0', lambda x: x.norm(0)),
    ('p=3', lambda x: x.norm(3)),
    ('p=1.5 dim 1', lambda x: x.norm(1.5, dim=1)),
    ('p=0.5', lambda x: x.norm(p=0.5)),
    ('p=None', lambda x: x.norm(None)),
    ('dim=1 keepdim', lambda x: x.norm(dim=1, keepdim=True)),
    ('fro dim=(0,1)', lambda x: x.norm('fro', (0, 1))),
    ('fro dim=[1]', lambda x: x.norm('fro', [1])),
    ('dim=[]', lambda x: x.norm(dim=[])),
    ('transposed', lambda x: x.t().norm(dim=1)),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('label,form', NORM_CALLS, ids=[c[0] for c in NORM_CALLS])
def test_norm(dtype, label, form):
    a = rand((3, 4), dtype)
    compare_op(lambda lib, x: form(x), [a], rtol=2e-5)
    compare_op(lambda lib, x: lib.norm(x) if label == '()' else form(x), [a], rtol=2e-5)


def test_norm_zeros_ties_and_second_order():
    z = np.zeros((2, 3))
    for p in (1, 2, 3, 1.5, 0.5, float('inf')):
        compare_op(lambda lib, x: x.norm(p, dim=1), [z])
    t = np.array([[1., -3., 3.], [2., 0., -2.]])
    compare_op(lambda lib, x: x.norm(float('inf')), [t])
    compare_op(lambda lib, x: x.norm(float('inf'), 1), [t])
    for p in (2, 3, 1.5):
        compare_double(lambda lib, x: x.norm(p, dim=1), [rand((3, 4))])


def test_norm_dtype_argument_and_scalars():
    a = rand((3, 4), np.float32)
    compare_op(lambda lib, x: x.norm(dtype=lib.float64), [a])
    compare_op(lambda lib, x: x.norm(), [np.array(-2.0)])
    compare_op(lambda lib, x: x.norm(1), [np.zeros((0, 3))])
    compare_op(lambda lib, x: x.norm(float('inf'), dim=1), [np.zeros((0, 3))])


@pytest.mark.parametrize('fn', [
    lambda lib: lib.tensor([[1, 2], [3, 4]]).norm(),
    lambda lib: lib.ones(2, 3).norm(dtype=lib.int64),
    lambda lib: lib.ones(2, 3, dtype=lib.float64).norm(dtype=lib.float32),
    lambda lib: lib.zeros(0, 3).norm(float('inf')),
    lambda lib: lib.zeros(0, 3).norm(float('-inf')),
    lambda lib: lib.zeros(0, 3).norm(float('inf'), dim=0),
    lambda lib: lib.ones(2, 3, 4).norm('fro', (0, 1, 2)),
    lambda lib: lib.ones(2, 3).norm('abc'),
    lambda lib: lib.ones(2, 3).norm(2, 2),
])
def test_norm_errors(fn):
    same_error(fn)


# ---------------------------------------------------------------- reduction errors
@pytest.mark.parametrize('fn', [
    lambda lib: lib.ones(2, 3).sum(2),
    lambda lib: lib.ones(2, 3).sum(-3),
    lambda lib: lib.ones(2, 3).sum((0, 0)),
    lambda lib: lib.ones(2, 3).sum([1, 0, -2]),
    lambda lib: lib.ones(2, 3).mean([0, 5]),
    lambda lib: lib.ones(2, 3).mean([0, -2]),
    lambda lib: lib.tensor(3.).sum(1),
    lambda lib: lib.ones(2, 3).prod(2),
    lambda lib: lib.ones(2, 3).amax(2),
    lambda lib: lib.ones(2, 3).max(2),
    lambda lib: lib.ones(2, 3).argmax(2),
    lambda lib: lib.ones(2, 3).std(2),
    lambda lib: lib.ones(2, 3).all(2),
    lambda lib: lib.ones(2, 3).logsumexp(5),
    lambda lib: lib.zeros(0, 3).max(),
    lambda lib: lib.zeros(0, 3).min(),
    lambda lib: lib.zeros(0, 3).amax(),
    lambda lib: lib.zeros(0, 3).amin(),
    lambda lib: lib.zeros(0, 3).max(0),
    lambda lib: lib.zeros(0, 3).min(-2),
    lambda lib: lib.zeros(0, 3).amax(0),
    lambda lib: lib.zeros(0, 3).amax(-2),
    lambda lib: lib.zeros(0, 3).amin((0, 1)),
    lambda lib: lib.zeros(0, 3).argmax(),
    lambda lib: lib.zeros(0, 3).argmin(0),
    lambda lib: lib.zeros(0, 3).argmax(-2),
    lambda lib: lib.ones(2, 3, dtype=lib.bool).argmax(),
    lambda lib: lib.ones(2, 3, dtype=lib.bool).argmin(1),
    lambda lib: lib.tensor([1, 2]).mean(),
    lambda lib: lib.ones(2, 3).mean(dtype=lib.int32),
])
def test_reduction_errors_exact(fn):
    same_error(fn)


@pytest.mark.parametrize('fn', [
    lambda lib: lib.ones(2, 3).prod((0, 1)),
    pytest.param(lambda lib: lib.ones(2, 3).prod(None), marks=requires_torch_2_13),   # 2.11: RuntimeError
    lambda lib: lib.ones(2, 3).max((0, 1)),
    lambda lib: lib.ones(2, 3).max(1.5),
    lambda lib: lib.ones(2, 3).argmax((0,)),
    lambda lib: lib.ones(2, 3).sum(1.0),
    lambda lib: lib.ones(2, 3).sum(keepdim=True),
])
def test_reduction_errors_type(fn):
    same_error(fn, exact=False)


# ---------------------------------------------------------------- gradients of reductions in float64
REDUCTIONS_F64 = [
    ('sum', lambda lib, x: x.sum()),
    ('sum dim', lambda lib, x: x.sum((0, 2))),
    ('mean keep', lambda lib, x: x.mean(1, keepdim=True)),
    ('prod dim', lambda lib, x: x.prod(2)),
    ('max', lambda lib, x: x.max()),
    ('max dim', lambda lib, x: x.max(1)[0]),
    ('min dim keep', lambda lib, x: x.min(-1, True)[0]),
    ('amax', lambda lib, x: x.amax((1, 2))),
    ('amin', lambda lib, x: x.amin(0)),
    ('std', lambda lib, x: x.std(1)),
    ('var', lambda lib, x: x.var((0, 1), keepdim=True)),
    ('std_mean', lambda lib, x: lib.std_mean(x, 2)),
    ('var_mean', lambda lib, x: lib.var_mean(x, correction=0)),
    ('logsumexp', lambda lib, x: x.logsumexp(1)),
    ('cumsum', lambda lib, x: x.cumsum(2)),
    ('norm', lambda lib, x: x.norm(dim=2)),
    ('norm 3', lambda lib, x: x.norm(3)),
    ('norm inf', lambda lib, x: x.norm(float('inf'), 1)),
    ('norm 1', lambda lib, x: x.norm(1, 0)),
]


@pytest.mark.parametrize('label,fn', REDUCTIONS_F64, ids=[c[0] for c in REDUCTIONS_F64])
def test_reduction_grads_float64(label, fn):
    a = rand((2, 3, 4))
    compare_op(fn, [a], rtol=1e-10, atol=1e-12)
    compare_op(lambda lib, x: fn(lib, x.transpose(0, 2)), [rand((4, 3, 2))], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('label,fn', REDUCTIONS_F64, ids=[c[0] for c in REDUCTIONS_F64])
def test_reduction_second_order(label, fn):
    if label in ('std_mean', 'var_mean'):
        fn0 = fn
        fn = lambda lib, x: fn0(lib, x)[0] * 2 + fn0(lib, x)[1] ** 2   # noqa: E731
    compare_double(fn, [rand((2, 3, 4))])


@pytest.mark.skipif(e_gradcheck is None, reason='ember.autograd.gradcheck not available')
@pytest.mark.parametrize('label,fn', REDUCTIONS_F64, ids=[c[0] for c in REDUCTIONS_F64])
def test_reduction_gradcheck(label, fn):
    x = ember.tensor(rand((2, 3, 4)), requires_grad=True)
    f = (lambda x: fn(ember, x)) if label not in ('std_mean', 'var_mean') else (lambda x: fn(ember, x)[0])
    assert e_gradcheck(f, (x,))
    if label not in ('max', 'max dim', 'min dim keep', 'amax', 'amin', 'norm inf', 'norm 1'):
        assert e_gradgradcheck(f, (x,))


def test_no_grad_records_nothing():
    x = ember.tensor(rand((3, 4)), requires_grad=True)
    with ember.no_grad():
        for y in (x.sum(), x.mean(1), x.prod(0), x.max(), x.max(1).values, x.amax(), x.std(), x.logsumexp(1),
                  x.cumsum(0), x.norm(), x @ x.t(), ember.mm(x, x.t()), ember.addmm(x, x, ember.ones(4, 4, dtype=ember.float64))):
            assert y.grad_fn is None and not y.requires_grad


# ---------------------------------------------------------------- matmul
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)),
    ((1, 2, 3), (5, 3, 4)), ((5, 2, 3), (1, 3, 4)), ((1, 2, 3), (1, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (1, 5, 3, 4)), ((6, 2, 3), (2, 6, 3, 4)),
    ((1, 3), (5, 3, 1)), ((1, 3), (5, 3, 4)), ((2, 3), (5, 3, 1)), ((3,), (2, 3, 1)), ((4, 1, 3), (3,)),
    ((0, 2, 3), (3, 4)), ((0, 3), (2, 3, 4)), ((2, 0), (2, 0, 4)), ((0,), (0,)), ((2, 3, 0), (0,)),
]


@pytest.mark.parametrize('sa,sb', MATMUL_SHAPES)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_matmul_values_grads_names(sa, sb, dtype):
    a, b = rand(sa, dtype, seed=1), rand(sb, dtype, seed=2)
    compare_op(lambda lib, x, y: x @ y, [a, b], rtol=1e-5 if dtype == np.float32 else 1e-10, atol=1e-5)
    compare_op(lambda lib, x, y: lib.matmul(x, y), [a, b], rtol=1e-5 if dtype == np.float32 else 1e-10, atol=1e-5)


@pytest.mark.parametrize('sa,sb', MATMUL_SHAPES)
def test_matmul_grad_fn_when_only_one_side_requires_grad(sa, sb):
    a, b = rand(sa, seed=1), rand(sb, seed=2)
    for ga, gb in ((True, False), (False, True)):
        ta, tb = torch.tensor(a, requires_grad=ga), torch.tensor(b, requires_grad=gb)
        ea, eb = ember.tensor(a, requires_grad=ga), ember.tensor(b, requires_grad=gb)
        t, e = ta @ tb, ea @ eb
        assert e.grad_fn.name() == type(t.grad_fn).__name__
        w = rng_like(t)
        (t * torch.tensor(w)).sum().backward()
        (e * ember.tensor(w)).sum().backward()
        for tt, ee in ((ta, ea), (tb, eb)):
            if tt.requires_grad:
                assert_same(ee.grad, tt.grad, 1e-10, 1e-12)
            else:
                assert ee.grad is None


def rng_like(t, seed=3):
    return np.random.default_rng(seed).standard_normal(tuple(t.shape))


@pytest.mark.parametrize('sa,sb', [((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                                   ((3,), (5, 3, 4)), ((5, 2, 3), (3,)), ((2, 3), (3, 4))])
def test_matmul_noncontiguous_inputs(sa, sb):
    # transposed copies of the same data: the operands arrive with swapped strides
    a = rand(sa[:-2] + sa[-2:][::-1], seed=4) if len(sa) > 1 else rand(sa, seed=4)
    b = rand(sb[:-2] + sb[-2:][::-1], seed=5) if len(sb) > 1 else rand(sb, seed=5)
    fa = (lambda x: x.mT) if len(sa) > 1 else (lambda x: x)
    fb = (lambda x: x.mT) if len(sb) > 1 else (lambda x: x)
    compare_op(lambda lib, x, y: fa(x) @ fb(y), [a, b], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('dtype', [np.int64, np.int32, np.uint8, np.int16])
@pytest.mark.parametrize('sa,sb', [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                                   ((5, 2, 3), (5, 3, 4))])
def test_matmul_integers(dtype, sa, sb):
    a, b = rand(sa, dtype, seed=1), rand(sb, dtype, seed=2)
    compare_op(lambda lib, x, y: x @ y, [a, b])


def test_matmul_float16():
    a, b = rand((3, 5), np.float16), rand((5, 2), np.float16, seed=9)
    compare_op(lambda lib, x, y: x @ y, [a, b], rtol=2e-3, atol=2e-3, grad=False)


@pytest.mark.parametrize('sa,sb', [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                                   ((2, 3), (5, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((3,), (5, 3, 4))])
def test_matmul_second_order(sa, sb):
    compare_double(lambda lib, x, y: (x @ y) ** 2, [rand(sa, seed=1), rand(sb, seed=2)])


@pytest.mark.skipif(e_gradcheck is None, reason='ember.autograd.gradcheck not available')
@pytest.mark.parametrize('sa,sb', [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                                   ((2, 3), (2, 3, 4)), ((2, 1, 2, 3), (2, 3, 4)), ((3,), (2, 3, 4))])
def test_matmul_gradcheck(sa, sb):
    a = ember.tensor(rand(sa, seed=1), requires_grad=True)
    b = ember.tensor(rand(sb, seed=2), requires_grad=True)
    assert e_gradcheck(ember.matmul, (a, b))
    assert e_gradgradcheck(ember.matmul, (a, b))


MATMUL_ERRORS = [
    # dtype mismatches: each kernel path has its own message
    lambda lib: lib.matmul(lib.ones(2, 3), lib.ones(3, 4, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 3, dtype=lib.float64), lib.ones(3, 4)),
    lambda lib: lib.matmul(lib.ones(3), lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 3), lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(3), lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3), lib.ones(2, 3, 4, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3), lib.ones(3, 4, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 3), lib.ones(2, 3, 4, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 3, requires_grad=True), lib.ones(2, 3, 4, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3), lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2), lib.ones(2, 2, 3, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(4, requires_grad=True), lib.ones(2, 4, 5, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 3, dtype=lib.int64), lib.ones(3, 4)),
    lambda lib: lib.matmul(lib.ones(2, 3, dtype=lib.float16), lib.ones(3, 4)),
    lambda lib: lib.matmul(lib.ones(2, 3, dtype=lib.uint8), lib.ones(3, 4, dtype=lib.int8)),
    lambda lib: lib.matmul(lib.ones(2, 4, 3).transpose(0, 1), lib.ones(3, 5, dtype=lib.float64)),
    # shape mismatches
    lambda lib: lib.matmul(lib.ones(2, 3), lib.ones(4, 5)),
    lambda lib: lib.matmul(lib.ones(3), lib.ones(4)),
    lambda lib: lib.matmul(lib.ones(2, 3), lib.ones(4)),
    lambda lib: lib.matmul(lib.ones(3), lib.ones(4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3), lib.ones(2, 4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3), lib.ones(4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3, requires_grad=True), lib.ones(4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 3), lib.ones(2, 4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 3, requires_grad=True), lib.ones(2, 4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3), lib.ones(4)),
    lambda lib: lib.matmul(lib.ones(3), lib.ones(2, 4, 5)),
    lambda lib: lib.matmul(lib.ones(3, requires_grad=True), lib.ones(2, 4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3), lib.ones(3, 3, 4)),
    lambda lib: lib.matmul(lib.ones(2, 5, 3, 4), lib.ones(3, 4, 2)),
    lambda lib: lib.matmul(lib.ones(1, 3, 4), lib.ones(2, 5, 2)),
    lambda lib: lib.matmul(lib.ones(1, 3, 4, requires_grad=True), lib.ones(2, 5, 2)),
    lambda lib: lib.matmul(lib.ones(2, 3, 4), lib.ones(1, 5, 2)),
    lambda lib: lib.matmul(lib.ones(2, 1, 3, 4), lib.ones(3, 5, 2)),
    lambda lib: lib.matmul(lib.ones(2, 4, 3).transpose(0, 1), lib.ones(4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 4, 3).transpose(0, 1), lib.ones(4)),
    # 0-d and bool
    lambda lib: lib.matmul(lib.tensor(1.), lib.ones(3)),
    lambda lib: lib.matmul(lib.ones(3), lib.tensor(1.)),
    lambda lib: lib.matmul(lib.ones(3, dtype=lib.bool), lib.ones(3, dtype=lib.bool)),
    lambda lib: lib.matmul(lib.ones(2, 3, dtype=lib.bool), lib.ones(3, 2, dtype=lib.bool)),
    lambda lib: lib.matmul(lib.ones(2, 3, dtype=lib.bool), lib.ones(3, dtype=lib.bool)),
    lambda lib: lib.matmul(lib.ones(2, 2, 3, dtype=lib.bool), lib.ones(2, 3, 2, dtype=lib.bool)),
]


@pytest.mark.parametrize('fn', MATMUL_ERRORS)
def test_matmul_errors(fn):
    same_error(fn)


def test_matmul_with_non_tensor_is_a_type_error():
    same_error(lambda lib: lib.matmul(lib.ones(2, 3), 3))


# ---------------------------------------------------------------- mm / bmm / dot / mv / outer / addmm
PRODUCTS = [
    ('mm', (2, 3), (3, 4)), ('mm', (0, 3), (3, 4)), ('mm', (2, 0), (0, 4)),
    ('bmm', (5, 2, 3), (5, 3, 4)), ('bmm', (0, 2, 3), (0, 3, 4)),
    ('dot', (4,), (4,)), ('dot', (0,), (0,)),
    ('mv', (2, 3), (3,)), ('mv', (0, 3), (3,)),
    ('outer', (2,), (3,)), ('ger', (4,), (1,)),
]


@pytest.mark.parametrize('name,sa,sb', PRODUCTS)
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.int64])
def test_products(name, sa, sb, dtype):
    a, b = rand(sa, dtype, seed=1), rand(sb, dtype, seed=2)
    compare_op(lambda lib, x, y: getattr(lib, name)(x, y), [a, b], rtol=1e-5, atol=1e-6)
    compare_op(lambda lib, x, y: getattr(x, name)(y) if hasattr(torch.Tensor, name) else getattr(lib, name)(x, y),
               [a, b], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name,sa,sb', [p for p in PRODUCTS if p[0] != 'ger'])
def test_products_noncontiguous_and_second_order(name, sa, sb):
    def flip(x):
        return x.mT if x.dim() >= 2 else x
    a = rand(sa[:-2] + sa[-2:][::-1], seed=1) if len(sa) > 1 else rand(sa, seed=1)
    b = rand(sb[:-2] + sb[-2:][::-1], seed=2) if len(sb) > 1 else rand(sb, seed=2)
    compare_op(lambda lib, x, y: getattr(lib, name)(flip(x), flip(y)), [a, b], rtol=1e-10, atol=1e-12)
    compare_double(lambda lib, x, y: getattr(lib, name)(flip(x), flip(y)) ** 2, [a, b])


def test_outer_promotes_dtypes():
    compare_op(lambda lib, x, y: lib.outer(x, y), [rand((2,), np.int64), rand((3,), np.float32)])
    compare_op(lambda lib, x, y: lib.outer(x, y), [rand((2,), np.float32), rand((3,), np.float64)])
    compare_op(lambda lib, x, y: lib.outer(x, y), [rand((2,), np.bool_), rand((3,), np.bool_)])


ADDMM = [
    ((2, 4), (2, 3), (3, 4), {}),
    ((4,), (2, 3), (3, 4), {}),
    ((1, 4), (2, 3), (3, 4), {'beta': 0.5, 'alpha': 2.0}),
    ((2, 1), (2, 3), (3, 4), {'alpha': -1.5}),
    ((), (2, 3), (3, 4), {'beta': 2}),
    ((2, 4), (2, 3), (3, 4), {'beta': 0}),
]


@pytest.mark.parametrize('si,s1,s2,kw', ADDMM)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_addmm(si, s1, s2, kw, dtype):
    arrs = [rand(si, dtype, seed=1), rand(s1, dtype, seed=2), rand(s2, dtype, seed=3)]
    compare_op(lambda lib, i, x, y: lib.addmm(i, x, y, **kw), arrs, rtol=1e-5, atol=1e-5)
    if si == (2, 4):
        compare_op(lambda lib, i, x, y: i.addmm(x, y, **kw), arrs, rtol=1e-5, atol=1e-5)
    if dtype == np.float64:
        compare_double(lambda lib, i, x, y: lib.addmm(i, x, y, **kw) ** 2, arrs)


def test_addmm_beta_zero_ignores_nan_and_integers_truncate_alpha():
    arrs = [np.full((2, 2), np.nan), rand((2, 2), seed=2), rand((2, 2), seed=3)]
    compare_op(lambda lib, i, x, y: lib.addmm(i, x, y, beta=0), arrs)
    ints = [np.ones((2, 2), np.int64)] * 3
    compare_op(lambda lib, i, x, y: lib.addmm(i, x, y, beta=2, alpha=3), ints)
    compare_op(lambda lib, i, x, y: lib.addmm(i, x, y, alpha=1.5), ints)


PRODUCT_ERRORS = [
    lambda lib: lib.mm(lib.ones(2, 3), lib.ones(3, 4, dtype=lib.float64)),
    lambda lib: lib.mm(lib.ones(2, 3, dtype=lib.int64), lib.ones(3, 4)),
    lambda lib: lib.mm(lib.ones(2, 3, dtype=lib.int16), lib.ones(3, 4, dtype=lib.int32)),
    lambda lib: lib.mm(lib.ones(2, 3, dtype=lib.bool), lib.ones(3, 4, dtype=lib.float16)),
    lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 5)),
    lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 5, dtype=lib.float64)),
    lambda lib: lib.mm(lib.ones(3), lib.ones(3, 4)),
    lambda lib: lib.mm(lib.ones(2, 3), lib.ones(3)),
    lambda lib: lib.mm(lib.ones(2, 2, 3), lib.ones(3, 4)),
    lambda lib: lib.mm(lib.ones(2, 3, dtype=lib.bool), lib.ones(3, 4, dtype=lib.bool)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 3, 4, dtype=lib.float64)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3, dtype=lib.float64), lib.ones(2, 3, 4)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 4, 5)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 3, 5)),
    lambda lib: lib.bmm(lib.ones(2, 3), lib.ones(3, 5)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 5)),
    lambda lib: lib.bmm(lib.ones(2, 2, 2, 3), lib.ones(2, 3, 4)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3, dtype=lib.bool), lib.ones(2, 3, 4)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 3, 4, dtype=lib.bool)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3, dtype=lib.bool), lib.ones(2, 4, 5, dtype=lib.bool)),
    lambda lib: lib.dot(lib.ones(3), lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.dot(lib.ones(3, dtype=lib.int64), lib.ones(3)),
    lambda lib: lib.dot(lib.ones(3), lib.ones(4)),
    lambda lib: lib.dot(lib.ones(3), lib.ones(4, dtype=lib.float64)),
    lambda lib: lib.dot(lib.ones(3, 1), lib.ones(3)),
    lambda lib: lib.dot(lib.ones(3), lib.ones(3, 1)),
    lambda lib: lib.dot(lib.tensor(1.), lib.ones(3)),
    lambda lib: lib.dot(lib.ones(3, dtype=lib.bool), lib.ones(3, dtype=lib.bool)),
    lambda lib: lib.mv(lib.ones(2, 3), lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.mv(lib.ones(2, 3, dtype=lib.float64), lib.ones(3)),
    lambda lib: lib.mv(lib.ones(2, 3, dtype=lib.uint8), lib.ones(3)),
    lambda lib: lib.mv(lib.ones(2, 3), lib.ones(4)),
    lambda lib: lib.mv(lib.ones(3), lib.ones(3)),
    lambda lib: lib.mv(lib.ones(2, 3), lib.ones(3, 1)),
    lambda lib: lib.mv(lib.ones(2, 2, 3), lib.ones(3)),
    lambda lib: lib.mv(lib.ones(2, 3, dtype=lib.bool), lib.ones(3, dtype=lib.bool)),
    lambda lib: lib.outer(lib.ones(2, 2), lib.ones(3)),
    lambda lib: lib.outer(lib.ones(3), lib.ones(3, 1)),
    lambda lib: lib.outer(lib.tensor(1.), lib.ones(3)),
    lambda lib: lib.addmm(lib.ones(2, 4), lib.ones(2, 3), lib.ones(3, 4, dtype=lib.float64)),
    lambda lib: lib.addmm(lib.ones(2, 4, dtype=lib.float64), lib.ones(2, 3), lib.ones(3, 4)),
    lambda lib: lib.addmm(lib.ones(2, 4), lib.ones(2, 3, dtype=lib.float64), lib.ones(3, 4)),
    lambda lib: lib.addmm(lib.ones(2, 4), lib.ones(2, 3), lib.ones(4, 5, dtype=lib.float64)),
    lambda lib: lib.addmm(lib.ones(2, 4, dtype=lib.float64), lib.ones(3), lib.ones(3, 4)),
    lambda lib: lib.addmm(lib.ones(2, 4), lib.ones(3), lib.ones(3, 4)),
    lambda lib: lib.addmm(lib.ones(2, 4), lib.ones(2, 3), lib.ones(3)),
    lambda lib: lib.addmm(lib.ones(2, 4), lib.ones(2, 3), lib.ones(2, 4)),
    lambda lib: lib.addmm(lib.ones(3, 3), lib.ones(2, 3), lib.ones(2, 4)),
    lambda lib: lib.addmm(lib.ones(3), lib.ones(2, 3), lib.ones(3, 4)),
    lambda lib: lib.addmm(lib.ones(3, 3), lib.ones(2, 3), lib.ones(3, 4)),
    lambda lib: lib.addmm(lib.ones(1, 2, 4), lib.ones(2, 3), lib.ones(3, 4)),
    lambda lib: lib.addmm(lib.ones(2, 4, dtype=lib.bool), lib.ones(2, 3, dtype=lib.bool),
                          lib.ones(3, 4, dtype=lib.bool)),
]


@pytest.mark.parametrize('fn', PRODUCT_ERRORS)
def test_product_errors(fn):
    same_error(fn)


def test_conformance_harness_agrees():
    # the shared harness as well: values, dtypes, requires_grad, errors
    a = rand((3, 4))
    run_both(lambda lib: lib.tensor(a, requires_grad=True).sum(1))
    run_both(lambda lib: lib.max(lib.tensor(a), 0))
    run_both(lambda lib: lib.tensor(a).t() @ lib.tensor(a))
    run_both(lambda lib: lib.tensor(a).std_mean(0) if hasattr(lib.Tensor, 'std_mean') else lib.std_mean(lib.tensor(a), 0))
    run_both(lambda lib: lib.ones(2, 3) @ lib.ones(4, 5))


# ---------------------------------------------------------------- out=, saved tensors, properties
def test_out_arguments():
    a = rand((3, 4), np.float32)
    for lib in LIBS:
        x = lib.tensor(a)
        o = lib.empty(0)
        assert lib.sum(x, 1, out=o) is o
        v, i = lib.empty(0), lib.empty(0, dtype=lib.int64)
        r = lib.max(x, 1, out=(v, i))
        assert r.values is v and r.indices is i and type(r).__name__ == 'max_out'
        m = lib.empty(0)
        assert lib.matmul(x, x.t(), out=m) is m
    run_both(lambda lib: lib.sum(lib.tensor(a), 0, out=lib.empty(0)))
    run_both(lambda lib: lib.min(lib.tensor(a), 1, out=(lib.empty(0), lib.empty(0, dtype=lib.int64))))
    run_both(lambda lib: lib.mm(lib.tensor(a), lib.tensor(a).t(), out=lib.empty(3, 3)))
    run_both(lambda lib: lib.cumsum(lib.tensor(a), 1, out=lib.empty(3, 4)))


@pytest.mark.parametrize('fn', [
    lambda lib, a, b: a.std(),                 # saves its input: an in-place change must be caught
    lambda lib, a, b: a.prod(1),
    lambda lib, a, b: a.logsumexp(0),
    lambda lib, a, b: a.norm(),
    lambda lib, a, b: a.amax(1),
    lambda lib, a, b: a.sum(1),                # saves nothing
    lambda lib, a, b: a.mean(),
    lambda lib, a, b: a.max(1)[0],             # saves only the indices
    lambda lib, a, b: a.cumsum(1),
    lambda lib, a, b: a @ b,                   # b needs no grad: a is not saved
])
def test_saved_tensors_and_inplace_changes(fn):
    def body(lib):
        a = lib.tensor(rand((3, 3)), requires_grad=True) * 1
        b = lib.tensor(rand((3, 3), seed=2))
        y = fn(lib, a, b)
        a.add_(1)
        y.sum().backward()
        return 'ok'
    outcomes = []
    for lib in LIBS:
        try:
            outcomes.append(body(lib))
        except RuntimeError as e:
            outcomes.append('modified' if 'modified by an inplace operation' in str(e) else str(e))
    assert outcomes[1] == outcomes[0]


def test_matmul_saves_the_other_operand():
    for lib in LIBS:
        a = lib.tensor(rand((2, 3)), requires_grad=True)
        b = lib.tensor(rand((3, 4)))
        y = a @ b
        b.add_(1)
        with pytest.raises(RuntimeError, match='modified by an inplace operation'):
            y.sum().backward()


try:
    from hypothesis import given, settings, strategies as st
except ImportError:         # pragma: no cover
    given = None

if given is not None:


    @st.composite
    def shape_and_dims(draw):
        nd = draw(st.integers(0, 4))
        shape = tuple(draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd)))
        n = max(nd, 1)
        dims = draw(st.one_of(st.none(), st.integers(-n, n - 1),
                              st.lists(st.integers(-n, n - 1), unique_by=lambda d: d % n, max_size=n)))
        return shape, dims, draw(st.booleans())


    @settings(max_examples=60, deadline=None)
    @given(shape_and_dims(), st.sampled_from(['sum', 'mean', 'amax', 'amin', 'std', 'var', 'all', 'any', 'norm']))
    def test_property_reductions_match_torch(sd, name):
        shape, dims, keepdim = sd
        if name in ('std', 'var') and dims == []:
            dims = None
        a = rand(shape, seed=len(shape))
        if name == 'norm' and isinstance(dims, list) and len(dims) > 2:
            # the Frobenius norm takes at most two dims: both libraries refuse the same way
            for lib in (torch, ember):
                with pytest.raises(RuntimeError, match='dim must be a 2-tuple'):
                    lib.tensor(a).norm(dim=dims, keepdim=keepdim)
        elif name == 'norm':
            compare_op(lambda lib, x: x.norm(dim=dims, keepdim=keepdim), [a], rtol=1e-10, atol=1e-12)
        elif name in ('all', 'any'):
            if isinstance(dims, list) and len(dims) == 0:
                dims = None
            compare_op(lambda lib, x: getattr(lib, name)(x, dims, keepdim) if dims is not None or keepdim
                       else getattr(lib, name)(x), [a > 0], grad=False)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                compare_op(lambda lib, x: getattr(lib, name)(x, dims, keepdim=keepdim), [a], rtol=1e-10, atol=1e-12,
                           grad=name not in ('std', 'var') or a.size > 1)


    @st.composite
    def matmul_shapes(draw):
        n, k, m = draw(st.integers(1, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3))
        batch = draw(st.lists(st.integers(1, 3), max_size=2))
        ba = tuple(b if draw(st.booleans()) else 1 for b in batch)[draw(st.integers(0, len(batch))):]
        bb = tuple(b if draw(st.booleans()) else 1 for b in batch)[draw(st.integers(0, len(batch))):]
        sa = (k,) if draw(st.booleans()) and not ba else ba + (n, k)
        sb = (k,) if draw(st.booleans()) and not bb else bb + (k, m)
        return sa, sb, draw(st.booleans()), draw(st.booleans())


    @settings(max_examples=80, deadline=None)
    @given(matmul_shapes())
    def test_property_matmul_broadcasting(shapes):
        sa, sb, ga, gb = shapes
        a, b = rand(sa, seed=1), rand(sb, seed=2)
        ts = [torch.tensor(a, requires_grad=ga), torch.tensor(b, requires_grad=gb)]
        es = [ember.tensor(a, requires_grad=ga), ember.tensor(b, requires_grad=gb)]
        t, e = ts[0] @ ts[1], es[0] @ es[1]
        assert_same(e, t, 1e-10, 1e-12)
        tn = None if t.grad_fn is None else type(t.grad_fn).__name__
        assert (None if e.grad_fn is None else e.grad_fn.name()) == tn
        if t.requires_grad:
            w = rng_like(t)
            (t * torch.tensor(w)).sum().backward()
            (e * ember.tensor(w)).sum().backward()
            for tt, ee in zip(ts, es):
                if tt.requires_grad:
                    assert_same(ee.grad, tt.grad, 1e-10, 1e-12)


def test_householder_product_complex_and_matrix_rank_hermitian_reads_lower_triangle():
    """householder_product of complex reflectors uses v^H (it used v^T); matrix_rank(hermitian=True)
    takes |eigenvalues| of the lower triangle, as torch (which reads nothing else), not the
    singular values of the whole matrix. (Both found by running torch's docstring examples.)"""
    rng = np.random.default_rng(5)
    h = rng.standard_normal((2, 3, 2)) + 1j * rng.standard_normal((2, 3, 2))
    tau = rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2))
    a = rng.standard_normal((2, 4, 3, 3))

    def body(lib):
        H = lib.tensor(h, requires_grad=True)
        T = lib.tensor(tau, requires_grad=True)
        Q = lib.linalg.householder_product(H, T)
        Q.abs().sum().backward()
        A = lib.tensor(a)
        ranks = [lib.linalg.matrix_rank(A, hermitian=True, **kw) for kw in (dict(atol=1.0, rtol=0.0), {},
                                                                              dict(rtol=0.5))]
        return Q, H.grad, T.grad, ranks
    run_both(body, rtol=1e-10, atol=1e-12)
