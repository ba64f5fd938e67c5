"""The :class:`Rep` base class: what every representation is and does.

A rep has a size, ``rho(g)`` (and ``drho(A)``), an identity (``==``, ``hash``), a binding to a
group (``rep(G)``), a canonical form with its SymPy polynomial, and the algebra that builds
expression trees from it (``+``, ``*``, ``**``, ``.T``, ``>>``; see :mod:`emlp_sym.reps.expr`).
User-defined reps subclass it (:mod:`emlp_sym.reps.extension`); so do the library's own
nodes: the scalar (:mod:`emlp_sym.reps.node`), ``V`` and duals (:mod:`emlp_sym.reps.leaves`),
sums and products (:mod:`emlp_sym.reps.compound`).

Forward references: the operators build those subclasses, and ``canonicalize`` rebuilds a rep
from its canonical terms (:mod:`emlp_sym.reps.rebuild`), so each such method imports its
subclass when it runs (their modules import this one; the package imports them all before any
rep exists). The solver conveniences (``equivariant_basis`` & co.) reach forward to
:mod:`emlp_sym.solvers` the same way.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import sympy

from emlp_sym.errors import ArgumentTypeError, RepError
from emlp_sym.groups.base import Group
from emlp_sym.reps import canonical as canon
from emlp_sym.reps.atoms import RepAtom, is_permutation_type
from emlp_sym.reps.checks import count_arg, require_bound
from emlp_sym.reps.sympy_export import atom_symbol, qualify_symbols

__all__ = ["Rep"]

MAX_POWER = 1024  # rep**k beyond this is refused (2**1024 coordinates for a size-2 rep)


_NOT_IDENTITY = frozenset(  # caches and flags, not what a rep is (as the reference skips them)
    {"_size", "_canonical_cache", "_terms_cache", "_self_dual_cache", "_declared_permutation",
     "is_permutation", "is_orthogonal"}
)


def _same_value(a, b) -> bool:
    if isinstance(a, (np.ndarray, jax.Array)) or isinstance(b, (np.ndarray, jax.Array)):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b))
    return bool(a == b)


def _is_zero(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value == 0


class Rep:
    """A (possibly unbound) group representation.

    To define your own, subclass and follow :mod:`emlp_sym.reps.extension`: as in the
    reference library, ``rho(g)`` and ``self.G`` suffice (and ``__str__`` for printing).
    ``size()`` defaults to the side of ``rho(G.sample())``, ``drho`` to the derivative of
    ``rho`` at the identity, ``__eq__``/``__hash__`` to the class and instance attributes,
    ``__call__(G)`` to the rep itself when it is bound to ``G`` already. Give ``__call__`` to
    bind an unbound rep; set ``self_dual`` to say whether ``rep*`` folds into ``rep``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> rep = (V**2 + V)(SO(3))
    >>> print(rep)
    V+V²
    >>> rep.size(), rep.equivariant_dim()  # δ_ij; no invariant vector
    (12, 1)
    """

    G: Group | None = None

    # -- to be overridden by leaves -----------------------------------------------------------
    def size(self) -> int:
        """The dimension n; by default the side of ``rho(G.sample())``, computed once."""
        cached = self.__dict__.get("_size")
        if cached is None:
            require_bound(self, f"{self} (in size())")
            assert self.G is not None  # require_bound raised otherwise
            M = self.rho(self.G.sample())
            shape = getattr(M, "shape", None)
            if shape is None or len(shape) != 2 or shape[0] != shape[1]:
                raise RepError(
                    f"rho of {type(self).__name__} must return one square matrix, got shape "
                    f"{shape}; or give the class a size() method"
                )
            cached = self.__dict__["_size"] = int(shape[0])
        return cached

    def rho(self, g):
        raise RepError(
            f"{type(self).__name__} gives no rho(g): a representation needs rho(g) (the "
            "matrix of one group element), see emlp_sym.reps.extension"
        )

    def drho(self, A):
        """``d/dt rho(exp(tA))`` at ``t = 0``: the derivative of ``rho`` at the identity."""
        A = jnp.asarray(A)
        eye = jnp.eye(A.shape[-1], dtype=A.dtype)
        return jax.jvp(self.rho, (eye,), (A,))[1]

    def __call__(self, G: Group) -> Rep:
        if not isinstance(G, Group):
            raise ArgumentTypeError(f"a representation is bound to a Group, got {G!r}")
        if self.G is not None and (G == self.G or set(self.G.factors) <= set(G.factors)):
            return self  # bound already, to G or to a factor of it (the others act trivially)
        state = "is unbound" if self.G is None else f"is bound to {self.G}"
        raise RepError(
            f"{type(self).__name__} cannot be bound to {G}: it {state}; give the class a "
            "__call__(G) that returns the rep bound to G"
        )

    def _eq_items(self) -> tuple:
        """Instance attributes that identify a user rep (caches and flags left out)."""
        return tuple(sorted(
            ((k, v) for k, v in self.__dict__.items() if k not in _NOT_IDENTITY),
            key=lambda kv: kv[0],
        ))

    def __eq__(self, other):
        if type(self) is not type(other):
            return False
        mine, theirs = self._eq_items(), other._eq_items()
        if [k for k, _ in mine] != [k for k, _ in theirs]:
            return False
        return all(_same_value(a, b) for (_, a), (_, b) in zip(mine, theirs, strict=True))

    def __hash__(self):
        try:
            return hash((type(self), self._eq_items()))
        except TypeError:  # an unhashable attribute (an array): equal reps still hash equal
            return hash((type(self), tuple(k for k, _ in self._eq_items())))

    @property
    def is_permutation(self) -> bool:
        """Does every group element act by a permutation matrix (on every non-scalar term)?

        Assignable, as in the reference library: a user rep sets ``self.is_permutation =
        True`` to declare that its ``rho`` gives permutation matrices.
        """
        if not self.concrete and "_declared_permutation" in self.__dict__:
            return bool(self.__dict__["_declared_permutation"])
        return all(not t or is_permutation_type(t) for t, _ in self.canonical_terms)

    @is_permutation.setter
    def is_permutation(self, value: bool):
        self.__dict__["_declared_permutation"] = bool(value)

    @property
    def T(self) -> Rep:
        from emlp_sym.reps.leaves import DualRep  # a forward reference: see the module docstring

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

    @property
    def canonical_terms(self) -> tuple:
        """The canonical terms ``((monomial, multiplicity), ...)`` alone, without the
        permutation: cheap at any size (printing, multiplicities)."""
        cached = self.__dict__.get("_canonical_cache")
        if cached is not None:
            return cached.terms
        terms = self.__dict__.get("_terms_cache")
        if terms is None:
            require_bound(self, "the representation")
            terms = self.__dict__["_terms_cache"] = self._terms()
        return terms

    def _terms(self) -> tuple:
        return (((RepAtom(self),), 1),)

    def canonicalize(self) -> tuple[Rep, np.ndarray]:
        """``(canonical_rep, perm)``: the canonical rep (its own layout is canonical) and
        ``perm`` with ``perm[u]`` the canonical coordinate of user coordinate ``u``."""
        from emlp_sym.reps.rebuild import from_terms  # a forward reference

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

    # -- algebra ------------------------------------------------------------------------------
    def _add(self, other, other_first: bool):
        from emlp_sym.reps.compound import SumRep  # forward references
        from emlp_sym.reps.node import ScalarRep

        if _is_zero(other):
            return self  # sum([...]) starts from 0
        if isinstance(other, (int, np.integer)) and not isinstance(other, bool):
            other = count_arg(other, "the number of scalars in rep + n") * ScalarRep()
        if not isinstance(other, Rep):
            raise ArgumentTypeError(
                f"can only add representations or a number n of scalars, not "
                f"{type(other).__name__}"
            )
        return SumRep(other, self) if other_first else SumRep(self, other)

    def __add__(self, other):
        return self._add(other, other_first=False)

    def __radd__(self, other):
        return self._add(other, other_first=True)

    def _mul(self, other, other_first: bool):
        from emlp_sym.reps.compound import ProductRep, SumRep  # forward references

        if isinstance(other, Rep):
            return ProductRep(other, self) if other_first else ProductRep(self, other)
        n = count_arg(other, "the multiplicity in n*rep")
        return SumRep(self, G=self.G, counts=[n])  # n stays an integer: no n-long list

    def __mul__(self, other):
        return self._mul(other, other_first=False)

    def __rmul__(self, other):
        return self._mul(other, other_first=True)

    def __pow__(self, k):
        from emlp_sym.reps.compound import ProductRep  # forward references
        from emlp_sym.reps.node import ScalarRep

        k = count_arg(k, "the power in rep**k")
        if k > MAX_POWER:  # a k-fold product is a k-long tuple: refuse before building it
            raise RepError(
                f"rep**{k}: tensor powers above {MAX_POWER} are not supported (a power of a "
                "rep of size 2 has 2**k coordinates); use a smaller power"
            )
        if k == 0:
            return ScalarRep(self.G)
        return ProductRep(*([self] * k))

    def __rshift__(self, other: Rep) -> Rep:
        """``rep_in >> rep_out``: linear maps from rep_in to rep_out (rep_out ⊗ rep_in*)."""
        from emlp_sym.reps.compound import ProductRep  # a forward reference

        if not isinstance(other, Rep):
            raise ArgumentTypeError(
                f"rep >> x needs a representation on the right, got {other!r}"
            )
        return ProductRep(other, self.T)

    def __lshift__(self, other: Rep) -> Rep:
        from emlp_sym.reps.compound import ProductRep  # a forward reference

        if not isinstance(other, Rep):
            raise ArgumentTypeError(
                f"rep << x needs a representation on the right, got {other!r}"
            )
        return ProductRep(self, other.T)

    def __str__(self):
        return type(self).__name__  # user reps should give a name; this keeps repr() working

    def __repr__(self):
        return str(self)

    # -- solvers (convenience methods: a forward reference to the layer above) ----------------
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
