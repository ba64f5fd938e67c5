"""The Haiku front: ``hk.Module`` s over the layer core, built inside ``hk.transform``.

Each layer asks Haiku for its coefficients with ``hk.get_parameter`` (drawn from
``hk.next_rng_key()`` with the core's distributions) and applies the core's pure functions
(:mod:`emlp_sym.nn.core.linear`, :mod:`~.bilinear`, :mod:`~.gates`); the wiring is read from
:mod:`~.architecture`. The core caches plans by representation, so re-tracing a transformed
function (every ``init``, every ``apply`` outside ``jit``, every ``jit`` compile) rebuilds no
plan and solves no basis.

Module names make Haiku's flat parameter dict the core's tree, mechanically: the model is the
*root* module (``emlp``, ``mlp``, or the ``name=`` you gave), its children are named after
the core's keys (``block0``, ``linear``, ``bilinear``, ``readout``, ``layer0``), and each
module path ``root/~/block0/~/linear`` is the tree path ``block0/linear``. ``Standardize``
adds no level (the model it wraps is built before it).

>>> import jax.numpy as jnp
>>> import haiku as hk
>>> import jax
>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V, Scalar
>>> net = hk.without_apply_rng(hk.transform(
...     lambda x: EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)(x)))
>>> params = net.init(jax.random.key(0), jnp.ones((2, 4)))
>>> sorted(params)
['emlp/~/block0/~/bilinear', 'emlp/~/block0/~/linear', 'emlp/~/readout']
>>> net.apply(params, jnp.ones((2, 4))).shape
(2, 9)
>>> sorted(export_params(params)["block0"])
['bilinear', 'linear']
"""

from emlp_sym.nn.haiku import _layers
from emlp_sym.nn.haiku._layers import *  # noqa: F403  (the names in its __all__)

__all__ = list(_layers.__all__)
