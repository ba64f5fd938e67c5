"""The checks every numeric basis passes before it is cached or returned.

A basis from a route that solves the constraints has its rounding noise snapped to exact zeros
(:func:`snap_zeros`); every basis small enough to check cheaply is held against the
constraints it was solved from (:func:`check_basis`), and one read back from the disk cache
must still satisfy them (:func:`satisfies`). A failed check raises
:class:`~emlp_sym.errors.SolverError`: a wrong basis is never returned or stored.
"""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import SolverError
from emlp_sym.groups.base import Group
from emlp_sym.reps.atoms import Monomial, monomial_size, monomial_str
from emlp_sym.solvers.constraints import Constraints, monomial_constraints
from emlp_sym.solvers.kronecker import kron_apply, kron_sum_apply

__all__ = ["RESIDUAL_TOL", "SNAP_TOL", "check_basis", "satisfies", "snap_zeros"]

#: entries below SNAP_TOL × their column's largest absolute entry become exact zeros
SNAP_TOL = 1e-12
#: largest constraint residual, relative to the constraint's scale
RESIDUAL_TOL = 1e-6


def snap_zeros(Q: np.ndarray, tol: float = SNAP_TOL) -> np.ndarray:
    """Set entries with ``|Q[i, j]| <= tol · max_i |Q[i, j]|`` to exact zero (rounding noise
    such as 1e-17 where the exact basis has 0); returns a new array.

    >>> import numpy as np
    >>> snap_zeros(np.array([[1.0, 1e-20], [1e-17, 1e-20]]))
    array([[1.e+00, 1.e-20],
           [0.e+00, 1.e-20]])
    """
    Q = np.array(Q)
    if Q.size:
        A = np.abs(Q)
        Q[A <= tol * A.max(axis=0, keepdims=True)] = 0
    return Q


def check_basis(Q, mono: Monomial, G: Group, tol: float = RESIDUAL_TOL, *,
                constraints: Constraints | None = None) -> None:
    """Raise :class:`SolverError` unless Q (n × r) has unit columns and satisfies every
    constraint of ``G`` on ``mono`` (Lie algebra ``L Q = 0``, discrete generators ``g Q = Q``)
    up to ``tol`` relative to the constraint's scale (the sum of the per-axis norms).
    ``constraints``: those already built for this solve (else they are built here).

    >>> import numpy as np
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> check_basis(np.eye(9)[:, :1], mono, SO(3))  # e_1 ⊗ e_1 is not rotation invariant
    Traceback (most recent call last):
    ...
    emlp_sym.errors.SolverError: numeric basis of V² of SO(3): Lie constraint residual 1 \
exceeds 1e-06 × scale 2; the basis is wrong
    """
    Q = np.asarray(Q)
    n = monomial_size(mono)
    what = f"numeric basis of {monomial_str(mono)} of {G}"
    if Q.ndim != 2 or Q.shape[0] != n or not np.all(np.isfinite(Q)):
        raise SolverError(f"{what}: not a finite {n} × r array (shape {Q.shape})")
    if Q.shape[1] == 0 or not mono:
        return
    norms = np.linalg.norm(Q, axis=0)
    if np.abs(norms - 1).max() > tol:
        raise SolverError(f"{what}: columns are not unit vectors (|‖q‖ − 1| up to "
                          f"{np.abs(norms - 1).max():.3g})")
    c = constraints if constraints is not None else monomial_constraints(mono, G)
    for kind, terms in (("Lie", c.lie), ("discrete", c.discrete)):
        for mats in terms:
            scale = sum(float(np.abs(np.asarray(M)).sum(axis=1).max()) for M in mats)
            if kind == "Lie":
                res = kron_sum_apply(mats, Q)
            else:
                res = kron_apply(mats, Q) - Q
                scale = 1.0 + np.prod([float(np.abs(np.asarray(M)).sum(axis=1).max())
                                       for M in mats])
            worst = float(np.abs(np.asarray(res)).max(initial=0))
            if not worst <= tol * max(scale, 1.0):
                raise SolverError(f"{what}: {kind} constraint residual {worst:.3g} exceeds "
                                  f"{tol:g} × scale {scale:.3g}; the basis is wrong")


def satisfies(Q: np.ndarray, constraints: Constraints, tol: float = 1e-8) -> bool:
    """Does Q (read back from disk) still have orthonormal columns and satisfy every
    constraint to ``tol``?

    >>> import numpy as np
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import S
    >>> (mono, _), = V(S(3)).canonical.terms
    >>> c = monomial_constraints(mono, S(3))
    >>> satisfies(np.ones((3, 1)) / np.sqrt(3), c), satisfies(np.eye(3)[:, :1], c)
    (True, False)
    """
    if not np.allclose(Q.conj().T @ Q, np.eye(Q.shape[1]), atol=tol):
        return False
    for mats in constraints.lie:
        if np.abs(kron_sum_apply(mats, Q)).max(initial=0) > tol:
            return False
    for mats in constraints.discrete:
        if np.abs(kron_apply(mats, Q) - Q).max(initial=0) > tol:
            return False
    return True
