"""The core's wiring (emlp_sym.nn.core.wiring) and the fronts built from it: one structure,
one set of parameter names and initialisers, the same attributes in every front."""

import importlib.util
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from layer_cases import (
    core_emlp_outputs,
    core_mlp_outputs,
    random_params,
    rel_diff,
    small_emlp_case,
)

import emlp_sym.nn as enn
from emlp_sym.errors import RepError
from emlp_sym.nn.core import wiring
from emlp_sym.nn.core.architecture import bind_rep
from emlp_sym.nn.core.params import flatten_params
from emlp_sym.reps import Scalar, V

NEEDS = {"objax": "objax", "flax": "flax", "linen": "flax", "haiku": "haiku",
         "equinox": "equinox", "pytorch": "torch"}
FRONTS = [pytest.param(f, marks=pytest.mark.skipif(importlib.util.find_spec(m) is None,
                                                   reason=f"{m} is not installed"))
          for f, m in NEEDS.items()]


class Front:
    """One front's model of a kind, behind one interface: its core tree, outputs, imports."""

    def __init__(self, front, kind, rin, rout, G, ch=24, num_layers=2):
        self.front = front
        mod = importlib.import_module(f"emlp_sym.nn.{front}")
        cls = getattr(mod, kind)
        self.mod, x0 = mod, np.zeros((1, bind_rep(rin, G, "rep_in").size()), np.float32)
        if front == "objax":
            self.model = cls(rin, rout, G, ch=ch, num_layers=num_layers)
        elif front == "flax":
            from flax import nnx
            self.model = cls(rin, rout, G, ch=ch, num_layers=num_layers, rngs=nnx.Rngs(0))
        elif front == "linen":
            self.model = cls(rin, rout, G, ch=ch, num_layers=num_layers)
            self.state = self.model.init(jax.random.key(0), x0)
        elif front == "haiku":
            import haiku as hk
            self.model = cls(rin, rout, G, ch=ch, num_layers=num_layers)  # outside a transform
            self.net = hk.without_apply_rng(hk.transform(self.model))
            self.state = self.net.init(jax.random.key(0), x0)
        elif front == "equinox":
            self.model = cls(rin, rout, G, ch=ch, num_layers=num_layers, key=0)
        else:
            self.model = cls(rin, rout, G, ch=ch, num_layers=num_layers)

    def export(self):
        if self.front in ("linen", "haiku"):
            return self.mod.export_params(self.state)
        return self.mod.export_params(self.model)

    def load(self, params):
        if self.front in ("linen", "haiku"):
            self.state = self.mod.import_params(self.state, params)
        elif self.front == "equinox":
            self.model = self.mod.import_params(self.model, params)
        else:
            self.mod.import_params(self.model, params)

    def __call__(self, x):
        if self.front == "linen":
            return np.asarray(self.model.apply(self.state, jnp.asarray(x)))
        if self.front == "haiku":
            return np.asarray(self.net.apply(self.state, jnp.asarray(x)))
        if self.front == "pytorch":
            import torch
            with torch.no_grad():
                return self.model(torch.as_tensor(x)).numpy()
        return np.asarray(self.model(jnp.asarray(x)))


def core_spec(kind, rin, rout, G, ch=24, num_layers=2):
    if kind == "EMLP":
        return wiring.emlp_spec(enn.emlp_plan(enn.emlp_architecture(rin, rout, G, ch,
                                                                    num_layers)))
    return wiring.mlp_spec(enn.mlp_architecture(rin, rout, G, ch, num_layers))


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
@pytest.mark.parametrize("front", FRONTS)
def test_each_front_names_and_shapes_its_parameters_as_the_core(front, kind):
    G, rin, rout, _ = small_emlp_case()
    got = {k: v.shape for k, v in flatten_params(Front(front, kind, rin, rout, G).export()).items()}
    want = {"/".join(p.path): p.shape for p in wiring.param_specs(core_spec(kind, rin, rout, G))}
    assert got == want


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_parameters_move_between_every_front_exactly(kind):
    G, rin, rout, x = small_emlp_case()
    fronts = [Front(p.values[0], kind, rin, rout, G) for p in FRONTS
              if importlib.util.find_spec(NEEDS[p.values[0]]) is not None]
    params = random_params(fronts[0].export(), seed=5)
    core = (core_emlp_outputs if kind == "EMLP" else core_mlp_outputs)(rin, rout, G, params, x)
    source = fronts[0]
    source.load(params)
    for target in fronts[1:]:  # each from the previous one's export, so every hop is exact
        target.load(source.export())
        assert jax.tree.all(jax.tree.map(np.array_equal, target.export(), params))
        assert rel_diff(target(x), core) < 1e-5, target.front
        source = target


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
@pytest.mark.parametrize("front", FRONTS)
def test_every_front_exposes_bound_reps_and_the_group(front, kind):
    G, _, _, _ = small_emlp_case()
    model = Front(front, kind, Scalar + V, V**2, G, ch=16, num_layers=1).model
    assert model.rep_in == (Scalar + V)(G) and model.rep_in.G == G
    assert model.rep_out == (V**2)(G) and model.rep_out.G == G
    assert model.G == G


def test_core_init_follows_the_spec_key_tree():
    G, rin, rout, _ = small_emlp_case()
    spec = core_spec("EMLP", rin, rout, G)
    params = wiring.init_params(spec, 3)
    keys = wiring.part_keys(spec, 3)
    assert list(keys) == ["block0", "block1", "readout"]  # the nonlinearities draw nothing
    block = wiring.init_params(spec.child("block1"), keys["block1"])
    assert jax.tree.all(jax.tree.map(np.array_equal, block, params["block1"]))
    # a dense layer's key goes whole to w (its b starts at zero)
    dense = wiring.dense_spec(5, 4)
    w = wiring.init_params(dense, 7)["w"]
    np.testing.assert_array_equal(w, dense.params[0].init(7, (5, 4)))
    assert abs(float(np.std(wiring.init_params(wiring.dense_spec(200, 300), 0)["w"]))
               / np.sqrt(2 / 500) - 1) < 0.05


def test_the_pytorch_mlp_is_glorot_normal_as_the_others():
    torch = pytest.importorskip("torch")
    from emlp_sym.groups import SO
    from emlp_sym.nn import pytorch as P

    model = P.MLP(V, V, SO(3), ch=400, num_layers=1, generator=torch.Generator().manual_seed(0))
    params = P.export_params(model)
    std = float(np.std(params["layer0"]["w"]))
    assert abs(std / np.sqrt(2 / 403) - 1) < 0.1  # uniform ±1/√3 would give std 0.33
    assert not params["layer0"]["b"].any()


def test_haiku_models_built_outside_a_transform_are_functions_of_the_input():
    hk = pytest.importorskip("haiku")
    from emlp_sym.nn import haiku as eh

    G, rin, rout, x = small_emlp_case()
    outside = hk.without_apply_rng(hk.transform(eh.EMLP(rin, rout, G, ch=24, num_layers=2)))
    inside = hk.without_apply_rng(hk.transform(
        lambda x: eh.EMLP(rin, rout, G, ch=24, num_layers=2)(x)))
    a, b = outside.init(jax.random.key(0), x), inside.init(jax.random.key(0), x)
    assert jax.tree.all(jax.tree.map(np.array_equal, a, b))  # same modules, names and draws
    np.testing.assert_array_equal(outside.apply(a, x), inside.apply(a, x))
    mlp = eh.MLP(rin, rout, G, ch=8, num_layers=1)
    assert mlp.rep_in == rin and mlp.G == G
    net = hk.without_apply_rng(hk.transform(mlp))
    assert net.apply(net.init(jax.random.key(0), x), x).shape == (5, rout.size())
    from emlp_sym.groups import SO

    with pytest.raises(RepError, match="rep_in is a representation of SO\\(2\\)"):
        eh.EMLP(V(SO(2)), V, G)  # bad arguments fail at the call, not at the first trace


def test_renamed_functions_keep_their_old_names_with_a_warning():
    from emlp_sym.groups import SO
    from emlp_sym.nn.core import bilinear as bl
    from emlp_sym.nn.core import linear as ln

    lplan = ln.linear_plan((Scalar + V)(SO(3)), V(SO(3)))
    w = jnp.asarray(np.random.default_rng(0).standard_normal(lplan.num_weights), jnp.float32)
    bplan = bl.bilinear_plan(V(SO(3)), V(SO(3)))
    wb = jnp.ones(bplan.num_weights)
    xb = jnp.ones((2, 3))
    pairs = [(ln.linear_weight, ln.canonical_layout_weight, (lplan, w)),
             (ln.dense_weight, ln.user_layout_weight, (lplan, w)),
             (ln.linear_bias, ln.canonical_layout_bias, (lplan, jnp.ones(lplan.num_biases))),
             (bl.bilinear_weight, bl.scaled_bilinear_matrix, (bplan, wb, xb))]
    for old, new, args in pairs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = old(*args)
        assert caught and caught[0].category is DeprecationWarning
        assert new.__name__ in str(caught[0].message)
        np.testing.assert_array_equal(got, new(*args))
    # the scale is explicit: scaled_bilinear_matrix is 0.1 × the reference's bilinear_weights
    n, weight_fn = enn.bilinear_weights(V(SO(3)), V(SO(3)))
    np.testing.assert_allclose(bl.scaled_bilinear_matrix(bplan, wb, xb),
                               bl.SCALE * weight_fn(wb, xb), rtol=1e-6)
