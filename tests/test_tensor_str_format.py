"""ember._tensor_str.format_tensor must print exactly like repr(torch tensor)."""

import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ember._tensor_str import (  # noqa: E402
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)

DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64,
          np.float16, np.float32, np.float64]
FLOATS = [np.float16, np.float32, np.float64]


@pytest.fixture(autouse=True)
def _reset_options():
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")


def both_options(**kw):
    torch.set_printoptions(**kw)
    set_printoptions(**kw)


def check(arr, **kw):
    arr = np.asarray(arr)
    t = torch.from_numpy(arr.copy())
    expected = repr(t)
    assert str(t) == expected
    dtype_name = str(t.dtype)[len("torch."):]
    show = t.dtype not in (torch.get_default_dtype(), torch.int64, torch.bool)
    got = format_tensor(arr, dtype_name=dtype_name, show_dtype=show, **kw)
    assert got == expected, f"\nexpected:\n{expected}\ngot:\n{got}"
    # automatic dtype decision agrees too
    assert format_tensor(arr, dtype_name=dtype_name, **kw) == expected


def _rand(rng, shape, dtype):
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return (rng.standard_normal(shape) * 3).astype(dtype)


# --------------------------------------------------------------------------- basics

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (1,), (4,), (3, 4), (2, 3, 4), (2, 2, 3, 2), (1, 1, 1)])
def test_random_every_dtype(dtype, shape):
    rng = np.random.default_rng(zlib.crc32(repr((np.dtype(dtype).name, shape)).encode()))
    check(_rand(rng, shape, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 4), (0, 0), (1, 0)])
def test_empty(dtype, shape):
    check(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("value", [3.0, 0.0, -0.0, 1e-5, 123456789.0, 1.5, -2.25, np.nan,
                                   np.inf, -np.inf, 1e300, 5e-324])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_dim_float(value, dtype):
    with np.errstate(over="ignore"):
        check(np.array(value, dtype=dtype))


@pytest.mark.parametrize("value,dtype", [(3, np.int64), (-7, np.int8), (True, np.bool_),
                                         (False, np.bool_), (255, np.uint8), (1.5, np.float16)])
def test_zero_dim_other(value, dtype):
    check(np.array(value, dtype=dtype))


@pytest.mark.parametrize("values", [
    [1.0, 2.0, 3.0],                 # int mode: "1., 2., 3."
    [-1.0, 20.0, 300.0],
    [1.5, 2.0],                      # fixed
    [0.0, 0.0],                      # no nonzero finite value at all
    [-0.0, 0.0, 1.0],                # negative zero
    [-0.0, 0.5],
    [np.nan, 1.0, np.inf],           # non-finite wider than the int-mode column
    [np.nan, 1.5, -np.inf],
    [np.nan, np.nan], [np.inf, -np.inf],
    [1e-5, 1.0], [1e9, 1.0], [1.0, 1001.0], [1.0, 999.0], [1.0, 1000.0],
    [1e8, 1.0], [1.0001e8, 2.0],     # int-mode + sci
    [1e-4, 1e-4 * 3], [9.9e-5, 1.0],
    [1e-300, 1e300],                 # ratio overflows to inf
    [-123456.789, 0.001], [0.1, 0.2, 0.3], [-1e-10, np.nan, 0.0],
    [12345.6789, -0.5], [9.99995, 1.0], [99999.99999, 1.0],
])
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_modes(values, dtype):
    with np.errstate(over="ignore", under="ignore"):
        check(np.array(values).astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES[1:])
def test_integers_extremes(dtype):
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        check(np.array([info.min, 0, info.max, 1, -1 if info.min < 0 else 2], dtype=dtype))


def test_bool_padding():
    check(np.array([True, False, True]))
    check(np.array([[True, True], [True, True]]))
    check(np.array([[False, True], [True, False]]))


# --------------------------------------------------------------------------- layout

@pytest.mark.parametrize("n", [10, 11, 12, 13, 25, 37, 100, 999, 1000])
@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.int8, np.bool_])
def test_line_wrap_1d(n, dtype):
    rng = np.random.default_rng(n)
    check(_rand(rng, (n,), dtype))


def test_line_wrap_nd():
    rng = np.random.default_rng(1)
    check(rng.standard_normal((3, 30)).astype(np.float32))
    check(rng.standard_normal((2, 3, 25)) * 1e6)
    check(rng.integers(-10**12, 10**12, size=(2, 2, 2, 40)))
    check(np.arange(200.0).reshape(2, 100))


@pytest.mark.parametrize("shape", [(1001,), (5000,), (10**5,), (1001, 1), (1, 1001), (2000, 3),
                                   (3, 2000), (40, 40), (7, 7, 7, 7), (11, 11, 11), (2, 600),
                                   (6, 500), (7, 200), (4, 4, 100)])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.float16, np.bool_])
def test_summarized(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    check(_rand(rng, shape, dtype))


def test_summarized_width_only_from_shown_values():
    a = np.ones(2000, dtype=np.float32)
    a[1000] = 1e20  # hidden by summarization, must not force sci mode
    check(a)
    b = np.arange(3000, dtype=np.int64)
    b[1500] = -10**15
    check(b)


# --------------------------------------------------------------------------- options

@pytest.mark.parametrize("opts", [
    dict(precision=2), dict(precision=0), dict(precision=8), dict(precision=12),
    dict(linewidth=20), dict(linewidth=200), dict(linewidth=1),
    dict(threshold=5), dict(threshold=0), dict(threshold=10, edgeitems=1),
    dict(threshold=10, edgeitems=0), dict(edgeitems=0), dict(threshold=3, edgeitems=5),
    dict(sci_mode=True), dict(sci_mode=False), dict(sci_mode=True, precision=1),
    dict(profile="short"), dict(profile="full"), dict(profile="short", precision=6),
    dict(profile="bogus"),
])
def test_printoptions(opts):
    both_options(**opts)
    rng = np.random.default_rng(0)
    arrays = [
        np.array(3.25), np.array(7), np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0]),
        rng.standard_normal(12).astype(np.float32), rng.standard_normal((4, 5)) * 1e5,
        np.array([1e-8, 1.0, np.nan, -np.inf]), np.array([1e12, 3.0]),
        rng.integers(-1000, 1000, size=(3, 4, 5)), rng.random((2, 3, 4, 5)) < 0.5,
        np.arange(2000.0).reshape(20, 100), np.arange(1500), np.zeros((0, 2)),
        rng.standard_normal((30, 40)).astype(np.float16),
    ]
    for a in arrays:
        check(a)


def test_set_printoptions_resets_sci_mode():
    both_options(sci_mode=True)
    both_options(precision=3)  # torch resets sci_mode to None here
    assert get_printoptions()["sci_mode"] is None
    check(np.array([1.0, 2.5]))


def test_get_printoptions_and_context_manager():
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    with printoptions(precision=2, sci_mode=True), \
            torch._tensor_str.printoptions(precision=2, sci_mode=True):
        assert get_printoptions() == torch._tensor_str.get_printoptions()
        check(np.array([1.23456, 2.0]))
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    both_options(profile="full")
    assert get_printoptions() == torch._tensor_str.get_printoptions()


# --------------------------------------------------------------------------- suffixes

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (0,), (0, 2), (40,), (3, 30), (2000,)])
def test_requires_grad_and_grad_fn(dtype, shape):
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape).astype(dtype)
    name = np.dtype(dtype).name
    t = torch.from_numpy(a.copy()).requires_grad_()
    assert format_tensor(a, dtype_name=name, requires_grad=True) == repr(t)
    u = t * 1
    assert format_tensor(a, dtype_name=name, requires_grad=True,
                         grad_fn_name=type(u.grad_fn).__name__) == repr(u)


def test_suffix_wrapping_near_linewidth():
    # the row must be long enough that suffixes move to their own line
    for n in range(1, 13):
        a = np.arange(n, dtype=np.float16) + 0.5
        t = torch.from_numpy(a.copy()).requires_grad_()
        u = t * 1
        assert format_tensor(a, dtype_name="float16", grad_fn_name="MulBackward0") == repr(u)
    both_options(linewidth=30)
    a = np.arange(6, dtype=np.int32)
    check(a)
    check(np.zeros((0, 4), dtype=np.int16))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.bool_])
def test_default_dtype_float64(dtype):
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for a in (np.ones(3, dtype=dtype), np.zeros((0,), dtype=dtype),
                  np.zeros((2, 0), dtype=dtype), np.array(1, dtype=dtype)):
            t = torch.from_numpy(a)
            name = str(t.dtype)[6:]
            got = format_tensor(a, dtype_name=name, default_dtype_name="float64")
            assert got == repr(t)
    finally:
        torch.set_default_dtype(old)


def test_device_and_name_suffixes():
    # no CUDA here: expected strings follow torch's order device, size, dtype, grad_fn
    a = np.zeros(2, dtype=np.int32)
    assert (format_tensor(a, dtype_name="int32", device_str="cuda:0")
            == "tensor([0, 0], device='cuda:0', dtype=torch.int32)")
    assert (format_tensor(np.zeros((0, 2), np.float32), dtype_name="float32", device_str="cuda:0",
                          requires_grad=True)
            == "tensor([], device='cuda:0', size=(0, 2), requires_grad=True)")
    assert (format_tensor(np.ones(2, np.float32), dtype_name="float32", device_str="cuda:1",
                          grad_fn_name="AddBackward0", requires_grad=True)
            == "tensor([1., 1.], device='cuda:1', grad_fn=<AddBackward0>)")
    assert format_tensor(np.ones(2, np.float32), dtype_name="float32", show_dtype=True) \
        == "tensor([1., 1.], dtype=torch.float32)"
    assert format_tensor(np.array([[1, 2], [3, 4]]), dtype_name="int64", tensor_name="Buffer") \
        == "Buffer([[1, 2],\n        [3, 4]])"


# --------------------------------------------------------------------------- fuzz

def test_random_fuzz():
    rng = np.random.default_rng(1234)
    option_choices = [("precision", [0, 1, 2, 6]), ("threshold", [0, 5, 50, 1e9]),
                      ("edgeitems", [0, 1, 2, 4]), ("linewidth", [10, 40, 120]),
                      ("sci_mode", [True, False])]
    for _ in range(600):
        opts = {k: v[rng.integers(len(v))] for k, v in option_choices if rng.random() < 0.15}
        both_options(**opts)
        nd = int(rng.integers(0, 5))
        shape = tuple(int(s) for s in rng.integers(0, 6 if nd > 2 else 30, size=nd))
        dtype = DTYPES[rng.integers(len(DTYPES))]
        kind = rng.integers(4)
        if np.dtype(dtype).kind == "f" and kind:
            if kind == 1:
                a = rng.standard_normal(shape) * 10.0 ** rng.integers(-12, 12)
            elif kind == 2:
                a = rng.choice([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -2.5, 1e-5, 1e10],
                               size=shape)
            else:
                a = rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 6, size=shape)
            with np.errstate(all="ignore"):
                a = np.asarray(a).astype(dtype)
        else:
            a = _rand(rng, shape, dtype)
        check(np.asarray(a, dtype=dtype))
        both_options(profile="default")
