"""Synthetic datasets: shapes, formulas, symmetry, statistics, determinism, and the loader."""

import time

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

from emlp_sym.datasets import (
    DATASETS,
    DataLoader,
    DoublePendulum,
    Inertia,
    O5Synthetic,
    ParticleInteraction,
    SO2eR3,
)
from emlp_sym.groups import SO, SO13p

SMALL = {"Inertia": 64, "O5Synthetic": 64, "ParticleInteraction": 64, "DoublePendulum": 32}


@pytest.fixture(scope="module", params=sorted(DATASETS))
def dataset(request):
    return DATASETS[request.param](SMALL.get(request.param, 32), seed=3)


def dense(rep, G, g):
    return np.asarray(rep(G).rho_dense(g), dtype=np.float64)


def equivariance_error(ds, g):
    """max |Y(rho_in(g) X) - rho_out(g) Y(X)| relative to max |Y|."""
    G = ds.symmetry
    X = ds.X.astype(np.float64)
    Rin, Rout = dense(ds.rep_in, G, g), dense(ds.rep_out, G, g)
    lhs = ds.target(X @ Rin.T).astype(np.float64)
    rhs = ds.target(X).astype(np.float64) @ Rout.T
    return np.abs(lhs - rhs).max() / np.abs(rhs).max()


# ---- structure --------------------------------------------------------------------------------
def test_registry():
    # other regression datasets may join (the dynamics ones); these are the seed's
    assert {"Inertia", "O5Synthetic", "ParticleInteraction", "DoublePendulum"} <= set(DATASETS)


def test_shapes_dtypes_and_indexing(dataset):
    G = dataset.symmetry
    n = len(dataset)
    assert dataset.X.shape == (n, dataset.rep_in(G).size())
    assert dataset.Y.shape == (n, dataset.rep_out(G).size())
    assert dataset.X.dtype == np.float32 and dataset.Y.dtype == np.float32
    assert np.isfinite(dataset.X).all() and np.isfinite(dataset.Y).all()
    x, y = dataset[5]
    assert x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(x, dataset.X[5])
    np.testing.assert_array_equal(y, dataset.Y[5])
    with pytest.raises(IndexError):
        dataset[n]
    # the stored targets are the target function of the stored inputs
    np.testing.assert_allclose(dataset.target(dataset.X), dataset.Y, rtol=1e-4, atol=1e-5)


def test_default_sizes():
    assert len(Inertia()) == 1024 and len(O5Synthetic()) == 1024
    assert len(ParticleInteraction()) == 1024 and len(DoublePendulum()) == 500


def test_reps_are_unbound_and_print_like_the_reference():
    ds = Inertia(10)
    assert str(ds.rep_in(SO(3))) == "5V⁰+5V"
    assert str(ds.rep_out(SO(3))) == "V²"
    assert ds.rep_in(SO(3)).size() == 20
    assert str(Inertia(10, k=3).rep_in(SO(3))) == "3V⁰+3V"
    assert str(O5Synthetic(4).rep_in(SO(5))) == "2V"
    assert str(ParticleInteraction(4).rep_out(SO13p())) == "V⁰"
    assert str(DoublePendulum(4).rep_out(SO2eR3())) == "4V"
    assert repr(SO2eR3()) == "SO(2)_R3"  # the reference's name


# ---- the formulas -----------------------------------------------------------------------------
def test_inertia_formula():
    ds = Inertia(5, seed=1, k=4)
    x = ds.X[2].astype(np.float64)
    m, pos = x[:4], x[4:].reshape(4, 3)
    assert (m > 0).all()
    I = sum(mi * (pi @ pi * np.eye(3) - np.outer(pi, pi)) for mi, pi in zip(m, pos, strict=True))
    np.testing.assert_allclose(ds.Y[2], I.reshape(9), rtol=1e-5)


def test_o5_formula():
    ds = O5Synthetic(5, seed=1)
    x1, x2 = ds.X[3, :5].astype(float), ds.X[3, 5:].astype(float)
    n1, n2 = np.linalg.norm(x1), np.linalg.norm(x2)
    y = np.sin(n1) - n2**3 / 2 + x1 @ x2 / (n1 * n2)
    np.testing.assert_allclose(ds.Y[3, 0], y, rtol=1e-5)


def test_particle_interaction_is_4_times_the_lepton_tensor_contraction():
    ds = ParticleInteraction(20, seed=2)
    eta = np.diag([1.0, -1, -1, -1])
    dot = lambda a, b: a @ eta @ b
    for x, y in zip(ds.X.astype(np.float64), ds.Y, strict=True):
        p1, p2, p3, p4 = x.reshape(4, 4)
        Le = np.outer(p1, p3) - (dot(p1, p3) - dot(p1, p1)) * eta
        Lmu = np.outer(eta @ p2, eta @ p4) - (dot(p2, p4) - dot(p2, p2)) * eta
        np.testing.assert_allclose(y[0], 4 * (Le * Lmu).sum(), rtol=1e-4, atol=1e-7)  # as ref


def test_pendulum_matches_scipy_and_conserves_energy():
    ds = DoublePendulum(6, seed=4)
    H0 = ds.hamiltonian(ds.X.astype(np.float64))
    H1 = ds.hamiltonian(ds.Y.astype(np.float64))
    np.testing.assert_allclose(H1, H0, rtol=1e-5, atol=1e-5)
    assert np.abs(ds.Y - ds.X).max() > 0.1  # it actually moved
    for x, y in zip(ds.X[:3].astype(np.float64), ds.Y, strict=False):
        sol = scipy.integrate.solve_ivp(
            lambda t, z: ds.dynamics(z[None])[0], (0, ds.T), x, rtol=1e-10, atol=1e-10
        )
        np.testing.assert_allclose(y, sol.y[:, -1], atol=1e-4)


def test_pendulum_is_fast():
    t0 = time.perf_counter()
    DoublePendulum(500, seed=9)
    assert time.perf_counter() - t0 < 5.0


# ---- the symmetry -----------------------------------------------------------------------------
def test_dataset_has_its_symmetry(dataset):
    gs = np.asarray(dataset.symmetry.samples(8, seed=11))
    errors = [equivariance_error(dataset, g) for g in gs]
    assert max(errors) < 1e-4, errors


def _not_a_symmetry(ds, rng):
    """A transformation of the base space outside the dataset's symmetry group."""
    d = ds.symmetry.d
    if isinstance(ds, DoublePendulum):  # a rotation about x: gravity breaks it
        c, s = np.cos(0.7), np.sin(0.7)
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if isinstance(ds, ParticleInteraction):  # a Euclidean rotation mixing time and space
        A = np.zeros((4, 4))
        A[0, 1], A[1, 0] = -0.7, 0.7
        return scipy.linalg.expm(A)
    return np.eye(d) + 0.3 * rng.standard_normal((d, d))  # a generic linear map


def test_the_symmetry_check_detects_a_non_symmetry(dataset):
    g = _not_a_symmetry(dataset, np.random.default_rng(0))
    assert equivariance_error(dataset, g) > 1e-2


def test_lorentz_group_preserves_minkowski_metric():
    eta = np.diag([1.0, -1, -1, -1])
    G = ParticleInteraction(2).symmetry
    for A in G.lie_algebra:
        np.testing.assert_allclose(A.T @ eta + eta @ A, 0, atol=1e-12)
    for g in np.asarray(G.samples(4, seed=0)):
        np.testing.assert_allclose(g.T @ eta @ g, eta, atol=1e-4)


def test_so2er3_rotates_about_z():
    G = SO2eR3()
    assert G.d == 3 and len(G.lie_algebra) == 1 and len(G.discrete_generators) == 0
    for g in np.asarray(G.samples(5, seed=1)):
        np.testing.assert_allclose(g @ [0, 0, 1.0], [0, 0, 1.0], atol=1e-7)
        np.testing.assert_allclose(g.T @ g, np.eye(3), atol=1e-6)
        assert np.linalg.det(g) == pytest.approx(1.0)


# ---- standardization statistics ---------------------------------------------------------------
def test_stats_shapes(dataset):
    muin, sin, muout, sout = dataset.stats
    G = dataset.symmetry
    for arr, rep in ((muin, dataset.rep_in), (sin, dataset.rep_in),
                     (muout, dataset.rep_out), (sout, dataset.rep_out)):
        assert arr.shape == (rep(G).size(),) and arr.dtype == np.float32
    assert (sin > 0).all() and (sout > 0).all()


def test_standardization_commutes_with_the_group(dataset):
    """(rho(g) x - mu) / s == rho(g) ((x - mu) / s): needs rho(g) mu = mu, rho(g) diag(s) ..."""
    G = dataset.symmetry
    muin, sin, muout, sout = (a.astype(np.float64) for a in dataset.stats)
    for g in np.asarray(G.samples(4, seed=5)):
        for rep, mu, s in ((dataset.rep_in, muin, sin), (dataset.rep_out, muout, sout)):
            R = dense(rep, G, g)
            np.testing.assert_allclose(R @ mu, mu, atol=1e-6)
            np.testing.assert_allclose(R / s[None, :], R / s[:, None], atol=1e-6)


def test_standardization_keeps_vector_norm_ratios():
    ds = Inertia(50, seed=0, k=3)
    muin, sin, _, sout = ds.stats
    Xs = (ds.X - muin) / sin
    assert np.abs(Xs[:, :3].mean(0)).max() < 1e-5  # the masses are centred
    np.testing.assert_allclose(Xs[:, :3].std(0), 1, rtol=1e-4)
    for b in range(3):
        block = slice(3 + 3 * b, 6 + 3 * b)
        assert muin[block].tolist() == [0, 0, 0] and len(set(sin[block].tolist())) == 1
        raw, std = np.linalg.norm(ds.X[:, block], axis=1), np.linalg.norm(Xs[:, block], axis=1)
        np.testing.assert_allclose(std / std[0], raw / raw[0], rtol=1e-5)
    assert len(set(sout.tolist())) == 1


# ---- determinism ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_seed_determinism(name):
    cls, n = DATASETS[name], SMALL.get(name, 32)
    a, b, c = cls(n, seed=7), cls(n, seed=7), cls(n, seed=8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert not np.allclose(a.X, c.X)
    assert not np.allclose(a.Y, c.Y)


# ---- bad inputs -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("bad,err", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                     ("10", TypeError), (True, TypeError), (None, TypeError)])
def test_bad_N(name, bad, err):
    with pytest.raises(err, match="N"):
        DATASETS[name](bad)


def test_bad_other_arguments():
    with pytest.raises(ValueError, match="k"):
        Inertia(10, k=0)
    with pytest.raises(ValueError, match="seed"):
        O5Synthetic(10, seed=-1)
    with pytest.raises(ValueError, match="dt"):
        DoublePendulum(10, dt=0)
    with pytest.raises(ValueError, match=r"\(N, 10\)"):
        O5Synthetic(4).target(np.zeros((3, 9)))


# ---- the loader -------------------------------------------------------------------------------
def _rows(a):
    return sorted(map(tuple, a.tolist()))


def test_loader_covers_every_example_once_per_epoch():
    ds = O5Synthetic(103, seed=0)
    loader = DataLoader(ds, batch_size=10, seed=1)
    assert len(loader) == 11
    epochs = []
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == 11
        assert [len(x) for x, _ in batches] == [10] * 10 + [3]
        xs = np.concatenate([x for x, _ in batches])
        ys = np.concatenate([y for _, y in batches])
        assert xs.dtype == np.float32 and ys.dtype == np.float32
        assert _rows(xs) == _rows(ds.X)  # every example exactly once
        # x and y stay paired
        np.testing.assert_allclose(ds.target(xs), ys, rtol=1e-5, atol=1e-6)
        epochs.append(xs)
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled between epochs
    assert not np.array_equal(epochs[0], ds.X)


def test_loader_is_deterministic_and_respects_options():
    ds = Inertia(20, seed=0)
    a = [x for x, _ in DataLoader(ds, batch_size=6, seed=3)]
    b = [x for x, _ in DataLoader(ds, batch_size=6, seed=3)]
    c = [x for x, _ in DataLoader(ds, batch_size=6, seed=4)]
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c, strict=True))
    dropped = DataLoader(ds, batch_size=6, drop_last=True)
    assert len(dropped) == 3 and [len(x) for x, _ in dropped] == [6, 6, 6]
    ordered = DataLoader(ds, batch_size=8, shuffle=False)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in ordered]), ds.X)
    assert len(DataLoader(ds, batch_size=100)) == 1
    assert len(DataLoader(ds, batch_size=100, drop_last=True)) == 0


def test_loader_reads_item_by_item_datasets():
    class Pairs:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full(2, i, dtype=np.float64), np.array([i * 10.0])

    xs, ys = zip(*DataLoader(Pairs(), batch_size=2, shuffle=False), strict=True)
    assert [len(x) for x in xs] == [2, 2, 1]
    np.testing.assert_array_equal(np.concatenate(ys)[:, 0], [0, 10, 20, 30, 40])
    assert xs[0].dtype == np.float32


@pytest.mark.parametrize("bad", [0, -1, 1.5, None, True])
def test_loader_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Inertia(4), batch_size=bad)
