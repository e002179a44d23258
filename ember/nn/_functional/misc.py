"""More functions of ``torch.nn.functional``: resampling (interpolate, pixel_shuffle /
pixel_unshuffle), prelu / rrelu / hardshrink / softshrink, and the losses margin_ranking,
cosine_embedding, triplet_margin, poisson_nll and gaussian_nll.

All are compositions of differentiable ember ops (index_select, where, clamp, ...), so
autograd gives their gradients.

Example:
    >>> F.interpolate(ember.ones(1, 1, 2, 2), scale_factor=2, mode='bilinear').shape   # (1, 1, 4, 4)
"""
import math

import numpy as np

from ... import _dtype as D
from ..._backend import is_host as _is_host
from ..._ops import creation as C, pointwise as P
from ...amp import autocast_mode as _amp
from ...autograd import grad_mode
from ._util import need_tensor, reduction_string, apply_reduction, fused_name, autocast_fp32, pointwise_op
from .activation import leaky_relu
from .normalization import pairwise_distance

__all__ = ['interpolate', 'upsample', 'upsample_nearest', 'upsample_bilinear', 'pixel_shuffle', 'pixel_unshuffle',
           'prelu', 'rrelu', 'rrelu_', 'hardshrink', 'softshrink', 'margin_ranking_loss', 'cosine_embedding_loss',
           'triplet_margin_loss', 'poisson_nll_loss', 'gaussian_nll_loss', 'channel_shuffle',
           'native_channel_shuffle']


# ---------------------------------------------------------------- channel shuffle
def channel_shuffle(input, groups):
    """(N, g * c, *) -> (N, c * g, *): the channels split into ``groups`` groups, interleaved."""
    need_tensor('channel_shuffle', input)
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"channel_shuffle(): argument 'groups' (position 2) must be int, not {type(groups).__name__}")
    if groups <= 0:
        raise RuntimeError(f'Number of groups to divide channels in must be positive. Value of groups:{groups}')
    if input.dim() <= 2:
        raise RuntimeError(f'channel_shuffle expects input with > 2 dims, but got input with sizes '
                           f'{list(input.shape)}')
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f'Number of channels must be divisible by groups. Got {c} channels and {groups} groups.')
    return fused_name(input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(input.shape),
                      'ChannelShuffleBackward0')


def native_channel_shuffle(input, groups):
    """channel_shuffle's values, with no derivative (torch's native op: backward raises)."""
    from ..._ops.pointwise import _record_not_implemented
    from ...autograd import grad_mode
    with grad_mode.no_grad():
        out = channel_shuffle(input, groups)
    if grad_mode.is_grad_enabled() and input.requires_grad:
        _record_not_implemented(out, 'native_channel_shuffle', input)
    return out


# ---------------------------------------------------------------- pixel shuffle
def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    need_tensor('pixel_shuffle', input)
    if input.dim() < 3:
        raise RuntimeError(f'pixel_shuffle expects input to have at least 3 dimensions, but got input with '
                           f'{input.dim()} dimension(s)')
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f'pixel_shuffle expects a positive upscale_factor, but got {r}')
    *lead, c, h, w = input.shape
    if c % (r * r) != 0:
        raise RuntimeError(f'pixel_shuffle expects its input\'s \'channel\' dimension to be divisible by the square '
                           f'of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}')
    oc = c // (r * r)
    n = len(lead)
    x = input.reshape(*lead, oc, r, r, h, w)
    perm = list(range(n)) + [n, n + 3, n + 1, n + 4, n + 2]
    return fused_name(x.permute(*perm).reshape(*lead, oc, h * r, w * r), 'PixelShuffleBackward0')


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    need_tensor('pixel_unshuffle', input)
    if input.dim() < 3:
        raise RuntimeError(f'pixel_unshuffle expects input to have at least 3 dimensions, but got input with '
                           f'{input.dim()} dimension(s)')
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f'pixel_unshuffle expects a positive downscale_factor, but got {r}')
    *lead, c, h, w = input.shape
    if h % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)"
                           f"={h} is not divisible by {r}")
    if w % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)"
                           f"={w} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    perm = list(range(n)) + [n, n + 2, n + 4, n + 1, n + 3]
    return fused_name(x.permute(*perm).reshape(*lead, c * r * r, h // r, w // r), 'PixelUnshuffleBackward0')


# ---------------------------------------------------------------- interpolate
_MODES = ('nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact')
_LINEAR = {'linear': 3, 'bilinear': 4, 'trilinear': 5}


def _index(n, x):
    return C.tensor(np.asarray(n, dtype=np.int64), device=x.device)


def _resample_nearest(x, dim, out, scale, exact):
    n_in = x.shape[dim]
    j = np.arange(out, dtype=np.float64)
    s = np.float32(scale)
    src = np.floor(((j + 0.5) * s) if exact else (j * s)).astype(np.int64)
    src = np.minimum(src, n_in - 1)
    return x.index_select(dim, _index(src, x))


def _resample_linear(x, dim, out, scale, align_corners):
    n_in = x.shape[dim]
    f = np.float64 if x.dtype.itemsize == 8 else np.float32    # (torch computes the weights in double for double)
    j = np.arange(out, dtype=f)
    if align_corners:
        s = f((n_in - 1) / (out - 1)) if out > 1 else f(0)
        src = j * s
    else:
        s = f(scale)
        src = np.maximum((j + f(0.5)) * s - f(0.5), f(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = (src - i0).astype(f)
    if _is_host(x._data) and x.numel() >= 4096 and n_in <= 128 and bool(np.isfinite(x._data).all()):
        # one product with the (out, n_in) interpolation matrix (two weights a row): a GEMM forward
        # and backward, where the gathers below are ~10x slower (their backward scatter-adds
        # repeated indices). Finite inputs only: 0 * inf would spread a NaN along the row. Short
        # input dims only: the product does n_in multiply-adds per output where two are needed.
        A = np.zeros((out, n_in), f)
        np.add.at(A, (j.astype(np.int64), i0), f(1) - lam)
        np.add.at(A, (j.astype(np.int64), i1), lam)
        At = C.tensor(np.ascontiguousarray(A.T), dtype=x.dtype, device=x.device)
        xm = x if dim == x.dim() - 1 else x.movedim(dim, -1)
        lead = tuple(xm.shape[:-1])
        y = (xm.reshape(-1, n_in) @ At).reshape(lead + (out,))
        return y if dim == x.dim() - 1 else y.movedim(-1, dim)
    shape = [1] * x.dim()
    shape[dim] = out
    l1 = C.tensor(lam.reshape(shape), dtype=x.dtype, device=x.device)
    l0 = C.tensor((f(1) - lam).reshape(shape), dtype=x.dtype, device=x.device)
    return x.index_select(dim, _index(i0, x)) * l0 + x.index_select(dim, _index(i1, x)) * l1


def _resample_cubic(x, dim, out, scale, align_corners):
    """Cubic convolution (A = -0.75) along ``dim``, 4 taps clamped at the edges, as torch's bicubic."""
    n_in = x.shape[dim]
    f = np.float64 if x.dtype.itemsize == 8 else np.float32
    j = np.arange(out, dtype=f)
    if align_corners:
        src = j * (f((n_in - 1) / (out - 1)) if out > 1 else f(0))
    else:
        src = (j + f(0.5)) * f(scale) - f(0.5)          # (not clamped at 0 for cubic)
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0).astype(f)
    a = f(-0.75)

    def near(d):        # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):         # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    shape = [1] * x.dim()
    shape[dim] = out
    total = None
    for k, w in enumerate(weights):
        idx = np.clip(i0 - 1 + k, 0, n_in - 1)
        term = x.index_select(dim, _index(idx, x)) * C.tensor(w.astype(f).reshape(shape), dtype=x.dtype,
                                                              device=x.device)
        total = term if total is None else total + term
    return total


def _aa_triangle(x):
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0).astype(x.dtype)


def _aa_cubic(x):          # (a = -0.5 with antialias, as PIL)
    x = np.abs(x.astype(np.float64))
    a = -0.5
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0))


def _resample_aa(x, dim, out, scale, interp_size, filter_fn):
    """Antialiased resampling along ``dim`` (torch's _compute_weights_aa): the filter widened by the
    downscale factor, its taps normalised to sum 1."""
    n_in = x.shape[dim]
    f = np.float64 if x.dtype.itemsize == 8 else np.float32
    scale = f(scale)
    support = f(interp_size * 0.5 * scale if scale >= 1 else interp_size * 0.5)
    taps = int(math.ceil(support)) * 2 + 1
    invscale = f(1 / scale) if scale >= 1 else f(1)
    center = (np.float64(scale) * (np.arange(out) + 0.5)).astype(f)
    xmin = np.maximum(np.trunc((center - support).astype(f) + 0.5).astype(np.int64), 0)
    xsize = np.clip(np.minimum(np.trunc((center + support).astype(f) + 0.5).astype(np.int64), n_in) - xmin, 0, taps)
    j = np.arange(taps)[:, None]
    w = filter_fn(((((j + xmin) - center).astype(f) + 0.5) * np.float64(invscale)).astype(f)).astype(f)
    w = np.where(j < xsize, w, f(0))
    total = w.sum(0, dtype=f)
    w = np.where(total != 0, w / np.where(total != 0, total, f(1)), w).astype(f)
    shape = [1] * x.dim()
    shape[dim] = out
    result = None
    for k in range(taps):
        idx = np.clip(xmin + k, 0, n_in - 1)
        term = x.index_select(dim, _index(idx, x)) * C.tensor(w[k].reshape(shape), dtype=x.dtype, device=x.device)
        result = term if result is None else result + term
    return result


_UPSAMPLE_NODE = {'nearest': 'UpsampleNearest{}D', 'nearest-exact': 'UpsampleNearestExact{}D',
                  'linear': 'UpsampleLinear1D', 'bilinear': 'UpsampleBilinear2D', 'bicubic': 'UpsampleBicubic2D',
                  'trilinear': 'UpsampleTrilinear3D'}


def interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *spatial): ``mode`` 'nearest', 'nearest-exact', 'linear'
    (3-D), 'bilinear' / 'bicubic' (4-D), 'trilinear' (5-D) or 'area' (adaptive average pooling), to
    ``size`` or by ``scale_factor``; ``antialias`` (bilinear / bicubic) widens the filter when shrinking."""
    out = _interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)
    if mode in _UPSAMPLE_NODE:      # torch's one node: grad_fn=<UpsampleBilinear2DBackward0>
        return C.keep_channels_last(input, fused_name(out, _UPSAMPLE_NODE[mode].format(input.dim() - 2) +
                                                      ('Aa' if antialias else '') + 'Backward0'))
    return out


def _interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias):
    need_tensor('interpolate', input)
    if mode in ('nearest', 'area', 'nearest-exact'):
        if align_corners is not None:
            raise ValueError('align_corners option can only be set with the interpolating modes: '
                             'linear | bilinear | bicubic | trilinear')
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if dim < 1:
        raise NotImplementedError(f'Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) '
                                  f'for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | '
                                  f'nearest-exact (got {mode})')
    if size is not None and scale_factor is not None:
        raise ValueError('only one of size or scale_factor should be defined')
    elif size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f'Input and output must have the same number of spatial dimensions, but got input '
                                 f'with spatial dimensions of {list(input.shape[2:])} and output size of {size}. '
                                 'Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in '
                                 '(o1, o2, ...,oK) format.')
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
        scale_factors = None
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f'Input and scale_factor must have the same number of spatial dimensions, but got '
                                 f'input with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape '
                                 f'{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and '
                                 'scale_factor in (s1, s2, ...,sK) format.')
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
        output_size = [int(math.floor(float(input.shape[i + 2]) * scale_factors[i])) for i in range(dim)]
        if recompute_scale_factor:
            scale_factors = None
    else:
        raise ValueError('either size or scale_factor should be defined')
    if antialias:
        if mode not in ('bilinear', 'bicubic', 'lanczos') or input.dim() != 4:
            raise ValueError('Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a '
                             '4-D tensor as input')
        if mode == 'lanczos':
            raise NotImplementedError("interpolate: mode 'lanczos' is not supported by ember")
        x = input
        for i in (1, 0):        # (width first, as torch)
            n_in, out = input.shape[i + 2], output_size[i]
            if align_corners:
                sc = (n_in - 1) / (out - 1) if out > 1 else 0.0
            else:
                sc = 1.0 / scale_factors[i] if scale_factors is not None and scale_factors[i] > 0 else n_in / out
            x = _resample_aa(x, i + 2, out, sc, 2 if mode == 'bilinear' else 4,
                             _aa_triangle if mode == 'bilinear' else _aa_cubic)
        return x
    if mode in ('nearest', 'nearest-exact'):
        x = input
        for i in range(dim):
            n_in, out = input.shape[i + 2], output_size[i]
            sc = 1.0 / scale_factors[i] if scale_factors is not None and scale_factors[i] > 0 else n_in / out
            x = _resample_nearest(x, i + 2, out, sc, mode == 'nearest-exact')
        return x
    if mode in _LINEAR:
        if input.dim() != _LINEAR[mode]:
            want = {3: '3D', 4: '4D', 5: '5D'}[_LINEAR[mode]]
            raise NotImplementedError(f'Got {input.dim()}D input, but {mode} mode needs {want} input')
        x = input
        for i in range(dim):
            n_in, out = input.shape[i + 2], output_size[i]
            sc = 1.0 / scale_factors[i] if scale_factors is not None and scale_factors[i] > 0 else n_in / out
            x = _resample_linear(x, i + 2, out, sc, align_corners)
        return x
    if mode == 'area':
        from . import pooling
        return getattr(pooling, f'adaptive_avg_pool{dim}d')(input, output_size)
    if mode == 'bicubic':
        if input.dim() != 4:
            raise NotImplementedError(f'Got {input.dim()}D input, but bicubic mode needs 4D input')
        x = input
        for i in (1, 0):        # (torch interpolates along the width first)
            n_in, out = input.shape[i + 2], output_size[i]
            sc = 1.0 / scale_factors[i] if scale_factors is not None and scale_factors[i] > 0 else n_in / out
            x = _resample_cubic(x, i + 2, out, sc, align_corners)
        return x
    if mode not in _MODES:
        raise NotImplementedError(f'Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) '
                                  f'for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | '
                                  f'nearest-exact (got {mode})')
    raise NotImplementedError(f"interpolate: mode '{mode}' is not supported by ember")


def upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode='nearest')


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)


# ---------------------------------------------------------------- activations
def prelu(input, weight):
    """max(0, x) + weight * min(0, x); ``weight`` has 1 element or one per channel (dim 1)."""
    need_tensor('prelu', input)
    need_tensor('prelu', weight, 'weight', 2)
    if _amp.active:     # autocast: prelu is on torch's lower-precision list (ember/amp/autocast_mode.py)
        input, weight = _amp.lower(input, weight)
    n = weight.numel()
    if n != 1:
        if input.dim() == 0:
            raise RuntimeError('Not allow zero-dim input tensor.')
        ch = input.shape[1] if input.dim() >= 2 else 1
        if n != ch:
            raise RuntimeError(f'Mismatch of parameter numbers and input channel size. Found parameter numbers = '
                               f'{n} and channel size = {ch}.')
        shape = [1] * input.dim()
        shape[1] = n
        w = weight.reshape(shape)
    else:
        w = weight.reshape(()) if weight.dim() else weight
    return fused_name(P.where(input > 0, input, w * input), 'PreluKernelBackward0')


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU with slope U(lower, upper) per element in training, (lower + upper) / 2 in eval."""
    need_tensor('rrelu', input)
    if not training:
        out = leaky_relu(input, (lower + upper) / 2, inplace)
        return out if inplace else fused_name(out, 'RreluWithNoiseBackward0')
    # torch draws one double U(lower, upper) per element <= 0, in order (none for the others)
    neg = input <= 0
    r = C.empty(int(neg.sum()), dtype=D.float64, device=input.device).uniform_(lower, upper)
    a = C.ones(input.shape, dtype=input.dtype, device=input.device)
    a[neg] = r.to(input.dtype)
    out = fused_name(P.where(neg, input * a, input), 'RreluWithNoiseBackward0')
    if inplace:
        with grad_mode.no_grad():
            input.copy_(out)
        return input
    return out


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def _shrink_zone(x, lambd):
    return (x >= -lambd) & (x <= lambd)


# (torch's between-values: hardshrink gives +0, softshrink x * 0, which keeps the sign of x)
_hardshrink = pointwise_op(
    'HardshrinkBackward0', 'hardshrink_cpu', lambda x, lambd: np.where(_shrink_zone(x, lambd), x.dtype.type(0), x),
    lambda M, g, x, o, lambd: M.where(_shrink_zone(x, lambd), 0.0, g), zero_double=True)
_softshrink = pointwise_op(
    'SoftshrinkBackward0', 'softshrink_check',
    lambda x, lambd: np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, x * 0)),
    lambda M, g, x, o, lambd: M.where(_shrink_zone(x, lambd), 0.0, g), zero_double=True)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    need_tensor('hardshrink', input)
    return _hardshrink(input, lambd)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    need_tensor('softshrink', input)
    if lambd < 0:
        raise RuntimeError(f'lambda must be greater or equal to 0, but found to be {lambd}.')
    return _softshrink(input, lambd)


# ---------------------------------------------------------------- losses
@autocast_fp32
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction='mean'):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = reduction_string(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f'margin_ranking_loss : All input tensors should have same dimension but got sizes: '
                           f'input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ')
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return apply_reduction(loss, reduction)


@autocast_fp32
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction='mean'):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    reduction = reduction_string(size_average, reduce, reduction)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
    if td == 1:
        if input1.dim() != 2 or input2.dim() != 2:
            raise RuntimeError(f'1D target tensor expects 2D input tensors, but found inputs with sizes '
                               f'{list(input1.shape)} and {list(input2.shape)}.')
    elif input1.dim() != 1 or input2.dim() != 1:
        raise RuntimeError(f'0D target tensor expects 1D input tensors, but found inputs with sizes '
                           f'{list(input1.shape)} and {list(input2.shape)}.')
    EPS = 1e-12
    prod = (input1 * input2).sum(td)
    m1 = (input1 * input1).sum(td) + EPS
    m2 = (input2 * input2).sum(td) + EPS
    cos = prod / (m1 * m2).sqrt()
    zeros = cos * 0
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    loss = P.where(target == 1, pos, zeros) + P.where(target == -1, neg, zeros)
    return apply_reduction(loss, reduction)


@autocast_fp32
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction='mean'):
    """max(0, d(a, p) - d(a, n) + margin), d the p-norm distance (``swap``: d(a, n) -> min(d(a, n), d(p, n)))."""
    reduction = reduction_string(size_average, reduce, reduction)
    a_dim, p_dim, n_dim = anchor.dim(), positive.dim(), negative.dim()
    if not (a_dim == p_dim == n_dim):
        raise RuntimeError(f'The anchor, positive, and negative tensors are expected to have the same number of '
                           f'dimensions, but got: anchor {a_dim}D, positive {p_dim}D, and negative {n_dim}D inputs')
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = P.minimum(d_neg, d_swap)
    loss = (margin + d_pos - d_neg).clamp_min(0)
    return apply_reduction(loss, reduction)


@autocast_fp32
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction='mean'):
    """exp(input) - target * input (``log_input``), else input - target * log(input + eps);
    ``full`` adds the Stirling term for target > 1."""
    reduction = reduction_string(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        st = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + st.masked_fill(target <= 1, 0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean'):
    """0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 log(2 pi) if ``full``)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError('var has negative entry/entries')
        var = var * C.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError('var has negative entry/entries')
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(y for x, y in zip(input.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError('var is of incorrect size')
    if reduction != 'none' and reduction != 'mean' and reduction != 'sum':
        raise ValueError(reduction + ' is not valid')
    var = var + (var.detach().clamp_min(eps) - var.detach())     # clamped value, identity gradient (as torch)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)
