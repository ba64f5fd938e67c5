"""Pictures of equivariant bases: which entries of a map share a weight.

``vis(repin, repout)`` draws a random equivariant map ``repin -> repout`` as a
``(repout.size(), repin.size())`` image, as the reference library's ``vis`` does;
``vis_basis(Q, shape)`` does the same for any basis ``Q``.

Clustering (``cluster=True``) colours entries by weight-sharing pattern: entries ``i`` and
``j`` are tied when every map in the span is equal there, i.e. when rows ``Q[i]`` and ``Q[j]``
are equal. That is read from two independent random maps ``Q z₁``, ``Q z₂`` (equal rows give
equal values, distinct rows differ almost surely), so it works for structured bases too.
For permutation groups the patterns are exactly the ``r`` orbits (plus the zero entries), the
picture the reference library gets by k-means into ``r`` clusters; for other groups it is
every distinct value pattern (``+c``, ``-c``, ``0`` for the Levi-Civita symbol), where the
reference's k-means into ``r`` clusters could merge unrelated entries.
"""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import ShapeError

__all__ = ["vis", "vis_basis", "sharing_patterns"]

# Values agreeing to this fraction of the largest one are the same pattern: far above
# solver round-off (1e-12..1e-6 relative), far below gaps between distinct random values.
_PATTERN_DECIMALS = 5


def _random_maps(Q, seed, k):
    rng = np.random.default_rng(seed)
    if hasattr(Q, "equivariant_basis"):  # not a basis: a rep
        Q = Q.equivariant_basis()
    if not hasattr(Q, "shape") or len(Q.shape) != 2:
        raise ShapeError(f"vis_basis expects a basis of shape (n, r), got {type(Q).__name__}")
    Z = rng.standard_normal((Q.shape[1], k))
    M = Q @ Z
    return np.real(np.asarray(M, dtype=np.complex128 if np.iscomplexobj(M) else np.float64))


def sharing_patterns(Q, seed: int | None = 0) -> np.ndarray:
    """One integer label per row of the basis ``Q``: equal labels share one weight in every map
    of the span. Labels are ordered by the value of one random map of the span; the zero rows
    form one label like any other.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> sharing_patterns((V**2)(S(3)).equivariant_basis())  # diagonal / off-diagonal
    array([0, 1, 1, 1, 0, 1, 1, 1, 0])
    """
    M = _random_maps(Q, seed, 2)
    scale = max(float(np.abs(M).max()), np.finfo(float).tiny)
    keys = np.round(M / scale, _PATTERN_DECIMALS) + 0.0  # + 0.0: no -0.0 key
    _, labels = np.unique(keys, axis=0, return_inverse=True)
    return labels.reshape(-1)


def vis_basis(basis, shape, cluster: bool = True, *, seed: int | None = None, ax=None):
    """Draw a random element of the span of ``basis`` reshaped to ``shape``.

    Args:
        basis: ``(n, r)`` basis (array or structured basis) with ``n == prod(shape)``.
        shape: the picture's shape, e.g. ``(repout.size(), repin.size())``.
        cluster: colour by weight-sharing pattern (see the module doc) rather than by value.
        seed: seed of the random element (None: a fresh one each call, as the reference).
        ax: a matplotlib Axes to draw into (default: the current one, ``plt.gca()``).

    Returns:
        The matplotlib ``AxesImage`` drawn, as ``plt.imshow`` returns it (``.figure`` is its
        Figure). Not the Figure itself: a notebook would show a returned Figure a second time.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> vis_basis((V**2)(S(3)).equivariant_basis(), (3, 3), seed=0)
    <matplotlib.image.AxesImage object at ...>
    """
    import matplotlib.pyplot as plt

    n = int(np.prod(shape))
    if basis.shape[0] != n:
        raise ShapeError(f"a basis with {basis.shape[0]} rows cannot be drawn as {tuple(shape)}")
    if seed is None:
        seed = int(np.random.randint(2**31))
    if cluster:
        image = sharing_patterns(basis, seed)
    else:
        image = _random_maps(basis, seed, 1)[:, 0]
    ax = plt.gca() if ax is None else ax
    drawn = ax.imshow(image.reshape(shape))
    ax.axis("off")
    return drawn


def vis(repin, repout, cluster: bool = True, *, seed: int | None = None, ax=None):
    """Draw a random equivariant map ``repin -> repout`` (reps bound to a group) as an image of
    shape ``(repout.size(), repin.size())``; ``cluster=True`` colours its weight-sharing
    patterns. Returns the matplotlib ``AxesImage`` (see :func:`vis_basis`).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> vis(V(S(3)), V(S(3)), seed=0)  # a I + b 11ᵀ: the diagonal and the rest
    <matplotlib.image.AxesImage object at ...>
    """
    rep = repin >> repout
    Q = rep.equivariant_basis()
    return vis_basis(Q, (repout.size(), repin.size()), cluster, seed=seed, ax=ax)
