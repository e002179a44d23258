"""ember.nn.functional against torch.nn.functional: values, dtypes, shapes, gradients (first and
second order), error types and warnings; float64 gradcheck / gradgradcheck for the differentiable
functions; dropout by its statistics (ember's random numbers differ from torch's)."""
import warnings

import numpy as np
import pytest

from conformance import run_both, torch, _builtin_base
import ember
import ember.nn.functional as EF
from ember.autograd import gradcheck, gradgradcheck

TF = torch.nn.functional


def F(lib):
    return TF if lib is torch else EF


def attempt(f):
    """f()'s result, or the builtin class of the error it raised."""
    try:
        return f()
    except Exception as e:  # noqa: BLE001
        return ('raises', _builtin_base(e).__name__)


def caught(f):
    """(result, [warning messages]) of f()."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        r = f()
    return r, [str(x.message) for x in w]


# inputs with the special points of the piecewise activations (0, +-1, +-3, 6) and large values
XS = [-30., -6., -3., -2.5, -1., -0.5, 0., 0.25, 1., 2., 3., 4.5, 6., 7., 30.]


def leaf(lib, vals=XS, dtype='float64', rg=True):
    return lib.tensor(vals, dtype=getattr(lib, dtype), requires_grad=rg)


ACTS = [('relu', {}), ('relu6', {}), ('hardtanh', {}), ('hardtanh', dict(min_val=-2., max_val=3.)),
        ('leaky_relu', {}), ('leaky_relu', dict(negative_slope=0.2)), ('elu', {}), ('elu', dict(alpha=0.5)),
        ('selu', {}), ('celu', {}), ('celu', dict(alpha=2.)), ('gelu', {}), ('gelu', dict(approximate='tanh')),
        ('silu', {}), ('mish', {}), ('softplus', {}), ('softplus', dict(beta=2., threshold=5.)), ('softsign', {}),
        ('hardsigmoid', {}), ('hardswish', {}), ('logsigmoid', {}), ('tanh', {}), ('sigmoid', {}),
        ('threshold', dict(threshold=1., value=-5.)), ('tanhshrink', {})]
IDS = [f'{n}-{"-".join(f"{k}={v}" for k, v in kw.items())}' for n, kw in ACTS]


# ---------------------------------------------------------------- activations
@pytest.mark.parametrize('dt', ['float32', 'float64'])
@pytest.mark.parametrize('name,kw', ACTS, ids=IDS)
def test_activation_values_and_grads(name, kw, dt):
    def body(lib):
        x = leaf(lib, dtype=dt)
        y = getattr(F(lib), name)(x, **kw)
        g = lib.linspace(-1, 2, len(XS), dtype=getattr(lib, dt))
        y.backward(g)
        return y, x.grad
    run_both(body, rtol=1e-5 if dt == 'float32' else 1e-7, atol=1e-6 if dt == 'float32' else 1e-12)


@pytest.mark.parametrize('name,kw', ACTS, ids=IDS)
def test_activation_double_backward(name, kw):
    def body(lib):
        x = leaf(lib, [-2.5, -0.7, 0.3, 1.2, 2.8, 4.])
        y = getattr(F(lib), name)(x, **kw)
        (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        if not g.requires_grad:
            return g, None
        (g * lib.tensor([1., 2., 3., 4., 5., 6.], dtype=lib.float64)).sum().backward()
        return g, x.grad
    run_both(body, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize('name,kw', ACTS, ids=IDS)
def test_activation_gradcheck(name, kw):
    f = getattr(EF, name)
    x = ember.tensor([-2.6, -0.7, 0.3, 1.2, 2.8, 4.1], dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda t: f(t, **kw), (x,))
    if name != 'hardsigmoid':           # torch has no derivative of hardsigmoid_backward (checked above)
        assert gradgradcheck(lambda t: f(t, **kw), (x,))


@pytest.mark.parametrize('name,kw', ACTS, ids=IDS)
def test_activation_dtypes_and_errors(name, kw):
    def body(lib):
        f = getattr(F(lib), name)
        return {'long': attempt(lambda: f(lib.tensor([-2, 0, 3]), **kw)),
                'bool': attempt(lambda: f(lib.tensor([True, False]), **kw)),
                'half': attempt(lambda: f(lib.tensor([-2., 0.5, 3.], dtype=lib.float16), **kw)),
                '0d': attempt(lambda: f(lib.tensor(-0.5), **kw)),
                'empty': attempt(lambda: f(lib.zeros(0, 3), **kw))}
    run_both(body, rtol=2e-3, atol=2e-3)


INPLACE = ['relu', 'relu6', 'hardtanh', 'leaky_relu', 'elu', 'selu', 'celu', 'silu', 'mish', 'hardsigmoid',
           'hardswish']


@pytest.mark.parametrize('name', INPLACE)
def test_activation_inplace(name):
    def body(lib):
        f = getattr(F(lib), name)
        x = leaf(lib, [-3.5, -1., 0.5, 2., 7.])
        y = x * 1
        r = f(y, inplace=True)
        r.sum().backward()
        no_grad = lib.tensor([-1., 2.])
        r2 = f(no_grad, inplace=True)
        return r is y, y, x.grad, r2 is no_grad, no_grad, attempt(lambda: f(leaf(lib, [1.]), inplace=True))
    run_both(body)


def test_activation_grad_fn_names():
    x = ember.randn(5, requires_grad=True)
    for name, node in [('relu', 'ReluBackward0'), ('relu6', 'HardtanhBackward0'), ('hardtanh', 'HardtanhBackward0'),
                       ('leaky_relu', 'LeakyReluBackward0'), ('elu', 'EluBackward0'), ('selu', 'EluBackward0'),
                       ('celu', 'CeluBackward0'), ('gelu', 'GeluBackward0'), ('silu', 'SiluBackward0'),
                       ('mish', 'MishBackward0'), ('softplus', 'SoftplusBackward0'),
                       ('hardsigmoid', 'HardsigmoidBackward0'), ('hardswish', 'HardswishBackward0'),
                       ('logsigmoid', 'LogSigmoidBackward0'), ('tanh', 'TanhBackward0'),
                       ('sigmoid', 'SigmoidBackward0')]:
        assert getattr(EF, name)(x).grad_fn.name() == node, name
        assert getattr(TF, name)(torch.randn(5, requires_grad=True)).grad_fn.name() == node, name


def test_activation_argument_errors(both):
    both(lambda lib: attempt(lambda: F(lib).hardtanh(lib.ones(2), 2., 1.)))
    both(lambda lib: attempt(lambda: F(lib).gelu(lib.ones(2), approximate='foo')))
    both(lambda lib: attempt(lambda: F(lib).relu(lib.tensor([True]))))


def test_softplus_logsigmoid_stable(both):
    def body(lib):
        x = lib.tensor([-1e4, -100., -20., 0., 20., 100., 1e4], requires_grad=True)
        y = F(lib).softplus(x) + F(lib).logsigmoid(x) + F(lib).softplus(x, beta=0.5, threshold=100.)
        y.sum().backward()
        return y, x.grad
    both(body)


def test_gelu_erf_precision(both):
    """exact gelu needs erf (NumPy has none): float64 agrees to ~1 ulp over a wide range."""
    def body(lib):
        x = lib.linspace(-9, 9, 3001, dtype=lib.float64, requires_grad=True)
        y = F(lib).gelu(x)
        y.sum().backward()
        return y, x.grad
    run_both(body, rtol=1e-14, atol=1e-15)


def test_gelu_float32_erf(both):
    """float32 erf is computed in float32 (a separate, cheaper approximation): still within float32
    tolerance of torch everywhere."""
    def body(lib):
        x = lib.linspace(-12, 12, 4001, dtype=lib.float32, requires_grad=True)
        y = F(lib).gelu(x)
        y.sum().backward()
        return y, x.grad
    run_both(body, rtol=1e-5, atol=1e-6)
    both(lambda lib: F(lib).gelu(lib.tensor(np.linspace(-12, 12, 4001), dtype=lib.float16)), rtol=2e-3, atol=1e-5)


@pytest.mark.parametrize('dim', [0, 1, -1])
def test_glu(both, dim):
    def body(lib):
        x = lib.tensor(np.arange(24.).reshape(2, 4, 3)[:, :, :2] / 7 - 1, requires_grad=True)
        y = F(lib).glu(x, dim)
        y.backward(lib.ones_like(y) * 0.5)
        return y, x.grad
    both(body)


def test_glu_errors(both):
    both(lambda lib: attempt(lambda: F(lib).glu(lib.ones(2, 3), 1)))
    both(lambda lib: attempt(lambda: F(lib).glu(lib.tensor(1.))))
    both(lambda lib: attempt(lambda: F(lib).glu(lib.ones(2, 4, dtype=lib.long))))
    x = ember.randn(2, 4, dtype=ember.float64, requires_grad=True)
    assert gradcheck(EF.glu, (x,)) and gradgradcheck(EF.glu, (x,))


# ---------------------------------------------------------------- softmax family
SM_DATA = np.array([[[0.5, -1.2, 3.0, 0.1], [2.2, 0.4, -0.3, 1.1], [0., 0., 0., 0.]],
                    [[-4., 1.5, 0.7, 0.2], [1.0, -2.0, 0.3, 0.9], [5., 1., -1., 2.]]])


@pytest.mark.parametrize('name', ['softmax', 'log_softmax', 'softmin'])
@pytest.mark.parametrize('dim', [0, 1, 2, -1])
def test_softmax_values_grads(both, name, dim):
    def body(lib):
        x = lib.tensor(SM_DATA, dtype=lib.float32, requires_grad=True)
        y = getattr(F(lib), name)(x, dim)
        y.backward(lib.tensor(np.linspace(-1, 1, 24).reshape(2, 3, 4), dtype=lib.float32))
        return y, x.grad
    both(body)


@pytest.mark.parametrize('name', ['softmax', 'log_softmax', 'softmin'])
def test_softmax_double_backward_and_gradcheck(both, name):
    def body(lib):
        x = lib.tensor(SM_DATA[0], requires_grad=True)
        y = getattr(F(lib), name)(x, 1)
        (g,) = lib.autograd.grad((y * lib.tensor(SM_DATA[1])).sum(), x, create_graph=True)
        (g * g).sum().backward()
        return g, x.grad
    run_both(body, rtol=1e-7, atol=1e-10)
    f = getattr(EF, name)
    x = ember.tensor(SM_DATA[1], requires_grad=True)
    assert gradcheck(lambda t: f(t, 1), (x,)) and gradgradcheck(lambda t: f(t, 0), (x,))


def test_softmax_stability_and_special_values(both):
    def body(lib):
        x = lib.tensor([[1e4, 0., -1e4], [-1e4, -1e4 + 1, -1e4], [float('-inf'), 0., 1.],
                        [float('-inf')] * 3], requires_grad=True)
        s, ls = F(lib).softmax(x, 1), F(lib).log_softmax(x, 1)
        s[:3].sum().backward()
        return s, ls, x.grad
    both(body)


@pytest.mark.parametrize('row', [16, 32, 64, 96, 128])
def test_softmax_large_short_rows(both, row):
    # large float32 arrays with short rows (attention scores): ember takes the row max through
    # int32 keys; special values in some rows, NaN of either sign in others
    rng = np.random.default_rng(row)
    x = (rng.standard_normal((70000 // row + 3, row)) * 30).astype(np.float32)
    x.flat[::7] = -0.0
    x.flat[::19] = -np.inf
    x[1, :] = -np.inf
    x[2, :] = 0.0
    x[3, 5] = np.inf
    x[4, 2] = np.nan
    x[5, 1] = -np.nan
    g = rng.standard_normal(x.shape).astype(np.float32)

    def body(lib):
        t = lib.tensor(x, requires_grad=True)
        s, ls = F(lib).softmax(t, -1), F(lib).log_softmax(t, 1)
        (s * lib.tensor(g)).sum().backward()
        return s, ls, t.grad
    both(body, rtol=1e-5, atol=1e-6)


def test_softmax_dtype_shapes_methods(both):
    def body(lib):
        x = lib.tensor(SM_DATA[0], dtype=lib.float32)
        i = lib.tensor([[1, 2], [3, 4]])
        return {'dtype': F(lib).softmax(x, 1, dtype=lib.float64),
                'ldtype': F(lib).log_softmax(i, 0, dtype=lib.float32),
                'half': F(lib).log_softmax(x.half(), 1),
                'method': x.softmax(0), 'lmethod': x.log_softmax(-1), 'torch': lib.softmax(x, 1),
                'ltorch': lib.log_softmax(x, 1, dtype=lib.float64),
                '0d': F(lib).softmax(lib.tensor(2.), 0), 'l0d': F(lib).log_softmax(lib.tensor(2.), 0),
                'empty': F(lib).softmax(lib.zeros(0, 3), 1), 'lempty': F(lib).log_softmax(lib.zeros(2, 0), 1),
                'int': attempt(lambda: F(lib).softmax(i, 1)), 'int0': attempt(lambda: F(lib).log_softmax(i, 0)),
                'dim': attempt(lambda: F(lib).softmax(x, 2))}
    both(body, rtol=2e-3, atol=1e-4)


@pytest.mark.parametrize('ndim', [0, 1, 2, 3, 4])
def test_softmax_implicit_dim_warns(both, ndim):
    def body(lib):
        x = lib.tensor(np.arange(2 ** ndim, dtype=np.float32).reshape((2,) * ndim) / 3)
        out = {}
        for name in ('softmax', 'log_softmax', 'softmin'):
            out[name] = caught(lambda: getattr(F(lib), name)(x))
        return out
    both(body)


def test_softmax_grad_fn_names():
    x = ember.randn(2, 3, requires_grad=True)
    assert EF.softmax(x, 1).grad_fn.name() == 'SoftmaxBackward0'
    assert EF.log_softmax(x, 1).grad_fn.name() == 'LogSoftmaxBackward0'
    assert EF.softmin(x, 1).grad_fn.next_functions[0][0].name() == 'NegBackward0'


# ---------------------------------------------------------------- dropout
def test_dropout_statistics_and_scale():
    ember.manual_seed(0)
    x = ember.ones(200, 500)
    for p in (0.1, 0.5, 0.8):
        y = EF.dropout(x, p)
        a = y.numpy()
        kept = a != 0
        assert abs(1 - kept.mean() - p) < 0.01, p
        np.testing.assert_allclose(a[kept], 1 / (1 - p), rtol=1e-6)
        assert y.dtype is ember.float32 and y.shape == x.shape
    y = EF.dropout(ember.ones(1000, dtype=ember.float64), 0.3)
    assert y.dtype is ember.float64 and set(np.unique(y.numpy())) <= {0.0, 1 / 0.7}


def test_dropout_reproducible_under_manual_seed():
    ember.manual_seed(123)
    a = EF.dropout(ember.ones(1000), 0.5)
    b = EF.dropout(ember.ones(1000), 0.5)
    ember.manual_seed(123)
    a2 = EF.dropout(ember.ones(1000), 0.5)
    b2 = EF.dropout(ember.ones(1000), 0.5)
    assert np.array_equal(a.numpy(), a2.numpy()) and np.array_equal(b.numpy(), b2.numpy())
    assert not np.array_equal(a.numpy(), b.numpy())


def test_dropout_gradient_is_the_mask():
    ember.manual_seed(1)
    x = ember.randn(50, 40, requires_grad=True)
    y = EF.dropout(x, 0.4)
    assert y.grad_fn.name() == 'MulBackward0'
    y.sum().backward()
    mask = y.detach().numpy() / np.where(x.detach().numpy() == 0, 1, x.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-5)
    assert {round(float(v), 5) for v in np.unique(x.grad.numpy())} == {0.0, round(1 / 0.6, 5)}


def test_dropout_eval_p0_p1_and_identity(both):
    def body(lib):
        x = lib.tensor([[1., -2.], [3., 4.]], requires_grad=True)
        f = F(lib)
        ev = f.dropout(x, 0.5, training=False)
        z = f.dropout(x, 0.0)
        one = f.dropout(x, 1.0)
        one.sum().backward()
        return {'eval_is_input': ev is x, 'p0_is_input': z is x, 'p1': one, 'grad': x.grad,
                'eval2d': caught(lambda: (lambda v: f.dropout2d(v, 0.5, False) is v)(x[None])),
                'int_eval': f.dropout(lib.tensor([1, 2]), 0.5, False),
                'int_p1': f.dropout(lib.tensor([1, 2]), 1.0),
                'p_high': attempt(lambda: f.dropout(x, 1.5)), 'p_neg': attempt(lambda: f.dropout(x, -0.1)),
                'p_high1d': attempt(lambda: f.dropout1d(x, 1.5)), 'p_high2d': attempt(lambda: f.dropout2d(x, 2.)),
                '1d_4d': attempt(lambda: f.dropout1d(lib.ones(2, 2, 2, 2))),
                'feature_1d': attempt(lambda: caught(lambda: f.dropout2d(lib.ones(3))))}
    both(body)
    # an integer input in training: the CPU cannot cast the float mask into it (RuntimeError); torch's
    # CUDA build runs its fused kernel, which has no integer dtypes (NotImplementedError, a RuntimeError)
    both(lambda lib: F(lib).dropout(lib.tensor([1, 2]), 0.5),
         match="can't be cast to the desired output type Long|\"fused_dropout\" not implemented for 'Long'")
    both(lambda lib: F(lib).dropout(lib.tensor([], dtype=lib.long), 0.5))


def test_dropout_inplace():
    ember.manual_seed(3)
    x = ember.ones(300)
    r = EF.dropout(x, 0.5, inplace=True)
    assert r is x and set(np.unique(x.numpy())) == {0.0, 2.0}
    leafx = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        EF.dropout(leafx, 0.5, inplace=True)
    w = ember.ones(400, requires_grad=True)
    y = w * 1
    EF.dropout(y, 0.25, inplace=True)
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), y.detach().numpy())


@pytest.mark.parametrize('fname,shape', [('dropout1d', (4, 30, 7)), ('dropout1d', (30, 7)),
                                         ('dropout2d', (4, 30, 3, 5)), ('dropout2d', (4, 30, 7)),
                                         ('dropout3d', (2, 30, 2, 3, 2)), ('dropout3d', (30, 2, 3, 2))])
def test_feature_dropout_zeroes_whole_channels(fname, shape):
    ember.manual_seed(5)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        y = getattr(EF, fname)(ember.ones(*shape), 0.5).numpy()
    batched = {'dropout1d': 3, 'dropout2d': 4, 'dropout3d': 5}[fname] == len(shape) or \
        (fname == 'dropout2d' and len(shape) == 3)
    ch = y.reshape((shape[0] * shape[1], -1) if batched else (shape[0], -1))
    for row in ch:
        assert len(set(row.tolist())) == 1 and row[0] in (0.0, 2.0)
    assert 0.2 < (ch[:, 0] == 0).mean() < 0.8
    assert y.shape == shape


def test_dropout2d_warnings(both):
    def body(lib):
        out = {}
        for shape in [(2, 3), (2, 3, 4), (2, 3, 4, 5), (1, 2, 3, 4, 5)]:
            r, w = caught(lambda: F(lib).dropout2d(lib.ones(*shape), 0.5, training=False))
            out[shape] = (r.shape, w)
        return out
    both(body)


# ---------------------------------------------------------------- linear / bilinear
@pytest.mark.parametrize('shape', [(3,), (4, 3), (2, 4, 3), (2, 2, 2, 3)])
@pytest.mark.parametrize('bias', [True, False])
def test_linear(both, shape, bias):
    def body(lib):
        rng = np.random.default_rng(0)
        x = lib.tensor(rng.standard_normal(shape), dtype=lib.float32, requires_grad=True)
        w = lib.tensor(rng.standard_normal((5, 3)), dtype=lib.float32, requires_grad=True)
        b = lib.tensor(rng.standard_normal(5), dtype=lib.float32, requires_grad=True) if bias else None
        y = F(lib).linear(x, w, b)
        y.backward(lib.ones_like(y) * 0.3)
        return y, x.grad, w.grad, b.grad if bias else None, y.grad_fn.name()
    both(body)


def test_linear_noncontiguous_and_double_backward(both):
    def body(lib):
        x = lib.tensor(np.arange(24.).reshape(4, 2, 3) / 10, requires_grad=True)
        w = lib.tensor(np.arange(15.).reshape(5, 3) / 7 - 1, requires_grad=True)
        b = lib.tensor([0.1, 0.2, 0.3, 0.4, 0.5], requires_grad=True)
        y = F(lib).linear(x.transpose(0, 1), w, b)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        gx.sum().backward()
        return y, gx, w.grad, b.grad
    both(body)
    x, w, b = (ember.randn(3, 4, dtype=ember.float64, requires_grad=True),
               ember.randn(2, 4, dtype=ember.float64, requires_grad=True),
               ember.randn(2, dtype=ember.float64, requires_grad=True))
    assert gradcheck(EF.linear, (x, w, b)) and gradgradcheck(EF.linear, (x, w, b))


def test_linear_errors(both):
    def body(lib):
        f = F(lib).linear
        x = lib.ones(4, 3)
        return {'mismatch': attempt(lambda: f(x, lib.ones(5, 4))),
                'dtype': attempt(lambda: f(x.double(), lib.ones(5, 3))),
                'bias_dtype': attempt(lambda: f(x, lib.ones(5, 3), lib.ones(5).double())),
                'bias_shape': attempt(lambda: f(x, lib.ones(5, 3), lib.ones(4))),
                '0d': attempt(lambda: f(lib.tensor(1.), lib.ones(5, 3))),
                'w1d': attempt(lambda: f(x, lib.ones(3))),
                'int': attempt(lambda: f(lib.ones(2, 2, dtype=lib.long), lib.ones(3, 2, dtype=lib.long)))}
    both(body)


def test_bilinear(both):
    def body(lib):
        rng = np.random.default_rng(1)
        x1 = lib.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
        x2 = lib.tensor(rng.standard_normal((2, 4, 2)), requires_grad=True)
        w = lib.tensor(rng.standard_normal((5, 3, 2)), requires_grad=True)
        b = lib.tensor(rng.standard_normal(5), requires_grad=True)
        y = F(lib).bilinear(x1, x2, w, b)
        y.backward(lib.ones_like(y))
        return (y, x1.grad, x2.grad, w.grad, b.grad, F(lib).bilinear(x1[0], x2[0], w),
                attempt(lambda: F(lib).bilinear(x1, x2, w[:, :2])), attempt(lambda: F(lib).bilinear(x1, x2[:1], w)))
    run_both(body, rtol=1e-7, atol=1e-10)
    x1, x2, w = (ember.randn(2, 3, dtype=ember.float64, requires_grad=True),
                 ember.randn(2, 2, dtype=ember.float64, requires_grad=True),
                 ember.randn(4, 3, 2, dtype=ember.float64, requires_grad=True))
    assert gradcheck(EF.bilinear, (x1, x2, w))


# ---------------------------------------------------------------- one_hot / embedding
def test_one_hot(both):
    def body(lib):
        f = F(lib).one_hot
        return {'auto': f(lib.tensor([0, 3, 1])), 'n': f(lib.tensor([[0, 1], [2, 0]]), 4),
                '0d': f(lib.tensor(1), 3), 'empty': f(lib.tensor([], dtype=lib.long), 3),
                'empty_auto': attempt(lambda: f(lib.tensor([], dtype=lib.long))),
                'int32': attempt(lambda: f(lib.tensor([1], dtype=lib.int32))),
                'float': attempt(lambda: f(lib.tensor([1.]))),
                'neg': attempt(lambda: f(lib.tensor([-1, 2]))), 'big': attempt(lambda: f(lib.tensor([1, 2]), 2))}
    both(body)


@pytest.mark.parametrize('padding_idx', [None, 0, 2, -1])
@pytest.mark.parametrize('freq', [False, True])
def test_embedding(both, padding_idx, freq):
    def body(lib):
        w = lib.tensor(np.arange(12.).reshape(4, 3) / 5 - 1, requires_grad=True)
        idx = lib.tensor([[0, 2, 2], [3, 1, 2]])
        y = F(lib).embedding(idx, w, padding_idx=padding_idx, scale_grad_by_freq=freq)
        y.backward(lib.tensor(np.arange(18.).reshape(2, 3, 3)))
        return y, w.grad
    both(body)


@pytest.mark.parametrize('vocab,n_idx', [(1000, 700), (40, 900), (3, 200)])   # repeats: few, up to ~40, ~70
@pytest.mark.parametrize('padding_idx', [None, 1])
def test_embedding_backward_repeats_exact(both, vocab, n_idx, padding_idx):
    # the weight gradient sums each row's repeats in order of occurrence, as torch: bit for bit
    rng = np.random.default_rng(vocab)
    idx = rng.integers(0, vocab, (n_idx // 7, 7))
    g = (rng.standard_normal((n_idx // 7, 7, 5)) * 10 ** rng.uniform(-4, 4, (n_idx // 7, 7, 1))).astype(np.float32)
    g[::3, 2] = -0.0

    def body(lib):
        w = lib.zeros(vocab, 5, requires_grad=True)
        F(lib).embedding(lib.tensor(idx), w, padding_idx=padding_idx).backward(lib.tensor(g))
        return w.grad, lib.tensor(w.grad.cpu().numpy().view(np.int32))
    both(body, rtol=0, atol=0)


def test_embedding_max_norm_and_double_backward(both):
    def body(lib):
        w = lib.tensor(np.arange(12.).reshape(4, 3) - 4, requires_grad=True)
        with lib.no_grad():
            w2 = w.clone()
        y = F(lib).embedding(lib.tensor([0, 3, 3]), w2, max_norm=2.0)
        v0 = w2.clone()
        y2 = F(lib).embedding(lib.tensor([1, 2]), w2, max_norm=1.5, norm_type=1.)
        out = F(lib).embedding(lib.tensor([[1, 1], [0, 3]]), w, padding_idx=0)
        (g,) = lib.autograd.grad((out ** 2).sum(), w, create_graph=True)
        g.sum().backward()
        return y, v0, y2, w2, g, w.grad
    both(body)
    w = ember.randn(5, 3, dtype=ember.float64, requires_grad=True)
    idx = ember.tensor([[0, 4], [4, 2]])
    # (padding_idx's row and scale_grad_by_freq change the gradient on purpose: not at indices used here)
    assert gradcheck(lambda t: EF.embedding(idx, t, padding_idx=3), (w,))
    assert gradgradcheck(lambda t: EF.embedding(idx, t, padding_idx=1) ** 2, (w,))


def test_embedding_errors(both):
    def body(lib):
        f = F(lib).embedding
        w = lib.ones(3, 2)
        return {'float': attempt(lambda: f(lib.tensor([1.]), w)), 'oob': attempt(lambda: f(lib.tensor([3]), w)),
                'neg': attempt(lambda: f(lib.tensor([-1]), w)), 'w1d': attempt(lambda: f(lib.tensor([1]), lib.ones(3))),
                'pad': attempt(lambda: f(lib.tensor([1]), w, padding_idx=3)),
                'padneg': attempt(lambda: f(lib.tensor([1]), w, padding_idx=-4)),
                'int32': f(lib.tensor([[2]], dtype=lib.int32), w)}
    both(body)


# ---------------------------------------------------------------- pad
CONST_PADS = [(1, 2), (0, 0), (2, 1, 1, 0), (-1, 2), (1, -2, -1, 1), (1, 1, 0, 1, 1, 0)]


@pytest.mark.parametrize('p', CONST_PADS)
def test_pad_constant(both, p):
    def body(lib):
        x = lib.tensor(np.arange(24.).reshape(2, 3, 4), requires_grad=True)
        y = F(lib).pad(x, p, value=-1.5)
        y.backward(lib.tensor(np.arange(y.numel(), dtype=np.float32).reshape(tuple(y.shape))))
        return y, x.grad, y.grad_fn.name()
    both(body)


@pytest.mark.parametrize('mode', ['reflect', 'replicate', 'circular'])
@pytest.mark.parametrize('shape,p', [((2, 5), (2, 1)), ((2, 3, 5), (1, 3)), ((2, 3, 4), (1, 2, 2, 1)),
                                     ((1, 2, 3, 4), (3, 1, 0, 2)), ((1, 2, 3, 3, 4), (1, 2, 2, 1, 0, 2)),
                                     ((2, 3, 4), (-1, 2)), ((2, 3, 5), (2, -1))])
def test_pad_modes(both, mode, shape, p):
    def body(lib):
        x = lib.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape) ** 1.5, requires_grad=True)
        y = F(lib).pad(x, p, mode=mode)
        y.backward(lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)) % 7))
        return y, x.grad
    both(body)


def test_pad_gradcheck_and_others(both):
    x = ember.randn(1, 2, 3, 4, dtype=ember.float64, requires_grad=True)
    for mode in ('constant', 'reflect', 'replicate', 'circular'):
        assert gradcheck(lambda t: EF.pad(t, (2, 1, 1, 2), mode=mode), (x,))
        assert gradgradcheck(lambda t: EF.pad(t, (1, 1, 2, 0), mode=mode) ** 2, (x,))

    def body(lib):
        f = F(lib).pad
        x = lib.tensor(np.arange(6.).reshape(2, 3))
        return {'odd': attempt(lambda: f(x, (1,))), 'long': attempt(lambda: f(x, (1,) * 6)),
                'neg': attempt(lambda: f(x, (-2, -2))), 'mode': attempt(lambda: f(x, (1, 1), mode='foo')),
                'value': attempt(lambda: f(x, (1, 1), mode='reflect', value=1.)),
                'rdim': attempt(lambda: f(x[0], (1, 1), mode='reflect')),
                'rdim2': attempt(lambda: f(x, (1, 1, 1, 1), mode='replicate')),
                'rbig': attempt(lambda: f(x, (3, 1), mode='reflect')),
                'cbig': attempt(lambda: f(x[None], (4, 1), mode='circular')),
                'int': f(lib.arange(3), (1, 1), value=2.5), 'bool': f(lib.tensor([True]), (1, 1)),
                'list': f(x, [1, 0]), 'intr': f(lib.arange(6).view(1, 2, 3), (1, 1), mode='reflect')}
    both(body)


# ---------------------------------------------------------------- layer_norm / normalize / distances
@pytest.mark.parametrize('ns', [(4,), (3, 4)])
@pytest.mark.parametrize('affine', [(False, False), (True, False), (True, True), (False, True)])
def test_layer_norm(both, ns, affine):
    def body(lib):
        rng = np.random.default_rng(2)
        x = lib.tensor(rng.standard_normal((2, 3, 4)) * 3 + 1, dtype=lib.float32, requires_grad=True)
        w = lib.tensor(rng.standard_normal(ns), dtype=lib.float32, requires_grad=True) if affine[0] else None
        b = lib.tensor(rng.standard_normal(ns), dtype=lib.float32, requires_grad=True) if affine[1] else None
        y = F(lib).layer_norm(x, ns, w, b, eps=1e-3)
        y.backward(lib.tensor(rng.standard_normal((2, 3, 4)), dtype=lib.float32))
        return y, x.grad, w.grad if w is not None else None, b.grad if b is not None else None, y.grad_fn.name()
    both(body, rtol=1e-5, atol=1e-5)


def test_layer_norm_double_backward_gradcheck_errors(both):
    def body(lib):
        rng = np.random.default_rng(3)
        x = lib.tensor(rng.standard_normal((3, 5)), requires_grad=True)
        w = lib.tensor(rng.standard_normal(5), requires_grad=True)
        y = F(lib).layer_norm(x, [5], w)
        (gx,) = lib.autograd.grad((y ** 3).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        f = F(lib).layer_norm
        return (gx, x.grad, w.grad, attempt(lambda: f(x, (4,))), attempt(lambda: f(x, (5,), lib.ones(4))),
                attempt(lambda: f(x, (5,), None, lib.ones(4))), attempt(lambda: f(x, 5)),
                attempt(lambda: f(lib.ones(2, 3, dtype=lib.long), [3])), attempt(lambda: f(x, [])),
                f(x.half(), [5]))
    run_both(body, rtol=2e-3, atol=1e-6)
    x, w, b = (ember.randn(2, 4, dtype=ember.float64, requires_grad=True),
               ember.randn(4, dtype=ember.float64, requires_grad=True),
               ember.randn(4, dtype=ember.float64, requires_grad=True))
    assert gradcheck(lambda *a: EF.layer_norm(a[0], (4,), a[1], a[2]), (x, w, b))
    assert gradgradcheck(lambda *a: EF.layer_norm(a[0], (4,), a[1], a[2]), (x, w, b))


@pytest.mark.parametrize('ns', [(4,), (3, 4)])
@pytest.mark.parametrize('affine', [False, True])
@pytest.mark.parametrize('eps', [None, 0.1])
def test_rms_norm(both, ns, affine, eps):
    def body(lib):
        rng = np.random.default_rng(5)
        x = lib.tensor(rng.standard_normal((2, 3, 4)), dtype=lib.float32, requires_grad=True)
        w = lib.tensor(rng.standard_normal(ns), dtype=lib.float32, requires_grad=True) if affine else None
        y = F(lib).rms_norm(x, ns, w, eps)
        y.backward(lib.tensor(rng.standard_normal((2, 3, 4)), dtype=lib.float32))
        f = F(lib).rms_norm
        return (y, x.grad, w.grad if affine else None, attempt(lambda: f(x, (5,))),
                attempt(lambda: f(x, ns, lib.ones(7))), attempt(lambda: f(lib.ones(2, 4, dtype=lib.long), (4,))))
    both(body, rtol=1e-5, atol=1e-5)
    both(lambda lib: F(lib).rms_norm(lib.tensor(np.linspace(-3, 3, 24).reshape(2, 3, 4), dtype=lib.float16), ns,
                                     eps=eps), rtol=3e-3, atol=1e-3)


def test_normalize_cosine_pairwise(both):
    def body(lib):
        f = F(lib)
        x = lib.tensor([[3., 4., 0.], [0., 0., 0.], [1e-13, 0., 0.], [-1., 2., 2.]], requires_grad=True)
        y = lib.tensor([[1., 1., 1.], [1., 0., 0.], [2., 0., 1.], [0., 0., 0.]], requires_grad=True)
        n = f.normalize(x) + f.normalize(x, p=1, dim=0)
        c = f.cosine_similarity(x, y)
        d = f.pairwise_distance(x, y) + f.pairwise_distance(x, y, p=1, keepdim=True).squeeze(1)
        (n.sum() + c.sum() + d.sum()).backward()
        return (n, c, d, x.grad, y.grad, f.cosine_similarity(x, y[0], dim=-1),
                f.pairwise_distance(lib.zeros(3), lib.ones(3)), f.pairwise_distance(lib.zeros(3, dtype=lib.long),
                                                                                 lib.ones(3, dtype=lib.long)),
                attempt(lambda: f.cosine_similarity(lib.ones(2, 3, dtype=lib.long), lib.ones(2, 3, dtype=lib.long))),
                attempt(lambda: f.cosine_similarity(lib.ones(2, 3), lib.ones(2))),
                attempt(lambda: f.normalize(lib.ones(2, 3, dtype=lib.long))))
    both(body)
    a, b = ember.randn(3, 4, dtype=ember.float64, requires_grad=True), ember.randn(3, 4, dtype=ember.float64,
                                                                                   requires_grad=True)
    assert gradcheck(EF.cosine_similarity, (a, b)) and gradcheck(EF.pairwise_distance, (a, b))
    assert gradcheck(EF.normalize, (a,))


# ---------------------------------------------------------------- cross_entropy / nll_loss
CE_X = np.array([[1.2, -0.3, 0.5, 2.0], [0.1, 0.2, -1.5, 0.3], [-2.0, 1.0, 0.0, 0.4], [0.7, 0.7, 0.7, -0.1],
                 [3.0, -1.0, 1.0, 0.5]])
CE_T = [0, 3, 1, -100, 2]
CE_W = [0.5, 1.0, 2.0, 1.5]


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('weight', [False, True])
@pytest.mark.parametrize('ls', [0.0, 0.2])
@pytest.mark.parametrize('ignore', [-100, 1])
def test_cross_entropy_indices(both, reduction, weight, ls, ignore):
    def body(lib):
        x = lib.tensor(CE_X, dtype=lib.float32, requires_grad=True)
        w = lib.tensor(CE_W) if weight else None
        t = lib.tensor([v if v != -100 else ignore for v in CE_T])
        loss = F(lib).cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=ls, ignore_index=ignore)
        loss.backward(lib.ones_like(loss) * 0.7)
        return loss, x.grad
    both(body)


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('weight', [False, True])
@pytest.mark.parametrize('ls', [0.0, 0.3])
def test_cross_entropy_probabilities(both, reduction, weight, ls):
    def body(lib):
        x = lib.tensor(CE_X, dtype=lib.float32, requires_grad=True)
        p = lib.tensor(np.abs(CE_X[::-1]) / np.abs(CE_X).sum(1, keepdims=True), dtype=lib.float32, requires_grad=True)
        w = lib.tensor(CE_W) if weight else None
        loss = F(lib).cross_entropy(x, p, weight=w, reduction=reduction, label_smoothing=ls)
        loss.backward(lib.ones_like(loss))
        return loss, x.grad, p.grad
    both(body)


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('extra', [(), (3,), (2, 3), (2, 1, 2)])
def test_cross_entropy_extra_dims(both, reduction, extra):
    def body(lib):
        rng = np.random.default_rng(4)
        x = lib.tensor(rng.standard_normal((2, 4) + extra), requires_grad=True)
        t = lib.tensor(rng.integers(0, 4, (2,) + extra))
        if extra:
            t[0, 0] = -100
        w = lib.tensor(CE_W, dtype=lib.float64)
        l1 = F(lib).cross_entropy(x, t, reduction=reduction)
        l2 = F(lib).cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=0.1)
        l3 = F(lib).cross_entropy(x, F(lib).softmax(x.detach() * 2, 1), reduction=reduction)
        (l1.sum() + l2.sum() * 2 + l3.sum()).backward()
        return l1, l2, l3, x.grad, l1.grad_fn.name()
    run_both(body, rtol=1e-7, atol=1e-10)


def test_cross_entropy_unbatched_and_empty(both):
    def body(lib):
        x = lib.tensor(CE_X[0], requires_grad=True)
        f = F(lib)
        a = f.cross_entropy(x, lib.tensor(3))
        b = f.cross_entropy(x, lib.tensor([0.1, 0.2, 0.3, 0.4], dtype=lib.float64), label_smoothing=0.1)
        c = f.cross_entropy(x, lib.tensor(1), reduction='none')
        (a + b + c).backward()
        return (a, b, c, x.grad, f.cross_entropy(lib.zeros(0, 3), lib.zeros(0, dtype=lib.long)),
                f.cross_entropy(lib.zeros(0, 3), lib.zeros(0, dtype=lib.long), reduction='sum'),
                f.cross_entropy(lib.zeros(0, 3), lib.zeros(0, 3)),
                f.cross_entropy(lib.ones(3, 2), lib.full((3,), -100)),
                f.nll_loss(lib.zeros(0, 3, 2), lib.zeros(0, 2, dtype=lib.long)),
                f.nll_loss(x, lib.tensor([2])), f.nll_loss(x, lib.tensor([2]), reduction='none'))
    both(body)


def test_cross_entropy_stable_for_large_logits(both):
    def body(lib):
        x = lib.tensor([[1e4, 0., -1e4], [-1e4, 1e4, 3.]], requires_grad=True)
        t = lib.tensor([2, 1])
        loss = F(lib).cross_entropy(x, t) + F(lib).cross_entropy(x, lib.tensor([[0.5, 0., 0.5], [0., 1., 0.]]))
        loss.backward()
        return loss, x.grad
    both(body)


def test_cross_entropy_double_backward(both):
    def body(lib):
        x = lib.tensor(CE_X, requires_grad=True)
        w = lib.tensor(CE_W, dtype=lib.float64)
        t = lib.tensor([0, 3, 1, 2, 2])
        loss = F(lib).cross_entropy(x, t, weight=w, label_smoothing=0.1) + \
            F(lib).nll_loss(x, t, reduction='sum') + F(lib).nll_loss(x * x, t, reduction='none').sum()
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        (g * lib.tensor(CE_X[::-1].copy())).sum().backward()
        return g, x.grad
    run_both(body, rtol=1e-7, atol=1e-10)
    x = ember.tensor(CE_X, requires_grad=True)
    t = ember.tensor([0, 3, 1, -100, 2])
    for red in ('mean', 'sum', 'none'):
        assert gradcheck(lambda a: EF.cross_entropy(a, t, reduction=red), (x,))
        assert gradgradcheck(lambda a: EF.cross_entropy(a, t, reduction=red), (x,))
        assert gradgradcheck(lambda a: EF.nll_loss(a, t, reduction=red), (x,))
    p = ember.tensor(np.full((5, 4), 0.25), requires_grad=True)
    assert gradcheck(lambda a, b: EF.cross_entropy(a, b, label_smoothing=0.2), (x, p))


def test_cross_entropy_grad_fn_names():
    x = ember.randn(4, 3, requires_grad=True)
    t = ember.tensor([0, 1, 2, 1])
    loss = EF.cross_entropy(x, t)
    assert loss.grad_fn.name() == 'NllLossBackward0'
    assert loss.grad_fn.next_functions[0][0].name() == 'LogSoftmaxBackward0'
    assert EF.nll_loss(ember.randn(2, 3, 4, 5, requires_grad=True),
                       ember.zeros(2, 4, 5, dtype=ember.long)).grad_fn.name() == 'NllLoss2DBackward0'
    assert EF.nll_loss(ember.randn(2, 3, 4, requires_grad=True), ember.zeros(2, 4, dtype=ember.long),
                       reduction='none').grad_fn.name() == 'ViewBackward0'


def test_cross_entropy_nll_errors(both):
    def body(lib):
        f = F(lib)
        x = lib.tensor(CE_X[:4, :3], dtype=lib.float32)
        t = lib.tensor([0, 1, 2, 1])
        return {
            'int_target': attempt(lambda: f.cross_entropy(x, t.int())),
            'float_target': attempt(lambda: f.cross_entropy(x, t.float())),
            'long_probs': attempt(lambda: f.cross_entropy(x, lib.zeros(4, 3, dtype=lib.long))),
            'oob': attempt(lambda: f.cross_entropy(x, lib.tensor([0, 1, 5, 1]))),
            'neg': attempt(lambda: f.cross_entropy(x, lib.tensor([0, 1, -1, 1]))),
            'batch': attempt(lambda: f.cross_entropy(x, lib.tensor([0, 1, 1]))),
            'weight': attempt(lambda: f.cross_entropy(x, t, weight=lib.ones(4))),
            'weight_p': attempt(lambda: f.cross_entropy(x, x.softmax(1), weight=lib.ones(2))),
            'reduction': attempt(lambda: f.cross_entropy(x, t, reduction='foo')),
            'ls': attempt(lambda: f.cross_entropy(x, t, label_smoothing=1.1)),
            'ls_p': attempt(lambda: f.cross_entropy(x, x.softmax(1), label_smoothing=1.5)),
            'ignore_p': attempt(lambda: f.cross_entropy(x, x.softmax(1), ignore_index=1)),
            'int_input': attempt(lambda: f.cross_entropy(t.view(2, 2), lib.tensor([0, 1]))),
            'nll_0d': attempt(lambda: f.nll_loss(lib.tensor(1.), lib.tensor(0))),
            'nll_2d_target': attempt(lambda: f.nll_loss(x, lib.zeros(4, 1, dtype=lib.long))),
            'nll_1d_target': attempt(lambda: f.nll_loss(x[0], lib.tensor([1, 2]))),
            'nll_3d_target': attempt(lambda: f.nll_loss(lib.ones(2, 3, 4), lib.zeros(2, 5, dtype=lib.long))),
            'nll_4d_target': attempt(lambda: f.nll_loss(lib.ones(2, 3, 4, 5), lib.zeros(2, 4, 6, dtype=lib.long))),
            'nll_bool': attempt(lambda: f.nll_loss(x, t.bool())),
            'nll_byte': f.nll_loss(x, t.byte()),
            'nll_int_input': attempt(lambda: f.nll_loss(t.view(2, 2), lib.tensor([0, 1]))),
            'nll_weight_dtype': attempt(lambda: f.nll_loss(x.double(), t, weight=lib.ones(3))),
            'nll_weight_grad': attempt(lambda: f.nll_loss(x, t, weight=lib.ones(3, requires_grad=True))),
            'nll_ignore_oob': f.nll_loss(x, lib.tensor([0, 1, 7, 1]), ignore_index=7),
            'half': f.cross_entropy(x.half(), t),
        }
    both(body, rtol=2e-3, atol=1e-3)


def test_legacy_reduction_args_warn(both):
    def body(lib):
        f = F(lib)
        x = lib.tensor(CE_X)
        t = lib.tensor([0, 3, 1, 2, 2])
        return {'sa': caught(lambda: f.cross_entropy(x, t, size_average=False)),
                'rd': caught(lambda: f.nll_loss(x, t, reduce=False)),
                'mse': caught(lambda: f.mse_loss(x, x * 2, size_average=True, reduce=True)),
                'kl': caught(lambda: f.kl_div(x, x.exp(), reduce=False)),
                'bce': caught(lambda: f.binary_cross_entropy(x.sigmoid(), x.sigmoid(), size_average=False)),
                'em': caught(lambda: f.l1_loss(x, x * 2, reduction='elementwise_mean'))}
    both(body)


# ---------------------------------------------------------------- regression losses
REG_X = [[0.5, -1.2, 3.0], [2.2, 0.4, -0.3]]
REG_Y = [[0.0, -1.0, 0.5], [2.2, 2.9, -0.35]]


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('name,kw', [('mse_loss', {}), ('l1_loss', {}), ('smooth_l1_loss', {}),
                                     ('smooth_l1_loss', dict(beta=0.3)), ('smooth_l1_loss', dict(beta=0.)),
                                     ('huber_loss', {}), ('huber_loss', dict(delta=0.4))])
def test_regression_losses(both, name, kw, reduction):
    def body(lib):
        x = lib.tensor(REG_X, requires_grad=True)
        y = lib.tensor(REG_Y, requires_grad=True)
        loss = getattr(F(lib), name)(x, y, reduction=reduction, **kw)
        loss.backward(lib.ones_like(loss) * 1.5)
        return loss, x.grad, y.grad
    both(body)
    x = ember.tensor(REG_X, dtype=ember.float64, requires_grad=True)
    y = ember.tensor(REG_Y, dtype=ember.float64, requires_grad=True)
    f = getattr(EF, name)
    assert gradcheck(lambda a, b: f(a, b, reduction=reduction, **kw), (x, y))


def test_regression_losses_weight_broadcast_dtypes(both):
    def body(lib):
        f = F(lib)
        x = lib.tensor(REG_X, requires_grad=True)
        w = lib.tensor([[1., 2., 0.5], [0., 1., 3.]])
        y = lib.tensor(REG_Y)
        out = {}
        for r in ('mean', 'sum', 'none'):
            out['mse' + r] = f.mse_loss(x, y, reduction=r, weight=w)
            out['l1' + r] = f.l1_loss(x, y, reduction=r, weight=w)
            out['hub' + r] = f.huber_loss(x, y, reduction=r, weight=w)
        out['bcast'] = caught(lambda: f.mse_loss(x, y[0]))
        out['bcast_l1'] = caught(lambda: f.l1_loss(x, y[:, :1]))
        out['bad_bcast'] = attempt(lambda: caught(lambda: f.mse_loss(x, lib.ones(4))))
        out['wshape'] = attempt(lambda: f.mse_loss(x, y, weight=w[0]))
        out['int'] = attempt(lambda: f.mse_loss(lib.tensor([1]), lib.tensor([2])))
        out['int_target'] = f.mse_loss(lib.tensor([1.]), lib.tensor([2]))
        out['double'] = f.mse_loss(lib.tensor([1.]), lib.tensor([2.], dtype=lib.float64))
        out['l1int'] = attempt(lambda: f.l1_loss(lib.tensor([1]), lib.tensor([2])))
        out['sl1int'] = attempt(lambda: f.smooth_l1_loss(lib.tensor([1]), lib.tensor([2])))
        out['hubint'] = attempt(lambda: f.huber_loss(lib.tensor([1]), lib.tensor([2])))
        out['beta'] = attempt(lambda: f.smooth_l1_loss(x, y, beta=-1.))
        out['delta'] = attempt(lambda: f.huber_loss(x, y, delta=0.))
        out['red'] = attempt(lambda: f.mse_loss(x, y, reduction='avg'))
        return out
    both(body)


# ---------------------------------------------------------------- binary cross-entropy
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('weight', [False, True])
def test_binary_cross_entropy(both, reduction, weight):
    def body(lib):
        x = lib.tensor([[0.1, 0.5, 0.99], [0.3, 0.0, 1.0]], requires_grad=True)
        y = lib.tensor([[0.0, 1.0, 0.5], [0.2, 0.0, 1.0]], requires_grad=True)
        w = lib.tensor([2.0, 0.5, 1.0]) if weight else None
        loss = F(lib).binary_cross_entropy(x, y, weight=w, reduction=reduction)
        loss.backward(lib.ones_like(loss))
        return loss, x.grad, y.grad
    both(body)


def test_binary_cross_entropy_extremes_errors_gradcheck(both):
    def body(lib):
        f = F(lib).binary_cross_entropy
        x = lib.tensor([0., 1., 1e-30, 1 - 1e-7], requires_grad=True)
        loss = f(x, lib.tensor([1., 0., 1., 0.]), reduction='none')
        loss.sum().backward()
        return (loss, x.grad, attempt(lambda: f(lib.tensor([1.5]), lib.tensor([1.]))),
                attempt(lambda: f(lib.tensor([0.5]), lib.tensor([[1.]]))),
                attempt(lambda: f(lib.tensor([1]), lib.tensor([1]))),
                attempt(lambda: f(lib.tensor([.5], dtype=lib.float64), lib.tensor([1.]))),
                attempt(lambda: f(lib.tensor([.5]), lib.tensor([1.]), weight=lib.tensor([2.], requires_grad=True))),
                attempt(lambda: f(lib.tensor([.5, .2]), lib.tensor([1., 0.]), weight=lib.ones(3))))
    both(body, rtol=1e-5)
    x = ember.tensor([[0.2, 0.7], [0.45, 0.9]], dtype=ember.float64, requires_grad=True)
    y = ember.tensor([[0.1, 1.0], [0.5, 0.3]], dtype=ember.float64, requires_grad=True)
    assert gradcheck(EF.binary_cross_entropy, (x, y)) and gradgradcheck(EF.binary_cross_entropy, (x, y))


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('weights', ['none', 'weight', 'pos_weight', 'both'])
def test_bce_with_logits(both, reduction, weights):
    def body(lib):
        x = lib.tensor([[1e4, -1e4, 0.0], [2.5, -0.7, 30.], [-30., 1e-3, -5.]], requires_grad=True)
        y = lib.tensor([[0.0, 1.0, 0.5], [1.0, 0.25, 0.0], [1.0, 0.0, 0.6]], requires_grad=True)
        w = lib.tensor([2.0, 0.5, 1.0]) if weights in ('weight', 'both') else None
        pw = lib.tensor([3.0, 1.0, 0.2]) if weights in ('pos_weight', 'both') else None
        loss = F(lib).binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw, reduction=reduction)
        loss.backward(lib.ones_like(loss))
        return loss, x.grad, y.grad
    both(body)


def test_bce_with_logits_errors_and_gradcheck(both):
    def body(lib):
        f = F(lib).binary_cross_entropy_with_logits
        x = lib.tensor([0.5, -1.])
        t = lib.tensor([1., 0.])
        return (attempt(lambda: f(x, t[None])), attempt(lambda: f(lib.tensor([1]), lib.tensor([1]))),
                attempt(lambda: f(x, t, pos_weight=lib.ones(2, requires_grad=True))),
                attempt(lambda: f(x, t, weight=lib.ones(2, requires_grad=True))),
                attempt(lambda: f(x, t, reduction='foo')), f(x.double(), t), f(x, t, pos_weight=lib.ones(1) * 2))
    both(body)
    x = ember.tensor([[0.2, -3.7], [1.45, 0.9]], dtype=ember.float64, requires_grad=True)
    y = ember.tensor([[0.1, 1.0], [0.5, 0.3]], dtype=ember.float64, requires_grad=True)
    pw = ember.tensor([2., 0.5], dtype=ember.float64)
    f = EF.binary_cross_entropy_with_logits
    assert gradcheck(lambda a, b: f(a, b, pos_weight=pw), (x, y))
    assert gradgradcheck(lambda a, b: f(a, b, pos_weight=pw, reduction='sum'), (x, y))


# ---------------------------------------------------------------- kl_div
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none', 'batchmean'])
@pytest.mark.parametrize('log_target', [False, True])
def test_kl_div(both, reduction, log_target):
    def body(lib):
        x = lib.tensor([[-1.2, -0.3, -2.0], [-0.1, -3.0, -0.7]], requires_grad=True)
        t = lib.tensor([[0.2, 0.5, 0.3], [0.6, 0.0, 0.4]]) if not log_target else \
            lib.tensor([[-1.6, -0.7, -1.2], [-0.5, -9.0, -0.9]])
        t.requires_grad_()
        loss, w = caught(lambda: F(lib).kl_div(x, t, reduction=reduction, log_target=log_target))
        loss.backward(lib.ones_like(loss))
        return loss, w, x.grad, t.grad
    both(body)


def test_kl_div_errors_gradcheck(both):
    def body(lib):
        f = F(lib).kl_div
        return (attempt(lambda: f(lib.tensor([1]), lib.tensor([2]), reduction='sum')),
                attempt(lambda: f(lib.tensor([1.]), lib.tensor([2.]), reduction='foo')),
                f(lib.tensor(-1.), lib.tensor(0.5), reduction='batchmean'),
                f(lib.tensor([[-1., -2.]]), lib.tensor([0.5, 0.5]), reduction='sum'))
    both(body)
    x = ember.tensor([[-1.2, -0.3], [-0.1, -3.0]], dtype=ember.float64, requires_grad=True)
    t = ember.tensor([[0.2, 0.5], [0.6, 0.1]], dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda a, b: EF.kl_div(a, b, reduction='batchmean'), (x, t))
    assert gradcheck(lambda a, b: EF.kl_div(a, b, reduction='sum', log_target=True), (x, t))


# ---------------------------------------------------------------- a training step end to end
def test_training_step_matches_torch(both):
    """An MLP step with linear, relu, dropout (eval), layer_norm and cross_entropy: same loss and
    same parameter gradients."""
    def body(lib):
        rng = np.random.default_rng(7)
        f = F(lib)
        x = lib.tensor(rng.standard_normal((8, 5)), dtype=lib.float32)
        w1 = lib.tensor(rng.standard_normal((6, 5)) * 0.5, dtype=lib.float32, requires_grad=True)
        b1 = lib.tensor(rng.standard_normal(6) * 0.1, dtype=lib.float32, requires_grad=True)
        w2 = lib.tensor(rng.standard_normal((3, 6)) * 0.5, dtype=lib.float32, requires_grad=True)
        h = f.dropout(f.relu(f.linear(x, w1, b1)), 0.5, training=False)
        h = f.layer_norm(h, (6,))
        loss = f.cross_entropy(f.linear(h, w2), lib.tensor([0, 1, 2, 0, 1, 2, 0, 1]), label_smoothing=0.05)
        loss.backward()
        return loss, w1.grad, b1.grad, w2.grad
    both(body, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('fn', ['hardshrink', 'softshrink'])
def test_shrink_values_zero_signs_nodes_and_grads(fn):
    """torch's own nodes (HardshrinkBackward0, SoftshrinkBackward0); between -lambd and lambd
    hardshrink gives +0 and softshrink x * 0 (the sign of x); the gradient there is +0; NaN passes."""
    def body(lib):
        x = lib.tensor([-0.7, -0.5, 0.5, 0.6, float('nan'), -0.0, -0.2, 0.3], requires_grad=True)
        y = getattr(lib.nn.functional, fn)(x, 0.5)
        y.backward(-lib.ones(8))
        signs = lib.signbit(y.detach()), lib.signbit(x.grad)
        return y, x.grad, signs, type(y.grad_fn).__name__, getattr(lib.nn.functional, fn)(lib.tensor([1., -3.]).half(), 1)
    run_both(body)
    for dt in ('int64', 'bool'):
        run_both(lambda lib: getattr(lib.nn.functional, fn)(lib.tensor([1, 0], dtype=getattr(lib, dt)), 1))
    x = ember.tensor([-2.0, -0.3, 0.1, 1.5], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: getattr(ember.nn.functional, fn)(t, 0.5), (x,))


@pytest.mark.parametrize('fn', ['F.channel_shuffle', 'F.native_channel_shuffle', 'torch.channel_shuffle',
                                'torch.native_channel_shuffle'])
def test_channel_shuffle_nodes(fn):
    """ChannelShuffleBackward0 (ember had UnsafeViewBackward0); the native op has no derivative:
    its backward raises torch's RuntimeError."""
    def body(lib):
        f = getattr(lib.nn.functional if fn.startswith('F.') else lib, fn.split('.')[1])
        x = lib.arange(16.).reshape(1, 4, 2, 2).requires_grad_()
        y = f(x, 2)
        try:
            y.sum().backward()
            g = x.grad
        except RuntimeError as e:
            g = str(e)
        return y, type(y.grad_fn).__name__ if 'native' not in fn else y.requires_grad, g
    run_both(body)
