"""Synthetic datasets with a known symmetry, generated from a seed (no downloads).

Every dataset holds ``X`` (inputs) and ``Y`` (targets) as float32 NumPy arrays of shape
``(N, rep_in size)`` and ``(N, rep_out size)``, the *unbound* representations ``rep_in`` /
``rep_out`` (bind them with ``rep_in(G)``), the group it is symmetric under as ``symmetry``,
the standardization statistics ``stats = (muin, sin, muout, sout)``, and ``target(X)``, the
vectorized function that produced ``Y`` (so the symmetry can be checked on transformed inputs).

Standardization must not break equivariance: a scalar feature may get its own mean and
scale, but a vector or tensor block gets zero mean and ONE scale shared by all of its
components (``(rho(g) x - 0) / s == rho(g) (x / s)`` only for a scalar ``s``).
"""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import ArgumentTypeError, DatasetError, ShapeError
from emlp_sym.groups import O, SO13p
from emlp_sym.reps import Scalar, T, Vector

__all__ = ["SyntheticDataset", "Inertia", "O5Synthetic", "ParticleInteraction"]


# ---- argument checking ------------------------------------------------------------------------
def _check_int(value, name: str, minimum: int = 1) -> int:
    """An integer argument ``>= minimum``: ArgumentTypeError (a TypeError) for non-integers,
    DatasetError (a ValueError) if too small."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(
            f"{name} must be an integer, got {value!r} ({type(value).__name__})"
        )
    if value < minimum:
        raise DatasetError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_seed(seed):
    if seed is None:
        return None
    return _check_int(seed, "seed", minimum=0)


def _check_positive_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value <= 0:
        raise DatasetError(f"{name} must be a positive finite number, got {value}")
    return float(value)


# ---- equivariance-respecting statistics -------------------------------------------------------
def block_stats(A: np.ndarray, layout) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale of the columns of ``A`` (N, D), respecting a block layout.

    ``layout`` is a list of ``(kind, size)``: ``("scalar", n)`` is n invariant features, each
    getting its own mean and standard deviation; ``("tensor", n)`` is one n-dimensional
    vector/tensor block, getting zero mean and a single RMS scale for all n components.
    Zero scales are replaced by 1.
    """
    A = np.asarray(A, dtype=np.float64)
    mu = np.zeros(A.shape[1])
    s = np.ones(A.shape[1])
    i = 0
    for kind, size in layout:
        block = A[:, i : i + size]
        if kind == "scalar":
            mu[i : i + size] = block.mean(0)
            s[i : i + size] = block.std(0)
        elif kind == "tensor":
            s[i : i + size] = np.sqrt(np.mean(block**2))
        else:
            raise DatasetError(f"unknown block kind {kind!r}; use 'scalar' or 'tensor'")
        i += size
    if i != A.shape[1]:
        raise ShapeError(f"layout covers {i} columns, data has {A.shape[1]}")
    s = np.where(s > 0, s, 1.0)
    return mu.astype(np.float32), s.astype(np.float32)


class SyntheticDataset:
    """Common machinery: storage, length, indexing and statistics.

    Subclasses set ``rep_in``, ``rep_out``, ``symmetry``, the block layouts ``_layout_in`` /
    ``_layout_out`` (see :func:`block_stats`), implement ``_sample_inputs(rng, N)`` and
    ``target(X)``, and call ``self._build(N, seed)`` from ``__init__``.

    >>> data = O5Synthetic(N=8)
    >>> isinstance(data, SyntheticDataset), len(data), data[0][0].shape
    (True, 8, (10,))
    """

    rep_in = None
    rep_out = None
    symmetry = None
    _layout_in: list = []
    _layout_out: list = []

    def _build(self, N, seed) -> None:
        self.N = _check_int(N, "N")
        self.seed = _check_seed(seed)
        rng = np.random.default_rng(self.seed)
        X = self._sample_inputs(rng, self.N)
        self.X = np.ascontiguousarray(X, dtype=np.float32)
        # targets come from the float64 inputs, then are rounded once
        self.Y = np.ascontiguousarray(self.target(X), dtype=np.float32)
        self.stats = block_stats(self.X, self._layout_in) + block_stats(self.Y, self._layout_out)

    def _sample_inputs(self, rng: np.random.Generator, N: int) -> np.ndarray:
        raise NotImplementedError

    def target(self, X) -> np.ndarray:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.Y[i]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(N={len(self)}, seed={self.seed})"

    def default_aug(self, model):
        """The reference's ``default_aug``: ``model`` wrapped in the objax front's
        ``GroupAugmentation`` under this dataset's reps and symmetry (objax loads here)."""
        from emlp_sym.nn.objax import GroupAugmentation

        return GroupAugmentation(model, self.rep_in, self.rep_out, self.symmetry)


def _batch(X, width: int, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != width:
        raise ShapeError(f"{name}.target expects inputs of shape (N, {width}), got {X.shape}")
    return X


# ---- the datasets ------------------------------------------------------------------------------
class Inertia(SyntheticDataset):
    """Moment of inertia of k point masses, an O(3)-equivariant map to a rank-2 tensor.

    Inputs: k masses ``m_i = softplus(z_i)``, ``z_i ~ N(0, 1)`` (positive, light-tailed, as in
    the reference paper), then k positions ``x_i ~ N(0, I_3)``;
    ``X = [m_1..m_k, x_1 (xyz), ..., x_k (xyz)]``, ``rep_in = k*Scalar + k*Vector``.
    Target: ``I = sum_i m_i (|x_i|^2 I_3 - x_i x_i^T)``, flattened row-major (9,),
    ``rep_out = T(2) = V**2``. Symmetry: ``O(3)``.

    >>> data = Inertia(N=8)
    >>> x, y = data[0]
    >>> x.shape, y.shape, data.symmetry
    ((20,), (9,), O(3))
    >>> print(data.rep_out)
    V⊗V
    """

    def __init__(self, N: int = 1024, seed: int | None = 0, k: int = 5):
        self.k = _check_int(k, "k")
        self.rep_in = self.k * Scalar + self.k * Vector
        self.rep_out = T(2)
        self.symmetry = O(3)
        self._layout_in = [("scalar", self.k)] + [("tensor", 3)] * self.k
        self._layout_out = [("tensor", 9)]
        self._build(N, seed)

    def _sample_inputs(self, rng, N):
        masses = np.logaddexp(0.0, rng.standard_normal((N, self.k)))  # softplus
        positions = rng.standard_normal((N, self.k, 3))
        return np.concatenate([masses, positions.reshape(N, 3 * self.k)], axis=1)

    def target(self, X) -> np.ndarray:
        k = self.k
        X = _batch(X, 4 * k, "Inertia")
        m, x = X[:, :k], X[:, k:].reshape(-1, k, 3)
        r2 = np.einsum("nki,nki,nk->n", x, x, m)
        I = r2[:, None, None] * np.eye(3) - np.einsum("nk,nki,nkj->nij", m, x, x)
        return I.reshape(-1, 9).astype(np.float32)


class O5Synthetic(SyntheticDataset):
    """An O(5)-invariant scalar function of two 5-vectors.

    Inputs ``x1, x2 ~ N(0, I_5)``, ``X = [x1, x2]`` (10,), ``rep_in = 2*Vector``.
    Target: ``y = sin|x1| - |x2|^3 / 2 + (x1.x2) / (|x1| |x2|)``, shape (1,),
    ``rep_out = Scalar``. Symmetry: ``O(5)``.

    >>> data = O5Synthetic(N=8)
    >>> data.X.shape, data.Y.shape, data.symmetry
    ((8, 10), (8, 1), O(5))
    """

    def __init__(self, N: int = 1024, seed: int | None = 0):
        self.rep_in = 2 * Vector
        self.rep_out = Scalar
        self.symmetry = O(5)
        self._layout_in = [("tensor", 5)] * 2
        self._layout_out = [("scalar", 1)]
        self._build(N, seed)

    def _sample_inputs(self, rng, N):
        return rng.standard_normal((N, 10))

    def target(self, X) -> np.ndarray:
        X = _batch(X, 10, "O5Synthetic")
        x1, x2 = X[:, :5], X[:, 5:]
        n1, n2 = np.linalg.norm(x1, axis=1), np.linalg.norm(x2, axis=1)
        y = np.sin(n1) - n2**3 / 2 + np.einsum("ni,ni->n", x1, x2) / (n1 * n2)
        return y[:, None].astype(np.float32)


ETA = np.diag([1.0, -1.0, -1.0, -1.0])


def minkowski_dot(a, b) -> np.ndarray:
    """``a^T eta b`` over the last axis, with ``eta = diag(1, -1, -1, -1)``."""
    return a[..., 0] * b[..., 0] - np.einsum("...i,...i->...", a[..., 1:], b[..., 1:])


class ParticleInteraction(SyntheticDataset):
    """A Lorentz-invariant "electron-muon scattering" style function of four four-momenta.

    Inputs ``p1, p2, p3, p4 ~ N(0, I_4) / 4``, ``X = [p1, p2, p3, p4]`` (16,),
    ``rep_in = 4*Vector``; Minkowski products ``a.b = a^T eta b``, ``eta = diag(1,-1,-1,-1)``.
    The target is 4 times (the reference's scale) the full contraction
    ``sum_{mu nu} L^e_{mu nu} L^mu_{mu nu}`` of the two
    lepton tensors ``L^e = p1 p3^T - c_e eta`` and ``L^mu = (eta p2)(eta p4)^T - c_mu eta``
    with ``c_e = p1.p3 - p1.p1`` and ``c_mu = p2.p4 - p2.p2``, which expands to the degree-4
    polynomial

        y = 4 [(p1.p2)(p3.p4) - c_mu (p1.p3) - c_e (p2.p4) + 4 c_e c_mu]

    (shape (1,), ``rep_out = Scalar``). Symmetry: ``SO13p()``, the proper orthochronous
    Lorentz group (the polynomial is invariant under all of O(1,3)).

    >>> data = ParticleInteraction(N=8)
    >>> data.X.shape, data.Y.shape, data.symmetry
    ((8, 16), (8, 1), SO13p)
    """

    def __init__(self, N: int = 1024, seed: int | None = 0):
        self.rep_in = 4 * Vector
        self.rep_out = Scalar
        self.symmetry = SO13p()
        self._layout_in = [("tensor", 4)] * 4
        self._layout_out = [("scalar", 1)]
        self._build(N, seed)

    def _sample_inputs(self, rng, N):
        return rng.standard_normal((N, 16)) / 4

    def target(self, X) -> np.ndarray:
        X = _batch(X, 16, "ParticleInteraction")
        p1, p2, p3, p4 = np.moveaxis(X.reshape(-1, 4, 4), 1, 0)
        dot = minkowski_dot
        c_e = dot(p1, p3) - dot(p1, p1)
        c_mu = dot(p2, p4) - dot(p2, p2)
        # 4× the contraction, as the reference scales it (its published MSEs are in these units)
        y = 4 * (dot(p1, p2) * dot(p3, p4) - c_mu * dot(p1, p3) - c_e * dot(p2, p4)
                 + 4 * c_e * c_mu)
        return y[:, None].astype(np.float32)
