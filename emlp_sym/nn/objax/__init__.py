"""The objax front (the seed's): ``objax.Module`` s over the layer core.

Each layer owns its coefficients as ``objax.TrainVar`` s and a plan from the core; the math is
in :mod:`emlp_sym.nn.core.linear`, :mod:`~.bilinear` and :mod:`~.gates`, the wiring in
:mod:`~.architecture`. Initial parameters are drawn from objax's global generator
(``objax.random.DEFAULT_GENERATOR.seed(0)`` makes them reproducible), as objax users expect.

>>> import jax.numpy as jnp
>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V, Scalar
>>> model = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)
>>> model(jnp.ones((2, 4))).shape
(2, 9)
"""

from emlp_sym.nn.objax._layers import EMLP as EMLP
from emlp_sym.nn.objax._layers import MLP as MLP
from emlp_sym.nn.objax._layers import BiLinear as BiLinear
from emlp_sym.nn.objax._layers import Dense as Dense
from emlp_sym.nn.objax._layers import EMLPBlock as EMLPBlock
from emlp_sym.nn.objax._layers import GatedNonlinearity as GatedNonlinearity
from emlp_sym.nn.objax._layers import GroupAugmentation as GroupAugmentation
from emlp_sym.nn.objax._layers import Linear as Linear
from emlp_sym.nn.objax._layers import Sequential as Sequential
from emlp_sym.nn.objax._layers import Standardize as Standardize
from emlp_sym.nn.objax._layers import export_params as export_params
from emlp_sym.nn.objax._layers import gate_indices as gate_indices
from emlp_sym.nn.objax._layers import gated as gated
from emlp_sym.nn.objax._layers import import_params as import_params
from emlp_sym.nn.objax._layers import uniform_rep as uniform_rep
from emlp_sym.nn.objax._optim import WeightSpaceAdam as WeightSpaceAdam
from emlp_sym.nn.objax.dynamics import EMLPH as EMLPH
from emlp_sym.nn.objax.dynamics import MLPH as MLPH
from emlp_sym.nn.objax.dynamics import EMLPode as EMLPode
from emlp_sym.nn.objax.dynamics import MLPode as MLPode

__all__ = [
    "Linear",
    "BiLinear",
    "GatedNonlinearity",
    "Dense",
    "EMLPBlock",
    "EMLP",
    "MLP",
    "Standardize",
    "GroupAugmentation",
    "Sequential",
    "uniform_rep",
    "gated",
    "gate_indices",
    "export_params",
    "import_params",
    "WeightSpaceAdam",
    "EMLPH",
    "MLPH",
    "EMLPode",
    "MLPode",
]
