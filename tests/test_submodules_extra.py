"""torch submodules scripts use: ``testing``, ``autograd.functional``, ``utils.checkpoint``,
``random``, and the grad-mode decorators, each run with torch and with ember and compared."""
import warnings

import numpy as np
import pytest

from conformance import run_both, torch
import ember


def message(fn):
    """(exception class name, message) of what fn() raises, or ('ok', None)."""
    try:
        fn()
    except Exception as e:      # noqa: BLE001 - the message is what we compare
        return type(e).__name__, str(e)
    return 'ok', None


def warned(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        r = fn()
    return r, [(x.category.__name__, str(x.message)) for x in w]


# ---------------------------------------------------------------- testing.assert_close
@pytest.mark.parametrize('case', [
    lambda L: (L.tensor([1., 2., 3.]), L.tensor([1., 2.5, 3.1])),
    lambda L: (L.tensor([[1, 2], [3, 4]]), L.tensor([[1, 2], [3, 5]])),
    lambda L: (L.tensor([1., 2.]), L.tensor([1., 2.], dtype=L.float64)),
    lambda L: (L.tensor([1., 2.]), L.tensor([1., 2., 3.])),
    lambda L: (L.tensor([1., float('nan')]), L.tensor([1., float('nan')])),
    lambda L: (L.tensor([True]), L.tensor([False])),
    lambda L: (L.tensor(1.), L.tensor(2.)),
    lambda L: (L.tensor([0., 2.]), L.tensor([1e-3, 2.])),
    lambda L: (L.tensor([1., 2.], dtype=L.float64), L.tensor([1., 2.000001], dtype=L.float64)),
    lambda L: (L.tensor([1., 2.]), L.tensor([1., 2.1]).half()),
    lambda L: (L.tensor([1., 2.]).half(), L.tensor([1., 2.001]).half()),
    lambda L: (L.tensor([1., 2.], requires_grad=True), L.tensor([1., 2.])),
    lambda L: (L.tensor([1., 2.]), L.tensor([1., 2.0000001])),
    lambda L: (1.0, 1.1),
    lambda L: (1, 2),
    lambda L: (1, 1.0),
    lambda L: (float('nan'), float('nan')),
    lambda L: ([L.tensor(1.)], [L.tensor(2.)]),
    lambda L: ({'a': L.tensor(1.)}, {'a': L.tensor(2.)}),
    lambda L: ([1, 2], [1, 2, 3]),
    lambda L: ({'a': 1}, {'b': 1}),
    lambda L: ([1, 2], (1, 2)),
    lambda L: (None, None),
    lambda L: (True, False),
    lambda L: ([True, 2.5], [True, 2.5]),
    lambda L: (np.array([1., 2.]), np.array([1., 2.5])),
    lambda L: ([L.tensor([1., 2.]), (L.tensor([[1, 2]]), {'k': L.tensor([3.])})],
               [L.tensor([1., 2.]), (L.tensor([[1, 3]]), {'k': L.tensor([3.])})]),
])
def test_assert_close_messages(case):
    run_both(lambda L: message(lambda: L.testing.assert_close(*case(L))))


@pytest.mark.parametrize('kwargs', [
    dict(equal_nan=True), dict(rtol=0, atol=0), dict(rtol=0.1, atol=0.), dict(rtol=0.3, atol=0.),
    dict(check_dtype=False), dict(msg='custom'), dict(rtol=1e-3), dict(atol=1e-3),
])
def test_assert_close_options(kwargs):
    def body(L):
        pairs = [(L.tensor([1., float('nan')]), L.tensor([1., float('nan')])),
                 (L.tensor([1., 2.]), L.tensor([1., 2.5])),
                 (L.tensor([1., 2.]), L.tensor([1., 2.5], dtype=L.float64)),
                 (L.tensor([1, 2]), L.tensor([1., 2.])),
                 (2.0, 2.2)]
        return [message(lambda: L.testing.assert_close(a, e, **kwargs)) for a, e in pairs]
    run_both(body)


def test_assert_close_msg_callable_and_type_errors():
    def body(L):
        tc = L.testing.assert_close
        return [message(lambda: tc(L.tensor([1., 2.]), L.tensor([1., 3.]), msg=lambda m: m + '!!')),
                message(lambda: tc(L.tensor([1., 2.]), L.tensor([1., 2.]), check_stride=True)),
                message(lambda: tc('a', 'a'))]
    run_both(body)
    # a Tensor against a list or a number: TypeError (the message names each library's class)
    run_both(lambda L: L.testing.assert_close(L.tensor([1.]), [1.]))
    run_both(lambda L: L.testing.assert_close(L.tensor(1.), 1.0))


def test_assert_allclose_deprecated():
    def body(L):
        ok, w = warned(lambda: L.testing.assert_allclose(L.tensor([1., 2.]), [1., 2.00001]))
        return w, message(lambda: L.testing.assert_allclose(L.tensor([1., 2.]), L.tensor([1., 2.1])))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        run_both(body)


# ---------------------------------------------------------------- testing.make_tensor
@pytest.mark.parametrize('dtype', ['float32', 'float64', 'float16', 'int64', 'int32', 'uint8', 'bool'])
def test_make_tensor_properties(dtype):
    def body(L):
        t = L.testing.make_tensor((40, 50), dtype=getattr(L, dtype), device='cpu')
        v = t.to(L.float64)
        low = 0 if dtype in ('uint8', 'bool') else -9     # (float16 rounds up to 9 at times: <= 9)
        return t.dtype, t.shape, t.device, t.requires_grad, bool(v.min() >= low), \
            bool(v.max() <= (1 if dtype == 'bool' else 9)), \
            int((v == v.round()).all()) if not dtype.startswith('float') else None
    run_both(body)


def test_make_tensor_options():
    def body(L):
        mk = L.testing.make_tensor
        a = mk(3, 4, dtype=L.float32, device='cpu', low=-1, high=1, requires_grad=True, noncontiguous=True)
        b = mk(30, dtype=L.int64, device='cpu', low=0, high=2, exclude_zero=True)
        c = mk([2, 5], dtype=L.float32, device='cpu', low=0, high=1e-30, exclude_zero=True)
        d = mk((1,), dtype=L.float32, device='cpu', noncontiguous=True)
        return (a.shape, a.requires_grad, a.is_contiguous(), bool((a.abs() <= 1).all()), a.is_leaf,
                bool((b == 1).all()), bool((c != 0).all()), d.is_contiguous(), mk((), dtype=L.int8, device='cpu').shape)
    run_both(body)


@pytest.mark.parametrize('kwargs', [dict(dtype='int64', requires_grad=True), dict(dtype='float32', low=2, high=1),
                                    dict(dtype='int64', low=5, high=5), dict(dtype='float32', low=float('nan')),
                                    dict(dtype='uint8', low=-10, high=-1)])
def test_make_tensor_errors(kwargs):
    """torch's ValueErrors, word for word (and its FutureWarning for low == high on floats)."""
    kwargs = dict(kwargs)
    name = kwargs.pop('dtype')
    run_both(lambda L: message(lambda: L.testing.make_tensor(3, dtype=getattr(L, name), device='cpu', **kwargs)))


def test_make_tensor_low_equals_high_warns():
    run_both(lambda L: warned(lambda: L.testing.make_tensor(2, dtype=L.float32, device='cpu', low=1, high=1))[1])


# ---------------------------------------------------------------- autograd.functional
def f_single(x):
    return x ** 2 * x.sin()


def f_pair(x, y):
    return (x * y).sum() + (x ** 3).sum(), x.exp() * y[:1]


def f_scalar(x, y):
    return (x ** 2 * y.sum()).sum() + (y ** 3).sum()


X = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.2]]


@pytest.mark.parametrize('kw', [{}, dict(create_graph=True), dict(vectorize=True), dict(strict=True)])
def test_jacobian(kw):
    def body(L):
        F = L.autograd.functional
        x = L.tensor(X[0], requires_grad=True)
        y = L.tensor(X[1], dtype=L.float64).to(L.float32)
        return (F.jacobian(f_single, x, **kw),
                F.jacobian(f_pair, (x, y), **kw),
                F.jacobian(lambda a: a.sum() * 2, x.reshape(3, 1), **kw))
    run_both(body)


@pytest.mark.parametrize('kw', [{}, dict(create_graph=True), dict(vectorize=True)])
def test_hessian(kw):
    def body(L):
        F = L.autograd.functional
        x, y = L.tensor(X[0]), L.tensor(X[1])
        return F.hessian(lambda a: (a ** 3).sum() * a[0], x, **kw), F.hessian(f_scalar, (x, y), **kw)
    run_both(body)


@pytest.mark.parametrize('create_graph', [False, True])
def test_vjp_jvp_hvp_vhp(create_graph):
    def body(L):
        F = L.autograd.functional
        x, y = L.tensor(X[0], requires_grad=True), L.tensor(X[1])
        v3 = L.tensor([1., -2., 0.5])
        kw = dict(create_graph=create_graph)
        return (F.vjp(f_single, x, v3, **kw), F.vjp(lambda a: a.sum(), x, **kw),
                F.vjp(f_pair, (x, y), (L.tensor(2.), L.tensor([1., 1., 3.])), **kw),
                F.jvp(f_single, x, v3, **kw), F.jvp(f_pair, (x, y), (v3, v3 * 2), **kw),
                F.jvp(lambda a: a * 3, L.tensor([2.]), **kw),
                F.hvp(f_scalar, (x, y), (v3, v3.flip(0)), **kw), F.vhp(f_scalar, (x, y), (v3, v3.flip(0)), **kw),
                F.hvp(lambda a: (a ** 4).sum(), x, v3, **kw), F.vhp(lambda a: (a ** 4).sum(), x, v3, **kw))
    run_both(body)


def test_functional_grad_of_create_graph_result():
    def body(L):
        x = L.tensor(X[0], requires_grad=True)
        _, hv = L.autograd.functional.hvp(lambda a: (a ** 4).sum(), x, L.ones(3), create_graph=True)
        hv.sum().backward()
        return x.grad
    run_both(body)


@pytest.mark.parametrize('call', [
    lambda F, L: F.vjp(f_single, L.tensor(X[0])),
    lambda F, L: F.vjp(f_single, L.tensor(X[0]), L.ones(2)),
    lambda F, L: F.vjp(f_pair, (L.tensor(X[0]), L.tensor(X[1])), (L.tensor(1.),)),
    lambda F, L: F.vjp(f_pair, (L.tensor(X[0]), L.tensor(X[1])), (L.tensor(1.), L.ones(2))),
    lambda F, L: F.jvp(f_single, [1., 2.]),
    lambda F, L: F.jvp(f_single, (L.tensor(X[0]), 3)),
    lambda F, L: F.jvp(f_single, L.tensor(X[0])),
    lambda F, L: F.hvp(f_single, L.tensor(X[0]), L.ones(3)),
    lambda F, L: F.vhp(f_pair, (L.tensor(X[0]), L.tensor(X[1])), (L.ones(3), L.ones(3))),
    lambda F, L: F.hessian(f_single, L.tensor(X[0])),
    lambda F, L: F.hessian(lambda a: (a, a), L.tensor(X[0])),
    lambda F, L: F.jacobian(lambda a: a.detach(), L.tensor(X[0]), strict=True),
    lambda F, L: F.jacobian(lambda a, b: a * 2, (L.tensor(X[0]), L.tensor(X[1])), strict=True),
    lambda F, L: F.jacobian(lambda a: a * 2, L.tensor(X[0]), strict=True, vectorize=True),
    lambda F, L: F.hessian(lambda a: a.sum() * 2, L.tensor(X[0]), strict=True),
    lambda F, L: F.vjp(lambda a, b: (a * 2).sum(), (L.tensor(X[0]), L.tensor(X[1])), strict=True),
    lambda F, L: F.jacobian(f_single, L.tensor(X[0]), strategy='sideways'),
    lambda F, L: F.jacobian(f_single, L.tensor(X[0]), strategy='forward-mode'),
    lambda F, L: F.jacobian(f_single, L.tensor(X[0]), strategy='forward-mode', create_graph=True),
    lambda F, L: F.jacobian(f_single, L.tensor(X[0]), strategy='forward-mode', strict=True),
])
def test_functional_errors(call):
    run_both(lambda L: message(lambda: call(L.autograd.functional, L)))


def test_functional_import_paths_and_forward_mode():
    from ember.autograd.functional import jacobian, hessian, vjp, jvp, hvp, vhp
    import ember.autograd.functional as F
    assert sorted(F.__all__) == sorted(torch.autograd.functional.__all__)
    assert [jacobian, hessian, vjp, jvp, hvp, vhp] == [getattr(F, n) for n in ('jacobian', 'hessian', 'vjp', 'jvp',
                                                                             'hvp', 'vhp')]
    # ember has no forward AD: strategy='forward-mode' gives the reverse-mode Jacobian (as torch's, the same values)
    fwd = F.jacobian(f_single, ember.tensor(X[0]), strategy='forward-mode', vectorize=True)
    assert ember.allclose(fwd, F.jacobian(f_single, ember.tensor(X[0])))


def test_functional_keeps_grad_mode():
    def body(L):
        F = L.autograd.functional
        with L.no_grad():
            j = F.jacobian(f_single, L.tensor(X[0]))
            o, v = F.vjp(f_single, L.tensor(X[0]), L.ones(3), create_graph=True)
        return j, o, v, L.is_grad_enabled()
    run_both(body)


# ---------------------------------------------------------------- utils.checkpoint
def _block(L, seed_layers=True):
    L.manual_seed(0)
    m = L.nn.Sequential(L.nn.Linear(4, 6), L.nn.Tanh(), L.nn.Linear(6, 6), L.nn.ReLU(), L.nn.Linear(6, 3))
    with L.no_grad():           # the same weights in both libraries
        for i, p in enumerate(m.parameters()):
            p.copy_(L.tensor(np.cos(np.arange(p.numel()) * 0.7 + i).reshape(tuple(p.shape)), dtype=L.float32))
    return m


XIN = np.sin(np.arange(20.) * 1.3).reshape(5, 4)


@pytest.mark.parametrize('use_reentrant', [True, False])
def test_checkpoint_matches_plain_forward(use_reentrant):
    def body(L):
        from importlib import import_module
        C = import_module(L.__name__ + '.utils.checkpoint')
        m = _block(L)
        x = L.tensor(XIN, dtype=L.float32, requires_grad=True)
        y = C.checkpoint(m, x, use_reentrant=use_reentrant)
        (y ** 2).sum().backward()
        return y, x.grad, [p.grad for p in m.parameters()]
    run_both(body)


@pytest.mark.parametrize('use_reentrant', [True, False])
def test_checkpoint_dropout_masks_match(use_reentrant):
    """Gradients through checkpointed dropout equal a plain forward's with the same RNG state."""
    import ember.utils.checkpoint as C
    m = ember.nn.Sequential(ember.nn.Linear(8, 16), ember.nn.Dropout(0.5), ember.nn.GELU(), ember.nn.Linear(16, 2))
    x = ember.randn(6, 8, requires_grad=True)
    state = ember.get_rng_state()
    m(x).sum().backward()
    ref = [p.grad.clone() for p in m.parameters()] + [x.grad.clone()]
    m.zero_grad()
    x.grad = None
    ember.set_rng_state(state)
    y = C.checkpoint(m, x, use_reentrant=use_reentrant)
    after_forward = ember.get_rng_state()
    ember.rand(3)            # draws between forward and backward must not change the recomputation
    y.sum().backward()
    for a, b in zip(ref, [p.grad for p in m.parameters()] + [x.grad]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # the recomputation leaves the generator where the caller's draws put it
    ember.set_rng_state(after_forward)
    a = ember.rand(3)
    ember.set_rng_state(after_forward)
    assert (a == ember.rand(3)).all()


def test_checkpoint_without_preserve_rng_differs():
    import ember.utils.checkpoint as C
    m = ember.nn.Sequential(ember.nn.Linear(8, 64), ember.nn.Dropout(0.5))
    x = ember.randn(6, 8, requires_grad=True)
    state = ember.get_rng_state()
    m(x).sum().backward()
    ref = x.grad.clone()
    x.grad = None
    ember.set_rng_state(state)
    C.checkpoint(m, x, use_reentrant=False, preserve_rng_state=False).sum().backward()
    assert not (ref == x.grad).all()


def test_checkpoint_warning_and_errors():
    def body(L):
        from importlib import import_module
        C = import_module(L.__name__ + '.utils.checkpoint')
        x = L.tensor([1., 2.], requires_grad=True)
        y, w = warned(lambda: C.checkpoint(lambda a: a * 2, x))
        _, w2 = warned(lambda: C.checkpoint_sequential([lambda a: a * 2, lambda a: a + 1], 2, x))
        _, w3 = warned(lambda: C.checkpoint(lambda a: a * 2, L.tensor([1.]), use_reentrant=True))
        return (y, w, w2, w3,
                message(lambda: C.checkpoint(lambda a, k=1: a * k, x, use_reentrant=True, k=2)),
                message(lambda: C.checkpoint_sequential([lambda a: a], 1, x, use_reentrant=False, k=2)),
                message(lambda: C.checkpoint(lambda a: a, x, use_reentrant=True, debug=True)),
                message(lambda: C.detach_variable([x])))
    run_both(body)


def test_checkpoint_nonreentrant_kwargs_grad_and_structures():
    def body(L):
        from importlib import import_module
        C = import_module(L.__name__ + '.utils.checkpoint')
        m = _block(L)
        x = L.tensor(XIN, dtype=L.float32, requires_grad=True)
        s = L.tensor([2.], requires_grad=True)
        out = C.checkpoint(lambda a, scale=None: {'y': m(a) * scale, 'n': 3, 'z': (a.sum(), a)}, x, scale=s,
                           use_reentrant=False)
        loss = out['y'].pow(2).sum() + out['z'][0]
        grads = L.autograd.grad(loss, [x, s] + list(m.parameters()))
        # parameters only (the input does not require grad): the output still requires grad
        y2 = C.checkpoint(m, L.tensor(XIN, dtype=L.float32), use_reentrant=False)
        y2.sum().backward()
        return out['y'], out['n'], out['z'], grads, y2.requires_grad, m[0].weight.grad
    run_both(body)


def test_checkpoint_reentrant_param_only_input_no_grad():
    def body(L):
        from importlib import import_module
        C = import_module(L.__name__ + '.utils.checkpoint')
        m = _block(L)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            y = C.checkpoint(m, L.tensor(XIN, dtype=L.float32), use_reentrant=True)
        return y.requires_grad, y.grad_fn is None
    run_both(body)


@pytest.mark.parametrize('use_reentrant', [True, False])
@pytest.mark.parametrize('segments', [1, 2, 3])
def test_checkpoint_sequential(use_reentrant, segments):
    def body(L):
        from importlib import import_module
        C = import_module(L.__name__ + '.utils.checkpoint')
        m = _block(L)
        x = L.tensor(XIN, dtype=L.float32, requires_grad=True)
        y = C.checkpoint_sequential(m, segments, x, use_reentrant=use_reentrant)
        y.sum().backward()
        return y, x.grad, [p.grad for p in m.parameters()]
    run_both(body)


def test_checkpoint_double_backward():
    def body(L):
        from importlib import import_module
        C = import_module(L.__name__ + '.utils.checkpoint')
        x = L.tensor([0.5, 1.5], requires_grad=True)
        y = C.checkpoint(lambda a: (a ** 3).sum(), x, use_reentrant=False)
        g, = L.autograd.grad(y, x, create_graph=True)
        gg, = L.autograd.grad(g.sum(), x)
        return g, gg
    run_both(body)


def test_checkpoint_no_grad_mode():
    def body(L):
        from importlib import import_module
        C = import_module(L.__name__ + '.utils.checkpoint')
        x = L.tensor([0.5, 1.5], requires_grad=True)
        with L.no_grad():
            return [C.checkpoint(lambda a: a * 2, x, use_reentrant=r) for r in (True, False)]
    run_both(body)


# ---------------------------------------------------------------- random
def test_random_module():
    def body(L):
        R = L.random        # (CPU tensors: the CPU generator's state is the one saved here)
        R.manual_seed(123)
        seed = R.initial_seed()
        state = R.get_rng_state()
        a = L.rand(4, device='cpu')
        R.set_rng_state(state)
        b = L.rand(4, device='cpu')
        with R.fork_rng():
            L.rand(10, device='cpu')
        c = L.rand(3, device='cpu')
        R.set_rng_state(state)
        L.rand(4, device='cpu')
        with R.fork_rng(devices=[]):
            L.randn(5, device='cpu')
        d = L.rand(3, device='cpu')
        with R.fork_rng(enabled=False):
            L.rand(1, device='cpu')
        e = L.rand(3, device='cpu')
        R.set_rng_state(state)
        L.rand(4, device='cpu'), L.rand(3, device='cpu')
        f = L.rand(3, device='cpu')
        return (seed, bool((a == b).all()), bool((c == d).all()), bool((e == f).all()),
                R.default_generator is L.default_generator, state.dtype)
    run_both(body)


def test_random_fork_rng_restores_on_error_and_seed():
    R = ember.random
    state = R.get_rng_state()
    with pytest.raises(ValueError):
        with R.fork_rng():
            ember.rand(5)
            raise ValueError
    a = ember.rand(2)
    R.set_rng_state(state)
    assert (a == ember.rand(2)).all()
    s = R.seed()
    assert isinstance(s, int) and R.initial_seed() == s
    assert ember.random.manual_seed(7) is ember.default_generator
    import ember.random as mod
    assert mod.fork_rng is ember.random.fork_rng


# ---------------------------------------------------------------- grad-mode decorators
def test_grad_mode_decorators_and_inference_mode():
    def body(L):
        @L.set_grad_enabled(False)
        def off():
            return L.is_grad_enabled()

        @L.inference_mode()
        def inf1():
            return L.is_grad_enabled(), L.is_inference_mode_enabled()

        @L.inference_mode
        def inf2():
            return L.is_inference_mode_enabled()

        @L.inference_mode(False)
        def inf3():
            return L.is_inference_mode_enabled(), L.is_grad_enabled()

        x = L.ones(2, requires_grad=True)
        with L.inference_mode():
            inside = (L.is_inference_mode_enabled(), L.is_grad_enabled(), (x * 2).requires_grad)
        return (off(), L.is_grad_enabled(), inf1(), inf2(), inf3(), inside, L.is_inference_mode_enabled(),
                x.is_inference(), L.autograd.grad_mode.inference_mode is L.inference_mode)
    run_both(body)


def test_tensor_is_inference_inside_inference_mode():
    run_both(lambda L: (lambda x: [x.is_inference()])(L.inference_mode()(lambda: L.ones(2) * 2)()))
