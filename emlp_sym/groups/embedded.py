"""Groups built from others: the scaling group and a group embedded in a larger space.

``Embed(G, d, slice)`` lets ``G`` act on the coordinates ``slice`` of R^d and leaves the others
fixed: each Lie generator ``A`` of ``G`` becomes the d×d matrix with ``A`` in the
``(slice, slice)`` block and zeros elsewhere, each discrete generator ``h`` the d×d identity
with ``h`` in that block. ``SO2eR3()``, ``O2eR3()`` and ``DkeR3(k)`` embed SO(2), O(2) and
D(k) in the first two coordinates of R^3 (rotations about the z axis), as in the reference
library, where they are functions returning an ``Embed`` and print as ``SO(2)_R3``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import sympy

from emlp_sym.errors import ArgumentTypeError, GroupError
from emlp_sym.groups._storage import (
    check_generator_storage,
    check_samples_storage,
    group_name,
)
from emlp_sym.groups.base import Group, check_positive_int
from emlp_sym.groups.finite import D
from emlp_sym.groups.lie import LIE_PEAK_COPIES, SO, O

__all__ = ["Scaling", "Embed", "SO2eR3", "O2eR3", "DkeR3"]


class Scaling(Group):
    """The scaling group ``x -> e^t x`` of R^n (one Lie generator, the identity).

    Not orthogonal: a vector and a covector differ, so ``V*`` and ``V`` are distinct reps.

    >>> from emlp_sym.reps import V
    >>> (V * V.T)(Scaling(2)).equivariant_dim(), (V**2)(Scaling(2)).equivariant_dim()
    (4, 0)
    """

    def __init__(self, n: int):
        n = check_positive_int(n, "Scaling(n): n")
        check_generator_storage(group_name("Scaling", n), 1, n, copies=LIE_PEAK_COPIES)
        self.d = n
        self.lie_algebra = np.eye(n)[None]
        super().__init__(n)


def _embedding_indices(where, d: int, G: Group) -> tuple[int, ...]:
    """The coordinates of R^d that ``G`` acts on, from a slice or a sequence of indices."""
    if isinstance(where, slice):
        indices = tuple(range(*where.indices(d)))
    elif isinstance(where, Sequence | np.ndarray) and not isinstance(where, str):
        indices = tuple(int(i) for i in np.asarray(where).reshape(-1))
        if any(i < -d or i >= d for i in indices):
            raise GroupError(f"Embed: indices {list(indices)} are out of range for d={d}")
        indices = tuple(i % d for i in indices)
    else:
        raise ArgumentTypeError(
            f"Embed(G, d, slice): slice must be a slice like slice(2) or a list of indices, "
            f"got {where!r} ({type(where).__name__})"
        )
    if len(set(indices)) != len(indices):
        raise GroupError(f"Embed: the indices {list(indices)} repeat a coordinate")
    if len(indices) != G.d:
        raise GroupError(
            f"Embed: {G} acts on R^{G.d}, but the slice selects {len(indices)} of the {d} "
            f"coordinates; select exactly {G.d} (e.g. slice({G.d}))"
        )
    return indices


class Embed(Group):
    """The group ``G`` acting on the coordinates ``slice`` of R^d, fixing the other ones.

    Args:
        G: the group (with its base representation) to embed; not a direct product.
        d: the dimension of the larger space.
        slice: which ``G.d`` coordinates ``G`` acts on: a ``slice`` (``slice(2)`` is the first
            two) or a sequence of indices.

    Prints as the reference library does, ``SO(2)_R3``, when ``G`` acts on the leading
    coordinates; other placements add them, ``SO(2)_R3[1, 2]``, so distinct groups print
    differently.

    >>> from emlp_sym.groups import SO
    >>> Embed(SO(2), 3, slice(2))
    SO(2)_R3
    """

    def __init__(self, G: Group, d: int, slice):  # noqa: A002 (the reference's keyword)
        if not isinstance(G, Group):
            raise ArgumentTypeError(f"Embed(G, d, slice): G must be a Group, got {G!r}")
        if len(G.factors) > 1:
            raise GroupError(
                f"Embed cannot embed the direct product {G}: embed each factor, or define the "
                "product's base representation as a group of its own"
            )
        d = check_positive_int(d, "Embed(G, d, slice): d")
        dtype = np.result_type(G.lie_algebra, G.discrete_generators, float)
        check_generator_storage(group_name("Embed", G, d, "..."),
                                len(G.lie_algebra) + len(G.discrete_generators), d,
                                copies=LIE_PEAK_COPIES, itemsize=dtype.itemsize)
        self.base_group = G
        self.indices = _embedding_indices(slice, d, G)
        self.d = d
        block = np.ix_(self.indices, self.indices)
        lie = np.zeros((len(G.lie_algebra), d, d), dtype=dtype)
        lie[(np.s_[:],) + block] = G.lie_algebra
        discrete = np.broadcast_to(np.eye(d, dtype=dtype), (len(G.discrete_generators), d, d))
        discrete = discrete.copy()
        discrete[(np.s_[:],) + block] = G.discrete_generators
        self.lie_algebra = lie
        self.discrete_generators = discrete
        self.z_scale = G.z_scale
        super().__init__(G, d, self.indices)

    def __repr__(self) -> str:
        name = f"{self.base_group}_R{self.d}"
        if self.indices != tuple(range(self.base_group.d)):
            name += f"[{', '.join(map(str, self.indices))}]"
        return name

    __str__ = __repr__

    # Exact forms come from G's own (so a subclass of G with exact generators keeps them).
    @cached_property
    def exact_lie_algebra(self) -> list[sympy.Matrix]:
        G = self.base_group
        return [self._embed_exact(A, sympy.zeros(self.d)) for A in G.exact_lie_algebra]

    @cached_property
    def exact_discrete_generators(self) -> list[sympy.Matrix]:
        G = self.base_group
        return [self._embed_exact(h, sympy.eye(self.d)) for h in G.exact_discrete_generators]

    def _embed_exact(self, M: sympy.Matrix, out: sympy.Matrix) -> sympy.Matrix:
        out = out.copy()
        for a, i in enumerate(self.indices):
            for b, j in enumerate(self.indices):
                out[i, j] = M[a, b]
        return out

    def _samples_np(self, N, rng):
        # G's own sampler (uniform for S(n), say), placed in the block.
        check_samples_storage(self, N)
        inner = self.base_group._samples_np(N, rng)
        out = np.broadcast_to(np.eye(self.d, dtype=inner.dtype), (N, self.d, self.d)).copy()
        out[(np.s_[:],) + np.ix_(self.indices, self.indices)] = inner
        return out


def SO2eR3() -> Embed:  # noqa: N802 (the reference's name)
    """SO(2) embedded in R^3: rotations about the z axis.

    >>> from emlp_sym.reps import V
    >>> V(SO2eR3()).equivariant_dim()  # the z axis
    1
    """
    return Embed(SO(2), 3, slice(2))


def O2eR3() -> Embed:  # noqa: N802
    """O(2) embedded in R^3: rotations about the z axis and the reflection x -> -x.

    >>> from emlp_sym.reps import V
    >>> V(O2eR3()).equivariant_dim(), (V**2)(O2eR3()).equivariant_dim()  # z; x·x + y·y and z·z
    (1, 2)
    """
    return Embed(O(2), 3, slice(2))


def DkeR3(k: int) -> Embed:  # noqa: N802
    """The dihedral group D(k) embedded in R^3: rotations by 360/k degrees about the z axis
    and the reflection x -> -x.

    >>> from emlp_sym.reps import V
    >>> len(DkeR3(4).discrete_generators), V(DkeR3(4)).equivariant_dim()
    (2, 1)
    """
    return Embed(D(k), 3, slice(2))
