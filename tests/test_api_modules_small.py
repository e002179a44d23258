"""Small torch modules and names scripts and libraries import: torch.functional, torch.types,
torch.overrides (the __torch_function__ helpers), torch.cond / torch.while_loop, Tensor.set_,
Tensor.as_subclass and torch.nn.functional's own helpers; each compared with torch."""
import importlib

import pytest


def test_torch_functional_is_the_torch_functions(both):
    def body(lib):
        F = importlib.import_module(f'{lib.__name__}.functional')
        same = [getattr(F, n) is getattr(lib, n) for n in F.__all__]
        x = lib.arange(6.).reshape(2, 3)
        return sorted(F.__all__), same, F.einsum('ij->j', x), F.tensordot(x, x.T, 1), F.broadcast_shapes((2, 1), (3,))
    both(body)


def test_torch_types_aliases(both):
    def body(lib):
        T = importlib.import_module(f'{lib.__name__}.types')
        return (T.Number == (int | float | bool) or str(T.Number), T._Number, [n in dir(T) for n in
                ('Device', '_TensorOrTensors', '_size', 'FileLike', 'Storage', 'py_sym_types', '_int', '_bool')])
    both(body)


def test_torch_version_attribute(both):
    both(lambda lib: (lib.torch_version.TorchVersion('2.1.0') >= (2, 0), lib.torch_version.TorchVersion('1.13') < '2'))


def _overridable(lib):
    O = importlib.import_module(f'{lib.__name__}.overrides')

    class Logged:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return ('Logged', func.__name__, [t.__name__ for t in types], len(args), sorted(kwargs or {}))

    class Declines:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return NotImplemented

    def f(x, y=1):
        if O.has_torch_function((x,)):
            return O.handle_torch_function(f, (x,), x, y=y)
        return 'plain'
    return O, Logged, Declines, f


def test_overrides_protocol(both):
    def body(lib):
        O, Logged, Declines, f = _overridable(lib)
        F = lib.nn.functional
        return (f(lib.ones(1)), f(Logged()), O.is_tensor_like(Logged()), O.is_tensor_like(lib.ones(1)),
                O.is_tensor_like(1), O.resolve_name(lib.add), O.resolve_name(lib.Tensor.addmm_),
                O.resolve_name(F.relu), F.has_torch_function_unary(lib.ones(1)),
                F.has_torch_function_variadic(lib.ones(1), Logged()), F.has_torch_function((lib.ones(1), 2)),
                type(O.get_ignored_functions()).__name__)
    both(body)


def test_overrides_no_implementation(both):
    def body(lib):
        O, Logged, Declines, f = _overridable(lib)
        return f(Declines())
    both(body, match='no implementation found for')


def test_boolean_dispatch_and_assert_int_or_pair(both):
    def body(lib):
        F = lib.nn.functional
        fn = F.boolean_dispatch('return_extra', 1, False, lambda x, r=False: ('extra', x), lambda x, r=False: x,
                                module_name='m', func_name='pick')
        ok = F.assert_int_or_pair((2, 3), 'kernel_size', '{} must be int or pair')
        try:
            F.assert_int_or_pair((1, 2, 3), 'kernel_size', '{} must be int or pair')
            err = None
        except AssertionError as e:
            err = str(e)
        return fn(1), fn(1, True), fn(1, return_extra=True), fn.__name__, ok, err, F.Optional[int] == F.Optional[int]
    both(body)


def test_cond_and_while_loop(both):
    def body(lib):
        x = lib.tensor([1.0, 2.0])
        y = lib.tensor([1.0, 2.0], requires_grad=True)
        r = lib.cond(y.sum() > 0, lambda a: (a * a).sum(), lambda a: a.sum(), (y,))
        r.backward()
        return (lib.cond(x.sum() > 0, lambda a: a.sin(), lambda a: a.cos(), (x,)),
                lib.cond(False, lambda a: a.sin(), lambda a: a.cos(), [x]),
                lib.cond(lib.tensor([0]), lambda: 1, lambda: 2),
                lib.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), (lib.tensor(0), x)),
                lib.while_loop(lambda a: a.sum() < 10, lambda a: (a * 2,), [x]), r, y.grad)
    both(body)


@pytest.mark.parametrize('case', ['pred_many', 'pred_str', 'carried_tensor', 'cond_many'])
def test_cond_while_loop_refusals(both, case):
    def body(lib):
        x = lib.ones(2)
        if case == 'pred_many':
            return lib.cond(x > 0, lambda a: a, lambda a: a, (x,))
        if case == 'pred_str':
            return lib.cond('a', lambda: 1, lambda: 2)
        if case == 'carried_tensor':
            return lib.while_loop(lambda a: a.sum() < 10, lambda a: a * 2, x)
        return lib.while_loop(lambda a: a < 10, lambda a: (a * 2,), (x,))
    both(body)


def test_set_shares_memory(both):
    def body(lib):
        a = lib.arange(6.).reshape(2, 3)
        b = lib.zeros(4)
        r = b.set_(a)
        first = (r is b, b.clone(), tuple(b.shape), b.stride(), b.data_ptr() == a.data_ptr(), b.is_set_to(a))
        a[0, 0] = 100
        b[1, 1] = -1
        c = lib.zeros(2)
        c.set_()
        d = lib.zeros(3)
        d.set_(a.untyped_storage(), 1, (2,), (2,))
        e = lib.zeros(3)
        e.set_(a.untyped_storage(), 0, (3,))
        return first, a, b, c, tuple(c.shape), d, e, b._version > 0
    both(body)


@pytest.mark.parametrize('case', ['leaf', 'dtype'])
def test_set_refusals(both, case):
    def body(lib):
        if case == 'leaf':
            return lib.ones(2, requires_grad=True).set_(lib.zeros(2))
        return lib.zeros(2).set_(lib.zeros(2, dtype=lib.int64))
    both(body, match='in-place|Could not set tensor of type long int to a tensor of type float')


def test_as_subclass(both):
    def body(lib):
        class MyTensor(lib.Tensor):
            pass
        a = lib.arange(6.).reshape(2, 3)
        m = a.as_subclass(MyTensor)
        m[0, 1] = 7
        x = lib.ones(2, requires_grad=True)
        y = (x * 2).as_subclass(MyTensor)
        (y * 3).sum().backward()
        return (type(m).__name__, repr(m), m.data_ptr() == a.data_ptr(), isinstance(m, lib.Tensor), a,
                y.grad_fn.name(), y.requires_grad, x.grad)
    both(body)


def test_as_subclass_refuses_other_classes(both):
    both(lambda lib: lib.ones(2).as_subclass(int), match='does not inherit from Tensor')


def test_make_subclass(both):
    def body(lib):
        class Param(lib.Tensor):
            def __new__(cls, data, requires_grad=True):
                return lib.Tensor._make_subclass(cls, data, requires_grad)
        base = lib.arange(3.)
        p = Param(base)
        q = Param(lib.ones(2), False)
        (p * 2).sum().backward()
        base[0] = 5.0
        return type(p).__name__, p.requires_grad, p.is_leaf, p.grad, q.requires_grad, repr(q), p.detach(), \
            isinstance(p, lib.Tensor)
    both(body)


@pytest.mark.parametrize('case', ['item', 'item_many', 'tolist', 'float', 'bool', 'int', 'sum_item', 'add_cpu',
                                  'cpu_add', 'cpu_copy'])
def test_meta_tensor_values_are_refused(both, case):
    def body(lib):
        m = lib.ones(2, device='meta')
        return {'item': lambda: m[0].item(), 'item_many': lambda: m.item(), 'tolist': lambda: m.tolist(),
                'float': lambda: float(m[0]), 'bool': lambda: bool(m[0]), 'int': lambda: int(m[0]),
                'sum_item': lambda: m.sum().item(), 'add_cpu': lambda: m + lib.ones(2),
                'cpu_add': lambda: lib.ones(2) + m, 'cpu_copy': lambda: m.cpu()}[case]()
    both(body, match='meta|elements cannot be converted|no data')
