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
# ember.lgamma / ember.digamma are being added in ember/_ops/special.py; until they exist these
# host implementations (float64 inside, then the input's dtype) stand in, with their gradients.
def _np(x):
    return np.asarray(x._host() if hasattr(x, '_host') else x._data, dtype=np.float64)


def _digamma_np(x):
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    neg = x < 0.5               # reflection: psi(1-x) - psi(x) = pi cot(pi x)
    xr = np.where(neg, 1.0 - x, x)
    acc = np.zeros_like(xr)
    while True:                 # recurrence up to x >= 6, where the asymptotic series is accurate
        small = xr < 6
        if not small.any():
            break
        acc = acc - np.where(small, 1.0 / np.where(small, xr, 1.0), 0.0)
        xr = np.where(small, xr + 1, xr)
    inv2 = 1.0 / (xr * xr)
    series = np.log(xr) - 0.5 / xr - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (
        1 / 240 - inv2 * (1 / 132)))))
    out = acc + series
    with np.errstate(divide='ignore', invalid='ignore'):
        out = np.where(neg, out - np.pi / np.tan(np.pi * x), out)
        out = np.where((x <= 0) & (x == np.floor(x)), np.nan, out)
    return out


def _trigamma_np(x):
    x = np.array(x, dtype=np.float64)
    neg = x < 0.5               # reflection: psi1(1-x) + psi1(x) = pi^2 / sin^2(pi x)
    xr = np.where(neg, 1.0 - x, x)
    acc = np.zeros_like(xr)
    while True:
        small = xr < 6
        if not small.any():
            break
        acc = acc + np.where(small, 1.0 / np.where(small, xr, 1.0) ** 2, 0.0)
        xr = np.where(small, xr + 1, xr)
    inv = 1.0 / xr
    inv2 = inv * inv
    series = inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 * (1 / 30))))
    out = acc + series
    with np.errstate(divide='ignore', invalid='ignore'):
        out = np.where(neg, np.pi ** 2 / np.sin(np.pi * x) ** 2 - out, out)
    return out


_lgamma_np = np.vectorize(math.lgamma, otypes=[np.float64])


def _like(arr, x):
    return ember.tensor(arr.astype(x.dtype.np), dtype=x.dtype, device=x.device)


class _Trigamma(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return _like(_trigamma_np(_np(x)), x)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError('the second derivative of digamma is not implemented in ember')


class _Digamma(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _like(_digamma_np(_np(x)), x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * _Trigamma.apply(x)


class _Lgamma(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = _np(x)
        with np.errstate(all='ignore'):
            out = np.where(np.isfinite(a), _lgamma_np(np.where(np.isfinite(a), a, 1.0)), np.inf)
        return _like(out, x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * digamma(x)


def lgamma(x):
    """log|Gamma(x)|, elementwise, differentiable (``torch.lgamma``)."""
    return ember.lgamma(x) if hasattr(ember, 'lgamma') else _Lgamma.apply(x)


def digamma(x):
    """d/dx lgamma(x), elementwise, differentiable (``torch.digamma``)."""
    return ember.digamma(x) if hasattr(ember, 'digamma') else _Digamma.apply(x)


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
    def forward(ctx, alpha):
        a = _np(alpha)
        rng = _host_rng(alpha.device)
        boost = a < 1
        ab = np.where(boost, a + 1, a)
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
        return g * _like(dx, alpha)


def _standard_gamma(alpha):
    return _StandardGamma.apply(alpha)


def _from_host(arr, like):
    """A tensor of ``like``'s dtype and device from a NumPy array drawn on the host."""
    return ember.tensor(np.asarray(arr).astype(like.dtype.np), dtype=like.dtype, device=like.device)


def _uniform(shape, like, low=0.0, high=1.0):
    """Uniform(low, high) draws of ``shape`` with ``like``'s dtype/device, from ember's generator."""
    u = ember.rand(shape, dtype=like.dtype, device=like.device)
    return u * (high - low) + low


def _xlogy(x, y):
    """``ember.xlogy`` whose gradient in x is log(y) also where x == 0, as torch's is (ember's core
    xlogy answers 0 there, which would drop d log_prob / d concentration at concentration 1)."""
    xd = x.detach() if isinstance(x, ember.Tensor) else x
    out = ember.xlogy(xd, y)
    if isinstance(x, ember.Tensor) and x.requires_grad:
        ly = ember.where(y > 0, y, ember.ones_like(y)).log().detach()
        out = out + (x - xd) * ly
    return out
