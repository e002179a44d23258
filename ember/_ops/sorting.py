"""Sorting, searching and order statistics: sort/argsort/msort, topk, kthvalue, searchsorted,
bucketize, unique/unique_consecutive, bincount, histc, cumprod, cummax/cummin, median/nanmedian,
quantile/nanquantile, mode, count_nonzero, aminmax, diff.

Ops that pick elements (sort, topk, kthvalue, median, mode, cummax) record a node whose backward
scatters the gradient back to the picked indices with ember ops; quantile is composed of ember
ops (sort, gather, arithmetic), so its gradient comes from theirs.

Example:
    >>> ember.sort(ember.tensor([3., 1., 2.]))
    torch.return_types.sort(
    values=tensor([1., 2., 3.]),
    indices=tensor([1, 2, 0]))
"""
import numpy as np
from .._backend import is_host as _is_host
from .._backend import accumulate
from .. import _dtype as D
from .. import return_types as _rt
from .._tensor import Tensor, _wrap, _gm, _wrap_dim
from ._core import record, backward_op, norm_dims, finish, as_array as _arr
from ._core import type_name as _cap, meta_name as _meta_name
from .manipulation import scatter, scatter_add, gather, _zeros, _cast, _ng, _c
from .._backend import array_module as _xp
from ..amp import autocast_mode as _amp  # (autocast: the float32-list ops)

__all__ = ['sort', 'argsort', 'msort', 'topk', 'kthvalue', 'searchsorted', 'bucketize', 'unique',
           'unique_consecutive', 'bincount', 'histc', 'histogram', 'cumprod', 'cummax', 'cummin', 'median', 'nanmedian',
           'quantile', 'nanquantile', 'mode', 'count_nonzero', 'aminmax', 'diff', 'gradient', 'histogramdd']


def _out2(res, out, cls_out):
    if out is None:
        return res
    ov, oi = out
    finish(res[0], ov)
    finish(res[1], oi)
    return cls_out(ov, oi)


def _pick_bw(node, g):
    """The gradient of an op that picked elements along a dim: scattered back to their indices."""
    (idx,) = node.saved()
    d, shape, keepdim, dt = node._args
    if len(shape) == 0:
        return (_cast(g.reshape(()), dt),)
    if not keepdim:
        g = g.unsqueeze(d)
        idx = idx.unsqueeze(d)
    return (_cast(scatter(_zeros(shape, g), d, idx, g), dt),)


_sort_bw = backward_op('SortBackward0')(_pick_bw)
_topk_bw = backward_op('TopkBackward0')(_pick_bw)
_kth_bw = backward_op('KthvalueBackward0')(_pick_bw)
_median1_bw = backward_op('MedianBackward1')(_pick_bw)
_nanmedian1_bw = backward_op('NanmedianBackward1')(_pick_bw)
_mode_bw = backward_op('ModeBackward0')(_pick_bw)


def _values_indices(input, v, i, cls, d, keepdim, cls_rt, out, cls_out):
    vt = _wrap(_c(v), input.dtype, input._device)
    it = _wrap(_c(i, dtype=np.int64), D.int64, input._device)
    if _ng(input):
        record(cls, vt, (input,), (it,), (d, input._data.shape, keepdim, input.dtype))
    return _out2(cls_rt(vt, it), out, cls_out)


def _argsort_np(x, d, descending):
    """Stable argsort along d; NaN counts as the largest value, as in torch."""
    if not descending:
        return np.argsort(x, axis=d, kind='stable')
    n = x.shape[d]
    return n - 1 - np.flip(np.argsort(np.flip(x, d), axis=d, kind='stable'), d)


# ---------------------------------------------------------------- sort / argsort / msort / topk / kthvalue
_UNSET = object()


def _sort_args(name, input, args, kwargs):
    """(dim, descending) from torch's two signatures: (dim=-1, descending=False) positional, or
    (*, stable, dim=-1, descending=False) all keywords once ``stable`` is given."""
    stable = kwargs.pop('stable', _UNSET)
    dim, desc = kwargs.pop('dim', _UNSET), kwargs.pop('descending', _UNSET)
    if kwargs or len(args) > 2 or (stable is not _UNSET and args):
        got = ', '.join([type(input).__name__] + [type(a).__name__ for a in args] +
                        [f'{k}={type(v).__name__}' for k, v in (('stable', stable), ('dim', dim), ('descending', desc),
                                                               *kwargs.items()) if v is not _UNSET])
        raise TypeError(f'{name}() received an invalid combination of arguments - got ({got}), but expected one of:\n'
                        f' * (Tensor input, *, bool stable, int dim = -1, bool descending = False)\n'
                        f' * (Tensor input, int dim = -1, bool descending = False)')
    if args:
        if dim is not _UNSET:
            raise TypeError(f"{name}() got multiple values for argument 'dim'")
        dim = args[0]
        if len(args) == 2:
            if desc is not _UNSET:
                raise TypeError(f"{name}() got multiple values for argument 'descending'")
            desc = args[1]
    if isinstance(input, Tensor) and input.dtype._cat == 3:
        raise RuntimeError(' Sort does not support complex dtypes on CPU')
    return (-1 if dim is _UNSET else dim), (False if desc is _UNSET else desc), stable is not _UNSET and bool(stable)


def _no_complex(input, kernel):
    """torch's NotImplementedError for a complex input of an op that orders values."""
    if isinstance(input, Tensor) and input.dtype._cat == 3:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_cap(input.dtype)}\'')


def sort(input, *args, out=None, **kwargs):
    """Sorted values and their indices along ``dim`` (stable=True: ties keep their order; else in
    torch's CPU order, std::sort's)."""
    dim, descending, stable = _sort_args('sort', input, args, kwargs)
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        i = _xp(x).zeros((), np.int64)
        v = x.copy()
    else:
        i = _argsort_np(x, d, descending)
        v = np.take_along_axis(x, i, d)
        if not stable:
            i = _sort_ties(x, d, i, v, descending)
    return _values_indices(input, v, i, _sort_bw, d, True, _rt.sort, out, _rt.sort_out)


def argsort(input, *args, **kwargs):
    """The indices that sort ``input`` along ``dim`` (ties ordered as in sort)."""
    dim, descending, stable = _sort_args('argsort', input, args, kwargs)
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    i = _xp(x).zeros((), np.int64) if x.ndim == 0 else _argsort_np(x, d, descending)
    if x.ndim and not stable:
        i = _sort_ties(x, d, i, None, descending)
    return _wrap(_c(i, dtype=np.int64), D.int64, input._device)


def msort(input, *, out=None):
    r = sort(input, 0).values
    return finish(r, out)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    if isinstance(input, Tensor) and input.dtype._cat == 3:
        raise RuntimeError(' topk does not support complex dtypes on CPU')
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if k < 0 or k > n:
        raise RuntimeError('selected index k out of range')
    if x.ndim == 0:
        i = _xp(x).zeros((), np.int64)
        v = x.copy()
    else:
        i = _topk_partial(x, k, d, largest) if 0 < k and 4 * k <= n and _is_host(x) else None
        if i is None:
            i = _argsort_np(x, d, largest)[(slice(None),) * d + (slice(0, k),)]
        if not sorted and 1 < k and k * 64 > n:
            i = _topk_ties(x, i, k, d, largest, unsorted=True)
        elif k > 1 or k == 1 and n < 64:
            i = _topk_ties(x, i, k, d, largest)
        v = np.take_along_axis(x, i, d)
    return _values_indices(input, v, i, _topk_bw, d, True, _rt.topk, out, _rt.topk_out)


def _sort_ties(x, d, i, v, descending):
    """torch's CPU sort with stable=False is std::sort on (value, index) pairs by value: its order of
    ties, for the rows that have ties and more than 16 elements (below, an insertion sort: stable)."""
    if x.shape[d] <= 16 or x.dtype.kind not in 'fiub' or not _is_host(x):
        return i
    if v is None:
        v = np.take_along_axis(x, i, d)
    stl = _Stl(_gt_nan if descending else _lt_nan)

    def order(q):
        stl.sort(q, 0, len(q))
        return [e[1] for e in q]
    return _replay_rows(x, d, i, _tied_rows(np.moveaxis(v, d, -1)), order)


def _topk_ties(x, i, k, d, largest, unsorted=False):
    """torch's order of tied values in topk: its CPU kernel picks with libstdc++'s nth_element (then,
    unless sorted=False, std::sort of the first k-1) or, for k * 64 <= n, partial_sort, neither
    stable; rows whose picked values have a tie (among themselves or with a value left out) are
    replayed, the others keep the stable order, which is then the only one. ``unsorted``: every row
    is replayed (nth_element's order)."""
    if x.dtype.kind not in 'fiub' or not _is_host(x):
        return i
    xs = np.moveaxis(x, d, -1)
    if unsorted:
        tie = np.ones(xs.shape[:-1], bool)
    else:
        v = np.take_along_axis(xs, np.moveaxis(i, d, -1), -1)
        edge = v[..., -1:]
        tie = _tied_rows(v) | ((xs == edge).sum(-1) > 1)
        if x.dtype.kind == 'f':
            tie |= np.isnan(edge[..., 0]) & (np.isnan(xs).sum(-1) > 1)
    stl = _Stl(_gt_nan if largest else _lt_nan)

    def pick(q):
        n = len(q)
        if k * 64 <= n:
            stl.partial_sort(q, 0, k, n)
        else:
            stl.nth_element(q, 0, k - 1, n)
            if not unsorted:
                stl.sort(q, 0, k - 1)
        return [e[1] for e in q[:k]]
    return _replay_rows(x, d, i, tie, pick)


# ---------------------------------------------------------------- torch's CPU order of tied values
# sort (stable=False), topk and mode order ties as libstdc++'s std::sort / nth_element / partial_sort
# leave them, kthvalue as TH's quickselect: not stable. Rows with ties are replayed in Python on
# (value, index) pairs (rows without ties have one answer, the stable one NumPy gives).
# The replay runs in Python (~1 us an element): it is kept to small inputs, where a printed index
# order is what a script shows (a vocabulary-sized sort of masked logits in a sampling loop, 50k
# tied -inf values, would otherwise take ~50 ms a call instead of ~1 ms; torch documents the order
# of ties as unspecified there).
_REPLAY_BUDGET = 1 << 12    # elements replayed per call; past it the stable order stays


def _lt_nan(a, b):
    return (a[0] == a[0] and b[0] != b[0]) or a[0] < b[0]


def _gt_nan(a, b):
    return (a[0] != a[0] and b[0] == b[0]) or a[0] > b[0]


def _tied_rows(v):
    """Rows (last axis) of sorted values ``v`` that hold equal neighbours (NaNs count as equal)."""
    tie = (v[..., 1:] == v[..., :-1]).any(-1)
    if v.dtype.kind == 'f':
        nan = np.isnan(v)
        tie |= (nan[..., 1:] & nan[..., :-1]).any(-1)
    return tie


def _replay_rows(x, d, i, tie, fn):
    """``i`` (indices along d) with the rows marked in ``tie`` (x's shape less d) set to
    fn([(value, index), ...]) of that row of x, within _REPLAY_BUDGET."""
    rows_tied = np.flatnonzero(tie.reshape(-1))
    n = x.shape[d]
    if not rows_tied.size or rows_tied.size * n > _REPLAY_BUDGET:
        return i
    xs = np.moveaxis(x, d, -1)
    rows = xs.reshape(-1, n)
    i = np.moveaxis(i, d, -1).copy()
    flat = i.reshape(-1, i.shape[-1])
    for r in rows_tied:
        flat[r] = fn([(v, j) for j, v in enumerate(rows[r].tolist())])
    return np.moveaxis(i, -1, d)


class _Stl:
    """libstdc++'s sorting algorithms replayed on a list of (value, index) pairs with a comparator."""

    def __init__(self, comp):
        self.comp = comp

    def adjust(self, q, first, hole, ln, val):
        comp, top, child = self.comp, hole, hole
        while child < (ln - 1) // 2:
            child = 2 * (child + 1)
            if comp(q[first + child], q[first + child - 1]):
                child -= 1
            q[first + hole] = q[first + child]
            hole = child
        if ln % 2 == 0 and child == (ln - 2) // 2:
            child = 2 * (child + 1)
            q[first + hole] = q[first + child - 1]
            hole = child - 1
        parent = (hole - 1) // 2
        while hole > top and comp(q[first + parent], val):
            q[first + hole] = q[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        q[first + hole] = val

    def make_heap(self, q, first, last):
        ln = last - first
        for parent in range((ln - 2) // 2, -1, -1) if ln >= 2 else ():
            self.adjust(q, first, parent, ln, q[first + parent])

    def pop_heap(self, q, first, last, result):
        val = q[result]
        q[result] = q[first]
        self.adjust(q, first, 0, last - first, val)

    def sort_heap(self, q, first, last):
        while last - first > 1:
            last -= 1
            self.pop_heap(q, first, last, last)

    def heap_select(self, q, first, middle, last):
        self.make_heap(q, first, middle)
        for j in range(middle, last):
            if self.comp(q[j], q[first]):
                self.pop_heap(q, first, middle, j)

    def partial_sort(self, q, first, middle, last):
        self.heap_select(q, first, middle, last)
        self.sort_heap(q, first, middle)

    def insertion_sort(self, q, first, last, guarded=True):
        comp = self.comp
        for j in range(first + 1 if guarded else first, last):
            val = q[j]
            if guarded and comp(val, q[first]):
                q[first + 1:j + 1] = q[first:j]
                q[first] = val
                continue
            m = j - 1
            while comp(val, q[m]):
                q[m + 1] = q[m]
                m -= 1
            q[m + 1] = val

    def partition_pivot(self, q, first, last):
        comp = self.comp
        a, b, c = first + 1, first + (last - first) // 2, last - 1
        if comp(q[a], q[b]):
            m = b if comp(q[b], q[c]) else (c if comp(q[a], q[c]) else a)
        else:
            m = a if comp(q[a], q[c]) else (c if comp(q[b], q[c]) else b)
        q[first], q[m] = q[m], q[first]
        lo, hi, pv = first + 1, last, q[first]
        while True:
            while comp(q[lo], pv):
                lo += 1
            hi -= 1
            while comp(pv, q[hi]):
                hi -= 1
            if not lo < hi:
                return lo
            q[lo], q[hi] = q[hi], q[lo]
            lo += 1

    def introsort(self, q, first, last, depth):
        while last - first > 16:
            if depth == 0:
                self.partial_sort(q, first, last, last)
                return
            depth -= 1
            cut = self.partition_pivot(q, first, last)
            self.introsort(q, cut, last, depth)
            last = cut

    def sort(self, q, first, last):
        if last - first < 2:
            return
        self.introsort(q, first, last, 2 * ((last - first).bit_length() - 1))
        if last - first > 16:
            self.insertion_sort(q, first, first + 16)
            self.insertion_sort(q, first + 16, last, guarded=False)
        else:
            self.insertion_sort(q, first, last)

    def nth_element(self, q, first, nth, last):
        if first == last or nth == last:
            return
        depth = 2 * ((last - first).bit_length() - 1)
        while last - first > 3:
            if depth == 0:
                self.heap_select(q, first, nth + 1, last)
                q[first], q[nth] = q[nth], q[first]
                return
            depth -= 1
            cut = self.partition_pivot(q, first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self.insertion_sort(q, first, last)




def _quick_select(q, k):
    """TH's quickselect (Sedgewick), as torch's kthvalue runs it on the CPU: q[k] after it."""
    def gt(x, y):
        return (x != x and y == y) or x > y
    lo, hi = 0, len(q) - 1
    while hi > lo:
        if hi == lo + 1:
            if gt(q[lo][0], q[hi][0]):
                q[lo], q[hi] = q[hi], q[lo]
            return q[k]
        p = (lo + hi) >> 1
        q[p], q[lo + 1] = q[lo + 1], q[p]
        if gt(q[lo + 1][0], q[hi][0]):
            q[lo + 1], q[hi] = q[hi], q[lo + 1]
        if gt(q[lo][0], q[hi][0]):
            q[lo], q[hi] = q[hi], q[lo]
        if gt(q[lo + 1][0], q[lo][0]):
            q[lo + 1], q[lo] = q[lo], q[lo + 1]
        i, j, piv = lo + 1, hi, q[lo][0]
        while True:
            i += 1
            while gt(piv, q[i][0]):
                i += 1
            j -= 1
            while gt(q[j][0], piv):
                j -= 1
            if j < i:
                break
            q[i], q[j] = q[j], q[i]
        q[lo], q[j] = q[j], q[lo]
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return q[k]


def _topk_partial(x, k, d, largest):
    """The indices of topk(k) along d for a small k, as the full stable argsort orders them (ties:
    lower index first), from a partition: the k candidates of each slice sorted alone. Slices where
    the k-th value is tied with values left out (which of them are in is then decided by index) or
    is NaN fall back to the full sort."""
    n = x.shape[d]
    if x.dtype.kind not in 'fiub':
        return None
    part = np.argpartition(x, n - k if largest else k - 1, axis=d)
    cand = part[(slice(None),) * d + ((slice(n - k, n) if largest else slice(0, k)),)]
    vals = np.take_along_axis(x, cand, d)
    edge = vals.min(axis=d, keepdims=True) if largest else vals.max(axis=d, keepdims=True)
    inside = (x >= edge) if largest else (x <= edge)
    clean = inside.sum(axis=d, keepdims=True) == k
    if x.dtype.kind == 'f':
        clean &= ~np.isnan(edge)
    cand = np.sort(cand, axis=d)                # index order first: the stable sort below keeps it for ties
    order = _argsort_np(np.take_along_axis(x, cand, d), d, largest)
    i = np.take_along_axis(cand, order, d)
    if not clean.all():
        full = _argsort_np(x, d, largest)[(slice(None),) * d + (slice(0, k),)]
        i = np.where(clean, i, full)
    return i


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    _no_complex(input, 'kthvalue_cpu')
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f'kthvalue(): selected number k out of range for dimension {d}')
    if x.ndim == 0:
        return _values_indices(input, x.copy(), _xp(x).zeros((), np.int64), _kth_bw, d, keepdim, _rt.kthvalue, out,
                               _rt.kthvalue_out)
    i = _argsort_np(x, d, False)[(slice(None),) * d + (slice(k - 1, k),)]
    v = np.take_along_axis(x, i, d)
    if x.dtype.kind in 'fiub' and _is_host(x):
        # a k-th value that is tied: the index TH's quickselect leaves at k - 1
        tie = (x == v).sum(d) > 1
        if x.dtype.kind == 'f':
            tie |= np.isnan(v.squeeze(d)) & (np.isnan(x).sum(d) > 1)
        i = _replay_rows(x, d, i, tie, lambda q: [_quick_select(q, k - 1)[1]])
    if not keepdim:
        i, v = i.squeeze(d), v.squeeze(d)
    return _values_indices(input, v, i, _kth_bw, d, keepdim, _rt.kthvalue, out, _rt.kthvalue_out)


# ---------------------------------------------------------------- searchsorted / bucketize
def _search(seq, vals, right):
    """Row-wise binary search: seq (..., M) sorted, vals (..., K); vectorised over rows."""
    m = seq.shape[-1]
    xp = _xp(seq)
    lo = xp.zeros(vals.shape, np.int64)
    hi = xp.full(vals.shape, m, np.int64)
    for _ in range(int(m).bit_length() + 1):
        act = lo < hi
        mid = (lo + hi) // 2
        v = np.take_along_axis(seq, np.minimum(mid, m - 1), -1) if m else xp.zeros(vals.shape, seq.dtype)
        go = ~(v > vals) if right else ~(v >= vals)      # torch's comparisons (NaN goes right)
        lo = np.where(act & go, mid + 1, lo)
        hi = np.where(act & ~go, mid, hi)
    return lo


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    if side is not None:
        if side not in ('left', 'right'):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == 'left':
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               'while right was True')
        right = side == 'right'
    seq = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    if scalar:
        vals = _xp(seq).asarray(input, seq.dtype)
    else:
        if input._device is not sorted_sequence._device:
            from ._core import check_device
            check_device(sorted_sequence, input)
        vals = input._data
    if seq.ndim == 0:
        raise RuntimeError('torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 '
                           'dimension')
    if sorter is not None:
        if sorter.dtype is not D.int64:
            raise RuntimeError('torch.searchsorted(): sorter must be a tensor of long dtype but got dtype '
                               f'{_cap(sorter.dtype)}')
        if sorter._data.shape != seq.shape:
            raise RuntimeError('torch.searchsorted(): boundary and sorter must have the same size, but got boundary '
                               f'tensor {list(seq.shape)}and got sorter tensor {list(sorter._data.shape)}')
        seq = np.take_along_axis(seq, sorter._data, -1)
    if seq.ndim > 1 and (vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError('torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions '
                           f'of boundaries tensor and input value tensor must match, but we got boundaries tensor '
                           f'{list(seq.shape)} and input value tensor {list(vals.shape)}')
    if not scalar and input.dtype is not sorted_sequence.dtype:
        ct = np.promote_types(seq.dtype, vals.dtype)
        seq, vals = seq.astype(ct), vals.astype(ct)
    if seq.ndim == 1:
        r = _search(seq.reshape(1, -1), vals.reshape(1, -1), right).reshape(vals.shape)
    else:
        r = _search(seq, vals, right)
    dt = D.int32 if out_int32 else D.int64
    return finish(_wrap(_c(r, dtype=dt.np), dt, sorted_sequence._device), out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    if boundaries._data.ndim != 1:
        raise RuntimeError(f'boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})')
    r = searchsorted(boundaries, input, out_int32=out_int32, right=right)
    if not isinstance(input, Tensor):
        r = r.reshape(())
    return finish(r, out)


# ---------------------------------------------------------------- unique / unique_consecutive
def _pack(vals, inv, cnt, like, return_inverse, return_counts):
    v = _wrap(_c(vals), like.dtype, like._device)
    if not return_inverse and not return_counts:
        return v
    res = [v]
    if return_inverse:
        res.append(_wrap(_c(inv, dtype=np.int64), D.int64, like._device))
    if return_counts:
        res.append(_wrap(_c(cnt, dtype=np.int64), D.int64, like._device))
    return tuple(res)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    _no_complex(input, 'unique')
    x = input._data
    if dim is None:
        # (torch keeps each NaN apart: NumPy merges them unless told)
        nan_kw = {'equal_nan': False} if x.dtype.kind == 'f' else {}
        v, inv, cnt = np.unique(x.reshape(-1), return_inverse=True, return_counts=True, **nan_kw)
        return _pack(v, inv.reshape(x.shape), cnt, input, return_inverse, return_counts)
    d = _wrap_dim(dim, x.ndim)
    xm = np.moveaxis(x, d, 0)
    if xm.shape[0] == 0:
        v, inv, cnt = xm, _xp(x).zeros(0, np.int64), _xp(x).zeros(0, np.int64)
    else:
        flat = xm.reshape(xm.shape[0], -1)
        v, inv, cnt = np.unique(flat, axis=0, return_inverse=True, return_counts=True)
        v = v.reshape((-1,) + xm.shape[1:])
    return _pack(np.moveaxis(v, 0, d), inv.reshape(-1), cnt, input, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    _no_complex(input, 'unique')
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        change = _xp(x).empty(flat.shape, bool)
        change[:1] = True
        change[1:] = flat[1:] != flat[:-1]
        v = flat[change]
        inv = (np.cumsum(change) - 1).reshape(x.shape)
    else:
        d = _wrap_dim(dim, x.ndim)
        xm = np.moveaxis(x, d, 0)
        rows = xm.reshape(xm.shape[0], -1)
        change = _xp(x).empty(rows.shape[0], bool)
        change[:1] = True
        change[1:] = (rows[1:] != rows[:-1]).any(1)
        v = np.moveaxis(xm[change], 0, d)
        inv = np.cumsum(change) - 1
    starts = np.flatnonzero(change)
    cnt = np.diff(np.append(starts, change.size))
    return _pack(v, inv, cnt, input, return_inverse, return_counts)


# ---------------------------------------------------------------- bincount / histc / count_nonzero
def bincount(input, weights=None, minlength=0):
    x = input._data
    if input.dtype._cat != 1 or input.dtype is D.bool_:
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{_cap(input.dtype)}\'')
    if x.ndim != 1 or input.dtype._cat != 1 or input.dtype is D.bool_ or (x.size and x.min() < 0):
        raise RuntimeError('bincount only supports 1-d non-negative integral inputs.')
    if minlength < 0:
        raise RuntimeError('minlength should be >= 0')
    if weights is not None and weights._data.shape != x.shape:
        raise RuntimeError('weights should be 1-d and have the same length as input')
    n = max(int(x.max()) + 1 if x.size else 0, minlength)
    if weights is None:
        return _wrap(np.bincount(x, minlength=n).astype(np.int64), D.int64, input._device)
    dt = weights.dtype if weights.dtype in (D.float32, D.float16) else D.float64
    r = np.bincount(x, weights=weights._data.astype(np.float64), minlength=n)
    return _wrap(r.astype(dt.np), dt, input._device)


def _cpp_num(v, nan='nan'):
    """A float as C++'s ostream writes it in torch's messages (6 significant digits: 1, 2.5, inf)."""
    return nan if v != v else f'{v:g}'


def histc(input, bins=100, min=0, max=0, *, out=None):
    x = input._data
    if input.dtype._cat != 2:
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{_cap(input.dtype)}\'')
    if bins <= 0:
        raise RuntimeError(f'torch.histogram(): bins must be > 0, but got {bins} for dimension 0')
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        # (C++ prints the NaN torch's min/max reduction gives as -nan)
        raise RuntimeError(f'torch.histc: range of [{_cpp_num(lo, "-nan")}, {_cpp_num(hi, "-nan")}] is not finite')
    if lo > hi:
        raise RuntimeError('torch.histc: max must be larger than min')
    v = x.reshape(-1)
    v = v[(v >= lo) & (v <= hi)].astype(np.float64)
    idx = ((v - lo) * bins / (hi - lo)).astype(np.int64)
    idx = np.minimum(idx, bins - 1)
    r = np.bincount(idx, minlength=bins).astype(x.dtype)
    return finish(_wrap(r, input.dtype, input._device), out)


_histogram_rt = _rt.make('histogram', ('hist', 'bin_edges'))


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """torch.histogram: (hist, bin_edges) of a float tensor; ``bins`` a count or the edges."""
    if input.dtype._cat != 2:
        name = 'histogram_cpu' if isinstance(bins, Tensor) else 'histogramdd'
        raise NotImplementedError(f'"{name}" not implemented for \'{_cap(input.dtype)}\'')
    x = np.asarray(_arr(input._data)).reshape(-1)
    if isinstance(bins, Tensor):
        if bins._data.ndim != 1:
            raise RuntimeError(f'torch.histogramdd: bins tensor should have one dimension, but got '
                               f'{bins._data.ndim} dimensions in the bins tensor for dimension 0')
        if bins.dtype is not input.dtype:
            raise RuntimeError(f'torch.histogramdd: input tensor and bins tensors should have the same dtype, but got '
                               f'input with dtype {_meta_name(input.dtype)} and bins for dimension 0 with dtype '
                               f'{_meta_name(bins.dtype)}')
        edges = np.asarray(_arr(bins._data)).astype(x.dtype)
    else:
        if bins <= 0:
            raise RuntimeError(f'torch.histogram(): bins must be > 0, but got {bins} for dimension 0')
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
            if lo > hi:
                raise RuntimeError(f'torch.histogramdd: min should not exceed max, but got min {_cpp_num(lo)} max '
                                   f'{_cpp_num(hi)} for dimension 0')
        else:
            lo, hi = (float(x.min()), float(x.max())) if x.size else (0., 0.)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_cpp_num(lo)}, {_cpp_num(hi)}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5     # (torch widens an empty range like NumPy does)
        edges = np.linspace(lo, hi, int(bins) + 1).astype(x.dtype)
    w = None if weight is None else np.asarray(weight._host()).reshape(-1)
    h, _ = np.histogram(x, bins=edges.astype(np.float64), weights=w, density=density)
    xp = _xp(input._data)
    return _histogram_rt((_wrap(xp.asarray(h.astype(x.dtype)), input.dtype, input._device),
                          _wrap(xp.asarray(edges), input.dtype, input._device)))


_histogramdd_rt = _rt.make('histogramdd', ('hist', 'bin_edges'))
_NO_CUDA_KERNEL = (
    "Could not run 'aten::{op}' with arguments from the 'CUDA' backend. This could be because the operator "
    "doesn't exist for this backend, or was omitted during the selective/custom build process (if using custom "
    "build). If you are a Facebook employee using PyTorch on mobile, please visit https://fburl.com/ptmfixes for "
    "possible resolutions. 'aten::{op}' is only available for these backends: [CPU, Meta, BackendSelect, Python, "
    "FuncTorchDynamicLayerBackMode, Functionalize, Named, Conjugate, Negative, ZeroTensor, ADInplaceOrView, "
    "AutogradOther, AutogradCPU, AutogradCUDA, AutogradHIP, AutogradXLA, AutogradMPS, AutogradIPU, AutogradXPU, "
    "AutogradHPU, AutogradVE, AutogradLazy, AutogradMTIA, AutogradMAIA, AutogradPrivateUse1, AutogradPrivateUse2, "
    "AutogradPrivateUse3, AutogradMeta, AutogradNestedTensor, Tracer, AutocastCPU, AutocastMTIA, AutocastMAIA, "
    "AutocastXPU, AutocastMPS, AutocastCUDA, FuncTorchBatched, BatchedNestedTensor, FuncTorchVmapMode, Batched, "
    "VmapMode, FuncTorchGradWrapper, PythonTLSSnapshot, FuncTorchDynamicLayerFrontMode, PreDispatch, "
    "PythonDispatcher].\n")


def histogramdd(input, bins=10, *, range=None, weight=None, density=False):
    """torch.histogramdd: (hist, bin_edges) of the points in input's last dimension (D of them);
    ``bins`` a count, D counts or D edge tensors; ``range`` flat [min0, max0, min1, max1, ...]."""
    if input._device.type == 'cuda':
        # torch's CUDA build has no histogramdd kernels: its dispatcher refuses the first one it calls
        op = ('_histogramdd_from_bin_tensors' if isinstance(bins, (list, tuple)) and bins
              and all(isinstance(b, Tensor) for b in bins) else '_histogramdd_bin_edges')
        raise NotImplementedError(_NO_CUDA_KERNEL.format(op=op))
    if input.dtype._cat != 2:
        raise NotImplementedError(f'"histogramdd" not implemented for \'{_cap(input.dtype)}\'')
    x = np.asarray(input._host())
    nd = x.shape[-1]
    x = x.reshape(-1, nd)
    if isinstance(bins, int):
        bins = [bins] * nd
    edges = []
    import builtins
    for k in builtins.range(nd):
        b = bins[k]
        if isinstance(b, Tensor):
            edges.append(np.asarray(b._host()).astype(x.dtype))
            continue
        if range is not None:
            lo, hi = float(range[2 * k]), float(range[2 * k + 1])
        else:
            lo, hi = (float(x[:, k].min()), float(x[:, k].max())) if x.size else (0., 0.)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(np.linspace(lo, hi, int(b) + 1).astype(x.dtype))
    w = None if weight is None else np.asarray(weight._host()).reshape(-1)
    h, _ = np.histogramdd(x, bins=[e.astype(np.float64) for e in edges], weights=w, density=density)
    xp = _xp(input._data)
    return _histogramdd_rt((_wrap(xp.asarray(h.astype(x.dtype)), input.dtype, input._device),
                            tuple(_wrap(xp.asarray(e), input.dtype, input._device) for e in edges)))


def count_nonzero(input, dim=None):
    x = input._data
    dims = norm_dims(dim, x.ndim) if dim is not None else None
    r = np.count_nonzero(x, axis=dims if x.ndim else None)
    return _wrap(_c(r, np.int64), D.int64, input._device)


# ---------------------------------------------------------------- cumprod / cummax / cummin
@backward_op('CumprodBackward0')
def _cumprod_bw(node, g):
    x, res = node.saved()
    d, dt = node._args
    if x._data.ndim == 0 or x._data.shape[d] <= 1:
        return (_cast(g, dt),)
    from .reduction import _rev_cumsum
    xd = x.to(g.dtype) if x.dtype is not g.dtype else x
    if not (x._data == 0).any():
        return (_cast(_rev_cumsum(g * res, d) / xd, dt),)
    # zeros present: prod_{j<=k, j!=i} x_j for every (i, k), from x with x_i replaced by 1
    n = x._data.shape[d]
    xm = xd.movedim(d, -1)
    gm = g.movedim(d, -1)
    xp = _xp(g._data)
    eye = _wrap(xp.eye(n, dtype=bool), D.bool_, g._device)
    xx = xm.unsqueeze(-2).expand(tuple(xm.shape[:-1]) + (n, n)).masked_fill(eye, 1)    # [..., i, j]
    cp = xx.cumprod(-1)                                                                  # [..., i, k]
    ki = _wrap(xp.triu(xp.ones((n, n), dtype=g._data.dtype)), g.dtype, g._device)        # k >= i
    r = (cp * ki * gm.unsqueeze(-2)).sum(-1)
    return (_cast(r.movedim(-1, d), dt),)


def cumprod(input, dim, *, dtype=None, out=None):
    from .reduction import _sum_dtype, _acc
    if _amp.active:     # autocast: float16 runs in float32 on CUDA (ember/amp/autocast_mode.py)
        input, = _amp.higher_op('cumprod', input, dtype=dtype)
    x = input._data
    dt = _sum_dtype(input, dtype, 'cumprod')
    if dtype is not None and x.dtype is not dt.np:
        x = x.astype(dt.np)
    d = _wrap_dim(dim, x.ndim)
    r = x.astype(dt.np, copy=True) if x.ndim == 0 else np.cumprod(x, axis=d, dtype=_acc(dt.np)).astype(dt.np)
    t = _wrap(r, dt, input._device)
    if _ng(input):
        record(_cumprod_bw, t, (input,), (input, t), (d, input.dtype))
    return finish(t, out)


def _cum_bw(node, g):
    (idx,) = node.saved()
    shape, d, dt = node._args
    if len(shape) == 0:
        return (_cast(g, dt),)
    return (_cast(scatter_add(_zeros(shape, g), d, idx, g), dt),)


_cummax_bw = backward_op('CummaxBackward0')(_cum_bw)
_cummin_bw = backward_op('CumminBackward0')(_cum_bw)


def _cumext(input, dim, is_max, out):
    _no_complex(input, 'cummax_cpu' if is_max else 'cummin_cpu')
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0 or x.size == 0:
        v, i = x.copy(), _xp(x).zeros(x.shape, np.int64)
    else:
        v = accumulate(np.maximum if is_max else np.minimum, x, d)
        mask = x == v
        if x.dtype.kind == 'f':
            mask |= np.isnan(x)
        ar = _xp(x).arange(x.shape[d]).reshape([-1 if k == d else 1 for k in range(x.ndim)])
        i = accumulate(np.maximum, np.where(mask, ar, 0), d)
    vt = _wrap(_c(v), input.dtype, input._device)
    it = _wrap(_c(i, dtype=np.int64), D.int64, input._device)
    if _ng(input):
        record(_cummax_bw if is_max else _cummin_bw, vt, (input,), (it,), (x.shape, d, input.dtype))
    return _out2((_rt.cummax if is_max else _rt.cummin)(vt, it), out, _rt.cummax_out if is_max else _rt.cummin_out)


def cummax(input, dim, *, out=None):
    return _cumext(input, dim, True, out)


def cummin(input, dim, *, out=None):
    return _cumext(input, dim, False, out)


# ---------------------------------------------------------------- median / nanmedian / mode
def _evenly_bw(node, g):
    x, res = node.saved()
    dt = node._args
    r = res._data
    mask = (x != x) if r != r else (x == res)
    out = mask.to(g.dtype) * (g / mask.sum())
    return (_cast(out, dt),)


_median0_bw = backward_op('MedianBackward0')(_evenly_bw)
_nanmedian0_bw = backward_op('NanmedianBackward0')(_evenly_bw)


def _median_pos(x, d, ignore_nan):
    """(sorted order, position along d to pick) for the lower median along d."""
    order = np.argsort(x, axis=d, kind='stable')
    n = x.shape[d]
    if x.dtype.kind == 'f':
        nn = (~np.isnan(x)).sum(axis=d, keepdims=True)
        if ignore_nan:
            k = np.where(nn > 0, (nn - 1) // 2, 0)
        else:
            k = np.where(nn < n, nn, (n - 1) // 2)
    else:
        k = _xp(x).full([1 if j == d else s for j, s in enumerate(x.shape)], (n - 1) // 2)
    return np.take_along_axis(order, k, d)


def _median(input, dim, keepdim, out, ignore_nan):
    _no_complex(input, 'median_cpu' if dim is None else 'median_out')
    x = input._data
    name = 'nanmedian' if ignore_nan else 'median'
    if dim is None:
        if x.size == 0:
            xp = _xp(x)
            t = _wrap(xp.asarray(np.nan, x.dtype) if x.dtype.kind == 'f' else xp.zeros((), x.dtype),
                      input.dtype, input._device)
        else:
            flat = x.reshape(-1)
            i = _median_pos(flat, 0, ignore_nan)
            t = _wrap(_c(flat[i].reshape(())), input.dtype, input._device)
        if _ng(input):
            record(_nanmedian0_bw if ignore_nan else _median0_bw, t, (input,), (input, t), input.dtype)
        return finish(t, out)
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _values_indices(input, x.copy(), _xp(x).zeros((), np.int64), _nanmedian1_bw if ignore_nan else _median1_bw,
                               d, keepdim, getattr(_rt, name), out, getattr(_rt, name + '_out'))
    if x.shape[d] == 0:
        raise IndexError(f'{name}(): Expected reduction dim {d} to have non-zero size.')
    i = _median_pos(x, d, ignore_nan)
    v = np.take_along_axis(x, i, d)
    if not keepdim:
        i, v = i.squeeze(d), v.squeeze(d)
    return _values_indices(input, v, i, _nanmedian1_bw if ignore_nan else _median1_bw, d, keepdim,
                           getattr(_rt, name), out, getattr(_rt, name + '_out'))


def median(input, dim=None, keepdim=False, *, out=None):
    return _median(input, dim, keepdim, out, False)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    return _median(input, dim, keepdim, out, True)


def _mode_last(q):
    """The index torch's mode kernel returns for one row of (value, index) pairs."""
    _Stl(lambda a, b: a[0] < b[0]).sort(q, 0, len(q))
    best = run = 0
    idx = q[-1][1]
    for j in range(len(q)):
        run += 1
        if j == len(q) - 1 or q[j][0] != q[j + 1][0]:
            if run > best:
                best, idx = run, q[j][1]
            run = 0
    return [idx]


def mode(input, dim=-1, keepdim=False, *, out=None):
    _no_complex(input, 'mode_cpu')
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _values_indices(input, x.copy(), _xp(x).zeros((), np.int64), _mode_bw, d, keepdim, _rt.mode, out,
                               _rt.mode_out)
    n = x.shape[d]
    if n == 0:
        raise IndexError(f'mode(): Expected reduction dim {d} to have non-zero size.')
    xm = np.moveaxis(x, d, -1)
    order = np.argsort(xm, axis=-1, kind='stable')
    s = np.take_along_axis(xm, order, -1)
    xp = _xp(x)
    ar = np.broadcast_to(xp.arange(n), s.shape)
    start = xp.ones(s.shape, bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    end = xp.ones(s.shape, bool)
    end[..., :-1] = start[..., 1:]
    first = accumulate(np.maximum, np.where(start, ar, 0), -1)
    last = np.flip(accumulate(np.minimum, np.flip(np.where(end, ar, n), -1), -1), -1)
    length = last - first + 1
    best = np.argmax(length, axis=-1)[..., None]
    pos_last = np.take_along_axis(last, best, -1)
    v = np.take_along_axis(s, best, -1)
    i = np.take_along_axis(order, pos_last, -1)
    if n > 16 and x.dtype.kind in 'fiub' and _is_host(x):
        # torch: the last of the run in std::sort's order (by value only), not stable past 16 elements
        tie = np.take_along_axis(length, best, -1)[..., 0] > 1
        if x.dtype.kind == 'f':
            tie &= ~np.isnan(xm).any(-1)
        i = _replay_rows(xm, xm.ndim - 1, i, tie, _mode_last)
    v, i = np.moveaxis(v, -1, d), np.moveaxis(i, -1, d)
    if not keepdim:
        v, i = v.squeeze(d), i.squeeze(d)
    return _values_indices(input, v, i, _mode_bw, d, keepdim, _rt.mode, out, _rt.mode_out)


# ---------------------------------------------------------------- quantile / nanquantile
def _quantile(input, q, dim, keepdim, interpolation, out, ignore_nan):
    # torch's checks, in its order; nanquantile checks through quantile, so its name is not in the messages
    x = input._data
    is_t = isinstance(q, Tensor)
    if not is_t and not 0 <= q <= 1:
        raise RuntimeError(f'quantile() q must be in the range [0, 1] but got {float(q):g}')
    if interpolation not in ('linear', 'lower', 'higher', 'midpoint', 'nearest'):
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if x.size == 0:
        raise RuntimeError('quantile() input tensor must be non-empty')
    if is_t and q._data.ndim > 1:
        raise RuntimeError('quantile() q must be a scalar or 1D tensor')
    if input.dtype not in (D.float32, D.float64):
        raise RuntimeError('quantile() input tensor must be either float or double dtype')
    if is_t:
        if q.dtype is not input.dtype:
            raise RuntimeError('quantile() q tensor must be same dtype as the input tensor')
        qa, qscalar = q._data.reshape(-1).astype(x.dtype), q._data.ndim == 0
        if qa.size and not ((qa >= 0) & (qa <= 1)).all():
            raise RuntimeError('quantile() q values must be in the range [0, 1]')
    else:
        qa, qscalar = _xp(x).asarray([q], x.dtype), True
    if dim is None:
        s = input.reshape(-1)
        d = 0
        kshape = (1,) * x.ndim
    else:
        d = _wrap_dim(dim, x.ndim)
        s = input.movedim(d, -1) if x.ndim else input.reshape(1)
        kshape = tuple(1 if k == d else n for k, n in enumerate(x.shape))
    sv = sort(s, -1).values                                   # rows (..., n), NaN last
    a = sv._data
    n = a.shape[-1]
    cnt = (~np.isnan(a)).sum(-1, keepdims=True) if ignore_nan else np.where(np.isnan(a).any(-1, keepdims=True), 0, n)
    qb = qa.reshape((-1,) + (1,) * a.ndim)                     # (Q, 1..., 1)
    if ignore_nan:
        rank = qb * (cnt - 1).astype(x.dtype)
        rank = np.where(cnt > 0, rank, 0)
    else:
        rank = np.where(cnt == 0, x.dtype.type(n - 1), qb * x.dtype.type(n - 1))
    rank = rank.astype(x.dtype)
    lo = np.floor(rank).astype(np.int64)
    hi = np.ceil(rank).astype(np.int64)
    if interpolation == 'lower':
        hi = lo
    elif interpolation == 'higher':
        lo = hi
    elif interpolation == 'nearest':
        lo = hi = np.round(rank).astype(np.int64)
    w = rank - lo if interpolation == 'linear' else np.full_like(rank, 0.5 if interpolation == 'midpoint' else 0,
                                                            x.dtype)
    full = (qa.size,) + a.shape[:-1] + (1,)
    lo, hi = np.broadcast_to(lo, full), np.broadcast_to(hi, full)
    se = sv.unsqueeze(0).expand((qa.size,) + a.shape)
    vlo = gather(se, -1, _wrap(_c(lo), D.int64, input._device))
    vhi = gather(se, -1, _wrap(_c(hi), D.int64, input._device))
    wt = _wrap(_c(np.broadcast_to(w, full), dtype=x.dtype), input.dtype, input._device)
    r = vlo + wt * (vhi - vlo)                                 # (Q, ..., 1)
    r = r.squeeze(-1)
    if keepdim:
        r = r.reshape((qa.size,) + kshape)
    if qscalar:
        r = r.squeeze(0) if r._data.ndim else r
    return finish(r, out)


def quantile(input, q, dim=None, keepdim=False, *, interpolation='linear', out=None):
    return _quantile(input, q, dim, keepdim, interpolation, out, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation='linear', out=None):
    return _quantile(input, q, dim, keepdim, interpolation, out, True)


# ---------------------------------------------------------------- aminmax
@backward_op('AminmaxBackward0', multi_output=True)
def _aminmax_bw(node, gmin=None, gmax=None):
    x, rmin, rmax = node.saved()
    dims, kshape, dt = node._args
    total = None
    for g, r in ((gmin, rmin), (gmax, rmax)):
        if g is None:
            continue
        mask = x == r.reshape(kshape)
        cnt = mask.sum() if dims is None else mask.sum(dims, keepdim=True)
        part = mask.to(g.dtype) * (g.reshape(kshape) / cnt)
        total = part if total is None else total + part
    return (None if total is None else _cast(total, dt),)


def aminmax(input, *, dim=None, keepdim=False, out=None):
    _no_complex(input, 'aminmax_cpu')
    x = input._data
    if dim is None:
        if x.size == 0:
            raise RuntimeError('aminmax(): cannot compute aminmax over an empty dimension as the operation has no '
                               'identity.')
        mn, mx = _arr(x.min()), _arr(x.max())
        if keepdim:
            mn, mx = mn.reshape((1,) * x.ndim), mx.reshape((1,) * x.ndim)
        dims, kshape = None, (1,) * x.ndim
    else:
        d = _wrap_dim(dim, x.ndim)
        if x.ndim and x.shape[d] == 0:
            raise IndexError(f'aminmax(): Expected reduction dim {d} to have non-zero size.')
        ax = d if x.ndim else None
        mn, mx = _arr(x.min(axis=ax, keepdims=keepdim)), _arr(x.max(axis=ax, keepdims=keepdim))
        dims = (d,) if x.ndim else None
        kshape = tuple(1 if k == d else s for k, s in enumerate(x.shape))
    tmin = _wrap(_c(mn), input.dtype, input._device)
    tmax = _wrap(_c(mx), input.dtype, input._device)
    if _ng(input):
        record(_aminmax_bw, (tmin, tmax), (input,), (input, tmin, tmax), (dims, kshape, input.dtype))
    if out is not None:
        finish(tmin, out[0])
        finish(tmax, out[1])
        return _rt.aminmax(out[0], out[1])
    return _rt.aminmax(tmin, tmax)


# ---------------------------------------------------------------- diff
def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    from .shape import cat, narrow
    from .pointwise import logical_xor
    x = input
    if x._data.ndim == 0:
        raise RuntimeError('diff expects input to be at least one-dimensional')
    if n < 0:
        raise RuntimeError(f'order must be non-negative but got {n}')
    d = _wrap_dim(dim, x._data.ndim)
    if prepend is not None or append is not None:
        for p in (prepend, append):
            if p is None:
                continue
            if p._data.ndim != x._data.ndim:
                raise RuntimeError('diff expects prepend or append to be the same dimension as input')
            for k, (a, b) in enumerate(zip(x.shape, p.shape)):
                if k != d and a != b:
                    raise RuntimeError('diff expects the shape of tensor to prepend or append to match that of input '
                                       f'except along the differencing dimension; input.size({k}) = {a}, but got '
                                       f'tensor.size({k}) = {b}')
        x = cat([p for p in (prepend, x, append) if p is not None], d)
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        a, b = narrow(x, d, 1, m - 1), narrow(x, d, 0, m - 1)
        x = logical_xor(a, b) if x.dtype is D.bool_ else a - b
    return finish(x, out)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """torch.gradient: central differences inside, one-sided (``edge_order`` 1 or 2) at the ends, along
    each of ``dim``; ``spacing`` a number, one per dim, or coordinate tensors (uneven grids). Ember ops:
    differentiable."""
    from .shape import cat, narrow
    if edge_order not in (1, 2):
        raise RuntimeError('torch.gradient only supports edge_order=1 and edge_order=2.')
    nd = input._data.ndim
    dims = list(range(nd)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [_wrap_dim(d, nd) for d in dims]
    sp = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(sp) != len(dims):
        raise RuntimeError(f'torch.gradient expected spacing to be unspecified, a scalar or it\'s spacing and dim '
                           f'arguments to have the same length, but got a spacing argument of length {len(sp)} and '
                           f'a dim argument of length {len(dims)}.')
    x = input if input.dtype._cat >= 2 else input.to(D.get_default_dtype())
    res = []
    for d, h in zip(dims, sp):
        n = x.shape[d]
        if n < edge_order + 1:
            raise RuntimeError('torch.gradient expected each dimension size to be at least edge_order+1')

        def f(start, length=1):
            return narrow(x, d, start, length)
        if isinstance(h, Tensor):       # coordinates along d: numpy.gradient's uneven-grid formulas
            shape = [1] * nd
            dx = h.to(x.dtype).diff()

            def c(t):
                shape[d] = t.shape[0]
                return t.reshape(shape)
            hl, hr = c(dx[:-1]), c(dx[1:])
            mid = (hl * hl * f(2, n - 2) - hr * hr * f(0, n - 2) + (hr * hr - hl * hl) * f(1, n - 2)) / \
                (hl * hr * (hl + hr))
            if edge_order == 1:
                left, right = (f(1) - f(0)) / c(dx[:1]), (f(n - 1) - f(n - 2)) / c(dx[-1:])
            else:
                a, b = c(dx[:1]), c(dx[1:2])
                left = (-(2 * a + b) / (a * (a + b)) * f(0) + (a + b) / (a * b) * f(1) - a / (b * (a + b)) * f(2))
                a, b = c(dx[-2:-1]), c(dx[-1:])
                right = (b / (a * (a + b)) * f(n - 3) - (a + b) / (a * b) * f(n - 2) +
                         (2 * b + a) / (b * (a + b)) * f(n - 1))
        else:
            h = float(h)
            mid = (f(2, n - 2) - f(0, n - 2)) / (2 * h)
            if edge_order == 1:
                left, right = (f(1) - f(0)) / h, (f(n - 1) - f(n - 2)) / h
            else:
                left = (-1.5 * f(0) + 2 * f(1) - 0.5 * f(2)) / h
                right = (0.5 * f(n - 3) - 2 * f(n - 2) + 1.5 * f(n - 1)) / h
        res.append(cat([left, mid, right], d))
    return tuple(res)
