"""S(n)-equivariant maps applied as partition diagrams: pooling, diagonals, broadcasts; never
an ``n^l × n^k`` matrix.

:func:`diagram_apply` maps ``m_a`` channels of ``V^⊗k`` to ``m_b`` channels of ``V^⊗l`` with
coefficients ``C[d, b, a]`` against the partition diagrams ``d`` of
:mod:`emlp_sym.solvers.partitions`, in three stages:

1. *reduce*: each diagram's pooled blocks are summed (or averaged) and its kept blocks'
   diagonals extracted, one ``einsum`` per diagram, leaving a tensor over its kept blocks;
2. *mix*: diagrams that write the same output pattern (which output axes are kept, which are
   broadcast, which share a diagonal) are stacked and their channels mixed in one ``einsum``
   on the reduced tensors, which are of size ``n^(kept blocks)``, mostly far below ``n^l``;
3. *expand*: each pattern is broadcast over its missing axes; patterns that share diagonals
   are summed while still broadcast and placed on their diagonals together.

For ``V² → V²`` (IGN's 15 maps) only the identity and the transpose mix channels on ``n²``
entries (stacked into one product); the 13 others mix on vectors or scalars. The cost is
about ``(m_a + m_b)·n^max(k,l)`` per example plus the channel products, where the dense block
costs ``m_a·m_b·n^(k+l)``.

>>> import jax.numpy as jnp
>>> from emlp_sym.solvers.partitions import partition_diagrams
>>> ds = partition_diagrams(1, 1)                 # identity, pool-then-broadcast
>>> C = jnp.array([[[1.0]], [[1.0]]])             # (diagrams, out channels, in channels)
>>> diagram_apply(ds, C, jnp.array([[[1.0, 2.0, 3.0]]]), 3)    # x + sum(x)
Array([[[7., 8., 9.]]], dtype=float32)
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import NamedTuple

import jax.numpy as jnp

from emlp_sym.errors import ShapeError
from emlp_sym.solvers.partitions import PartitionDiagram, check_normalise

_BATCH, _IN, _OUT = "Z", "Y", "X"


class OutputPattern(NamedTuple):
    """How a diagram writes its output: per output axis, the rank of its block (blocks ranked
    by first output axis), and per ranked block whether it is kept (else broadcast)."""

    ranks: tuple[int, ...]
    kept: tuple[bool, ...]


def _output_blocks(d: PartitionDiagram) -> list[tuple[int, ...]]:
    """The blocks holding output axes, ordered by their first output axis."""
    return sorted((b for b in d.blocks if d.outputs(b)), key=lambda b: d.outputs(b)[0])


def output_pattern(d: PartitionDiagram) -> OutputPattern:
    """The diagram's :class:`OutputPattern`: diagrams with equal patterns share stages 2, 3.

    >>> from emlp_sym.solvers.partitions import partition_diagrams
    >>> identity, transpose = partition_diagrams(2, 2)[6], partition_diagrams(2, 2)[8]
    >>> str(identity), str(transpose)
    ('{i₀ o₀} {i₁ o₁}', '{i₀ o₁} {i₁ o₀}')
    >>> output_pattern(identity) == output_pattern(transpose)
    True
    """
    blocks = _output_blocks(d)
    ranks = [0] * d.l
    for r, b in enumerate(blocks):
        for q in d.outputs(b):
            ranks[q] = r
    return OutputPattern(tuple(ranks), tuple(d.kind(b) == "kept" for b in blocks))


def _reduce(d: PartitionDiagram, x, n: int, normalise: str):
    """Stage 1: ``x`` ``(N, m_a, n, …, n)`` → ``(N, m_a, n, …)`` over the kept blocks, in the
    order of their first output axis."""
    letter = {}
    for index, block in enumerate(d.blocks):
        for p in block:
            letter[p] = chr(ord("a") + index)
    kept = [letter[b[0]] for b in _output_blocks(d) if d.kind(b) == "kept"]
    spec = (f"{_BATCH}{_IN}{''.join(letter[p] for p in range(d.k))}"
            f"->{_BATCH}{_IN}{''.join(kept)}")
    t = jnp.einsum(spec, x)
    if normalise == "mean" and d.num_pooled:
        t = t * (1.0 / float(n) ** d.num_pooled)
    return t


def _expand(pattern: OutputPattern, u, n: int):
    """Stage 3 for one pattern, but its δs: ``u`` ``(N, m_b, n per kept block)`` → a tensor
    that broadcasts to ``(N, m_b, n, …, n)``: kept blocks on their first axis, size 1 on
    every other axis. Returns it with its δs, the ``(first axis, axis)`` pairs that share a
    block and must be placed on a diagonal (:func:`_place_on_diagonals`)."""
    first: dict[int, int] = {}
    for q, r in enumerate(pattern.ranks):
        first.setdefault(r, q)
    shape = [n if pattern.kept[r] and first[r] == q else 1 for q, r in enumerate(pattern.ranks)]
    deltas = tuple((first[r], q) for q, r in enumerate(pattern.ranks) if first[r] != q)
    return u.reshape(u.shape[:2] + tuple(shape)), deltas


def _place_on_diagonals(v, deltas, n: int, l: int):
    """``v`` times a δ between each pair of axes in ``deltas`` (which gives those axes size n)."""
    eye = jnp.eye(n, dtype=v.dtype)
    for a, q in deltas:
        axes = [1] * l
        axes[a] = axes[q] = n
        v = v * eye.reshape((1, 1, *axes))
    return v


def group_by_pattern(diagrams) -> dict[OutputPattern, list[int]]:
    """The indices of ``diagrams``, grouped by their output pattern (in first-seen order).

    >>> from emlp_sym.solvers.partitions import partition_diagrams
    >>> sorted(len(g) for g in group_by_pattern(partition_diagrams(2, 2)).values())
    [2, 2, 2, 3, 3, 3]
    """
    groups: dict[OutputPattern, list[int]] = defaultdict(list)
    for index, d in enumerate(diagrams):
        groups[output_pattern(d)].append(index)
    return dict(groups)


def diagram_apply(diagrams, C, x, n: int, normalise: str = "sum"):
    """``y[:, b] = Σ_d Σ_a C[d, b, a] · D_d(x[:, a])`` for ``x`` of shape ``(N, m_a, n^k)`` or
    ``(N, m_a, n, …, n)``; returns ``(N, m_b, n^l)``. ``diagrams`` are the partition diagrams
    of one ``(k, l)``, ``C`` their coefficients ``(len(diagrams), m_b, m_a)``.

    >>> import jax.numpy as jnp
    >>> from emlp_sym.solvers.partitions import partition_diagrams
    >>> ds = partition_diagrams(2, 0)                # trace, total sum
    >>> x = jnp.arange(4.0).reshape(1, 1, 4)         # [[0, 1], [2, 3]]
    >>> diagram_apply(ds, jnp.ones((2, 1, 1)), x, 2, "mean")    # 3/2 + 6/4
    Array([[[3.]]], dtype=float32)
    """
    check_normalise(normalise)
    if not diagrams:
        raise ValueError("diagram_apply needs at least one diagram")
    k, l = diagrams[0].k, diagrams[0].l
    N, m_a = x.shape[0], x.shape[1]
    if math.prod(x.shape[2:]) != n**k:
        raise ShapeError(f"diagrams V^{k} → V^{l} at n={n} need inputs (N, m_a, {n}^{k}), "
                         f"got shape {tuple(x.shape)}")
    if C.shape[0] != len(diagrams) or C.shape[2] != m_a:
        raise ShapeError(f"coefficients of shape {tuple(C.shape)} do not fit {len(diagrams)} "
                         f"diagrams and {m_a} input channels")
    x = x.reshape((N, m_a) + (n,) * k)
    m_b = C.shape[1]
    # patterns with the same δs are summed while still broadcast (a vector along rows plus
    # one along columns is one pass over n²), then placed on their diagonals once
    by_deltas: dict[tuple, object] = {}
    for pattern, members in group_by_pattern(diagrams).items():
        reduced = jnp.stack([_reduce(diagrams[i], x, n, normalise) for i in members], axis=1)
        u = jnp.einsum(f"{_BATCH}g{_IN}...,g{_OUT}{_IN}->{_BATCH}{_OUT}...",
                       reduced, C[jnp.array(members)].astype(x.dtype))
        v, deltas = _expand(pattern, u, n)
        by_deltas[deltas] = v if deltas not in by_deltas else by_deltas[deltas] + v
    y = None
    for deltas, v in by_deltas.items():
        v = _place_on_diagonals(v, deltas, n, l)
        y = v if y is None else y + v
    return jnp.broadcast_to(y, (N, m_b) + (n,) * l).reshape(N, m_b, n**l)


def diagram_bias(diagrams, b, n: int, dtype=jnp.float32):
    """The invariant bias ``Σ_d b[c, d] · D_d`` of ``m`` channels of ``V^⊗l``, ``(m, n^l)``:
    ``diagrams`` are the partition diagrams of ``(0, l)`` (all broadcasts), ``b`` is
    ``(m, len(diagrams))``.

    >>> import jax.numpy as jnp
    >>> from emlp_sym.solvers.partitions import partition_diagrams
    >>> diagram_bias(partition_diagrams(0, 2), jnp.array([[1.0, 2.0]]), 2)   # δ + 2·ones
    Array([[3., 2., 2., 3.]], dtype=float32)
    """
    C = jnp.asarray(b, dtype).T[:, :, None]  # (diagrams, m, one input channel)
    return diagram_apply(diagrams, C, jnp.ones((1, 1), dtype), n)[0]
