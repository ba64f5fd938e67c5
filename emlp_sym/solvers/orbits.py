"""Fixed vectors of signed-permutation actions, found combinatorially.

A signed permutation ``(perm, sign)`` acts on R^n by ``e_i -> sign[i] * e_{perm[i]}``.
A vector is fixed by it exactly when ``v[perm[i]] == sign[i] * v[i]`` for every ``i``,
so the fixed space of a set of such generators is read off the graph whose edges join
``i`` and ``perm[i]``: every connected component (orbit) carries one free parameter,
spread over the orbit with a ±1 per coordinate, unless some cycle in it multiplies the
signs to -1, which forces the whole orbit to zero.

Everything here is vectorized over the ``n`` coordinates, so tensor representations
with ``n`` in the hundreds of thousands are handled in milliseconds, with no n×n matrix.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from emlp_sym.errors import GroupError, ShapeError

__all__ = [
    "SignedPermutation",
    "OrbitBasis",
    "signed_permutation_from_matrix",
    "orbit_basis",
    "tensor_signed_permutation",
]

#: A signed permutation: ``(perm, sign)`` with ``M e_i = sign[i] e_{perm[i]}``.
SignedPermutation = tuple[np.ndarray, np.ndarray]


def signed_permutation_from_matrix(M, *, atol: float = 1e-12) -> SignedPermutation | None:
    """Read a small square matrix as a signed permutation, if it is one.

    Args:
        M: a square matrix (anything ``np.asarray`` turns into numbers, sympy included).
        atol: how far an entry may be from 0 or ±1 (generators built in floating point,
            e.g. ``inv(h).T`` of a permutation matrix, can be off by rounding).

    Returns:
        ``(perm, sign)`` as int64 / int8 arrays with ``M e_i = sign[i] e_{perm[i]}``, or
        ``None`` when some column is not a single ±1 or two columns hit the same row.

    >>> signed_permutation_from_matrix([[0, -1], [1, 0]])  # a 90° rotation
    (array([1, 0]), array([ 1, -1], dtype=int8))
    >>> signed_permutation_from_matrix([[0.5, 0], [0, 1]]) is None
    True
    """
    M = np.asarray(M)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        return None
    try:
        M = M.astype(np.complex128) if np.iscomplexobj(M) else M.astype(np.float64)
    except (TypeError, ValueError):
        return None
    if np.iscomplexobj(M):
        if np.abs(M.imag).max(initial=0.0) > atol:
            return None
        M = M.real
    d = M.shape[0]
    if d == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int8)
    nonzero = np.abs(M) > atol
    if not np.all(nonzero.sum(axis=0) == 1):
        return None
    perm = np.argmax(nonzero, axis=0).astype(np.int64)
    values = M[perm, np.arange(d)]
    if not np.all(np.abs(np.abs(values) - 1.0) <= atol):
        return None
    if np.unique(perm).size != d:  # singular: not a permutation
        return None
    return perm, np.where(values > 0, 1, -1).astype(np.int8)


def tensor_signed_permutation(factors: Sequence[SignedPermutation]) -> SignedPermutation:
    """The signed permutation of a Kronecker product of signed permutations.

    Multi-indices are flattened in row-major (C) order with the first factor outermost,
    exactly as ``np.kron(M_1, np.kron(M_2, ...))`` orders them. An empty product acts
    on R^1 as the identity.

    Returns:
        ``(perm, sign)`` of length ``prod(len(p) for p, _ in factors)``.

    >>> swap = signed_permutation_from_matrix([[0, 1], [1, 0]])
    >>> tensor_signed_permutation([swap, swap])  # swap ⊗ swap on R^4
    (array([3, 2, 1, 0]), array([1, 1, 1, 1], dtype=int8))
    """
    perm = np.zeros(1, np.int64)
    sign = np.ones(1, np.int8)
    for p, s in factors:
        p = np.asarray(p, dtype=np.int64)
        s = np.asarray(s, dtype=np.int8)
        d = p.size
        # (A ⊗ B) e_(i,j) = sA[i] sB[j] e_(pA[i], pB[j]), index (i, j) -> i * dB + j.
        perm = (perm[:, None] * d + p[None, :]).ravel()
        sign = (sign[:, None] * s[None, :]).ravel()
    return perm, sign


@dataclass(frozen=True, eq=False)
class OrbitBasis:
    """An orthonormal basis Q (n × r) of a fixed space, kept as orbit labels and signs.

    Column ``k`` of Q is ``sum(signs[i] * e_i for i with labels[i] == k) / sqrt(sizes[k])``:
    each surviving orbit gives one column, with +1 at its smallest coordinate. Columns are
    ordered by that smallest coordinate.

    Attributes:
        labels: int64, length n: the column of each coordinate, or -1 if it is forced to 0.
        signs: int8, length n: ±1 on surviving coordinates, 0 on killed ones.
        r: the number of columns (dimension of the fixed space).
        sizes: int64, length r: how many coordinates each column spreads over.

    >>> swap = signed_permutation_from_matrix([[0, 1], [1, 0]])
    >>> Q = orbit_basis(4, [tensor_signed_permutation([swap, swap])])
    >>> Q.r, Q.labels, Q.sizes
    (2, array([0, 1, 1, 0]), array([2, 2]))
    >>> Q.project([1.0, 2.0, 3.0, 4.0])
    array([2.5, 2.5, 2.5, 2.5])
    """

    labels: np.ndarray
    signs: np.ndarray
    r: int
    sizes: np.ndarray

    @property
    def n(self) -> int:
        """The dimension of the space acted on."""
        return int(self.labels.size)

    def to_scipy_sparse(self, normalize: bool = True) -> sp.csr_matrix:
        """Q as an n × r float64 CSR matrix (entries ±1, or ±1/sqrt(size) if normalized)."""
        rows = np.flatnonzero(self.labels >= 0)
        cols = self.labels[rows]
        data = self.signs[rows].astype(np.float64)
        if normalize:
            data /= np.sqrt(self.sizes[cols])
        return sp.csr_matrix((data, (rows, cols)), shape=(self.n, self.r))

    def to_dense(self, normalize: bool = True) -> np.ndarray:
        """Q as a dense n × r float64 array (entries ±1, or ±1/sqrt(size) if normalized)."""
        Q = np.zeros((self.n, self.r))
        rows = np.flatnonzero(self.labels >= 0)
        cols = self.labels[rows]
        data = self.signs[rows].astype(np.float64)
        if normalize:
            data /= np.sqrt(self.sizes[cols])
        Q[rows, cols] = data
        return Q

    def to_domain_matrix(self):
        """The unnormalized basis (entries 0, ±1) as a sparse SymPy ``DomainMatrix`` over QQ:
        the exact orbit route."""
        from sympy.polys.domains import QQ  # SymPy only where an exact basis is asked for
        from sympy.polys.matrices import DomainMatrix
        from sympy.polys.matrices.sdm import SDM

        rows = {i: {int(self.labels[i]): QQ(int(self.signs[i]))}
                for i in np.flatnonzero(self.labels >= 0).tolist()}
        return DomainMatrix.from_rep(SDM(rows, (self.n, self.r), QQ))

    @functools.cached_property
    def _q(self) -> sp.csr_matrix:
        return self.to_scipy_sparse(normalize=True)

    @functools.cached_property
    def _qt(self) -> sp.csr_matrix:
        return self._q.T.tocsr()

    def coefficients(self, X) -> np.ndarray:
        """Qᵀ X for X of shape (n, ...): the coordinates of X's projection in this basis."""
        X = np.asarray(X)
        if X.shape[:1] != (self.n,):
            raise ShapeError(f"expected leading dimension {self.n}, got shape {X.shape}")
        out = self._qt @ X.reshape(self.n, math.prod(X.shape[1:]))
        return np.asarray(out).reshape((self.r, *X.shape[1:]))

    def expand(self, C) -> np.ndarray:
        """Q C for C of shape (r, ...): the fixed vector(s) with these coordinates."""
        C = np.asarray(C)
        if C.shape[:1] != (self.r,):
            raise ShapeError(f"expected leading dimension {self.r}, got shape {C.shape}")
        out = self._q @ C.reshape(self.r, math.prod(C.shape[1:]))
        return np.asarray(out).reshape((self.n, *C.shape[1:]))

    def project(self, X) -> np.ndarray:
        """Q Qᵀ X: the orthogonal projection of X (shape (n, ...)) onto the fixed space."""
        return self.expand(self.coefficients(X))


def _check_generator(n: int, g: SignedPermutation) -> tuple[np.ndarray, np.ndarray]:
    perm = np.asarray(g[0])
    sign = np.asarray(g[1])
    if perm.shape != (n,) or sign.shape != (n,):
        raise ShapeError(f"generator arrays must have shape ({n},), got {perm.shape}, {sign.shape}")
    if not np.issubdtype(perm.dtype, np.integer):
        raise GroupError(f"perm must be an integer array, got dtype {perm.dtype}")
    perm = perm.astype(np.int64)
    if n and (perm.min() < 0 or perm.max() >= n):
        raise GroupError(f"perm entries must lie in range({n}), got {perm.min()}..{perm.max()}")
    if not np.all(np.abs(sign) == 1):
        raise GroupError("sign entries must be ±1 (a signed permutation)")
    return perm, sign.astype(np.int8)


def orbit_basis(n: int, generators: Sequence[SignedPermutation]) -> OrbitBasis:
    """The fixed space of signed permutations of R^n, as an :class:`OrbitBasis`.

    Args:
        n: the dimension acted on.
        generators: ``(perm, sign)`` pairs, each of length n (``perm`` need not even be a
            bijection: only the constraints ``v[perm[i]] = sign[i] v[i]`` are used).

    Returns:
        The basis of ``{v : v[perm[i]] = sign[i] v[i] for every generator and i}``; with no
        generators every coordinate is its own orbit.

    >>> import numpy as np
    >>> cycle = (np.array([1, 2, 0]), np.ones(3, np.int8))  # Z(3) on R^3
    >>> orbit_basis(3, [cycle]).to_dense().round(3)
    array([[0.577],
           [0.577],
           [0.577]])
    """
    n = int(n)
    if n < 0:
        raise ShapeError(f"n must be non-negative, got {n}")
    gens = [_check_generator(n, g) for g in generators]
    idx = np.arange(n, dtype=np.int64)
    if gens:
        src = np.concatenate([idx] * len(gens))
        dst = np.concatenate([p for p, _ in gens])
        esign = np.concatenate([s for _, s in gens])
    else:
        src = dst = np.zeros(0, np.int64)
        esign = np.zeros(0, np.int8)

    graph = sp.csr_matrix((np.ones(src.size, np.int8), (src, dst)), shape=(n, n))
    ncomp, comp = connected_components(graph, directed=True, connection="weak")
    # Each component's representative (its smallest coordinate) gets sign +1.
    _, rep = np.unique(comp, return_index=True)

    # One BFS from a virtual root n joined to every representative yields a spanning
    # forest of all components at once (a BFS per component would loop in Python).
    root = n
    src_t = np.concatenate([src, dst, np.full(ncomp, root)])
    dst_t = np.concatenate([dst, src, rep])
    tree_graph = sp.csr_matrix((np.ones(src_t.size, np.int8), (src_t, dst_t)), shape=(n + 1, n + 1))
    _, pred = breadth_first_order(tree_graph, root, directed=True, return_predecessors=True)
    pred = pred.astype(np.int64)

    # Sign of each tree edge parent -> child, from whichever generator supplied the edge
    # (any one will do: inconsistent components get killed below). A loop over generators,
    # vectorized over coordinates.
    has_parent = pred[:n] >= 0
    parent = np.where(has_parent, pred[:n], root)
    edge_sign = np.ones(n + 1, np.int8)
    child = idx[has_parent & (parent != root)]
    par = parent[child]
    child_sign = np.ones(child.size, np.int8)
    found = np.zeros(child.size, bool)
    for perm, sign in gens:
        forward = ~found & (perm[par] == child)  # v[child] = sign[par] v[par]
        child_sign[forward] = sign[par[forward]]
        found |= forward
        backward = ~found & (perm[child] == par)  # v[par] = sign[child] v[child]
        child_sign[backward] = sign[child[backward]]
        found |= backward
    edge_sign[child] = child_sign

    # Product of edge signs up to the root by pointer jumping: O(n log depth), vectorized.
    anc = np.concatenate([parent, [root]])
    sign_up = edge_sign.copy()
    while True:
        nxt = anc[anc]
        if np.array_equal(nxt, anc):
            break
        sign_up = sign_up * sign_up[anc]
        anc = nxt
    signs = sign_up[:n]

    # v[dst] = s * v[src] must hold for the assigned signs, else the orbit is killed.
    bad = signs[dst] != esign * signs[src]
    killed = np.zeros(ncomp, bool)
    killed[comp[src[bad]]] = True

    # Surviving components keep their order by smallest coordinate (rep is increasing
    # in component id only if scipy numbers them so; sort to be sure).
    comp_order = np.argsort(rep, kind="stable")
    alive_sorted = comp_order[~killed[comp_order]]
    new_id = np.full(ncomp, -1, np.int64)
    new_id[alive_sorted] = np.arange(alive_sorted.size)
    labels = new_id[comp]
    signs = np.where(labels >= 0, signs, 0).astype(np.int8)
    sizes = np.bincount(labels[labels >= 0], minlength=alive_sorted.size).astype(np.int64)
    for a in (labels, signs, sizes):
        a.setflags(write=False)
    return OrbitBasis(labels=labels, signs=signs, r=int(alive_sorted.size), sizes=sizes)
