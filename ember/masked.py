"""torch.masked's functional operations on strided tensors: reductions and normalisations that see
only the elements where ``mask`` is True (masked statistics of tabular features with missing
values, softmax over padded positions).

Each op fills the masked-out elements with its reduction's identity (0 for sum, 1 for prod, -inf
for amax / argmax / logsumexp and the softmaxes, +inf for amin / softmin, nan for median) and runs
the plain op, composed as torch composes them (so results, dtypes and grad_fn names are torch's).
mean / var / std divide by the count of masked-in elements (nan where none is). ``mask`` broadcasts
to the input's shape. MaskedTensor and sparse layouts are not here.

Example:
    >>> x = ember.tensor([[1., 2., float('nan')], [3., 4., 5.]])
    >>> ember.masked.mean(x, 0, mask=~x.isnan())     # tensor([2., 3., 5.])
"""
import math

from . import _dtype as D

__all__ = ['sum', 'prod', 'cumsum', 'cumprod', 'amax', 'amin', 'argmax', 'argmin', 'mean', 'median',
           'logsumexp', 'logaddexp', 'norm', 'var', 'std', 'softmax', 'log_softmax', 'softmin', 'normalize']

_builtin_sum = sum
_SMALL_INTS = ('uint8', 'bool', 'int8', 'int16', 'int32')


def _E():
    import ember
    return ember


def _identity(op, input, ord=2):
    E = _E()
    dt, dev = input.dtype, input.device
    if op in ('sum', 'cumsum'):
        return E.tensor(0, dtype=dt, device=dev)
    if op in ('prod', 'cumprod'):
        return E.tensor(1, dtype=dt, device=dev)
    if op in ('amax', 'argmax', 'logaddexp', 'logsumexp', 'amin', 'argmin'):
        lo = op not in ('amin', 'argmin')
        if dt.is_floating_point or (op == 'logsumexp' and dt.is_complex):
            return E.tensor(-math.inf if lo else math.inf, dtype=dt, device=dev)
        if dt.is_signed or dt is D.uint8:
            info = E.iinfo(dt)
            return E.tensor(info.min if lo else info.max, dtype=dt, device=dev)
    elif op == 'norm':
        return E.tensor(math.inf if ord == -math.inf else 0, dtype=dt, device=dev)
    elif op == 'median':
        return E.tensor(math.nan, dtype=dt if dt.is_floating_point else D.float32, device=dev)
    raise NotImplementedError(f'identity of {op} on {dt} input')


def _canonical_dim(dim, ndim):
    """dim as a sorted tuple of dims (None or (): all of them)."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    ndim = max(ndim, 1)
    dims = []
    for d in ((dim,) if isinstance(dim, int) else dim):
        if d in dims:
            raise RuntimeError(f'dim={d} appears multiple times in the list of dims')
        if d >= ndim or d < -ndim:
            raise IndexError(f'Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})')
        dims.append(d % ndim)
    return tuple(sorted(dims))


def _input_mask(input, mask):
    """The mask as a bool tensor of the input's shape (broadcast; never of more dims)."""
    if mask is None:
        raise ValueError('_input_mask requires explicit mask')
    if tuple(mask.shape) != tuple(input.shape):
        if mask.dim() > input.dim():
            raise IndexError('_input_mask expected broadcastable mask (got mask dimensionality higher than of '
                             'the input)')
        mask = _E().broadcast_to(mask.clone(), input.shape).to(dtype=D.bool_)
    return mask.to(dtype=D.bool_)


def _combine(op, input, mask, ord=2):
    if mask is None:
        return input
    return _E().where(_input_mask(input, mask), input, _identity(op, input, ord))


def _int_sum_dtype(input, dtype):
    if dtype is None:
        dtype = D.int64 if str(input.dtype).split('.')[-1] in _SMALL_INTS else input.dtype
    return dtype


def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = _int_sum_dtype(input, dtype)
    dim_ = _canonical_dim(dim, input.dim())
    return _E().sum(_combine('sum', input, mask), dim_, bool(keepdim), dtype=dtype)


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = _int_sum_dtype(input, dtype)
    dim_ = _canonical_dim(dim, input.dim())
    result = _combine('prod', input, mask).to(dtype=dtype)
    for d in reversed(dim_):
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


def cumsum(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.dim())[0]
    return _E().cumsum(_combine('sum', input, mask), d, dtype=dtype).to(dtype=dtype)


def cumprod(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.dim())[0]
    return _E().cumprod(_combine('prod', input, mask), d, dtype=dtype).to(dtype=dtype)


def amax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    m = _combine('amax', input, mask)
    return _E().amax(m, _canonical_dim(dim, m.dim()), bool(keepdim)).to(dtype=dtype)


def amin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    m = _combine('amin', input, mask)
    return _E().amin(m, _canonical_dim(dim, m.dim()), bool(keepdim)).to(dtype=dtype)


def argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    return _E().argmax(_combine('argmax', input, mask), dim, bool(keepdim)).to(dtype=dtype)


def argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    return _E().argmin(_combine('argmin', input, mask), dim, bool(keepdim)).to(dtype=dtype)


def _count_and_total(input, dim, keepdim, dtype, mask):
    E = _E()
    if mask is None:
        count = sum(E.ones(input.shape, dtype=D.int64, device=input.device), dim, keepdim=keepdim)
        return count, sum(input, dim, keepdim=keepdim, dtype=dtype), None
    inmask = _input_mask(input, mask)
    count = inmask.sum(dim=dim, keepdim=bool(keepdim))
    return count, sum(input, dim, keepdim=keepdim, dtype=dtype, mask=inmask), inmask


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    source = 'Optional'
    if dtype is None:
        dtype, source = input.dtype, 'Input'
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(f'mean(): Could not infer output dtype. {source} dtype must be either a floating point or '
                         f'complex dtype. Got: {dtype}')
    count, total, _ = _count_and_total(input, dim, keepdim, dtype, mask)
    return total / count


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.dim())[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dtype=D.float32)
    out = _E().nanmedian(_combine('median', input, mask), d, keepdim).values
    if is_float:
        return out
    if not _E().isnan(out).any():
        return out.to(dtype=dtype)
    raise ValueError('masked median expects no fully masked out rows if dtype is not floating point')


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    dim_ = _canonical_dim(dim, input.dim())
    return _E().logsumexp(_combine('logsumexp', input, mask), dim_, keepdim=keepdim).to(dtype=dtype)


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):
    dtype = input.dtype if dtype is None else dtype
    return _E().logaddexp(_combine('logaddexp', input, input_mask),
                          _combine('logaddexp', other, other_mask)).to(dtype=dtype)


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    m = _combine('norm', input, mask, ord)
    return _E().linalg.vector_norm(m, ord, _canonical_dim(dim, input.dim()), bool(keepdim), dtype=dtype)


def _std_var(input, dim, unbiased, correction_opt, keepdim, dtype, mask, take_sqrt):
    E = _E()
    if unbiased is not None and correction_opt is not None:
        raise AssertionError('Only one of unbiased and correction may be given')
    correction = 1.0
    if unbiased is not None:
        correction = 1.0 if unbiased else 0.0
    if correction_opt is not None:
        correction = float(correction_opt)
    if dtype is None:
        dtype = input.dtype
        if not (dtype.is_floating_point or dtype.is_complex):
            dtype = D.float32
    compute_dtype = dtype if (dtype.is_floating_point or dtype.is_complex) else D.float32
    count, sample_total, inmask = _count_and_total(input, dim, True, dtype, mask)
    x = E.subtract(input, E.divide(sample_total, count))
    total = sum(x * x.conj(), dim, keepdim=keepdim, dtype=compute_dtype, mask=inmask)
    if not keepdim:
        count = count.reshape(total.shape)
    if correction != 0:
        real = compute_dtype.to_real() if compute_dtype.is_complex else compute_dtype
        count = count.to(real)
        count = E.subtract(count, correction)
        count = E.maximum(count, count.new_zeros([]))
    out = E.divide(total, count).to(dtype=dtype)
    return E.sqrt(out) if take_sqrt else out


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None):
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, False)


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None):
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, True)


def softmax(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.dim())[0]
    return _E().nn.functional.softmax(_combine('amax', input, mask), d, dtype=dtype)


def log_softmax(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.dim())[0]
    return _E().nn.functional.log_softmax(_combine('amax', input, mask), d, dtype=dtype)


def softmin(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.dim())[0]
    return _E().nn.functional.softmin(_combine('amin', input, mask), d, dtype=dtype)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):
    E = _E()
    dtype = input.dtype if dtype is None else dtype
    m = _combine('sum', input, mask)
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    return E.divide(m, E.maximum(nrm, nrm.new_full([], eps)))
