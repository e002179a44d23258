"""Muon (ember/optim/_muon.py) against torch.optim.Muon: the same 2-D parameters and gradient
sequence in both libraries, several steps over hyper-parameter variants, then parameters, momentum
buffers and state_dict compared; constructor and step errors compared (type and message).

torch runs the Newton-Schulz iterations in bfloat16 and ember emulates bfloat16's rounding in
float32. Each step's rounding matches torch's (checked op by op), but the float32 sums inside the
products run in another order, so now and then an element lands on the other side of a bfloat16
rounding boundary and the flip spreads through the later iterations: the update then differs by a
bfloat16 ulp or two (2^-7 relative) in some elements, the parameter by that times lr (measured: up
to 5.5e-5 after four steps at lr 0.02). Hence atol 3e-4 for lr <= 0.05; a wrong formula (Nesterov
or not, the lr adjustment, weight decay) moves parameters by 1e-2 or more. The bodies run through the
conformance harness, so they also run on the ``cuda`` axis."""
import numpy as np
import pytest

from conformance import run_both

torch = pytest.importorskip('torch')
import ember  # noqa: E402

SHAPES = [(8, 5), (5, 8), (6, 6), (64, 32), (3, 4)]      # the last one never gets a gradient
TOL = dict(rtol=1e-4, atol=3e-4)


def _data(steps, seed=0):
    rng = np.random.default_rng(seed)
    w = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    g = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES[:-1]] for _ in range(steps)]
    return w, g


def _train(lib, kw, steps=4, groups=False):
    w, gs = _data(steps)
    ps = [lib.nn.Parameter(lib.tensor(a)) for a in w]
    params = [{'params': ps[:2], 'lr': 0.05}, {'params': ps[2:]}] if groups else ps
    opt = lib.optim.Muon(params, **kw)
    for g in gs:
        opt.zero_grad()
        for p, a in zip(ps, g):
            p.grad = lib.tensor(a)
        opt.step()
    sd = opt.state_dict()
    bufs = [sd['state'][i]['momentum_buffer'] for i in sorted(sd['state'])]
    hyper = [{k: v for k, v in grp.items() if k != 'params'} for grp in sd['param_groups']]
    return [p.detach() for p in ps], bufs, hyper, sorted(sd['state'])


@pytest.mark.parametrize('kw', [
    dict(lr=0.02), dict(lr=0.02, nesterov=False), dict(lr=0.02, momentum=0.0),
    dict(lr=0.01, weight_decay=0.0, adjust_lr_fn='match_rms_adamw'), dict(lr=0.01, adjust_lr_fn='original'),
    dict(lr=0.02, ns_steps=2, eps=1e-3), dict(lr=0.02, ns_coefficients=(2.0, -1.5, 0.5)), dict()],
    ids=lambda kw: ','.join(f'{k}={v}' for k, v in kw.items()) or 'defaults')
def test_trajectory_and_state(kw):
    run_both(lambda lib: _train(lib, kw), **TOL)


def test_param_groups_and_tensor_lr():
    run_both(lambda lib: _train(lib, dict(lr=0.02), groups=True), **TOL)
    run_both(lambda lib: _train(lib, dict(lr=lib.tensor(0.02)))[0], **TOL)


def test_load_state_dict_continues():
    def body(lib):
        w, gs = _data(6)
        ps = [lib.nn.Parameter(lib.tensor(a)) for a in w[:2]]
        opt = lib.optim.Muon(ps, lr=0.03)
        for g in gs[:3]:
            for p, a in zip(ps, g):
                p.grad = lib.tensor(a)
            opt.step()
        ps2 = [lib.nn.Parameter(p.detach().clone()) for p in ps]
        opt2 = lib.optim.Muon(ps2, lr=0.5)
        opt2.load_state_dict(opt.state_dict())
        for g in gs[3:]:
            for p, a in zip(ps2, g):
                p.grad = lib.tensor(a)
            opt2.step()
        return [p.detach() for p in ps2], opt2.param_groups[0]['lr']
    run_both(body, **TOL)


def test_update_is_nearly_orthogonal():
    """The orthogonalized update of a random matrix has singular values near 1 (Keller Jordan's
    iteration leaves them in roughly (0.5, 1.5)): the update is what Muon is for."""
    rng = np.random.default_rng(1)
    g = rng.standard_normal((16, 32)).astype(np.float32)
    p = ember.nn.Parameter(ember.zeros(16, 32))
    opt = ember.optim.Muon([p], lr=1.0, weight_decay=0.0, momentum=0.0)
    p.grad = ember.tensor(g)
    opt.step()
    s = np.linalg.svd(-p.detach().numpy(), compute_uv=False)
    assert 0.5 < s.min() and s.max() < 1.5


@pytest.mark.parametrize('case', ['1d', '3d', 'lr', 'momentum', 'wd', 'adjust', 'tensor_lr'])
def test_constructor_errors(case):
    def body(lib):
        p2 = lib.nn.Parameter(lib.ones(2, 2))
        if case == '1d':
            return lib.optim.Muon([p2, lib.nn.Parameter(lib.ones(3))])
        if case == '3d':
            return lib.optim.Muon([lib.nn.Parameter(lib.ones(2, 2, 2))])
        kw = {'lr': dict(lr=-1.0), 'momentum': dict(momentum=-0.1), 'wd': dict(weight_decay=-1.0),
              'adjust': dict(adjust_lr_fn='rms'), 'tensor_lr': dict(lr=lib.tensor([0.1, 0.2]))}[case]
        return lib.optim.Muon([p2], **kw)
    run_both(body, match='.')


@pytest.mark.parametrize('case', ['ns_steps', 'coefficients', 'complex'])
def test_step_errors_leave_state_unchanged(case):
    def body(lib):
        dt = lib.complex64 if case == 'complex' else lib.float32
        p = lib.nn.Parameter(lib.ones(3, 2, dtype=dt))
        kw = {'ns_steps': dict(ns_steps=100), 'coefficients': dict(ns_coefficients=(1.0, 2.0)),
              'complex': {}}[case]
        opt = lib.optim.Muon([p], **kw)
        p.grad = lib.ones(3, 2, dtype=dt)
        opt.step()
    tv, ev = run_both(body)
    assert str(ev) == str(tv)
