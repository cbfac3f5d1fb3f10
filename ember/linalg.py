"""``ember.linalg``: the ``torch.linalg`` namespace (implementations live in ``ember.ops.linalg``)."""
from .ops.linalg import (matmul, vecdot, multi_dot, _linalg_cross as cross, linalg_norm as norm,
                         vector_norm, matrix_norm, det, linalg_slogdet as slogdet, inv, inv_ex,
                         solve, linalg_svd as svd, svdvals, linalg_qr as qr, eigh, eigvalsh,
                         linalg_cholesky as cholesky, pinv, matrix_rank, matrix_power,
                         solve_triangular, LinAlgError, linalg_lu as lu, lu_factor,
                         lu_factor_ex, lu_solve)

__all__ = ['matmul', 'vecdot', 'multi_dot', 'cross', 'norm', 'vector_norm', 'matrix_norm', 'det',
           'slogdet', 'inv', 'inv_ex', 'solve', 'svd', 'svdvals', 'qr', 'eigh', 'eigvalsh',
           'cholesky', 'pinv', 'matrix_rank', 'matrix_power', 'solve_triangular',
           'LinAlgError', 'lu', 'lu_factor', 'lu_factor_ex', 'lu_solve']
