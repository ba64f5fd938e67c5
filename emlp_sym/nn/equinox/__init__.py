"""The Equinox front: ``eqx.Module`` pytrees over the layer core.

A layer is an immutable dataclass whose array fields are its coefficients (named as in the
core's parameter tree, :mod:`emlp_sym.nn.core.architecture`) and whose plan from the core is a
static field; the math is in :mod:`emlp_sym.nn.core.linear`, :mod:`~.bilinear` and :mod:`~.gates`.
Randomness is an explicit keyword-only ``key`` (a JAX key or an int seed), and
``EMLP(..., key=k)`` holds exactly the core's ``init_emlp(plan, k)``. Every module is called
as ``module(x, *, key=None)`` (``key`` is unused: nothing here is random at call time).

Inputs: one example ``(n_in,)``, the Equinox convention (batch with ``jax.vmap``), or any
leading batch axes ``(..., n_in)``, which the core handles directly (a little faster than
``vmap`` on CPU); both give the same numbers.

Static fields are compared and hashed by identity, never by value: the core's plans are
``eq=False`` dataclasses (identity hash, not pytrees, so their NumPy bases are invisible to
JAX and Equinox's static-array check), and the MLP keeps its reps inside :class:`Static`.
A rep's hash costs tens of microseconds and ``eqx.filter_jit`` hashes every static field on
every call, so no rep is held bare.

>>> import jax.numpy as jnp
>>> import jax
>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V, Scalar
>>> model = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1, key=jax.random.key(0))
>>> model(jnp.ones(4)).shape, jax.vmap(model)(jnp.ones((2, 4))).shape
((9,), (2, 9))
"""

from emlp_sym.nn.equinox import _layers
from emlp_sym.nn.equinox._layers import *  # noqa: F403  (the names in its __all__)

__all__ = list(_layers.__all__)
