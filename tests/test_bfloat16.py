"""torch.bfloat16, emulated by ember (float32 arrays of bfloat16 values, ember/_bf16.py), against torch.

A bfloat16 tensor cannot go to NumPy (torch refuses too), so bodies return ``(x.float(), x.dtype)``.
Elementwise results are compared bit for bit (rtol=0): torch's CPU bfloat16 kernels compute in
float32 and round, as ember does. Long reductions and matrix products may differ from torch's in
the last bfloat16 bit (different summation orders), so they compare within about one bfloat16 ulp
(rtol=2**-7).
"""
import io
import math

import numpy as np
import pytest

from conformance import run_both, torch, cpu_random_only, cpu_build_only, DEVICE
import ember

EXACT = dict(rtol=0, atol=0)
ULP = dict(rtol=2 ** -7, atol=1e-6)


def bf(x):
    return x.float(), x.dtype


def _vals(lib, n=2048, scale=3.0, seed=0):
    # (a multiple of 32: torch's kernels compute the last n % 32 elements in a scalar loop, which for
    # some ops (rsqrt, add with alpha) rounds differently from its vectorised loop)
    v = (np.random.RandomState(seed).randn(n) * scale).tolist()
    return lib.tensor(v, dtype=lib.bfloat16)


# ---------------------------------------------------------------- the dtype
def test_dtype_attributes():
    d = ember.bfloat16
    assert repr(d) == 'torch.bfloat16' and d.is_floating_point and not d.is_complex and d.is_signed
    assert d.itemsize == 2 and ember.finfo(d).bits == 16
    assert repr(ember.finfo(d)) == repr(torch.finfo(torch.bfloat16))
    assert ember.float32 is not ember.bfloat16 and ember.from_numpy(np.ones(2, np.float32)).dtype is ember.float32


def test_sizes(both):
    both(lambda lib: (lambda x: (x.element_size(), x.nbytes, x.itemsize, x.stride(), x[1:].storage_offset(),
                                 x.is_floating_point(), lib.is_floating_point(x),
                                 lib.get_default_dtype()))(lib.ones(2, 3, dtype=lib.bfloat16)))


def test_type_names():
    x = ember.ones(2, dtype=ember.bfloat16)
    assert x.type() == 'torch.BFloat16Tensor' and ember.BFloat16Tensor.dtype is ember.bfloat16
    assert x.type(ember.float32).dtype is ember.float32


@pytest.mark.parametrize('other', ['bool', 'uint8', 'int8', 'int32', 'int64', 'float16', 'float32', 'float64',
                                   'complex64', 'complex128', 'bfloat16'])
def test_promote_types(both, other):
    both(lambda lib: (lib.promote_types(lib.bfloat16, getattr(lib, other)),
                      lib.promote_types(getattr(lib, other), lib.bfloat16)))


def test_promotion_with_scalars_and_0d(both):
    def body(lib):
        x = lib.tensor([1.5, 2.0], dtype=lib.bfloat16)
        return ((x + 1).dtype, (x + 1.5).dtype, (x * True).dtype, (x + 1j).dtype, (x + lib.tensor(1.5)).dtype,
                (x + lib.tensor([1.5])).dtype, (lib.tensor([1, 2]) + lib.tensor(1.5, dtype=lib.bfloat16)).dtype,
                (lib.tensor([1., 2.], dtype=lib.float16) + lib.tensor(1., dtype=lib.bfloat16)).dtype,
                (lib.tensor([1., 2.], dtype=lib.float16) + x).dtype, (x + x.double()).dtype)
    both(body)


def test_default_dtype(both):
    def body(lib):
        lib.set_default_dtype(lib.bfloat16)
        try:
            return (lib.get_default_dtype(), bf(lib.tensor([1.1, 2.3])), lib.ones(2).dtype,
                    (lib.tensor([1, 2]) * 1.5).dtype, lib.arange(0., 3).dtype)
        finally:
            lib.set_default_dtype(lib.float32)
    both(body)


# ---------------------------------------------------------------- creation and conversion
def test_creation(both):
    both(lambda lib: [bf(x) for x in (
        lib.tensor([1.0, 2.5, 3.14159, 1e-3, 100.7, 1.00390625, 1e30, -0.0], dtype=lib.bfloat16),
        lib.tensor(3.3, dtype=lib.bfloat16), lib.zeros(2, 3, dtype=lib.bfloat16), lib.ones(2, dtype=lib.bfloat16),
        lib.full((2,), 1.001, dtype=lib.bfloat16), lib.arange(0, 1.3, 0.25, dtype=lib.bfloat16),
        lib.eye(2, dtype=lib.bfloat16),
        lib.tensor([1, 2, 300]).to(lib.bfloat16), lib.tensor([True, False]).bfloat16())], **EXACT)


def test_conversions(both):
    def body(lib):
        x = lib.tensor([1.0039, -2.71828, 65504.0, 1e-40, 3.4e38], dtype=lib.float64)
        b = x.to(lib.bfloat16)
        return (bf(b), bf(x.float().bfloat16()), bf(x.type(lib.bfloat16)), b.double(), b.half(), b.long(),
                b.bool(), b.tolist(), b[0].item(), bf(b.to(lib.float32).to(lib.bfloat16)),
                bf(lib.tensor([2.5], dtype=lib.bfloat16).to(x)))
    both(body, **EXACT)


def test_nan_inf(both):
    both(lambda lib: bf(lib.tensor([float('nan'), float('inf'), -float('inf'), 3.4e38], dtype=lib.bfloat16)))


def test_numpy_refused(both):
    if DEVICE[0] != 'cpu':
        pytest.skip('a CUDA tensor refuses numpy() for its device first')
    both(lambda lib: lib.ones(2, dtype=lib.bfloat16).numpy(), match='Got unsupported ScalarType BFloat16')
    both(lambda lib: np.asarray(lib.ones(2, dtype=lib.bfloat16)), match='Got unsupported ScalarType BFloat16')


@pytest.mark.parametrize('scale', [1e-8, 1e-4, 1e-2, 1, 10, 1000, 1e5, 1e8, 1e30])
def test_printing(scale):
    v = (np.random.RandomState(0).randn(7) * scale).tolist()
    assert str(ember.tensor(v, dtype=ember.bfloat16)) == str(torch.tensor(v, dtype=torch.bfloat16))
    if scale < 1e10:
        w = [round(x) for x in v]
        assert str(ember.tensor(w, dtype=ember.bfloat16)) == str(torch.tensor(w, dtype=torch.bfloat16))


def test_printing_more():
    for f in (lambda lib: lib.tensor([0.1, 1e-5], dtype=lib.bfloat16),
              lambda lib: lib.tensor(-0.0, dtype=lib.bfloat16),
              lambda lib: lib.tensor([1, 2], dtype=lib.bfloat16, requires_grad=True),
              lambda lib: lib.tensor([1.5, 2.5], dtype=lib.bfloat16, requires_grad=True) * 2,
              lambda lib: lib.arange(2000.).bfloat16(),
              lambda lib: lib.tensor([], dtype=lib.bfloat16),
              lambda lib: lib.ones(2, 0, dtype=lib.bfloat16),
              lambda lib: lib.tensor([257.], dtype=lib.bfloat16)):
        assert repr(f(ember)) == repr(f(torch))


# ---------------------------------------------------------------- arithmetic
UNARY = ['exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'sqrt', 'rsqrt', 'reciprocal', 'neg', 'abs', 'erf', 'exp2',
         'expm1', 'log1p', 'log2', 'log10', 'atan', 'asinh', 'sinh', 'cosh', 'floor', 'ceil', 'round', 'trunc',
         'frac', 'sign', 'square', 'relu', 'lgamma', 'digamma']
POSITIVE = ('log', 'sqrt', 'rsqrt', 'log1p', 'log2', 'log10', 'lgamma', 'digamma')


@pytest.mark.parametrize('name', UNARY)
def test_unary_exact(both, name):
    def body(lib):
        x = _vals(lib)
        return bf(getattr(lib, name)(x.abs() + 0.01 if name in POSITIVE else x))
    both(body, **EXACT)


@pytest.mark.parametrize('name', ['silu', 'softplus', 'elu', 'leaky_relu', 'hardswish', 'logsigmoid', 'relu'])
def test_activation_exact(both, name):
    both(lambda lib: bf(getattr(lib.nn.functional, name)(_vals(lib))), **EXACT)


def test_binary_exact(both):
    def body(lib):
        x = _vals(lib)
        y = x.flip(0) + 0.5
        p = x.abs() + 0.01
        return [bf(r) for r in (x + y, x - y, x * y, x / y, lib.maximum(x, y), lib.atan2(x, p),
                                x + 0.01, 0.01 + x, x - 0.01, 0.01 - x, x * 0.1, x / 3, 3 / p, x + lib.tensor(0.01),
                                lib.add(x, y, alpha=0.3), lib.sub(x, y, alpha=0.3), x.clamp(-1.01, 2.33),
                                lib.where(x > 0, x, 0.3), x + x.float(), x * 2 + 1)]
    both(body, **EXACT)


def test_inplace_and_setitem(both):
    def body(lib):
        w = lib.ones(4, dtype=lib.bfloat16)
        w.add_(0.001)
        a = bf(w.clone())
        w += 0.01
        b = bf(w.clone())
        w[0] = 1.001
        w[1:3] = lib.tensor([3.14159, 2.71828])
        w.mul_(1.1)
        c = bf(w.clone())
        w.copy_(lib.tensor([1.001, 2.002, 3.003, 4.004]))
        d = bf(w.clone())
        w.fill_(0.3)
        out = lib.empty(4, dtype=lib.bfloat16)
        lib.add(lib.tensor([1.001, 2.002, 3.003, 4.004]), 1, out=out)
        return a, b, c, d, bf(w), bf(out)
    both(body, **EXACT)


def test_reductions(both):
    def body(lib):
        x = _vals(lib, 20000).reshape(200, 100)
        return [bf(r) for r in (x.sum(1), x.mean(1), x.var(1), x.std(1), x.norm(dim=1), x.amax(1), x.sum(),
                                x.cumsum(1), x.softmax(1), lib.nn.functional.layer_norm(x, (100,)))]
    both(body, **ULP)


def test_matmul_linear_conv(both):
    def body(lib):
        x = _vals(lib, 20000).reshape(200, 100)
        y = _vals(lib, 20000, seed=1).reshape(100, 200)
        w = _vals(lib, 300, seed=2).reshape(3, 100)
        img = _vals(lib, 2 * 3 * 8 * 8, seed=3).reshape(2, 3, 8, 8)
        k = _vals(lib, 4 * 3 * 3 * 3, seed=4).reshape(4, 3, 3, 3)
        return [bf(r) for r in (x @ y, lib.nn.functional.linear(x, w), lib.nn.functional.conv2d(img, k, padding=1),
                                lib.bmm(x[None], y[None]))]
    both(body, **ULP)


# ---------------------------------------------------------------- random
def test_random(both):
    cpu_random_only()
    def body(lib):
        lib.manual_seed(0)
        r = [lib.rand(20, dtype=lib.bfloat16), lib.randn(5, dtype=lib.bfloat16),
             lib.randint(0, 10, (20,), dtype=lib.bfloat16),
             lib.empty(20, dtype=lib.bfloat16).uniform_(-2, 3), lib.empty(7, dtype=lib.bfloat16).normal_(1, 3),
             lib.bernoulli(lib.full((20,), 0.3, dtype=lib.bfloat16))]
        return [bf(x) for x in r]
    both(body, **EXACT)


# ---------------------------------------------------------------- autograd, modules, optimizers
def test_autograd(both):
    def body(lib):
        z = lib.tensor([1., 2., -0.3], dtype=lib.bfloat16, requires_grad=True)
        (z * z * 1.1).sum().backward()
        w = lib.tensor([0.7, -1.3, 2.2], dtype=lib.bfloat16, requires_grad=True)
        (w.exp() * 3).sum().backward()
        return bf(z.grad), bf(w.grad), z.grad.dtype
    both(body, **EXACT)


def test_module_bfloat16(both):
    cpu_random_only()
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2)).bfloat16()
        m2 = lib.nn.Linear(3, 2).to(lib.bfloat16)
        x = lib.randn(5, 4).bfloat16()
        out = m(x)
        out.float().sum().backward()
        return bf(out), bf(m[0].weight.grad), m[0].weight.dtype, m2.bias.dtype, bf(m[2].bias)
    both(body, **ULP)


OPTS = [('SGD', dict(lr=0.01)), ('SGD', dict(lr=0.01, momentum=0.9)),
        ('SGD', dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.01)), ('Adam', dict(lr=0.01)),
        ('Adam', dict(lr=0.01, amsgrad=True, weight_decay=0.1)), ('AdamW', dict(lr=0.01))]


def _train(lib, opt, kw, n_in=50):
    lib.manual_seed(0)
    m = lib.nn.Linear(n_in, 40).bfloat16()
    o = getattr(lib.optim, opt)(m.parameters(), **kw)
    for _ in range(3):
        o.zero_grad()
        m(lib.randn(5, n_in).bfloat16()).float().pow(2).sum().backward()
        o.step()
    return bf(m.weight), bf(m.bias)


@pytest.mark.parametrize('opt,kw', OPTS)
def test_optimizer_step_exact(both, opt, kw):
    # SGD and Adam(W) on bfloat16 parameters run torch's single-tensor loop with ember's bfloat16 ops
    cpu_random_only()
    both(lambda lib: _train(lib, opt, kw), **EXACT)


def test_optimizer_step_other(both):
    # other optimizers update in float32 and round once per step; torch rounds each of its
    # bfloat16 ops: within a few bfloat16 ulps after three steps
    cpu_random_only()
    both(lambda lib: _train(lib, 'RMSprop', dict(lr=0.01)), rtol=2 ** -5, atol=2e-2)


def test_optimizer_keeps_bf16_values():
    m = ember.nn.Linear(4, 3).bfloat16()
    o = ember.optim.Adam(m.parameters(), lr=0.0123)
    m(ember.randn(5, 4).bfloat16()).float().sum().backward()
    o.step()
    for p in list(m.parameters()) + [s for st in o.state.values() for s in st.values() if s.dtype is ember.bfloat16]:
        assert not (p.detach().float()._data.view(np.uint32) & 0xFFFF).any()


# ---------------------------------------------------------------- autocast
def test_autocast_cpu(both):
    cpu_random_only()
    def body(lib):
        F = lib.nn.functional
        lib.manual_seed(0)
        a = lib.randn(4, 4)
        b = lib.randn(4, 4).bfloat16()
        with lib.autocast('cpu'):
            return ((a @ a).dtype, F.linear(a, a).dtype, lib.mm(a, a).dtype, F.mse_loss(b, b).dtype,
                    F.cross_entropy(b, lib.tensor([0, 1, 2, 3])).dtype, (a + a).dtype,
                    F.conv1d(a[None], a[:, :, None]).dtype, (a.double() @ a.double()).dtype,
                    lib.get_autocast_dtype('cpu'), lib.is_autocast_enabled('cpu'), bf(a @ a))
    both(body, **ULP)


def test_autocast_cpu_no_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with ember.autocast('cpu'):
            assert (ember.ones(2, 3) @ ember.ones(3, 2)).dtype is ember.bfloat16


# ---------------------------------------------------------------- save / load
def test_save_load_roundtrip():
    x = ember.tensor([1.5, 2.3, -7.1, float('nan')], dtype=ember.bfloat16)
    m = ember.nn.Linear(2, 2).bfloat16()
    buf = io.BytesIO()
    ember.save({'x': x, 'm': m.state_dict()}, buf)
    buf.seek(0)
    y = ember.load(buf)
    assert y['x'].dtype is ember.bfloat16 and str(y['x']) == str(x)
    assert y['m']['weight'].dtype is ember.bfloat16
    assert ember.equal(y['m']['weight'], m.weight.detach())


@cpu_build_only
def test_cuda_bf16_supported(both):
    both(lambda lib: lib.cuda.is_bf16_supported())


def test_linspace_close(both):
    # torch steps bfloat16 linspace with a bfloat16 step; ember rounds float64 points (a bfloat16 ulp apart)
    both(lambda lib: bf(lib.linspace(0, 1, 7, dtype=lib.bfloat16)), **ULP)


def test_randn_normal_blocks(both):
    # torch's bfloat16 normal_ of 16 or more values draws 16 uniforms per block (float32 draws all first)
    cpu_random_only()

    def body(lib):
        out = []
        for n in (16, 20, 33, 50, 100):
            lib.manual_seed(n)
            out += [bf(lib.randn(n, dtype=lib.bfloat16)), bf(lib.empty(n, dtype=lib.bfloat16).normal_(2, 3)),
                    bf(lib.normal(1.0, 2.0, (n,), dtype=lib.bfloat16))]
        return out
    both(body, **EXACT)


@pytest.mark.parametrize('n', [4, 31, 32, 33, 100, 2048])
def test_fused_pointwise_exact(both, n):
    # add/sub with alpha, lerp, addcmul, addcdiv: torch's vectorised loop and its scalar loop over the
    # last n % 32 elements round differently; ember follows both
    def body(lib):
        rs = np.random.RandomState(n)
        x, y = (lib.tensor((rs.randn(n) * 3).tolist(), dtype=lib.bfloat16) for _ in range(2))
        z = lib.tensor((rs.rand(n) + 0.5).tolist(), dtype=lib.bfloat16)
        xt = x.reshape(-1, 1).expand(-1, 2).t().contiguous().t()        # (n, 2), column-major
        return [bf(r) for r in (lib.add(x, y, alpha=-0.1), lib.sub(x, y, alpha=0.3), lib.add(x, 2.3, alpha=0.7),
                                lib.sub(x, 2.3, alpha=0.7), lib.add(x, lib.tensor(2.3), alpha=0.7),
                                lib.add(x[:1], y, alpha=0.3), lib.add(xt, xt * 1.5, alpha=0.3),
                                lib.lerp(x, y, 0.3),
                                x.clone().lerp_(y, 0.1), lib.addcmul(x, y, z, value=0.3),
                                lib.addcdiv(x, y, z, value=-0.37), lib.logit((z - 0.5).clamp(0.01, 0.99)),
                                lib.logit(z - 0.5, eps=0.1))]
    both(body, **EXACT)


@pytest.mark.parametrize('name', ['exp', 'log', 'sin', 'tanh', 'sigmoid', 'sqrt', 'reciprocal', 'expm1', 'log1p',
                                  'atan', 'sinh', 'square', 'relu', 'abs'])
def test_unary_grad_exact(both, name):
    def body(lib):
        x = lib.tensor((np.random.RandomState(1).rand(64) * 2 + 0.1).tolist(), dtype=lib.bfloat16,
                       requires_grad=True)
        r = getattr(lib, name)(x) * 1.3
        r.backward(lib.ones_like(r) * 0.7)
        return bf(x.grad)
    both(body, **EXACT)


@pytest.mark.parametrize('name', ['rsqrt', 'erf', 'pow'])
def test_unary_grad_close(both, name):
    # these backward formulas round their steps in another order than torch's: within a bfloat16 ulp or two
    def body(lib):
        x = lib.tensor((np.random.RandomState(1).rand(64) * 2 + 0.1).tolist(), dtype=lib.bfloat16,
                       requires_grad=True)
        r = x ** 2.5 if name == 'pow' else getattr(lib, name)(x)
        r.backward(lib.ones_like(r) * 0.7)
        return bf(x.grad)
    both(body, rtol=2 ** -6, atol=1e-6)
