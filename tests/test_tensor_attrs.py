"""Tensor attributes and conversions: shape/size/dim/numel/dtype/device, T/mT, item/tolist/
numpy, ``to``/``type``/``float()``/..., ``cpu``/``cuda``, clone/detach/contiguous,
``requires_grad_``, printed forms (``repr``/``str`` of tensors, Size, device) and the Python
protocols (bool/int/float/len/iter/index)."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import conformance
from conformance import run_both, torch, cpu_build_only
import ember

DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']
SHAPES = [(), (0,), (1,), (5,), (2, 3), (2, 0, 3), (1, 1, 1), (2, 3, 4)]
CASTS = [('float', 'float32'), ('double', 'float64'), ('half', 'float16'), ('long', 'int64'), ('int', 'int32'),
         ('short', 'int16'), ('char', 'int8'), ('byte', 'uint8'), ('bool', 'bool')]


def _dt(lib, name):
    return getattr(lib, name)


def _arange(lib, shape, name='float32'):
    n = int(np.prod(shape))
    t = lib.arange(n).reshape(shape) if n else lib.zeros(shape, dtype=lib.int64)
    return (t % 2 == 1) if name == 'bool' else t.to(_dt(lib, name))


# inputs: contiguous, transposed, sliced, expanded
VARIANTS = {
    'contig': lambda lib: lib.arange(12.).reshape(3, 4),
    'transposed': lambda lib: lib.arange(12.).reshape(3, 4).t(),
    'sliced': lambda lib: lib.arange(24.).reshape(4, 6)[1:, ::2],
    'expanded': lambda lib: lib.arange(3.).expand(2, 3),
    'scalar': lambda lib: lib.tensor(3.5),
    'empty': lambda lib: lib.zeros(0, 3),
}


# ---------------------------------------------------------------- shape and metadata
@pytest.mark.parametrize('shape', SHAPES, ids=repr)
@pytest.mark.parametrize('name', ['float32', 'int64', 'bool', 'uint8'])
def test_shape_size_dim_numel(both, shape, name):
    def body(lib):
        t = _arange(lib, shape, name)
        return (t.shape, t.size(), t.dim(), t.ndim, t.ndimension(), t.numel(), t.nelement(), lib.numel(t),
                len(t.shape), t.shape == shape, t.size() == lib.Size(shape), t.dtype, t.device, t.is_cuda, t.is_cpu,
                t.layout == lib.strided, t.is_leaf, t.requires_grad, t.grad_fn is None, t.get_device(),
                t.element_size(), t.nbytes, t.is_sparse)
    both(body)


@pytest.mark.parametrize('shape', [(2, 3), (4,), (2, 3, 4)], ids=repr)
def test_size_dim_and_negative_dim(both, shape):
    both(lambda lib: [lib.zeros(shape).size(d) for d in range(-len(shape), len(shape))])


@pytest.mark.parametrize('dim', [2, -3, 5])
def test_size_dim_out_of_range(both, dim):
    _, e = run_both(lambda lib: lib.zeros(2, 3).size(dim))
    assert str(e) == f'Dimension out of range (expected to be in range of [-2, 1], but got {dim})'


@pytest.mark.parametrize('dim', [0, -1])
def test_size_of_zero_dim_tensor(both, dim):
    _, e = run_both(lambda lib: lib.tensor(5).size(dim))
    assert str(e) == f'Dimension specified as {dim} but tensor has no dimensions'


@pytest.mark.parametrize('dim', [0, -1])
def test_stride_of_zero_dim_tensor(both, dim):
    both(lambda lib: lib.tensor(5).stride(dim))


def test_size_object(both):
    def body(lib):
        s = lib.zeros(2, 3, 4).shape
        return (repr(s), str(s), s[0], s[-1], s[1:], type(s[1:]).__name__, repr(s[1:]), s.numel(), list(s), tuple(s),
                s == (2, 3, 4), s + (5,), repr(s + (5,)), isinstance(s, tuple), len(s), repr(lib.Size([])),
                repr(lib.Size()), repr(lib.zeros(()).shape), hash(s) == hash((2, 3, 4)), s.count(3), s.index(4))
    both(body)


def test_size_from_tensor_shape_in_factory(both):
    both(lambda lib: lib.ones(lib.zeros(2, 3).shape[::-1]))


@pytest.mark.parametrize('dev', ['cpu', 'cuda', 'cuda:1', 'meta'])
def test_device_repr_and_str(both, dev):
    both(lambda lib: (repr(lib.device(dev)), str(lib.device(dev)), lib.device(dev).type, lib.device(dev).index))


def test_device_objects(both):
    both(lambda lib: (lib.device('cpu') == lib.device('cpu'), lib.device('cpu') == 'cpu', repr(lib.device('cuda', 0)),
                      lib.device('cuda', 0) == lib.device('cuda:0'), lib.zeros(1).device == lib.device('cpu'),
                      str(lib.zeros(1).device), repr(lib.zeros(1).device), lib.zeros(1).device.type,
                      lib.device(lib.device('cpu')), hash(lib.device('cpu')) == hash(lib.device('cpu'))))


@pytest.mark.parametrize('bad', ['xyz', 'cuda:x', 'cpu:-1'])
def test_device_bad_strings(both, bad):
    both(lambda lib: lib.device(bad))


def test_device_bad_string_message(both):
    _, e = run_both(lambda lib: lib.device('xyz'))
    assert str(e).startswith('Expected one of cpu, cuda,') and str(e).endswith('device type at start of device '
                                                                              'string: xyz')


# ---------------------------------------------------------------- T / mT
@pytest.mark.parametrize('shape', [(2, 3), (3, 1), (1, 4)], ids=repr)
def test_T_2d(both, shape):
    both(lambda lib: (_arange(lib, shape).T, _arange(lib, shape).T.stride(), _arange(lib, shape).mT,
                      _arange(lib, shape).t()))


@pytest.mark.parametrize('shape', [(), (3,), (2, 3, 4)], ids=repr)
def test_T_not_2d(both, shape):
    def body(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            r = _arange(lib, shape).T
        return r, r.stride()
    both(body)


_WARN_SCRIPT = r"""
import warnings, json, torch, ember
out = {}
for lib in (torch, ember):
    seen = []
    for make in ('lib.zeros(3).T', 'lib.zeros(3).T', 'lib.zeros(2, 3, 4).T', 'lib.tensor(1.).T', 'lib.tensor(1.).T',
                 'lib.tensor(1.).mT', 'lib.tensor(2.).mT', 'lib.zeros(2, 3).T', 'lib.zeros(2, 3, 4).mT'):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            eval(make)
        seen.append([(x.category.__name__, str(x.message).split(' (Triggered')[0]) for x in w])
    out[lib.__name__] = seen
print(json.dumps(out))
"""


def test_T_mT_deprecation_warnings_show_once_per_process():
    """torch's TORCH_WARN_ONCE: each deprecation warning appears once in a fresh process."""
    import json
    import subprocess
    import sys
    import os
    r = subprocess.run([sys.executable, '-c', _WARN_SCRIPT], capture_output=True, text=True, timeout=120,
                       cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out['ember'] == out['torch']
    assert sum(len(x) for x in out['torch']) == 3


@pytest.mark.parametrize('shape', [(2, 3, 4), (1, 2, 3, 4)], ids=repr)
def test_mT_batches(both, shape):
    both(lambda lib: (_arange(lib, shape).mT, _arange(lib, shape).mT.stride(), _arange(lib, shape).mT.is_contiguous()))


def test_mT_1d_error(both):
    _, e = run_both(lambda lib: lib.zeros(3).mT)
    assert str(e) == 'tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.'


def test_mT_0d_warns_identity(both):
    # torch's warning is TORCH_WARN_ONCE: once per process, whatever Python's filters say. On the
    # cuda axis the harness runs torch's body on the CPU before CUDA (and the cpu case may have run
    # in this process before): there torch's CUDA run cannot warn, so only the identity is compared
    compare_warnings = conformance.DEVICE[0] == 'cpu'

    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            r = lib.tensor(2.).mT
        return r, [str(x.message).split(' (Triggered')[0] for x in w] if compare_warnings else None
    both(body)


def test_t_3d_error(both):
    both(lambda lib: lib.zeros(2, 3, 4).t(), match='t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D')


# ---------------------------------------------------------------- item / tolist / numpy
@pytest.mark.parametrize('name', DTYPES)
def test_item(both, name):
    both(lambda lib: (_arange(lib, (), name).item(), _arange(lib, (1, 1), name).item(),
                      type(_arange(lib, (1,), name).item()).__name__))


@pytest.mark.parametrize('shape', [(2,), (0,), (2, 3)], ids=repr)
def test_item_many_elements_error(both, shape):
    _, e = run_both(lambda lib: lib.zeros(shape).item())
    assert str(e) == f'a Tensor with {int(np.prod(shape))} elements cannot be converted to Scalar'


@pytest.mark.parametrize('name', DTYPES)
@pytest.mark.parametrize('shape', SHAPES, ids=repr)
def test_tolist(both, name, shape):
    def body(lib):
        r = _arange(lib, shape, name).tolist()
        flat = r
        while isinstance(flat, list) and flat:
            flat = flat[0]
        return r, type(flat).__name__
    both(body)


@pytest.mark.parametrize('v', VARIANTS)
def test_tolist_noncontiguous(both, v):
    both(lambda lib: VARIANTS[v](lib).tolist())


def test_item_requires_grad(both):
    both(lambda lib: (lib.tensor(2.5, requires_grad=True).item(), lib.tensor([1.5], requires_grad=True).tolist()))


@pytest.mark.parametrize('name', DTYPES)
def test_numpy_dtype(both, name):
    both(lambda lib: (str(_arange(lib, (2, 3), name).numpy().dtype), _arange(lib, (2, 3), name).numpy().tolist()))


@pytest.mark.parametrize('v', VARIANTS)
def test_numpy_noncontiguous(both, v):
    both(lambda lib: (VARIANTS[v](lib).numpy().tolist(), VARIANTS[v](lib).numpy().shape,
                      type(VARIANTS[v](lib).numpy()).__name__))


@pytest.mark.filterwarnings('ignore::DeprecationWarning')   # torch's __array__ lacks copy=
def test_array_protocol(both):
    both(lambda lib: (np.asarray(lib.tensor([1, 2])).tolist(), np.asarray(lib.tensor([1., 2.]), dtype=np.float64).dtype.name,
                      np.array(lib.zeros(2, 3).t()).shape))


# ---------------------------------------------------------------- to / casts / type
@pytest.mark.parametrize('src', DTYPES)
@pytest.mark.parametrize('dst', DTYPES)
def test_to_dtype_all_pairs(both, src, dst):
    def body(lib):
        t = lib.tensor([0, 1, 2, 127, -3, 255]).to(_dt(lib, src)) if src != 'bool' else lib.tensor([True, False])
        return t.to(_dt(lib, dst))
    both(body)


def test_to_float_to_int_truncates(both):
    both(lambda lib: (lib.tensor([-2.7, -0.5, 0.5, 2.7]).to(lib.int64), lib.tensor([-2.7, 0.2, 0.]).bool(),
                      lib.tensor([1.5, 2.5]).half()))


@pytest.mark.parametrize('method,name', CASTS)
@pytest.mark.parametrize('v', ['contig', 'transposed', 'scalar'])
def test_cast_methods(both, method, name, v):
    def body(lib):
        t = VARIANTS[v](lib)
        r = getattr(t, method)()
        return r, r.dtype is _dt(lib, name), (r is t) == (t.dtype is _dt(lib, name))
    both(body)


def test_cast_method_takes_no_dtype(both):
    both(lambda lib: lib.zeros(2).float(lib.int64))


@pytest.mark.parametrize('make', [
    lambda lib, t: t.to(lib.float64), lambda lib, t: t.to('cpu'), lambda lib, t: t.to(lib.device('cpu')),
    lambda lib, t: t.to('cpu', lib.int32), lambda lib, t: t.to(device='cpu', dtype=lib.int8),
    lambda lib, t: t.to(lib.zeros(1, dtype=lib.int8)), lambda lib, t: t.to(dtype=lib.int64, copy=True),
    lambda lib, t: t.to(lib.float64, non_blocking=True), lambda lib, t: t.to(), lambda lib, t: t.to('cpu:0'),
    lambda lib, t: t.to(lib.float64, True), lambda lib, t: t.to(lib.float32, copy=True),
    lambda lib, t: t.to(dtype=lib.float16), lambda lib, t: t.cpu(), lambda lib, t: t.to('cpu', non_blocking=True),
], ids=range(15))
def test_to_forms(both, make):
    def body(lib):
        t = lib.tensor([1.5, -2.5, 3.])
        r = make(lib, t)
        return r, r.device, r is t, r.data_ptr() == t.data_ptr()
    both(body)


@pytest.mark.parametrize('make', [
    lambda lib, t: t.to('cpu', 'cpu'), lambda lib, t: t.to(lib.float64, lib.float32), lambda lib, t: t.to([1]),
    lambda lib, t: t.to(other=lib.zeros(1)), lambda lib, t: t.to('xyz'),
], ids=range(5))
def test_to_bad_arguments(both, make):
    both(lambda lib: make(lib, lib.zeros(2)))


def test_to_same_returns_self(both):
    def body(lib):
        t = lib.zeros(2)
        return t.to(lib.float32) is t, t.to('cpu') is t, t.to(t) is t, t.cpu() is t, t.float() is t, \
            t.to(lib.float32, copy=True) is t, t.type(lib.float32) is t
    both(body)


def test_to_requires_grad_tracks(both):
    def body(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = x.to(lib.float64)
        z = x.to(lib.int64)
        return y, y.requires_grad, type(y.grad_fn).__name__, z.requires_grad, z.grad_fn is None
    both(body)


@cpu_build_only
@pytest.mark.parametrize('make', [
    lambda lib: lib.zeros(2).to('cuda'), lambda lib: lib.zeros(2).cuda(), lambda lib: lib.zeros(2).to('cuda:0'),
    lambda lib: lib.zeros(2).to(lib.device('cuda')), lambda lib: lib.zeros(2).to(device='cuda', dtype=lib.int64),
    lambda lib: lib.zeros(2).cuda('cuda:0'), lambda lib: lib.zeros(2).to('cuda', lib.int64),
    lambda lib: lib.zeros(2, dtype=lib.int64).cuda(lib.device('cuda')),
], ids=range(8))
def test_seed_S08_cuda_conversion_raises(both, make):
    _, e = run_both(make)
    assert isinstance(e, AssertionError) and str(e) == 'Torch not compiled with CUDA enabled'


@cpu_build_only
@pytest.mark.parametrize('make', [lambda lib: lib.zeros(2).to(0), lambda lib: lib.device(1),
                                  lambda lib: lib.zeros(2).cuda(0)], ids=['to', 'device', 'cuda'])
def test_int_device_without_accelerator(both, make):
    _, e = run_both(make)
    assert str(e) == 'Cannot access accelerator device when none is available.'


@cpu_build_only
def test_type_to_cuda_legacy_string(both):
    _, e = run_both(lambda lib: lib.zeros(2).type('torch.cuda.FloatTensor'))
    assert str(e).startswith('Cannot initialize CUDA without ATen_cuda library.')


def test_seed_S08_cpu_and_to_cpu(both):
    def body(lib):
        t = lib.FloatTensor([0., 1., 2.])
        return t.is_cuda, t.to('cpu'), t.cpu(), t.to('cpu').is_cuda, t.cpu().device, t.to('cpu') is t, t.cpu() is t
    both(body)


@pytest.mark.parametrize('name', DTYPES)
def test_type_method(both, name):
    both(lambda lib: (_arange(lib, (2,), name).type(), lib.typename(_arange(lib, (2,), name)),
                      _arange(lib, (2,), name).type(lib.float64), _arange(lib, (2,), name).type('torch.LongTensor')))


# ---------------------------------------------------------------- clone / detach / contiguous
@pytest.mark.parametrize('v', VARIANTS)
def test_clone(both, v):
    def body(lib):
        t = VARIANTS[v](lib)
        c = t.clone()
        same = c.data_ptr() == t.data_ptr() and t.numel() > 0
        return c, c.is_contiguous(), same, c._version, c.is_leaf, lib.clone(t)
    both(body)


@pytest.mark.parametrize('v', ['contig', 'transposed', 'sliced'])
def test_clone_preserves_strides(both, v):
    both(lambda lib: VARIANTS[v](lib).clone().stride())


def test_clone_requires_grad(both):
    def body(lib):
        x = lib.ones(2, requires_grad=True)
        c = x.clone()
        return c, type(c.grad_fn).__name__, c.is_leaf
    both(body)


def test_detach_shares_memory_and_version(both):
    def body(lib):
        x = lib.ones(3, requires_grad=True)
        d = x.detach()
        d[0] = 5
        return x, d, d.requires_grad, d.is_leaf, d.data_ptr() == x.data_ptr(), x._version, d._version
    both(body)


def test_detach_inplace(both):
    def body(lib):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        r = y.detach_()
        return r is y, y.requires_grad, y.grad_fn is None, y.is_leaf
    both(body)


@pytest.mark.parametrize('v', VARIANTS)
def test_contiguous(both, v):
    def body(lib):
        t = VARIANTS[v](lib)
        c = t.contiguous()
        return c, c.is_contiguous(), c is t, t.is_contiguous(), c.stride()
    both(body)


# ---------------------------------------------------------------- requires_grad
def test_requires_grad_setters(both):
    def body(lib):
        t = lib.zeros(2)
        r = t.requires_grad_()
        t2 = lib.zeros(2)
        t2.requires_grad = True
        t3 = lib.zeros(2, requires_grad=True).requires_grad_(False)
        return r is t, t.requires_grad, t2.requires_grad, t3.requires_grad, t.is_leaf
    both(body)


@pytest.mark.parametrize('name', ['int64', 'bool', 'uint8', 'int32'])
def test_requires_grad_integer_error_method(both, name):
    _, e = run_both(lambda lib: lib.zeros(2, dtype=_dt(lib, name)).requires_grad_())
    assert str(e) == 'only Tensors of floating point dtype can require gradients'


@pytest.mark.parametrize('name', ['int64', 'bool'])
def test_requires_grad_integer_error_attribute(both, name):
    def body(lib):
        t = lib.zeros(2, dtype=_dt(lib, name))
        t.requires_grad = True
    _, e = run_both(body)
    assert str(e) == 'only Tensors of floating point and complex dtype can require gradients'


def test_requires_grad_false_on_integer_ok(both):
    both(lambda lib: lib.zeros(2, dtype=lib.int64).requires_grad_(False))


def test_requires_grad_non_leaf_error(both):
    def body(lib):
        y = lib.ones(2, requires_grad=True) * 2
        return y.requires_grad_(True) is y, y.requires_grad_(False)
    _, e = run_both(body)
    assert 'you can only change requires_grad flags of leaf variables' in str(e)


# ---------------------------------------------------------------- Python protocols
@pytest.mark.parametrize('make', [lambda lib: lib.tensor(0.), lambda lib: lib.tensor([2]), lambda lib: lib.tensor([[0]]),
                                  lambda lib: lib.tensor(True), lambda lib: lib.tensor(-0.0),
                                  lambda lib: lib.tensor(float('nan'))], ids=range(6))
def test_bool_of_one_element(both, make):
    both(lambda lib: bool(make(lib)))


@pytest.mark.parametrize('shape', [(2,), (0,), (2, 2)], ids=repr)
def test_bool_ambiguous(both, shape):
    _, e = run_both(lambda lib: bool(lib.zeros(shape)))
    n = int(np.prod(shape))
    assert str(e) == ('Boolean value of Tensor with no values is ambiguous' if n == 0 else
                      'Boolean value of Tensor with more than one value is ambiguous')


@pytest.mark.parametrize('name', DTYPES)
def test_int_float_complex_of_scalar(both, name):
    both(lambda lib: (int(_arange(lib, (1,), name)), float(_arange(lib, (1, 1), name)),
                      complex(_arange(lib, (), name)), int(lib.tensor(-2.7)), int(lib.tensor([2.7]))))


@pytest.mark.parametrize('conv', [int, float])
@pytest.mark.parametrize('shape', [(2,), (0,)], ids=repr)
def test_int_float_many_elements_error(both, conv, shape):
    _, e = run_both(lambda lib: conv(lib.zeros(shape)))
    assert str(e) == 'only one element tensors can be converted to Python scalars'


def test_index_protocol(both):
    both(lambda lib: ([10, 20, 30][lib.tensor(1)], [10, 20][lib.tensor([1])], list(range(5))[lib.tensor(1):lib.tensor(3)],
                      'ab' * lib.tensor(2) if False else None, np.arange(5)[lib.tensor(2)].item()))


@pytest.mark.parametrize('make', [lambda lib: lib.tensor(1.), lambda lib: lib.tensor([1, 2])], ids=['float', 'many'])
def test_index_protocol_errors(both, make):
    _, e = run_both(lambda lib: [1, 2, 3][make(lib)])
    assert str(e) == 'only integer tensors of a single element can be converted to an index'


@pytest.mark.parametrize('shape', [(3,), (2, 3), (0, 2), (1,)], ids=repr)
def test_len_and_iter(both, shape):
    def body(lib):
        t = _arange(lib, shape)
        return len(t), list(t), [x.shape for x in t], [x._version for x in t]
    both(body)


def test_iter_yields_views(both):
    def body(lib):
        t = lib.zeros(2, 3)
        rows = list(t)
        rows[1][0] = 5
        return t, [r.data_ptr() - t.data_ptr() for r in rows], t._version
    both(body)


@pytest.mark.parametrize('fn', [len, iter])
def test_len_iter_zero_dim_error(both, fn):
    _, e = run_both(lambda lib: fn(lib.tensor(1.)))
    assert str(e) == ('len() of a 0-d tensor' if fn is len else 'iteration over a 0-d tensor')


def test_format_of_scalar(both):
    both(lambda lib: (f'{lib.tensor(2.5):.2f}', f'{lib.tensor(3)}', '{:>6}'.format(lib.tensor(1)), format(lib.tensor(0.5))))


def test_hash_is_identity(both):
    def body(lib):
        a, b = lib.zeros(1), lib.zeros(1)
        return hash(a) == hash(a), len({a, b}), a in {a: 1}
    both(body)


def test_contains(both):
    both(lambda lib: (2 in lib.tensor([1, 2]), 5 in lib.tensor([1, 2]), lib.tensor(1) in lib.tensor([[1, 2]])))


# ---------------------------------------------------------------- repr / str
REPRS = [
    lambda lib: lib.tensor([1., 2., 3.]),
    lambda lib: lib.tensor([1, 2, 3]),
    lambda lib: lib.tensor([True, False]),
    lambda lib: lib.tensor(3.5),
    lambda lib: lib.tensor(7),
    lambda lib: lib.tensor([1.5, 2.25], dtype=lib.float64),
    lambda lib: lib.tensor([1, 2], dtype=lib.int32),
    lambda lib: lib.tensor([1, 2], dtype=lib.uint8),
    lambda lib: lib.tensor([1.5], dtype=lib.float16),
    lambda lib: lib.zeros(0),
    lambda lib: lib.zeros(0, dtype=lib.int64),
    lambda lib: lib.zeros(0, dtype=lib.int32),
    lambda lib: lib.zeros(2, 0),
    lambda lib: lib.zeros(0, 3, dtype=lib.float64),
    lambda lib: lib.tensor([1., 2.], requires_grad=True),
    lambda lib: lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True),
    lambda lib: lib.tensor([1., 2.], requires_grad=True) * 2,
    lambda lib: lib.tensor([1., 2.], requires_grad=True) + 1,
    lambda lib: lib.tensor([1., 2.], requires_grad=True).sum(),
    lambda lib: lib.tensor([[1., 2.]], requires_grad=True).t(),
    lambda lib: lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True) * 3,
    lambda lib: lib.arange(2000.),
    lambda lib: lib.arange(1200).reshape(40, 30),
    lambda lib: lib.arange(24.).reshape(2, 3, 4),
    lambda lib: lib.tensor([1e-5, 1., 1e5]),
    lambda lib: lib.tensor([1e10, 1.]),
    lambda lib: lib.tensor([float('nan'), float('inf'), -float('inf'), 1.]),
    lambda lib: lib.tensor([0.1, 0.25, 123.456]),
    lambda lib: lib.tensor([-1, 1000000]),
    lambda lib: lib.tensor(-0.),
    lambda lib: lib.arange(12.).reshape(3, 4).t(),
    lambda lib: lib.arange(24.).reshape(4, 6)[1:, ::2],
    lambda lib: lib.arange(3.).expand(2, 3),
    lambda lib: lib.tensor([1.5, 2.5], dtype=lib.float64) * lib.tensor(2., requires_grad=True),
    lambda lib: lib.ones(2, 2, dtype=lib.bool),
    lambda lib: lib.tensor([[True], [False]]),
    lambda lib: lib.Tensor(),
    lambda lib: lib.tensor([-128, 127], dtype=lib.int8),
    lambda lib: lib.full((3,), 12345.678, dtype=lib.float64),
]


@pytest.mark.parametrize('make', REPRS, ids=range(len(REPRS)))
def test_repr_and_str_match_torch(make):
    t, e = make(torch), make(ember)
    assert repr(e) == repr(t)
    assert str(e) == str(t)
    assert str([e]) == str([t])


def test_repr_with_default_dtype_float64():
    try:
        for lib in (torch, ember):
            lib.set_default_dtype(lib.float64)
        for make in (lambda lib: lib.tensor([1.5, 2.]), lambda lib: lib.tensor([1.5], dtype=lib.float32),
                     lambda lib: lib.tensor([1, 2]), lambda lib: lib.zeros(0), lambda lib: lib.zeros(0, dtype=lib.float32)):
            assert repr(make(ember)) == repr(make(torch))
    finally:
        torch.set_default_dtype(torch.float32)
        ember.set_default_dtype(ember.float32)


def test_repr_of_containers():
    for lib in (torch, ember):
        pass
    assert repr((ember.zeros(1), ember.ones(2, dtype=ember.int64))) == repr((torch.zeros(1), torch.ones(2, dtype=torch.int64)))
    assert repr({'a': ember.tensor(1.)}) == repr({'a': torch.tensor(1.)})


@pytest.mark.parametrize('make', [lambda lib: lib.float32, lambda lib: lib.int64, lambda lib: lib.bool,
                                  lambda lib: lib.zeros(2, 3).shape, lambda lib: lib.device('cpu'),
                                  lambda lib: lib.zeros(1).device, lambda lib: lib.FloatTensor],
                         ids=range(7))
def test_repr_of_other_objects(make):
    assert repr(make(ember)) == repr(make(torch))
    assert str(make(ember)) == str(make(torch))


# ---------------------------------------------------------------- copying and pickling
def test_deepcopy_and_pickle_roundtrip():
    t = ember.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    for c in (copy.deepcopy(t), pickle.loads(pickle.dumps(t))):
        assert c.tolist() == t.tolist() and c.dtype is t.dtype and c.requires_grad
        assert c.data_ptr() != t.data_ptr()
    d = copy.deepcopy(ember.arange(6).view(2, 3).t())
    assert d.tolist() == [[0, 3], [1, 4], [2, 5]] and d.dtype is ember.int64


def test_deepcopy_non_leaf_error(both):
    both(lambda lib: copy.deepcopy(lib.ones(2, requires_grad=True) * 2))


def test_data_attribute(both):
    def body(lib):
        x = lib.ones(2, requires_grad=True)
        d = x.data
        d[0] = 3
        return x.detach(), d.requires_grad, d._version, x._version, d.data_ptr() == x.data_ptr()
    both(body)


def test_typename_of_classes_tensors_and_objects():
    """torch.typename: a tensor's type(), the dotted path of a class or function (ember's under
    torch's names), the bare name of builtins. (The top-level one gave type(obj).__qualname__.)"""
    def body(lib):
        return [lib.typename(o) for o in (lib.nn.Parameter, lib.ones(2), lib.ones(2, dtype=lib.int64),
                                          lib.nn.Linear(2, 2), 3, len, lib.optim.SGD, object(), lib.nn.Module)]
    run_both(body)
