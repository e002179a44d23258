"""torch-level settings (threads, matmul precision, determinism) and functions PyTorch builds from
others: multiply/subtract/divide, nansum/nanmean, atleast_Nd, column_stack/row_stack/dstack,
hsplit/vsplit/dsplit, broadcast_shapes, inner, vdot, isin, cdist, block_diag, cartesian_prod."""
import warnings

import numpy as np
import pytest

from conformance import run_both


def _a(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------- settings
def test_num_threads(both):
    def body(lib):
        before = lib.get_num_threads()
        try:
            lib.set_num_threads(1)
            one = lib.get_num_threads()
            lib.set_num_threads(3)
            three = lib.get_num_threads()
        finally:
            lib.set_num_threads(before)
        return before, one, three, lib.get_num_threads(), type(lib.get_num_interop_threads())
    both(body)


def test_num_threads_default_is_torch_default():
    import torch
    import ember
    assert ember.get_num_interop_threads() >= 1
    assert ember._settings.get_num_threads.__module__ == 'ember._settings'
    if ember._settings._state['num_threads'] is None:
        assert ember.get_num_threads() == torch.get_num_threads()


@pytest.mark.parametrize('bad', [0, -1, 2.5, 'a'])
def test_num_threads_errors(both, bad):
    both(lambda lib: lib.set_num_threads(bad))


@pytest.mark.parametrize('bad', [0, -2, 1.5])
def test_num_interop_threads_errors(both, bad):
    both(lambda lib: lib.set_num_interop_threads(bad))


def test_float32_matmul_precision(both):
    def body(lib):
        before = lib.get_float32_matmul_precision()
        out = [before]
        try:
            for p in ('high', 'medium', 'highest'):
                lib.set_float32_matmul_precision(p)
                out.append(lib.get_float32_matmul_precision())
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                lib.set_float32_matmul_precision('bogus')
            out.append(len(w) > 0)
            out.append(lib.get_float32_matmul_precision())
        finally:
            lib.set_float32_matmul_precision(before)
        return out
    both(body)


def test_float32_matmul_precision_type_error(both):
    both(lambda lib: lib.set_float32_matmul_precision(1))


def test_deterministic_algorithms(both):
    def body(lib):
        out = [lib.are_deterministic_algorithms_enabled(), lib.is_deterministic_algorithms_warn_only_enabled()]
        try:
            lib.use_deterministic_algorithms(True)
            out += [lib.are_deterministic_algorithms_enabled(), lib.is_deterministic_algorithms_warn_only_enabled()]
            lib.use_deterministic_algorithms(True, warn_only=True)
            out += [lib.are_deterministic_algorithms_enabled(), lib.is_deterministic_algorithms_warn_only_enabled()]
            lib.use_deterministic_algorithms(False, warn_only=True)
            out += [lib.are_deterministic_algorithms_enabled(), lib.is_deterministic_algorithms_warn_only_enabled()]
        finally:
            lib.use_deterministic_algorithms(False)
        out += [lib.are_deterministic_algorithms_enabled(), lib.is_deterministic_algorithms_warn_only_enabled()]
        return out
    both(body)


@pytest.mark.parametrize('bad', [1, 'yes'])
def test_deterministic_algorithms_type_error(both, bad):
    both(lambda lib: lib.use_deterministic_algorithms(bad))


# ---------------------------------------------------------------- functions with gradients
def _grad_case(fn, *arrays):
    def body(lib):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        total = sum((o * (i + 1.0)).sum() for i, o in enumerate(outs))
        total.backward()
        return out, [x.grad for x in xs]
    return body


_X = _a(3, 4)
_Y = _a(3, 4, seed=1)
_NAN = _a(3, 4, seed=2)
_NAN[0, 1] = np.nan
_NAN[2, :] = np.nan

GRAD_CASES = {
    'multiply': (lambda lib, x, y: lib.multiply(x, y), _X, _Y),
    'multiply_method': (lambda lib, x, y: x.multiply(y), _X, _Y),
    'multiply_scalar': (lambda lib, x: lib.multiply(x, 2.5), _X),
    'subtract': (lambda lib, x, y: lib.subtract(x, y), _X, _Y),
    'subtract_alpha': (lambda lib, x, y: lib.subtract(x, y, alpha=3), _X, _Y),
    'subtract_method': (lambda lib, x, y: x.subtract(y, alpha=0.5), _X, _Y),
    'divide': (lambda lib, x, y: lib.divide(x, y), _X, _Y),
    'divide_method': (lambda lib, x, y: x.divide(y), _X, _Y),
    'divide_trunc': (lambda lib, x, y: lib.divide(x, y, rounding_mode='trunc'), _X, _Y),
    'divide_floor': (lambda lib, x, y: x.divide(y, rounding_mode='floor'), _X, _Y),
    'nansum': (lambda lib, x: lib.nansum(x), _NAN),
    'nansum_dim': (lambda lib, x: lib.nansum(x, 1), _NAN),
    'nansum_keepdim': (lambda lib, x: x.nansum(dim=(0, 1), keepdim=True), _NAN),
    'nansum_dtype': (lambda lib, x: lib.nansum(x, 0, dtype=lib.float64), _NAN),
    'nanmean': (lambda lib, x: lib.nanmean(x), _NAN),
    'nanmean_dim': (lambda lib, x: lib.nanmean(x, 1), _NAN),
    'nanmean_dim0_keepdim': (lambda lib, x: x.nanmean(0, keepdim=True), _NAN),
    'nanmean_dtype': (lambda lib, x: lib.nanmean(x, 1, dtype=lib.float64), _NAN),
    'atleast_1d': (lambda lib, x: lib.atleast_1d(x.sum()), _X),
    'atleast_2d': (lambda lib, x: lib.atleast_2d(x[0]), _X),
    'atleast_3d_2d': (lambda lib, x: lib.atleast_3d(x), _X),
    'atleast_3d_1d': (lambda lib, x: lib.atleast_3d(x[1]), _X),
    'ravel': (lambda lib, x: lib.ravel(x.t()), _X),
    'ravel_method': (lambda lib, x: x.ravel(), _X),
    'column_stack': (lambda lib, x, y: lib.column_stack([x[0], y, x[1]]), _X, _a(4, 2, seed=3)),
    'row_stack': (lambda lib, x, y: lib.row_stack((x, y[0])), _X, _Y),
    'dstack': (lambda lib, x, y: lib.dstack([x, y]), _X, _Y),
    'dstack_1d': (lambda lib, x, y: lib.dstack([x[0], y[1]]), _X, _Y),
    'hsplit': (lambda lib, x: lib.hsplit(x, 2), _X),
    'hsplit_indices': (lambda lib, x: x.hsplit([1, 3]), _X),
    'hsplit_1d': (lambda lib, x: lib.hsplit(x[0], [1]), _X),
    'vsplit': (lambda lib, x: lib.vsplit(x, 3), _X),
    'vsplit_method': (lambda lib, x: x.vsplit([2]), _X),
    'dsplit': (lambda lib, x: lib.dsplit(x, 2), _a(2, 3, 4)),
    'dsplit_method': (lambda lib, x: x.dsplit([1, 2]), _a(2, 3, 4)),
    'inner': (lambda lib, x, y: lib.inner(x, y), _X, _Y),
    'inner_1d': (lambda lib, x, y: lib.inner(x, y), _a(4), _a(4, seed=1)),
    'inner_3d': (lambda lib, x, y: x.inner(y), _a(2, 3, 4), _a(5, 4, seed=1)),
    'inner_scalar': (lambda lib, x, y: lib.inner(x, y.sum()), _X, _Y),
    'vdot': (lambda lib, x, y: lib.vdot(x, y), _a(5), _a(5, seed=1)),
    'vdot_method': (lambda lib, x, y: x.vdot(y), _a(5), _a(5, seed=1)),
    'cdist': (lambda lib, x, y: lib.cdist(x, y), _a(3, 4), _a(5, 4, seed=1)),
    'cdist_p1': (lambda lib, x, y: lib.cdist(x, y, p=1.0), _a(3, 4), _a(5, 4, seed=1)),
    'cdist_p3': (lambda lib, x, y: lib.cdist(x, y, p=3), _a(3, 4), _a(5, 4, seed=1)),
    'cdist_p0': (lambda lib, x, y: lib.cdist(x, y, p=0), _a(3, 4), _a(5, 4, seed=1)),
    'cdist_pinf': (lambda lib, x, y: lib.cdist(x, y, p=float('inf')), _a(3, 4), _a(5, 4, seed=1)),
    'cdist_batched': (lambda lib, x, y: lib.cdist(x, y), _a(2, 3, 4), _a(2, 5, 4, seed=1)),
    'cdist_broadcast': (lambda lib, x, y: lib.cdist(x, y, 1.5), _a(2, 1, 3, 4), _a(3, 5, 4, seed=1)),
    'cdist_self': (lambda lib, x: lib.cdist(x, x), _a(3, 4)),
    'block_diag': (lambda lib, x, y: lib.block_diag(x, y[0], y[1, 2]), _a(2, 3), _Y),
    'block_diag_one': (lambda lib, x: lib.block_diag(x), _a(2, 3)),
    'cartesian_prod': (lambda lib, x, y: lib.cartesian_prod(x, y), _a(3), _a(2, seed=1)),
    'cartesian_prod_three': (lambda lib, x, y, z: lib.cartesian_prod(x, y, z), _a(2), _a(3, seed=1), _a(2, seed=2)),
}


@pytest.mark.parametrize('name', list(GRAD_CASES))
def test_with_grad(both, name):
    fn, *arrays = GRAD_CASES[name]
    both(_grad_case(fn, *arrays), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- values, dtypes, shapes
VALUE_CASES = {
    'multiply_int': lambda lib: lib.multiply(lib.tensor([1, 2, 3]), lib.tensor([4, 5, 6])),
    'multiply_out': lambda lib: lib.multiply(lib.tensor([1., 2.]), 3, out=lib.empty(2)),
    'multiply_inplace': lambda lib: lib.tensor([1., 2.]).multiply_(lib.tensor([3., 4.])),
    'subtract_int_alpha': lambda lib: lib.subtract(lib.tensor([10, 20]), lib.tensor([1, 2]), alpha=2),
    'subtract_inplace': lambda lib: lib.tensor([1., 2.]).subtract_(1, alpha=3),
    'divide_int': lambda lib: lib.divide(lib.tensor([7, -7]), lib.tensor([2, 2])),
    'divide_int_floor': lambda lib: lib.divide(lib.tensor([7, -7]), 2, rounding_mode='floor'),
    'divide_int_trunc': lambda lib: lib.tensor([7, -7]).divide(2, rounding_mode='trunc'),
    'divide_inplace': lambda lib: lib.tensor([3., 6.]).divide_(lib.tensor([2., 4.])),
    'nansum_int': lambda lib: lib.nansum(lib.tensor([[1, 2], [3, 4]]), 0),
    'nansum_all_nan': lambda lib: lib.nansum(lib.tensor([float('nan'), float('nan')])),
    'nansum_bool': lambda lib: lib.tensor([True, False, True]).nansum(),
    'nanmean_all_nan': lambda lib: lib.nanmean(lib.tensor([[float('nan'), 1.], [float('nan'), 3.]]), 0),
    'nanmean_neg_dim': lambda lib: lib.tensor(_NAN).nanmean(-1, True),
    'nanmean_float64': lambda lib: lib.nanmean(lib.tensor(_NAN, dtype=lib.float64)),
    'atleast_1d_many': lambda lib: lib.atleast_1d(lib.tensor(1), lib.tensor([2, 3]), lib.ones(2, 2)),
    'atleast_2d_list': lambda lib: lib.atleast_2d([lib.tensor(1.), lib.tensor([2., 3.])]),
    'atleast_3d_many': lambda lib: lib.atleast_3d(lib.tensor(1), lib.ones(2), lib.ones(2, 3), lib.ones(1, 2, 3, 4)),
    'atleast_3d_tuple': lambda lib: lib.atleast_3d((lib.tensor(1), lib.ones(2, 3))),
    'ravel_scalar': lambda lib: lib.ravel(lib.tensor(5)),
    'ravel_int': lambda lib: lib.arange(6).reshape(2, 3).ravel(),
    'column_stack_scalars': lambda lib: lib.column_stack([lib.tensor(1), lib.tensor(2)]),
    'column_stack_int': lambda lib: lib.column_stack((lib.tensor([1, 2]), lib.tensor([3, 4]))),
    'row_stack_1d': lambda lib: lib.row_stack([lib.tensor([1, 2]), lib.tensor([3, 4])]),
    'dstack_scalars': lambda lib: lib.dstack([lib.tensor(1), lib.tensor(2)]),
    'dstack_3d': lambda lib: lib.dstack([lib.ones(2, 3, 1), lib.zeros(2, 3, 2)]),
    'hsplit_tensor_indices': lambda lib: lib.hsplit(lib.arange(8).reshape(2, 4), lib.tensor([1, 2])),
    'vsplit_uneven_indices': lambda lib: lib.vsplit(lib.arange(12).reshape(4, 3), [1, 10]),
    'hsplit_varargs': lambda lib: lib.arange(8).reshape(2, 4).hsplit(1, 3),
    'broadcast_shapes': lambda lib: lib.broadcast_shapes((2, 1), (3,), (1, 1, 1)),
    'broadcast_shapes_ints': lambda lib: lib.broadcast_shapes(2, (3, 1)),
    'broadcast_shapes_list': lambda lib: lib.broadcast_shapes([4, 1, 3], lib.Size([5, 1])),
    'broadcast_shapes_none': lambda lib: lib.broadcast_shapes(),
    'broadcast_shapes_zero': lambda lib: lib.broadcast_shapes((0, 1), (3,)),
    'inner_int': lambda lib: lib.inner(lib.tensor([[1, 2], [3, 4]]), lib.tensor([1, 1])),
    'inner_scalar_both': lambda lib: lib.inner(lib.tensor(2.), lib.tensor(3.)),
    'vdot_int': lambda lib: lib.vdot(lib.tensor([1, 2, 3]), lib.tensor([4, 5, 6])),
    'isin': lambda lib: lib.isin(lib.tensor([[1, 2], [3, 4]]), lib.tensor([2, 3])),
    'isin_invert': lambda lib: lib.isin(lib.tensor([1, 2, 3, 4]), lib.tensor([2, 3]), invert=True),
    'isin_scalar_test': lambda lib: lib.isin(lib.tensor([1, 2, 3]), 2),
    'isin_scalar_elem': lambda lib: lib.isin(3, lib.tensor([1, 2, 3])),
    'isin_float': lambda lib: lib.isin(lib.tensor([1., 2.5, 3.]), lib.tensor([2.5, 7.])),
    'isin_mixed': lambda lib: lib.isin(lib.tensor([1, 2, 3]), lib.tensor([2., 3.5])),
    'isin_unique': lambda lib: lib.isin(lib.tensor([1, 2, 3]), lib.tensor([3, 1]), assume_unique=True),
    'cdist_float64': lambda lib: lib.cdist(lib.tensor(_a(3, 2), dtype=lib.float64), lib.tensor(_a(4, 2, seed=1),
                                                                                             dtype=lib.float64)),
    'cdist_empty': lambda lib: lib.cdist(lib.ones(0, 3), lib.ones(4, 3)),
    'cdist_mode': lambda lib: lib.cdist(lib.tensor(_a(3, 2)), lib.tensor(_a(4, 2, seed=1)),
                                        compute_mode='donot_use_mm_for_euclid_dist'),
    'block_diag_ints': lambda lib: lib.block_diag(lib.tensor([[1, 2]]), lib.tensor([[3], [4]]), lib.tensor(5)),
    'block_diag_mixed': lambda lib: lib.block_diag(lib.tensor([[1, 2]]), lib.tensor([0.5])),
    'block_diag_empty_block': lambda lib: lib.block_diag(lib.ones(2, 0), lib.ones(1, 2)),
    'cartesian_prod_one': lambda lib: lib.cartesian_prod(lib.tensor([1, 2, 3])),
    'cartesian_prod_ints': lambda lib: lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([3, 4]), lib.tensor([5])),
}


# integer matrix products: CUDA has no kernels for them, in torch as in ember
_CPU_ONLY = ('inner_int', 'vdot_int')


@pytest.mark.parametrize('name', list(VALUE_CASES))
def test_values(both, name, ember_device):
    if ember_device == 'cuda' and name in _CPU_ONLY:
        pytest.skip('integer matmul: no CUDA kernel')
    both(VALUE_CASES[name])


# ---------------------------------------------------------------- errors
ERROR_CASES = {
    'divide_bad_mode': lambda lib: lib.divide(lib.ones(2), 2, rounding_mode='round'),
    'nanmean_int': lambda lib: lib.nanmean(lib.tensor([1, 2])),
    'nansum_not_tensor': lambda lib: lib.nansum([1., 2.]),
    'atleast_1d_not_tensor': lambda lib: lib.atleast_1d(3),
    'column_stack_empty': lambda lib: lib.column_stack([]),
    'dstack_empty': lambda lib: lib.dstack([]),
    'column_stack_mismatch': lambda lib: lib.column_stack([lib.ones(2), lib.ones(3)]),
    'hsplit_0d': lambda lib: lib.hsplit(lib.tensor(1.), 1),
    'hsplit_not_divisible': lambda lib: lib.hsplit(lib.ones(2, 4), 3),
    'vsplit_1d': lambda lib: lib.vsplit(lib.ones(4), 2),
    'vsplit_not_divisible': lambda lib: lib.vsplit(lib.ones(3, 4), 2),
    'dsplit_2d': lambda lib: lib.dsplit(lib.ones(4, 4), 2),
    'broadcast_shapes_mismatch': lambda lib: lib.broadcast_shapes((2, 3), (4,)),
    'broadcast_shapes_negative': lambda lib: lib.broadcast_shapes((2, -1)),
    'inner_mismatch': lambda lib: lib.inner(lib.ones(2, 3), lib.ones(4)),
    'vdot_2d': lambda lib: lib.vdot(lib.ones(2, 2), lib.ones(4)),
    'vdot_size': lambda lib: lib.vdot(lib.ones(3), lib.ones(4)),
    'vdot_dtype': lambda lib: lib.vdot(lib.ones(3), lib.ones(3, dtype=lib.int64)),
    'cdist_1d': lambda lib: lib.cdist(lib.ones(3), lib.ones(2, 3)),
    'cdist_cols': lambda lib: lib.cdist(lib.ones(2, 3), lib.ones(2, 4)),
    'cdist_int': lambda lib: lib.cdist(lib.ones(2, 3, dtype=lib.int64), lib.ones(2, 3, dtype=lib.int64)),
    'cdist_negative_p': lambda lib: lib.cdist(lib.ones(2, 3), lib.ones(2, 3), p=-1),
    'block_diag_3d': lambda lib: lib.block_diag(lib.ones(2, 2), lib.ones(1, 2, 2)),
    'cartesian_prod_2d': lambda lib: lib.cartesian_prod(lib.ones(2), lib.ones(2, 2)),
}


@pytest.mark.parametrize('name', list(ERROR_CASES))
def test_errors(both, name):
    both(ERROR_CASES[name])


def test_exported():
    import ember
    for n in ('multiply', 'subtract', 'divide', 'nansum', 'nanmean', 'atleast_1d', 'atleast_2d', 'atleast_3d',
              'ravel', 'column_stack', 'row_stack', 'dstack', 'hsplit', 'vsplit', 'dsplit', 'broadcast_shapes',
              'inner', 'vdot', 'isin', 'cdist', 'block_diag', 'cartesian_prod', 'set_num_threads',
              'get_num_threads', 'set_float32_matmul_precision', 'use_deterministic_algorithms'):
        assert n in dir(ember), n
    for n in ('multiply', 'multiply_', 'subtract', 'subtract_', 'divide', 'divide_', 'nansum', 'nanmean', 'ravel',
              'inner', 'vdot', 'hsplit', 'vsplit', 'dsplit'):
        assert hasattr(ember.Tensor, n), n
    run_both(lambda lib: lib.row_stack([lib.ones(2), lib.zeros(2)]))


@pytest.mark.parametrize('dtype', ['int64', 'int32', 'int16', 'int8', 'uint8', 'bool'])
def test_nanmean_integer_error_message(dtype):
    import ember
    from conformance import torch
    msgs = []
    for lib in (torch, ember):
        with pytest.raises(RuntimeError) as e:
            lib.nanmean(lib.ones(2, dtype=getattr(lib, dtype)))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize('dtypes', [('int64', 'int64'), ('uint8', 'uint8'), ('int16', 'int16'),
                                    ('float32', 'float64'), ('float64', 'float32')])
def test_cdist_dtype_error_messages(dtypes):
    import ember
    from conformance import torch
    msgs = []
    for lib in (torch, ember):
        a, b = (lib.ones(2, 3, dtype=getattr(lib, d)) for d in dtypes)
        with pytest.raises(RuntimeError) as e:
            lib.cdist(a, b)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize('mode', ['use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist',
                                  'donot_use_mm_for_euclid_dist'])
@pytest.mark.parametrize('p', [2.0, 1.0, 0.0, float('inf')])
def test_cdist_forms_nodes_and_gradients(mode, p):
    """torch's cdist: for p = 2 with more than 25 rows (or use_mm_for_euclid_dist) the product form
    |a|^2 + |b|^2 - 2 a.b (EuclideanDistBackward0 under a view; a zero distance gets a zero
    subgradient), else CdistBackward0; batch dims broadcast."""
    rng = np.random.default_rng(3)
    cases = [((30, 5), (20, 5)), ((10, 5), (8, 5)), ((2, 30, 5), (20, 5)), ((3, 1, 40, 4), (2, 26, 4))]
    data = [(rng.standard_normal(a), rng.standard_normal(b)) for a, b in cases]
    for a, _ in data:
        a[..., 0, :] = 0.

    def body(lib):
        out = []
        for a, b in data:
            A, B = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
            A2 = lib.cat([A, B[..., :1, :].expand(*A.shape[:-2], 1, A.shape[-1])], -2) if A.dim() == B.dim() else A
            d = lib.cdist(A2, B, p, compute_mode=mode)
            (d * lib.cos(lib.arange(d.numel(), dtype=lib.float64)).reshape(d.shape)).sum().backward()
            out.append((d, A.grad, B.grad, type(d.grad_fn).__name__))
        return out
    # (atol: the product form's distance of a row to itself is sqrt of a float64 cancellation,
    # 0 or ~3e-8 depending on how the machine's BLAS rounds the GEMM)
    run_both(body, rtol=1e-9, atol=1e-7)
