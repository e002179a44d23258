"""Normalisation and distances: layer_norm, normalize, cosine_similarity, pairwise_distance,
local_response_norm.

``layer_norm`` is one NumPy pass and one node (NativeLayerNormBackward0) whose backward is the
standard formula, written with ember ops when a graph is being built (double backward) and on
the arrays otherwise. The others are compositions of ember ops, as torch writes them.

Example:
    >>> F.layer_norm(ember.tensor([[1., 2., 3.]]), (3,))     # tensor([[-1.2247,  0.0000,  1.2247]])
"""
import numpy as np
from ..._tensor import _wrap, _gm
from ..._ops._core import record, backward_op, result_dtype
from ..._ops import pointwise as P
from ._util import need_tensor, not_implemented, arr, contig, check_mixed_dtype
from ...amp import autocast_mode as _amp  # (autocast: the float32-list ops)

__all__ = ['layer_norm', 'rms_norm', 'normalize', 'cosine_similarity', 'pairwise_distance', 'local_response_norm']


# ---------------------------------------------------------------- layer_norm
def _ln_grads_np(g, x, w, mean, rstd, axes, batch_axes, want):
    # the formulas of _ln_grads_em on arrays, in place where a temporary can be reused (the same
    # values: every large temporary otherwise costs fresh pages)
    xhat = x - mean
    xhat *= rstd
    gi = gw = gb = None
    tmp = np.empty_like(xhat)
    if want[0]:
        gi = g * w if w is not None else g.copy()
        m1 = gi.mean(axis=axes, keepdims=True)
        np.multiply(gi, xhat, out=tmp)
        m2 = tmp.mean(axis=axes, keepdims=True)
        gi -= m1
        np.multiply(xhat, m2, out=tmp)
        gi -= tmp
        gi *= rstd
    if want[1]:
        np.multiply(g, xhat, out=tmp)
        gw = tmp.sum(axis=batch_axes) if batch_axes else tmp
    if want[2]:
        gb = g.sum(axis=batch_axes) if batch_axes else g
    return gi, gw, gb


def _ln_grads_em(g, x, w, axes, batch_axes, eps, want):
    mean = x.mean(axes, keepdim=True)
    xc = x - mean
    rstd = ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()
    xhat = xc * rstd
    gi = gw = gb = None
    if want[0]:
        gx = g * w if w is not None else g
        m1 = gx.mean(axes, keepdim=True)
        m2 = (gx * xhat).mean(axes, keepdim=True)
        gi = (gx - m1 - xhat * m2) * rstd
    if want[1]:
        gw = (g * xhat).sum(batch_axes) if batch_axes else g * xhat
    if want[2]:
        gb = g.sum(batch_axes) if batch_axes else g
    return gi, gw, gb


@backward_op('NativeLayerNormBackward0')
def _ln_bw(node, g):
    x, w = node.saved()
    axes, batch_axes, eps, mean, rstd = node._args
    want = tuple(e[0] is not None for e in node.next_functions)
    if _gm.enabled:
        gi, gw, gb = _ln_grads_em(g, x, w, axes, batch_axes, eps, want)
        return gi, gw, gb
    acc = mean.dtype
    ga = g._data.astype(acc, copy=False)
    xa = x._data.astype(acc, copy=False)
    wa = None if w is None else w._data.astype(acc, copy=False)
    gi, gw, gb = _ln_grads_np(ga, xa, wa, mean, rstd, axes, batch_axes, want)
    dt, dev = g.dtype, g._device
    return tuple(None if r is None else _wrap(arr(r).astype(dt.np, copy=False), dt, dev) for r in (gi, gw, gb))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims to zero mean and unit (biased)
    variance, then scale by ``weight`` and shift by ``bias`` (both of ``normalized_shape``)."""
    need_tensor('layer_norm', input)
    if _amp.active:     # autocast: float16 runs in float32 on CUDA (ember/amp/autocast_mode.py)
        input, weight, bias = _amp.higher_op('layer_norm', input, weight, bias)
    if isinstance(normalized_shape, (int, np.integer)) and not isinstance(normalized_shape, bool):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0:
        raise RuntimeError('Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one '
                           f'element, but got normalized_shape = {list(ns)}')
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f'Expected weight to be of same shape as normalized_shape, but got weight of shape '
                           f'{list(weight.shape)} and normalized_shape = {list(ns)}')
    if bias is not None and tuple(bias.shape) != ns:
        raise RuntimeError(f'Expected bias to be of same shape as normalized_shape, but got bias of shape '
                           f'{list(bias.shape)} and normalized_shape = {list(ns)}')
    xs = tuple(input._data.shape)
    if len(xs) < k or xs[len(xs) - k:] != ns:
        raise RuntimeError(f'Given normalized_shape={list(ns)}, expected input with shape [*, '
                           f'{", ".join(str(s) for s in ns)}], but got input of size{list(xs)}')
    if (weight is not None and weight.dtype is not input.dtype) or (bias is not None and bias.dtype is not input.dtype):
        check_mixed_dtype(input, weight, bias)
    if input.dtype._cat < 2:
        raise not_implemented('LayerNormKernelImpl', input.dtype)
    x = input._data
    acc = np.float32 if x.dtype == np.float16 else x.dtype
    xa = x.astype(acc, copy=False)
    nd = x.ndim
    axes = tuple(range(nd - k, nd))
    batch_axes = tuple(range(nd - k))
    mean = xa.mean(axis=axes, keepdims=True)
    y = xa - mean                       # (then scaled in place: the same values, fewer fresh pages)
    var = np.multiply(y, y).mean(axis=axes, keepdims=True)
    rstd = 1 / np.sqrt(var + eps)
    y = arr(y)
    y *= rstd
    if weight is not None:
        y = y * weight._data if weight._data.dtype != y.dtype else np.multiply(y, weight._data, out=y)
    if bias is not None:
        y = y + bias._data if bias._data.dtype != y.dtype else np.add(y, bias._data, out=y)
    # contiguous whatever the input's layout (torch's kernel writes a fresh row-major output)
    t = _wrap(contig(y, dtype=x.dtype), input.dtype, input._device)
    if _gm.enabled and (input._rg or (weight is not None and weight._rg) or (bias is not None and bias._rg)):
        record(_ln_bw, t, (input, weight, bias), (input, weight), (axes, batch_axes, eps, mean, rstd))
    return t


# ---------------------------------------------------------------- rms_norm
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x**2 over the last dims) + eps) * weight; ``eps`` defaults to the dtype's
    machine epsilon. Composed of ember ops, as torch's CPU kernel is (float16 computes in float32)."""
    need_tensor('rms_norm', input)
    if isinstance(normalized_shape, (int, np.integer)) and not isinstance(normalized_shape, bool):
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f'Expected weight to be of same shape as normalized_shape, but got weight of shape '
                           f'{list(weight.shape)} and normalized_shape = {list(ns)}')
    xs = tuple(input._data.shape)
    if len(xs) < k or xs[len(xs) - k:] != ns:
        raise RuntimeError(f'Given normalized_shape={list(ns)}, expected input with shape '
                           f'[*{", ".join(str(s) for s in ns)}], but got input of size{list(xs)}')
    if input.dtype._cat < 2:
        raise not_implemented('rms_norm', input.dtype)
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    up = input.float() if input.dtype.name == 'float16' else input
    dims = tuple(range(-k, 0)) if k else ()
    out = up * ((up * up).mean(dims, keepdim=True) + eps).rsqrt() if k else up * (up * up + eps).rsqrt()
    if weight is not None:
        out = out * weight
    return out if out.dtype is input.dtype else out.to(input.dtype)


# ---------------------------------------------------------------- normalize
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    need_tensor('normalize', input)
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return P.div(input, denom, out=out)


# ---------------------------------------------------------------- distances
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs broadcast);
    each input is divided by its (clamped) norm first, as torch does."""
    need_tensor('cosine_similarity', x1, 'x1', 1)
    need_tensor('cosine_similarity', x2, 'x2', 2)
    rt = result_dtype(x1, x2)
    if rt._cat < 2:
        from ..._ops._core import type_name
        raise RuntimeError(f'expected common dtype to be floating point, yet common dtype is {type_name(rt)}')
    if x1.dtype is not rt:
        x1 = x1.to(rt)
    if x2.dtype is not rt:
        x2 = x2.to(rt)
    if x1.shape != x2.shape:
        from ..._ops._core import broadcast_shapes_or_raise
        shape = broadcast_shapes_or_raise(tuple(x1.shape), tuple(x2.shape))
        x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = _clamped_norm(x1, dim, eps)
    n2 = _clamped_norm(x2, dim, eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _clamped_norm(x, dim, eps):
    """||x|| along dim (keepdim), clamped below at eps in value only: the gradient is the norm's
    (torch clamps in place under no_grad)."""
    n = x.norm(2, dim, keepdim=True)
    a = n._data
    low = a < eps
    if low.any():
        fix = _wrap(np.where(low, eps - a, 0).astype(a.dtype), n.dtype, n._device)
        n = n + fix
    return n


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim."""
    need_tensor('pairwise_distance', x1, 'x1', 1)
    need_tensor('pairwise_distance', x2, 'x2', 2)
    d = max(x1.dim(), x2.dim())
    diff = x1 - x2 + eps
    if d == 0:
        return diff.abs() if p != 0 else (diff != 0).to(diff.dtype)
    return diff.norm(p, d - 1, keepdim)


# ---------------------------------------------------------------- local_response_norm
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """input / (k + alpha * mean of input^2 over ``size`` neighbouring channels) ** beta;
    the channel window is zero-padded (size // 2 before, (size - 1) // 2 after), as torch does."""
    from .padding import pad
    from .pooling import avg_pool2d, avg_pool3d
    need_tensor('local_response_norm', input)
    dim = input.dim()
    if dim < 3:
        raise ValueError(f'Expected 3D or higher dimensionality                          input (got {dim} dimensions)')
    if input.numel() == 0:
        return input
    div = input * input
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.size()
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = (div * alpha + k) ** beta
    return input / div
