"""Null space of a small Hermitian positive semi-definite matrix, by eigendecomposition.

For G = Σ_a D_aᴴ D_a (see :mod:`.gram`), x is fixed by every constraint iff G x = 0, so the
fixed space is spanned by the eigenvectors of G whose eigenvalues are (numerically) zero:
λ ≤ tol · max(1, ‖G‖₂). O(n³): for n up to a few thousand; larger operators go to the
matrix-free :func:`emlp_sym.solvers.krylov.nullspace_krylov`. :func:`reduced_nullspace` is the
dense route: the constraints restricted to a subspace (the orbits', or all of R^n), their Gram
matrix formed with sparse products, and only that r0 × r0 matrix dense.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from emlp_sym.errors import ShapeError
from emlp_sym.solvers.blas_threads import single_threaded_blas
from emlp_sym.solvers.constraints import sparse_constraint
from emlp_sym.solvers.memory import check_allocation

__all__ = ["DENSE_COPIES", "nullspace_dense", "reduced_nullspace"]

#: r0 × r0 arrays alive in a dense Gram eigensolve (Gram, symmetrized, V, work)
DENSE_COPIES = 4


def nullspace_dense(G, *, tol: float = 1e-9) -> np.ndarray:
    """Orthonormal basis of the null space of a Hermitian PSD matrix, by eigendecomposition.

    Eigenvalues up to ``tol * max(1, ‖G‖₂)`` count as zero. For small n only (O(n³)).
    Runs on one BLAS thread when ``blas_threads.LIMIT_BLAS_THREADS`` is set (see there).

    Returns:
        An n × r float64 (or complex128 for complex G) array with orthonormal columns.

    >>> import numpy as np
    >>> Q = nullspace_dense(np.array([[1.0, -1.0], [-1.0, 1.0]]))
    >>> Q.shape, np.allclose(abs(Q.ravel()), np.sqrt(0.5))
    ((2, 1), True)
    """
    G = np.asarray(G)
    if G.ndim != 2 or G.shape[0] != G.shape[1]:
        raise ShapeError(f"G must be square, got shape {G.shape}")
    G = G.astype(np.complex128) if np.iscomplexobj(G) else G.astype(np.float64)
    if G.shape[0] == 0:
        return np.zeros((0, 0), G.dtype)
    G = (G + G.conj().T) / 2  # symmetrize away rounding
    with single_threaded_blas():
        w, V = np.linalg.eigh(G)  # LAPACK syevd: fastest here on degenerate spectra
    scale = max(1.0, float(np.abs(w).max()))
    return np.ascontiguousarray(V[:, w <= tol * scale])


def reduced_nullspace(lie_terms, disc_terms, Q0, dtype) -> np.ndarray:
    """Null space of the constraints restricted to span(Q0) (orthonormal columns), by a dense
    Gram eigensolve: coefficients X (r0 × r) with ``Q0 X`` the fixed space's basis.

    The constraints are sparse Kronecker sums/products, so the Gram matrix is formed with
    sparse products (cheap) and only the final r0 × r0 matrix is dense.

    >>> import numpy as np
    >>> A = np.array([[0.0, -1.0], [1.0, 0.0]])  # so(2)
    >>> X = reduced_nullspace([[A, A]], [], np.eye(4), np.float64)  # V ⊗ V of SO(2): δ and ε
    >>> X.shape, np.allclose(X.T @ X, np.eye(2))
    ((4, 2), True)
    """
    r0 = Q0.shape[1]
    check_allocation(DENSE_COPIES * r0 * r0 * np.dtype(dtype).itemsize,
                     f"the dense {r0} × {r0} Gram eigensolve", "the reduced constraint",
                     size=Q0.shape[0])
    Q0 = sp.csr_matrix(Q0)
    gram = sp.csr_matrix((Q0.shape[1], Q0.shape[1]), dtype=dtype)
    for mats, kind in [(m, "sum") for m in lie_terms] + [(m, "product") for m in disc_terms]:
        Y = sparse_constraint(mats, kind) @ Q0
        gram = gram + (Y.conj().T @ Y)
    return np.asarray(nullspace_dense(gram.toarray()))
