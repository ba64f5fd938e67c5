"""Representations as expression trees.

``V``, ``Scalar`` and user-defined reps are leaves; ``+`` (direct sum), ``*`` (tensor
product), ``**``, ``.T`` (dual), ``int * rep`` and ``rep_in >> rep_out`` (linear maps,
``rep_out ⊗ rep_in*``) build trees. Calling a rep with a group binds it: ``(V**2)(SO(3))``.

The user's coordinate layout is the tree's: sums concatenate, products are Kronecker
products (first factor outermost), duals keep coordinates. A bound rep has a canonical form
(:mod:`emlp_sym.reps.canonical`) with the exact permutation between the two layouts; the
solvers work on the canonical form and map back.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import sympy

from emlp_sym.errors import GroupError, RepError
from emlp_sym.groups.base import Group
from emlp_sym.groups.product import DirectProduct
from emlp_sym.reps import canonical as canon
from emlp_sym.reps.atoms import (
    BaseAtom,
    RepAtom,
    is_permutation_type,
    monomial_size,
    monomial_str,
)


# ---------------------------------------------------------------------------------------------
# group bookkeeping
def _combine_groups(groups, what: str) -> Group | None:
    bound = []
    for G in groups:
        if G is not None and G not in bound:
            bound.append(G)
    if len(bound) <= 1:
        return bound[0] if bound else None
    if what == "sum":
        # Summands may live on factors of one ambient product (the others act trivially),
        # e.g. V(SO(3))⊗V(S(4)) + V⁰ bound to SO(3)×S(4).
        for ambient in sorted(bound, key=lambda G: -len(G.factors)):
            if all(set(G.factors) <= set(ambient.factors) for G in bound):
                return ambient
        raise GroupError(
            f"cannot add representations of different groups {', '.join(map(str, bound))}; "
            "bind every summand to the same group (tensor products across groups are allowed)"
        )
    factors: list[Group] = []
    for G in bound:
        for f in G.factors:
            if f not in factors:
                factors.append(f)
    return factors[0] if len(factors) == 1 else DirectProduct(*factors)


def _restrict(x, parent: Group | None, child: Group | None):
    """The part of a group (or Lie algebra) element of ``parent`` that acts on ``child``."""
    if child is None or parent is None or child == parent:
        return x
    idx = [parent.factors.index(f) for f in child.factors]
    blocks = [parent.factor_block(x, i) for i in idx]
    if len(blocks) == 1:
        return blocks[0]
    return jax.scipy.linalg.block_diag(*blocks)


def _check_element(rep: Rep, g, what: str):
    G = rep.G
    if G is None:
        raise RepError(f"{what} of {rep} needs a group: bind it first, e.g. rep(SO(3))")
    n = G.element_size
    shape = getattr(g, "shape", None)
    if shape is None or len(shape) != 2 or tuple(shape) != (n, n):
        raise ValueError(
            f"{what} of {rep} expects one {n}×{n} element of {G}, got shape {shape}; "
            "use jax.vmap for a batch of elements"
        )


def _int_arg(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise RepError(f"{what} must be a non-negative integer, got {value}")
    return int(value)


def _call_rho(rep, g, lie: bool):
    if isinstance(rep, _Node):
        return rep._drho(g) if lie else rep._rho(g)
    return jnp.asarray(rep.drho(g) if lie else rep.rho(g))


# ---------------------------------------------------------------------------------------------
class Rep:
    """A (possibly unbound) group representation.

    To define your own, subclass and give ``size()``, ``rho(g)`` and/or ``drho(A)``,
    ``__call__(G)`` (binding), ``__str__``, ``__eq__``/``__hash__``, and set ``self.G``.
    ``drho`` defaults to the derivative of ``rho`` at the identity. Return ``self`` from
    ``T`` if your representation is its own dual.
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
            if self.G is None:
                raise RepError(f"{self} is not bound to a group: bind it first, e.g. rep(SO(3))")
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
        expr = sympy.expand(self._sympy_tree())
        if self.G is not None and len(self.G.factors) == 1:  # one group: drop the qualifiers
            expr = expr.subs(
                {x: sympy.Symbol(x.name.split("[")[0] + x.name.split("]")[-1])
                 for x in expr.free_symbols if "[" in x.name},
                simultaneous=True,
            )
        return expr

    def _sympy_tree(self):
        return sympy.Symbol(atom_symbol_name(RepAtom(self), None), commutative=True)

    @property
    def is_permutation(self) -> bool:
        return all(not t or is_permutation_type(t) for t, _ in self.canonical.terms)

    # -- algebra ------------------------------------------------------------------------------
    def __add__(self, other):
        if isinstance(other, (int, np.integer)) and not isinstance(other, bool) and other == 0:
            return self
        if not isinstance(other, Rep):
            raise TypeError(f"can only add representations, not {type(other).__name__}")
        return SumRep(self, other)

    def __radd__(self, other):
        if isinstance(other, (int, np.integer)) and not isinstance(other, bool) and other == 0:
            return self  # sum([...]) starts from 0
        if not isinstance(other, Rep):
            raise TypeError(f"can only add representations, not {type(other).__name__}")
        return SumRep(other, self)

    def __mul__(self, other):
        if isinstance(other, Rep):
            return ProductRep(self, other)
        n = _int_arg(other, "the multiplicity in n*rep")
        return SumRep(*([self] * n), G=self.G)

    def __rmul__(self, other):
        if isinstance(other, Rep):
            return ProductRep(other, self)
        n = _int_arg(other, "the multiplicity in n*rep")
        return SumRep(*([self] * n), G=self.G)

    def __pow__(self, k):
        k = _int_arg(k, "the power in rep**k")
        if k == 0:
            return ScalarRep(self.G)
        return ProductRep(*([self] * k))

    def __rshift__(self, other: Rep) -> Rep:
        """``rep_in >> rep_out``: linear maps from rep_in to rep_out (rep_out ⊗ rep_in*)."""
        if not isinstance(other, Rep):
            raise TypeError(f"rep >> x needs a representation on the right, got {other!r}")
        return ProductRep(other, self.T)

    def __lshift__(self, other: Rep) -> Rep:
        if not isinstance(other, Rep):
            raise TypeError(f"rep << x needs a representation on the right, got {other!r}")
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
        _check_element(self, g, "rho")
        return self._rho(jnp.asarray(g))

    def drho(self, A):
        _check_element(self, A, "drho")
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

    def _sympy_tree(self):
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
            raise TypeError(f"a representation is bound to a Group, got {G!r}")
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

    def _sympy_tree(self):
        return sympy.Symbol("V" if self.G is None else f"V[{self.G}]", commutative=True)

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

    def _sympy_tree(self):
        inner = self.rep._sympy_tree()
        if self._orthogonal():  # V* ≅ V: duals fold
            return inner
        return inner.subs(
            {s: sympy.Symbol(_dual_name(s.name)) for s in inner.free_symbols}, simultaneous=True
        )

    def _tree_str(self):
        inner = str(self.rep)
        simple = isinstance(self.rep, (BaseRep, ScalarRep)) or not isinstance(self.rep, _Node)
        return f"{inner}*" if simple else f"({inner})*"

    def _key(self):
        return (DualRep, self.rep)


def _dual_name(name: str) -> str:
    return name[: -len("star")] if name.endswith("star") else name + "star"


def atom_symbol_name(atom, G: Group | None) -> str:
    """SymPy symbol name of an atom: ``V``, ``Vstar``; group-qualified in product groups."""
    show = G is None or len(G.factors) > 1
    return atom.label(show).replace("*", "star")


def terms_to_sympy(terms, G: Group | None) -> sympy.Expr:
    """The polynomial ``Σ m_t Π atoms`` of canonical terms."""
    out = sympy.Integer(0)
    for t, m in terms:
        out += m * sympy.Mul(*[sympy.Symbol(atom_symbol_name(a, G)) for a in t])
    return out


class SumRep(_Node):
    """Direct sum; coordinates are the summands' concatenated."""

    def __init__(self, *reps: Rep, G: Group | None = None):
        flat = []
        for r in reps:
            if not isinstance(r, Rep):
                raise TypeError(f"SumRep takes representations, got {r!r}")
            flat.extend(r.reps if isinstance(r, SumRep) else [r])
        self.reps = tuple(flat)
        self.G = _combine_groups([G] + [r.G for r in flat], "sum")  # G: for the empty sum
        if self.G is not None:  # unbound scalars/leaves join the group of the others
            self.reps = tuple(r if r.G is not None else r(self.G) for r in self.reps)

    def __call__(self, G):
        return SumRep(*[r(G) for r in self.reps], G=G)

    def size(self):
        return sum(r.size() for r in self.reps)

    def _rho(self, g):
        if not self.reps:
            return jnp.zeros((0, 0), dtype=g.dtype)
        return jax.scipy.linalg.block_diag(
            *[_call_rho(r, _restrict(g, self.G, r.G), False) for r in self.reps]
        )

    def _drho(self, A):
        if not self.reps:
            return jnp.zeros((0, 0), dtype=A.dtype)
        return jax.scipy.linalg.block_diag(
            *[_call_rho(r, _restrict(A, self.G, r.G), True) for r in self.reps]
        )

    @property
    def T(self):
        return SumRep(*[r.T for r in self.reps])

    def _canonical(self):
        return canon.direct_sum([r.canonical for r in self.reps])

    def _sympy_tree(self):
        return sympy.Add(*[r._sympy_tree() for r in self.reps])

    def _tree_str(self):
        if not self.reps:
            return "0"
        parts, i = [], 0
        while i < len(self.reps):  # run-length: 5*V prints 5V
            j = i
            while j < len(self.reps) and self.reps[j] == self.reps[i]:
                j += 1
            parts.append(f"{j - i if j - i > 1 else ''}{self.reps[i]}")
            i = j
        return "+".join(parts)

    def _key(self):
        return (SumRep, self.reps)


class ProductRep(_Node):
    """Tensor product; coordinates are the factors' Kronecker product (first outermost)."""

    def __init__(self, *reps: Rep):
        flat = []
        for r in reps:
            if not isinstance(r, Rep):
                raise TypeError(f"ProductRep takes representations, got {r!r}")
            flat.extend(r.reps if isinstance(r, ProductRep) else [r])
        self.G = _combine_groups([r.G for r in flat], "product")
        # V⁰ is the unit of ⊗: drop it (T(2, 0) is V⊗V, not V⊗V⊗V⁰)
        kept = [r for r in flat if not isinstance(r, ScalarRep)]
        self.reps = tuple(kept) if kept else tuple(flat[:1])

    def __call__(self, G):
        return ProductRep(*[r(G) for r in self.reps])

    def size(self):
        return int(np.prod([r.size() for r in self.reps], dtype=np.int64))

    def _rho(self, g):
        out = jnp.ones((1, 1), dtype=g.dtype)
        for r in self.reps:
            out = jnp.kron(out, _call_rho(r, _restrict(g, self.G, r.G), False))
        return out

    def _drho(self, A):
        mats = [_call_rho(r, _restrict(A, self.G, r.G), True) for r in self.reps]
        sizes = [m.shape[0] for m in mats]
        n = int(np.prod(sizes))
        out = jnp.zeros((n, n), dtype=A.dtype)
        for i, M in enumerate(mats):  # Kronecker sum
            left, right = int(np.prod(sizes[:i])), int(np.prod(sizes[i + 1 :]))
            out = out + jnp.kron(jnp.kron(jnp.eye(left), M), jnp.eye(right))
        return out

    @property
    def T(self):
        return ProductRep(*[r.T for r in self.reps])

    def _canonical(self):
        out = canon.leaf(())
        for r in self.reps:
            out = canon.tensor_product(out, r.canonical)
        return out

    def _sympy_tree(self):
        return sympy.Mul(*[r._sympy_tree() for r in self.reps])

    def _tree_str(self):
        return "⊗".join(f"({r})" if isinstance(r, SumRep) else str(r) for r in self.reps)

    def _key(self):
        return (ProductRep, self.reps)


# ---------------------------------------------------------------------------------------------
def atom_rep(atom) -> Rep:
    """The leaf representation of a canonical atom."""
    if isinstance(atom, BaseAtom):
        base = BaseRep(atom.group)
    else:
        base = atom.rep
    return DualRep(base) if atom.dual else base


def from_terms(terms, G: Group | None) -> Rep:
    """Build the canonical rep (whose own layout is canonical) from canonical terms."""
    summands = []
    for t, m in terms:
        summands.extend([monomial_rep(t, G)] * m)
    return SumRep(*summands, G=G)


def monomial_rep(mono, G: Group | None) -> Rep:
    """A single canonical monomial as a rep. The scalar is bound to ``G``; other monomials
    are bound to the group (or factors of ``G``) their atoms belong to, which has the same
    fixed vectors since the other factors act trivially on them."""
    if not mono:
        return ScalarRep(G)
    return ProductRep(*[atom_rep(a) for a in mono])


__all__ = [
    "Rep", "ScalarRep", "BaseRep", "DualRep", "SumRep", "ProductRep",
    "from_terms", "monomial_rep", "monomial_size",
]
