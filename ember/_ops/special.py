"""Special functions NumPy lacks: the gamma family (lgamma, digamma, polygamma, mvlgamma, Hurwitz
zeta), modified Bessel functions (i0, i0e, i1, i1e), the normal distribution (ndtr, ndtri,
log_ndtr), erfcx, sinc, entr, xlog1py and the regularized incomplete gamma functions.

Each kernel works on float64 host arrays (NumPy only, no SciPy) and the result is rounded to the
input's float dtype, so float32 results are correctly rounded where torch's are within an ulp or
two; where torch's algorithm decides a value at an edge (poles, infinities, the exact branches of
its digamma, trigamma and zeta) the same algorithm is followed, so those agree bit for bit.
Integer and bool inputs compute in the default float dtype, as in torch. Shapes are the input's
(binary ops broadcast).

Example:
    >>> ember.lgamma(ember.tensor([0.5, 3.]))                 # tensor([0.5724, 0.6931])
    >>> ember.special.zeta(ember.tensor([2.]), 1.)            # tensor([1.6449])
"""
import math
import numpy as np
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm
from .._backend import is_device_array, to_host
from ._core import record, backward_op, grad_for, type_name, finish as _finish
from . import pointwise as P

__all__ = ['lgamma', 'digamma', 'polygamma', 'mvlgamma', 'i0', 'sinc']

_default = D._default
_PI = math.pi
_MACHEP = 1.11022302462515654042e-16


# ---------------------------------------------------------------- host kernels (float64 arrays)
def _host(f):
    """``f`` on host arrays: a CUDA array goes to the host and its result comes back (these
    kernels are short loops of NumPy calls; CuPy would run the same formulas)."""
    kw = getattr(f, 'f32', False)     # f(..., f32=...): torch computes float32 input in float32

    def g(*xs):
        dev = any(is_device_array(x) for x in xs)
        hs = [to_host(x) if is_device_array(x) else x for x in xs]
        extra = {'f32': getattr(hs[0], 'dtype', None) == np.float32} if kw else {}
        with np.errstate(all='ignore'):
            r = f(*[np.asarray(x, dtype=np.float64) for x in hs], **extra)
        if dev:
            import cupy
            r = cupy.asarray(r)
        return r
    g.__name__ = f.__name__
    return g


def _sinpi(x):
    """sin(pi x), exact at integers and accurate for large |x| (the argument is reduced first)."""
    r = x - 2 * np.round(x / 2)                  # [-1, 1], exact
    r = np.where(r > 0.5, 1 - r, np.where(r < -0.5, -1 - r, r))
    return np.sin(_PI * r)


# Stirling's series for lgamma: B_2k / (2k (2k-1)), k = 1..7
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)


def _lgamma_pos(z):
    """lgamma for z >= 0.5: shift z up to >= 15 (lgamma(z) = lgamma(z + n) - log(z (z+1) ... )),
    then Stirling's series, whose first omitted term there is below 1e-19."""
    z = z.copy()
    prod = np.ones_like(z)
    for _ in range(15):
        low = z < 15
        if not low.any():
            break
        prod = np.where(low, prod * z, prod)
        z = np.where(low, z + 1, z)
    iz = 1 / z
    iz2 = iz * iz
    s = np.full_like(z, _STIRLING[-1])
    for c in _STIRLING[-2::-1]:
        s = s * iz2 + c
    return (z - 0.5) * np.log(z) - z + 0.9189385332046728 + s * iz - np.log(prod)


@_host
def _lgamma(x):
    neg = x < 0.5
    out = _lgamma_pos(np.where(neg, 1 - x, x))
    # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x); poles (sin = 0) give inf
    refl = np.log(_PI / np.abs(_sinpi(x))) - out
    out = np.where(neg, refl, out)
    out = np.where(np.isinf(x), np.inf, out)
    # near its roots 1 and 2 the shifted Stirling form cancels: there the Taylor series of
    # lgamma(1 + z) = -gamma z + sum_k zeta(k) (-z)^k / k keeps the relative precision
    z1, z2 = x - 1, x - 2
    near1, near2 = np.abs(z1) <= 0.5, np.abs(z2) < 0.5
    if near1.any() or near2.any():
        z = np.where(near1, z1, np.where(near2, z2, 0.))
        ser = _lgamma1p_series(z) + 0.      # (+0., not -0., at the roots 1 and 2)
        out = np.where(near1, ser, np.where(near2, ser + np.log1p(z), out))
    return np.where(neg & (x == np.floor(x)), np.inf, out)


def _lgamma1p_series(z):
    acc = np.zeros_like(z)
    zk = _zeta_k()
    for k in range(len(zk) + 1, 1, -1):     # Horner, from the smallest terms
        acc = (acc + zk[k - 2] / k) * -z
    return -(acc + 0.5772156649015329) * z          # (acc = sum_k zeta(k) / k (-z)^(k-1))


_PSI_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
          -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
          8.33333333333333333333E-2)


def _digamma_pos(x):
    # torch's calc_digamma for x > 0, in x's dtype: recurrence up to x >= 10, then the asymptotic series
    ft = x.dtype.type
    x = x.copy()
    res = np.zeros_like(x)
    for _ in range(11):
        low = x < 10
        if not low.any():
            break
        res = np.where(low, res - 1 / x, res)
        x = np.where(low, x + 1, x)
    z = 1 / (x * x)
    p = np.full_like(x, _PSI_A[0])
    for c in _PSI_A[1:]:
        p = p * z + ft(c)
    y = np.where(x < ft(1e17), z * p, ft(0))
    out = res + np.log(x) - ft(0.5) / x - y
    return np.where(x == 10, res + ft(2.25175258906672110764), out)


def _digamma_np(x):
    """digamma of a float32 or float64 host array, in that dtype (as torch)."""
    neg = x < 0
    r = np.asarray(x - np.trunc(x), dtype=np.float64)
    pos = _digamma_pos(np.where(neg, 1 - x, x))
    refl = (_PI / np.tan(_PI * r)).astype(x.dtype)
    out = np.where(neg, pos - refl, pos)
    out = np.where(neg & (x == np.trunc(x)), np.nan, out)          # negative integers, -inf
    return np.where(x == 0, np.copysign(np.inf, -x), out)           # digamma(+-0) = -+inf


def _digamma(x):
    dev = is_device_array(x)
    h = to_host(x) if dev else x
    with np.errstate(all='ignore'):
        r = _digamma_np(h if h.dtype in (np.float32, np.float64) else h.astype(np.float64))
    if dev:
        import cupy
        r = cupy.asarray(r)
    return r


def _trigamma(x):
    """torch's calc_trigamma, in the array's own dtype (float32 computes in float32 there)."""
    ft = x.dtype.type
    sign = np.where(x < 0.5, ft(-1), ft(1))
    s = np.sin(ft(_PI) * x)
    res = np.where(x < 0.5, -(ft(_PI) * ft(_PI)) / (s * s), ft(0))
    x = np.where(x < 0.5, 1 - x, x)
    for _ in range(6):
        res = res + 1 / (x * x)
        x = x + 1
    ixx = 1 / (x * x)
    res = res + (1 + 1 / (2 * x) + ixx * (ft(1 / 6) - ixx * (ft(1 / 30) - ixx * ft(1 / 42)))) / x
    return sign * res


_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)


@_host
def _zeta(x, q):
    """Hurwitz zeta(x, q) = sum_k (k + q)^-x, by torch's (Cephes') method: direct sum until
    q + k > 9 (at least 9 terms), then Euler-Maclaurin with 12 Bernoulli terms."""
    x, q = (np.array(v) for v in np.broadcast_arrays(x, q))
    out = np.full(x.shape, np.nan)
    special = (x == 1) | (x < 1) | ((q <= 0) & ((q == np.floor(q)) | (x != np.floor(x))))
    out = np.where(x == 1, np.inf, np.where((q <= 0) & (q == np.floor(q)) & ~(x < 1), np.inf, out))
    live = ~special
    s = np.power(q, -x)
    a = q.copy()
    b = np.zeros_like(s)
    # the direct sum, on the still-summing elements only (q far below 0 takes ~|q| steps, as in torch)
    idx = np.flatnonzero(live)
    xf, sf, af, bf, of, lf = x.ravel(), s.ravel().copy(), a.ravel().copy(), b.ravel().copy(), out.ravel(), live.ravel()
    xi, si, ai, bi = xf[idx], sf[idx], af[idx], bf[idx]
    i = 0
    while idx.size:
        cond = (i < 9) | (ai <= 9)
        if not cond.all():                       # these go on to Euler-Maclaurin
            done = idx[~cond]
            sf[done], af[done], bf[done] = si[~cond], ai[~cond], bi[~cond]
            idx, xi, si, ai, bi = idx[cond], xi[cond], si[cond], ai[cond], bi[cond]
            if not idx.size:
                break
        i += 1
        ai = ai + 1
        bi = np.power(ai, -xi)
        si = si + bi
        early = (-_MACHEP * si < bi) & (bi < _MACHEP * si)
        if early.any():
            of[idx[early]] = si[early]
            lf[idx[early]] = False
            keep = ~early
            idx, xi, si, ai, bi = idx[keep], xi[keep], si[keep], ai[keep], bi[keep]
    s, a, b = sf.reshape(x.shape), af.reshape(x.shape), bf.reshape(x.shape)
    out, live = of.reshape(x.shape), lf.reshape(x.shape)
    w = a
    s = s + b * w / (x - 1) - 0.5 * b
    aa = np.ones_like(s)
    k = 0.
    for c in _ZETA_A:                            # Euler-Maclaurin tail
        aa = aa * (x + k)
        b = b / w
        t = aa * b / c
        s = np.where(live, s + t, s)
        conv = live & (np.abs(t / s) < _MACHEP)
        out = np.where(conv, s, out)
        live = live & ~conv
        k += 1
        aa = aa * (x + k)
        b = b / w
        k += 1
    return np.where(live, s, out)


_ZETA_K = []         # zeta(2), ..., zeta(61): made on first use (60 zeta sums: ~8 ms at import)


def _zeta_k():
    if not _ZETA_K:
        _ZETA_K.extend(float(_zeta(float(k), 1.)) for k in range(2, 62))
    return _ZETA_K


def _polygamma_np(n, x):
    if n == 0:
        return _digamma(x)
    # (-1)^(n+1) n! zeta(n + 1, x), n! as exp(lgamma(n + 1)) as torch (inf past n = 170)
    # (the zeta value is rounded to x's dtype first, as there)
    fact = math.exp(math.lgamma(n + 1)) if n < 171 else math.inf
    ft = x.dtype.type if x.dtype in (np.float32, np.float64) else np.float64
    return ft(1. if n % 2 else -1.) * ft(fact) * _zeta(float(n + 1), x).astype(ft)


# modified Bessel functions: power series for |x| <= 25, the asymptotic expansion beyond
def _bessel_i_scaled(x, nu):
    """exp(-|x|) I_nu(|x|) for nu in (0, 1), float64."""
    a = np.abs(x)
    small = a <= 25
    xs = np.where(small, a, 0.)
    q = xs * xs / 4
    term = np.ones_like(xs) if nu == 0 else xs / 2
    s = term.copy()
    for k in range(1, 80):
        term = term * q / (k * (k + nu))
        s = s + term
    ser = s * np.exp(-xs)
    xl = np.where(small, 30., a)
    c = np.ones_like(xl)
    s = c.copy()
    for k in range(1, 40):
        c = c * -(4 * nu * nu - (2 * k - 1) ** 2) / (8 * k * xl)
        s = s + c
    asym = s / np.sqrt(2 * _PI * xl)
    out = np.where(small, ser, asym)
    return np.where(np.isnan(x), np.nan, np.where(np.isinf(a), 0., out))


@_host
def _i0e(x):
    return _bessel_i_scaled(x, 0)


def _i0(x, f32=False):
    # torch: exp(|x|) * series: nan at +-inf, and inf once exp overflows (float32: |x| > 88.72)
    a = np.abs(x)
    r = _bessel_i_scaled(x, 0) * np.exp(a)
    r = np.where(a > 88.72283935546875, np.inf, r) if f32 else r
    return np.where(np.isinf(a), np.nan, r)


@_host
def _i1e(x):
    return np.copysign(_bessel_i_scaled(x, 1), x)


def _i1(x, f32=False):
    a = np.abs(x)
    r = _bessel_i_scaled(x, 1) * np.exp(a)
    r = np.where(a > 88.72283935546875, np.inf, r) if f32 else r
    return np.where(np.isinf(a), np.nan, np.copysign(r, x))


_i0.f32 = _i1.f32 = True
_i0, _i1 = _host(_i0), _host(_i1)


# erfcx = exp(x^2) erfc(x): fdlibm's erfc for x >= 1.25 is exp(-x^2 - 0.5625 + R/S) / x, so the
# scaled form drops the exponentials and keeps full precision to x = inf
def _erfcx(x, f32=False):
    a = np.abs(x)
    big = a >= 1.25
    s = np.where(big, a, 2.)
    z = 1 / (s * s)
    lo = s < 1 / 0.35
    R = np.where(lo, P._poly(P._RA, z), P._poly(P._RB, z))
    S = np.where(lo, P._poly(P._SA, z), P._poly(P._SB, z))
    tail = np.exp(-0.5625 + R / S) / s                    # erfcx(|x|), |x| >= 1.25
    near = np.exp(x * x) * P.erfc_np(np.where(big, 0., x))
    pos = np.where(big, tail, near)
    x2 = (x.astype(np.float32) ** 2).astype(np.float64) if f32 else x * x    # (float32 squares in float32)
    out = np.where(big & (x < 0), 2 * np.exp(x2) - tail, pos)
    return np.where(np.isnan(x), np.nan, np.where(x == np.inf, 0., out))


_erfcx.f32 = True
_erfcx = _host(_erfcx)


@_host
def _log_ndtr(x):
    # torch's formula: log(erfcx(-t) / 2) - t^2 below -1, log1p(-erfc(t) / 2) above
    t = x * 0.7071067811865476
    lo = np.log(_erfcx(-t) / 2) - t * t
    hi = np.log1p(-P.erfc_np(t) / 2)
    return np.where(x < -1, lo, hi)


def _ndtr64(x):
    return 0.5 * P.erfc_np(-x * 0.7071067811865476)


@_host
def _ndtri(p):
    """ndtri by Newton's method from Abramowitz & Stegun 26.2.23 (error < 4.5e-4): on the lower
    tail q = min(p, 1 - p) (exact), in log space for q < 0.1 (no underflow down to q = 5e-324)."""
    q = np.minimum(p, 1 - p)
    qs = np.where((q > 0) & (q <= 0.5), q, 0.5)
    t = np.sqrt(-2 * np.log(qs))
    x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
    tail = qs < 0.1
    lq = np.log(qs)
    for _ in range(5):
        u = -x * 0.7071067811865476
        # tail: f = log ndtr(x) - log q, f' = phi / ndtr = 1 / (0.5 sqrt(2 pi) erfcx(u))
        ln = np.log(0.5 * _erfcx(u)) - u * u
        step_t = (ln - lq) * 1.2533141373155003 * _erfcx(u)
        # centre: f = ndtr(x) - q = 0.5 erf(x / sqrt 2) - (q - 0.5), written without cancellation
        phi = np.exp(-0.5 * x * x) * 0.3989422804014327
        step_c = (0.5 * P.erf_np(-u) - (qs - 0.5)) / phi
        x = x - np.where(tail, step_t, step_c)
    x = np.where(p > 0.5, -x, x)
    x = np.where(p == 0.5, 0., x)
    x = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, x))
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, x)


@_host
def _entr(x):
    return np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.)), np.where(x == 0, 0., np.where(x < 0, -np.inf, x)))


@_host
def _xlog1py(a, b):
    r = a * np.log1p(b)
    return np.where((a == 0) & ~np.isnan(b), 0., r)


def _igam_series(a, x):
    """P(a, x) = x^a e^-x / Gamma(a + 1) * sum_k x^k / ((a+1) ... (a+k)), for x < a + 1."""
    term = np.ones_like(x)
    s = term.copy()
    ap = a.copy()
    for _ in range(2000):
        ap = ap + 1
        term = term * x / ap
        s = s + term
        if not (np.abs(term) > np.abs(s) * 1e-17).any():
            break
    return s * np.exp(a * np.log(x) - x - _lgamma(a + 1))


def _igamc_cf(a, x):
    """Q(a, x) by Lentz's continued fraction, for x >= a + 1."""
    tiny = 1e-300
    b = x + 1 - a
    c = np.full_like(x, 1 / tiny)
    d = 1 / b
    h = d.copy()
    for i in range(1, 2000):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1 / d
        delta = d * c
        h = h * delta
        if not (np.abs(delta - 1) > 1e-16).any():
            break
    return h * np.exp(a * np.log(x) - x - _lgamma(a))


@_host
def _gammainc(a, x):
    return _igam(a, x, upper=False)


@_host
def _gammaincc(a, x):
    return _igam(a, x, upper=True)


def _igam(a, x, upper):
    a, x = np.broadcast_arrays(a, x)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    ser = ok & (x < a + 1)
    cf = ok & ~ser
    out = np.full(a.shape, np.nan)
    if ser.any():
        p = _igam_series(a[ser], x[ser])
        out[ser] = 1 - p if upper else p
    if cf.any():
        q = _igamc_cf(a[cf], x[cf])
        out[cf] = q if upper else 1 - q
    # torch's edges, in its order: x < 0 or a < 0 -> nan; a == 0 -> P = 1 (x > 0); x == 0 -> P = 0;
    # a = inf -> P = 0 (x finite); x = inf -> P = 1
    lower = np.where((x < 0) | (a < 0), np.nan, np.where(a == 0, np.where(x > 0, 1., np.nan), np.where(
        x == 0, 0., np.where(np.isinf(a), np.where(np.isinf(x), np.nan, 0.), np.where(np.isinf(x), 1., np.nan)))))
    edge = ~ok
    return np.where(edge, (1 - lower) if upper else lower, out)


# ---------------------------------------------------------------- ops with gradients
def _need_tensor(name, x, pos=1, arg='input'):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _float_dt(t):
    return t.dtype if t.dtype._cat >= 2 else _default[0]


def _apply(kernel, x, dt):
    """Run an array kernel on a tensor's data; the result array in ``dt``."""
    r = kernel(x._data)
    with np.errstate(all='ignore'):
        return r.astype(dt.np, copy=False)


def _no_half(kernel, dt):
    if dt is D.float16:      # (torch has no Half kernel for these)
        raise NotImplementedError(f'"{kernel}" not implemented for \'Half\'')


def _unary(name, kernel, grad=None, node=None, saves_out=False, no_half=False):
    """A unary op: ``kernel`` on float64 arrays, ``grad(g, x, out)`` with ember ops (so
    higher-order gradients work); torch's integer/bool inputs compute in the default float."""
    cls = None
    if grad is not None:
        def _bw(n, g):
            x, o = n.saved()
            return (grad(g, x, o),)
        cls = backward_op(node)(_bw)

    def op(input, *, out=None):
        _need_tensor(name, input)
        dt = _float_dt(input)
        if no_half:
            _no_half(name + '_cpu', dt)
        t = _wrap(_apply(kernel, input, dt), dt, input._device)
        if cls is not None and _gm.enabled and input._rg:
            record(cls, t, (input,), (input, t if saves_out else None))
        return t if out is None else _finish(t, out)
    op.__name__ = op.__qualname__ = name
    return op


def _eps_safe(x):
    # torch's i1 / i1e backward: 0.5 at |x| <= eps, where the formula divides 0 by 0
    eps = float(np.finfo(x.dtype.np).eps) if x.dtype._cat >= 2 else 1.2e-7
    big = P.gt(P.abs(x), eps)
    return big, P.where(big, x, eps)


def _i1_grad(g, x, o):
    big, sx = _eps_safe(x)
    return g * P.where(big, i0(sx) - o / sx, 0.5)


def _i1e_grad(g, x, o):
    big, sx = _eps_safe(x)
    return g * P.where(big, i0e(sx) - o * (P.sign(sx) + P.reciprocal(sx)), 0.5)


def _sinc_grad(g, x, o):
    px = x * _PI
    d = (px * P.cos(px) - P.sin(px)) / (px * x)
    return g * P.where(P.eq(x, 0), 0., d)


lgamma = _unary('lgamma', _lgamma, lambda g, x, o: g * digamma(x), 'LgammaBackward0')
lgamma.__doc__ = """log|Gamma(x)| elementwise (inf at 0 and the negative integers); gradient digamma(x).
    >>> ember.lgamma(ember.tensor([0.5, 3.]))      # tensor([0.5724, 0.6931])"""
digamma = _unary('digamma', _digamma, lambda g, x, o: g * polygamma(1, x), 'DigammaBackward0')
digamma.__doc__ = """psi(x) = d/dx lgamma(x); -inf at +0, inf at -0, nan at negative integers.
    >>> ember.digamma(ember.tensor([1.]))           # tensor([-0.5772])"""
i0 = _unary('i0', _i0, lambda g, x, o: g * i1(x), 'I0Backward0')
i0.__doc__ = """Modified Bessel function of the first kind, order 0.
    >>> ember.i0(ember.tensor([0., 1.]))            # tensor([1.0000, 1.2661])"""
i0e = _unary('i0e', _i0e, lambda g, x, o: g * (i1e(x) - P.sgn(x) * o), 'SpecialI0EBackward0', saves_out=True)
i0e.__doc__ = """exp(-|x|) i0(x), which does not overflow.
    >>> ember.special.i0e(ember.tensor([100.]))     # tensor([0.0399])"""
i1 = _unary('i1', _i1, _i1_grad, 'SpecialI1Backward0', saves_out=True)
i1.__doc__ = """Modified Bessel function of the first kind, order 1 (odd).
    >>> ember.special.i1(ember.tensor([1.]))        # tensor([0.5652])"""
i1e = _unary('i1e', _i1e, _i1e_grad, 'SpecialI1EBackward0', saves_out=True)
i1e.__doc__ = """exp(-|x|) i1(x).
    >>> ember.special.i1e(ember.tensor([1.]))       # tensor([0.2079])"""
erfcx = _unary('erfcx', _erfcx, lambda g, x, o: g * (x * o * 2 - 1.1283791670955126), 'SpecialErfcxBackward0',
               saves_out=True, no_half=True)
erfcx.__doc__ = """Scaled complementary error function exp(x^2) erfc(x), accurate for large x.
    >>> ember.special.erfcx(ember.tensor([30.]))    # tensor([0.0188])"""
ndtri = _unary('ndtri', _ndtri, lambda g, x, o: g * P.exp(o * o / 2) * 2.5066282746310002, 'SpecialNdtriBackward0',
               saves_out=True, no_half=True)
ndtri.__doc__ = """Inverse of the standard normal CDF (the probit); -inf at 0, inf at 1, nan outside [0, 1].
    >>> ember.special.ndtri(ember.tensor([0.975]))  # tensor([1.9600])"""
log_ndtr = _unary('log_ndtr', _log_ndtr, lambda g, x, o: g * P.exp(-(o + x * x / 2)) * 0.3989422804014327,
                  'SpecialLogNdtrBackward0', saves_out=True, no_half=True)
log_ndtr.__doc__ = """log of the standard normal CDF, accurate far into the lower tail.
    >>> ember.special.log_ndtr(ember.tensor([-40.]))   # tensor(-804.6084)"""
entr = _unary('entr', _entr, lambda g, x, o: g * -(P.log(x) + 1), 'SpecialEntrBackward0')
entr.__doc__ = """-x log(x) for x > 0, 0 at 0, -inf for x < 0.
    >>> ember.special.entr(ember.tensor([0.5]))     # tensor([0.3466])"""


@_host
def _sinc64(x):
    px = _PI * x
    return np.where(x == 0, 1., np.sin(px) / px)


def _sinc_kernel(x):
    # float32 in float32, as torch (sinc(3.) is 2.8e-08 there, not 0)
    if x.dtype == np.float32 and not is_device_array(x):
        with np.errstate(all='ignore'):
            px = np.float32(_PI) * x
            return np.where(x == 0, np.float32(1), np.sin(px) / px)
    return _sinc64(x)


sinc = _unary('sinc', _sinc_kernel, _sinc_grad, 'SincBackward0')
sinc.__doc__ = """sin(pi x) / (pi x), 1 at 0.
    >>> ember.sinc(ember.tensor([0., 0.5]))         # tensor([1.0000, 0.6366])"""


def ndtr(input):
    """The standard normal CDF, (1 + erf(x / sqrt 2)) / 2, as torch writes it (so 0 below ~ -8.3).
    >>> ember.special.ndtr(ember.tensor([0.]))      # tensor([0.5000])"""
    _need_tensor('special_ndtr', input, arg='self')
    return P.mul(P.add(P.erf(P.mul(input, 0.7071067811865476)), 1), 0.5)


# ---------------------------------------------------------------- polygamma
@backward_op('PolygammaBackward0')
def _polygamma_bw(node, g):
    (x,) = node.saved()
    return (g * polygamma(node._args + 1, x),)


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma: psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1.
    Shapes: input (*) -> (*).
    >>> ember.polygamma(1, ember.tensor([1.]))      # tensor([1.6449])  (pi^2 / 6)"""
    if type(n) is not int:
        if isinstance(n, Tensor) and n.dtype._cat < 2 and n.dim() == 0 or isinstance(n, np.integer):
            n = int(n)
        else:
            raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    _need_tensor('polygamma', input, 2)
    if n < 0:
        raise RuntimeError('polygamma(n, x) does not support negative n.')
    dt = _float_dt(input)
    x = input._data
    dev = is_device_array(x)
    host = to_host(x) if dev else x
    with np.errstate(all='ignore'):
        if n == 1:      # torch's trigamma runs in float32 for float32
            r = _trigamma(host.astype(np.float32 if dt.np == np.float32 else np.float64))
        else:
            r = _polygamma_np(n, host)
        r = r.astype(dt.np, copy=False)
    if dev:
        import cupy
        r = cupy.asarray(r)
    t = _wrap(r, dt, input._device)
    if _gm.enabled and input._rg:
        record(_polygamma_bw, t, (input,), (input,), n)
    return t if out is None else _finish(t, out)


def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma: sum_{i<p} lgamma(x - i/2) + p (p-1)/4 log(pi), written with ember
    ops (its gradient is the sum of digammas). Shapes: input (*) -> (*).
    >>> ember.mvlgamma(ember.tensor([2.5]), 2)       # tensor([1.4954])"""
    if type(p) is not int:
        raise TypeError(f"mvlgamma(): argument 'p' must be int, not {type(p).__name__}")
    _need_tensor('mvlgamma', input)
    if input.dtype is D.bool_:
        raise RuntimeError('The input tensor may not be a boolean tensor.')
    if p < 1:
        raise RuntimeError('p has to be greater than or equal to 1')
    from .creation import arange
    dt = _float_dt(input)
    x = input if input.dtype is dt else input.to(dt)
    args = arange(-p * 0.5 + 0.5, 0.5, 0.5, dtype=dt, device=input._device)
    r = P.add(lgamma(P.add(x.unsqueeze(-1), args)).sum(-1), p * (p - 1) * math.log(_PI) / 4)
    return r if out is None else _finish(r, out)


# ---------------------------------------------------------------- binary ops
def _no_grad_for(what):
    def raise_(*a):
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    return raise_


def _xlog1py_bw(g, a, b, o, na, nb):
    ga = gb = None
    if na:
        nz = P.ne(a, 0) if isinstance(a, Tensor) else float(a != 0)
        ga = g * (xlog1py(nz, b) if isinstance(nz, Tensor) or isinstance(b, Tensor) else float(_xlog1py(nz, b)))
    if nb:
        gb = g * a / (b + 1)
    return ga, gb


def _zeta_bw(g, x, q, o, nx, nq):
    if nx:
        _no_grad_for('zeta')()
    return None, (g * -x * zeta(x + 1., q) if nq else None)


def _number_first(name, op, no_half=False):
    """``op`` that also takes (Number, Tensor), as torch.special.zeta / xlog1py do."""
    def f(input, other, *, out=None):
        if not isinstance(input, Tensor) and isinstance(other, Tensor) and type(input) in (int, float, bool):
            input = P._scalar_tensor(input, other)
        r = op(input, other, out=out)
        if no_half:
            _no_half(name + '_cpu', r.dtype)
        return r
    f.__name__ = f.__qualname__ = name
    return f


xlog1py = _number_first('xlog1py', P._binary('special_xlog1py', _xlog1py, _xlog1py_bw, node='SpecialXlog1PyBackward0'))
xlog1py.__doc__ = """x * log1p(y), 0 where x == 0 (unless y is nan). Broadcasts.
    >>> ember.special.xlog1py(ember.tensor([0., 2.]), 1.)   # tensor([0.0000, 1.3863])"""
zeta = _number_first('zeta', P._binary('special_zeta', _zeta, _zeta_bw, node='SpecialZetaBackward0'), no_half=True)
zeta.__doc__ = """Hurwitz zeta(x, q) = sum_k (k + q)^-x (x > 1); no gradient wrt x, as in torch. Broadcasts.
    >>> ember.special.zeta(ember.tensor([2.]), 1.)    # tensor([1.6449])"""


def _igamma_grad(g, a, x, upper):
    d = P.exp((a - 1) * P.log(x) - x - lgamma(a))
    return g * (-d if upper else d)


def _incomplete(name, kernel, upper, node, what):
    @backward_op(node)
    def cls(n, g):
        a, x = n.saved()
        (sa, sx) = n._args
        na, nx = n.next_functions
        if na[0] is not None:
            _no_grad_for(what)()
        return None, grad_for(_igamma_grad(g, a, x, upper), sx, x.dtype)

    def op(input, other, *, out=None):
        _need_tensor(name, input, 1, 'input')
        _need_tensor(name, other, 2, 'other')
        rt = D.promote_types(input.dtype, other.dtype)
        if rt._cat < 2:
            raise NotImplementedError(f'"igamma{"c" if upper else ""}_cpu" not implemented for \'{type_name(rt)}\'')
        input, other = P._join_devices(input, other)
        P._check_shapes(input, other)
        r = kernel(input._data, other._data)
        with np.errstate(all='ignore'):
            r = r.astype(rt.np, copy=False)
        t = _wrap(r, rt, input._device)
        if _gm.enabled and (input._rg or other._rg):
            record(cls, t, (input, other), (input, other), (tuple(input.shape), tuple(other.shape)))
        return t if out is None else _finish(t, out)
    op.__name__ = op.__qualname__ = name
    return op


gammainc = _incomplete('special_gammainc', _gammainc, False, 'IgammaBackward0', 'igamma: input')
gammainc.__doc__ = """Regularized lower incomplete gamma P(a, x) (series below x = a + 1, a continued
    fraction above); gradient wrt x only. Broadcasts.
    >>> ember.special.gammainc(ember.tensor([1.]), ember.tensor([1.]))   # tensor([0.6321])"""
gammaincc = _incomplete('special_gammaincc', _gammaincc, True, 'IgammacBackward0', 'igammac: input')
gammaincc.__doc__ = """Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x). Broadcasts.
    >>> ember.special.gammaincc(ember.tensor([1.]), ember.tensor([1.]))  # tensor([0.3679])"""
