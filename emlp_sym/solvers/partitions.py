"""Partition diagrams: a basis of the S(n)-equivariant maps ``V^⊗k → V^⊗l`` that does not
depend on n.

A map ``W: (Rⁿ)^⊗k → (Rⁿ)^⊗l`` commutes with every permutation of the coordinates exactly when
its entry ``W[o₁…o_l, i₁…i_k]`` depends only on which of the k + l indices are equal. Label the
input indices ``0 … k-1`` and the output indices ``k … k+l-1``; a set partition π of these k + l
labels names the operator whose entry is 1 when the indices inside every block of π are equal
(and 0 otherwise). Those Bell(k + l) operators, the *diagram basis* (Godfrey et al. 2023,
Pearce-Crump 2022), span the equivariant maps for every n, and are linearly independent when
n ≥ k + l; for smaller n some of them coincide on the space or are dependent, and the set is a
spanning set, not a basis. Layers keep all of them at every n, so a model has the same
parameters at every size (see :mod:`emlp_sym.nn.core.diagram_ops`).

Read as an operator, each block of π says what happens to its indices:

* only input labels: the input's diagonal along those axes is *pooled* (summed, or averaged);
* input and output labels: the input's diagonal is *kept* and written on the output's diagonal;
* only output labels: the output is *broadcast* (constant) along that diagonal.

The 15 diagrams of ``k = l = 2`` are Maron et al.'s (2019) IGN layer ``V² → V²``.

>>> len(partition_diagrams(2, 2)), len(partition_diagrams(1, 1)), len(partition_diagrams(0, 3))
(15, 2, 5)
>>> print(partition_diagrams(1, 1)[0])
{i₀ o₀}
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np

from emlp_sym.errors import ConfigError, RepError, ResourceError

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def set_partitions(m: int) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """Every set partition of ``range(m)`` (Bell(m) of them), each a tuple of blocks sorted by
    their smallest element, in the order of their restricted growth strings.

    >>> set_partitions(3)
    (((0, 1, 2),), ((0, 1), (2,)), ((0, 2), (1,)), ((0,), (1, 2)), ((0,), (1,), (2,)))
    """
    out: list[tuple[tuple[int, ...], ...]] = []

    def grow(labels: list[int], blocks: int):
        if len(labels) == m:
            groups: list[list[int]] = [[] for _ in range(blocks)]
            for position, label in enumerate(labels):
                groups[label].append(position)
            out.append(tuple(tuple(g) for g in groups))
            return
        for label in range(blocks + 1):
            grow(labels + [label], max(blocks, label + 1))

    grow([], 0)
    return tuple(out)


class PartitionDiagram(NamedTuple):
    """A set partition of the ``k`` input labels ``0 … k-1`` and the ``l`` output labels
    ``k … k+l-1`` of a map ``V^⊗k → V^⊗l``.

    >>> d = partition_diagrams(2, 2)[1]
    >>> d.blocks, [d.kind(b) for b in d.blocks]
    (((0, 1, 2), (3,)), ['kept', 'broadcast'])
    """

    k: int
    l: int
    blocks: tuple[tuple[int, ...], ...]

    def inputs(self, block: tuple[int, ...]) -> tuple[int, ...]:
        """The input axes (``0 … k-1``) in ``block``."""
        return tuple(p for p in block if p < self.k)

    def outputs(self, block: tuple[int, ...]) -> tuple[int, ...]:
        """The output axes (``0 … l-1``) in ``block``."""
        return tuple(p - self.k for p in block if p >= self.k)

    def kind(self, block: tuple[int, ...]) -> str:
        """``'pooled'``, ``'kept'`` or ``'broadcast'`` (see the module's docstring)."""
        has_in, has_out = bool(self.inputs(block)), bool(self.outputs(block))
        return "kept" if has_in and has_out else ("pooled" if has_in else "broadcast")

    @property
    def num_pooled(self) -> int:
        """How many blocks are pooled: the sums a mean normalisation divides by n."""
        return sum(self.kind(b) == "pooled" for b in self.blocks)

    def __str__(self) -> str:
        def label(p: int) -> str:
            return (f"i{p}" if p < self.k else f"o{p - self.k}").translate(_SUB)

        return " ".join("{" + " ".join(label(p) for p in b) + "}" for b in self.blocks)


@cache
def partition_diagrams(k: int, l: int) -> tuple[PartitionDiagram, ...]:
    """The Bell(k + l) partition diagrams of the maps ``V^⊗k → V^⊗l``, in a fixed order that
    does not depend on n (so coefficients keep their meaning at every size).

    >>> [str(d) for d in partition_diagrams(1, 1)]
    ['{i₀ o₀}', '{i₀} {o₀}']
    """
    if min(k, l) < 0:
        raise RepError(f"tensor orders must be non-negative, got k={k}, l={l}")
    if k + l > 10:
        raise ResourceError(f"V^{k} → V^{l} has Bell({k + l}) > 10⁵ partition diagrams; "
                            "use tensors of lower order")
    return tuple(PartitionDiagram(k, l, p) for p in set_partitions(k + l))


def diagram_matrix(diagram: PartitionDiagram, n: int, normalise: str = "sum") -> np.ndarray:
    """The diagram's operator as a dense ``(n^l, n^k)`` matrix, for small n (tests and the
    dense path); ``normalise="mean"`` divides by ``n`` per pooled block.

    >>> diagram_matrix(partition_diagrams(1, 1)[0], 3)   # the identity
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    >>> diagram_matrix(partition_diagrams(1, 1)[1], 2, "mean")   # pool, then broadcast
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    k, l = diagram.k, diagram.l
    size = n ** (k + l)
    if size > 2**27:
        raise ResourceError(f"the dense matrix of a diagram V^{k} → V^{l} at n={n} has "
                            f"{size:.3g} entries; apply it with emlp_sym.nn.core.diagram_ops")
    # index grids over the l output then k input axes, as the matrix (row-major) orders them
    grids = np.indices((n,) * (l + k)).reshape(l + k, n ** (l + k))
    axis = {p: (l + p if p < k else p - k) for p in range(k + l)}  # label → grid row
    keep = np.ones(grids.shape[1], dtype=bool)
    for block in diagram.blocks:
        first = grids[axis[block[0]]]
        for p in block[1:]:
            keep &= grids[axis[p]] == first
    M = keep.astype(np.float64).reshape(n**l, n**k)
    return M / float(n) ** diagram.num_pooled if normalise == "mean" else M


def check_normalise(normalise: str) -> str:
    """``normalise`` if it is ``"sum"`` or ``"mean"``; else a one-line ``ConfigError``.

    >>> check_normalise("avg")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: normalise must be 'sum' or 'mean' (how pooled ...), got 'avg'
    """
    if normalise not in ("sum", "mean"):
        raise ConfigError("normalise must be 'sum' or 'mean' (how pooled diagrams scale with n), "
                         f"got {normalise!r}")
    return normalise
