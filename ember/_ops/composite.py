"""Composite functions: the ones PyTorch defines on top of others: aliases (multiply, subtract, divide, row_stack),
NaN-ignoring reductions (nansum, nanmean), the atleast_Nd and stack/split families (column_stack,
dstack, hsplit, ...), inner/vdot, isin, cdist, block_diag and cartesian_prod; and the Tensor methods and
functions real scripts use (type_as, unfold, new, sum_to_size, addr, dist, cov/corrcoef, fill_diagonal_,
the *_scatter family, renorm, put, logcumsumexp, frexp/ldexp, gcd/lcm, nextafter, combinations,
chain_matmul, torch.fill and torch.abs_ & co.).

Each is written with ember ops, so gradients come from theirs.

Example:
    >>> ember.nanmean(ember.tensor([1., float('nan'), 3.]))      # tensor(2.)
    >>> ember.cdist(ember.zeros(2, 3), ember.ones(4, 3)).shape    # torch.Size([2, 4])
"""
import builtins

import numpy as np
from .. import _dtype as D
from .._tensor import Tensor, Size, _wrap, _gm
from ._core import record, backward_op, type_name, fused_name
from .._backend import array_module
from . import pointwise as P, shape as S, reduction as R, linalg as L
from ..amp import autocast_mode as _amp  # (autocast: the float32-list ops)

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
    if x.dtype._cat == 3:
        raise RuntimeError('nansum on CPU does not support complex inputs')
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
    return L.dot(input.conj() if input.dtype.is_complex else input, other, out=out)


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
    if _amp.active:     # autocast: float16 operands run in float32 (ember/amp/autocast_mode.py)
        x1, x2 = _amp.higher_op('cdist', x1, x2)
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
    if x1.dtype is D.float16 and x1.device.type == 'cpu':      # (torch's CPU kernel has no Half)
        raise NotImplementedError('"cdist" not implemented for \'Half\'')
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f'expected scalar type {type_name(x1.dtype)} but found {type_name(x2.dtype)}')
    if p < 0:
        raise RuntimeError('cdist only supports non-negative p values')
    if compute_mode not in ('use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist',
                            'donot_use_mm_for_euclid_dist', None):
        raise ValueError(f'{compute_mode} is not a valid value for compute_mode')
    r1, r2 = x1.shape[-2], x2.shape[-2]
    mode = {None: 0, 'use_mm_for_euclid_dist_if_necessary': 0, 'use_mm_for_euclid_dist': 1}.get(compute_mode, 2)
    if p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))) and x1.numel() and x2.numel():
        # torch's matrix-product form: |a|^2 + |b|^2 - 2 a.b, clamped at 0 (its rounding, its speed)
        batch = tuple(np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
        a = x1.expand(*batch, r1, x1.shape[-1]).reshape(-1, r1, x1.shape[-1])
        b = x2.expand(*batch, r2, x2.shape[-1]).reshape(-1, r2, x2.shape[-1])
        return S.view(_euclidean_dist(a, b), batch + (r1, r2))
    diff = P.sub(x1.unsqueeze(-2), x2.unsqueeze(-3))       # (..., P, R, M)
    if p == 0:      # the count of differing coordinates: a zero gradient, as torch gives
        return fused_name(P.add(R.sum(P.ne(diff, 0), -1, dtype=x1.dtype), R.sum(P.mul(diff, 0), -1)),
                          'CdistBackward0')
    return fused_name(R.vector_norm(diff, float(p), -1), 'CdistBackward0')


@backward_op('EuclideanDistBackward0')
def _euclidean_dist_bw(node, g):
    # torch's _euclidean_dist_backward: with ratio = g / d (0 where d == 0, a subgradient),
    # d/da = a * sum_r ratio - ratio @ b, d/db = b * sum_p ratio - ratio^T @ a
    a, b, d = node.saved()
    ratio = P.where(P.eq(d, 0), P.mul(g, 0), P.div(g, d))
    ga = P.sub(P.mul(a, R.sum(ratio, -1, keepdim=True)), L.matmul(ratio, b))
    gb = P.sub(P.mul(b, S.unsqueeze(R.sum(ratio, -2), -1)), L.matmul(S.transpose(ratio, -1, -2), a))
    return ga, gb


def _euclidean_dist(a, b):
    """Row distances of (B, P, M) and (B, R, M) through one product of [-2a, |a|^2, 1] and
    [b, 1, |b|^2]: (B, P, R)."""
    xa, xb = a._data, b._data
    xp = array_module(xa)
    na = (xa * xa).sum(-1, keepdims=True)
    nb = (xb * xb).sum(-1, keepdims=True)
    ea = xp.concatenate([xa * xa.dtype.type(-2), na, xp.ones_like(na)], -1)
    eb = xp.concatenate([xb, xp.ones_like(nb), nb], -1)
    d = xp.matmul(ea, xp.swapaxes(eb, -1, -2))
    np.maximum(d, 0, out=d)
    np.sqrt(d, out=d)
    t = _wrap(d, a.dtype, a._device)
    if _gm.enabled and (a._rg or b._rg):
        record(_euclidean_dist_bw, t, (a, b), (a, b, t))
    return t


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


# ================================================================ Tensor methods and torch functions of real scripts
# (type_as, unfold, new, sum_to_size, addr, dist, cov, the *_scatter family, renorm, put, logcumsumexp,
# frexp/ldexp, gcd/lcm, nextafter, combinations, chain_matmul, and torch.abs_ & co.)
import itertools
import warnings
from .._tensor import _wrap_dim
from . import creation as C, indexing as I, manipulation as MP


def _check_tensor(fname, name, v, pos=None):
    if not isinstance(v, Tensor):
        where = f' (position {pos})' if pos is not None else ''
        raise TypeError(f"{fname}(): argument '{name}'{where} must be Tensor, not {_type_name(v)}")


# ---------------------------------------------------------------- conversions and constructors
def type_as(self, other):
    """``self`` cast to ``other``'s type (dtype and device); ``self`` itself when they already match.

    Example:
        >>> ember.ones(2).type_as(ember.tensor([1]))      # tensor([1, 1])
    """
    _check_tensor('type_as', 'other', other, 1)
    return self.type(other.type())


def new(self, *args, device=None, **kwargs):
    """The legacy constructor: ``t.new()`` (empty), ``t.new(2, 3)`` / ``t.new(torch.Size)`` (uninitialized),
    ``t.new([1, 2])`` (data); always of ``t``'s dtype.

    Example:
        >>> ember.ones(2).new([1, 2])      # tensor([1., 2.])
    """
    if kwargs:
        got = ', '.join([type(a).__name__ for a in args] + [f'{k}={type(v).__name__}' for k, v in kwargs.items()])
        raise TypeError(f'new() received an invalid combination of arguments - got ({got}), but expected one of:\n'
                        ' * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)\n'
                        ' * (tuple of ints size, *, torch.device device = None)\n'
                        ' * (object data, *, torch.device device = None)\n')
    dev = device if device is not None else self._device
    if not args:
        return C.empty(0, dtype=self.dtype, device=dev)
    if len(args) == 1:
        a = args[0]
        if isinstance(a, Tensor):
            if a.dtype is not self.dtype:
                raise TypeError(f'expected {self.type()} (got {a.type()})')
            return a.detach()           # (an alias of ``a``, as torch's)
        if isinstance(a, Size):
            return C.empty(tuple(a), dtype=self.dtype, device=dev)
        if isinstance(a, (list, tuple)) or hasattr(a, '__array__'):
            return C.tensor(a, dtype=self.dtype, device=dev)
        if isinstance(a, float):
            raise TypeError('new(): data must be a sequence (got float)')
    return C.empty(*args, dtype=self.dtype, device=dev)


def new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                      pin_memory=False):
    """An uninitialized tensor of ``size`` with the given element ``stride`` (``self``'s dtype and device by default).

    Example:
        >>> ember.ones(1).new_empty_strided((2, 3), (1, 2)).stride()      # (1, 2)
    """
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f'dimensionality of sizes ({len(size)}) must match dimensionality of strides '
                           f'({len(stride)})')
    for s in size:
        if s < 0:
            raise RuntimeError(f'Trying to create tensor with negative dimension {s}: {list(size)}')
    if any(st < 0 for st in stride):        # (a view before the start of the buffer: torch refuses too)
        raise RuntimeError(f'Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}')
    dt = dtype or self.dtype
    dev = device if device is not None else self._device
    n = 0 if 0 in size else 1 + builtins.sum((s - 1) * st for s, st in zip(size, stride))
    buf = C.empty(n, dtype=dt, device=dev)
    from .._backend import as_strided
    t = _wrap(as_strided(buf._data, size, [st * buf._data.itemsize for st in stride]), dt, buf._device)
    return t.requires_grad_(requires_grad) if requires_grad else t


# ---------------------------------------------------------------- shape helpers
def _size_args(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        return tuple(size[0])
    return tuple(size)


def sum_to_size(self, *size):
    """``self`` summed over the broadcast dimensions down to ``size`` (which must expand to ``self.shape``).

    Example:
        >>> ember.ones(2, 3).sum_to_size(1, 3)      # tensor([[2., 2., 2.]])
    """
    size = _size_args(size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f'size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.')
    if size == shape:
        return self
    dims = list(range(lead)) + [lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1]
    return R.sum(self, dims, keepdim=True).reshape(size)


def split_with_sizes(self, split_sizes, dim=0):
    """``self`` split along ``dim`` into pieces of the given sizes (which must sum to ``self.size(dim)``).

    Example:
        >>> [p.shape for p in ember.ones(5).split_with_sizes([2, 3])]      # [Size([2]), Size([3])]
    """
    if not isinstance(split_sizes, (list, tuple, Size)):
        raise TypeError(f"split_with_sizes(): argument 'split_sizes' (position 1) must be tuple of ints, "
                        f'not {_type_name(split_sizes)}')
    sizes = [int(s) for s in split_sizes]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f'split_with_sizes expects split_sizes have only non-negative entries, but got '
                           f'split_sizes={sizes}')
    return S.split(self, sizes, dim)


def is_same_size(self, other):
    """Whether ``self`` and ``other`` have the same shape."""
    _check_tensor('is_same_size', 'other', other, 1)
    return tuple(self.shape) == tuple(other.shape)


# ---------------------------------------------------------------- unfold (a strided view)
@backward_op('UnfoldBackward0')
def _unfold_bw(node, g):
    shape, d, size, step = node._args
    z = C.zeros(shape, dtype=g.dtype, device=g._device)
    n = g.shape[d]
    for k in range(size):       # window element k of every window: one strided slice, no repeats within it
        idx = (slice(None),) * d + (slice(k, k + step * (n - 1) + 1, step),)
        z[idx] += g.select(-1, k)
    return (z,)


def unfold(self, dimension, size, step):
    """A view of every window of ``size`` elements along ``dimension``, ``step`` apart: that dimension becomes
    the window count ``(n - size) // step + 1`` and a new last dimension of ``size`` is added.

    Example:
        >>> ember.arange(5.).unfold(0, 2, 2)      # tensor([[0., 1.], [2., 3.]])
    """
    a = self._data
    nd = a.ndim
    d = _wrap_dim(dimension, nd)
    n = a.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f'maximum size for tensor at dimension {d} is {n} but size is {size}')
    if size < 0:
        raise RuntimeError(f'size is {size} but must be >= 0')
    if step <= 0:
        raise RuntimeError(f'step is {step} but must be > 0')
    if nd == 0:
        return unfold(self.reshape(1), 0, size, step)[0]
    from .._backend import as_strided
    shape = a.shape[:d] + ((n - size) // step + 1,) + a.shape[d + 1:] + (size,)
    strides = a.strides[:d] + (a.strides[d] * step,) + a.strides[d + 1:] + (a.strides[d],)
    return S.make_view(self, as_strided(a, shape, strides), _unfold_bw, (a.shape, d, size, step),
                       ('unfold', (d, size, step)))


# ---------------------------------------------------------------- real tensors: conj and friends
def isreal(input):
    """A bool tensor: whether each element is real (always True: ember has no complex dtypes)."""
    _check_tensor('isreal', 'input', input, 1)
    return C.ones(tuple(input.shape), dtype=D.bool_, device=input._device)


def conj(input):
    """The complex conjugate: for a real tensor, the tensor itself (as torch)."""
    _check_tensor('conj', 'input', input, 1)
    return input


def conj_physical(input, *, out=None):
    """The conjugate, materialized: for a real tensor, the tensor itself."""
    _check_tensor('conj_physical', 'input', input, 1)
    if out is not None:
        from .shape import copy_out
        return copy_out(out, input)
    return input


def resolve_conj(input):
    """``input`` with a pending conjugation applied (none for real tensors: ``input`` itself)."""
    _check_tensor('resolve_conj', 'input', input, 1)
    return input


def resolve_neg(input):
    """``input`` with a pending negation applied (none for real tensors: ``input`` itself)."""
    _check_tensor('resolve_neg', 'input', input, 1)
    return input


def is_conj(input):
    """Whether ``input`` has its conjugate bit set (never, for real tensors)."""
    _check_tensor('is_conj', 'input', input, 1)
    return False


def is_neg(input):
    """Whether ``input`` has its negative bit set (never, for real tensors)."""
    _check_tensor('is_neg', 'input', input, 1)
    return False


# ---------------------------------------------------------------- addr, dist, diagflat
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``: vec1 ``(n,)``, vec2 ``(m,)``, input broadcastable to ``(n, m)``.

    Example:
        >>> ember.addr(ember.zeros(2, 3), ember.ones(2), ember.arange(3.))      # rows [0., 1., 2.]
    """
    for name, v, pos in (('input', input, 1), ('vec1', vec1, 2), ('vec2', vec2, 3)):
        _check_tensor('addr', name, v, pos)
    for name, v in (('vec1', vec1), ('vec2', vec2)):
        if v.dim() != 1:
            raise RuntimeError(f'addr: Expected 1-D argument {name}, but got {v.dim()}-D')
    rt = D.promote_types(D.promote_types(input.dtype, vec1.dtype), vec2.dtype)
    if rt._cat < 2:
        for name, v in (('beta', beta), ('alpha', alpha)):
            if isinstance(v, float):
                raise RuntimeError(f'For integral input tensors, argument {name} must not be a floating point '
                                   'number.')
    o = L.outer(vec1, vec2)
    inp = S.expand(input, (vec1.shape[0], vec2.shape[0]))
    if rt is D.bool_:       # (torch: logical and / or with the boolean beta and alpha)
        no = C.zeros((), dtype=D.bool_, device=o._device)
        res = P.logical_or(inp if beta else no, o if alpha else no)
    else:
        if not beta:        # beta == 0: input is ignored, NaNs included (its gradient is zero)
            inp = I.masked_fill(inp, C.ones((), dtype=D.bool_, device=inp._device), 0)
        elif beta != 1:
            inp = P.mul(inp, beta)
        res = P.add(inp, o if alpha == 1 else P.mul(o, alpha))
        if res.dtype is not rt:
            res = res.to(rt)
    if out is not None:
        from .shape import copy_out
        return copy_out(out, res)
    return res


def addr_(self, vec1, vec2, *, beta=1, alpha=1):
    """In-place ``addr``: ``self`` must already be ``(n, m)``."""
    if self.dim() != 2:
        raise RuntimeError(f'2D tensor expected, got {self.dim()}D tensor for input')
    from .inplace import apply_inplace
    return apply_inplace(self, addr, (vec1, vec2), {'beta': beta, 'alpha': alpha})


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` (broadcast): a 0-d tensor.

    Example:
        >>> ember.dist(ember.tensor([1., 2.]), ember.tensor([4., 6.]))      # tensor(5.)
    """
    _check_tensor('dist', 'input', input, 1)
    _check_tensor('dist', 'other', other, 2)
    diff = P.sub(input, other)
    if diff.dtype._cat < 2:
        raise RuntimeError(f'norm(): input dtype should be either floating point or complex. Got '
                           f'{type_name(diff.dtype)} instead.')
    return fused_name(R.vector_norm(diff, float(p)), 'DistBackward0')


def diagflat(input, offset=0):
    """A 2-D tensor with the flattened ``input`` on its ``offset`` diagonal.

    Example:
        >>> ember.diagflat(ember.tensor([[1, 2], [3, 4]])).shape      # torch.Size([4, 4])
    """
    _check_tensor('diagflat', 'input', input, 1)
    return MP.diag(S.reshape(input, -1), offset)


# ---------------------------------------------------------------- cov, corrcoef
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance of the variables in the rows of ``input`` ``(vars, obs)`` (a 1-D input is one variable):
    ``(vars, vars)``, or 0-d for one variable; observations weighted by ``fweights`` (integer counts) and
    ``aweights`` (float weights).

    Example:
        >>> ember.cov(ember.tensor([[0., 1., 2.], [2., 1., 0.]]))      # tensor([[1., -1.], [-1., 1.]])
    """
    _check_tensor('cov', 'input', input, 1)
    if input.dim() > 2:
        raise RuntimeError(f'cov(): expected input to have two or fewer dimensions but got an input with '
                           f'{input.dim()} dimensions')
    if input.dtype is D.bool_:
        raise RuntimeError('cov(): bool dtype is not supported for input')
    x = input.reshape(1, -1) if input.dim() < 2 else input
    nobs = x.shape[1]
    w = None
    for name, v in (('fweights', fweights), ('aweights', aweights)):
        if v is None:
            continue
        _check_tensor('cov', name, v)
        if v.dim() > 1:
            raise RuntimeError(f'cov(): expected {name} to have one or fewer dimensions but got {name} with '
                               f'{v.dim()} dimensions')
        if name == 'fweights' and v.dtype._cat != 1:
            raise RuntimeError(f'cov(): expected fweights to have integral dtype but got fweights with '
                               f'{type_name(v.dtype)} dtype')
        if name == 'aweights' and v.dtype._cat != 2:
            raise RuntimeError(f'cov(): expected aweights to have floating point dtype but got aweights with '
                               f'{type_name(v.dtype)} dtype')
        if v.numel() != nobs:
            raise RuntimeError(f'cov(): expected {name} to have the same numel as there are observations in the '
                               f'input but got {v.numel()} != {nobs}')
        if nobs and bool(R.min(v) < 0):
            raise RuntimeError(f'cov(): {name} cannot be negative')
        w = v if w is None else P.mul(w, v)
    if w is not None:
        w_sum = R.sum(w)
        if not bool(w_sum != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    else:
        w_sum = C.tensor(nobs, dtype=D.int64, device=x._device)
    avg = P.div(R.sum(P.mul(x, w) if w is not None else x, 1), w_sum)
    if w is not None and aweights is not None and correction != 0:
        norm = P.sub(w_sum, P.div(P.mul(R.sum(P.mul(w, aweights)), correction), w_sum))
    else:
        norm = P.sub(w_sum, correction)
    if bool(norm <= 0):
        warnings.warn('cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of '
                      'observations.', UserWarning, stacklevel=2)
        norm = P.mul(norm, 0)
    xm = P.sub(x, avg.unsqueeze(1))
    c = L.mm(xm, (P.mul(xm, w) if w is not None else xm).t())
    return P.div(c, norm).squeeze()


def corrcoef(input):
    """The Pearson correlation coefficients of the variables in the rows of ``input`` (``cov`` normalized,
    clipped to [-1, 1]).

    Example:
        >>> ember.corrcoef(ember.tensor([[0., 1., 2.], [2., 1., 0.]]))      # tensor([[1., -1.], [-1., 1.]])
    """
    _check_tensor('corrcoef', 'input', input, 1)
    if input.dim() > 2:
        raise RuntimeError(f'corrcoef(): expected input to have two or fewer dimensions but got an input with '
                           f'{input.dim()} dimensions')
    c = cov(input)
    if c.dim() == 0:        # one variable: nan for a zero/inf/nan variance, else 1
        return P.div(c, c)
    sd = P.sqrt(MP.diagonal(c))
    c = P.div(P.div(c, sd.reshape(-1, 1)), sd.reshape(1, -1))
    return P.clamp(c, -1, 1)


# ---------------------------------------------------------------- fill_diagonal_
def _fill_diagonal(self, fill_value, wrap=False):
    shape = tuple(self.shape)
    nd = len(shape)
    if nd < 2:
        raise RuntimeError('dimensions must larger than 1')
    if nd > 2 and any(s != shape[0] for s in shape):
        raise RuntimeError('all dimensions of input must be of equal length')
    numel = self.numel()
    if nd == 2:
        h, w = shape
        step = w + 1
        stop = numel if wrap else builtins.min(h, w) * w
    else:
        step = builtins.sum(shape[0] ** k for k in range(nd))      # (1 + n + n^2 + ...: one step down every dim)
        stop = numel
    mask = np.zeros(numel, dtype=bool)
    mask[0:stop:step] = True
    m = C.tensor(mask.reshape(shape), dtype=D.bool_, device=self._device)
    return I.masked_fill(self, m, fill_value)


def fill_diagonal_(self, fill_value, wrap=False):
    """Fills the main diagonal of ``self`` (2-D, or N-D with equal sizes) with ``fill_value``, in place; with
    ``wrap``, a tall matrix's diagonal restarts every ``ncols + 1`` rows.

    Example:
        >>> ember.zeros(2, 2).fill_diagonal_(1.)      # tensor([[1., 0.], [0., 1.]])
    """
    from .inplace import apply_inplace
    return apply_inplace(self, _fill_diagonal, (fill_value, wrap), {})


# ---------------------------------------------------------------- select_scatter, slice_scatter, diagonal_scatter
def _region(a, kind, args):
    """The (writable) backend view of the region ``kind`` of array ``a``."""
    if kind == 'select':
        d, i = args
        return a[(slice(None),) * d + (i,)]
    if kind == 'slice':
        d, start, end, step = args
        return a[(slice(None),) * d + (slice(start, end, step),)]
    if kind == 'as_strided':            # (a is a fresh C-contiguous copy: its flat order is the storage's)
        from .._backend import as_strided
        size, stride, off = args
        flat = a.reshape(-1)
        return as_strided(flat[off:] if flat.size else flat, size, tuple(s * a.itemsize for s in stride))
    return MP._diag_view(a, *args)


def _region_t(t, kind, args):
    """The same region of tensor ``t``, as a differentiable ember view."""
    if kind == 'select':
        return S.select(t, *args)
    if kind == 'slice':
        d, start, end, step = args
        return t[(slice(None),) * d + (slice(start, end, step),)]
    if kind == 'as_strided':
        return t.contiguous().as_strided(*args)
    return MP.diagonal(t, *args)


def _scatter_bw(node, g):
    kind, args, sdtype = node._args
    region = _region_t(g, kind, args)
    gi = _scatter_region(g, P.mul(region, 0) if g._rg else C.zeros(tuple(region.shape), dtype=g.dtype,
                                                                     device=g._device), kind, args)
    gs = region if region.dtype is sdtype or sdtype._cat < 2 else region.to(sdtype)
    return (gi, gs)


def _as_strided_scatter_bw(node, g):
    # torch's as_strided_scatter_backward, as it is: the input's gradient is g INSIDE the region and
    # zero elsewhere (the exact one is the reverse; torch's own gradcheck of this op fails), the
    # source's is the region of g
    kind, args, sdtype = node._args
    region = _region_t(g, kind, args)
    zeros = P.mul(g, 0) if g._rg else C.zeros(tuple(g.shape), dtype=g.dtype, device=g._device)
    gi = _scatter_region(zeros, region, kind, args)
    gs = region if region.dtype is sdtype or sdtype._cat < 2 else region.to(sdtype)
    return (gi, gs)


_SCATTER_BW = {k: backward_op(n)(_scatter_bw) for k, n in (('select', 'SelectScatterBackward0'),
                                                             ('slice', 'SliceScatterBackward0'),
                                                             ('diagonal', 'DiagonalScatterBackward0'))}
_SCATTER_BW['as_strided'] = backward_op('AsStridedScatterBackward0')(_as_strided_scatter_bw)


def _scatter_region(input, src, kind, args):
    r = input._data.copy()
    reg = _region(r, kind, args)
    if tuple(src.shape) != reg.shape:
        raise RuntimeError(f'expected src to have a size equal to the slice of self. src size = {list(src.shape)}, '
                           f'slice size = {list(reg.shape)}')
    if src._device is not input._device:
        from ._core import check_device
        check_device(input, src)
    reg[...] = src._data
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and (input._rg or src._rg):
        record(_SCATTER_BW[kind], t, (input, src), (), (kind, args, src.dtype))
    return t


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``src`` embedded at ``input.select(dim, index)``.

    Example:
        >>> ember.select_scatter(ember.zeros(2, 2), ember.ones(2), 0, 0)      # tensor([[1., 1.], [0., 0.]])
    """
    _check_tensor('select_scatter', 'input', input, 1)
    _check_tensor('select_scatter', 'src', src, 2)
    v = S.select(input.detach(), dim, index)          # (torch's range checks and messages)
    d = _wrap_dim(dim, input.dim())
    i = index + input.shape[d] if index < 0 else index
    del v
    return _scatter_region(input, src, 'select', (d, int(i)))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``src`` embedded at ``input[..., start:end:step, ...]`` (along ``dim``).

    Example:
        >>> ember.slice_scatter(ember.zeros(4), ember.ones(2), 0, 0, None, 2)      # tensor([1., 0., 1., 0.])
    """
    _check_tensor('slice_scatter', 'input', input, 1)
    _check_tensor('slice_scatter', 'src', src, 2)
    d = _wrap_dim(dim, input.dim())
    if step <= 0:
        raise RuntimeError('slice step must be positive')
    n = input.shape[d] if input.dim() else 1
    start = 0 if start is None else start
    end = n if end is None else end
    start = builtins.min(builtins.max(start + n if start < 0 else start, 0), n)
    end = builtins.min(builtins.max(end + n if end < 0 else end, start), n)
    return _scatter_region(input, src, 'slice', (d, int(start), int(end), int(step)))


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` embedded on ``input.diagonal(offset, dim1, dim2)``.

    Example:
        >>> ember.diagonal_scatter(ember.zeros(2, 2), ember.ones(2))      # tensor([[1., 0.], [0., 1.]])
    """
    _check_tensor('diagonal_scatter', 'input', input, 1)
    _check_tensor('diagonal_scatter', 'src', src, 2)
    MP.diagonal(input.detach(), offset, dim1, dim2)      # (torch's dimension checks and messages)
    d1, d2 = MP._diag_args(input.dim(), offset, dim1, dim2)
    return _scatter_region(input, src, 'diagonal', (offset, d1, d2))


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` with ``src`` embedded at ``input.as_strided(size, stride, storage_offset)``.

    Example:
        >>> ember.as_strided_scatter(ember.zeros(3, 3), ember.ones(2, 2), (2, 2), (1, 2))   # ones at 0, 1, 2, 3
    """
    _check_tensor('as_strided_scatter', 'input', input, 1)
    _check_tensor('as_strided_scatter', 'src', src, 2)
    off = 0 if storage_offset is None else int(storage_offset)
    region = input.detach().contiguous().as_strided(size, stride, off)     # (torch's checks and messages)
    return _scatter_region(input, src, 'as_strided', (tuple(region.shape), tuple(int(s) for s in stride), off))


# ---------------------------------------------------------------- renorm
def renorm(input, p, dim, maxnorm):
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``.

    Example:
        >>> ember.renorm(ember.tensor([[3., 4.], [0.3, 0.4]]), 2, 0, 1.)      # tensor([[0.6, 0.8], [0.3, 0.4]])
    """
    _check_tensor('renorm', 'input', input, 1)
    if maxnorm < 0:
        raise RuntimeError(f'renorm: expected maxnorm to be >= 0 but got {maxnorm:g}')
    if input.dim() < 2:
        raise RuntimeError(f'renorm: input needs at least 2 dimensions, got {input.dim()} dimensions')
    if p <= 0:
        raise RuntimeError('renorm: non-positive-norm not supported')
    d = _wrap_dim(dim, input.dim())
    dims = [k for k in range(input.dim()) if k != d]
    norm = R.vector_norm(input, float(p), dims, keepdim=True)
    factor = P.where(P.gt(norm, maxnorm), P.div(maxnorm, P.add(norm, 1e-7)), C.ones((), dtype=norm.dtype,
                                                                                       device=norm._device))
    return P.mul(input, factor)


# ---------------------------------------------------------------- put
def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``source`` written at the flat (row-major) positions ``index`` (added with
    ``accumulate``; negative indices count from the end).

    Example:
        >>> ember.zeros(2, 2).put(ember.tensor([0, -1]), ember.tensor([1., 2.]))      # tensor([[1., 0.], [0., 2.]])
    """
    _check_tensor('put', 'input', input, 1)
    _check_tensor('put', 'index', index, 1)
    _check_tensor('put', 'source', source, 2)
    if index.dtype is not D.int64:
        raise RuntimeError(f'put_(): Expected a long tensor for index, but got {type_name(index.dtype)}')
    if source.dtype is not input.dtype:
        raise RuntimeError(f'put_(): self and source expected to have the same dtype, but got self.dtype = '
                           f'{type_name(input.dtype)} and source.dtype = {type_name(source.dtype)}')
    if index.numel() != source.numel():
        raise IndexError(f'put_(): Expected source and index to have the same number of elements, but got '
                         f'source.numel() = {source.numel()}, index.numel() = {index.numel()}')
    n = input.numel()
    bad = index._data[(index._data >= n) | (index._data < -n)]
    if bad.size:
        raise IndexError(f'out of range: tried to access index {int(bad.reshape(-1)[0])} on a tensor of {n} '
                         'elements.')
    flat = S.reshape(input, -1)
    res = I.index_put(flat, (S.reshape(index, -1),), S.reshape(source, -1), accumulate)
    return S.reshape(res, tuple(input.shape))


def put_(self, index, source, accumulate=False):
    """In-place ``put``."""
    from .inplace import apply_inplace
    return apply_inplace(self, put, (index, source, accumulate), {})


# ---------------------------------------------------------------- logcumsumexp
def _rev_lcse(x, d):
    from .manipulation import flip
    return flip(logcumsumexp(flip(x, [d]), d), [d])


@backward_op('LogcumsumexpBackward0')
def _lcse_bw(node, g):
    x, res = node.saved()
    (d,) = node._args
    if g.dim() == 0 or g.numel() == 0:
        return (g,)
    low = C.tensor(float(np.finfo(g.dtype.np).min), dtype=g.dtype, device=g._device)
    log_abs = P.log(P.abs(g))
    # the sum over later outputs of g_j * exp(x_i - out_j), in log space for the positive and negative g apart
    pos = P.exp(P.add(_rev_lcse(P.sub(P.where(P.gt(g, 0), log_abs, low), res), d), x))
    neg = P.exp(P.add(_rev_lcse(P.sub(P.where(P.lt(g, 0), log_abs, low), res), d), x))
    return (P.sub(pos, neg),)


def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(input), dim))``, computed without overflow.

    Example:
        >>> ember.logcumsumexp(ember.tensor([0., 0.]), 0)      # tensor([0.0000, 0.6931])
    """
    _check_tensor('logcumsumexp', 'input', input, 1)
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    if input.dtype._cat < 2:
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for \'{type_name(input.dtype)}\'')
    xp = array_module(a)
    if a.ndim == 0 or a.size == 0:
        r = a.copy()
    else:
        try:
            r = xp.logaddexp.accumulate(a, axis=d)
        except (AttributeError, NotImplementedError, TypeError):      # (a backend without ufunc.accumulate)
            m = xp.max(a, axis=d, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            r = xp.log(xp.cumsum(xp.exp(a - m), axis=d)) + m
    t = _wrap(xp.asarray(r, dtype=a.dtype), input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_lcse_bw, t, (input,), (input, t), (d,))
    if out is not None:
        from .shape import copy_out
        return copy_out(out, t)
    return t


# ---------------------------------------------------------------- frexp, ldexp
@backward_op('FrexpBackward0', multi_output=True)
def _frexp_bw(node, gm, ge=None):
    (e,) = node._args
    if gm is None:
        return (None,)
    return (P.mul(gm, P.exp2(P.neg(e.to(gm.dtype)))),)


def frexp(input, *, out=None):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, ``0.5 <= |mantissa| < 1``;
    the exponent is int32.

    Example:
        >>> ember.frexp(ember.tensor([8.]))      # mantissa=tensor([0.5000]), exponent=tensor([4], dtype=int32)
    """
    _check_tensor('frexp', 'input', input, 1)
    if input.dtype._cat < 2:
        raise RuntimeError('torch.frexp() only supports floating-point dtypes')
    xp = array_module(input._data)
    m, e = xp.frexp(input._data)
    mt = _wrap(xp.asarray(m, dtype=input._data.dtype), input.dtype, input._device)
    et = _wrap(xp.asarray(e, dtype=D.int32.np), D.int32, input._device)
    if _gm.enabled and input._rg:
        record(_frexp_bw, (mt, et), (input,), (), (et,))
    from .. import return_types
    if out is not None:
        from .shape import copy_out
        return return_types.frexp((copy_out(out[0], mt), copy_out(out[1], et)))
    return return_types.frexp((mt, et))


def ldexp(input, other, *, out=None):
    """``input * 2 ** other``.

    Example:
        >>> ember.ldexp(ember.tensor([1.]), ember.tensor([3]))      # tensor([8.])
    """
    _check_tensor('ldexp', 'input', input, 1)
    _check_tensor('ldexp', 'other', other, 2)
    with S._NoGrad():
        t = P.mul(input, P.exp2(other))
    if _gm.enabled and (input._rg or other._rg):
        record(_ldexp_bw, t, (input, other), (input, other))
    if out is not None:
        from .shape import copy_out
        return copy_out(out, t)
    return t


@backward_op('LdexpBackward0')
def _ldexp_bw(node, g):
    x, e = node.saved()
    p2 = P.exp2(e)
    if e.dtype._cat < 2:        # (torch's gradient takes 2 ** other in integers: 0 for a negative exponent)
        p2 = P.where(P.lt(e, 0), C.zeros((), dtype=p2.dtype, device=p2._device), p2)
    gx = P.mul(g, p2)
    ge = P.mul(P.mul(gx, x), 0.6931471805599453) if e.dtype._cat == 2 else None
    return (gx, ge)


def ldexp_(self, other):
    """In-place ``ldexp``."""
    _check_tensor('ldexp_', 'other', other, 1)
    from .inplace import apply_inplace
    return apply_inplace(self, ldexp, (other,), {})


# ---------------------------------------------------------------- gcd, lcm, nextafter
def _binary_np(fname, kernel, input, other, want_cat, out):
    _check_tensor(fname, 'input', input, 1)
    _check_tensor(fname, 'other', other, 2)
    from ._core import result_dtype, broadcast_shapes_or_raise
    rt = result_dtype(input, other)
    if rt._cat != want_cat:
        raise NotImplementedError(f'"{fname}_cpu" not implemented for \'{type_name(rt)}\'')
    if other._device is not input._device:
        from ._core import check_device
        input, other = check_device(input, other, allow_cpu_scalar=True)
    broadcast_shapes_or_raise(input._data.shape, other._data.shape)
    xp = array_module(input._data)
    a, b = input._data.astype(rt.np, copy=False), other._data.astype(rt.np, copy=False)
    t = _wrap(xp.asarray(getattr(xp, kernel)(a, b), dtype=rt.np), rt, input._device)
    if out is not None:
        from .shape import copy_out
        return copy_out(out, t)
    return t


def gcd(input, other, *, out=None):
    """The elementwise greatest common divisor of two integer tensors (non-negative; ``gcd(0, 0) = 0``).

    Example:
        >>> ember.gcd(ember.tensor([12, -18]), ember.tensor([8, 12]))      # tensor([4, 6])
    """
    return _binary_np('gcd', 'gcd', input, other, 1, out)


def lcm(input, other, *, out=None):
    """The elementwise least common multiple of two integer tensors (non-negative).

    Example:
        >>> ember.lcm(ember.tensor([4, -6]), ember.tensor([6, 4]))      # tensor([12, 12])
    """
    return _binary_np('lcm', 'lcm', input, other, 1, out)


@backward_op('NextafterBackward0')
def _nextafter_bw(node, g):
    (odt,) = node._args
    # (torch: the step is treated as the identity in input and constant in other)
    return (g, P.mul(g, 0).to(odt) if odt._cat == 2 else None)


def nextafter(input, other, *, out=None):
    """The next floating-point value after ``input`` towards ``other``, elementwise.

    Example:
        >>> ember.nextafter(ember.tensor([1.]), ember.tensor([2.])) - 1      # tensor([1.1921e-07])
    """
    t = _binary_np('nextafter', 'nextafter', input, other, 2, None)
    if _gm.enabled and (input._rg or other._rg):
        record(_nextafter_bw, t, (input, other), (), (other.dtype,))
    if out is not None:
        from .shape import copy_out
        return copy_out(out, t)
    return t


def _make_inplace_binary(fn):
    def method(self, other):
        from .inplace import apply_inplace
        return apply_inplace(self, fn, (other,), {})
    method.__name__ = fn.__name__ + '_'
    method.__doc__ = f'In-place ``{fn.__name__}``.'
    return method


gcd_ = _make_inplace_binary(gcd)
lcm_ = _make_inplace_binary(lcm)


# ---------------------------------------------------------------- combinations, chain_matmul
def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of the elements of 1-D ``input``, as rows: ``(count, r)``
    (like ``itertools.combinations``, or ``combinations_with_replacement``).

    Example:
        >>> ember.combinations(ember.tensor([1, 2, 3]))      # tensor([[1, 2], [1, 3], [2, 3]])
    """
    _check_tensor('combinations', 'input', input, 1)
    if input.dim() != 1:
        raise RuntimeError(f'Expect a 1D vector, but got shape {list(input.shape)}')
    if r < 0:
        raise RuntimeError(f'Expect a non-negative number, but got {r}')
    if r == 0:
        return C.empty(0, dtype=input.dtype, device=input._device)
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = list(gen(range(input.shape[0]), r))
    it = C.tensor(idx, dtype=D.int64, device=input._device) if idx else \
        C.empty((0, r), dtype=D.int64, device=input._device)
    return input[it]


_CHAIN_WARNED = []


def chain_matmul(*matrices, out=None):
    """The matrix product of the 2-D ``matrices``, in order (deprecated in torch for ``linalg.multi_dot``).

    Example:
        >>> ember.chain_matmul(ember.ones(2, 3), ember.ones(3, 4)).shape      # torch.Size([2, 4])
    """
    if not _CHAIN_WARNED:
        _CHAIN_WARNED.append(True)
        warnings.warn('torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use '
                      'torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than '
                      'multiple parameters.', UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError('chain_matmul(): Expected one or more matrices')
    for i, m in enumerate(matrices):
        _check_tensor('chain_matmul', 'matrices', m)
        if m.dim() != 2:
            raise RuntimeError(f'Tensor dimension is {m.dim()}, expected 2 instead.')
    if len(matrices) == 1:
        res = C.clone(matrices[0])
    else:
        for i in range(len(matrices) - 1):
            a, b = matrices[i], matrices[i + 1]
            if a.shape[1] != b.shape[0]:
                raise RuntimeError(f'multi_dot(): tensors {i} and {i + 1} with shapes {list(a.shape)} and '
                                   f'{list(b.shape)} cannot be multiplied')
        res = matrices[0]
        for m in matrices[1:]:
            res = L.mm(res, m)
    if out is not None:
        from .shape import copy_out
        return copy_out(out, res)
    return res


# ---------------------------------------------------------------- torch.fill and torch.abs_ & co.
def fill(input, value):
    """A tensor like ``input`` filled with ``value`` (a number or 0-d tensor).

    Example:
        >>> ember.fill(ember.zeros(2), 3)      # tensor([3., 3.])
    """
    _check_tensor('fill', 'input', input, 1)
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(f'fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} '
                           'dimensions.')
    return I.masked_fill(input, C.ones((), dtype=D.bool_, device=input._device), value)


def _torch_inplace(name):
    def fn(input, *args, **kwargs):
        _check_tensor(name, 'input', input, 1)
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f'``torch.{name}(input, ...)``: the same as ``input.{name}(...)``.'
    return fn


# torch-level forms of in-place Tensor methods (torch.abs_(t) is t.abs_())
_TORCH_INPLACE = ('abs_', 'acos_', 'acosh_', 'addmv_', 'arccos_', 'arccosh_', 'arcsin_', 'arcsinh_', 'arctan_',
                  'arctanh_', 'asin_', 'asinh_', 'atan_', 'atanh_', 'ceil_', 'clamp_', 'clamp_max_', 'clamp_min_',
                  'clip_', 'conj_physical_', 'cos_', 'cosh_', 'deg2rad_', 'detach_', 'erf_', 'erfc_', 'exp2_',
                  'exp_', 'expm1_', 'fill_', 'fix_', 'floor_', 'frac_', 'i0_', 'index_put_', 'log10_', 'log1p_', 'log2_',
                  'log_', 'logit_', 'nan_to_num_', 'neg_', 'negative_', 'rad2deg_', 'reciprocal_', 'relu_',
                  'round_', 'rsqrt_', 'sigmoid_', 'sin_', 'sinc_', 'sinh_', 'sqrt_', 'square_', 'tan_', 'tanh_', 'trunc_',
                  'xlogy_', 'zero_', 'resize_as_')
for _n in _TORCH_INPLACE:
    globals()[_n] = _torch_inplace(_n)


__all__ += ['isreal', 'conj', 'conj_physical', 'resolve_conj', 'resolve_neg', 'is_conj', 'is_neg', 'addr', 'dist',
            'diagflat', 'cov', 'corrcoef', 'select_scatter', 'slice_scatter', 'diagonal_scatter', 'as_strided_scatter',
            'renorm', 'logcumsumexp', 'frexp', 'ldexp', 'ldexp_', 'gcd', 'gcd_', 'lcm', 'lcm_', 'nextafter', 'combinations',
            'chain_matmul', 'fill', 'put', 'split_with_sizes', 'is_same_size'] + list(_TORCH_INPLACE)


# ---------------------------------------------------------------- trapezoid rule (AUC of ROC / PR curves)
def _trapezoid_args(fname, y, x, dx, dim):
    _check_tensor(fname, 'y', y, 1)
    d = _wrap_dim(dim, y.dim())
    n = y.shape[d]
    if x is None:
        return d, n, 1.0 if dx is None else dx
    if x.dim() == 1:
        if x.shape[0] != n:
            raise RuntimeError(f'{fname}: There must be one `x` value for each sample point')
        shape = [1] * y.dim()
        shape[d] = n
        x = x.view(shape)
    elif x.dim() < y.dim():
        x = x.view((1,) * (y.dim() - x.dim()) + tuple(x.shape))
    return d, n, x.narrow(d, 1, n - 1) - x.narrow(d, 0, n - 1) if n else x


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoid rule along ``dim``: with sample points ``x`` (1-D or broadcastable) or spacing ``dx``."""
    d, n, dx = _trapezoid_args('trapezoid', y, x, dx, dim)
    if n == 0:
        return C.zeros_like(R.sum(y, d))
    if isinstance(dx, Tensor):
        return R.sum(dx * (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)), d) / 2.
    return (R.sum(y, d) - (y.select(d, 0) + y.select(d, -1)) * 0.5) * dx


def trapz(y, x=None, *, dx=None, dim=-1):
    """``torch.trapz``: the old name of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid-rule integral along ``dim`` (one element fewer than ``y``)."""
    d, n, dx = _trapezoid_args('cumulative_trapezoid', y, x, dx, dim)
    left, right = y.narrow(d, 0, max(n - 1, 0)), y.narrow(d, min(1, n), max(n - 1, 0))
    if isinstance(dx, Tensor):
        return R.cumsum((dx * (left + right)) / 2., d)
    return R.cumsum(dx / 2. * (left + right), d)


__all__ += ['trapezoid', 'trapz', 'cumulative_trapezoid']
