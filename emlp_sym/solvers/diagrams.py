"""The diagram route: exact bases of the classical groups from invariant theory, no nullspace.

For a group that preserves a bilinear form ``F`` (:mod:`emlp_sym.solvers.classical_forms`),
the first fundamental theorem of invariant theory says: the invariant tensors of
``V^⊗k ⊗ V*^⊗l`` are spanned by products of the form over the pairings of the ``k + l``
indices, and for the groups of determinant one (SO(n), SO(1,3), SO⁺(1,3), SO⁺(1,1)) also by
the terms with one Levi-Civita tensor on ``n`` indices and the rest paired (a product of two
ε's is a sum of products of forms). Sp(m) needs no ε: it is a polynomial in ``ω``. GL(n) and
U(n) (whose invariants are those of GL(n, C)) have only the pairings of a ``V`` index with a
``V*`` index (``δ``); SL(n) and SU(n) (SL(n, C)) also ``|k − l| / n`` ε's on the extra indices
of one kind (an upper and a lower ε would multiply out into δ's).

Index placement (``V`` upper, ``V*`` lower) fixes each factor: ``F_{ab}`` on two ``V*``
indices, the inverse form ``F^{ab}`` on two ``V`` indices, ``δ^a_b`` on one of each;
``ε_{a…}`` is the Levi-Civita symbol (``ε_{01…} = 1``) on lower indices, its upper indices
raised with ``F^{ab}`` (SU(n) has no form: its ``ε^{a…}`` is the plain symbol too). A pair
``(a, b)`` is ordered, ``a < b``, which matters for ``ω``.

Each such *diagram* is a sparse integer tensor (``n^{pairs}`` or ``n!·n^{pairs}`` nonzeros).
The span is reduced to a basis by choosing diagrams, not by solving for one: the diagrams
``D`` (columns) and their Gram matrix ``DᵀD`` have the same column dependencies over Q, so the
pivot columns of the exact RREF of the (small, integer) Gram matrix are a maximal independent
set of diagrams, first in enumeration order (pairings before ε terms). The basis vectors are
those diagrams themselves: sparse, integer, and each one named.

Coordinates are those of the canonical monomial: a C-ordered tensor over its atoms, ``V``
axes before ``V*`` axes. Groups of other types, direct products, user-defined reps, and
monomials with more than :data:`MAX_DIAGRAMS` candidate diagrams are left to the routes that
solve the constraints (:mod:`emlp_sym.solvers.routes` chooses).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.sdm import SDM

from emlp_sym.errors import SolverError
from emlp_sym.reps.atoms import BaseAtom, Monomial
from emlp_sym.solvers import classical_forms
from emlp_sym.solvers.classical_forms import ClassicalForm, classical_form
from emlp_sym.solvers.exact import pivot_columns
from emlp_sym.solvers.memory import check_allocation

__all__ = [
    "ClassicalForm", "Diagram", "DiagramBasis", "MAX_DIAGRAMS", "classical_form",
    "clear_cache", "diagram_basis", "enumerate_diagrams", "orthonormal_columns",
]

#: candidate diagrams beyond which the Gram RREF (cubic) is not attempted
MAX_DIAGRAMS = 3000
MAX_EPSILON_ORDER = 8  # ε has n! nonzeros: larger n goes to the generic solver
_INDEX_LIMIT = 2**62  # linear coordinates are int64

_cache: dict = {}  # monomial -> DiagramBasis | None


def clear_cache() -> None:
    """Forget the diagram bases and the classical forms found so far.

    >>> clear_cache()
    """
    _cache.clear()
    classical_forms.clear_cache()


# ---------------------------------------------------------------------------------------------
# Diagrams


@dataclass(frozen=True)
class Diagram:
    """A product of forms over ``pairs`` of positions and of ε's over ``epsilons`` (at most
    one, except for SL(n)/SU(n), whose ε's all sit on indices of one kind).

    ``dual[p]`` is whether position ``p`` is a ``V*`` (lower) index; ``variance``: whether
    upper and lower indices differ (not for O(n), SO(n), whose ``V*`` is ``V``). :meth:`text`
    and :meth:`latex` name it, with optional labels for the positions (default ``i0, i1, …``).

    >>> from emlp_sym.groups import O
    >>> diagrams = enumerate_diagrams((False,) * 4, classical_form(O(3)))
    >>> len(diagrams), isinstance(diagrams[0], Diagram)
    (3, True)
    """

    pairs: tuple[tuple[int, int], ...]
    epsilons: tuple[tuple[int, ...], ...]
    dual: tuple[bool, ...]
    symbol: str
    variance: bool = True

    def _factors(self):
        """(kind, positions) in reading order: ε first, then the pairs."""
        out = [("ε", e) for e in self.epsilons]
        for a, b in self.pairs:
            mixed = self.dual[a] != self.dual[b]
            out.append(("δ" if mixed else self.symbol, (a, b)))
        return out

    def text(self, labels=None) -> str:
        """E.g. ``ε(i0,i1,i2)·δ(i3,i4)``; ``"1"`` for the empty diagram (a scalar)."""
        labels = labels or [f"i{p}" for p in range(len(self.dual))]
        parts = [f"{kind}({','.join(labels[p] for p in pos)})" for kind, pos in self._factors()]
        return "·".join(parts) or "1"

    def latex(self, labels=None) -> str:
        r"""E.g. ``\varepsilon_{i_0 i_1 i_2} \delta_{i_3 i_4}``; upper indices for ``V`` axes
        of groups whose ``V*`` differs from ``V``."""
        labels = labels or [f"i_{{{p}}}" for p in range(len(self.dual))]
        names = {"ε": r"\varepsilon", "δ": r"\delta", "η": r"\eta", "ω": r"\omega"}
        parts = []
        for kind, pos in self._factors():
            if not self.variance:  # O(n), SO(n): all indices alike, written lower
                parts.append(f"{names[kind]}_{{{' '.join(labels[p] for p in pos)}}}")
                continue
            script = ""  # runs of upper / lower indices, in position order
            for up, run in itertools.groupby(pos, key=lambda p: not self.dual[p]):
                idx = " ".join(labels[p] for p in run)
                script += ("^{" if up else "_{") + idx + "}" + "{}"
            parts.append(names[kind] + script.removesuffix("{}"))
        return " ".join(parts) or "1"

    def __str__(self):
        return self.text()


def _pairings(positions, allowed):
    """Perfect matchings of ``positions`` (a tuple) whose pairs all satisfy ``allowed``."""
    if not positions:
        yield ()
        return
    first, rest = positions[0], positions[1:]
    for k, other in enumerate(rest):
        if allowed(first, other):
            for m in _pairings(rest[:k] + rest[k + 1 :], allowed):
                yield ((first, other),) + m


def enumerate_diagrams(dual: tuple[bool, ...], form: ClassicalForm,
                       limit: int | None = None) -> list[Diagram] | None:
    """The spanning diagrams of the invariants of a monomial (``dual[p]``: position ``p`` is
    ``V*``), pairings first; None if there are more than ``limit`` (default
    :data:`MAX_DIAGRAMS`).

    >>> from emlp_sym.groups import O
    >>> len(enumerate_diagrams((False,) * 4, classical_form(O(3))))
    3
    """
    K, n = len(dual), form.n
    limit = MAX_DIAGRAMS if limit is None else limit
    if form.lower is None:  # GL(n): δ between a V and a V* index only
        def allowed(a, b):
            return dual[a] != dual[b]
    else:
        def allowed(a, b):
            return True
    out: list[Diagram] = []
    positions = tuple(range(K))
    variance = not (form.symbol == "δ" and form.lower is not None)  # all but O(n), SO(n)
    if K % 2 == 0:
        for m in _pairings(positions, allowed):
            out.append(Diagram(m, (), dual, form.symbol, variance))
            if len(out) > limit:
                return None
    if form.lower is None:  # SL(n), SU(n): s ε's on the s·n extra indices of one kind
        kinds = [tuple(p for p in positions if dual[p] == d) for d in (False, True)]
        excess = len(kinds[0]) - len(kinds[1])
        many = kinds[0] if excess > 0 else kinds[1]
        groups = (_disjoint_subsets(many, n, abs(excess) // n)
                  if form.epsilon and excess and excess % n == 0 else [])
    elif form.epsilon and K >= n and (K - n) % 2 == 0:
        groups = ((s,) for s in itertools.combinations(positions, n))
    else:
        groups = []
    for eps in groups:
        used = {p for e in eps for p in e}
        rest = tuple(p for p in positions if p not in used)
        for m in _pairings(rest, allowed):
            out.append(Diagram(m, eps, dual, form.symbol, variance))
            if len(out) > limit:
                return None
    return out


def _disjoint_subsets(positions, size: int, count: int):
    """Unordered collections of ``count`` disjoint ``size``-subsets of ``positions`` (each
    collection once: its subsets in increasing order of their first element)."""
    if count == 0:
        yield ()
        return
    for first in itertools.combinations(positions, size):
        later = tuple(p for p in positions if p > first[0] and p not in first)
        for more in _disjoint_subsets(later, size, count - 1):
            yield (first,) + more


def _signed_permutation(M: tuple):
    """For a signed-permutation matrix M: ``target[y]`` with ``M[target[y], y] ≠ 0``, and the
    value there."""
    A = np.array(M, dtype=np.int64)
    target = np.argmax(A != 0, axis=0)
    return target, A[target, np.arange(A.shape[1])]


def _pair_entries(form: ClassicalForm, up_a: bool, up_b: bool):
    """Nonzeros ``(x, y, value)`` of the pair factor on (a, b), as three int64 arrays."""
    n = form.n
    if up_a != up_b:
        idx = np.arange(n, dtype=np.int64)
        return idx, idx, np.ones(n, dtype=np.int64)
    M = np.array(form.upper if up_a else form.lower, dtype=np.int64)
    x, y = np.nonzero(M)
    return x.astype(np.int64), y.astype(np.int64), M[x, y]


def _epsilon_entries(form: ClassicalForm, ups):
    """Nonzeros of ε with index ``j`` upper when ``ups[j]``: (n!, n) indices and values."""
    n = form.n
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64).reshape(-1, n)
    # sign of each permutation: parity of its inversions
    inv = (perms[:, :, None] > perms[:, None, :]) & np.triu(np.ones((n, n), bool), 1)[None]
    values = np.where(inv.sum(axis=(1, 2)) % 2 == 0, 1, -1).astype(np.int64)
    if any(ups) and form.upper is not None:  # SU(n): ε^{a…} and ε_{a…} are both invariant
        target, coef = _signed_permutation(form.upper)  # ε^{a…} = F^{a a'} ε_{a'…}
        for j, up in enumerate(ups):
            if up:
                values = values * coef[perms[:, j]]
                perms[:, j] = target[perms[:, j]]
    return perms, values


def diagram_entries(diagram: Diagram, form: ClassicalForm):
    """The nonzeros of a diagram's tensor: (linear canonical coordinates, integer values)."""
    K, n = len(diagram.dual), form.n
    strides = [n ** (K - 1 - p) for p in range(K)]
    lin = np.zeros(1, dtype=np.int64)
    val = np.ones(1, dtype=np.int64)
    for eps in diagram.epsilons:
        idx, ev = _epsilon_entries(form, [not diagram.dual[p] for p in eps])
        offs = idx @ np.array([strides[p] for p in eps], dtype=np.int64)
        lin = (lin[:, None] + offs[None, :]).ravel()
        val = (val[:, None] * ev[None, :]).ravel()
    for a, b in diagram.pairs:
        x, y, v = _pair_entries(form, not diagram.dual[a], not diagram.dual[b])
        offs = x * strides[a] + y * strides[b]
        lin = (lin[:, None] + offs[None, :]).ravel()
        val = (val[:, None] * v[None, :]).ravel()
    return lin, val


# ---------------------------------------------------------------------------------------------
# The basis


class DiagramBasis(NamedTuple):
    """A diagram basis of one monomial's fixed space: ``matrix`` (sparse DomainMatrix over QQ,
    canonical coordinates × r) has the tensor of ``diagrams[j]`` as its column ``j``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> (mono, _), = (V**3)(SO(3)).canonical.terms
    >>> basis = diagram_basis(mono)
    >>> basis.matrix.shape, len(basis.diagrams)
    ((27, 1), 1)
    """

    matrix: DomainMatrix
    diagrams: tuple[Diagram, ...]
    form: ClassicalForm


def monomial_form(mono: Monomial) -> ClassicalForm | None:
    """The classical form of the one group all of ``mono``'s atoms are ``V``/``V*`` of."""
    if not mono or not all(isinstance(a, BaseAtom) for a in mono):
        return None
    groups = {a.group for a in mono}
    if len(groups) != 1:
        return None
    (G,) = groups
    return classical_form(G)


def diagram_basis(mono: Monomial) -> DiagramBasis | None:
    """The diagram basis of a canonical monomial, or None where this route does not apply
    (not a classical group, more than :data:`MAX_DIAGRAMS` candidates, coordinates past
    int64). Cached per monomial.

    >>> from emlp_sym.groups import O
    >>> from emlp_sym.reps import V
    >>> (mono, _), = (V**2)(O(3)).canonical.terms
    >>> diagram_basis(mono).matrix.to_Matrix().T
    Matrix([[1, 0, 0, 0, 1, 0, 0, 0, 1]])
    """
    if mono in _cache:
        return _cache[mono]
    result = _solve(mono)
    _cache[mono] = result
    return result


def _solve(mono: Monomial) -> DiagramBasis | None:
    form = monomial_form(mono)
    if form is None:
        return None
    n, K = form.n, len(mono)
    if n**K >= _INDEX_LIMIT or (form.epsilon and n > MAX_EPSILON_ORDER and K >= n):
        return None
    dual = tuple(a.dual for a in mono)
    candidates = enumerate_diagrams(dual, form)
    if candidates is None:
        return None
    size = n**K
    if not candidates:
        return DiagramBasis(DomainMatrix.from_rep(SDM({}, (size, 0), QQ)), (), form)
    entries = [diagram_entries(d, form) for d in candidates]
    chosen = _independent(entries)
    rows: dict = {}
    for j, c in enumerate(chosen):
        lin, val = entries[c]
        for i, v in zip(lin.tolist(), val.tolist(), strict=True):
            rows.setdefault(i, {})[j] = QQ(v)
    matrix = DomainMatrix.from_rep(SDM(rows, (size, len(chosen)), QQ))
    return DiagramBasis(matrix, tuple(candidates[c] for c in chosen), form)


def _independent(entries) -> list[int]:
    """Indices of a maximal independent set of the sparse columns (first in order), exactly:
    the pivot columns of the RREF of the integer Gram matrix ``DᵀD``."""
    if len(entries) == 1:
        return [0] if entries[0][0].size else []
    lin = np.concatenate([e[0] for e in entries])
    val = np.concatenate([e[1] for e in entries])
    col = np.repeat(np.arange(len(entries)), [e[0].size for e in entries])
    # Compress the coordinates actually used, so the sparse matrix stays small at any n^K.
    used, row = np.unique(lin, return_inverse=True)
    D = sp.csc_matrix((val, (row, col)), shape=(used.size, len(entries)), dtype=np.int64)
    bound = int(np.abs(val).max(initial=0)) ** 2 * max(e[0].size for e in entries)
    if bound >= 2**62:  # pragma: no cover - values are ±1: never at reachable sizes
        return _independent_exact_python(entries)
    gram = (D.T @ D).toarray()
    return pivot_columns(gram)


def _independent_exact_python(entries) -> list[int]:  # pragma: no cover - see caller
    dicts = [dict(zip(e[0].tolist(), e[1].tolist(), strict=True)) for e in entries]
    gram = [[sum(v * b.get(i, 0) for i, v in a.items()) for b in dicts] for a in dicts]
    return pivot_columns(gram)


def orthonormal_columns(matrix: DomainMatrix, name: str) -> np.ndarray:
    """An orthonormal float64 basis of the span of a diagram basis' ``matrix`` (``name`` names
    the monomial in errors): the numeric diagram route, taken past the dense solver's size.

    The diagrams' rank is exact, so no tolerance decides ``r``. They are integer vectors with
    an exact integer Gram matrix ``M = DᵀD``, so ``Q = D X`` with ``XᵀMX = I`` is found from
    r × r matrices only (Cholesky, then one refinement step measured against the exact ``M``);
    the one n-sized product is sparse. Rows outside the diagrams' support are exact zeros.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> orthonormal_columns(diagram_basis(mono).matrix, "V²").ravel().round(3)
    array([0.577, 0.   , 0.   , 0.   , 0.577, 0.   , 0.   , 0.   , 0.577])
    """
    n, r = matrix.shape
    if r == 0:
        return np.zeros((n, 0))
    check_allocation(2 * n * r * 8, f"the dense {n} × {r} basis", name,
                     "use a smaller rep, or a higher EMLP_SYM_MEMORY_LIMIT", size=n)
    rows, cols, vals = [], [], []
    for i, row in matrix.rep.to_sdm().items():
        for j, v in row.items():
            rows.append(i)
            cols.append(j)
            vals.append(float(v))
    D = sp.csr_matrix((vals, (rows, cols)), shape=(n, r))
    M = (D.T @ D).toarray()  # integers below 2**53: exact
    X = _inverse_cholesky_transpose(M)
    X = X @ _inverse_cholesky_transpose(X.T @ M @ X)  # refine: XᵀMX = I to rounding
    if not np.allclose(X.T @ M @ X, np.eye(r), atol=1e-10):  # = QᵀQ, in r × r work
        raise SolverError(f"the orthonormalized diagram basis of {name} is not orthonormal")
    return np.asarray(D @ X)


def _inverse_cholesky_transpose(M: np.ndarray) -> np.ndarray:
    """``L⁻ᵀ`` for ``M = L Lᵀ``: columns ``D L⁻ᵀ`` are orthonormal when ``M = DᵀD``."""
    L = np.linalg.cholesky(M)
    return scipy.linalg.solve_triangular(L, np.eye(M.shape[0]), lower=True).T
