"""``mean_abs_rel_err``, the relative error the reference library keeps in ``emlp.groups`` (as
``rel_err``: its multilinear-maps notebook imports it from there)."""

from __future__ import annotations

import warnings

import jax.numpy as jnp

__all__ = ["mean_abs_rel_err", "rel_err"]


def mean_abs_rel_err(A, B):
    """``mean|A − B| / (mean|A| + mean|B| + 1e-6)``, the reference's ``emlp.groups.rel_err``
    (a JAX scalar). For equivariance checks prefer :mod:`emlp_sym.testing`.

    >>> import numpy as np
    >>> round(float(mean_abs_rel_err(np.ones(3), 2 * np.ones(3))), 3)  # 1 / (1 + 2)
    0.333
    """
    A, B = jnp.asarray(A), jnp.asarray(B)
    return jnp.mean(jnp.abs(A - B)) / (jnp.mean(jnp.abs(A)) + jnp.mean(jnp.abs(B)) + 1e-6)


def rel_err(A, B):
    """Deprecated name of :func:`mean_abs_rel_err` (the reference's ``emlp.groups.rel_err``);
    it warns. ``emlp_sym.testing.rms_rel_err`` is the other relative error, a root mean square.

    >>> import warnings
    >>> import numpy as np
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = float(rel_err(np.ones(3), 2 * np.ones(3)))
    >>> round(value, 3), caught[0].category.__name__
    (0.333, 'DeprecationWarning')
    """
    warnings.warn("emlp_sym.groups.rel_err is deprecated: use emlp_sym.groups.mean_abs_rel_err "
                  "(the same mean absolute relative error)", DeprecationWarning, stacklevel=2)
    return mean_abs_rel_err(A, B)
