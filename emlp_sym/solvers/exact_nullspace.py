"""The exact nullspace route: a rational basis from the integer form of the constraints.

Each exact constraint (rational per-axis matrices, :mod:`~emlp_sym.solvers.constraints`) is
scaled to an integer sparse matrix with the same null space (:func:`integer_constraint`);
stacked, and restricted to the orbit subspace where the discrete generators are signed
permutations, they go to the exact :func:`~emlp_sym.solvers.exact.rational_nullspace`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import sympy
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

from emlp_sym.solvers.constraints import Constraints, sparse_constraint
from emlp_sym.solvers.exact import rational_nullspace
from emlp_sym.solvers.orbits import OrbitBasis

__all__ = ["integer_constraint", "nullspace_basis"]


def nullspace_basis(constraints: Constraints, orbits: OrbitBasis | None) -> DomainMatrix:
    """A rational basis of the fixed space, as a sparse DomainMatrix over QQ: the null space of
    the Lie constraints on the span of ``orbits`` (which the discrete generators already fix),
    or, without orbits, of every constraint.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.solvers.constraints import monomial_constraints
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> nullspace_basis(monomial_constraints(mono, SO(3), exact=True), None).to_Matrix().T
    Matrix([[1, 0, 0, 0, 1, 0, 0, 0, 1]])
    """
    rest = constraints.discrete if orbits is None else []
    blocks = [integer_constraint(mats, kind="sum") for mats in constraints.lie]
    blocks += [integer_constraint(mats, kind="product_minus_identity") for mats in rest]
    A = sp.vstack(blocks).tocsr()
    if orbits is not None:
        A = (A @ orbits.to_scipy_sparse(normalize=False).astype(np.int64)).tocsr()
    N = DomainMatrix.from_Matrix(rational_nullspace(A)).convert_to(QQ).to_sparse()
    return N if orbits is None else orbits.to_domain_matrix() * N


def _lcm_denominator(mats):
    den = 1
    for M in mats:
        for x in M:
            den = sympy.ilcm(den, sympy.Rational(x).q)
    return int(den)


def integer_constraint(mats, kind: str):
    """An integer sparse matrix with the same null space as the exact constraint: the
    Kronecker sum (``kind="sum"``) or product minus I (``"product_minus_identity"``) of the
    rational per-axis ``mats``, each scaled by the least common multiple of its denominators.

    >>> import sympy
    >>> half = sympy.Matrix([[sympy.Rational(1, 2), 0], [0, 1]])
    >>> integer_constraint([half], "sum").toarray().tolist()
    [[1, 0], [0, 2]]
    """
    if kind == "sum":  # one common scale for every axis of a Kronecker sum
        L = _lcm_denominator(mats)
        return sparse_constraint([_as_int(L * M) for M in mats], "sum")
    scales = [_lcm_denominator([M]) for M in mats]  # ⊗(L_i M_i) - (Π L_i) I
    prod = sparse_constraint([_as_int(L * M) for L, M in zip(scales, mats, strict=True)],
                             "product")
    n = prod.shape[0]
    return prod + (1 - int(np.prod(scales))) * sp.identity(n, dtype=np.int64, format="csr")


def _as_int(M) -> np.ndarray:
    return np.array(M.tolist(), dtype=np.int64)
