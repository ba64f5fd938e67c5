"""Matrix-free Kronecker operators and numeric null spaces (solvers.kronecker, .gram,
.dense_nullspace, .blas_threads, .krylov)."""

import dataclasses
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from emlp_sym.errors import SolverError
from emlp_sym.solvers.blas_threads import openblas_thread_setters, single_threaded_blas
from emlp_sym.solvers.dense_nullspace import nullspace_dense
from emlp_sym.solvers.gram import GramOperator, gram_operator
from emlp_sym.solvers.kronecker import kron_apply, kron_sum_apply
from emlp_sym.solvers.krylov import KrylovOptions, nullspace_krylov

L_X = np.array([[0.0, 0, 0], [0, 0, -1], [0, 1, 0]])
L_Y = np.array([[0.0, 0, 1], [0, 0, 0], [-1, 0, 0]])
L_Z = np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 0]])
SO3 = [L_X, L_Y, L_Z]
SO3_DIMS = [1, 0, 1, 1, 3, 6, 15, 36, 91]


def lorentz_algebra():
    gens = np.zeros((6, 4, 4))
    for i, L in enumerate(SO3):
        gens[3 + i, 1:, 1:] = L
        gens[i, 1 + i, 0] = gens[i, 0, 1 + i] = 1.0  # boosts: symmetric, not antisymmetric
    return list(gens)


def so3_gram(k):
    return gram_operator([[L] * k for L in SO3], [])


def dense_of(op, n, dtype=np.float64):
    return np.asarray(op(np.eye(n, dtype=dtype)))


def kron_all(mats):
    out = np.ones((1, 1))
    for M in mats:
        out = np.kron(out, M)
    return out


def kron_sum_dense(mats):
    dims = [M.shape[0] for M in mats]
    total = 0
    for i, M in enumerate(mats):
        eyes_before = [np.eye(d) for d in dims[:i]]
        eyes_after = [np.eye(d) for d in dims[i + 1 :]]
        total = total + kron_all(eyes_before + [M] + eyes_after)
    return total


def same_span(Q1, Q2, atol=1e-8):
    assert Q1.shape == Q2.shape
    return np.linalg.norm(Q1 @ Q1.conj().T - Q2 @ Q2.conj().T) < atol


# ---------------------------------------------------------------------------------------------
# Kronecker sums and products


@pytest.mark.parametrize("complex_", [False, True])
def test_kron_apply_and_sum_match_dense(complex_):
    rng = np.random.default_rng(0)
    dims = (2, 3, 4)
    mats = [rng.standard_normal((d, d)) for d in dims]
    mats[1][0] = 0  # a zero row goes through the sparse path's zero branch
    if complex_:
        mats = [M + 1j * rng.standard_normal(M.shape) for M in mats]
    X = rng.standard_normal((24, 5))
    np.testing.assert_allclose(kron_sum_apply(mats, X), kron_sum_dense(mats) @ X, atol=1e-12)
    np.testing.assert_allclose(kron_apply(mats, X), kron_all(mats) @ X, atol=1e-12)
    # one-dimensional input keeps its shape
    x = X[:, 0]
    np.testing.assert_allclose(kron_sum_apply(mats, x), kron_sum_dense(mats) @ x, atol=1e-12)


def test_numpy_in_numpy_out_float64_without_x64():
    assert not jax.config.jax_enable_x64
    X = np.random.default_rng(1).standard_normal((27, 2))
    Y = kron_sum_apply([L_X, L_Y, L_Z], X)
    assert isinstance(Y, np.ndarray) and Y.dtype == np.float64
    Z = kron_apply([L_X, L_X, L_X], X)
    assert isinstance(Z, np.ndarray) and Z.dtype == np.float64


def test_jittable_with_traced_matrices():
    rng = np.random.default_rng(2)
    mats = [rng.standard_normal((3, 3)) for _ in range(3)]
    X = rng.standard_normal((27, 4))
    with jax.enable_x64(True):
        f = jax.jit(lambda ms, x: kron_sum_apply(ms, x))
        g = jax.jit(lambda ms, x: kron_apply(ms, x))
        h = jax.jit(lambda x: kron_sum_apply(mats, x))  # concrete matrices, traced X
        ms = [jnp.asarray(M) for M in mats]
        np.testing.assert_allclose(f(ms, jnp.asarray(X)), kron_sum_dense(mats) @ X, atol=1e-12)
        np.testing.assert_allclose(g(ms, jnp.asarray(X)), kron_all(mats) @ X, atol=1e-12)
        np.testing.assert_allclose(h(jnp.asarray(X)), kron_sum_dense(mats) @ X, atol=1e-12)
    assert not jax.config.jax_enable_x64


def test_gram_operator_is_psd_with_the_right_null_space():
    R = np.diag([-1.0, 1, 1])
    op = gram_operator([[L, L] for L in SO3], [[R, R]])
    assert isinstance(op, GramOperator) and op.n == 9 and op.dtype == np.float64
    G = dense_of(op, 9)
    np.testing.assert_allclose(G, G.T, atol=1e-12)
    assert np.linalg.eigvalsh(G).min() > -1e-12
    expected = sum(
        (kron_sum_dense([L, L]).T @ kron_sum_dense([L, L]) for L in SO3), np.zeros((9, 9))
    )
    D = kron_all([R, R]) - np.eye(9)
    np.testing.assert_allclose(G, expected + D.T @ D, atol=1e-12)
    assert np.linalg.eigvalsh(G).max() <= op.norm_bound() + 1e-9


def test_gram_operator_rejects_mixed_shapes():
    with pytest.raises(ValueError):
        gram_operator([[L_X, L_X]], [[np.eye(3)]])


# ---------------------------------------------------------------------------------------------
# Dense and Krylov null spaces


@pytest.mark.parametrize("k", range(0, 8))
def test_so3_krylov_dimensions(k):
    Q = nullspace_krylov(so3_gram(k), 3**k)
    assert Q.shape == (3**k, SO3_DIMS[k])
    assert Q.dtype == np.float64
    np.testing.assert_allclose(Q.T @ Q, np.eye(Q.shape[1]), atol=1e-10)
    if Q.size:
        assert np.linalg.norm(so3_gram(k)(Q)) < 1e-9


@pytest.mark.parametrize("k", [4, 5])
def test_krylov_matches_dense(k):
    op = so3_gram(k)
    Qd = nullspace_dense(dense_of(op, 3**k))
    Qk = nullspace_krylov(op, 3**k)
    assert same_span(Qd, Qk)
    # deterministic for a fixed seed
    np.testing.assert_array_equal(nullspace_krylov(op, 3**k), Qk)


def test_so3_v8_big():
    op = so3_gram(8)
    start = time.perf_counter()
    Q = nullspace_krylov(op, 3**8)
    elapsed = time.perf_counter() - start
    assert Q.shape == (6561, 91)
    assert np.linalg.norm(op(Q)) < 1e-9
    np.testing.assert_allclose(Q.T @ Q, np.eye(91), atol=1e-10)
    assert elapsed < 30  # ~2-3 s on two idle cores; generous for loaded CI machines


def test_so3_v2_is_identity_and_v3_levi_civita():
    Q2 = nullspace_krylov(so3_gram(2), 9)
    np.testing.assert_allclose(np.abs(Q2[:, 0]), np.eye(3).ravel() / np.sqrt(3), atol=1e-10)
    Q3 = nullspace_krylov(so3_gram(3), 27)
    eps = np.zeros((3, 3, 3))
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    assert same_span(Q3, eps.reshape(27, 1) / np.sqrt(6))


def test_lorentz_metric_and_v4():
    gens = lorentz_algebra()
    Q = nullspace_krylov(gram_operator([[A, A] for A in gens], []), 16)
    assert Q.shape == (16, 1)
    eta = np.diag([1.0, -1, -1, -1])
    assert same_span(Q, eta.reshape(16, 1) / 2)
    op4 = gram_operator([[A] * 4 for A in gens], [])
    Q4 = nullspace_krylov(op4, 256)
    assert Q4.shape == (256, 4)
    assert same_span(Q4, nullspace_dense(dense_of(op4, 256)))
    assert nullspace_krylov(gram_operator([[A] * 3 for A in gens], []), 64).shape == (64, 0)


def test_complex_su2():
    paulis = [
        np.array([[0, 1], [1, 0]]),
        np.array([[0, -1j], [1j, 0]]),
        np.array([[1, 0], [0, -1]]),
    ]
    su2 = [0.5j * p for p in paulis]
    op = gram_operator([[A, -A.T] for A in su2], [])  # V ⊗ V*
    assert op.dtype == np.complex128
    Q = nullspace_krylov(op, 4)
    assert Q.shape == (4, 1) and Q.dtype == np.complex128
    assert same_span(Q, np.eye(2).reshape(4, 1) / np.sqrt(2))
    # V ⊗ V: the antisymmetric epsilon tensor
    Q2 = nullspace_krylov(gram_operator([[A, A] for A in su2], []), 4)
    assert same_span(Q2, np.array([[0], [1], [-1], [0]]) / np.sqrt(2))


def test_discrete_terms_match_orbit_counts():
    n = 5
    swap = np.eye(n)[:, [1, 0, 2, 3, 4]]
    cycle = np.eye(n)[:, np.roll(np.arange(n), 1)]
    for k, bell in [(1, 1), (2, 2), (3, 5), (4, 15)]:
        Q = nullspace_krylov(gram_operator([], [[swap] * k, [cycle] * k]), n**k)
        assert Q.shape == (n**k, bell)


def test_o3_reflection_and_rotations():
    R = np.diag([-1.0, 1, 1])
    for k, r in [(2, 1), (3, 0), (4, 3)]:
        op = gram_operator([[L] * k for L in SO3], [[R] * k])
        assert nullspace_krylov(op, 3**k).shape == (3**k, r)


def test_plain_callable_and_block_growth():
    # A NumPy operator with a 40-dimensional null space and a small gap, started from a
    # block of 4: the block has to grow several times.
    rng = np.random.default_rng(3)
    n, r = 300, 40
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    w = np.concatenate([np.zeros(r), np.linspace(0.5, 10, n - r)])
    G = (U * w) @ U.T
    Q = nullspace_krylov(lambda X: G @ X, n, block=4, lanczos_steps=3)
    assert Q.shape == (n, r)
    assert same_span(Q, U[:, :r])
    with pytest.raises(SolverError, match="max_block"):
        nullspace_krylov(lambda X: G @ X, n, block=4, max_block=16, lanczos_steps=3)


def test_zero_operator_and_empty():
    assert nullspace_krylov(lambda X: 0 * X, 5).shape == (5, 5)
    assert nullspace_krylov(gram_operator([], []), 3).shape == (3, 3)
    assert nullspace_krylov(lambda X: X, 0).shape == (0, 0)


def test_no_gap_raises_instead_of_guessing():
    # An eigenvalue of 1e-9 relative is neither null (tol 1e-12) nor clearly positive.
    w = np.concatenate([[0.0, 0.0, 1e-9], np.linspace(1, 2, 37)])
    with pytest.raises(SolverError, match="neither zero"):
        nullspace_krylov(lambda X: w[:, None] * X, 40)
    with pytest.raises(SolverError, match="no convergence"):
        nullspace_krylov(lambda X: w[:, None] * X, 40, max_iters=1)


def test_too_small_upper_bound_raises():
    op = so3_gram(4)
    with pytest.raises(SolverError):
        nullspace_krylov(op, 81, upper_bound=1.0, max_iters=5)


def test_nullspace_dense():
    rng = np.random.default_rng(4)
    U, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    G = (U * np.array([0, 0, 0, 1, 2, 3, 4, 5, 6, 7.0])) @ U.T
    Q = nullspace_dense(G)
    assert Q.shape == (10, 3)
    assert same_span(Q, U[:, :3])
    Gc = G + 0j
    assert nullspace_dense(Gc).dtype == np.complex128
    assert nullspace_dense(np.zeros((0, 0))).shape == (0, 0)


def test_x64_is_not_left_enabled():
    nullspace_krylov(so3_gram(2), 9)
    assert not jax.config.jax_enable_x64
    assert jnp.ones(2).dtype == jnp.float32


def test_blas_thread_limit_is_scoped():
    setters = openblas_thread_setters()
    if not setters:
        pytest.skip("no OpenBLAS with openblas_set_num_threads_local loaded")

    def current():
        out = []
        for fn in setters:
            old = fn(1)
            fn(old)
            out.append(old)
        return out

    before = current()
    with single_threaded_blas():
        assert current() == [1] * len(setters)
        with single_threaded_blas():
            assert current() == [1] * len(setters)
        assert current() == [1] * len(setters)
    assert current() == before


def test_options_record_and_keyword_settings_agree():
    op = so3_gram(4)
    opts = KrylovOptions(block=8, seed=3)
    np.testing.assert_array_equal(
        nullspace_krylov(op, 81, options=opts), nullspace_krylov(op, 81, block=8, seed=3)
    )
    # a keyword overrides the record's field; an unknown one is a TypeError
    assert nullspace_krylov(op, 81, options=opts, max_iters=60).shape == (81, 3)
    with pytest.raises(TypeError):
        nullspace_krylov(op, 81, blok=8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.block = 4
