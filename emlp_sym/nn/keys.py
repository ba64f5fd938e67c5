"""Random keys for parameter initialization: every init takes an explicit key or seed.

The layer core draws its initial parameters with ``jax.random`` from a key the caller passes,
so a front decides where keys come from (``nnx.Rngs``, ``hk.next_rng_key()``, objax's global
generator, a ``torch.Generator``'s seed) and the same key gives the same parameters in every
front. An int is a seed (``jax.random.key(seed)``).
"""

from __future__ import annotations

import jax
import numpy as np


def as_key(key) -> jax.Array:
    """A JAX PRNG key from a key (new-style or raw ``uint32[2]``) or an int seed.

    >>> import jax
    >>> bool((jax.random.key_data(as_key(0)) == jax.random.key_data(jax.random.key(0))).all())
    True
    """
    if isinstance(key, (bool, np.bool_)):
        raise TypeError(f"expected a JAX PRNG key or an int seed, got {key!r}")
    if isinstance(key, (int, np.integer)):
        return jax.random.key(int(key))
    if isinstance(key, np.random.Generator):
        return jax.random.key(int(key.integers(2**31)))
    if isinstance(key, jax.Array) or isinstance(key, np.ndarray):
        if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
            return key
        if key.shape == (2,) and key.dtype == np.uint32:
            return jax.random.wrap_key_data(key)
    raise TypeError(
        f"expected a JAX PRNG key (jax.random.key(0)) or an int seed, got {key!r}"
    )


def split_key(key, num: int) -> list:
    """``num`` independent keys from one key or seed."""
    return list(jax.random.split(as_key(key), num))
