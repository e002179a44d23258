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
    """``torch.finfo`` for a floating dtype: eps and tiny are all the distributions use."""

    def __init__(self, dtype):
        f = np.finfo(np.dtype(dtype.np) if dtype.np is not None else np.float32)
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
    """Gamma(alpha, 1) samples with a reparameterized gradient in alpha: the draw y ~ Gamma(a)
    (a = alpha, or alpha + 1 with x = y u^(1/alpha) for alpha < 1) is seen as Marsaglia-Tsang's
    d (1 + c z)^3 with its accepted normal z held fixed, so dx/dalpha follows from that formula
    (torch differentiates the CDF implicitly instead; both are unbiased in practice)."""

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
        d = ab - 1.0 / 3
        c = 1.0 / np.sqrt(9 * d)
        w = np.cbrt(y / d)                  # 1 + c z
        z = (w - 1) / c
        dy = w ** 3 + d * 3 * w ** 2 * z * (-0.5 * c / d)
        with np.errstate(all='ignore'):
            dx = np.where(boost, scale * dy - x * np.log(u) / np.where(boost, a, 1.0) ** 2, dy)
        return g * _like(dx, alpha), None


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
    return _StandardGamma.apply(alpha, in_double)


def _from_host(arr, like):
    """A tensor of ``like``'s dtype and device from a NumPy array drawn on the host."""
    return ember.tensor(np.asarray(arr).astype(like.dtype.np), dtype=like.dtype, device=like.device)


def _uniform(shape, like, low=0.0, high=1.0):
    """Uniform(low, high) draws of ``shape`` with ``like``'s dtype/device, from ember's generator."""
    u = ember.rand(shape, dtype=like.dtype, device=like.device)
    return u * (high - low) + low


def _xlogy(x, y):
    """``ember.xlogy`` (its gradient in x is log(y) also where x == 0, as torch's)."""
    return ember.xlogy(x, y)
