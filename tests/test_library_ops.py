"""torch.library (custom_op, register_autograd/kernel/fake, Library.define/impl, infer_schema) and
torch.ops (a script's operators and aten's), each compared with torch. Operator names are unique
per test and library: torch's registry is process-wide."""
import itertools

import numpy as np
import pytest

_N = itertools.count()


def _ns():
    return f'opns{next(_N)}'


def test_custom_op_with_autograd(both):
    ns = _ns()

    def body(lib):
        Tensor = lib.Tensor

        @lib.library.custom_op(f'{ns}{lib.__name__}::numpy_sin', mutates_args=())
        def numpy_sin(x: Tensor) -> Tensor:
            return lib.from_numpy(np.sin(x.detach().numpy()))

        @numpy_sin.register_fake
        def _(x):
            return lib.empty_like(x)

        def setup_context(ctx, inputs, output):
            x, = inputs
            ctx.save_for_backward(x)

        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * x.cos()

        numpy_sin.register_autograd(backward, setup_context=setup_context)
        x = lib.linspace(-1, 1, 5, requires_grad=True)
        y = numpy_sin(x)
        y.sum().backward()
        via_ops = getattr(getattr(lib.ops, f'{ns}{lib.__name__}'), 'numpy_sin')
        return (type(y.grad_fn).__name__.replace(lib.__name__, ''), y, x.grad, via_ops(x.detach()),
                repr(via_ops).replace(lib.__name__, ''), str(via_ops.default).replace(lib.__name__, ''))
    both(body)


def test_custom_op_without_autograd_and_mutating(both):
    ns = _ns()

    def body(lib):
        Tensor = lib.Tensor

        @lib.library.custom_op(f'{ns}::twice', mutates_args=())
        def twice(x: Tensor, k: float = 2.0) -> Tensor:
            return x * k

        @lib.library.custom_op(f'{ns}::inc_', mutates_args=('x',))
        def inc_(x: Tensor) -> None:
            x.add_(1)

        t = lib.zeros(2)
        r = inc_(t)
        x = lib.ones(3, requires_grad=True)
        y = twice(x, k=3.0)
        plain = twice(lib.ones(2))
        try:
            y.sum().backward()
            err = None
        except RuntimeError as e:
            err = str(e).replace(ns, 'NS')
        return r, t, y.detach(), type(y.grad_fn).__name__.replace(ns, 'NS'), plain, err
    both(body)


def test_register_kernel_per_device_and_module_level_registration(both):
    ns = _ns()

    def body(lib):
        Tensor = lib.Tensor

        @lib.library.custom_op(f'{ns}::scale', mutates_args=(), device_types='cpu')
        def scale(x: Tensor) -> Tensor:
            return x * 10

        lib.library.register_fake(f'{ns}::scale', lambda x: lib.empty_like(x))
        lib.library.register_autograd(f'{ns}::scale', lambda ctx, g: g * 10)
        x = lib.ones(2, requires_grad=True)
        scale(x).sum().backward()
        return scale(lib.ones(2)), x.grad
    both(body)


def test_library_define_impl(both):
    ns = _ns()

    def body(lib):
        L = lib.library.Library(ns, 'DEF')
        L.define('mysin(Tensor x) -> Tensor')
        L.impl('mysin', lambda x: x.sin(), 'CPU')
        op = getattr(lib.ops, ns).mysin
        x = lib.zeros(2, requires_grad=True)
        y = op(x)
        y.sum().backward()
        return op(lib.zeros(2)), type(y.grad_fn).__name__, x.grad
    both(body)


def test_aten_ops(both):
    def body(lib):
        a = lib.tensor([1.0, 2.0])
        return (lib.ops.aten.add(a, a), lib.ops.aten.add.Tensor(a, 1), lib.ops.aten.mul.Tensor(a, 3),
                lib.ops.aten.relu.default(a - 1.5), repr(lib.ops.aten.add.Tensor), repr(lib.ops.aten.sum),
                str(lib.ops.aten.add.default), lib.ops.aten.add.Tensor.name(), lib.ops.aten.add.default.name(), repr(lib.ops.aten))
    both(body)


def test_infer_schema(both):
    def body(lib):
        Tensor = lib.Tensor

        def h(x: Tensor, y: int, z: float = 1.0) -> Tensor:
            return x

        def h2(x: Tensor, out: Tensor) -> None:
            pass

        def h3(x: Tensor, l: list[Tensor], b: bool, s: str, o: Tensor | None = None) -> tuple[Tensor, Tensor]:
            pass

        return (lib.library.infer_schema(h, mutates_args=()), lib.library.infer_schema(h2, mutates_args={'out'}),
                lib.library.infer_schema(h3, mutates_args=()), lib.library.infer_schema(h, op_name='foo',
                                                                                      mutates_args='unknown'))
    both(body)


@pytest.mark.parametrize('case', ['unannotated', 'no_return', 'bad_type', 'unknown_mutated', 'no_namespace'])
def test_custom_op_refusals(both, case):
    ns = _ns()

    def body(lib):
        Tensor = lib.Tensor

        def unannotated(x, y: int) -> Tensor:
            return x

        def no_return(x: Tensor):
            return x

        def bad_type(x: Tensor, y: dict) -> Tensor:
            return x

        def plain(x: Tensor) -> Tensor:
            return x
        f = {'unannotated': unannotated, 'no_return': no_return, 'bad_type': bad_type}.get(case, plain)
        if case == 'unknown_mutated':
            return lib.library.custom_op(f'{ns}::f', mutates_args=('q',))(f)
        if case == 'no_namespace':
            return lib.library.custom_op('nonamespace', mutates_args=())(f)
        return lib.library.custom_op(f'{ns}::f', mutates_args=())(f)
    msg = {'unannotated': 'must have a type annotation', 'no_return': 'No return type annotation',
           'bad_type': 'unsupported type', 'unknown_mutated': 'were not found', 'no_namespace': 'not enough values'}
    both(body, match=msg[case])
