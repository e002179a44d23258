"""dtypes, their names and aliases, the default dtype, and PyTorch's type promotion
(``promote_types``, ``result_type``, Python scalars, 0-d vs dimensioned tensors)."""
import itertools
import operator

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from conformance import run_both, torch
import ember

DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']
ALIASES = [('float', 'float32'), ('double', 'float64'), ('half', 'float16'), ('long', 'int64'), ('int', 'int32'),
           ('short', 'int16')]
PAIRS = list(itertools.product(DTYPES, DTYPES))


def _dt(lib, name):
    return getattr(lib, name)


def _make(lib, name, shape=(2,)):
    """A tensor of dtype ``name`` with small non-zero values (1 and 2s)."""
    dt = _dt(lib, name)
    return lib.ones(shape, dtype=dt) if name == 'bool' else lib.full(shape, 2, dtype=dt)


# ---------------------------------------------------------------- names and attributes
@pytest.mark.parametrize('alias,name', ALIASES)
def test_dtype_alias_is_same_object(both, alias, name):
    both(lambda lib: (getattr(lib, alias) is getattr(lib, name), str(getattr(lib, alias)), repr(getattr(lib, alias))))


def test_bool_dtype_name(both):
    both(lambda lib: (str(lib.bool), repr(lib.bool), lib.bool is lib.tensor(True).dtype))


@pytest.mark.parametrize('name', DTYPES)
def test_dtype_attributes(both, name):
    def body(lib):
        d = _dt(lib, name)
        t = _make(lib, name, (3, 2))
        return (str(d), repr(d), d.is_floating_point, d.is_signed, d.itemsize, d.is_complex,
                t.is_floating_point(), lib.is_floating_point(t), t.element_size(), t.itemsize, t.nbytes,
                t.is_signed(), t.dtype is d, lib.is_tensor(t), lib.is_tensor(d))
    both(body)


@pytest.mark.parametrize('name', DTYPES)
def test_dtype_is_hashable_and_comparable(both, name):
    def body(lib):
        d = _dt(lib, name)
        return ({d: 1}[d], d == _dt(lib, name), d != lib.float32 or name == 'float32', len({d, _dt(lib, name)}))
    both(body)


def test_dtypes_are_distinct(both):
    both(lambda lib: len({_dt(lib, n) for n in DTYPES}))


# ---------------------------------------------------------------- default dtype
@pytest.fixture
def restore_default():
    yield
    torch.set_default_dtype(torch.float32)
    ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize('name', ['float64', 'float32'])
def test_set_default_dtype(both, restore_default, name):
    def body(lib):
        lib.set_default_dtype(_dt(lib, name))
        try:
            i = lib.tensor([1, 2])
            return (lib.get_default_dtype(), lib.tensor([1.5]).dtype, lib.tensor(2.5).dtype, lib.zeros(2).dtype,
                    lib.arange(3.).dtype, lib.arange(3).dtype, lib.linspace(0, 1, 3).dtype, lib.rand(2).dtype,
                    (i / i).dtype, (i + 1.5).dtype, lib.full((2,), 1.5).dtype, lib.Tensor([1]).dtype,
                    lib.result_type(i, 1.0), (lib.tensor([1.], dtype=lib.float16) + 1.0).dtype,
                    lib.tensor([1, 2.5]))
        finally:
            lib.set_default_dtype(lib.float32)
    both(body)


def test_set_default_dtype_float16(both, restore_default):
    def body(lib):
        lib.set_default_dtype(lib.float16)
        try:
            return lib.get_default_dtype(), lib.tensor([1.5]), lib.arange(3.).dtype, lib.zeros(1).dtype
        finally:
            lib.set_default_dtype(lib.float32)
    both(body)


@pytest.mark.parametrize('name', ['bool', 'uint8', 'int32', 'int64'])
def test_set_default_dtype_rejects_integer(both, restore_default, name):
    _, e = run_both(lambda lib: lib.set_default_dtype(_dt(lib, name)))
    assert 'only floating-point types are supported as the default type' in str(e)
    assert ember.get_default_dtype() is ember.float32


def test_default_dtype_is_float32(both):
    both(lambda lib: (lib.get_default_dtype(), lib.tensor([1., 2.]).dtype, lib.ones(2).dtype))


# ---------------------------------------------------------------- promote_types
@pytest.mark.parametrize('a,b', PAIRS)
def test_promote_types_pairwise(both, a, b):
    both(lambda lib: (lib.promote_types(_dt(lib, a), _dt(lib, b)), lib.promote_types(_dt(lib, b), _dt(lib, a))))


# ---------------------------------------------------------------- result_type: tensors
@pytest.mark.parametrize('a,b', PAIRS)
def test_result_type_dimensioned_tensors(both, a, b):
    both(lambda lib: lib.result_type(_make(lib, a), _make(lib, b)))


@pytest.mark.parametrize('a,b', PAIRS)
def test_result_type_zero_dim_vs_dimensioned(both, a, b):
    """A 0-d tensor only matters when it is of a higher category than the dimensioned one."""
    both(lambda lib: (lib.result_type(_make(lib, a, ()), _make(lib, b)),
                      lib.result_type(_make(lib, b), _make(lib, a, ()))))


@pytest.mark.parametrize('a,b', PAIRS)
def test_result_type_two_zero_dim(both, a, b):
    both(lambda lib: lib.result_type(_make(lib, a, ()), _make(lib, b, ())))


@pytest.mark.parametrize('a,b', PAIRS)
def test_add_dtype_matches_result_type(both, a, b):
    """The arithmetic ops use result_type: check the actual results (values too)."""
    def body(lib):
        x, y = _make(lib, a, (2, 3)), _make(lib, b, (3,))
        z = _make(lib, b, ())
        out = [x * y, x * z, z * x]
        if 'bool' not in (a, b):
            out += [x + y, x - y]
        return out
    both(body)


# ---------------------------------------------------------------- result_type: Python scalars
@pytest.mark.parametrize('name', DTYPES)
@pytest.mark.parametrize('scalar', [1, -3, 1.5, True, False], ids=['int', 'negint', 'float', 'True', 'False'])
def test_result_type_with_python_scalar(both, name, scalar):
    both(lambda lib: (lib.result_type(_make(lib, name), scalar), lib.result_type(scalar, _make(lib, name)),
                      lib.result_type(_make(lib, name, ()), scalar)))


@pytest.mark.parametrize('name', DTYPES)
@pytest.mark.parametrize('scalar', [2, 1.5, True], ids=['int', 'float', 'bool'])
def test_mul_with_python_scalar(both, name, scalar):
    both(lambda lib: (_make(lib, name) * scalar, scalar * _make(lib, name), _make(lib, name, ()) * scalar))


@pytest.mark.parametrize('a,b', [(1, 2.0), (True, 1), (2.5, False), (1, 2), (True, False)])
def test_result_type_two_scalars(both, a, b):
    both(lambda lib: lib.result_type(a, b))


def test_int64_plus_float_is_float32(both):
    both(lambda lib: lib.tensor([1, 2]) + 1.5)


def test_float16_plus_float_stays_float16(both):
    both(lambda lib: (lib.tensor([1., 2.], dtype=lib.float16) + 2.0, 2.0 * lib.tensor([3.], dtype=lib.half)))


@pytest.mark.parametrize('name', ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64'])
def test_int_true_division_gives_default_float(both, name):
    both(lambda lib: (_make(lib, name) / _make(lib, name), _make(lib, name) / 2, 3 / _make(lib, name),
                      lib.div(_make(lib, name, ()), _make(lib, name))))


def test_int_true_division_follows_default_dtype(both, restore_default):
    def body(lib):
        lib.set_default_dtype(lib.float64)
        try:
            return lib.tensor([1, 2]) / lib.tensor([2, 4])
        finally:
            lib.set_default_dtype(lib.float32)
    both(body)


@pytest.mark.parametrize('scalar', [3, 2.5, True])
def test_bool_tensor_with_scalar(both, scalar):
    both(lambda lib: (lib.tensor([True, False]) + scalar, lib.tensor([True, False]) * scalar))


def test_bool_plus_int_tensor(both):
    both(lambda lib: (lib.tensor([True, False]) + lib.tensor([1, 2]), lib.tensor([True]) + lib.tensor(5)))


def test_uint8_plus_int8_is_int16(both):
    both(lambda lib: (lib.tensor([200], dtype=lib.uint8) + lib.tensor([-1], dtype=lib.int8),
                      lib.promote_types(lib.uint8, lib.int8)))


def test_uint8_with_negative_int_scalar_stays_uint8(both):
    both(lambda lib: lib.tensor([1, 2], dtype=lib.uint8) + (-3))


def test_int32_with_large_int_scalar_wraps(both):
    both(lambda lib: lib.tensor([1], dtype=lib.int32) + 2 ** 31)


@pytest.mark.parametrize('zero,dim', [('float64', 'float32'), ('float64', 'int32'), ('int64', 'int8'),
                                      ('float32', 'float16'), ('int32', 'bool'), ('float16', 'int64'),
                                      ('bool', 'uint8')])
def test_zero_dim_tensor_vs_dimensioned(both, zero, dim):
    both(lambda lib: (_make(lib, dim, (2,)) + _make(lib, zero, ()), _make(lib, zero, ()) * _make(lib, dim, (2,))))


def test_numpy_scalar_promotes_like_python_scalar(both):
    both(lambda lib: (lib.tensor([1, 2], dtype=lib.int32) * np.float64(1.5),
                      lib.tensor([1., 2.], dtype=lib.float16) + np.float64(1.0)))


def test_can_cast(both):
    both(lambda lib: [lib.can_cast(_dt(lib, a), _dt(lib, b)) for a, b in PAIRS])


# ---------------------------------------------------------------- property test against torch
_shape = st.lists(st.integers(1, 3), min_size=0, max_size=3)


@st.composite
def _broadcast_pair(draw):
    sa = draw(_shape)
    # b: a suffix of a with some dims replaced by 1, or with extra leading dims, or a 1 where a has a dim
    k = draw(st.integers(0, len(sa)))
    sb = [draw(st.sampled_from([s, 1])) for s in sa[len(sa) - k:]]
    lead = draw(st.lists(st.integers(1, 3), max_size=1))
    return tuple(sa), tuple(lead + sb)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(da=st.sampled_from(DTYPES), db=st.sampled_from(DTYPES), shapes=_broadcast_pair(),
       op=st.sampled_from(['add', 'sub', 'mul', 'div']), swap=st.booleans())
def test_property_binary_result_dtype_and_shape(da, db, shapes, op, swap):
    sa, sb = shapes
    if swap:
        sa, sb = sb, sa

    def body(lib):
        x = _make(lib, da, sa)
        y = _make(lib, db, sb)
        r = getattr(lib, op)(x, y)
        return r.dtype, r.shape
    run_both(body)


@settings(max_examples=100, deadline=None)
@given(d=st.sampled_from(DTYPES), shape=_shape, scalar=st.sampled_from([0, 3, -2, 1.5, -0.5, True, False]),
       op=st.sampled_from(['add', 'mul', 'div']), right=st.booleans())
def test_property_tensor_scalar_result_dtype(d, shape, scalar, op, right):
    def body(lib):
        x = _make(lib, d, tuple(shape))
        f = getattr(operator, {'div': 'truediv'}.get(op, op))
        r = f(x, scalar) if right else f(scalar, x)
        return r.dtype, r.shape
    run_both(body)
