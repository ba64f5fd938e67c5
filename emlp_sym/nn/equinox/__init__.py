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

from emlp_sym.nn.equinox._layers import EMLP as EMLP
from emlp_sym.nn.equinox._layers import MLP as MLP
from emlp_sym.nn.equinox._layers import BiLinear as BiLinear
from emlp_sym.nn.equinox._layers import Dense as Dense
from emlp_sym.nn.equinox._layers import EMLPBlock as EMLPBlock
from emlp_sym.nn.equinox._layers import GatedNonlinearity as GatedNonlinearity
from emlp_sym.nn.equinox._layers import Linear as Linear
from emlp_sym.nn.equinox._layers import Standardize as Standardize
from emlp_sym.nn.equinox._layers import Static as Static
from emlp_sym.nn.equinox._layers import export_params as export_params
from emlp_sym.nn.equinox._layers import gate_indices as gate_indices
from emlp_sym.nn.equinox._layers import gated as gated
from emlp_sym.nn.equinox._layers import import_params as import_params
from emlp_sym.nn.equinox._layers import uniform_rep as uniform_rep

__all__ = [
    "Linear",
    "BiLinear",
    "GatedNonlinearity",
    "Dense",
    "EMLPBlock",
    "EMLP",
    "MLP",
    "Standardize",
    "Static",
    "uniform_rep",
    "gated",
    "gate_indices",
    "export_params",
    "import_params",
]
