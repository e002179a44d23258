"""``ember.sparse``: torch.sparse for COO tensors (``mm``, ``addmm``, ``sum``, ``softmax``,
``log_softmax``) and the legacy constructors ``torch.sparse.FloatTensor(indices, values, size)``.
The tensors and kernels are in ember/_ops/sparse_coo.py (see its docstring for the design)."""
import warnings

from . import _dtype as D
from ._ops.sparse_coo import (_CHECK, sparse_coo_tensor, sparse_mm, sparse_addmm, sparse_sum,
                              sparse_softmax)

__all__ = ['mm', 'addmm', 'sum', 'softmax', 'log_softmax', 'FloatTensor', 'DoubleTensor', 'LongTensor',
           'IntTensor', 'HalfTensor', 'check_sparse_tensor_invariants']


def mm(mat1, mat2, reduce='sum'):
    """sparse (n x k) @ dense (k x m): dense (n x m). A sparse ``mat1`` that requires grad gets a
    sparse gradient of its own pattern."""
    if reduce != 'sum':
        raise NotImplementedError(f'torch.sparse.mm: reduce={reduce!r} is not supported by ember')
    return sparse_mm(mat1, mat2)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """``beta * mat + alpha * (mat1 @ mat2)`` with ``mat1`` sparse and ``mat``, ``mat2`` dense."""
    return sparse_addmm(mat, mat1, mat2, beta=beta, alpha=alpha)


def sum(input, dim=None, dtype=None):  # noqa: A001  (torch.sparse.sum)
    """Sum of all values (a dense 0-d tensor) or over ``dim`` (sparse while sparse dims remain)."""
    return sparse_sum(input, dim, dtype=dtype)


def softmax(input, dim, dtype=None):
    """Softmax over ``dim`` among the specified entries (the others count as -inf)."""
    return sparse_softmax(input, dim, dtype)


def log_softmax(input, dim, dtype=None):
    return sparse_softmax(input, dim, dtype, _log=True)


_WARNED = [False]


def _legacy(dtype, name):
    def ctor(*args, device=None):
        if not _WARNED[0]:      # (torch warns once per process: TORCH_WARN_ONCE)
            _WARNED[0] = True
            warnings.warn('torch.sparse.SparseTensor(indices, values, shape, *, device=) is deprecated.  Please use '
                      'torch.sparse_coo_tensor(indices, values, shape, dtype=, device=).', UserWarning,
                          stacklevel=2)
        from ._tensor import Tensor
        if len(args) >= 2 and isinstance(args[0], Tensor) and isinstance(args[1], Tensor):
            # (torch keeps the values' dtype here: torch.sparse.FloatTensor(i, double_values) is float64)
            return sparse_coo_tensor(args[0], args[1], args[2] if len(args) > 2 else None, device=device)
        from ._ops.creation import empty, zeros
        size = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
        return sparse_coo_tensor(zeros((len(size), 0), dtype=D.int64), empty((0,), dtype=dtype), size, device=device)
    ctor.__name__ = ctor.__qualname__ = name
    return ctor


FloatTensor = _legacy(D.float32, 'FloatTensor')
DoubleTensor = _legacy(D.float64, 'DoubleTensor')
LongTensor = _legacy(D.int64, 'LongTensor')
IntTensor = _legacy(D.int32, 'IntTensor')
HalfTensor = _legacy(D.float16, 'HalfTensor')


class check_sparse_tensor_invariants:
    """Context manager (and ``.enable()``/``.disable()``/``.is_enabled()``) turning on the
    checks of ``sparse_coo_tensor(..., check_invariants=None)``."""
    _on = _CHECK

    def __init__(self, enable=True):
        self.state = enable

    @staticmethod
    def enable():
        check_sparse_tensor_invariants._on[0] = True

    @staticmethod
    def disable():
        check_sparse_tensor_invariants._on[0] = False

    @staticmethod
    def is_enabled():
        return check_sparse_tensor_invariants._on[0]

    def __enter__(self):
        self.saved = self._on[0]
        self._on[0] = self.state

    def __exit__(self, *a):
        self._on[0] = self.saved

