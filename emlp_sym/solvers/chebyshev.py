"""Chebyshev filters p_m(G) of a PSD operator, applied to (n, k) blocks chunk by chunk.

On an interval [a, b] with 0 < a < b, the degree-m polynomial

    p_m(λ) = T_m((b + a − 2λ)/(b − a)) / T_m((b + a)/(b − a))

is 1 at λ = 0 and at most 1/T_m((b+a)/(b−a)) in absolute value on [a, b], so p_m(G) X keeps
X's null-space part and damps the spectrum in [a, b]. It is computed by Zhou & Saad's scaled
three-term recurrence, which never overflows: with c = (b+a)/2, e = (b−a)/2, σ_1 = −e/c,
τ = 2/σ_1,

    Y_1 = (G X − c X) σ_1/e,
    Y_{i+1} = (G Y_i − c Y_i)(2σ_{i+1}/e) − σ_i σ_{i+1} Y_{i−1},   σ_{i+1} = 1/(τ − σ_i).

The recurrence is written once (:func:`_recurrence`) and run either by a Python loop on
NumPy arrays or by ``lax.fori_loop`` in one jitted XLA function (:class:`BlockFilter`). With
m = 1, c = 0, σ_1/e = 1 it is just G X, so the one compiled function also serves
Rayleigh–Ritz and Lanczos.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["BlockFilter", "chebyshev_degree", "chebyshev_params"]


def chebyshev_params(a: float, b: float) -> tuple[float, float, float, float, float]:
    """(c, s1, sigma, tau, e) of the degree-m Chebyshev filter on [a, b] scaled to p(0) = 1.

    Zhou & Saad's scaled three-term recurrence: null vectors pass unchanged, the spectrum in
    [a, b] is damped by 1/T_m((b+a)/(b−a)), and nothing overflows.

    >>> c, s1, sigma, tau, e = chebyshev_params(1.0, 3.0)
    >>> c, e  # the interval's centre and half-width
    (2.0, 1.0)
    """
    e = (b - a) / 2
    c = (b + a) / 2
    sigma = e / (0.0 - c)
    return c, sigma / e, sigma, 2.0 / sigma, e


def chebyshev_degree(a: float, b: float, amplification: float, max_degree: int) -> int:
    """Smallest degree whose Chebyshev filter on [a, b] damps by ``amplification`` vs 0.

    >>> chebyshev_degree(0.1, 10.0, amplification=1e6, max_degree=100)
    73
    >>> chebyshev_degree(0.1, 10.0, amplification=1e6, max_degree=20)  # capped
    20
    """
    x0 = (b + a) / (b - a)
    m = math.acosh(amplification) / math.acosh(x0)
    return int(min(max_degree, max(2, math.ceil(m))))


def _recurrence(gram, X, m, c, s1, sigma, tau, e, *, loop, where, x_prev):
    """Y_m of the scaled recurrence (module docstring), for NumPy or JAX.

    Step 0 is folded into the loop (``where`` selects its coefficients), so that in JAX G
    appears once in the traced graph, halving compile time. ``loop`` is ``lax.fori_loop``
    or :func:`_python_loop`; ``x_prev`` the initial Y_0 (zeros, or the scalar 0 in NumPy).
    """

    def body(i, carry):
        X_prev, Y, sigma = carry
        first = i == 0
        sigma_new = where(first, sigma, 1.0 / (tau - sigma))
        f1 = where(first, s1, 2.0 * sigma_new / e)
        f2 = where(first, 0.0, sigma * sigma_new)
        Y_new = (gram(Y) - c * Y) * f1 - f2 * X_prev
        return Y, Y_new, sigma_new

    _, Y, _ = loop(0, m, body, (x_prev, X, sigma))
    return Y


def _python_loop(lower, upper, body, carry):
    for i in range(lower, upper):
        carry = body(i, carry)
    return carry


def _select(first, a, b):
    return a if first else b


class BlockFilter:
    """Applies G, or a Chebyshev filter of G, to an (n, k) NumPy block.

    Args:
        gram_apply: X ↦ G X. With ``use_jit`` it must accept JAX arrays (a
            :class:`~emlp_sym.solvers.gram.GramOperator`): the filter is jitted once for
            (n, chunk) blocks and wider blocks are cut into zero-padded chunks, so growing the
            block never recompiles. Otherwise it is applied to the whole block in NumPy.
        n: the dimension; dtype: the block's dtype; use_jit: see above.

    >>> import numpy as np
    >>> G = np.diag([0.0, 1.0, 2.0])
    >>> f = BlockFilter(lambda X: G @ X, 3, np.float64, use_jit=False)
    >>> f.gram_block(np.ones((3, 1))).ravel()
    array([0., 1., 2.])
    >>> Y = f.filter_block(np.ones((3, 1)), 8, 0.5, 2.0).ravel()  # damps [0.5, 2]
    >>> bool(np.isclose(Y[0], 1.0) and abs(Y[1:]).max() < 1e-3)
    True
    """

    def __init__(self, gram_apply, n: int, dtype, use_jit: bool):
        self.gram = gram_apply
        self.n = n
        self.dtype = np.dtype(dtype)
        self.use_jit = use_jit
        # Chunks of at most ~2**21 entries (16 MiB in float64): cache-friendly, bounded memory.
        self.chunk = int(min(64, max(1, 2 ** int(math.log2(max(1, 2**21 // max(n, 1)))))))
        self._jitted = jax.jit(self._jax_recurrence) if use_jit else None

    def _jax_recurrence(self, X, m, c, s1, sigma, tau, e):
        return _recurrence(self.gram.apply, X, m, c, s1, sigma, tau, e,
                           loop=jax.lax.fori_loop, where=jnp.where, x_prev=jnp.zeros_like(X))

    def _numpy_gram(self, X):
        return np.asarray(self.gram(X))

    def _run(self, X: np.ndarray, m: int, c, s1, sigma, tau, e) -> np.ndarray:
        if not self.use_jit:
            return _recurrence(self._numpy_gram, X, m, c, s1, sigma, tau, e,
                               loop=_python_loop, where=_select, x_prev=0.0)
        k, w = X.shape[1], self.chunk
        # NumPy scalars, not jnp arrays: no eager dispatch (nor compilation) per call.
        scalars = [np.float64(v) for v in (c, s1, sigma, tau, e)]
        outs = []
        for lo in range(0, k, w):
            hi = min(k, lo + w)
            chunk = X[:, lo:hi]
            if hi - lo < w:
                chunk = np.pad(chunk, ((0, 0), (0, w - (hi - lo))))
            res = self._jitted(chunk, np.int32(m), *scalars)
            outs.append(np.asarray(res)[:, : hi - lo])
        return np.concatenate(outs, axis=1) if len(outs) > 1 else outs[0]

    def gram_block(self, X: np.ndarray) -> np.ndarray:
        """G X."""
        if not self.use_jit:
            return self._numpy_gram(X)
        return self._run(X, 1, 0.0, 1.0, 0.0, 0.0, 1.0)

    def filter_block(self, X: np.ndarray, m: int, a: float, b: float) -> np.ndarray:
        """p_m(G) X, the Chebyshev filter damping [a, b], with p_m(0) = 1."""
        return self._run(X, m, *chebyshev_params(a, b))
