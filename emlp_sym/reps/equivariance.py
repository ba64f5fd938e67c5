"""``matrix_equivariance_error(W, repin, repout, G)``, the reference library's
``emlp.reps.equivariance_error``: how far a matrix (or each column of a basis) is from
commuting with the group, ``W ρ_in(g)`` vs ``ρ_out(g) W``.

The error is the reference's scale-adjusted relative error over 5 sampled elements:
``rms(W ρ_in(g) − ρ_out(g) W) / max(rms(W ρ_in(g)) + rms(ρ_out(g) W), rms(g − I), 1e-7)``,
computed in float64 (so an exact basis gives ~1e-16 where the reference's float32 gives
~1e-7). For checking a model or any function, see :func:`emlp_sym.testing.equivariance_error`.
"""

from __future__ import annotations

import warnings

import jax
import numpy as np

from emlp_sym.errors import ShapeError

__all__ = ["matrix_equivariance_error", "equivariance_error"]


def _bind(rep, G):
    return rep(G) if getattr(rep, "G", None) is None else rep


def matrix_equivariance_error(W, repin, repout, G, *, num_samples: int = 5,
                              seed: int | None = None) -> float:
    """Relative equivariance error of ``W`` (``(dim out, dim in)``, flat, or a basis
    ``(dim out · dim in, r)``) as a map ``repin -> repout`` under ``G``.

    Unbound reps are bound to ``G``. ``seed=None`` draws the elements from NumPy's global
    generator, as the reference does.

    >>> import numpy as np
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> matrix_equivariance_error(np.eye(3), V, V, SO(3)) < 1e-6  # I commutes with rotations
    True
    >>> matrix_equivariance_error(np.diag([1.0, 2.0, 3.0]), V, V, SO(3), seed=0) > 0.1
    True
    """
    repin, repout = _bind(repin, G), _bind(repout, G)
    nin, nout = repin.size(), repout.size()
    W = np.asarray(W)
    if W.size % (nin * nout):
        raise ShapeError(
            f"W of shape {W.shape} is not a map {repin} -> {repout} ({nout} × {nin}) or a "
            "basis of such maps"
        )
    dtype = np.complex128 if np.iscomplexobj(W) else np.float64
    Ws = W.reshape(nout, nin, -1).transpose(2, 0, 1).astype(dtype)  # (r, out, in)
    gs = G.samples(num_samples, seed=seed)
    rho_in = np.asarray(jax.vmap(repin.rho_dense)(gs), dtype=np.complex128)
    rho_out = np.asarray(jax.vmap(repout.rho_dense)(gs), dtype=np.complex128)
    left = np.einsum("roi,gij->groj", Ws, rho_in)
    right = np.einsum("gop,rpi->groi", rho_out, Ws)

    def rms(a):
        return np.sqrt(np.mean(np.abs(a) ** 2))

    g = np.asarray(gs)
    scale = max(rms(left) + rms(right), rms(g - np.eye(g.shape[-1])), 1e-7)
    return float(rms(left - right) / scale)


def equivariance_error(W, repin, repout, G, *, num_samples: int = 5,
                       seed: int | None = None) -> float:
    """Deprecated name of :func:`matrix_equivariance_error` (the reference's
    ``emlp.reps.equivariance_error``); it warns. ``emlp_sym.testing.equivariance_error`` is
    the error of a function.

    >>> import warnings
    >>> import numpy as np
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     small = equivariance_error(np.eye(3), V, V, SO(3)) < 1e-6
    >>> small, caught[0].category.__name__
    (True, 'DeprecationWarning')
    """
    warnings.warn("emlp_sym.reps.equivariance_error is deprecated: use "
                  "emlp_sym.reps.matrix_equivariance_error (the same error of a matrix or "
                  "basis)", DeprecationWarning, stacklevel=2)
    return matrix_equivariance_error(W, repin, repout, G, num_samples=num_samples, seed=seed)
