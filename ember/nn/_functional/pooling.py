"""Pooling: max_pool1d/2d/3d (with indices), avg_pool1d/2d/3d, adaptive_avg_pool1d/2d/3d,
adaptive_max_pool1d/2d/3d; max_unpool1d/2d/3d (the inverse of max pooling, from its indices).

Windows are strided views of the padded input (no Python loop over them): max pooling takes an
argmax over each window, the gradient goes back through the flat indices with one bincount.
Average pooling is a window sum over a divisor (on host arrays, one shifted strided slice at a
time in the order of NumPy's own reduction of the window view: the same values, 9x faster); its
backward is the adjoint (a loop over kernel positions only), recorded as an ember op whose own
gradient is the average pooling again, so double backward works. Adaptive average pooling is a
product with a constant (O, S) averaging matrix per spatial dim, composed of ember ops.

Example:
    >>> F.max_pool2d(ember.arange(16.).reshape(1, 1, 4, 4), 2)      # tensor([[[[ 5.,  7.], [13., 15.]]]])
"""
import math
import numpy as np
from ..._backend import is_host as _is_host  # (a recorded host array too: ember.compile)
from ..._backend import sliding_window_view, asarray_like
from ..._tensor import _wrap, _gm
from ..._ops._core import record, backward_op
from ..._ops import pointwise as P
from ..._ops import linalg as L
from ..._ops.creation import tensor as _tensor, keep_channels_last as _keep_cl
from ...amp import autocast_mode as _amp
from ._util import need_tensor, not_implemented, xp_of, contig, fused_name

__all__ = ['max_pool1d', 'max_pool2d', 'max_pool3d', 'max_pool1d_with_indices', 'max_pool2d_with_indices',
           'max_pool3d_with_indices', 'avg_pool1d', 'avg_pool2d', 'avg_pool3d', 'adaptive_avg_pool1d',
           'adaptive_avg_pool2d', 'adaptive_avg_pool3d', 'adaptive_max_pool1d', 'adaptive_max_pool2d',
           'adaptive_max_pool3d', 'adaptive_max_pool1d_with_indices', 'adaptive_max_pool2d_with_indices',
           'adaptive_max_pool3d_with_indices', 'lp_pool1d', 'lp_pool2d', 'max_unpool1d', 'max_unpool2d',
           'max_unpool3d', 'lp_pool3d', 'fractional_max_pool2d', 'fractional_max_pool3d',
           'fractional_max_pool2d_with_indices', 'fractional_max_pool3d_with_indices']


def _like(a, like):
    """Host array ``a`` (an index or divisor made from the geometry) on ``like``'s device."""
    return a if _is_host(like) else asarray_like(a, like)


def _tup(v, k, name, fname):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * k
    v = tuple(int(i) for i in v)
    if len(v) == 1:
        return v * k
    if len(v) != k:
        raise RuntimeError(f'{fname}: {name} must either be a single int, or a tuple of {k} ints')
    return v


def _pool_out(S, k, s, p, d, ceil):
    num = S + 2 * p - d * (k - 1) - 1
    if ceil:
        o = -(-num // s) + 1
        if (o - 1) * s >= S + p:          # the last window must start inside the input or left padding
            o -= 1
    else:
        o = num // s + 1
    return o


def _check_input(fname, input, k):
    need_tensor(fname, input)
    xs = tuple(input._data.shape)
    if len(xs) not in (k + 1, k + 2) or any(v == 0 for v in xs[1 if len(xs) == k + 2 else 0:]):
        nm = {1: '2D or 3D', 2: '3D or 4D', 3: '4D or 5D'}[k]
        raise RuntimeError(f'{fname}: Expected {nm} (batch mode) tensor with optional 0 dim batch size for input, '
                           f'but got: {list(xs)}' if k > 1 else
                           f'{fname}() Expected 2D or 3D input tensor, but got {list(xs)}')
    return xs


def _geometry(fname, xs, k, kernel_size, stride, padding, dilation, ceil_mode):
    K = _tup(kernel_size, k, 'kernel_size', fname)
    s = K if (stride is None or (not isinstance(stride, (int, np.integer)) and len(stride) == 0)) else \
        _tup(stride, k, 'stride', fname)
    p = _tup(padding, k, 'padding', fname)
    d = _tup(dilation, k, 'dilation', fname)
    if any(v <= 0 for v in K):
        raise RuntimeError(f'{fname}: kernel_size must be greater than zero, but got ' + _kv(K))
    if any(v <= 0 for v in s):
        raise RuntimeError(f'{fname}: stride must be greater than zero, but got ' + _kv(s))
    if any(v <= 0 for v in d):
        raise RuntimeError(f'{fname}: dilation must be greater than zero, but got ' + _kv(d))
    for i in range(k):
        if p[i] < 0 or p[i] > K[i] // 2:
            raise RuntimeError(f'pad should be at most half of effective kernel size, but got pad={p[i]}, '
                               f'kernel_size={K[i]} and dilation={d[i]}')
    S = xs[-k:]
    O = tuple(_pool_out(S[i], K[i], s[i], p[i], d[i], ceil_mode) for i in range(k))
    if any(o <= 0 for o in O):
        raise RuntimeError(f'Given input size: ({"x".join(map(str, xs[-k - 1:]))}). Calculated output size: '
                           f'({"x".join(map(str, (xs[-k - 1],) + O))}). Output size is too small')
    return K, s, p, d, S, O


def _kv(t):
    return ', '.join(f'{n}: {v}' for n, v in zip(('kH', 'kW') if len(t) == 2 else ('kT', 'kH', 'kW')
                                                  if len(t) == 3 else ('k',), t))


def _windows(x, K, s, p, d, S, O, fill):
    """(B, *O, *K) strided view of x (B, *S) padded with ``fill`` (lo = p, hi as the windows need)."""
    k = len(K)
    hi = tuple(max(0, (O[i] - 1) * s[i] + d[i] * (K[i] - 1) + 1 - S[i] - p[i]) for i in range(k))
    if any(p) or any(hi):
        x = np.pad(x, ((0, 0),) + tuple(zip(p, hi)), constant_values=fill)
    ext = tuple(d[i] * (K[i] - 1) + 1 for i in range(k))
    v = sliding_window_view(x, ext, axis=tuple(range(1, 1 + k)))
    sl = (slice(None),) + tuple(slice(None, (O[i] - 1) * s[i] + 1, s[i]) for i in range(k)) + \
        tuple(slice(None, None, d[i]) for i in range(k))
    return v[sl]


# ---------------------------------------------------------------- max pooling
_MAX_NAMES = {1: 'MaxPool2DWithIndicesBackward0', 2: 'MaxPool2DWithIndicesBackward0',
              3: 'MaxPool3DWithIndicesBackward0'}


def _scatter_max(g, idx, S):
    """The gradient of a max over windows: g summed into the input at the flat indices."""
    B = g.shape[0]
    n = int(np.prod(S))
    flat = (idx.reshape(B, -1) + (xp_of(idx).arange(B) * n)[:, None]).ravel()
    r = np.bincount(flat, weights=g.reshape(-1), minlength=B * n)
    return r.reshape((B,) + tuple(S)).astype(g.dtype, copy=False)


def _max_scatter(g, args):
    """The gradient of a max pooling (an ember op): g (lead + O) sent to each window's argmax."""
    ga = g._data
    if type(args[0]) is str:
        _, kidx, geo, lead = args
        S = geo[4]
        r = _scatter_windows(ga.reshape(kidx.shape), kidx, geo)
    else:
        idx, S, lead = args
        B = int(np.prod(lead)) if lead else 1
        r = _scatter_max(ga.reshape((B,) + ga.shape[len(lead):]), idx.reshape((B,) + idx.shape[len(lead):]), S)
    t = _wrap(contig(r).reshape(tuple(lead) + tuple(S)), g.dtype, g._device)
    if _gm.enabled and g._rg:
        record(_MAX_BB, t, (g,), (), args)
    return t


def _max_gather(gg, args):
    """The adjoint of ``_max_scatter``: each window reads gg at its argmax (an ember op)."""
    a = gg._data
    if type(args[0]) is str:
        _, kidx, geo, lead = args
        K, s, p, d, S, O = geo
        v = _windows(a.reshape((-1,) + tuple(S)), K, s, p, d, S, O, 0)
        r = xp_of(a).zeros(kidx.shape, dtype=a.dtype)
        for j, kk in enumerate(np.ndindex(*K)):
            r += np.where(kidx == j, v[(Ellipsis,) + kk], a.dtype.type(0))
        r = r.reshape(tuple(lead) + tuple(O))
    else:
        idx, S, lead = args
        B = int(np.prod(lead)) if lead else 1
        r = np.take_along_axis(a.reshape(B, -1), idx.reshape(B, -1), 1).reshape(idx.shape)
    t = _wrap(contig(r), gg.dtype, gg._device)
    if _gm.enabled and gg._rg:
        record(_MAX_GATHER, t, (gg,), (), args)
    return t


def _max_bw(node, g):
    return (_max_scatter(g, node._args),)


_MAX_BB = backward_op('MaxPool2DWithIndicesBackwardBackward0')(lambda node, g: (_max_gather(g, node._args),))
_MAX_GATHER = backward_op('GatherBackward0')(lambda node, g: (_max_scatter(g, node._args),))


_MAX_NODES = {name: backward_op(name)(_max_bw) for name in
              set(_MAX_NAMES.values()) | {'AdaptiveMaxPool2DBackward0', 'AdaptiveMaxPool3DBackward0'}}


def _finish_max(input, out, idx, S, name, return_indices):
    from ... import _dtype as D
    t = _wrap(out, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_MAX_NODES[name], t, (input,), (), (idx, S, tuple(input._data.shape[:-len(S)])))
    if return_indices:
        return t, _wrap(idx.astype(np.int64, copy=False), D.int64, input._device)
    return t


def _max_pool(fname, k, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    xs = _check_input(fname, input, k)
    if input.dtype._cat < 2 and input.dtype.name == 'bool':
        raise not_implemented('max_pool2d', input.dtype)
    K, s, p, d, S, O = _geometry(fname, xs, k, kernel_size, stride, padding, dilation, ceil_mode)
    lead = xs[:-k]
    x = input._data.reshape((-1,) + S)
    kidx = _max_tiled(x, K, s, p, d, S, O) if x.dtype.kind == 'f' else None
    if kidx is not None:
        best, kidx = kidx
        return _finish_max_win(input, best.reshape(lead + O), kidx, (K, s, p, d, S, O), lead, k, return_indices)
    fill = -np.inf if x.dtype.kind == 'f' else np.iinfo(x.dtype).min
    v = _windows(x, K, s, p, d, S, O, fill)                            # (B, *O, *K), a strided view
    # a running max over the kernel positions (prod(K) vectorised passes; a NaN wins, as in torch)
    positions = list(np.ndindex(*K))
    views = [v[(Ellipsis,) + kk] for kk in positions]
    xp = xp_of(x)
    kidx = xp.zeros(views[0].shape, dtype=np.int8 if len(positions) < 128 else np.int64)
    if x.dtype.kind == 'f' and bool(np.isnan(x.min())):        # NaN present (x.min() is NaN): NaN wins
        best = views[0].copy()
        for j in range(1, len(views)):
            m = (views[j] > best) | np.isnan(views[j])
            np.copyto(best, views[j], where=m)
            np.copyto(kidx, j, where=m)
    else:
        best = views[0].copy()
        for c in views[1:]:
            np.maximum(c, best, out=best)      # (on a tie NumPy returns the second: -0.0 vs 0.0 as torch)
        found = xp.zeros(best.shape, dtype=bool)
        eq = xp.empty(best.shape, dtype=bool)
        for j, c in enumerate(views):                          # the first position holding the max
            np.equal(c, best, out=eq)
            eq &= ~found
            if j:
                kidx += eq.view(np.int8).astype(kidx.dtype, copy=False) * kidx.dtype.type(j)
            found |= eq
    return _finish_max_win(input, best.reshape(lead + O), kidx, (K, s, p, d, S, O), lead, k, return_indices)


def _finish_max_win(input, out, kidx, geo, lead, k, return_indices):
    t = _wrap(out, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_MAX_NODES[_MAX_NAMES[k]], t, (input,), (), ('win', kidx, geo, lead))
    if return_indices:
        from ... import _dtype as D
        return t, _wrap(_flat_index(kidx, geo).reshape(lead + geo[5]), D.int64, input._device)
    return t


def _tiled(K, s, p, d, S, O):
    """True when the windows tile the input exactly: stride = kernel, no padding or dilation, each
    size a multiple of the kernel (LeNet's and VGG's 2x2 pooling)."""
    return all(s[i] == K[i] and p[i] == 0 and d[i] == 1 and O[i] * K[i] == S[i] for i in range(len(K)))


def _max_tiled(x, K, s, p, d, S, O):
    """Max pooling over windows that tile x (B, *S) exactly: (best (B, *O), kidx) as the general
    loop gives them, or None (other geometries; a NaN in x; 128 or more kernel positions).

    The kernel positions are first copied out as contiguous planes (nK, B, *O), one strided copy:
    NumPy's loops over the stride-2 views of a 2x2 window run ~10x slower than over contiguous
    memory, and the general loop makes 2 * nK such passes. kidx is the first position holding the
    max (torch's tie rule), from the not-equal masks n_j: n_0 * (1 + n_1 * (1 + ... n_{nK-2}))."""
    k = len(K)
    nK = math.prod(K)
    if nK < 2 or nK >= 128 or not _tiled(K, s, p, d, S, O):
        return None
    xp = xp_of(x)
    B = x.shape[0]
    split = (B,) + tuple(v for i in range(k) for v in (O[i], K[i]))
    order = tuple(2 + 2 * i for i in range(k)) + (0,) + tuple(1 + 2 * i for i in range(k))
    planes = xp.empty(tuple(K) + (B,) + tuple(O), dtype=x.dtype)
    np.copyto(planes, x.reshape(split).transpose(order))
    planes = planes.reshape((nK, B) + tuple(O))
    # torch keeps the first maximum (-0.0 before 0.0 stays -0.0); NumPy's maximum returns its
    # second operand on a tie, so the earlier planes go second
    best = np.maximum(planes[1], planes[0])
    for j in range(2, nK):
        np.maximum(planes[j], best, out=best)
    if bool(np.isnan(best.min())):                  # a NaN wins its window: the general loop
        return None
    ne = xp.empty((nK - 1,) + best.shape, dtype=bool)
    for j in range(nK - 1):
        np.not_equal(planes[j], best, out=ne[j])
    ne = ne.view(np.int8)
    kidx = ne[nK - 2].copy()
    for j in range(nK - 3, -1, -1):
        kidx += np.int8(1)
        kidx *= ne[j]
    if xp is not np:
        # CuPy's maximum may answer +0.0 for a tie of -0.0 and +0.0, whichever came first: take the
        # value at the first maximum (torch's rule, on CUDA too: a later equal value never replaces it)
        best = xp.take_along_axis(planes, kidx[None].astype(np.int64), 0)[0]
    return best, kidx


def _flat_index(kidx, geo):
    """The flat input index (into prod(S)) of each window's maximum, from its kernel position."""
    K, s, p, d, S, O = geo
    k = len(K)
    xp = xp_of(kidx)
    kk = np.unravel_index(kidx.astype(np.int64), K)
    flat = xp.zeros(kidx.shape, dtype=np.int64)
    for i in range(k):
        shp = [1] * (1 + k)
        shp[1 + i] = O[i]
        pos = (xp.arange(O[i]) * s[i] - p[i]).reshape(shp) + kk[i] * d[i]
        flat = flat * S[i] + pos
    return flat


def _scatter_windows(g, kidx, geo):
    """The gradient of a windowed max: each g goes to its window's argmax (a loop over kernel
    positions of vectorised strided adds)."""
    K, s, p, d, S, O = geo
    k = len(K)
    B = g.shape[0]
    hi = tuple(max(0, (O[i] - 1) * s[i] + d[i] * (K[i] - 1) + 1 - S[i] - p[i]) for i in range(k))
    xp = xp_of(g)
    disjoint = all(s[i] >= d[i] * (K[i] - 1) + 1 for i in range(k))    # windows do not overlap
    eq = xp.empty(kidx.shape, dtype=bool)
    tmp = None if disjoint else xp.empty(g.shape, dtype=g.dtype)
    finite = bool(np.isfinite(g.sum()))          # inf/NaN gradients: no 0 * inf where they do not go
    # windows that tile the input: each element is written exactly once below, no zeros needed
    make = xp.empty if finite and _tiled(K, s, p, d, S, O) else xp.zeros
    out = make((B,) + tuple(S[i] + p[i] + hi[i] for i in range(k)), dtype=g.dtype)
    for j, kk in enumerate(np.ndindex(*K)):
        sl = (slice(None),) + tuple(slice(kk[i] * d[i], kk[i] * d[i] + (O[i] - 1) * s[i] + 1, s[i]) for i in range(k))
        np.equal(kidx, j, out=eq)
        if not finite:
            out[sl] += np.where(eq, g, g.dtype.type(0))
        elif disjoint:
            np.multiply(g, eq, out=out[sl])
        else:
            np.multiply(g, eq, out=tmp)
            out[sl] += tmp
    if finite and disjoint:
        out += g.dtype.type(0)      # g * False is -0.0 for g < 0; torch adds into zeros: +0.0
    if any(p) or any(hi):
        out = out[(slice(None),) + tuple(slice(p[i], p[i] + S[i]) for i in range(k))]
    return out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding windows of (N, C, L) or (C, L)."""
    return _max_pool('max_pool1d', 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding windows of (N, C, H, W) or (C, H, W); ``return_indices``: also the flat
    (H*W) index of each maximum (for max_unpool2d)."""
    return _keep_cl(input, _max_pool('max_pool2d', 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                                     return_indices))


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding windows of (N, C, D, H, W) or (C, D, H, W)."""
    if _amp.active and not return_indices:     # autocast: on torch's CPU "float32" list (not with indices)
        input, = _amp.higher_op('pool3d', input)
    return _keep_cl(input, _max_pool('max_pool3d', 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                                     return_indices))


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---------------------------------------------------------------- average pooling
def _divisor(K, s, p, S, O, count_include_pad, divisor_override, dtype):
    if divisor_override is not None:
        return divisor_override
    k = len(K)
    div = np.ones(O, dtype=dtype)
    for i in range(k):
        st = np.arange(O[i]) * s[i] - p[i]
        en = np.minimum(st + K[i], S[i] + p[i])
        n = (en - st) if count_include_pad else (np.minimum(en, S[i]) - np.maximum(st, 0))
        shp = [1] * k
        shp[i] = O[i]
        div = div * n.reshape(shp).astype(dtype)
    return div


def _avg_fwd_np(x, geo):
    K, s, p, S, O, cip, dov = geo
    k = len(K)
    r = _window_sum_np(x, K, s, p, S, O) if type(x) is np.ndarray else None
    if r is None:
        v = _windows(x, K, s, p, (1,) * k, S, O, 0)
        r = v.sum(axis=tuple(range(1 + k, 1 + 2 * k)))
    return r / _like(_divisor(K, s, p, S, O, cip, dov, x.dtype), r)


def _window_sum_np(x, K, s, p, S, O):
    """``_windows(...).sum(kernel axes)`` one shifted strided slice at a time, in NumPy's order:
    its reduction runs along the last kernel axis innermost (each row of K[-1] taps summed from
    -0.0, pairwise from 8 taps on) and adds the rows into an output that starts at +0.0, in C
    order of the other kernel axes. Used where no two axes of the window view can coalesce (every
    O and K >= 2, K below the padded size, more than one window row), checked there against the
    view's sum over thousands of random geometries; elsewhere None (the caller reduces the view).
    Same values and zero signs; a NaN's sign bit may differ where a window mixes NaNs (the order
    of operands in NumPy's C loop), and then it agrees with torch's more often than before.
    25 ms -> 2.6 ms for avg_pool3d((4, 16, 32, 32, 32), 3, 2) (torch: 2.9 ms)."""
    k = len(K)
    hi = tuple(max(0, (O[i] - 1) * s[i] + K[i] - S[i] - p[i]) for i in range(k))
    if x.dtype.char not in 'fd' or x.shape[0] < 2 or \
            any(O[i] < 2 or K[i] < 2 or K[i] >= S[i] + p[i] + hi[i] for i in range(k)):
        return None
    if any(p) or any(hi):
        x = np.pad(x, ((0, 0),) + tuple(zip(p, hi)), constant_values=0)
    n = K[-1]
    out = row = None
    for kk in np.ndindex(*K[:-1]):
        def tap(j):
            c = kk + (j,)
            return x[(slice(None),) + tuple(slice(c[i], c[i] + (O[i] - 1) * s[i] + 1, s[i]) for i in range(k))]
        if n < 8:           # NumPy: from -0.0, so the first tap exactly
            if row is None:
                row = np.array(tap(0))
            else:
                row[...] = tap(0)
            for j in range(1, n):
                row += tap(j)
        else:
            acc = [np.array(tap(j)) for j in range(8)]
            i = 8
            while i + 8 <= n:
                for j in range(8):
                    acc[j] += tap(i + j)
                i += 8
            row = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
            for j in range(i, n):
                row += tap(j)
        if out is None:         # the output starts at +0.0
            out = row + 0
        else:
            out += row
    return out


def _avg_adj_np(g, geo):
    K, s, p, S, O, cip, dov = geo
    k = len(K)
    gd = g / _like(_divisor(K, s, p, S, O, cip, dov, g.dtype), g)
    hi = tuple(max(0, (O[i] - 1) * s[i] + K[i] - S[i] - p[i]) for i in range(k))
    out = xp_of(g).zeros((g.shape[0],) + tuple(S[i] + p[i] + hi[i] for i in range(k)), dtype=g.dtype)
    for kk in np.ndindex(*K):
        out[(slice(None),) + tuple(slice(kk[i], kk[i] + (O[i] - 1) * s[i] + 1, s[i]) for i in range(k))] += gd
    return out[(slice(None),) + tuple(slice(p[i], p[i] + S[i]) for i in range(k))]


_AVG_NAMES = {1: 'AvgPool2DBackward0', 2: 'AvgPool2DBackward0', 3: 'AvgPool3DBackward0'}


def _avg_node_bw(node, g):
    geo, lead = node._args
    return (_avg_apply(g, geo, lead, adjoint=True),)


def _avg_adj_node_bw(node, g):
    geo, lead = node._args
    return (_avg_apply(g, geo, lead, adjoint=False),)


_AVG_NODES = {name: backward_op(name)(_avg_node_bw) for name in
              set(_AVG_NAMES.values()) | {'AdaptiveAvgPool2DBackward0', 'AdaptiveAvgPool3DBackward0'}}
_AVG_ADJ = backward_op('AvgPoolBackwardBackward0')(_avg_adj_node_bw)


def _avg_apply(t, geo, lead, adjoint, name='AvgPool2DBackward0'):
    """avg pooling of t (lead + S -> lead + O), or its adjoint (lead + O -> lead + S), as an ember op."""
    K, s, p, S, O = geo[:5]
    k = len(K)
    a = t._data
    x = a.reshape((-1,) + a.shape[-k:])
    if x.dtype == np.float16 and not adjoint:   # torch sums half windows in float32, rounding once
        x = x.astype(np.float32)
    r = _avg_adj_np(x, geo) if adjoint else _avg_fwd_np(x, geo)
    r = contig(r, dtype=a.dtype).reshape(tuple(lead) + (S if adjoint else O))
    out = _wrap(r, t.dtype, t._device)
    if _gm.enabled and t._rg:
        record(_AVG_ADJ if adjoint else _AVG_NODES[name], out, (t,), (), (geo, lead))
    return out


def _avg_pool(fname, k, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    xs = _check_input(fname, input, k)
    if input.dtype._cat < 2:
        raise not_implemented(f'avg_pool{k}d', input.dtype) if k > 1 else \
            not_implemented('avg_pool2d', input.dtype)
    if k == 3 and input.dtype.np == np.float16 and input.device.type == 'cpu':     # (torch's CPU kernel: no Half)
        raise not_implemented('avg_pool3d_out_frame', input.dtype)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError('divisor must be not zero')
    K, s, p, d, S, O = _geometry(fname, xs, k, kernel_size, stride, padding, 1, ceil_mode)
    for i in range(k):
        if p[i] > K[i] // 2:
            raise RuntimeError(f'pad should be at most half of effective kernel size, but got pad={p[i]}, '
                               f'kernel_size={K[i]} and dilation=1')
    geo = (K, s, p, S, O, bool(count_include_pad), divisor_override)
    return _avg_apply(input, geo, xs[:-k], False, _AVG_NAMES[k])


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over sliding windows of (N, C, L) or (C, L)."""
    return _avg_pool('avg_pool1d', 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over sliding windows of (N, C, H, W) or (C, H, W); ``count_include_pad``: padding
    zeros count in the divisor; ``divisor_override``: divide by this instead."""
    return _keep_cl(input, _avg_pool('avg_pool2d', 2, input, kernel_size, stride, padding, ceil_mode,
                                     count_include_pad, divisor_override))


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over sliding windows of (N, C, D, H, W) or (C, D, H, W)."""
    if _amp.active:     # autocast: on torch's CPU "float32" list
        input, = _amp.higher_op('pool3d', input)
    return _avg_pool('avg_pool3d', 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# ---------------------------------------------------------------- adaptive pooling
def _adaptive_bounds(S, O):
    i = np.arange(O)
    return (i * S) // O, -((-(i + 1) * S) // O)


def _out_tuple(output_size, k, S):
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * k
    output_size = tuple(output_size)
    if len(output_size) == 1 and k > 1:
        output_size = output_size * k
    if len(output_size) != k:
        raise RuntimeError(f'adaptive_avg_pool{k}d: output_size must be {k}')
    return tuple(S[i] if o is None else int(o) for i, o in enumerate(output_size))


def _adaptive_check(fname, input, k):
    need_tensor(fname, input)
    xs = tuple(input._data.shape)
    if len(xs) not in (k + 1, k + 2):
        raise RuntimeError(f'{fname}(): Expected {k + 1}D or {k + 2}D tensor, but got {list(xs)}' if k != 1 else
                           f'{fname}() argument \'output_size\' should contain one int (got 2)')
    return xs


def _adaptive_avg(fname, k, input, output_size):
    xs = _check_input(fname, input, k) if k != 1 else _adaptive_check(fname, input, k)
    if input.dtype._cat < 2:
        raise not_implemented(fname, input.dtype)
    S = xs[-k:]
    O = _out_tuple(output_size, k, S)
    if k == 1:          # torch: unsqueeze, the 2-d pool, squeeze (grad_fn SqueezeBackward1)
        return _adaptive_avg(fname, 2, input.unsqueeze(-2), (1,) + O).squeeze(-2)
    if all(o == 1 for o in O):                                   # torch: a mean (grad_fn MeanBackward1)
        return input.mean(tuple(range(-k, 0)), keepdim=True)
    if all(S[i] % O[i] == 0 for i in range(k)):                  # regular windows: an average pool
        K = tuple(S[i] // O[i] for i in range(k))
        geo = (K, K, (0,) * k, S, O, True, None)
        return _avg_apply(input, geo, xs[:-k], False, 'AdaptiveAvgPool3DBackward0' if k == 3 else
                          'AdaptiveAvgPool2DBackward0')
    out = input
    for i in range(k):                                           # one averaging matrix per dim
        st, en = _adaptive_bounds(S[i], O[i])
        j = np.arange(S[i])
        A = ((j[None, :] >= st[:, None]) & (j[None, :] < en[:, None])).astype(input.dtype.np)
        A /= (en - st)[:, None]
        At = _tensor(A.T.copy(), dtype=input.dtype, device=input._device)
        ax = len(xs) - k + i
        out = L.matmul(out.transpose(ax, -1), At).transpose(ax, -1)
    return fused_name(out.contiguous(), 'AdaptiveAvgPool3DBackward0' if k == 3 else 'AdaptiveAvgPool2DBackward0')


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length: windows [floor(i*L/O), ceil((i+1)*L/O))."""
    return _adaptive_avg('adaptive_avg_pool1d', 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (oH, oW); ``None`` keeps that input size."""
    return _keep_cl(input, _adaptive_avg('adaptive_avg_pool2d', 2, input, output_size))


def adaptive_avg_pool3d(input, output_size):
    if _amp.active:     # autocast: on torch's CPU "float32" list
        input, = _amp.higher_op('pool3d', input)
    return _adaptive_avg('adaptive_avg_pool3d', 3, input, output_size)


def _adaptive_max(fname, k, input, output_size, return_indices):
    xs = _check_input(fname, input, k) if k != 1 else _adaptive_check(fname, input, k)
    S = xs[-k:]
    O = _out_tuple(output_size, k, S)
    lead = xs[:-k]
    x = input._data.reshape((-1,) + S)
    B = x.shape[0]
    idxs = []
    for i in range(k):                      # (O, Kmax) indices, short windows repeat their last element
        st, en = _adaptive_bounds(S[i], O[i])
        km = int((en - st).max())
        idxs.append(_like(np.minimum(st[:, None] + np.arange(km)[None, :], (en - 1)[:, None]), x))
    # broadcast gather to (B, *O, *Kmax)
    xp = xp_of(x)
    index = [xp.arange(B).reshape((B,) + (1,) * (2 * k))]
    for i in range(k):
        shp = [1] * (1 + 2 * k)
        shp[1 + i], shp[1 + k + i] = idxs[i].shape
        index.append(idxs[i].reshape(shp))
    w = x[tuple(index)].reshape((B,) + O + (-1,))
    am = w.argmax(-1)
    if x.dtype.kind == 'f':
        nan = np.isnan(w)
        if nan.any():
            am = np.where(nan.any(-1), nan.argmax(-1), am)
    out = np.take_along_axis(w, am[..., None], -1)[..., 0]
    Km = tuple(a.shape[1] for a in idxs)
    kk = np.unravel_index(am, Km)
    flat = xp.zeros(am.shape, dtype=np.int64)
    for i in range(k):
        shp = [1] * (1 + k)
        shp[1 + i] = O[i]
        rows = xp.arange(O[i]).reshape(shp)
        flat = flat * S[i] + idxs[i][rows, kk[i]]
    name = 'AdaptiveMaxPool3DBackward0' if k == 3 else 'AdaptiveMaxPool2DBackward0'
    return _finish_max(input, out.reshape(lead + O), flat.reshape(lead + O), S, name, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max('adaptive_max_pool1d', 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed (oH, oW)."""
    return _keep_cl(input, _adaptive_max('adaptive_max_pool2d', 2, input, output_size, return_indices))


def adaptive_max_pool3d(input, output_size, return_indices=False):
    if _amp.active:     # autocast: on torch's CPU "float32" list
        input, = _amp.higher_op('pool3d', input)
    return _adaptive_max('adaptive_max_pool3d', 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool3d(input, output_size, True)


# ---------------------------------------------------------------- power-average pooling
def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over windows of x**p) ** (1/p), as torch composes it from avg_pool1d."""
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kernel_size).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kw, kh = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kh, kw = (kernel_size,) * 3 if isinstance(kernel_size, int) else kernel_size
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kd * kh * kw).pow(1.0 / norm_type)


_unused = math


# ---------------------------------------------------------------- max_unpool
def _unpool_tuple(v, k):
    return tuple(v) if isinstance(v, (list, tuple)) else (v,) * k


def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    """torch's F._unpool_output_size: the default size, or ``output_size`` checked against it."""
    input_size = input.size()
    k = len(kernel_size)
    default_size = [(input_size[-k + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d] for d in range(k)]
    if output_size is None:
        ret = default_size
    else:
        if len(output_size) == k + 2:
            output_size = output_size[2:]
        if len(output_size) != k:
            raise ValueError(f"output_size should be a sequence containing {k} or {k + 2} elements, but it has a "
                             f"length of '{len(output_size)}'")
        for d in range(k):
            min_size = default_size[d] - stride[d]
            max_size = default_size[d] + stride[d]
            if not (min_size < output_size[d] < max_size):
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {min_size} and '
                                 f'{max_size})')
        ret = output_size
    for d in range(k):
        if ret[d] < 0:
            raise ValueError(f'max_unpooling: output_size must contain non-negative spatial dimensions, but got '
                             f'output_size[{d}]={ret[d]}')
    return [int(v) for v in ret]


def _max_unpool(k, input, indices, output_size, stride=None):
    """Scatter ``input`` into zeros of spatial size ``output_size`` at the flat ``indices``
    (per (N, C) plane); the gradient gathers from the same places."""
    from ... import _dtype as D
    from ..._ops import creation as C
    from ..._ops._core import type_name
    names = {2: ('two', '(height, width)', '3d or 4d'), 3: ('three', '(depth, height, width)', '4d or 5d')}[k]
    need_tensor(f'max_unpool{k}d', input)
    if _amp.active:     # autocast: on torch's CPU "float32" list
        input, = _amp.higher_op('max_unpool', input)
    if indices.dtype is not D.int64:
        raise RuntimeError(f'elements in indices should be type int64 but got: {type_name(indices.dtype)}')
    if len(output_size) != k:
        raise RuntimeError(f'There should be exactly {names[0]} elements {names[1]} in output_size, but got '
                           f'{len(output_size)} elements.')
    nd = input.dim()
    if nd not in (k + 1, k + 2):
        raise RuntimeError(f'Input to max_unpooling{k}d should be a {names[2]} Tensor, but got a tensor with {nd} '
                           f'dimensions.')
    xs = tuple(input.shape)
    if xs != tuple(indices.shape):
        raise RuntimeError(f'Expected shape of indices to be same as that of the input tensor ({list(xs)}) but got '
                           f'indices tensor with shape: {list(indices.shape)}')
    for i in range(1, nd):
        if xs[i] <= 0:
            raise RuntimeError(f'max_unpooling{k}d_forward_out_cpu(): Expected input to have non-zero size for '
                               f'non-batch dimensions, but got {list(xs)} with dimension {i} being empty.')
    if stride is not None and not all(s > 0 for s in stride):
        raise RuntimeError(f'strides should be greater than zero, but got stride: {list(stride)}')
    if input.dtype._cat < 2:
        raise not_implemented(f'max_unpool{k}d', input.dtype)
    lead = xs[:nd - k]
    plane = 1
    for v in output_size:
        plane *= v
    rows = 1
    for v in lead:
        rows *= v
    out = C.zeros((rows, plane), dtype=input.dtype, device=input.device)
    if rows == 0 or plane == 0:
        return out.reshape(*lead, *output_size)
    idx = indices.reshape(rows, -1)
    bad = (idx < 0) | (idx >= plane)
    if bool(bad.any()):
        first = int(idx[bad][0].item())
        raise RuntimeError(f'Found an invalid max index: {first} (output volumes are of size '
                           f'{"x".join(str(v) for v in output_size)})')
    out = out.scatter(1, idx, input.reshape(rows, -1))
    return out.reshape(*lead, *output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: ``input`` placed at ``indices``, zeros elsewhere."""
    kernel_size = _unpool_tuple(kernel_size, 1)
    stride = _unpool_tuple(stride, 1) if stride is not None else kernel_size
    padding = _unpool_tuple(padding, 1)
    output_size = _unpool_output_size(input, kernel_size, stride, padding, output_size)
    return _max_unpool(2, input.unsqueeze(-1), indices.unsqueeze(-1), output_size + [1]).squeeze(-1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: ``input`` placed at ``indices`` (flat per plane), zeros elsewhere."""
    kernel_size = _unpool_tuple(kernel_size, 2)
    stride = _unpool_tuple(stride, 2) if stride is not None else kernel_size
    padding = _unpool_tuple(padding, 2)
    output_size = _unpool_output_size(input, kernel_size, stride, padding, output_size)
    return _max_unpool(2, input, indices, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool3d: ``input`` placed at ``indices``, zeros elsewhere."""
    kernel_size = _unpool_tuple(kernel_size, 3)
    stride = _unpool_tuple(stride, 3) if stride is not None else kernel_size
    padding = _unpool_tuple(padding, 3)
    output_size = _unpool_output_size(input, kernel_size, stride, padding, output_size)
    return _max_unpool(3, input, indices, output_size, stride)


# ---------------------------------------------------------------- fractional max pooling
def _frac_intervals(u, S, O, K):
    """The window starts of fractional max pooling (ATen's generate_intervals), from samples u
    (N, C) in [0, 1): pseudo-random steps of alpha = (S - K) / (O - 1), computed in u's float type
    (so that the int truncations agree with torch's), the last window flush with the end."""
    seq = np.empty(u.shape + (O,), np.int64)
    if O > 1:
        alpha = u.dtype.type(S - K) / u.dtype.type(O - 1)
        i = np.arange(O - 1).astype(u.dtype)
        seq[..., :-1] = (((i + u[..., None]) * alpha).astype(np.int64) -
                         (u[..., None] * alpha).astype(np.int64))
    seq[..., -1] = S - K
    return seq


def _fractional_max_pool(k, input, kernel_size, output_size, output_ratio, return_indices, _random_samples):
    fname = f'fractional_max_pool{k}d'
    need_tensor(fname, input)
    if _amp.active:     # autocast: on torch's CPU "float32" list
        input, = _amp.higher_op('fractional_max_pool', input)
    if output_size is None and output_ratio is None:
        raise ValueError(f'{fname} requires specifying either an output_size or an output_ratio')
    xs = tuple(input.shape)
    if _random_samples is None and input.dim() < k + 1:      # torch sizes the samples by input.size(-k - 1)
        raise IndexError(f'Dimension out of range (expected to be in range of [{-input.dim()}, {input.dim() - 1}], '
                         f'but got {-k - 1})')
    if input.dim() not in (k + 1, k + 2) or any(v == 0 for v in xs[-k - 1:]):
        raise RuntimeError(f'{fname}(): Expected {k + 1}D or {k + 2}D tensor, but got: {list(xs)}')
    K = _tup(kernel_size, k, 'kernel_size', fname)
    S = xs[-k:]
    if output_size is None:
        # (torch's 2-D functional takes len() of the ratio: a bare float is a TypeError there too)
        if k == 2 and len(output_ratio) > k:
            raise ValueError(f'{fname} requires output_ratio to either be a single Int or tuple of Ints.')
        ratio = tuple(output_ratio) if isinstance(output_ratio, (list, tuple)) else (output_ratio,) * k
        O = tuple(int(S[-k + i] * ratio[i]) for i in range(k))
    else:
        O = _tup(output_size, k, 'output_size', fname)
    batched = input.dim() == k + 2
    x = input if batched else input.unsqueeze(0)
    N, Cc = x.shape[0], x.shape[1]
    if _random_samples is None:
        from ..._ops.creation import rand
        _random_samples = rand(N, Cc, k, dtype=input.dtype, device=input.device)
    if not input.dtype.is_floating_point:
        raise not_implemented(fname + '_out_frame', input.dtype)
    rs = tuple(_random_samples.shape)
    if len(rs) != 3 or rs[0] < N or rs[1] != Cc or rs[2] != k:
        raise RuntimeError(f'{fname}(): Expected _random_samples to have shape ({N}, {Cc}, {k}), but got '
                           f'{list(rs)}')
    for i in range(k):
        if O[i] + K[i] - 1 > S[i]:
            nm = ('time', 'height', 'width')[i + 3 - k]
            raise RuntimeError(f'{fname}_out(): pool {nm} {K[i]} too large relative to input {nm} {S[i]}')
    u = np.asarray(_random_samples.detach().cpu()._data)[:N]
    # torch's sample order: [0] -> W, [1] -> H for 2-D; [0] -> T, [1] -> H, [2] -> W for 3-D
    order = (1, 0) if k == 2 else (0, 1, 2)
    seqs = [_frac_intervals(u[..., order[i]], S[i], O[i], K[i]) for i in range(k)]
    # flat input index of each (output position, window offset): (N, C, *O, prod(K))
    flat = np.zeros((N, Cc) + O + (1,), np.int64)
    for i in range(k):
        shp = (N, Cc) + tuple(O[j] if j == i else 1 for j in range(k))
        starts = seqs[i].reshape(shp + (1,))
        offs = np.arange(K[i]).reshape((1,) * (k + 2) + (K[i],))
        flat = (flat[..., :, None] * S[i] + (starts + offs)[..., None, :]).reshape((N, Cc) + O + (-1,))
    xd = np.asarray(x.detach().cpu()._data).reshape(N, Cc, -1)
    vals = np.take_along_axis(xd, flat.reshape(N, Cc, -1), 2).reshape(flat.shape)
    # the first max of each window, or its last NaN, as ATen's ``val > max || isnan(val)``
    nan = np.isnan(vals)
    am = np.where(nan.any(-1), flat.shape[-1] - 1 - np.argmax(nan[..., ::-1], -1), np.argmax(vals, -1))
    idx = np.take_along_axis(flat, am[..., None], -1)[..., 0]
    it = _tensor(idx, device=input.device)
    out = x.reshape(N, Cc, -1).gather(2, it.reshape(N, Cc, -1)).reshape((N, Cc) + O)
    if not batched:
        out, it = out.squeeze(0), it.squeeze(0)
    return (out, it) if return_indices else out


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    r"""Max over windows of (N, C, H, W) or (C, H, W) input at pseudo-random steps (Graham, 2014),
    giving ``output_size`` (or ``input size * output_ratio``) outputs; ``_random_samples``
    (N, C, 2) in [0, 1) fixes the steps.

    Example::

        >>> F.fractional_max_pool2d(torch.randn(20, 16, 50, 32), 3, output_ratio=0.5).shape   # (20, 16, 25, 16)
    """
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max pooling of (N, C, T, H, W) or (C, T, H, W) input; ``_random_samples`` (N, C, 3)."""
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, True, _random_samples)
