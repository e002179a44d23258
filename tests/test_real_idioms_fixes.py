"""Conformance tests for the differences found by the research-idiom scripts
(tests/scripts/real_idioms/, tests/test_real_idioms_scripts.py)."""
import pytest

from conformance import cpu_random_only


def _fn_classes(lib):
    class Identity(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, mode):
            if mode == 'as_is':
                return x
            if mode == 'view':
                return x.view_as(x)
            if mode == 'new_view':
                return lib.zeros(3, 2)[0]
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, None

    class Pair(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x, y

        @staticmethod
        def backward(ctx, gx, gy):
            return gx, gy
    return Identity, Pair


@pytest.mark.parametrize('mode', ['as_is', 'view', 'new_view', 'copy'])
def test_inplace_on_custom_function_view_output(both, mode):
    # Grad-CAM: a full backward hook wraps a module's tensors in BackwardHookFunction (returned
    # as-is); torch refuses an in-place op on such an output while grad mode is on
    def body(lib):
        Identity, _ = _fn_classes(lib)
        x = lib.tensor([0.5, -1.0], requires_grad=True)
        y = Identity.apply(x, mode)
        with lib.no_grad():
            y.add_(1)                                   # allowed without grad
        z = Identity.apply(x.detach(), mode).add_(1)    # no grad: allowed
        y.add_(1)
        return y, z
    both(body, match='Output 0 of Identity is a view and is being modified inplace' if mode != 'copy' else None)


def test_inplace_on_multi_output_custom_function_view(both):
    def body(lib):
        _, Pair = _fn_classes(lib)
        a, b = Pair.apply(lib.ones(2, requires_grad=True), lib.ones(2))
        return b.mul_(2)
    both(body, match='Output 1 of Pair is a view .* returns multiple views')


def test_full_backward_hook_then_inplace_relu(both):
    def body(lib):
        nn = lib.nn
        lib.manual_seed(0)
        conv, act = nn.Conv2d(1, 2, 3), nn.ReLU(inplace=True)
        conv.register_full_backward_hook(lambda m, gi, go: None)
        act.register_full_backward_hook(lambda m, gi, go: None)
        return act(conv(lib.randn(1, 1, 5, 5)))
    both(body, match='Output 0 of BackwardHookFunction is a view and is being modified inplace')


def test_full_backward_hook_with_out_of_place_relu_still_works(both):
    cpu_random_only()          # (the modules are initialised with random draws)
    def body(lib):
        nn = lib.nn
        lib.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())
        seen = []
        model[1].register_full_backward_hook(lambda m, gi, go: seen.append(go[0].sum()))
        x = lib.randn(1, 1, 5, 5, requires_grad=True)
        model(x).pow(2).sum().backward()
        return seen, x.grad
    both(body)


@pytest.mark.parametrize('case', ['grad', 'plain', 'nongrad_input', 'none', 'int', 'not_tensor', 'isinstance'])
def test_autograd_variable(both, case):
    # improved-WGAN's gradient penalty: interpolates = autograd.Variable(interpolates, requires_grad=True)
    def body(lib):
        from_ = lib.autograd.Variable
        a = lib.tensor([0.5, -1.25, 2.0], requires_grad=True)
        b = a * 2
        if case == 'grad':
            v = from_(b, requires_grad=True)
            (v * v).sum().backward()
            return v, v.is_leaf, v.grad_fn is None, v.grad, a.grad, v is b
        if case == 'plain':
            v = from_(b)
            return v, v.requires_grad, v.is_leaf, v is b
        if case == 'nongrad_input':
            return from_(lib.ones(2), True)
        if case == 'none':
            return from_()
        if case == 'int':
            return from_(lib.ones(2, dtype=lib.long), requires_grad=True)
        if case == 'not_tensor':
            return from_(3)
        return isinstance(a, from_), isinstance(b, from_), isinstance(3, from_)
    both(body)


@pytest.mark.parametrize('act', ['leaky_relu', 'hardtanh', 'relu6', 'threshold', 'relu'])
def test_double_backward_of_piecewise_linear_gives_zero_grad(both, act):
    # WGAN-GP with a LeakyReLU critic: the gradient penalty's backward reaches the first-layer
    # bias through leaky_relu's backward, with a zero (not a missing) gradient
    def body(lib):
        F = lib.nn.functional
        f = {'leaky_relu': lambda t: F.leaky_relu(t, 0.2), 'hardtanh': F.hardtanh, 'relu6': F.relu6,
             'threshold': lambda t: F.threshold(t, 0.1, 2.0), 'relu': F.relu}[act]
        x = lib.tensor([-1.5, -0.2, 0.3, 0.9, 7.0], requires_grad=True)
        b = lib.zeros(5, requires_grad=True)
        w = lib.tensor([0.5, -1.0, 2.0, 1.5, -0.5], requires_grad=True)
        g, = lib.autograd.grad((f(x + b) * w).sum(), x, create_graph=True)
        (g * g).sum().backward()
        return g, type(g.grad_fn).__name__, b.grad, w.grad
    both(body)


def test_gradient_penalty_leaky_critic_bias_grads(both):
    cpu_random_only()

    def body(lib):
        nn = lib.nn
        lib.manual_seed(0)
        D = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
        x = lib.randn(4, 2, requires_grad=True)
        out = D(x)
        g = lib.autograd.grad(out, x, grad_outputs=lib.ones_like(out), create_graph=True)[0]
        ((g.norm(2, dim=1) - 1) ** 2).mean().backward()
        return D[0].weight.grad, D[0].bias.grad, D[2].weight.grad, D[2].bias.grad
    both(body)


@pytest.mark.parametrize('case', ['beta', 'beta_small', 'gamma', 'gamma64', 'dirichlet', 'chi2', 'after'])
def test_gamma_family_draws_are_torchs(both, case):
    # mixup / timm Mixup: lam = Beta(alpha, alpha).sample(); the draws come from torch's stream
    cpu_random_only()

    def body(lib):
        D = lib.distributions
        lib.manual_seed(3)
        if case == 'beta':
            return D.Beta(lib.tensor([0.4, 1.0, 2.0]), lib.tensor([0.4, 1.0, 5.0])).sample((4,))
        if case == 'beta_small':
            return D.Beta(lib.tensor(0.2), lib.tensor(0.2)).sample((6,))
        if case == 'gamma':
            return D.Gamma(lib.tensor([0.3, 1.0, 2.5, 7.0]), lib.tensor(2.0)).sample((3,))
        if case == 'gamma64':
            return D.Gamma(lib.tensor([0.3, 1.0, 2.5], dtype=lib.float64), 1.0).sample((2,))
        if case == 'dirichlet':
            return D.Dirichlet(lib.tensor([0.1, 1.0, 3.0])).sample((3,))
        if case == 'chi2':
            return D.Chi2(lib.tensor([3.0, 0.5])).sample((2,))
        D.Beta(lib.tensor([0.5]), lib.tensor([0.5])).sample((5,))
        return lib.randn(3), lib.rand(2), lib.randperm(6)      # the stream is where torch's is
    both(body)


def test_gamma_rsample_grad_fn(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        c = lib.tensor([0.5, 2.0], requires_grad=True)
        s = lib.distributions.Gamma(c, lib.tensor(1.5)).rsample()
        return s, type(s.grad_fn).__name__
    both(body)


@pytest.mark.parametrize('op', ['maximum', 'minimum', 'maximum_', 'minimum_'])
def test_foreach_maximum_minimum_scalar(both, op):
    def body(lib):
        ts = [lib.tensor([1.0, 5.0, -2.0]), lib.tensor([[3.0, 0.5]])]
        r = getattr(lib, '_foreach_' + op)(ts, 2.0)
        return (list(r) if r is not None else None), ts
    both(body)


@pytest.mark.parametrize('case', ['identity', 'fp16', 'count', 'save_on_cpu', 'custom_fn', 'double', 'modified'])
def test_saved_tensors_hooks(both, case):
    # activation offloading / compression: torch.autograd.graph.saved_tensors_hooks(pack, unpack)
    def body(lib):
        G = lib.autograd.graph
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
        w = lib.tensor([[1.0, -2.0], [0.5, 0.5], [-1.0, 3.0]], requires_grad=True)
        log = []

        def pack(t):
            log.append(tuple(t.shape))
            return (t.to(lib.float16), t.dtype) if case == 'fp16' else t

        def unpack(p):
            log.append('unpack')
            return p[0].to(p[1]) if case == 'fp16' else p
        if case == 'save_on_cpu':
            with G.save_on_cpu(pin_memory=False):
                y = (lib.tanh(x @ w) * 2).sum()
            y.backward()
            return x.grad, w.grad
        if case == 'custom_fn':
            class Sq(lib.autograd.Function):
                @staticmethod
                def forward(ctx, a):
                    ctx.save_for_backward(a)
                    return a * a

                @staticmethod
                def backward(ctx, g):
                    a, = ctx.saved_tensors
                    return 2 * a * g
            with G.saved_tensors_hooks(pack, unpack):
                y = Sq.apply(x).sum()
            y.backward()
            return x.grad, log
        if case == 'double':
            with G.saved_tensors_hooks(pack, unpack):
                y = (x ** 3).sum()
            g, = lib.autograd.grad(y, x, create_graph=True)
            gg, = lib.autograd.grad(g.sum(), x)
            return g, gg, type(g.grad_fn).__name__
        if case == 'modified':
            with G.saved_tensors_hooks(pack, unpack):
                z = x * 1
                y = (z.exp() * z).sum()
            z.add_(1)
            return y.backward()
        with G.saved_tensors_hooks(pack, unpack):
            if case == 'count':         # (the order of an op's own saves is torch's generated code's)
                y = (x * w.t()).sum()
            else:
                h = lib.relu(x @ w)
                y = (h.exp() * h).sum()
        y.backward()
        return x.grad, w.grad, log if case == 'count' else len(log) > 0
    both(body, rtol=1e-3 if case == 'fp16' else 1.3e-6)


def test_disable_saved_tensors_hooks(both):
    def body(lib):
        G = lib.autograd.graph
        with G.disable_saved_tensors_hooks('offloading is not allowed here'):
            with G.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    both(body, match='offloading is not allowed here')


def test_nonreentrant_checkpoint_keeps_the_functions_graph(both):
    # print(checkpoint(block, x, use_reentrant=False)) shows the block's last op as grad_fn
    cpu_random_only()

    def body(lib):
        nn = lib.nn
        from importlib import import_module
        C = import_module(lib.__name__ + '.utils.checkpoint')
        lib.manual_seed(0)
        block = nn.Sequential(nn.Linear(3, 6), nn.GELU(), nn.Dropout(0.5), nn.Linear(6, 2))
        x = lib.randn(4, 3, requires_grad=True)
        lib.manual_seed(1)
        y = C.checkpoint(block, x, use_reentrant=False)
        y.pow(2).sum().backward()
        gx, gw = x.grad.clone(), block[0].weight.grad.clone()
        x.grad = None
        block.zero_grad()
        lib.manual_seed(1)
        block(x).pow(2).sum().backward()
        return y, type(y.grad_fn).__name__, gx, gw, x.grad, block[0].weight.grad
    both(body)
