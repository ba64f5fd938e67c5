"""The reference library's ``equivariance_error(W, repin, repout, G)``: how far a matrix (or
each column of a basis) is from commuting with the group, ``W ρ_in(g)`` vs ``ρ_out(g) W``.

The error is the reference's scale-adjusted relative error over 5 sampled elements:
``rms(W ρ_in(g) − ρ_out(g) W) / max(rms(W ρ_in(g)) + rms(ρ_out(g) W), rms(g − I), 1e-7)``,
computed in float64 (so an exact basis gives ~1e-16 where the reference's float32 gives
~1e-7). For checking a model or any function, see :mod:`emlp_sym.testing`.
"""

from __future__ import annotations

import jax
import numpy as np

from emlp_sym.errors import ShapeError

__all__ = ["equivariance_error"]


def _bind(rep, G):
    return rep(G) if getattr(rep, "G", None) is None else rep


def equivariance_error(W, repin, repout, G, *, num_samples: int = 5,
                       seed: int | None = None) -> float:
    """Relative equivariance error of ``W`` (``(dim out, dim in)``, flat, or a basis
    ``(dim out · dim in, r)``) as a map ``repin -> repout`` under ``G``.

    Unbound reps are bound to ``G``. ``seed=None`` draws the elements from NumPy's global
    generator, as the reference does.

    >>> import numpy as np
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> equivariance_error(np.eye(3), V, V, SO(3)) < 1e-6  # the identity commutes with rotations
    True
    >>> equivariance_error(np.diag([1.0, 2.0, 3.0]), V, V, SO(3), seed=0) > 0.1
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
