"""Ready-made parametrizations: orthogonal, weight_norm, spectral_norm (``torch.nn.utils.parametrizations``).

Each registers one module with :func:`parametrize.register_parametrization`, so the weight is
recomputed on access and the state_dict keys are torch's
(``parametrizations.weight.original0`` / ``original1`` for weight_norm's g and v).

Example:
    >>> m = parametrizations.weight_norm(nn.Linear(20, 40))
    >>> m.parametrizations.weight.original0.shape      # torch.Size([40, 1]) (g)
"""
import math
from enum import Enum, auto

from ... import no_grad
from ..._tensor import Tensor
from ..._ops import creation as _C
from ..._ops.shape import cat as _cat
from ..._ops._core import fused_name as _fused_name
from ..._dtype import float16 as _f16
from .. import functional as F
from ..modules.module import Module
from . import parametrize

__all__ = ['orthogonal', 'spectral_norm', 'weight_norm']


def _eye_like(A, n):
    return _C.eye(n, dtype=A.dtype, device=A.device)


def _matrix_exp(A):
    """exp(A) for a (batch of) square matrix, by scaling and squaring a Taylor series, built of
    differentiable ops so that gradients flow (ember has no matrix_exp kernel)."""
    n = A.shape[-1]
    with no_grad():
        norm = float(A.abs().sum(-2).amax()) if A.numel() else 0.0
    s = max(0, int(math.ceil(math.log2(norm))) + 1) if norm > 0.5 else 0
    X = A / (2.0 ** s)
    term = _eye_like(A, n).expand(A.shape)
    result = term
    for k in range(1, 19):          # ||X|| <= 1/2: 18 terms reach double precision
        term = (term @ X) / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


def _householder_product(A, tau):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H, v_i = A[:, i] below the
    diagonal with a unit i-th entry (LAPACK's orgqr; torch.linalg.householder_product)."""
    m, n = A.shape[-2], A.shape[-1]
    Q = _eye_like(A, m).expand(A.shape[:-2] + (m, m))
    rows = _C.arange(m, device=A.device)
    for i in range(tau.shape[-1]):
        below = (rows > i).to(A.dtype)
        unit = (rows == i).to(A.dtype)
        v = A[..., :, i] * below + unit
        Qv = (Q @ v.unsqueeze(-1))
        Q = Q - tau[..., i, None, None] * (Qv @ v.conj().unsqueeze(-2))
    return Q[..., :, :n]


def _is_orthogonal(Q):
    n, k = Q.size(-2), Q.size(-1)
    Id = _eye_like(Q, k)
    from ..._dtype import finfo
    eps = 10. * n * finfo(Q.dtype).eps
    from ... import allclose
    return allclose(Q.mH @ Q, Id, atol=eps)


def _make_orthogonal(A):
    """Q of A = QR (A tall) with diag(R) made real and non-negative."""
    from ... import linalg
    Q, R = linalg.qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError('The householder parametrization does not support complex tensors.')
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer('base', None)

    def forward(self, X):
        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = _cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = _matrix_exp(A)
            else:
                from ... import linalg
                Id = _eye_like(A, n)
                Q = linalg.solve(Id - 0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2. / (1. + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, 'base'):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(f'Expected a matrix or batch of matrices of shape {self.shape}. '
                                 f'Got a tensor of shape {Q.shape}.')
            Q_init = Q
            n, k = Q.size(-2), Q.size(-1)
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, 'base'):
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError('It is not possible to assign to the matrix exponential or the Cayley '
                                              'parametrizations when use_trivialization=False.')
                # torch.geqrf: the Householder vectors below the diagonal, signs of R on it
                A, tau = _geqrf(Q)
                d = A.diagonal(dim1=-2, dim2=-1)
                sign = d.sign()
                sign = sign * (1 - 2 * (tau == 0.).to(sign.dtype))
                A = A.tril(-1) + A.triu(1) + _diag_like(A, sign)
                return A.mT if transpose else A
            if n == k:
                Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()
            else:
                N = _C.randn(*(tuple(Q.size()[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
                Q = _make_orthogonal(_cat([Q, N], dim=-1))
            self.base = Q
            neg_Id = _C.zeros_like(Q_init)
            neg_Id.diagonal(dim1=-2, dim2=-1).fill_(-1.)
            return neg_Id


def _diag_like(A, d):
    # a (..., m, n) matrix with d on its main diagonal
    out = _C.zeros_like(A)
    out.diagonal(dim1=-2, dim2=-1).copy_(d)
    return out


def _geqrf(Q):
    """LAPACK geqrf's compact form (Householder vectors under the diagonal, R on and above it, tau),
    computed with NumPy's raw-mode QR on the CPU."""
    import numpy as np
    from ..._ops.creation import tensor
    a = Q.detach().cpu().numpy()
    flat = a.reshape((-1,) + a.shape[-2:])
    hs, taus = [], []
    for mat in flat:
        h, t = np.linalg.qr(mat.astype(np.float64 if mat.dtype == np.float64 else mat.dtype), mode='raw')
        hs.append(h.T)
        taus.append(t)
    h = np.stack(hs).reshape(a.shape).astype(a.dtype)
    t = np.stack(taus).reshape(a.shape[:-2] + (taus[0].shape[-1],)).astype(a.dtype)
    return tensor(h, device=Q.device), tensor(t, device=Q.device)


def orthogonal(module, name='weight', orthogonal_map=None, *, use_trivialization=True):
    """Keep ``module.<name>`` orthogonal (orthonormal columns, or rows when wide).

    Example:
        >>> m = orthogonal(nn.Linear(20, 40))
        >>> (m.weight.T @ m.weight - torch.eye(20)).abs().max()    # ~1e-7
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f'Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.')
    if orthogonal_map is None:
        orthogonal_map = 'matrix_exp' if weight.size(-2) == weight.size(-1) or weight.is_complex() else 'householder'
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f'Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


def _norm_except_dim(v, pow=2, dim=0):
    """``torch.norm_except_dim``: the ``pow``-norm of v over every dimension but ``dim`` (shape 1
    except at dim); dim=-1: of all v. As ATen: through a 2-D view, viewed back (ViewBackward0)."""
    if dim == -1:                       # (ATen's at::norm(v, pow): NormBackward0)
        return _fused_name(v.norm(pow), 'NormBackward0')
    shape = [1] * v.ndim
    if dim == 0:
        shape[0] = v.size(0)
        return v.contiguous().view(v.size(0), -1).norm(pow, 1).view(shape)
    if dim == v.ndim - 1:
        shape[-1] = v.size(-1)
        return v.contiguous().view(-1, v.size(-1)).norm(pow, 0).view(shape)
    return _norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


def _weight_norm(v, g, dim=0):
    """``torch._weight_norm``: w = g * v / ||v||; for dim 0 or the last (not float16) torch runs its
    fused kernel, so the weight prints grad_fn=<WeightNormInterfaceBackward0>."""
    w = v * (g / _norm_except_dim(v, 2, dim))
    if (dim == 0 or dim == v.ndim - 1) and v.dtype is not _f16 and g.dtype is not _f16:
        w = _fused_name(w, 'WeightNormInterfaceBackward0')
    return w


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name='weight', dim=0):
    """Split ``module.<name>`` into magnitude g (``original0``) and direction v (``original1``).

    Example:
        >>> m = weight_norm(nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape      # torch.Size([40, 1])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs):
        # state_dicts saved with the older nn.utils.weight_norm (weight_g, weight_v) still load
        g_key, v_key = f'{prefix}{name}_g', f'{prefix}{name}_v'
        if g_key in state_dict and v_key in state_dict:
            state_dict[f'{prefix}parametrizations.{name}.original0'] = state_dict.pop(g_key)
            state_dict[f'{prefix}parametrizations.{name}.original1'] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f'Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})')
        if n_power_iterations <= 0:
            raise ValueError(f'Expected n_power_iterations to be positive, but got '
                             f'n_power_iterations={n_power_iterations}')
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.size()
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer('_u', F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer('_v', F.normalize(v, dim=0, eps=self.eps))
            # start from a good estimate of the top singular vectors rather than a random one
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        # in place, as torch's out=: the buffers stay the same tensors
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(weight_mat.mv(self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(weight_mat.H.mv(self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # clones: the next power iteration writes the buffers in place, after autograd saved them
        u, v = self._u.clone(), self._v.clone()
        sigma = (u.conj() * weight_mat.mv(v)).sum()
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its largest singular value, estimated by power iteration
    (one step per access in training mode; the ``_u``/``_v`` buffers hold the estimate).

    Example:
        >>> m = spectral_norm(nn.Linear(20, 40))
        >>> torch.linalg.matrix_norm(m.weight, 2)      # ~1
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
