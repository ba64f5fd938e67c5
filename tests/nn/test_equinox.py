"""The Equinox front: equivariance (Hypothesis), training, parity with the core, parameters."""

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

eqx = pytest.importorskip("equinox")
optax = pytest.importorskip("optax")
from emlp_sym.cli.backends import equinox as backend_module  # noqa: E402
from emlp_sym.cli.backends.equinox import Backend  # noqa: E402
from emlp_sym.nn import equinox as F  # noqa: E402


def jit(model):
    """The model under ``eqx.filter_jit``: one compile per model beats JAX's op-by-op
    dispatch, which compiles every primitive anew for each new shape."""
    return eqx.filter_jit(model)


def _adam_steps(model, x, y, n, lr=1e-2):
    """``n`` jitted Adam steps on the MSE; the new model and the losses."""
    opt = optax.adam(lr)
    opt_state = opt.init(eqx.filter(model, eqx.is_array))

    @eqx.filter_jit
    def step(model, opt_state):
        loss, grads = eqx.filter_value_and_grad(lambda m: jnp.mean((m(x) - y) ** 2))(model)
        updates, opt_state = opt.update(grads, opt_state)
        return eqx.apply_updates(model, updates), opt_state, loss

    losses = []
    for _ in range(n):
        model, opt_state, loss = step(model, opt_state)
        losses.append(float(loss))
    return model, losses


@given(rep_pairs(), st.integers(0, 2**16))
def test_linear_is_equivariant(pair, seed):
    G, rin, rout = pair
    assert_equivariant(jit(F.Linear(rin, rout, key=seed)), rin, rout, G, seed=seed, rtol=2e-5)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_bilinear_is_equivariant(pair, seed):
    G, rin, rout = pair
    assert_equivariant(jit(F.BiLinear(rin, rout, key=seed)), rin, rout, G, seed=seed,
                       rtol=2e-5)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_gated_nonlinearity_and_block_are_equivariant(pair, seed):
    G, rin, rout = pair
    assert_equivariant(jit(F.GatedNonlinearity(rout)), enn.gated(rout), rout, G, seed=seed,
                       rtol=2e-5)
    assert_equivariant(jit(F.EMLPBlock(rin, rout, key=seed)), rin, rout, G, seed=seed,
                       rtol=2e-5)


@settings(max_examples=5)
@given(st.sampled_from([SO(3), O(3), S(4), Z(3), SO13()]), st.integers(0, 2**16))
def test_emlp_equivariant_before_and_after_training(G, seed):
    rin, rout = (2 * Scalar + 2 * V)(G), T(1, 1)(G)
    model = F.EMLP(rin, rout, G, ch=24, num_layers=2, key=jax.random.key(seed))
    tol = 1e-4 if G == SO13() else 2e-5  # boosts amplify float32 rounding
    assert_equivariant(jit(model), rin, rout, G, seed=seed, rtol=tol)
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.standard_normal((16, rin.size())), dtype=jnp.float32)
    y = jnp.asarray(rng.standard_normal((16, rout.size())), dtype=jnp.float32)
    model, losses = _adam_steps(model, x, y, 5)
    assert losses[-1] < losses[0]
    assert_equivariant(jit(model), rin, rout, G, seed=seed + 1, rtol=tol)


def test_gradients_reach_every_parameter():
    G, rin, rout, x = small_emlp_case()
    model = F.Standardize(F.EMLP(rin, rout, G, ch=30, num_layers=2, key=0),
                          (np.zeros(rin.size()), np.ones(rin.size())))
    grads = eqx.filter_jit(eqx.filter_grad(lambda m: jnp.sum(m(jnp.asarray(x)) ** 2)))(model)
    for name, g in enn.core.params.flatten_params(F.export_params(grads)).items():
        assert np.abs(g).max() > 0, f"no gradient reaches {name}"
    # the statistics are arrays of the pytree, but not trained
    assert all(float(jnp.abs(g).max()) == 0 for g in grads.stats)


def test_one_example_batches_and_vmap_agree():
    G, rin, rout, x = small_emlp_case()
    for model in (F.EMLP(rin, rout, G, ch=24, num_layers=2, key=1),
                  F.MLP(rin, rout, G, ch=24, num_layers=2, key=1)):
        f, xs = jit(model), jnp.asarray(x)
        batched = f(xs)
        assert f(xs[0]).shape == (rout.size(),)
        assert rel_diff(jax.vmap(f)(xs), batched) < 1e-6
        assert rel_diff(f(xs[0]), batched[0]) < 1e-6
        assert f(xs.reshape(5, 1, -1)).shape == (5, 1, rout.size())


def test_the_same_key_gives_the_cores_parameters():
    G, rin, rout, _ = small_emlp_case()
    plan = enn.emlp_plan(enn.emlp_architecture(rin, rout, G, ch=24, num_layers=2))
    core = enn.init_emlp(plan, 7)
    got = F.export_params(F.EMLP(rin, rout, G, ch=24, num_layers=2, key=jax.random.key(7)))
    assert jax.tree.all(jax.tree.map(np.array_equal, got, jax.tree.map(np.asarray, core)))
    arch = enn.mlp_architecture(rin, rout, G, ch=24, num_layers=2)
    core = enn.init_mlp(arch, 7)
    got = F.export_params(F.MLP(rin, rout, G, ch=24, num_layers=2, key=7))
    assert jax.tree.all(jax.tree.map(np.array_equal, got, jax.tree.map(np.asarray, core)))


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_parity_with_the_core(kind):
    G, rin, rout, x = small_emlp_case()
    model = getattr(F, kind)(rin, rout, G, ch=24, num_layers=2, key=0)
    params = random_params(F.export_params(model), seed=3)
    model = F.import_params(model, params)
    core = (core_emlp_outputs if kind == "EMLP" else core_mlp_outputs)(rin, rout, G, params, x)
    assert rel_diff(jit(model)(jnp.asarray(x)), core) < 1e-5


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_export_import_round_trip(kind, tmp_path):
    G, rin, rout, x = small_emlp_case()
    stats = (np.full(rin.size(), 0.1), np.full(rin.size(), 2.0))
    a = F.Standardize(getattr(F, kind)(rin, rout, G, ch=24, num_layers=2, key=0), stats)
    b = F.Standardize(getattr(F, kind)(rin, rout, G, ch=24, num_layers=2, key=1), stats)
    enn.save_params(tmp_path / "p.npz", F.export_params(a))
    b2 = F.import_params(b, enn.load_params(tmp_path / "p.npz"))
    run, xs = eqx.filter_jit(lambda m, x: m(x)), jnp.asarray(x)
    assert np.array_equal(run(b2, xs), run(a, xs))
    assert not np.array_equal(run(b, xs), run(a, xs))  # a new model, b unchanged
    assert isinstance(F.export_params(b2)["readout"]["w"], np.ndarray)


def test_backend_trains_and_moves_parameters(monkeypatch):
    traces = []
    mse = backend_module._mse
    monkeypatch.setattr(backend_module, "_mse", lambda *a: traces.append(1) or mse(*a))
    G, rin, rout, x = small_emlp_case()
    y = np.random.default_rng(1).standard_normal((5, rout.size())).astype(np.float32)
    stats = (np.zeros(rin.size()), np.ones(rin.size()), np.zeros(rout.size()),
             np.ones(rout.size()))
    backend = Backend("EMLP", rin, rout, G, 24, 2, stats, seed=0)
    losses = [backend.step(x, y, 3e-3) for _ in range(4)]
    losses += [backend.step(x, y, 1e-2) for _ in range(4)]
    assert losses[-1] < losses[0]
    assert len(traces) == 1  # a new learning rate is a new value, not a new compile
    assert backend.loss(x, y) < losses[0]
    other = Backend("EMLP", rin, rout, G, 24, 2, stats, seed=1)
    other.import_params(backend.export_params())
    assert np.allclose(other.predict(x), backend.predict(x), atol=1e-6)


class TestBadInput:
    def test_wrong_input_size_names_the_rep(self):
        layer = F.Linear((V**2)(SO(3)), V(SO(3)), key=0)
        with pytest.raises(ValueError, match=r"V² \(last dimension 9\)"):
            layer(jnp.ones((2, 4)))
        mlp = F.MLP(V, V, SO(3), ch=8, num_layers=1, key=0)
        with pytest.raises(ValueError, match=r"MLP expects inputs of rep V"):
            mlp(jnp.ones(4))

    def test_unbound_rep_to_layer(self):
        with pytest.raises(RepError, match="bound"):
            F.Linear(V, V, key=0)

    def test_rep_of_the_wrong_group(self):
        with pytest.raises(RepError, match="SO\\(3\\)"):
            F.EMLP(V(S(3)), V, SO(3), ch=16, num_layers=1, key=0)

    def test_key_is_required_and_checked(self):
        with pytest.raises(TypeError, match="key"):
            F.EMLP(V, V, SO(3), ch=16, num_layers=1)
        with pytest.raises(TypeError, match="PRNG key"):
            F.EMLP(V, V, SO(3), ch=16, num_layers=1, key="seed")

    def test_mismatched_parameters_name_the_entry(self):
        model = F.EMLP(V, V, SO(3), ch=16, num_layers=1, key=0)
        params = F.export_params(model)
        params["readout"]["w"] = np.zeros(3)
        del params["block0"]["bilinear"]
        with pytest.raises(ValueError, match="missing block0/bilinear/w.*readout/w has shape"):
            F.import_params(model, params)
        with pytest.raises(TypeError, match="equinox model"):
            F.export_params(eqx.nn.Linear(2, 2, key=jax.random.key(0)))
