"""Convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold, fold.

One N-d engine serves them all. A convolution from spatial size S to O is three NumPy
primitives over that geometry (im2col through a strided view, one matrix product per call):
``_fwd`` (x, w -> y), ``_bwd_input`` (gy, w -> gx: matmul then col2im, a loop over kernel
positions only) and ``_bwd_weight`` (x, gy -> gw). A transposed convolution is the same
geometry read backwards: its forward is ``_bwd_input``, its input gradient ``_fwd``.

For stride 1 and groups 1 (float32/64) a "flat-span" layout replaces the three primitives
(``_fs_*``: long contiguous column runs and one big GEMM each; see the comment above them).

Both record one ``ConvolutionBackward0`` node, as torch does. Its backward runs the
primitives on the arrays when no graph is being built, and otherwise the same formulas written
with ember ops (``unfold_nd``/``fold_nd`` -- Im2ColBackward0/Col2ImBackward0, each the other's
gradient -- and ``matmul``), so double backward works.

Example:
    >>> F.conv2d(ember.ones(1, 1, 4, 4), ember.ones(2, 1, 3, 3), padding=1).shape   # [1, 2, 4, 4]
"""
import numpy as np
from ..._backend import sliding_window_view, as_strided
from ..._tensor import Tensor, _wrap, _gm
from ..._ops._core import record, backward_op
from ..._ops import linalg as L
from ._util import need_tensor, not_implemented, xp_of, contig

__all__ = ['conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d',
           'unfold', 'fold']


# ---------------------------------------------------------------- geometry and NumPy primitives
class _Geom:
    """A convolution's geometry: kernel K, stride s, dilation d, padding (lo, hi) per dim, and
    the spatial sizes S (input) and O (output)."""
    __slots__ = ('K', 's', 'd', 'lo', 'hi', 'S', 'O')

    def __init__(self, K, s, d, lo, hi, S, O):
        self.K, self.s, self.d, self.lo, self.hi, self.S, self.O = K, s, d, lo, hi, S, O


def _out_size(S, K, s, d, lo, hi):
    return tuple((S[i] + lo[i] + hi[i] - d[i] * (K[i] - 1) - 1) // s[i] + 1 for i in range(len(S)))


def _windows(x, g):
    """The strided view (N, C, *K, *O) of the (zero-)padded input: no copy but the padding."""
    k = len(g.K)
    if any(g.lo) or any(g.hi):
        x = np.pad(x, ((0, 0), (0, 0)) + tuple(zip(g.lo, g.hi)))
    ext = tuple(g.d[i] * (g.K[i] - 1) + 1 for i in range(k))
    v = sliding_window_view(x, ext, axis=tuple(range(2, 2 + k)))      # (N, C, *O_full, *ext)
    sl = (slice(None), slice(None)) + tuple(slice(None, (g.O[i] - 1) * g.s[i] + 1, g.s[i]) for i in range(k)) + \
        tuple(slice(None, None, g.d[i]) for i in range(k))
    v = v[sl]                                                          # (N, C, *O, *K)
    return np.moveaxis(v, tuple(range(2 + k, 2 + 2 * k)), tuple(range(2, 2 + k)))   # (N, C, *K, *O)


def _col2im(cols, g, N, C):
    """The adjoint of ``_windows``: cols (N, C, *K, *O) summed back into (N, C, *S)."""
    k = len(g.K)
    Sp = tuple(g.S[i] + g.lo[i] + g.hi[i] for i in range(k))
    out = xp_of(cols).zeros((N, C) + Sp, dtype=cols.dtype)
    for kk in np.ndindex(*g.K):                     # one vectorised slice per kernel position
        sl = (slice(None), slice(None)) + tuple(
            slice(kk[i] * g.d[i], kk[i] * g.d[i] + (g.O[i] - 1) * g.s[i] + 1, g.s[i]) for i in range(k))
        out[sl] += cols[(slice(None), slice(None)) + kk]
    if any(g.lo) or any(g.hi):
        out = out[(slice(None), slice(None)) + tuple(slice(g.lo[i], g.lo[i] + g.S[i]) for i in range(k))]
    return out


def _prod(t):
    p = 1
    for v in t:
        p *= v
    return p


def _im2col(x, g, G):
    """The columns (N, G, C/G * prod(K), prod(O)) of x (N, C, *S): one copy of the strided view
    (torch's unfold layout, grouped)."""
    N, C = x.shape[:2]
    return _windows(x, g).reshape(N, G, (C // G) * _prod(g.K), _prod(g.O))


def _fwd(x, w, g, G, cols=None):
    """y (N, Cout, *O) = conv(x (N, Cin, *S), w (Cout, Cin/G, *K)): one (batched) matmul."""
    N = x.shape[0]
    Cout = w.shape[0]
    if cols is None:
        cols = _im2col(x, g, G)
    y = np.matmul(w.reshape(G, Cout // G, -1), cols)          # (N, G, Og, L)
    return y.reshape((N, Cout) + g.O)


def _bwd_input(gy, w, g, G, C):
    """gx (N, C, *S) from gy (N, Cout, *O): the adjoint of ``_fwd`` in x (matmul, then col2im)."""
    N, Cout = gy.shape[:2]
    gyg = gy.reshape(N, G, Cout // G, _prod(g.O))
    cols = np.matmul(w.reshape(G, Cout // G, -1).transpose(0, 2, 1), gyg)     # (N, G, Cg*K, L)
    return _col2im(cols.reshape((N, C) + g.K + g.O), g, N, C)


def _bwd_weight(x, gy, g, G, wshape, cols=None):
    """gw (Cout, Cin/G, *K) from x (or its columns) and gy: the adjoint of ``_fwd`` in w."""
    if cols is None:
        cols = _im2col(x, g, G)
    N, Cout = gy.shape[:2]
    gyg = gy.reshape(N, G, Cout // G, _prod(g.O))
    return np.matmul(gyg, cols.transpose(0, 1, 3, 2)).sum(0).reshape(wshape)


# ---------------------------------------------------------------- the flat-span fast path (stride 1, groups 1)
# Each sample's padded input is flattened (N, C, P), P = prod(Sp). For stride 1 the outputs of a
# sample sit at flat offsets o . st (st: the strides of Sp in elements) and kernel position kk
# adds kk . d . st: so one kernel position's inputs for all outputs of a sample are ONE
# contiguous run of Lp = (O - 1) . st + 1 elements (the span of the outputs, with the
# "garbage" positions between output rows that wrap into the padding). The columns
# (C, *K, N, Lp) are then a copy of long contiguous runs (near memcpy speed; the
# (N, C, *K, *O) layout copies runs of OW elements, ~5x slower per element), and
#   forward          y  = W (Cout, C*K) @ cols (C*K, N*Lp)       one GEMM, garbage dropped
#   weight gradient  gw = gl (Cout, N*Lp) @ cols.T                one GEMM (gl: gy, zeros at garbage)
#   input gradient   z  = W.T @ gl, then prod(K) adds of contiguous runs (col2im)
# Chosen when the garbage is small (Lp <= 1.6 prod(O)); float32/float64 only (BLAS GEMMs).
_FS_GEOM = {}


def _fs_geom(g):
    key = (g.K, g.d, g.lo, g.hi, g.S, g.O)
    r = _FS_GEOM.get(key)
    if r is None:
        k = len(g.K)
        Sp = tuple(g.S[i] + g.lo[i] + g.hi[i] for i in range(k))
        st = [1] * k
        for i in range(k - 2, -1, -1):
            st[i] = st[i + 1] * Sp[i + 1]
        Lp = sum((g.O[i] - 1) * st[i] for i in range(k)) + 1
        offs = tuple(sum(kk[i] * g.d[i] * st[i] for i in range(k)) for kk in np.ndindex(*g.K))
        if len(_FS_GEOM) > 64:
            _FS_GEOM.clear()
        r = _FS_GEOM[key] = (Sp, tuple(st), Lp, _prod(Sp), offs)
    return r


# Scratch buffers for the big temporaries (columns, GEMM outputs). Allocating them fresh each
# call costs more than the work: glibc hands blocks this size out through mmap, and the page
# faults on first touch made L1's forward+backward ~3x slower (6.5 ms vs 2.3 ms with
# MALLOC_MMAP_THRESHOLD_ raised). Host arrays only (CuPy has its own memory pool); a buffer is
# given back only where nothing else can hold it; at most one per (shape, dtype), 128 MB in all.
_POOL = {}
_POOL_MAX = 128 << 20


def _take(xp, shape, dtype):
    if xp is np:
        a = _POOL.pop((shape, dtype), None)
        if a is not None:
            return a
    return xp.empty(shape, dtype=dtype)


def _give(a):
    if type(a) is not np.ndarray or a.base is not None or a.nbytes > _POOL_MAX // 2:
        return
    key = (a.shape, a.dtype)
    _POOL[key] = a
    if sum(v.nbytes for v in _POOL.values()) > _POOL_MAX:
        for k in list(_POOL)[:-1]:
            del _POOL[k]


def _fs_ok(g, G, dtype):
    if G != 1 or any(v != 1 for v in g.s) or dtype not in (np.float32, np.float64):
        return False
    return _fs_geom(g)[2] <= 1.6 * _prod(g.O)


def _fs_pad(x, g):
    """The zero-padded input flattened per sample: (N, C, P)."""
    N, C = x.shape[:2]
    k = len(g.K)
    Sp, _, _, P, _ = _fs_geom(g)
    if not (any(g.lo) or any(g.hi)):
        return contig(x).reshape(N, C, P)
    out = xp_of(x).zeros((N, C) + Sp, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(g.lo[i], g.lo[i] + g.S[i]) for i in range(k))] = x
    return out.reshape(N, C, P)


def _fs_cols(x, g):
    """The columns (C*prod(K), N*Lp) of x (N, C, *S) in the flat-span layout (a pool buffer)."""
    N, C = x.shape[:2]
    Sp, st, Lp, P, offs = _fs_geom(g)
    xpd = _fs_pad(x, g)
    it = xpd.itemsize
    k = len(g.K)
    v = as_strided(xpd, (C,) + tuple(g.K) + (N, Lp),
                   (P * it,) + tuple(g.d[i] * st[i] * it for i in range(k)) + (C * P * it, it))
    cols = _take(xp_of(x), (C * len(offs), N * Lp), x.dtype)
    cols.reshape(v.shape)[...] = v
    return cols


def _fs_fwd(x, w, g, bias=None, cols=None):
    """y (N, Cout, *O) (+ bias) and the columns: one GEMM on the flat-span columns."""
    N = x.shape[0]
    Cout = w.shape[0]
    if cols is None:
        cols = _fs_cols(x, g)
    _, st, Lp, _, _ = _fs_geom(g)
    xp = xp_of(cols)
    y = _take(xp, (Cout, cols.shape[1]), cols.dtype)
    xp.matmul(w.reshape(Cout, -1), cols, out=y)                      # (Cout, N*Lp)
    it = y.itemsize
    yv = as_strided(y, (N, Cout) + tuple(g.O), (Lp * it, N * Lp * it) + tuple(s_ * it for s_ in st))
    out = xp.empty((N, Cout) + tuple(g.O), dtype=y.dtype)
    out[...] = yv                     # a plain copy, then the bias in place: 2x faster than one add
    del yv
    _give(y)
    if bias is not None:
        out += bias.reshape((Cout,) + (1,) * len(g.O))
    return out, cols


def _fs_gy(gy, g):
    """gy (N, Cout, *O) spread into the flat-span layout (Cout, N*Lp), zeros at the garbage."""
    N, Cout = gy.shape[:2]
    _, st, Lp, _, _ = _fs_geom(g)
    gl = _take(xp_of(gy), (Cout, N * Lp), gy.dtype)
    gl.fill(0)
    it = gl.itemsize
    gv = as_strided(gl, (N, Cout) + tuple(g.O), (Lp * it, N * Lp * it) + tuple(s_ * it for s_ in st))
    gv[...] = gy
    return gl


def _fs_bwd_weight(gl, cols, wshape):
    return xp_of(gl).matmul(gl, cols.T).reshape(wshape)


def _fs_bwd_input(gl, w, g, N):
    """gx (N, C, *S): the adjoint of ``_fs_fwd`` in x -- one GEMM to flat-span columns, then
    prod(K) adds of contiguous runs into the padded (C, N, P) buffer."""
    k = len(g.K)
    C = w.shape[1]
    Sp, st, Lp, P, offs = _fs_geom(g)
    xp = xp_of(gl)
    z = _take(xp, (w.shape[1] * len(offs), gl.shape[1]), gl.dtype)
    xp.matmul(w.reshape(w.shape[0], -1).T, gl, out=z)                   # (C*prod(K), N*Lp)
    z4 = z.reshape(C, len(offs), N, Lp)
    acc = _take(xp, (C, N, P), z.dtype)
    acc.fill(0)
    for j, off in enumerate(offs):
        acc[:, :, off:off + Lp] += z4[:, j]
    del z4
    _give(z)
    av = acc.reshape((C, N) + Sp)[(slice(None), slice(None)) +
                                  tuple(slice(g.lo[i], g.lo[i] + g.S[i]) for i in range(k))]
    gx = xp.empty((N, C) + tuple(g.S), dtype=acc.dtype)
    gx[...] = av.swapaxes(0, 1)
    del av
    _give(acc)
    return gx


# ---------------------------------------------------------------- unfold_nd / fold_nd as ember ops
@backward_op('Im2ColBackward0')
def _im2col_bw(node, g):
    geo, N, C = node._args
    return (fold_nd(g, geo, N, C),)


@backward_op('Col2ImBackward0')
def _col2im_bw(node, g):
    geo, N, C = node._args
    return (unfold_nd(g, geo),)


def unfold_nd(x, geo):
    """(N, C, *S) -> (N, C*prod(K), prod(O)), torch's unfold layout."""
    N, C = x._data.shape[:2]
    a = _windows(x._data, geo).reshape(N, C * _prod(geo.K), _prod(geo.O))
    t = _wrap(contig(a), x.dtype, x._device)
    if _gm.enabled and x._rg:
        record(_im2col_bw, t, (x,), (), (geo, N, C))
    return t


def fold_nd(cols, geo, N, C):
    """(N, C*prod(K), prod(O)) -> (N, C, *S): the sum of overlapping windows."""
    a = _col2im(cols._data.reshape((N, C) + geo.K + geo.O), geo, N, C)
    t = _wrap(contig(a), cols.dtype, cols._device)
    if _gm.enabled and cols._rg:
        record(_col2im_bw, t, (cols,), (), (geo, N, C))
    return t


# the same three primitives written with ember ops (differentiable: double backward)
def _em_fwd(x, w, g, G):
    N, C = x.shape[:2]
    Cout = w.shape[0]
    cols = unfold_nd(x, g).reshape(N, G, (C // G) * _prod(g.K), _prod(g.O))
    y = L.matmul(w.reshape(G, Cout // G, -1), cols)                     # (N, G, Og, L)
    return y.reshape((N, Cout) + g.O)


def _em_bwd_input(gy, w, g, G, C):
    N, Cout = gy.shape[:2]
    gyg = gy.reshape(N, G, Cout // G, _prod(g.O))
    cols = L.matmul(w.reshape(G, Cout // G, -1).transpose(1, 2), gyg)     # (N, G, Cg*K, L)
    return fold_nd(cols.reshape(N, C * _prod(g.K), _prod(g.O)), g, N, C)


def _em_bwd_weight(x, gy, g, G, wshape):
    N, C = x.shape[:2]
    Cout = gy.shape[1]
    cols = unfold_nd(x, g).reshape(N, G, (C // G) * _prod(g.K), _prod(g.O))
    gyg = gy.reshape(N, G, Cout // G, _prod(g.O))
    return L.matmul(gyg, cols.transpose(2, 3)).sum(0).reshape(wshape)


# ---------------------------------------------------------------- the convolution node
@backward_op('ConvolutionBackward0')
def _conv_bw(node, g):
    x, w = node.saved()
    geo, G, transposed, has_bias, squeeze, cols = node._args
    nf = node.next_functions
    want_x, want_w = nf[0][0] is not None, nf[1][0] is not None
    want_b = has_bias and nf[2][0] is not None
    if squeeze:
        g, x = g.unsqueeze(0), x.unsqueeze(0)
    gx = gw = gb = None
    if _gm.enabled:
        if transposed:
            if want_x:
                gx = _em_fwd(g, w, geo, G)
            if want_w:
                gw = _em_bwd_weight(g, x, geo, G, tuple(w.shape))
        else:
            if want_x:
                gx = _em_bwd_input(g, w, geo, G, x.shape[1])
            if want_w:
                gw = _em_bwd_weight(x, g, geo, G, tuple(w.shape))
        if want_b:
            gb = g.sum([0] + list(range(2, g.dim())))
    else:
        ga, xa, wa = g._data, x._data, w._data
        node._args = node._args[:5] + (None,)         # the cached columns are used once
        dt, dev = g.dtype, g._device
        if transposed:
            if want_x:
                gx = _fwd(ga, wa, geo, G)
            if want_w:
                gw = _bwd_weight(ga, xa, geo, G, wa.shape)
        else:
            if isinstance(cols, tuple) or (cols is None and _fs_ok(geo, G, ga.dtype)):   # flat-span path
                gl = _fs_gy(ga, geo)
                if want_x:
                    gx = _fs_bwd_input(gl, wa, geo, ga.shape[0])
                if want_w:
                    c = cols[0] if cols is not None else _fs_cols(xa, geo)
                    cols = None
                    gw = _fs_bwd_weight(gl, c, wa.shape)
                    _give(c)                          # nothing else holds the columns now
                    del c
                _give(gl)
                del gl
            else:
                if want_x:
                    gx = _bwd_input(ga, wa, geo, G, xa.shape[1])
                if want_w:
                    gw = _bwd_weight(xa, ga, geo, G, wa.shape, cols)
        if want_b:
            gb = ga.sum(axis=(0,) + tuple(range(2, ga.ndim)))
        gx, gw, gb = [None if r is None else _wrap(contig(r, dtype=dt.np), dt, dev)
                      for r in (gx, gw, gb)]
    if squeeze and gx is not None:
        gx = gx.squeeze(0)
    return (gx, gw, gb) if has_bias else (gx, gw)


def _tuple(v, k, name):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * k
    v = tuple(int(i) for i in v)
    if len(v) == 1:
        return v * k
    if len(v) != k:
        raise RuntimeError(f'expected {name} to be a single integer value or a list of {k} values to match the '
                           f'convolution dimensions, but got {name}={list(v)}')
    return v


def _conv(fname, k, input, weight, bias, stride, padding, dilation, groups, transposed=False, output_padding=0):
    need_tensor(fname, input)
    need_tensor(fname, weight, 'weight', 2)
    if bias is not None:
        need_tensor(fname, bias, 'bias', 3)
    xs = tuple(input._data.shape)
    ws = tuple(weight._data.shape)
    squeeze = len(xs) == k + 1
    if len(xs) not in (k + 1, k + 2):
        raise RuntimeError(f'Expected {k + 1}D (unbatched) or {k + 2}D (batched) input to {fname}, but got input of '
                           f'size: {list(xs)}')
    if squeeze:
        xs = (1,) + xs
    if len(ws) != k + 2:
        raise RuntimeError(f'weight should have at least three dimensions' if len(ws) < 3 else
                           f'Expected {k + 2}-dimensional input for {k + 2}-dimensional weight {list(ws)}, but got '
                           f'{len(xs)}-dimensional input of size {list(xs)} instead')
    s = _tuple(stride, k, 'stride')
    d = _tuple(dilation, k, 'dilation')
    G = int(groups)
    if G <= 0:
        raise RuntimeError('non-positive groups is not supported')
    if any(v <= 0 for v in s):
        raise RuntimeError('non-positive stride is not supported')
    if any(v <= 0 for v in d):
        raise RuntimeError('dilation should be greater than zero')
    K = ws[2:]
    if isinstance(padding, str):
        if transposed:
            raise TypeError(f"{fname}(): argument 'padding' (position 5) must be tuple of ints, not str")
        if padding == 'valid':
            lo = hi = (0,) * k
        elif padding == 'same':
            if any(v != 1 for v in s):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            tot = tuple(d[i] * (K[i] - 1) for i in range(k))
            lo = tuple(t // 2 for t in tot)
            hi = tuple(tot[i] - lo[i] for i in range(k))
            if lo != hi:
                import warnings
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a "
                              'zero-padded copy of the input be created', stacklevel=3)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        lo = hi = _tuple(padding, k, 'padding')
        if any(v < 0 for v in lo):
            raise RuntimeError('negative padding is not supported')
    if input.dtype is not weight.dtype or (bias is not None and bias.dtype is not input.dtype):
        other = weight.dtype if input.dtype is not weight.dtype else bias.dtype
        what = 'weight' if input.dtype is not weight.dtype else 'bias'
        raise RuntimeError(f"Input type ({_tname(input.dtype)}) and {what} type ({_tname(other)}) should be the same"
                           if what == 'weight' else
                           f'expected scalar type {_cap(input.dtype)} but found {_cap(bias.dtype)}')
    if input.dtype._cat < 2:
        raise not_implemented('slow_conv2d_cpu', input.dtype)
    S = xs[2:]
    C = xs[1]
    if not transposed:
        Cout = ws[0]
        if Cout % G:
            raise RuntimeError(f'Given groups={G}, expected weight to be divisible by {G} at dimension 0, but got '
                               f'weight of size {list(ws)} instead')
        if C != ws[1] * G:
            raise RuntimeError(f'Given groups={G}, weight of size {list(ws)}, expected input{list(xs)} to have '
                               f'{ws[1] * G} channels, but got {C} channels instead')
        if bias is not None and tuple(bias.shape) != (Cout,):
            raise RuntimeError(f'Given weight of size {list(ws)}, expected bias to be 1-dimensional with {Cout} '
                               f'elements, but got bias of size {list(bias.shape)} instead')
        O = _out_size(S, K, s, d, lo, hi)
        if any(o <= 0 for o in O):
            pin = tuple(S[i] + lo[i] + hi[i] for i in range(k))
            kin = tuple(d[i] * (K[i] - 1) + 1 for i in range(k))
            raise RuntimeError(f'Calculated padded input size per channel: ({" x ".join(map(str, pin))}). Kernel '
                               f'size: ({" x ".join(map(str, kin))}). Kernel size can\'t be greater than actual '
                               f'input size')
        geo = _Geom(K, s, d, lo, hi, S, O)
        x = input._data if not squeeze else input._data[None]
        if _fs_ok(geo, G, x.dtype):
            y, cols = _fs_fwd(x, weight._data, geo, None if bias is None else bias._data)
            cols = (cols,)                            # tagged: the flat-span layout
        else:
            cols = _im2col(x, geo, G)
            y = _fwd(x, weight._data, geo, G, cols)
            if bias is not None:
                y += bias._data.reshape((Cout,) + (1,) * k)
    else:
        op = _tuple(output_padding, k, 'output_padding')
        if C != ws[0]:
            raise RuntimeError(f'Given transposed=1, weight of size {list(ws)}, expected input{list(xs)} to have '
                               f'{ws[0]} channels, but got {C} channels instead')
        if C % G:
            raise RuntimeError(f'Given groups={G}, expected weight to be divisible by {G} at dimension 0, but got '
                               f'weight of size {list(ws)} instead')
        if any(op[i] >= s[i] and op[i] >= d[i] for i in range(k)):
            raise RuntimeError('output padding must be smaller than either stride or dilation, but got '
                               f'output_padding: {", ".join(map(str, op))}, stride: {", ".join(map(str, s))}, '
                               f'dilation: {", ".join(map(str, d))}')
        Cout = ws[1] * G
        if bias is not None and tuple(bias.shape) != (Cout,):
            raise RuntimeError(f'Given transposed=1, weight of size {list(ws)}, expected bias to be 1-dimensional '
                               f'with {Cout} elements, but got bias of size {list(bias.shape)} instead')
        Sout = tuple((S[i] - 1) * s[i] - 2 * lo[i] + d[i] * (K[i] - 1) + op[i] + 1 for i in range(k))
        if any(v <= 0 for v in Sout):
            raise RuntimeError(f'Given input size per channel: ({" x ".join(map(str, S))}). Calculated output size '
                               f'per channel: ({" x ".join(map(str, Sout))}). Output size is too small')
        cols = None
        geo = _Geom(K, s, d, lo, hi, Sout, S)        # the conv from the output back to the input
        x = input._data if not squeeze else input._data[None]
        y = _bwd_input(x, weight._data, geo, G, Cout)
        if bias is not None:
            y += bias._data.reshape((Cout,) + (1,) * k)
    if squeeze:
        y = y[0]
    t = _wrap(contig(y, dtype=input.dtype.np), input.dtype, input._device)
    rec = _gm.enabled and (input._rg or weight._rg or (bias is not None and bias._rg))
    if rec:
        record(_conv_bw, t, (input, weight, bias) if bias is not None else (input, weight), (input, weight),
               (geo, G, transposed, bias is not None, squeeze, cols if weight._rg else None))
    if isinstance(cols, tuple) and not (rec and weight._rg):
        _give(cols[0])                                # flat-span columns not kept: back to the pool
    return t


def _cap(dt):
    from ..._ops._core import type_name
    return type_name(dt)


def _tname(dt):
    return {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half'}.get(dt.name, dt.name)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation): input (N, C_in, L) or (C_in, L), weight (C_out, C_in/groups, kL)."""
    return _conv('conv1d', 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution: input (N, C_in, H, W) or (C_in, H, W), weight (C_out, C_in/groups, kH, kW);
    padding an int, a tuple, 'valid' or 'same'."""
    return _conv('conv2d', 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution: input (N, C_in, D, H, W), weight (C_out, C_in/groups, kD, kH, kW)."""
    return _conv('conv3d', 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution: weight (C_in, C_out/groups, kL)."""
    return _conv('conv_transpose1d', 1, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (the gradient of conv2d in its input): weight (C_in, C_out/groups, kH, kW)."""
    return _conv('conv_transpose2d', 2, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution: weight (C_in, C_out/groups, kD, kH, kW)."""
    return _conv('conv_transpose3d', 3, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


# ---------------------------------------------------------------- unfold / fold (2-D only, as torch)
def _pair(v, name):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * 2
    return tuple(int(i) for i in v)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks: (N, C, H, W) -> (N, C*kH*kW, L) (Im2ColBackward0)."""
    need_tensor('unfold', input)
    xs = tuple(input._data.shape)
    if len(xs) not in (3, 4):
        raise NotImplementedError(f'Input Error: Only 3D or 4D input Tensors are supported (got {len(xs)}D)')
    K, d, p, s = _pair(kernel_size, 'kernel_size'), _pair(dilation, 'dilation'), _pair(padding, 'padding'), \
        _pair(stride, 'stride')
    squeeze = len(xs) == 3
    x = input.unsqueeze(0) if squeeze else input
    S = tuple(x.shape[2:])
    O = _out_size(S, K, s, d, p, p)
    if any(o <= 0 for o in O):
        raise RuntimeError(f'Given input with spatial size ({S[0]}, {S[1]}), kernel_size=({K[0]}, {K[1]}), '
                           f'dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of '
                           f'sliding blocks as ({O[0]}, {O[1]}), but its components must be at least one.')
    r = unfold_nd(x, _Geom(K, s, d, p, p, S, O))
    return r.squeeze(0) if squeeze else r


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The sum of sliding blocks: (N, C*kH*kW, L) -> (N, C, *output_size) (Col2ImBackward0)."""
    need_tensor('fold', input)
    xs = tuple(input._data.shape)
    if len(xs) not in (2, 3):
        raise NotImplementedError(f'Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported '
                                  f'(got {len(xs)}D)')
    S = _pair(output_size, 'output_size')
    K, d, p, s = _pair(kernel_size, 'kernel_size'), _pair(dilation, 'dilation'), _pair(padding, 'padding'), \
        _pair(stride, 'stride')
    squeeze = len(xs) == 2
    x = input.unsqueeze(0) if squeeze else input
    N, CK, Lb = x.shape
    O = _out_size(S, K, s, d, p, p)
    if CK % (K[0] * K[1]):
        raise RuntimeError(f'Expected size of input\'s dimension 1 to be divisible by the product of kernel_size, '
                           f'but got input.size(1)={CK} and kernel_size=({K[0]}, {K[1]})')
    if O[0] * O[1] != Lb:
        raise RuntimeError(f'Given output_size=({S[0]}, {S[1]}), kernel_size=({K[0]}, {K[1]}), dilation=({d[0]}, '
                           f'{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input\'s '
                           f'dimension 2 to match the calculated number of sliding blocks {O[0]} * {O[1]} = '
                           f'{O[0] * O[1]}, but got input.size(2)={Lb}.')
    r = fold_nd(x, _Geom(K, s, d, p, p, S, O), N, CK // (K[0] * K[1]))
    return r.squeeze(0) if squeeze else r
