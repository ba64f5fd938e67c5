"""Equivariant bases: orbit bases, exact rational nullspaces, dense and Krylov solves.

Layout: ``api`` (whole reps: bases, projectors, blocks), ``monomial`` (one canonical
monomial: picks the method, caches), ``constraints`` (its generators per tensor axis),
``orbits`` (signed-permutation actions), ``exact`` (rational null spaces), ``kronecker``
(Kronecker products and sums applied axis by axis), ``gram`` (the constraints' Gram
operator), ``dense_nullspace``, ``chebyshev`` (filters of the Gram operator), ``krylov`` (the
filtered subspace iteration), ``blas_threads`` (OpenBLAS thread control), ``cache`` (on disk),
``diagrams`` (the classical groups' bases from invariant theory), ``number_fields`` (C(k), D(k)).
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
from emlp_sym.solvers.diagrams import clear_cache as _clear_diagram_caches
from emlp_sym.solvers.monomial import clear_caches as _clear_monomial_caches
from emlp_sym.solvers.monomial import exact_basis, numeric_basis


def clear_caches() -> None:
    """Forget every basis solved in memory (monomials, diagram and C(k)/D(k) bases)."""
    _clear_monomial_caches()
    _clear_diagram_caches()


__all__ = [
    "equivariant_basis", "equivariant_projector", "equivariant_dim", "equivariant_blocks",
    "EquivariantProjector", "StructuredBasis", "EquivariantBlocks", "BasisBlock",
    "numeric_basis", "exact_basis", "clear_caches", "set_cache_dir",
]
