"""EMLP layers: one framework-free core, and a front per framework.

``emlp_sym/nn/core/`` is the core (importing JAX, no framework):
:mod:`~emlp_sym.nn.core.linear`, :mod:`~.bilinear`, :mod:`~.gates` (plans as named records and
pure apply functions), :mod:`~.allocation` (``uniform_rep``, ``gated``, ``gate_indices``),
:mod:`~.architecture` (the EMLP/MLP wiring every front reads, and the core's own pure model),
:mod:`~.params` (the front-neutral parameter format) and :mod:`~.augmentation` (training-time
group augmentation).

The fronts, one package each beside the core, each importing its framework only when it is
imported: ``emlp_sym.nn.objax`` (the seed's; its JAX compatibility patch, dynamics models and
``WeightSpaceAdam`` inside it), ``.flax`` (Flax NNX), ``.linen`` (Flax linen), ``.haiku``,
``.equinox`` and ``.pytorch``. ``emlp_sym.nn.EMLP`` and the other layer names here are the
objax front's, as the seed writes them; they load objax on first use.
"""

import importlib
from typing import TYPE_CHECKING

from emlp_sym import _moved
from emlp_sym.nn.core.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.core.architecture import (
    EMLPArchitecture,
    EMLPBlockPlan,
    EMLPPlan,
    MLPArchitecture,
    emlp_apply,
    emlp_architecture,
    emlp_block_apply,
    emlp_block_plan,
    emlp_plan,
    init_emlp,
    init_mlp,
    mlp_apply,
    mlp_architecture,
)
from emlp_sym.nn.core.bilinear import (
    BiLinearPlan,
    bilinear_apply,
    bilinear_plan,
    bilinear_weights,
    init_bilinear,
)
from emlp_sym.nn.core.gates import GatePlan, gate_plan, gated_nonlinearity
from emlp_sym.nn.core.linear import LinearPlan, init_linear, linear_apply, linear_plan
from emlp_sym.nn.core.params import load_params, num_params, save_params
from emlp_sym.nn.core.plan_cache import clear_caches

if TYPE_CHECKING:  # what __getattr__ loads on first use, spelled out for IDEs and type checkers
    from emlp_sym.nn import core as core
    from emlp_sym.nn import equinox as equinox
    from emlp_sym.nn import flax as flax
    from emlp_sym.nn import haiku as haiku
    from emlp_sym.nn import linen as linen
    from emlp_sym.nn import objax as objax
    from emlp_sym.nn import pytorch as pytorch
    from emlp_sym.nn.objax import EMLP as EMLP
    from emlp_sym.nn.objax import MLP as MLP
    from emlp_sym.nn.objax import BiLinear as BiLinear
    from emlp_sym.nn.objax import EMLPBlock as EMLPBlock
    from emlp_sym.nn.objax import GatedNonlinearity as GatedNonlinearity
    from emlp_sym.nn.objax import GroupAugmentation as GroupAugmentation
    from emlp_sym.nn.objax import Linear as Linear
    from emlp_sym.nn.objax import Sequential as Sequential
    from emlp_sym.nn.objax import Standardize as Standardize

_moved.install()  # emlp_sym.nn.linear & co. (release 0.1's paths) still import, with a warning

#: The framework fronts, each a module ``emlp_sym.nn.<front>`` imported on first use.
FRONTS = ("objax", "flax", "linen", "haiku", "equinox", "pytorch")
# the seed's names: the objax front's modules
_OBJAX_NAMES = ("Linear", "BiLinear", "GatedNonlinearity", "EMLPBlock", "EMLP", "MLP",
                "Standardize", "Sequential", "GroupAugmentation")

__all__ = [
    "uniform_rep", "gated", "gate_indices",
    "EMLPArchitecture", "MLPArchitecture", "emlp_architecture", "mlp_architecture",
    "EMLPPlan", "EMLPBlockPlan", "emlp_plan", "emlp_block_plan", "init_emlp", "emlp_apply",
    "emlp_block_apply", "init_mlp", "mlp_apply",
    "LinearPlan", "linear_plan", "init_linear", "linear_apply",
    "BiLinearPlan", "bilinear_plan", "init_bilinear", "bilinear_apply", "bilinear_weights",
    "GatePlan", "gate_plan", "gated_nonlinearity",
    "save_params", "load_params", "num_params", "clear_caches", "FRONTS", *_OBJAX_NAMES,
]


def __getattr__(name):
    if name in _OBJAX_NAMES:
        return getattr(importlib.import_module("emlp_sym.nn.objax"), name)
    if name in FRONTS or name == "core":
        return importlib.import_module(f"emlp_sym.nn.{name}")
    if f"emlp_sym.nn.{name}" in _moved.MOVED:  # release 0.1's emlp_sym.nn.params & co.
        return importlib.import_module(f"emlp_sym.nn.{name}")  # warns through _moved
    raise AttributeError(f"module 'emlp_sym.nn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(FRONTS))
