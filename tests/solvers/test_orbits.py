"""Orbit bases of signed-permutation actions (emlp_sym.solvers.orbits)."""

import time

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.solvers.orbits import (
    OrbitBasis,
    orbit_basis,
    signed_permutation_from_matrix,
    tensor_signed_permutation,
)

BELL = [1, 1, 2, 5, 15, 52]


def perm_matrix(perm, sign=None):
    """The matrix M with M e_i = sign[i] e_{perm[i]}."""
    n = len(perm)
    sign = np.ones(n) if sign is None else np.asarray(sign, float)
    M = np.zeros((n, n))
    M[np.asarray(perm), np.arange(n)] = sign
    return M


def symmetric_group_generators(n):
    """The transposition (0 1) and the n-cycle, as (perm, sign)."""
    swap = np.arange(n)
    swap[[0, 1]] = [1, 0]
    cycle = np.roll(np.arange(n), 1)
    ones = np.ones(n, np.int8)
    return [(swap, ones), (cycle, ones)]


def tensor_power(gens, k):
    return [tensor_signed_permutation([g] * k) for g in gens]


def assert_fixed_orthonormal(ob: OrbitBasis, gens):
    Q = ob.to_dense()
    np.testing.assert_allclose(Q.T @ Q, np.eye(ob.r), atol=1e-12)
    for perm, sign in gens:
        np.testing.assert_allclose(perm_matrix(perm, sign) @ Q, Q, atol=1e-12)


def dense_fixed_dim(n, gens):
    """dim ∩ ker(P_g - I), by SVD: the reference answer."""
    if not gens:
        return n
    A = np.vstack([perm_matrix(p, s) - np.eye(n) for p, s in gens])
    return n - np.linalg.matrix_rank(A)


# ---------------------------------------------------------------------------------------------
def test_signed_permutation_from_matrix():
    M = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    perm, sign = signed_permutation_from_matrix(M)
    np.testing.assert_array_equal(perm, [1, 0, 2])
    np.testing.assert_array_equal(sign, [1, -1, 1])
    np.testing.assert_array_equal(perm_matrix(perm, sign), M)
    # inv(h).T of a permutation matrix, computed in floating point, is still recognized
    P = perm_matrix([2, 0, 1])
    assert signed_permutation_from_matrix(np.linalg.inv(P).T) is not None
    assert signed_permutation_from_matrix(np.array([[1, 1], [0, 1]])) is None
    assert signed_permutation_from_matrix(np.array([[2, 0], [0, 1]])) is None
    assert signed_permutation_from_matrix(np.array([[1, 1], [0, 0]])) is None  # not a bijection
    assert signed_permutation_from_matrix(np.array([[0.6, -0.8], [0.8, 0.6]])) is None
    assert signed_permutation_from_matrix(np.ones((2, 3))) is None


def test_tensor_signed_permutation_matches_kron():
    rng = np.random.default_rng(0)
    factors = []
    for d in (2, 3, 4):
        factors.append((rng.permutation(d), rng.choice([-1, 1], size=d).astype(np.int8)))
    perm, sign = tensor_signed_permutation(factors)
    K = np.ones((1, 1))
    for p, s in factors:
        K = np.kron(K, perm_matrix(p, s))
    np.testing.assert_array_equal(perm_matrix(perm, sign), K)
    p0, s0 = tensor_signed_permutation([])
    assert p0.tolist() == [0] and s0.tolist() == [1]


@pytest.mark.parametrize("k", range(0, 6))
def test_symmetric_group_bell_numbers(k):
    n = 6
    gens = tensor_power(symmetric_group_generators(n), k)
    ob = orbit_basis(n**k, gens)
    assert ob.r == BELL[k]
    assert ob.sizes.sum() == n**k  # no orbit is killed for plain permutations
    if n**k <= 1296:
        assert_fixed_orthonormal(ob, gens)


def test_cyclic_group_on_v2():
    for n in (3, 5, 8):
        cycle = (np.roll(np.arange(n), 1), np.ones(n, np.int8))
        ob = orbit_basis(n * n, tensor_power([cycle], 2))
        assert ob.r == n
        assert_fixed_orthonormal(ob, tensor_power([cycle], 2))


def test_sign_flip_kills_orbits():
    flip = signed_permutation_from_matrix(-np.eye(1))
    assert orbit_basis(1, [flip]).r == 0
    ob = orbit_basis(1, [tensor_signed_permutation([flip, flip])])
    assert ob.r == 1
    # Z2 acting by -1 on R^3 (parity): odd tensor powers have no fixed vectors.
    minus = signed_permutation_from_matrix(-np.eye(3))
    for k, expected in [(1, 0), (2, 9), (3, 0)]:
        ob = orbit_basis(3**k, [tensor_signed_permutation([minus] * k)])
        assert ob.r == expected
        assert_fixed_orthonormal(ob, [tensor_signed_permutation([minus] * k)])


def test_signed_cycle_inconsistency():
    # e0 -> e1 -> e2 -> -e0: the 3-cycle with one sign flip fixes nothing...
    g = (np.array([1, 2, 0]), np.array([1, 1, -1], np.int8))
    ob = orbit_basis(3, [g])
    assert ob.r == 0
    assert (ob.labels == -1).all() and (ob.signs == 0).all()
    # ... while on R^3 ⊗ R^3 some orbits survive, with signs.
    g2 = tensor_signed_permutation([g, g])
    ob2 = orbit_basis(9, [g2])
    assert ob2.r == dense_fixed_dim(9, [g2]) == 3
    assert_fixed_orthonormal(ob2, [g2])
    assert set(np.unique(ob2.signs[ob2.labels >= 0])) <= {-1, 1}


def test_hyperoctahedral_group_on_v2():
    # Signed permutations of R^3 (the cube group): V ⊗ V fixes only the identity.
    swap = signed_permutation_from_matrix(perm_matrix([1, 0, 2]))
    cyc = signed_permutation_from_matrix(perm_matrix([1, 2, 0]))
    flip = signed_permutation_from_matrix(np.diag([-1.0, 1, 1]))
    gens = [tensor_signed_permutation([g, g]) for g in (swap, cyc, flip)]
    ob = orbit_basis(9, gens)
    assert ob.r == 1
    np.testing.assert_allclose(ob.to_dense()[:, 0], np.eye(3).ravel() / np.sqrt(3))


def test_order_labels_and_canonical_signs():
    gens = tensor_power(symmetric_group_generators(4), 2)
    ob = orbit_basis(16, gens)
    first = [np.flatnonzero(ob.labels == j)[0] for j in range(ob.r)]
    assert first == sorted(first)
    # Each column has +1 at its smallest coordinate.
    assert all(ob.signs[i] == 1 for i in first)
    assert ob.labels.dtype == np.int64 and ob.signs.dtype == np.int8


def test_no_generators():
    ob = orbit_basis(4, [])
    assert ob.r == 4
    np.testing.assert_array_equal(ob.to_dense(), np.eye(4))


def test_project_coefficients_expand_match_dense():
    rng = np.random.default_rng(1)
    g = (np.array([1, 2, 0, 4, 3, 5]), np.array([1, 1, 1, -1, -1, 1], np.int8))
    ob = orbit_basis(6, [g])
    Q = ob.to_dense()
    X = rng.standard_normal((6, 2, 3))
    np.testing.assert_allclose(ob.coefficients(X), np.einsum("nr,nab->rab", Q, X), atol=1e-14)
    C = rng.standard_normal((ob.r, 4))
    np.testing.assert_allclose(ob.expand(C), Q @ C, atol=1e-14)
    Xc = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    np.testing.assert_allclose(ob.project(Xc), Q @ (Q.T @ Xc), atol=1e-14)
    np.testing.assert_allclose(ob.to_scipy_sparse().toarray(), Q)
    unnormalized = ob.to_dense(normalize=False)
    assert set(np.unique(unnormalized)) <= {-1.0, 0.0, 1.0}
    np.testing.assert_allclose(ob.to_scipy_sparse(normalize=False).toarray(), unnormalized)
    with pytest.raises(ValueError):
        ob.coefficients(np.zeros(5))


def test_invalid_generators():
    with pytest.raises(ValueError):
        orbit_basis(3, [(np.array([0, 1]), np.array([1, 1]))])
    with pytest.raises(ValueError):
        orbit_basis(3, [(np.array([0, 1, 3]), np.array([1, 1, 1]))])
    with pytest.raises(ValueError):
        orbit_basis(3, [(np.array([0, 1, 2]), np.array([1, 2, 1]))])


def test_large_symmetric_group_is_fast():
    n, k = 20, 4
    gens = tensor_power(symmetric_group_generators(n), k)
    orbit_basis(n**k, gens)  # warm-up (imports, caches)
    start = time.perf_counter()
    ob = orbit_basis(n**k, gens)
    elapsed = time.perf_counter() - start
    assert ob.r == BELL[4]
    assert elapsed < 1.0  # ~0.1 s; generous for loaded CI machines
    X = np.random.default_rng(0).standard_normal(n**k)
    P = ob.project(X)
    np.testing.assert_allclose(ob.project(P), P, atol=1e-10)
    perm, sign = gens[1]
    np.testing.assert_allclose(P[perm] * 1.0, sign * P, atol=1e-10)


# ---------------------------------------------------------------------------------------------
@st.composite
def signed_permutations(draw):
    n = draw(st.integers(1, 24))
    m = draw(st.integers(0, 3))
    signed = draw(st.booleans())
    gens = []
    for _ in range(m):
        perm = np.array(draw(st.permutations(range(n))), dtype=np.int64)
        if signed:
            sign = np.array(draw(st.lists(st.sampled_from([-1, 1]), min_size=n, max_size=n)))
        else:
            sign = np.ones(n, dtype=np.int64)
        gens.append((perm, sign.astype(np.int8)))
    return n, gens


@settings(deadline=None)
@given(signed_permutations())
def test_orbit_basis_property(case):
    n, gens = case
    ob = orbit_basis(n, gens)
    assert_fixed_orthonormal(ob, gens)
    assert ob.r == dense_fixed_dim(n, gens)
    # The projector is the orthogonal projector onto the fixed space.
    Q = ob.to_dense()
    X = np.random.default_rng(n).standard_normal((n, 3))
    np.testing.assert_allclose(ob.project(X), Q @ Q.T @ X, atol=1e-12)
    if ob.r:
        fixed = scipy.linalg.null_space(
            np.vstack([perm_matrix(p, s) - np.eye(n) for p, s in gens])
            if gens
            else np.zeros((1, n))
        )
        np.testing.assert_allclose(Q @ Q.T, fixed @ fixed.T, atol=1e-10)
