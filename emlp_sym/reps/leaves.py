"""The leaves of a rep tree besides the scalar: ``V`` (:class:`BaseRep`) and duals
(:class:`DualRep`, ``rep.T``).

``V`` of a product group is the tensor product of its factors' ``V``; a dual folds into the rep
itself (``V* = V``) where the group is real orthogonal and the rep self-dual.
"""

from __future__ import annotations

import jax.numpy as jnp
import sympy

from emlp_sym.errors import ArgumentTypeError, RepError
from emlp_sym.groups.base import Group
from emlp_sym.reps import canonical as canon
from emlp_sym.reps.atoms import BaseAtom, RepAtom
from emlp_sym.reps.base import Rep
from emlp_sym.reps.compound import ProductRep
from emlp_sym.reps.extension import is_self_dual
from emlp_sym.reps.node import ScalarRep, _call_rho, _Node
from emlp_sym.reps.sympy_export import atom_symbol, dual_symbols

__all__ = ["BaseRep", "DualRep"]


class BaseRep(_Node):
    """The base representation ``V`` of a group (``V(G1×G2) = V(G1) ⊗ V(G2)``).

    >>> from emlp_sym.groups import SO
    >>> print(BaseRep())
    V
    >>> BaseRep(SO(3)).size()
    3
    """

    def __init__(self, G: Group | None = None):
        self.G = G

    def __call__(self, G):
        if not isinstance(G, Group):
            raise ArgumentTypeError(f"a representation is bound to a Group, got {G!r}")
        if self.G is not None and set(self.G.factors) <= set(G.factors):
            # bound already, to G or to a factor of it: V(O(3)) stays the O(3) vector in a
            # model over S(n)×O(3), where rebinding would make it V(S(n))⊗V(O(3))
            return self
        if len(G.factors) > 1:
            return ProductRep(*[BaseRep(f) for f in G.factors])
        return BaseRep(G)

    def size(self):
        if self.G is None:
            raise RepError("V has no size until you bind it to a group, e.g. V(SO(3)).size()")
        return self.G.d

    def _rho(self, g):
        return g

    def _drho(self, A):
        return A

    def _canonical(self):
        return canon.leaf((BaseAtom(self.G),))

    def _terms(self):
        return (((BaseAtom(self.G),), 1),)

    def _sympy_tree(self, qualify):
        if self.G is None:
            return sympy.Symbol("V", commutative=True)
        return atom_symbol(BaseAtom(self.G), qualify)

    def _tree_str(self):
        return "V"

    def _key(self):
        return (BaseRep, self.G)


class DualRep(_Node):
    """The dual ``rep*``: ``rho*(g) = rho(g)^{-T}``, ``drho*(A) = -drho(A)^T``.

    >>> from emlp_sym.groups import SL, SO
    >>> from emlp_sym.reps import V
    >>> print(DualRep(V(SL(2))))
    V*
    >>> print(DualRep(V(SO(3))))  # orthogonal: V* = V
    V
    """

    def __init__(self, rep: Rep):
        self.rep = rep
        self.G = rep.G

    def __call__(self, G):
        return self.rep(G).T

    def size(self):
        return self.rep.size()

    @property
    def T(self):
        return self.rep

    def _orthogonal(self):
        G = self.G
        return G is not None and all(f.is_orthogonal and not f.is_complex for f in G.factors)

    def _folds(self) -> bool:
        """Is ``rho*(g) = rho(g)`` exactly? On a real orthogonal group for the library's reps;
        for user reps only if they are self-dual (:func:`~emlp_sym.reps.extension.is_self_dual`)."""
        if self.G is None:
            return False
        if not isinstance(self.rep, _Node):
            return is_self_dual(self.rep)
        return self._orthogonal() and all(
            is_self_dual(a.rep)
            for t, _ in self.rep.canonical_terms for a in t if isinstance(a, RepAtom)
        )

    def _rho(self, g):
        M = _call_rho(self.rep, g, lie=False)
        return M if self._folds() else jnp.linalg.inv(M).T

    def _drho(self, A):
        M = _call_rho(self.rep, A, lie=True)
        return M if self._folds() else -M.T

    def _canonical(self):
        return canon.dual(self.rep.canonical)

    def _terms(self):
        return canon.dual_terms(self.rep.canonical_terms)

    def _sympy_tree(self, qualify):
        inner = self.rep._sympy_tree(qualify)
        if self._folds():
            return inner  # V* ≅ V: duals fold
        if isinstance(self.rep, _Node) and self._orthogonal():
            # some atoms fold (V), some do not (a user rep): atom by atom
            return sympy.Add(*[
                m * sympy.Mul(*[atom_symbol(a, qualify) for a in t])
                for t, m in self.canonical_terms
            ])
        return dual_symbols(inner)

    def _tree_str(self):
        inner = str(self.rep)
        simple = isinstance(self.rep, (BaseRep, ScalarRep)) or not isinstance(self.rep, _Node)
        return f"{inner}*" if simple else f"({inner})*"

    def _key(self):
        return (DualRep, self.rep)
