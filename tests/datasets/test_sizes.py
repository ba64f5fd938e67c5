"""The sized datasets: their targets' symmetry (the group applied to the raw arrays, and through
the reps' action at small n), on-demand generation, and the paper generator's facts."""

import numpy as np
import pytest

from emlp_sym.datasets import DataLoader, InertiaN, SBMTriangles, node_triangles
from emlp_sym.errors import ArgumentTypeError, DatasetError, ShapeError


def random_rotation(rng):
    Q, R = np.linalg.qr(rng.standard_normal((3, 3)))
    Q = Q * np.sign(np.diag(R))
    return Q if rng.random() < 0.5 else -Q  # O(3): reflections too


@pytest.mark.parametrize("n", [1, 7, 40])
def test_sbm_target_permutes_with_the_nodes(n):
    data = SBMTriangles(N=3, n=n, seed=2)
    X, Y = data.batch(range(3))
    rng = np.random.default_rng(n)
    for x, y in zip(X, Y, strict=True):
        p = rng.permutation(n)
        w, A = x[:n], x[n:].reshape(n, n)
        xp = np.concatenate([w[p], A[p][:, p].reshape(-1)])
        np.testing.assert_allclose(data.target(xp[None])[0], y[p], rtol=1e-5, atol=1e-9)


def test_sbm_layout_is_the_reps_action():
    data = SBMTriangles(N=2, n=5, seed=0)
    G = data.symmetry
    x, y = data[1]
    g = np.asarray(G.sample())
    rho_in, rho_out = np.asarray(data.rep_in(G).rho(g)), np.asarray(data.rep_out(G).rho(g))
    np.testing.assert_allclose(data.target((rho_in @ x)[None])[0], rho_out @ y,
                               rtol=1e-5, atol=1e-8)


def test_sbm_graphs_follow_the_released_generator():
    n = 60
    X, Y = SBMTriangles(N=20, n=n, seed=3).batch(range(20))
    A = X[:, n:].reshape(-1, n, n)
    assert np.array_equal(A, A.transpose(0, 2, 1)) and set(np.unique(A)) <= {0.0, 1.0}
    assert A[:, np.arange(n), np.arange(n)].any()  # self-loops are drawn
    w = X[:, :n]
    assert ((w >= 0) & (w < 1)).all()
    blocks = [len(np.unique(row)) for row in w]  # one weight per block
    assert max(blocks) <= 20 and min(blocks) >= 5
    # the target: weighted closed 3-walks / n², checked against a dense A³
    dense = np.einsum("ij,jk,ki,i,j,k->i", A[0], A[0], A[0], w[0], w[0], w[0]) / n**2
    np.testing.assert_allclose(Y[0], dense, rtol=1e-5)


def test_examples_are_generated_alone_and_reproducibly():
    a, b = SBMTriangles(N=50, n=30, seed=4), SBMTriangles(N=50, n=30, seed=4)
    np.testing.assert_array_equal(a[37][0], b[37][0])
    assert not np.array_equal(a[36][0], a[37][0])
    assert not np.array_equal(SBMTriangles(N=50, n=30, seed=5)[37][0], a[37][0])
    np.testing.assert_array_equal(a[-1][1], a[49][1])
    with pytest.raises(IndexError):
        a[50]
    loader = DataLoader(SBMTriangles(N=5, n=4, seed=0), batch_size=2, shuffle=False)
    assert [x.shape for x, _ in loader] == [(2, 20), (2, 20), (1, 20)]
    assert [len(x) for x, _ in a.batches(20)] == [20, 20, 10]


def test_node_triangles_counts_closed_walks():
    rng = np.random.default_rng(0)
    A = np.triu(rng.random((9, 9)) < 0.5, 1)
    A = (A | A.T).astype(float)
    w = rng.random(9)
    W = np.diag(w)
    np.testing.assert_allclose(node_triangles(A, w), np.diag(A @ W @ A @ W @ A) * w, rtol=1e-6)


@pytest.mark.parametrize("n", [1, 5, 300])
def test_inertia_is_equivariant_under_permutations_and_o3(n):
    data = InertiaN(N=2, n=n, seed=1)
    rng = np.random.default_rng(n)
    for x, y in zip(*data.batch(range(2)), strict=True):
        p, R = rng.permutation(n), random_rotation(rng)
        m, pos = x[:n], x[n:].reshape(n, 3)
        xg = np.concatenate([m[p], (pos[p] @ R.T).reshape(-1)])
        expected = (R @ y.reshape(3, 3) @ R.T).reshape(9)
        np.testing.assert_allclose(data.target(xg[None])[0], expected, rtol=1e-4,
                                   atol=1e-4 * np.abs(y).max())


def test_inertia_layout_is_the_reps_action():
    n = 4
    data = InertiaN(N=1, n=n, seed=0)
    x, y = data[0]
    g = np.asarray(data.symmetry.sample())
    P, R = g[:n, :n], g[n:, n:]  # S(n)×O(3) elements: blockdiag(permutation, orthogonal)
    m, pos = x[:n], x[n:].reshape(n, 3)
    np.testing.assert_allclose(np.asarray(data.rep_in.rho(g)) @ x,
                               np.concatenate([P @ m, (P @ pos @ R.T).reshape(-1)]), atol=1e-5)
    np.testing.assert_allclose(np.asarray(data.rep_out.rho(g)) @ y,
                               (R @ y.reshape(3, 3) @ R.T).reshape(9), atol=1e-4)


def test_inertia_target_is_the_sum_over_points():
    x, y = InertiaN(N=1, n=3, seed=0)[0]
    m, pos = x[:3], x[3:].reshape(3, 3).astype(np.float64)
    I = sum(mi * (p @ p * np.eye(3) - np.outer(p, p)) for mi, p in zip(m, pos, strict=True))
    np.testing.assert_allclose(y, I.reshape(9), rtol=1e-5)
    assert (m > 0).all()


def test_bad_arguments_raise_one_line_errors():
    with pytest.raises(DatasetError, match="n must be >= 1"):
        SBMTriangles(N=2, n=0)
    with pytest.raises(ArgumentTypeError, match="n must be an integer"):
        InertiaN(N=2, n=2.5)
    with pytest.raises(ShapeError, match="expects inputs of shape"):
        InertiaN(N=2, n=3).target(np.zeros((1, 5)))
    with pytest.raises(ShapeError, match="expects inputs of shape"):
        SBMTriangles(N=2, n=3).target(np.zeros((1, 5)))


def test_stats_are_estimated_from_the_first_examples():
    muin, sin, muout, sout = SBMTriangles(N=8, n=6, seed=0).stats
    assert muin.shape == sin.shape == (42,) and muout.shape == sout.shape == (6,)
    assert np.allclose(muin, 0) and len(np.unique(sin[6:])) == 1  # one scale per tensor block
