"""The Haiku front: equivariance (Hypothesis), training, gradients, parity with the core,
parameter naming and round trips, the Backend, and bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_cases import (
    core_emlp_outputs,
    core_mlp_outputs,
    random_params,
    rel_diff,
    rep_pairs,
    small_emlp_case,
)

import emlp_sym.nn as enn
from emlp_sym.errors import RepError
from emlp_sym.groups import SO, SO13, O, S, Z
from emlp_sym.reps import Scalar, T, V
from emlp_sym.testing import assert_equivariant

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


def quick_init(net, n_in, seed=0):
    """Random parameters of the right shapes, drawn with NumPy: no compilation (equivariance
    holds for any parameters; Haiku's initializers are tested elsewhere)."""
    return jax.tree.map(jnp.asarray, random_params(shapes(net, n_in), seed))


def bound(net, params):
    """The model as a function of ``x`` alone (what ``assert_equivariant`` calls)."""
    apply = jax.jit(net.apply)
    return lambda x: apply(params, x)


@given(rep_pairs(), st.integers(0, 2**16))
def test_linear_is_equivariant(pair, seed):
    G, rin, rout = pair
    net = transformed(lambda: eh.Linear(rin, rout))
    assert_equivariant(bound(net, init(net, rin.size(), seed)), rin, rout, G, seed=seed,
                       rtol=2e-5)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_bilinear_is_equivariant(pair, seed):
    G, rin, rout = pair
    net = transformed(lambda: eh.BiLinear(rin, rout))
    assert_equivariant(bound(net, quick_init(net, rin.size(), seed)), rin, rout, G, seed=seed,
                       rtol=2e-5)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_gated_nonlinearity_and_block_are_equivariant(pair, seed):
    G, rin, rout = pair
    gate = transformed(lambda: eh.GatedNonlinearity(rout))
    assert shapes(gate, enn.gated(rout).size()) == {}
    assert_equivariant(bound(gate, {}), enn.gated(rout), rout, G, seed=seed, rtol=2e-5)
    block = transformed(lambda: eh.EMLPBlock(rin, rout))
    assert_equivariant(bound(block, quick_init(block, rin.size(), seed)), rin, rout, G, seed=seed,
                       rtol=2e-5)


@settings(max_examples=5)
@given(st.sampled_from([SO(3), O(3), S(4), Z(3), SO13()]), st.integers(0, 2**16))
def test_emlp_equivariant_before_and_after_training(G, seed):
    rin, rout = (2 * Scalar + 2 * V)(G), T(1, 1)(G)
    net = transformed(lambda: eh.EMLP(rin, rout, G, ch=24, num_layers=2))
    params = quick_init(net, rin.size(), seed)
    apply = jax.jit(net.apply)
    tol = 1e-4 if G == SO13() else 2e-5  # boosts amplify float32 rounding
    assert_equivariant(lambda x: apply(params, x), rin, rout, G, seed=seed, rtol=tol)
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.standard_normal((16, rin.size())), dtype=jnp.float32)
    y = jnp.asarray(rng.standard_normal((16, rout.size())), dtype=jnp.float32)
    opt = optax.adam(1e-2)

    @jax.jit
    def step(params, state):
        loss, g = jax.value_and_grad(lambda p: ((net.apply(p, x) - y) ** 2).mean())(params)
        updates, state = opt.update(g, state, params)
        return optax.apply_updates(params, updates), state, loss

    state, losses = opt.init(params), []
    for _ in range(5):
        params, state, loss = step(params, state)
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    assert_equivariant(lambda x: apply(params, x), rin, rout, G, seed=seed + 1, rtol=tol)


def test_gradients_reach_every_parameter():
    G = SO(3)
    net = transformed(lambda: eh.EMLP(Scalar + V, V**2, G, ch=24, num_layers=2))
    params = quick_init(net, 4)
    x = jnp.asarray(np.random.default_rng(0).standard_normal((8, 4)), dtype=jnp.float32)
    grads = jax.jit(jax.grad(lambda p: (net.apply(p, x) ** 2).sum()))(params)
    for module, leaves in grads.items():
        for name, g in leaves.items():
            assert float(jnp.abs(g).max()) > 0, f"no gradient reaches {module}/{name}"


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


def test_emlp_matches_the_core():
    G, rin, rout, x = small_emlp_case()
    net = transformed(lambda: eh.EMLP(rin, rout, G, ch=24, num_layers=2))
    params = zeros(net, rin.size())
    core = random_params(eh.export_params(params), seed=3)
    expected = core_emlp_outputs(rin, rout, G, core, x)  # eager: the front's ops reuse its
    got = net.apply(eh.import_params(params, core), jnp.asarray(x))  # compiled kernels
    assert rel_diff(got, expected) < 1e-5
    # from the core tree alone, under the default root
    assert rel_diff(net.apply(eh.import_params(None, core), jnp.asarray(x)), got) == 0


def test_mlp_matches_the_core():
    G, rin, rout, x = small_emlp_case()
    net = transformed(lambda: eh.MLP(rin, rout, G, ch=24, num_layers=2))
    core = random_params(eh.export_params(zeros(net, rin.size())), seed=4)
    expected = core_mlp_outputs(rin, rout, G, core, x)
    got = net.apply(eh.import_params(None, core), jnp.asarray(x))
    assert rel_diff(got, expected) < 1e-5


def test_export_import_round_trip(tmp_path):
    G, rin, rout, x = small_emlp_case()
    stats = (np.full(rin.size(), 0.1), np.full(rin.size(), 2.0), np.zeros(4), np.ones(4))
    net = transformed(lambda: eh.Standardize(eh.EMLP(rin, rout, G, ch=24, num_layers=2), stats))
    trained, fresh = init(net, rin.size(), 0), init(net, rin.size(), 1)
    path = tmp_path / "p.npz"
    enn.save_params(path, eh.export_params(trained))
    loaded = eh.import_params(fresh, enn.load_params(path))
    assert jax.tree.map(lambda a: a.dtype, loaded) == jax.tree.map(lambda a: a.dtype, fresh)
    np.testing.assert_array_equal(net.apply(loaded, x), net.apply(trained, x))


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


@pytest.mark.parametrize("model", ["EMLP", "MLP"])
def test_backend_trains(model):
    from emlp_sym.cli.backends import get_backend

    G, rin, rout, _ = small_emlp_case()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, rin.size())).astype(np.float32)
    y = rng.standard_normal((32, rout.size())).astype(np.float32)
    stats = (x.mean(0), x.std(0), y.mean(0), y.std(0))
    backend = get_backend("haiku")(model, rin, rout, G, 24, 1, stats, 0)
    start, loss = backend.export_params(), backend.loss(x, y)
    losses = [backend.step(x, y, 3e-3) for _ in range(6)]
    assert losses[0] == pytest.approx(loss, rel=1e-6) and losses[-1] < losses[0]
    assert backend.predict(x).shape == y.shape
    backend.import_params(start)
    assert backend.loss(x, y) == pytest.approx(loss, rel=1e-6)


class TestBadInput:
    def test_wrong_input_size_names_the_rep(self):
        net = transformed(lambda: eh.Linear((V**2)(SO(3)), V(SO(3))))
        with pytest.raises(ValueError, match=r"V² \(last dimension 9\)"):
            net.init(jax.random.key(0), jnp.ones((2, 4)))
        mlp = transformed(lambda: eh.MLP(V**2, V, SO(3), ch=8, num_layers=1))
        with pytest.raises(ValueError, match=r"V² \(last dimension 9\)"):
            mlp.init(jax.random.key(0), jnp.ones((2, 4)))

    def test_unbound_rep_to_layer(self):
        net = transformed(lambda: eh.Linear(V, V))
        with pytest.raises(RepError, match="bound"):
            net.init(jax.random.key(0), jnp.ones((2, 3)))

    def test_rep_of_the_wrong_group(self):
        net = transformed(lambda: eh.EMLP(V(S(3)), V, SO(3), ch=16, num_layers=1))
        with pytest.raises(RepError, match="SO\\(3\\)"):
            net.init(jax.random.key(0), jnp.ones((2, 3)))

    def test_mismatched_tree_names_the_entries(self):
        G, rin, rout, _ = small_emlp_case()
        net = transformed(lambda: eh.EMLP(rin, rout, G, ch=24, num_layers=2))
        params = init(net, rin.size())
        tree = eh.export_params(params)
        del tree["block1"]
        tree["readout"]["w"] = tree["readout"]["w"][:-1]
        with pytest.raises(ValueError, match="missing block1/linear/w.*readout/w has shape"):
            eh.import_params(params, tree)

    def test_core_tree_without_params_needs_a_root(self):
        with pytest.raises(ValueError, match="pass root="):
            eh.import_params(None, {"w": np.zeros(2), "b": np.zeros(1)})
