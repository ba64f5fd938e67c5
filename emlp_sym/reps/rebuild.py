"""A rep whose own coordinate layout is canonical, rebuilt from canonical terms.

Given the terms ``Σ_t m_t · t`` of a canonical form (:mod:`emlp_sym.reps.canonical`),
:func:`from_terms` builds ``t_1 + ... + t_1 + t_2 + ...`` (``m_t`` copies of each monomial,
in canonical order), each monomial a tensor product of its atoms' leaf reps; so
``rep.canonicalize()`` and the solvers can work on one monomial at a time.
"""

from __future__ import annotations

from emlp_sym.groups.base import Group
from emlp_sym.reps.atoms import BaseAtom
from emlp_sym.reps.base import Rep
from emlp_sym.reps.compound import ProductRep, SumRep
from emlp_sym.reps.leaves import BaseRep, DualRep
from emlp_sym.reps.node import ScalarRep

__all__ = ["atom_rep", "from_terms", "monomial_rep"]


def atom_rep(atom) -> Rep:
    """The leaf representation of a canonical atom.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps.atoms import BaseAtom
    >>> print(atom_rep(BaseAtom(S(3))))
    V
    """
    if isinstance(atom, BaseAtom):
        base = BaseRep(atom.group)
    else:
        base = atom.rep
    return DualRep(base) if atom.dual else base


def from_terms(terms, G: Group | None) -> Rep:
    """Build the canonical rep (whose own layout is canonical) from canonical terms.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> print(from_terms((V**2 + V)(S(3)).canonical_terms, S(3)))  # canonical order: V first
    V+V²
    """
    return SumRep(*[monomial_rep(t, G) for t, _ in terms], G=G, counts=[m for _, m in terms])


def monomial_rep(mono, G: Group | None) -> Rep:
    """A single canonical monomial as a rep. The scalar is bound to ``G``; other monomials
    are bound to the group (or factors of ``G``) their atoms belong to, which has the same
    fixed vectors since the other factors act trivially on them.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps.atoms import BaseAtom
    >>> rep = monomial_rep((BaseAtom(S(3)), BaseAtom(S(3))), S(3))
    >>> print(rep)
    V²
    >>> rep.size()
    9
    """
    if not mono:
        return ScalarRep(G)
    return ProductRep(*[atom_rep(a) for a in mono])
