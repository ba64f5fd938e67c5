"""The Flax linen front: ``flax.linen`` modules over the layer core.

A module is a frozen dataclass whose fields are its configuration (``rep_in``, ``rep_out``,
``group``, ``ch``, ``num_layers``); parameters live outside it, in the ``variables`` that
``init`` returns and ``apply`` takes. The math is in :mod:`emlp_sym.nn.core.linear`,
:mod:`~.bilinear` and :mod:`~.gates`, the wiring in :mod:`~.wiring`; a module only builds
its plan from its reps (solved once, then cached by the reps) and creates parameters with the
core's initialization (:mod:`~emlp_sym.nn.core.wiring` names, shapes and draws every
parameter). Parameters are named after the core's tree (``block0/linear/w``, ...,
``layer0/w``), so :func:`export_params` / :func:`import_params` only convert arrays.

Fields must be hashable (``jax.jit(net.apply)`` hashes the module): reps and groups are; a
list ``ch`` is stored as a tuple, and :class:`Standardize` stores its statistics as nested
tuples of floats.

>>> import jax.numpy as jnp
>>> import jax
>>> import jax, jax.numpy as jnp
>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V, Scalar
>>> net = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)
>>> variables = net.init(jax.random.key(0), jnp.ones((2, 4)))
>>> net.apply(variables, jnp.ones((2, 4))).shape
(2, 9)
>>> sorted(export_params(variables))
['block0', 'readout']
"""

from emlp_sym.nn.linen import _layers
from emlp_sym.nn.linen._layers import *  # noqa: F403  (the names in its __all__)

__all__ = list(_layers.__all__)
