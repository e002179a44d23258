"""pad: constant, reflect, replicate and circular padding of the last dims.

``pad`` is a tuple (left, right) for the last dim, then (top, bottom) for the one before, ...;
negative amounts crop. Constant padding is one node (ConstantPadNdBackward0) whose backward
is constant padding by the negated amounts (crop, or zero-fill where the forward cropped). The
other modes gather, along each padded dim, the source index of every output position
(ReflectionPad1DBackward0, ...); their backward scatter-adds into the source positions with
an op whose own backward is that gather again. On host arrays padded by amounts >= 0, the gather
is a copy of the input into the middle of the output plus a slab copy per border row/column.

Example:
    >>> F.pad(ember.tensor([[1., 2.]]), (1, 1), value=9.)    # tensor([[9., 1., 2., 9.]])
"""
import numpy as np
from ..._tensor import Tensor, _wrap, _gm
from ..._ops._core import record, backward_op
from ..._backend import asarray_like, scatter_add
from ...amp import autocast_mode as _amp
from ._util import need_tensor, xp_of, contig

__all__ = ['pad']


def _check_pad(input, pad):
    if not isinstance(pad, (tuple, list)):
        if isinstance(pad, Tensor):
            pad = pad.tolist()
        else:
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError('Padding length must be divisible by 2')
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f'Padding length should be less than or equal to two times the input dimension but got '
                           f'padding length {len(pad)} and input of dimension {input.dim()}')
    return pad


# ---------------------------------------------------------------- constant
@backward_op('ConstantPadNdBackward0')
def _constant_bw(node, g):
    return (_constant(g, [-p for p in node._args], 0),)


def _constant(input, pad, value):
    x = input._data
    nd = x.ndim
    shape = list(x.shape)
    src, dst = [slice(None)] * nd, [slice(None)] * nd
    for i in range(len(pad) // 2):
        d = nd - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        n = shape[d]
        new = n + lo + hi
        if n + min(lo, 0) + min(hi, 0) < 0:
            raise RuntimeError('narrow(): length must be non-negative.')
        if new < 0:
            raise RuntimeError(f'The input size {n}, plus negative padding {lo} and {hi} resulted in a negative output '
                               f'size, which is invalid. Check dimension {d} of your input.')
        shape[d] = new
        s0, s1 = max(-lo, 0), n - max(-hi, 0)
        src[d] = slice(s0, s1)
        dst[d] = slice(max(lo, 0), max(lo, 0) + (s1 - s0))
    out = xp_of(x).empty(shape, dtype=x.dtype)
    if value == 0:
        out[...] = 0
    else:
        out[...] = np.asarray(value).astype(x.dtype)[()]
    out[tuple(dst)] = x[tuple(src)]
    t = _wrap(out, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_constant_bw, t, (input,), (), tuple(pad))
    return t


# ---------------------------------------------------------------- reflect / replicate / circular
def _source_index(n, lo, hi, mode, d, shape):
    """For each output position along a dim of size n padded by (lo, hi): its source position."""
    pos = np.arange(-lo, n + hi)
    if mode == 'reflect':
        if lo >= n or hi >= n:
            raise RuntimeError(f'Argument #4: Padding size should be less than the corresponding input dimension, but '
                               f'got: padding ({lo}, {hi}) at dimension {d} of input {list(shape)}')
        period = 2 * (n - 1) if n > 1 else 1
        p = np.abs(pos) % period if n > 1 else np.zeros_like(pos)
        return np.where(p >= n, period - p, p)
    if mode == 'replicate':
        if n == 0:
            raise RuntimeError(f'input tensor must have non-zero size in dimension {d}')
        return np.clip(pos, 0, n - 1)
    if lo > n or hi > n:
        raise RuntimeError('Padding value causes wrapping around more than once.')
    s0, s1 = max(-lo, 0), n - max(-hi, 0)          # a negative amount crops first, then the rest wraps
    m = s1 - s0
    return s0 + (np.arange(-max(lo, 0), m + max(hi, 0)) % m if m > 0 else np.zeros(0, np.int64))


class _PadCtx:
    __slots__ = ('index', 'shape', 'cls', 'spans')


def _gather(input, ctx):
    x = input._data
    # (below ~64K elements the takes cost less than the slice path's ~20 us of Python)
    r = _gather_slices(x, ctx.index, ctx.spans) if type(x) is np.ndarray and x.size >= 65536 else None
    if r is None:
        for d, idx in ctx.index:
            x = np.take(x, idx, axis=d)
        r = contig(x)
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(ctx.cls, t, (input,), (), ctx)
    return t


def _gather_slices(x, index, spans):
    """The gathers of ``_gather`` (a copy, so the same values) where every dim is padded by
    amounts >= 0: x copied once into the middle of the output, then each padded dim's border
    slabs copied from positions already filled (the last dim first, over the middle rows only; then
    the dims before it over the full extent of the later ones). One pass over the output instead of
    a take per dim (a take along the last axis moves element by element). None where it does not
    apply (a crop, an empty dim, more than 64 border slices in a dim). (16, 16, 64, 64) reflect-padded
    by 3: 710 -> 280 us (torch: 140-156 us)."""
    nd = x.ndim
    shape = list(x.shape)
    spans = {d: sp for (d, idx), sp in zip(index, spans)}
    for d, idx in index:
        lo, n, hi = spans[d]
        if n == 0 or n != shape[d] or lo < 0 or hi < 0 or lo + hi > 64 or idx.size != lo + n + hi or \
                not np.array_equal(idx[lo:lo + n], np.arange(n)):
            return None
    oshape = list(shape)
    for d, (lo, n, hi) in spans.items():
        oshape[d] = lo + n + hi
    out = np.empty(oshape, dtype=x.dtype)
    mid = [slice(None)] * nd
    for d, (lo, n, hi) in spans.items():
        mid[d] = slice(lo, lo + n)
    out[tuple(mid)] = x
    for d, idx in index:                    # the same order as the takes: the last dim first
        lo, n, hi = spans[d]
        sel = list(mid)
        for j in list(range(lo)) + list(range(lo + n, lo + n + hi)):
            sel[d] = j
            src = list(mid)
            src[d] = lo + int(idx[j])
            out[tuple(sel)] = out[tuple(src)]
        mid[d] = slice(None)                # later dims' borders copy full rows (this dim's too)
    return out


def _scatter(g, ctx):
    r = g._data
    for d, idx in reversed(ctx.index):
        n = ctx.shape[d]
        moved = np.moveaxis(r, d, 0)
        out = xp_of(r).zeros((n,) + moved.shape[1:], dtype=r.dtype)
        scatter_add(out, idx, moved)
        r = np.moveaxis(out, 0, d)
    t = _wrap(contig(r), g.dtype, g._device)
    if _gm.enabled and g._rg:
        record(_scatter_bw, t, (g,), (), ctx)
    return t


def _pad_bw(node, g):
    return (_scatter(g, node._args),)


@backward_op('PadBackwardBackward0')
def _scatter_bw(node, gg):
    return (_gather(gg, node._args),)


_NODES = {(m, k): backward_op(f'{name}Pad{k}DBackward0')(_pad_bw)
          for m, name in (('reflect', 'Reflection'), ('replicate', 'Replication'), ('circular', 'Circular'))
          for k in (1, 2, 3)}

_SUPPORTED = ('Supported combinations for non-constant padding:\n'
              '  - 2D or 3D input: padding size = 2 (pads last dimension)\n'
              '  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n'
              '  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)')


def _nonconstant(input, pad, mode):
    k = len(pad) // 2
    nd = input.dim()
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(f'Padding size {len(pad)} is not supported for {nd}D input tensor.\n{_SUPPORTED}')
    shape = tuple(input._data.shape)
    index = []
    for i in range(k):
        d = nd - 1 - i
        idx = _source_index(shape[d], pad[2 * i], pad[2 * i + 1], mode, d, shape)
        if type(input._data) is not np.ndarray:        # the gather index lives with the data
            idx = asarray_like(idx, input._data)
        index.append((d, idx))
    if mode != 'circular' and input.dtype.name == 'bool':     # (torch's kernels have no bool loop)
        kernel = 'replication_pad' if mode == 'replicate' else 'reflection_pad'
        raise NotImplementedError(f'"{kernel}{k}d" not implemented for \'Bool\'')
    ctx = _PadCtx()
    ctx.index, ctx.shape, ctx.cls = index, shape, _NODES[(mode, k)]
    ctx.spans = [(pad[2 * i], shape[nd - 1 - i], pad[2 * i + 1]) for i in range(k)]
    return _gather(input, ctx)


def pad(input, pad, mode='constant', value=None):
    """Pad the last ``len(pad) // 2`` dims of ``input``: ``pad = (left, right, top, bottom, ...)``.
    mode: 'constant' (with ``value``, default 0), 'reflect', 'replicate' or 'circular'."""
    need_tensor('pad', input)
    pad = _check_pad(input, pad)
    if mode == 'constant':
        return _constant(input, pad, 0 if value is None else value)
    if mode not in ('reflect', 'replicate', 'circular'):
        raise NotImplementedError(f'Unrecognised padding mode {mode}')
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if _amp.active and (mode == 'replicate' or mode == 'reflect' and len(pad) < 6):
        # autocast: torch's CPU "float32" list has reflection_pad1d/2d and replication_pad1d/2d/3d
        input, = _amp.higher_op('reflection_pad' if mode == 'reflect' else 'replication_pad', input)
    return _nonconstant(input, pad, mode)
