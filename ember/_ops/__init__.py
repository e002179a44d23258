"""Every op, once. This module binds them onto ``Tensor`` as methods, operators and in-place
forms, so that ``ember.add(a, b)``, ``a.add(b)``, ``a + b`` and ``a.add_(b)`` are one op."""
from .._tensor import Tensor, _wrap
from . import pointwise as P, shape as S, indexing as I, creation as C, inplace as IP, reduction as R, linalg as L

_T = Tensor


def _method(fn):
    return lambda self, *a, **k: fn(self, *a, **k)


def _bind(name, fn, inplace=True):
    setattr(_T, name, fn)
    if inplace:
        setattr(_T, name + '_', IP.make_inplace(fn, check_type=name in ('bitwise_and', 'bitwise_or', 'bitwise_xor')))


# pointwise, with in-place forms
for _n in ('add', 'sub', 'mul', 'div', 'true_divide', 'floor_divide', 'remainder', 'fmod', 'pow', 'float_power',
           'neg', 'negative', 'abs', 'absolute', 'exp', 'exp2', 'expm1', 'log', 'log2', 'log10', 'log1p', 'sqrt',
           'rsqrt', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'reciprocal', 'square', 'sign', 'floor', 'ceil', 'trunc',
           'fix', 'round', 'relu', 'clamp', 'clip', 'clamp_min', 'clamp_max', 'maximum', 'minimum', 'fmax', 'fmin',
           'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'less', 'less_equal', 'greater', 'greater_equal', 'not_equal',
           'logical_and', 'logical_or', 'logical_xor', 'logical_not', 'bitwise_and', 'bitwise_or', 'bitwise_xor',
           'bitwise_not', 'where',
           'erf', 'erfc', 'erfinv', 'sinh', 'cosh', 'asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh', 'arcsin',
           'arccos', 'arctan', 'arcsinh', 'arccosh', 'arctanh', 'deg2rad', 'rad2deg', 'frac', 'sgn', 'nan_to_num',
           'logit', 'atan2', 'arctan2', 'hypot', 'xlogy', 'copysign', 'heaviside', 'lerp', 'addcmul', 'addcdiv',
           'bitwise_left_shift', 'bitwise_right_shift',
           'logaddexp', 'logaddexp2', 'signbit', 'isnan', 'isinf', 'isfinite', 'isposinf', 'isneginf', 'isclose',
           'allclose', 'equal'):
    _bind(_n, getattr(P, _n), inplace=_n not in ('where', 'maximum', 'minimum', 'fmax', 'fmin', 'logaddexp',
                                                 'logaddexp2', 'signbit', 'isnan', 'isinf', 'isfinite', 'isposinf',
                                                 'isneginf', 'isclose', 'allclose', 'equal'))
_T.where = lambda self, condition, other: P.where(condition, self, other)
_T.masked_fill = I.masked_fill
_T.masked_fill_ = IP.make_inplace(I.masked_fill)
_T.index_put = I.index_put
_T.index_put_ = I.index_put_
_T.nonzero = I.nonzero
_T.argwhere = I.argwhere


def _ref(fn):
    return lambda self, other: fn(other, self)


def _inplace_op(name):
    m = getattr(_T, name)

    def op(self, other):
        return m(self, other)
    return op


_T.__add__ = P.add
# torch's __radd__/__rmul__ are add(self, other): `2 * b` records b as the node's first input
_T.__radd__ = lambda self, other: P.add(self, other)
_T.__iadd__ = _inplace_op('add_')
_T.__sub__ = P.sub
_T.__rsub__ = lambda self, other: P.rsub(self, other)
_T.__isub__ = _inplace_op('sub_')
_T.__mul__ = P.mul
_T.__rmul__ = lambda self, other: P.mul(self, other)
_T.__imul__ = _inplace_op('mul_')
_T.__truediv__ = P.div
_T.__rtruediv__ = P._rtruediv
_T.__itruediv__ = _inplace_op('div_')
_T.__floordiv__ = P.floor_divide
_T.__rfloordiv__ = _ref(P.floor_divide)
_T.__ifloordiv__ = _inplace_op('floor_divide_')
_T.__mod__ = P.remainder
_T.__rmod__ = _ref(P.remainder)
_T.__imod__ = _inplace_op('remainder_')
_T.__pow__ = P.pow
_T.__rpow__ = _ref(P.pow)
_T.__ipow__ = _inplace_op('pow_')
_T.__neg__ = P.neg
_T.__pos__ = P.positive
_T.positive = P.positive
_T.__abs__ = P.abs
_T.__invert__ = P._invert
_T.__and__ = P.bitwise_and
_T.__rand__ = _ref(P.bitwise_and)
_T.__iand__ = _inplace_op('bitwise_and_')
_T.__or__ = P.bitwise_or
_T.__ror__ = _ref(P.bitwise_or)
_T.__ior__ = _inplace_op('bitwise_or_')
_T.__xor__ = P.bitwise_xor
_T.__rxor__ = _ref(P.bitwise_xor)
_T.__ixor__ = _inplace_op('bitwise_xor_')
_T.__lshift__ = P.bitwise_left_shift
_T.__rlshift__ = _ref(P.bitwise_left_shift)
_T.__ilshift__ = _inplace_op('bitwise_left_shift_')
_T.__rshift__ = P.bitwise_right_shift
_T.__rrshift__ = _ref(P.bitwise_right_shift)
_T.__irshift__ = _inplace_op('bitwise_right_shift_')
_T.__eq__ = P.eq
_T.__ne__ = P.ne
_T.__lt__ = P.lt
_T.__le__ = P.le
_T.__gt__ = P.gt
_T.__ge__ = P.ge
_T.__hash__ = object.__hash__
_T.__getitem__ = I.getitem
_T.__setitem__ = I.setitem

# shape and views
for _n in ('view', 'view_as', 'reshape', 'reshape_as', 'flatten', 'unflatten', 'permute', 'transpose', 'swapaxes',
           'swapdims', 't', 'squeeze', 'unsqueeze', 'expand', 'expand_as', 'broadcast_to', 'narrow', 'select',
           'unbind', 'split', 'chunk', 'tensor_split'):
    setattr(_T, _n, getattr(S, _n))
_T.T = property(S.T)
_T.mT = property(S.mT)
_T.H = property(S.H)
_T.mH = property(S.mH)
_T.transpose_ = lambda self, a, b: _restride(self, lambda t: S.transpose(t, a, b), 'TransposeBackward1')
_T.swapaxes_ = _T.swapdims_ = _T.transpose_
_T.t_ = lambda self: _restride(self, S.t, 'TBackward1')
_T.squeeze_ = lambda self, dim=None: _restride(self, lambda t: S.squeeze(t, dim), 'SqueezeBackward3' if dim is None else
                                               'SqueezeBackward5' if isinstance(dim, (tuple, list)) else
                                               'SqueezeBackward4')
_T.unsqueeze_ = lambda self, dim: _restride(self, lambda t: S.unsqueeze(t, dim), 'UnsqueezeBackward1')
_T.copy_ = S.copy_
_RESTRIDE_NODES = {}


def _restride(self, view, name):
    # in-place metadata changes: self takes the view's layout (a change of self, as torch counts it,
    # refused on a leaf that requires grad); torch names these nodes apart (grad_fn=<TransposeBackward1>)
    IP.check_inplace(self)
    e = self._extra
    if e is not None and 'view' in e:
        # self is a view: its new layout is a view of its old state, so that a later in-place change
        # of the base replays both (else the gradient would skip this change of layout)
        old = _wrap(self._data, self.dtype, self._device)
        old._rg, old.grad_fn, old._out, old._base = self._rg, self.grad_fn, self._out, self._base
        old._vc = self._shared_vc()
        old._extra = {'view': e['view']}
        v = view(old)
        e['view'] = v._extra['view']
    else:
        v = view(self)
    self._data = v._data
    fn = v.grad_fn
    if fn is not None:
        cls = _RESTRIDE_NODES.get((type(fn), name))
        if cls is None:
            cls = _RESTRIDE_NODES[(type(fn), name)] = type(name, (type(fn),), {'__slots__': ()})
        fn.__class__ = cls
        self.grad_fn, self._out = fn, v._out
    self._bump()
    return self


# creation and conversion
_T.to = C.to
_T.cpu = C.cpu
_T.pin_memory = C.pin_memory
_T.is_pinned = C.is_pinned
_T.cuda = C.cuda
_T.clone = C.clone
_T.contiguous = C.contiguous
for _n, _d in (('float', 'float32'), ('double', 'float64'), ('half', 'float16'), ('bfloat16', 'bfloat16'), ('long', 'int64'), ('int', 'int32'),
               ('short', 'int16'), ('char', 'int8'), ('byte', 'uint8'), ('bool', 'bool')):
    from .. import _dtype as _D
    setattr(_T, _n, C._cast(_D._NAMES[_d]))
for _n in ('uniform_', 'normal_', 'bernoulli_', 'random_', 'exponential_', 'geometric_', 'log_normal_', 'cauchy_',
           'fill_', 'zero_', 'resize_', 'resize_as_'):
    setattr(_T, _n, getattr(C, _n))
_T.bernoulli = C.bernoulli
_T.multinomial = C.multinomial
_T.new_tensor = lambda self, data, dtype=None, device=None, requires_grad=False: C.tensor(
    data, dtype=dtype or self.dtype, device=device or self._device, requires_grad=requires_grad)


def _new_factory(fill):
    name = 'new_' + fill.__name__

    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False, **kw):
        if kw:      # size as a keyword (torch's ``new_zeros(size=(2, 3))``)
            if set(kw) != {'size'}:
                raise TypeError(f"{name}() got an unexpected keyword argument '{next(k for k in kw if k != 'size')}'")
            if size:
                raise TypeError(f"{name}() got multiple values for argument 'size'")
            size = (kw['size'],)
        return fill(*size, dtype=dtype or self.dtype, device=device or self._device, requires_grad=requires_grad)
    new.__name__ = new.__qualname__ = name
    return new


_T.new_zeros = _new_factory(C._zeros_plain)
_T.new_ones = _new_factory(C.ones)
_T.new_empty = _new_factory(C.empty)
_T.new_full = lambda self, size, fill_value, dtype=None, device=None, requires_grad=False: C.full(
    size, fill_value, dtype=dtype or self.dtype, device=device or self._device, requires_grad=requires_grad)


def _bind_module(mod, names):
    for n in names:
        f = getattr(mod, n, None)
        if f is not None:
            setattr(_T, n, f)


_bind_module(R, ('sum', 'mean', 'prod', 'max', 'min', 'amax', 'amin', 'argmax', 'argmin', 'std', 'var',
             'all', 'any', 'logsumexp', 'cumsum', 'norm'))
_bind_module(L, ('matmul', 'mm', 'bmm', 'dot', 'mv', 'outer', 'ger', 'addmm', 'kron', 'cross', 'baddbmm', 'addmv',
                 'addbmm'))
for _n in ('baddbmm', 'addmv', 'addbmm'):
    setattr(_T, _n + '_', IP.make_inplace(getattr(L, _n)))
from . import decomp as _LD  # noqa: E402
_T.inverse = _LD.inv
_T.det = _LD.det
_T.slogdet = _LD.slogdet
_T.logdet = lambda self: _LD.logdet(self)
_T.matrix_power = _LD.matrix_power
_T.pinverse = lambda self, rcond=1e-15: _LD.pinv(self, rtol=rcond)
_T.cholesky = _LD.cholesky_old
_T.cholesky_solve = _LD.cholesky_solve
_T.lu_solve, _T.triangular_solve = _LD.lu_solve_old, _LD.triangular_solve
_T.geqrf, _T.orgqr = _LD.geqrf, _LD.householder_product


def _tensor_lu(self, pivot=True, get_infos=False):
    """Tensor.lu: torch.lu's answer as a plain tuple (torch/_tensor.py unpacks _lu_with_info)."""
    return tuple(_LD.lu_old(self, pivot=pivot, get_infos=get_infos))


_T.lu = _tensor_lu
_T.cholesky_inverse = _LD.cholesky_inverse
_T.matrix_exp = _LD.matrix_exp
_T.svd = _LD.svd_old
from . import softmax as _SM  # noqa: E402
_bind_module(_SM, ('softmax', 'log_softmax'))
_T.__matmul__ = L.matmul
_T.__rmatmul__ = lambda self, other: L.matmul(other, self)

# manipulation (shape/index family) and sorting/statistics: methods and in-place forms
from . import manipulation as _MP, sorting as _SO  # noqa: E402
_bind_module(_MP, ('flip', 'fliplr', 'flipud', 'roll', 'rot90', 'repeat', 'repeat_interleave', 'tile', 'movedim',
                   'moveaxis', 'gather', 'index_select', 'masked_select', 'take', 'take_along_dim', 'diag',
                   'diag_embed', 'diagonal', 'trace'))
_T.flip = lambda self, *dims, **kw: (_MP.flip(self, dims[0] if len(dims) == 1 else dims) if dims  # x.flip(0, 1) too
                                     else _MP.flip(self, **kw))
for _n in ('scatter', 'scatter_add', 'scatter_reduce', 'index_add', 'index_reduce', 'index_copy', 'index_fill',
           'masked_scatter', 'tril', 'triu'):
    _bind(_n, getattr(_MP, _n))
_bind_module(_SO, ('sort', 'argsort', 'msort', 'topk', 'kthvalue', 'unique', 'unique_consecutive', 'bincount', 'histc',
                   'histogram', 'cummax', 'cummin', 'median', 'nanmedian', 'quantile', 'nanquantile', 'mode', 'count_nonzero',
                   'aminmax', 'diff'))
_bind('cumprod', _SO.cumprod)
_cumprod_ip = _T.cumprod_


def _cumprod_(self, dim, *, dtype=None):
    if dtype is not None and dtype is not self.dtype:      # (torch refuses a dtype= that is not self's)
        raise RuntimeError(f'Bad in-place call: input tensor dtype {str(self.dtype)[6:]} and output tensor dtype '
                           f'{str(dtype)[6:]} should match')
    return _cumprod_ip(self, dim)


_T.cumprod_ = _cumprod_

# aliases and functions written with other ops (ember/_ops/composite.py)
from . import composite as _EX  # noqa: E402
for _n in ('multiply', 'subtract', 'divide'):
    _bind(_n, getattr(_EX, _n))
_bind_module(_EX, ('nansum', 'nanmean', 'ravel', 'inner', 'vdot'))
for _n in ('hsplit', 'vsplit', 'dsplit'):
    setattr(_T, _n, _EX._split_method(getattr(_EX, _n)))

# Tensor methods of real scripts (composite.py): type_as, unfold, new, the *_scatter family, put_, ...
_bind_module(_EX, ('type_as', 'unfold', 'new', 'new_empty_strided', 'sum_to_size', 'split_with_sizes', 'is_same_size',
                   'isreal', 'conj', 'conj_physical', 'resolve_conj', 'resolve_neg', 'is_conj', 'is_neg', 'addr',
                   'addr_', 'dist', 'diagflat', 'cov', 'corrcoef', 'fill_diagonal_', 'select_scatter', 'slice_scatter',
                   'diagonal_scatter', 'as_strided_scatter', 'renorm', 'put', 'put_', 'logcumsumexp', 'frexp',
                   'ldexp', 'ldexp_', 'gcd', 'gcd_', 'lcm', 'lcm_', 'nextafter'))
_T.renorm_ = IP.make_inplace(_EX.renorm)
_T.conj_physical_ = lambda self: self

# special functions (ember/_ops/special.py): methods and in-place forms; polygamma takes n first
from . import special as _SP  # noqa: E402
for _n in ('lgamma', 'digamma', 'i0', 'sinc'):
    _bind(_n, getattr(_SP, _n))
_T.polygamma = lambda self, n: _SP.polygamma(n, self)
_T.polygamma_ = IP.make_inplace(_T.polygamma)
_T.mvlgamma = lambda self, p: _SP.mvlgamma(self, p)
_T.mvlgamma_ = IP.make_inplace(_T.mvlgamma)
from . import strided as _strided  # noqa: E402  (as_strided, narrow_copy, share_memory_, igamma: Tensor methods)
_strided.bind()
from . import tensor_extra as _tensor_extra  # noqa: E402  (addmm_, cumsum_, apply_, resize, qr, dim_order, ...)
_tensor_extra.bind()


# sparse COO (ember/_ops/sparse_coo.py, loaded on first use): a dense tensor's to_sparse, to_dense
def _to_sparse(self, *args, **kwargs):
    from .sparse_coo import to_sparse
    return to_sparse(self, *args, **kwargs)


_T.to_sparse = _T.to_sparse_coo = _to_sparse
_T.to_dense = lambda self, dtype=None, *, masked_grad=None: self if dtype is None else C.to(self, dtype)
