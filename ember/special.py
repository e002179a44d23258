"""``ember.special``: torch.special's functions. The special functions themselves (gamma family,
Bessel, normal distribution, zeta, incomplete gamma) are in ember/_ops/special.py; the rest are
ember's own ops under torch.special's names (expit = sigmoid, psi = digamma, ...).

Example:
    >>> import ember.special
    >>> ember.special.gammaln(ember.tensor([4.]))          # tensor([1.7918])  (log 3!)
"""
import numpy as np
from ._ops.pointwise import (erf, erfc, erfinv, exp2, expm1, log1p, xlogy, logit, round,  # noqa: F401,A004
                             sigmoid as expit)
from ._ops.special import (lgamma as gammaln, digamma, polygamma, mvlgamma as _mvlgamma, i0, i0e, i1, i1e,  # noqa: F401
                           sinc, erfcx, ndtr, ndtri, log_ndtr, entr, xlog1py, zeta, gammainc, gammaincc,
                           _host, _unary, _no_half)
from ._ops import reduction as _R, softmax as _SM
from ._tensor import Tensor

psi = digamma

__all__ = ['expit', 'logit', 'erf', 'erfc', 'erfinv', 'erfcx', 'exp2', 'expm1', 'log1p', 'gammaln', 'digamma', 'psi',
           'polygamma', 'multigammaln', 'i0', 'i0e', 'i1', 'i1e', 'ndtr', 'ndtri', 'log_ndtr', 'sinc', 'round', 'entr',
           'xlogy', 'xlog1py', 'zeta', 'logsumexp', 'softmax', 'log_softmax', 'gammainc', 'gammaincc',
           'modified_bessel_i0', 'modified_bessel_i1', 'spherical_bessel_j0']


def multigammaln(input, p, *, out=None):
    """The multivariate log-gamma function of dimension ``p`` (torch.mvlgamma)."""
    return _mvlgamma(input, p, out=out)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input), dim)), computed stably. ``dim`` is required here, as in torch.special."""
    return _R.logsumexp(input, dim, keepdim, out=out)


def softmax(input, dim, *, dtype=None):
    """exp(x) / sum(exp(x), dim), with ``input`` first cast to ``dtype`` if given."""
    return _SM.softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    """log(softmax(x, dim)), computed stably."""
    return _SM.log_softmax(input, dim, dtype)


def _detached(fn, name):
    # torch's modified_bessel_* and spherical_bessel_j0 have no autograd formula: their results
    # never require grad
    def op(input, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        _no_half(name + '_cpu', input.dtype)
        return fn(input.detach(), out=out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f'``torch.special.{name}``: the values of ``{fn.__name__}``, with no gradient (as in torch).'
    return op


modified_bessel_i0 = _detached(i0, 'modified_bessel_i0')
modified_bessel_i1 = _detached(i1, 'modified_bessel_i1')


@_host
def _sph_j0(x):
    # sin(x) / x; its Taylor series near 0 (where the quotient loses nothing, but 0/0 at 0)
    x2 = x * x
    small = np.abs(x) < 0.5
    series = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110 * (1 - x2 / 156)))))
    r = np.where(small, series, np.sin(x) / np.where(small, 1., x))
    return np.where(np.isinf(x), 0., r)


spherical_bessel_j0 = _detached(_unary('spherical_bessel_j0', _sph_j0), 'spherical_bessel_j0')
spherical_bessel_j0.__doc__ = 'Spherical Bessel function of the first kind, order 0: sin(x) / x (no gradient).'
