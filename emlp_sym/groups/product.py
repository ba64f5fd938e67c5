"""Direct products of groups, ``G1 * G2``.

An element of ``G1 × G2`` is stored as the block-diagonal matrix ``diag(g1, g2)``, so each
factor's representations read their own block. The base representation ``V`` of the product
is ``V(G1) ⊗ V(G2)`` (dimension d1·d2), as in the reference library; representations of the
factors can also be combined freely, e.g. ``V(SO(3)) * V(S(4))``.

Reps track which group they are bound to with :func:`sum_group` (the group a direct sum
lives on: the product of all its summands' factors, each summand acting trivially under the
factors it does not mention), :func:`product_group` (the product of the factors a tensor
product involves) and :func:`restrict_element` (the block of a product's element that a
factor, or a sub-product, reads). :func:`element_from_factors` assembles an element from a
dict ``{G1: g1, G2: g2}`` of factor elements, the reference library's way of passing them.

Equal factors: in ``SO(3) * SO(3)`` the two factors act independently, so reps must know
which one an atom belongs to. A group that occurs more than once in a product is numbered
by occurrence, each copy a :class:`FactorCopy` (``SO(3)₁×SO(3)₂``); atoms then print as
``V[SO(3)₁]⊗V[SO(3)₂]``. Products without repeats keep their plain factors. A rep bound to
a plain ``SO(3)`` cannot be combined with one bound to ``SO(3)×SO(3)`` (which copy would
it be?): :func:`product_group` refuses; bind it to a copy, ``V(G.factors[0])``.
"""

from __future__ import annotations

from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg

from emlp_sym.errors import ArgumentTypeError, GroupError, ShapeError
from emlp_sym.groups.base import Group


class DirectProduct(Group):
    """The direct product of two or more groups (nested products are flattened).

    >>> from emlp_sym.groups import SO, S
    >>> from emlp_sym.reps import V
    >>> G = DirectProduct(SO(2), S(3))
    >>> G.factors, V(G).size()  # V(G1×G2) = V(G1) ⊗ V(G2)
    ((SO(2), S(3)), 6)
    """

    def __init__(self, *groups: Group):
        flat: list[Group] = []
        for G in groups:
            if not isinstance(G, Group):
                raise ArgumentTypeError(f"DirectProduct takes groups, got {G!r}")
            flat.extend(G.factors)
        if len(flat) < 2:
            raise GroupError("DirectProduct needs at least two groups")
        # G1 * G2 is a new product: its factors are numbered afresh (see number_copies)
        self._setup(number_copies([_plain(F) for F in flat]))

    @classmethod
    def _of_factors(cls, factors) -> DirectProduct:
        """The product of ``factors`` exactly as given (copies keep their numbers): the group
        of a rep combining reps bound to factors of one product."""
        G = cls.__new__(cls)
        G._setup(tuple(factors))
        return G

    def _setup(self, flat: tuple[Group, ...]):
        self._factors = tuple(flat)
        sizes = [G.element_size for G in flat]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)])
        self.d = int(np.prod([G.d for G in flat]))
        self.is_orthogonal = all(G.is_orthogonal for G in flat)
        self.is_permutation = False
        self._element_size = int(self._offsets[-1])
        # Group.__init__ would check generator shapes against d (the base rep dim): skip it.
        self.args = ()

    def _embed(self, M, i: int, lie: bool) -> np.ndarray:
        """Factor ``i``'s generator ``M`` in the product: identity (0 for a Lie generator)
        on the other factors' blocks."""
        sizes = [G.element_size for G in self._factors]
        blocks = [np.zeros((s, s)) if lie else np.eye(s) for s in sizes]
        blocks[i] = M
        return scipy.linalg.block_diag(*blocks)

    # The embedded generators are built on first use, so a product with a permutation group
    # of large degree (S(10**6)×O(3)) constructs without its factors' dense matrices.
    def _check_dense(self, which: str, count: int) -> None:
        from emlp_sym.solvers.memory import check_allocation

        n = self._element_size
        check_allocation(8 * count * n * n, f"the dense {which} of {self}", f"{self}",
                         "apply its factors' generators factor by factor", size=n * n)

    @cached_property
    def lie_algebra(self) -> np.ndarray:  # type: ignore[override]
        self._check_dense("lie_algebra", sum(len(G.lie_algebra) for G in self._factors))
        n = self._element_size
        gens = [self._embed(A, i, True) for i, G in enumerate(self._factors)
                for A in G.lie_algebra]
        return np.array(gens) if gens else np.zeros((0, n, n))

    @cached_property
    def discrete_generators(self) -> np.ndarray:  # type: ignore[override]
        self._check_dense("discrete_generators",
                          sum(len(G.discrete_generators) for G in self._factors))
        n = self._element_size
        gens = [self._embed(h, i, False) for i, G in enumerate(self._factors)
                for h in G.discrete_generators]
        return np.array(gens) if gens else np.zeros((0, n, n))

    @property
    def factors(self):
        return self._factors

    @property
    def element_size(self) -> int:
        return self._element_size

    def factor_block(self, g, i: int):
        """The block of element(s) ``g`` belonging to factor ``i``."""
        a, b = int(self._offsets[i]), int(self._offsets[i + 1])
        return g[..., a:b, a:b]

    def _samples_np(self, N, rng):
        parts = [G._samples_np(N, rng) for G in self._factors]
        out = np.zeros((N, self._element_size, self._element_size), dtype=np.result_type(*parts))
        for i, p in enumerate(parts):
            a, b = int(self._offsets[i]), int(self._offsets[i + 1])
            out[:, a:b, a:b] = p
        return out

    def num_constraints(self) -> int:
        return sum(G.num_constraints() for G in self._factors)

    @property
    def is_complex(self) -> bool:
        return any(G.is_complex for G in self._factors)

    def __repr__(self):
        return "×".join(map(repr, self._factors))

    __str__ = __repr__

    def _key(self):
        return ("DirectProduct", self._factors)

    def sort_key(self) -> tuple:
        cls = type(self)
        return (repr(self), f"{cls.__module__}.{cls.__qualname__}", self.d, self.element_size,
                tuple(G.sort_key() for G in self._factors))

    def __eq__(self, other):
        return isinstance(other, DirectProduct) and self._factors == other._factors

    def __hash__(self):
        return hash(self._key())


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class FactorCopy(Group):
    """The ``copy``-th occurrence of ``group`` as a factor of a direct product, ``SO(3)₂``.

    It is ``group`` in every respect (generators, sampling, exact forms) but its identity:
    copies with different numbers are different factors, so atoms ``V`` of each stay apart.
    Made by :class:`DirectProduct` for factors that occur more than once; a copy is a plain
    group otherwise, and can bind reps (``V(G.factors[1])``) and key dict elements.

    >>> from emlp_sym.groups import SO
    >>> G = SO(3) * SO(3)
    >>> G.factors, G.factors[0] == G.factors[1], G.factors[0].base == SO(3)
    ((SO(3)₁, SO(3)₂), False, True)
    """

    def __init__(self, base: Group, copy: int):
        if not isinstance(base, Group) or len(base.factors) != 1:
            raise ArgumentTypeError(f"FactorCopy numbers a single group, got {base!r}")
        self.base = _plain(base)
        self.copy = int(copy)
        self.args = ()
        b = self.base
        self.d, self.z_scale = b.d, b.z_scale
        self.is_orthogonal, self.is_permutation = b.is_orthogonal, b.is_permutation

    # read from the base when asked (a permutation group builds its matrices only then)
    @property
    def lie_algebra(self):  # type: ignore[override]
        return self.base.lie_algebra

    @property
    def discrete_generators(self):  # type: ignore[override]
        return self.base.discrete_generators

    @property
    def element_size(self) -> int:
        return self.base.element_size

    @property
    def is_complex(self) -> bool:
        return self.base.is_complex

    @property
    def exact_lie_algebra(self):
        return self.base.exact_lie_algebra

    @property
    def exact_discrete_generators(self):
        return self.base.exact_discrete_generators

    def num_constraints(self) -> int:
        return self.base.num_constraints()

    def _samples_np(self, N, rng):
        return self.base._samples_np(N, rng)

    def __repr__(self):
        return f"{self.base!r}{str(self.copy).translate(SUBSCRIPTS)}"

    __str__ = __repr__

    def _key(self):
        return ("FactorCopy", self.base, self.copy)

    def sort_key(self) -> tuple:
        return (repr(self), "FactorCopy", self.base.sort_key(), self.copy)

    def __eq__(self, other):
        if not isinstance(other, Group):
            return NotImplemented
        return isinstance(other, FactorCopy) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())


def _plain(G: Group) -> Group:
    """The group itself, without a copy number."""
    return G.base if isinstance(G, FactorCopy) else G


def number_copies(factors) -> tuple[Group, ...]:
    """``factors`` (plain groups) with every group that occurs more than once replaced by
    numbered copies, by occurrence: ``(SO(3), S(4), SO(3))`` → ``(SO(3)₁, S(4), SO(3)₂)``.

    >>> from emlp_sym.groups import SO, S
    >>> number_copies([SO(2), S(3), SO(2)])
    (SO(2)₁, S(3), SO(2)₂)
    """
    counts: dict = {}
    for F in factors:
        counts[F] = counts.get(F, 0) + 1
    seen: dict = {}
    out = []
    for F in factors:
        if counts[F] == 1:
            out.append(F)
        else:
            seen[F] = seen.get(F, 0) + 1
            out.append(FactorCopy(F, seen[F]))
    return tuple(out)


def _distinct(groups) -> list[Group]:
    out: list[Group] = []
    for G in groups:
        if G is not None and G not in out:
            out.append(G)
    return out


def sum_group(groups) -> Group | None:
    """The group a direct sum of reps bound to ``groups`` (None: unbound) lives on.

    If one of the groups contains every other one's factors, that group (e.g.
    ``V(SO(3))⊗V(S(4)) + V⁰`` lives on ``SO(3)×S(4)``); otherwise the direct product of all
    their distinct factors, in order of appearance, as in the reference library: each
    summand acts trivially under the factors it does not mention, so ``V(SO(3)) + V(S(4))``
    is a rep of ``SO(3)×S(4)``. None when no summand is bound.

    >>> from emlp_sym.groups import SO
    >>> sum_group([SO(2), None]), sum_group([None, None])
    (SO(2), None)
    """
    bound = _distinct(groups)
    if len(bound) <= 1:
        return bound[0] if bound else None
    for ambient in sorted(bound, key=lambda G: -len(G.factors)):
        if all(set(G.factors) <= set(ambient.factors) for G in bound):
            return ambient
    return product_group(bound)


def product_group(groups) -> Group | None:
    """The group a tensor product of reps bound to ``groups`` lives on: the direct product
    of their distinct factors, in order of appearance (None when no factor is bound).

    >>> from emlp_sym.groups import SO, S
    >>> product_group([SO(2), S(3)])
    SO(2)×S(3)
    """
    bound = _distinct(groups)
    if len(bound) <= 1:
        return bound[0] if bound else None
    factors: list[Group] = []
    for G in bound:
        for f in G.factors:
            if f not in factors:
                factors.append(f)
    _refuse_ambiguous_copies(bound, factors)
    return factors[0] if len(factors) == 1 else DirectProduct._of_factors(factors)


def _refuse_ambiguous_copies(bound, factors) -> None:
    """A plain group next to a numbered copy of itself: which copy would it be?"""
    copied = {F.base for F in factors if isinstance(F, FactorCopy)}
    clash = [F for F in factors if not isinstance(F, FactorCopy) and F in copied]
    if clash:
        F = clash[0]
        raise GroupError(
            f"cannot combine reps of {', '.join(map(str, bound))}: {F} occurs more than once "
            f"in a product, and a rep bound to {F} itself does not say which copy it acts on. "
            f"Bind it to one copy, e.g. V(G.factors[0]) with G = {F}*{F}, or bind every rep "
            f"to the whole product G"
        )


def restrict_element(x, parent: Group | None, child: Group | None):
    """The part of a group (or Lie algebra) element ``x`` of ``parent`` acting on ``child``,
    a factor or sub-product of ``parent`` (block-diagonal in ``child``'s factor order).

    >>> import numpy as np
    >>> from emlp_sym.groups import SO, S
    >>> G = SO(2) * S(3)
    >>> g = np.eye(5)  # block-diagonal: SO(2) block (2×2), then S(3) block (3×3)
    >>> restrict_element(g, G, S(3)).shape
    (3, 3)
    """
    if child is None or parent is None or child == parent:
        return x
    if not isinstance(parent, DirectProduct):  # a group other than itself has no factors
        raise GroupError(f"internal: {child} is not a factor of {parent}")
    blocks = [parent.factor_block(x, parent.factors.index(f)) for f in child.factors]
    if len(blocks) == 1:
        return blocks[0]
    return jax.scipy.linalg.block_diag(*blocks)


def element_from_factors(G: Group, parts: dict):
    """The element of ``G`` whose factor blocks are ``parts[F]`` for each factor ``F``.

    ``parts`` maps groups to elements (``{SO(3): g, S(4): h}``), as the reference library's
    ``rep.rho`` takes them; ``G`` itself as a key gives its whole element. Keys that are not
    factors of ``G`` are ignored, as there (one dict can serve reps of several groups);
    every factor of ``G`` needs an entry. Works on JAX tracers (``jax.vmap`` over the dict).
    Where a group occurs more than once (``SO(3)×SO(3)``) its plain name cannot say which
    copy it means: key by the copies (``G.factors[i]``), or pass the block-diagonal element.

    >>> import numpy as np
    >>> from emlp_sym.groups import SO, S
    >>> g = element_from_factors(SO(2) * S(3), {SO(2): np.eye(2), S(3): np.eye(3)})
    >>> g.shape  # the block-diagonal element, factors in order
    (5, 5)
    """
    if G in parts:
        return jnp.asarray(parts[G])
    ambiguous = [F for F in parts if isinstance(F, Group) and not isinstance(F, FactorCopy)
                 and any(isinstance(C, FactorCopy) and C.base == F for C in G.factors)]
    if ambiguous:
        F = ambiguous[0]
        raise GroupError(
            f"{F} occurs more than once in {G}, so a dict keyed by {F} cannot say which copy "
            f"each element is for: pass the block-diagonal element "
            f"(jax.scipy.linalg.block_diag(g1, g2, ...), in the order of G.factors), or key "
            f"the dict by the copies G.factors[i] ({', '.join(map(str, G.factors))})"
        )
    missing = [F for F in G.factors if F not in parts]
    if missing:
        raise GroupError(
            f"an element of {G} given as a dict needs one element per factor; missing "
            f"{', '.join(map(str, missing))} (keys given: {', '.join(map(str, parts))})"
        )
    blocks = []
    for F in G.factors:
        block = jnp.asarray(parts[F])
        n = F.element_size
        if block.shape != (n, n):
            raise ShapeError(
                f"the element of {F} in the dict must be one {n}×{n} matrix, got shape "
                f"{block.shape}; use jax.vmap for a batch of elements"
            )
        blocks.append(block)
    return blocks[0] if len(blocks) == 1 else jax.scipy.linalg.block_diag(*blocks)
