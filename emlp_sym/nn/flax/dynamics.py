"""The Flax NNX front's dynamics models: ``EMLPH``, ``MLPH`` (Hamiltonian) and ``EMLPode``,
``MLPode`` (neural ODE), re-exported by :mod:`emlp_sym.nn.flax`.

Each is the front's ``EMLP`` / ``MLP`` (same parameters, same ``export_params``), with the
reference's call signatures: ``EMLPH(x)`` is the energy summed over the batch, ``EMLPode(z, t)``
the velocity. The maths (symplectic gradient, integrators, metric) is the core's
:mod:`emlp_sym.nn.core.dynamics`.

>>> from flax import nnx
>>> import jax.numpy as jnp
>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V, Scalar
>>> model = EMLPH(2 * V, Scalar, SO(2), ch=8, num_layers=1, rngs=nnx.Rngs(0))
>>> model.vector_field(jnp.ones((3, 4))).shape
(3, 4)
"""

from __future__ import annotations

from emlp_sym.nn.core import dynamics as dyn
from emlp_sym.nn.flax._layers import EMLP, MLP

__all__ = ["EMLPH", "MLPH", "EMLPode", "MLPode"]

EMLPH, MLPH, EMLPode, MLPode = dyn.front_dynamics_models(EMLP, MLP, __name__)
