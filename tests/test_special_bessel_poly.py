"""torch.special's Bessel functions (J0, J1, Y0, Y1, K0, K1 and the scaled K0, K1), Airy Ai and the
orthogonal polynomials (Chebyshev T/U/V/W and their shifted forms, Hermite H/He, Laguerre L,
Legendre P), against torch: values over grids of the real line with their edges (0, -0, negatives,
the branch points of torch's approximations, huge values, inf, nan) in float32 and float64, the
polynomials over (input, n) grids that broadcast, with n negative, non-integer, nan/inf and large
(torch's special cases), dtype promotion, out=, errors, and that none of them has a gradient."""
import numpy as np
import pytest

from conformance import run_both

_rng = np.random.default_rng(7)
GRID = np.concatenate([
    np.linspace(-12, 12, 481), _rng.uniform(-300, 300, 200), 10 ** _rng.uniform(-300, 300, 120),
    -(10 ** _rng.uniform(-300, 2.5, 120)), 10 ** _rng.uniform(-6, 1, 60),
    [0., -0., 1., -1., 1e-5, 9.99e-6, 1.001e-5, 5., 5.0001, 4.9999, 2., 2.0001, 1.9999, 8., 8.0001, 2.09, 2.0899,
     -2.09, -2.0901, 8.3203353, 8.33, 103.5, 103.892, 103.9, 88., 89., 700., 710., 1e17, 1e300, -1e-300, 5e-324,
     np.inf, -np.inf, np.nan]])

BESSEL = ['bessel_j0', 'bessel_j1', 'bessel_y0', 'bessel_y1', 'modified_bessel_k0', 'modified_bessel_k1',
          'scaled_modified_bessel_k0', 'scaled_modified_bessel_k1', 'airy_ai']
# torch's float32 kernels compute in float32 (a few ulp apart from ours, whose libm calls are
# rounded from float64); Y0 and Y1 cancel near their zeros, so an absolute floor there
TOL = {'float64': dict(rtol=2e-15, atol=0), 'float32': dict(rtol=2e-6, atol=1e-38)}
RTOL = {('airy_ai', 'float64'): 1e-14}
ATOL = {('bessel_y0', 'float64'): 1e-15, ('bessel_y1', 'float64'): 1e-15, ('bessel_y0', 'float32'): 6e-7,
        ('bessel_y1', 'float32'): 6e-7, ('bessel_j0', 'float32'): 1e-8, ('bessel_j1', 'float32'): 1e-8,
        ('bessel_j0', 'float64'): 1e-17, ('bessel_j1', 'float64'): 1e-17}


def _t(lib, values, dtype):
    return lib.tensor(np.asarray(values, dtype=dtype), dtype=getattr(lib, dtype))


@pytest.mark.parametrize('dtype', ['float64', 'float32'])
@pytest.mark.parametrize('name', BESSEL)
def test_bessel_values(name, dtype):
    tol = dict(TOL[dtype])
    tol['atol'] = ATOL.get((name, dtype), tol['atol'])
    tol['rtol'] = RTOL.get((name, dtype), tol['rtol'])
    run_both(lambda lib: getattr(lib.special, name)(_t(lib, GRID, dtype)), **tol)


@pytest.mark.parametrize('name', BESSEL)
def test_bessel_dtypes_shapes_out(both, name):
    def body(lib):
        f = getattr(lib.special, name)
        ints = [f(lib.tensor([0, 1, 3, 7]).to(getattr(lib, dt))) for dt in ('int64', 'int32', 'uint8', 'bool')]
        o = lib.empty(2, 2, dtype=lib.float64)
        r = f(lib.tensor([[0.5, 1.5], [2.5, 9.]]), out=o)       # computed in float32, written to float64
        o32 = lib.full((3,), 7.)
        f(lib.tensor([1., 2., 3.]), out=o32)
        return ints, o, r is o, o32, f(lib.tensor(2.)), f(lib.empty(0, 3)), f(lib.tensor([[3.]], dtype=lib.float64))
    both(body, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize('name', BESSEL)
def test_bessel_default_dtype_float64(both, name):
    def body(lib):
        lib.set_default_dtype(lib.float64)
        try:
            return getattr(lib.special, name)(lib.tensor([1, 2, 30]))
        finally:
            lib.set_default_dtype(lib.float32)
    both(body, rtol=1e-15, atol=0)


@pytest.mark.parametrize('name', BESSEL)
def test_bessel_errors(both, name):
    f = lambda lib: getattr(lib.special, name)       # noqa: E731
    arg = 'x' if name in ('scaled_modified_bessel_k0', 'scaled_modified_bessel_k1', 'airy_ai') else 'input'
    both(lambda lib: f(lib)(1.0),
         match=rf"^special_{name}\(\): argument '{arg}' \(position 1\) must be Tensor, not float")
    both(lambda lib: f(lib)([1.0]), match='must be Tensor, not list')
    both(lambda lib: f(lib)(lib.tensor([1.0]).half()), match=f'"{name}_cpu" not implemented for \'Half\'')
    both(lambda lib: f(lib)(lib.tensor([1j])), match="not implemented for 'ComplexFloat'")
    both(lambda lib: f(lib)(lib.tensor([1.0]), out=lib.empty(1, dtype=lib.int64)))


@pytest.mark.parametrize('name', BESSEL)
def test_bessel_no_gradient(both, name):
    # torch has no derivative formula: results never require grad, so backward through them fails
    def flag(lib):
        x = lib.tensor([0.5, 2.], requires_grad=True)
        y = getattr(lib.special, name)(x)
        return y, y.requires_grad, y.grad_fn is None, getattr(lib.special, name)(x * 2).requires_grad

    def backward(lib):
        x = lib.tensor([0.5, 2.], requires_grad=True)
        getattr(lib.special, name)(x).sum().backward()
    both(flag)
    both(backward, match='does not require grad')


# ---------------------------------------------------------------- orthogonal polynomials
POLY = ['chebyshev_polynomial_t', 'chebyshev_polynomial_u', 'chebyshev_polynomial_v', 'chebyshev_polynomial_w',
        'shifted_chebyshev_polynomial_t', 'shifted_chebyshev_polynomial_u', 'shifted_chebyshev_polynomial_v',
        'shifted_chebyshev_polynomial_w', 'hermite_polynomial_h', 'hermite_polynomial_he', 'laguerre_polynomial_l',
        'legendre_polynomial_p']
# x: both intervals' ends and midpoints exactly, points just inside +-1, and outside
PX = np.concatenate([np.linspace(-2.5, 2.5, 101), _rng.uniform(-1, 1, 40),
                     [0., -0., 1., -1., 0.5, 1 - 2 ** -20, -1 + 2 ** -20, 2 ** -20, 1e-30]])
# n: negative, every small degree across torch's switches (n > 4, 6, 8 to the closed forms),
# non-integers (truncated), and up to 30
PN = np.array([-7., -1., -0.5, 0., 0.3, 1., 1.9, 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12.7, 15., 20., 30.])
PTOL = {'float64': dict(rtol=1e-12, atol=1e-13), 'float32': dict(rtol=2e-5, atol=2e-5)}  # (float32: n ulps of acos)


@pytest.mark.parametrize('dtype', ['float64', 'float32'])
@pytest.mark.parametrize('name', POLY)
def test_polynomial_values(name, dtype):
    def body(lib):
        return getattr(lib.special, name)(_t(lib, PX, dtype)[:, None], _t(lib, PN, dtype)[None, :])
    run_both(body, **PTOL[dtype])


@pytest.mark.parametrize('name', POLY)
def test_polynomial_large_degree(name):
    # the closed forms inside (-1, 1) (Chebyshev) and long recurrences (float64: float32's values of
    # cos(n acos x) at n ~ 1e4 depend on the last bit of acos)
    x = np.concatenate([np.linspace(-0.99, 0.99, 45), [0.3, 1., -1., 0., 0.5]])
    n = np.array([50., 100., 127., 128., 129., 300., 511., 512., 513., 1000., 4000.])
    big = 'chebyshev' in name
    run_both(lambda lib: getattr(lib.special, name)(_t(lib, x, 'float64')[:, None], _t(lib, n, 'float64')),
             rtol=1e-8, atol=1e-9 if big else 1e-10)
    if big:
        run_both(lambda lib: getattr(lib.special, name)(_t(lib, x, 'float64'), 10 ** 6), rtol=1e-6, atol=1e-6)
    # float32 up to n = 300 (not Hermite's, which overflow float32 there: where a value crosses
    # the largest float32, torch's fused multiply-adds give inf or nan where separate roundings differ)
    if 'hermite' not in name:
        run_both(lambda lib: getattr(lib.special, name)(_t(lib, x, 'float32')[:, None], _t(lib, n[:6], 'float32')),
                 rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize('dtype', ['float64', 'float32'])
@pytest.mark.parametrize('name', POLY)
def test_polynomial_edges(name, dtype):
    # n that is nan, inf or beyond int64 counts as negative (0); x that is inf or huge overflows
    # the recurrence to inf, then inf - inf = nan, where torch's loop stops
    def body(lib):
        f = getattr(lib.special, name)
        x = _t(lib, [0.5, 2., -0.3, 0., 1.], dtype)[:, None]
        bad_n = _t(lib, [np.nan, np.inf, -np.inf, 1e19, -1e19], dtype)
        xs = _t(lib, [np.inf, -np.inf, 1e30, -1e30], dtype)[:, None]
        ns = _t(lib, [-1., 0., 1., 2., 3., 4., 9.], dtype)
        nan_x = _t(lib, [np.nan], dtype)
        out = [f(x, bad_n), f(xs, ns), f(nan_x, _t(lib, [-1., 0., 1.], dtype))]
        if 'hermite' in name:       # (no early stop in Hermite's loop: nan stays nan)
            out.append(f(nan_x, _t(lib, [2., 5., 30.], dtype)))
        return out
    run_both(body, rtol=1e-6, atol=0)


def test_hermite_limits(both):
    # torch answers nan past n = 128 in float32 and n = 512 in float64, whatever x (there the
    # recurrence would overflow to inf - inf = nan anyway); below, values are finite in float64
    both(lambda lib: lib.special.hermite_polynomial_h(lib.tensor([0., 0.1, -0.1]), lib.tensor([[128.], [129.]])))
    both(lambda lib: lib.special.hermite_polynomial_he(lib.tensor([0., 0.1, -0.1]), lib.tensor([[128.], [129.]])))
    both(lambda lib: lib.special.hermite_polynomial_h(lib.tensor([0.01], dtype=lib.float64), 513))
    both(lambda lib: lib.special.hermite_polynomial_he(lib.tensor([0.01], dtype=lib.float64), 513))
    both(lambda lib: lib.special.hermite_polynomial_he(lib.tensor([0.01], dtype=lib.float64), 100), rtol=1e-10)


@pytest.mark.parametrize('name', POLY)
def test_polynomial_promotion_and_numbers(both, name):
    def body(lib):
        f = getattr(lib.special, name)
        xi, x32, x64 = lib.tensor([0, 1, 2]), lib.tensor([0.25, 0.5, 0.75]), lib.tensor([0.25, 0.5], dtype=lib.float64)
        return (f(xi, 3), f(xi, lib.tensor([1, 2, 3])), f(lib.tensor([True, False]), 2),      # -> float32
                f(x32, lib.tensor([3.], dtype=lib.float64)),                                    # -> float64
                f(x32, lib.tensor(3., dtype=lib.float64)),                                      # 0-d: float32
                f(xi, lib.tensor(2.5, dtype=lib.float64)),                                      # -> float64
                f(x64, lib.tensor([2, 3], dtype=lib.int32)), f(x32, 2.7), f(x32, True),
                f(0.5, lib.tensor([0, 1, 2, 3])), f(2, lib.tensor([3])), f(-1.5, lib.tensor([2.], dtype=lib.float64)),
                f(x32, lib.tensor([[1], [4]])), f(lib.tensor(0.3), lib.tensor([2., 3.])), f(x32, lib.empty(0, 1)))
    both(body, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize('name', POLY)
def test_polynomial_out_and_errors(both, name):
    def out(lib):
        f = getattr(lib.special, name)
        o = lib.empty(3, dtype=lib.float64)
        r = f(lib.tensor([0.2, 0.4, 0.6]), 4, out=o)
        o2 = lib.empty(2, 3)
        f(lib.tensor([0.2, 0.4, 0.6]), lib.tensor([[2.], [3.]]), out=o2)
        return o, r is o, o2
    both(out)
    f = lambda lib: getattr(lib.special, name)        # noqa: E731
    both(lambda lib: f(lib)(0.5, 2), match='invalid combination of arguments')
    both(lambda lib: f(lib)([0.5], 2))
    both(lambda lib: f(lib)(lib.tensor([0.5]).half(), 2), match=f'"{name}_cpu" not implemented for \'Half\'')
    both(lambda lib: f(lib)(lib.tensor([0.5j]), 2), match="not implemented for 'ComplexFloat'")
    both(lambda lib: f(lib)(lib.tensor([0.5]), 2, out=lib.empty(1, dtype=lib.int64)))
    both(lambda lib: f(lib)(lib.tensor([0.5, 0.6]), lib.tensor([1., 2., 3.])))       # shapes do not broadcast


@pytest.mark.parametrize('name', POLY)
def test_polynomial_no_gradient(both, name):
    def flag(lib):
        f = getattr(lib.special, name)
        x = lib.tensor([0.3, 0.6], requires_grad=True)
        n = lib.tensor([2., 3.], requires_grad=True)
        return f(x, 3), f(x, n), f(0.5, n), f(x * 2, n).requires_grad

    def backward(lib, wrt):
        x = lib.tensor([0.3, 0.6], requires_grad=wrt == 'x')
        n = lib.tensor([2., 3.], requires_grad=wrt == 'n')
        getattr(lib.special, name)(x, n).sum().backward()
    both(flag)
    both(backward, 'x', match='does not require grad')
    both(backward, 'n', match='does not require grad')


def test_namespace():
    import torch
    import ember.special
    for name in BESSEL + POLY:
        assert name in ember.special.__all__ and callable(getattr(ember.special, name)), name
        assert getattr(torch.special, name)


@pytest.mark.parametrize('name', ['modified_bessel_i0', 'modified_bessel_i1', 'spherical_bessel_j0'])
def test_existing_no_gradient_functions_messages(both, name):
    # (these share the Bessel functions' wrapper: torch's messages name the op special_<name>)
    arg = 'x' if name == 'spherical_bessel_j0' else 'input'
    both(lambda lib: getattr(lib.special, name)(1.0), match=rf"^special_{name}\(\): argument '{arg}' \(position 1\)")
    both(lambda lib: getattr(lib.special, name)(lib.tensor([1j])), match="not implemented for 'ComplexFloat'")
