"""Direct products of groups, ``G1 * G2``.

An element of ``G1 × G2`` is stored as the block-diagonal matrix ``diag(g1, g2)``, so each
factor's representations read their own block. The base representation ``V`` of the product
is ``V(G1) ⊗ V(G2)`` (dimension d1·d2), as in the reference library; representations of the
factors can also be combined freely, e.g. ``V(SO(3)) * V(S(4))``.

Reps track which group they are bound to with :func:`sum_group` (the one group a direct
sum lives on: summands may be bound to factors of one ambient product, on which the other
factors act trivially), :func:`product_group` (the product of the factors a tensor product
involves) and :func:`restrict_element` (the block of a product's element that a factor, or
a sub-product, reads).
"""

from __future__ import annotations

import jax
import numpy as np
import scipy.linalg

from emlp_sym.errors import ArgumentTypeError, GroupError
from emlp_sym.groups.base import Group


class DirectProduct(Group):
    """The direct product of two or more groups (nested products are flattened)."""

    def __init__(self, *groups: Group):
        flat: list[Group] = []
        for G in groups:
            if not isinstance(G, Group):
                raise ArgumentTypeError(f"DirectProduct takes groups, got {G!r}")
            flat.extend(G.factors)
        if len(flat) < 2:
            raise GroupError("DirectProduct needs at least two groups")
        self._factors = tuple(flat)
        sizes = [G.element_size for G in flat]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)])
        n = int(self._offsets[-1])

        def embed(M, i):
            blocks = [np.eye(s) for s in sizes]
            blocks[i] = M
            return scipy.linalg.block_diag(*blocks)

        # a Lie generator of one factor acts as 0 (not I) on the others
        self.lie_algebra = [
            embed(A, i) - embed(np.zeros_like(A), i)
            for i, G in enumerate(flat)
            for A in G.lie_algebra
        ]
        self.discrete_generators = [
            embed(h, i) for i, G in enumerate(flat) for h in G.discrete_generators
        ]
        self.lie_algebra = np.array(self.lie_algebra) if self.lie_algebra else np.zeros((0, n, n))
        if not len(self.discrete_generators):
            self.discrete_generators = np.zeros((0, n, n))
        self.d = int(np.prod([G.d for G in flat]))
        self.is_orthogonal = all(G.is_orthogonal for G in flat)
        self.is_permutation = False
        self._element_size = n
        # Group.__init__ would check generator shapes against d (the base rep dim): skip it.
        self.args = ()
        self.lie_algebra = np.asarray(self.lie_algebra)
        self.discrete_generators = np.asarray(self.discrete_generators)

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

    def __eq__(self, other):
        return isinstance(other, DirectProduct) and self._factors == other._factors

    def __hash__(self):
        return hash(self._key())


def _distinct(groups) -> list[Group]:
    out: list[Group] = []
    for G in groups:
        if G is not None and G not in out:
            out.append(G)
    return out


def sum_group(groups) -> Group | None:
    """The group a direct sum of reps bound to ``groups`` (None: unbound) lives on.

    All bound summands must share one group, or be bound to factors of one ambient product
    among them (the other factors act trivially), e.g. ``V(SO(3))⊗V(S(4)) + V⁰`` on
    ``SO(3)×S(4)``; otherwise GroupError. None when no summand is bound.
    """
    bound = _distinct(groups)
    if len(bound) <= 1:
        return bound[0] if bound else None
    for ambient in sorted(bound, key=lambda G: -len(G.factors)):
        if all(set(G.factors) <= set(ambient.factors) for G in bound):
            return ambient
    raise GroupError(
        f"cannot add representations of different groups {', '.join(map(str, bound))}; "
        "bind every summand to the same group (tensor products across groups are allowed)"
    )


def product_group(groups) -> Group | None:
    """The group a tensor product of reps bound to ``groups`` lives on: the direct product
    of their distinct factors, in order of appearance (None when no factor is bound)."""
    bound = _distinct(groups)
    if len(bound) <= 1:
        return bound[0] if bound else None
    factors: list[Group] = []
    for G in bound:
        for f in G.factors:
            if f not in factors:
                factors.append(f)
    return factors[0] if len(factors) == 1 else DirectProduct(*factors)


def restrict_element(x, parent: Group | None, child: Group | None):
    """The part of a group (or Lie algebra) element ``x`` of ``parent`` acting on ``child``,
    a factor or sub-product of ``parent`` (block-diagonal in ``child``'s factor order)."""
    if child is None or parent is None or child == parent:
        return x
    blocks = [parent.factor_block(x, parent.factors.index(f)) for f in child.factors]
    if len(blocks) == 1:
        return blocks[0]
    return jax.scipy.linalg.block_diag(*blocks)
