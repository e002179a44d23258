"""Convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold, fold.

One N-d engine serves them all. A convolution from spatial size S to O is three NumPy
primitives over that geometry (im2col through a strided view, one matrix product per call):
``_fwd`` (x, w -> y), ``_bwd_input`` (gy, w -> gx: matmul then col2im, a loop over kernel
positions only) and ``_bwd_weight`` (x, gy -> gw). A transposed convolution is the same
geometry read backwards: its forward is ``_bwd_input``, its input gradient ``_fwd``.

For stride 1 and groups 1 (float32/64) a "flat-span" layout replaces the three primitives
(``_fs_*``: long contiguous column runs and one big GEMM each; see the comment above them).
For 2-D float32 on the CPU with enough channels (C*KH >= 16, Cout >= 16, 3 <= KW <= 7) the
forward, the weight gradient and (where it also qualifies) the input gradient use Toom-Cook
(Winograd) tiles along the width instead (``_tc_*``: ~2.3x fewer multiply-adds for 5x5).

Both record one ``ConvolutionBackward0`` node, as torch does. Its backward runs the
primitives on the arrays when no graph is being built, and otherwise the same formulas written
with ember ops (``unfold_nd``/``fold_nd`` -- Im2ColBackward0/Col2ImBackward0, each the other's
gradient -- and ``matmul``), so double backward works.

Example:
    >>> F.conv2d(ember.ones(1, 1, 4, 4), ember.ones(2, 1, 3, 3), padding=1).shape   # [1, 2, 4, 4]
"""
import numpy as np
from ... import _backend
from ..._backend import sliding_window_view, as_strided, is_host as _is_host
from ..._tensor import Tensor, _wrap, _gm, suggest_memory_format
from ..._ops.creation import channels_last_copy
from ..._ops._core import record, backward_op
from ..._ops import linalg as L
from ._util import need_tensor, not_implemented, xp_of, contig
from ...amp import autocast_mode as _amp
_CL = 'torch.channels_last'

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


# ---------------------------------------------------------------- depthwise (one channel per group)
# MobileNet's depthwise convolution (groups = C_in = C_out) through im2col is N*G tiny batched GEMMs
# (~1.5 us each) plus the column copies. Directly, each kernel position is one multiply-add of the
# (shifted) padded input with that position's per-channel weight:
#   y  = sum_k w[:, k] * window_k(x)        gx = sum_k shift_k(w[:, k] * gy)
#   gw[:, k] = sum over (n, o) of gy * window_k(x)
# For stride 1 in the channel-major flat layout (C, N * P) (P = Hp * Wp, the padded plane) the
# outputs of all samples lie at n * P + i * Wp + j, so a kernel position reads ONE contiguous run
# per channel, Lt = (N - 1) * P + (OH - 1) * Wp + OW long (garbage between rows and samples), and
# the per-channel weight scales whole rows: long inner loops, where the (N, C, OH, OW) windows run
# OW-element ones. Other strides use the windows. Temporaries come from the scratch pool.
def _dw_ok(g, G, w, x):
    return (len(g.K) == 2 and G > 1 and w.shape[0] == G and w.shape[1] == 1 and _is_host(x) and
            _is_host(w) and x.dtype.kind == 'f')


def _dw_padded_cmajor(x, g):
    """The zero-padded input as a pooled (C, N, Hp, Wp) array (one copy)."""
    N, C, H, W = x.shape
    Sp = (H + g.lo[0] + g.hi[0], W + g.lo[1] + g.hi[1])
    buf = _take(np, (C, N) + Sp, x.dtype)
    if any(g.lo) or any(g.hi):
        buf.fill(0)
    buf[:, :, g.lo[0]:g.lo[0] + H, g.lo[1]:g.lo[1] + W] = x.transpose(1, 0, 2, 3)
    return buf


def _dw_runs(g, N):
    """(Lt, the run offset of each kernel position, Wp, P) of the flat layout (stride 1)."""
    Hp, Wp = g.S[0] + g.lo[0] + g.hi[0], g.S[1] + g.lo[1] + g.hi[1]
    P = Hp * Wp
    Lt = (N - 1) * P + (g.O[0] - 1) * Wp + g.O[1]
    return Lt, [kk[0] * g.d[0] * Wp + kk[1] * g.d[1] for kk in np.ndindex(*g.K)], Wp, P


def _dw_outputs(a, g, N, Wp, P):
    """The (N, C, OH, OW) outputs inside the runs (C, Lt): a strided view."""
    it = a.itemsize
    return as_strided(a, (N, a.shape[0]) + tuple(g.O), (P * it, a.strides[0], Wp * it, it))


def _dw_windows(xp4, g):
    """The (C, N, OH, OW) strided window of the padded (C, N, Hp, Wp) array for each kernel position."""
    for kk in np.ndindex(*g.K):
        yield xp4[(slice(None), slice(None)) + tuple(
            slice(kk[i] * g.d[i], kk[i] * g.d[i] + (g.O[i] - 1) * g.s[i] + 1, g.s[i]) for i in range(2))]


def _dw_fwd(x, w, g):
    N, C = x.shape[:2]
    wk = w.reshape(C, -1)
    xp4 = _dw_padded_cmajor(x, g)
    if all(v == 1 for v in g.s):
        Lt, offs, Wp, P = _dw_runs(g, N)
        xf = xp4.reshape(C, -1)
        shape = (C, Lt)
        parts = (xf[:, off:off + Lt] for off in offs)
    else:
        shape = (C, N) + tuple(g.O)
        parts = _dw_windows(xp4, g)
    y, tmp = _take(np, shape, x.dtype), _take(np, shape, x.dtype)
    for k, part in enumerate(parts):
        wcol = wk[:, k].reshape((C,) + (1,) * (len(shape) - 1))
        np.multiply(part, wcol, out=y if k == 0 else tmp)
        if k:
            y += tmp
    out = np.ascontiguousarray(_dw_outputs(y, g, N, Wp, P) if len(shape) == 2 else y.transpose(1, 0, 2, 3))
    for a in (y, tmp, xp4):
        _give(a)
    return out


def _dw_bwd(gy, x, w, g, want_x, want_w):
    N, C = x.shape[:2]
    wk = w.reshape(C, -1)
    Hp, Wp = g.S[0] + g.lo[0] + g.hi[0], g.S[1] + g.lo[1] + g.hi[1]
    flat = all(v == 1 for v in g.s)
    if flat:
        Lt, offs, Wp, P = _dw_runs(g, N)
        gl = _take(np, (C, Lt), gy.dtype)           # gy in the runs, zeros at the garbage
        gl.fill(0)
        _dw_outputs(gl, g, N, Wp, P)[...] = gy
    else:
        gl = np.ascontiguousarray(gy.transpose(1, 0, 2, 3))      # (C, N, OH, OW)
    sh = (C,) + (1,) * (gl.ndim - 1)
    tmp = _take(np, gl.shape, gy.dtype)
    gx = gw = None
    if want_x:
        gx4 = _take(np, (C, N, Hp, Wp), gy.dtype)
        gx4.fill(0)
        gxf = gx4.reshape(C, -1)
        parts = (gxf[:, off:off + Lt] for off in offs) if flat else _dw_windows(gx4, g)
        for k, part in enumerate(parts):
            np.multiply(gl, wk[:, k].reshape(sh), out=tmp)
            part += tmp
        gx = np.ascontiguousarray(gx4[:, :, g.lo[0]:g.lo[0] + g.S[0], g.lo[1]:g.lo[1] + g.S[1]].transpose(1, 0, 2, 3))
        _give(gx4)
    if want_w:
        xp4 = _dw_padded_cmajor(x, g)
        xf = xp4.reshape(C, -1)
        parts = (xf[:, off:off + Lt] for off in offs) if flat else _dw_windows(xp4, g)
        gw = np.empty((C, wk.shape[1]), gy.dtype)
        axes = tuple(range(1, gl.ndim))
        for k, part in enumerate(parts):
            np.multiply(gl, part, out=tmp)
            gw[:, k] = np.add.reduce(tmp, axis=axes)
        gw = gw.reshape(w.shape)
        _give(xp4)
    for a in (gl, tmp):
        _give(a)
    return gx, gw


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
_POOL_HELD = [0]                                      # the bytes in _POOL (kept as we go: ~2 us per call saved)


def _take(xp, shape, dtype):
    if _backend._traced_namespace is not None:      # ember.compile is recording: a recorded array
        return _backend._traced_namespace(None, xp).empty(shape, dtype=dtype)
    if xp is np:
        a = _POOL.pop((shape, dtype), None)
        if a is not None:
            _POOL_HELD[0] -= a.nbytes
            return a
    return xp.empty(shape, dtype=dtype)


def _give(a):
    if type(a) is not np.ndarray or a.base is not None or a.nbytes > _POOL_MAX // 2:
        return
    key = (a.shape, a.dtype)
    old = _POOL.pop(key, None)
    _POOL[key] = a
    _POOL_HELD[0] += a.nbytes - (0 if old is None else old.nbytes)
    if _POOL_HELD[0] > _POOL_MAX:
        for k in list(_POOL)[:-1]:
            _POOL_HELD[0] -= _POOL.pop(k).nbytes


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
    if bias is not None:
        # added before the copy out (the same sums): along rows of N*Lp, not runs of prod(O)
        # (LeNet's conv1: 14 us against 49)
        y += bias.reshape(Cout, 1)
    it = y.itemsize
    yv = as_strided(y, (N, Cout) + tuple(g.O), (Lp * it, N * Lp * it) + tuple(s_ * it for s_ in st))
    out = xp.empty((N, Cout) + tuple(g.O), dtype=y.dtype)
    out[...] = yv                     # a plain copy (with the bias in one add: 2x slower)
    del yv
    _give(y)
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


# ---------------------------------------------------------------- Toom-Cook (Winograd) along the width: 2-D, CPU
# For the LeNet-2 shape (6 -> 16 channels, 5x5, 14x14 input) every im2col GEMM does 15.4M multiply-adds,
# and OpenBLAS (its Haswell kernels on this machine) cannot reach 2x torch's (AVX-512 oneDNN) time with them
# (bench/NOTES.md, "Convolution, round 3").
# Along the width, each output row is a 1-D correlation with a KW-tap filter; a Toom-Cook / Winograd F(m, r)
# algorithm computes m outputs of it from n = m + r - 1 products of transformed inputs and transformed
# weights, y = AT @ ((G @ w) * (BT @ x)). The products, summed over (channel, kernel row), are n GEMMs
# (Cout, C*KH) @ (C*KH, tiles*OH*N): for L2, tiles of F(4,5), F(4,5), F(2,5) give 22 GEMM rows per output row
# of 10 instead of 50 (6.8M multiply-adds). Data flow: x -> (W, C, Hp, N) (a 2-D transpose, then runs of N;
# zero rows for the height padding) -> input transform (one small GEMM per tile on the input columns it
# reads, rows (tile, point); the width padding is folded into it) -> per point, columns (C*KH, tile*OH*N)
# copied as runs of OH*N (memcpy speed) -> the n GEMMs -> the bias added at the point 1 (AT's column there is
# all ones) -> output transform (one GEMM per tile class) -> (Cout, OH, OW, N) as runs of N -> a blocked 2-D
# transpose to (N, Cout, OH, OW). Points 0, +-1, +-2, +-1/2 and infinity (at most 8): m + r <= 9. float32; the
# rounding error is ~2-3x the direct GEMM's (median, up to ~8x; checked against torch in float64).
# The backward is the adjoint (``_tc_bwd``: the weight gradient on the forward's point columns, the input
# gradient through the transposed transforms). Where only the input gradient's convolution qualifies (gy padded
# by K-1-p, the kernel flipped), it runs as a Toom-Cook forward.
_TC_PTS = (0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5)
_TC_MATS = {}
_TC_PLAN = {}
# the plan's constant matrices are made with NumPy's own makers, taken at import: while ember.compile records,
# np.zeros/np.array/... are recorders, and a first call being recorded would otherwise make traced constants
_np_zeros, _np_array, _np_arange, _np_contig = np.zeros, np.array, np.arange, np.ascontiguousarray


def _tc_mats(m, r):
    """F(m, r) for correlation (y[j] = sum_k x[j+k] w[k], j < m): AT (m, n), G (n, r), BT (n, n), float64."""
    key = (m, r)
    res = _TC_MATS.get(key)
    if res is None:
        n = m + r - 1
        p = _np_array(_TC_PTS[:n - 1])
        AT = _np_zeros((m, n))
        AT[:, :n - 1] = p[None, :] ** _np_arange(m)[:, None]
        AT[m - 1, n - 1] = 1.0
        G = _np_zeros((n, r))
        for i in range(n - 1):
            G[i] = p[i] ** _np_arange(r) / float(np.prod([p[i] - q for j, q in enumerate(p) if j != i]))
        G[n - 1, r - 1] = 1.0
        # BT solves sum_i AT[j,i] G[i,k] BT[i,l] = [l == j + k] for all j, k, l
        M = np.einsum('ji,ik->jki', AT, G).reshape(m * r, n)
        E = _np_zeros((m, r, n))
        for j in range(m):
            for k in range(r):
                E[j, k, j + k] = 1.0
        BT = np.linalg.lstsq(M, E.reshape(m * r, n), rcond=None)[0]
        if np.abs(M @ BT - E.reshape(m * r, n)).max() > 1e-9:
            raise AssertionError(f'Toom-Cook F({m}, {r}) failed')
        res = _TC_MATS[key] = (AT, G, BT)
    return res


def _tc_plan(g):
    """The width tiling of a 2-D geometry, or None where direct GEMMs do fewer products: (Tm (rows, W) float32,
    classes [(m, tiles, first output column, n, AT float32, G float64, first row of Tm)],
    blocks [(first row, n, first and end input column read, that block of Tm)] per tile, the products
    against the direct ones (at most 0.6))."""
    key = (g.K, g.lo, g.hi, g.S, g.O)
    if key in _TC_PLAN:
        return _TC_PLAN[key]
    KW, OW, W, lo = g.K[1], g.O[1], g.S[1], g.lo[1]
    best = None
    for m in range(2, min(9 - KW, OW) + 1):
        q, rem = divmod(OW, m)
        cost = q * (m + KW - 1) + (rem + KW - 1 if rem else 0)
        if best is None or cost < best[0]:
            best = (cost, m, q, rem)
    plan = None
    if best is not None and best[0] <= 0.6 * OW * KW:
        _, m, q, rem = best
        classes, rows, ow0, r0 = [], [], 0, 0
        for mm, cnt in ((m, q), (rem, 1 if rem else 0)):
            if not cnt:
                continue
            AT, G, BT = _tc_mats(mm, KW)
            n = mm + KW - 1
            Tm = _np_zeros((cnt, n, W))
            for t in range(cnt):
                for l in range(n):
                    pos = ow0 + t * mm + l - lo
                    if 0 <= pos < W:
                        Tm[t, :, pos] = BT[:, l]
            rows.append(Tm.reshape(cnt * n, W))
            classes.append((mm, cnt, ow0, n, AT.astype(np.float32), G, r0))
            ow0 += cnt * mm
            r0 += cnt * n
        Tm = _np_contig(np.concatenate(rows).astype(np.float32))
        blocks = []                                   # per tile: its rows of Tm and the input columns it reads
        r = 0
        for mm, cnt, _, n, _, _, _ in classes:
            for t in range(cnt):
                nz = np.nonzero(Tm[r:r + n].any(0))[0]
                a, b = (int(nz[0]), int(nz[-1]) + 1) if nz.size else (0, 0)     # (all padding: zeros)
                blocks.append((r, n, a, b, _np_contig(Tm[r:r + n, a:b])))
                r += n
        plan = (Tm, classes, blocks, best[0] / (OW * KW))
    if len(_TC_PLAN) > 64:
        _TC_PLAN.clear()
    _TC_PLAN[key] = plan
    return plan


def _tc_ok(g, G, x, C, Cout, w=None):
    """Whether the Toom-Cook forward serves this convolution: 2-D, stride 1, no dilation, groups 1, float32 host
    arrays, 3 <= KW <= 7, and point GEMMs (Cout, C*KH) big enough to run well: C*KH >= 16 and Cout >= 16 (with
    Cout = 6, LeNet-2's input gradient as a convolution, 2.2 ms against 1.7 ms flat-span; Cout = 16: 3.0 vs 4.6).
    Not for a weight ``w`` with exact zeros (PixelCNN's masked kernels, pruned ones): torch's direct sums keep a
    zero tap's contribution exactly 0, where the transforms would leak rounding noise (~1e-7) from the inputs
    it masks (a causality check ``grad[future] == 0`` fails)."""
    if len(g.K) != 2 or G != 1 or not _backend.is_host(x) or x.dtype != np.float32 or x.size == 0:
        return False
    if g.s != (1, 1) or g.d != (1, 1) or not 3 <= g.K[1] <= 7 or C * g.K[0] < 16 or Cout < 16:
        return False
    p = _tc_plan(g)
    # against flat-span, tiles must save at least half the products: F(2,7) tiles (0.57) lost, e.g.
    # (4, 3, 64, 64) -> 16, 7x7, pad 3: 1275 us against 1047; against the im2col path 0.6 is enough
    return p is not None and (p[3] <= 0.5 or not _fs_ok(g, 1, np.float32)) and (type(w) is not np.ndarray or w.all())


def _tc_bwd_geom(g, G, gy, Cout, C, w=None):
    """For a stride-1 convolution whose input gradient the Toom-Cook forward serves: the geometry of that
    gradient as a convolution (gy padded by K - 1 - padding, the kernel flipped and transposed); else None."""
    if len(g.K) != 2 or G != 1 or g.s != (1, 1) or g.d != (1, 1):
        return None
    lo = tuple(g.K[i] - 1 - g.lo[i] for i in range(2))
    hi = tuple(g.K[i] - 1 - g.hi[i] for i in range(2))
    if min(lo + hi) < 0:
        return None
    tg = _Geom(g.K, g.s, g.d, lo, hi, g.O, g.S)
    return tg if _tc_ok(tg, 1, gy, Cout, C, w) else None


def _tc_view(a, start, shape, strides):
    """A strided view of the contiguous ``a`` from its flat element ``start`` (np.ndarray: 0.6 us; as_strided,
    which also serves recorded arrays, ~6 us)."""
    if type(a) is np.ndarray:
        return np.ndarray(shape, a.dtype, a, start * a.itemsize, strides)
    return as_strided(a.reshape(-1)[start:], shape, strides)


def _tc_cols(x, g):
    """The point columns of x (N, C, H, W): per tile class (n, C*KH, tiles*OH*N), pool buffers. x is copied to
    (W, C, Hp, N), transformed by one GEMM to Xt (rows (tile, point), C*Hp*N), then each class's columns are
    copied from Xt as runs of OH*N."""
    N, C, H, W = x.shape
    KH = g.K[0]
    OH = g.O[0]
    lo, Hp = g.lo[0], H + g.lo[0] + g.hi[0]
    Tm, classes, blocks = _tc_plan(g)[:3]
    dt, it = x.dtype, x.itemsize
    xp = xp_of(x)
    xT = _take(xp, (W, C, Hp, N), dt)
    if Hp != H:
        xT[:, :, :lo] = 0
        xT[:, :, lo + H:] = 0
    t = _take(xp, (C * H * W, N), dt)                # two copies (a 2-D transpose, then runs of N): 16 + 7 us
    t[...] = x.reshape(N, C * H * W).T                # against 35 for the one 4-d gather (L2)
    xT[:, :, lo:lo + H] = t.reshape(C, H, W, N).transpose(2, 0, 1, 3)
    _give(t)
    CHN = C * Hp * N
    Xt = _take(xp, (Tm.shape[0], CHN), dt)
    x2 = xT.reshape(W, CHN)                           # per tile, only the columns it reads: 26 us against 35
    for r, n, a, b, B in blocks:                      # for one dense GEMM with Tm (L2)
        xp.matmul(B, x2[a:b], out=Xt[r:r + n])
    del x2
    _give(xT)
    res = []
    for m, cnt, ow0, n, AT, Gm, r0 in classes:
        cols = _take(xp, (n, C * KH, cnt * OH * N), dt)
        v = _tc_view(Xt, r0 * CHN, (n, C, KH, cnt, OH, N), (CHN * it, Hp * N * it, N * it, n * CHN * it, N * it, it))
        cols.reshape(n, C, KH, cnt, OH, N)[...] = v
        del v
        res.append(cols)
    _give(Xt)
    return res


def _tc_weights(w, n, Gm, dt, xp):
    """V (n, Cout, C*KH): the weights transformed to the n points of a class (in float64, then rounded)."""
    Cout, C, KH, KW = w.shape
    return xp.ascontiguousarray((w.reshape(-1, KW).astype(np.float64) @ Gm.T).T.reshape(n, Cout, C * KH), dtype=dt)


def _tc_fwd(x, w, g, bias=None, keep=False):
    """y (N, Cout, OH, OW) (+ bias) = conv2d(x, w) through Toom-Cook tiles along the width (see above); with
    keep, also the list of the point columns (pool buffers, one per tile class) for ``_tc_bwd``."""
    N, C, H, W = x.shape
    Cout = w.shape[0]
    OH, OW = g.O
    classes = _tc_plan(g)[1]
    dt, it = x.dtype, x.itemsize
    xp = xp_of(x)
    kept = _tc_cols(x, g)
    t = _take(xp, (Cout, OH, OW, N), dt)             # the output, samples last (runs of N from Z)
    for (m, cnt, ow0, n, AT, Gm, r0), cols in zip(classes, kept):
        L = cnt * OH * N
        Y = _take(xp, (n, Cout, L), dt)
        xp.matmul(_tc_weights(w, n, Gm, dt, xp), cols, out=Y)
        if not keep:
            _give(cols)
        del cols
        if bias is not None:
            Y[1] += bias.reshape(Cout, 1)             # the point 1: AT[:, 1] is all ones
        Z = _take(xp, (m, Cout * L), dt)
        xp.matmul(AT, Y.reshape(n, Cout * L), out=Z)
        _give(Y)
        dst = _tc_view(t, ow0 * N, (Cout, OH, cnt, m, N), (OH * OW * N * it, OW * N * it, m * N * it, N * it, it))
        dst[...] = Z.reshape(m, Cout, cnt, OH, N).transpose(1, 3, 2, 0, 4)
        del dst
        _give(Z)
    out = xp.empty((N, Cout, OH, OW), dtype=dt)
    _tc_transpose(t.reshape(-1, N), out.reshape(N, -1))
    _give(t)
    return (out, kept) if keep else out


def _tc_transpose(a, out):
    """out[...] = a.T for a (R, N): in blocks of 128 rows of a on the host (32 us against 48 for L2's
    (1600, 64), the blocks staying in cache)."""
    if type(a) is not np.ndarray:
        out[...] = a.T
        return
    bs = max(128, 8192 // max(a.shape[1], 1))      # ~32 KiB blocks (few Python steps when N is small)
    for i in range(0, a.shape[0], bs):
        out[:, i:i + bs] = a[i:i + bs].T


def _tc_bwd(gy, w, g, kept, want_x):
    """The adjoint of ``_tc_fwd``: (gx or None, gw or None). Per tile class, gy is gathered to the output
    transform's layout (m, Cout, tile, OH, N) and taken through AT.T to the points (dY); then
    gw: one GEMM per point against the forward's columns (Cout, L) @ (L, C*KH), then G.T to the kernel columns
    (only when ``kept``, the columns, is given);
    gx: V.T @ dY per point (C*KH, L), the KH shifted runs added back into Xt's layout, Tm.T (one GEMM) back to
    (W, C, Hp, N), one copy to (N, C, H, W)."""
    N, Cout, OH, OW = gy.shape
    C, KH, KW = w.shape[1:]
    H, W = g.S
    lo, Hp = g.lo[0], H + g.lo[0] + g.hi[0]
    Tm, classes = _tc_plan(g)[:2]
    dt, it = gy.dtype, gy.itemsize
    xp = xp_of(gy)
    CHN = C * Hp * N
    gw = None
    if want_x:
        gXt = _take(xp, (Tm.shape[0], CHN), dt)
        gXt.fill(0)
    gt = _take(xp, (Cout * OH * OW, N), dt)           # gy, samples last
    gt[...] = gy.reshape(N, -1).T
    for i, (m, cnt, ow0, n, AT, Gm, r0) in enumerate(classes):
        L = cnt * OH * N
        gz = _take(xp, (m, Cout, cnt, OH, N), dt)
        gz[...] = _tc_view(gt, ow0 * N, (Cout, OH, cnt, m, N),
                           (OH * OW * N * it, OW * N * it, m * N * it, N * it, it)).transpose(3, 0, 2, 1, 4)
        dY = _take(xp, (n, Cout, L), dt)
        xp.matmul(AT.T, gz.reshape(m, Cout * L), out=dY.reshape(n, Cout * L))
        _give(gz)
        if kept is not None:
            dV = xp.matmul(dY, kept[i].transpose(0, 2, 1))          # (n, Cout, C*KH)
            r = dV.reshape(n, -1).T @ Gm                            # float64 (Cout*C*KH, KW)
            gw = r if gw is None else gw + r
        if want_x:
            gc = _take(xp, (n, C * KH, L), dt)
            xp.matmul(_tc_weights(w, n, Gm, dt, xp).transpose(0, 2, 1), dY, out=gc)
            gc6 = gc.reshape(n, C, KH, cnt, OH * N)
            for kh in range(KH):                                      # runs of OH*N, shifted by kh rows
                _tc_view(gXt, r0 * CHN + kh * N, (n, C, cnt, OH * N),
                         (CHN * it, Hp * N * it, n * CHN * it, it))[...] += gc6[:, :, kh]
            del gc6
            _give(gc)
        _give(dY)
    _give(gt)
    gx = None
    if want_x:
        gxT = _take(xp, (W, C, Hp, N), dt)
        xp.matmul(Tm.T, gXt, out=gxT.reshape(W, CHN))
        _give(gXt)
        t = _take(xp, (C, H, W, N), dt)
        t[...] = gxT[:, :, lo:lo + H].transpose(1, 2, 0, 3)
        _give(gxT)
        gx = xp.empty((N, C, H, W), dtype=dt)
        _tc_transpose(t.reshape(-1, N), gx.reshape(N, -1))
        _give(t)
    return gx, (None if gw is None else gw.reshape(w.shape).astype(dt))


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
            if cols is None and _dw_ok(geo, G, wa, xa):
                gx, gw = _dw_bwd(ga, xa, wa, geo, want_x, want_w)
                want_x = want_w = False
            if not (want_x or want_w):
                pass
            elif isinstance(cols, list) or (cols is None and _tc_ok(geo, G, xa, xa.shape[1], wa.shape[0], wa)):
                kept = cols if isinstance(cols, list) else (_tc_cols(xa, geo) if want_w else None)
                if not want_w:
                    kept = None
                gx, gw = _tc_bwd(ga, wa, geo, kept, want_x)   # the adjoint of the Toom-Cook forward
                for c in cols if isinstance(cols, list) else kept or ():
                    _give(c)
                cols = None
                want_x = want_w = False
            tg = _tc_bwd_geom(geo, G, ga, wa.shape[0], wa.shape[1], wa) if want_x else None
            if tg is not None:                        # the input gradient as a Toom-Cook forward
                gx = _tc_fwd(ga, wa.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1], tg)
                want_x = False
            if not (want_x or want_w):
                pass
            elif isinstance(cols, tuple) or (cols is None and _fs_ok(geo, G, ga.dtype)):   # flat-span path
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
            gb = _bias_grad(ga)
        gx, gw, gb = [None if r is None else _wrap(contig(r, dtype=dt.np), dt, dev)
                      for r in (gx, gw, gb)]
    if squeeze and gx is not None:
        gx = gx.squeeze(0)
    return (gx, gw, gb) if has_bias else (gx, gw)


def _bias_grad(ga):
    """The bias gradient: gy (N, C, *spatial) summed over all but C. For contiguous float32/64 host
    arrays, the N rows are added first (contiguous SIMD adds), then each channel's run: NumPy's
    reduce over axes (0, 2, 3) at once walks the array in short strided pieces (LeNet's conv2,
    (64, 16, 10, 10): 28 -> 7 us; conv1 44 -> 20 us)."""
    if _is_host(ga) and ga.dtype in (np.float32, np.float64) and ga.flags.c_contiguous and ga.shape[0] > 1 and ga.size:
        return np.add.reduce(np.add.reduce(ga.reshape(ga.shape[0], ga.shape[1], -1), axis=0), axis=1)
    return ga.sum(axis=(0,) + tuple(range(2, ga.ndim)))


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
    if _amp.active:     # autocast: float16 operands (ember/amp/autocast_mode.py)
        input, weight, bias = _amp.lower(input, weight, bias)
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
        _check_types(input.dtype, weight.dtype, None if bias is None else bias.dtype, transposed, k)
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
        if _dw_ok(geo, G, weight._data, x):
            y, cols = _dw_fwd(x, weight._data, geo), None
            if bias is not None:
                y += bias._data.reshape((Cout,) + (1,) * k)
        elif _tc_ok(geo, G, x, C, Cout, weight._data):
            bd = None if bias is None else bias._data
            if weight._rg and _gm.enabled:            # cols: a list, tagged, the Toom-Cook point columns
                y, cols = _tc_fwd(x, weight._data, geo, bd, keep=True)
            else:
                y, cols = _tc_fwd(x, weight._data, geo, bd), None
        elif _fs_ok(geo, G, x.dtype):
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
            # torch names each dim; a 1-d conv is checked as a 2-d one of height 1
            names = ('depth', 'height', 'width')[-max(k, 2):]
            vals = ((0,) + op, (1,) + s, (1,) + d) if k == 1 else (op, s, d)
            raise RuntimeError('output padding must be smaller than either stride or dilation, but got ' + ' '.join(
                f'{what}_{n}: {v}' for what, vs in zip(('output_padding', 'stride', 'dilation'), vals)
                for n, v in zip(names, vs)))
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
    if k == 2 and not squeeze and (suggest_memory_format(input._data) == _CL or
                                   suggest_memory_format(weight._data) == _CL):
        # torch's CPU conv2d answers channels-last for a channels-last input or weight (not conv3d)
        t._data = channels_last_copy(t._data, _CL)
    rec = _gm.enabled and (input._rg or weight._rg or (bias is not None and bias._rg))
    if rec:
        record(_conv_bw, t, (input, weight, bias) if bias is not None else (input, weight), (input, weight),
               (geo, G, transposed, bias is not None, squeeze, cols if weight._rg else None))
    if isinstance(cols, tuple) and not (rec and weight._rg):
        _give(cols[0])                                # flat-span columns not kept: back to the pool
    elif isinstance(cols, list) and not rec:
        for c in cols:
            _give(c)
    return t


def _cap(dt):
    from ..._ops._core import type_name
    return type_name(dt)


def _tname(dt):
    return {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'bfloat16': 'c10::BFloat16'}.get(
        dt.name, dt.name)


def _check_types(xt, wt, bt, transposed, k):
    """torch's CPU convolution on mismatched dtypes: a direct conv checks the bias first (by c10 name), a
    transposed one the weight first; a float16/bfloat16 input goes the mkldnn way (legacy type names),
    others raise the kernel's 'expected scalar type'. A float32/float64 transposed 1-d/2-d conv takes a
    bias of the other dtype (added into the output)."""
    low = xt.name in ('float16', 'bfloat16')

    def mkldnn(what, ot):
        raise RuntimeError(f'Input type ({_legacy(xt)}) and {what} type ({_legacy(ot)}) should be the same or input '
                           f'should be a MKLDNN tensor and {what} is a dense tensor')
    if not transposed and bt is not None and bt is not xt:
        raise RuntimeError(f'Input type ({_tname(xt)}) and bias type ({_tname(bt)}) should be the same')
    if wt is not xt:
        if low:
            mkldnn('weight', wt)
        raise RuntimeError(f'expected scalar type {_cap(xt)} but found {_cap(wt)}')
    if bt is not None and bt is not xt:
        if low:
            mkldnn('bias', bt)
        if k == 3 or xt.name not in ('float32', 'float64'):
            raise RuntimeError(f'expected scalar type {_cap(xt)} but found {_cap(bt)}')


def _legacy(dt):
    return 'CPUBFloat16Type' if dt.name == 'bfloat16' else f'torch.{_cap(dt)}Tensor'


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
    if len(xs) < 3:     # (torch's im2col reads input.size(1) and .size(2) before its shape check)
        nd = len(xs)
        raise IndexError(f'Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {nd})'
                         if nd else 'Dimension specified as 1 but tensor has no dimensions')
    if len(xs) > 4 or 0 in xs[-3:]:
        raise RuntimeError('Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero '
                           f'dimensions for input, but got: {list(xs)}')
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
    if len(xs) not in (2, 3) or 0 in xs[-2:]:
        raise RuntimeError('Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero '
                           f'dimensions for input, but got: {list(xs)}')
    S = _pair(output_size, 'output_size')
    K, d, p, s = _pair(kernel_size, 'kernel_size'), _pair(dilation, 'dilation'), _pair(padding, 'padding'), \
        _pair(stride, 'stride')
    squeeze = len(xs) == 2
    x = input.unsqueeze(0) if squeeze else input
    N, CK, Lb = x.shape
    O = _out_size(S, K, s, d, p, p)
    if CK % (K[0] * K[1]):
        raise RuntimeError(f'Expected size of input\'s dimension 1 to be divisible by the product of kernel_size, '
                           f'but got input.size(1)={CK} and kernel_size=({K[0]}, {K[1]}).')
    if O[0] * O[1] != Lb:
        raise RuntimeError(f'Given output_size=({S[0]}, {S[1]}), kernel_size=({K[0]}, {K[1]}), dilation=({d[0]}, '
                           f'{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input\'s '
                           f'dimension 2 to match the calculated number of sliding blocks {O[0]} * {O[1]} = '
                           f'{O[0] * O[1]}, but got input.size(2)={Lb}.')
    r = fold_nd(x, _Geom(K, s, d, p, p, S, O), N, CK // (K[0] * K[1]))
    return r.squeeze(0) if squeeze else r
