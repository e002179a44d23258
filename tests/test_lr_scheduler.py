"""ember.optim.lr_scheduler against torch's: each scheduler's learning-rate (and momentum)
sequence over 50 steps, get_last_lr, state_dict round trips, warnings and errors."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip('torch')
import ember  # noqa: E402

LIBS = (torch, ember)
STEPS = 50


def _opt(lib, cls='SGD', **kw):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0], requires_grad=True)
    kw = kw or ({'momentum': 0.9} if cls == 'SGD' else {})
    return getattr(lib.optim, cls)([{'params': [a]}, {'params': [b], 'lr': 0.05}], lr=0.1, **kw)


def _snapshot(opt, sched):
    groups = [(g['lr'], g.get('momentum'), g.get('betas')) for g in opt.param_groups]
    return list(sched.get_last_lr()), groups


def _run(lib, make, steps=STEPS, cls='SGD', opt_kw=None):
    opt = _opt(lib, cls, **(opt_kw or {}))
    sched = make(lib, opt)
    seq = [_snapshot(opt, sched)]
    for _ in range(steps):
        opt.step()
        sched.step()
        seq.append(_snapshot(opt, sched))
    return seq


def _close(e, t, path='seq'):
    """Python floats equal to the last bits (torch's and ember's formulas are the same Python code,
    so equality is expected; allow 1 ulp-ish for safety against reassociation)."""
    if isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t), f'{path}: {e!r} != torch {t!r}'
        for i, (a, b) in enumerate(zip(e, t)):
            _close(a, b, f'{path}[{i}]')
    elif isinstance(t, float):
        assert isinstance(e, (float, int)) and e == pytest.approx(t, rel=1e-13, abs=1e-15), f'{path}: {e} != {t}'
    else:
        assert e == t, f'{path}: {e!r} != torch {t!r}'


LS = {
    'StepLR': lambda lib, o: lib.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
    'StepLR-default-gamma': lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 3),
    'MultiStepLR': lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    'ExponentialLR': lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.93),
    'CosineAnnealingLR': lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    'CosineAnnealingLR-long': lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=60),
    'CosineAnnealingWarmRestarts': lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=7, T_mult=2, eta_min=0.01),
    'CosineAnnealingWarmRestarts-T1': lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5),
    'LambdaLR': lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, lambda e: 0.95 ** e),
    'LambdaLR-list': lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    'MultiplicativeLR': lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.97),
    'LinearLR': lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=10),
    'LinearLR-decay': lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                                                     total_iters=30),
    'ConstantLR': lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=8),
    'ConstantLR-default': lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o),
    'PolynomialLR': lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o, total_iters=20, power=2.0),
    'OneCycleLR': lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=51),
    'OneCycleLR-linear-3phase': lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.8, epochs=5, steps_per_epoch=11, anneal_strategy='linear', three_phase=True, pct_start=0.25),
    'OneCycleLR-no-momentum': lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.3, total_steps=60, cycle_momentum=False, div_factor=10.0, final_div_factor=100.0),
    'CyclicLR': lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5),
    'CyclicLR-triangular2': lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4, step_size_down=6, mode='triangular2'),
    'CyclicLR-exp_range': lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode='exp_range', gamma=0.97, base_momentum=0.7),
    'CyclicLR-scale_fn': lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=4, scale_fn=lambda x: 0.9 ** x, scale_mode='iterations',
        cycle_momentum=False),
    'SequentialLR': lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5),
            lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    'SequentialLR-3': lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.ConstantLR(o, factor=0.3, total_iters=4),
            lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10),
            lib.optim.lr_scheduler.StepLR(o, step_size=5, gamma=0.5)], milestones=[6, 20]),
    'ChainedScheduler': lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ConstantLR(o, factor=0.1, total_iters=3),
         lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)]),
    'ChainedScheduler-optimizer': lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
         lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=12)], optimizer=o),
}
ADAM_LS = ['OneCycleLR', 'CyclicLR', 'CyclicLR-exp_range', 'CosineAnnealingLR', 'ExponentialLR']


@pytest.mark.parametrize('case', list(LS))
def test_sequence(case):
    _close(_run(ember, LS[case]), _run(torch, LS[case]))


@pytest.mark.parametrize('case', ADAM_LS)
def test_sequence_with_adam_betas(case):
    _close(_run(ember, LS[case], cls='Adam'), _run(torch, LS[case], cls='Adam'))


def test_scheduler_writes_param_group_lr_and_initial_lr():
    def body(lib):
        opt = _opt(lib)
        s = lib.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
        return ([sorted(g) for g in opt.param_groups], [g['initial_lr'] for g in opt.param_groups], s.base_lrs,
                s.last_epoch, s._step_count)
    assert body(ember) == body(torch)


# ---------------------------------------------------------------- ReduceLROnPlateau
def _metrics(n=60):
    rng = np.random.default_rng(0)
    return [float(x) for x in 1.0 / (1 + 0.3 * np.minimum(np.arange(n), 15)) + 0.002 * rng.standard_normal(n)]


PLATEAU = [dict(), dict(patience=2), dict(patience=3, cooldown=2, factor=0.5), dict(threshold=0.05, patience=1),
           dict(threshold_mode='abs', threshold=0.01, patience=2), dict(mode='max', patience=2),
           dict(mode='max', threshold_mode='abs', patience=0, factor=0.8), dict(patience=1, min_lr=[0.02, 0.001]),
           dict(patience=0, min_lr=0.01, eps=1e-3)]


@pytest.mark.parametrize('kw', PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau(kw):
    def body(lib):
        opt = _opt(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        out = [(list(s.get_last_lr()), s.best, s.num_bad_epochs, s.cooldown_counter, s.last_epoch)]
        for m in _metrics():
            opt.step()
            s.step(lib.tensor(m) if len(out) % 2 else m)       # a tensor metric works too
            out.append(([g['lr'] for g in opt.param_groups], list(s.get_last_lr()), s.best, s.num_bad_epochs,
                        s.cooldown_counter, s.last_epoch, s.in_cooldown))
        return out
    t, e = body(torch), body(ember)
    _close(e, t)


def test_reduce_lr_on_plateau_state_dict():
    def body(lib):
        opt = _opt(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, mode='max')
        for m in [1, 2, 2, 2, 2]:
            s.step(m)
        sd = s.state_dict()
        s2 = lib.optim.lr_scheduler.ReduceLROnPlateau(_opt(lib))
        s2.load_state_dict(sd)
        return sorted(sd), s2.mode, s2.mode_worse, s2.best, s2.num_bad_epochs, s2.patience, s2.last_epoch
    assert body(ember) == body(torch)


# ---------------------------------------------------------------- state dicts
def _plain_sd(sd):
    return {k: (_plain_sd(v) if isinstance(v, dict) else [_plain_sd(x) if isinstance(x, dict) else x for x in v]
                if isinstance(v, list) else v)
            for k, v in sd.items() if not callable(v)}


@pytest.mark.parametrize('case', ['StepLR', 'MultiStepLR', 'CosineAnnealingLR', 'CosineAnnealingWarmRestarts',
                                  'LambdaLR', 'OneCycleLR', 'CyclicLR', 'SequentialLR-3', 'ChainedScheduler',
                                  'LinearLR', 'PolynomialLR'])
def test_state_dict_round_trip(case):
    """20 steps; a fresh optimizer + scheduler load both state dicts; 20 more steps give what 40
    uninterrupted steps give (torch's sequence), and the state dict's keys and values are torch's."""
    def body(lib):
        opt = _opt(lib)
        s = LS[case](lib, opt)
        for _ in range(20):
            opt.step()
            s.step()
        sd, osd = s.state_dict(), opt.state_dict()
        opt2 = _opt(lib)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            s2 = LS[case](lib, opt2)
        s2.load_state_dict(sd)
        opt2.load_state_dict(osd)
        seq = []
        for _ in range(20):
            opt2.step()
            s2.step()
            seq.append(_snapshot(opt2, s2))
        return _plain_sd(sd), seq

    def full(lib):
        return _run(lib, LS[case], steps=40)[21:]
    t, e = body(torch), body(ember)
    assert sorted(e[0]) == sorted(t[0])
    _close(e[0], t[0])
    _close(e[1], t[1])
    _close(e[1], full(torch))


# ---------------------------------------------------------------- step(epoch), warnings
@pytest.mark.parametrize('case', ['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR',
                                  'ConstantLR', 'PolynomialLR', 'LambdaLR', 'CosineAnnealingWarmRestarts'])
def test_step_with_epoch_uses_closed_form_and_warns(case):
    def body(lib):
        opt = _opt(lib)
        s = LS[case](lib, opt)
        out = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            for ep in [3, 4, 10, 2, 25, 26, 9]:
                opt.step()
                s.step(ep)
                out.append((list(s.get_last_lr()), s.last_epoch))
        msgs = sorted({str(x.message) for x in w})
        return out, msgs
    t, e = body(torch), body(ember)
    _close(e[0], t[0])
    assert e[1] == t[1]
    assert bool(e[1]) == (case != 'CosineAnnealingWarmRestarts')      # its own step() does not warn


def test_cosine_warm_restarts_fractional_epochs():
    def body(lib):
        opt = _opt(lib)
        s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            for i in range(40):
                s.step(i * 0.37)
                out.append((list(s.get_last_lr()), s.T_cur, s.T_i, s.last_epoch))
        return out
    _close(body(ember), body(torch))


def _warnings_of(lib, fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        fn(lib)
    return [(x.category.__name__, str(x.message)) for x in w]


WARN_CASES = {
    'sched-before-opt': lambda lib: (lambda o: lib.optim.lr_scheduler.StepLR(o, 1).step())(_opt(lib)),
    'right-order': lambda lib: (lambda o, s: (o.step(), s.step(), s.step()))(
        *(lambda o: (o, lib.optim.lr_scheduler.StepLR(o, 1)))(_opt(lib))),
    'get_lr-outside-step': lambda lib: lib.optim.lr_scheduler.ExponentialLR(_opt(lib), 0.9).get_lr(),
    'step-overridden': lambda lib: (lambda o: (lambda s: (setattr(o, 'step', lambda: None), s.step()))(
        lib.optim.lr_scheduler.StepLR(o, 1)))(_opt(lib)),
    'plateau-epoch': lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_opt(lib)).step(1.0, 3),
}


@pytest.mark.parametrize('case', list(WARN_CASES))
def test_warnings(case):
    t, e = _warnings_of(torch, WARN_CASES[case]), _warnings_of(ember, WARN_CASES[case])
    assert e == t
    if case != 'right-order':
        assert t


def test_optimizer_step_is_wrapped_once():
    for lib in LIBS:
        opt = _opt(lib)
        lib.optim.lr_scheduler.StepLR(opt, 1)
        lib.optim.lr_scheduler.ExponentialLR(opt, 0.9)
        assert opt.step._wrapped_by_lr_sched
        assert not getattr(opt, '_opt_called', False)
        opt.step()
        assert opt._opt_called


# ---------------------------------------------------------------- errors
def _err(lib, fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            fn(lib)
    except Exception as exc:   # noqa: BLE001
        return type(exc).__name__, str(exc)
    return None


LRS = lambda lib: lib.optim.lr_scheduler  # noqa: E731
ERRORS = {
    'not-optimizer': lambda lib: LRS(lib).StepLR(object(), 3),
    'last-epoch-no-initial-lr': lambda lib: LRS(lib).StepLR(_opt(lib), 3, last_epoch=5),
    'constant-factor': lambda lib: LRS(lib).ConstantLR(_opt(lib), factor=1.5),
    'linear-start': lambda lib: LRS(lib).LinearLR(_opt(lib), start_factor=0),
    'linear-end': lambda lib: LRS(lib).LinearLR(_opt(lib), end_factor=1.5),
    'warm-T0': lambda lib: LRS(lib).CosineAnnealingWarmRestarts(_opt(lib), T_0=0),
    'warm-T0-float': lambda lib: LRS(lib).CosineAnnealingWarmRestarts(_opt(lib), T_0=2.0),
    'warm-Tmult': lambda lib: LRS(lib).CosineAnnealingWarmRestarts(_opt(lib), T_0=2, T_mult=0),
    'warm-eta': lambda lib: LRS(lib).CosineAnnealingWarmRestarts(_opt(lib), T_0=2, eta_min='x'),
    'warm-neg-epoch': lambda lib: LRS(lib).CosineAnnealingWarmRestarts(_opt(lib), T_0=2).step(-1),
    'onecycle-no-steps': lambda lib: LRS(lib).OneCycleLR(_opt(lib), max_lr=0.1),
    'onecycle-total': lambda lib: LRS(lib).OneCycleLR(_opt(lib), max_lr=0.1, total_steps=0),
    'onecycle-epochs': lambda lib: LRS(lib).OneCycleLR(_opt(lib), max_lr=0.1, epochs=-1, steps_per_epoch=3),
    'onecycle-spe': lambda lib: LRS(lib).OneCycleLR(_opt(lib), max_lr=0.1, epochs=2, steps_per_epoch=1.5),
    'onecycle-pct': lambda lib: LRS(lib).OneCycleLR(_opt(lib), max_lr=0.1, total_steps=10, pct_start=1),
    'onecycle-anneal': lambda lib: LRS(lib).OneCycleLR(_opt(lib), max_lr=0.1, total_steps=10, anneal_strategy='x'),
    'onecycle-maxlr-len': lambda lib: LRS(lib).OneCycleLR(_opt(lib), max_lr=[0.1], total_steps=10),
    'onecycle-no-momentum': lambda lib: LRS(lib).OneCycleLR(_opt(lib, 'Adagrad'), max_lr=0.1, total_steps=10),
    'onecycle-past-end': lambda lib: [s.step() for s in [LRS(lib).OneCycleLR(_opt(lib), max_lr=0.1, total_steps=3)]
                                      for _ in range(4)],
    'cyclic-mode': lambda lib: LRS(lib).CyclicLR(_opt(lib), 0.01, 0.1, mode='x'),
    'cyclic-no-momentum': lambda lib: LRS(lib).CyclicLR(_opt(lib, 'Adagrad'), 0.01, 0.1),
    'cyclic-not-optimizer': lambda lib: LRS(lib).CyclicLR(None, 0.01, 0.1),
    'plateau-factor': lambda lib: LRS(lib).ReduceLROnPlateau(_opt(lib), factor=1.0),
    'plateau-mode': lambda lib: LRS(lib).ReduceLROnPlateau(_opt(lib), mode='x'),
    'plateau-threshold-mode': lambda lib: LRS(lib).ReduceLROnPlateau(_opt(lib), threshold_mode='x'),
    'plateau-min-lr-len': lambda lib: LRS(lib).ReduceLROnPlateau(_opt(lib), min_lr=[0.1]),
    'plateau-not-optimizer': lambda lib: LRS(lib).ReduceLROnPlateau([1]),
    'plateau-new-group': lambda lib: (lambda o: (lambda s: (o.add_param_group({'params': [lib.tensor(
        [1.], requires_grad=True)]}), [s.step(1.0) for _ in range(3)]))(
        LRS(lib).ReduceLROnPlateau(o, min_lr=[0, 0], patience=0)))(_opt(lib)),
    'lambda-len': lambda lib: LRS(lib).LambdaLR(_opt(lib), [lambda e: 1.0]),
    'multiplicative-not-callable': lambda lib: LRS(lib).MultiplicativeLR(_opt(lib), 0.9),
    'sequential-empty': lambda lib: LRS(lib).SequentialLR(_opt(lib), [], []),
    'sequential-milestones': lambda lib: (lambda o: LRS(lib).SequentialLR(o, [LRS(lib).StepLR(o, 2)], [3]))(_opt(lib)),
    'sequential-plateau': lambda lib: (lambda o: LRS(lib).SequentialLR(
        o, [LRS(lib).ReduceLROnPlateau(o), LRS(lib).StepLR(o, 2)], [3]))(_opt(lib)),
    'sequential-no-optimizer-attr': lambda lib: LRS(lib).SequentialLR(_opt(lib), [object()], []),
    'chained-empty': lambda lib: LRS(lib).ChainedScheduler([]),
    'chained-plateau': lambda lib: LRS(lib).ChainedScheduler([LRS(lib).ReduceLROnPlateau(_opt(lib))]),
    'base-get_lr': lambda lib: LRS(lib).LRScheduler(_opt(lib)),
}


@pytest.mark.parametrize('case', list(ERRORS))
def test_errors(case):
    t, e = _err(torch, ERRORS[case]), _err(ember, ERRORS[case])
    assert t is not None, 'torch accepted it'
    assert e == t


def test_sequential_other_optimizer_error_type():
    # the message names the optimizer objects (their repr), so only compare up to that
    def body(lib):
        o1, o2 = _opt(lib), _opt(lib)
        try:
            lib.optim.lr_scheduler.SequentialLR(o1, [lib.optim.lr_scheduler.StepLR(o2, 2)], [])
        except ValueError as exc:
            return str(exc).split(' has ')[0]
    assert body(ember) == body(torch) is not None


def test_public_names():
    names = {n for n in dir(torch.optim.lr_scheduler) if not n.startswith('_') and
             isinstance(getattr(torch.optim.lr_scheduler, n), type) and
             issubclass(getattr(torch.optim.lr_scheduler, n), torch.optim.lr_scheduler.LRScheduler)}
    missing = {n for n in names if not hasattr(ember.optim.lr_scheduler, n)}
    assert missing == set()
    assert math.isinf(ember.optim.lr_scheduler.inf)
