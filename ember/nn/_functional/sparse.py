"""Index-based functions: embedding (padding_idx, max_norm, scale_grad_by_freq), one_hot and
embedding_bag (sums, means or maxima of bags of embeddings, composed of embedding and index ops).

``embedding`` gathers rows of the weight (EmbeddingBackward0); its backward scatter-adds the
gradient into the rows (skipping ``padding_idx``, scaled by 1/frequency on request) with another
op whose own backward is the matching gather, so double backward works. With ``sparse=True`` the
gradient is instead a sparse COO tensor of the looked-up rows (repeats kept, uncoalesced,
``padding_idx`` left out) whose values are the output gradient's rows (ember/_ops/sparse_coo.py);
``embedding_bag`` goes through ``embedding`` and gets the same.

Example:
    >>> F.one_hot(ember.tensor([0, 2]), 3)       # tensor([[1, 0, 0], [0, 0, 1]])
"""
import numpy as np
from ..._backend import is_host as _is_host  # (a recorded host array too: ember.compile)
from ... import _dtype as D
from ..._tensor import Tensor, _wrap, _gm
from ..._ops._core import record, backward_op
from ._util import need_tensor
from ..._backend import array_module, scatter_add, add_rows_in_rounds

__all__ = ['embedding', 'one_hot', 'embedding_bag']


class _EmbCtx:
    __slots__ = ('idx', 'n', 'pad', 'scale', 'sparse')


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
    if _is_host(ga):
        out = np.zeros((ctx.n, d), dtype=ga.dtype)
    else:
        out = array_module(ga).zeros((ctx.n, d), dtype=ga.dtype)
    s = _row_scale(ctx, ga.dtype)
    if s is not None:
        rows = rows * s.reshape(-1, 1).astype(ga.dtype, copy=False)
    if not (_is_host(ga) and add_rows_in_rounds(out, flat, rows)):
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
    ctx = node._args
    return (_sparse_rows(g, ctx) if ctx.sparse else _scatter_rows(g, ctx),)


def _sparse_rows(g, ctx):
    """``sparse=True``: the weight's gradient as a sparse COO tensor (torch's embedding_sparse_backward):
    indices the looked-up rows in order, repeats kept, ``padding_idx`` left out; values g's rows."""
    if ctx.scale is not None:
        raise RuntimeError('embedding_backward: scale_grad_by_freq not supported with sparse gradients')
    from ..._ops.sparse_coo import embedding_grad
    from ..._ops.indexing import getitem
    rows = ctx.idx.reshape(-1)
    d = g.shape[-1]
    if _gm.enabled and g._rg:           # (create_graph: values that stay in the graph)
        v = g.reshape(-1, d)
        if ctx.pad >= 0:
            keep = array_module(rows).flatnonzero(rows != ctx.pad)
            rows, v = rows[keep], getitem(v, _wrap(keep, D.int64, g._device))
    else:
        # (a view where torch's reshape gives one: an expanded gradient's values are not contiguous)
        v = g._data.reshape(-1, d)
        if ctx.pad >= 0:
            keep = rows != ctx.pad
            rows, v = rows[keep], v[keep]
        v = _wrap(v, g.dtype, g._device)
    return embedding_grad(rows, v, ctx.n, g._device)


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
    sel = w[rows]
    # as torch's loop: each row's norm in the weight's dtype (row.norm(p).item()), the scale
    # max_norm / (norm + 1e-7) in double, then ``row *= scale`` in the weight's dtype
    from ..._ops.reduction import vector_norm
    norms = np.asarray(vector_norm(_wrap(sel, weight.dtype, weight._device), float(norm_type), 1)._host(),
                       dtype=np.float64)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sel[big] * array_module(w).asarray(scale)[:, None]
        weight._bump()


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, embedding_dim) at the integer indices ``input``:
    output shape ``input.shape + (embedding_dim,)``. ``padding_idx``: that row gets no gradient;
    ``max_norm``: rows looked up are renormalised in place to at most that norm; ``sparse``: the
    weight's gradient is a sparse COO tensor (refused with ``scale_grad_by_freq``, at backward)."""
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
    ctx.sparse = bool(sparse)
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
    if not _is_host(x):       # on the device: compare with the class numbers
        xp = array_module(x)
        return _wrap((x[..., None] == xp.arange(num_classes)).astype(np.int64), D.int64, tensor._device)
    out = np.zeros(x.shape + (num_classes,), dtype=np.int64)
    if x.size:
        np.put_along_axis(out, x[..., None], 1, axis=-1)
    return _wrap(out, D.int64, tensor._device)


# ---------------------------------------------------------------- embedding_bag
def _index_dtype_check(t, arg, name):
    if t.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #{arg} '{name}' to have one of the following scalar types: "
                           f'Long, Int; but got torch.{t.dtype._legacy} instead (while checking arguments for '
                           'embedding_bag)')


_EXPECTED_I = ('Expected i < index_size to be true, but got false.  (Could this error message be improved?  If so, '
               'please report an enhancement request to PyTorch.)')


def _bag_index_error(idx, offs, include_last_offset, n_emb, fast):
    """The message of the error torch's CPU embedding_bag raises for indices outside [0, n_emb) or
    offsets that decrease (None where it raises none). Off the fast path (mode 'max', padding_idx,
    float64) it names the first bad index. On the fast path (fbgemm's kernel) the bags are split
    into at::parallel_for chunks, one per thread; a chunk fails when a bag runs past the chunk's
    indices, reads a bad index, or the bags do not end at its end, and then
    fbgemm_spmdm_report_error_ walks the chunk with absolute offsets over its shifted indices (what
    it reports for a chunk past the first is its own); of several failing chunks torch's is a race
    that the last one is seen to win."""
    if not fast:
        bad = (idx < 0) | (idx >= n_emb)
        return (f'embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be {idx[bad.argmax()]}'
                if bad.any() else None)
    from ..._settings import get_num_threads
    n = idx.shape[0]
    o = [int(v) for v in offs] + ([] if include_last_offset else [n])
    nbags = len(o) - 1
    if nbags <= 0:
        return None
    chunk = -(-nbags // max(1, min(get_num_threads(), nbags)))
    msg = None
    for s in range(0, nbags, chunk):
        e = min(nbags, s + chunk)
        base, size = o[s], o[e] - o[s]
        cur, ok = 0, True
        for m in range(s, e):
            ln = o[m + 1] - o[m]
            if cur + ln > size:
                ok = False
                break
            if ln > 0:
                v = idx[base + cur:base + cur + ln]
                if ((v < 0) | (v >= n_emb)).any():
                    ok = False
                    break
                cur += ln
        if ok and cur == size:
            continue
        found = None
        for m in range(s, e):
            for i in range(o[m], o[m + 1]):
                if not i < size:
                    found = _EXPECTED_I
                    break
                if base + i < n and not 0 <= idx[base + i] < n_emb:
                    found = f'Index {i} of input takes value {idx[base + i]} which is not in the valid range [0, {n_emb})'
                    break
            if found is not None:
                break
        if found is None and o[e] != size:
            found = ('Your input appears to be incorrect: the last offset value should be the size of the indices '
                     'tensor, but it seems not to be the case.')
        msg = found or msg
    return msg


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode='mean',
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of rows of ``weight``: ``input`` is (B, L) (B bags of L
    indices) or 1-D with ``offsets`` (the start of each bag; ``include_last_offset``: the last
    offset ends the last bag). ``per_sample_weights`` (mode 'sum') scale each row; indices equal
    to ``padding_idx`` are left out (and not counted by 'mean'); empty bags give zeros."""
    import warnings
    from ..._ops import creation as C
    from ...autograd import grad_mode
    from ..._ops import pointwise as P
    need_tensor('embedding_bag', input)
    need_tensor('embedding_bag', weight, 'weight', 2)
    if weight.dtype is D.int64 and input.is_floating_point():
        warnings.warn('Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, '
                      'input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.',
                      stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f'embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it '
                         f'must have the same shape as the input ({input.shape})')
    if not weight.dim() == 2:
        raise ValueError(f'weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}')
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError('if input is 2D, then offsets has to be None, as input is treated is a mini-batch of '
                             'fixed length sequences. However, found offsets of type '
                             f"<class '{type(offsets).__module__.split('.')[0].replace('ember', 'torch')}."
                             f"{type(offsets).__name__}'>")
        offsets = C.arange(0, input.numel(), input.size(1), dtype=input.dtype, device=input.device)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError('offsets has to be a 1D Tensor but got None')
        if offsets.dim() != 1:
            raise ValueError('offsets has to be a 1D Tensor')
    else:
        raise ValueError(f'input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}')
    if mode == 'max':
        if scale_grad_by_freq:
            raise ValueError('max mode does not support scaling the gradient by the frequency')
        if sparse:
            raise ValueError('max mode does not support sparse weights')
    elif mode not in ('sum', 'mean'):
        raise ValueError('mode has to be one of sum, mean or max')
    _index_dtype_check(input, 1, 'indices')
    _index_dtype_check(offsets, 1, 'offsets')
    if weight.dtype._cat < 2:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have one of the following scalar types: "
                           f'Half, BFloat16, Float, Double; but got torch.{weight.dtype._legacy} instead (while '
                           'checking arguments for embedding_bag)')
    if max_norm is not None:
        with grad_mode.no_grad():
            embedding(input, weight, max_norm=max_norm, norm_type=norm_type)
    if per_sample_weights is not None and mode != 'sum':
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  f"GitHub.")
    if per_sample_weights is not None and per_sample_weights.dtype is not weight.dtype:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as tensor for argument "
                           f"#1 'per_sample_weights'; but type torch.{weight.dtype._legacy} does not equal "
                           f"torch.{per_sample_weights.dtype._legacy} (while checking arguments for embedding_bag)")
    n_emb = weight.size(0)
    if padding_idx is not None:
        if not -n_emb <= padding_idx < n_emb:
            raise RuntimeError(f'padding_idx must be within the number of embeddings, -{n_emb} through {n_emb - 1}, '
                               f'but got {padding_idx}')
        if padding_idx < 0:
            padding_idx += n_emb
    idx = input.numpy(force=True).astype(np.int64).reshape(-1)
    offs = offsets.numpy(force=True).astype(np.int64).reshape(-1)
    n = idx.shape[0]
    if offs.size:
        if offs[0] != 0:
            raise RuntimeError(f'offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from '
                               f'position 0. However, got {offs[0]}')
        if offs[-1] > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of "
                               f'{offs[-1]}')
    decreasing = offs.size > 1 and bool((np.diff(offs) < 0).any())
    if decreasing or (n and (idx.min() < 0 or idx.max() >= n_emb)):
        # (only on bad input: the error torch's CPU kernel raises, or None where it raises none)
        fast = (mode != 'max' and padding_idx is None and weight.dtype in (D.float32, D.float16, D.bfloat16)
                and weight.stride(1) == 1 and (per_sample_weights is None or per_sample_weights.stride(-1) == 1))
        msg = _bag_index_error(idx, offs, include_last_offset, n_emb, fast)
        if msg is None and decreasing:
            msg = _EXPECTED_I
        if msg is not None:
            raise RuntimeError(msg)
    nbags = max(offs.size - 1, 0) if include_last_offset else offs.size
    bag = np.searchsorted(offs, np.arange(n), side='right') - 1
    keep = bag < nbags
    if padding_idx is not None:
        keep &= idx != padding_idx
    sel = np.flatnonzero(keep)
    bag_sel = bag[sel]
    dev = weight.device
    sel_idx = C.tensor(idx[sel], device=dev)
    bag_t = C.tensor(bag_sel, device=dev)
    rows = embedding(sel_idx, weight, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
    if scale_grad_by_freq and not sparse and rows.grad_fn is not None and sel.size:
        # torch's CPU dense backward (_embedding_bag_dense_backward_cpu_sum_mean) divides the rows of
        # the i-th distinct index (in sorted order) by counts[sorted_indices[i]], the count of the
        # i-th sorted index, not the distinct index's own (counts over all the indices)
        srt = np.sort(idx)
        grp = np.searchsorted(np.unique(srt), idx[sel])
        ctx = rows.grad_fn._args
        ctx.scale = array_module(ctx.idx).asarray(1.0 / np.bincount(idx, minlength=n_emb)[srt[grp]])
    dim = weight.size(1)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1).index_select(0, C.tensor(sel, device=dev)).unsqueeze(1)
    if mode == 'max':
        out = C.full((nbags, dim), float('-inf'), dtype=weight.dtype, device=dev)
        out = out.scatter_reduce(0, bag_t.unsqueeze(1).expand(sel.size, dim), rows, 'amax', include_self=False)
        counts = np.bincount(bag_sel, minlength=nbags)
        filled = C.tensor(counts > 0, device=dev).unsqueeze(1)
        return _bag_node(P.where(filled, out, C.zeros_like(out)))
    out = C.zeros((nbags, dim), dtype=weight.dtype, device=dev).index_add(0, bag_t, rows)
    if mode == 'mean':
        counts = np.maximum(np.bincount(bag_sel, minlength=nbags), 1)
        out = out / C.tensor(counts.astype(weight.dtype.np), device=dev).unsqueeze(1)
    return _bag_node(out)


_BAG_NODES = {}


def _bag_node(out):
    """``out`` with its last node named as torch's (grad_fn=<EmbeddingBagBackward0>): the node's
    class becomes a subclass of its own with that name (the same backward)."""
    fn = out.grad_fn
    if fn is not None:
        cls = type(fn)
        if cls not in _BAG_NODES:
            _BAG_NODES[cls] = type('EmbeddingBagBackward0', (cls,), {'__slots__': ()})
        fn.__class__ = _BAG_NODES[cls]
    return out
