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

from emlp_sym.nn.flax._layers import EMLP as EMLP
from emlp_sym.nn.flax._layers import MLP as MLP
from emlp_sym.nn.flax._layers import BiLinear as BiLinear
from emlp_sym.nn.flax._layers import Dense as Dense
from emlp_sym.nn.flax._layers import EMLPBlock as EMLPBlock
from emlp_sym.nn.flax._layers import GatedNonlinearity as GatedNonlinearity
from emlp_sym.nn.flax._layers import Linear as Linear
from emlp_sym.nn.flax._layers import Standardize as Standardize
from emlp_sym.nn.flax._layers import StandardizeStats as StandardizeStats
from emlp_sym.nn.flax._layers import export_params as export_params
from emlp_sym.nn.flax._layers import gate_indices as gate_indices
from emlp_sym.nn.flax._layers import gated as gated
from emlp_sym.nn.flax._layers import import_params as import_params
from emlp_sym.nn.flax._layers import uniform_rep as uniform_rep
from emlp_sym.nn.flax.dynamics import EMLPH as EMLPH
from emlp_sym.nn.flax.dynamics import MLPH as MLPH
from emlp_sym.nn.flax.dynamics import EMLPode as EMLPode
from emlp_sym.nn.flax.dynamics import MLPode as MLPode

__all__ = [
    "Linear",
    "BiLinear",
    "GatedNonlinearity",
    "Dense",
    "EMLPBlock",
    "EMLP",
    "MLP",
    "Standardize",
    "StandardizeStats",
    "uniform_rep",
    "gated",
    "gate_indices",
    "export_params",
    "import_params",
    "EMLPH",
    "MLPH",
    "EMLPode",
    "MLPode",
]
