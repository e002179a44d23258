"""torch.linalg's matrix functions: inverse, determinants, solvers, decompositions, matrix norms.

Forward on NumPy's LAPACK; each backward is written with ember ops (so it is differentiable
again). ``ember.linalg`` exports them under torch.linalg's names.

Example:
    >>> A = ember.randn(3, 3, dtype=ember.float64); ember.linalg.solve(A, ember.ones(3))
"""
import numpy as np
from .._backend import is_host as _is_host  # (a recorded host array too: ember.compile)
from .. import _dtype as D
from .. import return_types as RT
from .._tensor import Tensor, _wrap, _gm
from ._core import record, backward_op, as_array, sum_to, finish as _finish, fused_name
from ._core import type_name as _cap
from .linalg import matmul, linalg_cross as cross  # noqa: F401
from .reduction import vector_norm
from ..amp import autocast_mode as _amp
from .._backend import array_module as _xp, to_host as _to_host, is_device_array as _is_device_array


def _raising(a):
    """CuPy's linalg reports a singular / non-positive-definite input only under
    ``cupyx.errstate(linalg='raise')`` (it returns NaNs otherwise); NumPy always raises."""
    if _is_host(a):
        return _NULL
    import cupyx
    es = getattr(cupyx, 'errstate', None)
    return es(linalg='raise') if es is not None else _NULL


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NULL = _Null()


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix is singular / not positive-definite."""


LinAlgError.__name__ = LinAlgError.__qualname__ = '_LinAlgError'     # (torch's is torch._C._LinAlgError)


def _square(A, fname):
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_{fname}(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}")
    if A.dim() < 2:
        raise RuntimeError(f'linalg.{fname}: The input tensor A must have at least 2 dimensions.')
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f'linalg.{fname}: A must be batches of square matrices, but they are {A.shape[-2]} by '
                           f'{A.shape[-1]} matrices')
    _float(A, fname)


def _float(A, fname):
    if A.dtype not in (D.float32, D.float64):
        if A.dtype._cat == 3:
            # complex: the forward (LAPACK's complex routines through NumPy); the backward formulas
            # here are written for real matrices (transposes, not conjugate transposes)
            if A.requires_grad and _gm.enabled:
                raise NotImplementedError(f'ember: the gradient of linalg.{fname} for complex inputs is not '
                                          'implemented (the forward is: detach the input)')
            return
        kernel = _LOW_PRECISION_KERNEL.get(fname) if A.dtype._cat == 2 else None
        if kernel is not None:      # float16 / bfloat16: torch's dispatch error of the LAPACK kernel
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_cap(A.dtype)}\'')
        if A.dtype._cat == 2 and fname in ('inv', 'slogdet'):
            raise RuntimeError(f'linalg.{fname}: Low precision dtypes not supported. Got {_cap(A.dtype)}')
        raise RuntimeError(f'linalg.{fname}: Expected a floating point or complex tensor as input. Got {_cap(A.dtype)}')


# the CPU kernel whose "not implemented for 'Half'" a float16/bfloat16 matrix gets in torch
# (a MultivariateNormal of half parameters fails in cholesky_cpu)
_LOW_PRECISION_KERNEL = {'cholesky': 'cholesky_cpu', 'cholesky_ex': 'cholesky_cpu', 'solve': 'lu_cpu', 'det': 'lu_cpu',
                         'lu_factor_ex': 'lu_cpu', 'lu_factor': 'lu_cpu', 'lu': 'lu_cpu', 'eigh': 'linalg_eigh_cpu',
                         'eigvalsh': 'linalg_eigh_cpu', 'qr': 'geqrf_cpu', 'svd': 'linalg_svd_cpu'}


def _w(r, like):
    r = as_array(r)
    if type(r) is np.ndarray and _is_device_array(like._data):
        # a host result (ember's own LU, pivots, eye) for a GPU tensor goes to the GPU: CuPy's
        # linalg takes no host arrays (it raises LinAlgError, which read as "singular")
        r = _xp(like._data).asarray(r)
    return _wrap(r.astype(like.dtype.np, copy=False), like.dtype, like._device)


def _T(x):
    return x.transpose(-2, -1)


def _H(x):
    """The conjugate transpose (the transpose of a real matrix)."""
    return x.transpose(-2, -1).conj() if x.dtype._cat == 3 else x.transpose(-2, -1)


def _wr(r, like):
    """``_w`` for a result that is real for complex input too (singular values, eigenvalues of a
    Hermitian matrix, log|det|): the matching real dtype."""
    if like.dtype._cat != 3:
        return _w(r, like)
    dt = like.dtype.to_real()
    r = as_array(r).real
    if type(r) is np.ndarray and _is_device_array(like._data):
        r = _xp(like._data).asarray(r)
    return _wrap(r.astype(dt.np, copy=False), dt, like._device)


def _eye_like(n, like):
    return _wrap(_xp(like._data).eye(n, dtype=like.dtype.np), like.dtype, like._device)


# ---------------------------------------------------------------- inv, det, slogdet
@backward_op('LinalgInvExBackward0')
def _inv_bw(node, g):
    (Ai,) = node.saved()
    return (-matmul(matmul(_T(Ai), g), _T(Ai)),)


def inv(A, *, out=None):
    """The inverse of each square matrix of A; singular matrices raise LinAlgError."""
    _square(A, 'inv')
    try:
        with _raising(A._data):
            r = np.linalg.inv(A._data) if A.numel() else A._data.copy()
    except np.linalg.LinAlgError:
        raise LinAlgError('linalg.inv: The diagonal element 1 is zero, the inversion could not be completed '
                          'because the input matrix is singular.') from None
    t = _w(r, A)
    if _gm.enabled and A._rg:
        record(_inv_bw, t, (A,), (t,))
    return _finish(t, out)


@backward_op('LinalgDetBackward0')
def _det_bw(node, g):
    A, d = node.saved()
    return ((g * d).unsqueeze(-1).unsqueeze(-1) * _T(inv(A)),)


def det(A, *, out=None):
    """The determinant of each square matrix of A."""
    _square(A, 'det')
    t = _w(np.linalg.det(A._data), A)
    if _gm.enabled and A._rg:
        record(_det_bw, t, (A,), (A, t))
    return _finish(t, out)


@backward_op('LinalgSlogdetBackward0', multi_output=True)
def _slogdet_bw(node, *grads):
    (A,) = node.saved()
    gl = grads[1] if len(grads) > 1 else None
    if gl is None:
        return (None,)
    return (gl.unsqueeze(-1).unsqueeze(-1) * _T(inv(A)),)


_slogdet_rt = RT.make('slogdet', ('sign', 'logabsdet'))


def slogdet(A, *, out=None):
    """(sign, log|det|) of each square matrix of A."""
    _square(A, 'slogdet')
    s, l = np.linalg.slogdet(A._data)
    ts, tl = _w(s, A), _wr(l, A)
    if _gm.enabled and A._rg:
        record(_slogdet_bw, (ts, tl), (A,), (A,))
        ts._rg = False
        ts.grad_fn = None
    return _slogdet_rt((ts, tl))


# ---------------------------------------------------------------- solve, lstsq, pinv, matrix_power
@backward_op('LinalgSolveExBackward0')
def _solve_bw(node, g):
    A, X = node.saved()
    vec, bshape = node._args
    nA, nB = node.next_functions
    if vec:
        g = g.unsqueeze(-1)
        X = X.unsqueeze(-1)
    gB = solve(_T(A), g)
    gA = sum_to(-matmul(gB, _T(X)), A.shape) if nA[0] is not None else None
    if vec:
        gB = gB.squeeze(-1)
    return gA, (sum_to(gB, bshape) if nB[0] is not None else None)


def solve(A, B, *, left=True, out=None):
    """X with A @ X = B (``left=False``: X @ A = B); B may be a vector (batched)."""
    _square(A, 'solve')
    if not left:
        return _finish(_T(solve(_T(A), _T(B))), out)
    if A._device is not B._device:
        from ._core import check_device
        check_device(A, B)
    if A.dtype is not B.dtype:
        raise RuntimeError(f'linalg.solve: Expected A and B to have the same dtype, but found A of type '
                           f'{_cap(A.dtype)} and B of type {_cap(B.dtype)} instead')
    vec = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    b = B._data[..., None] if vec else B._data
    if b.shape[-2] != A.shape[-1]:
        raise RuntimeError(f'linalg.solve: Incompatible shapes of A and B for the equation AX = B '
                           f'({A.shape[-2]}x{A.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})')
    try:
        a = A._data
        if b.ndim > 2 or a.ndim > 2:
            batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
            a = _xp(a).broadcast_to(a, batch + a.shape[-2:])
            b = _xp(b).broadcast_to(b, batch + b.shape[-2:])
        with _raising(a):
            r = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError('torch.linalg.solve: The solver failed because the input matrix is singular.') from None
    if vec:
        r = r[..., 0]
    t = _w(r, A)
    if _gm.enabled and (A._rg or B._rg):
        record(_solve_bw, t, (A, B), (A, t), (vec, tuple(B.shape)))
    return _finish(t, out)


def matrix_power(A, n, *, out=None):
    """A @ A @ ... (n times); n == 0 gives identities, n < 0 powers the inverse."""
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f'linalg.matrix_power: A must be batches of square matrices, but they are '
                           f'{A.shape[-2] if A.dim() >= 2 else 1} by {A.shape[-1] if A.dim() else 1} matrices')
    if n == 0:
        r = _eye_like(A.shape[-1], A).expand(*A.shape).clone()
        return _finish(r + A * 0 if A._rg and _gm.enabled else r, out)
    if n < 0:
        A, n = inv(A), -n
    r, p = None, A
    while n:
        if n & 1:
            r = p if r is None else matmul(r, p)
        n >>= 1
        if n:
            p = matmul(p, p)
    return _finish(r if r is not A else A.clone(), out)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse (values from SVD; gradient for constant rank)."""
    _float(A, 'pinv')
    kw = {}
    if rtol is not None:
        kw['rcond'] = rtol
    if not _is_host(A._data):
        hermitian = False       # cupy.linalg.pinv has no `hermitian` (the SVD route gives the same values)
    if hermitian:
        kw['hermitian'] = True
    r = np.linalg.pinv(A._data, **kw) if A.numel() else _xp(A._data).zeros(
        A.shape[:-2] + (A.shape[-1], A.shape[-2]), A.dtype.np)
    t = _w(r, A)
    if _gm.enabled and A._rg:
        record(_pinv_bw, t, (A,), (A, t))
    return _finish(t, out)


@backward_op('LinalgPinvBackward0')
def _pinv_bw(node, g):
    A, P = node.saved()
    m, n = A.shape[-2], A.shape[-1]
    PT, gT = _T(P), _T(g)
    q = _eye_like(m, A) - matmul(A, P)
    r = _eye_like(n, A) - matmul(P, A)
    return (-matmul(matmul(PT, g), PT) + matmul(matmul(q, gT), matmul(P, PT)) + matmul(matmul(PT, P), matmul(gT, r)),)


_lstsq_rt = RT.make('linalg_lstsq', ('solution', 'residuals', 'rank', 'singular_values'))


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B (``solution``: pinv(A) @ B). As torch, the driver
    (default 'gelsy' on the CPU, 'gels', the only one, on CUDA) decides the other fields:
    ``residuals`` (the squared residuals of each column) come from 'gels' when m > n, and from
    'gelsd' and 'gelss' when m > n and A has full rank, ``rank`` from all but 'gels',
    ``singular_values`` from 'gelsd' and 'gelss'; the fields not computed are empty."""
    _float(A, 'lstsq')
    cuda = A._device.type == 'cuda'
    if driver is None:
        driver = 'gels' if cuda else 'gelsy'    # torch's CUDA build: 'gels' is its default (and only) driver
    else:
        driver = driver.lower() if isinstance(driver, str) else driver     # (torch lower-cases the name)
        if cuda and driver != 'gels':
            raise RuntimeError('torch.linalg.lstsq: `driver` other than `gels` is not supported on CUDA')
        if driver not in ('gels', 'gelsy', 'gelsd', 'gelss'):
            raise RuntimeError('torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)')
    m, n = A.shape[-2], A.shape[-1]
    vec = B.dim() == A.dim() - 1
    Bm = B.unsqueeze(-1) if vec else B
    if rcond is None or driver == 'gels':      # ('gels' assumes full rank: no rcond)
        rcond = float(np.finfo(A.dtype.np).eps) * max(m, n)
    r = matrix_rank(A.detach(), rtol=rcond)
    if driver == 'gels' and not cuda:   # LAPACK gels (QR) fails on an exactly zero diagonal entry of R
        # (torch's CUDA gels, geqrf + ormqr + trsm, checks no rank: it answers what the QR gives)
        a = _to_host(as_array(A._data))
        R = np.linalg.qr(a if m >= n else np.swapaxes(a, -1, -2), mode='r')
        zero = np.diagonal(R, axis1=-2, axis2=-1) == 0
        if zero.any():
            raise LinAlgError('torch.linalg.lstsq: The least squares solution could not be computed because the '
                              f'input matrix does not have full rank (error code: {int(np.argmax(zero.reshape(-1, zero.shape[-1]).any(0))) + 1}).')
    X = matmul(pinv(A, rtol=rcond), Bm)
    empty = _wrap(_xp(A._data).zeros((0,), A.dtype.np), A.dtype, A._device)
    rank = _wrap(_xp(A._data).zeros((0,), np.int64), D.int64, A._device) if driver == 'gels' else r
    sv = svdvals(A.detach()) if driver in ('gelsd', 'gelss') else empty
    residuals = empty
    # torch: 'gels' always reports the residuals when m > n (from the tail of Q^H B), 'gelsd' and
    # 'gelss' only when every matrix has full rank
    if driver != 'gelsy' and m > n and (driver == 'gels' or bool((r == n).all())):
        residuals = (matmul(A, X) - Bm).pow(2).sum(-2)
    if vec:
        X = X.squeeze(-1)
    return _lstsq_rt((X, residuals, rank, sv))


# ---------------------------------------------------------------- cholesky, qr, eigh, svd
def _phi(x):
    """The lower triangle with its diagonal halved."""
    return x.tril() - 0.5 * (x * _eye_like(x.shape[-1], x))


@backward_op('LinalgCholeskyExBackward0')
def _cholesky_bw(node, g):
    (L,) = node.saved()
    Li = inv(L)
    P = _phi(matmul(_T(L), g.tril()))
    S = matmul(matmul(_T(Li), P), Li)
    return (0.5 * (S + _T(S)),)


def cholesky(A, *, upper=False, out=None):
    """L lower-triangular with A = L @ L.mT (``upper``: U = L.mT); A must be positive-definite."""
    _square(A, 'cholesky')
    try:
        with _raising(A._data):
            r = np.linalg.cholesky(A._data)
    except np.linalg.LinAlgError:
        k = int(_cholesky_info(A._data).max())
        raise LinAlgError('linalg.cholesky: The factorization could not be completed because the input is not '
                          f'positive-definite (the leading minor of order {k} is not positive-definite).') from None
    t = _w(r, A)
    if _gm.enabled and A._rg:
        record(_cholesky_bw, t, (A,), (t,))
    return _finish(_T(t) if upper else t, out)


_qr_rt = RT.make('linalg_qr', ('Q', 'R'))


@backward_op('LinalgQrBackward0', multi_output=True)
def _qr_bw(node, *grads):
    # torch's linalg_qr_backward for m >= n (reduced): gA = (gQ + Q copyltu(M)) R^{-H}
    Q, R = node.saved()
    gQ = grads[0] if len(grads) > 0 else None
    gR = grads[1] if len(grads) > 1 else None
    if Q.shape[-2] < R.shape[-1]:
        raise NotImplementedError('The derivative of linalg.qr is not implemented when mode=\'complete\' and '
                                  'nrows > ncols, or for wide matrices')
    M = 0
    if gR is not None:
        M = matmul(R, _T(gR))
    if gQ is not None:
        M = M - matmul(_T(gQ), Q)
    if isinstance(M, int):
        return (None,)
    low = M.tril(-1)
    M = low + _T(low) + M * _eye_like(M.shape[-1], M)
    b = matmul(Q, M)
    if gQ is not None:
        b = b + gQ
    return (matmul(b, _T(inv(R))),)


def qr(A, mode='reduced', *, out=None):
    """A = Q @ R with Q orthonormal columns, R upper-triangular (R's diagonal's signs as LAPACK)."""
    _float(A, 'qr')
    if mode not in ('reduced', 'complete', 'r'):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    q, r = np.linalg.qr(A._data, mode='complete' if mode == 'complete' else 'reduced')
    tq, tr = _w(q, A), _w(r, A)
    if mode == 'r':
        tq = _wrap(_xp(A._data).zeros((0,), A.dtype.np), A.dtype, A._device)
    if _gm.enabled and A._rg and mode != 'r':
        record(_qr_bw, (tq, tr), (A,), (tq, tr))
    return _qr_rt((tq, tr))


_eigh_rt = RT.make('linalg_eigh', ('eigenvalues', 'eigenvectors'))


@backward_op('LinalgEighBackward0', multi_output=True)
def _eigh_bw(node, *grads):
    w, V = node.saved()
    gw = grads[0] if len(grads) > 0 else None
    gV = grads[1] if len(grads) > 1 else None
    inner = 0
    if gV is not None:
        E = w.unsqueeze(-2) - w.unsqueeze(-1)           # E[i, j] = w_j - w_i
        n = w.shape[-1]
        eye = _eye_like(n, w)
        F = (1 - eye) / (E + eye)                        # 1 / (w_j - w_i) off the diagonal
        inner = F * matmul(_T(V), gV)
    if gw is not None:
        inner = inner + gw.unsqueeze(-1) * _eye_like(w.shape[-1], w)
    if isinstance(inner, int):
        return (None,)
    r = matmul(matmul(V, inner), _T(V))
    return (0.5 * (r + _T(r)),)


_eig_rt = RT.make('linalg_eig', ('eigenvalues', 'eigenvectors'))


def _eig_arrays(A, fname):
    _square(A, fname)
    if A.requires_grad and _gm.enabled:
        raise NotImplementedError(f'ember: the gradient of linalg.{fname} is not implemented (the forward is: '
                                  'detach the input)')
    return np.linalg.eig(A._host())


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors of general square matrices, complex (LAPACK's geev, as torch's
    CPU kernel: each eigenvector of norm 1 with its largest component real). Forward only."""
    w, v = _eig_arrays(A, 'eig')
    cdt = A.dtype if A.dtype._cat == 3 else A.dtype.to_complex()
    tw = _wrap(_to_dev(np.ascontiguousarray(w.astype(cdt.np, copy=False)), A), cdt, A._device)
    tv = _wrap(_to_dev(np.ascontiguousarray(v.astype(cdt.np, copy=False)), A), cdt, A._device)
    r = _eig_rt((tw, tv))
    if out is not None:
        _finish(tw, out[0])
        _finish(tv, out[1])
        return _eig_rt(tuple(out))
    return r


def eigvals(A, *, out=None):
    """The eigenvalues of ``eig``."""
    w, _ = _eig_arrays(A, 'eigvals')
    cdt = A.dtype if A.dtype._cat == 3 else A.dtype.to_complex()
    return _finish(_wrap(_to_dev(np.ascontiguousarray(w.astype(cdt.np, copy=False)), A), cdt, A._device), out)


def _to_dev(a, like):
    """A host result back on ``like``'s device (geev runs on the host)."""
    return a if like._device.type == 'cpu' else _xp(like._data).asarray(a)


def eigh(A, UPLO='L', *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices."""
    _square(A, 'eigh')
    w, v = np.linalg.eigh(A._data, UPLO=UPLO)
    tw, tv = _wr(w, A), _w(v, A)
    if _gm.enabled and A._rg:
        record(_eigh_bw, (tw, tv), (A,), (tw, tv))
    return _eigh_rt((tw, tv))


def eigvalsh(A, UPLO='L', *, out=None):
    _square(A, 'eigvalsh')
    w, v = np.linalg.eigh(A._data, UPLO=UPLO)
    tw = _wr(w, A)
    if _gm.enabled and A._rg:
        record(_eigvalsh_bw, tw, (A,), (A, _w(v, A)))
    return _finish(tw, out)


@backward_op('LinalgEighBackward0')
def _eigvalsh_bw(node, g):
    A, V = node.saved()
    if _gm.enabled:        # a graph for a second derivative: V from the differentiable eigh
        V = eigh(A)[1]
    r = matmul(V * g.unsqueeze(-2), _T(V))
    return (0.5 * (r + _T(r)),)


_svd_rt = RT.make('linalg_svd', ('U', 'S', 'Vh'))


@backward_op('LinalgSvdBackward0', multi_output=True)
def _svd_bw(node, *grads):
    # real, reduced SVD (torch's svd_backward)
    U, S, Vh = node.saved()
    gU = grads[0] if len(grads) > 0 else None
    gS = grads[1] if len(grads) > 1 else None
    gVh = grads[2] if len(grads) > 2 else None
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    V = _T(Vh)
    eye = _eye_like(k, S)
    if gU is None and gVh is None:
        return (None,) if gS is None else (matmul(U * gS.unsqueeze(-2), Vh),)
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)             # E[i, j] = s_j^2 - s_i^2
    F = (1 - eye) / (E + eye)
    gA = 0
    if gS is not None:
        gA = matmul(U * gS.unsqueeze(-2), Vh)
    Sd = S.unsqueeze(-2)
    if gU is not None:
        UtgU = matmul(_T(U), gU)
        J = F * (UtgU - _T(UtgU))
        gA = gA + matmul(matmul(U, J * Sd), Vh)
        if m > k:
            gA = gA + matmul((gU - matmul(U, UtgU)) / Sd, Vh)
    if gVh is not None:
        gV = _T(gVh)
        VtgV = matmul(_T(V), gV)
        K = F * (VtgV - _T(VtgV))
        gA = gA + matmul(matmul(U, S.unsqueeze(-1) * K), Vh)
        if n > k:
            gA = gA + matmul(U / Sd, _T(gV - matmul(V, VtgV)))
    return (gA,)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh; gradients for the reduced form (full_matrices=False), as in torch."""
    _float(A, 'svd')
    u, s, vh = np.linalg.svd(A._data, full_matrices=full_matrices)
    tu, ts, tv = _w(u, A), _wr(s, A), _w(vh, A)
    if _gm.enabled and A._rg:
        if full_matrices and A.shape[-1] != A.shape[-2]:
            from .pointwise import _record_not_implemented
            _record_not_implemented(ts, 'linalg_svd (full_matrices=True)', A)
        else:
            record(_svd_bw, (tu, ts, tv), (A,), (tu, ts, tv))
    return _svd_rt((tu, ts, tv))


def svdvals(A, *, driver=None, out=None):
    _float(A, 'svdvals')
    u, s, vh = np.linalg.svd(A._data, full_matrices=False)
    ts = _wr(s, A)
    if _gm.enabled and A._rg:
        record(_svdvals_bw, ts, (A,), (A, _w(u, A), _w(vh, A)))
    return _finish(ts, out)


@backward_op('LinalgSvdBackward0')
def _svdvals_bw(node, g):
    A, U, Vh = node.saved()
    if _gm.enabled:        # a graph for a second derivative: U, Vh from the differentiable svd
        U, _, Vh = svd(A, full_matrices=False)
    return (matmul(U * g.unsqueeze(-2), Vh),)


# ---------------------------------------------------------------- norms
def matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """'fro', 'nuc', 1, -1, 2, -2, inf, -inf norms of the matrices over ``dim``."""
    _float(A, 'matrix_norm')
    if A.dim() < 2:
        raise RuntimeError(f'linalg.matrix_norm: The input tensor A must have at least 2 dimensions.')
    d0, d1 = (d % A.dim() for d in dim)
    if ord == 'fro':
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype, out=out)
    if ord in ('nuc', 2, -2):
        B = A.movedim((d0, d1), (-2, -1))
        s = svdvals(B)
        r = s.sum(-1) if ord == 'nuc' else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            r = r.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return _finish(r, out)
    inf = float('inf')
    if ord in (1, -1, inf, -inf):
        a, b = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = A.abs().sum(a, keepdim=True)
        r = s.amax(b, keepdim=True) if ord in (1, inf) else s.amin(b, keepdim=True)
        if not keepdim:
            r = r.squeeze(max(d0, d1)).squeeze(min(d0, d1))
        return _finish(r, out)
    raise RuntimeError(f'linalg.matrix_norm: Order {ord} not supported.')


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.norm: a vector norm (1-D input, an int dim, or ord None with dim None) or a matrix norm."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.dim() == 2):
        return matrix_norm(A, 'fro' if ord is None else ord, (-2, -1) if dim is None else dim, keepdim,
                           dtype=dtype, out=out)
    if dim is None and ord is not None and A.dim() != 1:
        raise RuntimeError(f'linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got '
                           f'{A.dim()}D.')
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def logdet(A):
    """log det A (nan for a negative determinant), as torch.logdet."""
    sign, la = slogdet(A)
    return la + _nan_where_negative(sign)


def _nan_where_negative(sign):
    return _wrap(np.where(sign._data < 0, np.nan, np.where(sign._data == 0, -np.inf, 0.)).astype(sign.dtype.np),
                 sign.dtype, sign._device)


def inverse(A, *, out=None):
    return inv(A, out=out)


def pinverse(A, rcond=1e-15):
    return pinv(A, rtol=rcond)


# ---------------------------------------------------------------- composed helpers (differentiable through ember ops)
_named = fused_name      # (t with torch's grad_fn name for the fused op: _core.fused_name)


_linalg_slogdet_rt = RT.make('linalg_slogdet', ('sign', 'logabsdet'))


def linalg_slogdet(A, *, out=None):
    """torch.linalg.slogdet (torch.return_types.linalg_slogdet; torch.slogdet's is return_types.slogdet)."""
    return _linalg_slogdet_rt(tuple(slogdet(A)))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A @ X = B (``left=False``: X @ A = B) for a triangular A (only its triangle is read)."""
    _float(A, 'solve_triangular')
    T = A.triu() if upper else A.tril()
    if unitriangular:
        eye = _eye_like(A.shape[-1], A)
        T = T * (1 - eye) + eye
    return _finish(_named(solve(T, B, left=left), 'LinalgSolveTriangularBackward0'), out)


@backward_op('CholeskySolveBackward0')
def _cholesky_solve_bw(node, g):
    # torch's cholesky_solve_backward: the factor's gradient is dense (-(G + G^H) @ L with
    # G = cholesky_solve(g) @ X^H), not only its triangle, which the forward reads
    L, X = node.saved()
    upper, bshape, lshape = node._args
    nB, nL = node.next_functions
    gB = cholesky_solve(g, L, upper)
    gL = None
    if nL[0] is not None:
        common = matmul(gB, _H(X))
        common = common + _H(common)
        gL = sum_to(-(matmul(L, common) if upper else matmul(common, L)), lshape)
    return (sum_to(gB, bshape) if nB[0] is not None else None), gL


def cholesky_solve(B, L, upper=False, *, out=None):
    """X with (L @ L.mH) @ X = B (``upper``: (U.mH @ U) @ X = B); only L's triangle is read."""
    prev = _gm.enabled
    _gm.enabled = False
    try:
        T = _H(L) if upper else L
        X = solve_triangular(_H(T), solve_triangular(T, B, upper=False), upper=True)
    finally:
        _gm.enabled = prev
    if prev and (B._rg or L._rg):
        record(_cholesky_solve_bw, X, (B, L), (L, X), (upper, tuple(B.shape), tuple(L.shape)))
    return _finish(X, out)


def cholesky_inverse(L, upper=False, *, out=None):
    """The inverse of L @ L.mT from its Cholesky factor L."""
    eye = _eye_like(L.shape[-1], L)
    return _finish(_named(cholesky_solve(eye.expand(*L.shape) if L.dim() > 2 else eye, L, upper),
                          'CholeskyInverseBackward0'), out)


def _cholesky_info(a):
    """Per matrix: 0, or the order of the first leading minor that is not positive-definite."""
    a = _to_host(as_array(a))           # (a host loop over leading minors: a GPU matrix comes over)
    info = np.zeros(a.shape[:-2], np.int32)
    for idx in np.ndindex(*a.shape[:-2]):
        for k in range(1, a.shape[-1] + 1):
            try:
                np.linalg.cholesky(a[idx][:k, :k])
            except np.linalg.LinAlgError:
                info[idx] = k
                break
    return info


_cholesky_ex_rt = RT.make('linalg_cholesky_ex', ('L', 'info'))


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info 0, or the order of the first leading minor that is not positive-definite."""
    _square(A, 'cholesky_ex')
    info = _cholesky_info(A._data)
    if check_errors and info.any():
        raise LinAlgError(f'linalg.cholesky_ex: The factorization could not be completed because the input is not '
                          f'positive-definite (the leading minor of order {int(info.max())} is not positive-definite).')
    if not info.any():
        L = cholesky(A, upper=upper)
    else:       # LAPACK leaves the input's triangle where it stopped
        L = A.detach().triu() if upper else A.detach().tril()
    t_info = _wrap(_xp(A._data).asarray(info), D.int32, A._device)
    return _cholesky_ex_rt((L, t_info))


_inv_ex_rt = RT.make('linalg_inv_ex', ('inverse', 'info'))


def inv_ex(A, *, check_errors=False, out=None):
    try:
        return _inv_ex_rt((inv(A), _wrap(_xp(A._data).zeros(A.shape[:-2], np.int32), D.int32, A._device)))
    except LinAlgError:
        if check_errors:
            raise
        r = _wrap(_xp(A._data).full(A.shape, np.nan, A.dtype.np), A.dtype, A._device)
        return _inv_ex_rt((r, _wrap(_xp(A._data).ones(A.shape[:-2], np.int32), D.int32, A._device)))


def _on_host(x):
    return _to_host(x) if _is_device_array(x) else x


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    """The number of singular values above max(atol, rtol * largest) (default rtol: eps * max(m, n))."""
    _float(A, 'matrix_rank')
    if tol is not None:
        atol = tol
    # (hermitian: |eigenvalues| of the lower triangle, as torch, which reads nothing else)
    s = _to_host((eigvalsh(A.detach()).abs() if hermitian else svdvals(A.detach()))._data)
    if hermitian:
        s = np.sort(s, axis=-1)[..., ::-1]      # (a few numbers per matrix: compared on the host)
    smax = s.max(axis=-1, initial=0.) if s.shape[-1] else np.zeros(s.shape[:-1], s.dtype)
    if atol is None and rtol is None:
        rtol = np.finfo(A.dtype.np).eps * max(A.shape[-2], A.shape[-1])
    at = 0. if atol is None else (atol._data if isinstance(atol, Tensor) else atol)
    rt = 0. if rtol is None else (rtol._data if isinstance(rtol, Tensor) else rtol)
    thr = np.maximum(_on_host(at), _on_host(rt) * smax)
    r = (s > np.asarray(thr)[..., None]).sum(-1).astype(np.int64)
    return _finish(_wrap(_xp(A._data).asarray(r), D.int64, A._device), out)


def cond(A, p=None, *, out=None):
    """The condition number in the ``p`` norm (default 2: largest / smallest singular value)."""
    _float(A, 'cond')
    if p in (None, 2, -2):
        s = svdvals(A)
        r = s.amax(-1) / s.amin(-1) if p != -2 else s.amin(-1) / s.amax(-1)
        r = _named(r, 'SqueezeBackward1')
    else:
        r = matrix_norm(A, p) * matrix_norm(inv(A), p)
    return _finish(r, out)


def matrix_exp(A):
    """exp(A) by scaling and squaring a Taylor series (ember ops: differentiable)."""
    _square(A, 'matrix_exp')
    nrm = float(np.abs(as_array(A.detach()._data)).sum(-2).max()) if A.numel() else 0.
    sq = max(0, int(np.ceil(np.log2(nrm / 0.5)))) if nrm > 0.5 else 0
    X = A / (2 ** sq)
    eye = _eye_like(A.shape[-1], A)
    r, term = eye + X, X
    for k in range(2, 20):
        term = matmul(term, X) / k
        r = r + term
    for _ in range(sq):
        r = matmul(r, r)
    return _named(r, 'LinalgMatrixExpBackward0')


from ._core import meta_name as _meta_name  # noqa: E402


def multi_dot(tensors, *, out=None):
    """A @ B @ C ...; the first tensor may be 1-D (a row), the last 1-D (a column)."""
    if len(tensors) < 2:
        raise RuntimeError(f'multi_dot(): expected at least 2 tensors but got {len(tensors)}')
    for i, t in enumerate(tensors[1:], 1):
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(f'multi_dot(): all tensors must have be the same dtype but tensor 0 is '
                               f'{_meta_name(tensors[0].dtype)} and tensor {i} {_meta_name(t.dtype)}')
    r = tensors[0]
    for t in tensors[1:]:
        r = matmul(r, t)
    return _finish(r, out)


def vander(x, *, N=None):
    """torch.linalg.vander: the columns x**0, x**1, ..., x**(N-1) (increasing powers)."""
    n = x.shape[-1] if N is None else N
    if n <= 1:
        if n < 1:
            raise RuntimeError('N must be greater than 1.')
    cols = [x ** 0] + [x ** k for k in range(1, n)]
    from .shape import stack
    return stack(cols, -1)


def vecdot(x, y, *, dim=-1, out=None):
    """sum(conj(x) * y) over ``dim``."""
    if _amp.active:     # autocast: linalg_vecdot is on torch's lower-precision list (ember/amp/autocast_mode.py)
        x, y = _amp.lower(x, y)
    return _finish(((x.conj() if x.dtype._cat == 3 else x) * y).sum(dim), out)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return A.diagonal(offset, dim1, dim2)


_svd_old_rt = RT.make('svd', ('U', 'S', 'V'))


def svd_old(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V (not Vh); ``some``: the reduced form."""
    U, S, Vh = svd(input, full_matrices=not some)
    if not compute_uv:
        U, Vh = U.detach().zero_(), Vh.detach().zero_()
    return _svd_old_rt((U, S, _T(Vh)))


def cholesky_old(input, upper=False, *, out=None):
    """torch.cholesky (deprecated in torch for torch.linalg.cholesky: its TORCH_WARN_ONCE)."""
    from ._core import warn_once
    warn_once('torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future '
              'PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n'
              'U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis '
              'transform will produce equivalent results for all valid (symmetric positive definite) inputs.')
    return cholesky(input, upper=upper, out=out)


def vander_old(x, N=None, increasing=False):
    """torch.vander: decreasing powers x**(N-1) ... x**0 unless ``increasing``."""
    r = vander(x, N=N)
    return r if increasing else r.flip(-1)


# ---------------------------------------------------------------- LU, solve_ex, triangular_solve
def _getrf(a):
    """LAPACK getrf on one matrix: (packed LU, 1-based pivots, info), partial pivoting by the first
    largest magnitude in each column."""
    a = np.array(a, copy=True)
    m, n = a.shape
    k = min(m, n)
    ipiv = np.zeros(k, np.int32)
    info = 0
    for j in range(k):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        ipiv[j] = p + 1
        if a[p, j] != 0:
            if p != j:
                a[[j, p]] = a[[p, j]]
            a[j + 1:, j] /= a[j, j]
        elif info == 0:
            info = j + 1
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return a, ipiv, info


def _lu_host(A):
    a = _to_host(as_array(A._data))
    lu = np.empty_like(a)
    piv = np.empty(a.shape[:-2] + (min(a.shape[-2:]),), np.int32)
    info = np.zeros(a.shape[:-2], np.int32)
    for idx in np.ndindex(*a.shape[:-2]):
        lu[idx], piv[idx], info[idx] = _getrf(a[idx])
    return lu, piv, info


def _perm_from_pivots(piv, m):
    """Row i of P^T A is row perm[i] of A, for LAPACK's 1-based swaps ``piv``."""
    perm = np.broadcast_to(np.arange(m), piv.shape[:-1] + (m,)).copy()
    for idx in np.ndindex(*piv.shape[:-1]):
        p = perm[idx]
        for j, s in enumerate(piv[idx]):
            s = int(s) - 1
            p[j], p[s] = p[s], p[j]
    return perm


@backward_op('LinalgLuBackward0', multi_output=True)
def _lu_bw(node, *grads):
    gL, gU = (tuple(grads) + (None, None))[:2]
    P, L, U = node.saved()
    if L.shape[-1] != U.shape[-1] or L.shape[-2] != U.shape[-2]:
        raise NotImplementedError('ember: the gradient of linalg.lu is implemented for square matrices only')
    # torch's linalg_lu_backward (square): P L^-H [L^H gL o 1_L + gU U^H o 1_U] U^-H
    phi = 0
    if gL is not None:
        phi = matmul(_T(L), gL).tril(-1)
    if gU is not None:
        phi = phi + matmul(gU, _T(U)).triu()
    if not isinstance(phi, Tensor):
        return (None,)
    X = solve_triangular(_T(L), phi, upper=True, unitriangular=True)
    X = solve_triangular(_T(U), X, upper=False, left=False)
    return (matmul(P, X),)


_lu_rt = RT.make('linalg_lu', ('P', 'L', 'U'))
_lu_factor_rt = RT.make('linalg_lu_factor', ('LU', 'pivots'))
_lu_factor_ex_rt = RT.make('linalg_lu_factor_ex', ('LU', 'pivots', 'info'))
_lu_unpack_rt = RT.make('lu_unpack', ('P', 'L', 'U'))


def _unpack(lu, piv, like):
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
    U = np.triu(lu[..., :k, :])
    perm = _perm_from_pivots(piv, m)
    P = np.zeros(lu.shape[:-2] + (m, m), lu.dtype)
    np.put_along_axis(P, perm[..., :, None], 1, axis=-1)      # P^T has row i = e_perm[i]
    P = np.swapaxes(P, -1, -2)
    return _w(P, like), _w(L, like), _w(U, like)


def lu(A, *, pivot=True, out=None):
    """torch.linalg.lu: (P, L, U) with A = P @ L @ U, L unit lower (m x k), U upper (k x n)."""
    _float(A, 'lu')
    if not pivot:
        raise RuntimeError('linalg.lu_factor: LU without pivoting is not implemented on the CPU')
    lu_, piv, _ = _lu_host(A)
    P, L, U = _unpack(lu_, piv, A)
    if _gm.enabled and A._rg:
        record(_lu_bw, (L, U), (A,), (P, L, U))       # (P is not differentiable)
    return _lu_rt((P, L, U))


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """torch.linalg.lu_factor_ex: (LU, pivots, info), LAPACK's packed form (pivots 1-based, int32)."""
    _float(A, 'lu_factor_ex')
    if not pivot:
        raise RuntimeError('linalg.lu_factor: LU without pivoting is not implemented on the CPU')
    lu_, piv, info = _lu_host(A)
    if check_errors and info.any():
        raise LinAlgError(f'torch.linalg.lu_factor_ex: U[{int(info.max())},{int(info.max())}] is zero and using it '
                          'on lu_solve would result in a division by zero. If you still want to perform the '
                          'factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)')
    pv = _wrap(_xp(A._data).asarray(piv), D.int32, A._device)
    inf = _wrap(_xp(A._data).asarray(info), D.int32, A._device)
    if _gm.enabled and A._rg:       # differentiable through linalg.lu: LU = (L - I) + U
        P, L, U = lu(A)
        m, n = A.shape[-2:]
        k = min(m, n)
        from .shape import cat
        Lk = L - _w(np.eye(m, k), A)
        if n > k:
            Lk = cat([Lk, _w(np.zeros(A.shape[:-2] + (m, n - k)), A)], -1)
        Uk = U if m == k else cat([U, _w(np.zeros(A.shape[:-2] + (m - k, n)), A)], -2)
        return _lu_factor_ex_rt((_named(Lk + Uk, 'LinalgLuFactorExBackward0'), pv, inf))
    return _lu_factor_ex_rt((_w(lu_, A), pv, inf))


def lu_factor(A, *, pivot=True, out=None):
    """torch.linalg.lu_factor: (LU, pivots); a singular A raises, as torch does."""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    if bool((info != 0).any()):
        i = int(info.max())
        raise RuntimeError(f'torch.linalg.lu_factor: U[{i},{i}] is zero and using it on lu_solve would result in a '
                          'division by zero. If you still want to perform the factorization, consider calling '
                          'linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)')
    return _lu_factor_rt((LU, piv))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """torch.lu_unpack: (P, L, U) from lu_factor's packed form."""
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    L = LU_data[..., :, :k].tril(-1) + _w(np.eye(m, k), LU_data)
    U = LU_data[..., :k, :].triu()
    P = _unpack(_to_host(as_array(LU_data._data)), _to_host(as_array(LU_pivots._data)), LU_data)[0]
    return _lu_unpack_rt((P, L, U))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with A X = B (``adjoint``: A^H X = B; ``left=False``: X A = B) from A's lu_factor."""
    if not left:
        return _finish(_T(lu_solve(LU, pivots, _T(B), adjoint=not adjoint)), out)
    m = LU.shape[-1]
    perm = _perm_from_pivots(_to_host(as_array(pivots._data)), m)
    if not adjoint:
        Y = solve_triangular(LU, _gather_rows(B, perm), upper=False, unitriangular=True)
        X = solve_triangular(LU, Y, upper=True)
    else:
        Y = solve_triangular(_T(LU), B, upper=False)
        Y = solve_triangular(_T(LU), Y, upper=True, unitriangular=True)
        X = _scatter_rows(Y, perm)
    return _finish(_named(X, 'LinalgLuSolveBackward0'), out)


def _gather_rows(B, perm):
    """Rows perm of B (one permutation per matrix of the batch): P^T B."""
    if perm.ndim == 1:
        return B[..., perm.tolist(), :]
    batch = np.broadcast_shapes(perm.shape[:-1], tuple(B.shape[:-2]))
    B = B.expand(*batch, *B.shape[-2:])
    perm = np.broadcast_to(perm, batch + perm.shape[-1:])
    from .shape import stack
    return stack([_gather_rows(B[i], perm[i]) for i in range(batch[0])])


def _scatter_rows(Y, perm):
    """P Y: row perm[i] of the result is row i of Y."""
    inv = np.argsort(perm, axis=-1)
    return _gather_rows(Y, inv)


_solve_ex_rt = RT.make('linalg_solve_ex', ('result', 'info'))


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """torch.linalg.solve_ex: (result, info), info the LU's first zero pivot (0 when A is invertible)."""
    _square(A, 'solve_ex')
    info = _lu_host(A)[2]
    if check_errors and info.any():
        raise LinAlgError('torch.linalg.solve_ex: The solver failed because the input matrix is singular.')
    inf = _wrap(_xp(A._data).asarray(info), D.int32, A._device)
    if info.any():
        shape = np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]) if B.dim() >= 2 else ()) + tuple(
            B.shape[-2:] if B.dim() >= 2 and B.dim() == A.dim() else B.shape[-1:])
        r = _wrap(_xp(A._data).full(shape, np.nan, A.dtype.np), A.dtype, A._device)
        return _solve_ex_rt((r, inf))
    return _solve_ex_rt((solve(A, B, left=left), inf))


_triangular_solve_rt = RT.make('triangular_solve', ('solution', 'cloned_coefficient'))
_warned_triangular_solve = []


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """torch.triangular_solve (deprecated form): (solution of A X = b, or A^T X = b, and a copy of A)."""
    if not _warned_triangular_solve:
        _warned_triangular_solve.append(True)
        import warnings
        warnings.warn('torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be '
                      'removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed '
                      'and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\n'
                      'should be replaced with\nX = torch.linalg.solve_triangular(A, B).', UserWarning, stacklevel=2)
    M = _T(A) if transpose else A
    X = solve_triangular(M, b, upper=upper != transpose, unitriangular=unitriangular)
    return _triangular_solve_rt((_named(X, 'TriangularSolveBackward0'), A.clone()))


_lu_with_info_rt = RT.make('_lu_with_info', ('LU', 'pivots', 'info'))
def _warn_once(key, msg):
    from ._core import warn_once
    warn_once(msg, stacklevel=4)


def lu_old(A, pivot=True, get_infos=False, out=None):
    """torch.lu (deprecated): (LU, pivots), or with ``get_infos`` (LU, pivots, info); as torch's, a
    singular A does not raise."""
    _warn_once('lu', 'torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and '
                     'will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be '
                     'replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = '
                     'torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = '
                     'torch.linalg.lu_factor_ex(A, compute_pivots)')
    r = lu_factor_ex(A, pivot=pivot)
    return _lu_with_info_rt(tuple(r)) if get_infos else (r[0], r[1])


def lu_solve_old(b, LU_data, LU_pivots, *, out=None):
    """torch.lu_solve (deprecated; arguments in the old order): X with A X = b."""
    _warn_once('lu_solve', 'torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a '
                           'future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = '
                           'torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = torch.linalg.lu_solve(LU, '
                           'pivots, B)')
    return lu_solve(LU_data, LU_pivots, b, out=out)


# ---------------------------------------------------------------- tensorsolve, tensorinv, householder_product
def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B; ``dims``: A's dimensions moved to the end first."""
    if dims is not None:
        nd = A.dim()
        A = A.movedim(list(dims), list(range(nd - len(dims), nd)))
    res_shape = tuple(A.shape[B.dim():])
    n_res = int(np.prod(res_shape, dtype=np.int64))
    n_b = int(np.prod(tuple(A.shape[:B.dim()]), dtype=np.int64))
    if n_res != n_b:
        raise RuntimeError('Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == '
                           f'prod(self.shape[:other.ndim]), but got {n_res} != {n_b}')
    X = solve(A.reshape(n_b, n_res), B.reshape(n_b))
    return _finish(X.reshape(res_shape), out)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of A seen as a (prod(shape[:ind]), prod(shape[ind:])) matrix, shaped
    shape[ind:] + shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(f'Expected a strictly positive integer for \'ind\', but got {ind}')
    left, right = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    nl, nr = int(np.prod(left, dtype=np.int64)), int(np.prod(right, dtype=np.int64))
    if nl != nr:
        raise RuntimeError('Expected self to satisfy the requirement prod(self.shape[ind:]) == '
                           f'prod(self.shape[:ind]), but got {nr} != {nl}')
    return _finish(inv(A.reshape(nl, nr)).reshape(right + left), out)


def householder_product(A, tau, *, out=None):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H, v_i column i of A below the
    diagonal with an implicit 1 on it (LAPACK orgqr)."""
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    if m < n:
        raise RuntimeError('torch.linalg.householder_product: input.shape[-2] must be greater than or equal to '
                           'input.shape[-1]')
    if n < k:
        raise RuntimeError('torch.linalg.householder_product: input.shape[-1] must be greater than or equal to '
                           'tau.shape[-1]')
    eye = _eye_like(m, A)
    V = A.tril(-1) + eye[:, :n]
    Q = eye[:, :n].expand(*A.shape[:-2], m, n) if A.dim() > 2 else eye[:, :n]
    for i in range(k - 1, -1, -1):      # Q = H_i Q, from the last reflector back
        v = V[..., :, i:i + 1]
        Q = Q - tau[..., i:i + 1].unsqueeze(-1) * matmul(v, matmul(_H(v), Q))
    return _finish(_named(Q, 'LinalgHouseholderProductBackward0'), out)


_geqrf_rt = RT.make('geqrf', ('a', 'tau'))


def geqrf(input, *, out=None):
    """torch.geqrf: LAPACK geqrf's packed QR (R on and above the diagonal, the Householder vectors
    below it) and the reflectors' scales ``tau``; householder_product(a, tau) gives Q."""
    _float(input, 'geqrf')
    a = _to_host(as_array(input._data))
    m, n = a.shape[-2:]
    h = np.empty_like(a)
    tau = np.empty(a.shape[:-2] + (min(m, n),), a.dtype)
    for idx in np.ndindex(*a.shape[:-2]):
        hh, tt = np.linalg.qr(a[idx].astype(np.float64), mode='raw')
        h[idx], tau[idx] = hh.T, tt
    return _geqrf_rt((_w(h, input), _w(tau, input)))
