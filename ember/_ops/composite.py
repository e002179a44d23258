"""Composite functions: the ones PyTorch defines on top of others: aliases (multiply, subtract, divide, row_stack),
NaN-ignoring reductions (nansum, nanmean), the atleast_Nd and stack/split families (column_stack,
dstack, hsplit, ...), inner/vdot, isin, cdist, block_diag and cartesian_prod.

Each is written with ember ops, so gradients come from theirs.

Example:
    >>> ember.nanmean(ember.tensor([1., float('nan'), 3.]))      # tensor(2.)
    >>> ember.cdist(ember.zeros(2, 3), ember.ones(4, 3)).shape    # torch.Size([2, 4])
"""
import builtins
from .. import _dtype as D
from .._tensor import Tensor, Size, _wrap, _gm
from ._core import record, backward_op, type_name
from .._backend import array_module
from . import pointwise as P, shape as S, reduction as R, linalg as L

__all__ = ['multiply', 'subtract', 'divide', 'nansum', 'nanmean', 'atleast_1d', 'atleast_2d', 'atleast_3d', 'ravel',
           'column_stack', 'row_stack', 'dstack', 'hsplit', 'vsplit', 'dsplit', 'broadcast_shapes', 'inner', 'vdot',
           'isin', 'cdist', 'block_diag', 'cartesian_prod']

multiply = P.mul
subtract = P.sub
divide = P.div
row_stack = S.vstack


def _type_name(x):
    return type(x).__name__


# ---------------------------------------------------------------- nansum / nanmean
def _nan_dims(dim):
    return None if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0) else dim


@backward_op('NansumBackward0')
def _nan_zero_bw(node, g):
    (keep,) = node._args
    return (P.mul(g, keep),)        # (as torch: grad * ~isnan(x), so an inf grad gives NaN at a NaN)


def _nan_zero(x):
    """``x`` with NaNs replaced by zeros; the gradient is ``g * ~isnan(x)``."""
    xp = array_module(x._data)
    nan = xp.isnan(x._data)
    t = _wrap(xp.where(nan, xp.zeros((), x._data.dtype), x._data), x.dtype, x._device)
    if _gm.enabled and x._rg:
        keep = _wrap(xp.logical_not(nan), D.bool_, x._device)
        record(_nan_zero_bw, t, (x,), (), (keep,))
    return t


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (all dims by default), treating NaN as zero."""
    if not isinstance(input, Tensor):
        raise TypeError(f'nansum(): argument \'input\' (position 1) must be Tensor, not {_type_name(input)}')
    x = input
    if x.dtype._cat >= 2:
        x = _nan_zero(x)
    return R.sum(x, _nan_dims(dim), keepdim, dtype=dtype, out=out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim`` (all dims by default) of the elements that are not NaN."""
    if not isinstance(input, Tensor):
        raise TypeError(f'nanmean(): argument \'input\' (position 1) must be Tensor, not {_type_name(input)}')
    if input.dtype._cat < 2:
        raise RuntimeError('nanmean(): expected input to have floating point or complex dtype but got '
                           f'{type_name(input.dtype)}')
    d = _nan_dims(dim)
    keep = P.logical_not(P.isnan(input))
    total = nansum(input, d, keepdim, dtype=dtype)
    count = R.sum(keep, d, keepdim)
    res = P.div(total, count)
    if out is not None:
        from .shape import copy_out
        return copy_out(out, res)
    return res


# ---------------------------------------------------------------- atleast_Nd, ravel
def _atleast(fname, args, fix):
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return tuple(_atleast(fname, (t,), fix) for t in args[0])
    if len(args) == 1:
        t = args[0]
        if not isinstance(t, Tensor):
            raise TypeError(f'{fname}(): argument \'tensors\' must be tuple of Tensors, not {_type_name(t)}')
        return fix(t)
    return tuple(_atleast(fname, (t,), fix) for t in args)


def _fix1(t):
    return t.reshape(1) if t.dim() == 0 else t


def _fix2(t):
    n = t.dim()
    if n == 0:
        return t.reshape(1, 1)
    if n == 1:
        return t.unsqueeze(0)
    return t


def _fix3(t):
    n = t.dim()
    if n == 0:
        return t.reshape(1, 1, 1)
    if n == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    if n == 2:
        return t.unsqueeze(-1)
    return t


def atleast_1d(*tensors):
    """The tensor (or each tensor) with at least 1 dimension; several tensors give a tuple."""
    return _atleast('atleast_1d', tensors, _fix1)


def atleast_2d(*tensors):
    """The tensor (or each tensor) with at least 2 dimensions (a 1-D ``(n,)`` becomes ``(1, n)``)."""
    return _atleast('atleast_2d', tensors, _fix2)


def atleast_3d(*tensors):
    """The tensor (or each tensor) with at least 3 dimensions (``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``)."""
    return _atleast('atleast_3d', tensors, _fix3)


def ravel(input):
    """The elements as a 1-D tensor (a view where possible)."""
    return S.reshape(input, -1)


# ---------------------------------------------------------------- stacks and splits
def _tensor_seq(fname, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f'{fname}(): argument \'tensors\' (position 1) must be tuple of Tensors, '
                        f'not {_type_name(tensors)}')
    if len(tensors) == 0:
        raise RuntimeError(f'{fname} expects a non-empty TensorList')
    return tensors


def column_stack(tensors, *, out=None):
    """Stacks tensors as columns: 0-D and 1-D tensors become ``(n, 1)`` columns, then ``hstack``."""
    ts = _tensor_seq('column_stack', tensors)
    ts = [t.reshape(t.numel(), 1) if t.dim() <= 1 else t for t in ts]
    return S.hstack(ts, out=out)


def dstack(tensors, *, out=None):
    """Stacks tensors depthwise (along the third dimension, after ``atleast_3d``)."""
    ts = _tensor_seq('dstack', tensors)
    return S.cat([_fix3(t) for t in ts], 2, out=out)


def _dir_split(fname, input, indices_or_sections, dim, need):
    if not isinstance(input, Tensor):
        raise TypeError(f'{fname}(): argument \'input\' (position 1) must be Tensor, not {_type_name(input)}')
    n = input.dim()
    if n < need:
        raise RuntimeError(f'torch.{fname} requires a tensor with at least {need} dimension'
                           f'{"s" if need > 1 else ""}, but got a tensor with {n} dimensions!')
    if isinstance(indices_or_sections, int) and not isinstance(indices_or_sections, bool):
        size = input.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections != 0:
            raise RuntimeError(f'torch.{fname} attempted to split along dimension {dim}, but the size of the '
                               f'dimension {size} is not divisible by the split_size {indices_or_sections}!')
    elif not isinstance(indices_or_sections, (list, tuple)):
        raise TypeError(f'{fname}() received an invalid combination of arguments - got (Tensor, '
                        f'{_type_name(indices_or_sections)}), but expected one of:\n * (Tensor input, int sections)\n'
                        ' * (Tensor input, tuple of ints indices)')
    return S.tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """Splits horizontally: along dim 1 (dim 0 for a 1-D tensor), like ``numpy.hsplit``."""
    d = 0 if isinstance(input, Tensor) and input.dim() == 1 else 1
    return _dir_split('hsplit', input, indices_or_sections, d, 1)


def vsplit(input, indices_or_sections):
    """Splits vertically: along dim 0 of a tensor of at least 2 dimensions."""
    return _dir_split('vsplit', input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """Splits depthwise: along dim 2 of a tensor of at least 3 dimensions."""
    return _dir_split('dsplit', input, indices_or_sections, 2, 3)


def _split_method(fn):
    def method(self, indices_or_sections, *more):
        if more:
            indices_or_sections = (indices_or_sections,) + more
        return fn(self, indices_or_sections)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


# ---------------------------------------------------------------- broadcast_shapes
def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes broadcast to (a ``torch.Size``)."""
    norm = []
    for s in shapes:
        if isinstance(s, int) and not isinstance(s, bool):
            s = (s,)
        elif isinstance(s, (tuple, list, Size)):
            s = tuple(s)
            for v in s:
                if isinstance(v, bool) or not isinstance(v, int):
                    raise TypeError('Input shapes should be of type ints, a tuple of ints, or a list of ints, '
                                    f'got {s!r}')
        else:
            raise RuntimeError('Input shapes should be of type ints, a tuple of ints, or a list of ints, '
                               f'got {s!r}')
        for v in s:
            if v < 0:
                raise ValueError('Attempting to broadcast a dimension with negative length!')
        norm.append(s)
    ndim = builtins.max((len(s) for s in norm), default=0)
    res = [1] * ndim
    for s in norm:
        for i in range(1, len(s) + 1):
            v = s[-i]
            if v == 1:
                continue
            if res[-i] == 1:
                res[-i] = v
            elif res[-i] != v:
                raise RuntimeError(f'Attempting to broadcast a dimension of length {v} at {-i}! Mismatching '
                                   f'argument at index {norm.index(s)} had {s}; but expected shape should be '
                                   f'broadcastable to {res}')
    return Size(res)


# ---------------------------------------------------------------- inner, vdot
def inner(input, other, *, out=None):
    """Inner product over the last dimension: shape ``input.shape[:-1] + other.shape[:-1]``."""
    for name, v in (('input', input), ('other', other)):
        if not isinstance(v, Tensor):
            raise TypeError(f'inner(): argument \'{name}\' must be Tensor, not {_type_name(v)}')
    if input.dim() == 0 or other.dim() == 0:
        return P.mul(input, other, out=out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f'inner() the last dimension must match on both input tensors but got shapes '
                           f'{list(input.shape)} and {list(other.shape)}')
    res = L.tensordot(input, other, dims=([input.dim() - 1], [other.dim() - 1]))
    if out is not None:
        from .shape import copy_out
        return copy_out(out, res)
    return res


def vdot(input, other, *, out=None):
    """Dot product of two 1-D tensors, conjugating the first (the same as ``dot`` for real tensors)."""
    for name, v in (('input', input), ('other', other)):
        if not isinstance(v, Tensor):
            raise TypeError(f'vdot(): argument \'{name}\' (position {1 if name == "input" else 2}) must be Tensor, '
                            f'not {_type_name(v)}')
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f'1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors')
    return L.dot(input, other, out=out)


# ---------------------------------------------------------------- isin
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """A bool tensor of ``elements``' shape: whether each element is in ``test_elements``."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError('isin() received an invalid combination of arguments: elements and test_elements '
                        'cannot both be scalars')
    ref = elements if isinstance(elements, Tensor) else test_elements
    xp = array_module(ref._data)
    e = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray([test_elements])
    r = xp.isin(e, t, assume_unique=assume_unique, invert=invert)
    return _wrap(xp.asarray(r, dtype=D.bool_.np), D.bool_, ref._device)


# ---------------------------------------------------------------- cdist
def cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary'):
    """The ``p``-norm distance between each row of ``x1`` ``(..., P, M)`` and of ``x2`` ``(..., R, M)``:
    ``(..., P, R)``; batch dimensions broadcast."""
    for name, v in (('x1', x1), ('x2', x2)):
        if not isinstance(v, Tensor):
            raise TypeError(f'cdist(): argument \'{name}\' must be Tensor, not {_type_name(v)}')
    if x1.dim() < 2:
        raise RuntimeError(f'cdist only supports at least 2D tensors, X1 got: {x1.dim()}D')
    if x2.dim() < 2:
        raise RuntimeError(f'cdist only supports at least 2D tensors, X2 got: {x2.dim()}D')
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f'X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} '
                           f'X2: {x2.shape[-1]}')
    for name, v in (('X1', x1), ('X2', x2)):
        if v.dtype._cat < 2:
            raise RuntimeError(f'cdist only supports floating-point dtypes, {name} got: {type_name(v.dtype)}')
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f'expected scalar type {type_name(x1.dtype)} but found {type_name(x2.dtype)}')
    if p < 0:
        raise RuntimeError('cdist only supports non-negative p values')
    if compute_mode not in ('use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist',
                            'donot_use_mm_for_euclid_dist', None):
        raise ValueError(f'{compute_mode} is not a valid value for compute_mode')
    diff = P.sub(x1.unsqueeze(-2), x2.unsqueeze(-3))       # (..., P, R, M)
    if p == 0:      # the count of differing coordinates: a zero gradient, as torch gives
        return P.add(R.sum(P.ne(diff, 0), -1, dtype=x1.dtype), R.sum(P.mul(diff, 0), -1))
    return R.vector_norm(diff, float(p), -1)


# ---------------------------------------------------------------- block_diag, cartesian_prod
def block_diag(*tensors):
    """A block-diagonal matrix of the given (0-D, 1-D or 2-D) tensors."""
    from .creation import zeros
    mats = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f'block_diag(): argument \'tensors\' must be tuple of Tensors, but found element '
                            f'of type {_type_name(t)} at pos {i}')
        if t.dim() > 2:
            raise RuntimeError(f'torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has '
                               f'{t.dim()} dimensions')
        mats.append(_fix2(t))
    if not mats:
        return zeros(1, 0)
    dt = mats[0].dtype
    for m in mats[1:]:
        dt = D.promote_types(dt, m.dtype)
    dev = mats[0]._device
    for i, m in enumerate(mats):
        if m._device is not dev and m._device != dev:
            raise RuntimeError(f'torch.block_diag: input tensors must all be on the same device. Input 0 is on '
                               f'device {dev} and input {i} is on device {m._device}')
    ncols = builtins.sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m.shape
        m = m.to(dt) if m.dtype is not dt else m
        parts = []
        if left:
            parts.append(zeros(r, left, dtype=dt, device=dev))
        parts.append(m)
        right = ncols - left - c
        if right:
            parts.append(zeros(r, right, dtype=dt, device=dev))
        rows.append(S.cat(parts, 1) if len(parts) > 1 else m)
        left += c
    return S.cat(rows, 0) if len(rows) > 1 else rows[0].clone()


def cartesian_prod(*tensors):
    """The cartesian product of 1-D tensors: ``(n1 * n2 * ..., k)`` (a 1-D tensor for one input)."""
    from .manipulation import meshgrid
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f'cartesian_prod(): argument \'tensors\' must be tuple of Tensors, not {_type_name(t)}')
        if t.dim() != 1:
            raise RuntimeError(f'Expect a 1D vector, but got shape {list(t.shape)}')
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing='ij')
    return S.stack([g.reshape(-1) for g in grids], 1)
