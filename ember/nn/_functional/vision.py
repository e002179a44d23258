"""Spatial transformers: ``affine_grid`` (a sampling grid from a batch of affine matrices) and
``grid_sample`` (sample an input at a grid of normalised [-1, 1] coordinates).

Both are composed of ember ops, so gradients wrt the input (through the gathers, as a
scatter-add) and wrt the grid / theta (through the interpolation weights) come from autograd.
``grid_sample`` is written once for k = 2 (4-D input, grid (N, H, W, 2)) and k = 3 (5-D input,
grid (N, D, H, W, 3)): bilinear/trilinear is a sum over the 2**k corners of the cell. Without a
graph to build (bilinear/trilinear, 'zeros' or 'border' padding, host arrays) ``_bilinear_np``
runs the same float operations on the bare arrays, with one gather per corner (4.6x faster).

Example:
    >>> theta = ember.tensor([[[1., 0, 0], [0, 1, 0]]])              # the identity
    >>> F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners=False), align_corners=False)  # == x
"""
import itertools
import math
import warnings

import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor, _wrap, _gm
from ..._ops import creation as C, pointwise as P
from ..._ops.manipulation import meshgrid
from ..._ops._core import fused_name
from ...amp import autocast_mode as _amp

__all__ = ['grid_sample', 'affine_grid']

_ALIGN_WARNING = ('Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. '
                  'Please specify align_corners=True if the old behavior is desired. See the documentation of '
                  'grid_sample for details.')


def _unnormalize(coord, size, align_corners):
    """[-1, 1] -> pixel coordinates: -1 is the centre (align_corners) or the outer edge of the first pixel."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(coord, size):
    """Clamp to [0, size - 1]; as in torch, the gradient is zero on the borders as well as beyond them."""
    c = coord.detach()
    return P.where((c > 0) & (c < size - 1), coord, c.clamp(0, size - 1))


def _reflect(coord, twice_low, twice_high):
    """Reflect ``coord`` into [twice_low / 2, twice_high / 2] as many times as it takes."""
    if twice_low == twice_high:
        return coord * 0
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    d = (coord - lo).abs()
    extra = d.fmod(span)
    flips = (d.detach() / span).floor()
    even = flips.fmod(2) == 0
    return P.where(even, extra + lo, span - extra + lo)


def _source_index(coord, size, padding_mode, align_corners):
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == 'border':
        coord = _clip(coord, size)
    elif padding_mode == 'reflection':
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
        coord = _clip(coord, size)
    return coord


def _gather(flat, idx, mask, S, out_shape):
    """flat (N, C, prod(S)) at integer coordinates ``idx`` (list of (N, P) per dim), zero where ~mask."""
    lin = None
    for i, ix in enumerate(idx):
        ix = ix.clamp(0, S[i] - 1)
        lin = ix if lin is None else lin * S[i] + ix
    N, Cc = flat.shape[0], flat.shape[1]
    vals = flat.gather(2, lin.unsqueeze(1).expand(N, Cc, lin.shape[1]))
    vals = P.where(mask.unsqueeze(1), vals, C.zeros((), dtype=flat.dtype, device=flat.device))
    return vals.reshape((N, Cc) + out_shape)


def _check_grid_sample(input, grid, mode, padding_mode):
    if mode not in ('bilinear', 'nearest', 'bicubic'):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ('zeros', 'border', 'reflection'):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    for name, t, pos in (('input', input, 1), ('grid', grid, 2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"grid_sampler(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(t).__name__}")
    xs, gs = tuple(input.shape), tuple(grid.shape)
    if input.dtype != grid.dtype:
        raise RuntimeError(f'grid_sampler(): expected input and grid to have same dtype, but input has '
                           f'{input.dtype} and grid has {grid.dtype}')
    if len(xs) != len(gs) or len(xs) not in (4, 5):
        raise RuntimeError(f'grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, '
                           f'but got input with sizes {list(xs)} and grid with sizes {list(gs)}')
    if xs[0] != gs[0]:
        raise RuntimeError(f'grid_sampler(): expected grid and input to have same batch size, but got input with '
                           f'sizes {list(xs)} and grid with sizes {list(gs)}')
    if gs[-1] != len(xs) - 2:
        raise RuntimeError(f'grid_sampler(): expected grid to have size {len(xs) - 2} in last dimension, but got '
                           f'grid with sizes {list(gs)}')
    if any(s <= 0 for s in xs[2:]):
        raise RuntimeError(f'grid_sampler(): expected input to have non-empty spatial dimensions, but input has '
                           f'sizes {list(xs)} with dimension {[s <= 0 for s in xs[2:]].index(True) + 2} being empty')
    if not input.dtype.is_floating_point:
        raise RuntimeError(f'"grid_sampler_2d_cpu" not implemented for \'{str(input.dtype).split(".")[-1]}\'')
    if mode == 'bicubic' and len(xs) != 4:
        raise RuntimeError('grid_sampler(): bicubic interpolation only supports 4D input')


def _cubic_coeffs(t, A=-0.75):
    """Keys' cubic convolution weights of the 4 taps at offsets -1, 0, 1, 2 (t in [0, 1))."""
    def c1(x):      # |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def c2(x):      # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None):
    r"""Sample ``input`` at the normalised coordinates of ``grid``.

    Shapes: input (N, C, H_in, W_in), grid (N, H_out, W_out, 2) -> (N, C, H_out, W_out);
    5-D: input (N, C, D, H, W), grid (N, D_out, H_out, W_out, 3) -> (N, C, D_out, H_out, W_out).
    ``grid[..., 0]`` is x (the last input dim), ``grid[..., 1]`` y, ``grid[..., 2]`` z; -1 and 1 are
    the first / last pixel's centres (``align_corners=True``) or outer edges (False).

    Args:
        mode: 'bilinear' (trilinear for 5-D), 'nearest' or 'bicubic' (4-D). padding_mode: 'zeros',
            'border' or 'reflection' (where a sample outside the input reads from).

    Example::

        >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> F.grid_sample(x, torch.zeros(1, 1, 1, 2), align_corners=True)    # tensor([[[[7.5000]]]])
    """
    if _amp.active:     # autocast: grid_sampler is on torch's CPU "float32" list
        input, grid = _amp.higher_op('grid_sampler', input, grid)
    _check_grid_sample(input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    out = _grid_sample(input, grid, mode, padding_mode, align_corners)
    return fused_name(out, f'GridSampler{input.dim() - 2}DBackward0')      # (torch's node name)


def _grid_sample(input, grid, mode, padding_mode, align_corners):
    xs, gs = tuple(input.shape), tuple(grid.shape)
    k = len(xs) - 2
    N, Cc, S = xs[0], xs[1], xs[2:]
    out_shape = gs[1:-1]
    if mode == 'bilinear' and padding_mode != 'reflection':
        xa, ga = input._data, grid._data
        if type(xa) is np.ndarray and type(ga) is np.ndarray and xa.dtype.char in 'fd' and xa.size and \
                not (_gm.enabled and (input._rg or grid._rg)):
            r = _bilinear_np(xa, ga, k, padding_mode == 'border', align_corners)
            return _wrap(r, input.dtype, input._device)
    g = grid.reshape(N, -1, k)
    # grid components are (x, y[, z]): reversed against the input's spatial dims (D, H, W)
    coords = [g[..., k - 1 - i] for i in range(k)]
    flat = input.reshape(N, Cc, math.prod(S))      # (not -1: with no channels it could be anything)
    if mode == 'bicubic':
        return _bicubic(flat, coords, S, out_shape, padding_mode, align_corners)
    coords = [_source_index(c, S[i], padding_mode, align_corners) for i, c in enumerate(coords)]
    if mode == 'nearest':
        idx = [c.detach().round().long() for c in coords]
        mask = _inside(idx, S)
        out = _gather(flat, idx, mask, S, out_shape)
        if grid.requires_grad:     # torch's grid gradient here is zeros, not None
            never = C.zeros(gs, dtype=D.bool_, device=grid.device)
            out = out + P.where(never, grid, C.zeros((), dtype=grid.dtype, device=grid.device)).sum()
        return out
    lo = [c.detach().floor() for c in coords]
    out = None
    for corner in itertools.product((0, 1), repeat=k):
        idx, w = [], None
        for i in range(k):
            # the weight of corner (lo + 1) along dim i is the distance from lo, and vice versa
            wi = (coords[i] - lo[i]) if corner[i] else (lo[i] + 1 - coords[i])
            w = wi if w is None else w * wi
            idx.append((lo[i] + corner[i]).long())
        term = _gather(flat, idx, _inside(idx, S), S, out_shape) * w.reshape((N, 1) + out_shape)
        out = term if out is None else out + term
    return out


def _bilinear_np(x, g, k, border, align_corners):
    """bilinear/trilinear grid_sample without autograd, on host arrays: the same float operations in
    the same order as the composed path below (so the same bits), with each corner's flat index and
    mask computed once per (N, point) rather than per channel, and masked corners read as +0.0 from
    an extra zero column instead of a where() over (N, C, points)."""
    N, Cc, S = x.shape[0], x.shape[1], x.shape[2:]
    out_shape = g.shape[1:-1]
    g = g.reshape(N, -1, k)
    P_ = g.shape[1]
    M = 1
    for s_ in S:
        M *= s_
    flat = np.empty((N, Cc, M + 1), dtype=x.dtype)
    flat[:, :, :M] = x.reshape(N, Cc, M)
    flat[:, :, M] = 0
    w_, m_ = [], []
    base = None
    stride = M
    for i in range(k):
        size = S[i]
        stride //= size
        c = g[..., k - 1 - i]
        if align_corners:
            c = (c + 1) / 2 * (size - 1)
        else:
            c = ((c + 1) * size - 1) / 2
        if border:
            c = np.minimum(np.maximum(c, np.asarray(0).astype(x.dtype)[()]), np.asarray(size - 1).astype(x.dtype)[()])
        lo = np.floor(c)
        hi = lo + 1
        w_.append((hi - c, c - lo))             # the weights of corners lo, lo + 1
        # in range exactly where the int64 cast of the (integral) float is: NaN, +-inf and huge
        # values fail both tests. Where lo + 1 is in range, lo is a small integer, so the flat
        # index of a corner is the one of corner (lo, lo, ...) plus its offset (out-of-range
        # corners are masked: their garbage index needs no clamp)
        m_.append(((lo >= 0) & (lo < size), (hi >= 0) & (hi < size)))
        li = lo.astype(np.intp)
        if stride != 1:
            li *= stride
        base = li if base is None else base + li
    flat = flat.reshape(N, Cc, M + 1)
    out = None
    for corner in itertools.product((0, 1), repeat=k):
        mask = w = None
        off = 0
        st = M
        for i in range(k):
            st //= S[i]
            wi = w_[i][corner[i]]
            w = wi if w is None else w * wi
            mi = m_[i][corner[i]]
            mask = mi if mask is None else mask & mi
            off += corner[i] * st
        lin = np.where(mask, base + off if off else base, M)
        w = w.reshape(N, 1, P_)
        dst = np.empty((N, Cc, P_), dtype=x.dtype)
        for n in range(N):
            np.take(flat[n], lin[n], axis=1, out=dst[n], mode='clip')    # (all in range)
        dst *= w
        if out is None:
            out = dst
        else:
            out += dst
    return out.reshape((N, Cc) + tuple(out_shape))


def _inside(idx, S):
    m = None
    for i, ix in enumerate(idx):
        mi = (ix >= 0) & (ix < S[i])
        m = mi if m is None else m & mi
    return m


def _bicubic(flat, coords, S, out_shape, padding_mode, align_corners):
    """16 taps of Keys' cubic convolution; each tap's index goes through the padding mode itself."""
    N = flat.shape[0]
    coords = [_unnormalize(c, S[i], align_corners) for i, c in enumerate(coords)]
    lo = [c.detach().floor() for c in coords]
    wts = [_cubic_coeffs(coords[i] - lo[i]) for i in range(2)]
    out = None
    for a in range(4):
        for b in range(4):
            idx, mask = [], None
            for i, o in enumerate((a, b)):
                t = lo[i] + (o - 1)
                if padding_mode != 'zeros':
                    t = _source_index_pixel(t, S[i], padding_mode, align_corners)
                ti = t.long()
                idx.append(ti)
                mi = (ti >= 0) & (ti < S[i])
                mask = mi if mask is None else mask & mi
            w = (wts[0][a] * wts[1][b]).reshape((N, 1) + out_shape)
            term = _gather(flat, idx, mask, S, out_shape) * w
            out = term if out is None else out + term
    return out


def _source_index_pixel(t, size, padding_mode, align_corners):
    if padding_mode == 'reflection':
        t = _reflect(t, 0, 2 * (size - 1)) if align_corners else _reflect(t, -1, 2 * size - 1)
    return t.clamp(0, size - 1)


def _linspace(n, align_corners, like):
    """torch's linspace_from_neg_one: the n pixel positions in [-1, 1]."""
    if n <= 1:
        return C.zeros(1, dtype=like.dtype, device=like.device)
    r = C.linspace(-1, 1, n, dtype=like.dtype, device=like.device)
    return r if align_corners else r * (n - 1) / n      # (two roundings, as torch computes it)


def affine_grid(theta, size, align_corners=None):
    r"""The sampling grid of a batch of affine maps, for :func:`grid_sample`.

    Shapes: theta (N, 2, 3) with size (N, C, H, W) -> grid (N, H, W, 2); theta (N, 3, 4) with
    size (N, C, D, H, W) -> grid (N, D, H, W, 3).

    Example::

        >>> theta = torch.tensor([[[1., 0, 0], [0, 1, 0]]])
        >>> F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)   # [[[-.5, -.5], [.5, -.5]], ...]
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f'Expected theta to have floating point type, but got {theta.dtype}')
    given, size = size, list(size)      # (the messages show the size as given and theta's torch.Size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f'Expected a batch of 2D affine matrices of shape Nx2x3 for size {given}. '
                             f'Got {theta.shape}.')
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f'Expected a batch of 3D affine matrices of shape Nx3x4 for size {given}. '
                             f'Got {theta.shape}.')
        spatial = size[-3:]
    else:
        raise NotImplementedError(f'affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, '
                                  f'respectively. Got size {given}.')
    if align_corners and min(spatial) == 1:
        warnings.warn('Since version 1.3.0, affine_grid behavior has changed for unit-size grids when '
                      'align_corners=True. This is not an intended use case of affine_grid. See the documentation '
                      'of affine_grid for details.', stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f'Expected non-zero, positive output size. Got {tuple(size)}')
    N, k = size[0], len(spatial)
    if theta.shape[0] != N:
        raise RuntimeError(f'The size of tensor a ({theta.shape[0]}) must match the size of tensor b ({N}) at '
                           f'non-singleton dimension 0')
    # base (*spatial, k + 1) of homogeneous coordinates [x, y(, z), 1], x along the last dim
    axes = [_linspace(n, align_corners, theta) for n in spatial]
    mesh = meshgrid(*axes, indexing='ij') if k > 1 else axes
    comps = [mesh[k - 1 - i] for i in range(k)] + [C.ones(tuple(spatial), dtype=theta.dtype, device=theta.device)]
    # base @ theta^T as torch's bmm sums it, term by term with no fused multiply-add (a BLAS product
    # may fuse and round differently; grid_sample's floor is sensitive to the last bit)
    grid = None
    for j, comp in enumerate(comps):
        term = comp.reshape(1, -1, 1) * theta[:, :, j].unsqueeze(1)
        grid = term if grid is None else grid + term
    return grid.reshape([N] + spatial + [k])
