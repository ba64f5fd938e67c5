"""Permutations of the feature axis, moved as a few contiguous runs where possible.

A canonical layout differs from the user's by a permutation that is usually a handful of
contiguous runs (``gated(rep)`` only moves its gate scalars next to the other scalars).
Splitting the input at the runs and concatenating them in the new order moves whole slices,
and its gradient is again a split and a concatenation. A gather's gradient is a scatter, which
XLA CPU runs slowly (the gathers cost ~6% of the seed model's training step). Permutations with
many runs (e.g. of permutation-group tensors) still use one gather.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

MAX_RUNS = 32  # beyond this, one gather beats many small slices


def runs(perm) -> list[tuple[int, int]]:
    """``perm`` as maximal runs ``(source start, length)`` of consecutive source indices.

    >>> runs([3, 4, 0, 1, 2])
    [(3, 2), (0, 3)]
    """
    perm = np.asarray(perm)
    if perm.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(perm) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [perm.size]])
    return [(int(perm[s]), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def permute_last(x, perm):
    """``x[..., perm]``; ``perm`` is a permutation of the last axis, or None for identity.

    >>> import numpy as np
    >>> permute_last(np.arange(5.0), np.array([3, 4, 0, 1, 2]))
    Array([3., 4., 0., 1., 2.], dtype=float32)
    """
    if perm is None:
        return x
    pieces_in_order = runs(perm)
    if len(pieces_in_order) > MAX_RUNS:
        return jnp.take(x, perm, axis=-1)
    if len(pieces_in_order) == 1:
        return x
    # the runs tile the source axis: split it in source order, then concatenate in perm's
    by_source = sorted(range(len(pieces_in_order)), key=lambda k: pieces_in_order[k][0])
    pieces = jax.lax.split(x, [pieces_in_order[k][1] for k in by_source], axis=x.ndim - 1)
    placed = dict(zip(by_source, pieces, strict=True))
    return jnp.concatenate([placed[k] for k in range(len(pieces_in_order))], axis=-1)
