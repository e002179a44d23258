"""Autograd semantics against PyTorch: graph structure (grad_fn names, next_functions),
backward / autograd.grad options, leaves, retain_grad, hooks, grad modes, detach, torch's
errors (freed graphs, in-place changes to saved tensors, leaves), higher-order gradients and
in-place ops (also on views and through ``__setitem__``) inside graphs."""
import re
import warnings

import pytest

from conformance import run_both, torch
from torch_versions import requires_torch_2_13, torch_older_than_2_13
import ember


CREATE_GRAPH_WARNING = (
    'Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient '
    'which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you '
    'have to use this function, make sure to reset the .grad fields of your parameters to None after use to break '
    'the cycle and avoid the leak.')
# torch warns about create_graph=True in backward() once per process; the test below checks ember's warning
pytestmark = pytest.mark.filterwarnings('ignore:Using backward\\(\\) with create_graph=True:UserWarning')


def sig(fn, depth=8):
    """A grad_fn's structure: (type name, ((child signature, output_nr), ...))."""
    if fn is None:
        return None
    if depth == 0:
        return type(fn).__name__
    return (type(fn).__name__, tuple((sig(n, depth - 1), nr) for n, nr in fn.next_functions))


def msg_equal(body, **kw):
    """Both raise; ember's message is torch's, word for word."""
    t, e = run_both(body, **kw)
    assert isinstance(t, Exception) and isinstance(e, Exception), (t, e)
    assert str(e) == str(t), f'\nember: {e}\ntorch: {t}'


def leaf(lib, data, **kw):
    return lib.tensor(data, dtype=lib.float64, requires_grad=True, **kw)


# ---------------------------------------------------------------- graph structure
GRAPHS = {
    'mul_add': lambda lib, x, y: x * y + x,
    'chain': lambda lib, x, y: (x * 2).exp().sin() / y,
    'rsub': lambda lib, x, y: 2 - x,
    'sub_scalar_first': lambda lib, x, y: lib.sub(2, x),
    'rsub_fn': lambda lib, x, y: lib.rsub(x, y),
    'rdiv': lambda lib, x, y: 2 / x,
    'div_scalar': lambda lib, x, y: x / 2,
    'pow': lambda lib, x, y: x ** 2,
    'rpow': lambda lib, x, y: 2 ** x,
    'pow_tt': lambda lib, x, y: x ** y,
    'mod': lambda lib, x, y: (x % 2, x % y, lib.fmod(x, 2), lib.fmod(x, y)),
    'floordiv': lambda lib, x, y: (x // 2, lib.div(x, y, rounding_mode='floor'), lib.remainder(2, x)),
    'unary': lambda lib, x, y: (-x).abs().sqrt().log().tanh().sigmoid().relu().square().rsqrt(),
    'round': lambda lib, x, y: (x.round(), x.round(decimals=1), x.floor(), x.sign(), x.trunc(), x.fix()),
    'where': lambda lib, x, y: (lib.where(x > 1, x, y), lib.where(x > 1, x, 2.), lib.where(x > 1, 0., y)),
    'clamp': lambda lib, x, y: (x.clamp(0, 1), x.clamp(min=y), x.clamp(max=y), x.clamp(y, y),
                                lib.clamp_min(x, 0.), lib.clamp_max(x, y), x.clamp_max(1)),
    'maxmin': lambda lib, x, y: (lib.maximum(x, y), lib.minimum(x, y), lib.fmax(x, y), lib.fmin(x, y)),
    'alpha': lambda lib, x, y: (lib.add(x, y, alpha=2), lib.sub(x, 1, alpha=3)),
    'reductions': lambda lib, x, y: ((x * y).sum(), x.mean(), (x * 2).sum(0)),
    'inplace': lambda lib, x, y: (x * 1).add_(1).mul_(y).exp_(),
    'shared': lambda lib, x, y: (lambda h: h * h + h.exp())(x * y),
}


@pytest.mark.parametrize('name', list(GRAPHS))
def test_grad_fn_names_and_next_functions(name):
    def body(lib):
        x = leaf(lib, [0.5, 1.5, 2.0])
        y = leaf(lib, [1.0, 2.0, 0.5])
        r = GRAPHS[name](lib, x, y)
        rs = r if isinstance(r, tuple) else (r,)
        return [sig(t.grad_fn) for t in rs], [t.requires_grad for t in rs], [t.is_leaf for t in rs]
    run_both(body)


def test_next_functions_point_at_the_same_nodes():
    def body(lib):
        x = leaf(lib, [1., 2.])
        h = x * 2
        a, b = h.exp(), h.sin()
        z = a + b
        (na, _), (nb, _) = z.grad_fn.next_functions
        acc1 = h.grad_fn.next_functions[0][0]
        acc2 = (x + 1).grad_fn.next_functions[0][0]
        return (na is a.grad_fn, nb is b.grad_fn, na.next_functions[0][0] is h.grad_fn,
                nb.next_functions[0][0] is h.grad_fn, acc1 is acc2, acc1.variable is x,
                type(acc1).__name__, acc1.next_functions)
    run_both(body)


def test_grad_fn_name_method_and_metadata():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = x * 2
        return y.grad_fn.name(), y.grad_fn.metadata, type(y.grad_fn.next_functions[0][0]).__name__
    run_both(body)


def test_grad_fn_callable():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = x * lib.tensor([3., 4.], dtype=lib.float64)
        return y.grad_fn(lib.ones(2, dtype=lib.float64))
    run_both(body)


# ---------------------------------------------------------------- backward options
def test_backward_gradient_argument():
    def body(lib):
        x = leaf(lib, [1., 2., 3.])
        y = x * x
        y.backward(lib.tensor([1., 0.5, -1.], dtype=lib.float64))
        g1 = x.grad.clone()
        x.grad = None
        (x * 2).backward(lib.tensor([1, 2, 3]))                          # an integer gradient is accepted
        g2 = x.grad.clone()
        x.grad = None
        (x * 2).backward(lib.ones(3, dtype=lib.float32))                 # a float32 one too
        g3 = x.grad
        x2 = leaf(lib, 2.)
        (x2 * 3).backward(lib.tensor(2., dtype=lib.float64))
        return g1, g2, g3, g3.dtype, x2.grad
    run_both(body)


def test_backward_gradient_errors():
    x = lambda lib: leaf(lib, [1., 2.])    # noqa: E731
    msg_equal(lambda lib: (x(lib) * 2).backward(lib.ones(3)))
    msg_equal(lambda lib: (x(lib) * 2).sum().backward(lib.ones(1)))
    msg_equal(lambda lib: (x(lib) * 2).backward(lib.ones(1)))
    run_both(lambda lib: (x(lib) * 2).backward([1., 1.]))
    run_both(lambda lib: (x(lib) * 2).sum().backward(2.))
    msg_equal(lambda lib: (x(lib) * 2).backward())
    msg_equal(lambda lib: lib.ones(2).sum().backward())
    msg_equal(lambda lib: lib.tensor(3.).backward())


def test_backward_retain_graph():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=False)
        g = x.grad.clone()
        try:
            y.backward()
            err = None
        except RuntimeError as e:
            err = str(e)
        return g, err
    t, e = run_both(body)
    assert e[1] is not None and e[1] == t[1]


def test_backward_twice_error_message():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = (x * x).sum()
        y.backward()
        y.backward()
    msg_equal(body)
    assert re.search('Trying to backward through the graph a second time', str(run_both(body)[1]))


def test_backward_twice_without_saved_tensors_is_fine():
    """A graph that saved nothing (add, sum) can be walked again, as in torch."""
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = (x + 2).sum()
        y.backward()
        y.backward()
        return x.grad
    run_both(body)


SECOND_BACKWARD = {
    'mul_scalar': lambda lib, x: x * 2, 'add_scalar': lambda lib, x: x + 2, 'sub_self': lambda lib, x: x - x,
    'div_scalar': lambda lib, x: x / 2, 'rdiv': lambda lib, x: 2 / x, 'exp': lambda lib, x: x.exp(),
    'relu': lambda lib, x: x.relu(), 'neg': lambda lib, x: -x, 'pow': lambda lib, x: x ** 2,
    'select': lambda lib, x: x[0], 'view': lambda lib, x: x.view(2), 'clamp': lambda lib, x: x.clamp(0, 1),
    'where': lambda lib, x: lib.where(x > 0, x, 0.), 'sign': lambda lib, x: x.sign(), 'abs': lambda lib, x: x.abs(),
    'maximum': lambda lib, x: lib.maximum(x, x), 'mod': lambda lib, x: x % 2, 'floor': lambda lib, x: x.floor(),
    'sum': lambda lib, x: x.sum(), 'sigmoid': lambda lib, x: x.sigmoid(), 'add_': lambda lib, x: (x + 0).add_(1),
    'mul_': lambda lib, x: (x + 0).mul_(2), 'add_tensor': lambda lib, x: x + lib.ones(2),
    'mul_tensor': lambda lib, x: x * lib.ones(2), 'clone': lambda lib, x: x.clone(),
}


@pytest.mark.parametrize('op', list(SECOND_BACKWARD))
def test_second_backward_fails_exactly_when_something_was_saved(op):
    def body(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = SECOND_BACKWARD[op](lib, x).sum()
        y.backward()
        try:
            y.backward()
            return x.grad, None
        except RuntimeError as e:
            return x.grad, str(e)
    run_both(body)


def test_backward_create_graph():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = (x ** 3).sum()
        y.backward(create_graph=True)
        g = x.grad
        info = (g.requires_grad, type(g.grad_fn).__name__ if g.grad_fn else None, g.is_leaf)
        x.grad = None
        g.sum().backward()
        return g.detach(), info, x.grad
    run_both(body)


def test_backward_create_graph_warns_once():
    from ember.autograd import engine
    engine._warned_create_graph[0] = False
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        x = ember.tensor([1., 2.], requires_grad=True)
        (x * x).sum().backward(create_graph=True)
        (x * x).sum().backward(create_graph=True)
        ember.autograd.grad((x * x).sum(), x, create_graph=True)
        (x * x).sum().backward()
    assert [(m.category, str(m.message)) for m in w] == [(UserWarning, CREATE_GRAPH_WARNING)]


def test_backward_inputs():
    def body(lib):
        x = leaf(lib, [1., 2.])
        w = leaf(lib, [3., 4.])
        h = x * w
        y = (h * h).sum()
        y.backward(inputs=[x], retain_graph=True)
        only_x = (x.grad.clone(), w.grad)
        y.backward(inputs=w, retain_graph=True)
        y.backward(inputs=[h], retain_graph=True)          # a non-leaf input gets .grad and retains it
        hg = (h.grad.clone(), h.retains_grad)
        y.backward(inputs=(x, h))
        return only_x, x.grad, w.grad, hg, h.grad
    run_both(body)


def test_backward_inputs_errors():
    msg_equal(lambda lib: (leaf(lib, [1.]) * 2).sum().backward(inputs=[]))
    run_both(lambda lib: (leaf(lib, [1.]) * 2).sum().backward(inputs=[lib.ones(1)]))


def test_autograd_backward_function():
    def body(lib):
        x = leaf(lib, [1., 2.])
        a, b = x * 2, x.exp()
        lib.autograd.backward([a.sum(), b], [None, lib.ones(2, dtype=lib.float64)])
        return x.grad
    run_both(body)


# ---------------------------------------------------------------- autograd.grad
def test_autograd_grad_basic_and_grad_outputs():
    def body(lib):
        x = leaf(lib, [1., 2., 3.])
        y = leaf(lib, [0.5, 0.25, 2.])
        z = x * y + x.exp()
        gx, gy = lib.autograd.grad(z, (x, y), grad_outputs=lib.tensor([1., 2., 3.], dtype=lib.float64),
                                   retain_graph=True)
        (g1,) = lib.autograd.grad(z.sum(), x, retain_graph=True)
        (g2,) = lib.autograd.grad([z.sum(), (z * 2).sum()], [x], retain_graph=True)
        (g3,) = lib.autograd.grad(z, [x], grad_outputs=[lib.ones(3, dtype=lib.float64)])
        return gx, gy, g1, g2, g3, x.grad, y.grad, gx.requires_grad
    run_both(body)


def test_autograd_grad_allow_unused_and_materialize():
    def body(lib):
        x = leaf(lib, [1., 2.])
        w = leaf(lib, [5.])
        y = (x * 2).sum()
        a = lib.autograd.grad(y, [x, w], allow_unused=True, retain_graph=True)
        b = lib.autograd.grad(y, [x, w], materialize_grads=True, retain_graph=True)
        c = lib.autograd.grad(y, [x, w], allow_unused=True, materialize_grads=True)
        return a, b, c
    run_both(body)

    def unused(lib, **kw):
        x = leaf(lib, [1.])
        return lib.autograd.grad((x * 2).sum(), [x, leaf(lib, [2.])], **kw)
    if not torch_older_than_2_13:   # "The differentiated Tensor at index 1" from torch 2.13 on ("One of ...")
        msg_equal(unused)
    msg_equal(unused, allow_unused=False, materialize_grads=True)


def test_autograd_grad_wrt_intermediate():
    def body(lib):
        x = leaf(lib, [1., 2.])
        h = x.exp()
        y = (h * h).sum()
        gh, gx = lib.autograd.grad(y, [h, x])
        return gh, gx, x.grad
    run_both(body)


def test_autograd_grad_create_graph():
    def body(lib):
        x = leaf(lib, [0.5, 1.5])
        y = (x.sin() * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        (g_plain,) = lib.autograd.grad((x.sin() * x).sum(), x)
        return g, g.requires_grad, gg, g_plain.requires_grad
    run_both(body)


def test_autograd_grad_errors():
    msg_equal(lambda lib: lib.autograd.grad((leaf(lib, [1.]) * 2).sum(), [lib.ones(1)]))
    msg_equal(lambda lib: lib.autograd.grad(lib.ones(1).sum(), [leaf(lib, [1.])]))
    msg_equal(lambda lib: (lambda x: lib.autograd.grad(x * 2, x))(leaf(lib, [1., 2.])))

    def twice(lib):
        x = leaf(lib, [1., 2.])
        y = (x * x).sum()
        lib.autograd.grad(y, x)
        lib.autograd.grad(y, x)
    msg_equal(twice)


# ---------------------------------------------------------------- leaves, requires_grad, retain_grad
def test_leaf_rules():
    def body(lib):
        a = leaf(lib, [1.])
        b = lib.tensor([1.])
        c = a * 2
        d = b * 2
        e = c.detach()
        f = a.clone()
        with lib.no_grad():
            g = a * 2
        h = lib.tensor([1.], requires_grad=True) + 0
        return [(t.is_leaf, t.requires_grad, t.grad_fn is None) for t in (a, b, c, d, e, f, g, h)]
    run_both(body)


def test_requires_grad_flag_changes():
    def body(lib):
        x = leaf(lib, [1.])
        y = x * 2
        r = y.requires_grad_(True)                # allowed on a non-leaf when it changes nothing
        return r is y, y.requires_grad
    run_both(body)
    msg_equal(lambda lib: (leaf(lib, [1.]) * 2).requires_grad_(False))
    msg_equal(lambda lib: setattr(leaf(lib, [1.]) * 2, 'requires_grad', False))
    msg_equal(lambda lib: setattr(leaf(lib, [1.]) * 2, 'requires_grad', True))
    msg_equal(lambda lib: lib.tensor([1, 2]).requires_grad_())
    msg_equal(lambda lib: lib.tensor([True]).requires_grad_())


def test_grad_setter():
    def body(lib):
        x = leaf(lib, [1., 2.])
        x.grad = lib.ones(2, dtype=lib.float64)
        (x * 3).sum().backward()
        g = x.grad.clone()
        del x.grad
        return g, x.grad
    run_both(body)
    run_both(lambda lib: setattr(leaf(lib, [1., 2.]), 'grad', 3))
    run_both(lambda lib: setattr(leaf(lib, [1., 2.]), 'grad', lib.ones(3, dtype=lib.float64)))
    run_both(lambda lib: setattr(leaf(lib, [1., 2.]), 'grad', lib.ones(2, dtype=lib.float32)))


def test_retain_grad():
    def body(lib):
        x = leaf(lib, [1., 2.])
        h = x * 3
        h.retain_grad()
        k = h.exp()
        k.retain_grad()
        y = (k + h).sum()
        y.backward()
        return h.grad, k.grad, h.retains_grad, x.retains_grad, y.retains_grad, x.grad
    run_both(body)
    msg_equal(lambda lib: lib.ones(2).retain_grad())


def test_retain_grad_with_create_graph():
    def body(lib):
        x = leaf(lib, [1., 2.])
        h = x * x
        h.retain_grad()
        (h * h).sum().backward(create_graph=True)
        return h.grad.requires_grad, x.grad.requires_grad, h.grad.detach(), x.grad.detach()
    run_both(body)


# ---------------------------------------------------------------- hooks
def test_hooks_on_leaves_and_non_leaves():
    def body(lib):
        x = leaf(lib, [1., 2.])
        seen = []
        x.register_hook(lambda g: seen.append(('x1', g.clone())))
        x.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: seen.append(('x3', g.clone())))
        y = x * 3
        y.register_hook(lambda g: g + 1)
        y.retain_grad()                                 # sees the value after every hook
        y.register_hook(lambda g: g * 2)
        y.register_hook(lambda g: seen.append(('y', g.clone())))
        (y * y).sum().backward()
        return seen, x.grad, y.grad
    run_both(body)


def test_hooks_apply_to_autograd_grad_and_backward_inputs():
    def body(lib):
        x = leaf(lib, [1., 2.])
        x.register_hook(lambda g: g * 2)
        y = x * 3
        y.register_hook(lambda g: g + 100)
        (gx,) = lib.autograd.grad(y.sum(), x)
        h = x * 1
        h.retain_grad()
        (gh,) = lib.autograd.grad((h * 2).sum(), x)
        (y * 1).sum().backward(inputs=[x])
        return gx, x.grad, gh, h.grad
    run_both(body)


def test_node_metadata_persists():
    def body(lib):
        x = leaf(lib, [1., 2.])
        z = x * 2
        z.grad_fn.metadata['tag'] = 'mine'
        return z.grad_fn.metadata, (x * 3).grad_fn.metadata
    run_both(body)


def test_hook_handle_remove():
    def body(lib):
        x = leaf(lib, [1., 2.])
        h = x.register_hook(lambda g: g * 100)
        (x * 2).sum().backward()
        first = x.grad.clone()
        h.remove()
        h.remove()
        x.grad = None
        (x * 2).sum().backward()
        y = x * 1
        hy = y.register_hook(lambda g: g * 0)
        hy.remove()
        y.sum().backward()
        return first, x.grad
    run_both(body)


def test_hook_errors():
    msg_equal(lambda lib: lib.ones(2).register_hook(lambda g: g))

    def bad_size(lib):
        x = leaf(lib, [1., 2.])
        x.register_hook(lambda g: lib.ones(3, dtype=lib.float64))
        (x * 2).sum().backward()
    msg_equal(bad_size)

    def bad_type(lib):
        x = leaf(lib, [1., 2.])
        y = x * 2

        def myhook(g):
            return g.float()
        y.register_hook(myhook)
        y.sum().backward()
    msg_equal(bad_type)

    def not_a_tensor(lib):
        x = leaf(lib, [1., 2.])
        y = x * 2
        y.register_hook(lambda g: 5)
        y.sum().backward()
    msg_equal(not_a_tensor)


def test_view_grad_fn_follows_inplace_change_of_its_base():
    """A view made before its base changed in place gets its gradient through that change."""
    def body(lib):
        x = leaf(lib, [1., 2., 3.])
        y = x * 1
        a = y[1:]
        b = a[0]
        c = y[0]
        y.mul_(2)
        c.mul_(5)
        a.exp_()
        (b * 3 + c).backward()
        x2 = leaf(lib, [1., 2., 3., 4.])
        y2 = x2.view(2, 2) * 1
        t = y2.t()
        y2.mul_(2)
        t[0].sum().backward()
        return x.grad, x2.grad
    run_both(body)


def test_hook_on_shared_input_sees_summed_grad():
    def body(lib):
        x = leaf(lib, [1., 2.])
        seen = []
        h = x * 2
        h.register_hook(lambda g: seen.append(g.clone()))
        (h * h + h.exp()).sum().backward()
        return seen, x.grad
    run_both(body)


def test_node_hooks():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = x * 3
        z = y.exp()
        seen = []

        def pre(grad_outputs):
            seen.append(('pre', [g.clone() for g in grad_outputs]))
            return (grad_outputs[0] * 2,)

        def post(grad_inputs, grad_outputs):
            seen.append(('post', [None if g is None else g.clone() for g in grad_inputs],
                         [g.clone() for g in grad_outputs]))
            return tuple(None if g is None else g + 1 for g in grad_inputs)
        y.grad_fn.register_prehook(pre)
        h = y.grad_fn.register_hook(post)
        z.sum().backward(retain_graph=True)
        first = x.grad.clone()
        h.remove()
        x.grad = None
        z.sum().backward()
        return seen, first, x.grad
    run_both(body)


def test_post_accumulate_grad_hook():
    def body(lib):
        x = leaf(lib, [1., 2.])
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append((t is x, t.grad.clone())))
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        return seen
    run_both(body)
    run_both(lambda lib: (leaf(lib, [1.]) * 2).register_post_accumulate_grad_hook(lambda t: None))


# ---------------------------------------------------------------- grad modes
def test_grad_mode_context_managers():
    def body(lib):
        x = leaf(lib, [1., 2.])
        out = []
        with lib.no_grad():
            out.append(((x * 2).requires_grad, lib.is_grad_enabled()))
            with lib.enable_grad():
                out.append(((x * 2).requires_grad, lib.is_grad_enabled()))
            out.append(lib.is_grad_enabled())
        with lib.set_grad_enabled(False):
            out.append((x * 2).requires_grad)
        out.append(lib.is_grad_enabled())
        with lib.set_grad_enabled(True):
            out.append((x * 2).requires_grad)
        lib.set_grad_enabled(False)                      # also a plain function call
        out.append(((x * 2).requires_grad, lib.is_grad_enabled()))
        lib.set_grad_enabled(True)
        out.append(lib.is_grad_enabled())
        with lib.inference_mode():
            y = x * 2
            out.append((y.requires_grad, y.grad_fn, lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
        out.append((lib.is_inference_mode_enabled(), x.is_inference(), (x * 2).is_inference()))
        with lib.inference_mode(False):
            out.append(((x * 2).requires_grad, lib.is_inference_mode_enabled()))
        with lib.inference_mode(mode=True):
            with lib.inference_mode(False):
                out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
        return out
    run_both(body)


def test_grad_mode_decorators():
    def body(lib):
        x = leaf(lib, [1., 2.])

        @lib.no_grad()
        def f1(t):
            return t * 2

        @lib.no_grad
        def f2(t):
            return t * 2

        @lib.enable_grad()
        def f3(t):
            return t * 2

        @lib.set_grad_enabled(False)
        def f4(t):
            return t * 2

        @lib.inference_mode()
        def f5(t):
            return t * 2

        @lib.inference_mode
        def f6(t):
            return t * 2

        @lib.enable_grad
        def f7(t):
            return t * 2
        after_decorating = lib.is_grad_enabled()
        res = [f1(x).requires_grad, f2(x).requires_grad, f4(x).requires_grad, f5(x).requires_grad,
               f6(x).requires_grad]
        with lib.no_grad():
            res.append((f3(x).requires_grad, f7(x).requires_grad, lib.is_grad_enabled()))
        return after_decorating, res, f1.__name__, f2.__name__, lib.is_grad_enabled()
    run_both(body)


def test_grad_mode_restored_after_exception_in_decorated_function():
    def body(lib):
        @lib.no_grad()
        def boom():
            raise ValueError('x')
        try:
            boom()
        except ValueError:
            pass
        return lib.is_grad_enabled()
    run_both(body)


def test_set_grad_enabled_rejects_non_bool():
    run_both(lambda lib: lib.set_grad_enabled(1))


def test_tensors_made_in_inference_mode_are_inference_tensors():
    def body(lib):
        x = leaf(lib, [1., 2.])
        with lib.inference_mode():
            y = x * 2
            z = lib.ones(2)

        @lib.inference_mode()
        def f(t):
            return t * 2
        return y.is_inference(), z.is_inference(), f(x).is_inference(), x.is_inference()
    t, _ = run_both(body)
    assert t == (True, True, True, False)


def test_inference_tensor_in_autograd_raises():
    # (ember checks the saved tensors only once inference_mode has been entered: no cost before)
    def body(lib):
        with lib.inference_mode():
            t = lib.ones(2)
        w = leaf(lib, [1., 2.]).float()
        (t * w).sum().backward()
        return w.grad if w.is_leaf else None
    run_both(body)


# ---------------------------------------------------------------- detach, detach_, requires_grad_
def test_detach_shares_storage_and_version():
    def body(lib):
        x = leaf(lib, [1., 2.])
        d = x.detach()
        info = (d.requires_grad, d.is_leaf, d.grad_fn, x.requires_grad)
        v0 = x._version
        d.mul_(3)
        return info, x, d, v0, x._version, d._version
    run_both(body)


@requires_torch_2_13     # names the node 'output 0 of Exp' from torch 2.13 on ('ExpBackward0' before)
def test_detach_of_non_leaf_and_changes_caught():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = x.exp()
        d = y.detach()
        d.zero_()                                         # exp saved its result: backward must refuse
        y.sum().backward()
    msg_equal(body)


def test_detach_inplace():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = x * 2
        r = y.detach_()
        return r is y, y.requires_grad, y.grad_fn, y.is_leaf, y
    run_both(body)
    msg_equal(lambda lib: (leaf(lib, [1., 2.]) * 2)[:1].detach_())
    msg_equal(lambda lib: leaf(lib, [1., 2.])[:1].detach_())


def test_data_attribute():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = x.exp()
        x.data.mul_(2)                        # .data hides the change from autograd
        z = (x * x).sum()
        z.backward()
        d = x.data
        return x.grad, d.requires_grad, d.is_leaf, x._version
    run_both(body)


# ---------------------------------------------------------------- torch's errors
def test_inplace_on_leaf_errors():
    msg_equal(lambda lib: leaf(lib, [1., 2.]).add_(1))
    msg_equal(lambda lib: leaf(lib, [1., 2.]).mul_(leaf(lib, [1., 2.])))
    msg_equal(lambda lib: leaf(lib, [1., 2.])[0].add_(1))
    msg_equal(lambda lib: leaf(lib, [1., 2.])[:1].mul_(2))
    msg_equal(lambda lib: leaf(lib, [[1., 2.]]).view(2).zero_())

    def setitem(lib):
        x = leaf(lib, [1., 2.])
        x[0] = 5.
    msg_equal(setitem)

    def iadd(lib):
        x = leaf(lib, [1., 2.])
        x += 1
    msg_equal(iadd)


def test_inplace_on_leaf_allowed_under_no_grad():
    def body(lib):
        x = leaf(lib, [1., 2.])
        with lib.no_grad():
            x.add_(1)
            x[0] = 10.
            x.mul_(2)
        return x, x.requires_grad, x.is_leaf, x.grad_fn, x._version
    run_both(body)


@requires_torch_2_13     # names the node 'output 0 of Exp' from torch 2.13 on ('ExpBackward0' before)
def test_inplace_modified_saved_tensor_error():
    def saved_input(lib):
        x = leaf(lib, [1., 2.])
        y = x * 2
        z = y * y
        y.add_(1)
        z.sum().backward()
    msg_equal(saved_input)

    def saved_output(lib):
        x = leaf(lib, [1., 2.])
        y = x.exp()
        y.add_(1)
        y.sum().backward()
    msg_equal(saved_output)

    def saved_plain(lib):
        w = lib.tensor([1., 2.])
        x = leaf(lib, [1., 2.]).float()
        z = x * w
        w.add_(1)
        w.mul_(2)
        z.sum().backward()
    msg_equal(saved_plain)

    def sigmoid_twice(lib):
        x = leaf(lib, [1., 2.])
        y = x.sigmoid()
        y.mul_(2)
        y.mul_(2)
        y.sum().backward()
    msg_equal(sigmoid_twice)


def test_inplace_on_tensor_not_saved_is_fine():
    def body(lib):
        x = leaf(lib, [1., 2.])
        c = lib.tensor([3., 4.], dtype=lib.float64)
        y = x + c                     # add saves nothing
        c.add_(1)
        w = lib.tensor([3., 4.], dtype=lib.float64)
        z = x * w                     # only w is saved (for x's gradient)...
        x2 = leaf(lib, [5., 6.])
        q = x2 * lib.tensor([2., 2.], dtype=lib.float64)
        (y.sum() + z.sum() + q.sum()).backward()
        return x.grad, x2.grad
    run_both(body)


# ---------------------------------------------------------------- higher-order gradients
def test_double_backward_cube():
    def body(lib):
        x = leaf(lib, [-1., 0.5, 2.])
        y = x ** 3
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x, create_graph=True)
        (ggg,) = lib.autograd.grad(gg.sum(), x)
        return g, gg, ggg, type(g.grad_fn).__name__, type(gg.grad_fn).__name__
    run_both(body)


@pytest.mark.parametrize('op', ['sin', 'tanh', 'exp', 'sigmoid', 'log', 'sqrt', 'reciprocal'])
def test_double_backward_unary(op):
    def body(lib):
        x = leaf(lib, [0.3, 0.9, 1.7])
        (g,) = lib.autograd.grad(getattr(x, op)().sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x, create_graph=True)
        (ggg,) = lib.autograd.grad(gg.sum(), x)
        return g, gg, ggg
    run_both(body, rtol=1e-6)


def test_hessian_vector_product():
    def body(lib):
        x = leaf(lib, [0.5, -1.0, 2.0])
        y = leaf(lib, [1.5, 0.25, -0.75])
        v = lib.tensor([1., 2., -1.], dtype=lib.float64)
        f = (x ** 2 * y).sum() + (x.sin() * y.exp()).sum() + (x * x * x / y).sum()
        gx, gy = lib.autograd.grad(f, (x, y), create_graph=True)
        hvx, hvy = lib.autograd.grad((gx * v).sum(), (x, y))
        return gx, gy, hvx, hvy
    run_both(body)


def test_grads_of_grads_through_many_ops():
    def body(lib):
        x = leaf(lib, [0.5, 1.5, 2.5])
        y = leaf(lib, [1.25, 0.75, 2.0])
        z = ((x * y / (x + 1)) ** 2).exp().log().sigmoid() * (x ** y) - y / x
        gx, gy = lib.autograd.grad(z.sum(), (x, y), create_graph=True)
        gxx, gxy = lib.autograd.grad(gx.sum(), (x, y), retain_graph=True)
        gyx, gyy = lib.autograd.grad(gy.sum(), (x, y))
        return gx, gy, gxx, gxy, gyx, gyy
    run_both(body, rtol=1e-6)


def test_double_backward_through_relu_clamp_where_abs():
    def body(lib):
        x = leaf(lib, [-1.5, -0.5, 0.5, 2.5])
        y = (x.relu() * x).sum() + (x.clamp(-1, 1) * x * x).sum() + lib.where(x > 0, x ** 3, x * 2).sum() + \
            (x.abs() * x).sum() + lib.maximum(x, x * 0.5).pow(2).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg, g.requires_grad
    run_both(body)


def test_double_backward_of_relu_alone_requires_grad():
    def body(lib):
        x = leaf(lib, [-1., 2.])
        (g,) = lib.autograd.grad(x.relu().sum(), x, create_graph=True)
        gg = lib.autograd.grad(g.sum(), x, allow_unused=True)
        return g, g.requires_grad, type(g.grad_fn).__name__, gg
    run_both(body)


def test_double_backward_create_graph_accumulates_into_grad():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = (x ** 2).sum()
        y.backward(create_graph=True)
        gx = x.grad
        gx.sum().backward()            # d/dx sum(2x) = 2, accumulated into x.grad (which becomes 2x + 2)
        return x.grad.detach(), gx.detach()
    run_both(body)


# ---------------------------------------------------------------- in-place ops inside graphs
def test_inplace_chain_on_non_leaf():
    def body(lib):
        x = leaf(lib, [0.5, 1.0, 2.0])
        w = leaf(lib, [1.5, -1.0, 0.5])
        y = x * 2
        v0 = y._version
        y.add_(1)
        y.mul_(w)
        y.exp_()
        y.div_(x)
        y.pow_(2)
        y.clamp_(max=1e6)
        y.sub_(w, alpha=2)
        y.sigmoid_()
        names = sig(y.grad_fn, depth=3)
        y.sum().backward()
        return y, x.grad, w.grad, v0, y._version, names
    run_both(body)


def test_inplace_operators_on_non_leaf():
    def body(lib):
        x = leaf(lib, [0.5, 1.0, 2.0])
        y = x * 1
        y += 2
        y *= x
        y -= 1
        y /= 2
        y **= 2
        y.sum().backward()
        return y, x.grad, type(y.grad_fn).__name__
    run_both(body)


def test_inplace_with_grad_input_into_plain_tensor():
    """A tensor that needs no grad becomes part of the graph when an in-place op mixes in one that does."""
    def body(lib):
        x = leaf(lib, [1., 2.])
        buf = lib.zeros(2, dtype=lib.float64)
        buf.add_(x * 3)
        buf.mul_(x)
        info = (buf.requires_grad, buf.is_leaf, type(buf.grad_fn).__name__)
        buf.sum().backward()
        return info, x.grad
    run_both(body)


def test_inplace_on_views_of_non_leaf():
    def body(lib):
        x = leaf(lib, [1., 2., 3., 4.])
        w = leaf(lib, [10.])
        y = x * 1
        y[0].mul_(3)
        y[1:3].add_(w)
        y[3:].mul_(w)
        v = y.view(2, 2)
        v[1].pow_(2)
        names = type(y.grad_fn).__name__
        (y * lib.tensor([1., 2., 3., 4.], dtype=lib.float64)).sum().backward()
        return y, x.grad, w.grad, names, y.requires_grad
    run_both(body)


def test_setitem_with_grad():
    def body(lib):
        x = leaf(lib, [1., 2., 3., 4., 5.])
        w = leaf(lib, 7.)
        u = leaf(lib, [0.5, 0.25])
        y = x * 1
        y[0] = w
        y[1:3] *= 2
        y[3:] = u * w
        y[lib.tensor([True, False, False, False, True])] += 1
        c = lib.tensor([1., -1., 2., 3., 0.5], dtype=lib.float64)
        (y * c).sum().backward()
        return y, x.grad, w.grad, u.grad, type(y.grad_fn).__name__
    run_both(body)


def test_setitem_into_plain_tensor_from_grad_tensor():
    def body(lib):
        w = leaf(lib, [2., 3.])
        buf = lib.zeros(4, dtype=lib.float64)
        buf[1:3] = w * w
        buf[0] = w[0]
        info = (buf.requires_grad, type(buf.grad_fn).__name__)
        (buf * lib.arange(4.).double()).sum().backward()
        return info, w.grad, buf
    run_both(body)


def test_inplace_view_then_base_used():
    def body(lib):
        x = leaf(lib, [[1., 2.], [3., 4.]])
        y = x.exp()
        z = y * 1
        z.t()[0].mul_(2)          # column 0 of z
        row = z[1]
        row.add_(x[0])
        (z * z).sum().backward()
        return z, x.grad
    run_both(body)


@requires_torch_2_13     # names the node 'output 0 of Exp' from torch 2.13 on ('ExpBackward0' before)
def test_inplace_on_view_of_saved_base_errors():
    def body(lib):
        x = leaf(lib, [1., 2.])
        y = x.exp()
        y[0].mul_(2)                 # exp saved its output; a view changed it
        y.sum().backward()
    msg_equal(body)


def test_version_counter():
    def body(lib):
        x = lib.tensor([1., 2., 3.])
        v = [x._version]
        x.add_(1)
        v.append(x._version)
        x[0] = 5.
        v.append(x._version)
        y = x[1:]
        y.mul_(2)
        v.append((x._version, y._version))
        x.zero_()
        v.append((x._version, y._version))
        z = x + 1
        v.append(z._version)
        return v
    run_both(body)
