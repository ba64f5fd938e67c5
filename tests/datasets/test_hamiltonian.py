"""The Hamiltonian trajectory datasets (emlp_sym.datasets.hamiltonian): the reference's
definitions, exact solutions, energy conservation, chunking and symmetry."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym.datasets import SHO, DoubleSpringPendulum
from emlp_sym.errors import DatasetError
from emlp_sym.groups import O2eR3
from emlp_sym.reps import V


@pytest.fixture(scope="module")
def pendulum():
    return DoubleSpringPendulum(8, seed=0, integration_time=6.0)


def test_sho_follows_the_exact_solution():
    ds = SHO(5, seed=3, integration_time=4.0)
    q0, p0 = ds.Zs_long[:, 0, 0:1], ds.Zs_long[:, 0, 1:2]
    t = ds.T_long[None]
    exact = np.stack([q0 * np.cos(t) + p0 * np.sin(t), p0 * np.cos(t) - q0 * np.sin(t)], -1)
    np.testing.assert_allclose(ds.Zs_long, exact, atol=1e-4)


def test_reference_layout_and_chunks(pendulum):
    ds = pendulum
    assert ds.Zs_long.shape == (8, 30, 12) and ds.Zs.shape == (8, 5, 12)
    np.testing.assert_allclose(ds.T, [0, 0.2, 0.4, 0.6, 0.8], atol=1e-6)
    (z0, T), chunk = ds[2]
    np.testing.assert_array_equal(z0, chunk[0])
    np.testing.assert_array_equal(T, ds.T)
    # each chunk is one of the aligned 5-state pieces of its own trajectory
    for i in range(len(ds)):
        pieces = ds.Zs_long[i].reshape(-1, 5, 12)
        assert any(np.array_equal(ds.Zs[i], piece) for piece in pieces)
    assert str(ds.symmetry) == "O(2)_R3" and ds.rep_in == 4 * V
    assert DoubleSpringPendulum(2, seed=0).T_long.shape == (150,)  # 30 s at dt 0.2


def test_energy_is_conserved(pendulum):
    H = np.asarray(pendulum.H(jnp.asarray(pendulum.Zs_long)))
    assert np.abs(H - H[:, :1]).max() < 1e-3 * (1 + np.abs(H).max())
    assert np.ptp(np.linalg.norm(pendulum.Zs_long[:, :, :3], axis=-1)) > 0.05  # it moves


def test_reference_hamiltonian_terms():
    ds = DoubleSpringPendulum.__new__(DoubleSpringPendulum)
    # at rest, springs at rest length straight down: only gravity, g (z1 + z2) = -3
    z = jnp.asarray([0, 0, -1, 0, 0, -2, 0, 0, 0, 0, 0, 0], jnp.float32)
    assert float(ds.H(z)) == pytest.approx(-3.0)
    # stretch the second spring by 0.5: k2 (0.5)^2 with no 1/2, as the reference writes it
    z2 = z.at[5].set(-2.5)
    assert float(ds.H(z2)) == pytest.approx(-3.5 + 0.25)


def test_initial_condition_distribution():
    rng = np.random.default_rng(0)
    z = DoubleSpringPendulum.sample_initial_conditions(None, 20000, rng)
    np.testing.assert_allclose(z.mean(0), [0, 0, -1.5, 0, 0, -3] + [0] * 6, atol=0.02)
    np.testing.assert_allclose(z.std(0), [0.2] * 6 + [0.4] * 6, rtol=0.03)


@given(st.integers(0, 2**31 - 1))
def test_energy_is_invariant_under_the_symmetry(seed):
    ds = DoubleSpringPendulum.__new__(DoubleSpringPendulum)
    G = O2eR3()
    rng = np.random.default_rng(seed)
    z = DoubleSpringPendulum.sample_initial_conditions(None, 4, rng).astype(np.float32)
    rho = np.asarray(jax.vmap((4 * V)(G).rho_dense)(G.samples(4, seed=seed)))
    gz = np.einsum("nij,nj->ni", rho, z)
    np.testing.assert_allclose(ds.H(jnp.asarray(gz)), ds.H(jnp.asarray(z)), rtol=1e-5,
                               atol=1e-5)


def test_seeded_and_reproducible():
    a, b = SHO(4, seed=1, integration_time=2.0), SHO(4, seed=1, integration_time=2.0)
    np.testing.assert_array_equal(a.Zs, b.Zs)
    assert not np.array_equal(a.Zs, SHO(4, seed=2, integration_time=2.0).Zs)


@pytest.mark.parametrize("kwargs", [dict(n_systems=0), dict(chunk_len=2.5), dict(dt=-1),
                                    dict(seed=-1), dict(integration_time=0.4)])
def test_bad_settings_raise_dataset_error(kwargs):
    with pytest.raises(DatasetError):
        SHO(**{"n_systems": 2, **kwargs})
