"""Canonical form of a representation, with the exact coordinate permutation.

A canonical rep is ``Σ_t m_t · t``: monomials ``t`` (sorted tuples of atoms) in a fixed total
order, each with a multiplicity. Its coordinates are laid out term by term, the ``m_t``
copies of ``t`` contiguous, each copy a C-ordered tensor over ``t``'s axes.

``perm[u]`` is the canonical coordinate of the user's coordinate ``u``, so for any
representation ``rho_user(g) = P^T rho_canon(g) P`` with ``P e_u = e_{perm[u]}``. Everything is
vectorized per pair of *terms* (never per copy or per coordinate in Python), so
``uniform_rep(384) >> uniform_rep(384)`` (147456 coordinates) canonicalizes in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from emlp_sym.reps.atoms import (
    Monomial,
    axis_permutation,
    monomial_key,
    monomial_size,
    sort_monomial,
)


@dataclass(frozen=True)
class Canonical:
    """Ordered terms ``((monomial, multiplicity), ...)`` and the user→canonical permutation.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> C = (V**2 + V)(S(3)).canonical
    >>> C.size, C.perm[:4]  # canonical order puts V (degree 1) before V² (degree 2)
    (12, array([3, 4, 5, 6]))
    """

    terms: tuple[tuple[Monomial, int], ...]
    perm: np.ndarray

    @cached_property
    def size(self) -> int:
        return sum(m * monomial_size(t) for t, m in self.terms)

    @cached_property
    def starts(self) -> dict:
        """Canonical offset where each term's block begins."""
        return term_starts(self.terms)

    @cached_property
    def inverse_perm(self) -> np.ndarray:
        return np.argsort(self.perm)

    @property
    def is_identity(self) -> bool:
        return bool(np.array_equal(self.perm, np.arange(len(self.perm))))

    def multiplicity(self, mono: Monomial) -> int:
        return dict(self.terms).get(mono, 0)


def term_starts(terms) -> dict:
    """The offset of each term's block when ``terms`` are laid out in order.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> list(term_starts((V + V**2)(S(3)).canonical_terms).values())  # V at 0, V² at 3
    [0, 3]
    """
    out, pos = {}, 0
    for t, m in terms:
        out[t] = pos
        pos += m * monomial_size(t)
    return out


def leaf(mono: Monomial) -> Canonical:
    """The canonical form of one monomial: itself, once, with the identity permutation.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps.atoms import BaseAtom
    >>> leaf((BaseAtom(S(3)),)).perm
    array([0, 1, 2])
    """
    return Canonical(((mono, 1),), np.arange(monomial_size(mono), dtype=np.int64))


EMPTY = Canonical((), np.zeros(0, dtype=np.int64))


def _order_terms(multiplicities: dict) -> tuple:
    return tuple(sorted(multiplicities.items(), key=lambda tm: monomial_key(tm[0])))


# -- terms alone: cheap at any size (printing, sizes, multiplicities) -------------------------
def sum_terms(children_terms, counts=None) -> tuple:
    """The ordered terms of ``Σ_i counts[i] · child_i`` from the children's terms.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> terms = V(S(3)).canonical_terms
    >>> [m for _, m in sum_terms([terms, terms], counts=[2, 1])]  # 2V + V = 3V
    [3]
    """
    counts = counts if counts is not None else [1] * len(children_terms)
    totals: dict = {}
    for terms, n in zip(children_terms, counts, strict=True):
        for t, m in terms:
            totals[t] = totals.get(t, 0) + n * m
    return _order_terms(totals)


def product_terms(A_terms, B_terms) -> tuple:
    """The ordered terms of a tensor product, distributed over the factors' terms.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.reps.atoms import monomial_str
    >>> t = (V + V**2)(S(3)).canonical_terms
    >>> [(monomial_str(mono), m) for mono, m in product_terms(t, t)]  # (V+V²)² = V² + 2V³ + V⁴
    [('V²', 1), ('V³', 2), ('V⁴', 1)]
    """
    totals: dict = {}
    for ta, ma in A_terms:
        for tb, mb in B_terms:
            t, _ = sort_monomial(ta + tb)
            totals[t] = totals.get(t, 0) + ma * mb
    return _order_terms(totals)


def dual_terms(terms) -> tuple:
    """The ordered terms of the dual (atoms dualized, folded where the group allows).

    >>> from emlp_sym.groups import SL
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.reps.atoms import monomial_str
    >>> [monomial_str(mono) for mono, _ in dual_terms(V(SL(2)).canonical_terms)]
    ['V*']
    """
    totals: dict = {}
    for t, m in terms:
        dt, _ = sort_monomial(tuple(a.transpose() for a in t))
        totals[dt] = totals.get(dt, 0) + m
    return _order_terms(totals)


# -- terms and the permutation --------------------------------------------------------------
def direct_sum(children: list[Canonical], counts=None) -> Canonical:
    """Concatenate the children's layouts (``counts[i]`` copies of child ``i``, one after
    the other), then collect equal monomials.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps.atoms import BaseAtom
    >>> direct_sum([leaf((BaseAtom(S(3)),)), leaf(())]).perm  # the scalar goes first
    array([1, 2, 3, 0])
    """
    counts = counts if counts is not None else [1] * len(children)
    terms = sum_terms([c.terms for c in children], counts)
    parent_start = term_starts(terms)
    copies_used = {t: 0 for t, _ in terms}
    pieces = []
    for c, n in zip(children, counts, strict=True):
        # shift[c_coord] = parent_coord - c_coord in the first copy, constant on each of c's
        # term blocks; copy k lies k·step further (step: the block's m·size)
        shift = np.empty(c.size, dtype=np.int64)
        step = np.empty(c.size, dtype=np.int64)
        for t, m in c.terms:
            st = monomial_size(t)
            a = c.starts[t]
            shift[a : a + m * st] = parent_start[t] + copies_used[t] * st - a
            step[a : a + m * st] = m * st
            copies_used[t] += n * m
        first = c.perm + shift[c.perm]
        pieces.append((first[None, :] + np.arange(n)[:, None] * step[c.perm][None, :]).ravel())
    perm = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    return Canonical(terms, perm)


def tensor_product(A: Canonical, B: Canonical) -> Canonical:
    """Kronecker product (A outer, B inner), distributed over the terms and re-sorted.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps.atoms import BaseAtom
    >>> V3 = leaf((BaseAtom(S(3)),))
    >>> tensor_product(V3, V3).size
    9
    """
    pairs = []
    totals: dict = {}
    for ta, ma in A.terms:
        for tb, mb in B.terms:
            t, order = sort_monomial(ta + tb)
            pairs.append((ta, ma, tb, mb, t, order))
            totals[t] = totals.get(t, 0) + ma * mb
    terms = _order_terms(totals)
    start = term_starts(terms)
    copies_used = dict.fromkeys(totals, 0)
    table = np.empty((A.size, B.size), dtype=np.int64)  # canonical (a, b) -> parent canonical
    for ta, ma, tb, mb, t, order in pairs:
        sa, sb, st = monomial_size(ta), monomial_size(tb), monomial_size(t)
        within = axis_permutation(order, [x.size for x in ta + tb]).reshape(sa, sb)
        copy = np.arange(ma)[:, None, None, None] * mb + np.arange(mb)[None, None, :, None]
        block = start[t] + (copies_used[t] + copy) * st + within[None, :, None, :]
        a0, b0 = A.starts[ta], B.starts[tb]
        table[a0 : a0 + ma * sa, b0 : b0 + mb * sb] = block.reshape(ma * sa, mb * sb)
        copies_used[t] += ma * mb
    perm = table[A.perm[:, None], B.perm[None, :]].reshape(-1)
    return Canonical(terms, perm)


def dual(C: Canonical) -> Canonical:
    """Dualize every atom (folding where the group allows) and re-sort.

    >>> from emlp_sym.groups import S, SL
    >>> from emlp_sym.reps.atoms import BaseAtom
    >>> dual(leaf((BaseAtom(S(3)),))).terms == leaf((BaseAtom(S(3)),)).terms  # V* folds into V
    True
    >>> dual(leaf((BaseAtom(SL(2)),))).terms[0][0][0].dual  # SL(2) is not orthogonal
    True
    """
    new_terms: dict = {}
    moves = []
    for t, m in C.terms:
        dt, order = sort_monomial(tuple(a.transpose() for a in t))
        within = axis_permutation(order, [a.size for a in t])
        new_terms[dt] = new_terms.get(dt, 0) + m
        moves.append((t, m, dt, within))
    terms = _order_terms(new_terms)
    start = term_starts(terms)
    mapping = np.empty(C.size, dtype=np.int64)
    for t, m, dt, within in moves:
        st = monomial_size(t)
        a = C.starts[t]
        offsets = (np.arange(m)[:, None] * st + within[None, :]).reshape(-1)
        mapping[a : a + m * st] = start[dt] + offsets
    return Canonical(terms, mapping[C.perm])
