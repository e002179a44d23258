"""Tensor methods and torch functions real scripts use: type_as, unfold, new, new_empty_strided,
sum_to_size, split_with_sizes, is_same_size, isreal, conj & co., addr, dist, diagflat, cov, corrcoef,
fill_diagonal_, select/slice/diagonal_scatter, renorm, put, logcumsumexp, frexp, ldexp, gcd, lcm,
nextafter, combinations, chain_matmul, torch.fill and the torch-level in-place forms (torch.abs_, ...)."""
import warnings

import numpy as np
import pytest


def _a(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _grad_case(fn, *arrays):
    def body(lib):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        total = sum((o * (i + 1.0)).sum() for i, o in enumerate(outs) if o.dtype.is_floating_point)
        total.backward()
        return out, [x.grad for x in xs]
    return body


_X = _a(3, 4)
_Y = _a(3, 4, seed=1)
_IDX2 = [[0, 5], [11, -1]]

GRAD_CASES = {
    'type_as': (lambda lib, x, y: x.type_as(y), _X, _a(2).astype(np.float64)),
    'unfold': (lambda lib, x: x.unfold(1, 2, 1), _X),
    'unfold_step': (lambda lib, x: x.unfold(0, 2, 2), _a(5, 3)),
    'unfold_neg_dim': (lambda lib, x: x.unfold(-1, 3, 1).unfold(0, 2, 1), _X),
    'unfold_size1': (lambda lib, x: x.unfold(1, 1, 3), _X),
    'unfold_0d': (lambda lib, x: x.sum().unfold(0, 1, 1), _X),
    'unfold_transposed': (lambda lib, x: x.t().unfold(0, 3, 1), _X),
    'unfold_inplace_on_view': (lambda lib, x: (lambda y: (y.unfold(1, 2, 2).mul_(3), y)[1])(x * 1), _X),
    'unfold_of_view_inplace': (lambda lib, x: (lambda y: (y[1:].unfold(0, 1, 1).exp_(), y)[1])(x + 0), _X),
    'sum_to_size': (lambda lib, x: x.sum_to_size(1, 4), _X),
    'sum_to_size_lead': (lambda lib, x: x.sum_to_size([4]), _X),
    'sum_to_size_3d': (lambda lib, x: x.sum_to_size(lib.Size([2, 1, 4])), _a(2, 3, 4)),
    'sum_to_size_same': (lambda lib, x: x.sum_to_size(3, 4), _X),
    'split_with_sizes': (lambda lib, x: x.split_with_sizes([1, 3], 1), _X),
    'split_with_sizes_dim0': (lambda lib, x: x.split_with_sizes((2, 0, 1)), _X),
    'conj': (lambda lib, x: lib.conj(x) * 2, _X),
    'resolve': (lambda lib, x: x.resolve_conj().resolve_neg().conj() * 2, _X),
    'addr': (lambda lib, x, a, b: lib.addr(x, a, b), _X, _a(3, seed=1), _a(4, seed=2)),
    'addr_alpha_beta': (lambda lib, x, a, b: x.addr(a, b, beta=0.5, alpha=-2), _X, _a(3, seed=1), _a(4, seed=2)),
    'addr_beta0': (lambda lib, x, a, b: lib.addr(x, a, b, beta=0), _X, _a(3, seed=1), _a(4, seed=2)),
    'addr_bcast': (lambda lib, x, a, b: lib.addr(x, a, b, alpha=3), _a(4), _a(3, seed=1), _a(4, seed=2)),
    'addr_inplace': (lambda lib, x, a, b: (x * 1).addr_(a, b, alpha=2), _X, _a(3, seed=1), _a(4, seed=2)),
    'dist': (lambda lib, x, y: lib.dist(x, y), _X, _Y),
    'dist_p1': (lambda lib, x, y: x.dist(y, 1), _X, _Y),
    'dist_p3_bcast': (lambda lib, x, y: lib.dist(x, y[0], 3.5), _X, _Y),
    'dist_pinf': (lambda lib, x, y: lib.dist(x, y, float('inf')), _X, _Y),
    'diagflat': (lambda lib, x: lib.diagflat(x), _a(2, 2)),
    'diagflat_offset': (lambda lib, x: x.diagflat(-2), _a(3)),
    'cov': (lambda lib, x: lib.cov(x), _X),
    'cov_1d': (lambda lib, x: lib.cov(x[0]), _X),
    'cov_correction0': (lambda lib, x: x.cov(correction=0), _X),
    'cov_weights': (lambda lib, x, w: lib.cov(x, fweights=lib.tensor([1, 2, 0, 3]), aweights=w.abs()), _X,
                    _a(4, seed=3)),
    'cov_aweights_correction2': (lambda lib, x, w: lib.cov(x, correction=2, aweights=w.abs()), _X, _a(4, seed=3)),
    'corrcoef': (lambda lib, x: lib.corrcoef(x), _X),
    'corrcoef_method': (lambda lib, x: x.corrcoef(), _a(2, 6)),
    'corrcoef_1d': (lambda lib, x: lib.corrcoef(x[0]), _X),
    'fill_diagonal_': (lambda lib, x: (x * 1).fill_diagonal_(2.5), _X),
    'fill_diagonal_wrap': (lambda lib, x: (x * 1).fill_diagonal_(-1, wrap=True), _a(7, 3)),
    'fill_diagonal_3d': (lambda lib, x: (x + 0).fill_diagonal_(0), _a(3, 3, 3)),
    'select_scatter': (lambda lib, x, s: lib.select_scatter(x, s, 0, 1), _X, _a(4, seed=1)),
    'select_scatter_neg': (lambda lib, x, s: x.select_scatter(s, -1, -2), _X, _a(3, seed=1)),
    'slice_scatter': (lambda lib, x, s: lib.slice_scatter(x, s, 1, 1, None, 2), _X, _a(3, 2, seed=1)),
    'slice_scatter_default': (lambda lib, x, s: x.slice_scatter(s), _X, _Y),
    'slice_scatter_neg': (lambda lib, x, s: lib.slice_scatter(x, s, 0, -2, 100), _X, _a(2, 4, seed=1)),
    'diagonal_scatter': (lambda lib, x, s: lib.diagonal_scatter(x, s), _X, _a(3, seed=1)),
    'diagonal_scatter_offset': (lambda lib, x, s: x.diagonal_scatter(s, 1), _X, _a(3, seed=1)),
    'diagonal_scatter_dims': (lambda lib, x, s: lib.diagonal_scatter(x, s, -1, 2, 0), _a(3, 2, 4), _a(2, 2, seed=1)),
    'renorm': (lambda lib, x: lib.renorm(x, 2, 0, 1.5), _X),
    'renorm_p1_dim1': (lambda lib, x: x.renorm(1, 1, 1.0), _X),
    'renorm_3d': (lambda lib, x: lib.renorm(x, 3, -1, 0.5), _a(2, 3, 4)),
    'renorm_inplace': (lambda lib, x: (x * 1).renorm_(2, 0, 1.0), _X),
    'put': (lambda lib, x, s: x.put(lib.tensor(_IDX2), s), _X, _a(2, 2, seed=1)),
    'put_accumulate': (lambda lib, x, s: x.put(lib.tensor([1, 1, 0]), s, accumulate=True), _X, _a(3, seed=1)),
    'put_inplace': (lambda lib, x, s: (x * 1).put_(lib.tensor([2, -3]), s), _X, _a(2, seed=1)),
    'logcumsumexp': (lambda lib, x: lib.logcumsumexp(x, 0), _X),
    'logcumsumexp_dim1': (lambda lib, x: x.logcumsumexp(-1), _X),
    'logcumsumexp_1d': (lambda lib, x: lib.logcumsumexp(x, 0), _a(7)),
    'logcumsumexp_0d': (lambda lib, x: lib.logcumsumexp(x.sum(), 0), _X),
    'frexp_mantissa': (lambda lib, x: lib.frexp(x * 10)[0], _X),
    'frexp_method': (lambda lib, x: x.frexp().mantissa * x, _X),
    'ldexp': (lambda lib, x: lib.ldexp(x, lib.tensor([[1], [0], [-3]])), _X),
    'ldexp_float_exp': (lambda lib, x, y: x.ldexp(y), _X, _Y),
    'ldexp_inplace': (lambda lib, x: (x * 1).ldexp_(lib.tensor([2, 1, 0, -1])), _X),
    'combinations': (lambda lib, x: lib.combinations(x), _a(4)),
    'combinations_r3': (lambda lib, x: lib.combinations(x, 3, with_replacement=True), _a(3)),
    'chain_matmul': (lambda lib, a, b, c: lib.chain_matmul(a, b, c), _a(2, 3), _a(3, 4, seed=1), _a(4, 2, seed=2)),
    'chain_matmul_one': (lambda lib, a: lib.chain_matmul(a), _a(2, 3)),
    'fill': (lambda lib, x: lib.fill(x, 2.5), _X),
    'fill_tensor_value': (lambda lib, x, v: lib.fill(x, v.sum()), _X, _a(2, seed=1)),
    'torch_clamp_': (lambda lib, x: lib.clamp_(x * 1, -0.5, 0.5), _X),
    'torch_exp_': (lambda lib, x: lib.exp_(x * 1), _X),
    'torch_sigmoid_': (lambda lib, x: lib.sigmoid_(x * 1), _X),
}


@pytest.mark.parametrize('name', list(GRAD_CASES))
def test_with_grad(both, name):
    fn, *arrays = GRAD_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        both(_grad_case(fn, *arrays), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- gradcheck (float64)
def _d(*shape, seed=0):
    import ember
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=ember.float64, requires_grad=True)


GRADCHECK = {
    'unfold': (lambda x: x.unfold(1, 2, 1), (3, 4)),
    'unfold_overlap': (lambda x: x.unfold(0, 3, 1), (5, 2)),
    'addr': (lambda x, a, b: x.addr(a, b, beta=0.5, alpha=2), (3, 4), (3,), (4,)),
    'dist': (lambda x, y: x.dist(y, 3), (3, 4), (3, 4)),
    'cov': (lambda x: x.cov(), (3, 5)),
    'cov_aweights': (lambda x, w: x.cov(aweights=w * w + 0.1), (3, 5), (5,)),
    'corrcoef': (lambda x: x.corrcoef(), (3, 5)),
    'select_scatter': (lambda x, s: x.select_scatter(s, 1, 2), (3, 4), (3,)),
    'slice_scatter': (lambda x, s: x.slice_scatter(s, 0, 1, 3), (3, 4), (2, 4)),
    'diagonal_scatter': (lambda x, s: x.diagonal_scatter(s, -1), (3, 4), (2,)),
    'renorm': (lambda x: x.renorm(2, 0, 1.0), (3, 4)),
    'put': (lambda x, s: x.put(x.new_tensor([1, 4, 1]).long(), s, accumulate=True), (2, 3), (3,)),
    'logcumsumexp': (lambda x: x.logcumsumexp(1), (3, 4)),
    'ldexp': (lambda x: x.ldexp(x.new_tensor([1, -2, 0, 3])), (3, 4)),
    'frexp': (lambda x: x.frexp()[0], (3, 4)),
    'combinations': (lambda x: __import__('ember').combinations(x, 2), (4,)),
    'chain_matmul': (lambda a, b, c: __import__('ember').chain_matmul(a, b, c), (2, 3), (3, 4), (4, 2)),
}


@pytest.mark.parametrize('name', list(GRADCHECK))
def test_gradcheck(name):
    from ember.autograd import gradcheck
    fn, *shapes = GRADCHECK[name]
    inputs = tuple(_d(*s, seed=i) for i, s in enumerate(shapes))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert gradcheck(fn, inputs)


GRADGRADCHECK = {
    'logcumsumexp': (lambda x: x.logcumsumexp(0), (4, 2)),
    'unfold': (lambda x: x.unfold(0, 2, 1) ** 2, (4, 2)),
    'select_scatter': (lambda x, s: x.select_scatter(s, 0, 1) ** 2, (3, 2), (2,)),
    'diagonal_scatter': (lambda x, s: x.diagonal_scatter(s) ** 2, (3, 2), (2,)),
    'renorm': (lambda x: x.renorm(2, 1, 0.5), (3, 2)),
}


@pytest.mark.parametrize('name', list(GRADGRADCHECK))
def test_gradgradcheck(name):
    from ember.autograd import gradgradcheck
    fn, *shapes = GRADGRADCHECK[name]
    assert gradgradcheck(fn, tuple(_d(*s, seed=i) for i, s in enumerate(shapes)))


# ---------------------------------------------------------------- values, dtypes, shapes
def _int(lib):
    return lib.tensor([[12, -18, 0], [7, 9, 30]])


VALUE_CASES = {
    'type_as_int': lambda lib: lib.ones(2).type_as(lib.tensor([1])),
    'type_as_same': lambda lib: (lambda x: x.type_as(lib.ones(1)) is x)(lib.ones(2)),
    'unfold_values': lambda lib: lib.arange(10).reshape(2, 5).unfold(1, 3, 2),
    'unfold_size0': lambda lib: lib.ones(2, 3).unfold(1, 0, 1),
    'unfold_0d': lambda lib: lib.tensor(3.).unfold(0, 1, 1),
    'unfold_0d_size0': lambda lib: lib.tensor(3.).unfold(-1, 0, 2),
    'unfold_stride': lambda lib: lib.arange(12.).reshape(3, 4).unfold(1, 2, 2).stride(),
    'unfold_view_write': lambda lib: (lambda x: (x.unfold(0, 2, 2).mul_(3), x)[1])(lib.arange(6.)),
    'new_empty': lambda lib: lib.ones(2, dtype=lib.int32).new(),
    'new_size': lambda lib: lib.ones(2, dtype=lib.float64).new(2, 3).shape,
    'new_size_dtype': lambda lib: lib.ones(2, dtype=lib.float64).new(2, 3).dtype,
    'new_torch_size': lambda lib: lib.ones(2).new(lib.Size([4, 1])).shape,
    'new_list': lambda lib: lib.ones(2).new([1, 2]),
    'new_tuple': lambda lib: lib.ones(2, dtype=lib.int64).new((2, 3)),
    'new_int_from_floats': lambda lib: lib.tensor([1]).new([1.5, 2]),
    'new_tensor_same_dtype': lambda lib: lib.ones(2).new(lib.zeros(3)),
    'new_empty_strided': lambda lib: (lambda t: (t.shape, t.stride(), t.dtype))(
        lib.ones(1).new_empty_strided((2, 3), (1, 2))),
    'new_empty_strided_dtype': lambda lib: (lambda t: (t.shape, t.stride(), t.dtype, t.requires_grad))(
        lib.ones(1).new_empty_strided([4], [2], dtype=lib.int32)),
    'new_empty_strided_rg': lambda lib: lib.ones(1).new_empty_strided((0, 2), (2, 1), requires_grad=True).requires_grad,
    'sum_to_size_int': lambda lib: _int(lib).sum_to_size(2, 1),
    'sum_to_size_same_is': lambda lib: (lambda x: x.sum_to_size(2, 3) is x)(_int(lib)),
    'split_with_sizes_int': lambda lib: _int(lib).split_with_sizes([2, 1], dim=-1),
    'split_with_sizes_empty': lambda lib: lib.ones(0, 2).split_with_sizes([0]),
    'is_same_size': lambda lib: (lib.ones(2, 3).is_same_size(lib.zeros(2, 3)), lib.ones(2).is_same_size(lib.ones(1, 2))),
    'isreal': lambda lib: lib.isreal(lib.tensor([1., float('nan'), float('inf')])),
    'isreal_int_method': lambda lib: _int(lib).isreal(),
    'conj_is': lambda lib: (lambda x: (lib.conj(x) is x, x.conj() is x, lib.resolve_conj(x) is x,
                                       x.resolve_neg() is x, lib.conj_physical(x) is x))(lib.ones(2)),
    'is_conj_neg': lambda lib: (lib.is_conj(lib.ones(2)), lib.ones(2).is_conj(), lib.is_neg(lib.ones(2)),
                                lib.ones(2).is_neg()),
    'addr_int': lambda lib: lib.addr(lib.zeros(2, 3, dtype=lib.long), lib.tensor([1, 2]), lib.tensor([1, 0, 3]),
                                     alpha=2, beta=3),
    'addr_mixed': lambda lib: lib.addr(lib.ones(2, 3, dtype=lib.long), lib.ones(2), lib.ones(3)),
    'addr_float64': lambda lib: lib.addr(lib.ones(2, 3), lib.ones(2, dtype=lib.float64), lib.ones(3)),
    'addr_beta0_nan': lambda lib: lib.addr(lib.full((2, 3), float('nan')), lib.ones(2), lib.ones(3), beta=0),
    'addr_bool': lambda lib: lib.addr(lib.zeros(2, 2, dtype=lib.bool), lib.tensor([True, False]),
                                      lib.tensor([True, True])),
    'addr_out': lambda lib: (lambda o: (lib.addr(lib.ones(2, 2), lib.ones(2), lib.ones(2), out=o), o))(lib.empty(2, 2)),
    'addr_inplace': lambda lib: lib.ones(2, 2).addr_(lib.tensor([1., 2.]), lib.tensor([3., 4.]), beta=2),
    'dist_p0': lambda lib: lib.dist(lib.ones(2, 3), lib.tensor([0., 1., 0.]), 0),
    'dist_float64': lambda lib: lib.dist(lib.ones(2, 3), lib.zeros(3, dtype=lib.float64)),
    'diagflat_int': lambda lib: lib.diagflat(lib.tensor([[1, 2], [3, 4]]), -1),
    'diagflat_0d': lambda lib: lib.diagflat(lib.tensor(5.), 1),
    'cov_int': lambda lib: lib.cov(lib.tensor([[1, 2, 4], [3, 1, 0]])),
    'cov_1d_float64': lambda lib: lib.cov(lib.tensor([1., 2, 4], dtype=lib.float64)),
    'cov_fweights': lambda lib: lib.cov(lib.tensor([[1., 2, 4], [3, 1, 0]]), fweights=lib.tensor([1, 3, 2])),
    'corrcoef_int': lambda lib: lib.corrcoef(lib.tensor([[1, 2, 4], [3, 1, 0]])),
    'corrcoef_const': lambda lib: lib.corrcoef(lib.tensor([[1., 1, 1], [3, 1, 0]])),
    'corrcoef_1d': lambda lib: lib.corrcoef(lib.tensor([1., 2, 4])),
    'fill_diagonal_wide': lambda lib: lib.zeros(3, 7).fill_diagonal_(5, True),
    'fill_diagonal_tall': lambda lib: lib.zeros(7, 3).fill_diagonal_(5),
    'fill_diagonal_tall_wrap': lambda lib: lib.zeros(7, 3).fill_diagonal_(5, wrap=True),
    'fill_diagonal_3d': lambda lib: lib.zeros(2, 2, 2).fill_diagonal_(5),
    'fill_diagonal_int': lambda lib: lib.zeros(2, 2, dtype=lib.long).fill_diagonal_(2.7),
    'fill_diagonal_view': lambda lib: (lambda x: (x[:, 1:].fill_diagonal_(9), x)[1])(lib.zeros(3, 4)),
    'select_scatter_int_src': lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(2, dtype=lib.long), 1, 0),
    'select_scatter_f64_src': lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(2, dtype=lib.float64), 1, 0),
    'slice_scatter_empty': lambda lib: lib.slice_scatter(lib.zeros(4, 3), lib.ones(0, 3), 0, 3, 1),
    'slice_scatter_step': lambda lib: lib.slice_scatter(lib.zeros(8), lib.ones(3), start=1, step=3),
    'diagonal_scatter_int': lambda lib: lib.diagonal_scatter(lib.zeros(3, 3, dtype=lib.int32), lib.tensor([1, 2]), 1),
    'renorm_values': lambda lib: lib.renorm(lib.arange(6.).reshape(2, 3), 2, 0, 3),
    'renorm_inf': lambda lib: lib.arange(6.).reshape(3, 2).renorm(float('inf'), 1, 2),
    'renorm_inplace': lambda lib: lib.arange(6.).reshape(2, 3).renorm_(1, 0, 1),
    'torch_put': lambda lib: lib.put(lib.zeros(3), lib.tensor([1]), lib.tensor([2.])),
    'torch_split_with_sizes': lambda lib: lib.split_with_sizes(lib.arange(5), [2, 3]),
    'torch_is_same_size': lambda lib: lib.is_same_size(lib.ones(2), lib.ones(2)),
    'put_neg': lambda lib: lib.zeros(2, 3).put(lib.tensor([0, -1]), lib.tensor([5., 6])),
    'put_accumulate_inplace': lambda lib: lib.zeros(2, 3).put_(lib.tensor([[0, 0], [1, 0]]),
                                                               lib.tensor([[5., 6], [1, 1]]), accumulate=True),
    'put_int': lambda lib: _int(lib).put_(lib.tensor([1]), lib.tensor([100])),
    'put_noncontig': lambda lib: lib.arange(6.).reshape(2, 3).t().put(lib.tensor([1, 4]), lib.tensor([-1., -2.])),
    'put_view': lambda lib: (lambda x: (x[1].put_(lib.tensor([0]), lib.tensor([9.])), x)[1])(lib.zeros(2, 2)),
    'logcumsumexp_stable': lambda lib: lib.logcumsumexp(lib.tensor([-1000., 0, 1, 1000]), 0),
    'logcumsumexp_inf': lambda lib: lib.logcumsumexp(lib.tensor([-float('inf'), float('inf'), 1.]), 0),
    'logcumsumexp_all_neginf': lambda lib: lib.logcumsumexp(lib.full((3,), -float('inf')), 0),
    'logcumsumexp_0d': lambda lib: lib.logcumsumexp(lib.tensor(2.), 0),
    'logcumsumexp_empty': lambda lib: lib.logcumsumexp(lib.ones(0, 3), 1),
    'logcumsumexp_f64': lambda lib: lib.logcumsumexp(lib.tensor(_a(3, 4), dtype=lib.float64), 1),
    'logcumsumexp_out': lambda lib: (lambda o: (lib.logcumsumexp(lib.ones(3), 0, out=o), o))(lib.empty(3)),
    'frexp': lambda lib: lib.frexp(lib.tensor([0., 1, 8, -3.5, float('inf'), 1e-40])),
    'frexp_f64': lambda lib: lib.tensor([3., 0.25], dtype=lib.float64).frexp(),
    'frexp_fields': lambda lib: (lambda r: (r.mantissa, r.exponent, type(r).__name__))(lib.frexp(lib.tensor([6.]))),
    'frexp_rg': lambda lib: [t.requires_grad for t in lib.frexp(lib.ones(2, requires_grad=True))],
    'ldexp_int': lambda lib: lib.ldexp(lib.tensor([1, 2]), lib.tensor([1, 2])),
    'ldexp_f64': lambda lib: lib.ldexp(lib.tensor([1., 2], dtype=lib.float64), lib.tensor([1, -2])),
    'ldexp_inplace': lambda lib: lib.tensor([1., 2]).ldexp_(lib.tensor([3, 1])),
    'torch_ldexp_': lambda lib: lib.ldexp_(lib.tensor([1., 2]), lib.tensor([3, 1])),
    'gcd': lambda lib: lib.gcd(_int(lib), lib.tensor([8, 12, 0])),
    'gcd_mixed': lambda lib: lib.gcd(lib.tensor([12], dtype=lib.int32), lib.tensor([8], dtype=lib.int16)),
    'gcd_0d': lambda lib: lib.gcd(lib.tensor([12, 9], dtype=lib.int16), lib.tensor(6)),
    'gcd_uint8': lambda lib: lib.tensor([12, 200], dtype=lib.uint8).gcd(lib.tensor([8, 150], dtype=lib.uint8)),
    'gcd_inplace': lambda lib: _int(lib).gcd_(lib.tensor([8, 12, 5])),
    'torch_gcd_': lambda lib: lib.gcd_(_int(lib), lib.tensor([8, 12, 5])),
    'lcm': lambda lib: lib.lcm(lib.tensor([4, -6, 0]), lib.tensor([6, 4, 3])),
    'lcm_inplace': lambda lib: lib.tensor([4, -6, 0]).lcm_(lib.tensor([6, 4, 3])),
    'torch_lcm_': lambda lib: lib.lcm_(lib.tensor([4, 5]), lib.tensor([6, 4])),
    'nextafter': lambda lib: lib.nextafter(lib.tensor([1., 2, 0]), lib.tensor([2., 1, -1])) - lib.tensor([1., 2, 0]),
    'nextafter_f64': lambda lib: lib.nextafter(lib.tensor([1.]), lib.tensor([2.], dtype=lib.float64)),
    'nextafter_method': lambda lib: lib.tensor([1.], dtype=lib.float64).nextafter(lib.tensor([0.], dtype=lib.float64)),
    'nextafter_rg': lambda lib: lib.nextafter(lib.ones(2, requires_grad=True), lib.zeros(2)).requires_grad,
    'combinations': lambda lib: lib.combinations(lib.tensor([1, 2, 3])),
    'combinations_r1': lambda lib: lib.combinations(lib.tensor([1, 2, 3]), 1),
    'combinations_r0': lambda lib: lib.combinations(lib.tensor([1, 2, 3]), 0),
    'combinations_r4': lambda lib: lib.combinations(lib.tensor([1, 2, 3]), 4),
    'combinations_rep': lambda lib: lib.combinations(lib.tensor([1., 2, 3]), 2, True),
    'combinations_empty': lambda lib: lib.combinations(lib.ones(0)),
    'fill_int': lambda lib: lib.fill(lib.ones(2, dtype=lib.long), 3.7),
    'fill_0d_tensor': lambda lib: lib.fill(lib.ones(2, 2), lib.tensor(4, dtype=lib.int32)),
    'torch_fill_': lambda lib: lib.fill_(lib.ones(3), 2),
    'torch_zero_': lambda lib: lib.zero_(lib.ones(3)),
    'torch_abs_': lambda lib: lib.abs_(lib.tensor([-1., 2])),
    'torch_clamp_min_max': lambda lib: (lib.clamp_min_(lib.tensor([-1., 2]), 0), lib.clamp_max_(lib.tensor([-1., 2]), 0)),
    'torch_clip_': lambda lib: lib.clip_(lib.tensor([-3., 0.5, 3]), min=-1, max=1),
    'torch_inplace_is_self': lambda lib: (lambda x: lib.floor_(x) is x)(lib.tensor([1.5])),
    'torch_nan_to_num_': lambda lib: lib.nan_to_num_(lib.tensor([float('nan'), 1.]), nan=2.0),
    'torch_xlogy_': lambda lib: lib.xlogy_(lib.tensor([1., 2]), lib.tensor([3., 4])),
    'torch_index_put_': lambda lib: lib.index_put_(lib.zeros(3), (lib.tensor([0, 2]),), lib.tensor([1., 2])),
    'torch_addmv_': lambda lib: lib.addmv_(lib.ones(2), lib.ones(2, 3), lib.ones(3), beta=2),
    'torch_unary_': lambda lib: [getattr(lib, n)(lib.tensor([0.25, 0.5])) for n in (
        'acos_', 'asin_', 'atan_', 'cos_', 'cosh_', 'sin_', 'sinh_', 'tan_', 'tanh_', 'exp_', 'exp2_', 'expm1_',
        'erf_', 'erfc_', 'ceil_', 'floor_', 'frac_', 'fix_', 'trunc_', 'round_', 'log_', 'log2_', 'log10_',
        'log1p_', 'sqrt_', 'rsqrt_', 'square_', 'reciprocal_', 'neg_', 'negative_', 'relu_', 'sigmoid_',
        'deg2rad_', 'rad2deg_', 'logit_', 'arccos_', 'arcsin_', 'arctan_', 'asinh_', 'arcsinh_', 'atanh_',
        'arctanh_')],
    'torch_acosh_': lambda lib: (lib.acosh_(lib.tensor([1.5])), lib.arccosh_(lib.tensor([2.]))),
    'torch_detach_': lambda lib: lib.detach_((lib.ones(2, requires_grad=True) * 2)).requires_grad,
    'torch_conj_physical_': lambda lib: lib.conj_physical_(lib.tensor([1., 2])),
}


@pytest.mark.parametrize('name', list(VALUE_CASES))
def test_values(both, name):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        both(VALUE_CASES[name])


def test_cov_warns_on_zero_dof(both):
    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            r = lib.cov(lib.tensor([[1.], [2.]]))
        return r, [str(x.message)[:40] for x in w]
    both(body)


def test_chain_matmul_warns_deprecated():
    import ember
    ember._ops.composite._CHAIN_WARNED.clear()
    with pytest.warns(UserWarning, match='chain_matmul is deprecated'):
        ember.chain_matmul(ember.ones(2, 2), ember.ones(2, 2))


def test_nextafter_backward(both):
    def body(lib):
        x, y = lib.ones(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        (lib.nextafter(x, y) * 3).sum().backward()
        return x.grad, y.grad
    both(body)


def test_unfold_grad_fn_name(both):
    both(lambda lib: type(lib.ones(3, requires_grad=True).unfold(0, 2, 1).grad_fn).__name__)


# ---------------------------------------------------------------- errors
ERROR_CASES = {
    'type_as_not_tensor': lambda lib: lib.ones(2).type_as(3),
    'unfold_too_big': lambda lib: lib.ones(2, 3).unfold(1, 4, 1),
    'unfold_step0': lambda lib: lib.ones(2, 3).unfold(1, 2, 0),
    'unfold_neg_size': lambda lib: lib.ones(2, 3).unfold(1, -1, 1),
    'unfold_dim': lambda lib: lib.ones(2, 3).unfold(2, 1, 1),
    'unfold_0d_size2': lambda lib: lib.tensor(3.).unfold(0, 2, 1),
    'new_float': lambda lib: lib.ones(2).new(2.5),
    'new_neg': lambda lib: lib.ones(2).new(-1),
    'new_dtype_kw': lambda lib: lib.ones(2).new(2, dtype=lib.int64),
    'new_tensor_other_dtype': lambda lib: lib.ones(2).new(lib.tensor([1, 2])),
    'new_empty_strided_len': lambda lib: lib.ones(2).new_empty_strided((2, 3), (1,)),
    'new_empty_strided_neg': lambda lib: lib.ones(2).new_empty_strided((2, 3), (1, -1)),
    'sum_to_size_bad': lambda lib: lib.ones(2, 3).sum_to_size(2, 2),
    'sum_to_size_longer': lambda lib: lib.ones(2, 3).sum_to_size(3, 2, 3),
    'split_with_sizes_sum': lambda lib: lib.ones(2, 3).split_with_sizes([1, 1], 1),
    'split_with_sizes_neg': lambda lib: lib.ones(2, 3).split_with_sizes([4, -1], 1),
    'split_with_sizes_int': lambda lib: lib.ones(2, 3).split_with_sizes(1),
    'is_same_size_not_tensor': lambda lib: lib.ones(2).is_same_size([2]),
    'isreal_not_tensor': lambda lib: lib.isreal(1.),
    'addr_vec1_2d': lambda lib: lib.addr(lib.zeros(2, 3), lib.ones(2, 1), lib.ones(3)),
    'addr_vec2_2d': lambda lib: lib.addr(lib.zeros(2, 3), lib.ones(2), lib.ones(3, 1)),
    'addr_size': lambda lib: lib.addr(lib.zeros(2, 3), lib.ones(2), lib.ones(4)),
    'addr_int_alpha': lambda lib: lib.addr(lib.zeros(2, 3, dtype=lib.long), lib.ones(2, dtype=lib.long),
                                           lib.ones(3, dtype=lib.long), alpha=1.5),
    'addr_int_beta': lambda lib: lib.addr(lib.zeros(2, 3, dtype=lib.long), lib.ones(2, dtype=lib.long),
                                          lib.ones(3, dtype=lib.long), beta=0.5),
    'addr_inplace_1d': lambda lib: lib.ones(3).addr_(lib.ones(2), lib.ones(3)),
    'dist_int': lambda lib: lib.dist(lib.tensor([1, 2]), lib.tensor([3, 4])),
    'dist_shape': lambda lib: lib.dist(lib.ones(2, 3), lib.zeros(2)),
    'cov_3d': lambda lib: lib.cov(lib.ones(2, 2, 2)),
    'cov_bool': lambda lib: lib.cov(lib.ones(2, 2, dtype=lib.bool)),
    'cov_fweights_float': lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.ones(3)),
    'cov_fweights_neg': lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.tensor([1, -1, 1])),
    'cov_fweights_2d': lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.ones(1, 3, dtype=lib.long)),
    'cov_fweights_numel': lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.ones(2, dtype=lib.long)),
    'cov_aweights_int': lambda lib: lib.cov(lib.ones(2, 3), aweights=lib.ones(3, dtype=lib.long)),
    'cov_aweights_neg': lambda lib: lib.cov(lib.ones(2, 3), aweights=lib.tensor([1., -1, 1])),
    'cov_weights_zero': lambda lib: lib.cov(lib.ones(2, 3), aweights=lib.zeros(3)),
    'corrcoef_3d': lambda lib: lib.corrcoef(lib.ones(2, 2, 2)),
    'fill_diagonal_1d': lambda lib: lib.ones(3).fill_diagonal_(2),
    'fill_diagonal_unequal': lambda lib: lib.ones(2, 2, 3).fill_diagonal_(2),
    'fill_diagonal_leaf': lambda lib: lib.ones(2, 2, requires_grad=True).fill_diagonal_(2),
    'select_scatter_size': lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(3), 1, 0),
    'select_scatter_bcast': lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(1), 1, 0),
    'select_scatter_index': lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(2), 1, 5),
    'select_scatter_dim': lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(2), 2, 0),
    'slice_scatter_size': lambda lib: lib.slice_scatter(lib.zeros(4, 3), lib.ones(3, 3), 0, 1, None, 2),
    'slice_scatter_step0': lambda lib: lib.slice_scatter(lib.zeros(4, 3), lib.ones(2, 3), 0, 2, 100, 0),
    'diagonal_scatter_size': lambda lib: lib.diagonal_scatter(lib.zeros(3, 3), lib.ones(3), 1),
    'diagonal_scatter_same_dims': lambda lib: lib.diagonal_scatter(lib.zeros(3, 3), lib.ones(3), 0, 1, 1),
    'renorm_p0': lambda lib: lib.renorm(lib.ones(2, 3), 0, 0, 3),
    'renorm_neg_maxnorm': lambda lib: lib.renorm(lib.ones(2, 3), 2, 0, -3),
    'renorm_int': lambda lib: lib.renorm(lib.ones(2, 3, dtype=lib.long), 2, 0, 3),
    'renorm_1d': lambda lib: lib.renorm(lib.ones(3), 2, 0, 1),
    'put_oob': lambda lib: lib.zeros(2, 3).put(lib.tensor([0, 6]), lib.tensor([5., 6])),
    'put_oob_neg': lambda lib: lib.zeros(2, 3).put_(lib.tensor([-7]), lib.tensor([5.])),
    'put_numel': lambda lib: lib.zeros(2, 3).put(lib.tensor([0, 1]), lib.tensor([5., 6, 7])),
    'put_dtype': lambda lib: lib.zeros(2, 3).put(lib.tensor([0, 1]), lib.tensor([5, 6])),
    'put_float_index': lambda lib: lib.zeros(2, 3).put(lib.tensor([0., 1]), lib.tensor([5., 6])),
    'put_int32_index': lambda lib: lib.zeros(2, 3).put(lib.tensor([0, 1], dtype=lib.int32), lib.tensor([5., 6])),
    'logcumsumexp_int': lambda lib: lib.logcumsumexp(lib.tensor([1, 2]), 0),
    'logcumsumexp_dim': lambda lib: lib.logcumsumexp(lib.ones(2), 1),
    'frexp_int': lambda lib: lib.frexp(lib.tensor([1])),
    'ldexp_scalar': lambda lib: lib.ldexp(lib.tensor([1., 2]), 2),
    'ldexp_inplace_int': lambda lib: lib.tensor([1, 2]).ldexp_(lib.tensor([1, 2])),
    'gcd_float': lambda lib: lib.gcd(lib.tensor([12.]), lib.tensor([8.])),
    'gcd_bool': lambda lib: lib.gcd(lib.tensor([True]), lib.tensor([True])),
    'gcd_scalar': lambda lib: lib.gcd(lib.tensor([12]), 8),
    'gcd_shape': lambda lib: lib.gcd(lib.ones(2, dtype=lib.long), lib.ones(3, dtype=lib.long)),
    'lcm_float': lambda lib: lib.lcm(lib.tensor([1.]), lib.tensor([1])),
    'nextafter_int': lambda lib: lib.nextafter(lib.tensor([1]), lib.tensor([2])),
    'combinations_2d': lambda lib: lib.combinations(lib.ones(2, 2)),
    'combinations_neg_r': lambda lib: lib.combinations(lib.ones(2), -1),
    'chain_matmul_none': lambda lib: lib.chain_matmul(),
    'chain_matmul_1d': lambda lib: lib.chain_matmul(lib.ones(2, 3), lib.ones(3)),
    'chain_matmul_shapes': lambda lib: lib.chain_matmul(lib.ones(2, 3), lib.ones(4, 3)),
    'fill_1d_value': lambda lib: lib.fill(lib.ones(2), lib.tensor([3.])),
    'torch_abs_not_tensor': lambda lib: lib.abs_(3),
    'torch_exp_leaf': lambda lib: lib.exp_(lib.ones(2, requires_grad=True)),
    'torch_sqrt_int': lambda lib: lib.sqrt_(lib.tensor([4])),
}


@pytest.mark.parametrize('name', list(ERROR_CASES))
def test_errors(both, name):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        both(ERROR_CASES[name])


# messages that should read the same as torch's
MESSAGE_CASES = ['new_empty_strided_neg', 'unfold_too_big', 'unfold_step0', 'unfold_neg_size', 'new_empty_strided_len', 'sum_to_size_bad',
                 'split_with_sizes_neg', 'addr_vec1_2d', 'addr_int_alpha', 'addr_inplace_1d', 'dist_int', 'cov_3d',
                 'cov_fweights_float', 'cov_fweights_numel', 'cov_aweights_int', 'fill_diagonal_1d',
                 'fill_diagonal_unequal', 'select_scatter_size', 'slice_scatter_size', 'slice_scatter_step0',
                 'diagonal_scatter_size', 'renorm_p0', 'renorm_neg_maxnorm', 'renorm_1d', 'put_oob', 'put_numel',
                 'put_dtype', 'put_float_index', 'logcumsumexp_int', 'frexp_int', 'ldexp_scalar', 'gcd_float',
                 'gcd_scalar', 'nextafter_int', 'combinations_2d', 'combinations_neg_r', 'chain_matmul_none',
                 'chain_matmul_1d', 'chain_matmul_shapes', 'fill_1d_value', 'torch_abs_not_tensor',
                 'type_as_not_tensor', 'split_with_sizes_int', 'new_float']


@pytest.mark.parametrize('name', MESSAGE_CASES)
def test_error_messages(name):
    import ember
    from conformance import torch
    msgs = []
    for lib in (torch, ember):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with pytest.raises(Exception) as e:
                ERROR_CASES[name](lib)
        msgs.append(str(e.value).split('\n')[0])
    assert msgs[1] == msgs[0]


def test_exported():
    import ember
    import torch
    for n in ('isreal', 'conj', 'conj_physical', 'resolve_conj', 'resolve_neg', 'is_conj', 'is_neg', 'addr', 'dist',
              'diagflat', 'cov', 'corrcoef', 'select_scatter', 'slice_scatter', 'diagonal_scatter', 'renorm',
              'logcumsumexp', 'frexp', 'ldexp', 'ldexp_', 'gcd', 'gcd_', 'lcm', 'lcm_', 'nextafter', 'combinations',
              'chain_matmul', 'fill', 'put', 'split_with_sizes', 'is_same_size', 'abs_', 'clamp_', 'fill_', 'zero_', 'sin_'):
        assert hasattr(ember, n), n
    for n in ('type_as', 'unfold', 'new', 'new_empty_strided', 'sum_to_size', 'split_with_sizes', 'is_same_size',
              'isreal', 'conj', 'resolve_conj', 'resolve_neg', 'is_conj', 'is_neg', 'addr', 'addr_', 'dist',
              'diagflat', 'cov', 'corrcoef', 'fill_diagonal_', 'select_scatter', 'slice_scatter', 'diagonal_scatter',
              'renorm', 'renorm_', 'put', 'put_', 'logcumsumexp', 'frexp', 'ldexp', 'ldexp_', 'gcd', 'gcd_', 'lcm',
              'lcm_', 'nextafter'):
        assert hasattr(ember.Tensor, n), n
    # every torch-level in-place form whose Tensor method ember has
    missing = [n for n in dir(torch) if n.endswith('_') and not n.startswith('_') and hasattr(torch.Tensor, n)
               and hasattr(ember.Tensor, n) and not hasattr(ember, n)]
    assert missing == []
