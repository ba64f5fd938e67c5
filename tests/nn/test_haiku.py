"""The Haiku front's own idiom: transformed functions, module paths as the core tree's names,
roots for models inside your modules, plans shared across traces, errors raised in ``init``;
the shared tests are in test_fronts.py."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from layer_cases import (
    random_params,
    rel_diff,
    small_emlp_case,
)

import emlp_sym.nn as enn
from emlp_sym.groups import SO
from emlp_sym.reps import Scalar, V

hk = pytest.importorskip("haiku")
optax = pytest.importorskip("optax")
eh = pytest.importorskip("emlp_sym.nn.haiku")


def transformed(make):
    """``hk.transform`` of ``make()(x)``, without an apply key."""
    return hk.without_apply_rng(hk.transform(lambda x: make()(x)))


def init(net, n_in, seed=0):
    """Haiku's own initial parameters (jitted: one compilation, not one per operation)."""
    return jax.jit(net.init)(jax.random.key(seed), jnp.zeros((2, n_in), jnp.float32))


def shapes(net, n_in):
    """The parameter dict's structure and shapes, traced without compiling anything."""
    return jax.eval_shape(net.init, jax.random.key(0), jnp.zeros((2, n_in), jnp.float32))


def zeros(net, n_in):
    return jax.tree.map(lambda s: np.zeros(s.shape, s.dtype), shapes(net, n_in))


def test_module_names_are_the_core_tree():
    G, rin, rout, x = small_emlp_case()
    stats = (np.zeros(rin.size()), np.ones(rin.size()))
    net = transformed(lambda: eh.Standardize(eh.EMLP(rin, rout, G, ch=24, num_layers=2), stats))
    params = shapes(net, rin.size())
    assert sorted(params) == ["emlp/~/block0/~/bilinear", "emlp/~/block0/~/linear",
                              "emlp/~/block1/~/bilinear", "emlp/~/block1/~/linear",
                              "emlp/~/readout"]
    core = enn.init_emlp(enn.emlp_plan(enn.emlp_architecture(rin, rout, G, 24, 2)), 0)
    tree = eh.export_params(zeros(net, rin.size()))
    assert jax.tree.map(np.shape, tree) == jax.tree.map(np.shape, core)
    mlp = shapes(transformed(lambda: eh.MLP(rin, rout, G, ch=24, num_layers=2)), rin.size())
    assert sorted(mlp) == ["mlp/~/layer0", "mlp/~/layer1", "mlp/~/readout"]
    assert mlp["mlp/~/layer0"]["w"].shape == (rin.size(), 24)


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_params_from_the_core_tree_alone(kind):
    """``import_params(None, tree)`` builds Haiku's dict under the default root ("emlp", or
    "mlp" for a matrix readout) and gives the outputs of the model's own dict."""
    G, rin, rout, x = small_emlp_case()
    net = transformed(lambda: getattr(eh, kind)(rin, rout, G, ch=24, num_layers=2))
    params = zeros(net, rin.size())
    core = random_params(eh.export_params(params), seed=3)
    got = net.apply(eh.import_params(params, core), jnp.asarray(x))
    assert rel_diff(net.apply(eh.import_params(None, core), jnp.asarray(x)), got) == 0


def test_import_keeps_the_dtypes():
    G, rin, rout, x = small_emlp_case()
    net = transformed(lambda: eh.EMLP(rin, rout, G, ch=24, num_layers=1))
    fresh = jax.tree.map(lambda a: np.asarray(a, np.float32), zeros(net, rin.size()))
    tree = jax.tree.map(lambda a: a.astype(np.float64), random_params(eh.export_params(fresh)))
    loaded = eh.import_params(fresh, tree)
    assert jax.tree.map(lambda a: a.dtype, loaded) == jax.tree.map(lambda a: a.dtype, fresh)


def test_params_of_a_model_inside_your_module():
    G, rin, rout, x = small_emlp_case()

    def forward(x):
        head = hk.Linear(rin.size(), name="head")
        return eh.EMLP(rin, rout, G, ch=24, num_layers=1)(head(x))

    net = hk.without_apply_rng(hk.transform(forward))
    params = init(net, rin.size())
    tree = eh.export_params(params, root="emlp")
    assert sorted(tree) == ["block0", "readout"]
    new = eh.import_params(params, random_params(tree), root="emlp")
    assert new["head"]["w"] is params["head"]["w"]
    with pytest.raises(ValueError, match="pass root="):
        eh.export_params(params)


def test_lone_layer_params_are_its_own_tree():
    rin, rout = (Scalar + V)(SO(3)), (V**2)(SO(3))
    params = init(transformed(lambda: eh.Linear(rin, rout)), 4)
    tree = eh.export_params(params)
    assert sorted(tree) == ["b", "w"] and tree["w"].shape == (2,)
    gate = transformed(lambda: eh.GatedNonlinearity(rout))
    assert shapes(gate, enn.gated(rout).size()) == {}  # the gate has no parameters


def test_plans_are_built_once_across_traces():
    G, rin, rout, _ = small_emlp_case()
    seen = []

    def forward(x):
        model = eh.EMLP(rin, rout, G, ch=24, num_layers=2)
        seen.append(model)
        return model(x)

    net = hk.without_apply_rng(hk.transform(forward))
    params = shapes(net, rin.size())
    jax.make_jaxpr(net.apply)(params, jnp.zeros((3, rin.size())))
    first, second = seen
    assert first.blocks[1].bilinear.plan is second.blocks[1].bilinear.plan
    assert first.readout.plan is second.readout.plan


class TestBadInput:
    def test_wrong_input_size_fails_in_init(self):
        net = transformed(lambda: eh.Linear((V**2)(SO(3)), V(SO(3))))
        with pytest.raises(ValueError, match=r"V² \(last dimension 9\)"):
            net.init(jax.random.key(0), jnp.ones((2, 4)))
        mlp = transformed(lambda: eh.MLP(V**2, V, SO(3), ch=8, num_layers=1))
        with pytest.raises(ValueError, match=r"V² \(last dimension 9\)"):
            mlp.init(jax.random.key(0), jnp.ones((2, 4)))

    def test_core_tree_without_params_needs_a_root(self):
        with pytest.raises(ValueError, match="pass root="):
            eh.import_params(None, {"w": np.zeros(2), "b": np.zeros(1)})
