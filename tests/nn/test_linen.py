"""The Flax linen front: equivariance laws, parity with the core, parameters, the Backend."""

from functools import cache

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
from emlp_sym.groups import SO, O, S, Z
from emlp_sym.reps import Scalar, T, V
from emlp_sym.testing import assert_equivariant

pytest.importorskip("flax.linen")
optax = pytest.importorskip("optax")
from emlp_sym.nn import linen as L  # noqa: E402


@cache
def small_model(kind="EMLP", ch=24):
    """The shared small case's model, its variables (jitted init: one XLA program instead of
    an eager op per random draw), and its inputs."""
    G, rin, rout, x = small_emlp_case()
    net = {"EMLP": L.EMLP, "MLP": L.MLP}[kind](rin, rout, G, ch=ch, num_layers=2)
    return net, jax.jit(net.init)(jax.random.key(0), x), x


def random_variables(module, seed=0):
    """Random variables shaped as ``module.init``'s, drawn with NumPy (an eager ``init``
    compiles one XLA program per random draw's shape)."""
    shapes = jax.eval_shape(module.init, jax.random.key(0),
                            jnp.zeros((1, module.rep_in.size()), jnp.float32))
    return random_params(jax.tree.map(lambda s: np.zeros(s.shape, s.dtype), shapes), seed)


def bound(module, seed=0):
    """``x ↦ module.apply(variables, x)`` with random variables."""
    variables = random_variables(module, seed)
    return lambda x: module.apply(variables, jnp.asarray(x))


@given(rep_pairs(), st.integers(0, 2**16))
def test_linear_is_equivariant(pair, seed):
    G, rin, rout = pair
    assert_equivariant(bound(L.Linear(rin, rout), seed), rin, rout, G, seed=seed, rtol=2e-5)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_bilinear_is_equivariant(pair, seed):
    G, rin, rout = pair
    assert_equivariant(bound(L.BiLinear(rin, rout), seed), rin, rout, G, seed=seed, rtol=2e-5)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_gated_nonlinearity_and_block_are_equivariant(pair, seed):
    G, rin, rout = pair
    gate = L.GatedNonlinearity(rout)
    assert_equivariant(lambda x: gate.apply({}, jnp.asarray(x)), enn.gated(rout), rout, G,
                       seed=seed, rtol=2e-5)
    assert_equivariant(bound(L.EMLPBlock(rin, rout), seed), rin, rout, G, seed=seed, rtol=2e-5)


def test_user_rep_gets_its_own_gate():
    from user_reps import PseudoScalar

    G = S(3)
    rep = V(G) + PseudoScalar(G)
    gate = L.GatedNonlinearity(rep)
    assert_equivariant(lambda x: gate.apply({}, jnp.asarray(x)), enn.gated(rep), rep, G,
                       rtol=2e-5)
    assert_equivariant(bound(L.Linear(rep, rep)), rep, rep, G, rtol=2e-5)


def test_linear_weight_method_is_its_dense_matrix():
    rin, rout = (Scalar + V + V**2)(SO(3)), (V + V**2)(SO(3))
    layer = L.Linear(rin, rout)
    variables = random_variables(layer)
    W = layer.apply(variables, method="weight")
    x = np.random.default_rng(0).standard_normal((3, rin.size())).astype(np.float32)
    b = layer.apply(variables, jnp.zeros((1, rin.size())))
    np.testing.assert_allclose(layer.apply(variables, x), x @ np.asarray(W).T + b, atol=1e-5)


def _adam_steps(net, variables, x, y, n=5, lr=1e-2):
    opt = optax.adam(lr)
    state = opt.init(variables["params"])

    @jax.jit
    def step(params, state):
        loss, g = jax.value_and_grad(
            lambda p: jnp.mean((net.apply({"params": p}, x) - y) ** 2))(params)
        updates, state = opt.update(g, state, params)
        return optax.apply_updates(params, updates), state, loss

    params, losses = variables["params"], []
    for _ in range(n):
        params, state, loss = step(params, state)
        losses.append(float(loss))
    return {"params": params}, losses


@settings(max_examples=3)
@given(st.sampled_from([SO(3), O(3), S(4), Z(3)]), st.integers(0, 2**16))
def test_emlp_equivariant_before_and_after_training(G, seed):
    rin, rout = (2 * Scalar + 2 * V)(G), T(1, 1)(G)
    net = L.EMLP(rin, rout, G, ch=24, num_layers=2)
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.standard_normal((8, rin.size())), dtype=jnp.float32)
    y = jnp.asarray(rng.standard_normal((8, rout.size())), dtype=jnp.float32)
    variables = jax.jit(net.init)(jax.random.key(seed), x)
    apply = jax.jit(net.apply)
    assert_equivariant(lambda z: apply(variables, z), rin, rout, G, x=x, seed=seed, rtol=2e-5)
    trained, losses = _adam_steps(net, variables, x, y)
    assert losses[-1] < losses[0]
    assert_equivariant(lambda z: apply(trained, z), rin, rout, G, x=x, seed=seed + 1,
                       rtol=2e-5)


def test_gradients_reach_every_parameter():
    net, variables, x = small_model()
    grads = jax.jit(jax.grad(lambda v: jnp.sum(net.apply(v, x) ** 2)))(variables)
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        assert float(jnp.abs(g).max()) > 0, f"no gradient reaches {jax.tree_util.keystr(path)}"


def test_parameters_are_named_and_drawn_as_the_core():
    net, variables, x = small_model()
    plan = enn.emlp_plan(net.architecture)
    core = jax.eval_shape(lambda: enn.init_emlp(plan, 0))
    assert jax.tree.map(np.shape, L.export_params(variables)) == jax.tree.map(np.shape, core)
    # the core's distributions: N(0, weight_std²) coefficients, uniform(0, bias_scale) biases
    rep = (60 * Scalar + 20 * V)(SO(3))
    big = L.Linear(rep, rep)
    p = L.export_params(jax.jit(big.init)(jax.random.key(1), jnp.zeros((1, rep.size()))))
    lplan = enn.linear_plan(big.rep_in, big.rep_out)
    assert abs(p["w"].std() / lplan.weight_std - 1) < 0.05 and abs(p["w"].mean()) < 0.01
    assert 0 <= p["b"].min() and p["b"].max() <= lplan.bias_scale


@pytest.mark.parametrize("with_variables", [True, False])
def test_emlp_matches_the_core(with_variables):
    net, variables, x = small_model()
    params = random_params(L.export_params(variables), seed=3)
    imported = L.import_params(variables if with_variables else None, params)
    G, rin, rout, _ = small_emlp_case()
    expected = core_emlp_outputs(rin, rout, G, params, x, ch=24, num_layers=2)
    assert rel_diff(net.apply(imported, x), expected) < 1e-5


@pytest.mark.parametrize("with_variables", [True, False])
def test_mlp_matches_the_core(with_variables):
    net, variables, x = small_model("MLP")
    assert set(variables["params"]) == {"layer0", "layer1", "readout"}
    assert set(variables["params"]["layer0"]) == {"w", "b"}
    params = random_params(L.export_params(variables), seed=4)
    imported = L.import_params(variables if with_variables else None, params)
    G, rin, rout, _ = small_emlp_case()
    expected = core_mlp_outputs(rin, rout, G, params, x, ch=24, num_layers=2)
    assert rel_diff(net.apply(imported, x), expected) < 1e-5


def test_standardize_shares_the_model_parameters_and_matches_the_core():
    net, variables, x = small_model()
    G, rin, rout, _ = small_emlp_case()
    rng = np.random.default_rng(0)
    stats = (rng.standard_normal(rin.size()), 1 + rng.random(rin.size()),
             rng.standard_normal(rout.size()), 1 + rng.random(rout.size()))
    model = L.Standardize(net, stats)
    shapes = jax.eval_shape(model.init, jax.random.key(0), x)
    assert jax.tree.map(np.shape, shapes) == jax.tree.map(np.shape, variables)
    params = random_params(L.export_params(variables), seed=5)
    got = jax.jit(model.apply)(L.import_params(variables, params), x)
    plan = enn.emlp_plan(net.architecture)
    core_stats = tuple(jnp.asarray(s) for s in enn.core.architecture.check_stats(stats))
    expected = enn.core.architecture.standardize(
        lambda z: enn.emlp_apply(plan, jax.tree.map(jnp.asarray, params), z), core_stats, x)
    assert rel_diff(got, expected) < 1e-5


def test_modules_are_hashable_and_jit_their_apply():
    """``jax.jit(net.apply)`` hashes the module: stats and a list ``ch`` are stored hashable."""
    net, variables, x = small_model()
    G, rin, rout, _ = small_emlp_case()
    stats = [np.zeros(rin.size()), np.ones(rin.size())]
    model = L.Standardize(net, stats)
    assert model == L.Standardize(net, [s.copy() for s in stats])
    assert hash(model) == hash(L.Standardize(net, [s.copy() for s in stats]))
    np.testing.assert_allclose(jax.jit(model.apply)(variables, x), net.apply(variables, x),
                               rtol=1e-5, atol=1e-6)
    listed = L.EMLP(rin, rout, G, ch=[24, 2 * V + Scalar], num_layers=2)
    assert listed.ch == (24, 2 * V + Scalar) and isinstance(hash(listed), int)
    jax.jit(listed.apply).lower(jax.eval_shape(listed.init, jax.random.key(0), x), x)


def test_tracing_again_solves_nothing():
    """Modules are rebound on every trace; the core's plan cache keeps that free."""
    from emlp_sym.nn.core.linear import _hom_basis

    net, variables, x = small_model()
    before = _hom_basis.cache_info().misses, enn.emlp_architecture.cache_info().misses
    jax.jit(lambda v, z: net.apply(v, z)).lower(variables, x)
    assert (_hom_basis.cache_info().misses, enn.emlp_architecture.cache_info().misses) == before


def test_export_import_round_trip(tmp_path):
    for kind in ("EMLP", "MLP"):
        net, variables, x = small_model(kind)
        target = jax.eval_shape(net.init, jax.random.key(2), x)  # shapes suffice
        enn.save_params(tmp_path / "p.npz", L.export_params(variables))
        again = L.import_params(target, enn.load_params(tmp_path / "p.npz"))
        jax.tree.map(np.testing.assert_array_equal, again, variables)
        np.testing.assert_array_equal(net.apply(again, x), net.apply(variables, x))


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_backend_trains_and_moves_parameters(kind):
    from emlp_sym.cli.backends import get_backend

    G, rin, rout, x = small_emlp_case()
    y = np.random.default_rng(1).standard_normal((len(x), rout.size())).astype(np.float32)
    stats = (np.zeros(rin.size()), np.ones(rin.size()), np.zeros(rout.size()),
             np.ones(rout.size()))
    backend = get_backend("linen")(kind, rin, rout, G, 24, 1, stats, 0)
    losses = [backend.step(x, y, 3e-3) for _ in range(6)]
    assert losses[-1] < losses[0] and abs(backend.loss(x, y) - losses[-1]) < losses[0]
    other = get_backend("linen")(kind, rin, rout, G, 24, 1, None, 1)
    other.import_params(backend.export_params())
    np.testing.assert_allclose(other.predict(x), backend.predict(x), rtol=1e-5, atol=1e-5)
    backend.step(x, y, 3e-3)  # donating its buffers leaves the imported copy alone
    assert np.isfinite(other.predict(x)).all()


class TestBadInput:
    def test_wrong_input_size_names_the_rep(self):
        layer = L.Linear((V**2)(SO(3)), V(SO(3)))
        variables = layer.init(jax.random.key(0), jnp.ones((2, 9)))
        with pytest.raises(ValueError, match=r"V² \(last dimension 9\)"):
            layer.apply(variables, jnp.ones((2, 4)))
        net = L.EMLP(V, V, SO(3), ch=16, num_layers=1)
        with pytest.raises(ValueError, match="last dimension 3"):
            net.init(jax.random.key(0), jnp.ones((2, 4)))
        with pytest.raises(ValueError, match="MLP expects"):
            L.MLP(V, V, SO(3), ch=16, num_layers=1).init(jax.random.key(0), jnp.ones((2, 4)))

    def test_unbound_rep_fails_at_construction(self):
        with pytest.raises(RepError, match="bound"):
            L.Linear(V, V)
        L.Linear(Scalar(SO(3)), Scalar(SO(3)))  # equal to the unbound Scalar: not cached so
        with pytest.raises(RepError, match="bound"):
            L.Linear(Scalar, Scalar)
        with pytest.raises(RepError, match="bound"):
            L.BiLinear(V(SO(3)), V)

    def test_rep_of_the_wrong_group(self):
        with pytest.raises(RepError, match=r"SO\(3\)"):
            L.EMLP(V(S(3)), V, SO(3), ch=16, num_layers=1)

    def test_mismatched_parameters_are_named(self):
        _, variables, _ = small_model()
        params = L.export_params(variables)
        del params["block1"]
        params["readout"]["w"] = params["readout"]["w"][:-1]
        with pytest.raises(ValueError, match="missing block1/linear/w.*readout/w has shape"):
            L.import_params(variables, params)

    def test_wrongly_shaped_variables_fail_in_apply(self):
        net = L.Linear(V(SO(3)), V(SO(3)))
        variables = {"params": {"w": jnp.ones(2), "b": jnp.ones(0)}}
        with pytest.raises(Exception, match="shape"):
            net.apply(variables, jnp.ones((1, 3)))
