"""The invariant bilinear form of each classical group, verified against its generators.

The groups that preserve a bilinear form ``F`` (``gᵀ F g = F``): O(n) and SO(n) (``F = I``),
the Lorentz groups O(1,3), SO(1,3), SO⁺(1,3), O(1,1), SO⁺(1,1) (``F = η``, the Minkowski metric
``diag(1, -1, ...)``) and Sp(m) on R^{2m} (``F = ω = [[0, I], [-I, 0]]``); GL(n), SL(n) and the
complex U(n), SU(n) (whose invariants are those of GL(n, C), SL(n, C)) preserve none. For the
groups of determinant one the Levi-Civita tensor ε is invariant too. :func:`classical_form`
names the form and says whether ε is needed; :mod:`emlp_sym.solvers.diagrams` builds the
invariant tensors from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from emlp_sym.errors import ExactFormUnavailable
from emlp_sym.groups.base import Group
from emlp_sym.groups.lie import GL, O11, O13, SL, SO, SO13, SU, Lorentz, O, SO11p, SO13p, Sp, U

__all__ = ["ClassicalForm", "classical_form", "clear_cache"]

_form_cache: dict = {}  # group -> ClassicalForm | None


def clear_cache() -> None:
    """Forget the forms found so far.

    >>> clear_cache()
    """
    _form_cache.clear()


@dataclass(frozen=True)
class ClassicalForm:
    """The invariant data of a classical group on R^n.

    ``lower`` is the form on ``V* ⊗ V*`` (None for GL, SL, U, SU: no form), ``upper`` its
    inverse, the form on ``V ⊗ V``; ``symbol`` names it (``δ``, ``η``, ``ω``); ``epsilon``:
    whether the Levi-Civita tensor is invariant and needed in the spanning set.

    >>> from emlp_sym.groups import SO
    >>> form = classical_form(SO(3))
    >>> form.n, form.symbol, form.epsilon
    (3, 'δ', True)
    """

    n: int
    lower: tuple | None  # integer matrix as nested tuples (hashable)
    upper: tuple | None
    symbol: str
    epsilon: bool


def _minkowski(n: int) -> np.ndarray:
    return np.diag([1] + [-1] * (n - 1))


def _symplectic(n: int) -> np.ndarray:
    m = n // 2
    J = np.zeros((n, n), dtype=np.int64)
    J[:m, m:] = np.eye(m, dtype=np.int64)
    J[m:, :m] = -np.eye(m, dtype=np.int64)
    return J


def classical_form(G: Group) -> ClassicalForm | None:
    """The invariant form of ``G`` if it is one of the classical groups handled here, else None.

    Exact types only (a user subclass may change the generators), and the form (and, for ε,
    determinant one) is verified against the group's exact generators before it is used.
    Cached per group.

    >>> from emlp_sym.groups import S, Sp
    >>> classical_form(Sp(1)).symbol, classical_form(S(3))
    ('ω', None)
    """
    if G not in _form_cache:
        _form_cache[G] = _classical_form(G)
    return _form_cache[G]


def _classical_form(G: Group) -> ClassicalForm | None:
    kind = type(G)
    n = G.d
    if kind in (SO, O):
        F, symbol, eps = np.eye(n, dtype=np.int64), "δ", kind is SO
    elif kind in (SO13p, SO13, O13, Lorentz, SO11p, O11):
        F, symbol, eps = _minkowski(n), "η", kind in (SO13p, SO13, SO11p)
    elif kind is Sp:
        F, symbol, eps = _symplectic(n), "ω", False
    elif kind in (GL, SL):
        F, symbol, eps = None, "δ", kind is SL
    elif kind in (U, SU):  # complex groups: invariants of their closures GL(n, C), SL(n, C)
        if kind is SU and np.any(np.trace(G.lie_algebra, axis1=1, axis2=2) != 0):
            return None
        return ClassicalForm(n, None, None, "δ", kind is SU)
    else:
        return None
    if not _form_is_invariant(G, F, eps):
        return None
    if F is None:
        return ClassicalForm(n, None, None, symbol, eps)
    Finv = np.rint(np.linalg.inv(F)).astype(np.int64)
    if not _is_signed_permutation(F) or not np.array_equal(F @ Finv, np.eye(n, dtype=np.int64)):
        return None  # the vectorized raising below assumes one nonzero per row and column
    return ClassicalForm(n, _as_tuple(F), _as_tuple(Finv), symbol, eps)


def _as_tuple(M) -> tuple:
    return tuple(tuple(int(x) for x in row) for row in M)


def _is_signed_permutation(M) -> bool:
    M = np.asarray(M)
    return bool(np.all((M != 0).sum(axis=0) == 1) and np.all((M != 0).sum(axis=1) == 1)
                and np.all(np.abs(M[M != 0]) == 1))


def _form_is_invariant(G: Group, F, epsilon: bool) -> bool:
    """Exact check: ``XᵀF + FX = 0`` (Lie), ``hᵀFh = F`` (discrete); traceless / det 1 for ε."""
    try:
        lie, disc = G.exact_lie_algebra, G.exact_discrete_generators
    except ExactFormUnavailable:
        return False
    Fs = sympy.Matrix(F) if F is not None else None
    for X in lie:
        if Fs is not None and not (X.T * Fs + Fs * X).is_zero_matrix:
            return False
        if epsilon and X.trace() != 0:
            return False
    for h in disc:
        if Fs is not None and h.T * Fs * h != Fs:
            return False
        if epsilon and h.det() != 1:
            return False
    return True

