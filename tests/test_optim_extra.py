"""The optimizers added after the first set (Adadelta, Rprop, ASGD, LBFGS, Adafactor) against
torch.optim: the same parameters and gradient sequence in both libraries, many steps with varied
hyper-parameters (maximize, weight decay, tensor lr, foreach, several parameter groups, parameters
that miss their gradient), then parameters and state_dict compared; load_state_dict round trips;
constructor and step errors compared with torch's (type and message); LBFGS with closures, with
and without the strong-Wolfe line search.

The trajectory tests run through the conformance harness (``run_both``), so they also run on the
``cuda`` axis (a GPU, or tests/fake_cupy with ``EMBER_FAKE_CUDA=1``)."""
import copy
import warnings

import numpy as np
import pytest

from conformance import run_both

torch = pytest.importorskip('torch')
import ember  # noqa: E402

LIBS = (torch, ember)
SHAPES = [(3, 4), (5,), (2, 3, 2), (2,)]     # the last one never gets a gradient
STEPS = 30

# float32: Rprop and ASGD match torch bit for bit; Adadelta takes square roots, which torch's
# vectorized float32 kernel does not round correctly on every CPU (AVX-512 here: 1 ulp off for
# ~15% of inputs), so its results can differ in the last bits; Adafactor takes norms and means,
# which ember sums in another order than torch (and rsqrt). float64: ember's fused multiply-add
# emulation (optimizer._fma) rounds float64 products separately: last-bit differences.
EXACT = dict(rtol=0, atol=0)
F64 = dict(rtol=1e-12, atol=1e-14)
TOL = {('Rprop', np.float32): EXACT, ('ASGD', np.float32): EXACT,
       ('Adadelta', np.float32): dict(rtol=1e-5, atol=1e-6), ('Adafactor', np.float32): dict(rtol=2e-5, atol=1e-6)}


def _tol(name, dt):
    return TOL.get((name, dt), F64)


def _data(dt, steps):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(dt) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dt) for s in SHAPES] for _ in range(steps)]
    return init, grads


def _host(t):
    return t.detach().cpu().numpy()


def _set_grads(lib, ps, G, t):
    """Gradient = fixed noise + 0.3 * p (the parameters feed back, like a noisy quadratic);
    parameter 2 misses its gradient every third step, parameter 3 never has one."""
    for i, p in enumerate(ps):
        if i == 3 or (i == 2 and t % 3 == 1):
            p.grad = None
        else:
            p.grad = lib.tensor(G[t][i] + _host(p) * _host(p).dtype.type(0.3))


def _kw(lib, kw):
    kw = dict(kw)
    if 'lr_tensor' in kw:
        kw['lr'] = lib.tensor(kw.pop('lr_tensor'))
    return kw


def _group2(name):
    return {'Adadelta': {'lr': 0.5, 'rho': 0.5}, 'Rprop': {'lr': 0.02, 'etas': (0.4, 1.1)},
            'ASGD': {'lr': 0.02, 't0': 3}, 'Adafactor': {'lr': 0.02, 'beta2_decay': -0.5}}[name]


def _make(lib, name, kw, ps):
    spec = [{'params': ps[:2]}, dict(params=ps[2:], **_group2(name))]
    return getattr(lib.optim, name)(spec, **_kw(lib, kw))


def _steps(lib, ps, opt, G, start, stop):
    for t in range(start, stop):
        _set_grads(lib, ps, G, t)
        opt.step()


GRID = {
    'Adadelta': [dict(), dict(lr=0.5, rho=0.8, eps=1e-4), dict(weight_decay=0.1, maximize=True),
                 dict(lr_tensor=0.7, foreach=True, weight_decay=0.05), dict(rho=1.0), dict(foreach=False, rho=0.0)],
    'Rprop': [dict(), dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2)), dict(maximize=True, foreach=True),
              dict(lr_tensor=0.02, maximize=True), dict(step_sizes=(0.5, 0.1)), dict(foreach=False)],
    'ASGD': [dict(), dict(lr=0.05, t0=10, lambd=0.01, alpha=0.6), dict(weight_decay=0.1, maximize=True, t0=5),
             dict(foreach=True, t0=10, lambd=0.01), dict(foreach=True, weight_decay=0.1, maximize=True, t0=5),
             dict(foreach=False, t0=3, lambd=0.05, alpha=1.0), dict(lr_tensor=0.05, t0=5),
             dict(lr_tensor=0.05, t0=5, foreach=True)],
    'Adafactor': [dict(), dict(lr=0.05, beta2_decay=-0.5, d=1.5, eps=(1e-20, 1e-2)),
                  dict(weight_decay=0.1, maximize=True), dict(foreach=True, weight_decay=0.05),
                  dict(lr_tensor=0.02, eps=(1e-4, 1e-3)), dict(lr=0.5, d=1.0, eps=(None, 0.0))],
}
CASES = [(n, kw) for n, kws in GRID.items() for kw in kws]
IDS = [f'{n}-' + ','.join(f'{k}={v}' for k, v in kw.items()) for n, kw in CASES]


def _state(opt):
    sd = opt.state_dict()
    return sd, [list(s) for s in sd['state'].values()], [list(g) for g in sd['param_groups']]


@pytest.mark.parametrize('dt', [np.float32, np.float64], ids=['f32', 'f64'])
@pytest.mark.parametrize('name,kw', CASES, ids=IDS)
def test_trajectory_and_state_dict(name, kw, dt):
    """STEPS steps from the same start: parameters, the whole state_dict (values, dtypes, shapes;
    the state's and groups' key order) after the first step and at the end."""
    init, G = _data(dt, STEPS)

    def body(lib):
        ps = [lib.tensor(a.copy(), requires_grad=True) for a in init]
        opt = _make(lib, name, kw, ps)
        sd0 = _state(opt)
        _steps(lib, ps, opt, G, 0, 1)
        sd1 = copy.deepcopy(_state(opt))
        _steps(lib, ps, opt, G, 1, STEPS)
        return [p.detach() for p in ps], sd0, sd1, _state(opt), [len(opt.state[p]) for p in ps]
    t, e = run_both(body, **_tol(name, dt))
    assert e[1][1:] == t[1][1:] and e[3][1:] == t[3][1:] and e[4] == t[4]


@pytest.mark.parametrize('name,kw', [(n, kws[i]) for n, kws in GRID.items() for i in (1, 2)],
                         ids=[f'{n}-{i}' for n in GRID for i in (1, 2)])
def test_load_state_dict_continues(name, kw):
    """15 steps; a fresh optimizer (other hyper-parameters) on copies of the parameters loads a
    deep copy of the state dict; 15 more steps on both: the same as 30 steps in torch, and ember's
    two continuations are identical."""
    dt = np.float32
    init, G = _data(dt, STEPS)

    def body(lib):
        ps = [lib.tensor(a.copy(), requires_grad=True) for a in init]
        opt = _make(lib, name, kw, ps)
        _steps(lib, ps, opt, G, 0, 15)
        sd = copy.deepcopy(opt.state_dict())
        ps2 = [lib.tensor(_host(p), requires_grad=True) for p in ps]
        opt2 = getattr(lib.optim, name)([{'params': ps2[:2]}, {'params': ps2[2:]}], lr=0.5)
        opt2.load_state_dict(sd)
        loaded = copy.deepcopy(opt2.state_dict())
        _steps(lib, ps, opt, G, 15, STEPS)
        _steps(lib, ps2, opt2, G, 15, STEPS)
        return [p.detach() for p in ps], [p.detach() for p in ps2], loaded, opt2.state_dict()
    t, e = run_both(body, **_tol(name, dt))
    for a, b in zip(e[0], e[1]):
        np.testing.assert_array_equal(_host(a), _host(b))


@pytest.mark.parametrize('dt', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(GRID))
def test_state_dtype_follows_default_dtype(name, dt):
    def body(lib):
        old = lib.get_default_dtype()
        lib.set_default_dtype(getattr(lib, dt))
        try:
            p = lib.tensor([[1., 2.], [3., 4.]], dtype=lib.float32, requires_grad=True)
            q = lib.tensor([1., -2.], dtype=lib.float32, requires_grad=True)
            opt = getattr(lib.optim, name)([p, q])
            for _ in range(3):
                p.grad = lib.tensor([[0.1, 0.2], [-0.3, 0.4]], dtype=lib.float32)
                q.grad = lib.tensor([0.5, -0.25], dtype=lib.float32)
                opt.step()
            return opt.state_dict(), p.detach(), q.detach()
        finally:
            lib.set_default_dtype(old)
    run_both(body, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize('name', list(GRID) + ['LBFGS'])
def test_repr_defaults_and_param_groups(name):
    def body(lib):
        a = lib.tensor([1.], requires_grad=True)
        b = lib.tensor([2.], requires_grad=True)
        if name == 'LBFGS':
            opt = lib.optim.LBFGS([a, b], lr=0.5)
        else:
            opt = getattr(lib.optim, name)([{'params': [a]}, {'params': [b], 'lr': 0.5}])
        return (repr(opt), opt.defaults, [{k: v for k, v in g.items() if k != 'params'} for g in opt.param_groups],
                [list(g) for g in opt.param_groups])
    assert body(ember) == body(torch)


def test_exported_like_torch():
    for name in ('Adadelta', 'Rprop', 'ASGD', 'LBFGS', 'Adafactor'):
        assert name in ember.optim.__all__ and issubclass(getattr(ember.optim, name), ember.optim.Optimizer)
    for mod in ('adadelta', 'rprop', 'asgd', 'lbfgs', '_adafactor'):
        assert hasattr(torch.optim, mod) == hasattr(ember.optim, mod)
    import importlib
    for mod, fn in (('adadelta', 'adadelta'), ('rprop', 'rprop'), ('asgd', 'asgd'), ('lbfgs', 'LBFGS'),
                    ('_adafactor', 'adafactor')):
        assert callable(getattr(importlib.import_module('ember.optim.' + mod), fn))


# ---------------------------------------------------------------- LBFGS
def _lbfgs_problem(lib, dt, kw, steps):
    """A smooth non-quadratic objective on two parameters (elementwise, so that the gradients are
    the same in both libraries); returns the losses step() gave and the end state."""
    rng = np.random.default_rng(3)
    A = [lib.tensor(rng.uniform(0.5, 3, s).astype(dt)) for s in ((3, 4), (5,))]
    B = [lib.tensor(rng.standard_normal(s).astype(dt)) for s in ((3, 4), (5,))]
    ps = [lib.tensor(rng.standard_normal(s).astype(dt), requires_grad=True) for s in ((3, 4), (5,))]
    opt = lib.optim.LBFGS(ps, **_kw(lib, kw))
    calls = []

    def closure():
        calls.append(lib.is_grad_enabled())
        opt.zero_grad()
        loss = sum(((a * p * p) + b * p + 0.1 * p ** 4).sum() for a, b, p in zip(A, B, ps))
        loss.backward()
        return loss
    with lib.no_grad():          # step runs the closure with grad enabled
        losses = [opt.step(closure).item() for _ in range(steps)]
    return losses, [p.detach() for p in ps], opt.state_dict(), all(calls), len(calls)


LBFGS_GRID = [dict(max_iter=3), dict(line_search_fn='strong_wolfe', max_iter=3),
              dict(lr=0.5, history_size=2, max_iter=4), dict(line_search_fn='strong_wolfe', history_size=3, max_iter=5,
                                                             max_eval=6),
              dict(lr_tensor=0.8, max_iter=3, tolerance_change=1e-12)]


@pytest.mark.parametrize('kw', LBFGS_GRID, ids=[','.join(f'{k}={v}' for k, v in kw.items()) for kw in LBFGS_GRID])
def test_lbfgs_float64(kw):
    """float64, 4 steps (12-20 iterations, with the line search several function evaluations
    each): the losses step() returns, parameters and the whole state (d, t, the history,
    H_diag, func_evals, n_iter, ...)."""
    def body(lib):
        return _lbfgs_problem(lib, np.float64, kw, 4)
    t, e = run_both(body, rtol=1e-9, atol=1e-12)
    assert t[3] is True and t[2]['state'][0]['n_iter'] >= 8


@pytest.mark.parametrize('kw', LBFGS_GRID, ids=[str(i) for i in range(len(LBFGS_GRID))])
def test_lbfgs_float32(kw):
    """float32, 2 steps (1 with the short line search): ember's float32 dot products and sums add
    in another order than torch's, hence the tolerance; later, a last-bit difference in a loss
    can flip a line-search decision."""
    def body(lib):
        losses, ps, sd, grad_on, n = _lbfgs_problem(lib, np.float32, kw, 1 if 'max_eval' in kw else 2)
        st = sd['state'][0]
        return losses, ps, st['d'], st['prev_flat_grad'], st['n_iter'], st['func_evals'], sorted(st), n
    run_both(body, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('line_search_fn', [None, 'strong_wolfe'])
def test_lbfgs_rosenbrock_float64(line_search_fn):
    """The Rosenbrock function (curved valley: the line search brackets and zooms), float64."""
    def body(lib):
        x = lib.tensor([-1.2, 1.0, -0.5, 0.8], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.LBFGS([x], lr=0.1 if line_search_fn is None else 1, history_size=5, max_iter=10,
                              line_search_fn=line_search_fn)

        def closure():
            opt.zero_grad()
            loss = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
            loss.backward()
            return loss
        losses = [opt.step(closure).item() for _ in range(3)]
        st = opt.state_dict()['state'][0]
        return losses, x.detach(), st
    # (the valley is ill-conditioned: last-bit differences in the sums grow to ~1e-11 in 3 steps)
    t, e = run_both(body, rtol=1e-8, atol=1e-9)
    if line_search_fn:
        assert t[2]['func_evals'] > t[2]['n_iter']      # the line search evaluated more than once


def test_lbfgs_load_state_dict_continues():
    def body(lib):
        kw = dict(line_search_fn='strong_wolfe', history_size=3, max_iter=4)
        rng = np.random.default_rng(5)
        A = lib.tensor(rng.uniform(0.5, 3, 6))
        p = lib.tensor(rng.standard_normal(6), requires_grad=True)
        opt = lib.optim.LBFGS([p], **kw)

        def closure_for(o, q):
            def closure():
                o.zero_grad()
                loss = (A * q * q + 0.1 * q ** 4 - q).sum()
                loss.backward()
                return loss
            return closure
        opt.step(closure_for(opt, p))
        q = lib.tensor(_host(p), requires_grad=True)
        opt2 = lib.optim.LBFGS([q], **kw)
        opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
        opt.step(closure_for(opt, p))
        opt2.step(closure_for(opt2, q))
        return p.detach(), q.detach(), opt2.state_dict()
    t, e = run_both(body, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(_host(e[0]), _host(e[1]))


def test_lbfgs_stops_at_optimum_and_returns_first_loss():
    def body(lib):
        p = lib.tensor([0., 0.], requires_grad=True)
        opt = lib.optim.LBFGS([p])
        n = []

        def closure():
            n.append(1)
            opt.zero_grad()
            loss = (p * p).sum() + 3.0
            loss.backward()
            return loss
        loss = opt.step(closure)
        return loss.detach(), len(n), opt.state_dict()['state'][0], p.detach()
    run_both(body, rtol=0, atol=0)


# ---------------------------------------------------------------- errors
from test_optim import _err, _p  # noqa: E402  (the same helpers)


def _step(lib, cls, **kw):
    p = _p(lib)
    p.grad = lib.tensor([1.])
    cls([p], **kw).step()


def _lbfgs_step(lib, **kw):
    p = _p(lib)
    opt = lib.optim.LBFGS([p], **kw)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    opt.step(closure)


ERRORS = {
    'adadelta-lr': lambda lib: lib.optim.Adadelta([_p(lib)], lr=-1.0),
    'adadelta-rho': lambda lib: lib.optim.Adadelta([_p(lib)], rho=1.5),
    'adadelta-rho-neg': lambda lib: lib.optim.Adadelta([_p(lib)], rho=-0.1),
    'adadelta-eps': lambda lib: lib.optim.Adadelta([_p(lib)], eps=-1e-6),
    'adadelta-wd': lambda lib: lib.optim.Adadelta([_p(lib)], weight_decay=-0.1),
    'adadelta-lr-tensor': lambda lib: lib.optim.Adadelta([_p(lib)], lr=lib.tensor([1., 2.])),
    'adadelta-capturable-cpu': lambda lib: _step(lib, lib.optim.Adadelta, capturable=True),
    'adadelta-capturable-foreach-cpu': lambda lib: _step(lib, lib.optim.Adadelta, capturable=True, foreach=True),
    'rprop-lr': lambda lib: lib.optim.Rprop([_p(lib)], lr=-0.1),
    'rprop-etas': lambda lib: lib.optim.Rprop([_p(lib)], etas=(0.5, 0.9)),
    'rprop-etas-minus': lambda lib: lib.optim.Rprop([_p(lib)], etas=(1.0, 1.2)),
    'rprop-etas-zero': lambda lib: lib.optim.Rprop([_p(lib)], etas=(0.0, 1.2)),
    'rprop-capturable-cpu': lambda lib: _step(lib, lib.optim.Rprop, capturable=True),
    'rprop-capturable-foreach-cpu': lambda lib: _step(lib, lib.optim.Rprop, capturable=True, foreach=True),
    'asgd-lr': lambda lib: lib.optim.ASGD([_p(lib)], lr=-0.1),
    'asgd-wd': lambda lib: lib.optim.ASGD([_p(lib)], weight_decay=-0.1),
    'asgd-lr-tensor': lambda lib: lib.optim.ASGD([_p(lib)], lr=lib.tensor([0.1, 0.2])),
    'asgd-capturable-cpu': lambda lib: _step(lib, lib.optim.ASGD, capturable=True),
    'asgd-capturable-foreach-cpu': lambda lib: _step(lib, lib.optim.ASGD, capturable=True, foreach=True),
    'lbfgs-lr': lambda lib: lib.optim.LBFGS([_p(lib)], lr=-1),
    'lbfgs-groups': lambda lib: lib.optim.LBFGS([{'params': [_p(lib)]}, {'params': [_p(lib)]}]),
    'lbfgs-no-closure': lambda lib: lib.optim.LBFGS([_p(lib)]).step(),
    'lbfgs-line-search': lambda lib: _lbfgs_step(lib, line_search_fn='armijo'),
    'lbfgs-empty': lambda lib: lib.optim.LBFGS([]),
    'adafactor-lr': lambda lib: lib.optim.Adafactor([_p(lib)], lr=-0.1),
    'adafactor-beta2-decay': lambda lib: lib.optim.Adafactor([_p(lib)], beta2_decay=0.5),
    'adafactor-eps1': lambda lib: lib.optim.Adafactor([_p(lib)], eps=(-1.0, 1e-3)),
    'adafactor-eps2': lambda lib: lib.optim.Adafactor([_p(lib)], eps=(None, -1e-3)),
    'adafactor-d': lambda lib: lib.optim.Adafactor([_p(lib)], d=0.5),
    'adafactor-wd': lambda lib: lib.optim.Adafactor([_p(lib)], weight_decay=-0.1),
    'adafactor-lr-tensor': lambda lib: lib.optim.Adafactor([_p(lib)], lr=lib.tensor([0.1, 0.2])),
}


@pytest.mark.parametrize('case', list(ERRORS))
def test_errors(case):
    t, e = _err(torch, ERRORS[case]), _err(ember, ERRORS[case])
    assert t is not None, 'torch accepted it'
    assert e == t


@pytest.mark.parametrize('name', list(GRID))
def test_step_with_closure_and_no_grad_params(name):
    def body(lib):
        rng = np.random.default_rng(7)
        X = lib.tensor(rng.standard_normal((8, 3)).astype(np.float32))
        w = lib.tensor(rng.standard_normal((3, 1)).astype(np.float32), requires_grad=True)
        unused = lib.tensor([1., 2.], requires_grad=True)
        opt = getattr(lib.optim, name)([w, unused])
        seen = []

        def closure():
            seen.append(lib.is_grad_enabled())
            opt.zero_grad()
            loss = ((X @ w) ** 2).mean()
            loss.backward()
            return loss
        with lib.no_grad():
            losses = [opt.step(closure).item() for _ in range(5)]
        return losses, w.detach(), unused.detach(), len(opt.state), all(seen), w.grad_fn is None
    run_both(body, rtol=1e-5, atol=1e-6)


def test_step_bumps_versions():
    for name in GRID:
        for lib in LIBS:
            p = lib.tensor([1., 2.], requires_grad=True)
            y = (p * p).sum()
            p.grad = lib.tensor([1., 1.])
            getattr(lib.optim, name)([p]).step()
            with pytest.raises(RuntimeError, match='modified by an inplace operation'):
                y.backward()


def test_duplicate_params_warn():
    out = []
    for lib in LIBS:
        p = _p(lib)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            lib.optim.Rprop([p, p])
        out.append([(x.category, str(x.message)) for x in w])
    assert out[0] == out[1] and len(out[0]) == 1
