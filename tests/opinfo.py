"""The op registry that drives the generic tests (tests/test_ops_registry.py), as PyTorch's OpInfo.

An ``OpInfo`` says how to reach an op in a library module (``lambda lib: lib.add``), its method
and in-place names, whether it takes ``out=``, which dtypes it supports, whether it is
differentiable (once, twice), the inputs to try (``sample_inputs(rng, dtype)``: NumPy arrays
where tensors go, turned into torch / ember tensors by the tests) and the inputs torch refuses
(``error_inputs``: (SampleInput, error type torch raises)).

Adding an op: one ``OpInfo(...)`` entry in ``OPS``; every generic test then runs on it, and
``tools/compat_table.py`` lists it in docs/compat_ops.md.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional
import numpy as np

FLOAT = ('float32', 'float64')
INT = ('int64', 'int32', 'uint8')
ALL = FLOAT + INT + ('bool',)
NUM = FLOAT + INT          # no bool


@dataclass
class SampleInput:
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __repr__(self):
        def d(a):
            return f'arr{a.shape}:{a.dtype}' if isinstance(a, np.ndarray) else repr(a)
        return f"({', '.join(d(a) for a in self.args)}{''.join(f', {k}={d(v)}' for k, v in self.kwargs.items())})"


@dataclass
class OpInfo:
    name: str
    op: Optional[Callable] = None            # lib -> function; default getattr(lib, name)
    method: Optional[str] = '='              # '=': same as name; None: no method
    inplace: Optional[str] = '='             # '=': name + '_'; None: no in-place form
    supports_out: bool = True
    sample_inputs: Callable = None           # (rng, dtype) -> [SampleInput]
    dtypes: tuple = FLOAT
    grad: bool = True                        # differentiable (float64 gradcheck, grad vs torch)
    gradgrad: bool = True                    # twice differentiable (gradgradcheck)
    error_inputs: Callable = None            # (rng) -> [(SampleInput, error type)]
    rtol: float = 1e-5
    atol: float = 1e-5
    grad_args: Optional[tuple] = None        # positions of array args to differentiate (default: all)

    def __post_init__(self):
        if self.op is None:
            n = self.name
            self.op = lambda lib: getattr(lib, n)
        if self.method == '=':
            self.method = self.name
        if self.inplace == '=':
            self.inplace = self.name + '_'

    def __repr__(self):
        return self.name


# ---------------------------------------------------------------- value makers
def arr(rng, shape, dtype, low=-3., high=3.):
    """An array of ``shape``/``dtype`` with values in [low, high) (bool: random)."""
    if dtype == 'bool':
        return np.asarray(rng.random(shape) < 0.5)
    if dtype in INT or dtype.startswith('int') or dtype.startswith('uint'):
        lo = max(int(np.floor(low)), 0) if dtype == 'uint8' else int(np.floor(low))
        hi = max(int(np.ceil(high)), lo + 1)
        return np.asarray(rng.integers(lo, hi, size=shape)).astype(dtype)
    return np.asarray(rng.uniform(low, high, size=shape)).astype(dtype)


UNARY_SHAPES = [(3, 4), (), (0,), (1,), (2, 1, 3)]
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((0, 3), (1, 3)), ((), (2,)), ((1,), ())]


def unary_samples(low=-3., high=3., shapes=UNARY_SHAPES):
    def gen(rng, dtype):
        return [SampleInput((arr(rng, s, dtype, low, high),)) for s in shapes]
    return gen


def binary_samples(low=-3., high=3., low2=None, high2=None, scalars=(2.5, 2), rscalar=False, kwargs=()):
    """Broadcasting pairs, then tensor-scalar (and scalar-tensor when ``rscalar``), then kwargs."""
    low2 = low if low2 is None else low2
    high2 = high if high2 is None else high2

    def gen(rng, dtype):
        out = [SampleInput((arr(rng, a, dtype, low, high), arr(rng, b, dtype, low2, high2))) for a, b in BINARY_SHAPES]
        for s in scalars:
            out.append(SampleInput((arr(rng, (2, 3), dtype, low, high), s)))
            if rscalar:
                out.append(SampleInput((s, arr(rng, (2, 3), dtype, low2, high2))))
        for kw in kwargs:
            out.append(SampleInput((arr(rng, (2, 3), dtype, low, high), arr(rng, (3,), dtype, low2, high2)), dict(kw)))
        return out
    return gen


def broadcast_error(rng):
    return [(SampleInput((arr(rng, (2, 3), 'float32'), arr(rng, (4,), 'float32'))), RuntimeError)]


def int_kernel_error(rng):
    return broadcast_error(rng) + [(SampleInput((arr(rng, (2,), 'int64'), arr(rng, (2,), 'int64'))),
                                    NotImplementedError)]


def not_tensor_error(rng):
    return [(SampleInput(([1.0, 2.0],)), TypeError)]


# ---------------------------------------------------------------- pointwise
def _u(name, low=-3., high=3., dtypes=ALL, grad=True, gradgrad=True, **kw):
    return OpInfo(name, sample_inputs=unary_samples(low, high), dtypes=dtypes, grad=grad, gradgrad=gradgrad,
                  error_inputs=not_tensor_error, **kw)


def _b(name, dtypes=NUM, grad=True, gradgrad=True, low=-3., high=3., low2=None, high2=None, scalars=(2.5, 2),
       rscalar=False, kwargs=(), errors=broadcast_error, **kw):
    return OpInfo(name, sample_inputs=binary_samples(low, high, low2, high2, scalars, rscalar, kwargs), dtypes=dtypes,
                  grad=grad, gradgrad=gradgrad, error_inputs=errors, **kw)


def _no_grad_cmp(name, **kw):
    return _b(name, dtypes=ALL, grad=False, gradgrad=False, **kw)


def _clamp_samples(rng, dtype):
    x = arr(rng, (3, 4), dtype)
    return [SampleInput((x, -1, 2)), SampleInput((x,), dict(min=0)), SampleInput((x,), dict(max=1)),
            SampleInput((x, 2, -1)), SampleInput((arr(rng, (0, 2), dtype), -1, 1)),
            SampleInput((x, arr(rng, (4,), dtype, -3, 0), arr(rng, (3, 1), dtype, 0, 3)))]


def _clamp_minmax(which):
    def gen(rng, dtype):
        x = arr(rng, (3, 4), dtype)
        return [SampleInput((x, 1)), SampleInput((x, arr(rng, (4,), dtype))), SampleInput((arr(rng, (), dtype), 0))]
    return gen


def _where_samples(rng, dtype):
    c = rng.random((3, 4)) < 0.5
    return [SampleInput((c, arr(rng, (3, 4), dtype), arr(rng, (3, 4), dtype))),
            SampleInput((c, arr(rng, (4,), dtype), arr(rng, (3, 1), dtype))),
            SampleInput((c[:, :1], arr(rng, (3, 4), dtype), arr(rng, (), dtype)))]


def _round_samples(rng, dtype):
    x = arr(rng, (3, 4), dtype, -30, 30)
    out = [SampleInput((x,)), SampleInput((arr(rng, (), dtype),)), SampleInput((arr(rng, (0,), dtype),))]
    if dtype in FLOAT:
        out += [SampleInput((x,), dict(decimals=1)), SampleInput((x,), dict(decimals=-1))]
    return out


def _div_samples(rng, dtype):
    out = binary_samples(0.5, 3., scalars=(2.5, 2))(rng, dtype)
    for mode in ('trunc', 'floor'):
        out.append(SampleInput((arr(rng, (2, 3), dtype, -5, 5), arr(rng, (3,), dtype, 1, 4)), dict(rounding_mode=mode)))
    return out


def _add_samples(rng, dtype):
    out = binary_samples(scalars=(2.5, 2), rscalar=True)(rng, dtype)
    out.append(SampleInput((arr(rng, (2, 3), dtype), arr(rng, (3,), dtype)), dict(alpha=2)))
    return out


POINTWISE = [
    OpInfo('add', sample_inputs=_add_samples, dtypes=NUM, error_inputs=broadcast_error),
    OpInfo('sub', sample_inputs=_add_samples, dtypes=NUM, error_inputs=broadcast_error),
    _b('mul', rscalar=True),
    OpInfo('div', sample_inputs=_div_samples, dtypes=NUM, error_inputs=broadcast_error),
    _b('true_divide', dtypes=FLOAT, low=0.5),
    _b('floor_divide', dtypes=NUM, low2=1., grad=False, gradgrad=False),
    _b('remainder', dtypes=NUM, low2=1., gradgrad=False),
    _b('fmod', dtypes=NUM, low2=1., gradgrad=False),
    _b('pow', dtypes=FLOAT, low=0.5, high=2., low2=-2., high2=2., scalars=(2, 0.5, 1.5), rscalar=True),
    _b('float_power', dtypes=FLOAT, low=0.5, high=2., scalars=(2, 0.5), inplace=None, supports_out=False),
    *[_b(n, inplace=None, scalars=()) for n in ('maximum', 'minimum', 'fmax', 'fmin')],
    _u('neg', dtypes=NUM), _u('negative', dtypes=NUM), _u('abs', dtypes=NUM), _u('absolute', dtypes=NUM),
    _u('exp'), _u('exp2'), _u('expm1'),
    _u('log', 0.1, 4.), _u('log2', 0.1, 4.), _u('log10', 0.1, 4.), _u('log1p', -0.9, 4.),
    _u('sqrt', 0.1, 4.), _u('rsqrt', 0.1, 4.),
    _u('sin'), _u('cos'), _u('tan', -1.2, 1.2), _u('tanh'), _u('sigmoid'), _u('reciprocal', 0.5, 3.),
    _u('square', dtypes=NUM),
    _u('sign', dtypes=ALL),
    _u('floor', dtypes=NUM), _u('ceil', dtypes=NUM), _u('trunc', dtypes=NUM), _u('fix', dtypes=NUM),
    OpInfo('round', sample_inputs=_round_samples, dtypes=NUM, error_inputs=not_tensor_error),
    _u('relu', dtypes=NUM, supports_out=False),
    OpInfo('clamp', sample_inputs=_clamp_samples, dtypes=NUM),
    OpInfo('clip', sample_inputs=_clamp_samples, dtypes=NUM),
    OpInfo('clamp_min', sample_inputs=_clamp_minmax('min'), dtypes=NUM, supports_out=False),
    OpInfo('clamp_max', sample_inputs=_clamp_minmax('max'), dtypes=NUM, supports_out=False),
    *[_no_grad_cmp(n) for n in ('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'less', 'less_equal', 'greater',
                                 'greater_equal', 'not_equal')],
    *[_b(n, dtypes=ALL, grad=False, gradgrad=False, scalars=())
      for n in ('logical_and', 'logical_or', 'logical_xor')],
    _u('logical_not', grad=False, gradgrad=False),
    *[_b(n, dtypes=INT + ('bool',), grad=False, gradgrad=False, scalars=(2,))
      for n in ('bitwise_and', 'bitwise_or', 'bitwise_xor')],
    _u('bitwise_not', dtypes=INT + ('bool',), grad=False, gradgrad=False),
    OpInfo('where', sample_inputs=_where_samples, dtypes=ALL, method=None, inplace=None, grad_args=(1, 2)),
    # the ops added with the registry
    _u('sinh'), _u('cosh'), _u('asin', -0.9, 0.9), _u('acos', -0.9, 0.9), _u('atan'), _u('asinh'),
    _u('acosh', 1.2, 4.), _u('atanh', -0.9, 0.9), _u('arcsin', -0.9, 0.9), _u('arctanh', -0.9, 0.9),
    _u('erf'), _u('erfc', -3., 5.), _u('erfinv', -0.95, 0.95), _u('deg2rad', dtypes=NUM), _u('rad2deg', dtypes=NUM),
    _u('frac', dtypes=FLOAT), _u('sgn', dtypes=ALL), _u('nan_to_num', dtypes=NUM),
    OpInfo('nan_to_num_special', op=lambda lib: lambda x, **k: lib.nan_to_num(x / x.new_tensor(0.) * x, **k),
           sample_inputs=lambda rng, dt: [SampleInput((arr(rng, (2, 3), dt),)),
                                          SampleInput((arr(rng, (2, 3), dt),), dict(nan=1.5, posinf=7., neginf=-9.))],
           dtypes=FLOAT, method=None, inplace=None, supports_out=False, grad=False, gradgrad=False),
    OpInfo('logit', sample_inputs=lambda rng, dt: [SampleInput((arr(rng, (3, 4), dt, 0.05, 0.95),)),
                                                   SampleInput((arr(rng, (3, 4), dt, 0.05, 0.95), 0.2)),
                                                   SampleInput((arr(rng, (0,), dt),))],
           dtypes=FLOAT, error_inputs=not_tensor_error),
    _u('signbit', dtypes=ALL, grad=False, gradgrad=False, inplace=None),
    *[_u(n, dtypes=ALL, grad=False, gradgrad=False, inplace=None, supports_out=False)
      for n in ('isnan', 'isinf', 'isfinite')],
    _b('atan2', dtypes=NUM, scalars=()), _b('hypot', dtypes=FLOAT, scalars=(), errors=int_kernel_error),
    _b('logaddexp', dtypes=FLOAT, scalars=(), inplace=None, errors=int_kernel_error),
    _b('logaddexp2', dtypes=FLOAT, scalars=(), inplace=None, errors=int_kernel_error),
    _b('xlogy', dtypes=NUM, low=-2., high=2., low2=0.2, high2=3., scalars=(2.5,), gradgrad=False),
    _b('copysign', dtypes=NUM, scalars=(-2.5,), gradgrad=False),
    _b('heaviside', dtypes=NUM, scalars=(), grad=False, gradgrad=False),
    _b('bitwise_left_shift', dtypes=INT, low=0, high=9, low2=0, high2=4, scalars=(2,), grad=False, gradgrad=False),
    _b('bitwise_right_shift', dtypes=INT, low=0, high=99, low2=0, high2=4, scalars=(2,), grad=False, gradgrad=False),
    OpInfo('lerp', sample_inputs=lambda rng, dt: [
        SampleInput((arr(rng, (3, 4), dt), arr(rng, (3, 4), dt), 0.3)),
        SampleInput((arr(rng, (3, 1), dt), arr(rng, (4,), dt), 0.8)),
        SampleInput((arr(rng, (3, 4), dt), arr(rng, (4,), dt), arr(rng, (3, 1), dt, 0., 1.)))],
        error_inputs=lambda rng: [(SampleInput((arr(rng, (2,), 'float32'), arr(rng, (2,), 'float64'), 0.5)),
                                   RuntimeError)]),
    *[OpInfo(n, sample_inputs=lambda rng, dt: [
        SampleInput((arr(rng, (3, 4), dt), arr(rng, (3, 4), dt), arr(rng, (3, 4), dt, 1., 3.))),
        SampleInput((arr(rng, (3, 1), dt), arr(rng, (4,), dt), arr(rng, (1, 4), dt, 1., 3.)), dict(value=0.5))])
      for n in ('addcmul', 'addcdiv')],
]


# ---------------------------------------------------------------- reductions
RED_SHAPES = [(3, 4), (2, 3, 4), (), (0, 3), (1,)]


def _red_samples(full=True, extra=(), low=-3., high=3., empty_full=True, multi=True):
    def gen(rng, dtype):
        out = []
        for s in RED_SHAPES if full else ():
            if not empty_full and 0 in s:
                continue
            out.append(SampleInput((arr(rng, s, dtype, low, high),)))
        x = arr(rng, (2, 3, 4), dtype, low, high)
        out += [SampleInput((x, 1)), SampleInput((x, -1), dict(keepdim=True)),
                SampleInput((arr(rng, (0, 3), dtype, low, high), 1)), SampleInput((arr(rng, (), dtype, low, high), 0))]
        if multi:
            out.append(SampleInput((x, (0, 2))))
        for kw in extra:
            out.append(SampleInput((arr(rng, (3, 4), dtype, low, high),), dict(kw)))
        return out
    return gen


def _red(name, dtypes=FLOAT, extra=(), empty_full=True, low=-3., high=3., full=True, multi=True, **kw):
    kw.setdefault('inplace', None)
    return OpInfo(name, sample_inputs=_red_samples(full, extra, low, high, empty_full, multi), dtypes=dtypes, **kw)


def _std_samples(rng, dtype):
    x = arr(rng, (3, 4), dtype)
    y = arr(rng, (2, 3, 4), dtype)
    return [SampleInput((x,)), SampleInput((y, 1)), SampleInput((y, (0, 2)), dict(keepdim=True)),
            SampleInput((x,), dict(dim=1, correction=0)), SampleInput((x, 0), dict(unbiased=False)),
            SampleInput((arr(rng, (2,), dtype),))]


def _norm_samples(rng, dtype):
    x = arr(rng, (3, 4), dtype)
    return [SampleInput((x,)), SampleInput((x, 1)), SampleInput((x, 3, 1)), SampleInput((x, float('inf'))),
            SampleInput((x,), dict(dim=0, keepdim=True)), SampleInput((arr(rng, (2, 3, 4), dtype), 2, (1, 2)))]


def _vnorm_samples(rng, dtype):
    x = arr(rng, (3, 4), dtype)
    return [SampleInput((x,)), SampleInput((x, 1)), SampleInput((x, 3), dict(dim=1)),
            SampleInput((x, float('inf')), dict(dim=0, keepdim=True)), SampleInput((arr(rng, (2, 3, 4), dtype), 2, (1, 2)))]


REDUCTIONS = [
    _red('sum', dtypes=ALL, extra=[dict(dtype='float64')]),
    _red('mean', extra=[dict(dim=0, keepdim=True)]),
    _red('prod', dtypes=NUM, low=0.5, high=1.5, multi=False),
    _red('amax', dtypes=NUM, empty_full=False), _red('amin', dtypes=NUM, empty_full=False),
    OpInfo('std', sample_inputs=_std_samples, inplace=None),
    OpInfo('var', sample_inputs=_std_samples, inplace=None),
    _red('logsumexp', dtypes=FLOAT, full=False),
    OpInfo('norm', sample_inputs=_norm_samples, inplace=None, supports_out=False, gradgrad=False),
    OpInfo('linalg.vector_norm', op=lambda lib: lib.linalg.vector_norm, sample_inputs=_vnorm_samples, method=None,
           inplace=None, gradgrad=False),
]


# ---------------------------------------------------------------- linalg
def _pairs(pairs, scalars=False):
    def gen(rng, dtype):
        return [SampleInput(tuple(arr(rng, s, dtype) for s in p)) for p in pairs]
    return gen


def _shape_error(*shapes):
    def gen(rng):
        return [(SampleInput(tuple(arr(rng, s, 'float32') for s in shapes)), RuntimeError)]
    return gen


def _addmm_samples(rng, dtype):
    m = lambda *s: arr(rng, s, dtype)   # noqa: E731
    out = [SampleInput((m(2, 4), m(2, 3), m(3, 4))), SampleInput((m(4), m(2, 3), m(3, 4))),
           SampleInput((m(2, 1), m(2, 0), m(0, 1)))]
    if dtype in FLOAT:
        out.append(SampleInput((m(2, 4), m(2, 3), m(3, 4)), dict(beta=0.5, alpha=2.0)))
    return out


LINALG = [
    OpInfo('matmul', sample_inputs=_pairs([((3, 4), (4, 5)), ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)),
                                           ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((0, 4), (4, 2))]),
           dtypes=FLOAT + ('int64',), inplace=None, error_inputs=_shape_error((3, 4), (5, 2))),
    OpInfo('mm', sample_inputs=_pairs([((3, 4), (4, 5)), ((1, 1), (1, 1)), ((0, 2), (2, 3))]),
           dtypes=FLOAT + ('int64',), inplace=None, error_inputs=_shape_error((3, 4), (5, 2))),
    OpInfo('bmm', sample_inputs=_pairs([((2, 3, 4), (2, 4, 5)), ((1, 1, 2), (1, 2, 1))]),
           dtypes=FLOAT + ('int64',), inplace=None, error_inputs=_shape_error((2, 3, 4), (3, 4, 5))),
    OpInfo('dot', sample_inputs=_pairs([((4,), (4,)), ((1,), (1,)), ((0,), (0,))]), dtypes=FLOAT + ('int64',),
           inplace=None, error_inputs=_shape_error((3,), (4,))),
    OpInfo('mv', sample_inputs=_pairs([((3, 4), (4,)), ((1, 1), (1,)), ((0, 2), (2,))]), dtypes=FLOAT + ('int64',),
           inplace=None, error_inputs=_shape_error((3, 4), (3,))),
    OpInfo('outer', sample_inputs=_pairs([((3,), (4,)), ((1,), (1,)), ((0,), (2,))]), dtypes=FLOAT + ('int64',),
           inplace=None),
    OpInfo('addmm', sample_inputs=_addmm_samples, dtypes=FLOAT + ('int64',), inplace=None,
           error_inputs=_shape_error((2, 4), (2, 3), (4, 4))),
]


def _spd(rng, dtype, *batch, n=3):
    m = arr(rng, batch + (n, n), dtype, -1., 1.)
    return (m @ np.swapaxes(m, -1, -2) + n * np.eye(n)).astype(dtype)


def _wellcond(rng, dtype, *batch, n=3):
    return (arr(rng, batch + (n, n), dtype, -1., 1.) + 3 * np.eye(n)).astype(dtype)


def _sym(lib, a):
    return (a + a.mT) / 2


def _eigh(lib):
    def f(a):
        w, v = lib.linalg.eigh(_sym(lib, a))
        return w, v * v[..., :1, :].sign()
    return f


def _svd(lib):
    def f(a):
        u, s, vh = lib.linalg.svd(a, full_matrices=False)
        sg = u[..., :1, :].sign()
        return u * sg, s, vh * sg.mT
    return f


def _la(name, gen, tuple_out=False, **kw):
    kw.setdefault('dtypes', FLOAT)
    return OpInfo('linalg.' + name, op=lambda lib: getattr(lib.linalg, name), sample_inputs=gen, method=None,
                  inplace=None, supports_out=kw.pop('supports_out', not tuple_out), **kw)


def _matrix_samples(rng, dt):
    return [SampleInput((arr(rng, (4, 3), dt),)), SampleInput((arr(rng, (2, 3, 4), dt),))]


def _einsum_samples(rng, dt):
    m = lambda *s: arr(rng, s, dt)   # noqa: E731
    return [SampleInput(('ij,jk->ik', m(2, 3), m(3, 4))), SampleInput(('bij,bjk->bik', m(2, 2, 3), m(2, 3, 2))),
            SampleInput(('i,i->', m(4), m(4))), SampleInput(('...j,jk', m(2, 2, 3), m(3, 2))),
            SampleInput(('ij->', m(2, 3))), SampleInput(('ij,k', m(2, 3), m(2))), SampleInput(('ij->ji', m(0, 3)))]


def _badd_samples(rng, dt):
    m = lambda *s: arr(rng, s, dt)   # noqa: E731
    out = [SampleInput((m(2, 3, 5), m(2, 3, 4), m(2, 4, 5))), SampleInput((m(5), m(2, 3, 4), m(2, 4, 5)))]
    if dt in FLOAT:
        out += [SampleInput((m(2, 3, 5), m(2, 3, 4), m(2, 4, 5)), dict(beta=0.5, alpha=2.)),
                SampleInput((m(2, 3, 5), m(2, 3, 4), m(2, 4, 5)), dict(beta=0))]
    return out


def _addmv_samples(rng, dt):
    m = lambda *s: arr(rng, s, dt)   # noqa: E731
    out = [SampleInput((m(3), m(3, 4), m(4))), SampleInput((m(1), m(3, 4), m(4))), SampleInput((m(0), m(0, 2), m(2)))]
    if dt in FLOAT:
        out.append(SampleInput((m(3), m(3, 4), m(4)), dict(beta=0.5, alpha=-1.)))
    return out


def _addbmm_samples(rng, dt):
    m = lambda *s: arr(rng, s, dt)   # noqa: E731
    # (no broadcast input: torch's addbmm_ resizes a smaller self instead of refusing it)
    out = [SampleInput((m(3, 5), m(2, 3, 4), m(2, 4, 5))), SampleInput((m(3, 5), m(1, 3, 0), m(1, 0, 5)))]
    if dt in FLOAT:
        out.append(SampleInput((m(3, 5), m(2, 3, 4), m(2, 4, 5)), dict(beta=2., alpha=0.5)))
    return out


MORE_LINALG = [
    OpInfo('einsum', sample_inputs=_einsum_samples, method=None, inplace=None, supports_out=False,
           error_inputs=lambda rng: [(SampleInput(('ij,jk->ik', arr(rng, (2, 3), 'float32'))), RuntimeError)]),
    OpInfo('tensordot', sample_inputs=lambda rng, dt: [
        SampleInput((arr(rng, (2, 3, 4), dt), arr(rng, (3, 4, 5), dt))),
        SampleInput((arr(rng, (2, 3, 4), dt), arr(rng, (4, 3), dt)), dict(dims=([1, 2], [1, 0]))),
        SampleInput((arr(rng, (2, 3), dt), arr(rng, (4,), dt)), dict(dims=0))],
        dtypes=FLOAT + ('int64',), method=None, inplace=None, supports_out=False,
        error_inputs=lambda rng: [(SampleInput((arr(rng, (2, 3), 'float32'), arr(rng, (4, 3), 'float32')),
                                               dict(dims=1)), RuntimeError)]),
    OpInfo('kron', sample_inputs=lambda rng, dt: [
        SampleInput((arr(rng, (2, 3), dt), arr(rng, (3, 2), dt))), SampleInput((arr(rng, (2,), dt), arr(rng, (3,), dt))),
        SampleInput((arr(rng, (2, 1, 2), dt), arr(rng, (2, 2), dt)))], dtypes=FLOAT + ('int64',), inplace=None),
    OpInfo('cross', sample_inputs=lambda rng, dt: [
        SampleInput((arr(rng, (4, 3), dt), arr(rng, (4, 3), dt)), dict(dim=1)),
        SampleInput((arr(rng, (3, 2), dt), arr(rng, (3, 2), dt)), dict(dim=0)),
        SampleInput((arr(rng, (1, 3), dt), arr(rng, (4, 3), dt)), dict(dim=-1))], dtypes=FLOAT + ('int64',),
        inplace=None, error_inputs=lambda rng: [(SampleInput((arr(rng, (4, 2), 'float32'), arr(rng, (4, 2), 'float32')),
                                                             dict(dim=1)), RuntimeError)]),
    _la('cross', lambda rng, dt: [SampleInput((arr(rng, (4, 3), dt), arr(rng, (4, 3), dt))),
                                  SampleInput((arr(rng, (1, 3), dt), arr(rng, (2, 3), dt)))], dtypes=FLOAT + ('int64',)),
    OpInfo('baddbmm', sample_inputs=_badd_samples, dtypes=FLOAT + ('int64',)),
    OpInfo('addmv', sample_inputs=_addmv_samples, dtypes=FLOAT + ('int64',)),
    OpInfo('addbmm', sample_inputs=_addbmm_samples, dtypes=FLOAT + ('int64',)),
    _la('inv', lambda rng, dt: [SampleInput((_wellcond(rng, dt),)), SampleInput((_wellcond(rng, dt, 2),))],
        error_inputs=lambda rng: [(SampleInput((np.zeros((3, 3), 'float32'),)), RuntimeError),
                                  (SampleInput((arr(rng, (3, 4), 'float32'),)), RuntimeError)]),
    _la('det', lambda rng, dt: [SampleInput((_wellcond(rng, dt),)), SampleInput((_wellcond(rng, dt, 2, n=2),))]),
    _la('slogdet', lambda rng, dt: [SampleInput((_wellcond(rng, dt),)), SampleInput((-_wellcond(rng, dt, 2),))],
        tuple_out=True),
    _la('solve', lambda rng, dt: [SampleInput((_wellcond(rng, dt), arr(rng, (3, 2), dt))),
                                  SampleInput((_wellcond(rng, dt), arr(rng, (3,), dt))),
                                  SampleInput((_wellcond(rng, dt, 2), arr(rng, (3, 1), dt))),
                                  SampleInput((_wellcond(rng, dt), arr(rng, (2, 3), dt)), dict(left=False))],
        error_inputs=lambda rng: [(SampleInput((np.zeros((3, 3), 'float32'), np.ones((3, 1), 'float32'))),
                                   RuntimeError)]),
    OpInfo('linalg.cholesky', op=lambda lib: lambda a, **k: lib.linalg.cholesky(_sym(lib, a), **k),
           sample_inputs=lambda rng, dt: [SampleInput((_spd(rng, dt),)), SampleInput((_spd(rng, dt, 2),)),
                                          SampleInput((_spd(rng, dt),), dict(upper=True))],
           method=None, inplace=None,
           error_inputs=lambda rng: [(SampleInput((-np.eye(3, dtype='float32'),)), RuntimeError)]),
    _la('qr', lambda rng, dt: [SampleInput((arr(rng, (4, 3), dt),)), SampleInput((arr(rng, (2, 3, 3), dt),))],
        tuple_out=True),
    OpInfo('linalg.eigh', op=_eigh, sample_inputs=lambda rng, dt: [SampleInput((_spd(rng, dt),)),
                                                                   SampleInput((_spd(rng, dt, 2),))],
           method=None, inplace=None, supports_out=False, rtol=1e-4, atol=1e-4),
    OpInfo('linalg.eigvalsh', op=lambda lib: lambda a: lib.linalg.eigvalsh(_sym(lib, a)),
           sample_inputs=lambda rng, dt: [SampleInput((_spd(rng, dt),)), SampleInput((_spd(rng, dt, 2),))],
           method=None, inplace=None, supports_out=False, rtol=1e-4, atol=1e-4),
    OpInfo('linalg.svd', op=_svd, sample_inputs=_matrix_samples, method=None, inplace=None, supports_out=False,
           rtol=1e-4, atol=1e-4),
    _la('svdvals', _matrix_samples, rtol=1e-4, atol=1e-4),
    _la('pinv', _matrix_samples, rtol=1e-4, atol=1e-4),
    OpInfo('linalg.lstsq', op=lambda lib: lambda a, b: lib.linalg.lstsq(a, b).solution,
           sample_inputs=lambda rng, dt: [SampleInput((arr(rng, (4, 3), dt), arr(rng, (4, 2), dt)))],
           method=None, inplace=None, supports_out=False, rtol=1e-4, atol=1e-4),
    _la('matrix_power', lambda rng, dt: [SampleInput((_wellcond(rng, dt) / 3, 3)), SampleInput((_wellcond(rng, dt), 0)),
                                         SampleInput((_wellcond(rng, dt, 2), -2)), SampleInput((_wellcond(rng, dt), 1))]),
    _la('matrix_norm', lambda rng, dt: [SampleInput((arr(rng, (4, 3), dt),)),
                                        SampleInput((arr(rng, (2, 4, 3), dt), 'nuc')),
                                        SampleInput((arr(rng, (4, 3), dt), 2)), SampleInput((arr(rng, (4, 3), dt), -2)),
                                        SampleInput((arr(rng, (4, 3), dt), 1), dict(keepdim=True)),
                                        SampleInput((arr(rng, (4, 3), dt), float('-inf'))),
                                        SampleInput((arr(rng, (3, 4, 2), dt), 'fro', (0, 2)))],
        rtol=1e-4, atol=1e-4, gradgrad=False),
    _la('norm', lambda rng, dt: [SampleInput((arr(rng, (4, 3), dt),)), SampleInput((arr(rng, (4,), dt), 3)),
                                 SampleInput((arr(rng, (4, 3), dt), 'fro')), SampleInput((arr(rng, (4, 3), dt), None, 1)),
                                 SampleInput((arr(rng, (2, 4, 3), dt), 1, (1, 2)))], gradgrad=False),
]

OPS = POINTWISE + REDUCTIONS + LINALG + MORE_LINALG


# ---------------------------------------------------------------- manipulation, sorting, shape, nn.functional
# Integer index arguments (gather / scatter indices, class targets) are int64 arrays: the tests turn them into
# int64 tensors like any array, and never differentiate them (only float arrays are gradient positions).
def _idx(rng, high, *shape):
    return np.asarray(rng.integers(0, high, size=shape)).astype('int64')


def _perm_idx(rng, high, n, rows=None):
    """Distinct indices (scatter / index_copy need them for a deterministic result); per row when ``rows``."""
    if rows is None:
        return rng.permutation(high)[:n].astype('int64')
    return np.stack([rng.permutation(high)[:n] for _ in range(rows)]).astype('int64')


def _pm1(rng, n, dt):
    return np.where(rng.random(n) < 0.5, 1., -1.).astype(dt)


def _s(*args, **kw):
    return SampleInput(args, kw)


def _m(name, gen, dtypes=ALL, out=False, inplace=None, method='=', **kw):
    return OpInfo(name, sample_inputs=gen, dtypes=dtypes, supports_out=out, inplace=inplace, method=method, **kw)


def _scatter_samples(rng, dt):
    x = arr(rng, (3, 4), dt)
    return [_s(x, 1, _perm_idx(rng, 4, 2, rows=3), arr(rng, (3, 2), dt)),
            _s(x, 0, _perm_idx(rng, 3, 2, rows=4).T.copy(), arr(rng, (2, 4), dt)),
            _s(x, 1, _perm_idx(rng, 4, 3, rows=2), arr(rng, (2, 3), dt))]


def _scatter_reduce_samples(rng, dt):
    x = arr(rng, (3, 4), dt, 0.5, 2.)
    out = []
    for red in ('sum', 'prod', 'mean', 'amax', 'amin'):
        out.append(_s(x, 1, _idx(rng, 4, 3, 5), arr(rng, (3, 5), dt, 0.5, 2.), red))
    out.append(_s(x, 0, _idx(rng, 3, 2, 4), arr(rng, (2, 4), dt, 0.5, 2.), 'sum', include_self=False))
    out.append(_s(x, 0, _idx(rng, 3, 2, 4), arr(rng, (2, 4), dt, 0.5, 2.), 'mean', include_self=False))
    return out


def _sorted(rng, dt, *shape):
    return np.sort(arr(rng, shape, dt), axis=-1)


def _int_stable(dt):
    """Integer samples have ties: a stable sort makes the indices deterministic (torch: stable is keyword-only
    then, so the samples pass dim / descending by keyword)."""
    return {} if dt in FLOAT else dict(stable=True)


MANIPULATION = [
    _m('flip', lambda rng, dt: [_s(arr(rng, (3, 4), dt), (0,)), _s(arr(rng, (2, 3, 4), dt), (0, 2)),
                                _s(arr(rng, (0, 3), dt), (1,))]),
    _m('fliplr', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (2, 3, 4), dt))]),
    _m('flipud', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (2,), dt))]),
    _m('roll', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1), _s(arr(rng, (3, 4), dt), (1, -2), (0, 1)),
                                _s(arr(rng, (2, 3, 4), dt), -1, 2)]),
    _m('rot90', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 4), dt), 2),
                                 _s(arr(rng, (2, 3, 4), dt), -1, (1, 2))]),
    _m('repeat', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 2, 1), _s(arr(rng, (2, 3), dt), 2, 1, 2),
                                  _s(arr(rng, (3,), dt), 0)],
       op=lambda lib: lambda x, *s: x.repeat(*s)),     # (a method only in torch)
    _m('repeat_interleave', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 2), _s(arr(rng, (3, 4), dt), 2, 1),
                                             _s(arr(rng, (3, 4), dt), np.array([1, 0, 2], 'int64'), 0)]),
    _m('tile', lambda rng, dt: [_s(arr(rng, (3, 4), dt), (2,)), _s(arr(rng, (2, 3), dt), (2, 1, 2))]),
    _m('movedim', lambda rng, dt: [_s(arr(rng, (2, 3, 4), dt), 0, 2), _s(arr(rng, (2, 3, 4), dt), (0, 1), (2, 0)),
                                   _s(arr(rng, (2, 3, 4), dt), -1, -3)],
       error_inputs=lambda rng: [(_s(arr(rng, (2, 3), 'float32'), (0, 1), (1,)), RuntimeError)]),
    _m('moveaxis', lambda rng, dt: [_s(arr(rng, (2, 3, 4), dt), -1, 0)]),
    _m('gather', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1, _idx(rng, 4, 3, 2)),
                                  _s(arr(rng, (3, 4), dt), 0, _idx(rng, 3, 2, 4)),
                                  _s(arr(rng, (3, 4), dt), 1, _idx(rng, 4, 3, 0))], out=True,
       error_inputs=lambda rng: [(_s(arr(rng, (3, 4), 'float32'), 1, np.full((3, 2), 4, 'int64')), RuntimeError),
                                 (_s(arr(rng, (3, 4), 'float32'), 0, _idx(rng, 3, 3)), RuntimeError)]),
    _m('scatter', _scatter_samples, out=True, inplace='scatter_'),
    OpInfo('scatter_value', op=lambda lib: lib.scatter, method='scatter', inplace='scatter_', dtypes=NUM,
           sample_inputs=lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1, _idx(rng, 4, 3, 2), 2),
                                          _s(arr(rng, (3, 4), dt), 0, _idx(rng, 3, 1, 4), -1)]),
    _m('scatter_add', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1, _idx(rng, 4, 3, 5), arr(rng, (3, 5), dt)),
                                       _s(arr(rng, (3, 4), dt), 0, _idx(rng, 3, 2, 4), arr(rng, (2, 4), dt))],
       dtypes=NUM, out=True, inplace='scatter_add_'),
    _m('scatter_reduce', _scatter_reduce_samples, dtypes=FLOAT, out=True, inplace='scatter_reduce_',
       gradgrad=False),
    _m('index_select', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 0, _idx(rng, 3, 5)),
                                        _s(arr(rng, (3, 4), dt), 1, _idx(rng, 4, 2)),
                                        _s(arr(rng, (3, 4), dt), 1, _idx(rng, 4, 0))], out=True,
       error_inputs=lambda rng: [(_s(arr(rng, (3, 4), 'float32'), 0, arr(rng, (2,), 'float32')), RuntimeError),
                                 (_s(arr(rng, (3, 4), 'float32'), 0, _idx(rng, 3, 2, 2)), IndexError)]),
    _m('index_add', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 0, _idx(rng, 3, 5), arr(rng, (5, 4), dt)),
                                     _s(arr(rng, (3, 4), dt), 1, _idx(rng, 4, 2), arr(rng, (3, 2), dt), alpha=2)],
       dtypes=NUM, out=True, inplace='index_add_'),
    _m('index_copy', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 0, _perm_idx(rng, 3, 2), arr(rng, (2, 4), dt)),
                                      _s(arr(rng, (3, 4), dt), 1, _perm_idx(rng, 4, 3), arr(rng, (3, 3), dt))],
       out=True, inplace='index_copy_'),
    _m('index_fill', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1, _idx(rng, 4, 2), 2),
                                      _s(arr(rng, (3, 4), dt), 0, _idx(rng, 3, 2), 0)], dtypes=NUM,
       inplace='index_fill_'),
    _m('masked_select', lambda rng, dt: [_s(arr(rng, (3, 4), dt), rng.random((3, 4)) < 0.5),
                                         _s(arr(rng, (3, 4), dt), rng.random((4,)) < 0.5)], out=True),
    _m('masked_scatter', lambda rng, dt: [_s(arr(rng, (3, 4), dt), rng.random((3, 4)) < 0.5, arr(rng, (12,), dt)),
                                          _s(arr(rng, (3, 4), dt), rng.random((4,)) < 0.5, arr(rng, (4, 4), dt))],
       inplace='masked_scatter_'),
    _m('take', lambda rng, dt: [_s(arr(rng, (3, 4), dt), _idx(rng, 12, 5)), _s(arr(rng, (3, 4), dt), _idx(rng, 12, 2, 2))],
       out=True, error_inputs=lambda rng: [(_s(arr(rng, (3, 4), 'float32'), np.array([12], 'int64')), IndexError),
                                          (_s(arr(rng, (3, 4), 'float32'), np.array([1], 'int32')), RuntimeError)]),
    _m('take_along_dim', lambda rng, dt: [_s(arr(rng, (3, 4), dt), _idx(rng, 4, 3, 2), 1),
                                          _s(arr(rng, (3, 4), dt), _idx(rng, 12, 5))], out=True),
    OpInfo('broadcast_tensors', op=lambda lib: lambda a, b: lib.broadcast_tensors(a, b), method=None, inplace=None,
           supports_out=False, dtypes=ALL,
           sample_inputs=lambda rng, dt: [_s(arr(rng, (3, 1), dt), arr(rng, (4,), dt)), _s(arr(rng, (2, 3), dt), arr(rng, (), dt))]),
    OpInfo('meshgrid', op=lambda lib: lambda a, b, **k: lib.meshgrid(a, b, **k), method=None, inplace=None,
           supports_out=False, dtypes=ALL,
           sample_inputs=lambda rng, dt: [_s(arr(rng, (3,), dt), arr(rng, (4,), dt), indexing='ij'),
                                          _s(arr(rng, (3,), dt), arr(rng, (2,), dt), indexing='xy')]),
    _m('diag', lambda rng, dt: [_s(arr(rng, (4,), dt)), _s(arr(rng, (4,), dt), 1), _s(arr(rng, (3, 4), dt)),
                                _s(arr(rng, (3, 4), dt), -1)], out=True),
    _m('diag_embed', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (2, 3), dt), 1, 0, 2)]),
    _m('diagonal', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (2, 3, 4), dt), 1, 0, 2),
                                    _s(arr(rng, (3, 4), dt), -1)]),
    _m('trace', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (2, 2), dt))], dtypes=NUM),
    _m('tril', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 4), dt), 1), _s(arr(rng, (2, 3, 4), dt), -1)],
       out=True, inplace='tril_'),
    _m('triu', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 4), dt), 1), _s(arr(rng, (2, 3, 4), dt), -1)],
       out=True, inplace='triu_'),
    *[OpInfo(n, sample_inputs=lambda rng, dt: [_s(3, 4), _s(4, 3, 1), _s(3, 3, -1)], dtypes=('int64',), method=None,
             inplace=None, supports_out=False, grad=False, gradgrad=False) for n in ('tril_indices', 'triu_indices')],
]


SORTING = [
    _m('sort', lambda rng, dt: [_s(arr(rng, (3, 4), dt), **_int_stable(dt)), _s(arr(rng, (3, 4), dt), dim=0, **_int_stable(dt)),
                                _s(arr(rng, (2, 3, 4), dt), dim=1, descending=True, **_int_stable(dt)),
                                _s(arr(rng, (3, 4), dt), descending=True, stable=True)], dtypes=NUM),
    _m('argsort', lambda rng, dt: [_s(arr(rng, (3, 4), dt), **_int_stable(dt)),
                                   _s(arr(rng, (2, 3, 4), dt), dim=1, descending=True, **_int_stable(dt))],
       dtypes=NUM, grad=False, gradgrad=False),
    _m('msort', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (5,), dt))], dtypes=FLOAT, out=True),
    _m('topk', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 2), _s(arr(rng, (3, 4), dt), 2, 0),
                                _s(arr(rng, (3, 4), dt), 3, 1, False)], dtypes=FLOAT),
    _m('kthvalue', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 2), _s(arr(rng, (2, 3, 4), dt), 1, 0, True)],
       dtypes=FLOAT),
    _m('searchsorted', lambda rng, dt: [_s(_sorted(rng, dt, 5), arr(rng, (3, 4), dt)),
                                        _s(_sorted(rng, dt, 3, 5), arr(rng, (3, 2), dt), right=True),
                                        _s(_sorted(rng, dt, 5), arr(rng, (4,), dt), out_int32=True)],
       dtypes=NUM, method=None, out=True, grad=False, gradgrad=False),
    _m('bucketize', lambda rng, dt: [_s(arr(rng, (3, 4), dt), _sorted(rng, dt, 5)),
                                     _s(arr(rng, (4,), dt), _sorted(rng, dt, 5), right=True)],
       dtypes=NUM, method=None, out=True, grad=False, gradgrad=False),
    _m('unique', lambda rng, dt: [_s(arr(rng, (3, 4), dt, -2, 2)), _s(arr(rng, (3, 4), dt, -2, 2), return_inverse=True,
                                                                    return_counts=True),
                                  _s(np.repeat(arr(rng, (2, 3), dt), 2, 0), dim=0)],
       dtypes=('int64', 'int32'), grad=False, gradgrad=False),
    _m('unique_consecutive', lambda rng, dt: [_s(np.repeat(arr(rng, (6,), dt), 2), return_counts=True),
                                              _s(np.repeat(arr(rng, (3,), dt), 2), return_inverse=True)],
       dtypes=('int64', 'int32'), grad=False, gradgrad=False),
    _m('bincount', lambda rng, dt: [_s(arr(rng, (6,), dt, 0, 5)), _s(arr(rng, (6,), dt, 0, 5), minlength=8),
                                    _s(arr(rng, (6,), dt, 0, 5), arr(rng, (6,), 'float64'))],
       dtypes=('int64', 'int32', 'uint8'), grad=False, gradgrad=False),
    _m('histc', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 4), dt), bins=4, min=-2, max=2)],
       dtypes=FLOAT, out=True, grad=False, gradgrad=False),
    _m('count_nonzero', lambda rng, dt: [_s(arr(rng, (3, 4), dt, -1, 2)), _s(arr(rng, (2, 3, 4), dt, -1, 2), 1),
                                         _s(arr(rng, (2, 3, 4), dt, -1, 2), (0, 2))], grad=False, gradgrad=False),
    _m('cumprod', lambda rng, dt: [_s(arr(rng, (3, 4), dt, 0.5, 1.5), 1), _s(arr(rng, (2, 3, 4), dt, -1.5, 1.5), 0),
                                   _s(arr(rng, (3, 4), dt, 0.5, 1.5), 0, dtype='float64')],
       dtypes=NUM, out=True, inplace='cumprod_'),
    _m('cummax', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1), _s(arr(rng, (2, 3, 4), dt), 0)], dtypes=NUM),
    _m('cummin', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1), _s(arr(rng, (2, 3, 4), dt), 0)], dtypes=NUM),
    _m('median', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 5), dt), 1),
                                  _s(arr(rng, (2, 3, 4), dt), 0, True)], dtypes=FLOAT),
    _m('nanmedian', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 5), dt), 1)], dtypes=FLOAT),
    _m('mode', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (2, 3, 4), dt), 0, True)], dtypes=FLOAT),
    _m('quantile', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 0.3), _s(arr(rng, (3, 4), dt), 0.7, 1, True),
                                    _s(arr(rng, (3, 4), dt), np.array([0.2, 0.9], dt), 0),
                                    _s(arr(rng, (3, 4), dt), 0.4, 1, interpolation='nearest'),
                                    _s(arr(rng, (3, 4), dt), 0.4, 1, interpolation='midpoint')],
       dtypes=FLOAT, out=True, grad_args=(0,)),
    _m('nanquantile', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 0.3), _s(arr(rng, (3, 4), dt), 0.7, 1, True)],
       dtypes=FLOAT, out=True, grad_args=(0,)),
    _m('aminmax', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 4), dt), dim=1),
                                   _s(arr(rng, (2, 3, 4), dt), dim=0, keepdim=True)], dtypes=FLOAT),
    _m('diff', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 4), dt), 2, 0),
                                _s(arr(rng, (3, 4), dt), 1, 1, prepend=arr(rng, (3, 1), dt), append=arr(rng, (3, 2), dt))],
       dtypes=NUM, out=True),
]


def _cat_op(name):
    return lambda lib: lambda *ts, **k: getattr(lib, name)(ts, **k)


SHAPE = [
    *[OpInfo(n, op=_cat_op(n), method=None, inplace=None, dtypes=ALL, sample_inputs=lambda rng, dt: [
        _s(arr(rng, (2, 3), dt), arr(rng, (3, 3), dt)), _s(arr(rng, (2, 3), dt), arr(rng, (2, 4), dt), dim=1),
        _s(arr(rng, (2, 3), dt), arr(rng, (0, 3), dt))],
             error_inputs=lambda rng: [(_s(arr(rng, (2, 3), 'float32'), arr(rng, (2, 4), 'float32')), RuntimeError)])
      for n in ('cat', 'concat', 'concatenate')],
    OpInfo('stack', op=_cat_op('stack'), method=None, inplace=None, dtypes=ALL, sample_inputs=lambda rng, dt: [
        _s(arr(rng, (2, 3), dt), arr(rng, (2, 3), dt)), _s(arr(rng, (2, 3), dt), arr(rng, (2, 3), dt), dim=2)]),
    *[OpInfo(n, op=_cat_op(n), method=None, inplace=None, dtypes=ALL, sample_inputs=lambda rng, dt: [
        _s(arr(rng, (2, 3), dt), arr(rng, (2, 3), dt)), _s(arr(rng, (3,), dt), arr(rng, (3,), dt))])
      for n in ('hstack', 'vstack')],
    _m('split', lambda rng, dt: [_s(arr(rng, (5, 4), dt), 2), _s(arr(rng, (5, 4), dt), [2, 3]),
                                 _s(arr(rng, (5, 4), dt), 3, 1)]),
    _m('chunk', lambda rng, dt: [_s(arr(rng, (5, 4), dt), 2), _s(arr(rng, (5, 4), dt), 3, 1)]),
    _m('tensor_split', lambda rng, dt: [_s(arr(rng, (5, 4), dt), 3), _s(arr(rng, (5, 4), dt), [1, 3], 1)]),
    _m('unbind', lambda rng, dt: [_s(arr(rng, (3, 4), dt)), _s(arr(rng, (3, 4), dt), 1)]),
    _m('unflatten', lambda rng, dt: [_s(arr(rng, (2, 12), dt), 1, (3, 4)), _s(arr(rng, (2, 12), dt), -1, (-1, 2))]),
    _m('flatten', lambda rng, dt: [_s(arr(rng, (2, 3, 4), dt)), _s(arr(rng, (2, 3, 4), dt), 1), _s(arr(rng, (), dt))]),
    _m('reshape', lambda rng, dt: [_s(arr(rng, (2, 3, 4), dt), (6, -1)), _s(arr(rng, (3, 4), dt), (12,))]),
    _m('swapaxes', lambda rng, dt: [_s(arr(rng, (2, 3, 4), dt), 0, 2), _s(arr(rng, (3, 4), dt), -1, 0)],
       inplace='swapaxes_'),
    _m('swapdims', lambda rng, dt: [_s(arr(rng, (2, 3, 4), dt), 0, 2)], inplace='swapdims_'),
    _m('transpose', lambda rng, dt: [_s(arr(rng, (2, 3, 4), dt), 1, 2), _s(arr(rng, (3, 4), dt), 0, 1)],
       inplace='transpose_'),
    _m('permute', lambda rng, dt: [_s(arr(rng, (2, 3, 4), dt), (2, 0, 1)), _s(arr(rng, (3, 4), dt), (1, 0))]),
    _m('squeeze', lambda rng, dt: [_s(arr(rng, (2, 1, 4), dt)), _s(arr(rng, (2, 1, 4), dt), 1)], inplace='squeeze_'),
    _m('unsqueeze', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1), _s(arr(rng, (), dt), 0)], inplace='unsqueeze_'),
    _m('narrow', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1, 1, 2), _s(arr(rng, (3, 4), dt), 0, 0, 0)]),
    _m('select', lambda rng, dt: [_s(arr(rng, (3, 4), dt), 1, 2), _s(arr(rng, (3, 4), dt), 0, -1)]),
    _m('broadcast_to', lambda rng, dt: [_s(arr(rng, (3, 1), dt), (2, 3, 4)), _s(arr(rng, (), dt), (2,))]),
]


def _F(name, gen, dtypes=FLOAT, fname=None, **kw):
    """An ``nn.functional`` op: a function only (no method, in-place form or ``out=``)."""
    fn = fname or name
    return OpInfo('nn.functional.' + name, op=lambda lib: getattr(lib.nn.functional, fn), sample_inputs=gen,
                  dtypes=dtypes, method=None, inplace=None, supports_out=False, **kw)


def _act(name, *extra, low=-3., high=3., **kw):
    def gen(rng, dt):
        return ([_s(arr(rng, (3, 4), dt, low, high)), _s(arr(rng, (0,), dt, low, high))]
                + [_s(arr(rng, (3, 4), dt, low, high), *a, **k) for a, k in extra])
    return _F(name, gen, **kw)


def _x(rng, dt, *shape, low=-3., high=3.):
    return arr(rng, shape, dt, low, high)


def _bn_samples(rng, dt):
    x = _x(rng, dt, 4, 3, 2)
    rm, rv = _x(rng, dt, 3), _x(rng, dt, 3, low=0.5, high=2.)
    return [_s(x, rm, rv, _x(rng, dt, 3), _x(rng, dt, 3)), _s(x, rm, rv), _s(_x(rng, dt, 2, 3), rm, rv, eps=1e-3)]


def _prob(rng, dt, *shape):
    return _x(rng, dt, *shape, low=0.1, high=0.9)


def _ce_samples(rng, dt):
    x = _x(rng, dt, 4, 5)
    t = _idx(rng, 5, 4)
    return [_s(x, t), _s(x, t, reduction='sum'), _s(x, t, reduction='none'), _s(x, t, weight=_x(rng, dt, 5, low=0.5)),
            _s(x, np.array([0, -100, 2, 3], 'int64')), _s(x, t, label_smoothing=0.2),
            _s(x, _prob(rng, dt, 4, 5)), _s(_x(rng, dt, 2, 3, 4), _idx(rng, 3, 2, 4))]


def _pair_loss(name, extra=(), **kw):
    def gen(rng, dt):
        return [_s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4)), _s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), reduction='sum'),
                _s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), reduction='none')] + \
               [_s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), **k) for k in extra]
    return _F(name, gen, **kw)


def _sdpa_samples(rng, dt):
    q, k, v = _x(rng, dt, 2, 3, 4, low=-1, high=1), _x(rng, dt, 2, 5, 4, low=-1, high=1), _x(rng, dt, 2, 5, 4)
    return [_s(q, k, v), _s(q, _x(rng, dt, 2, 3, 4), _x(rng, dt, 2, 3, 4), is_causal=True),
            _s(q, k, v, attn_mask=rng.random((3, 5)) < 0.7), _s(q, k, v, attn_mask=_x(rng, dt, 3, 5), scale=0.3)]


NN_FUNCTIONAL = [
    _act('relu'), _act('relu6', low=-2., high=8.), _act('hardtanh', ((-0.5, 2.), {})),
    _F('threshold', lambda rng, dt: [_s(_x(rng, dt, 3, 4), 0.5, 2.), _s(_x(rng, dt, 0), 0.5, 2.)]), _act('leaky_relu', ((0.2,), {})), _act('elu', ((), dict(alpha=0.5))),
    _act('selu'), _act('celu', ((), dict(alpha=2.))), _act('gelu', ((), dict(approximate='tanh'))), _act('silu'),
    _act('mish'), _act('softplus', ((), dict(beta=2., threshold=3.))), _act('softsign'),
    _act('hardsigmoid', low=-4., high=4., gradgrad=False),   # (torch: no derivative for hardsigmoid_backward)
    _act('hardswish', low=-4., high=4.), _act('logsigmoid'), _act('tanh'),
    _act('sigmoid'), _act('tanhshrink'), _act('hardshrink', ((0.3,), {})), _act('softshrink', ((0.3,), {})),
    _F('glu', lambda rng, dt: [_s(_x(rng, dt, 3, 4)), _s(_x(rng, dt, 4, 3), 0)]),
    _F('prelu', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 4), _x(rng, dt, 3)), _s(_x(rng, dt, 2, 3), _x(rng, dt, 1))]),
    *[_F(n, lambda rng, dt: [_s(_x(rng, dt, 3, 4), 1), _s(_x(rng, dt, 2, 3, 4), 0), _s(_x(rng, dt, 3, 4), -1, dtype='float64')])
      for n in ('softmax', 'log_softmax', 'softmin')],
    _F('linear', lambda rng, dt: [_s(_x(rng, dt, 3, 4), _x(rng, dt, 5, 4), _x(rng, dt, 5)),
                                  _s(_x(rng, dt, 2, 3, 4), _x(rng, dt, 5, 4)), _s(_x(rng, dt, 4), _x(rng, dt, 2, 4))]),
    _F('bilinear', lambda rng, dt: [_s(_x(rng, dt, 3, 2), _x(rng, dt, 3, 4), _x(rng, dt, 5, 2, 4), _x(rng, dt, 5)),
                                    _s(_x(rng, dt, 3, 2), _x(rng, dt, 3, 4), _x(rng, dt, 1, 2, 4))]),
    _F('conv1d', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 7), _x(rng, dt, 4, 3, 3), _x(rng, dt, 4)),
                                  _s(_x(rng, dt, 1, 4, 6), _x(rng, dt, 2, 2, 2), None, 2, 1, 1, 2),
                                  _s(_x(rng, dt, 1, 2, 6), _x(rng, dt, 2, 2, 3), padding='same', dilation=2)], rtol=1e-4, atol=1e-4),
    _F('conv2d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 5, 5), _x(rng, dt, 3, 2, 3, 3), _x(rng, dt, 3)),
                                  _s(_x(rng, dt, 1, 2, 5, 4), _x(rng, dt, 2, 1, 2, 2), None, (2, 1), 1, 1, 2)],
       rtol=1e-4, atol=1e-4),
    _F('conv_transpose1d', lambda rng, dt: [_s(_x(rng, dt, 1, 3, 5), _x(rng, dt, 3, 2, 3), _x(rng, dt, 2)),
                                            _s(_x(rng, dt, 1, 2, 4), _x(rng, dt, 2, 2, 3), None, 2, 1, 1)],
       rtol=1e-4, atol=1e-4),
    _F('conv_transpose2d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 3, 3), _x(rng, dt, 2, 3, 2, 2), _x(rng, dt, 3)),
                                            _s(_x(rng, dt, 1, 2, 3, 3), _x(rng, dt, 2, 1, 3, 3), None, 2, 1, 1, 2)],
       rtol=1e-4, atol=1e-4),
    _F('max_pool1d', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 8), 2), _s(_x(rng, dt, 1, 2, 7), 3, 2, 1)]),
    _F('max_pool2d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 6, 6), 2), _s(_x(rng, dt, 1, 2, 5, 5), 3, 2, 1),
                                      _s(_x(rng, dt, 2, 5, 5), 2, ceil_mode=True)]),
    _F('avg_pool1d', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 8), 2), _s(_x(rng, dt, 1, 2, 7), 3, 2, 1)]),
    _F('avg_pool2d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 6, 6), 2), _s(_x(rng, dt, 1, 2, 5, 5), 3, 2, 1),
                                      _s(_x(rng, dt, 1, 2, 5, 5), 3, 2, 1, count_include_pad=False)]),
    _F('adaptive_avg_pool1d', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 7), 3), _s(_x(rng, dt, 1, 2, 4), 4)]),
    _F('adaptive_avg_pool2d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 5, 7), (2, 3)), _s(_x(rng, dt, 2, 4, 4), 2)]),
    _F('adaptive_max_pool1d', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 7), 3)]),
    _F('adaptive_max_pool2d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 5, 7), (2, 3)), _s(_x(rng, dt, 2, 4, 4), 2)]),
    _F('unfold', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4, 4), 2), _s(_x(rng, dt, 1, 2, 5, 4), (2, 3), 1, 1, 2)]),
    _F('fold', lambda rng, dt: [_s(_x(rng, dt, 1, 8, 9), (4, 4), 2), _s(_x(rng, dt, 1, 4, 4), (3, 3), 2, 1, 0, 1)]),
    _F('pad', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 4), (1, 2)), _s(_x(rng, dt, 2, 3, 4), (1, 0, 0, 2), value=1.5),
                               _s(_x(rng, dt, 1, 3, 4), (2, 1), 'reflect'), _s(_x(rng, dt, 1, 3, 4), (2, 1), 'replicate'),
                               _s(_x(rng, dt, 1, 2, 3, 4), (1, 1, 2, 0), 'circular'), _s(_x(rng, dt, 3, 4), (-1, 1))]),
    _F('interpolate', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4), 6), _s(_x(rng, dt, 1, 2, 3, 3), scale_factor=2),
                                       _s(_x(rng, dt, 1, 2, 3, 4), (5, 6), mode='bilinear'),
                                       _s(_x(rng, dt, 1, 2, 3, 4), (5, 6), mode='bilinear', align_corners=True),
                                       _s(_x(rng, dt, 1, 2, 5), 3, mode='linear'),
                                       _s(_x(rng, dt, 1, 2, 5, 7), (3, 4), mode='area'),
                                       _s(_x(rng, dt, 1, 2, 4, 5), (6, 7), mode='bicubic'),
                                       _s(_x(rng, dt, 1, 2, 6, 8), (3, 5), mode='bilinear', antialias=True)]),
    _F('pixel_shuffle', lambda rng, dt: [_s(_x(rng, dt, 1, 8, 2, 3), 2)], dtypes=ALL),
    _F('pixel_unshuffle', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4, 6), 2)], dtypes=ALL),
    # (eval mode: running statistics given, training=False; they are not differentiated)
    _F('batch_norm', _bn_samples, grad_args=(0, 3, 4)),
    _F('instance_norm', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 4)), _s(_x(rng, dt, 2, 3, 4), weight=_x(rng, dt, 3),
                                                                      bias=_x(rng, dt, 3))], rtol=1e-4, atol=1e-4),
    _F('group_norm', lambda rng, dt: [_s(_x(rng, dt, 2, 4, 3), 2, _x(rng, dt, 4), _x(rng, dt, 4)),
                                      _s(_x(rng, dt, 2, 4, 3, 2), 4)], rtol=1e-4, atol=1e-4),
    _F('layer_norm', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 4), (4,), _x(rng, dt, 4), _x(rng, dt, 4)),
                                      _s(_x(rng, dt, 2, 3, 4), (3, 4))], rtol=1e-4, atol=1e-4),
    _F('rms_norm', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 4), (4,), _x(rng, dt, 4)),
                                    _s(_x(rng, dt, 2, 3, 4), (3, 4), eps=1e-3)], rtol=1e-4, atol=1e-4),
    _F('embedding', lambda rng, dt: [_s(_idx(rng, 5, 2, 3), _x(rng, dt, 5, 4)), _s(_idx(rng, 5, 0), _x(rng, dt, 5, 4))]),
    # padding_idx: its row gets no gradient by definition (not the numerical one), so gradcheck cannot hold; the
    # gradients are compared with torch's in tests/test_nn_functional.py
    OpInfo('nn.functional.embedding_padding_idx',
           op=lambda lib: lambda i, w: lib.nn.functional.embedding(i, w, padding_idx=1),
           sample_inputs=lambda rng, dt: [_s(np.array([[0, 1, 1], [3, 1, 4]], 'int64'), _x(rng, dt, 5, 4))],
           method=None, inplace=None, supports_out=False, grad=False, gradgrad=False),
    _F('one_hot', lambda rng, dt: [_s(_idx(rng, 4, 2, 3)), _s(_idx(rng, 4, 5), 6)], dtypes=('int64',),
       grad=False, gradgrad=False),
    _F('normalize', lambda rng, dt: [_s(_x(rng, dt, 3, 4)), _s(_x(rng, dt, 3, 4), 1., 0), _s(_x(rng, dt, 2, 3, 4), 3, -1)]),
    _F('cosine_similarity', lambda rng, dt: [_s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4)), _s(_x(rng, dt, 3, 4), _x(rng, dt, 4), 0)]),
    _F('pairwise_distance', lambda rng, dt: [_s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4)),
                                             _s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), 1., keepdim=True)]),
    _F('scaled_dot_product_attention', _sdpa_samples, rtol=1e-4, atol=1e-4),
    _F('cross_entropy', _ce_samples, grad_args=(0,), rtol=1e-4, atol=1e-4,
       error_inputs=lambda rng: [(_s(arr(rng, (4, 5), 'float32'), _idx(rng, 5, 3)), ValueError),
                                 (_s(arr(rng, (4, 5), 'float32'), np.array([0, 1, 5, 2], 'int64')), IndexError)]),
    _F('nll_loss', lambda rng, dt: [_s(_x(rng, dt, 4, 5), _idx(rng, 5, 4)),
                                    _s(_x(rng, dt, 4, 5), _idx(rng, 5, 4), _x(rng, dt, 5, low=0.5), reduction='sum'),
                                    _s(_x(rng, dt, 2, 3, 4), _idx(rng, 3, 2, 4), reduction='none')],
       grad_args=(0,)),     # (torch: nll_loss is not differentiable in weight)
    _pair_loss('mse_loss', error_inputs=lambda rng: [(_s(arr(rng, (3, 4), 'float32'), arr(rng, (2, 4), 'float32')),
                                                       RuntimeError)]), _pair_loss('l1_loss'), _pair_loss('smooth_l1_loss', extra=[dict(beta=0.5)]),
    _pair_loss('huber_loss', extra=[dict(delta=0.5)]),
    _F('binary_cross_entropy', lambda rng, dt: [_s(_prob(rng, dt, 3, 4), _prob(rng, dt, 3, 4)),
                                                _s(_prob(rng, dt, 3, 4), _prob(rng, dt, 3, 4), _x(rng, dt, 4),
                                                   reduction='sum')], grad_args=(0,)),
    _F('binary_cross_entropy_with_logits', lambda rng, dt: [
        _s(_x(rng, dt, 3, 4), _prob(rng, dt, 3, 4)), _s(_x(rng, dt, 3, 4), _prob(rng, dt, 3, 4), reduction='none'),
        _s(_x(rng, dt, 3, 4), _prob(rng, dt, 3, 4), pos_weight=_x(rng, dt, 4, low=0.5))]),
    _F('kl_div', lambda rng, dt: [_s(_x(rng, dt, 3, 4, low=-3, high=-0.1), _prob(rng, dt, 3, 4), reduction='batchmean'),
                                  _s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), reduction='sum', log_target=True)]),
    _F('margin_ranking_loss', lambda rng, dt: [_s(_x(rng, dt, 5), _x(rng, dt, 5), _pm1(rng, 5, dt)),
                                               _s(_x(rng, dt, 5), _x(rng, dt, 5), _pm1(rng, 5, dt), 0.5, reduction='sum')],
       grad_args=(0, 1)),
    _F('cosine_embedding_loss', lambda rng, dt: [_s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), _pm1(rng, 3, dt)),
                                                 _s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), _pm1(rng, 3, dt), 0.2,
                                                    reduction='none')], grad_args=(0, 1)),
    _F('triplet_margin_loss', lambda rng, dt: [_s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), _x(rng, dt, 3, 4)),
                                               _s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), _x(rng, dt, 3, 4), 2., 1.,
                                                  swap=True, reduction='none')]),
    _F('poisson_nll_loss', lambda rng, dt: [_s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4, low=0, high=3)),
                                            _s(_x(rng, dt, 3, 4, low=0.5), _x(rng, dt, 3, 4, low=0, high=3), False, True)]),
    _F('gaussian_nll_loss', lambda rng, dt: [_s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), _x(rng, dt, 3, 4, low=0.5)),
                                             _s(_x(rng, dt, 3, 4), _x(rng, dt, 3, 4), _x(rng, dt, 3, 1, low=0.5),
                                                full=True, reduction='sum')]),
    # in-place activations, on a clone (so that they run on a non-leaf and gradients flow through them)
    *[OpInfo('nn.functional.' + n, op=(lambda n: lambda lib: lambda x, *a, **k: getattr(lib.nn.functional, n)(
        x.clone(), *a, **k))(n), sample_inputs=(lambda a: lambda rng, dt: [_s(_x(rng, dt, 3, 4), *a)])(a),
        method=None, inplace=None, supports_out=False)
      for n, a in (('relu_', ()), ('hardtanh_', (-0.5, 2.)), ('threshold_', (0.5, 2.)), ('leaky_relu_', (0.2,)),
                   ('elu_', ()), ('selu_', ()), ('celu_', ()))],
    _F('rrelu', lambda rng, dt: [_s(_x(rng, dt, 3, 4)), _s(_x(rng, dt, 3, 4), 0.1, 0.4)]),   # (training=False: no randomness)
    _F('conv3d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 3, 4, 3), _x(rng, dt, 2, 2, 2, 2, 2), _x(rng, dt, 2)),
                                  _s(_x(rng, dt, 1, 2, 3, 3, 3), _x(rng, dt, 2, 1, 2, 2, 2), None, 2, 1, 1, 2)],
       rtol=1e-4, atol=1e-4),
    _F('conv_transpose3d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 2, 3, 2), _x(rng, dt, 2, 2, 2, 2, 2), _x(rng, dt, 2)),
                                            _s(_x(rng, dt, 1, 2, 2, 2, 2), _x(rng, dt, 2, 1, 2, 2, 2), None, 2, 1, 1, 2)],
       rtol=1e-4, atol=1e-4),
    _F('max_pool3d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4, 4, 4), 2), _s(_x(rng, dt, 1, 1, 5, 4, 5), 3, 2, 1)]),
    _F('avg_pool3d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4, 4, 4), 2), _s(_x(rng, dt, 1, 1, 5, 4, 5), 3, 2, 1)]),
    _F('adaptive_avg_pool3d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4, 5, 3), (2, 3, 2))]),
    _F('adaptive_max_pool3d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4, 5, 3), (2, 3, 2))]),
    _F('max_pool1d_with_indices', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 8), 2), _s(_x(rng, dt, 1, 2, 7), 3, 2, 1)]),
    _F('max_pool2d_with_indices', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 6, 6), 2), _s(_x(rng, dt, 1, 2, 5, 5), 3, 2, 1)]),
    _F('max_pool3d_with_indices', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4, 4, 4), 2)]),
    _F('adaptive_max_pool1d_with_indices', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 7), 3)]),
    _F('adaptive_max_pool2d_with_indices', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 5, 7), (2, 3))]),
    _F('adaptive_max_pool3d_with_indices', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4, 5, 3), (2, 3, 2))]),
    _F('lp_pool1d', lambda rng, dt: [_s(_x(rng, dt, 2, 3, 8, low=0.2), 2., 2), _s(_x(rng, dt, 1, 2, 7, low=0.2), 3., 3, 2)]),
    _F('lp_pool2d', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 6, 6, low=0.2), 2., 2), _s(_x(rng, dt, 1, 2, 5, 5, low=0.2), 1., 3, 2)]),
    _F('upsample', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 4), 6), _s(_x(rng, dt, 1, 2, 3, 4), (5, 6), mode='bilinear')]),
    _F('upsample_nearest', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 3, 3), scale_factor=2)]),
    _F('upsample_bilinear', lambda rng, dt: [_s(_x(rng, dt, 1, 2, 3, 4), (5, 6))]),
]

OPS = OPS + MANIPULATION + SORTING + SHAPE + NN_FUNCTIONAL
