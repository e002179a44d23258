"""Complex dtypes (ember/_dtype.py, ember/_ops/complex.py) and ember.fft (ember/fft.py) against
PyTorch: dtypes and promotion, creation, views, printing, arithmetic, refusals, and gradients
with torch's convention for complex inputs."""
import warnings

import numpy as np
import pytest

from conformance import run_both, torch, cpu_random_only
import ember

# CPU only for now: complex on CuPy arrays is written for (xp.fft, .real/.imag views) but not yet
# checked on a GPU, and tests/fake_cupy's arrays have no .real/.imag
DEVICE_AXIS = False

Z = [[1 + 2j, 3 - 1j, -0.5 + 0.25j], [2 - 2j, -1 + 0.5j, 0.75 + 3j]]
W = [[0.5 - 1j, 2 + 1j, 1 + 1j], [-1 + 2j, 1.5 - 0.5j, -2 + 0.5j]]
R = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
SIG = [0.3, -1.2, 2.5, 0.7, -0.4, 1.9, -2.2, 0.1]


def z(lib, data=Z, dtype='cfloat', **kw):
    return lib.tensor(data, dtype=getattr(lib, dtype), **kw)


# ---------------------------------------------------------------- dtypes and promotion
def test_dtypes_and_aliases():
    def body(lib):
        return (lib.complex64, lib.complex128, lib.cfloat, lib.cdouble, lib.cfloat is lib.complex64,
                lib.complex64.is_complex, lib.complex64.is_floating_point, lib.float32.is_complex,
                lib.float32.to_complex(), lib.float64.to_complex(), lib.complex128.to_real(), lib.complex64.to_real(),
                lib.float32.to_real(), lib.complex64.itemsize, lib.complex128.itemsize,
                str(lib.cdouble), lib.finfo(lib.cfloat).eps)
    run_both(body)


def test_to_complex_of_integer_raises():
    run_both(lambda lib: lib.int64.to_complex())


@pytest.mark.parametrize('a,b', [('float32', 'complex64'), ('float64', 'complex64'), ('complex64', 'complex128'),
                                 ('int64', 'complex64'), ('bool', 'complex128'), ('float16', 'complex64'),
                                 ('uint8', 'complex64')])
def test_promote_types(a, b):
    run_both(lambda lib: (lib.promote_types(getattr(lib, a), getattr(lib, b)),
                          lib.promote_types(getattr(lib, b), getattr(lib, a))))


@pytest.mark.parametrize('dt', ['float32', 'float64', 'int64', 'bool', 'complex64', 'complex128'])
def test_result_type_with_python_complex(dt):
    def body(lib):
        t = lib.ones(3, dtype=getattr(lib, dt))
        return lib.result_type(t, 1j), (t + 2j), (2j * t), (t * (1 - 1j)).dtype, (t - 1j), (1j - t)
    run_both(body)


@pytest.mark.parametrize('dt', ['float32', 'float64', 'int64'])
def test_tensor_with_complex_0d_and_dims(dt):
    def body(lib):
        t = lib.ones(3, dtype=getattr(lib, dt))
        c0 = lib.tensor(1 + 1j, dtype=lib.complex128)
        c1 = lib.tensor([1 + 1j, 2, 3j], dtype=lib.complex64)
        return (t + c0), (t * c1), (c1 + lib.tensor(2.0, dtype=lib.float64)), (c1 / 2).dtype
    run_both(body)


def test_default_dtype_interplay():
    def body(lib):
        old = lib.get_default_dtype()
        try:
            lib.set_default_dtype(lib.float64)
            a = lib.tensor([1 + 2j]).dtype
            b = lib.result_type(lib.ones(2, dtype=lib.int64), 1j)
            c = lib.tensor(3j)
        finally:
            lib.set_default_dtype(old)
        return a, b, c, lib.tensor(3j).dtype
    run_both(body)


def test_set_default_dtype_complex_raises():
    run_both(lambda lib: lib.set_default_dtype(lib.complex64))


def test_can_cast_and_is_complex():
    def body(lib):
        t = z(lib)
        return (lib.can_cast(lib.cfloat, lib.float32), lib.can_cast(lib.float32, lib.cfloat),
                lib.can_cast(lib.cdouble, lib.cfloat), lib.can_cast(lib.cfloat, lib.int64),
                t.is_complex(), lib.is_complex(t), lib.is_complex(lib.ones(2)), t.is_floating_point(),
                lib.is_floating_point(t), t.element_size(), t.dtype)
    run_both(body)


# ---------------------------------------------------------------- creation
def test_creation_from_python_and_numpy():
    def body(lib):
        return (lib.tensor([1 + 2j, 3]), lib.tensor([[1, 2.5], [1j, 0]]), lib.tensor(2j),
                lib.tensor([1j], dtype=lib.cdouble), lib.tensor(np.array([1 + 1j, 2], dtype=np.complex64)),
                lib.from_numpy(np.array([1 - 1j])),
                lib.as_tensor(np.array([[1j]], dtype=np.complex128)), lib.tensor([1.5, 2], dtype=lib.cfloat),
                lib.tensor([np.complex64(1 + 1j), 2.0]), lib.zeros(2, dtype=lib.cfloat),
                lib.ones(2, 1, dtype=lib.cdouble), lib.full((2,), 1 + 2j), lib.empty(0, dtype=lib.cfloat).shape,
                lib.zeros_like(z(lib)), lib.ones_like(lib.ones(2), dtype=lib.cfloat))
    run_both(body)


def test_from_numpy_shares_memory():
    def body(lib):
        a = np.array([1 + 1j, 2 - 2j], dtype=np.complex64)
        t = lib.from_numpy(a)
        a[0] = 5j
        return t, t.numpy().dtype == np.complex64
    run_both(body)


def test_complex_and_polar():
    def body(lib):
        re = lib.tensor(R)
        im = lib.tensor([1.0, -2.0, 0.5])
        return (lib.complex(re, im), lib.complex(re.double(), re.double()), lib.polar(re.abs(), im),
                lib.polar(lib.tensor([2.0], dtype=lib.float64), lib.tensor([0.5], dtype=lib.float64)))
    run_both(body)


@pytest.mark.parametrize('case', ['long', 'mixed', 'complex_in'])
def test_complex_errors(case):
    def body(lib):
        if case == 'long':
            return lib.complex(lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long))
        if case == 'mixed':
            return lib.complex(lib.ones(2), lib.ones(2, dtype=lib.double))
        return lib.polar(z(lib), z(lib))
    run_both(body)


def test_randn_rand_complex():
    cpu_random_only()

    def body(lib):
        lib.manual_seed(3)
        a = lib.randn(4, 5, dtype=lib.cfloat)
        b = lib.randn(3, dtype=lib.cdouble)
        c = lib.rand(2, 3, dtype=lib.cfloat)
        lib.manual_seed(0)
        d = lib.randn(10000, dtype=lib.cfloat)
        return a, b, c, float(d.real.var()), float(d.imag.var())
    run_both(body, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- views and parts
def test_view_as_real_and_complex_share_memory():
    def body(lib):
        t = z(lib)
        r = lib.view_as_real(t)
        r[0, 0, 1] = 7.0
        c = lib.view_as_complex(lib.arange(12.).reshape(2, 3, 2))
        c2 = lib.view_as_complex(lib.arange(12.).reshape(3, 2, 2).transpose(0, 1))
        return r, t, r.shape, r.stride(), c, c.stride(), c2, lib.view_as_real(t.t()).stride(), lib.view_as_real(t[:, 1])
    run_both(body)


@pytest.mark.parametrize('case', ['real_input', 'last2', 'stride', 'long'])
def test_view_as_errors(case):
    def body(lib):
        if case == 'real_input':
            return lib.view_as_real(lib.ones(2))
        if case == 'last2':
            return lib.view_as_complex(lib.ones(2, 3))
        if case == 'stride':
            return lib.view_as_complex(lib.ones(2, 4)[:, ::2])
        return lib.view_as_complex(lib.ones(2, 2, dtype=lib.long))
    run_both(body)


def test_real_imag_views_writable():
    def body(lib):
        t = z(lib)
        re, im = t.real, t.imag
        re[0, 0] = 10.0
        im.mul_(2)
        f = lib.ones(3)
        return t, re.dtype, im.dtype, lib.real(t), lib.imag(t), f.real is f, re.shape, re.stride(), t.t().imag.stride()
    run_both(body)


def test_imag_of_real_raises():
    run_both(lambda lib: lib.ones(2).imag)


def test_conj_family():
    def body(lib):
        t = z(lib)
        c = t.conj()
        r = lib.ones(2)
        return (c.resolve_conj(), lib.conj(t).resolve_conj(), t.conj_physical(), lib.conj_physical(t),
                lib.resolve_conj(t), r.conj() is r, r.is_conj(), lib.isreal(lib.tensor([1 + 0j, 1j])), t.sgn(),
                lib.sgn(lib.tensor([0j, -2 + 0j])))
    run_both(body)


def test_abs_angle_dtypes():
    def body(lib):
        t = z(lib)
        d = z(lib, dtype='cdouble')
        return (t.abs(), lib.abs(d), t.angle(), lib.angle(d), lib.angle(lib.tensor([-1.0, 0.0, 2.0])),
                lib.angle(lib.tensor([-1, 2])), abs(t), lib.absolute(t))
    run_both(body)


# ---------------------------------------------------------------- printing and conversion
@pytest.mark.parametrize('expr', [
    'lib.tensor([1+2j, 3-1j])',
    'lib.tensor([[1.5+2j, -3-1.25j]], dtype=lib.cdouble)',
    'lib.tensor(1+0j)',
    'lib.tensor([[1e-5+1j, 1000+0j]])',
    'lib.tensor([], dtype=lib.cfloat)',
    'lib.tensor([float("nan")+1j, complex(1, float("inf"))])',
    'lib.arange(30.).reshape(3, 10) * (1 + 0.5j)',
    'lib.arange(3000.) * (1 - 0.5j)',
    'lib.tensor([1+2j], requires_grad=True) * 2',
    'lib.tensor([-0.0-0.0j, 0.5+0j])',
    'lib.tensor([[123456.789+1j]], dtype=lib.cdouble)',
    'lib.arange(24.).reshape(2, 3, 4) * 1j',
    'lib.tensor([1e10+1j, 1])',
    'lib.tensor([1e-10j, 1])',
    'lib.tensor([[1+1j]] * 30, dtype=lib.cdouble)',
])
def test_repr(expr):
    run_both(lambda lib: repr(eval(expr, {'lib': lib})))


def test_repr_print_options():
    def body(lib):
        try:
            lib.set_printoptions(precision=2)
            a = repr(lib.tensor([[1.2345 + 2j, 3 - 1.5j]]))
            lib.set_printoptions(sci_mode=True)
            b = repr(lib.tensor([1.5 + 2j]))
        finally:
            lib.set_printoptions(profile='default')
        return a, b
    run_both(body)


def test_repr_default_double():
    def body(lib):
        old = lib.get_default_dtype()
        lib.set_default_dtype(lib.float64)
        try:
            return repr(lib.tensor([1 + 1j])), repr(lib.tensor([1 + 1j], dtype=lib.cfloat))
        finally:
            lib.set_default_dtype(old)
    run_both(body)


def test_item_numpy_tolist():
    def body(lib):
        t = z(lib)
        return (t[0, 0].item(), type(t[0, 0].item()).__name__, t.numpy().dtype.name, t.tolist(), complex(t[1, 1]),
                lib.tensor(2j, dtype=lib.cdouble).item())
    run_both(body)


def test_to_real_warns_and_takes_real_part():
    def body(lib):
        t = z(lib)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            r = t.to(lib.float32)
            d = t.double()
        msgs = [(x.category.__name__, 'discards the imaginary part' in str(x.message)) for x in w]
        return r, d, msgs[:1], t.to(lib.cdouble), lib.ones(2).to(lib.cfloat), lib.ones(2).cfloat(), t.cdouble()
    run_both(body)


def test_to_int_takes_real_part_and_bool_tests_nonzero():
    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            b = lib.tensor([1j, 0, 2]).bool()
        return z(lib).to(lib.int64), b, len(w), lib.tensor([1.5j, 2.7]).to(lib.float16)
    run_both(body)


# ---------------------------------------------------------------- arithmetic and math
@pytest.mark.parametrize('dt', ['cfloat', 'cdouble'])
def test_arithmetic(dt):
    def body(lib):
        a, b = z(lib, Z, dt), z(lib, W, dt)
        r = lib.tensor(R)
        return (a + b, a - b, a * b, a / b, a ** 2, a ** 0.5, a ** b, -a, a + r, r * a, r / a, a / r, 2 / a, a - 1,
                1 - a, a * 2.5, a.reciprocal(), lib.add(a, b, alpha=2), a.square())
    run_both(body, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize('op', ['exp', 'log', 'sqrt', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'sinh', 'cosh',
                                'rsqrt', 'log2', 'log10', 'expm1', 'log1p'])
def test_unary_math(op):
    run_both(lambda lib: (getattr(z(lib), op)(), getattr(lib, op)(z(lib, dtype='cdouble'))), rtol=1e-4, atol=1e-5)


def test_reductions_and_products():
    def body(lib):
        a, b = z(lib), z(lib, W)
        return (a.sum(), a.sum(0), a.mean(), a.mean(1), a.prod(), a.prod(1), a @ b.t(), lib.mm(a, b.t()),
                lib.bmm(a[None], b.t()[None]), lib.matmul(a, b[0]), lib.einsum('ij,kj->ik', a, b), a.cumsum(1),
                lib.dot(a[0], b[0]), lib.vdot(a[0], b[0]), a == b, a != a.conj(), a.t().contiguous(), a.flip(0),
                lib.cat([a, b]), lib.stack([a, b]).shape, a.reshape(3, 2), a[:, 1:], a.unsqueeze(0).expand(2, 2, 3))
    run_both(body, rtol=2e-5, atol=2e-5)


def test_inplace_and_setitem():
    def body(lib):
        a = z(lib)
        a += 1j
        a *= 2
        a[0, 0] = 5 - 5j
        a[1] = lib.tensor([1j, 2j, 3j])
        b = lib.zeros(2, dtype=lib.cfloat)
        b.fill_(1 + 1j)
        return a, b
    run_both(body)


@pytest.mark.parametrize('op', ['lt', 'le', 'gt', 'ge', 'max', 'maximum', 'minimum', 'relu', 'floor', 'ceil',
                                'round', 'trunc', 'clamp', 'sign', 'remainder', 'floor_divide', 'erf'])
def test_refused_for_complex(op):
    def body(lib):
        a, b = z(lib), z(lib, W)
        f = {'lt': lambda: a < b, 'le': lambda: a <= 1, 'gt': lambda: a > b, 'ge': lambda: lib.ge(a, b),
             'max': lambda: lib.maximum(a, b), 'maximum': lambda: lib.maximum(a, b),
             'minimum': lambda: lib.minimum(a, b), 'relu': lambda: lib.relu(a), 'floor': lambda: a.floor(),
             'ceil': lambda: lib.ceil(a), 'round': lambda: a.round(), 'trunc': lambda: a.trunc(),
             'clamp': lambda: a.clamp(0, 1), 'sign': lambda: a.sign(), 'remainder': lambda: a % 2,
             'floor_divide': lambda: a // 2, 'erf': lambda: lib.erf(a)}[op]
        return f()
    run_both(body)


# ---------------------------------------------------------------- autograd
def test_grad_abs_squared_is_2z():
    def body(lib):
        t = lib.tensor([1 + 2j, -3 + 0.5j], requires_grad=True)
        (t.abs() ** 2).sum().backward()
        return t.grad
    run_both(body)


def test_backward_complex_output_needs_grad():
    run_both(lambda lib: lib.tensor([1 + 1j], requires_grad=True).sum().backward())


def test_requires_grad_on_complex():
    run_both(lambda lib: (lib.zeros(2, dtype=lib.cfloat, requires_grad=True), z(lib).requires_grad_().requires_grad))


@pytest.mark.parametrize('dt', ['cfloat', 'cdouble'])
def test_grad_arithmetic(dt):
    def body(lib):
        a = z(lib, Z, dt, requires_grad=True)
        b = z(lib, W, dt, requires_grad=True)
        r = lib.tensor(R, dtype=lib.float32 if dt == 'cfloat' else lib.float64, requires_grad=True)
        out = (a * b + a / b - b * r + r / a + (a - 2j) * 3 + a ** 2).exp().abs().sum()
        out.backward()
        return out, a.grad, b.grad, r.grad
    run_both(body, rtol=1e-4, atol=1e-4)


def test_grad_parts_angle_conj():
    def body(lib):
        a = z(lib, requires_grad=True)
        loss = (a.real * 2 + a.imag ** 2).sum() + a.angle().sum() + (a.conj() * lib.tensor(W)).real.sum() + \
            (a.sgn().abs() * 0).sum()
        loss.backward()
        return loss, a.grad
    run_both(body, rtol=1e-5, atol=1e-5)


def test_grad_view_as_real_complex():
    def body(lib):
        a = z(lib, requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], requires_grad=True)
        r = lib.view_as_real(a)
        c = lib.view_as_complex(x)
        loss = (r * lib.arange(12.).reshape(2, 3, 2)).sum() + (c * lib.tensor([1j, 2, 1 - 1j])).abs().sum()
        loss.backward()
        return loss, a.grad, x.grad
    run_both(body, rtol=1e-5, atol=1e-5)


def test_grad_complex_polar():
    def body(lib):
        re = lib.tensor(R, requires_grad=True)
        im = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        mag = lib.tensor([[1.0, 2.0, 0.5]], requires_grad=True)
        ang = lib.tensor([[0.3], [-1.2]], requires_grad=True)
        w = lib.tensor(W)
        loss = (lib.complex(re, im) * w).abs().sum() + (lib.polar(mag, ang) * w).real.sum() + \
            (lib.polar(mag, ang) ** 2).imag.sum()
        loss.backward()
        return loss, re.grad, im.grad, mag.grad, ang.grad
    run_both(body, rtol=1e-5, atol=1e-5)


def test_grad_matmul_sum_mean():
    def body(lib):
        a = z(lib, requires_grad=True)
        b = z(lib, W, requires_grad=True)
        v = lib.tensor([1j, 2.0, -1 + 1j], requires_grad=True)
        m = a @ b.t()
        loss = m.abs().sum() + (a.sum(0) * v).real.mean() + lib.matmul(a, v).imag.sum() + \
            lib.einsum('ij,ij->i', a, b).abs().sum() + lib.bmm(a[None], b.t()[None]).real.sum() + a.mean().abs()
        loss.backward()
        return loss, a.grad, b.grad, v.grad
    run_both(body, rtol=1e-5, atol=1e-5)


def test_grad_unary_complex():
    def body(lib):
        a = z(lib, requires_grad=True)
        loss = sum(getattr(a, op)().abs().sum() for op in ('exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid',
                                                           'reciprocal'))
        loss.backward()
        return loss, a.grad
    run_both(body, rtol=1e-4, atol=1e-5)


def test_grad_real_to_complex_to_real():
    def body(lib):
        x = lib.tensor(R, requires_grad=True)
        c = x.to(lib.cfloat) * lib.tensor(W)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            y = c.to(lib.float32)
        loss = (y ** 2).sum() + c.abs().sum()
        loss.backward()
        return loss, x.grad
    run_both(body, rtol=1e-5, atol=1e-5)


def test_grad_leaf_accumulates_complex():
    def body(lib):
        a = z(lib, requires_grad=True)
        (a * a).abs().sum().backward()
        (a.conj() * 2j).real.sum().backward()
        return a.grad, a.grad.dtype
    run_both(body, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- ember.fft
NORMS = [None, 'backward', 'ortho', 'forward']


@pytest.mark.parametrize('norm', NORMS)
@pytest.mark.parametrize('n', [None, 5, 12])
def test_fft_1d_forward(norm, n):
    def body(lib):
        x = lib.tensor(SIG)
        c = lib.tensor(SIG) * (1 + 0.5j)
        F = lib.fft
        return (F.fft(x, n=n, norm=norm), F.ifft(c, n=n, norm=norm), F.rfft(x, n=n, norm=norm),
                F.irfft(c, n=n, norm=norm), F.hfft(c, n=n, norm=norm), F.ihfft(x, n=n, norm=norm),
                F.fft(x.double(), n=n, norm=norm), F.irfft(c.cdouble(), n=n, norm=norm), F.fft(lib.arange(8), n=n))
    run_both(body, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('norm', NORMS)
def test_fft_nd_forward(norm):
    def body(lib):
        x = lib.arange(24.).reshape(2, 3, 4).sin()
        c = x * (1 - 2j)
        F = lib.fft
        return (F.fft2(x, norm=norm), F.ifft2(c, norm=norm), F.rfft2(x, norm=norm), F.irfft2(c, norm=norm),
                F.fftn(x, norm=norm), F.ifftn(c, s=(3, 5), norm=norm), F.rfftn(x, s=(4, 6), norm=norm),
                F.irfftn(c, s=(2, 6), dim=(0, 2), norm=norm), F.fftn(c, dim=(0,), norm=norm),
                F.irfftn(c, norm=norm), F.fft(x, dim=1, norm=norm), F.rfft(x, dim=0, norm=norm),
                F.hfft2(c, norm=norm), F.ihfft2(x, norm=norm))
    run_both(body, rtol=1e-5, atol=1e-5)


def test_fft_helpers():
    def body(lib):
        F = lib.fft
        x = lib.arange(10.).reshape(2, 5)
        return (F.fftfreq(8), F.fftfreq(7, d=0.5), F.rfftfreq(8), F.rfftfreq(9, 2.0, dtype=lib.float64),
                F.fftshift(x), F.ifftshift(x), F.fftshift(x, dim=1), F.ifftshift(x, dim=(0,)),
                F.fftshift(F.fftfreq(6)))
    run_both(body)


@pytest.mark.parametrize('case', ['rfft_complex', 'ihfft_complex', 'bad_norm', 'zero_n', 'bad_dim'])
def test_fft_errors(case):
    def body(lib):
        F = lib.fft
        if case == 'rfft_complex':
            return F.rfft(z(lib))
        if case == 'ihfft_complex':
            return F.ihfft(z(lib))
        if case == 'bad_norm':
            return F.fft(lib.ones(4), norm='bad')
        if case == 'zero_n':
            return F.fft(lib.ones(4), n=0)
        return F.fft(lib.ones(4), dim=3)
    run_both(body)


@pytest.mark.parametrize('norm', NORMS)
@pytest.mark.parametrize('n', [None, 5, 11])
def test_fft_1d_grads(norm, n):
    def body(lib):
        x = lib.tensor(SIG, requires_grad=True)
        c = (lib.tensor(SIG[:6]) * (1 + 0.5j) + lib.tensor(SIG[2:]) * 1j).detach().requires_grad_()
        wc = lib.arange(20.).cos()
        F = lib.fft

        def w(t):
            k = t.shape[-1]
            return wc[:k] * (1 + 0.3j) if t.is_complex() else wc[:k]
        loss = ((F.fft(x, n=n, norm=norm) * w(F.fft(x, n=n))).abs().sum() +
                (F.ifft(c, n=n, norm=norm) * w(F.ifft(c, n=n))).real.sum() +
                (F.rfft(x, n=n, norm=norm) * w(F.rfft(x, n=n))).imag.sum() +
                (F.irfft(c, n=n, norm=norm) * w(F.irfft(c, n=n))).sum() +
                (F.hfft(c, n=n, norm=norm) * w(F.hfft(c, n=n))).sum() +
                (F.ihfft(x, n=n, norm=norm) * w(F.ihfft(x, n=n))).abs().sum())
        loss.backward()
        return loss, x.grad, c.grad
    run_both(body, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('norm', [None, 'ortho', 'forward'])
def test_fft_nd_grads(norm):
    def body(lib):
        x = lib.arange(24.).reshape(2, 3, 4).sin().requires_grad_()
        c = (lib.arange(24.).reshape(2, 3, 4).cos() * (1 - 2j)).detach().requires_grad_()
        F = lib.fft
        wr = lib.arange(60.).sin()

        def w(t):
            return wr[:t.numel()].reshape(t.shape)
        outs = [F.fft2(x, norm=norm), F.ifft2(c, s=(2, 5), norm=norm), F.rfft2(x, norm=norm),
                F.irfft2(c, norm=norm), F.fftn(c, dim=(0, 2), norm=norm), F.rfftn(x, s=(3, 6), norm=norm),
                F.irfftn(c, s=(4, 5), norm=norm), F.irfftn(c, dim=(1, 2), s=(2, 7), norm=norm)]
        loss = sum((o * w(o)).abs().sum() if o.is_complex() else (o * w(o)).sum() for o in outs)
        loss.backward()
        return loss, x.grad, c.grad
    run_both(body, rtol=1e-4, atol=1e-4)


def test_fft_shift_grad_and_roundtrip():
    def body(lib):
        x = lib.tensor(SIG, requires_grad=True)
        F = lib.fft
        y = F.irfft(F.rfft(x), n=8)
        s = F.fftshift(F.fft(x)).abs()
        loss = (y * lib.arange(8.)).sum() + (s * lib.arange(8.)).sum()
        loss.backward()
        return y, loss, x.grad
    run_both(body, rtol=1e-5, atol=1e-5)


def test_fft_dtypes():
    def body(lib):
        F = lib.fft
        return (F.fft(lib.ones(4)).dtype, F.fft(lib.ones(4, dtype=lib.float64)).dtype, F.rfft(lib.ones(4)).dtype,
                F.irfft(lib.ones(3, dtype=lib.cdouble)).dtype, F.irfft(lib.ones(3)).dtype,
                F.fft(lib.ones(4, dtype=lib.int32)).dtype,
                F.hfft(lib.ones(3, dtype=lib.cfloat)).dtype, F.ihfft(lib.ones(4)).dtype, F.fftfreq(4).dtype)
    run_both(body)


def test_fft_module_names():
    for name in ('fft', 'ifft', 'rfft', 'irfft', 'fft2', 'ifft2', 'rfft2', 'irfft2', 'fftn', 'ifftn', 'rfftn', 'irfftn',
                 'hfft', 'ihfft', 'fftfreq', 'rfftfreq', 'fftshift', 'ifftshift'):
        assert callable(getattr(ember.fft, name)) and callable(getattr(torch.fft, name))


# ---------------------------------------------------------------- conversions, in-place draws, modules
@pytest.mark.parametrize('conv', ['float', 'int', 'complex', 'bool'])
def test_python_number_conversions(conv):
    run_both(lambda lib: {'float': float, 'int': int, 'complex': complex, 'bool': bool}[conv](lib.tensor(1 + 1j)))


def test_inplace_random_fills_complex():
    cpu_random_only()

    def body(lib):
        lib.manual_seed(5)
        a = lib.zeros(3, 2, dtype=lib.cfloat).uniform_()
        b = lib.empty(4, dtype=lib.cdouble).normal_()
        c = lib.empty(2, dtype=lib.cfloat).normal_(1.0, 3.0)
        return a, b, c
    run_both(body, rtol=1e-5, atol=1e-5)


def test_parameter_and_module_to_complex():
    def body(lib):
        p = lib.nn.Parameter(lib.zeros(2, dtype=lib.cfloat))
        m = lib.nn.Linear(2, 1)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            m.to(lib.cfloat)
        with lib.no_grad():
            m.weight.copy_(lib.tensor([[1 + 1j, 2 - 1j]]))
            m.bias.zero_()
        x = lib.tensor([[1j, 1.0]], dtype=lib.cfloat)
        y = m(x)
        y.abs().sum().backward()
        return p, p.requires_grad, m.weight.dtype, y, m.weight.grad, m.bias.grad
    run_both(body, rtol=1e-5, atol=1e-5)


def test_module_to_int_raises():
    run_both(lambda lib: lib.nn.Linear(2, 1).to(lib.int64))


GRAD_CASES = {
    'pow_tensor_tensor': lambda lib, a, b, x: (a ** b).abs().sum(),
    'pow_number_tensor': lambda lib, a, b, x: (2 ** a).abs().sum(),
    'pow_complex_scalar': lambda lib, a, b, x: (a ** (1 + 1j)).abs().sum(),
    'prod': lambda lib, a, b, x: a.prod().abs() + a.prod(1).real.sum(),
    'cumsum': lambda lib, a, b, x: (a.cumsum(1) * b).real.sum(),
    'exp_i_theta': lambda lib, a, b, x: (lib.exp(1j * x) * b).real.sum(),
    'div_by_1j': lambda lib, a, b, x: ((x / 1j) * b).imag.sum() + (a / 1j).abs().sum(),
    'z_conj_z': lambda lib, a, b, x: (a * a.conj()).real.sum(),
    'index_cat': lambda lib, a, b, x: (lib.cat([a[0], a[1, :2]]) * b.reshape(-1)[:5]).abs().sum(),
    'where': lambda lib, a, b, x: lib.where(x > 0, a, b).abs().sum(),
    'stack_sum': lambda lib, a, b, x: lib.stack([a, b]).sum(0).abs().sum(),
    'real_complex_div': lambda lib, a, b, x: (x / a).abs().sum() + (a / x).abs().sum(),
    'sub_neg': lambda lib, a, b, x: (-(a - b) - 1j).abs().sum(),
    'transpose_mm': lambda lib, a, b, x: (a.t() @ b).abs().sum(),
    'view_flip': lambda lib, a, b, x: a.view(3, 2).flip(0).abs().sum(),
    'inplace_chain': lambda lib, a, b, x: (a.clone().mul_(b).add_(1j)).abs().sum(),
    'matmul_mixed_dtypes': lambda lib, a, b, x: (x @ a.t()).abs().sum(),
}


@pytest.mark.parametrize('case', sorted(GRAD_CASES))
def test_grad_cases(case):
    def body(lib):
        a = z(lib, requires_grad=True)
        b = z(lib, W, requires_grad=True)
        x = lib.tensor(R, requires_grad=True)
        loss = GRAD_CASES[case](lib, a, b, x)
        loss.backward()
        return loss, a.grad, b.grad, x.grad
    run_both(body, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('name,kw', [
    ('SGD', dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)), ('Adam', dict(lr=0.1, amsgrad=True)),
    ('AdamW', dict(lr=0.1)), ('RMSprop', dict(lr=0.01, centered=True, momentum=0.5)), ('Adagrad', dict(lr=0.1)),
    ('Adamax', dict(lr=0.1)), ('NAdam', dict(lr=0.1)), ('RAdam', dict(lr=0.1)), ('ASGD', dict(lr=0.1))])
def test_optimizers_step_complex_params_as_real(name, kw):
    def body(lib):
        p = lib.nn.Parameter(z(lib))
        q = lib.nn.Parameter(lib.tensor([1.0, -2.0]))
        o = getattr(lib.optim, name)([p, q], **kw)
        for _ in range(3):
            o.zero_grad()
            ((p * lib.tensor([1j, 2, 3])).abs().sum() + (q ** 2).sum()).backward()
            o.step()
        return p, q, [v for k, v in sorted(o.state[p].items()) if k != 'step']
    run_both(body, rtol=1e-4, atol=1e-4)


def test_adjoint_and_conjugate_transposes():
    def body(lib):
        a = z(lib)
        return a.mH, a.H, a.adjoint(), lib.adjoint(a[None]), lib.ones(2, 3).mH.shape, a.mT
    run_both(body)


def test_inplace_abs_of_complex_raises():
    run_both(lambda lib: z(lib).abs_())


@pytest.mark.parametrize('dt', ['float32', 'float64', 'int64', 'complex64'])
def test_setitem_complex_number(dt):
    def body(lib):
        t = lib.ones(2, dtype=getattr(lib, dt))
        t[0] = 2j
        return t
    run_both(body)


@pytest.mark.parametrize('dt', ['float32', 'float64', 'int64', 'int32', 'bool', 'complex128'])
def test_tensor_of_complex_data_with_dtype(dt):
    run_both(lambda lib: lib.tensor([1j, 0, 2 + 0j], dtype=getattr(lib, dt)))


# ---------------------------------------------------------------- ops that order values, and the real-valued reductions
_ORDERING = {
    'max': lambda L, z: z.max(), 'max_dim': lambda L, z: z.max(0), 'amax': lambda L, z: z.amax(),
    'argmax': lambda L, z: z.argmax(), 'min': lambda L, z: z.min(), 'argmin': lambda L, z: z.argmin(1),
    'amin': lambda L, z: z.amin(0), 'aminmax': lambda L, z: L.aminmax(z), 'max_other': lambda L, z: L.max(z, z),
    'sort': lambda L, z: z.sort(), 'argsort': lambda L, z: z.argsort(), 'msort': lambda L, z: L.msort(z),
    'topk': lambda L, z: z.topk(1), 'kthvalue': lambda L, z: z.kthvalue(1), 'unique': lambda L, z: z.unique(),
    'unique_consecutive': lambda L, z: z.unique_consecutive(), 'cummax': lambda L, z: z.cummax(0),
    'cummin': lambda L, z: z.cummin(0), 'median': lambda L, z: z.median(), 'median_dim': lambda L, z: z.median(0),
    'nanmedian': lambda L, z: z.nanmedian(), 'mode': lambda L, z: z.mode(), 'nansum': lambda L, z: z.nansum(),
    'softmax': lambda L, z: z.softmax(0), 'log_softmax': lambda L, z: z.log_softmax(1),
    'mse_loss': lambda L, z: L.nn.functional.mse_loss(z, z), 'huber_loss': lambda L, z: L.nn.functional.huber_loss(z, z),
}


@pytest.mark.parametrize('name', list(_ORDERING))
def test_ordering_ops_refuse_complex(name):
    # torch's error type and message (these used to return values computed on the real parts)
    run_both(lambda L: _ORDERING[name](L, L.tensor([[1 + 2j, 3 - 1j], [0.5j, -2 + 0j]])))


@pytest.mark.parametrize('dt', ['complex64', 'complex128'])
def test_var_std_norm_of_complex_are_real(dt):
    def body(L):
        z = L.tensor([[1 + 2j, 3 - 1j, 0.25j], [0.5j, -2 + 0j, 1 - 1j]], dtype=getattr(L, dt), requires_grad=True)
        v, s, n = z.var(), z.std(0), z.norm()
        vm, sm = L.var_mean(z, 1, correction=0), L.std_mean(z, keepdim=True)
        vn, d = L.linalg.vector_norm(z, 1, dim=1), L.dist(z, z * 2, 3)
        (v + s.sum() + n + vm[0].sum() + sm[0].sum() + vn.sum() + d).backward()
        return v, s, n, vm, sm, vn, d, z.grad
    run_both(body, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- linalg on complex matrices (forward)
def _cmats(L, dt):
    rng = np.random.default_rng(5)
    M = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    H = M @ M.conj().T + 3 * np.eye(3)
    cdt = getattr(L, dt)
    return L.tensor(M, dtype=cdt), L.tensor(H, dtype=cdt), L.tensor(M[:, :2].copy(), dtype=cdt)


_CLINALG = {
    'inv': lambda L, A, P, B: L.linalg.inv(A), 'det': lambda L, A, P, B: L.linalg.det(A),
    'slogdet': lambda L, A, P, B: tuple(L.linalg.slogdet(A)), 'solve': lambda L, A, P, B: L.linalg.solve(A, B),
    'pinv': lambda L, A, P, B: L.linalg.pinv(A), 'lstsq': lambda L, A, P, B: L.linalg.lstsq(A, B).solution,
    'cholesky': lambda L, A, P, B: L.linalg.cholesky(P), 'eigvalsh': lambda L, A, P, B: L.linalg.eigvalsh(P),
    'svdvals': lambda L, A, P, B: L.linalg.svdvals(A), 'svd_S': lambda L, A, P, B: L.linalg.svd(A).S,
    'matrix_norm': lambda L, A, P, B: L.linalg.matrix_norm(A), 'nuc': lambda L, A, P, B: L.linalg.matrix_norm(A, 'nuc'),
    'norm': lambda L, A, P, B: L.linalg.norm(A), 'cond': lambda L, A, P, B: L.linalg.cond(A),
    'solve_triangular': lambda L, A, P, B: L.linalg.solve_triangular(A.triu(), B, upper=True),
    'matrix_rank': lambda L, A, P, B: L.linalg.matrix_rank(A), 'matrix_exp': lambda L, A, P, B: L.linalg.matrix_exp(A),
    'matrix_power': lambda L, A, P, B: L.linalg.matrix_power(A, 3), 'logdet': lambda L, A, P, B: L.logdet(P),
    'cholesky_solve': lambda L, A, P, B: L.cholesky_solve(B, L.linalg.cholesky(P)),
    'cholesky_inverse': lambda L, A, P, B: L.cholesky_inverse(L.linalg.cholesky(P)),
    'multi_dot': lambda L, A, P, B: L.linalg.multi_dot([A, A, B]), 'vecdot': lambda L, A, P, B: L.linalg.vecdot(A, A),
    'eigvals': lambda L, A, P, B: L.linalg.eigvals(A).abs().sort().values,
    'inv_grad': lambda L, A, P, B: L.linalg.inv(A.clone().requires_grad_()),
}


@pytest.mark.parametrize('dt', ['complex64', 'complex128'])
@pytest.mark.parametrize('name', list(_CLINALG))
def test_linalg_complex_forward(name, dt):
    # values and dtypes as torch's (real results where torch's are real); gradients through these
    # for complex inputs are not implemented in ember (NotImplementedError, where torch computes)
    def body(L):
        return _CLINALG[name](L, *_cmats(L, dt))
    if name == 'inv_grad':
        with pytest.raises(NotImplementedError, match='complex'):
            body(ember)
        return
    run_both(body, rtol=2e-4 if dt == 'complex64' else 1e-9, atol=1e-5 if dt == 'complex64' else 1e-10)


@pytest.mark.parametrize('dt', ['float32', 'float64', 'complex64'])
def test_linalg_eig(dt):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((4, 4)) + (1j * rng.standard_normal((4, 4)) if dt.startswith('complex') else 0)
    got = {}
    for L in (torch, ember):
        A = L.tensor(X, dtype=getattr(L, dt))
        w, V = L.linalg.eig(A)
        got[L] = (w.numpy(), V.numpy(), str(w.dtype), str(V.dtype), type(L.linalg.eig(A)).__name__,
                  L.linalg.eigvals(A).numpy())
    (tw, tV, *tmeta), (ew, eV, *emeta) = got[torch], got[ember]
    assert tmeta[:3] == emeta[:3]
    tol = 1e-4 if dt.endswith('32') or dt == 'complex64' else 1e-10
    np.testing.assert_allclose(ew, tw, rtol=tol, atol=tol)
    np.testing.assert_allclose(emeta[3], tmeta[3], rtol=tol, atol=tol)
    # eigenvectors: unit norm, A V = V diag(w), each equal to torch's up to a unit-modulus factor
    # (LAPACK implementations pick different signs)
    np.testing.assert_allclose(np.linalg.norm(eV, axis=0), 1, rtol=tol)
    np.testing.assert_allclose(X @ eV, eV * ew, rtol=10 * tol, atol=10 * tol)
    ratio = (eV / tV)[np.abs(tV) > 0.1]
    np.testing.assert_allclose(np.abs(ratio), 1, rtol=10 * tol)


def test_linspace_complex_and_arange_refusal():
    def attempt(f):
        try:
            return f()
        except Exception as e:  # noqa: BLE001
            return ('raises', type(e).__name__, str(e))

    def body(L):
        return [L.linspace(0, 1 + 1j, 3), L.linspace(0, 1, 3, dtype=L.cfloat), L.linspace(1j, 2, 4),
                L.linspace(0, 1 + 1j, 5, dtype=L.complex128), L.linspace(-1 + 2j, 3 - 1j, 7),
                attempt(lambda: L.linspace(0, 1 + 1j, 3, dtype=L.float32)), attempt(lambda: L.arange(3, dtype=L.cfloat))]
    run_both(body, rtol=0, atol=0)
