"""Index-based functions: embedding (padding_idx, max_norm, scale_grad_by_freq) and one_hot.

``embedding`` gathers rows of the weight (EmbeddingBackward0); its backward scatter-adds the
gradient into the rows (skipping ``padding_idx``, scaled by 1/frequency on request) with another
op whose own backward is the matching gather, so double backward works.

Example:
    >>> F.one_hot(ember.tensor([0, 2]), 3)       # tensor([[1, 0, 0], [0, 0, 1]])
"""
import numpy as np
from ... import _dtype as D
from ..._tensor import Tensor, _wrap, _gm
from ..._ops._core import record, backward_op
from ._util import need_tensor
from ..._backend import array_module, scatter_add

__all__ = ['embedding', 'one_hot']


class _EmbCtx:
    __slots__ = ('idx', 'n', 'pad', 'scale')


def _row_scale(ctx, dtype):
    """Per-index factor: 0 at padding_idx, 1/count with scale_grad_by_freq, else None."""
    s = ctx.scale
    if s is None and ctx.pad >= 0:
        s = (ctx.idx != ctx.pad).astype(dtype)
    return s


def _scatter_rows(g, ctx):
    """Gradient of the weight: g's rows added into the rows they were gathered from."""
    ga = g._data
    d = ga.shape[-1]
    flat = ctx.idx.reshape(-1)
    rows = ga.reshape(-1, d)
    if type(ga) is np.ndarray:
        out = np.zeros((ctx.n, d), dtype=ga.dtype)
    else:
        out = array_module(ga).zeros((ctx.n, d), dtype=ga.dtype)
    s = _row_scale(ctx, ga.dtype)
    if s is not None:
        rows = rows * s.reshape(-1, 1).astype(ga.dtype, copy=False)
    scatter_add(out, flat, rows)
    t = _wrap(out, g.dtype, g._device)
    if _gm.enabled and g._rg:
        record(_scatter_bw, t, (g,), (), ctx)
    return t


def _gather_rows(w, ctx, scaled):
    """Rows of ``w`` at the indices (shape idx.shape + (d,)); ``scaled``: times the row factors."""
    wa = w._data
    r = wa[ctx.idx]
    if scaled:
        s = _row_scale(ctx, wa.dtype)
        if s is not None:
            r = r * s[..., None].astype(wa.dtype, copy=False)
    t = _wrap(r, w.dtype, w._device)
    if _gm.enabled and w._rg:
        record(_embedding_bw if not scaled else _gather_bw, t, (w,), (), ctx)
    return t


@backward_op('EmbeddingBackward0')
def _embedding_bw(node, g):
    return (_scatter_rows(g, node._args),)


@backward_op('EmbeddingDenseBackwardBackward0')
def _scatter_bw(node, gg):
    return (_gather_rows(gg, node._args, True),)


@backward_op('IndexBackward0')
def _gather_bw(node, g):
    return (_scatter_rows(g, node._args),)


def _renorm(weight, idx, max_norm, norm_type):
    """torch.embedding_renorm_: rows used by ``idx`` with norm > max_norm are scaled down to it,
    in place, outside autograd."""
    w = weight._data
    rows = np.unique(idx)
    if rows.size == 0:
        return
    sel = w[rows].astype(np.float64)
    if norm_type == float('inf'):
        norms = np.abs(sel).max(axis=1)
    else:
        norms = (np.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = max_norm / (norms[big] + 1e-7)
        w[rows[big]] = (sel[big] * scale[:, None]).astype(w.dtype)
        weight._bump()


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, embedding_dim) at the integer indices ``input``:
    output shape ``input.shape + (embedding_dim,)``. ``padding_idx``: that row gets no gradient;
    ``max_norm``: rows looked up are renormalised in place to at most that norm."""
    need_tensor('embedding', input)
    need_tensor('embedding', weight, 'weight', 2)
    if padding_idx is not None:
        n = weight.size(0)
        if padding_idx > 0:
            assert padding_idx < n, 'Padding_idx must be within num_embeddings'
        elif padding_idx < 0:
            assert padding_idx >= -n, 'Padding_idx must be within num_embeddings'
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f'Long, Int; but got torch.{input.dtype._legacy} instead (while checking arguments for '
                           'embedding)')
    idx = input._data
    n = weight._data.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError('index out of range in self')
    if max_norm is not None:
        _renorm(weight, idx, max_norm, norm_type)
    ctx = _EmbCtx()
    ctx.idx = idx.astype(np.int64, copy=False)
    ctx.n, ctx.pad = n, padding_idx
    ctx.scale = None
    if scale_grad_by_freq:
        counts = np.bincount(ctx.idx.reshape(-1), minlength=n)
        s = 1.0 / counts[ctx.idx]
        if padding_idx >= 0:
            s = np.where(ctx.idx == padding_idx, 0.0, s)
        ctx.scale = s
    return _gather_rows(weight, ctx, False)


def one_hot(tensor, num_classes=-1):
    """A (..., num_classes) int64 tensor with 1 at each index of ``tensor`` (int64 class indices);
    ``num_classes=-1``: one more than the largest index."""
    need_tensor('one_hot', tensor, 'self')
    if not isinstance(tensor, Tensor) or tensor.dtype is not D.int64:
        raise RuntimeError('one_hot is only applicable to index tensor of type LongTensor.')
    x = tensor._data
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError('Can not infer total number of classes from empty tensor.')
        num_classes = int(x.max()) + 1
    elif num_classes < -1:
        raise RuntimeError('num_classes should be positive')
    if x.size:
        if x.min() < 0:
            raise RuntimeError('Class values must be non-negative.')
        if x.max() >= num_classes:
            raise RuntimeError('Class values must be smaller than num_classes.')
    if type(x) is not np.ndarray:       # on the device: compare with the class numbers
        xp = array_module(x)
        return _wrap((x[..., None] == xp.arange(num_classes)).astype(np.int64), D.int64, tensor._device)
    out = np.zeros(x.shape + (num_classes,), dtype=np.int64)
    if x.size:
        np.put_along_axis(out, x[..., None], 1, axis=-1)
    return _wrap(out, D.int64, tensor._device)
