"""The Flax NNX front: ``nnx.Module`` s over the layer core.

Each layer holds its coefficients as ``nnx.Param`` s, drawn by the core's initializers from
``rngs.params()`` keys, and its plan (NumPy bases and reps, solved once) as an ``nnx.static``
attribute: plans live in the graph definition, never in the state that ``nnx.split``,
``nnx.jit`` and ``nnx.Optimizer`` carry. Submodules are named after the core's parameter tree,
so ``nnx.state(emlp, nnx.Param)`` *is* that tree (``block0/linear/w``, ..., ``readout/b``).
Modules take no ``training`` argument: none of them behaves differently in training.

>>> import jax.numpy as jnp
>>> from flax import nnx
>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V, Scalar
>>> model = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1, rngs=nnx.Rngs(0))
>>> model(jnp.ones((2, 4))).shape
(2, 9)
>>> sorted(export_params(model))
['block0', 'readout']
"""

from emlp_sym.nn.flax import _layers, dynamics
from emlp_sym.nn.flax._layers import *  # noqa: F403  (the names in its __all__)
from emlp_sym.nn.flax.dynamics import *  # noqa: F403  (the names in its __all__)

__all__ = list(_layers.__all__)
__all__ += dynamics.__all__
