"""Equivariant bases: orbit bases, exact rational nullspaces, dense and Krylov solves.

Layout: ``api`` (whole reps: bases, projectors, blocks), ``routes`` (one monomial: the one
place that chooses its route, then makes, checks and caches its basis), ``constraints`` (the
generators per tensor axis, built once per solve), ``checks`` (a numeric basis' checks). The
routes: ``products`` (factors of a direct product), ``diagrams`` (the classical groups' bases
from invariant theory, over the forms of ``classical_forms``), ``number_fields`` (C(k), D(k)),
``orbits`` (signed-permutation actions), ``dense_nullspace`` (Gram eigensolves),
``krylov`` (the filtered subspace iteration, over ``gram``, ``chebyshev``, ``kronecker``) and
``exact_nullspace`` (over ``exact``'s rational null spaces). Beside them: ``blas_threads``
(OpenBLAS thread control), ``cache`` (on disk), ``memory`` (allocation guards); ``monomial``
is release 0.1's path of ``routes``' and ``checks``' names.
"""

from emlp_sym.solvers.api import (
    BasisBlock,
    EquivariantBlocks,
    EquivariantProjector,
    StructuredBasis,
    equivariant_basis,
    equivariant_blocks,
    equivariant_dim,
    equivariant_projector,
)
from emlp_sym.solvers.cache import set_cache_dir
from emlp_sym.solvers.routes import clear_caches, exact_basis, numeric_basis

__all__ = [
    "equivariant_basis", "equivariant_projector", "equivariant_dim", "equivariant_blocks",
    "EquivariantProjector", "StructuredBasis", "EquivariantBlocks", "BasisBlock",
    "numeric_basis", "exact_basis", "clear_caches", "set_cache_dir",
]
