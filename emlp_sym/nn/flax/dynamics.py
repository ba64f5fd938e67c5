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


class _Hamiltonian(dyn.HamiltonianMethods):
    def __call__(self, x):
        return self.H(x)


class _ODE(dyn.ODEMethods):
    def __call__(self, z, t=None):
        return self._net(z)


class EMLPH(_Hamiltonian, EMLP):
    """Equivariant network of a Hamiltonian (``rep_out`` a scalar); same args as ``EMLP``.

    >>> from flax import nnx
    >>> import jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> model = EMLPH(2 * V, Scalar, SO(2), ch=8, num_layers=1, rngs=nnx.Rngs(0))
    >>> model(jnp.ones((3, 4))).shape, model.energies(jnp.ones((3, 4))).shape  # summed, each
    ((), (3,))
    """

    def _net(self, x):
        return EMLP.__call__(self, x)


class MLPH(_Hamiltonian, MLP):
    """MLP network of a Hamiltonian; same args as ``MLP``.

    >>> from flax import nnx
    >>> import jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> model = MLPH(2 * V, Scalar, SO(2), ch=8, num_layers=1, rngs=nnx.Rngs(0))
    >>> model.vector_field(jnp.ones((3, 4))).shape
    (3, 4)
    """

    def _net(self, x):
        return MLP.__call__(self, x)


class EMLPode(_ODE, EMLP):
    """Equivariant neural-ODE vector field ``rep_in → rep_out (= rep_in)``; same args as
    ``EMLP``.

    >>> from flax import nnx
    >>> import jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> model = EMLPode(2 * V, 2 * V, SO(2), ch=8, num_layers=1, rngs=nnx.Rngs(0))
    >>> model(jnp.ones((3, 4)), 0.0).shape  # (z, t) -> dz/dt
    (3, 4)
    """

    def _net(self, x):
        return EMLP.__call__(self, x)


class MLPode(_ODE, MLP):
    """MLP neural-ODE vector field; same args as ``MLP``.

    >>> from flax import nnx
    >>> import jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> model = MLPode(2 * V, 2 * V, SO(2), ch=8, num_layers=1, rngs=nnx.Rngs(0))
    >>> model(jnp.ones((3, 4)), 0.0).shape  # (z, t) -> dz/dt
    (3, 4)
    """

    def _net(self, x):
        return MLP.__call__(self, x)
