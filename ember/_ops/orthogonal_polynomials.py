"""The orthogonal polynomials of torch.special, by torch's algorithm: Chebyshev T, U, V, W (and
their shifted forms on [0, 1]), Hermite H and He, Laguerre L and Legendre P.

Each kernel takes ``x`` and ``n`` (arrays or numbers that broadcast; NumPy or CuPy: only array-API
calls are used, the module comes from ``x``) and computes in x's float dtype, as torch's CPU
kernels do: ``n`` is rounded to that dtype and truncated to an integer (nan, inf and values past
int64 become negative there, so give 0, like any negative n); then torch's special cases (x = +-1,
or 0 and 1 for the shifted forms), its closed forms through acos for large n inside (-1, 1), and
the three-term recurrence otherwise (its multiply-adds fused, as torch's compiled loops are: the
values agree bit for bit), stopped early where the value turns nan. Hermite's
recurrence has no such stop: past n = 128 (float32) or 512 (float64) torch answers nan.

Example:
    >>> chebyshev_polynomial_t(np.array([0.5]), 3)     # array([-1.])   (4 x^3 - 3 x)
    >>> hermite_polynomial_h(np.array([1.]), np.array([0., 1., 2.]))   # array([1., 2., 2.])
"""
import numpy as np
from .._backend import array_module

__all__ = ['chebyshev_polynomial_t', 'chebyshev_polynomial_u', 'chebyshev_polynomial_v',
           'chebyshev_polynomial_w', 'shifted_chebyshev_polynomial_t', 'shifted_chebyshev_polynomial_u',
           'shifted_chebyshev_polynomial_v', 'shifted_chebyshev_polynomial_w', 'hermite_polynomial_h',
           'hermite_polynomial_he', 'laguerre_polynomial_l', 'legendre_polynomial_p']

_HERMITE_LIMIT = {np.dtype(np.float32): 128, np.dtype(np.float64): 512}


def _f(xp, name, v):
    """xp.<name>(v), for float32 through float64 and rounded once: glibc's sinf, cosf, expf,
    logf, acosf (what torch's kernels call) are correctly rounded, NumPy's float32 loops are not."""
    if v.dtype == np.float32:
        return getattr(xp, name)(v.astype(np.float64)).astype(np.float32)
    return getattr(xp, name)(v)


def _fma(a, b, c, xp):
    """a * b + c rounded once, as torch's compiled loops compute their recurrences (the compiler
    fuses them into FMA instructions; with separate roundings float32 values drift ulps apart
    within a few steps). float32: the product is exact in float64; float64: Dekker's exact
    product, falling back to a * b + c where its splitting overflows."""
    if a.dtype == np.float32:
        return (a.astype(np.float64) * b.astype(np.float64) + c).astype(np.float32)
    p = a * b

    def split(v):
        t = v * 134217729.0
        hi = t - (t - v)
        return hi, v - hi
    ah, al = split(a)
    bh, bl = split(b)
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl          # a * b = p + err exactly
    s = p + c
    v = s - p
    e2 = (p - (s - v)) + (c - v)                                 # p + c = s + e2 exactly
    r = s + (err + e2)
    return xp.where(xp.isfinite(r), r, s)


def _kernel(f):
    """``f(x, n, xp, ft)`` with x a float array, n its int64 degrees (both broadcast)."""
    def g(x, n):
        xp = array_module(x)
        x = xp.asarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float64)
        n = xp.asarray(n, dtype=x.dtype)            # (torch casts n to x's dtype first)
        x, n = xp.broadcast_arrays(x, n)
        with np.errstate(all='ignore'):
            # C++'s static_cast<int64_t>: nan, inf and |n| >= 2^63 give INT64_MIN (negative)
            ok = xp.isfinite(n) & (xp.abs(n) < 9.2e18)
            ni = xp.where(ok, xp.trunc(xp.where(ok, n, 0)), -1).astype(np.int64)
            return f(x, ni, xp, x.dtype.type)
    g.__name__ = g.__qualname__ = f.__name__.lstrip('_')
    g.__doc__ = f.__doc__
    return g


def _recurrence(x, first, steps, step, stop_nan, xp):
    """Run q <- step(j, x, p, q) (p <- q) for j = 1 .. steps (per element, an int array), from
    p = 1, q = ``first``; an element whose q turns nan stops there if ``stop_nan`` (torch's loop
    condition). Only the elements still running are computed, so a few large n cost little."""
    out = first.copy()
    flat = out.reshape(-1)
    idx = xp.nonzero((steps > 0).reshape(-1))[0]
    xs, q, st = x.reshape(-1)[idx], first.reshape(-1)[idx], steps.reshape(-1)[idx]
    p = xp.ones_like(q)
    j = 1
    while idx.size:
        run = st >= j
        if stop_nan:
            run = run & ~xp.isnan(q)
        if not bool(run.all()):
            flat[idx[~run]] = q[~run]
            idx, xs, p, q, st = idx[run], xs[run], p[run], q[run], st[run]
            if not idx.size:
                break
        p, q = q, step(j, xs, p, q)
        j += 1
    return out


def _parity(n, even, odd, xp):
    return xp.where(n % 2 == 0, even, odd)


def _finish(r, n, ft, xp):
    return xp.where(n < 0, ft(0), r)


# ---------------------------------------------------------------- Chebyshev, on [-1, 1]
def _cheb_rec(x, y, first, n, closed, xp, ft):
    """The recurrence r = 2y q - p from q = ``first`` (y = x, or 2x - 1 for the shifted forms),
    for the elements that neither a special case nor the closed form (``closed``) answers."""
    steps = xp.where(closed | (n < 2), 0, n - 1)
    return _recurrence(y, first, steps, lambda j, ys, p, q: _fma(ys + ys, q, -p, xp), True, xp)


@_kernel
def _chebyshev_polynomial_t(x, n, xp, ft):
    """Chebyshev polynomial of the first kind T_n(x); cos(n acos x) for n > 6 inside (-1, 1)."""
    ax = xp.abs(x)
    edge, inside = ax == ft(1), (n > 6) & (ax < ft(1))
    r = _cheb_rec(x, x, x, n, edge | inside, xp, ft)
    r = xp.where(n == 0, ft(1), r)
    r = xp.where(inside, _f(xp, 'cos', n.astype(x.dtype) * _f(xp, 'arccos', x)), r)
    r = xp.where(edge, xp.where((x > 0) | (n % 2 == 0), ft(1), ft(-1)), r)
    return _finish(r, n, ft, xp)


@_kernel
def _chebyshev_polynomial_u(x, n, xp, ft):
    """Chebyshev polynomial of the second kind U_n(x); sin((n+1) t) / sin t (t = acos x) for n > 8."""
    ax = xp.abs(x)
    edge, inside = ax == ft(1), (n > 8) & (ax < ft(1))
    r = _cheb_rec(x, x, x + x, n, edge | inside, xp, ft)
    r = xp.where(n == 0, ft(1), r)
    t = _f(xp, 'arccos', x)
    n1 = (n + 1).astype(x.dtype)
    s = _f(xp, 'sin', t)
    closed = xp.where(s != 0, _f(xp, 'sin', n1 * t) / s, n1 * _f(xp, 'cos', n1 * t) / x)
    r = xp.where(inside, closed, r)
    r = xp.where(edge, xp.where((x > 0) | (n % 2 == 0), n1, -n1), r)
    return _finish(r, n, ft, xp)


@_kernel
def _chebyshev_polynomial_v(x, n, xp, ft):
    """Chebyshev polynomial of the third kind V_n(x); cos((n+1/2) t) / cos(t/2) for n > 8."""
    ax = xp.abs(x)
    edge, inside = ax == ft(1), (n > 8) & (ax < ft(1))
    r = _cheb_rec(x, x, x + x - ft(1), n, edge | inside, xp, ft)
    r = xp.where(n == 0, ft(1), r)
    t = _f(xp, 'arccos', x)
    odd2 = (n + n + 1).astype(x.dtype)
    sign2 = _parity(n, odd2, -odd2, xp)
    closed = xp.where(_f(xp, 'sin', t / ft(2)) != ft(1),
                      _f(xp, 'cos', (n.astype(x.dtype) + ft(0.5)) * t) / _f(xp, 'cos', t / ft(2)), sign2)
    r = xp.where(inside, closed, r)
    r = xp.where(edge, xp.where(x > 0, ft(1), sign2), r)
    return _finish(r, n, ft, xp)


@_kernel
def _chebyshev_polynomial_w(x, n, xp, ft):
    """Chebyshev polynomial of the fourth kind W_n(x); sin((n+1/2) t) / sin(t/2) for n > 8."""
    ax = xp.abs(x)
    edge, inside = ax == ft(1), (n > 8) & (ax < ft(1))
    r = _cheb_rec(x, x, x + x + ft(1), n, edge | inside, xp, ft)
    r = xp.where(n == 0, ft(1), r)
    t = _f(xp, 'arccos', x)
    at1 = xp.where(x > 0, (n + n + 1).astype(x.dtype), _parity(n, ft(1), ft(-1), xp))
    closed = xp.where(_f(xp, 'cos', t / ft(2)) != ft(1),
                      _f(xp, 'sin', (n.astype(x.dtype) + ft(0.5)) * t) / _f(xp, 'sin', t / ft(2)), at1)
    r = xp.where(inside, closed, r)
    r = xp.where(edge, at1, r)
    return _finish(r, n, ft, xp)


# ---------------------------------------------------------------- shifted Chebyshev, on [0, 1]
# (torch tests x == 1 and x == 0 exactly, and y = 2x - 1 against (-1, 1))
@_kernel
def _shifted_chebyshev_polynomial_t(x, n, xp, ft):
    """Shifted Chebyshev polynomial of the first kind T*_n(x) = T_n(2x - 1)."""
    y = x + x - ft(1)
    one, zero, inside = x == ft(1), x == ft(0), (n > 6) & (xp.abs(y) < ft(1))
    r = _cheb_rec(x, y, y, n, one | zero | inside, xp, ft)
    r = xp.where(n == 0, ft(1), r)
    r = xp.where(inside, _f(xp, 'cos', n.astype(x.dtype) * _f(xp, 'arccos', y)), r)
    r = xp.where(zero, _parity(n, ft(1), ft(-1), xp), r)
    r = xp.where(one, ft(1), r)
    return _finish(r, n, ft, xp)


@_kernel
def _shifted_chebyshev_polynomial_u(x, n, xp, ft):
    """Shifted Chebyshev polynomial of the second kind U*_n(x) = U_n(2x - 1)."""
    y = x + x - ft(1)
    one, zero, inside = x == ft(1), x == ft(0), (n > 6) & (xp.abs(y) < ft(1))
    r = _cheb_rec(x, y, y + y, n, one | zero | inside, xp, ft)
    r = xp.where(n == 0, ft(1), r)
    t = _f(xp, 'arccos', y)
    n1 = (n + 1).astype(x.dtype)
    s = _f(xp, 'sin', t)
    r = xp.where(inside, xp.where(s != 0, _f(xp, 'sin', n1 * t) / s, n1 * _f(xp, 'cos', n1 * t) / y), r)
    r = xp.where(zero, _parity(n, n1, -n1, xp), r)
    r = xp.where(one, n1, r)
    return _finish(r, n, ft, xp)


@_kernel
def _shifted_chebyshev_polynomial_v(x, n, xp, ft):
    """Shifted Chebyshev polynomial of the third kind V*_n(x) = V_n(2x - 1)."""
    y = x + x - ft(1)
    one, zero, inside = x == ft(1), x == ft(0), (n > 6) & (xp.abs(y) < ft(1))
    r = _cheb_rec(x, y, y + y - ft(1), n, one | zero | inside, xp, ft)
    r = xp.where(n == 0, ft(1), r)
    t = _f(xp, 'arccos', y)
    odd2 = (n + n + 1).astype(x.dtype)
    sign2 = _parity(n, odd2, -odd2, xp)
    closed = xp.where(_f(xp, 'sin', t / ft(2)) != ft(1),
                      _f(xp, 'cos', (n.astype(x.dtype) + ft(0.5)) * t) / _f(xp, 'cos', t / ft(2)), sign2)
    r = xp.where(inside, closed, r)
    r = xp.where(zero, sign2, r)
    r = xp.where(one, ft(1), r)
    return _finish(r, n, ft, xp)


@_kernel
def _shifted_chebyshev_polynomial_w(x, n, xp, ft):
    """Shifted Chebyshev polynomial of the fourth kind W*_n(x) = W_n(2x - 1) (closed form from n > 4)."""
    y = x + x - ft(1)
    one, zero, inside = x == ft(1), x == ft(0), (n > 4) & (xp.abs(y) < ft(1))
    r = _cheb_rec(x, y, y + y + ft(1), n, one | zero | inside, xp, ft)
    r = xp.where(n == 0, ft(1), r)
    t = _f(xp, 'arccos', y)
    pm1 = _parity(n, ft(1), ft(-1), xp)
    closed = xp.where(_f(xp, 'cos', t / ft(2)) != ft(1),
                      _f(xp, 'sin', (n.astype(x.dtype) + ft(0.5)) * t) / _f(xp, 'sin', t / ft(2)), pm1)
    r = xp.where(inside, closed, r)
    r = xp.where(zero, pm1, r)
    r = xp.where(one, (n + n + 1).astype(x.dtype), r)
    return _finish(r, n, ft, xp)


# ---------------------------------------------------------------- Hermite, Laguerre, Legendre
@_kernel
def _hermite_polynomial_h(x, n, xp, ft):
    """Physicists' Hermite polynomial H_n(x): H_{k+1} = 2x H_k - 2k H_{k-1}."""
    limit = _HERMITE_LIMIT[x.dtype]
    steps = xp.where((n >= 2) & (n <= limit), n - 1, 0)
    r = _recurrence(x, x + x, steps, lambda j, xs, p, q: _fma(xs + xs, q, -(ft(2 * j) * p), xp), False, xp)
    r = xp.where(n > limit, ft(np.nan), r)
    r = xp.where(n == 0, ft(1), r)
    return _finish(r, n, ft, xp)


@_kernel
def _hermite_polynomial_he(x, n, xp, ft):
    """Probabilists' Hermite polynomial He_n(x): He_{k+1} = x He_k - k He_{k-1}."""
    limit = _HERMITE_LIMIT[x.dtype]
    steps = xp.where((n >= 2) & (n <= limit), n - 1, 0)
    r = _recurrence(x, x.copy(), steps, lambda j, xs, p, q: _fma(xs, q, -(ft(j) * p), xp), False, xp)
    r = xp.where(n > limit, ft(np.nan), r)
    r = xp.where(n == 0, ft(1), r)
    return _finish(r, n, ft, xp)


@_kernel
def _laguerre_polynomial_l(x, n, xp, ft):
    """Laguerre polynomial L_n(x): (k+1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}; 1 at x = 0."""
    zero = x == ft(0)
    steps = xp.where(zero | (n < 2), 0, n - 1)
    r = _recurrence(x, ft(1) - x, steps,
                    lambda j, xs, p, q: _fma(ft(2 * j) + (ft(1) - xs), q, -(ft(j) * p), xp) / ft(j + 1), True, xp)
    r = xp.where((n == 0) | zero, ft(1), r)
    return _finish(r, n, ft, xp)


@_kernel
def _legendre_polynomial_p(x, n, xp, ft):
    """Legendre polynomial P_n(x): (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}."""
    edge = xp.abs(x) == ft(1)
    steps = xp.where(edge | (n < 2), 0, n - 1)
    r = _recurrence(x, x.copy(), steps,
                    lambda j, xs, p, q: _fma(ft(2 * j + 1) * xs, q, -(ft(j) * p), xp) / ft(j + 1), True, xp)
    r = xp.where(n == 0, ft(1), r)
    r = xp.where(edge, xp.where((x > 0) | (n % 2 == 0), ft(1), ft(-1)), r)
    return _finish(r, n, ft, xp)


chebyshev_polynomial_t, chebyshev_polynomial_u = _chebyshev_polynomial_t, _chebyshev_polynomial_u
chebyshev_polynomial_v, chebyshev_polynomial_w = _chebyshev_polynomial_v, _chebyshev_polynomial_w
shifted_chebyshev_polynomial_t = _shifted_chebyshev_polynomial_t
shifted_chebyshev_polynomial_u = _shifted_chebyshev_polynomial_u
shifted_chebyshev_polynomial_v = _shifted_chebyshev_polynomial_v
shifted_chebyshev_polynomial_w = _shifted_chebyshev_polynomial_w
hermite_polynomial_h, hermite_polynomial_he = _hermite_polynomial_h, _hermite_polynomial_he
laguerre_polynomial_l, legendre_polynomial_p = _laguerre_polynomial_l, _legendre_polynomial_p
