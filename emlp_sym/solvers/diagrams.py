"""Exact bases of the classical groups from invariant theory: Brauer diagrams, no nullspace.

For the groups that preserve a bilinear form ``F`` (``g^T F g = F``): O(n) and SO(n) (``F = I``),
the Lorentz groups O(1,3), SO(1,3), SO⁺(1,3), O(1,1), SO⁺(1,1) (``F = η``, the Minkowski metric
``diag(1, -1, ...)``) and Sp(m) on R^{2m} (``F = ω = [[0, I], [-I, 0]]``), the first fundamental
theorem of invariant theory says: the invariant tensors of ``V^⊗k ⊗ V*^⊗l`` are spanned by
products of the form over the pairings of the ``k + l`` indices, and for the groups of
determinant one (SO(n), SO(1,3), SO⁺(1,3), SO⁺(1,1)) also by the terms with one Levi-Civita
tensor on ``n`` indices and the rest paired (a product of two ε's is a sum of products of
forms). Sp(m) needs no ε: it is a polynomial in ``ω``. GL(n) and U(n) (whose invariants are
those of GL(n, C)) have only the pairings of a ``V`` index with a ``V*`` index (``δ``);
SL(n) and SU(n) (SL(n, C)) also ``|k − l| / n`` ε's on the extra indices of one kind (an
upper and a lower ε would multiply out into δ's).

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
monomials with more than :data:`MAX_DIAGRAMS` candidate diagrams are left to the generic exact
solver (:func:`emlp_sym.solvers.monomial.exact_basis`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import sympy
from sympy.polys.domains import QQ, ZZ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.sdm import SDM

from emlp_sym.errors import ExactFormUnavailable, SolverError
from emlp_sym.groups.base import Group
from emlp_sym.groups.lie import GL, O11, O13, SL, SO, SO13, SU, Lorentz, O, SO11p, SO13p, Sp, U
from emlp_sym.groups.product import FactorCopy
from emlp_sym.reps.atoms import BaseAtom, Monomial, monomial_size, monomial_str
from emlp_sym.solvers import number_fields
from emlp_sym.solvers.exact import pivot_columns
from emlp_sym.solvers.memory import check_allocation
from emlp_sym.solvers.monomial import DENSE_LIMIT, check_basis, exact_basis, numeric_basis
from emlp_sym.solvers.number_fields import rotation_basis

__all__ = [
    "ClassicalForm", "Diagram", "DiagramBasis", "MAX_DIAGRAMS", "classical_form",
    "clear_cache", "diagram_basis", "enumerate_diagrams",
]

#: candidate diagrams beyond which the Gram RREF (cubic) is not attempted
MAX_DIAGRAMS = 3000
CHECK_LIMIT = 2**21  # n·r up to which orthonormalized bases get the float residual check
MAX_EPSILON_ORDER = 8  # ε has n! nonzeros: larger n goes to the generic solver
_INDEX_LIMIT = 2**62  # linear coordinates are int64

_cache: dict = {}  # monomial -> DiagramBasis | None
_numeric_cache: dict = {}  # monomial -> orthonormalized float64 basis
_form_cache: dict = {}  # group -> ClassicalForm | None


def clear_cache() -> None:
    """Forget the diagram bases (exact and orthonormalized) and C(k)/D(k) bases computed so far.

    >>> clear_cache()
    """
    _cache.clear()
    _numeric_cache.clear()
    _form_cache.clear()
    number_fields.clear_cache()


# ---------------------------------------------------------------------------------------------
# The invariant form of each classical group


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



def exact_monomial_basis(mono: Monomial, G: Group) -> DomainMatrix:
    """The exact basis of one canonical monomial: its diagram basis where that route applies
    (:func:`diagram_basis`), the written-down rational basis for C(k) and D(k)
    (:func:`emlp_sym.solvers.number_fields.rotation_basis`), else the generic exact solver's
    (:func:`emlp_sym.solvers.monomial.exact_basis`). A monomial on several factors of a
    direct product is the Kronecker product of its factors' bases (:func:`_factor_runs`)."""
    runs = _factor_runs(mono)
    if runs is not None:
        parts = [exact_monomial_basis(run, run[0].group) for run in runs]
        if all(B.domain in (QQ, ZZ) for B in parts):
            return _kron_exact(parts)
    plain = _plain_monomial(mono)
    found = diagram_basis(plain) or rotation_basis(plain)
    if found is not None:
        return found.matrix
    return exact_basis(mono, G)


def _factor_runs(mono: Monomial) -> list[Monomial] | None:
    """``mono`` split into runs of atoms of one factor each, when it is ``V``/``V*`` of two or
    more factors of a direct product (canonical order keeps each factor's atoms together).
    The factors act independently, so the fixed space is the tensor product of the runs'
    fixed spaces, and the C-ordered coordinates are their Kronecker product. None otherwise."""
    if not all(isinstance(a, BaseAtom) for a in mono):
        return None
    runs = [tuple(run) for _, run in itertools.groupby(mono, key=lambda a: a.group)]
    if len(runs) < 2 or len({run[0].group for run in runs}) != len(runs):
        return None
    return runs


def _kron_exact(parts) -> DomainMatrix:
    """The Kronecker product of sparse exact bases (first outermost), over QQ."""
    rows, shape = {0: {0: QQ(1)}}, (1, 1)
    for B in parts:
        n, r = B.shape
        entries = B.convert_to(QQ).to_sparse().rep
        product: dict = {}
        for i, row in rows.items():
            for k, part_row in entries.items():
                out = product.setdefault(i * n + k, {})
                for j, v in row.items():
                    for m, w in part_row.items():
                        out[j * r + m] = v * w
        rows, shape = product, (shape[0] * n, shape[1] * r)
    return DomainMatrix.from_rep(SDM(rows, shape, QQ))


def _plain_monomial(mono: Monomial) -> Monomial:
    """``mono`` on one numbered copy of a group (``V[SO(3)₂]²``, see
    :class:`~emlp_sym.groups.product.FactorCopy`) as the same monomial of the group itself,
    whose diagrams apply: the copy acts exactly as the group does. Monomials on several
    factors (copies or not) are left alone, so a diagram never pairs two factors' indices."""
    groups = {a.group for a in mono}
    if len(groups) != 1 or not all(isinstance(a, BaseAtom) for a in mono):
        return mono
    (G,) = groups
    if not isinstance(G, FactorCopy):
        return mono
    return tuple(BaseAtom(G.base, a.dual) for a in mono)



def numeric_monomial_basis(mono: Monomial, G: Group) -> np.ndarray:
    """An orthonormal basis (float64) of one monomial's fixed space: the diagram basis,
    orthonormalized, where that route applies and the monomial is past the dense solver's
    size (where Krylov would run, 10-100× slower), else the numeric solver's
    (:func:`emlp_sym.solvers.monomial.numeric_basis`).

    The diagrams' rank is exact, so no tolerance decides ``r``. They are integer vectors with
    an exact integer Gram matrix ``M = DᵀD``, so ``Q = D X`` with ``XᵀMX = I`` is found from
    r × r matrices only (Cholesky, then one refinement step measured against the exact ``M``);
    the one n-sized product is sparse. Rows outside the diagrams' support are exact zeros.
    Each diagram is a contraction of invariant tensors (checked exactly against the
    generators), so ``Q`` satisfies the constraints by construction; the residual check of
    every numeric basis also runs where it is cheap (``n·r ≤`` :data:`CHECK_LIMIT`).
    """
    # Small monomials keep the dense eigensolve (ms, and the on-disk cache); complex groups
    # keep their complex bases.
    if monomial_size(mono) <= DENSE_LIMIT or mono[0].group.is_complex:
        return numeric_basis(mono, G)
    runs = _factor_runs(mono)
    if runs is not None:  # factors of a product: the Kronecker product of their bases
        return _numeric_kron(mono, G, runs)
    found = diagram_basis(_plain_monomial(mono))
    if found is None:
        return numeric_basis(mono, G)
    Q = _numeric_cache.get(mono)
    if Q is None:
        Q = _orthonormal_columns(found.matrix, monomial_str(mono))
        if Q.size <= CHECK_LIMIT:
            check_basis(Q, mono, G)  # raises SolverError rather than return a wrong basis
        Q.setflags(write=False)
        _numeric_cache[mono] = Q
    return Q


def _numeric_kron(mono: Monomial, G: Group, runs) -> np.ndarray:
    """The Kronecker product of the runs' orthonormal bases: orthonormal, and it spans the
    fixed space (see :func:`_factor_runs`)."""
    Q = _numeric_cache.get(mono)
    if Q is None:
        parts = [numeric_monomial_basis(run, run[0].group) for run in runs]
        n, r = monomial_size(mono), int(np.prod([P.shape[1] for P in parts]))
        check_allocation(n * r * 8, f"the dense {n} × {r} basis", monomial_str(mono),
                         "use a smaller rep, or a higher EMLP_SYM_MEMORY_LIMIT", size=n)
        Q = parts[0]
        for P in parts[1:]:
            Q = np.kron(Q, P)
        if Q.size <= CHECK_LIMIT:
            check_basis(Q, mono, G)  # raises SolverError rather than return a wrong basis
        Q.setflags(write=False)
        _numeric_cache[mono] = Q
    return Q


def _orthonormal_columns(matrix: DomainMatrix, name: str) -> np.ndarray:
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
