"""The dynamics core (emlp_sym.nn.core.dynamics) and its objax / Flax NNX fronts: invariance of the
learned Hamiltonian, equivariance of the vector fields, the integrators and the rollout
metric."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym.groups import SO, DkeR3, O2eR3
from emlp_sym.nn.core import dynamics as dyn
from emlp_sym.reps import Scalar, V

SEEDS = st.integers(0, 2**31 - 1)


def _net(kind, G, equivariant=True):
    return dyn.dynamics_net(kind, 4 * V, G, ch=12, num_layers=2, equivariant=equivariant)


@pytest.fixture(scope="module")
def o2_models():
    """Jitted energy and vector fields of an EMLPH, an EMLPode and an MLPH on O(2) in R³."""
    G = O2eR3()
    out = {"G": G, "rho": jax.jit(jax.vmap((4 * V)(G).rho_dense))}
    for name, kind, eq in (("EMLPH", "hamiltonian", True), ("EMLPode", "ode", True),
                           ("MLPH", "hamiltonian", False)):
        net = _net(kind, G, eq)
        params = dyn.init_dynamics(net, 1)
        out[name] = (jax.jit(lambda z, n=net, p=params: dyn.vector_field(n, p, z)),
                     jax.jit(lambda z, n=net, p=params: dyn.network_apply(n, p, z)))
    return out


def _states_and_rhos(models, seed, n=6):
    rng = np.random.default_rng(seed)
    z = jnp.asarray(rng.standard_normal((n, 12)), jnp.float32)
    gs = models["G"].samples(n, seed=seed)
    return z, models["rho"](gs)


@given(SEEDS)
def test_emlph_energy_is_invariant(o2_models, seed):
    z, rho = _states_and_rhos(o2_models, seed)
    energy = o2_models["EMLPH"][1]
    gz = jnp.einsum("nij,nj->ni", rho, z)
    np.testing.assert_allclose(energy(gz), energy(z), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["EMLPH", "EMLPode"])
@given(seed=SEEDS)
def test_vector_fields_are_equivariant(o2_models, name, seed):
    z, rho = _states_and_rhos(o2_models, seed)
    field = o2_models[name][0]
    lhs = field(jnp.einsum("nij,nj->ni", rho, z))
    rhs = jnp.einsum("nij,nj->ni", rho, field(z))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4, atol=1e-5)


def test_mlp_hamiltonian_is_not_equivariant(o2_models):
    # the check above can fail: the MLP's field moves off by far more than the tolerance
    z, rho = _states_and_rhos(o2_models, 0, n=32)
    field = o2_models["MLPH"][0]
    lhs = field(jnp.einsum("nij,nj->ni", rho, z))
    rhs = jnp.einsum("nij,nj->ni", rho, field(z))
    assert float(jnp.max(jnp.abs(lhs - rhs))) > 1e-3


def test_dihedral_hamiltonian_field_is_equivariant():
    G = DkeR3(6)
    net = _net("hamiltonian", G)
    params = dyn.init_dynamics(net, 0)
    z = jnp.asarray(np.random.default_rng(0).standard_normal((4, 12)), jnp.float32)
    rho = jax.vmap((4 * V)(G).rho_dense)(G.samples(4, seed=3))
    lhs = dyn.vector_field(net, params, jnp.einsum("nij,nj->ni", rho, z))
    rhs = jnp.einsum("nij,nj->ni", rho, dyn.vector_field(net, params, z))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4, atol=1e-5)


@given(st.floats(-3, 3), st.floats(-3, 3))
def test_symplectic_gradient_of_the_oscillator(q, p):
    z = jnp.asarray([[q, p]], jnp.float32)
    field = dyn.symplectic_gradient(lambda s: 0.5 * jnp.sum(s**2, -1), z)
    np.testing.assert_allclose(field, [[p, -q]], atol=1e-6)


def test_integrators_follow_the_oscillator():
    # dq/dt = p, dp/dt = -q: the exact flow rotates [q, p] clockwise
    f = lambda z: jnp.concatenate([z[:, 1:], -z[:, :1]], axis=1)
    z0 = jnp.asarray([[1.0, 0.0], [0.3, -2.0]])
    ts = jnp.linspace(0, 3, 7)
    c, s = np.cos(np.asarray(ts)), np.sin(np.asarray(ts))
    exact = np.stack([np.outer(z0[:, 0], c) + np.outer(z0[:, 1], s),
                      -np.outer(z0[:, 0], s) + np.outer(z0[:, 1], c)], axis=-1)
    rk4 = dyn.rk4_integrate(f, z0, ts, substeps=4)
    assert rk4.shape == (2, 7, 2)
    np.testing.assert_allclose(rk4, exact, atol=1e-4)
    np.testing.assert_allclose(dyn.odeint_integrate(f, z0, ts), exact, atol=1e-4)


@given(SEEDS)
def test_rollout_error_is_the_references_formula(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, 3, 5, 12))
    # the reference: rms(a-b) / (rms(a) + rms(b)) per state; the 1/D inside cancels
    rms = lambda x: np.sqrt((x**2).mean(-1))
    expected = rms(a - b) / (rms(a) + rms(b))
    errs = np.asarray(dyn.rollout_errors(a, b))
    np.testing.assert_allclose(errs, expected, rtol=1e-5)
    np.testing.assert_allclose(dyn.geometric_mean(errs), np.exp(np.log(expected).mean()),
                               rtol=1e-5)


def test_a_rollout_that_blew_up_counts_as_error_one():
    true = jnp.ones((2, 3, 4))
    pred = true.at[1, 2:].set(jnp.inf).at[0, 1].set(jnp.nan)
    errs = np.asarray(dyn.rollout_errors(pred, true))
    np.testing.assert_array_equal(errs, [[0, 1, 0], [0, 0, 1]])


def test_a_huge_finite_rollout_is_error_one_not_nan():
    """A rollout on its way to overflow (finite, but its squared norm is inf in float32) gave
    inf / inf = NaN, which made a whole cell's geometric mean NaN (SO(2) at 2000 epochs)."""
    from emlp_sym.cli.train_dynamics import rollout_metrics

    true = jnp.ones((2, 3, 4), jnp.float32)
    pred = true.at[1, 1:].set(3e30).at[1, 2, 0].set(-3e30)
    errs = np.asarray(dyn.rollout_errors(pred, true))
    assert np.all(np.isfinite(errs))
    np.testing.assert_allclose(errs, [[0, 0, 0], [0, 1, 1]], atol=1e-6)
    m = rollout_metrics(pred, true, [0.0, 0.2, 0.4])
    assert np.isfinite(m["rollout_error"]) and m["diverged_rollouts"] == 1
    assert float(dyn.relative_error(jnp.zeros(3), jnp.zeros(3))) == 0.0


def test_geometric_mean_floors_exact_matches():
    errs = jnp.asarray([[0.0, 1e-2], [1e-2, 1e-2]])
    assert dyn.geometric_mean(errs) == pytest.approx((1e-7 * 1e-6) ** 0.25, rel=1e-4)
    assert float(dyn.relative_error(jnp.ones(3), jnp.ones(3))) == 0.0


def test_chunk_loss_vanishes_on_the_models_own_trajectories():
    net = dyn.dynamics_net("ode", 2 * V, SO(2), ch=8, num_layers=1)
    params = dyn.init_dynamics(net, 0)
    ts = jnp.arange(4) * 0.2
    chunks = dyn.integrate(net, params, jnp.ones((3, 4)), ts)
    assert float(dyn.chunk_mse(net, params, chunks, ts)) < 1e-10
    # moving the 3 later states of each 4-state chunk by 0.1: MSE 0.01 * 3/4
    moved = chunks.at[:, 1:].add(0.1)
    assert float(dyn.chunk_mse(net, params, moved, ts)) == pytest.approx(0.0075, rel=1e-3)


@pytest.mark.parametrize("front", ["objax", "flax"])
def test_fronts_compute_the_cores_fields(front):
    G = SO(2)
    z = jnp.asarray(np.random.default_rng(0).standard_normal((5, 4)), jnp.float32)
    for name, kind, eq in (("EMLPH", "hamiltonian", True), ("MLPode", "ode", False)):
        net = dyn.dynamics_net(kind, 2 * V, G, ch=8, num_layers=1, equivariant=eq)
        params = dyn.init_dynamics(net, 2)
        rep_out = Scalar if kind == "hamiltonian" else 2 * V
        if front == "flax":
            from flax import nnx

            from emlp_sym.nn import flax as mod

            model = getattr(mod, name)(2 * V, rep_out, G, 8, 1, rngs=nnx.Rngs(0))
        else:
            from emlp_sym.nn import objax as mod

            model = getattr(mod, name)(2 * V, rep_out, G, 8, 1)
        mod.import_params(model, params)
        np.testing.assert_allclose(model.vector_field(z), dyn.vector_field(net, params, z),
                                   rtol=1e-5, atol=1e-6)
        if kind == "hamiltonian":  # the reference's call: the energy summed over the batch
            np.testing.assert_allclose(model(z), jnp.sum(dyn.hamiltonian(net, params, z)),
                                       rtol=1e-5)
        else:
            np.testing.assert_allclose(model(z, 0.0), dyn.network_apply(net, params, z),
                                       rtol=1e-5, atol=1e-6)


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="even size"):
        dyn.dynamics_net("ode", 3 * Scalar, SO(2))
    with pytest.raises(ValueError, match="kind"):
        dyn.dynamics_net("lagrangian", 2 * V, SO(2))
    with pytest.raises(ValueError, match="substeps"):
        dyn.rk4_integrate(lambda z: z, jnp.ones((1, 2)), jnp.arange(3.0), substeps=0)
    net = dyn.dynamics_net("ode", 2 * V, SO(2), ch=8, num_layers=1)
    with pytest.raises(ValueError, match="method"):
        dyn.integrate(net, dyn.init_dynamics(net, 0), jnp.ones((1, 4)), jnp.arange(3.0),
                      method="euler")
