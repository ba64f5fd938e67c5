"""Equivariant bases: orbit bases, exact rational nullspaces, dense and Krylov solves."""

from emlp_sym.solvers.api import (
    EquivariantProjector,
    StructuredBasis,
    equivariant_basis,
    equivariant_blocks,
    equivariant_dim,
    equivariant_projector,
)
from emlp_sym.solvers.cache import set_cache_dir
from emlp_sym.solvers.monomial import clear_caches, exact_basis, numeric_basis

__all__ = [
    "equivariant_basis", "equivariant_projector", "equivariant_dim", "equivariant_blocks",
    "EquivariantProjector", "StructuredBasis", "numeric_basis", "exact_basis", "clear_caches",
    "set_cache_dir",
]
