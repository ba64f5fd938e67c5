"""Optimizers that step in the dense weights, as the reference library's training does.

emlp_sym's parameters are the coefficients ``c`` of ``W = Σ_k c_k B_k`` in an orthonormal
basis of the equivariant maps. The reference library (``emlp``) keeps a dense matrix ``w``
instead and uses ``W = P w``, ``P`` the projector onto the equivariant maps. Plain gradient
descent moves ``W`` identically in both (``P = Q Qᵀ`` with ``Q`` orthonormal), but Adam does
not: it scales each *entry* of ``w`` by its own running RMS, so a basis element spread over
``n`` entries of ``W`` (``δ_ij`` on ``V → V`` of O(5): n = 5) moves about ``√n`` times farther
per step than its single coefficient does under Adam on ``c``. Neither is better everywhere
(docs/paper_results.md): on O5Synthetic the dense step gave test MSE 0.016 against 0.025 (six
trials each, best-validation checkpoints; the reference's trials: 0.012-0.023), on the double
spring pendulum's Hamiltonian EMLP with D6 it was 5x worse in one trial.

:func:`in_weight_space` runs any optax transformation on the dense view of the EMLP's linear
layers (``W``, ``b``) and maps its update back with ``Qᵀ``; the other parameters (bilinear
weights, MLP layers) pass through unchanged. ``W`` then moves by ``P u`` at every step, ``u``
the inner update of the dense view: the reference's step, exactly. The cost is the
optimizer state at the size of the dense weights (what the reference stores anyway),
estimated before anything is allocated.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from emlp_sym.nn.core.architecture import EMLPPlan, MLPArchitecture
from emlp_sym.nn.core.linear import LinearPlan, canonical_layout_bias, canonical_layout_weight
from emlp_sym.resources import check_memory

__all__ = ["DenseView", "WeightSpace", "check_dense_memory", "dense_view", "in_weight_space",
           "weight_space"]


def _linear_layers(plan: EMLPPlan):
    """``(path, LinearPlan)`` of every linear layer in the core's EMLP parameter tree."""
    for k, block in enumerate(plan.blocks):
        yield (f"block{k}", "linear"), block.linear
    yield ("readout",), plan.readout


def _replace(tree: dict, path: tuple, value) -> dict:
    """A copy of the nested dict ``tree`` with ``tree[path]`` set to ``value``."""
    head, *rest = path
    return {**tree, head: _replace(tree[head], tuple(rest), value) if rest else value}


def _at(tree: dict, path: tuple):
    for key in path:
        tree = tree[key]
    return tree


def _adjoint(fn, n: int):
    """``Qᵀ`` of the linear map ``fn`` from a float32 vector of length ``n``."""
    transpose = jax.linear_transpose(fn, jax.ShapeDtypeStruct((n,), jnp.float32))
    return lambda y: transpose(y)[0]


class DenseView(NamedTuple):
    """One linear layer's coefficients seen as its dense weight and bias: ``lift_w(w)`` is
    ``W = Q w`` (``(n_out, n_in)``, canonical layout), ``lower_w`` its adjoint ``Qᵀ``; the same
    for the bias. ``lower(lift(c)) == c`` (the bases are orthonormal)."""

    lift_w: object
    lower_w: object
    lift_b: object
    lower_b: object


def dense_view(plan: LinearPlan) -> DenseView:
    """The :class:`DenseView` of a linear layer's plan (what an optimizer in the dense
    weights needs per layer).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.nn.core.linear import init_linear, linear_plan
    >>> from emlp_sym.reps import V
    >>> plan = linear_plan(V(SO(3)), V(SO(3)))
    >>> view = dense_view(plan)
    >>> w, b = init_linear(plan, 0)
    >>> view.lift_w(w).shape, bool(jnp.allclose(view.lower_w(view.lift_w(w)), w))
    ((3, 3), True)
    """
    lift_w = lambda w: canonical_layout_weight(plan, jnp.asarray(w, jnp.float32))
    lift_b = lambda b: canonical_layout_bias(plan, jnp.asarray(b, jnp.float32))
    return DenseView(lift_w, _adjoint(lift_w, plan.num_weights), lift_b,
                     _adjoint(lift_b, plan.num_biases))


class WeightSpace(NamedTuple):
    """The dense view of an EMLP's parameter tree: ``lift`` maps each linear layer's
    coefficients ``{"w", "b"}`` to its dense weight ``(n_out, n_in)`` and bias ``(n_out,)``
    (canonical layout), ``lower`` is its adjoint (``Qᵀ``); since the bases are orthonormal,
    ``lower(lift(t)) == t``. Other entries of the tree are left as they are.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.nn import emlp_architecture, emlp_plan, init_emlp
    >>> from emlp_sym.reps import V
    >>> plan = emlp_plan(emlp_architecture(V, V, SO(3), ch=8, num_layers=1))
    >>> space = weight_space(plan)
    >>> params = init_emlp(plan, 0)
    >>> dense = space.lift(params)
    >>> params["readout"]["w"].shape, dense["readout"]["w"].shape
    ((1,), (3, 8))
    >>> back = space.lower(dense)
    >>> bool(jnp.allclose(back["readout"]["w"], params["readout"]["w"], atol=1e-6))
    True
    """

    lift: object
    lower: object


def check_dense_memory(plans) -> None:
    """Refuse (ResourceError, with the size) dense views of the linear layers ``plans``
    whose weights, gradients and two optimizer moments would not fit in memory.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.nn.core.linear import linear_plan
    >>> from emlp_sym.reps import V
    >>> check_dense_memory([linear_plan(V(S(3)), V(S(3)))])  # 48 entries: fine
    """
    entries = sum(lp.rep_out.size() * (lp.rep_in.size() + 1) for lp in plans)
    check_memory(4 * 4 * entries, "the dense weights of the optimizer's weight-space view",
                 "train the coefficients directly (plain Adam) instead")


def weight_space(plan: EMLPPlan) -> WeightSpace:
    """The :class:`WeightSpace` of an EMLP plan (refused, with the size, where the dense
    weights and two optimizer moments would not fit in memory).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.nn import emlp_architecture, emlp_plan, init_emlp
    >>> from emlp_sym.reps import V
    >>> plan = emlp_plan(emlp_architecture(V, V, S(3), ch=8, num_layers=1))
    >>> dense = weight_space(plan).lift(init_emlp(plan, 0))
    >>> dense["block0"]["linear"]["w"].shape  # (hidden size with its gates, input size)
    (8, 3)
    """
    if not isinstance(plan, EMLPPlan):
        raise TypeError(f"weight_space needs an EMLPPlan (from emlp_plan), got "
                        f"{type(plan).__name__}")
    layers = list(_linear_layers(plan))
    check_dense_memory([lp for _, lp in layers])
    views = {path: dense_view(lp) for path, lp in layers}

    def each_layer(tree, w_fn, b_fn):  # w_fn, b_fn: which map of a layer's DenseView
        for path, view in views.items():
            leaf = _at(tree, path)
            tree = _replace(tree, path, {
                "w": w_fn(view)(jnp.asarray(leaf["w"], jnp.float32)),
                "b": b_fn(view)(jnp.asarray(leaf["b"], jnp.float32))})
        return tree

    def lift(tree):
        return each_layer(tree, lambda v: v.lift_w, lambda v: v.lift_b)

    def lower(tree):
        return each_layer(tree, lambda v: v.lower_w, lambda v: v.lower_b)

    return WeightSpace(lift, lower)


def in_weight_space(inner, plan):
    """The optax transformation ``inner`` (e.g. ``optax.adam(3e-3)``) run on the dense view
    of the EMLP's linear layers, its update mapped back to coefficients: the reference
    library's training step. For an :class:`~emlp_sym.nn.core.architecture.MLPArchitecture` (a
    dense model already) ``inner`` is returned as it is. Needs optax (the ``[flax]``,
    ``[haiku]`` or ``[equinox]`` extra).

    >>> import optax
    >>> from emlp_sym.groups import O
    >>> from emlp_sym.nn import emlp_architecture, emlp_plan, emlp_apply, init_emlp
    >>> from emlp_sym.reps import V, Scalar
    >>> plan = emlp_plan(emlp_architecture(2 * V, Scalar, O(5), ch=16, num_layers=1))
    >>> params, x = init_emlp(plan, 0), jnp.ones((4, 10))
    >>> opt = in_weight_space(optax.adam(3e-3), plan)
    >>> state = opt.init(params)
    >>> grads = jax.grad(lambda p: jnp.sum(emlp_apply(plan, p, x) ** 2))(params)
    >>> updates, state = opt.update(grads, state, params)
    >>> jax.tree_util.tree_structure(updates) == jax.tree_util.tree_structure(params)
    True
    """
    import optax

    if isinstance(plan, MLPArchitecture):
        return inner
    space = weight_space(plan)

    def init(params):
        return inner.init(space.lift(params))

    def update(updates, state, params=None):
        dense_params = None if params is None else space.lift(params)
        dense, state = inner.update(space.lift(updates), state, dense_params)
        return space.lower(dense), state

    return optax.GradientTransformation(init, update)

