"""``rel_err``, the relative error the reference library keeps in ``emlp.groups`` (its
multilinear-maps notebook imports it from there)."""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ["rel_err"]


def rel_err(A, B):
    """``mean|A − B| / (mean|A| + mean|B| + 1e-6)``, the reference's ``emlp.groups.rel_err``
    (a JAX scalar). For equivariance checks prefer :mod:`emlp_sym.testing`.

    >>> import numpy as np
    >>> round(float(rel_err(np.ones(3), 2 * np.ones(3))), 3)  # 1 / (1 + 2)
    0.333
    """
    A, B = jnp.asarray(A), jnp.asarray(B)
    return jnp.mean(jnp.abs(A - B)) / (jnp.mean(jnp.abs(A)) + jnp.mean(jnp.abs(B)) + 1e-6)
