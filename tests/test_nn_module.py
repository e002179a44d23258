"""``nn.Module`` and the containers, run with torch and with ember and compared: registration,
naming and order of parameters (S24), printed forms, state_dict / load_state_dict and their
errors, hooks, train/eval (S27), ``.to()`` keeping the Parameter objects (S26), gradients
helpers, ``nn.init`` and ``nn.utils`` (clip_grad_norm_, parameters_to_vector)."""
import copy
import math
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest

from conformance import run_both, torch
import ember
import ember.nn  # noqa: F401  (ember.nn as an attribute of ember, as torch.nn)


def F_of(lib):
    return lib.nn.functional


def fill(lib, model, seed=0, scale=0.5):
    """Give ``model``'s parameters the same values in both libraries (drawn by NumPy)."""
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for _, p in model.named_parameters():
            fan = p.shape[-1] if p.dim() > 1 else 1      # keep activations O(1): float32 round-off small
            p.copy_(lib.tensor((rng.standard_normal(tuple(p.shape)) * scale / math.sqrt(fan)).astype(np.float32)))
    return model


def data(lib, *shape, seed=1):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def err(fn):
    """(exception type name, message) of what ``fn()`` raises; compared between libraries."""
    try:
        fn()
    except Exception as e:      # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def seed_net(lib):
    """The seed's classifier (S22): layers in __init__, F.relu in forward, a Sequential inside."""
    nn, F = lib.nn, lib.nn.functional

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 64)
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(64, 128)
            self.head = nn.Sequential(nn.Linear(128, 32), nn.ReLU(), nn.Linear(32, 10))

        def forward(self, x):
            x = self.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.head(x)
    return NeuralNetwork()


# ---------------------------------------------------------------- S22 / S24 seed behaviours
def test_seed_S22_module_subclass_layers_forward_and_call(both):
    """Layers made in __init__ are registered; calling the module runs forward."""
    def body(lib):
        model = fill(lib, seed_net(lib))
        x = data(lib, 64, 3)
        out = model(x)
        loss = out.square().mean()
        loss.backward()
        return (repr(model), out, [n for n, _ in model.named_children()], len(list(model.modules())),
                model.fc1.weight.grad, model.head[2].bias.grad, type(model.head[1]).__name__,
                isinstance(model.fc1, lib.nn.Module))
    t, e = run_both(body, rtol=1e-5, atol=1e-6)
    assert t[0].startswith('NeuralNetwork(\n  (fc1): Linear(in_features=3, out_features=64, bias=True)')
    assert t[0] == e[0]


def test_seed_S22_sequential_forward_and_repr(both):
    def body(lib):
        nn = lib.nn
        model = fill(lib, nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 10)))
        return repr(model), model(data(lib, 5, 3)), len(model)
    t, _ = run_both(body, rtol=1e-5, atol=1e-6)
    assert t[0] == ('Sequential(\n  (0): Linear(in_features=3, out_features=64, bias=True)\n  (1): ReLU()\n'
                    '  (2): Linear(in_features=64, out_features=10, bias=True)\n)')


def test_seed_S24_parameters_named_parameters_and_data(both):
    """parameters() and named_parameters() (names like fc1.weight) in registration order;
    param.data is the value without autograd, sharing memory with the parameter."""
    def body(lib):
        model = fill(lib, seed_net(lib))
        names = [(n, tuple(p.shape), type(p).__name__, p.requires_grad) for n, p in model.named_parameters()]
        same = [p is q for p, (_, q) in zip(model.parameters(), model.named_parameters())]
        d = model.fc1.weight.data
        info = (d.requires_grad, d.is_leaf, type(d).__name__, d.grad_fn is None)
        d[0, 0] = 123.0            # .data shares memory with the parameter
        total = sum(p.numel() for p in model.parameters())
        return names, same, info, model.fc1.weight[0, 0].item(), total, list(model.parameters())[1]
    t, _ = run_both(body)
    assert t[0][0] == ('fc1.weight', (64, 3), 'Parameter', True)
    assert [n for n, *_ in t[0]] == ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'head.0.weight',
                                     'head.0.bias', 'head.2.weight', 'head.2.bias']


def test_seed_S24_param_data_assignment_and_in_place_update(both):
    def body(lib):
        m = lib.nn.Linear(2, 2)
        p = m.weight
        m.weight.data = lib.ones(2, 2)
        with lib.no_grad():
            m.bias.fill_(0.5)
        p.data.mul_(3)
        return m.weight is p, m.weight, m.bias, m(lib.ones(1, 2))
    run_both(body)


# ---------------------------------------------------------------- S26 .to() keeps the Parameters
def test_seed_S26_to_keeps_parameter_objects_and_optimizer_updates(both):
    """A model moved with .to() keeps its Parameter objects, so an optimizer (here a minimal
    SGD) built before the move still updates the model."""
    def body(lib):
        model = fill(lib, seed_net(lib))
        params = list(model.parameters())          # what an optimizer keeps
        ids = [id(p) for p in params]
        ret = model.to(lib.float64)
        assert ret is model
        moved = model.to('cpu').to(device='cpu', dtype=lib.float64)
        same = [id(p) for p in model.parameters()] == ids
        x = data(lib, 8, 3).double()
        loss = model(x).square().mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.1 * p.grad
        loss2 = model(x).square().mean()
        return (same, moved is model, [p.dtype for p in params], loss.item() > loss2.item(), loss2,
                model.fc1.weight, model.fc1.weight.grad.dtype)
    run_both(body, rtol=1e-5, atol=1e-6)


def test_seed_S26_optim_sgd_built_before_and_after_to(both):
    """optim.SGD(model.parameters(), lr=...) built before .to(float64) and one built after both
    update the moved model through param.grad."""
    def body(lib):
        res = []
        for before in (True, False):
            model = fill(lib, seed_net(lib))
            if before:
                opt = lib.optim.SGD(model.parameters(), lr=0.1)
            model.to(lib.float64)
            if not before:
                opt = lib.optim.SGD(model.parameters(), lr=0.1)
            x = data(lib, 8, 3).double()
            losses = []
            for _ in range(3):
                opt.zero_grad()
                loss = model(x).square().mean()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            res.append((losses, model.fc1.weight, model.head[2].bias))
        return res
    t, _ = run_both(body, rtol=1e-5, atol=1e-6)
    assert t[0][0][2] < t[0][0][0]


def test_seed_S26_to_converts_grads_and_only_floating_point(both):
    def body(lib):
        m = lib.nn.Linear(2, 2)
        m.register_buffer('steps', lib.tensor(3))
        m.register_buffer('scale', lib.tensor([1.5]))
        m(lib.ones(1, 2)).sum().backward()
        g = m.weight.grad
        m.double()
        r1 = (m.weight.dtype, m.weight.grad.dtype, m.weight.grad is g, m.steps.dtype, m.scale.dtype)
        m.float()
        r2 = (m.weight.dtype, m.weight.grad.dtype, m.steps.dtype, m.scale.dtype)
        m.to(lib.float64)
        m.half()
        r3 = (m.weight.dtype, m.bias.dtype, m.steps.dtype)
        m.type(lib.float32)
        r4 = (m.weight.dtype, m.steps.dtype)
        return r1, r2, r3, r4
    run_both(body)


@pytest.mark.parametrize('args,kwargs', [((lambda lib: lib.int64,), {}), ((lambda lib: 'foo',), {}),
                                         ((), {'foo': 1}), ((lambda lib: 'cpu', lambda lib: lib.float64, True, True),
                                                            {}), ((lambda lib: 'cuda',), {})])
def test_to_errors(both, args, kwargs):
    def body(lib):
        m = lib.nn.Linear(2, 2)
        a = [x(lib) if callable(x) else x for x in args]
        return err(lambda: m.to(*a, **kwargs)), m.weight.dtype
    t, e = run_both(body)
    assert t[0] is not None


def test_to_tensor_and_positional_forms(both):
    def body(lib):
        m = lib.nn.Linear(2, 2)
        m.to(lib.zeros(1, dtype=lib.float64))
        a = m.weight.dtype
        m.to('cpu', lib.float32, False)
        b = m.weight.dtype
        m.to(lib.float64, non_blocking=True)
        t = lib.ones(2)
        return a, b, m.weight.dtype, m.cpu() is m, t.to('cpu', None, False) is t, t.to(None, lib.float64).dtype
    run_both(body)


# ---------------------------------------------------------------- S27 train / eval
def test_seed_S27_train_eval_flags_propagate_and_test_loop(both):
    def body(lib):
        nn = lib.nn
        model = fill(lib, nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.ReLU(),
                                        nn.Sequential(nn.Linear(8, 4), nn.Dropout(0.2))))
        flags0 = [m.training for m in model.modules()]
        r = model.eval()
        flags1 = [m.training for m in model.modules()]
        x = data(lib, 6, 3)
        with lib.no_grad():
            out = model(x)
            loss = nn.CrossEntropyLoss()(out, lib.tensor([0, 1, 2, 3, 0, 1]))
        model.train()
        flags2 = [m.training for m in model.modules()]
        model.train(False)
        flags3 = [m.training for m in model.modules()]
        return (flags0, r is model, flags1, out, out.requires_grad, loss.item(), type(loss.item()).__name__,
                flags2, flags3, err(lambda: model.train('yes')))
    run_both(body, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- registration
def test_setattr_registers_parameters_modules_buffers(both):
    def body(lib):
        nn = lib.nn
        m = nn.Module()
        m.w = nn.Parameter(lib.ones(2))
        m.sub = nn.Linear(2, 1)
        m.register_buffer('running', lib.zeros(2))
        m.register_buffer('tmp', lib.ones(1), persistent=False)
        m.plain = 5
        m.buf2 = nn.Buffer(lib.full((2,), 7.0))
        m.buf3 = nn.Buffer(lib.full((1,), 3.0), persistent=False)
        keys = (list(m._parameters), list(m._modules), list(m._buffers), sorted(m._non_persistent_buffers_set),
                'plain' in m.__dict__, list(m.state_dict()))
        m.running = lib.ones(2)           # reassigning a buffer name keeps it a buffer
        m.w = None                        # a parameter may be set to None
        m.sub = None
        nm = [n for n, _ in m.named_parameters()]
        del m.running
        del m.plain
        return keys, nm, list(m._buffers), m.w, m._modules['sub'], 'plain' in m.__dict__, \
            err(lambda: m.running), isinstance(m.buf2, lib.Tensor), type(m.buf2).__name__
    run_both(body)


def test_setattr_reassigning_kind_moves_the_name(both):
    def body(lib):
        nn = lib.nn
        m = nn.Module()
        m.x = nn.Linear(1, 1)
        m.x = nn.Parameter(lib.ones(1))        # was a module, now a parameter
        r1 = (list(m._modules), list(m._parameters))
        m.y = 3
        m.y = nn.Linear(1, 1)                  # was a plain attribute, now a module
        r2 = ('y' in m.__dict__, list(m._modules))
        return r1, r2
    run_both(body)


@pytest.mark.parametrize('case', range(14))
def test_registration_errors(both, case):
    """Same exception type and message as torch for each misuse."""
    def body(lib):
        nn = lib.nn
        m = nn.Linear(2, 2)
        m.extra = 3
        actions = [
            lambda: setattr(m, 'weight', lib.ones(2, 2)),               # tensor onto a parameter name
            lambda: setattr(m, 'weight', 5),
            lambda: m.register_parameter('a.b', nn.Parameter(lib.ones(1))),
            lambda: m.register_parameter('', None),
            lambda: m.register_parameter('extra', None),
            lambda: m.register_parameter('p', lib.ones(1)),
            lambda: m.register_buffer('weight', lib.ones(1)),
            lambda: m.register_buffer('x.y', lib.ones(1)),
            lambda: m.register_buffer('b', 5),
            lambda: m.add_module('sub', 5),
            lambda: m.add_module('a.b', nn.ReLU()),
            lambda: m.add_module('weight', nn.ReLU()),
            lambda: m.missing,
            lambda: m.register_buffer(5, lib.ones(1)),
        ]
        return err(actions[case])
    t, _ = run_both(body)
    assert t is not None


def test_setattr_child_module_and_before_init_errors(both):
    def body(lib):
        nn = lib.nn
        m = nn.Sequential(nn.ReLU())

        class Bad(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(1, 1)

        class Bad2(nn.Module):
            def __init__(self):
                self.p = nn.Parameter(lib.ones(1))

        class Bad3(nn.Module):
            def __init__(self):
                self.register_buffer('b', lib.ones(1))
        return (err(lambda: setattr(m, '0', lib.ones(1))), err(Bad), err(Bad2), err(Bad3), err(m.cuda),
                err(lambda: nn.Module(3)), err(lambda: nn.Module(a=1)), err(lambda: nn.Module()(1)))
    run_both(body)


def test_get_submodule_parameter_buffer(both):
    def body(lib):
        model = seed_net(lib)
        model.head[0].register_buffer('stat', lib.ones(2))
        return (type(model.get_submodule('head.2')).__name__, model.get_submodule('') is model,
                model.get_parameter('head.0.bias').shape, model.get_buffer('head.0.stat'),
                err(lambda: model.get_submodule('head.7')), err(lambda: model.get_submodule('fc1.weight')),
                err(lambda: model.get_parameter('fc1.nothing')), err(lambda: model.get_parameter('head.0.stat')),
                err(lambda: model.get_buffer('fc1.weight')))
    run_both(body)


def test_set_submodule(both):
    def body(lib):
        nn = lib.nn
        model = seed_net(lib)
        model.set_submodule('head.1', nn.Tanh())
        model.set_submodule('extra', nn.ReLU())
        return (repr(model), err(lambda: model.set_submodule('', nn.ReLU())),
                err(lambda: model.set_submodule('head.9', nn.ReLU(), strict=True)),
                err(lambda: model.set_submodule('fc1.weight', nn.ReLU())))
    run_both(body)


def test_dir_lists_registered_names(both):
    def body(lib):
        model = seed_net(lib)
        model.register_buffer('steps', lib.zeros(1))
        d = dir(model)
        s = dir(model.head)
        return [k for k in ('fc1', 'fc2', 'relu', 'head', 'steps', 'forward', 'training', 'state_dict') if k in d], \
            '0' in s, d == sorted(d)
    t, _ = run_both(body)
    assert len(t[0]) == 8


# ---------------------------------------------------------------- iteration
def test_modules_children_named_modules_with_duplicates(both):
    def body(lib):
        nn = lib.nn
        shared = nn.Linear(2, 2)
        m = nn.Sequential(shared, nn.ReLU(), shared, nn.Sequential(shared))
        return ([n for n, _ in m.named_modules()], [n for n, _ in m.named_modules(remove_duplicate=False)],
                [n for n, _ in m.named_modules(prefix='net')], [n for n, _ in m.named_children()],
                len(list(m.children())), [n for n, _ in m.named_parameters()],
                [n for n, _ in m.named_parameters(remove_duplicate=False)],
                [n for n, _ in m.named_parameters(prefix='p', recurse=False)],
                len(list(m.parameters(recurse=False))), [n for n, _ in shared.named_parameters(prefix='lin')])
    run_both(body)


def test_buffers_named_buffers_and_state_dict_persistence(both):
    def body(lib):
        nn = lib.nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(2, 2)
                self.register_buffer('mean', lib.zeros(2))
                self.register_buffer('cache', lib.ones(2), persistent=False)
                self.register_buffer('none', None)
        m = fill(lib, M())
        m.lin.register_buffer('count', lib.tensor(5))
        sd = m.state_dict()
        return ([n for n, _ in m.named_buffers()], list(m.buffers(recurse=False)), list(sd.keys()),
                [(k, v) for k, v in sd.items()], sd['lin.weight'].requires_grad, type(sd).__name__,
                dict(sd._metadata), list(m.state_dict(prefix='model.').keys()),
                m.state_dict(keep_vars=True)['lin.weight'] is m.lin.weight,
                m.state_dict()['lin.weight'] is m.lin.weight)
    run_both(body)


def test_state_dict_values_share_memory_with_parameters(both):
    def body(lib):
        m = lib.nn.Linear(2, 2)
        sd = m.state_dict()
        sd['bias'].fill_(9.)        # detached, but the same memory
        return m.bias
    run_both(body)


# ---------------------------------------------------------------- load_state_dict
def test_load_state_dict_from_torch_values(both):
    """Copy a state dict in; the parameters keep their identity and take the values."""
    def body(lib):
        m = seed_net(lib)
        ident = [id(p) for p in m.parameters()]
        src = fill(lib, seed_net(lib), seed=3).state_dict()
        res = m.load_state_dict(src)
        x = data(lib, 4, 3)
        return (repr(res), res.missing_keys, res.unexpected_keys, type(res).__name__,
                [id(p) for p in m.parameters()] == ident, m(x), m.fc1.weight.requires_grad)
    run_both(body, rtol=1e-5, atol=1e-6)


def test_load_state_dict_strict_errors(both):
    def body(lib):
        nn = lib.nn
        m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        sd = m.state_dict()
        missing = {k: v for k, v in sd.items() if k != '2.bias'}
        extra = dict(sd, **{'2.foo': lib.ones(1), 'bar': lib.ones(1), '5.weight': lib.ones(1)})
        wrong = dict(sd, **{'0.weight': lib.ones(4, 2)})
        both_ = dict(missing, foo=lib.ones(1))
        notensor = dict(sd, **{'0.bias': [1., 2., 3.]})
        return (err(lambda: m.load_state_dict(missing)), err(lambda: m.load_state_dict(extra)),
                err(lambda: m.load_state_dict(wrong)), err(lambda: m.load_state_dict(both_)),
                err(lambda: m.load_state_dict(notensor)), err(lambda: m.load_state_dict([1, 2])),
                err(lambda: m.load_state_dict(wrong, strict=False)))
    t, _ = run_both(body)
    assert t[0][1].startswith('Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: '
                              '"2.bias". ')


def test_load_state_dict_non_strict_returns_incompatible_keys(both):
    def body(lib):
        nn = lib.nn
        m = fill(lib, nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)))
        sd = {k: v + 1 for k, v in m.state_dict().items() if k != '1.bias'}
        sd['junk'] = lib.zeros(1)
        res = m.load_state_dict(sd, strict=False)
        ok = m.load_state_dict(m.state_dict())
        return repr(res), str(res), res.missing_keys, res.unexpected_keys, repr(ok), tuple(ok), m[0].bias
    run_both(body)


def test_load_state_dict_assign_and_scalar_compat(both):
    def body(lib):
        nn = lib.nn
        m = nn.Linear(2, 2)
        m.register_buffer('step', lib.tensor(0.))
        w = lib.full((2, 2), 2.0)
        res = m.load_state_dict({'weight': w, 'bias': lib.zeros(2), 'step': lib.tensor([4.])}, assign=True)
        return (repr(res), type(m.weight).__name__, m.weight.requires_grad, m.weight, m.step,
                m.weight.data_ptr() == w.data_ptr())
    run_both(body)


def test_load_state_dict_hooks(both):
    def body(lib):
        nn = lib.nn
        log = []
        m = nn.Linear(2, 2)

        def pre(module, state_dict, prefix, local_metadata, strict, missing, unexpected, msgs):
            log.append(('pre', type(module).__name__, prefix, strict))

        def post(module, keys):
            log.append(('post', list(keys.missing_keys)))
        m.register_load_state_dict_pre_hook(pre)
        h = m.register_load_state_dict_post_hook(post)
        m.load_state_dict({'weight': lib.zeros(2, 2)}, strict=False)
        h.remove()
        m.load_state_dict(m.state_dict())
        m.register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(('sd-pre', prefix, keep)))
        m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: log.append(('sd-post', list(sd))))
        m.state_dict()
        return log
    run_both(body)


# ---------------------------------------------------------------- printing
def test_repr_nested_and_containers(both):
    def body(lib):
        nn = lib.nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)] + [nn.ReLU()])
                self.choice = nn.ModuleDict({'act': nn.GELU(), 'norm': nn.LayerNorm(4)})
                self.params = nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(4)])
                self.pdict = nn.ParameterDict({'b': nn.Parameter(lib.ones(1)), 'a': lib.zeros(2, 2)})
                self.empty = nn.Sequential()
                self.emptylist = nn.ModuleList()

            def extra_repr(self):
                return 'custom=1\nsecond line'
        return repr(Block()), str(nn.Sequential(Block())), repr(nn.Module()), repr(nn.Identity())
    t, _ = run_both(body)
    assert '(0-2): 3 x Linear(in_features=4, out_features=4, bias=True)' in t[0]


def test_repr_of_every_layer(both):
    def body(lib):
        nn = lib.nn
        layers = [nn.Linear(3, 4, bias=False), nn.Bilinear(2, 3, 4), nn.Identity(), nn.LazyLinear(5),
                  nn.Flatten(), nn.Flatten(0, 2), nn.Unflatten(1, (2, 5)), nn.ReLU(), nn.ReLU(inplace=True),
                  nn.ReLU6(), nn.ReLU6(True), nn.LeakyReLU(), nn.LeakyReLU(0.2, inplace=True), nn.ELU(),
                  nn.ELU(alpha=0.5, inplace=True), nn.SELU(), nn.CELU(2.0), nn.GELU(), nn.GELU('tanh'), nn.SiLU(),
                  nn.Mish(), nn.Softplus(), nn.Softplus(2, 10), nn.Softsign(), nn.Hardtanh(), nn.Hardtanh(-2, 2),
                  nn.Hardsigmoid(), nn.Hardswish(), nn.LogSigmoid(), nn.GLU(), nn.GLU(0), nn.Tanh(), nn.Sigmoid(),
                  nn.Softmax(), nn.Softmax(dim=1), nn.LogSoftmax(-1), nn.Softmin(0), nn.Dropout(),
                  nn.Dropout(0.1, True), nn.Dropout1d(0.3), nn.Dropout2d(), nn.Embedding(10, 3),
                  nn.Embedding(10, 3, padding_idx=0, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True),
                  nn.LayerNorm(4), nn.LayerNorm([2, 3], eps=1e-3, elementwise_affine=False), nn.LayerNorm(4, bias=False),
                  nn.RMSNorm(4), nn.RMSNorm([2, 2], eps=1e-6, elementwise_affine=False), nn.CrossEntropyLoss(),
                  nn.CrossEntropyLoss(weight=lib.ones(3)), nn.NLLLoss(), nn.MSELoss(), nn.L1Loss(), nn.SmoothL1Loss(),
                  nn.HuberLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.KLDivLoss(), nn.Threshold(0.1, 20),
                  nn.Threshold(0.1, 20, True), nn.Tanhshrink(), nn.Softmax2d(), nn.Dropout3d(0.25),
                  nn.AlphaDropout(0.1), nn.FeatureAlphaDropout(), nn.NLLLoss(ignore_index=3, reduction='sum'),
                  nn.HuberLoss(delta=0.5), nn.SmoothL1Loss(beta=0.3), nn.KLDivLoss(reduction='batchmean')]
        return [repr(m) for m in layers]
    run_both(body)


# ---------------------------------------------------------------- containers
def test_sequential_indexing_slicing_and_mutation(both):
    def body(lib):
        nn = lib.nn
        a, b, c, d = nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3), nn.Tanh()
        s = nn.Sequential(a, b, c)
        r = [s[0] is a, s[-1] is c, type(s[1:]).__name__, len(s[1:]), s[1:][0] is b, s[::2][1] is c,
             [type(x).__name__ for x in s], len(s)]
        s.append(d)
        s.insert(1, nn.Sigmoid())
        s.insert(-1, nn.Identity())
        r.append(repr(s))
        s.extend([nn.ReLU(), nn.ReLU()])
        del s[0]
        r.append(list(s._modules))
        del s[1:3]
        r.append(repr(s))
        popped = s.pop(0)
        r.append(type(popped).__name__)
        s[0] = nn.ELU()
        r.append(repr(s))
        r.append(repr(s + nn.Sequential(nn.Linear(3, 3))))
        r.append(len(nn.Sequential(nn.ReLU()) * 3))
        s2 = nn.Sequential(nn.ReLU())
        s2 += nn.Sequential(nn.Tanh())
        s2 *= 2
        r.append(repr(s2))
        r.append(err(lambda: s[10]))
        r.append(err(lambda: s.insert(10, nn.ReLU())))
        r.append(err(lambda: s.insert(0, 5)))
        r.append(err(lambda: s + 5))
        r.append(err(lambda: s * 0))
        r.append(repr(nn.Sequential(OrderedDict([('conv', nn.Linear(1, 1)), ('act', nn.ReLU())]))))
        return r
    run_both(body)


def test_module_list_and_dict(both):
    def body(lib):
        nn = lib.nn
        ml = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
        ml.append(nn.Tanh())
        ml.extend([nn.Sigmoid()])
        ml.insert(0, nn.Identity())
        ml += [nn.ELU()]
        r = [len(ml), [type(m).__name__ for m in ml], type(ml[1:3]).__name__, type(ml[-1]).__name__,
             [n for n, _ in ml.named_parameters()]]
        ml[0] = nn.GELU()
        del ml[1]
        r.append(list(ml._modules))
        r.append(type(ml.pop(0)).__name__)
        r.append(repr(ml + nn.ModuleList([nn.ReLU()])))
        r.append(err(lambda: ml[10]))
        r.append(err(lambda: ml.extend(5)))
        md = nn.ModuleDict({'b': nn.Linear(1, 1), 'a': nn.ReLU()})
        md['c'] = nn.Tanh()
        md.update([('d', nn.Sigmoid())])
        r += [list(md.keys()), 'a' in md, len(md), [type(v).__name__ for v in md.values()], list(md),
              [k for k, _ in md.items()], type(md.pop('a')).__name__, list(md.keys()), repr(md)]
        del md['b']
        r.append(list(md))
        md.clear()
        r.append(len(md))
        r.append(err(lambda: md.update(5)))
        r.append(err(lambda: md.update([('x',)])))
        return r
    run_both(body)


def test_parameter_list_and_dict(both):
    def body(lib):
        nn = lib.nn
        pl = nn.ParameterList([lib.ones(2), nn.Parameter(lib.zeros(3))])
        pl.append(lib.full((1,), 2.))
        pl.extend([lib.ones(2, 2)])
        r = [len(pl), [type(p).__name__ for p in pl], [n for n, _ in pl.named_parameters()], len(pl[1:]),
             pl[-1].shape, repr(pl), err(lambda: pl(1)), err(lambda: pl.extend(lib.ones(2)))]
        pd = nn.ParameterDict({'w': lib.ones(2), 'a': nn.Parameter(lib.zeros(1))})
        pd['z'] = lib.ones(1)
        pd.update(OrderedDict([('y', lib.ones(3))]))
        r += [list(pd.keys()), [n for n, _ in pd.named_parameters()], 'w' in pd, len(pd), type(pd['w']).__name__,
              repr(pd), pd.get('missing', 5), type(pd.pop('w')).__name__, list(pd),
              pd.setdefault('q', lib.zeros(1)).shape, list(pd), err(lambda: pd[1]), err(lambda: pd(1))]
        k, v = pd.popitem()
        r.append((k, v))
        r.append(list((pd | nn.ParameterDict({'n': lib.ones(1)})).keys()))
        pd.clear()
        r.append(len(pd))
        return r
    run_both(body)


# ---------------------------------------------------------------- hooks
def test_forward_pre_hook_and_forward_hook_order_and_results(both):
    def body(lib):
        nn = lib.nn
        log = []
        model = fill(lib, nn.Sequential(nn.Linear(2, 2), nn.ReLU()))

        def pre(mod, args):
            log.append(('pre', type(mod).__name__, len(args)))
            return (args[0] * 2,)

        def pre_kw(mod, args, kwargs):
            log.append(('pre_kw', sorted(kwargs)))

        def fwd(mod, args, out):
            log.append(('fwd', type(mod).__name__))
            return out + 1

        def fwd_kw(mod, args, kwargs, out):
            log.append(('fwd_kw', type(mod).__name__))

        h1 = model[0].register_forward_pre_hook(pre)
        model[0].register_forward_pre_hook(pre_kw, with_kwargs=True)
        model[0].register_forward_pre_hook(lambda m, a: log.append('first'), prepend=True)
        h2 = model.register_forward_hook(fwd)
        model.register_forward_hook(fwd_kw, with_kwargs=True)
        model[1].register_forward_hook(lambda m, a, o: log.append(('relu', o.shape)))
        x = data(lib, 3, 2)
        y1 = model(x)
        h1.remove()
        h2.remove()
        h2.remove()                 # removing twice is fine
        y2 = model(x)
        with model[1].register_forward_hook(lambda m, a, o: o * 0):
            y3 = model(x)
        y4 = model(x)
        return log, y1, y2, y3, y4
    run_both(body)


def test_forward_pre_hook_bad_return_and_always_call(both):
    def body(lib):
        nn = lib.nn
        log = []
        m = nn.Linear(2, 2)
        m.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
        e1 = err(lambda: m(lib.ones(1, 2)))
        m2 = nn.Linear(2, 2)
        m2.register_forward_hook(lambda mod, a, o: log.append(('always', o)), always_call=True)
        m2.register_forward_hook(lambda mod, a, o: log.append('normal'))
        e2 = err(lambda: m2(lib.ones(1, 3)))          # forward fails: only the always_call hook runs
        return e1[0], e1[1].startswith('forward pre-hook must return None or a tuple of (new_args, new_kwargs)'), \
            e2[0], log
    run_both(body)


def test_forward_hook_kwargs_passed_to_forward(both):
    def body(lib):
        nn = lib.nn

        class M(nn.Module):
            def forward(self, x, scale=1.0):
                return x * scale
        m = M()
        m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {'scale': kwargs['scale'] * 10}),
                                    with_kwargs=True)
        seen = []
        m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(dict(kwargs)), with_kwargs=True)
        return m(lib.ones(2), scale=2.0), seen
    run_both(body)


def test_full_backward_hook_grad_input_and_output(both):
    def body(lib):
        nn = lib.nn
        log = []
        model = fill(lib, nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)))

        def hook(mod, gin, gout):
            log.append((type(mod).__name__, [g for g in gin], [g for g in gout]))

        def pre(mod, gout):
            log.append(('pre', type(mod).__name__, list(gout)))

        for m in model:
            m.register_full_backward_hook(hook)
        model[2].register_full_backward_pre_hook(pre)
        x = data(lib, 5, 3).requires_grad_()
        out = model(x)
        out.sum().backward()
        return log, x.grad, model[0].weight.grad
    run_both(body, rtol=1e-5, atol=1e-6)


def test_full_backward_hook_replaces_grad_input(both):
    def body(lib):
        nn = lib.nn
        m = fill(lib, nn.Linear(3, 2))
        m.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 0 + 1,))
        m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 3,))
        x = data(lib, 4, 3).requires_grad_()
        m(x).sum().backward()
        return x.grad, m.weight.grad, m.bias.grad
    run_both(body)


def test_full_backward_hook_no_input_requires_grad(both):
    def body(lib):
        nn = lib.nn
        log = []
        m = fill(lib, nn.Linear(3, 2))
        m.register_full_backward_hook(lambda mod, gin, gout: log.append((gin, gout)))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            m(data(lib, 4, 3)).sum().backward()
        return log, [str(x.message)[:60] for x in w], m.bias.grad
    run_both(body)


def test_non_full_backward_hook_sees_the_output_node(both):
    """The deprecated register_backward_hook: hooks the node of the output (Linear's addmm) and
    warns that grad_input may be incomplete."""
    def body(lib):
        m = fill(lib, lib.nn.Linear(3, 2))
        log = []
        m.register_backward_hook(lambda mod, gin, gout: log.append((list(gin), list(gout))))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            m(data(lib, 4, 3).requires_grad_()).sum().backward()
        return log, [(x.category.__name__, str(x.message)) for x in w]
    run_both(body)


def test_backward_hook_mixing_errors(both):
    def body(lib):
        nn = lib.nn
        m = nn.Linear(1, 1)
        m.register_full_backward_hook(lambda *a: None)
        m2 = nn.Linear(1, 1)
        m2.register_backward_hook(lambda *a: None)
        return err(lambda: m.register_backward_hook(lambda *a: None)), \
            err(lambda: m2.register_full_backward_hook(lambda *a: None))
    run_both(body)


def test_global_forward_hooks(both):
    def body(lib):
        nn = lib.nn
        log = []
        h = nn.modules.module.register_module_forward_hook(lambda m, a, o: log.append(type(m).__name__))
        try:
            nn.Sequential(nn.Linear(1, 1), nn.ReLU())(lib.ones(1, 1))
        finally:
            h.remove()
        nn.ReLU()(lib.ones(1))
        return log
    run_both(body)


# ---------------------------------------------------------------- gradients helpers
def test_requires_grad_and_zero_grad(both):
    def body(lib):
        nn = lib.nn
        model = fill(lib, nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)))
        x = data(lib, 4, 2)
        model(x).sum().backward()
        g = [p.grad.clone() for p in model.parameters()]
        model.zero_grad(set_to_none=False)
        zeros = [p.grad for p in model.parameters()]
        model(x).sum().backward()
        model.zero_grad()
        nones = [p.grad is None for p in model.parameters()]
        r = model[0].requires_grad_(False)
        flags = [p.requires_grad for p in model.parameters()]
        out = model(x)
        model(x).sum().backward()
        frozen = [p.grad is None for p in model.parameters()]
        model.requires_grad_()
        return g, zeros, nones, r is model[0], flags, out.requires_grad, frozen, \
            [p.requires_grad for p in model.parameters()]
    run_both(body)


def test_apply_and_init_in_apply(both):
    def body(lib):
        nn = lib.nn
        seen = []

        @lib.no_grad()
        def init(m):
            seen.append(type(m).__name__)
            if type(m) is nn.Linear:
                m.weight.fill_(1.0)
                nn.init.zeros_(m.bias)
        model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 1), nn.ReLU()))
        r = model.apply(init)
        return seen, r is model, model[0].weight, model[1][0].bias, model(lib.ones(1, 2))
    run_both(body)


def test_deepcopy_and_pickle_module(both):
    def body(lib):
        nn = lib.nn
        m = fill(lib, nn.Sequential(nn.Linear(2, 2), nn.ReLU()))
        m(lib.ones(1, 2)).sum().backward()
        c = copy.deepcopy(m)
        p = pickle.loads(pickle.dumps(m))
        with lib.no_grad():
            m[0].weight.fill_(0)
        return (repr(c), c[0].weight, c[0].weight is m[0].weight, type(c[0].weight).__name__, c[0].weight.grad,
                p[0].bias, type(p[0].bias).__name__, p[0].bias.requires_grad, c(lib.ones(1, 2)))
    run_both(body)


def test_parameter_constructor_repr_and_behaviour(both):
    def body(lib):
        nn = lib.nn
        t = lib.arange(4.)
        p = nn.Parameter(t)
        q = nn.Parameter(t, requires_grad=False)
        e = nn.Parameter()
        with lib.no_grad():
            t[0] = 10.            # the parameter shares the tensor's memory
        y = p * 2
        return (repr(p), repr(q), repr(e), p, type(y).__name__, type(p.detach()).__name__, type(p.data).__name__,
                isinstance(p, lib.Tensor), isinstance(t, nn.Parameter), p.is_leaf, p.grad_fn is None,
                err(lambda: nn.Parameter(lib.tensor([1, 2]))), repr(nn.Parameter(lib.ones(2, dtype=lib.float64))),
                str(p))
    run_both(body)


def test_uninitialized_parameter_and_lazy_linear(both):
    def body(lib):
        nn = lib.nn
        m = nn.LazyLinear(3)
        before = (repr(m), repr(m.weight), type(m).__name__, m.has_uninitialized_params())
        out = m(data(lib, 2, 5))
        after = (repr(m), type(m).__name__, m.weight.shape, type(m.weight).__name__, out.shape,
                 [n for n, _ in m.named_parameters()])
        m2 = nn.LazyLinear(2)
        m2.load_state_dict({'weight': lib.ones(2, 4), 'bias': lib.zeros(2)})
        return before, after, type(m2.weight).__name__, m2.weight, m2(lib.ones(1, 4))
    run_both(body)


# ---------------------------------------------------------------- nn.init
@pytest.mark.parametrize('shape', [(5, 3), (4, 3, 2, 2), (6, 2, 7)])
def test_calculate_fan_in_and_fan_out(both, shape):
    def body(lib):
        return lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(*shape))
    run_both(body)


def test_calculate_gain_and_errors(both):
    def body(lib):
        g = lib.nn.init.calculate_gain
        return ([g(n) for n in ('linear', 'conv2d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu')],
                g('leaky_relu', 0.2), g('leaky_relu', 1), err(lambda: g('leaky_relu', True)), err(lambda: g('foo')),
                err(lambda: lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(3))),
                err(lambda: lib.nn.init.kaiming_uniform_(lib.empty(3, 3), mode='fan_avg')),
                err(lambda: lib.nn.init.eye_(lib.empty(2, 2, 2))),
                err(lambda: lib.nn.init.orthogonal_(lib.empty(3))),
                err(lambda: lib.nn.init.dirac_(lib.empty(2, 2))))
    run_both(body)


def _stats(t):
    a = np.asarray(t.detach().cpu().numpy(), dtype=np.float64)
    return float(a.mean()), float(a.std()), float(a.min()), float(a.max())


@pytest.mark.parametrize('name,args,kwargs', [
    ('uniform_', (-2.0, 3.0), {}), ('normal_', (1.0, 2.0), {}), ('xavier_uniform_', (), {'gain': 2.0}),
    ('xavier_normal_', (), {}), ('kaiming_uniform_', (), {'a': math.sqrt(5)}),
    ('kaiming_uniform_', (), {'mode': 'fan_out', 'nonlinearity': 'relu'}), ('kaiming_normal_', (), {}),
    ('kaiming_normal_', (), {'a': 0.1, 'mode': 'fan_out', 'nonlinearity': 'leaky_relu'}),
    ('trunc_normal_', (), {'std': 0.5, 'a': -0.6, 'b': 0.8}), ('trunc_normal_', (0.0, 1.0, 1.0, 4.0), {}),
])
def test_init_distributions(name, args, kwargs):
    """The same distribution as torch's: mean, std and range of 200k draws agree."""
    res = {}
    for lib in (torch, ember):
        lib.manual_seed(0)
        w = lib.empty(400, 250, 2, requires_grad=True)
        out = getattr(lib.nn.init, name)(w, *args, **kwargs)
        assert out is w and w.requires_grad and w.grad_fn is None
        res[lib] = _stats(w)
    tm, ts, tmin, tmax = res[torch]
    em, es, emin, emax = res[ember]
    assert abs(em - tm) < 0.02 * ts + 1e-3
    assert es == pytest.approx(ts, rel=0.02)
    if name in ('uniform_', 'xavier_uniform_', 'kaiming_uniform_', 'trunc_normal_'):
        assert emin == pytest.approx(tmin, rel=0.02, abs=0.01) and emax == pytest.approx(tmax, rel=0.02, abs=0.01)


def test_linear_default_init_distribution():
    """Linear: weight U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with a=sqrt(5)), bias the same bound."""
    for lib in (ember, torch):
        m = lib.nn.Linear(400, 500)
        bound = 1 / math.sqrt(400)
        w = m.weight.detach().numpy()
        b = m.bias.detach().numpy()
        assert w.shape == (500, 400) and w.dtype == np.float32
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
        assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
        assert np.abs(b).max() <= bound and abs(b.mean()) < 0.2 * bound
        e = lib.nn.Embedding(1000, 100).weight.detach().numpy()
        assert abs(e.std() - 1) < 0.02 and abs(e.mean()) < 0.02


def test_init_deterministic_fills_and_seeding(both):
    def body(lib):
        init = lib.nn.init
        a, b, c, d = lib.empty(2, 3), lib.empty(3, 2), lib.empty(2, 2), lib.empty(4, 2, 3)
        init.constant_(a, 0.3)
        init.ones_(c)
        e = init.eye_(b)
        init.dirac_(d, groups=2)
        z = init.zeros_(lib.empty(2, requires_grad=True))
        return a, c, e, d, z, init.eye_(lib.empty(3, 4))
    run_both(body)


def test_init_seeding_reproducible():
    ember.manual_seed(5)
    a = ember.nn.Linear(3, 4).weight.detach().clone()
    ember.manual_seed(5)
    b = ember.nn.Linear(3, 4).weight.detach().clone()
    assert ember.equal(a, b)


@pytest.mark.parametrize('shape', [(6, 4), (4, 6), (3, 2, 4)])
def test_orthogonal_init(shape):
    for lib in (torch, ember):
        w = lib.empty(*shape)
        lib.nn.init.orthogonal_(w, gain=2.0)
        m = w.reshape(shape[0], -1).numpy().astype(np.float64)
        g = m @ m.T if shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(g, 4 * np.eye(g.shape[0]), atol=1e-5)


def test_sparse_init_zeros_per_column():
    for lib in (torch, ember):
        w = lib.empty(10, 6)
        lib.nn.init.sparse_(w, 0.3)
        assert ((w == 0).sum(0) >= 3).all()


def test_init_deprecated_aliases_warn():
    for lib in (torch, ember):
        with pytest.warns(FutureWarning, match=r'`nn.init.normal` is now deprecated in favor of `nn.init.normal_`'):
            lib.nn.init.normal(lib.empty(2))


# ---------------------------------------------------------------- nn.utils
def _with_grads(lib, seed=0, dtype=np.float32, scale=1.0):
    rng = np.random.default_rng(seed)
    ps = []
    for shape in ((3, 4), (4,), (2, 2, 2)):
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(shape).astype(dtype)))
        p.grad = lib.tensor((rng.standard_normal(shape) * scale).astype(dtype))
        ps.append(p)
    return ps


@pytest.mark.parametrize('norm_type', [2.0, 1, 3.5, math.inf, 'inf', 0.5])
@pytest.mark.parametrize('max_norm', [0.5, 100.0])
def test_clip_grad_norm_matches_torch(both, norm_type, max_norm):
    def body(lib):
        ps = _with_grads(lib)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        return total, [p.grad for p in ps], [p for p in ps]
    run_both(body)


def test_clip_grad_norm_forms_and_errors(both):
    def body(lib):
        ps = _with_grads(lib, seed=2)
        single = lib.nn.utils.clip_grad_norm_(ps[0], 1.0)
        gen = lib.nn.utils.clip_grad_norm_((p for p in ps), 1.0, foreach=True)
        none = lib.nn.utils.clip_grad_norm_([lib.nn.Parameter(lib.ones(2))], 1.0)
        bad = _with_grads(lib)
        bad[1].grad[0] = float('nan')
        e = err(lambda: lib.nn.utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True))
        nan_total = lib.nn.utils.clip_grad_norm_(bad, 1.0)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            empty = lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)
        return single, gen, [p.grad for p in ps], none, e, nan_total, empty, [str(x.message) for x in w]
    run_both(body)


def test_clip_grad_norm_float64_and_model(both):
    def body(lib):
        ps = _with_grads(lib, dtype=np.float64, scale=3.0)
        total = lib.nn.utils.clip_grad_norm_(ps, 2.0)
        model = fill(lib, lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 1)))
        model(data(lib, 8, 3)).sum().backward()
        t2 = lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        after = lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1e9)
        return total, [p.grad for p in ps], t2, after, model[0].weight.grad
    run_both(body, rtol=1e-5, atol=1e-6)


def test_clip_grad_value(both):
    def body(lib):
        ps = _with_grads(lib, scale=2.0)
        r = lib.nn.utils.clip_grad_value_(ps, 0.5)
        one = _with_grads(lib, seed=4)[0]
        lib.nn.utils.clip_grad_value_(one, 0.1, foreach=False)
        return r, [p.grad for p in ps], one.grad
    run_both(body)


def test_parameters_to_vector_and_back(both):
    def body(lib):
        model = fill(lib, lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Linear(2, 1)))
        v = lib.nn.utils.parameters_to_vector(model.parameters())
        ids = [id(p) for p in model.parameters()]
        lib.nn.utils.vector_to_parameters(lib.arange(float(v.numel())), model.parameters())
        return (v, v.requires_grad, list(model.parameters()), [id(p) for p in model.parameters()] == ids,
                err(lambda: lib.nn.utils.vector_to_parameters([1, 2], model.parameters())))
    run_both(body)
