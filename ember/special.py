"""``ember.special``: torch.special's functions. The special functions themselves (gamma family,
modified Bessel i0/i1, normal distribution, zeta, incomplete gamma) are in ember/_ops/special.py,
the Bessel functions J, Y, K and the Airy function in ember/_ops/bessel.py, the orthogonal
polynomials (Chebyshev, Hermite, Laguerre, Legendre) in ember/_ops/orthogonal_polynomials.py; the
rest are ember's own ops under torch.special's names (expit = sigmoid, psi = digamma, ...).

Example:
    >>> import ember.special
    >>> ember.special.gammaln(ember.tensor([4.]))          # tensor([1.7918])  (log 3!)
"""
import numpy as np
from ._ops.pointwise import (erf, erfc, erfinv, exp2, expm1, log1p, xlogy, logit, round,  # noqa: F401,A004
                             sigmoid as expit)
from ._ops.special import (lgamma as gammaln, digamma, polygamma, mvlgamma as _mvlgamma, i0, i0e, i1, i1e,  # noqa: F401
                           sinc, erfcx, ndtr, ndtri, log_ndtr, entr, xlog1py, zeta, gammainc, gammaincc,
                           _host, _unary, _no_half, _number_first)
from ._ops import reduction as _R, softmax as _SM, pointwise as _P, bessel as _B, orthogonal_polynomials as _OP
from ._ops._core import type_name as _type_name
from ._tensor import Tensor
from . import _dtype as _D

psi = digamma

__all__ = ['expit', 'logit', 'erf', 'erfc', 'erfinv', 'erfcx', 'exp2', 'expm1', 'log1p', 'gammaln', 'digamma', 'psi',
           'polygamma', 'multigammaln', 'i0', 'i0e', 'i1', 'i1e', 'ndtr', 'ndtri', 'log_ndtr', 'sinc', 'round', 'entr',
           'xlogy', 'xlog1py', 'zeta', 'logsumexp', 'softmax', 'log_softmax', 'gammainc', 'gammaincc',
           'modified_bessel_i0', 'modified_bessel_i1', 'spherical_bessel_j0', 'bessel_j0', 'bessel_j1',
           'bessel_y0', 'bessel_y1', 'modified_bessel_k0', 'modified_bessel_k1', 'scaled_modified_bessel_k0',
           'scaled_modified_bessel_k1', 'airy_ai', 'chebyshev_polynomial_t', 'chebyshev_polynomial_u',
           'chebyshev_polynomial_v', 'chebyshev_polynomial_w', 'shifted_chebyshev_polynomial_t',
           'shifted_chebyshev_polynomial_u', 'shifted_chebyshev_polynomial_v', 'shifted_chebyshev_polynomial_w',
           'hermite_polynomial_h', 'hermite_polynomial_he', 'laguerre_polynomial_l', 'legendre_polynomial_p']


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


def _real_float_only(name, dt):
    # torch has Float and Double kernels only for these: Half (and complex) inputs are refused
    _no_half(name + '_cpu', dt)
    if dt._cat == 3:
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_type_name(dt)}\'')


def _detached(fn, name, arg='input'):
    # torch's modified_bessel_*, bessel_*, airy_ai and spherical_bessel_j0 have no autograd
    # formula: their results never require grad
    def op(input, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"special_{name}(): argument '{arg}' (position 1) must be Tensor, "
                            f"not {type(input).__name__}")
        _real_float_only(name, input.dtype)
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


spherical_bessel_j0 = _detached(_unary('spherical_bessel_j0', _sph_j0), 'spherical_bessel_j0', 'x')
spherical_bessel_j0.__doc__ = 'Spherical Bessel function of the first kind, order 0: sin(x) / x (no gradient).'


def _in_float(kernel):
    """``kernel`` on an array in its float dtype: integer and bool inputs compute in the default
    float dtype (as torch's), since these kernels compute in the array's own dtype."""
    def k(a):
        return kernel(a if a.dtype.kind == 'f' else a.astype(_D._default[0].np))
    k.__name__ = kernel.__name__
    return k


def _bessel(name, doc, arg='input'):
    op = _detached(_unary('special_' + name, _in_float(getattr(_B, name))), name, arg)
    op.__doc__ = doc
    return op


bessel_j0 = _bessel('bessel_j0', """Bessel function of the first kind of order 0, J0(x) (no gradient, as in torch).
    Shapes: input (*) -> (*).
    >>> ember.special.bessel_j0(ember.tensor([0., 1.]))      # tensor([1.0000, 0.7652])""")
bessel_j1 = _bessel('bessel_j1', """Bessel function of the first kind of order 1, J1(x) (odd; no gradient).
    Shapes: input (*) -> (*).
    >>> ember.special.bessel_j1(ember.tensor([0., 1.]))      # tensor([0.0000, 0.4401])""")
bessel_y0 = _bessel('bessel_y0', """Bessel function of the second kind of order 0, Y0(x): -inf at 0, nan for x < 0
    (no gradient). Shapes: input (*) -> (*).
    >>> ember.special.bessel_y0(ember.tensor([1., 2.]))      # tensor([0.0883, 0.5104])""")
bessel_y1 = _bessel('bessel_y1', """Bessel function of the second kind of order 1, Y1(x): -inf at 0, nan for x < 0
    (no gradient). Shapes: input (*) -> (*).
    >>> ember.special.bessel_y1(ember.tensor([1., 2.]))      # tensor([-0.7812, -0.1070])""")
modified_bessel_k0 = _bessel('modified_bessel_k0', """Modified Bessel function of the second kind of order 0, K0(x):
    inf at 0, nan for x < 0 (no gradient). Shapes: input (*) -> (*).
    >>> ember.special.modified_bessel_k0(ember.tensor([1., 2.]))   # tensor([0.4210, 0.1139])""")
modified_bessel_k1 = _bessel('modified_bessel_k1', """Modified Bessel function of the second kind of order 1, K1(x):
    inf at 0, nan for x < 0 (no gradient). Shapes: input (*) -> (*).
    >>> ember.special.modified_bessel_k1(ember.tensor([1., 2.]))   # tensor([0.6019, 0.1399])""")
scaled_modified_bessel_k0 = _bessel('scaled_modified_bessel_k0', """exp(x) K0(x), which does not underflow for
    large x (no gradient). Shapes: input (*) -> (*).
    >>> ember.special.scaled_modified_bessel_k0(ember.tensor([1., 2.]))   # tensor([1.1445, 0.8416])""", 'x')
scaled_modified_bessel_k1 = _bessel('scaled_modified_bessel_k1', """exp(x) K1(x) (no gradient).
    Shapes: input (*) -> (*).
    >>> ember.special.scaled_modified_bessel_k1(ember.tensor([1., 2.]))   # tensor([1.6362, 1.0335])""", 'x')
airy_ai = _bessel('airy_ai', """The Airy function Ai(x): nan at +-inf, 0 beyond x = 103.892 (no gradient).
    Shapes: input (*) -> (*).
    >>> ember.special.airy_ai(ember.tensor([0., 1.]))        # tensor([0.3550, 0.1353])""", 'x')

_NP_TYPE_NAMES = {'float16': 'Half', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}


def _polynomial(name, doc):
    kernel = getattr(_OP, name)

    def checked(a, b):
        # (a: the promoted input array; torch has Float and Double kernels only)
        if a.dtype.name in _NP_TYPE_NAMES:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_NP_TYPE_NAMES[a.dtype.name]}\'')
        return kernel(a, b)
    op = _number_first(name, _P._binary('special_' + name, checked))

    def f(input, n, *, out=None):
        # no derivative in torch (for input or n): the result never requires grad
        return op(input.detach() if isinstance(input, Tensor) else input,
                  n.detach() if isinstance(n, Tensor) else n, out=out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


_POLY_DOC = """{what}. ``input`` and ``n`` are Tensors or numbers (not both numbers) and broadcast; ``n`` is
    truncated to an integer, and n < 0 (or nan, inf) gives 0. Integer inputs compute in the default
    float dtype; no gradient, as in torch. Shapes: input (*a), n (*b) -> broadcast(*a, *b).
    >>> ember.special.{name}(ember.tensor([0.5, 2.]), 3)   # {ex}"""


def _poly(name, what, ex):
    return _polynomial(name, _POLY_DOC.format(what=what, name=name, ex=ex))


chebyshev_polynomial_t = _poly('chebyshev_polynomial_t', 'Chebyshev polynomial of the first kind T_n(input)',
                               'tensor([-1., 26.])')
chebyshev_polynomial_u = _poly('chebyshev_polynomial_u', 'Chebyshev polynomial of the second kind U_n(input)',
                               'tensor([-1., 56.])')
chebyshev_polynomial_v = _poly('chebyshev_polynomial_v', 'Chebyshev polynomial of the third kind V_n(input)',
                               'tensor([-1., 41.])')
chebyshev_polynomial_w = _poly('chebyshev_polynomial_w', 'Chebyshev polynomial of the fourth kind W_n(input)',
                               'tensor([-1., 71.])')
shifted_chebyshev_polynomial_t = _poly('shifted_chebyshev_polynomial_t',
                                       'Shifted Chebyshev polynomial of the first kind T*_n(input) = T_n(2 input - 1)',
                                       'tensor([-0., 99.])')
shifted_chebyshev_polynomial_u = _poly('shifted_chebyshev_polynomial_u',
                                       'Shifted Chebyshev polynomial of the second kind U*_n(input) = U_n(2 input - 1)',
                                       'tensor([ -0., 204.])')
shifted_chebyshev_polynomial_v = _poly('shifted_chebyshev_polynomial_v',
                                       'Shifted Chebyshev polynomial of the third kind V*_n(input) = V_n(2 input - 1)',
                                       'tensor([  1., 169.])')
shifted_chebyshev_polynomial_w = _poly('shifted_chebyshev_polynomial_w',
                                       'Shifted Chebyshev polynomial of the fourth kind W*_n(input) = W_n(2 input - 1)',
                                       'tensor([ -1., 239.])')
hermite_polynomial_h = _poly('hermite_polynomial_h', "Physicists' Hermite polynomial H_n(input) (nan past n = 128 "
                             "in float32, 512 in float64, as torch)", 'tensor([-5., 40.])')
hermite_polynomial_he = _poly('hermite_polynomial_he', "Probabilists' Hermite polynomial He_n(input) (nan past "
                              "n = 128 in float32, 512 in float64, as torch)", 'tensor([-1.3750,  2.0000])')
laguerre_polynomial_l = _poly('laguerre_polynomial_l', 'Laguerre polynomial L_n(input)',
                              'tensor([-0.1458, -0.3333])')
legendre_polynomial_p = _poly('legendre_polynomial_p', 'Legendre polynomial P_n(input)',
                              'tensor([-0.4375, 17.0000])')
