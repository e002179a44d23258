"""Forward-mode AD (torch.autograd.forward_ad): dual tensors, unpack_dual's tangents (J t), custom
Functions' jvp and gradcheck(check_forward_ad=True), each compared with torch."""
import pytest

from conformance import cpu_random_only


def _fw(lib):
    return lib.autograd.forward_ad


def _jvp(lib, fn, *shapes, dtype=None, seed=0):
    """(primal out, tangent out) of fn at seeded inputs with seeded tangents, computed with dual tensors."""
    fwAD = _fw(lib)
    dtype = dtype or lib.float64
    g = lib.Generator().manual_seed(seed)
    xs = [lib.randn(*s, generator=g, dtype=dtype) for s in shapes]
    ts = [lib.randn(*s, generator=g, dtype=dtype) for s in shapes]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x, t) for x, t in zip(xs, ts)]
        out = fn(lib, *duals)
        p, t = fwAD.unpack_dual(out)
        return p, t, p.requires_grad, out.requires_grad


OPS = {
    'sin_mul': (lambda lib, x: x.sin() * 3 + x ** 2, [(4,)]),
    'exp_log': (lambda lib, x: (x.exp() + 1).log(), [(3, 2)]),
    'matmul': (lambda lib, a, b: a @ b, [(3, 4), (4, 2)]),
    'broadcast_div': (lambda lib, a, b: a / (b.abs() + 1), [(3, 4), (4,)]),
    'softmax': (lambda lib, x: lib.softmax(x, dim=-1), [(2, 5)]),
    'log_softmax_nll': (lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([1, 0, 3])), [(3, 4)]),
    'reductions': (lambda lib, x: x.sum(0) * x.mean() + x.amax(1).sum(), [(3, 4)]),
    'tanh_sigmoid': (lambda lib, x: lib.tanh(x) * lib.sigmoid(x), [(5,)]),
    'relu_gelu': (lambda lib, x: lib.nn.functional.gelu(x) + lib.relu(x), [(6,)]),
    'views': (lambda lib, x: x.t().reshape(-1)[1:5].unsqueeze(0).expand(2, 4), [(3, 2)]),
    'cat_stack': (lambda lib, a, b: lib.cat([a, b * 2]).stack([a.sum(0)] * 2) if False else
                  lib.cat([lib.stack([a, b]).sum(0), a * b]), [(2, 3), (2, 3)]),
    'index': (lambda lib, x: x[lib.tensor([2, 0, 2])] * x[1], [(3, 2)]),
    'conv2d': (lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1), [(1, 2, 5, 5), (3, 2, 3, 3)]),
    'layer_norm': (lambda lib, x: lib.nn.functional.layer_norm(x, (4,)), [(3, 4)]),
    'linalg': (lambda lib, a: lib.linalg.inv(a @ a.mT + lib.eye(3, dtype=a.dtype)), [(3, 3)]),
    'cumsum_where': (lambda lib, x: lib.where(x > 0, x.cumsum(0), -x), [(6,)]),
}


@pytest.mark.parametrize('name', sorted(OPS))
def test_tangents_of_ops(both, name):
    fn, shapes = OPS[name]
    both(lambda lib: _jvp(lib, fn, *shapes))


def test_float32_and_zero_derivative_and_integer_results(both):
    def body(lib):
        fwAD = _fw(lib)
        x = lib.tensor([1.5, -2.0, 0.25])
        with fwAD.dual_level():
            d = fwAD.make_dual(x, lib.tensor([1.0, 0.5, -1.0]))
            return (fwAD.unpack_dual(d * d).tangent, fwAD.unpack_dual(d.floor()).tangent,
                    fwAD.unpack_dual(d.argmax()), fwAD.unpack_dual(d.detach()).tangent,
                    fwAD.unpack_dual(lib.ones(3)).tangent), fwAD.unpack_dual(3.0)
    both(body)


def test_tangent_identity_layout_and_dtype(both):
    def body(lib):
        fwAD = _fw(lib)
        x = lib.tensor([1.0, 2.0])
        t = lib.tensor([1.0, 0.5])
        strided = lib.ones(2, 4)[:, 0]
        with fwAD.dual_level():
            d = fwAD.make_dual(x, t)
            d2 = fwAD.make_dual(x, strided)
            d64 = fwAD.make_dual(x, lib.ones(2, dtype=lib.float64))
            return (fwAD.unpack_dual(d).tangent is t, fwAD.unpack_dual(d2).tangent is strided,
                    fwAD.unpack_dual(d2).tangent.stride(), fwAD.unpack_dual(d64).tangent.dtype,
                    fwAD.unpack_dual(d64 * 2).tangent, fwAD.unpack_dual(d).primal)
    both(body)


def test_flags_and_printing_of_duals(both):
    def body(lib):
        fwAD = _fw(lib)
        x = lib.tensor([1.0, 2.0])
        with fwAD.dual_level() as level:
            d = fwAD.make_dual(x, lib.tensor([1.0, 0.5]))
            y = d.sin() * 3
            s = (d * d).sum()
            inside = (level, repr(d), str(y), repr(s), d.requires_grad, d.is_leaf, y.requires_grad, y.is_leaf,
                      d.grad_fn is None, fwAD.unpack_dual(y).primal.requires_grad)
        return inside + (fwAD.unpack_dual(y).tangent, repr(y), y.requires_grad, fwAD.unpack_dual(y).primal)
    both(body)


def test_requires_grad_primal_keeps_reverse_mode(both):
    def body(lib):
        fwAD = _fw(lib)
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        with fwAD.dual_level():
            dw = fwAD.make_dual(w, lib.tensor([1.0, 0.5, 2.0]))
            out = (dw * dw.exp()).sum()
            tangent = fwAD.unpack_dual(out).tangent.detach()
            out.backward()
            primal = fwAD.unpack_dual(out).primal
            return (dw.requires_grad, dw.is_leaf, dw.grad_fn.name(), out.requires_grad, tangent, w.grad,
                    primal.requires_grad)
    both(body)


def test_inplace_on_dual(both):
    def body(lib):
        fwAD = _fw(lib)
        x = lib.tensor([1.0, 2.0, 3.0])
        with fwAD.dual_level():
            d = fwAD.make_dual(x, lib.tensor([1.0, 1.0, -1.0]))
            d.mul_(2)
            d[0] = 5.0
            # (cloned: torch updates a dual's tangent object in place, ember makes a new one)
            t1 = fwAD.unpack_dual(d).tangent.clone()
            return t1, x.clone(), fwAD.unpack_dual(d.exp_()).tangent
    both(body)


def test_errors(both):
    def no_level(lib):
        return _fw(lib).make_dual(lib.ones(2), lib.ones(2))
    both(no_level, match='no level exists')

    def bad(lib, case):
        fwAD = _fw(lib)
        with fwAD.dual_level():
            if case == 'size':
                return fwAD.make_dual(lib.ones(2), lib.ones(3))
            if case == 'int':
                return fwAD.make_dual(lib.tensor([1, 2]), lib.ones(2))
            if case == 'int_tangent':
                return fwAD.make_dual(lib.ones(2), lib.tensor([1, 2]))
            if case == 'nested':
                with fwAD.dual_level():
                    pass
            if case == 'exit_other':
                fwAD.exit_dual_level(level=1)
    for case, msg in [('size', 'different size'), ('int', 'Expected primal to be floating point'),
                      ('int_tangent', 'Expected tangent to be floating point'), ('nested', 'Nested forward mode'),
                      ('exit_other', 'not the last one')]:
        both(lambda lib: bad(lib, case), match=msg)

    def exit_without(lib):
        _fw(lib).exit_dual_level()
    both(exit_without, match='Dual level must be a positive number')

    def enter_exit(lib):
        fwAD = _fw(lib)
        i = fwAD.enter_dual_level()
        fwAD.exit_dual_level(level=i)
        return i
    both(enter_exit)


def test_module_parameters_as_duals(both):
    # the forward-AD tutorial: swap a module's parameters for duals, or pass them to functional_call
    def body(lib):
        cpu_random_only()
        fwAD = _fw(lib)
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(5, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
        inp = lib.randn(6, 5)
        params = dict(model.named_parameters())
        tangents = {n: lib.rand_like(p) for n, p in params.items()}
        with fwAD.dual_level():
            dual_params = {n: fwAD.make_dual(p, tangents[n]) for n, p in params.items()}
            out = lib.func.functional_call(model, dual_params, (inp,))
            jvp = fwAD.unpack_dual(out).tangent.detach()
            lin = lib.nn.Linear(5, 3)
            names = [n for n, _ in lin.named_parameters()]
            for n in names:
                p = getattr(lin, n)
                delattr(lin, n)
                setattr(lin, n, fwAD.make_dual(p.detach(), lib.ones_like(p)))
            jvp2 = fwAD.unpack_dual(lin(inp)).tangent
        return jvp, jvp2
    both(body)


def _exp_fn(lib, with_backward):
    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, foo):
            result = lib.exp(foo)
            ctx.result = result
            ctx.save_for_forward(result)
            return result

        @staticmethod
        def jvp(ctx, g_in):
            (r,) = ctx.saved_tensors
            return g_in * r

    if with_backward:
        def backward(ctx, g):
            return g * ctx.result
        Exp.backward = staticmethod(backward)
    return Exp


@pytest.mark.parametrize('requires_grad', [True, False])
def test_custom_function_jvp(both, requires_grad):
    def body(lib):
        cpu_random_only()
        fwAD = _fw(lib)
        Exp = _exp_fn(lib, with_backward=False)
        lib.manual_seed(1)
        primal = lib.randn(3, 3, dtype=lib.float64, requires_grad=requires_grad)
        tangent = lib.randn(3, 3, dtype=lib.float64)
        with fwAD.dual_level():
            d = fwAD.make_dual(primal, tangent)
            out = Exp.apply(d)
            mixed = Exp.apply(d) * d + d.sin()      # the custom node and plain ops on one path
            return fwAD.unpack_dual(out).tangent.detach(), fwAD.unpack_dual(mixed).tangent.detach()
    both(body)


def test_gradcheck_forward_ad(both):
    def body(lib):
        cpu_random_only()
        lib.manual_seed(2)
        x = lib.randn(3, 2, dtype=lib.float64, requires_grad=True)
        y = lib.randn(2, dtype=lib.float64, requires_grad=True)
        Exp = _exp_fn(lib, with_backward=False)
        ok1 = lib.autograd.gradcheck(Exp.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                     check_undefined_grad=False, check_batched_grad=False)
        ok2 = lib.autograd.gradcheck(lambda a, b: (a * b).tanh().sum(0), (x, y), check_forward_ad=True)
        ok3 = lib.autograd.gradcheck(lambda a: lib.linalg.det(a @ a.T + 1), (x,), check_forward_ad=True)
        return ok1, ok2, ok3
    both(body)


def test_gradcheck_forward_ad_catches_a_wrong_jvp(both):
    def body(lib):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def jvp(ctx, g):
                return g * 3

        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        return lib.autograd.gradcheck(Bad.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                      check_undefined_grad=False, raise_exception=False), \
            lib.autograd.gradcheck(Bad.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                   check_undefined_grad=False)
    both(body, match='Jacobian computed with forward mode mismatch')


def test_flags_of_ordinary_tensors_after_forward_ad(both):
    # once a dual tensor has been made, requires_grad / is_leaf / repr look past forward-AD graphs:
    # ordinary results, sparse ones (their leaves have their own accumulator class) and views keep theirs
    def body(lib):
        fwAD = _fw(lib)
        with fwAD.dual_level():
            fwAD.make_dual(lib.ones(2), lib.ones(2))
        w = lib.ones(2, 2, requires_grad=True)
        s = lib.sparse_coo_tensor([[0, 1], [1, 0]], [1., 2.], (2, 2), requires_grad=True)
        y = (w * 2)[0]
        r = -s
        return (y.requires_grad, y.is_leaf, repr(y), r.requires_grad, r.is_leaf, w.requires_grad, w.is_leaf,
                s.requires_grad, lib.ones(2).requires_grad)
    both(body)
