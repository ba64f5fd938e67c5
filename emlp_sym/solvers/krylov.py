"""Null space of a Hermitian PSD operator by Chebyshev-filtered subspace iteration.

For the Gram operator G = Σ_a D_aᴴ D_a of a set of symmetry constraints (:mod:`.gram`), the
fixed space is null(G). :func:`nullspace_krylov` finds an orthonormal basis of it without
forming G (Zhou & Saad's Chebyshev-filtered subspace iteration):

1. a few Lanczos runs from random vectors estimate b ≥ λ_max(G) and, by stochastic Lanczos
   quadrature, how many eigenvalues are (near) zero and where the next ones lie; this sizes
   the first block and filter (:func:`_estimate_spectrum`);
2. each pass does Rayleigh–Ritz on the block (:func:`_rayleigh_ritz`) and stops once the
   leading Ritz vectors satisfy ``‖G q‖ ≤ tol·b`` with a clear gap ``θ ≥ gap_tol·b`` after
   them; otherwise it multiplies the block by the Chebyshev polynomial p_m(G) that is 1 at 0
   and small on [a, b] (:mod:`.chebyshev`, degree from :func:`_filter_degree`);
3. the null dimension r is not assumed: when every Ritz value heads to 0 the block doubles
   (:func:`_grow_block`); a Ritz value above b shows b was no bound, and an estimated b is
   raised and the iteration restarts (:func:`_raised_bound`);
4. the result is checked, ‖G Q‖_F and ‖QᴴQ − I‖_F, before it is returned (:func:`_final_check`).

:func:`krylov_basis` is the Krylov route: the Gram operator of a monomial's constraints, with
the block's memory guarded. The settings are one :class:`KrylovOptions` record. Blocks are
n × k NumPy arrays, float64 or complex128; a :class:`~emlp_sym.solvers.gram.GramOperator` on
at least ``JIT_MIN_SIZE`` coordinates is applied by jitted XLA code inside
``jax.enable_x64(True)``, a context manager, so the caller's global ``jax_enable_x64`` setting
is never changed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import jax
import numpy as np
import scipy.linalg

from emlp_sym.errors import ResourceError, ShapeError, SolverError
from emlp_sym.solvers.blas_threads import single_threaded_blas
from emlp_sym.solvers.chebyshev import BlockFilter, chebyshev_degree
from emlp_sym.solvers.gram import GramOperator, gram_operator
from emlp_sym.solvers.memory import check_allocation, format_bytes, memory_limit

__all__ = ["JIT_MIN_SIZE", "KRYLOV_COPIES", "BlockLimitReached", "KrylovOptions",
           "krylov_basis", "nullspace_krylov"]

#: n × block arrays alive in a Krylov solve (block, G·block, filter terms)
KRYLOV_COPIES = 8

#: A :class:`GramOperator` on at least this many coordinates is applied by jitted XLA code;
#: smaller ones in NumPy, which needs no compilation (XLA's ~0.5 s compile outweighs it).
JIT_MIN_SIZE = 4096


class BlockLimitReached(SolverError):
    """The null space has at least ``dimension`` dimensions, and the block may not grow past
    ``max_block`` to hold them all. A caller that capped ``max_block`` (for memory, say)
    tells this apart from other failures by its type, not by its message.

    >>> from emlp_sym.errors import SolverError
    >>> error = BlockLimitReached(40, max_block=32)
    >>> isinstance(error, SolverError), error.dimension, error.max_block
    (True, 40, 32)
    """

    def __init__(self, dimension: int, max_block: int):
        self.dimension, self.max_block = int(dimension), int(max_block)
        super().__init__(f"the null space has at least {dimension} dimensions, more than "
                         f"max_block={max_block}; raise max_block")


@dataclasses.dataclass(frozen=True)
class KrylovOptions:
    """Settings of :func:`nullspace_krylov`.

    Attributes:
        upper_bound: an upper bound on λ_max(G); estimated by Lanczos when None.
        tol: relative residual ``‖G q‖ ≤ tol·b`` for a vector to count as null.
        gap_tol: relative size ``θ ≥ gap_tol·b`` of the smallest clearly nonzero eigenvalue.
        check_tol: final check, ``‖G Q‖_F ≤ check_tol·max(b, 1)`` and ``‖QᴴQ − I‖_F ≤ check_tol``.
        block: initial block size; max_block: largest allowed (None: n).
        max_iters: filter passes before giving up.
        amplification: target damping of one pass; max_degree: cap on its polynomial degree.
        lanczos_steps: Lanczos steps of the spectrum estimate.
        seed: seed of the random start (the result is deterministic for a given seed).

    >>> KrylovOptions(block=8).block
    8
    """

    upper_bound: float | None = None
    tol: float = 1e-12
    gap_tol: float = 1e-6
    check_tol: float = 1e-9
    block: int = 32
    max_block: int | None = None
    max_iters: int = 60
    amplification: float = 1e6
    max_degree: int = 120
    lanczos_steps: int = 20
    seed: int = 0


def nullspace_krylov(
    gram_apply: Callable,
    n: int,
    dtype=np.float64,
    options: KrylovOptions | None = None,
    **settings,
) -> np.ndarray:
    """Orthonormal basis of the null space of a Hermitian PSD operator, matrix-free.

    See the module docstring for the method.

    Args:
        gram_apply: X (n, k) ↦ G X. A :class:`GramOperator` with n ≥ ``JIT_MIN_SIZE`` runs
            jitted in JAX (float64 via ``jax.enable_x64``); anything else gets NumPy arrays.
        n: the dimension.
        dtype: float64 or complex128 (complex operators force complex128).
        options: a :class:`KrylovOptions` (default: its defaults).
        **settings: fields of :class:`KrylovOptions` to override, e.g. ``block=4``.

    Returns:
        An n × r NumPy array (float64 or complex128) with orthonormal columns.

    Raises:
        BlockLimitReached: a null space larger than ``max_block`` (a SolverError).
        SolverError: no convergence, no clear spectral gap, or a failed final residual /
            orthonormality check.

    >>> import numpy as np
    >>> G = np.diag([0.0, 1.0, 2.0])
    >>> Q = nullspace_krylov(lambda X: G @ X, 3)
    >>> Q.shape, np.abs(Q[:, 0]).round(6).tolist()
    ((3, 1), [1.0, 0.0, 0.0])
    """
    opts = dataclasses.replace(options or KrylovOptions(), **settings)
    n = int(n)
    is_gram = isinstance(gram_apply, GramOperator)
    dtype = np.dtype(dtype)
    if is_gram:
        dtype = np.result_type(dtype, gram_apply.dtype)
    dtype = np.dtype(np.complex128 if np.issubdtype(dtype, np.complexfloating) else np.float64)
    if is_gram and gram_apply.n is not None and gram_apply.n != n:
        raise ShapeError(f"the operator acts on R^{gram_apply.n}, not R^{n}")
    if n == 0:
        return np.zeros((0, 0), dtype)
    op = BlockFilter(gram_apply, n, dtype, use_jit=is_gram and n >= JIT_MIN_SIZE)
    norm_bound = gram_apply.norm_bound() if is_gram else None
    with jax.enable_x64(True), single_threaded_blas():
        return _Iteration(op, opts, norm_bound).run()


def krylov_basis(constraints, n: int, name: str, group) -> np.ndarray:
    """The Krylov route: an orthonormal basis (n × r) of the fixed space of a monomial (``name``)
    of ``group`` under its :class:`~emlp_sym.solvers.constraints.Constraints`, through
    :func:`nullspace_krylov` on their Gram operator.

    The block needs ~1.1 r + 8 columns and r is not known yet: a guess of max(block, √n)
    columns is guarded up front, and the block's growth is capped by the memory limit (a
    :class:`~emlp_sym.errors.ResourceError` where it would outgrow it).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.solvers.constraints import monomial_constraints
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> krylov_basis(monomial_constraints(mono, SO(3)), 9, "V²", SO(3)).shape
    (9, 1)
    """
    dtype = constraints.dtype
    per_column = KRYLOV_COPIES * n * np.dtype(dtype).itemsize
    k_guess = max(KrylovOptions.block, math.isqrt(n))
    advice = "use a smaller rep, or a higher EMLP_SYM_MEMORY_LIMIT (bytes, or like '8G')"
    check_allocation(per_column * k_guess, f"the Krylov block ({n} × {k_guess} or more)",
                     name, advice, size=n)
    max_block = min(n, max(KrylovOptions.block, memory_limit() // per_column))
    gram = gram_operator(constraints.lie, constraints.discrete)
    try:
        return np.asarray(nullspace_krylov(gram, n, dtype, max_block=max_block))
    except SolverError as e:
        if isinstance(e, BlockLimitReached) and max_block < n:  # outgrew the memory's block
            raise ResourceError(
                f"the Krylov block for {name} (size {n}) needs more than {max_block} columns, "
                f"about {format_bytes(2 * max_block * per_column)}, over the memory limit of "
                f"{format_bytes(memory_limit())}; {advice}") from e
        raise SolverError(f"no converged basis for {name} of {group}: {e}") from e


# ---------------------------------------------------------------------------------------------
# Blocks


def _random_block(rng: np.random.Generator, n: int, k: int, dtype) -> np.ndarray:
    X = rng.standard_normal((n, k))
    if np.issubdtype(dtype, np.complexfloating):
        X = X + 1j * rng.standard_normal((n, k))
    return X.astype(dtype)


def _orth(X: np.ndarray, against: np.ndarray | None = None) -> np.ndarray:
    """Orthonormal columns spanning X (after removing its part in span(against))."""
    if against is not None and against.shape[1]:
        for _ in range(2):  # twice is enough (Kahan–Parlett)
            X = X - against @ (against.conj().T @ X)
    Q, _ = np.linalg.qr(X)
    return Q


# ---------------------------------------------------------------------------------------------
# The spectrum estimate


@dataclasses.dataclass(frozen=True)
class _Spectrum:
    """Stochastic Lanczos quadrature: ``counts[i]`` estimates #{eigenvalues ≤ nodes[i]}."""

    upper: float  # largest Ritz value plus its residual: a practical bound on λ_max
    nodes: np.ndarray  # sorted
    counts: np.ndarray

    def count_below(self, x: float) -> float:
        """Estimated number of eigenvalues ≤ x."""
        i = np.searchsorted(self.nodes, x, side="right")
        return float(self.counts[i - 1]) if i else 0.0

    def eigenvalue_after(self, k: int, floor: float, default: float) -> float:
        """Estimated λ_{k+1}: the first node above ``floor`` where the count passes k."""
        ok = np.flatnonzero((self.nodes > floor) & (self.counts >= k + 1))
        return float(self.nodes[ok[0]]) if ok.size else default


def _lanczos_spectrum(op: BlockFilter, rng, steps: int) -> _Spectrum:
    """Coarse spectrum of G from independent Lanczos runs, one per column of a block.

    ``upper`` is the largest Ritz value plus its residual |β_k s_k| over all runs (Zhou &
    Saad's practical bound on λ_max). The pooled Gauss quadrature rules of the runs (weights
    summing to 1) give, with random starts, ``n * weights[nodes <= x].sum()`` as an estimate
    of how many eigenvalues are ≤ x, which sizes the first block and filter.
    """
    n, dtype = op.n, op.dtype
    k = op.chunk if op.use_jit else min(32, n)
    steps = max(1, min(steps, n))
    V = _random_block(rng, n, k, dtype)
    V /= np.linalg.norm(V, axis=0)
    V_prev = np.zeros_like(V)
    beta = np.zeros(k)
    alphas, betas = np.zeros((steps, k)), np.zeros((steps, k))
    length = np.zeros(k, int)  # steps each run took (a run stops when its space is invariant)
    alive = np.ones(k, bool)
    for i in range(steps):
        W = op.gram_block(V) - beta * V_prev
        alpha = np.real(np.sum(V.conj() * W, axis=0))
        W = W - alpha * V
        beta_new = np.linalg.norm(W, axis=0)
        alphas[i], betas[i] = np.where(alive, alpha, 0.0), np.where(alive, beta_new, 0.0)
        length += alive
        scale = max(1.0, float(np.abs(alpha).max()))
        alive &= beta_new > 1e-10 * scale
        V_prev, V = V, np.where(alive, W / np.where(beta_new > 0, beta_new, 1.0), 0.0)
        beta = np.where(alive, beta_new, 0.0)
        if not alive.any():
            break
    upper = 0.0
    nodes, weights = [], []
    for j in range(k):
        m = int(length[j])
        w, S = scipy.linalg.eigh_tridiagonal(alphas[:m, j], betas[: m - 1, j])
        upper = max(upper, float(w[-1] + abs(betas[m - 1, j] * S[-1, -1])))
        nodes.append(w)
        weights.append(np.abs(S[0]) ** 2 / k)
    nodes, weights = np.concatenate(nodes), np.concatenate(weights)
    order = np.argsort(nodes)
    return _Spectrum(upper, nodes[order], n * np.cumsum(weights[order]))


# ---------------------------------------------------------------------------------------------
# Rayleigh–Ritz


@dataclasses.dataclass(frozen=True)
class _Ritz:
    """Ritz pairs of G on span(X): G X ≈ X diag(theta), theta ascending, res = ‖G x_i‖."""

    X: np.ndarray
    GX: np.ndarray
    theta: np.ndarray
    res: np.ndarray

    def n_null(self, threshold: float) -> int:
        """How many leading Ritz vectors have ‖G x‖ ≤ threshold (all: the block size)."""
        is_null = self.res <= threshold
        return int(np.argmin(is_null)) if not is_null.all() else len(is_null)


def _rayleigh_ritz(op: BlockFilter, X: np.ndarray) -> _Ritz:
    GX = op.gram_block(X)
    H = X.conj().T @ GX
    theta, W = scipy.linalg.eigh((H + H.conj().T) / 2)
    X, GX = X @ W, GX @ W
    return _Ritz(X, GX, theta, np.linalg.norm(GX, axis=0))


# ---------------------------------------------------------------------------------------------
# The iteration


class _Iteration:
    """The state of one solve: the block X (n × k), the bound b, and pass counters."""

    def __init__(self, op: BlockFilter, opts: KrylovOptions, norm_bound: float | None):
        self.op, self.opts, self.norm_bound = op, opts, norm_bound
        self.max_block = op.n if opts.max_block is None else min(op.n, int(opts.max_block))
        self.rng = np.random.default_rng(opts.seed)
        self.passes = 0  # filter passes since the block last grew
        self.restarts = 0

    def run(self) -> np.ndarray:
        op, opts = self.op, self.opts
        self.spectrum = _lanczos_spectrum(op, self.rng, opts.lanczos_steps)
        self.b = self._initial_bound()
        if not self.b > 0:  # G = 0: everything is fixed
            return np.eye(op.n, dtype=op.dtype)
        # Room for the estimated null space plus guards; a too small block grows below.
        self.r_est = self.spectrum.count_below(opts.gap_tol * self.b)
        self.k = min(op.n, self.max_block, max(int(opts.block), math.ceil(1.1 * self.r_est) + 8))
        self.X = self._random_orth(self.k)
        for _ in range(opts.max_iters + 1):
            ritz = _rayleigh_ritz(op, self.X)
            Q = self._step(ritz)
            if Q is not None:
                return _final_check(op, Q, self.b, opts.check_tol)
        n_null = self.n_null
        raise SolverError(
            f"no convergence after {opts.max_iters} filter passes (block {self.k}, upper bound "
            f"{self.b:.3g}): {n_null} vectors with ‖Gq‖ ≤ {opts.tol:g}·b, next Ritz value "
            f"{ritz.theta[n_null]:.3g}; the spectrum may have no clear gap above 0"
        )

    def _initial_bound(self) -> float:
        if self.opts.upper_bound is not None:
            return float(self.opts.upper_bound)
        b = 1.02 * self.spectrum.upper
        return min(b, self.norm_bound) if self.norm_bound is not None else b

    def _random_orth(self, k: int, against: np.ndarray | None = None) -> np.ndarray:
        return _orth(_random_block(self.rng, self.op.n, k, self.op.dtype), against)

    def _step(self, ritz: _Ritz) -> np.ndarray | None:
        """One pass on the Ritz pairs: the null basis once converged, else None (X updated)."""
        b, opts = self.b, self.opts
        theta = ritz.theta
        n_null = self.n_null = ritz.n_null(opts.tol * b)
        if theta[-1] > b * (1 + 1e-6):
            self.b = self._raised_bound(float(theta[-1]))
            self.restarts += 1
            self.X, self.passes = self._random_orth(self.k), 0
            return None
        if self.k == self.op.n:  # the block is the whole space: Rayleigh–Ritz was a full eigh
            return ritz.X[:, ritz.res <= max(opts.tol, 1e-13) * b]
        small = theta <= opts.gap_tol * b
        if n_null == self.k or small.all():
            self._grow_block(ritz.X)
            return None
        if self.passes >= 1 and theta[n_null] >= opts.gap_tol * b:
            return ritz.X[:, :n_null]
        if self.passes >= 2:
            _raise_if_stuck(ritz, b, opts)
        a, m = self._filter_degree(ritz, small)
        Y = self.op.filter_block(ritz.X, m, a, b)
        if not np.isfinite(Y).all():
            raise SolverError(
                f"the Chebyshev filter overflowed: the upper bound {b:.3g} is below ‖G‖"
            )
        self.X = _orth(Y)
        self.passes += 1
        return None

    def _raised_bound(self, top: float) -> float:
        """b is not an upper bound: the filter blew up the spectrum above it, and what follows
        would be meaningless. A user's bound is an error; an estimate is raised (to the
        guaranteed bound when there is one) and the iteration restarts."""
        if self.opts.upper_bound is not None or self.restarts >= 3:
            raise SolverError(f"the upper bound {self.b:.6g} is below a Ritz value {top:.6g} of G")
        nb = self.norm_bound
        return nb if nb is not None and nb >= top else 2.0 * top

    def _grow_block(self, X: np.ndarray) -> None:
        """Every Ritz value heads to 0: there may be more null vectors than the block holds."""
        k = self.k
        if k >= self.max_block:
            raise BlockLimitReached(k, self.max_block)
        k_new = min(self.max_block, 2 * k)
        self.X = np.concatenate([X, self._random_orth(k_new - k, X)], axis=1)
        self.k, self.passes = k_new, 0

    def _filter_degree(self, ritz: _Ritz, small: np.ndarray) -> tuple[float, int]:
        """The interval [a, b] to damp and the filter degree m of the next pass."""
        b, opts, k = self.b, self.opts, self.k
        # a ≤ λ_{k+1} is ideal; the block's top Ritz value bounds λ_k from above.
        lanczos_gap = self.spectrum.eigenvalue_after(k, opts.gap_tol * b, b)
        a = min(float(ritz.theta[-1]), lanczos_gap, 0.9 * b)
        a = max(a, 10 * opts.gap_tol * b)
        if small.any():  # damp just enough to bring the null candidates below tol
            target = float(ritz.res[small].max()) / (0.05 * opts.tol * b)
            return a, chebyshev_degree(a, b, min(max(target, 10.0), 1e14), opts.max_degree)
        if self.passes == 0 and self.r_est >= 1:
            # Lanczos saw the null space, so a and the block are trustworthy: aim to converge
            # in this one pass. A random block holds the null space with weight ~sqrt(k/n).
            target = float(ritz.res.max()) * math.sqrt(self.op.n / k) / (0.05 * opts.tol * b)
            return a, chebyshev_degree(a, b, min(max(target, 10.0), 1e16), opts.max_degree)
        return a, chebyshev_degree(a, b, opts.amplification, opts.max_degree)


def _raise_if_stuck(ritz: _Ritz, b: float, opts: KrylovOptions) -> None:
    """A converged eigenvector (tiny Ritz residual) whose eigenvalue is neither 0 nor clearly
    positive will never settle either way: say so now rather than iterate."""
    theta = ritz.theta
    ritz_res = np.linalg.norm(ritz.GX - ritz.X * theta, axis=0)
    stuck = (theta > 100 * opts.tol * b) & (theta < opts.gap_tol * b) & (ritz_res <= 1e-3 * theta)
    if stuck.any():
        raise SolverError(
            f"G has an eigenvalue {theta[np.argmax(stuck)]:.3g}, neither zero (tol "
            f"{opts.tol:g}·b) nor clearly positive (gap_tol {opts.gap_tol:g}·b, b = {b:.3g}): "
            "the constraint is too ill-conditioned for a reliable null space"
        )


def _final_check(op: BlockFilter, Q: np.ndarray, b: float, check_tol: float) -> np.ndarray:
    """Re-orthonormalize Q, then verify ‖G Q‖_F and ‖QᴴQ − I‖_F or raise SolverError."""
    if Q.shape[1] == 0:
        return np.zeros((op.n, 0), op.dtype)
    Q = _orth(Q)
    # Frobenius norms: cheap, and they bound the spectral norms from above.
    residual = float(np.linalg.norm(op.gram_block(Q)))
    ortho = float(np.linalg.norm(Q.conj().T @ Q - np.eye(Q.shape[1])))
    if not (residual <= check_tol * max(b, 1.0) and ortho <= check_tol):
        raise SolverError(
            f"Krylov null-space check failed: ‖G Q‖_F = {residual:.3g} (allowed "
            f"{check_tol * max(b, 1.0):.3g}), ‖QᴴQ − I‖_F = {ortho:.3g}"
        )
    return np.ascontiguousarray(Q.astype(op.dtype, copy=False))
