"""Random keys for parameter initialization: every init takes an explicit key or seed.

The layer core draws its initial parameters with ``jax.random`` from a key the caller passes,
so a front decides where keys come from (``nnx.Rngs``, ``hk.next_rng_key()``, objax's global
generator, a ``torch.Generator``'s seed) and the same key gives the same parameters in every
front. An int is a seed (``jax.random.key(seed)``).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

# Draws are made in chunks of one fixed size, so eager initialization compiles the random
# generator once per process instead of once per parameter shape (seconds for a model).
CHUNK = 8192


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
    """``num`` independent keys from one key or seed.

    >>> k1, k2 = split_key(0, 2)
    >>> bool((normal(k1, (4,)) != normal(k2, (4,))).any())
    True
    """
    return list(jax.random.split(as_key(key), num))


@jax.jit
def _normal_chunk(key, i):
    return jax.random.normal(jax.random.fold_in(key, i), (CHUNK,), jnp.float32)


@jax.jit
def _uniform_chunk(key, i):
    return jax.random.uniform(jax.random.fold_in(key, i), (CHUNK,), jnp.float32)


def _draw(chunk, key, shape, scale):
    key, n = as_key(key), math.prod(shape)
    num_chunks = -(-n // CHUNK)
    if isinstance(key, jax.core.Tracer):  # under jit (e.g. a jitted init): stay traced,
        # all chunks in one vmapped draw (the same numbers; one op, not one per chunk, so a
        # jitted init compiles in a fraction of the time)
        flat = (jax.vmap(chunk, in_axes=(None, 0))(key, jnp.arange(num_chunks)).reshape(-1)
                if num_chunks else jnp.zeros(0, jnp.float32))
    else:  # eager: join on the host, where new shapes cost no compilation
        pieces = [chunk(key, i) for i in range(num_chunks)]
        flat = np.concatenate([np.asarray(p) for p in pieces]) if pieces \
            else np.zeros(0, np.float32)
    # scaled before leaving the host: an eager multiply would compile per shape too
    return jnp.asarray(np.float32(scale) * flat[:n].reshape(shape))


def normal(key, shape, scale=1.0) -> jax.Array:
    """Normal float32 draws of ``shape`` with standard deviation ``scale``; the same numbers
    eager or under ``jit``.

    >>> normal(0, (3,)).shape
    (3,)
    """
    return _draw(_normal_chunk, key, tuple(shape), scale)


def uniform(key, shape, scale=1.0) -> jax.Array:
    """Uniform [0, scale) float32 draws of ``shape``; the same numbers eager or under ``jit``.

    >>> import jax
    >>> x = uniform(0, (2, 3), scale=2.0)
    >>> x.shape, bool(((0 <= x) & (x < 2)).all())
    ((2, 3), True)
    >>> bool((jax.jit(lambda k: uniform(k, (2, 3), scale=2.0))(as_key(0)) == x).all())
    True
    """
    return _draw(_uniform_chunk, key, tuple(shape), scale)
