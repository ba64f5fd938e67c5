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

from emlp_sym.nn.objax import _layers, _optim, dynamics
from emlp_sym.nn.objax._layers import *  # noqa: F403  (the names in its __all__)
from emlp_sym.nn.objax._optim import *  # noqa: F403  (the names in its __all__)
from emlp_sym.nn.objax.dynamics import *  # noqa: F403  (the names in its __all__)

__all__ = list(_layers.__all__)
__all__ += _optim.__all__
__all__ += dynamics.__all__
