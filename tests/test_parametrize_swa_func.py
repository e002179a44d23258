"""nn.utils.parametrize / parametrizations, the hook-based weight_norm / spectral_norm,
optim.swa_utils and ember.func, each body run with torch and with ember and compared."""
import copy
import warnings

import pytest

from conformance import DEVICE, run_both, torch  # noqa: F401
from torch_versions import torch_older_than_2_13


# Random draws come from the CPU generator, as torch's (the same seed gives the same numbers);
# on the cuda axis modules and inputs are made there and moved to the device.
def _on_cpu(lib, make):
    dev = lib.get_default_device()
    if dev.type == 'cpu':
        # (not set_default_device(dev): in torch any device set so, cpu too, installs a
        # TorchFunctionMode that outlives the test and changes where later warnings point)
        return make()
    lib.set_default_device('cpu')
    try:
        return make().to(dev)
    finally:
        lib.set_default_device(dev)


def _mk(lib, cls, *args, **kwargs):
    return _on_cpu(lib, lambda: cls(*args, **kwargs))


def _randn(lib, *shape):
    return _on_cpu(lib, lambda: lib.randn(*shape))


def _cpu_only():
    # the body draws random numbers on the device (power-iteration vectors, orthogonal's
    # completion of a rectangular matrix): torch's CUDA generator is not ember's
    if DEVICE[0] != 'cpu':
        pytest.skip('draws from the device generator, which differs from torch\'s on CUDA')


def _sd(m):
    return {k: v.detach().clone() for k, v in m.state_dict().items()}


def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric


def _split(lib):
    class Split(lib.nn.Module):      # right_inverse returns two tensors: original0, original1
        def forward(self, a, b):
            return a + b

        def right_inverse(self, X):
            return X * 0.25, X * 0.75
    return Split


def _train(lib, m, x, steps=3, lr=0.3):
    opt = lib.optim.SGD(m.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        (m(x) ** 2).sum().backward()
        opt.step()


# ------------------------------------------------------------------ parametrize
def test_register_parametrization_keys_repr_grads(both):
    def body(lib):
        P = lib.nn.utils.parametrize
        lib.manual_seed(0)
        m = _mk(lib, lib.nn.Linear, 3, 3)
        P.register_parametrization(m, 'weight', _symmetric(lib)())
        y = m(lib.ones(2, 3)).sum()
        y.backward()
        return (list(m.state_dict()), repr(m), type(m).__name__, m.weight, m.parametrizations.weight.original.grad,
                P.is_parametrized(m), P.is_parametrized(m, 'weight'), P.is_parametrized(m, 'bias'),
                P.type_before_parametrizations(m).__name__, [n for n, _ in m.named_parameters()])
    both(body)


def test_parametrize_remove_and_assign(both):
    def body(lib):
        P = lib.nn.utils.parametrize
        lib.manual_seed(0)
        out = []
        for leave in (True, False):
            m = _mk(lib, lib.nn.Linear, 3, 3)
            P.register_parametrization(m, 'weight', _symmetric(lib)())
            m.weight = lib.arange(9.).reshape(3, 3)       # through right_inverse
            out.append(m.parametrizations.weight.original.detach().clone())
            P.remove_parametrizations(m, 'weight', leave_parametrized=leave)
            out += [type(m).__name__, list(m.state_dict()), m.weight, hasattr(m, 'parametrizations')]
        return out
    both(body)


def test_parametrize_several_originals_and_chain(both):
    def body(lib):
        P = lib.nn.utils.parametrize
        lib.manual_seed(0)
        m = _mk(lib, lib.nn.Linear, 3, 3)
        P.register_parametrization(m, 'weight', _split(lib)())
        P.register_parametrization(m, 'weight', _symmetric(lib)())
        _train(lib, m, lib.ones(2, 3))
        return _sd(m), m.weight, repr(m)
    both(body)


def test_parametrize_buffer_cached_and_deepcopy(both):
    def body(lib):
        P = lib.nn.utils.parametrize
        m = _mk(lib, lib.nn.BatchNorm1d, 3)
        P.register_parametrization(m, 'running_var', _symmetric(lib)() if False else lib.nn.Identity())
        with P.cached():
            same = m.running_var is m.running_var
        m2 = copy.deepcopy(m)
        return same, m.running_var is m.running_var, list(m.state_dict()), list(m2.state_dict())
    both(body)


def test_parametrize_errors(both):
    P = lambda lib: lib.nn.utils.parametrize     # noqa: E731

    class Bad:
        pass
    both(lambda lib: P(lib).register_parametrization(_mk(lib, lib.nn.Linear, 2, 2), 'nope', lib.nn.Identity()))
    both(lambda lib: P(lib).remove_parametrizations(_mk(lib, lib.nn.Linear, 2, 2), 'weight'))

    def shape_change(lib):
        class Row(lib.nn.Module):
            def forward(self, X):
                return X[0]
        return P(lib).register_parametrization(_mk(lib, lib.nn.Linear, 2, 2), 'weight', Row())
    both(shape_change)

    def leave_split(lib):
        m = P(lib).register_parametrization(_mk(lib, lib.nn.Linear, 2, 2), 'weight', _split(lib)())
        return P(lib).remove_parametrizations(m, 'weight', leave_parametrized=False)
    both(leave_split)

    def no_inverse(lib):
        class Double(lib.nn.Module):
            def forward(self, X):
                return X * 2
        m = P(lib).register_parametrization(_mk(lib, lib.nn.Linear, 2, 2), 'weight', Double())
        m.weight = lib.ones(2, 2)
    both(no_inverse)

    def pickle_it(lib):
        import pickle
        pickle.dumps(P(lib).register_parametrization(_mk(lib, lib.nn.Linear, 2, 2), 'weight', lib.nn.Identity()))
    both(pickle_it)


# ------------------------------------------------------------------ parametrizations
@pytest.mark.parametrize('dim', [0, 1, None])
def test_weight_norm_parametrization(both, dim):
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.utils.parametrizations.weight_norm(_mk(lib, lib.nn.Conv2d, 2, 3, 3), dim=dim)
        keys = list(m.state_dict())
        g0 = m.parametrizations.weight.original0.detach().clone()
        _train(lib, m, lib.ones(1, 2, 5, 5), lr=0.01)
        return keys, g0, _sd(m), m.weight, repr(m)
    both(body, rtol=1e-4)


def test_weight_norm_loads_old_state_dict(both):
    def body(lib):
        lib.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            old = lib.nn.utils.weight_norm(_mk(lib, lib.nn.Linear, 3, 2))
        new = lib.nn.utils.parametrizations.weight_norm(_mk(lib, lib.nn.Linear, 3, 2))
        new.load_state_dict(old.state_dict())
        return new.weight, old.weight
    both(body)


@pytest.mark.parametrize('make', ['linear', 'conv', 'convt', 'iters'])
def test_spectral_norm_parametrization(both, make):
    _cpu_only()
    def body(lib):
        lib.manual_seed(0)
        sn = lib.nn.utils.parametrizations.spectral_norm
        if make == 'linear':
            m, x = sn(_mk(lib, lib.nn.Linear, 5, 4)), _randn(lib, 3, 5)
        elif make == 'conv':
            m, x = sn(_mk(lib, lib.nn.Conv2d, 2, 3, 3)), _randn(lib, 1, 2, 5, 5)
        elif make == 'convt':
            m, x = sn(_mk(lib, lib.nn.ConvTranspose2d, 2, 3, 3)), _randn(lib, 1, 2, 4, 4)
        else:
            m, x = sn(_mk(lib, lib.nn.Linear, 5, 4), n_power_iterations=3, eps=1e-6), _randn(lib, 3, 5)
        keys = list(m.state_dict())
        u0 = m.parametrizations.weight[0]._u.clone()
        _train(lib, m, x)
        trained = _sd(m)
        m.eval()
        return keys, u0, trained, m.weight, m(x), _sd(m), repr(m)
    both(body, rtol=1e-4)


def test_spectral_norm_parametrization_errors(both):
    sn = lambda lib: lib.nn.utils.parametrizations.spectral_norm    # noqa: E731
    both(lambda lib: sn(lib)(_mk(lib, lib.nn.Linear, 2, 2), 'nope'))
    both(lambda lib: sn(lib)(_mk(lib, lib.nn.Linear, 2, 2), n_power_iterations=0))
    both(lambda lib: sn(lib)(_mk(lib, lib.nn.Linear, 2, 2), dim=3))


@pytest.mark.parametrize('shape,kw', [((3, 3), {}), ((5, 3), {}), ((3, 5), {}), ((4, 4), {'orthogonal_map': 'cayley'}),
                                      ((4, 4), {'orthogonal_map': 'householder'}),
                                      ((5, 3), {'orthogonal_map': 'matrix_exp'}),
                                      ((5, 3), {'orthogonal_map': 'householder', 'use_trivialization': False}),
                                      ((3, 5), {'orthogonal_map': 'cayley', 'use_trivialization': False})])
def test_orthogonal(both, shape, kw):
    if shape[0] != shape[1] and kw.get('use_trivialization', True):
        _cpu_only()
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.utils.parametrizations.orthogonal(_mk(lib, lib.nn.Linear, shape[1], shape[0]), **kw)
        w0 = m.weight.detach().clone()
        _train(lib, m, _randn(lib, 2, shape[1]))
        w = m.weight
        eye = lib.eye(min(shape))
        gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
        return list(m.state_dict()), w0, w, _sd(m), bool(lib.allclose(gram, eye, atol=1e-5)), repr(m)
    both(body, rtol=1e-4, atol=1e-5)


def test_orthogonal_errors(both):
    orth = lambda lib: lib.nn.utils.parametrizations.orthogonal    # noqa: E731
    both(lambda lib: orth(lib)(_mk(lib, lib.nn.BatchNorm1d, 3)))
    both(lambda lib: orth(lib)(_mk(lib, lib.nn.Linear, 3, 3), orthogonal_map='svd'))

    def assign(lib):
        m = orth(lib)(_mk(lib, lib.nn.Linear, 3, 3), use_trivialization=False)
        m.weight = lib.eye(3)
    both(assign)


# ------------------------------------------------------------------ the hook-based API
def test_old_weight_norm(both):
    def body(lib):
        lib.manual_seed(0)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            m = lib.nn.utils.weight_norm(_mk(lib, lib.nn.Linear, 4, 3))
        warned = [(x.category.__name__, str(x.message)) for x in w]
        keys = list(m.state_dict())
        m(lib.ones(2, 4)).sum().backward()
        grads = (m.weight_g.grad, m.weight_v.grad)
        _train(lib, m, lib.ones(2, 4))
        lib.nn.utils.remove_weight_norm(m)
        return warned, keys, grads, list(m.state_dict()), m.weight, repr(m)
    both(body)


def test_old_weight_norm_dim_none_and_errors(both):
    def body(lib):
        lib.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            m = lib.nn.utils.weight_norm(_mk(lib, lib.nn.Conv1d, 2, 3, 3), dim=None)
        return m.weight_g, m(lib.ones(1, 2, 4))
    both(body)

    def twice(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            lib.nn.utils.weight_norm(lib.nn.utils.weight_norm(_mk(lib, lib.nn.Linear, 2, 2)))
    both(twice)
    both(lambda lib: lib.nn.utils.remove_weight_norm(_mk(lib, lib.nn.Linear, 2, 2)))


def test_old_spectral_norm(both):
    _cpu_only()
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.utils.spectral_norm(_mk(lib, lib.nn.Linear, 5, 3))
        keys = list(m.state_dict())
        _train(lib, m, lib.ones(2, 5))
        trained = (m.weight, m.weight_u.clone(), m.weight_v.clone())
        m.eval()
        y = m(lib.ones(1, 5))
        sd = m.state_dict()
        m2 = lib.nn.utils.spectral_norm(_mk(lib, lib.nn.Linear, 5, 3))
        m2.load_state_dict(sd)
        lib.nn.utils.remove_spectral_norm(m)
        return (keys, trained, y, m2.weight_v, list(m.state_dict()), m.weight, repr(m),
                (len(m._forward_pre_hooks), len(m._state_dict_hooks), len(m._load_state_dict_pre_hooks)))
    both(body, rtol=1e-4)


def test_old_spectral_norm_conv_transpose_and_errors(both):
    _cpu_only()
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.utils.spectral_norm(_mk(lib, lib.nn.ConvTranspose2d, 2, 3, 3))
        return m.weight_u, m(lib.ones(1, 2, 4, 4))
    both(body, rtol=1e-4)
    both(lambda lib: lib.nn.utils.spectral_norm(lib.nn.utils.spectral_norm(_mk(lib, lib.nn.Linear, 2, 2))))
    both(lambda lib: lib.nn.utils.remove_spectral_norm(_mk(lib, lib.nn.Linear, 2, 2)))
    both(lambda lib: lib.nn.utils.spectral_norm(_mk(lib, lib.nn.Linear, 2, 2, bias=False), name='bias'))


# ------------------------------------------------------------------ swa_utils
@pytest.mark.parametrize('kind', ['swa', 'ema_multi', 'ema', 'buffers', 'swa_fn', 'swa_multi'])
def test_averaged_model_and_swalr(both, kind):
    if kind == 'buffers' and DEVICE[0] != 'cpu':
        pytest.skip("torch's CUDA path averages all buffers with foreach kernels, which refuse BatchNorm's "
                    "integer num_batches_tracked; its CPU path (compared here) averages them one by one")
    def body(lib):
        sw = lib.optim.swa_utils
        lib.manual_seed(0)
        model = lib.nn.Sequential(_mk(lib, lib.nn.Linear, 3, 4), _mk(lib, lib.nn.BatchNorm1d, 4),
                                  _mk(lib, lib.nn.Linear, 4, 1))
        kw = {'swa': {}, 'ema_multi': dict(multi_avg_fn=sw.get_ema_multi_avg_fn(0.9)),
              'ema': dict(avg_fn=sw.get_ema_avg_fn(0.8)), 'buffers': dict(use_buffers=True),
              'swa_fn': dict(avg_fn=sw.get_swa_avg_fn()),
              'swa_multi': dict(multi_avg_fn=sw.get_swa_multi_avg_fn())}[kind]
        avg = sw.AveragedModel(model, **kw)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        sched = sw.SWALR(opt, swa_lr=0.05, anneal_epochs=3, anneal_strategy='cos' if kind == 'swa' else 'linear')
        lrs = []
        for i in range(4):
            opt.zero_grad()
            model(lib.ones(5, 3) * i).pow(2).sum().backward()
            opt.step()
            avg.update_parameters(model)
            sched.step()
            lrs.append(sched.get_last_lr())
        # (BatchNorm1d's repr shows ``bias=`` from torch 2.13 on: not compared on an older torch)
        out = [_sd(avg), lrs, avg(lib.ones(2, 3)), None if torch_older_than_2_13 else repr(avg),
               sorted(sched.state_dict())]
        sw.update_bn([(_randn(lib, 4, 3), 0), (_randn(lib, 4, 3), 1)], avg)
        return out + [_sd(avg)]
    both(body, rtol=1e-5)


def test_swa_errors(both):
    sw = lambda lib: lib.optim.swa_utils    # noqa: E731
    opt = lambda lib: lib.optim.SGD(_mk(lib, lib.nn.Linear, 2, 2).parameters(), lr=0.1)    # noqa: E731
    both(lambda lib: sw(lib).SWALR(opt(lib), swa_lr=0.1, anneal_strategy='exp'))
    both(lambda lib: sw(lib).SWALR(opt(lib), swa_lr=0.1, anneal_epochs=-1))
    both(lambda lib: sw(lib).get_ema_multi_avg_fn(1.5))
    both(lambda lib: sw(lib).AveragedModel(_mk(lib, lib.nn.Linear, 2, 2), avg_fn=sw(lib).get_swa_avg_fn(),
                                           multi_avg_fn=sw(lib).get_swa_multi_avg_fn()))

    def int_buffers(lib):
        model = _mk(lib, lib.nn.BatchNorm1d, 2)
        avg = sw(lib).AveragedModel(model, multi_avg_fn=sw(lib).get_swa_multi_avg_fn(), use_buffers=True)
        avg.update_parameters(model)
        avg.update_parameters(model)
    both(int_buffers)


def test_update_bn_without_bn_and_with_device(both):
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(_mk(lib, lib.nn.Linear, 3, 3), _mk(lib, lib.nn.BatchNorm1d, 3))
        m.eval()
        lib.optim.swa_utils.update_bn([_randn(lib, 4, 3), _randn(lib, 2, 3)], m, device=lib.get_default_device())
        lib.optim.swa_utils.update_bn([_randn(lib, 4, 3)], _mk(lib, lib.nn.Linear, 3, 3))
        return _sd(m), m.training, m[1].momentum
    both(body)


# ------------------------------------------------------------------ ember.func
def test_grad_family(both):
    def body(lib):
        fn = lib.func
        lib.manual_seed(0)
        x, y = _randn(lib, 3), _randn(lib, 3)
        return {
            'grad': fn.grad(lambda a: (a ** 3).sum())(x),
            'grad_of_grad': fn.grad(lambda a: fn.grad(lambda z: (z ** 3).sum())(a).sum())(x),
            'argnums': fn.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, y),
            'neg_argnum': fn.grad(lambda a, b: (a * b.exp()).sum(), argnums=-1)(x, y),
            'aux': fn.grad(lambda a: ((a ** 2).sum(), {'m': a.mean()}), has_aux=True)(x),
            'value': fn.grad_and_value(lambda a: a.exp().sum())(x),
            'value_aux': fn.grad_and_value(lambda a: (a.exp().sum(), a * 2), has_aux=True)(x),
            'unused': fn.grad(lambda a, b: (a * 2).sum(), argnums=1)(x, y),
            'dict': fn.grad(lambda p: (p['w'] * p['b']).sum())({'w': x, 'b': y}),
            'kwargs': fn.grad(lambda a, scale=1.0: (a * scale).sum())(x, scale=3.0),
        }
    both(body)


def test_vjp_jac_hessian_jvp(both):
    def body(lib):
        fn = lib.func
        lib.manual_seed(0)
        x, y = _randn(lib, 3), _randn(lib, 3)
        out, vjp_fn = fn.vjp(lambda a, b: (a.sin() * b, a.sum()), x, y)
        o2, f2, aux = fn.vjp(lambda a: (a.exp(), a.cos()), x, has_aux=True)
        return {
            'vjp': (out, vjp_fn((lib.ones(3), lib.tensor(2.0)))), 'vjp_aux': (o2, f2(lib.ones(3)), aux),
            'jacrev': fn.jacrev(lambda a: a.sin() * a.sum())(x),
            'jacrev_mat': fn.jacrev(lambda m: m @ m)(_randn(lib, 2, 2)),
            'jacrev_aux': fn.jacrev(lambda a: (a ** 2, a.sum()), has_aux=True)(x),
            'jacfwd': fn.jacfwd(lambda a, b: (a * b, a.sum()), argnums=(0, 1))(x, y),
            'hessian': fn.hessian(lambda a: (a ** 3).sum() * a.sum())(x),
            'hessian2': fn.hessian(lambda a, b: (a * b).sum() ** 2, argnums=(0, 1))(x, y),
            'jvp': fn.jvp(lambda a: a.sin(), (x,), (lib.ones(3),)),
        }
    both(body, rtol=1e-5)


def test_vmap(both):
    def body(lib):
        lib.manual_seed(0)
        return {
            'dot': lib.vmap(lib.dot)(_randn(lib, 4, 3), _randn(lib, 4, 3)),
            'dims': lib.vmap(lambda a, b: a * b, in_dims=(1, None), out_dims=1)(_randn(lib, 2, 5), _randn(lib, 2)),
            'nested': lib.vmap(lib.vmap(lambda a: a.sum()))(_randn(lib, 2, 3, 4)),
            'tuple_out': lib.vmap(lambda a: (a, a.sum()), out_dims=(0, 0))(_randn(lib, 2, 3)),
            'dict_in': lib.vmap(lambda d: d['a'] + d['b'], in_dims=({'a': 0, 'b': None},))(
                {'a': _randn(lib, 3, 2), 'b': _randn(lib, 2)}),
            'neg_dim': lib.vmap(lambda a: a * 2, in_dims=-1)(_randn(lib, 2, 3)),
            'kwargs': lib.vmap(lambda a, k=1.0: a * k)(_randn(lib, 2, 3), k=2.0),
            'func_alias': lib.func.vmap is lib.vmap,
        }
    both(body)


def test_vmap_randomness_same(both):
    def body(lib):
        lib.manual_seed(0)
        out = lib.vmap(lambda a: a + lib.rand(()), randomness='same')(lib.zeros(3))
        return bool((out == out[0]).all()), out.shape
    both(body)


def test_per_sample_grads_and_ensembles(both):
    def body(lib):
        F, fn = lib.nn.functional, lib.func
        lib.manual_seed(0)
        model = lib.nn.Sequential(_mk(lib, lib.nn.Linear, 3, 4), lib.nn.Tanh(), _mk(lib, lib.nn.Linear, 4, 2))
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, xb, yb):
            return F.cross_entropy(fn.functional_call(model, p, (xb.unsqueeze(0),)), yb.unsqueeze(0))
        xs, ys = _randn(lib, 5, 3), lib.tensor([0, 1, 1, 0, 1])
        psg = fn.vmap(fn.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
        # per-sample gradients summed over the batch = the batch gradient of the summed loss
        F.cross_entropy(model(xs), ys, reduction='sum').backward()
        models = [_mk(lib, lib.nn.Linear, 3, 2) for _ in range(3)]
        p, b = fn.stack_module_state(models)
        base = copy.deepcopy(models[0]).to('meta') if False else _mk(lib, lib.nn.Linear, 3, 2)
        ens = fn.vmap(lambda pp, xx: fn.functional_call(base, pp, (xx,)), in_dims=(0, None))(p, xs)
        return psg, {k: v.grad for k, v in model.named_parameters()}, p, b, ens
    both(body)


def test_functional_call(both):
    def body(lib):
        fn = lib.func
        lib.manual_seed(0)
        model = lib.nn.Sequential(_mk(lib, lib.nn.Linear, 3, 4), _mk(lib, lib.nn.BatchNorm1d, 4))
        xs = _randn(lib, 5, 3)
        params = {k: v.detach() * 2 for k, v in model.named_parameters()}
        bufs = {k: v.clone() for k, v in model.named_buffers()}
        out = fn.functional_call(model, (params, bufs), xs)       # updates the given running stats
        own = model(xs)
        # tied weights: replacing one name replaces both, unless tie_weights=False
        tied = lib.nn.Sequential(_mk(lib, lib.nn.Linear, 2, 2, bias=False), _mk(lib, lib.nn.Linear, 2, 2, bias=False))
        tied[1].weight = tied[0].weight
        w = {'0.weight': lib.eye(2)}
        # (model[0]: torch refuses BatchNorm's in-place num_batches_tracked update inside grad)
        grads = fn.grad(lambda p: fn.functional_call(model[0], p, (xs,)).pow(2).sum())(
            dict(model[0].named_parameters()))
        sum(g.sum() for g in grads.values()).backward()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            old = lib.nn.utils.stateless.functional_call(model, params, xs)
        return (out, own, bufs, list(model.state_dict()), fn.functional_call(tied, w, lib.ones(1, 2)),
                fn.functional_call(tied, w, lib.ones(1, 2), tie_weights=False), grads, model[0].weight.grad,
                old, [(c.category.__name__, str(c.message)) for c in caught])
    both(body)


def test_func_errors(both):
    fn = lambda lib: lib.func    # noqa: E731
    cases = [
        lambda lib: fn(lib).grad(lambda a: a * 2)(lib.ones(3)),
        lambda lib: fn(lib).grad(lambda a: 1.0)(lib.ones(3)),
        lambda lib: fn(lib).grad(lambda a: a.sum(), argnums=2)(lib.ones(3)),
        lambda lib: fn(lib).grad(lambda a: a.sum(), has_aux=True)(lib.ones(2)),
        lambda lib: lib.vmap(lambda a, b: a + b)(lib.ones(2, 3), lib.ones(3, 3)),
        lambda lib: lib.vmap(lambda a: a, in_dims=None)(lib.ones(2)),
        lambda lib: lib.vmap(lambda a: a, in_dims=(0, 0))(lib.ones(2)),
        lambda lib: lib.vmap(lambda a: a, in_dims=0)(2.0),
        lambda lib: lib.vmap(lambda a: a, in_dims=(None,))(lib.ones(2)),
        lambda lib: lib.vmap(lambda a: 1.0)(lib.ones(2)),
        lambda lib: lib.vmap(lambda a: a, in_dims=2)(lib.ones(2)),
        lambda lib: lib.vmap(lambda a: a, randomness='x'),
        lambda lib: fn(lib).functional_call(_mk(lib, lib.nn.Linear, 2, 2), {'weight': lib.ones(2, 2)}, lib.ones(1, 2),
                                            strict=True),
        lambda lib: fn(lib).functional_call(_mk(lib, lib.nn.Linear, 2, 2), ({'weight': lib.ones(2, 2)},
                                                                  {'weight': lib.ones(2, 2)}), lib.ones(1, 2)),
        lambda lib: fn(lib).functional_call(_mk(lib, lib.nn.Linear, 2, 2), 3, lib.ones(1, 2)),
        lambda lib: fn(lib).stack_module_state([]),
    ]
    for case in cases:
        both(case)


def test_transforms_and_grad_modes(both):
    def body(lib):
        fn = lib.func
        x = lib.tensor([1., 2., 3.], requires_grad=True)
        out = []
        with lib.no_grad():      # a transform differentiates under an outer no_grad, but is not recorded
            out.append(fn.grad(lambda a: (a ** 3).sum())(x))
            o, f = fn.vjp(lambda a: a * 2, x)
            out += [o, f(lib.ones(3)), fn.jacrev(lambda a: a ** 2)(x)]
        out += [fn.grad(lambda a: (a ** 3).sum())(x), fn.jacrev(lambda a: a.sum())(x),
                fn.hessian(lambda a: (a ** 3).sum())(x)]
        return out
    both(body)
    both(lambda lib: lib.func.grad(lambda a: a.sum())(lib.tensor([1, 2])))
    both(lambda lib: lib.func.jacrev(lambda a: 1.0)(lib.ones(2)))
    both(lambda lib: lib.func.vjp(lambda a: a, lib.ones(2))[1](lib.ones(3)))


def test_functional_call_parametrized(both):
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.utils.parametrizations.weight_norm(_mk(lib, lib.nn.Linear, 3, 2))
        p = {k: v.detach() * 2 for k, v in m.named_parameters()}
        return sorted(p), lib.func.functional_call(m, p, (lib.ones(1, 3),)), m(lib.ones(1, 3))
    both(body)
