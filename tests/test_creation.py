"""Making tensors: ``tensor``/``as_tensor``/``from_numpy`` (and their memory sharing), the
legacy constructors (``Tensor``, ``FloatTensor``, ...), the filled factories, ranges, the
``*_like``/``new_*`` forms and the random factories."""
import warnings

import numpy as np
import pytest

from conformance import run_both, torch, cpu_build_only
import ember

DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']
NP_DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64]
LEGACY = ['FloatTensor', 'DoubleTensor', 'HalfTensor', 'LongTensor', 'IntTensor', 'ShortTensor', 'CharTensor',
          'ByteTensor', 'BoolTensor']
LEGACY_DT = dict(zip(LEGACY, ['float32', 'float64', 'float16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool']))
SHAPES = [(), (0,), (3,), (2, 3), (2, 0, 4), (1, 2, 3)]


def _dt(lib, name):
    return getattr(lib, name)


# ---------------------------------------------------------------- S03: tensor / from_numpy / as_tensor
@pytest.mark.parametrize('data', [
    [1, 2, 3], [1., 2., 3.], [True, False], 5, 2.5, True, [], [[]], [[1, 2], [3, 4]], [[[1.5]], [[2.5]]],
    (1, 2), ((1, 2), (3, 4)), [1, 2.5], [True, 2], [True, 2.5], [1.5, True, 2], [[1, 2], [3., 4]], -7, [-0.0],
    [float('inf'), float('nan')], [2 ** 40], [np.int32(3), 4],
], ids=lambda d: repr(d))
def test_seed_S03_tensor_from_python_data(both, data):
    both(lambda lib: lib.tensor(data))


@pytest.mark.parametrize('np_dtype', NP_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize('shape', [(), (3,), (2, 3)])
def test_seed_S03_tensor_from_numpy_array_keeps_dtype(both, np_dtype, shape):
    arr = (np.arange(int(np.prod(shape))).reshape(shape) % 3).astype(np_dtype)
    both(lambda lib: (lib.tensor(arr), lib.as_tensor(arr), lib.from_numpy(arr), lib.asarray(arr)))


@pytest.mark.parametrize('np_dtype', NP_DTYPES, ids=lambda d: np.dtype(d).name)
def test_seed_S03_numpy_scalar_dtype(both, np_dtype):
    both(lambda lib: lib.tensor(np_dtype(1)))


def test_seed_S03_tensor_from_noncontiguous_numpy(both):
    arr = np.arange(12.).reshape(3, 4)
    both(lambda lib: (lib.tensor(arr.T), lib.tensor(arr[:, ::2]), lib.as_tensor(arr.T), lib.from_numpy(arr.T),
                      lib.from_numpy(arr[::2]).stride(), lib.from_numpy(arr.T).stride()))


def test_seed_S03_from_numpy_negative_strides_error(both):
    arr = np.arange(4.)
    both(lambda lib: lib.from_numpy(arr[::-1]), match='negative')


def test_seed_S03_tensor_of_negative_strided_numpy_copies(both):
    arr = np.arange(4.)
    both(lambda lib: lib.tensor(arr[::-1]))


def test_seed_S03_from_numpy_unsupported_dtype(both):
    both(lambda lib: lib.from_numpy(np.zeros(2, dtype=np.complex64) if False else np.array(['a'])))


def test_seed_S03_from_numpy_rejects_non_arrays(both):
    _, e = run_both(lambda lib: lib.from_numpy([1, 2]))
    assert str(e) == 'expected np.ndarray (got list)'


def test_seed_S03_tensor_list_of_tensors(both):
    both(lambda lib: (lib.tensor([lib.tensor(1.), lib.tensor(2.)]), lib.tensor([lib.tensor(1), 2]),
                      lib.tensor([[lib.tensor(1.5)], [lib.tensor(2)]])))


@pytest.mark.parametrize('name', ['float32', 'float16', 'int64', 'int32', 'uint8', 'bool'])
def test_seed_S03_tensor_list_of_multi_element_tensors_error(both, name):
    t, e = run_both(lambda lib: lib.tensor([lib.ones(2, dtype=_dt(lib, name)), lib.ones(2, dtype=_dt(lib, name))]))
    assert str(e) == str(t)


def test_seed_S03_tensor_list_of_one_element_tensors(both):
    both(lambda lib: (lib.tensor([lib.tensor([1.]), lib.tensor([2.])]), lib.tensor([lib.tensor([[1]]), lib.tensor([[2]])]),
                      lib.tensor([[lib.tensor([1.])]]), lib.tensor([lib.tensor([1.]), 2.])))


def test_seed_S03_as_tensor_of_list_and_scalar(both):
    both(lambda lib: (lib.as_tensor([1, 2]), lib.as_tensor(2.5), lib.as_tensor([1, 2], dtype=lib.float64)))


def test_seed_S03_as_tensor_of_tensor_is_same_object(both):
    def body(lib):
        t = lib.tensor([1., 2.])
        return lib.as_tensor(t) is t, lib.as_tensor(t, dtype=lib.float32) is t, lib.as_tensor(t, dtype=lib.int64)
    both(body)


@pytest.mark.parametrize('data', [[[1, 2], [3]], [[1], [2, 3]], [[[1, 2]], [[3]]], [[1, 2], 3]],
                         ids=lambda d: repr(d))
def test_seed_S03_ragged_lists_error(both, data):
    both(lambda lib: lib.tensor(data))


def test_seed_S03_ragged_message(both):
    _, e = run_both(lambda lib: lib.tensor([[1, 2], [3]]))
    assert str(e) == 'expected sequence of length 2 at dim 1 (got 1)'


@pytest.mark.parametrize('data', ['abc', [1, 'a'], [[1], ['x']], object()], ids=lambda d: 'object' if type(d) is object else repr(d))
def test_seed_S03_invalid_data_type(both, data):
    both(lambda lib: lib.tensor(data))


@pytest.mark.parametrize('make', [
    lambda lib: [np.float32(1.5), 2.], lambda lib: [np.int32(1), 2], lambda lib: [True, np.int8(1)],
    lambda lib: [[1], [np.float64(2)]], lambda lib: [np.float16(1), 2.5], lambda lib: [np.float16(1)],
    lambda lib: [np.float64(1.5)], lambda lib: [lib.tensor(1, dtype=lib.int32)],
    lambda lib: [lib.tensor(1, dtype=lib.int32), 2], lambda lib: [lib.tensor(1., dtype=lib.float64), 2],
    lambda lib: [lib.tensor(1), 2.5], lambda lib: [np.uint8(200), np.int8(-1)], lambda lib: range(3),
    lambda lib: (x for x in []) if False else [[np.bool_(True)], [False]],
], ids=lambda f: f.__code__.co_firstlineno)
def test_seed_S03_mixed_element_dtype_inference(both, make):
    both(lambda lib: lib.tensor(make(lib)))


def test_seed_S03_list_of_numpy_arrays_warns(both):
    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            t = lib.tensor([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])
        return t, [str(x.message).split('.')[0] for x in w]
    both(body)


@pytest.mark.parametrize('data', [[1.5, [2]], [1, [2]], [[1, 2], [3, [4]]], [None], None, [[1, 2], [None, 3]],
                                  {1: 2}], ids=repr)
def test_seed_S03_bad_nesting_and_elements(both, data):
    both(lambda lib: lib.tensor(data))


@pytest.mark.parametrize('data', [[2 ** 63], 2 ** 63, [1, 2 ** 64], [-2 ** 63], [2 ** 63 - 1], [1.5, 2 ** 70]],
                         ids=repr)
def test_seed_S03_int64_limits(both, data):
    both(lambda lib: lib.tensor(data))


@pytest.mark.parametrize('data,name', [([0, 1, -2], 'uint8'), ([300], 'uint8'), ([300], 'int8'), (-1, 'uint8'),
                                       ([-255], 'uint8'), ([-256], 'uint8'), ([-129], 'int8'), ([-128], 'int8'),
                                       ([255.9], 'uint8'), ([-0.5], 'uint8'), ([1.5, -2.7], 'int64'),
                                       ([1e10], 'int32'), ([float('inf')], 'int32'), ([float('nan')], 'int16'),
                                       ([2], 'bool'), ([1e40], 'float32'), ([1e5], 'float16'), ([70000], 'int16'),
                                       ([np.int64(300)], 'uint8')], ids=repr)
def test_seed_S05_dtype_override_overflow(both, data, name):
    both(lambda lib: lib.tensor(data, dtype=_dt(lib, name)))


def test_seed_S05_numpy_array_override_wraps(both):
    both(lambda lib: lib.tensor(np.array([-1, 300]), dtype=lib.uint8))


def test_seed_S07_tensor_no_args_type_error(both):
    _, e = run_both(lambda lib: lib.tensor())
    assert str(e) == 'tensor() missing 1 required positional arguments: "data"'


def test_seed_S03_tensor_of_tensor_warns_and_copies(both):
    def body(lib):
        src = lib.tensor([1., 2.], requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            t = lib.tensor(src)
        msgs = [str(x.message) for x in w if issubclass(x.category, UserWarning)]
        return t, t.requires_grad, t.is_leaf, t.data_ptr() != src.data_ptr(), msgs
    both(body)


@pytest.mark.parametrize('name', DTYPES)
def test_seed_S05_tensor_dtype_override(both, name):
    both(lambda lib: (lib.tensor([0, 1, 2], dtype=_dt(lib, name)), lib.tensor([0., 1.5, -2.7], dtype=_dt(lib, name)),
                      lib.tensor(3, dtype=_dt(lib, name))))


@pytest.mark.parametrize('name', DTYPES)
def test_seed_S05_as_tensor_dtype_override_of_numpy(both, name):
    arr = np.array([0., 1., 2.5])
    both(lambda lib: lib.as_tensor(arr, dtype=_dt(lib, name)))


def test_seed_S05_defaults(both):
    both(lambda lib: (lib.tensor([1.5]).dtype, lib.tensor([1]).dtype, lib.tensor(1).dtype, lib.tensor(True).dtype,
                      lib.tensor([1, 2.]).dtype, lib.tensor([]).dtype, lib.from_numpy(np.array([1.5])).dtype,
                      lib.from_numpy(np.array([1], dtype=np.int32)).dtype))


def test_seed_S05_from_numpy_takes_no_dtype(both):
    both(lambda lib: lib.from_numpy(np.zeros(2), dtype=lib.float32))


def test_seed_S05_tensor_requires_grad(both):
    both(lambda lib: (lib.tensor([1., 2.], requires_grad=True), lib.tensor([1, 2], dtype=lib.float64,
                                                                             requires_grad=True)))


@pytest.mark.parametrize('name', ['int64', 'bool', 'uint8'])
def test_seed_S05_requires_grad_integer_error(both, name):
    _, e = run_both(lambda lib: lib.tensor([1, 2], dtype=_dt(lib, name), requires_grad=True))
    assert str(e) == 'Only Tensors of floating point and complex dtype can require gradients'


def test_seed_S05_tensor_device_cpu(both):
    both(lambda lib: (lib.tensor([1]).device, lib.tensor([1], device='cpu').device,
                      lib.tensor([1], device=lib.device('cpu')).device))


# ---------------------------------------------------------------- S04: memory sharing
def test_seed_S04_memory_sharing_with_numpy():
    res = {}
    for lib in (torch, ember):
        arr = np.arange(6, dtype=np.float32).reshape(2, 3)
        copied, shared, as_t = lib.tensor(arr), lib.from_numpy(arr), lib.as_tensor(arr)
        arr[0, 0] = 999
        res[lib] = (copied[0, 0].item(), shared[0, 0].item(), as_t[0, 0].item())
    assert res[ember] == res[torch] == (0.0, 999.0, 999.0)


def test_seed_S04_numpy_shares_memory_with_tensor():
    res = {}
    for lib in (torch, ember):
        t = lib.zeros(2, 3)
        a = t.numpy()
        a[1, 2] = 5
        t[0, 0] = 7
        res[lib] = (t[1, 2].item(), float(a[0, 0]), np.shares_memory(a, t.numpy()))
    assert res[ember] == res[torch] == (5.0, 7.0, True)


def test_seed_S04_as_tensor_with_other_dtype_copies():
    res = {}
    for lib in (torch, ember):
        arr = np.zeros(3, dtype=np.float64)
        t = lib.as_tensor(arr, dtype=lib.float32)
        u = lib.as_tensor(arr, dtype=lib.float64)
        arr[0] = 1
        res[lib] = (t[0].item(), u[0].item())
    assert res[ember] == res[torch] == (0.0, 1.0)


def test_seed_S04_in_place_op_writes_through_to_numpy():
    res = {}
    for lib in (torch, ember):
        arr = np.ones(3, dtype=np.int64)
        t = lib.from_numpy(arr)
        t.add_(2)
        t[0] = 10
        res[lib] = arr.tolist()
    assert res[ember] == res[torch] == [10, 3, 3]


def test_seed_S04_numpy_of_view_shares():
    res = {}
    for lib in (torch, ember):
        t = lib.arange(6.).reshape(2, 3)
        a = t.t().numpy()
        a[0, 1] = -1
        res[lib] = (t.tolist(), a.shape, a.strides)
    assert res[ember] == res[torch]


def test_seed_S04_np_array_copies_np_asarray_shares():
    res = {}
    for lib in (torch, ember):
        t = lib.zeros(3)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)   # torch's __array__ has no copy keyword
            a, b = np.array(t), np.asarray(t)
        a[0], b[1] = 5, 7
        res[lib] = t.tolist()
    assert res[ember] == res[torch] == [0.0, 7.0, 0.0]


def test_seed_S04_numpy_requires_grad_error(both):
    _, e = run_both(lambda lib: lib.ones(2, requires_grad=True, device='cpu').numpy())
    assert str(e) == "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."


def test_seed_S04_numpy_force(both):
    both(lambda lib: lib.tensor(lib.ones(2, requires_grad=True).numpy(force=True)))


# ---------------------------------------------------------------- S07: Tensor() and legacy constructors
def test_seed_S07_tensor_class_is_class_of_every_tensor(both):
    def body(lib):
        ts = [lib.tensor([1]), lib.zeros(2), lib.ones(2, dtype=lib.bool), lib.arange(3).view(3, 1), lib.rand(2) + 1,
              lib.FloatTensor([1.]), lib.LongTensor(2), lib.from_numpy(np.zeros(1))]
        return [type(t) is lib.Tensor for t in ts] + [isinstance(t, lib.Tensor) for t in ts]
    both(body)


def test_seed_S07_empty_tensor_equals_tensor_of_empty_list(both):
    both(lambda lib: (lib.Tensor(), lib.tensor([]), lib.Tensor().shape == lib.tensor([]).shape,
                      lib.Tensor().dtype == lib.tensor([]).dtype))


@pytest.mark.parametrize('args', [(2, 3), (0,), (4,), (1, 2, 3), (torch.Size([2, 3]),)], ids=repr)
def test_legacy_tensor_sizes(both, args):
    def body(lib):
        a = tuple(lib.Size(x) if isinstance(x, torch.Size) else x for x in args)
        t = lib.Tensor(*a)
        return t.shape, t.dtype, t.requires_grad
    both(body)


@pytest.mark.parametrize('data', [[1, 2], [[1.5, 2], [3, 4]], (2, 3), [], [True, False], np.array([1, 2])],
                         ids=repr)
def test_legacy_tensor_data(both, data):
    both(lambda lib: lib.Tensor(data))


def test_legacy_tensor_of_tensor_aliases(both):
    def body(lib):
        a = lib.tensor([1, 2])
        b = lib.Tensor(a)
        b[0] = 9
        g = lib.tensor([1., 2.], requires_grad=True)
        h = lib.Tensor(g)
        return a, b, b is a, h.requires_grad, h.is_leaf
    both(body)


@pytest.mark.parametrize('args', [(2.5,), ('a',), (True,), (2, 3.0), ([1, 'a'],)], ids=repr)
def test_legacy_tensor_bad_args(both, args):
    both(lambda lib: lib.Tensor(*args))


def test_legacy_tensor_negative_size(both):
    both(lambda lib: lib.Tensor(-1), match='negative dimension')


def test_legacy_tensor_dtype_keyword_error(both):
    both(lambda lib: lib.Tensor([1.], dtype=lib.float64))


@pytest.mark.parametrize('name', LEGACY)
def test_legacy_typed_constructors(both, name):
    def body(lib):
        cls = getattr(lib, name)
        d = cls([0, 1.5, 2])
        s = cls(2, 3)
        e = cls()
        return (d, s.shape, s.dtype, e, d.type(), isinstance(d, cls), isinstance(d, lib.Tensor),
                isinstance(lib.tensor([1]), cls), type(d) is lib.Tensor, repr(cls), d.is_cuda)
    both(body)


@pytest.mark.parametrize('name', LEGACY)
def test_legacy_isinstance_by_dtype(both, name):
    both(lambda lib: [isinstance(lib.zeros(1, dtype=_dt(lib, d)), getattr(lib, name)) for d in DTYPES])


def test_legacy_typed_of_other_dtype_tensor_error(both):
    both(lambda lib: lib.FloatTensor(lib.tensor([1])))


def test_legacy_typed_of_same_dtype_tensor(both):
    both(lambda lib: lib.LongTensor(lib.tensor([1, 2])))


@pytest.mark.parametrize('name', DTYPES)
def test_type_strings(both, name):
    both(lambda lib: (lib.zeros(2, dtype=_dt(lib, name)).type(), lib.typename(lib.zeros(2, dtype=_dt(lib, name)))))


@pytest.mark.parametrize('target', ['torch.DoubleTensor', 'torch.IntTensor', 'torch.BoolTensor', 'DoubleTensor'])
def test_type_conversion_by_string(both, target):
    both(lambda lib: lib.tensor([1.5, 0., -2.]).type(target))


@pytest.mark.parametrize('name', LEGACY)
def test_type_conversion_by_class_and_dtype(both, name):
    both(lambda lib: (lib.tensor([1.5, 0., -2.]).type(getattr(lib, name)),
                      lib.tensor([1.5, 0., -2.]).type(_dt(lib, LEGACY_DT[name]))))


def test_type_invalid_string(both):
    _, e = run_both(lambda lib: lib.tensor([1]).type('torch.Foo'))
    assert str(e) == "invalid type: 'torch.Foo'"


def test_type_same_returns_self(both):
    def body(lib):
        t = lib.tensor([1.])
        return t.type(lib.float32) is t, t.type('torch.FloatTensor') is t
    both(body)


# ---------------------------------------------------------------- S06: factories with size as tuple or varargs
FACTORIES = ['zeros', 'ones', 'empty', 'rand', 'randn']


@pytest.mark.parametrize('fn', FACTORIES)
@pytest.mark.parametrize('shape', SHAPES, ids=repr)
def test_seed_S06_size_varargs_tuple_list_size(both, fn, shape):
    def body(lib):
        f = getattr(lib, fn)
        outs = [f(shape), f(list(shape)), f(lib.Size(shape))]
        if shape:
            outs.append(f(*shape))
        return [(t.shape, t.dtype, t.requires_grad, t.device) for t in outs]
    both(body)


@pytest.mark.parametrize('fn', ['zeros', 'ones'])
@pytest.mark.parametrize('shape', SHAPES, ids=repr)
def test_seed_S06_filled_values(both, fn, shape):
    both(lambda lib: getattr(lib, fn)(*shape) if shape else getattr(lib, fn)(()))


@pytest.mark.parametrize('fn', ['zeros', 'ones', 'empty'])
@pytest.mark.parametrize('name', DTYPES)
def test_seed_S06_factory_dtype(both, fn, name):
    both(lambda lib: (getattr(lib, fn)(2, 3, dtype=_dt(lib, name)).dtype,
                      getattr(lib, fn)((2, 3), dtype=_dt(lib, name), device='cpu').shape))


@pytest.mark.parametrize('fn', FACTORIES)
def test_seed_S06_factory_requires_grad(both, fn):
    def body(lib):
        t = getattr(lib, fn)(2, 3, requires_grad=True)
        return t.requires_grad, t.is_leaf, t.grad_fn is None, t.shape
    both(body)


@pytest.mark.parametrize('fn', ['zeros', 'ones', 'empty'])
def test_seed_S06_factory_integer_requires_grad_error(both, fn):
    both(lambda lib: getattr(lib, fn)(2, dtype=lib.int64, requires_grad=True))


@pytest.mark.parametrize('fn', FACTORIES)
@pytest.mark.parametrize('shape', [(-1,), (2, -3)], ids=repr)
def test_seed_S06_factory_negative_size(both, fn, shape):
    both(lambda lib: getattr(lib, fn)(*shape), match='negative')


@pytest.mark.parametrize('fn', FACTORIES)
@pytest.mark.parametrize('args', [(2.5,), ((2, 3.0),), ('a',), (2, 'b')], ids=repr)
def test_seed_S06_factory_bad_size_type(both, fn, args):
    both(lambda lib: getattr(lib, fn)(*args))


def test_seed_S06_zeros_out(both):
    def body(lib):
        o = lib.empty(2, 2)
        r = lib.zeros(2, 2, out=o)
        return r is o, o
    both(body)


# ---------------------------------------------------------------- full
@pytest.mark.parametrize('fill', [7, 1.5, True, -2, 0.0], ids=repr)
def test_full_infers_dtype(both, fill):
    both(lambda lib: (lib.full((2, 3), fill), lib.full([2], fill), lib.full((), fill)))


@pytest.mark.parametrize('name', DTYPES)
def test_full_dtype(both, name):
    both(lambda lib: lib.full((2,), 3, dtype=_dt(lib, name)))


def test_full_float_into_int(both):
    both(lambda lib: lib.full((2,), 1.5, dtype=lib.int64))


def test_full_requires_grad(both):
    both(lambda lib: lib.full((2,), 1.5, requires_grad=True))


def test_full_tensor_fill_value(both):
    both(lambda lib: lib.full((2,), lib.tensor(2.5)))


def test_full_negative_size(both):
    both(lambda lib: lib.full((-1,), 1), match='negative dimension')


# ---------------------------------------------------------------- arange / range / linspace / logspace / eye
@pytest.mark.parametrize('args', [(5,), (0,), (2, 7), (1, 10, 3), (10, 0, -3), (5, 1, -1), (0., 1., .3), (1, 2.5, .5),
                                  (-1.5, 1.5), (5.,), (0, 1, 0.1), (3, 3), (-3, 4, 2), (0, -5, -1.5), (2.5,)],
                         ids=repr)
def test_arange(both, args):
    both(lambda lib: lib.arange(*args))


@pytest.mark.parametrize('name', [d for d in DTYPES if d != 'bool'])
def test_arange_dtype(both, name):
    both(lambda lib: (lib.arange(5, dtype=_dt(lib, name)), lib.arange(1, 7, 2, dtype=_dt(lib, name))))


def test_arange_keywords(both):
    both(lambda lib: (lib.arange(start=1, end=4), lib.arange(0, 6, step=2), lib.arange(3, requires_grad=False),
                      lib.arange(3., requires_grad=True), lib.arange(4, device='cpu'), lib.arange(end=3)))


def test_arange_tensor_args(both):
    both(lambda lib: (lib.arange(lib.tensor(3)), lib.arange(lib.tensor(1.), 3)))


def test_arange_zero_step(both):
    both(lambda lib: lib.arange(0, 10, 0), match='step must be nonzero')


@pytest.mark.parametrize('args', [(10, 0, 1), (0, 10, -1), (0., -1., .5)], ids=repr)
def test_arange_inconsistent_step(both, args):
    _, e = run_both(lambda lib: lib.arange(*args))
    assert str(e) == 'upper bound and lower bound inconsistent with step sign'


def test_arange_int_requires_grad_error(both):
    both(lambda lib: lib.arange(3, requires_grad=True))


@pytest.mark.parametrize('args', [(0, 1, 5), (-1, 1, 4), (0, 10, 4), (3, 3, 1), (1, 0, 3), (0, 1, 0), (0, 1, 1),
                                  (2, -2, 7), (0., 1., 11)], ids=repr)
def test_linspace(both, args):
    both(lambda lib: lib.linspace(*args))


@pytest.mark.parametrize('name', ['int64', 'int32', 'float64', 'float16', 'uint8'])
def test_linspace_dtype(both, name):
    both(lambda lib: lib.linspace(0, 10, 4, dtype=_dt(lib, name)))


def test_linspace_requires_grad(both):
    both(lambda lib: lib.linspace(0, 1, 3, requires_grad=True))


def test_linspace_negative_steps(both):
    both(lambda lib: lib.linspace(0, 1, -1), match='number of steps must be non-negative')


def test_linspace_steps_must_be_int(both):
    both(lambda lib: lib.linspace(0, 1, 2.5))


@pytest.mark.parametrize('args,kw', [((0, 2, 3), {}), ((0, 3, 4), {'base': 2}), ((-1, 1, 3), {}),
                                     ((0, 2, 3), {'dtype': 'float64'}), ((0, 2, 3), {'dtype': 'int64'}),
                                     ((1, 1, 1), {})], ids=repr)
def test_logspace(both, args, kw):
    def body(lib):
        k = dict(kw)
        if 'dtype' in k:
            k['dtype'] = _dt(lib, k['dtype'])
        return lib.logspace(*args, **k)
    both(body)


@pytest.mark.parametrize('args', [(3,), (2, 3), (3, 2), (0,), (1,), (0, 3)], ids=repr)
def test_eye(both, args):
    both(lambda lib: lib.eye(*args))


@pytest.mark.parametrize('name', DTYPES)
def test_eye_dtype(both, name):
    both(lambda lib: lib.eye(2, 3, dtype=_dt(lib, name)))


@pytest.mark.parametrize('args', [(-1,), (3, -1)], ids=repr)
def test_eye_negative(both, args):
    both(lambda lib: lib.eye(*args), match='must be greater or equal to 0')


def test_eye_requires_grad(both):
    both(lambda lib: lib.eye(2, requires_grad=True))


def test_scalar_tensor(both):
    both(lambda lib: (lib.scalar_tensor(3), lib.scalar_tensor(2.5, dtype=lib.float64), lib.scalar_tensor(True)))


# ---------------------------------------------------------------- *_like and new_*
def _src(lib, name, nc):
    t = lib.arange(12).reshape(3, 4).to(_dt(lib, name))
    return t.t() if nc else t


@pytest.mark.parametrize('name', DTYPES)
@pytest.mark.parametrize('nc', [False, True], ids=['contig', 'transposed'])
def test_like_factories(both, name, nc):
    def body(lib):
        s = _src(lib, name, nc)
        outs = [lib.zeros_like(s), lib.ones_like(s), lib.full_like(s, 1), lib.zeros_like(s, dtype=lib.float64),
                lib.ones_like(s, dtype=lib.int16, device='cpu')]
        e = lib.empty_like(s)
        return outs + [(e.shape, e.dtype, e.device)]
    both(body)


@pytest.mark.parametrize('fn', ['zeros_like', 'ones_like', 'empty_like', 'rand_like', 'randn_like'])
def test_like_requires_grad(both, fn):
    def body(lib):
        t = getattr(lib, fn)(lib.ones(2, 3, dtype=lib.float64), requires_grad=True)
        return t.shape, t.dtype, t.requires_grad, t.is_leaf
    both(body)


def test_like_does_not_inherit_requires_grad(both):
    both(lambda lib: lib.zeros_like(lib.ones(2, requires_grad=True)))


@pytest.mark.parametrize('fn', ['rand_like', 'randn_like'])
@pytest.mark.parametrize('name', ['float16', 'float32', 'float64'])
def test_random_like_dtype(both, fn, name):
    both(lambda lib: (getattr(lib, fn)(lib.zeros(2, 3, dtype=_dt(lib, name))).dtype,
                      getattr(lib, fn)(lib.zeros(2, 3, dtype=_dt(lib, name))).shape))


def test_randint_like(both):
    def body(lib):
        s = lib.zeros(3, 4, dtype=lib.int32)
        a, b = lib.randint_like(s, 5), lib.randint_like(s, 2, 5)
        return a.shape, a.dtype, b.dtype, bool((a >= 0).all() and (a < 5).all()), bool((b >= 2).all() and (b < 5).all())
    both(body)


@pytest.mark.parametrize('name', DTYPES)
def test_new_factories_keep_dtype(both, name):
    def body(lib):
        s = _src(lib, name, True)
        return [s.new_zeros(2, 3), s.new_zeros((2,)), s.new_ones([1, 2]), s.new_full((2,), 1), s.new_tensor([1, 0, 1]),
                s.new_zeros(2, dtype=lib.float64), s.new_ones(3, device='cpu'), s.new_empty(2, 2).shape,
                s.new_empty((0,)).dtype, s.new_tensor([1.5, 2.5], dtype=lib.float32)]
    both(body)


def test_new_factories_requires_grad(both):
    def body(lib):
        s = lib.ones(2, requires_grad=True)
        return s.new_zeros(2), s.new_ones(2, requires_grad=True), s.new_full((1,), 2., requires_grad=True), \
            s.new_tensor([1.]), s.new_empty(2, requires_grad=True).requires_grad
    both(body)


def test_new_tensor_warns_on_tensor_data(both):
    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            r = lib.ones(2).new_tensor(lib.tensor([1, 2]))
        return r, len([x for x in w if issubclass(x.category, UserWarning)])
    both(body)


# ---------------------------------------------------------------- random factories
@pytest.mark.parametrize('fn', ['rand', 'randn'])
@pytest.mark.parametrize('name', ['float16', 'float32', 'float64'])
def test_random_float_dtypes(both, fn, name):
    both(lambda lib: (getattr(lib, fn)(3, 4, dtype=_dt(lib, name)).dtype, getattr(lib, fn)(5, dtype=_dt(lib, name)).shape))


@pytest.mark.parametrize('fn', ['rand', 'randn'])
@pytest.mark.parametrize('name', ['int64', 'int32', 'bool', 'uint8'])
def test_random_float_factories_reject_integer_dtypes(both, fn, name):
    both(lambda lib: getattr(lib, fn)(3, dtype=_dt(lib, name)), match='not implemented for')


def test_rand_range(both):
    def body(lib):
        x = lib.rand(10000)
        return bool((x >= 0).all()), bool((x < 1).all()), abs(x.mean().item() - 0.5) < 0.05
    both(body)


def test_randn_moments(both):
    def body(lib):
        x = lib.randn(20000, dtype=lib.float64)
        return abs(x.mean().item()) < 0.05, abs(x.std().item() - 1) < 0.05
    both(body)


@pytest.mark.parametrize('args,kw', [((10, (3,)), {}), ((3, 10, (2, 2)), {}), ((5, [4]), {}), ((0, 1, (3,)), {}),
                                     ((-5, 5, (100,)), {}), ((10, (2,)), {'dtype': 'int16'}),
                                     ((10, (2,)), {'dtype': 'float32'}), ((2, (3,)), {'dtype': 'uint8'}),
                                     ((10,), {'size': (3,)}), ((1, 4), {'size': (2, 2)})], ids=repr)
def test_randint(both, args, kw):
    def body(lib):
        k = dict(kw)
        if 'dtype' in k:
            k['dtype'] = _dt(lib, k['dtype'])
        t = lib.randint(*args, **k)
        lo, hi = (0, args[0]) if len(args) == 1 or (len(args) == 2 and not isinstance(args[1], int)) else args[:2]
        return t.shape, t.dtype, bool((t >= lo).all() and (t < hi).all())
    both(body)


def test_randint_empty_range_error(both):
    _, e = run_both(lambda lib: lib.randint(5, 3, (2,)))
    assert str(e) == "random_ expects 'from' to be less than 'to', but got from=5 >= to=3"


@pytest.mark.parametrize('args', [(10,), (10, 5)], ids=repr)
def test_randint_needs_size(both, args):
    both(lambda lib: lib.randint(*args))


@pytest.mark.parametrize('n', [0, 1, 5, 100])
def test_randperm(both, n):
    def body(lib):
        p = lib.randperm(n)
        return p.shape, p.dtype, sorted(p.tolist()) == list(range(n))
    both(body)


@pytest.mark.parametrize('name', ['int32', 'float32', 'float64', 'int16'])
def test_randperm_dtype(both, name):
    def body(lib):
        p = lib.randperm(6, dtype=_dt(lib, name))
        return p.dtype, sorted(p.tolist())
    both(body)


def test_randperm_negative(both):
    both(lambda lib: lib.randperm(-1))


def test_normal_forms(both):
    def body(lib):
        a = lib.normal(lib.zeros(3), 1.)
        b = lib.normal(2., lib.ones(2, 2))
        c = lib.normal(0., 1., (2, 3))
        d = lib.normal(lib.zeros(2, 1), lib.ones(3))
        e = lib.normal(0., 1., size=(4,), dtype=lib.float64)
        f = lib.normal(lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64))
        return [(t.shape, t.dtype, t.requires_grad) for t in (a, b, c, d, e, f)]
    both(body)


def test_normal_negative_std(both):
    both(lambda lib: lib.normal(0., -1., (2,)), match='normal expects std >= 0.0')


def test_normal_tensor_negative_std(both):
    both(lambda lib: lib.normal(lib.zeros(2), -lib.ones(2)))


def test_normal_mean_std_values():
    ember.manual_seed(1)
    x = ember.normal(3., 2., (20000,), dtype=ember.float64)
    assert abs(x.mean().item() - 3) < 0.1 and abs(x.std().item() - 2) < 0.1


@pytest.mark.parametrize('fn,args', [('rand', (3, 4)), ('randn', (5,)), ('randint', (0, 10, (6,))),
                                     ('randperm', (8,)), ('normal', (0., 1., (4,)))])
def test_manual_seed_reproducibility(fn, args):
    f = getattr(ember, fn)
    g = ember.manual_seed(123)
    assert isinstance(g, ember.Generator)
    a = f(*args)
    b = f(*args)
    ember.manual_seed(123)
    c = f(*args)
    assert a.tolist() == c.tolist()
    assert a.tolist() != b.tolist()
    ember.manual_seed(124)
    assert f(*args).tolist() != a.tolist()


@pytest.mark.parametrize('fn,args', [('rand', (3, 4)), ('randn', (5,)), ('randint', (0, 10, (6,))),
                                     ('randperm', (8,)), ('normal', (0., 1., (4,)))])
def test_generator_reproducibility(fn, args):
    f = getattr(ember, fn)
    g1 = ember.Generator().manual_seed(7)
    g2 = ember.Generator()
    assert g2.manual_seed(7) is g2
    ember.manual_seed(0)
    before = ember.get_rng_state()
    x, y = f(*args, generator=g1), f(*args, generator=g2)
    assert x.tolist() == y.tolist()
    after = ember.get_rng_state()
    assert before.tolist() == after.tolist()   # a private generator leaves the default one alone
    assert g1.initial_seed() == 7


def test_rng_state_roundtrip():
    ember.manual_seed(5)
    s = ember.get_rng_state()
    a = ember.rand(4)
    ember.set_rng_state(s)
    assert ember.rand(4).tolist() == a.tolist()
    assert ember.initial_seed() == 5


def test_generator_device_and_default(both):
    both(lambda lib: (lib.Generator().device, lib.default_generator.device, type(lib.manual_seed(3)).__name__,
                      lib.initial_seed()))


def test_seeded_random_differs_between_calls(both):
    def body(lib):
        lib.manual_seed(0)
        return lib.rand(5).tolist() != lib.rand(5).tolist()
    both(body)


# ---------------------------------------------------------------- S08: device
@pytest.mark.parametrize('fn', ['zeros', 'ones', 'empty', 'rand', 'randn'])
def test_seed_S08_factory_cpu_device(both, fn):
    both(lambda lib: (getattr(lib, fn)(2, device='cpu').device, getattr(lib, fn)(2, device=lib.device('cpu')).is_cuda))


@cpu_build_only
@pytest.mark.parametrize('make', [
    lambda lib: lib.zeros(2, device='cuda'), lambda lib: lib.tensor([1.], device='cuda'),
    lambda lib: lib.ones(2, device='cuda:0'), lambda lib: lib.arange(3, device='cuda'),
    lambda lib: lib.rand(2, device='cuda'), lambda lib: lib.full((2,), 1., device='cuda'),
    lambda lib: lib.zeros_like(lib.ones(2), device='cuda'), lambda lib: lib.eye(2, device='cuda'),
    lambda lib: lib.randint(3, (2,), device='cuda'), lambda lib: lib.as_tensor([1], device='cuda'),
], ids=['zeros', 'tensor', 'ones:0', 'arange', 'rand', 'full', 'zeros_like', 'eye', 'randint', 'as_tensor'])
def test_seed_S08_cuda_not_compiled(both, make):
    _, e = run_both(make)
    assert isinstance(e, AssertionError) and str(e) == 'Torch not compiled with CUDA enabled'


def test_seed_S08_legacy_cpu_tensor_not_cuda(both):
    both(lambda lib: (lib.FloatTensor([0., 1., 2.]).is_cuda, lib.FloatTensor([0., 1., 2.]).device,
                      lib.FloatTensor([0., 1., 2.])))


def test_seed_S08_legacy_constructor_cuda_device(both):
    both(lambda lib: lib.FloatTensor([1.], device='cuda'))


def test_seed_S08_cuda_is_available(both):
    both(lambda lib: (lib.cuda.is_available(), lib.cuda.device_count()))


def test_asarray_sharing_copy_requires_grad_and_errors():
    """torch.asarray: shares memory with tensors, arrays and buffers unless copy=True; copy=False
    refuses what cannot alias (ValueError, torch's messages); a tensor keeps its requires_grad and
    history (with torch's once-per-process warning when requires_grad is not given)."""
    def body(lib):
        out = []
        t = lib.ones(3, requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            a = lib.asarray(t)
        out.append((a is t, a.requires_grad, type(a.grad_fn).__name__, len(w)))
        c = lib.asarray(t, copy=True); out.append((c is t, c.requires_grad, type(c.grad_fn).__name__, c.data_ptr() == t.data_ptr()))
        d = lib.asarray(t, dtype=lib.float64, requires_grad=True); out.append((d.dtype, type(d.grad_fn).__name__))
        r = lib.asarray(t, requires_grad=False); out.append((r.requires_grad, r.grad_fn, r is t, r.data_ptr() == t.data_ptr()))
        n = np.arange(3.); x = lib.asarray(n); x[0] = 7.; out.append((n[0], x.dtype))
        y = lib.asarray(n, copy=True); y[1] = 9.; out.append(n[1])
        out.append(lib.asarray([1, 2.5]).tolist()); out.append(str(lib.asarray([True, False]).dtype))
        for bad in [lambda: lib.asarray(n, dtype=lib.float32, copy=False), lambda: lib.asarray([1,2], copy=False),
                    lambda: lib.asarray(t, dtype=lib.float64, copy=False)]:
            try: bad(); out.append('no error')
            except ValueError as e: out.append(str(e))
        out.append((lib.asarray(np.float32(2.5)).dtype, lib.asarray(3).dtype, lib.asarray(bytearray(b'\x00\x00\x80?'), dtype=lib.float32).tolist()))
        l = lib.ones(2, requires_grad=True); out.append((lib.asarray(l, requires_grad=True) is l, lib.asarray(lib.ones(2), requires_grad=True).requires_grad, lib.asarray(lib.ones(2), requires_grad=True).is_leaf))
        out.append(type(lib.asarray(l, copy=True).grad_fn).__name__)
        out.append(lib.asarray([1, 2], dtype=lib.float64, requires_grad=True).requires_grad)
        return [str(o) for o in out]
    assert body(ember) == body(torch)
