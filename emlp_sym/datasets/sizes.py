"""Datasets whose size n is a parameter: graphs of n nodes under S(n), clouds of n points under
S(n)×O(3). Train at one n, test at another.

Examples are generated on demand: example ``i`` comes from ``numpy.random.default_rng([seed,
i])``, so a test set of 1000 graphs of 2000 nodes never sits in memory at once (one graph's
n² adjacency is 16 MB at n = 2000) and any example can be regenerated alone. ``batch(indices)``
stacks a few; ``dataset[i]`` is one ``(x, y)`` pair, so torch's ``DataLoader`` and
:class:`~emlp_sym.datasets.DataLoader` read them. ``stats`` (standardisation statistics, as
:mod:`~emlp_sym.datasets.synthetic` computes them) is estimated from the first few examples
the first time it is asked for.

>>> from emlp_sym.datasets import SBMTriangles
>>> data = SBMTriangles(N=4, n=6, seed=0)
>>> x, y = data[0]
>>> x.shape, y.shape, data.symmetry
((42,), (6,), S(6))
>>> print(data.rep_in(data.symmetry), data.rep_out(data.symmetry))
V+V² V
"""

from __future__ import annotations

import numpy as np

from emlp_sym.datasets.synthetic import _check_int, _check_seed, block_stats
from emlp_sym.errors import ArgumentTypeError, ShapeError
from emlp_sym.groups import O, S
from emlp_sym.reps import V

__all__ = ["SizedDataset", "SBMTriangles", "InertiaN", "node_triangles"]

#: examples used for ``stats``: the first ones, up to about this many numbers in all
_STATS_BUDGET = 4_000_000


def node_triangles(A: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``t_i = w_i Σ_jk A_ij w_j A_jk w_k A_ki`` for a symmetric ``A`` (n, n) and node weights
    ``w`` (n,): the weighted count of closed walks of length 3 through node i, with one
    n×n product (``(A W A) ∘ A`` summed by rows) in place of a dense A³.

    >>> K3 = np.ones((3, 3)) - np.eye(3)
    >>> node_triangles(K3, np.ones(3))  # each node of a triangle: 2 closed 3-walks
    array([2., 2., 2.])
    """
    # float32 product: entries are sums of n terms in [0, 1], so the rounding stays ~1e-7
    # relative, and a graph of 2000 nodes costs a quarter of the float64 product
    A32 = np.asarray(A, dtype=np.float32)
    M = A32 * np.asarray(w, dtype=np.float32)[None, :]
    return np.asarray(w, dtype=np.float64) * np.einsum("ik,ik->i", M @ M, A32, dtype=np.float64)


class SizedDataset:
    """The machinery shared by the datasets of this module: ``N`` examples of size ``n``,
    each generated from ``default_rng([seed, i])`` when asked for.

    Subclasses set ``rep_in``, ``rep_out``, ``symmetry``, the block layouts ``_layout_in`` /
    ``_layout_out`` (see :func:`~emlp_sym.datasets.block_stats`) and implement
    ``_example(rng) -> (x, y)`` (arrays, flattened as the reps lay them out; returned as
    float32).
    """

    rep_in = None
    rep_out = None
    symmetry = None
    _layout_in: list = []
    _layout_out: list = []

    def _setup(self, N, n, seed, min_n: int = 1) -> None:
        self.N = _check_int(N, "N")
        self.n = _check_int(n, "n", minimum=min_n)
        seed = _check_seed(seed)
        self.seed = 0 if seed is None else seed
        self._stats = None

    def _example(self, rng: np.random.Generator):
        raise NotImplementedError

    def __len__(self) -> int:
        return self.N

    def __getitem__(self, i):
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise ArgumentTypeError(f"index must be an integer, got {i!r}")
        if not -self.N <= i < self.N:
            raise IndexError(f"index {i} out of range for {self.N} examples")
        x, y = self._example(np.random.default_rng([self.seed, int(i) % self.N]))
        return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)

    def batch(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """The examples ``indices`` stacked: ``(len(indices), rep_in size)`` inputs and
        ``(len(indices), rep_out size)`` targets."""
        xs, ys = zip(*(self[int(i)] for i in indices), strict=True)
        return np.stack(xs), np.stack(ys)

    def batches(self, batch_size: int):
        """Every example once, in order, ``batch_size`` at a time (the last batch shorter)."""
        batch_size = _check_int(batch_size, "batch_size")
        for start in range(0, self.N, batch_size):
            yield self.batch(range(start, min(start + batch_size, self.N)))

    @property
    def stats(self):
        """``(muin, sin, muout, sout)`` from the first examples (as many as about four million
        numbers allow, at least one)."""
        if self._stats is None:
            width = len(self[0][0])
            count = max(1, min(self.N, 256, _STATS_BUDGET // width))
            X, Y = self.batch(range(count))
            self._stats = block_stats(X, self._layout_in) + block_stats(Y, self._layout_out)
        return self._stats

    def __repr__(self) -> str:
        return f"{type(self).__name__}(N={self.N}, n={self.n}, seed={self.seed})"


class SBMTriangles(SizedDataset):
    """Weighted triangle counts per node on stochastic-block-model graphs: the size-transfer
    task of Levin, Ma, Díaz and Villar, "On Transferring Transferability" (NeurIPS 2025),
    generated as their released table's code generates it.

    Each graph: K blocks, K uniform on {10, …, 20}; a symmetric K×K matrix of edge
    probabilities, entries uniform on [0, 1); each node's block uniform on the K; each pair
    {i, j}, and each node with itself (self-loops are drawn too), joined with its blocks'
    probability; block weights ``mu`` uniform on [0, 1), node weights ``w_i = mu[block of i]``.
    Target per node: ``y_i = w_i Σ_jk A_ij w_j A_jk w_k A_ki / n²``, a density (it stays of
    order one as n grows; :func:`node_triangles`).

    Inputs ``x = [w (n), A (n², row-major)]``, ``rep_in = V + V²`` of ``S(n)``; targets
    ``y`` (n,), ``rep_out = V``. The paper's metric is the mean squared error over nodes
    (their ``eval`` sums each batch's squared errors over its nodes and divides by the number
    of graphs times n).

    >>> data = SBMTriangles(N=2, n=5, seed=1)
    >>> x, y = data[1]
    >>> A = x[5:].reshape(5, 5)
    >>> bool((A == A.T).all()), bool(set(np.unique(A)) <= {0.0, 1.0})
    (True, True)
    """

    def __init__(self, N: int = 1000, n: int = 50, seed: int | None = 0):
        self._setup(N, n, seed)
        self.symmetry = S(self.n)
        self.rep_in = V + V**2
        self.rep_out = V
        self._layout_in = [("tensor", self.n), ("tensor", self.n**2)]
        self._layout_out = [("tensor", self.n)]

    def _example(self, rng):
        n = self.n
        K = int(rng.integers(10, 21))
        P = rng.random((K, K))
        P = np.tril(P) + np.tril(P, -1).T
        block = rng.integers(0, K, size=n)
        lower = np.tril(rng.random((n, n)) < P[block][:, block])  # diagonal included
        A = lower | lower.T
        w = rng.random(K)[block]
        y = node_triangles(A, w) / n**2
        return np.concatenate([w, A.reshape(-1)]).astype(np.float32), y

    def target(self, X) -> np.ndarray:
        """The targets of inputs ``X`` (N, n + n²): :func:`node_triangles` / n²."""
        n = self.n
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != n + n * n:
            raise ShapeError(f"SBMTriangles.target expects inputs of shape (N, {n + n * n}), "
                             f"got {X.shape}")
        return np.stack([node_triangles(x[n:].reshape(n, n), x[:n]) / n**2 for x in X])


class InertiaN(SizedDataset):
    """The moment of inertia of n point masses, under S(n)×O(3): the Inertia task with the
    number of points a parameter.

    Masses ``m_i = softplus(z_i)``, ``z_i ~ N(0, 1)``, positions ``x_i ~ N(0, I_3)``;
    inputs ``[m (n), x (n×3, point by point)]``, ``rep_in = V_S + V_S⊗V_O`` with
    ``V_S = V(S(n))``, ``V_O = V(O(3))``. Target ``I = Σ_i m_i (|x_i|² I_3 − x_i x_iᵀ)``
    flattened row-major (9,), ``rep_out = V_S⁰⊗V_O²``. ``I`` is a sum over points: it grows
    like n.

    >>> data = InertiaN(N=3, n=4, seed=0)
    >>> x, y = data[0]
    >>> x.shape, y.shape, data.symmetry
    ((16,), (9,), S(4)×O(3))
    >>> print(data.rep_out)
    V[O(3)]²
    """

    def __init__(self, N: int = 1000, n: int = 5, seed: int | None = 0):
        self._setup(N, n, seed)
        Vs, Vo = V(S(self.n)), V(O(3))
        self.rep_in = Vs + Vs * Vo
        self.rep_out = Vs**0 * Vo**2
        self.symmetry = self.rep_in.G
        # masses: one scale for all (a mean per coordinate would not commute with permutations)
        self._layout_in = [("tensor", self.n)] + [("tensor", 3)] * self.n
        self._layout_out = [("tensor", 9)]

    def _example(self, rng):
        m = np.logaddexp(0.0, rng.standard_normal(self.n))  # softplus: positive masses
        x = rng.standard_normal((self.n, 3))
        return np.concatenate([m, x.reshape(-1)]), self._inertia(m, x)

    @staticmethod
    def _inertia(m, x):
        r2 = np.einsum("ki,ki,k->", x, x, m)
        return (r2 * np.eye(3) - np.einsum("k,ki,kj->ij", m, x, x)).reshape(9)

    def target(self, X) -> np.ndarray:
        """The targets of inputs ``X`` (N, 4n)."""
        n = self.n
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 4 * n:
            raise ShapeError(f"InertiaN.target expects inputs of shape (N, {4 * n}), "
                             f"got {X.shape}")
        return np.stack([self._inertia(x[:n], x[n:].reshape(n, 3)) for x in X])
