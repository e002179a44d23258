"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits, lazy
attributes, float limits, and the special functions (lgamma, digamma) the Gamma family needs.

Example:
    >>> loc, scale = broadcast_all(ember.zeros(3), 1.0)    # both shape (3,)
    >>> logits = probs_to_logits(ember.tensor([0.2, 0.8]))
"""
import math
from functools import update_wrapper
from numbers import Number

import numpy as np

import ember

__all__ = ['broadcast_all', 'logits_to_probs', 'probs_to_logits', 'clamp_probs', 'lazy_property',
           'tril_matrix_to_vec', 'vec_to_tril_matrix', 'finfo']


class finfo:
    """``torch.finfo`` for a floating dtype: eps and tiny are all the distributions use (ember.finfo's
    values: bfloat16's own, not those of the float32 that stores it)."""

    def __init__(self, dtype):
        f = ember.finfo(dtype)
        self.eps, self.tiny, self.max, self.min = float(f.eps), float(f.tiny), float(f.max), float(f.min)


def broadcast_all(*values):
    """Tensors and numbers -> tensors of one broadcast shape (numbers take the tensors' dtype)."""
    if not all(isinstance(v, (ember.Tensor, Number)) for v in values):
        raise ValueError('Input arguments must all be instances of numbers.Number, torch.Tensor or objects '
                         'implementing __torch_function__.')
    if not all(isinstance(v, ember.Tensor) for v in values):
        ref = next((v for v in values if isinstance(v, ember.Tensor)), None)
        kw = dict(dtype=ref.dtype, device=ref.device) if ref is not None else dict(dtype=ember.get_default_dtype())
        values = [v if isinstance(v, ember.Tensor) else ember.tensor(v, **kw) for v in values]
    return ember.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device):
    return ember.randn(shape, dtype=dtype, device=device)


def _sum_rightmost(value, dim):
    """Sum out the ``dim`` rightmost dimensions of ``value``."""
    return value.reshape(value.shape[:-dim] + (-1,)).sum(-1) if dim > 0 else value


def logits_to_probs(logits, is_binary=False):
    return ember.sigmoid(logits) if is_binary else ember.softmax(logits, dim=-1)


def clamp_probs(probs):
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ember.log(ps_clamped) - ember.log1p(-ps_clamped)
    return ember.log(ps_clamped)


class lazy_property:
    """A property computed on first use and then stored on the instance (a plain attribute)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag=0):
    n = mat.shape[-1]
    rows, cols = np.tril_indices(n, diag)
    return mat[..., ember.tensor(rows), ember.tensor(cols)]


def vec_to_tril_matrix(vec, diag=0):
    n = int((-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2)
    rows, cols = np.tril_indices(n, diag)
    mat = vec.new_zeros(vec.shape[:-1] + (n, n))
    mat[..., ember.tensor(rows), ember.tensor(cols)] = vec
    return mat


# ---------------------------------------------------------------- special functions
def lgamma(x):
    """log|Gamma(x)|, elementwise, differentiable (``torch.lgamma``)."""
    return ember.lgamma(x)


def digamma(x):
    """d/dx lgamma(x), elementwise, differentiable (``torch.digamma``)."""
    return ember.digamma(x)


def _np(x):
    return np.asarray(x._host() if hasattr(x, '_host') else x._data, dtype=np.float64)


def _like(arr, x):
    return ember.tensor(arr.astype(x.dtype.np), dtype=x.dtype, device=x.device)


def _host_rng(device):
    """NumPy generator for draws the device generators lack (gamma, Poisson, binomial)."""
    from .._random import _gen
    return _gen(None, None)


class _StandardGamma(ember.autograd.Function):
    """Gamma(alpha, 1) samples with torch's reparameterized gradient in alpha: implicit through
    the CDF, dx/dalpha = -(dF(x; alpha)/dalpha) / pdf(x; alpha) (``_standard_gamma_grad``).
    (Differentiating the sampler with its accepted normal held fixed, as this did before, ignores
    that the rejection step depends on alpha: +2.6% bias at alpha = 1.)"""

    @staticmethod
    def forward(ctx, alpha, in_double=False):
        a = _np(alpha)
        rng = _host_rng(alpha.device)
        boost = a < 1
        ab = np.where(boost, a + 1, a)
        if getattr(rng, 'torch_cpu', False):
            y, u, scale = _torch_cpu_gamma(a, rng, in_double or alpha.dtype is ember.float64)
        else:
            y = rng.standard_gamma(ab)
            u = np.where(boost, rng.random(a.shape), 1.0)
            with np.errstate(all='ignore'):
                scale = np.where(boost, u ** (1 / np.where(boost, a, 1.0)), 1.0)
        x = np.maximum(y * scale, np.finfo(alpha.dtype.np).tiny)
        ctx.save_for_backward(alpha)
        ctx.state = (a, ab, y, u, scale, boost, x)
        return _like(x, alpha)

    @staticmethod
    def backward(ctx, g):
        alpha, = ctx.saved_tensors
        a, ab, y, u, scale, boost, x = ctx.state
        dt = alpha.dtype.np
        # from the sample as returned (in alpha's dtype), as torch computes it from its output
        dx = standard_gamma_grad(a.astype(dt).astype(np.float64), x.astype(dt).astype(np.float64))
        return g * _like(dx.astype(dt), alpha), None


_F32_08, _F32_09, _F32_11 = float(np.float32(0.8)), float(np.float32(0.9)), float(np.float32(1.1))
# the rational fit's coefficients in log(x / alpha) (rows: u^0, u^1, u^2) for p (first 4, in
# powers of log(alpha)) and q (last 4): torch's table
_GAMMA_GRAD_UV = np.array([
    [0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084],
    [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
    [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367,
     -1.5247877e-07]])


def standard_gamma_grad(a, x):
    """dx/dalpha for samples x ~ Gamma(alpha, 1), float64 arrays of one shape: torch's
    ``_standard_gamma_grad``, -(dF/dalpha) / pdf by three approximations - a Taylor series of
    the incomplete gamma for x < 0.8, Rice's saddle-point expansion for alpha > 8, and a
    bivariate rational fit in (log(x/alpha), log(alpha)) otherwise.

    Example:
        >>> standard_gamma_grad(np.array([2.0]), np.array([1.7]))      # ~ 0.91
    """
    from .._ops.special import _digamma_np
    out = np.empty(np.broadcast(a, x).shape)
    a, x = np.broadcast_to(a, out.shape), np.broadcast_to(x, out.shape)
    small = x < _F32_08
    big = ~small & (a > 8.0)
    mid = ~small & ~big
    with np.errstate(all='ignore'):
        if small.any():
            aa, xx = a[small], x[small]
            numer, denom = np.ones_like(aa), aa.copy()
            s1, s2 = numer / denom, numer / (denom * denom)
            for i in range(1, 6):
                numer = numer * (-xx / i)
                denom = denom + 1
                s1 = s1 + numer / denom
                s2 = s2 + numer / (denom * denom)
            pow_xa = xx ** aa
            pdf = xx ** (aa - 1) * np.exp(-xx)
            cdf = pow_xa * s1
            cdf_a = (np.log(xx) - _digamma_np(aa)) * cdf - pow_xa * s2
            r = -cdf_a / pdf
            out[small] = np.where(np.isnan(r), 0.0, r)
        if big.any():
            aa, xx = a[big], x[big]
            near = (_F32_09 * aa <= xx) & (xx <= _F32_11 * aa)
            n1 = 1 + 24 * aa * (1 + 12 * aa)
            n2 = 1440 * (aa * aa) + 6 * xx * (53 - 120 * xx) - 65 * xx * xx / aa + aa * (107 + 3600 * xx)
            r_near = n1 * n2 / (1244160 * (aa * aa) * (aa * aa))
            den = np.sqrt(8 * aa)
            t2 = den / (aa - xx)
            t3 = (xx - aa - aa * np.log(xx / aa)) ** -1.5
            t23 = np.where(xx < aa, t2 - t3, t2 + t3)
            t1 = np.log(xx / aa) * t23 - np.sqrt(2 / aa) * (aa + xx) / ((aa - xx) * (aa - xx))
            stirling = 1 + 1 / (12 * aa) * (1 + 1 / (24 * aa))
            out[big] = np.where(near, r_near, -stirling * (xx * t1) / den)
        if mid.any():
            aa, xx = a[mid], x[mid]
            u, v = np.log(xx / aa), np.log(aa)
            c = [_GAMMA_GRAD_UV[0, i] + u * (_GAMMA_GRAD_UV[1, i] + u * _GAMMA_GRAD_UV[2, i]) for i in range(8)]
            p = c[0] + v * (c[1] + v * (c[2] + v * c[3]))
            q = c[4] + v * (c[5] + v * (c[6] + v * c[7]))
            out[mid] = np.exp(p / q)
    return out


_F32 = np.float32
_THIRD = float(_F32(1.0) / _F32(3.0))      # ATen's 1.0f / 3.0f
_C0331 = float(_F32(0.0331))


def _torch_cpu_gamma(a, rng, in_double):
    """ATen's CPU ``sample_gamma`` (Marsaglia-Tsang, alpha < 1 boosted) element by element in
    memory order, drawing torch's uniforms and its cached Box-Muller normals (both float64) from
    torch's stream, so the draws are torch's. ``in_double``: alpha is a double (float64 tensors,
    and ``_sample_dirichlet``, which draws its gammas in double); else a float, as ATen's float
    arithmetic on alpha (the boost, d) does. Returns the unboosted draw y, u (scale = u^(1/alpha))
    and scale, each of a's shape (float64)."""
    flat = a.ravel()
    n = flat.size
    ys, us, scales = np.empty(n), np.ones(n), np.ones(n)
    for i in range(n):
        scale = 1.0
        if in_double:
            al = float(flat[i])
            if al < 1.0:
                if al == 0.0:
                    ys[i] = 0.0
                    continue
                us[i] = 1.0 - float(rng._uniform01(1, np.dtype(np.float64))[0])
                scale = us[i] ** (1.0 / al)
                al += 1.0
            d = al - _THIRD
        else:
            al = _F32(flat[i])
            if al < 1:
                if al == 0:
                    ys[i] = 0.0
                    continue
                us[i] = 1.0 - float(rng._uniform01(1, np.dtype(np.float64))[0])
                scale = us[i] ** float(_F32(1.0) / al)
                al = al + _F32(1.0)
            d = float(al - _F32(_THIRD))
        c = 1.0 / math.sqrt(9.0 * d)
        while True:
            while True:
                x = rng._normal_double()
                y = 1.0 + c * x
                if y > 0:
                    break
            v = y * y * y
            u = 1.0 - float(rng._uniform01(1, np.dtype(np.float64))[0])
            xx = x * x
            if u < 1.0 - _C0331 * xx * xx or math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
                break
        ys[i] = d * v
        scales[i] = scale
    # (scale * d * v, as ATen multiplies: the caller's y * scale)
    return ys.reshape(a.shape), us.reshape(a.shape), scales.reshape(a.shape)


def _standard_gamma(alpha, in_double=False):
    if alpha.dtype is ember.float16 or alpha.dtype is ember.bfloat16:
        # (torch's CPU sampler has no reduced-precision kernel: Gamma(half params).sample() fails)
        raise NotImplementedError(f'"gamma_cpu" not implemented for \'{"Half" if alpha.dtype is ember.float16 else "BFloat16"}\'')
    return _StandardGamma.apply(alpha, in_double)


def _from_host(arr, like):
    """A tensor of ``like``'s dtype and device from a NumPy array drawn on the host."""
    return ember.tensor(np.asarray(arr).astype(like.dtype.np), dtype=like.dtype, device=like.device)


def _uniform(shape, like, low=0.0, high=1.0):
    """Uniform(low, high) draws of ``shape`` with ``like``'s dtype/device, from ember's generator:
    ``like.new(shape).uniform_(low, high)`` as torch writes it (for bfloat16/float16 the kernel
    scales in float32 and rounds once, unlike rand() * (high - low) + low)."""
    return ember.empty(shape, dtype=like.dtype, device=like.device).uniform_(low, high)


def _xlogy(x, y):
    """``ember.xlogy`` (its gradient in x is log(y) also where x == 0, as torch's)."""
    return ember.xlogy(x, y)
