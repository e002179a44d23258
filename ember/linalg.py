"""``ember.linalg``: torch.linalg's functions (norms, solvers, decompositions), defined in
ember/_ops/decomp.py and ember/_ops/reduction.py (vector_norm)."""
from ._ops.reduction import vector_norm  # noqa: F401
from ._ops.linalg import linalg_cross as cross  # noqa: F401
from ._ops.decomp import (LinAlgError, matrix_norm, norm, inv, det, solve, cholesky, qr, svd,  # noqa: F401
                          svdvals, eigh, eigvalsh, pinv, lstsq, matrix_power)
from ._ops.decomp import (linalg_slogdet as slogdet, solve_triangular, cholesky_ex, inv_ex,  # noqa: F401
                          matrix_rank, cond, matrix_exp, multi_dot, vander, vecdot, linalg_diagonal as diagonal)
from ._ops.linalg import matmul, einsum  # noqa: F401
from ._ops.decomp import (lu, lu_factor, lu_factor_ex, lu_solve, solve_ex, tensorsolve, tensorinv,  # noqa: F401
                          householder_product, eig, eigvals)
