"""Representations as expression trees.

``V``, ``Scalar`` and user-defined reps are leaves; ``+`` (direct sum), ``*`` (tensor
product), ``**``, ``.T`` (dual), ``int * rep`` and ``rep_in >> rep_out`` (linear maps,
``rep_out ⊗ rep_in*``) build trees. Calling a rep with a group binds it: ``(V**2)(SO(3))``.

The user's coordinate layout is the tree's: sums concatenate, products are Kronecker
products (first factor outermost), duals keep coordinates. A bound rep has a canonical form
(:mod:`emlp_sym.reps.canonical`) with the exact permutation between the two layouts; the
solvers work on the canonical form and map back.

This module holds the :class:`Rep` base class (the algebra, binding, canonical form, SymPy
export) and the leaves ``ScalarRep``, ``BaseRep`` and ``DualRep``; the inner nodes
``SumRep`` and ``ProductRep`` are in :mod:`emlp_sym.reps.compound`, user-defined leaves follow
:mod:`emlp_sym.reps.extension`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import sympy

from emlp_sym.errors import ArgumentTypeError, RepError
from emlp_sym.groups.base import Group
from emlp_sym.reps import canonical as canon
from emlp_sym.reps.atoms import (
    BaseAtom,
    RepAtom,
    is_permutation_type,
    monomial_size,
    monomial_str,
)
from emlp_sym.reps.checks import check_element, count_arg, require_bound
from emlp_sym.reps.extension import leaf_matrix
from emlp_sym.reps.sympy_export import atom_symbol, dual_symbols, qualify_symbols


def _call_rho(rep, g, lie: bool):
    if isinstance(rep, _Node):
        return rep._drho(g) if lie else rep._rho(g)
    return leaf_matrix(rep, g, lie, xp=jnp)


def _is_zero(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value == 0


# ---------------------------------------------------------------------------------------------
class Rep:
    """A (possibly unbound) group representation.

    To define your own, subclass and follow :mod:`emlp_sym.reps.extension`: give
    ``size()``, ``rho(g)`` and/or ``drho(A)``, ``__call__(G)`` (binding), ``__str__``,
    ``__eq__``/``__hash__``, and set ``self.G``. ``drho`` defaults to the derivative of
    ``rho`` at the identity. Return ``self`` from ``T`` (and set ``self_dual = True``) if
    your representation is its own dual.
    """

    G: Group | None = None

    # -- to be overridden by leaves -----------------------------------------------------------
    def size(self) -> int:
        raise NotImplementedError

    def rho(self, g):
        raise NotImplementedError

    def drho(self, A):
        eye = jnp.eye(A.shape[-1], dtype=A.dtype)
        return jax.jvp(self.rho, (eye,), (A,))[1]

    def __call__(self, G: Group) -> Rep:
        raise NotImplementedError

    @property
    def T(self) -> Rep:
        return DualRep(self)

    # -- derived ------------------------------------------------------------------------------
    def rho_dense(self, g):
        """``rho(g)`` as a dense JAX array in the user's layout (jit- and vmap-able)."""
        return self.rho(g)

    def drho_dense(self, A):
        return self.drho(A)

    @property
    def concrete(self) -> bool:
        return self.G is not None

    @property
    def canonical(self) -> canon.Canonical:
        """Canonical terms and the user→canonical coordinate permutation (cached)."""
        cached = self.__dict__.get("_canonical_cache")
        if cached is None:
            require_bound(self, "the representation")
            cached = self._canonical()
            if cached.size != self.size():
                raise RepError(f"internal: canonical size of {self} differs from size()")
            self.__dict__["_canonical_cache"] = cached
        return cached

    def _canonical(self) -> canon.Canonical:
        return canon.leaf((RepAtom(self),))

    def canonicalize(self) -> tuple[Rep, np.ndarray]:
        """``(canonical_rep, perm)``: the canonical rep (its own layout is canonical) and
        ``perm`` with ``perm[u]`` the canonical coordinate of user coordinate ``u``."""
        return from_terms(self.canonical.terms, self.G), self.canonical.perm

    def sympy(self) -> sympy.Expr:
        """The representation as a SymPy polynomial in its atoms, expanded and collected.

        Bound to a group, duals are folded where the group allows, so
        ``(V*V.T)(SO(3)).sympy() == V**2``. SymPy does the expansion from the expression tree;
        the tests check it agrees with :attr:`canonical`.
        """
        return sympy.expand(self._sympy_tree(qualify_symbols(self.G)))

    def _sympy_tree(self, qualify: bool):
        """The unexpanded polynomial; ``qualify``: symbols name their group factor."""
        return atom_symbol(RepAtom(self), qualify)

    @property
    def is_permutation(self) -> bool:
        return all(not t or is_permutation_type(t) for t, _ in self.canonical.terms)

    # -- algebra ------------------------------------------------------------------------------
    def _add(self, other, other_first: bool):
        if _is_zero(other):
            return self  # sum([...]) starts from 0
        if not isinstance(other, Rep):
            raise ArgumentTypeError(
                f"can only add representations, not {type(other).__name__}"
            )
        return SumRep(other, self) if other_first else SumRep(self, other)

    def __add__(self, other):
        return self._add(other, other_first=False)

    def __radd__(self, other):
        return self._add(other, other_first=True)

    def _mul(self, other, other_first: bool):
        if isinstance(other, Rep):
            return ProductRep(other, self) if other_first else ProductRep(self, other)
        n = count_arg(other, "the multiplicity in n*rep")
        return SumRep(*([self] * n), G=self.G)

    def __mul__(self, other):
        return self._mul(other, other_first=False)

    def __rmul__(self, other):
        return self._mul(other, other_first=True)

    def __pow__(self, k):
        k = count_arg(k, "the power in rep**k")
        if k == 0:
            return ScalarRep(self.G)
        return ProductRep(*([self] * k))

    def __rshift__(self, other: Rep) -> Rep:
        """``rep_in >> rep_out``: linear maps from rep_in to rep_out (rep_out ⊗ rep_in*)."""
        if not isinstance(other, Rep):
            raise ArgumentTypeError(
                f"rep >> x needs a representation on the right, got {other!r}"
            )
        return ProductRep(other, self.T)

    def __lshift__(self, other: Rep) -> Rep:
        if not isinstance(other, Rep):
            raise ArgumentTypeError(
                f"rep << x needs a representation on the right, got {other!r}"
            )
        return ProductRep(self, other.T)

    def __repr__(self):
        return str(self)

    # -- solvers (the one place reps call forward: convenience methods, imported lazily) ------
    def equivariant_basis(self, exact: bool = False):
        """Orthonormal basis ``Q`` (size × r) of the fixed space; ``exact=True`` gives a
        ``sympy.Matrix`` of rationals spanning it."""
        from emlp_sym import solvers

        return solvers.equivariant_basis(self, exact=exact)

    def equivariant_projector(self):
        """The orthogonal projector ``P = Q Qᵀ`` onto the fixed space, as a structured operator."""
        from emlp_sym import solvers

        return solvers.equivariant_projector(self)

    def equivariant_dim(self) -> int:
        """``r``, the dimension of the fixed space."""
        from emlp_sym import solvers

        return solvers.equivariant_dim(self)


class _Node(Rep):
    """Rep classes of the library itself (everything but user-defined leaves)."""

    def rho(self, g):
        check_element(self, g, "rho")
        return self._rho(jnp.asarray(g))

    def drho(self, A):
        check_element(self, A, "drho")
        return self._drho(jnp.asarray(A))

    def _key(self):
        raise NotImplementedError

    def __eq__(self, other):
        return isinstance(other, _Node) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        if self.G is None:
            return self._tree_str()
        terms = self.canonical.terms
        if not terms:
            return "0"
        show = len(self.G.factors) > 1
        return "+".join(
            f"{m if m > 1 else ''}{monomial_str(t, show)}" for t, m in terms
        )

    def _tree_str(self) -> str:
        raise NotImplementedError


class ScalarRep(_Node):
    """The trivial representation ``V⁰`` (size 1)."""

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


class BaseRep(_Node):
    """The base representation ``V`` of a group (``V(G1×G2) = V(G1) ⊗ V(G2)``)."""

    def __init__(self, G: Group | None = None):
        self.G = G

    def __call__(self, G):
        if not isinstance(G, Group):
            raise ArgumentTypeError(f"a representation is bound to a Group, got {G!r}")
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

    def _sympy_tree(self, qualify):
        if self.G is None:
            return sympy.Symbol("V", commutative=True)
        return atom_symbol(BaseAtom(self.G), qualify)

    def _tree_str(self):
        return "V"

    def _key(self):
        return (BaseRep, self.G)


class DualRep(_Node):
    """The dual ``rep*``: ``rho*(g) = rho(g)^{-T}``, ``drho*(A) = -drho(A)^T``."""

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

    def _rho(self, g):
        M = _call_rho(self.rep, g, lie=False)
        return M if self._orthogonal() else jnp.linalg.inv(M).T

    def _drho(self, A):
        M = _call_rho(self.rep, A, lie=True)
        return M if self._orthogonal() else -M.T

    def _canonical(self):
        return canon.dual(self.rep.canonical)

    def _sympy_tree(self, qualify):
        inner = self.rep._sympy_tree(qualify)
        return inner if self._orthogonal() else dual_symbols(inner)  # V* ≅ V: duals fold

    def _tree_str(self):
        inner = str(self.rep)
        simple = isinstance(self.rep, (BaseRep, ScalarRep)) or not isinstance(self.rep, _Node)
        return f"{inner}*" if simple else f"({inner})*"

    def _key(self):
        return (DualRep, self.rep)


# SumRep and ProductRep subclass _Node, and the rebuild from canonical terms uses every node
# class: they live in their own modules, imported once the classes above exist.
from emlp_sym.reps.compound import ProductRep, SumRep  # noqa: E402
from emlp_sym.reps.rebuild import from_terms, monomial_rep  # noqa: E402

__all__ = [
    "Rep", "ScalarRep", "BaseRep", "DualRep", "SumRep", "ProductRep",
    "from_terms", "monomial_rep", "monomial_size",
]
