"""A point-cloud model of ``S(n)×O(3)`` at any size: per-point quadratic features between two
diagram layers, with the same parameters at every n.

Inputs are point masses and positions, ``V_S + V_S⊗V_O`` (``V_S = V(S(n))``, ``V_O =
V(O(3))``); the output a tensor of O(3) alone, by default ``V_O²`` (the inertia tensor of
:class:`~emlp_sym.datasets.InertiaN`). A stack of diagram Linear layers and gates cannot
form a product of each point's mass and position (the gate of an O(3) vector of ``S(n)×O(3)``
is a global scalar, so the output stays linear in the positions); this model adds one
per-point product between its two layers:

1. ``first``: ``V_S + V_S⊗V_O → c·V_S + c·V_S⊗V_O``, diagrams with ``mean`` pooling (its few
   pooled terms stay of order one at every n);
2. per point ``i`` and channel: ``swish(s_i)`` and ``s_i · v_i ⊗ v_i`` (``c·V_S`` and
   ``c·V_S⊗V_O²``);
3. ``readout``: ``c·V_S + c·V_S⊗V_O² → rep_out``, diagrams with ``sum`` pooling over points, as
   a target that is a sum over points needs: a model right at n = 5 is right at every n.

>>> import jax.numpy as jnp
>>> small, large = point_product_plan(5), point_product_plan(500)
>>> params = init_point_product(small, 0)
>>> point_product_apply(large, params, jnp.ones((2, 4 * 500))).shape
(2, 9)
>>> point_product_bases(large) == point_product_bases(small)
True
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from emlp_sym.errors import ConfigError
from emlp_sym.groups import O, S
from emlp_sym.nn.core.diagram_linear import (
    DiagramLinearPlan,
    diagram_linear_apply,
    diagram_linear_plan,
    init_diagram_linear,
)
from emlp_sym.nn.core.keys import as_key
from emlp_sym.nn.core.layout import check_input, jit_by_plan
from emlp_sym.reps import V

__all__ = ["PointProductPlan", "point_product_plan", "init_point_product",
           "point_product_apply", "point_product_bases"]


class PointProductPlan(NamedTuple):
    """The two diagram layers and the sizes between them."""

    first: DiagramLinearPlan
    readout: DiagramLinearPlan
    n: int
    channels: int


def point_product_plan(n: int, channels: int = 8, rep_out=None) -> PointProductPlan:
    """The model for ``n`` points with ``channels`` scalar and vector channels per point;
    ``rep_out`` a rep of ``O(3)`` (default ``V_O²``), lifted to ``S(n)×O(3)``."""
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise ConfigError(f"channels must be a positive integer, got {channels!r}")
    Vs, Vo = V(S(n)), V(O(3))
    out = Vs**0 * (Vo**2 if rep_out is None else rep_out(O(3)))
    c = channels
    first = diagram_linear_plan(Vs + Vs * Vo, c * Vs + c * (Vs * Vo), "mean")
    readout = diagram_linear_plan(c * Vs + c * (Vs * Vo**2), out, "sum")
    return PointProductPlan(first, readout, int(n), c)


def init_point_product(plan: PointProductPlan, key) -> dict:
    """``{"first": {"w", "b"}, "readout": {"w", "b"}}``: shapes independent of n."""
    k1, k2 = jax.random.split(as_key(key))
    out = {}
    for name, layer, k in (("first", plan.first, k1), ("readout", plan.readout, k2)):
        w, b = init_diagram_linear(layer, k)
        out[name] = {"w": w, "b": b}
    return out


def point_product_bases(plan: PointProductPlan) -> dict[str, str]:
    """Each layer's basis, for :func:`~emlp_sym.nn.core.params.save_params` (the same at
    every n)."""
    return {"first": plan.first.basis, "readout": plan.readout.basis}


def point_product_apply(plan: PointProductPlan, params: dict, x):
    """The model on ``x`` of shape ``(..., 4n)`` (masses, then positions point by point)."""
    return _point_product_apply(plan, params, check_input(x, plan.first.rep_in, "point model"))


@jit_by_plan
def _point_product_apply(plan: PointProductPlan, params: dict, x):
    n, c, batch = plan.n, plan.channels, x.shape[:-1]
    h = diagram_linear_apply(plan.first, params["first"]["w"], params["first"]["b"], x)
    s = h[..., : c * n].reshape(*batch, c, n)
    v = h[..., c * n:].reshape(*batch, c, n, 3)
    outer = s[..., None, None] * v[..., :, None] * v[..., None, :]
    z = jnp.concatenate([jax.nn.swish(s).reshape(*batch, c * n),
                         outer.reshape(*batch, c * n * 9)], axis=-1)
    return diagram_linear_apply(plan.readout, params["readout"]["w"], params["readout"]["b"], z)
