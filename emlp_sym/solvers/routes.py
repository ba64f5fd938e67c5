"""The route to one monomial's basis, chosen in one place, and the basis made, checked and kept.

A bound rep's fixed space is solved monomial by monomial (:mod:`emlp_sym.solvers.api`). For
each, :func:`choose_route` picks one of :data:`ROUTES` and says why, in this order:

1. the empty monomial (a scalar): ``scalar``;
2. unless ``solve_only``, the bases that are written down rather than solved for, where they
   apply (numeric bases only past :data:`DENSE_LIMIT` coordinates and for real groups, since
   below it the dense solver takes milliseconds): ``product`` (atoms of several factors of a
   direct product, :mod:`~emlp_sym.solvers.products`), ``diagrams`` (``V``/``V*`` of a
   classical group, :mod:`~emlp_sym.solvers.diagrams`) and, exact only, ``rotations`` (C(k),
   D(k), :mod:`~emlp_sym.solvers.number_fields`);
3. otherwise the constraints decide, built once (:mod:`~emlp_sym.solvers.constraints`) and
   shared by the route and the checks: ``orbits`` where every discrete generator is a signed
   permutation and no Lie constraint is left (:mod:`~emlp_sym.solvers.orbits`); then, numeric,
   ``orbits+dense`` or ``dense`` (a Gram eigensolve on the orbits' or the whole space,
   :mod:`~emlp_sym.solvers.dense_nullspace`) up to :data:`DENSE_LIMIT` unknowns, else
   ``krylov`` (:mod:`~emlp_sym.solvers.krylov`); exact, ``orbits+nullspace`` or ``nullspace``
   (:mod:`~emlp_sym.solvers.exact_nullspace`) up to :data:`EXACT_LIE_LIMIT` unknowns, else
   :class:`~emlp_sym.errors.ExactFormUnavailable`.

:func:`monomial_basis` follows the route and keeps the result in memory per (group, monomial);
the numeric bases solved from the constraints are also kept on disk where a cache folder is
set (:mod:`~emlp_sym.solvers.cache`) and have their rounding noise snapped to zeros. Every
numeric basis passes :func:`~emlp_sym.solvers.checks.check_basis` (a written-down one where
that is cheap, up to :data:`CHECK_LIMIT` entries) before it is kept or returned.
:func:`numeric_basis` and :func:`exact_basis` take the solving routes only: an independent
check of the written-down bases.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.sdm import SDM

from emlp_sym.errors import ExactFormUnavailable
from emlp_sym.groups.base import Group
from emlp_sym.reps.atoms import Monomial, monomial_size, monomial_str
from emlp_sym.solvers import cache, diagrams, number_fields
from emlp_sym.solvers.checks import check_basis, satisfies, snap_zeros
from emlp_sym.solvers.constraints import Constraints, monomial_constraints
from emlp_sym.solvers.dense_nullspace import reduced_nullspace
from emlp_sym.solvers.exact_nullspace import nullspace_basis
from emlp_sym.solvers.krylov import krylov_basis
from emlp_sym.solvers.memory import check_allocation
from emlp_sym.solvers.orbits import OrbitBasis, orbit_basis
from emlp_sym.solvers.products import factor_runs, kron_exact, kron_numeric, plain_monomial

__all__ = [
    "CHECK_LIMIT", "DENSE_LIMIT", "EXACT_LIE_LIMIT", "ROUTES", "Route", "choose_route",
    "clear_caches", "exact_basis", "monomial_basis", "numeric_basis",
]

#: largest (reduced) size solved by a dense eigendecomposition
DENSE_LIMIT = 1500
#: largest reduced size for the exact rational nullspace (cubic cost)
EXACT_LIE_LIMIT = 2500
#: n·r up to which written-down numeric bases get the residual check
CHECK_LIMIT = 2**21

#: every route, and the module that takes it
ROUTES = {
    "scalar": "the basis [1] of the empty monomial",
    "product": "emlp_sym.solvers.products",
    "diagrams": "emlp_sym.solvers.diagrams",
    "rotations": "emlp_sym.solvers.number_fields",
    "orbits": "emlp_sym.solvers.orbits",
    "orbits+dense": "emlp_sym.solvers.orbits, then emlp_sym.solvers.dense_nullspace",
    "dense": "emlp_sym.solvers.dense_nullspace",
    "krylov": "emlp_sym.solvers.krylov",
    "orbits+nullspace": "emlp_sym.solvers.orbits, then emlp_sym.solvers.exact_nullspace",
    "nullspace": "emlp_sym.solvers.exact_nullspace",
}

_cache: dict = {}  # (group, monomial, exact, solve_only) -> basis


def clear_caches() -> None:
    """Forget every basis made in this process (the disk cache stays).

    >>> clear_caches()
    """
    _cache.clear()
    diagrams.clear_cache()
    number_fields.clear_cache()


class Route(NamedTuple):
    """The route to one monomial's basis (a key of :data:`ROUTES`), why it was taken, and what
    choosing it found, for the route to use: the constraints (solving routes), the orbits,
    the written-down basis (``DiagramBasis`` or ``RotationBasis``), the factor runs.

    >>> from emlp_sym.groups import O
    >>> from emlp_sym.reps import V
    >>> (mono, _), = (V**3)(O(3)).canonical.terms
    >>> route = choose_route(mono, O(3))
    >>> route.name, len(route.constraints.lie), route.orbits.r
    ('orbits+dense', 3, 14)
    >>> print(route.why)
    14 unknowns on the orbits, within the dense solver's 1500: a Gram eigensolve
    """

    name: str
    why: str
    constraints: Constraints | None = None
    orbits: OrbitBasis | None = None
    written: object = None
    runs: tuple | None = None

    def __repr__(self):
        return f"Route(name={self.name!r}, why={self.why!r})"


def choose_route(mono: Monomial, G: Group, *, exact: bool = False,
                 solve_only: bool = False) -> Route:
    """The route to the basis of ``mono``'s fixed space under ``G`` (see the module docstring);
    raises :class:`~emlp_sym.errors.ExactFormUnavailable` where ``exact`` has none.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> (mono, _), = (V**7)(SO(3)).canonical.terms
    >>> choose_route(mono, SO(3)).name, choose_route(mono, SO(3), solve_only=True).name
    ('diagrams', 'krylov')
    >>> (mono, _), = (V**2)(S(3)).canonical.terms
    >>> print(choose_route(mono, S(3), exact=True).why)
    every discrete generator is a signed permutation and no Lie constraint is left: 2 orbits
    """
    if not mono:
        return Route("scalar", "the empty monomial is a scalar")
    if not solve_only:
        route = _written_route(mono, exact)
        if route is not None:
            return route
    return _solving_route(mono, G, exact, monomial_constraints(mono, G, exact))


def _written_route(mono: Monomial, exact: bool) -> Route | None:
    n = monomial_size(mono)
    if not exact and (n <= DENSE_LIMIT or mono[0].group.is_complex):
        return None  # the dense solver takes milliseconds; complex groups keep complex bases
    runs = factor_runs(mono)
    if runs is not None:
        return Route("product", f"atoms of {len(runs)} factors of a direct product, which act "
                     "independently: the Kronecker product of their bases", runs=tuple(runs))
    plain = plain_monomial(mono)
    found = diagrams.diagram_basis(plain)
    if found is not None:
        return Route("diagrams", f"V and V* of {plain[0].group}, which preserves "
                     f"{found.form.symbol}: {len(found.diagrams)} independent diagrams",
                     written=found)
    found = number_fields.rotation_basis(plain) if exact else None
    if found is not None:
        return Route("rotations", f"V of {plain[0].group}: the written-down rational basis",
                     written=found)
    return None


def _solving_route(mono: Monomial, G: Group, exact: bool, c: Constraints) -> Route:
    n = monomial_size(mono)
    ob = orbit_basis(n, c.actions) if c.actions is not None else None
    if ob is not None and (not c.lie or ob.r == 0):
        why = "every discrete generator is a signed permutation"
        return Route("orbits", f"{why} and no Lie constraint is left: {ob.r} orbits"
                     if not c.lie else f"{why}: 0 orbits survive", c, ob)
    unknowns = n if ob is None else ob.r
    on = "the orbits" if c.actions else "all coordinates"
    if exact:
        if unknowns > EXACT_LIE_LIMIT:
            raise ExactFormUnavailable(
                f"{monomial_str(mono)} of {G} reduces to {unknowns} unknowns, beyond the exact "
                f"solver's limit of {EXACT_LIE_LIMIT}; use the numeric equivariant_basis()")
        return Route("nullspace" if ob is None else "orbits+nullspace",
                     f"the exact null space of the constraints on {on} ({unknowns} unknowns)",
                     c, ob)
    if unknowns <= DENSE_LIMIT:
        return Route("dense" if ob is None else "orbits+dense", f"{unknowns} unknowns on {on}, "
                     f"within the dense solver's {DENSE_LIMIT}: a Gram eigensolve", c, ob)
    return Route("krylov", f"{unknowns} unknowns on {on}, past the dense solver's "
                 f"{DENSE_LIMIT}: a matrix-free Krylov solve on all {n} coordinates", c)


# ---------------------------------------------------------------------------------------------
def monomial_basis(mono: Monomial, G: Group, exact: bool = False, *,
                   solve_only: bool = False):
    """The basis of the fixed space of ``mono`` under ``G`` by the route :func:`choose_route`
    picks: numeric, an orthonormal float64 (complex128 for complex groups) n × r array,
    read-only; with ``exact``, a sparse ``DomainMatrix`` over QQ. Cached per (G, mono).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> monomial_basis(mono, SO(3), exact=True).to_Matrix().T
    Matrix([[1, 0, 0, 0, 1, 0, 0, 0, 1]])
    """
    key = (G, mono, exact, solve_only)
    B = _cache.get(key)
    if B is None:
        route = choose_route(mono, G, exact=exact, solve_only=solve_only)
        solved = (G, mono, exact, True)  # a solving route's basis serves either kind of call
        B = _cache.get(solved) if route.constraints is not None else None
        if B is None:
            B = _MAKE[route.name](route, mono, G, exact)
            if route.constraints is not None:
                _cache[solved] = B
        _cache[key] = B
    return B


def numeric_basis(mono: Monomial, G: Group) -> np.ndarray:
    """Orthonormal basis (n_t × r_t) of the fixed space of ``mono`` under ``G``, solved from
    the constraints (orbits, dense or Krylov); cached in memory and on disk.

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> (mono, multiplicity), = (V**2)(SO(3)).canonical.terms
    >>> abs(numeric_basis(mono, SO(3))).ravel().round(3)  # ±identity, normalized
    array([0.577, 0.   , 0.   , 0.   , 0.577, 0.   , 0.   , 0.   , 0.577])
    """
    return monomial_basis(mono, G, solve_only=True)


def exact_basis(mono: Monomial, G: Group) -> DomainMatrix:
    """A rational basis (n_t × r_t) of the fixed space of ``mono``, solved from the exact
    constraints (orbits, exact nullspace), as a sparse ``DomainMatrix`` over QQ.

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> exact_basis(mono, SO(3)).to_Matrix().T
    Matrix([[1, 0, 0, 0, 1, 0, 0, 0, 1]])
    """
    return monomial_basis(mono, G, exact=True, solve_only=True)


# --- the routes, as this module takes them ---------------------------------------------------
def _frozen(Q: np.ndarray) -> np.ndarray:
    Q.setflags(write=False)
    return Q


def _checked(Q: np.ndarray, mono, G) -> np.ndarray:
    if Q.size <= CHECK_LIMIT:
        check_basis(Q, mono, G)  # raises SolverError rather than return a wrong basis
    return _frozen(Q)


def _scalar(route, mono, G, exact):
    if exact:
        return DomainMatrix.from_rep(SDM({0: {0: QQ(1)}}, (1, 1), QQ))
    return _frozen(np.ones((1, 1)))


def _product(route, mono, G, exact):
    parts = [monomial_basis(run, run[0].group, exact) for run in route.runs]
    if exact:
        return kron_exact(parts)
    return _checked(kron_numeric(parts, monomial_str(mono)), mono, G)


def _written(route, mono, G, exact):
    if exact:
        return route.written.matrix
    return _checked(diagrams.orthonormal_columns(route.written.matrix, monomial_str(mono)),
                    mono, G)


def _exact_orbits(route, mono, G):
    return route.orbits.to_domain_matrix()


def _exact_nullspace(route, mono, G):
    return nullspace_basis(route.constraints, route.orbits)


def _dense_orbits(route, mono) -> np.ndarray:
    n, r = monomial_size(mono), route.orbits.r
    check_allocation(n * r * 8, f"the dense {n} × {r} orbit basis", monomial_str(mono),
                     "use a smaller rep, or a higher EMLP_SYM_MEMORY_LIMIT (bytes, or like "
                     "'8G')", size=n)
    return route.orbits.to_dense(normalize=True)


def _orbits(route, mono, G):
    return _dense_orbits(route, mono).astype(route.constraints.dtype)


def _orbits_dense(route, mono, G):
    c, Q0 = route.constraints, _dense_orbits(route, mono)
    return Q0 @ reduced_nullspace(c.lie, [], Q0, c.dtype)


def _dense(route, mono, G):
    c, n = route.constraints, monomial_size(mono)
    check_allocation(n * n * np.dtype(c.dtype).itemsize, "the identity", monomial_str(mono),
                     size=n)
    return reduced_nullspace(c.lie, c.discrete, np.eye(n, dtype=c.dtype), c.dtype)


def _krylov(route, mono, G):
    return krylov_basis(route.constraints, monomial_size(mono), monomial_str(mono), G)


_EXACT = {"orbits": _exact_orbits, "orbits+nullspace": _exact_nullspace,
          "nullspace": _exact_nullspace}
_NUMERIC = {"orbits": _orbits, "orbits+dense": _orbits_dense, "dense": _dense,
            "krylov": _krylov}


def _solved(route, mono, G, exact):
    """A solving route: exact as it comes; numeric from disk if there, else solved, snapped,
    checked against the same constraints and stored."""
    if exact:
        return _EXACT[route.name](route, mono, G)
    c, key = route.constraints, cache.cache_key(mono, G)
    Q = cache.load(key, monomial_size(mono), lambda Q: satisfies(Q, c))
    if Q is not None:
        return _frozen(snap_zeros(Q))
    Q = snap_zeros(_NUMERIC[route.name](route, mono, G))
    check_basis(Q, mono, G, constraints=c)  # raises SolverError: never return or store it wrong
    cache.store(key, Q)
    return _frozen(Q)


_MAKE = {"scalar": _scalar, "product": _product, "diagrams": _written, "rotations": _written,
         **dict.fromkeys(set(_EXACT) | set(_NUMERIC), _solved)}
