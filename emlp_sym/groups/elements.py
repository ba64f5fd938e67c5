"""Group elements in their natural form, for acting without dense representation matrices.

An element of

- a permutation group (:class:`~emlp_sym.groups.finite.PermutationGroup`: ``S(n)``, ``Z(n)``,
  ``Rot90``, ...) is an int64 index array ``p`` of length ``d``, the permutation of the matrix
  ``P e_i = e_{p[i]}`` (what :meth:`~emlp_sym.groups.finite.PermutationGroup.sample_permutations`
  draws): ``d`` numbers, where the matrix has ``d²``;
- any other group is its matrix (``element_size × element_size``), as :meth:`Group.samples
  <emlp_sym.groups.base.Group.samples>` gives it;
- a :class:`~emlp_sym.groups.product.DirectProduct` is a tuple of its factors' elements, in the
  order of ``G.factors`` (where :meth:`Group.samples` gives the block-diagonal matrix).

:func:`sample_elements` draws elements in this form (the same elements as ``G.samples(N,
seed)``, drawn from the same seed); :func:`as_element` turns any accepted form (also a
matrix, or a dict ``{factor: element}`` as the reference library passes them) into it;
:func:`compose` multiplies two elements and :func:`element_matrix` gives the dense matrix
(for checks at small sizes). :func:`emlp_sym.reps.action.act` applies ``rho(g)`` to vectors.

>>> from emlp_sym.groups import O, S
>>> G = S(4) * O(3)
>>> p, R = sample_elements(G, 1, seed=0)[0]
>>> p.shape, R.shape
((4,), (3, 3))
>>> bool((element_matrix(G, (p, R)) == G.samples_numpy(1, seed=0)[0]).all())
True
"""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import ArgumentTypeError, GroupError, ShapeError
from emlp_sym.groups._storage import check_permutation_samples_storage
from emlp_sym.groups.base import Group, check_positive_int
from emlp_sym.groups.finite import PermutationGroup, _check_permutation
from emlp_sym.groups.product import DirectProduct, _plain

__all__ = ["as_element", "compose", "element_matrix", "factor_elements",
           "is_permutation_group", "sample_elements"]


def is_permutation_group(G: Group) -> bool:
    """Are ``G``'s elements index arrays (a permutation group, or a numbered copy of one)?

    >>> from emlp_sym.groups import S, SO
    >>> is_permutation_group(S(3)), is_permutation_group(SO(3)), is_permutation_group(S(3) * S(3))
    (True, False, False)
    """
    return isinstance(_plain(G), PermutationGroup)


def _draw(F: Group, N: int, rng) -> list:
    """N elements of the single group ``F``, consuming ``rng`` as ``F._samples_np`` does."""
    base = _plain(F)
    if isinstance(base, PermutationGroup):
        check_permutation_samples_storage(base, N)
        return list(base._sample_indices(N, rng))
    return list(F._samples_np(N, rng))


def sample_elements(G: Group, N: int, seed: int | None = None) -> list:
    """N elements of ``G`` in their natural form (see the module docstring), as a list.

    With the same ``seed`` they are the elements of ``G.samples_numpy(N, seed)``; a
    permutation group's cost no more than its index arrays (``S(10**6)`` draws at once).
    ``seed=None`` draws from NumPy's global generator, as :meth:`Group.samples` does.

    >>> from emlp_sym.groups import S
    >>> [g.tolist() for g in sample_elements(S(3), 2, seed=1)]
    [[2, 0, 1], [1, 2, 0]]
    """
    if not isinstance(G, Group):
        raise ArgumentTypeError(f"sample_elements(G, N) needs a Group such as S(4), got {G!r}")
    N = check_positive_int(N, "sample_elements(G, N): N", minimum=0)
    rng = np.random.default_rng(seed if seed is not None else np.random.randint(2**31))
    if isinstance(G, DirectProduct):
        parts = [_draw(F, N, rng) for F in G.factors]
        return [tuple(p[k] for p in parts) for k in range(N)]
    return _draw(G, N, rng)


def _permutation_of(F: Group, g) -> np.ndarray:
    arr = np.asarray(g)
    d = F.d
    if arr.ndim == 1 and arr.shape == (d,) and np.issubdtype(arr.dtype, np.integer):
        p = arr.astype(np.int64, copy=False)
        _check_permutation(f"an element of {F}", p)
        return p
    if arr.shape == (d, d):  # a permutation matrix: column i holds its 1 in row p[i]
        p = np.argmax(arr, axis=0).astype(np.int64)
        if np.count_nonzero(arr) != d or not np.all(arr[p, np.arange(d)] == 1):
            raise GroupError(f"the {d}×{d} matrix given as an element of {F} is not a "
                             "permutation matrix; pass an index array or a permutation matrix")
        return p
    raise ShapeError(f"an element of {F} is an integer index array of shape ({d},) (or a "
                     f"{d}×{d} permutation matrix), got shape {arr.shape} ({arr.dtype})")


def _single(F: Group, g):
    if is_permutation_group(F):
        return _permutation_of(F, g)
    n = F.element_size
    shape = getattr(g, "shape", None)
    if shape is None:
        g = np.asarray(g)
        shape = g.shape
    if tuple(shape) != (n, n):
        raise ShapeError(f"an element of {F} is one {n}×{n} matrix, got shape {tuple(shape)}")
    return g


def factor_elements(G: Group, g) -> tuple:
    """``g``, an element of ``G`` in any accepted form, as one natural-form element per factor
    of ``G`` (a tuple in the order of ``G.factors``).

    Accepted: the natural form; a matrix (block-diagonal for a product; a permutation matrix
    for a permutation group); a dict ``{factor: element}`` for a product.

    >>> import numpy as np
    >>> from emlp_sym.groups import S, SO
    >>> p, R = factor_elements(S(2) * SO(2), np.eye(4))
    >>> p.tolist(), R.shape
    ([0, 1], (2, 2))
    """
    factors = G.factors
    if len(factors) == 1:
        if isinstance(g, dict):
            g = g[G] if G in g else g.get(factors[0], g)
        return (_single(G, g),)
    if isinstance(g, dict):
        missing = [F for F in factors if F not in g]
        if missing:
            raise GroupError(f"an element of {G} given as a dict needs one element per factor; "
                             f"missing {', '.join(map(str, missing))}")
        return tuple(_single(F, g[F]) for F in factors)
    if isinstance(g, (tuple, list)):
        if len(g) != len(factors):
            raise ShapeError(f"an element of {G} is a tuple of {len(factors)} factor elements "
                             f"({', '.join(map(str, factors))}), got {len(g)}")
        return tuple(_single(F, part) for F, part in zip(factors, g, strict=True))
    n = G.element_size
    shape = getattr(g, "shape", None)
    if shape is None or tuple(shape) != (n, n):
        raise ShapeError(f"an element of {G} is a tuple of its factors' elements or one "
                         f"{n}×{n} block-diagonal matrix, got {type(g).__name__} of shape {shape}")
    assert isinstance(G, DirectProduct)  # several factors
    return tuple(_single(F, G.factor_block(g, i)) for i, F in enumerate(factors))


def as_element(G: Group, g):
    """``g`` (any accepted form, see :func:`factor_elements`) in ``G``'s natural form.

    >>> import numpy as np
    >>> from emlp_sym.groups import S
    >>> as_element(S(3), np.eye(3)[[1, 2, 0]].T).tolist()  # a permutation matrix
    [1, 2, 0]
    """
    parts = factor_elements(G, g)
    return parts if len(G.factors) > 1 else parts[0]


def _matrix(F: Group, g) -> np.ndarray:
    if is_permutation_group(F):
        M = np.zeros((F.d, F.d))
        M[g, np.arange(F.d)] = 1
        return M
    return np.asarray(g)


def element_matrix(G: Group, g) -> np.ndarray:
    """The dense matrix of ``g`` (block-diagonal for a product), as :meth:`Group.samples`
    gives elements: for checks at sizes where it fits.

    >>> import numpy as np
    >>> from emlp_sym.groups import S
    >>> element_matrix(S(3), np.array([1, 2, 0]))[:, 0]  # e_0 goes to e_1
    array([0., 1., 0.])
    """
    import scipy.linalg

    blocks = [_matrix(F, part) for F, part in zip(G.factors, factor_elements(G, g), strict=True)]
    return blocks[0] if len(blocks) == 1 else scipy.linalg.block_diag(*blocks)


def compose(G: Group, g, h):
    """The product ``g h`` (apply ``h``, then ``g``), in the natural form.

    >>> import numpy as np
    >>> from emlp_sym.groups import S
    >>> g, h = np.array([1, 2, 0]), np.array([1, 0, 2])
    >>> bool((element_matrix(S(3), compose(S(3), g, h))
    ...       == element_matrix(S(3), g) @ element_matrix(S(3), h)).all())
    True
    """
    out = []
    for F, a, b in zip(G.factors, factor_elements(G, g), factor_elements(G, h), strict=True):
        out.append(a[b] if is_permutation_group(F) else a @ b)
    return tuple(out) if len(out) > 1 else out[0]
