"""``ember.linalg``: torch.linalg's functions (norms, solvers, decompositions), defined in
ember/_ops/decomp.py and ember/_ops/reduction.py (vector_norm)."""
from ._ops.reduction import vector_norm  # noqa: F401
from ._ops.linalg import linalg_cross as cross  # noqa: F401
from ._ops.decomp import (LinAlgError, matrix_norm, norm, inv, det, slogdet, solve, cholesky, qr, svd,  # noqa: F401
                          svdvals, eigh, eigvalsh, pinv, lstsq, matrix_power)
from ._ops.linalg import matmul, einsum  # noqa: F401
