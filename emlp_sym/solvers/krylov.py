"""Numeric null spaces of symmetry constraints, without forming n × n matrices.

A tensor representation acts on R^n, n = Π d_i, through per-axis d_i × d_i matrices:
a discrete generator as the Kronecker product ``h_1 ⊗ ... ⊗ h_k`` and a Lie algebra
generator as the Kronecker sum ``Σ_i I ⊗ .. ⊗ A_i ⊗ .. ⊗ I``. Both are applied here axis
by axis on an (n, k) block reshaped to (d_1, ..., d_m, k). The fixed space is the null space
of the Hermitian positive semi-definite operator

    G = Σ_a D_aᴴ D_a,   D_a = (Kronecker sum) or (Kronecker product − I),

found by :func:`nullspace_dense` for small n and by :func:`nullspace_krylov` (Chebyshev-
filtered subspace iteration with Rayleigh–Ritz and block growth) for large n.

All numerics are float64 / complex128. JAX work runs inside ``jax.enable_x64(True)``, a
context manager, so the caller's global ``jax_enable_x64`` setting is never changed.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg

from emlp_sym.errors import SolverError

__all__ = [
    "GramOperator",
    "gram_operator",
    "kron_apply",
    "kron_sum_apply",
    "nullspace_dense",
    "nullspace_krylov",
]

# A per-axis matrix with at most this many nonzeros per row on average is applied as a sum
# of scaled slices (XLA fuses these into one pass, several times faster than a dot with a
# tiny matrix); denser ones go through einsum.
_SPARSE_ROW_NNZ = 4


# ---------------------------------------------------------------------------------------------
# Kronecker sums and products, axis by axis


def _concrete(M) -> np.ndarray | None:
    """M as a NumPy array if its values are known now (not a JAX tracer), else None."""
    if isinstance(M, jax.core.Tracer):
        return None
    return np.asarray(M)


def _use_numpy(mats, X) -> bool:
    return isinstance(X, np.ndarray) and all(_concrete(M) is not None for M in mats)


def _apply_axis(M, Xr, xp):
    """M applied to axis 1 of Xr (shape (L, d, R)), as ``einsum('ab,lbr->lar')``."""
    Mc = _concrete(M)
    d = Xr.shape[1]
    if Mc is not None and np.count_nonzero(Mc) <= _SPARSE_ROW_NNZ * d:
        rows = []
        for a in range(d):
            acc = None
            for b in np.flatnonzero(Mc[a]):
                coef = Mc[a, b].item()
                term = Xr[:, b, :] if coef == 1 else Xr[:, b, :] * coef
                acc = term if acc is None else acc + term
            if acc is None:
                dt = xp.result_type(Xr.dtype, np.complex64) if np.iscomplexobj(Mc) else Xr.dtype
                acc = xp.zeros(Xr[:, 0, :].shape, dt)
            rows.append(acc)
        return xp.stack(rows, axis=1)
    M = Mc if Mc is not None and xp is np else xp.asarray(M)
    return xp.matmul(M, Xr)  # broadcasts over L: (d, d) @ (L, d, R)


def _dims(mats) -> tuple[int, ...]:
    dims = []
    for M in mats:
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise ValueError(f"per-axis matrices must be square, got shape {M.shape}")
        dims.append(int(M.shape[0]))
    return tuple(dims)


def _as_arrays(mats) -> list:
    return [M if hasattr(M, "ndim") else np.asarray(M) for M in mats]


def _as_block(mats, X):
    dims = _dims(mats)
    n = math.prod(dims)
    if X.shape[0] != n:
        raise ValueError(f"X has {X.shape[0]} rows, the Kronecker factors act on {n}")
    return dims, n, X.reshape(n, -1)


def kron_sum_apply(mats: Sequence, X):
    """Apply the Kronecker sum ``Σ_i I ⊗ .. ⊗ mats[i] ⊗ .. ⊗ I`` to X without forming it.

    Args:
        mats: square matrices d_i × d_i, one per tensor axis (first axis outermost, as in
            ``np.kron``); NumPy, JAX, or JAX tracers; real or complex.
        X: shape (n,) or (n, k) with n = Π d_i.

    Returns:
        An array of X's shape. NumPy in, NumPy out (computed in NumPy, so float64 stays
        float64 whatever JAX's x64 setting); otherwise a JAX array, and the function can be
        traced by ``jax.jit``. Zero matrices (axes the generator does not touch) are skipped.
    """
    mats = _as_arrays(mats)
    xp = np if _use_numpy(mats, X) else jnp
    dims, n, Xb = _as_block(mats, X)
    k = Xb.shape[1]
    out = None
    for i, M in enumerate(mats):
        Mc = _concrete(M)
        if Mc is not None and not np.any(Mc):
            continue
        Xr = Xb.reshape(math.prod(dims[:i]), dims[i], math.prod(dims[i + 1 :]) * k)
        term = _apply_axis(M, Xr, xp).reshape(n, k)
        out = term if out is None else out + term
    if out is None:
        out = xp.zeros_like(Xb)
    return out.reshape(X.shape)


def kron_apply(mats: Sequence, X):
    """Apply the Kronecker product ``mats[0] ⊗ mats[1] ⊗ ...`` to X without forming it.

    Same conventions as :func:`kron_sum_apply`; identity factors are skipped.
    """
    mats = _as_arrays(mats)
    xp = np if _use_numpy(mats, X) else jnp
    dims, n, Xb = _as_block(mats, X)
    k = Xb.shape[1]
    out = Xb
    for i, M in enumerate(mats):
        Mc = _concrete(M)
        if Mc is not None and np.array_equal(Mc, np.eye(dims[i])):
            continue
        Xr = out.reshape(math.prod(dims[:i]), dims[i], math.prod(dims[i + 1 :]) * k)
        out = _apply_axis(M, Xr, xp).reshape(n, k)
    return out.reshape(X.shape)


# ---------------------------------------------------------------------------------------------
# The Gram operator


def _adjoint(M: np.ndarray) -> np.ndarray:
    return M.conj().T if np.iscomplexobj(M) else M.T


def _as_matrix(M) -> np.ndarray:
    """M as a float64 array, or complex128 when it has complex entries (SymPy accepted)."""
    M = np.asarray(M)
    if M.dtype == object:
        try:
            return M.astype(np.float64)
        except TypeError:  # SymPy's I and friends
            return M.astype(np.complex128)
    return M.astype(np.complex128) if np.iscomplexobj(M) else M.astype(np.float64)


class GramOperator:
    """X ↦ Σ_a D_aᴴ D_a X for Kronecker-sum (Lie) and Kronecker-product-minus-I terms.

    The operator is Hermitian positive semi-definite and its null space is exactly the set
    of X fixed by every term. Calling it on a NumPy array computes in NumPy (float64 /
    complex128); calling it on a JAX array or tracer stays in JAX (so it can be jitted).

    Attributes:
        lie_terms, discrete_terms: tuples of per-axis NumPy matrices.
        dims: the axis sizes (None when there are no terms).
        n: Π dims (None when there are no terms).
        dtype: complex128 if any matrix is complex, else float64.
    """

    def __init__(self, lie_terms: Sequence[Sequence], discrete_terms: Sequence[Sequence]):
        self.lie_terms = tuple(tuple(_as_matrix(M) for M in t) for t in lie_terms)
        self.discrete_terms = tuple(tuple(_as_matrix(M) for M in t) for t in discrete_terms)
        dims = {_dims(t) for t in self.lie_terms + self.discrete_terms}
        if len(dims) > 1:
            raise ValueError(f"terms act on different tensor shapes: {sorted(dims)}")
        self.dims = dims.pop() if dims else None
        self.n = math.prod(self.dims) if self.dims is not None else None
        mats = [M for t in self.lie_terms + self.discrete_terms for M in t]
        self.dtype = np.dtype(
            np.complex128 if any(np.iscomplexobj(M) for M in mats) else np.float64
        )
        self._lie_adj = tuple(tuple(_adjoint(M) for M in t) for t in self.lie_terms)
        self._disc_adj = tuple(tuple(_adjoint(M) for M in t) for t in self.discrete_terms)
        self._jit_filter = None

    def apply(self, X):
        """G X for X of shape (n,) or (n, k), NumPy or JAX (no dtype conversion)."""
        out = None
        for mats, adj in zip(self.lie_terms, self._lie_adj, strict=True):
            term = kron_sum_apply(adj, kron_sum_apply(mats, X))
            out = term if out is None else out + term
        for mats, adj in zip(self.discrete_terms, self._disc_adj, strict=True):
            Y = kron_apply(mats, X) - X
            term = kron_apply(adj, Y) - Y
            out = term if out is None else out + term
        if out is None:
            out = X * 0
        return out

    def __call__(self, X):
        """G X; a NumPy input is promoted to float64 / complex128 first."""
        if isinstance(X, np.ndarray) or not isinstance(X, jax.Array | jax.core.Tracer):
            X = np.asarray(X)
            X = X.astype(np.result_type(X.dtype, self.dtype, np.float64), copy=False)
        return self.apply(X)

    def norm_bound(self) -> float:
        """A guaranteed upper bound on ‖G‖₂ (hence on its largest eigenvalue)."""
        total = 0.0
        for mats in self.lie_terms:
            total += sum(np.linalg.norm(M, 2) for M in mats) ** 2
        for mats in self.discrete_terms:
            total += (math.prod(np.linalg.norm(M, 2) for M in mats) + 1.0) ** 2
        return float(total)

    def jitted_filter(self):
        """The jitted Chebyshev filter for one (n, chunk) block; see :func:`_cheb_params`.

        ``f(X, m, c, s1, sigma, tau, e)`` returns ``Y_m`` of the recurrence
        ``Y_1 = (G X − c X) s1``, ``Y_{i+1} = (G Y_i − c Y_i)(2σ'/e) − σσ' Y_{i−1}`` with
        ``σ' = 1/(τ − σ)``. With m = 1, c = 0, s1 = 1 it is just G X, so one compiled
        function serves filtering, Rayleigh–Ritz and Lanczos. Call it under x64.
        """
        if self._jit_filter is None:

            def run(X, m, c, s1, sigma, tau, e):
                # Step 0 is folded into the loop so that G appears once in the traced graph
                # (halving compile time).
                def body(i, carry):
                    X_prev, Y, sigma = carry
                    first = i == 0
                    sigma_new = jnp.where(first, sigma, 1.0 / (tau - sigma))
                    f1 = jnp.where(first, s1, 2.0 * sigma_new / e)
                    f2 = jnp.where(first, 0.0, sigma * sigma_new)
                    Y_new = (self.apply(Y) - c * Y) * f1 - f2 * X_prev
                    return Y, Y_new, sigma_new

                _, Y, _ = jax.lax.fori_loop(0, m, body, (jnp.zeros_like(X), X, sigma))
                return Y

            self._jit_filter = jax.jit(run)
        return self._jit_filter


def gram_operator(
    lie_terms: Sequence[Sequence], discrete_terms: Sequence[Sequence]
) -> GramOperator:
    """The operator X ↦ Σ_a D_aᴴ D_a X whose null space is the fixed space.

    Args:
        lie_terms: for each Lie algebra generator, its per-axis matrices
            (D = Kronecker sum; a dual axis uses ``-A.T``, an untouched axis a zero matrix).
        discrete_terms: for each discrete generator, its per-axis matrices
            (D = Kronecker product − I; a dual axis uses ``inv(h).T``, an untouched axis I).
    """
    return GramOperator(lie_terms, discrete_terms)


# ---------------------------------------------------------------------------------------------
# BLAS threads

#: Run the solvers' LAPACK work (Krylov QR / eigh, the dense eigh) on one OpenBLAS thread,
#: restored afterwards. A multi-threaded OpenBLAS whose threads compete with XLA's or other
#: processes' for the cores was measured 10-25x slower than one thread (eigh of a 1500 × 1500
#: matrix: 15 s against 0.65 s on a loaded 2-core machine); set False to use all threads.
LIMIT_BLAS_THREADS = True


@functools.cache
def _openblas_thread_setters() -> tuple:
    """``openblas_set_num_threads_local`` of the OpenBLAS copies NumPy and SciPy loaded."""
    import ctypes
    import glob
    import os

    import scipy

    setters = []
    for pkg in (np, scipy):
        site = os.path.dirname(os.path.dirname(pkg.__file__))
        libdir = os.path.join(site, pkg.__name__ + ".libs")  # where wheels vendor OpenBLAS
        for path in sorted(glob.glob(os.path.join(libdir, "*openblas*"))):
            try:  # RTLD_NOLOAD: only a library that is already loaded
                lib = ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 0) | ctypes.RTLD_LOCAL)
                fn = lib.openblas_set_num_threads_local
            except (OSError, AttributeError):
                continue
            fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
            setters.append(fn)
    return tuple(setters)


_blas_lock = threading.Lock()
_blas_users = 0  # solves inside _single_threaded_blas, across threads
_blas_saved: list[int] = []


@contextlib.contextmanager
def _single_threaded_blas():
    """Limit NumPy's and SciPy's OpenBLAS to one thread inside the block, if possible.

    The first of overlapping users (threads) saves the thread counts, the last restores them.
    """
    global _blas_users, _blas_saved
    setters = _openblas_thread_setters() if LIMIT_BLAS_THREADS else ()
    with _blas_lock:
        if _blas_users == 0:
            _blas_saved = [fn(1) for fn in setters]
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                for fn, old in zip(setters, _blas_saved, strict=True):
                    fn(max(1, old))


# ---------------------------------------------------------------------------------------------
# Dense null space


def nullspace_dense(G, *, tol: float = 1e-9) -> np.ndarray:
    """Orthonormal basis of the null space of a Hermitian PSD matrix, by eigendecomposition.

    Eigenvalues up to ``tol * max(1, ‖G‖₂)`` count as zero. For small n only (O(n³)).
    Runs on one BLAS thread when ``LIMIT_BLAS_THREADS`` is set (see there).

    Returns:
        An n × r float64 (or complex128 for complex G) array with orthonormal columns.
    """
    G = np.asarray(G)
    if G.ndim != 2 or G.shape[0] != G.shape[1]:
        raise ValueError(f"G must be square, got shape {G.shape}")
    G = G.astype(np.complex128) if np.iscomplexobj(G) else G.astype(np.float64)
    if G.shape[0] == 0:
        return np.zeros((0, 0), G.dtype)
    G = (G + G.conj().T) / 2  # symmetrize away rounding
    with _single_threaded_blas():
        w, V = np.linalg.eigh(G)  # LAPACK syevd: fastest here on degenerate spectra
    scale = max(1.0, float(np.abs(w).max()))
    return np.ascontiguousarray(V[:, w <= tol * scale])


# ---------------------------------------------------------------------------------------------
# Krylov (Chebyshev-filtered subspace iteration)

#: A :class:`GramOperator` on at least this many coordinates is applied by jitted XLA code;
#: smaller ones in NumPy, which needs no compilation.
JIT_MIN_SIZE = 4096


def _cheb_params(a: float, b: float) -> tuple[float, float, float, float, float]:
    """(c, s1, sigma, tau, e) of the degree-m Chebyshev filter on [a, b] scaled to p(0) = 1.

    Zhou & Saad's scaled three-term recurrence: null vectors pass unchanged, the spectrum in
    [a, b] is damped by 1/T_m((b+a)/(b−a)), and nothing overflows.
    """
    e = (b - a) / 2
    c = (b + a) / 2
    sigma = e / (0.0 - c)
    return c, sigma / e, sigma, 2.0 / sigma, e


class _Blocked:
    """Applies G, or a Chebyshev filter of G, to an (n, k) NumPy block, chunk by chunk.

    With a :class:`GramOperator` the work is jitted once for (n, chunk) blocks and wider
    blocks are cut into zero-padded chunks, so growing the block never recompiles. Any
    other callable is applied to the whole block in NumPy.
    """

    def __init__(self, gram_apply, n: int, dtype, use_jit: bool):
        self.gram = gram_apply
        self.n = n
        self.dtype = np.dtype(dtype)
        self.use_jit = use_jit
        # Chunks of at most ~2**21 entries (16 MiB in float64): cache-friendly, bounded memory.
        self.chunk = int(min(64, max(1, 2 ** int(math.log2(max(1, 2**21 // max(n, 1)))))))

    def _run(self, X: np.ndarray, m: int, c, s1, sigma, tau, e) -> np.ndarray:
        k = X.shape[1]
        if not self.use_jit:
            Y = (np.asarray(self.gram(X)) - c * X) * s1
            for _ in range(1, m):
                sigma_new = 1.0 / (tau - sigma)
                G_Y = np.asarray(self.gram(Y))
                Y, X = (G_Y - c * Y) * (2.0 * sigma_new / e) - (sigma * sigma_new) * X, Y
                sigma = sigma_new
            return Y
        run = self.gram.jitted_filter()
        w = self.chunk
        # NumPy scalars, not jnp arrays: no eager dispatch (nor compilation) per call.
        scalars = [np.float64(v) for v in (c, s1, sigma, tau, e)]
        outs = []
        for lo in range(0, k, w):
            hi = min(k, lo + w)
            chunk = X[:, lo:hi]
            if hi - lo < w:
                chunk = np.pad(chunk, ((0, 0), (0, w - (hi - lo))))
            res = run(chunk, np.int32(m), *scalars)
            outs.append(np.asarray(res)[:, : hi - lo])
        return np.concatenate(outs, axis=1) if len(outs) > 1 else outs[0]

    def gram_block(self, X: np.ndarray) -> np.ndarray:
        """G X."""
        return self._run(X, 1, 0.0, 1.0, 0.0, 0.0, 1.0)

    def filter_block(self, X: np.ndarray, m: int, a: float, b: float) -> np.ndarray:
        """p_m(G) X, the Chebyshev filter damping [a, b], with p_m(0) = 1."""
        return self._run(X, m, *_cheb_params(a, b))


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


def _lanczos_spectrum(op: _Blocked, rng, steps: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Coarse spectrum of G from independent Lanczos runs, one per column of a block.

    Returns ``(upper, nodes, weights)``. ``upper`` is the largest Ritz value plus its
    residual |β_k s_k| over all runs (Zhou & Saad's practical bound on λ_max). ``nodes`` and
    ``weights`` are the pooled Gauss quadrature rules of the runs (weights sum to 1): with
    random starts, ``n * weights[nodes <= x].sum()`` estimates how many eigenvalues are ≤ x
    (stochastic Lanczos quadrature), which sizes the first block and filter.
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
    return upper, np.concatenate(nodes), np.concatenate(weights)


def _cheb_degree(a: float, b: float, amplification: float, max_degree: int) -> int:
    """Smallest degree whose Chebyshev filter on [a, b] damps by ``amplification`` vs 0."""
    x0 = (b + a) / (b - a)
    m = math.acosh(amplification) / math.acosh(x0)
    return int(min(max_degree, max(2, math.ceil(m))))


def nullspace_krylov(
    gram_apply: Callable,
    n: int,
    dtype=np.float64,
    *,
    upper_bound: float | None = None,
    tol: float = 1e-12,
    gap_tol: float = 1e-6,
    check_tol: float = 1e-9,
    block: int = 32,
    max_block: int | None = None,
    max_iters: int = 60,
    amplification: float = 1e6,
    max_degree: int = 120,
    lanczos_steps: int = 20,
    seed: int = 0,
) -> np.ndarray:
    """Orthonormal basis of the null space of a Hermitian PSD operator, matrix-free.

    Chebyshev-filtered subspace iteration (Zhou & Saad). A few Lanczos runs from random
    vectors estimate b ≥ λ_max(G) and, by stochastic Lanczos quadrature, how many eigenvalues
    are (near) zero and where the next ones lie; this sizes the first block and filter. Each
    pass multiplies the block by the polynomial of G that is 1 at 0 and at most 1/T_m on
    [a, b] (a: estimated λ_{k+1}, or the block's top Ritz value), orthonormalizes it, and
    Rayleigh–Ritz picks the best vectors. The null dimension r is not assumed: when every
    Ritz value of the block heads to 0 the block is too small and doubles (up to
    ``max_block``). It stops once the leading Ritz vectors satisfy ``‖G q‖ ≤ tol·b`` and the
    next Ritz value is at least ``gap_tol·b``, a clear gap; a Ritz value above b shows b was
    no bound (an estimate is then raised and the iteration restarts). The result is checked
    before it is returned.

    Args:
        gram_apply: X (n, k) ↦ G X. A :class:`GramOperator` with n ≥ ``JIT_MIN_SIZE`` runs
            jitted in JAX (float64 via ``jax.enable_x64``); anything else gets NumPy arrays.
        n: the dimension.
        dtype: float64 or complex128 (complex operators force complex128).
        upper_bound: an upper bound on λ_max(G); estimated by Lanczos when omitted.
        tol: relative residual for a vector to count as null.
        gap_tol: relative size of the smallest eigenvalue that counts as clearly nonzero.
        check_tol: final check, ``‖G Q‖_F ≤ check_tol·max(b, 1)`` and ``‖QᴴQ − I‖_F ≤ check_tol``.
        block: initial block size; max_block: largest allowed (default n).
        max_iters: filter passes before giving up; amplification: target damping of one
            pass; max_degree: cap on one pass's polynomial degree; lanczos_steps: for the
            upper-bound estimate.
        seed: seed of the random start (the result is deterministic for a given seed).

    Returns:
        An n × r NumPy array (float64 or complex128) with orthonormal columns.

    Raises:
        SolverError: no convergence, no clear spectral gap, a null space larger than
            ``max_block``, or a failed final residual / orthonormality check.
    """
    n = int(n)
    is_gram = isinstance(gram_apply, GramOperator)
    # Below JIT_MIN_SIZE, XLA's compile time (~0.5 s) outweighs its faster applies.
    use_jit = is_gram and n >= JIT_MIN_SIZE
    dtype = np.dtype(dtype)
    if is_gram:
        dtype = np.result_type(dtype, gram_apply.dtype)
    dtype = np.dtype(np.complex128 if np.issubdtype(dtype, np.complexfloating) else np.float64)
    if is_gram and gram_apply.n is not None and gram_apply.n != n:
        raise ValueError(f"the operator acts on R^{gram_apply.n}, not R^{n}")
    if n == 0:
        return np.zeros((0, 0), dtype)
    max_block = n if max_block is None else min(n, int(max_block))
    with jax.enable_x64(True), _single_threaded_blas():
        return _krylov(
            _Blocked(gram_apply, n, dtype, use_jit),
            upper_bound=upper_bound,
            norm_bound=gram_apply.norm_bound() if is_gram else None,
            tol=tol,
            gap_tol=gap_tol,
            check_tol=check_tol,
            block=block,
            max_block=max_block,
            max_iters=max_iters,
            amplification=amplification,
            max_degree=max_degree,
            lanczos_steps=lanczos_steps,
            seed=seed,
        )


def _krylov(
    op: _Blocked,
    *,
    upper_bound,
    norm_bound,
    tol,
    gap_tol,
    check_tol,
    block,
    max_block,
    max_iters,
    amplification,
    max_degree,
    lanczos_steps,
    seed,
) -> np.ndarray:
    n, dtype = op.n, op.dtype
    rng = np.random.default_rng(seed)
    upper, nodes, weights = _lanczos_spectrum(op, rng, lanczos_steps)
    if upper_bound is None:
        b = 1.02 * upper
        if norm_bound is not None:
            b = min(b, norm_bound)
    else:
        b = float(upper_bound)
    if not b > 0:  # G = 0: everything is fixed
        return np.eye(n, dtype=dtype)

    order = np.argsort(nodes)
    nodes, counts = nodes[order], n * np.cumsum(weights[order])

    def count_below(x: float) -> float:  # estimated number of eigenvalues ≤ x
        i = np.searchsorted(nodes, x, side="right")
        return float(counts[i - 1]) if i else 0.0

    def lanczos_gap(k: int) -> float:  # estimated λ_{k+1}: where the count passes k
        ok = np.flatnonzero((nodes > gap_tol * b) & (counts >= k + 1))
        return float(nodes[ok[0]]) if ok.size else b

    # Room for the estimated null space plus guards; a too small block grows below.
    r_est = count_below(gap_tol * b)
    k = min(n, max_block, max(int(block), math.ceil(1.1 * r_est) + 8))
    X = _orth(_random_block(rng, n, k, dtype))
    passes = 0  # filter passes since the block last grew
    restarts = 0
    for _ in range(max_iters + 1):
        # Rayleigh–Ritz on span(X).
        GX = op.gram_block(X)
        H = X.conj().T @ GX
        theta, W = scipy.linalg.eigh((H + H.conj().T) / 2)
        X, GX = X @ W, GX @ W
        res = np.linalg.norm(GX, axis=0)
        is_null = res <= tol * b
        n_null = int(np.argmin(is_null)) if not is_null.all() else k
        if theta[-1] > b * (1 + 1e-6):
            # b is not an upper bound: the filter blew up the spectrum above it, and what
            # follows would be meaningless. A user's bound is an error; an estimate is raised
            # (to the guaranteed bound when there is one) and the iteration restarts.
            if upper_bound is not None or restarts >= 3:
                raise SolverError(
                    f"the upper bound {b:.6g} is below a Ritz value {theta[-1]:.6g} of G"
                )
            top = float(theta[-1])
            b = norm_bound if norm_bound is not None and norm_bound >= top else 2.0 * top
            restarts += 1
            X, passes = _orth(_random_block(rng, n, k, dtype)), 0
            continue
        if k == n:  # the block is the whole space: Rayleigh–Ritz was a full eigensolve
            return _final_check(op, X[:, res <= max(tol, 1e-13) * b], b, check_tol)
        small = theta <= gap_tol * b
        if n_null == k or small.all():
            # Every Ritz value heads to 0: there may be more null vectors than the block holds.
            if k >= max_block:
                raise SolverError(
                    f"the null space has at least {k} dimensions, more than max_block="
                    f"{max_block}; raise max_block"
                )
            k_new = min(max_block, 2 * k)
            X = np.concatenate([X, _orth(_random_block(rng, n, k_new - k, dtype), X)], axis=1)
            k, passes = k_new, 0
            continue
        if passes >= 1 and theta[n_null] >= gap_tol * b:
            return _final_check(op, X[:, :n_null], b, check_tol)
        # A converged eigenvector (tiny Ritz residual) whose eigenvalue is neither 0 nor
        # clearly positive will never settle either way: say so now rather than iterate.
        ritz_res = np.linalg.norm(GX - X * theta, axis=0)
        stuck = (theta > 100 * tol * b) & (theta < gap_tol * b) & (ritz_res <= 1e-3 * theta)
        if passes >= 2 and stuck.any():
            raise SolverError(
                f"G has an eigenvalue {theta[np.argmax(stuck)]:.3g}, neither zero (tol "
                f"{tol:g}·b) nor clearly positive (gap_tol {gap_tol:g}·b, b = {b:.3g}): "
                "the constraint is too ill-conditioned for a reliable null space"
            )

        # Damp [a, b]: a ≤ λ_{k+1} is ideal; the block's top Ritz value bounds λ_k from above.
        a = min(float(theta[-1]), lanczos_gap(k), 0.9 * b)
        a = max(a, 10 * gap_tol * b)
        if small.any():  # damp just enough to bring the null candidates below tol
            target = float(res[small].max()) / (0.05 * tol * b)
            m = _cheb_degree(a, b, min(max(target, 10.0), 1e14), max_degree)
        elif passes == 0 and r_est >= 1:
            # Lanczos saw the null space, so a and the block are trustworthy: aim to converge
            # in this one pass. A random block holds the null space with weight ~sqrt(k/n).
            target = float(res.max()) * math.sqrt(n / k) / (0.05 * tol * b)
            m = _cheb_degree(a, b, min(max(target, 10.0), 1e16), max_degree)
        else:
            m = _cheb_degree(a, b, amplification, max_degree)
        Y = op.filter_block(X, m, a, b)
        if not np.isfinite(Y).all():
            raise SolverError(
                f"the Chebyshev filter overflowed: the upper bound {b:.3g} is below ‖G‖"
            )
        X = _orth(Y)
        passes += 1
    raise SolverError(
        f"no convergence after {max_iters} filter passes (block {k}, upper bound {b:.3g}): "
        f"{n_null} vectors with ‖Gq‖ ≤ {tol:g}·b, next Ritz value {theta[n_null]:.3g}; the "
        "spectrum may have no clear gap above 0"
    )


def _final_check(op: _Blocked, Q: np.ndarray, b: float, check_tol: float) -> np.ndarray:
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
