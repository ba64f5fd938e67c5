"""Models of S(n) at any size: diagram Linear layers and gated nonlinearities, with the same
parameters at every n.

:func:`diagram_mlp_plan` stacks :func:`~emlp_sym.nn.core.diagram_linear.diagram_linear_plan`
layers ``rep_in → hidden → … → rep_out`` with the core's gated nonlinearity between them (the
tensor types of S(n) are permutation types, so each coordinate gates itself: Swish; other
types, such as the O(3) vectors of a point cloud of ``S(n)×O(3)``, get a gate scalar each), as
IGN does for graphs and DeepSets for sets. Every layer's coefficients count diagrams and channels,
never n, so ``init_diagram_mlp(plan_at_20, key)`` gives parameters for the plan at 2000 too.
No bilinear layer: the EMLP's bilinear map of S(n) tensors has no diagram form here yet.

>>> import jax.numpy as jnp
>>> from emlp_sym.groups import S
>>> from emlp_sym.reps import V
>>> hidden = by_order({0: 16, 1: 8, 2: 8})
>>> print(hidden(S(10)))
16V⁰+8V+8V²
>>> small = diagram_mlp_plan(V**2, V**0, S(10), hidden, num_layers=2)
>>> large = diagram_mlp_plan(V**2, V**0, S(60), hidden, num_layers=2)
>>> params = init_diagram_mlp(small, 0)
>>> diagram_mlp_apply(large, params, jnp.ones((2, 60 * 60))).shape
(2, 1)
"""

from __future__ import annotations

from typing import NamedTuple

import jax

from emlp_sym.groups.base import Group
from emlp_sym.nn.core.allocation import gated
from emlp_sym.nn.core.architecture import bind_rep
from emlp_sym.nn.core.diagram_linear import (
    DiagramLinearPlan,
    diagram_linear_apply,
    diagram_linear_plan,
    init_diagram_linear,
)
from emlp_sym.nn.core.gates import GatePlan, gate_plan, gated_nonlinearity
from emlp_sym.nn.core.keys import as_key
from emlp_sym.nn.core.layout import check_input, jit_by_plan
from emlp_sym.reps import V
from emlp_sym.reps.expr import Rep


def by_order(channels: dict[int, int]) -> Rep:
    """The unbound hidden rep with ``channels[k]`` copies of ``V^k``: for S(n), where a
    tensor of order k has n^k coordinates, channels per order are what stays fixed as n grows
    (:func:`~emlp_sym.nn.core.allocation.uniform_rep` spreads a budget of *dimensions*, which
    means nothing once n² exceeds it).

    >>> from emlp_sym.groups import S
    >>> print(by_order({2: 4, 0: 3})(S(5)))
    3V⁰+4V²
    """
    if not channels or any(int(k) < 0 or int(m) < 0 for k, m in channels.items()):
        raise ValueError(f"channels must map tensor orders to copies (both ≥ 0), got {channels}")
    rep = None
    for k in sorted(channels):
        if channels[k]:
            term = channels[k] * V ** int(k)
            rep = term if rep is None else rep + term
    if rep is None:
        raise ValueError(f"channels must ask for at least one copy, got {channels}")
    return rep


class DiagramMLPPlan(NamedTuple):
    """The layers (``layer0`` … then ``readout``) and the gates between them."""

    layers: tuple[DiagramLinearPlan, ...]
    gates: tuple[GatePlan, ...]
    normalise: str

    @property
    def n(self) -> int:
        return self.layers[0].n


def diagram_mlp_plan(rep_in, rep_out, group: Group, hidden, num_layers: int = 2,
                     normalise: str = "mean", path: str = "auto") -> DiagramMLPPlan:
    """``rep_in → hidden (× num_layers, gated) → rep_out`` of ``group`` (S(n) or S(n)×H),
    each linear map in the diagram basis (``normalise``, ``path``: see
    :func:`~emlp_sym.nn.core.diagram_linear.diagram_linear_plan`)."""
    rep_in, rep_out = bind_rep(rep_in, group, "rep_in"), bind_rep(rep_out, group, "rep_out")
    hid = bind_rep(hidden, group, "hidden")
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 0:
        raise ValueError(f"num_layers must be a non-negative integer, got {num_layers!r}")
    # each hidden layer writes gated(hid): hid plus one gate scalar per copy of a type that is
    # not a permutation type (O(3) vectors of a point cloud); S(n) tensors gate themselves
    ins = [rep_in] + [hid] * num_layers
    outs = [gated(hid)] * num_layers + [rep_out]
    layers = tuple(diagram_linear_plan(a, b, normalise, path)
                   for a, b in zip(ins, outs, strict=True))
    gates = tuple(gate_plan(hid) for _ in range(num_layers))
    return DiagramMLPPlan(layers, gates, normalise)


def _names(plan: DiagramMLPPlan) -> list[str]:
    return [f"layer{i}" for i in range(len(plan.layers) - 1)] + ["readout"]


def init_diagram_mlp(plan: DiagramMLPPlan, key) -> dict:
    """``{"layer0": {"w", "b"}, …, "readout": {"w", "b"}}``: shapes independent of n."""
    keys = jax.random.split(as_key(key), len(plan.layers))
    out = {}
    for name, layer, k in zip(_names(plan), plan.layers, keys, strict=True):
        w, b = init_diagram_linear(layer, k)
        out[name] = {"w": w, "b": b}
    return out


def diagram_mlp_bases(plan: DiagramMLPPlan) -> dict[str, str]:
    """Each layer's basis, for :func:`~emlp_sym.nn.core.params.save_params` and
    :func:`~emlp_sym.nn.core.params.load_params`: the same at every n, so parameters saved at
    one size load at another, and refused where the pooling differs.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> diagram_mlp_bases(diagram_mlp_plan(V**2, V**0, S(5), 4 * V, num_layers=1))
    {'layer0': 'partition-diagrams/mean', 'readout': 'partition-diagrams/mean'}
    """
    return {name: layer.basis for name, layer in zip(_names(plan), plan.layers, strict=True)}


def diagram_mlp_apply(plan: DiagramMLPPlan, params: dict, x):
    """The model on ``x`` of shape ``(..., rep_in.size())`` (jitted with the plan static,
    as :func:`~emlp_sym.nn.core.diagram_linear.diagram_linear_apply` is)."""
    return _diagram_mlp_apply(plan, params, check_input(x, plan.layers[0].rep_in, "diagram MLP"))


@jit_by_plan
def _diagram_mlp_apply(plan: DiagramMLPPlan, params: dict, x):
    for i, (name, layer) in enumerate(zip(_names(plan), plan.layers, strict=True)):
        x = diagram_linear_apply(layer, params[name]["w"], params[name]["b"], x)
        if i < len(plan.gates):
            x = gated_nonlinearity(plan.gates[i], x)
    return x
