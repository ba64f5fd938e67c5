"""Each model's structure, written once: its parts, their parameters (name, shape,
initialiser), how its key is shared out, and how its parts are wired together.

A model is a :class:`ModuleSpec`: a *kind* (``"linear"``, ``"bilinear"``, ``"nonlinearity"``,
``"dense"``, ``"emlp_block"``, ``"emlp"``, ``"mlp"``), its own parameters as
:class:`ParamSpec` records, and its named children. A front builds one of its modules per
spec (``classes[spec.kind](*spec.args)``), creates each :class:`ParamSpec` in its own idiom
(a ``TrainVar``, an ``nnx.Param``, ``self.param``, ``hk.get_parameter``, an Equinox field, an
``nn.Parameter``) and applies a composite module with :func:`forward`, handing it its children.
So the EMLP block's rule ``gates(bilinear(lin) + lin)`` and the EMLP's and MLP's loops live
here only, and so do the parameter names, which *are* the core's parameter tree
(:mod:`emlp_sym.nn.core.params`): ``export_params`` of every front is :func:`collect`.

Keys: :func:`init_params` draws the whole tree from one key, splitting it down the spec (the
parts that need a key, in order: :func:`part_keys`); a front that takes a key (Equinox)
splits it the same way, so one key gives the same parameters there and here.

>>> from emlp_sym.groups import S
>>> from emlp_sym.reps import V
>>> from emlp_sym.nn.core.architecture import emlp_architecture, emlp_plan
>>> spec = emlp_spec(emlp_plan(emlp_architecture(V, V, S(3), ch=8, num_layers=1)))
>>> [(n, c.kind) for n, c in spec.children]
[('block0', 'emlp_block'), ('readout', 'linear')]
>>> ["/".join(p.path) for p in param_specs(spec)]
['block0/linear/w', 'block0/linear/b', 'block0/bilinear/w', 'readout/w', 'readout/b']
>>> apply(spec, init_params(spec, 0), jnp.ones((2, 3))).shape
(2, 3)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.nn.core.bilinear import BiLinearPlan, bilinear_apply
from emlp_sym.nn.core.gates import GatePlan, gated_nonlinearity
from emlp_sym.nn.core.keys import as_key, normal, uniform
from emlp_sym.nn.core.linear import LinearPlan, linear_apply
from emlp_sym.nn.core.plan_cache import cached_plan

__all__ = ["Init", "ParamSpec", "ModuleSpec", "linear_spec", "bilinear_spec",
           "nonlinearity_spec", "dense_spec", "emlp_block_spec", "emlp_spec", "mlp_spec",
           "param_specs", "part_keys", "init_params", "forward", "leaf_apply", "apply",
           "collect", "dense_apply", "unwrap_model", "KINDS"]

#: the kinds of module a front provides, leaves first
KINDS = ("linear", "bilinear", "nonlinearity", "dense", "emlp_block", "emlp", "mlp")


class Init(NamedTuple):
    """How a parameter starts: ``"normal"`` (standard deviation ``scale``), ``"uniform"``
    (on ``[0, scale)``) or ``"zeros"``. Calling it draws float32 values with the core's
    generator (:mod:`emlp_sym.nn.core.keys`); a front without JAX keys (PyTorch) reads the
    two fields and draws with its own.

    >>> Init("normal", 0.5)(0, (2,)).shape, Init("zeros")(None, (3,)).tolist()
    ((2,), [0.0, 0.0, 0.0])
    """

    distribution: str
    scale: float = 1.0

    @property
    def needs_key(self) -> bool:
        return self.distribution != "zeros"

    def __call__(self, key, shape) -> jax.Array:
        shape = tuple(shape)
        if self.distribution == "normal":
            return normal(key, shape, self.scale)
        if self.distribution == "uniform":
            return uniform(key, shape, self.scale)
        if self.distribution == "zeros":
            return jnp.asarray(np.zeros(shape, np.float32))
        raise ValueError(f"unknown initial distribution {self.distribution!r}")

    def sample(self, key, shape) -> jax.Array:
        """The same distribution drawn with one ``jax.random`` op (other numbers than
        calling it): for fronts whose initialization is always traced (Haiku, linen), where
        the core's chunked draws would compile into a larger program.

        >>> Init("uniform", 2.0).sample(jax.random.key(0), (3,)).shape
        (3,)
        """
        shape = tuple(shape)
        if self.distribution == "normal":
            return self.scale * jax.random.normal(key, shape, jnp.float32)
        if self.distribution == "uniform":
            return jax.random.uniform(key, shape, jnp.float32, 0.0, self.scale)
        return self(key, shape)


class ParamSpec(NamedTuple):
    """One parameter: its ``path`` in the core's tree (relative to the module that holds
    it, or from the model's root in :func:`param_specs`), its ``shape`` and its ``init``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.linear import linear_plan
    >>> w, b = linear_spec(linear_plan(V(S(3)), V(S(3)))).params
    >>> w.name, w.shape, w.init.distribution
    ('w', (2,), 'normal')
    """

    path: tuple[str, ...]
    shape: tuple[int, ...]
    init: Init

    @property
    def name(self) -> str:
        return self.path[-1]


class ModuleSpec(NamedTuple):
    """A module of a model: its ``kind``, the ``args`` a front's class of that kind is built
    from, its ``plan``, its own ``params``, its named ``children``, and whether its key is
    ``split`` among its keyed parts (or handed whole to its only one).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.architecture import emlp_block_plan
    >>> spec = emlp_block_spec(emlp_block_plan(V(S(3)), V(S(3))))
    >>> spec.kind, [n for n, _ in spec.children], spec.split
    ('emlp_block', ['linear', 'bilinear', 'nonlinearity'], True)
    """

    kind: str
    args: tuple
    plan: object
    params: tuple[ParamSpec, ...] = ()
    children: tuple[tuple[str, ModuleSpec], ...] = ()
    split: bool = True

    def child(self, name: str) -> ModuleSpec:
        """The child spec called ``name``."""
        return dict(self.children)[name]

    @property
    def has_params(self) -> bool:
        return bool(self.params) or any(c.has_params for _, c in self.children)


# ---------------------------------------------------------------------------------------------
# The models


@cached_plan
def linear_spec(plan: LinearPlan) -> ModuleSpec:
    """``w`` (normal, ``plan.weight_std``) and ``b`` (uniform, ``plan.bias_scale``): the
    coefficients of the equivariant weight and bias (see :func:`~.linear.init_linear`).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.linear import linear_plan
    >>> [p.name for p in linear_spec(linear_plan(V(S(3)), V(S(3)))).params]
    ['w', 'b']
    """
    return ModuleSpec("linear", (plan.rep_in, plan.rep_out), plan, (
        ParamSpec(("w",), (plan.num_weights,), Init("normal", plan.weight_std)),
        ParamSpec(("b",), (plan.num_biases,), Init("uniform", plan.bias_scale))))


@cached_plan
def bilinear_spec(plan: BiLinearPlan) -> ModuleSpec:
    """``w``: the bilinear layer's coefficients, standard normal (the layer scales by 0.1).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.bilinear import bilinear_plan
    >>> bilinear_spec(bilinear_plan(V(S(3)), V(S(3)))).params[0].init
    Init(distribution='normal', scale=1.0)
    """
    return ModuleSpec("bilinear", (plan.rep_in, plan.rep_out), plan,
                      (ParamSpec(("w",), (plan.num_weights,), Init("normal")),), split=False)


@cached_plan
def nonlinearity_spec(plan: GatePlan) -> ModuleSpec:
    """The gated nonlinearity: no parameters.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.gates import gate_plan
    >>> nonlinearity_spec(gate_plan(V(S(3)))).has_params
    False
    """
    return ModuleSpec("nonlinearity", (plan.rep,), plan, split=False)


@cached_plan
def dense_spec(n_in: int, n_out: int) -> ModuleSpec:
    """The MLP's dense layer ``x @ w + b``: Glorot-normal ``w`` of shape ``(n_in, n_out)``
    (standard deviation ``√(2 / (n_in + n_out))``), zero ``b``.

    >>> [(p.name, p.shape, p.init.distribution) for p in dense_spec(3, 2).params]
    [('w', (3, 2), 'normal'), ('b', (2,), 'zeros')]
    """
    std = float(np.sqrt(2 / max(n_in + n_out, 1)))
    return ModuleSpec("dense", (n_in, n_out), (n_in, n_out), (
        ParamSpec(("w",), (n_in, n_out), Init("normal", std)),
        ParamSpec(("b",), (n_out,), Init("zeros"))), split=False)


@cached_plan
def emlp_block_spec(plan) -> ModuleSpec:
    """``linear`` to ``gated(rep_out)``, ``bilinear`` on it, ``nonlinearity`` down to
    ``rep_out`` (an :class:`~.architecture.EMLPBlockPlan`); wired by :func:`forward`.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.architecture import emlp_block_plan
    >>> [c.kind for _, c in emlp_block_spec(emlp_block_plan(V(S(3)), V(S(3)))).children]
    ['linear', 'bilinear', 'nonlinearity']
    """
    return ModuleSpec("emlp_block", (plan.linear.rep_in, plan.gate.rep), plan, children=(
        ("linear", linear_spec(plan.linear)), ("bilinear", bilinear_spec(plan.bilinear)),
        ("nonlinearity", nonlinearity_spec(plan.gate))))


@cached_plan
def emlp_spec(plan) -> ModuleSpec:
    """``block0``, ``block1``, ... then a linear ``readout`` (an
    :class:`~.architecture.EMLPPlan`).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.architecture import emlp_architecture, emlp_plan
    >>> spec = emlp_spec(emlp_plan(emlp_architecture(V, V, S(3), ch=8, num_layers=2)))
    >>> [n for n, _ in spec.children]
    ['block0', 'block1', 'readout']
    """
    a = plan.architecture
    children = tuple((f"block{k}", emlp_block_spec(b)) for k, b in enumerate(plan.blocks))
    return ModuleSpec("emlp", (a.rep_in, a.rep_out, a.group), plan,
                      children=(*children, ("readout", linear_spec(plan.readout))))


@cached_plan
def mlp_spec(architecture) -> ModuleSpec:
    """``layer0``, ``layer1``, ... (each followed by Swish) then a dense ``readout`` (an
    :class:`~.architecture.MLPArchitecture`).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.architecture import mlp_architecture
    >>> spec = mlp_spec(mlp_architecture(V, V, S(3), ch=8, num_layers=2))
    >>> [(n, c.args) for n, c in spec.children]
    [('layer0', (3, 8)), ('layer1', (8, 8)), ('readout', (8, 3))]
    """
    a = architecture
    children = tuple((f"layer{k}", dense_spec(*shape)) for k, shape in enumerate(a.layers))
    return ModuleSpec("mlp", (a.rep_in, a.rep_out, a.group), a,
                      children=(*children, ("readout", dense_spec(*a.readout))))


# ---------------------------------------------------------------------------------------------
# Parameters and keys


def param_specs(spec: ModuleSpec, prefix: tuple[str, ...] = ()) -> list[ParamSpec]:
    """Every parameter of the model, its ``path`` from the root, in the tree's order.

    >>> [p.path for p in param_specs(dense_spec(2, 2))]
    [('w',), ('b',)]
    """
    out = [p._replace(path=(*prefix, *p.path)) for p in spec.params]
    for name, child in spec.children:
        out += param_specs(child, (*prefix, name))
    return out


def part_keys(spec: ModuleSpec, key) -> dict:
    """The key of each part of ``spec`` that draws one (its parameters with a random
    ``init``, then its children with parameters), by name: ``key`` split among them in
    order, or handed whole to the only one when the spec does not ``split``.

    >>> sorted(part_keys(dense_spec(2, 2), 0))  # b starts at zero: w takes the key
    ['w']
    """
    names = [p.name for p in spec.params if p.init.needs_key]
    names += [name for name, child in spec.children if child.has_params]
    if not names:
        return {}
    if not spec.split:
        if len(names) > 1:
            raise ValueError(f"a {spec.kind} spec with several keyed parts must split its key")
        return {names[0]: key}
    return dict(zip(names, jax.random.split(as_key(key), len(names)), strict=True))


def init_params(spec: ModuleSpec, key) -> dict:
    """The model's parameter tree drawn from a JAX key or an int seed (float32 arrays).

    >>> {k: v.shape for k, v in init_params(dense_spec(3, 2), 0).items()}
    {'w': (3, 2), 'b': (2,)}
    """
    keys = part_keys(spec, key)
    tree = {p.name: p.init(keys.get(p.name), p.shape) for p in spec.params}
    tree.update({name: init_params(child, keys[name])
                 for name, child in spec.children if child.has_params})
    return tree


def collect(spec: ModuleSpec, module, child: Callable, leaf: Callable) -> dict:
    """The core's tree of a front's model: ``leaf(m, name)`` for each parameter of each of
    its modules ``m``, found from ``module`` with ``child(m, name, index)`` (``index``: the
    child's position in ``spec.children``).

    >>> collect(dense_spec(1, 1), {"w": 1, "b": 2}, None, lambda m, name: m[name])
    {'w': 1, 'b': 2}
    """
    tree = {p.name: leaf(module, p.name) for p in spec.params}
    for k, (name, sub) in enumerate(spec.children):
        if sub.has_params:
            tree[name] = collect(sub, child(module, name, k), child, leaf)
    return tree


def unwrap_model(model, standardize: type, classes, front: str):
    """The model whose parameters form the core's tree: ``model``, or the one inside its
    ``standardize`` wrappers; TypeError naming the front unless it is one of ``classes``.

    >>> class Wrap:
    ...     def __init__(self, model):
    ...         self.model = model
    >>> unwrap_model(Wrap(Wrap(1.0)), Wrap, (float,), "example")
    1.0
    """
    while isinstance(model, standardize):
        model = model.model
    if not isinstance(model, tuple(classes)):
        raise TypeError(f"expected an emlp_sym.nn.{front} model (EMLP, MLP, a layer or "
                        f"Standardize), got {type(model).__name__}")
    return model


# ---------------------------------------------------------------------------------------------
# Wiring


def forward(spec: ModuleSpec, call: Callable, x, activation: Callable = jax.nn.silu):
    """A composite module on ``x``: ``call(name, x)`` applies the front's child ``name``.

    * ``emlp_block``: ``lin = linear(x)``, then ``nonlinearity(bilinear(lin) + lin)``;
    * ``emlp``: the blocks in order, then ``readout``;
    * ``mlp``: each layer followed by ``activation`` (Swish), then ``readout``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.architecture import mlp_architecture
    >>> spec = mlp_spec(mlp_architecture(V, V, S(3), ch=8, num_layers=1))
    >>> forward(spec, lambda name, x: x + 1, 0.0, activation=lambda x: 10 * x)  # 10(0+1) + 1
    11.0
    """
    kind = spec.kind
    if kind == "emlp_block":
        lin = call("linear", x)
        return call("nonlinearity", call("bilinear", lin) + lin)
    if kind in ("emlp", "mlp"):
        *hidden, (readout, _) = spec.children
        for name, _ in hidden:
            x = call(name, x)
            if kind == "mlp":
                x = activation(x)
        return call(readout, x)
    raise ValueError(f"a {kind} module is a leaf: apply it with leaf_apply")


def dense_apply(w, b, x):
    """The MLP's dense layer: ``x @ w + b``.

    >>> dense_apply(jnp.ones((2, 3)), jnp.zeros(3), jnp.ones((1, 2))).tolist()
    [[2.0, 2.0, 2.0]]
    """
    return x @ w + b


def leaf_apply(spec: ModuleSpec, get: Callable, x):
    """A leaf module on ``x`` with the core's JAX maths; ``get(name)`` gives its parameter.

    >>> leaf_apply(dense_spec(2, 1), {"w": jnp.ones((2, 1)), "b": jnp.ones(1)}.get,
    ...            jnp.ones((1, 2))).tolist()
    [[3.0]]
    """
    kind, plan = spec.kind, spec.plan
    if kind == "linear":
        return linear_apply(plan, get("w"), get("b"), x)
    if kind == "bilinear":
        return bilinear_apply(plan, get("w"), x)
    if kind == "nonlinearity":
        return gated_nonlinearity(plan, x)
    if kind == "dense":
        return dense_apply(get("w"), get("b"), x)
    raise ValueError(f"a {kind} module is composite: apply it with forward")


def apply(spec: ModuleSpec, params: dict, x):
    """The model on ``x`` from its parameter tree (pure JAX: jit and grad freely).

    >>> p = {"w": jnp.ones((2, 1)), "b": jnp.zeros(1)}
    >>> apply(dense_spec(2, 1), p, jnp.ones((1, 2))).tolist()
    [[2.0]]
    """
    if spec.kind in ("emlp_block", "emlp", "mlp"):
        children = dict(spec.children)
        return forward(spec, lambda name, h: apply(children[name], params.get(name, {}), h), x)
    return leaf_apply(spec, params.__getitem__, x)
