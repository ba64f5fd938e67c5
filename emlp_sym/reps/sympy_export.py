"""Representations as SymPy polynomials in their atoms.

A canonical rep ``Σ_t m_t · t`` is the polynomial ``Σ_t m_t Π_{a ∈ t} a`` in commuting
symbols, one per atom: ``V``, ``Vstar`` (the dual, where the group does not fold it), or a
user rep's name. In a product group the symbols carry their factor explicitly (``V[SO(3)]``);
for a rep of a single group they do not, which :func:`qualify_symbols` decides once, from the
rep's group, and every symbol is built with (nothing is stripped from names afterwards).
"""

from __future__ import annotations

import sympy

from emlp_sym.groups.base import Group

__all__ = ["atom_symbol", "dual_symbols", "qualify_symbols", "terms_to_sympy"]


def qualify_symbols(G: Group | None) -> bool:
    """Do symbols name their group factor? Yes unbound or in a product group.

    >>> from emlp_sym.groups import S, SO
    >>> qualify_symbols(S(3)), qualify_symbols(None), qualify_symbols(S(3) * SO(2))
    (False, True, True)
    """
    return G is None or len(G.factors) > 1


def atom_symbol(atom, qualify: bool) -> sympy.Symbol:
    """The commuting symbol of an atom: ``V``, ``Vstar``, ``V[SO(3)]``, a user rep's name.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps.atoms import BaseAtom
    >>> atom_symbol(BaseAtom(S(3)), qualify=False), atom_symbol(BaseAtom(S(3)), qualify=True)
    (V, V[S(3)])
    """
    return sympy.Symbol(atom.label(qualify).replace("*", "star"), commutative=True)


def dual_symbols(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every atom symbol replaced by its dual's (``V`` ↔ ``Vstar``).

    >>> import sympy
    >>> dual_symbols(sympy.Symbol("V") ** 2 + 1)
    Vstar**2 + 1
    """
    return expr.subs(
        {s: sympy.Symbol(_dual_name(s.name), commutative=True) for s in expr.free_symbols},
        simultaneous=True,
    )


def _dual_name(name: str) -> str:
    return name[: -len("star")] if name.endswith("star") else name + "star"


def terms_to_sympy(terms, G: Group | None) -> sympy.Expr:
    """The polynomial ``Σ m_t Π atoms`` of canonical terms of a rep bound to ``G``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> terms_to_sympy((2 * V + V**2)(S(3)).canonical_terms, S(3))
    V**2 + 2*V
    """
    qualify = qualify_symbols(G)
    out = sympy.Integer(0)
    for t, m in terms:
        out += m * sympy.Mul(*[atom_symbol(a, qualify) for a in t])
    return out
