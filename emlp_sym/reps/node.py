"""The node type of the library's rep trees, and its simplest node, the scalar ``V⁰``.

Every rep class of the library (:class:`ScalarRep` here, ``V`` and duals in
:mod:`emlp_sym.reps.leaves`, sums and products in :mod:`emlp_sym.reps.compound`) is a
``_Node``: a :class:`~emlp_sym.reps.base.Rep` that checks its argument in ``rho``/``drho``,
computes the matrix in ``_rho``/``_drho``, compares by a structural key and prints its
canonical form. User-defined reps are plain ``Rep`` subclasses, reached through
:func:`_call_rho`. The scalar lives here because every other node needs it (the unit of ``⊗``,
the summand of ``rep + n``).
"""

from __future__ import annotations

import jax.numpy as jnp
import sympy

from emlp_sym.groups.base import Group
from emlp_sym.groups.product import element_from_factors
from emlp_sym.reps import canonical as canon
from emlp_sym.reps.atoms import monomial_str
from emlp_sym.reps.base import Rep
from emlp_sym.reps.checks import check_element, require_bound
from emlp_sym.reps.extension import leaf_matrix

__all__ = ["ScalarRep"]


def _call_rho(rep, g, lie: bool):
    """``rho(g)`` (``drho`` if ``lie``) of a child: a node's unchecked ``_rho``, or a user
    rep's own ``rho`` through the extension protocol."""
    if isinstance(rep, _Node):
        return rep._drho(g) if lie else rep._rho(g)
    return leaf_matrix(rep, g, lie, xp=jnp)


def _element(rep, g):
    """A dict ``{G1: g1, ...}`` of factor elements as one element of ``rep``'s group."""
    if isinstance(g, dict):
        require_bound(rep, f"{rep} (in rho)")
        return element_from_factors(rep.G, g)
    return g


class _Node(Rep):
    """Rep classes of the library itself (everything but user-defined leaves)."""

    def rho(self, g):
        """``rho(g)`` in the user's layout. ``g``: one element of the rep's group, or a dict
        ``{G1: g1, G2: g2}`` of its factors' elements (the reference library's form)."""
        g = _element(self, g)
        check_element(self, g, "rho")
        return self._rho(jnp.asarray(g))

    def drho(self, A):
        """``drho(A)`` for one Lie algebra element (or a dict of the factors' elements)."""
        A = _element(self, A)
        check_element(self, A, "drho")
        return self._drho(jnp.asarray(A))

    def _rho(self, g):
        """``rho(g)`` of a checked element (each node class computes it)."""
        raise NotImplementedError

    def _drho(self, A):
        """``drho(A)`` of a checked Lie algebra element (each node class computes it)."""
        raise NotImplementedError

    def _key(self):
        raise NotImplementedError

    def __eq__(self, other):
        return isinstance(other, _Node) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        if self.G is None:
            return self._tree_str()
        terms = self.canonical_terms
        if not terms:
            return "0"
        show = len(self.G.factors) > 1
        return "+".join(
            f"{m if m > 1 else ''}{monomial_str(t, show)}" for t, m in terms
        )

    def _tree_str(self) -> str:
        raise NotImplementedError


class ScalarRep(_Node):
    """The trivial representation ``V⁰`` (size 1).

    >>> from emlp_sym.groups import SO
    >>> print(ScalarRep())
    V⁰
    >>> ScalarRep(SO(3)).size(), ScalarRep(SO(3)).equivariant_dim()
    (1, 1)
    """

    def __init__(self, G: Group | None = None):
        self.G = G

    def __call__(self, G):
        return ScalarRep(G)

    def size(self):
        return 1

    def _rho(self, g):
        return jnp.ones((1, 1), dtype=g.dtype)

    def _drho(self, A):
        return jnp.zeros((1, 1), dtype=A.dtype)

    @property
    def T(self):
        return self

    def _canonical(self):
        return canon.leaf(())

    def _terms(self):
        return (((), 1),)

    def _sympy_tree(self, qualify):
        return sympy.Integer(1)

    def _tree_str(self):
        return "V⁰"

    def _key(self):
        return (ScalarRep,)  # a scalar is a scalar, whatever it is bound to

    def __eq__(self, other):
        return isinstance(other, ScalarRep)

    def __hash__(self):
        return hash(ScalarRep)
