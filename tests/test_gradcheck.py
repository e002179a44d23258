"""ember.autograd.gradcheck / gradgradcheck against torch.autograd's: the same functions pass,
the same broken backward formulas fail with the same errors and messages."""
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck, GradcheckError

torch = pytest.importorskip('torch')

X = [[0.3, -0.7, 1.2], [0.9, -1.4, 0.25]]
Y = [[1.1, 0.4, -0.6], [-0.2, 0.8, 1.5]]


def inp(lib, vals=X, dtype='float64', rg=True):
    return lib.tensor(vals, dtype=getattr(lib, dtype), requires_grad=rg)


def outcome(fn):
    """('ok', result) or (exception type name, message)."""
    try:
        return ('ok', fn())
    except Exception as e:      # noqa: BLE001 - compared across libraries by the callers
        return (type(e).__name__, str(e))


def both(fn):
    return outcome(lambda: fn(ember)), outcome(lambda: fn(torch))


def same(fn):
    e, t = both(fn)
    assert e == t
    return e


# ---------------------------------------------------------------- correct functions pass
GOOD = {
    'mul_add': lambda lib: (lambda x, y: x * y + x, (inp(lib), inp(lib, Y))),
    'exp_sin': lambda lib: (lambda x: x.exp() * x.sin(), (inp(lib),)),
    'pow_div': lambda lib: (lambda x, y: x ** 3 / (y * y + 1), (inp(lib), inp(lib, Y))),
    'sum_tanh': lambda lib: (lambda x: x.tanh().sum(1), (inp(lib),)),
    'broadcast': lambda lib: (lambda x, b: x * b - b, (inp(lib), inp(lib, [0.5, -2.0, 3.0]))),
    'matmul': lambda lib: (lambda x, y: x @ y.t(), (inp(lib), inp(lib, Y))),
    'two_outputs': lambda lib: (lambda x, y: (x * y, (x - y).exp()), (inp(lib), inp(lib, Y))),
    'non_tensor_arg': lambda lib: (lambda x, k, y: x * k + y, (inp(lib), 2.5, inp(lib, Y, rg=False))),
    'scalar_output': lambda lib: (lambda x: (x * x).sum(), (inp(lib),)),
    'zero_dim_input': lambda lib: (lambda s, x: s * x, (inp(lib, 1.5), inp(lib))),
}


@pytest.mark.parametrize('name', sorted(GOOD))
def test_gradcheck_passes_for_correct_functions(name):
    def run(lib):
        fn, args = GOOD[name](lib)
        return lib.autograd.gradcheck(fn, args)
    assert same(run) == ('ok', True)


@pytest.mark.parametrize('name', ['mul_add', 'exp_sin', 'pow_div', 'matmul', 'two_outputs'])
def test_gradgradcheck_passes_for_correct_functions(name):
    def run(lib):
        fn, args = GOOD[name](lib)
        return lib.autograd.gradgradcheck(fn, args)
    assert same(run) == ('ok', True)


def test_gradcheck_single_tensor_input_and_fast_mode():
    x = inp(ember)
    assert gradcheck(lambda t: t.sin() * 2, x) is True
    assert gradcheck(lambda t: t.sin() * 2, (x,), fast_mode=True) is True


# ---------------------------------------------------------------- custom Functions
def _functions(lib):
    F = lib.autograd.Function

    class Cube(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    class WrongCube(F):                  # derivative off by a factor
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * x ** 2

    class DetachedCube(F):               # right first derivative, but not differentiable again
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x.detach() ** 2

    class Unscaled(F):                   # ignores grad_output when it is all zeros
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            if not g.detach().numpy().any():
                return lib.ones_like(g)
            return g * 2

    class Noisy(F):                      # a non-deterministic backward
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            Noisy.calls = getattr(Noisy, 'calls', 0) + 1
            return g * 2 + (1e-3 if Noisy.calls > 6 else 0.0)

    class NoUndefined(F):                # backward fails when no output gradient is defined
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            if g1 is None and g2 is None:
                raise RuntimeError('no gradient defined')
            return (0 if g1 is None else g1 * 2) + (0 if g2 is None else g2 * 3)

    class UndefinedOk(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            if g1 is None and g2 is None:
                return None
            return (0 if g1 is None else g1 * 2) + (0 if g2 is None else g2 * 3)

    return {c.__name__: c for c in (Cube, WrongCube, DetachedCube, Unscaled, Noisy, NoUndefined, UndefinedOk)}


def test_custom_function_correct_backward_passes():
    assert same(lambda lib: lib.autograd.gradcheck(_functions(lib)['Cube'].apply, (inp(lib),))) == ('ok', True)
    assert same(lambda lib: lib.autograd.gradgradcheck(_functions(lib)['Cube'].apply, (inp(lib),))) == ('ok', True)
    assert same(lambda lib: lib.autograd.gradcheck(_functions(lib)['UndefinedOk'].apply, (inp(lib),))) == ('ok', True)


def test_wrong_backward_raises_gradcheck_error_with_both_jacobians():
    x = inp(ember)
    with pytest.raises(GradcheckError) as info:
        gradcheck(_functions(ember)['WrongCube'].apply, (x,))
    msg = str(info.value)
    assert msg.startswith('Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor(')
    assert '\nanalytical:tensor(' in msg
    assert isinstance(info.value, RuntimeError)
    # the same message as torch, Jacobians printed the same way
    e, t = both(lambda lib: lib.autograd.gradcheck(_functions(lib)['WrongCube'].apply, (inp(lib),)))
    assert e[0] == t[0] == 'GradcheckError'
    assert e[1] == t[1]


def test_wrong_backward_second_input_and_output_indices():
    def run(lib):
        Wrong = _functions(lib)['WrongCube']
        return lib.autograd.gradcheck(lambda a, b: (a * 2, a + Wrong.apply(b)), (inp(lib), inp(lib, Y)))
    e = same(run)
    assert e[0] == 'GradcheckError'
    assert e[1].startswith('Jacobian mismatch for output 1 with respect to input 1,')


def test_raise_exception_false_returns_false():
    def run(lib):
        return lib.autograd.gradcheck(_functions(lib)['WrongCube'].apply, (inp(lib),), raise_exception=False)
    assert same(run) == ('ok', False)

    def run2(lib):
        return lib.autograd.gradgradcheck(_functions(lib)['DetachedCube'].apply, (inp(lib),),
                                          raise_exception=False)
    assert same(run2) == ('ok', False)


def test_gradcheck_error_class():
    assert issubclass(GradcheckError, RuntimeError)
    assert ember.autograd.gradcheck.__module__ == 'ember.autograd.gradcheck'
    import sys
    assert sys.modules['ember.autograd.gradcheck'].GradcheckError is GradcheckError


def test_tolerances_decide():
    # a backward 0.5% off fails at the default rtol=1e-3 and passes at rtol=1e-2
    def run(lib, rtol):
        class Off(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2.01
        return lib.autograd.gradcheck(Off.apply, (inp(lib),), rtol=rtol, raise_exception=False)
    assert same(lambda lib: run(lib, 1e-3)) == ('ok', False)
    assert same(lambda lib: run(lib, 1e-2)) == ('ok', True)


def test_backward_not_multiplied_by_grad_output():
    e = same(lambda lib: lib.autograd.gradcheck(_functions(lib)['Unscaled'].apply, (inp(lib),)))
    assert e == ('GradcheckError', 'backward not multiplied by grad_output')


def test_nondeterministic_backward_detected():
    def run(lib, tol):
        return lib.autograd.gradcheck(_functions(lib)['Noisy'].apply, (inp(lib),), nondet_tol=tol)
    e, t = both(lambda lib: run(lib, 0.0))
    assert e[0] == t[0] == 'GradcheckError'
    assert e[1].startswith('Backward is not reentrant, i.e., running backward with same input and grad_output '
                           'multiple times gives different values, although analytical gradient matches numerical '
                           'gradient.The tolerance for nondeterminism was 0.0.')
    assert t[1].startswith(e[1])


def test_undefined_output_grad_support_checked():
    def run(lib, check):
        return lib.autograd.gradcheck(_functions(lib)['NoUndefined'].apply, (inp(lib),), check_undefined_grad=check)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        e = same(lambda lib: run(lib, True))
        assert e == ('GradcheckError', 'Expected backward function to handle undefined output grads. Please look '
                     'at "Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"')
        assert same(lambda lib: run(lib, False)) == ('ok', True)


def test_no_differentiable_outputs():
    # an output that does not require grad must not depend on the inputs
    assert same(lambda lib: lib.autograd.gradcheck(lambda x: x.detach() * 0 + 1, (inp(lib),))) == ('ok', True)
    e = same(lambda lib: lib.autograd.gradcheck(lambda x: x.detach() * 2, (inp(lib),)))
    assert e == ('GradcheckError', 'Numerical gradient for function expected to be zero')


def test_input_errors():
    e = same(lambda lib: lib.autograd.gradcheck(lambda x: x * 2, (inp(lib, rg=False),)))
    assert e[0] == 'ValueError'
    e = same(lambda lib: lib.autograd.gradcheck(lambda x: x * 2,
                                                (lib.tensor([1.0], dtype=lib.float64).expand(3).requires_grad_(),)))
    assert e[0] == 'RuntimeError' and 'stride 0' in e[1]


def test_float32_input_warns_like_torch():
    def run(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            ok = lib.autograd.gradcheck(lambda x: x * 2, (inp(lib, dtype='float32'),), eps=1e-3, atol=1e-2,
                                        rtol=1e-2)
        msgs = [str(m.message) for m in w if issubclass(m.category, UserWarning)]
        return ok, msgs
    e, t = both(run)
    assert e == t
    assert e[0] == 'ok' and e[1][0] is True
    assert e[1][1] == ['Input #0 requires gradient and is not a double precision floating point or complex. '
                       'This check will likely fail if all the inputs are not of double precision floating point '
                       'or complex. ']


def test_float32_input_fails_at_default_tolerances():
    # the reason for the warning: float32 finite differences with eps=1e-6 are noise
    def run(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return lib.autograd.gradcheck(lambda x: x.exp(), (inp(lib, dtype='float32'),), raise_exception=False)
    assert same(run) == ('ok', False)


# ---------------------------------------------------------------- gradgradcheck
def test_gradgradcheck_cube_and_second_derivative_failures():
    assert gradgradcheck(lambda t: t ** 3, (inp(ember),)) is True
    # first derivative right, second wrong: gradcheck passes, gradgradcheck fails
    D = _functions(ember)['DetachedCube']
    assert gradcheck(D.apply, (inp(ember),)) is True
    with pytest.raises(GradcheckError, match='Jacobian mismatch for output 0 with respect to input 0'):
        gradgradcheck(D.apply, (inp(ember),))


def test_gradgradcheck_explicit_and_noncontiguous_grad_outputs():
    def run(lib):
        x = inp(lib)
        go = lib.tensor(Y, dtype=lib.float64, requires_grad=True)
        return lib.autograd.gradgradcheck(lambda t: t.sin() * t, (x,), (go,))
    assert same(run) == ('ok', True)
    assert gradgradcheck(lambda t: (t ** 3).sum(0), (inp(ember),), gen_non_contig_grad_outputs=True) is True
    # grad_outputs that do not require grad are constants of the checked function
    assert gradgradcheck(lambda t: t ** 3, (inp(ember),), (inp(ember, Y, rg=False),)) is True


def test_gradgradcheck_once_differentiable_fails():
    # the Error node is not on the way to any input, so (in torch too) the analytical second
    # derivative comes out as zeros and the Jacobians disagree
    def run(lib):
        mod = ember.autograd.function if lib is ember else torch.autograd.function

        class Sq(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 2

            @staticmethod
            @mod.once_differentiable
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return 2 * x * g
        return lib.autograd.gradgradcheck(Sq.apply, (inp(lib),), (inp(lib, Y),))
    e = same(run)
    assert e[0] == 'GradcheckError'
    assert e[1].startswith('Jacobian mismatch for output 0 with respect to input 0,\nnumerical:')
    assert 'analytical:tensor([[0., 0., 0., 0., 0., 0.],' in e[1]


def test_gradcheck_against_torch_numbers():
    # the numerical Jacobian itself matches torch's to float64 precision
    def jac_message(lib):
        class Zero(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y.exp()

            @staticmethod
            def backward(ctx, g):
                return g * 0, g * 0
        return lib.autograd.gradcheck(Zero.apply, (inp(lib, [0.5, 1.5]), inp(lib, [-0.3, 0.2])))
    e, t = both(jac_message)
    assert e[0] == t[0] == 'GradcheckError'
    assert e[1] == t[1]


def test_gradgradcheck_scalar_output_and_zero_dim_input():
    # random grad_outputs of shape () must still be tensors holding arrays
    assert same(lambda lib: lib.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (inp(lib),))) == ('ok', True)
    assert same(lambda lib: lib.autograd.gradgradcheck(lambda s, t: (s * t).exp(),
                                                       (inp(lib, 0.7), inp(lib)))) == ('ok', True)
