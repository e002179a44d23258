"""torch.svd_lowrank / torch.pca_lowrank: the randomized range finder of Halko et al. 2009
(Algorithms 4.4 and 5.1), in the steps torch/_lowrank.py takes, so that with the same seed the
random test matrix (one ``randn(n, q)`` draw) and hence the result match PyTorch."""
import ember as torch

__all__ = ['svd_lowrank', 'pca_lowrank']


def _floating_dtype(A):
    return A.dtype if A.dtype.is_floating_point else torch.float32


def get_approximate_basis(A, q, niter=2, M=None):
    niter = 2 if niter is None else niter
    R = torch.randn(A.shape[-1], q, dtype=_floating_dtype(A), device=A.device)
    X = torch.matmul(A, R)
    if M is not None:
        X = X - torch.matmul(M, R)
    Q = torch.linalg.qr(X).Q
    for _ in range(niter):
        X = torch.matmul(A.mH, Q)
        if M is not None:
            X = X - torch.matmul(M.mH, Q)
        Q = torch.linalg.qr(X).Q
        X = torch.matmul(A, Q)
        if M is not None:
            X = X - torch.matmul(M, Q)
        Q = torch.linalg.qr(X).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """An approximate SVD ``(U, S, V)`` of A (or of A - M) with q columns: A ~ U diag(S) V^H."""
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.size())
    if m < n:
        A = A.mH
        if M is not None:
            M = M.mH
    Q = get_approximate_basis(A, q, niter=niter, M=M)
    B = torch.matmul(Q.mH, A)
    if M is not None:
        B = B - torch.matmul(Q.mH, M)
    U, S, Vh = torch.linalg.svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    if m < n:
        U, V = V, U
    return U, S, V


def pca_lowrank(A, q=None, center=True, niter=2):
    """Linear PCA of a (batch of) low-rank matrix: ``(U, S, V)`` of the centred A, V's columns the
    principal directions; q defaults to min(6, m, n)."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f'q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}')
    if not (niter >= 0):
        raise ValueError(f'niter(={niter}) must be non-negative integer')
    if not center:
        return svd_lowrank(A, q, niter=niter, M=None)
    C = A.mean(dim=(-2,), keepdim=True)
    return svd_lowrank(A - C, q, niter=niter, M=None)
