"""Null space of a small Hermitian positive semi-definite matrix, by eigendecomposition.

For G = Σ_a D_aᴴ D_a (see :mod:`.gram`), x is fixed by every constraint iff G x = 0, so the
fixed space is spanned by the eigenvectors of G whose eigenvalues are (numerically) zero:
λ ≤ tol · max(1, ‖G‖₂). O(n³): for n up to a few thousand; larger operators go to the
matrix-free :func:`emlp_sym.solvers.krylov.nullspace_krylov`.
"""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import ShapeError
from emlp_sym.solvers.blas_threads import single_threaded_blas

__all__ = ["nullspace_dense"]


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
