"""Generic tests over the op registry (tests/opinfo.py), for every op and dtype it claims:
forward vs torch (values, dtype, shape) as function and method; non-contiguous input equals
contiguous; the in-place method and ``out=`` agree with torch's; float64 gradcheck and
gradgradcheck where claimed; gradients vs torch's; error inputs raise torch's error type."""
import numpy as np
import pytest

from conformance import run_both, torch, _builtin_base
import ember
from opinfo import OPS, FLOAT

_SEED = {op.name: 1000 + i for i, op in enumerate(OPS)}


def _rng(op, dtype=''):
    return np.random.default_rng(_SEED[op.name] * 31 + sum(map(ord, dtype)))


def _params(kind='dtype'):
    out = []
    for op in OPS:
        if kind == 'dtype':
            out += [pytest.param(op, dt, id=f'{op.name}-{dt}') for dt in op.dtypes]
        elif kind == 'grad' and op.grad:
            out.append(pytest.param(op, id=op.name))
        elif kind == 'gradgrad' and op.gradgrad:
            out.append(pytest.param(op, id=op.name))
        elif kind == 'errors' and op.error_inputs is not None:
            out.append(pytest.param(op, id=op.name))
        elif kind == 'inplace' and op.inplace is not None:
            out += [pytest.param(op, dt, id=f'{op.name}-{dt}') for dt in op.dtypes]
        elif kind == 'out' and op.supports_out:
            out += [pytest.param(op, dt, id=f'{op.name}-{dt}') for dt in op.dtypes]
    return out


def conv(x, lib, requires_grad=False, noncontig=False):
    """A sample's value for ``lib``: arrays become tensors; dtype names become lib dtypes."""
    if isinstance(x, np.ndarray):
        if noncontig and x.ndim and x.size:
            t = lib.tensor(np.stack([x, x], -1)).select(-1, 0)
        else:
            t = lib.tensor(x)
        return t.requires_grad_() if requires_grad else t
    if isinstance(x, str) and hasattr(lib, x) and x.startswith(('float', 'int', 'uint', 'bool')):
        return getattr(lib, x)
    if isinstance(x, (tuple, list)) and any(isinstance(v, np.ndarray) for v in x):
        return type(x)(conv(v, lib, requires_grad, noncontig) for v in x)
    return x


def args_for(s, lib, **kw):
    return [conv(a, lib, **kw) for a in s.args], {k: conv(v, lib, **kw) for k, v in s.kwargs.items()}


def _tol(op, dt):
    return dict(rtol=op.rtol, atol=op.atol) if dt != 'float64' else dict(rtol=1e-7, atol=1e-7)


def _torch_ok(op, s):
    """Assert torch accepts the sample (the registry claims the dtype is supported)."""
    a, k = args_for(s, torch)
    try:
        op.op(torch)(*a, **k)
    except Exception as e:  # noqa: BLE001
        pytest.fail(f'registry error: torch refuses {op.name}{s!r}: {e!r}')


@pytest.mark.parametrize('op,dtype', _params())
def test_forward(op, dtype):
    for s in op.sample_inputs(_rng(op, dtype), dtype):
        _torch_ok(op, s)

        def fn(lib):
            a, k = args_for(s, lib)
            return op.op(lib)(*a, **k)
        run_both(fn, **_tol(op, dtype))
        if op.method is not None and isinstance(s.args[0], np.ndarray):
            def meth(lib):
                a, k = args_for(s, lib)
                return getattr(a[0], op.method)(*a[1:], **k)
            run_both(meth, **_tol(op, dtype))


@pytest.mark.parametrize('op,dtype', _params())
def test_noncontiguous(op, dtype):
    f = op.op(ember)
    for s in op.sample_inputs(_rng(op, dtype), dtype):
        a, k = args_for(s, ember)
        an, kn = args_for(s, ember, noncontig=True)
        r, rn = f(*a, **k), f(*an, **kn)
        for x, y in zip(r if isinstance(r, tuple) else (r,), rn if isinstance(rn, tuple) else (rn,)):
            assert x.dtype == y.dtype and x.shape == y.shape, s
            if x.dtype.is_floating_point:     # (BLAS may sum in another order for other strides)
                np.testing.assert_allclose(np.asarray(y._data), np.asarray(x._data), rtol=1e-6, atol=1e-7,
                                           err_msg=repr(s))
            else:
                np.testing.assert_array_equal(np.asarray(y._data), np.asarray(x._data), err_msg=repr(s))


@pytest.mark.parametrize('op,dtype', _params('inplace'))
def test_inplace(op, dtype):
    for s in op.sample_inputs(_rng(op, dtype), dtype):
        if not isinstance(s.args[0], np.ndarray):
            continue

        def fn(lib):
            a, k = args_for(s, lib)
            x = a[0].clone()
            r = getattr(x, op.inplace)(*a[1:], **k)
            assert r is x
            return x
        run_both(fn, **_tol(op, dtype))


@pytest.mark.parametrize('op,dtype', _params('out'))
def test_out(op, dtype):
    for s in op.sample_inputs(_rng(op, dtype), dtype):
        a, k = args_for(s, torch)
        try:
            op.op(torch)(*a, **k, out=torch.empty(0, dtype=op.op(torch)(*a, **k).dtype))
        except TypeError:       # torch's signature has no out= for this form (sum(x) without dim)
            continue

        def fn(lib):
            a, k = args_for(s, lib)
            f = op.op(lib)
            r = f(*a, **k)
            out = lib.empty(0, dtype=r.dtype)
            got = f(*a, **k, out=out)
            assert got is out
            return out, r
        _, (out, r) = run_both(fn, **_tol(op, dtype))
        np.testing.assert_array_equal(out.cpu().numpy(), r.cpu().numpy())


def _grad_positions(op, s):
    pos = [i for i, a in enumerate(s.args) if isinstance(a, np.ndarray) and a.dtype.kind == 'f']
    return [i for i in pos if op.grad_args is None or i in op.grad_args]


def _f64_samples(op):
    return [s for s in op.sample_inputs(_rng(op, 'float64'), 'float64') if _grad_positions(op, s)]


def _closure(op, s, lib):
    pos = _grad_positions(op, s)
    f = op.op(lib)
    a, k = args_for(s, lib)

    def fn(*xs):
        b = list(a)
        for i, x in zip(pos, xs):
            b[i] = x
        return f(*b, **k)
    return fn, [a[i].requires_grad_() for i in pos]


@pytest.mark.parametrize('op', _params('grad'))
def test_gradcheck(op):
    for s in _f64_samples(op):
        fn, xs = _closure(op, s, ember)
        assert ember.autograd.gradcheck(fn, tuple(xs)), s


@pytest.mark.parametrize('op', _params('gradgrad'))
def test_gradgradcheck(op):
    for s in _f64_samples(op):
        fn, xs = _closure(op, s, ember)
        if any(x.numel() == 0 for x in xs):
            continue
        assert ember.autograd.gradgradcheck(fn, tuple(xs)), s


@pytest.mark.parametrize('op', _params('grad'))
def test_grad_vs_torch(op):
    for s in _f64_samples(op):
        def body(lib):
            fn, xs = _closure(op, s, lib)
            r = fn(*xs)
            loss = 0
            for o in (r if isinstance(r, tuple) else (r,)):
                if o.requires_grad:
                    loss = loss + (o * lib.tensor(np.linspace(-1, 1, o.numel()).reshape(tuple(o.shape)))).sum()
            loss.backward()
            return [lib.zeros_like(x) + x.grad for x in xs]     # (torch's ZeroTensor grads made plain)
        run_both(body, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize('op', _params('errors'))
def test_error_inputs(op):
    for s, err in op.error_inputs(_rng(op)):
        def fn(lib):
            a, k = args_for(s, lib)
            return op.op(lib)(*a, **k)
        tv, ev = run_both(fn)
        assert isinstance(tv, BaseException) and _builtin_base(tv) is _builtin_base(err()), \
            f'registry: torch gave {tv!r} for {op.name}{s!r}, expected {err.__name__}'
        assert isinstance(ev, BaseException)


def test_registry_names_unique():
    names = [op.name for op in OPS]
    assert len(names) == len(set(names))
    assert all(op.dtypes for op in OPS)
    assert all(set(op.dtypes) <= {'float16', *FLOAT, 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'} for op in OPS)


# ---------------------------------------------------------------- edge values the samples do not reach
def test_special_function_edges():
    v = np.array([-30., -6., -1.3, -0.5, 0., 1e-8, 0.9, 2., 5.5, 27., 30., np.inf, -np.inf, np.nan])
    for dt in ('float32', 'float64'):
        x = v.astype(dt)
        run_both(lambda lib: [lib.erf(lib.tensor(x)), lib.erfc(lib.tensor(x)), lib.nan_to_num(lib.tensor(x)),
                              lib.isnan(lib.tensor(x)), lib.isinf(lib.tensor(x)), lib.isfinite(lib.tensor(x)),
                              lib.signbit(lib.tensor(x)), lib.sgn(lib.tensor(x))], rtol=2e-6, atol=1e-30)
        y = np.array([-1., -0.999999, -0.5, 0., 0.3, 0.99, 1., 1.5, np.nan]).astype(dt)
        run_both(lambda lib: lib.erfinv(lib.tensor(y)), rtol=2e-6 if dt == 'float32' else 1e-12, atol=1e-7)
    run_both(lambda lib: lib.logit(lib.tensor([0., 0.5, 1.]), eps=1e-3))


def test_shift_operators_and_int_predicates():
    def body(lib):
        a = lib.tensor([1, 2, 7], dtype=lib.int32)
        b = a.clone()
        b <<= 2
        return [a << 1, a >> 1, 3 << a, a << lib.tensor([0, 1, 2], dtype=lib.int32), b, lib.isnan(a), lib.isinf(a),
                lib.isfinite(a), lib.equal(a, a.long()), lib.allclose(a.double(), a.double() + 1e-9)]
    run_both(body)
    run_both(lambda lib: lib.isclose(lib.tensor([1.]), lib.tensor([1], dtype=lib.int64)))


def test_linalg_errors_are_linalg_errors():
    for A in (ember.zeros(3, 3), -ember.eye(3)):
        with pytest.raises(ember.linalg.LinAlgError):
            (ember.linalg.inv if A.sum() == 0 else ember.linalg.cholesky)(A)
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    run_both(lambda lib: lib.linalg.slogdet(lib.tensor([[0., 1.], [1., 0.]])))
    run_both(lambda lib: lib.det(lib.zeros(2, 2)))
