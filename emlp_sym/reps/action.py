"""The action ``x ↦ rho(g) x`` of a bound rep, without its dense ``rho`` matrix.

:func:`act` works on the rep's canonical form (:mod:`emlp_sym.reps.canonical`): a sum of
monomials, each a tensor product of atoms. Each monomial block of ``x`` is reshaped to its
tensor axes and every axis gets its atom's action: an index take for a permutation group's
``V`` (``S(n)``: ``n`` numbers, where ``rho`` on ``V**2`` is an ``n²×n²`` matrix), a small matrix
for a matrix group's ``V`` (``O(3)``), its inverse transpose for a dual atom ``V*``, and the
``rho`` of a user rep's atom. The user's layout is read through the canonical permutation.
So ``V**2`` of ``S(1000)`` (10⁶ coordinates) is acted on in milliseconds, where its dense
``rho`` would take 8 TB.

Elements ``g`` come in the natural form of :mod:`emlp_sym.groups.elements` (an index array
for a permutation group, a matrix for a matrix group, a tuple of factor elements for a
product; also a dense matrix or a dict ``{factor: element}``); :func:`sample_elements`
draws them.

>>> import numpy as np
>>> from emlp_sym.groups import S
>>> from emlp_sym.reps import V
>>> rep = (V**2 + V)(S(3))
>>> g = np.array([1, 2, 0])  # e_0 → e_1 → e_2 → e_0
>>> x = np.arange(rep.size(), dtype=float)
>>> bool(np.allclose(act(rep, g, x), np.asarray(rep.rho_dense(element_matrix(S(3), g))) @ x))
True
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from emlp_sym.errors import RepError, ShapeError
from emlp_sym.groups.base import Group
from emlp_sym.groups.elements import (
    element_matrix,
    factor_elements,
    is_permutation_group,
    sample_elements,
)
from emlp_sym.reps.atoms import BaseAtom
from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.extension import leaf_matrix

__all__ = ["act", "sample_elements"]


def _namespace(x):
    """NumPy for NumPy (and list) input, so float64 stays float64; jax.numpy otherwise."""
    return np if isinstance(x, (np.ndarray, list, tuple, float, int)) else jnp


class _AxisAction:
    """One atom's action on one tensor axis: an index take, or a small matrix."""

    def __init__(self, take=None, matrix=None):
        self.take, self.matrix = take, matrix

    def __call__(self, xp, block, axis: int):
        if self.take is not None:
            return xp.take(block, self.take, axis=axis)
        M = self.matrix
        if not np.iscomplexobj(M) and np.issubdtype(block.dtype, np.floating):
            M = M.astype(block.dtype)  # act in the input's precision
        out = xp.tensordot(xp.asarray(M), block, axes=([1], [axis]))
        return xp.moveaxis(out, 0, axis)


def _inverse_permutation(p: np.ndarray) -> np.ndarray:
    inv = np.empty_like(p)
    inv[p] = np.arange(len(p))
    return inv


def _dense_element(atom_group: Group, parts: dict) -> np.ndarray:
    """The matrix a user rep's ``rho`` reads: its group's element (a permutation matrix for a
    permutation group), or the block-diagonal matrix of its factors' (a sub-product)."""
    if atom_group in parts:
        return element_matrix(atom_group, parts[atom_group])
    return element_matrix(atom_group, tuple(parts[F] for F in atom_group.factors))


def _axis_action(atom, parts: dict) -> _AxisAction:
    if isinstance(atom, BaseAtom):
        g = parts[atom.group]
        if is_permutation_group(atom.group):
            # (P x)[p[i]] = x[i], so P x = x[inverse(p)]; a permutation's inverse transpose
            # is itself, so a dual atom acts the same
            return _AxisAction(take=_inverse_permutation(g))
        M = np.asarray(g)
    else:  # a user rep's atom: its own rho of the element its group reads
        M = np.asarray(leaf_matrix(atom.rep, _dense_element(atom.group, parts), lie=False))
    return _AxisAction(matrix=np.linalg.inv(M).T if atom.dual else M)


def act(rep, g, x, group: Group | None = None):
    """``rho(g) x`` for a batch ``x`` of shape ``(..., rep.size())``, without dense ``rho``.

    Args:
        rep: a representation bound to a group ``G``.
        g: one element of ``G`` in its natural form (see :mod:`emlp_sym.groups.elements`:
            an index array for ``S(n)``, a matrix for ``O(3)``, a tuple for ``S(n)×O(3)``), or
            its dense matrix, or a dict ``{factor: element}``.
        x: NumPy (computed in NumPy, keeping float64) or JAX array.
        group: the group ``g`` belongs to, if not ``rep.G``: one whose factors include
            ``rep.G``'s (``S(n)×O(3)`` for a rep of ``O(3)×S(n)`` or of ``O(3)``), the others
            acting trivially.

    Returns:
        an array of ``x``'s shape, equal to ``x @ rep.rho_dense(g).T``.

    >>> import numpy as np
    >>> from emlp_sym.groups import O, S
    >>> from emlp_sym.reps import V
    >>> G = S(3) * O(3)
    >>> rep = V(S(3)) * V(O(3))
    >>> g = sample_elements(G, 1, seed=0)[0]
    >>> x = np.random.default_rng(0).standard_normal((2, rep.size()))
    >>> dense = np.asarray(rep.rho_dense(element_matrix(G, g)), dtype=float)
    >>> bool(np.allclose(act(rep, g, x), x @ dense.T, atol=1e-6))
    True
    """
    require_bound(rep, "rep (in act)")
    G = rep.G if group is None else group
    if not set(rep.G.factors) <= set(G.factors):
        raise RepError(f"act: {rep} is a representation of {rep.G}, and {G} (the group of g) "
                       f"does not contain its factors; pass an element of {rep.G}")
    parts = dict(zip(G.factors, factor_elements(G, g), strict=True))
    C = rep.canonical
    xp = _namespace(x)
    x = xp.asarray(x)
    if x.ndim == 0 or x.shape[-1] != C.size:
        raise ShapeError(f"act({rep}, g, x) needs x of shape (..., {C.size}), got "
                         f"{tuple(x.shape)}")
    batch = tuple(x.shape[:-1])
    identity = C.is_identity
    xc = x if identity else xp.take(x, C.inverse_perm, axis=-1)
    actions: dict = {}  # one action per distinct atom (V**2 has one, used on two axes)
    blocks, pos = [], 0
    for t, m in C.terms:
        dims = tuple(a.size for a in t)
        width = m * math.prod(dims)
        block = xc[..., pos : pos + width].reshape(batch + (m,) + dims)
        for k, atom in enumerate(t):
            if atom not in actions:
                actions[atom] = _axis_action(atom, parts)
            block = actions[atom](xp, block, len(batch) + 1 + k)
        blocks.append(block.reshape(batch + (width,)))
        pos += width
    yc = xp.concatenate(blocks, axis=-1) if len(blocks) != 1 else blocks[0]
    return yc if identity else xp.take(yc, C.perm, axis=-1)
