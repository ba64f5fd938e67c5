"""Laws of the assembled bases and projectors, on drawn groups and representations."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from user_reps import PseudoScalar

from emlp_sym.groups import SO, SO13, C, Cube, Group, O, S, Z
from emlp_sym.reps import Scalar, V
from emlp_sym.testing import strategies as est


def _rho(rep, g):
    with jax.enable_x64(True):
        return np.asarray(rep.rho(jnp.asarray(g)))


def _drho(rep, A):
    with jax.enable_x64(True):
        return np.asarray(rep.drho(jnp.asarray(A)))


@given(est.bound_reps(families=est.REAL_FAMILIES + ("SU", "U"), max_size=120),
       st.integers(0, 99))
def test_basis_is_orthonormal_and_fixed(rep, seed):
    Q = rep.equivariant_basis()
    r = Q.shape[1]
    assert Q.shape[0] == rep.size() and r == rep.equivariant_dim()
    assert np.allclose(Q.conj().T @ Q, np.eye(r), atol=1e-9)
    for g in rep.G.samples_numpy(2, seed=seed):
        assert np.abs(_rho(rep, g) @ Q - Q).max(initial=0) < 1e-7
    for A in rep.G.lie_algebra:
        assert np.abs(_drho(rep, A) @ Q).max(initial=0) < 1e-8


@given(est.bound_reps(max_size=120))
def test_projector_is_symmetric_idempotent_and_matches_basis(rep):
    P = rep.equivariant_projector()
    D = P.to_dense()
    Q = rep.equivariant_basis()
    assert np.allclose(D, D.T, atol=1e-10) and np.allclose(D @ D, D, atol=1e-10)
    assert np.allclose(D, Q @ Q.T, atol=1e-10)
    v = np.random.default_rng(0).standard_normal(rep.size()).astype(np.float32)
    jitted = jax.jit(lambda x: P @ x)(jnp.asarray(v))
    assert np.allclose(np.asarray(jitted), D @ v, atol=1e-4)
    batch = np.random.default_rng(1).standard_normal((rep.size(), 3))
    assert np.allclose(P @ batch, D @ batch, atol=1e-10)


EXACT_FAMILIES = ("SO", "O", "S", "Z", "Trivial", "Rot90", "Cube", "SO13", "Sp", "SL", "GL")


@given(est.bound_reps(families=EXACT_FAMILIES, max_size=100))
def test_exact_basis_satisfies_constraints_exactly_and_spans_numeric(rep):
    B = rep.equivariant_basis(exact=True)
    assert isinstance(B, sympy.MatrixBase) and all(x.is_Rational for x in B)
    G = rep.G
    for h in G.discrete_generators:  # integer generators: rho(h) is exact in floats
        R = sympy.Matrix(np.rint(_rho(rep, h)).astype(int))
        assert R * B == B
    for A in G.lie_algebra:
        dR = sympy.Matrix(np.rint(_drho(rep, A)).astype(int))
        assert (dR * B).is_zero_matrix
    Q = rep.equivariant_basis()
    assert B.shape[1] == Q.shape[1]
    Bf = np.array(B.tolist(), dtype=float)
    assert np.allclose(Q @ (Q.T @ Bf), Bf, atol=1e-9)


def _enumerate(G, limit=5000):
    """All elements of a finite group, by closure under the generators."""
    gens = [np.rint(h).astype(int) for h in G.discrete_generators]
    seen = {np.eye(G.d, dtype=int).tobytes(): np.eye(G.d, dtype=int)}
    frontier = list(seen.values())
    while frontier:
        new = []
        for g, h in itertools.product(frontier, gens):
            k = h @ g
            key = k.tobytes()
            if key not in seen:
                seen[key] = k
                new.append(k)
        frontier = new
        assert len(seen) < limit
    return list(seen.values())


@pytest.mark.parametrize("G", [S(3), S(4), Z(5), C(4), Cube()], ids=str)
@pytest.mark.parametrize("rep", [V, V**2, V**3, V + V**2, V >> V**2], ids=str)
def test_dimension_equals_character_average(G, rep):
    rep = rep(G)
    elements = _enumerate(G)
    average = np.mean([np.trace(_rho(rep, g.astype(float))) for g in elements])
    assert rep.equivariant_dim() == round(average)


@pytest.mark.parametrize("k, bell", [(1, 1), (2, 2), (3, 5), (4, 15), (5, 52)])
def test_symmetric_group_bell_numbers(k, bell):
    assert (V**k)(S(max(k, 2))).equivariant_dim() == bell


@pytest.mark.parametrize("k, r", list(enumerate([1, 0, 1, 1, 3, 6, 15, 36])))
def test_so3_tensor_power_invariants(k, r):
    assert (V**k)(SO(3)).equivariant_dim() == r


def test_so3_eighth_power_has_91_invariants():
    assert (V**8)(SO(3)).equivariant_dim() == 91


def test_equivariant_maps_between_sums_come_out_blockwise():
    rin = (3 * Scalar + 2 * V + V**2)(O(3))
    W = rin >> rin
    # Hom(V^p, V^q) = invariants of V^(p+q): r = 9·1 + 4·1 + 1·3 + 2·(3·0 + 2·... ) by blocks
    blocks = {(p, q): [1, 0, 1, 0, 3][p + q] for p in range(3) for q in range(3)}
    mult = {0: 3, 1: 2, 2: 1}
    expected = sum(mult[p] * mult[q] * blocks[p, q] for p in range(3) for q in range(3))
    assert W.equivariant_dim() == expected


def test_user_defined_representation():
    G = O(3)
    P = PseudoScalar(G)
    assert str(P * V(G) + V(G)) == "V+V⊗P"  # base atoms sort before user atoms
    assert (P * V(G) >> V(G)).equivariant_dim() == 0  # pseudovectors are not vectors
    assert (P * V(G) ** 2 >> V(G)).equivariant_dim() == 1  # the cross product
    assert (P * P).equivariant_dim() == 1
    Q = (P * V(G) ** 2 >> V(G)).equivariant_basis()
    g = G.samples_numpy(1, seed=3)[0]
    rep = P * V(G) ** 2 >> V(G)
    assert np.abs(_rho(rep, g) @ Q - Q).max() < 1e-8


def test_user_defined_group_subclass():
    class Shear(Group):
        lie_algebra = np.array([[[0.0, 1.0], [0.0, 0.0]]])

        def __init__(self):
            super().__init__()

    G = Shear()
    assert (V >> V)(G).equivariant_dim() == 2  # spanned by I and the nilpotent generator
    assert V(G).equivariant_dim() == 1


def test_lorentz_metric_is_the_invariant():
    Q = (V.T * V.T)(SO13()).equivariant_basis()
    eta = np.diag([1.0, -1, -1, -1]).reshape(-1)
    assert Q.shape[1] == 1 and abs(abs(Q[:, 0] @ eta) / np.linalg.norm(eta) - 1) < 1e-9


def test_large_bases_come_back_structured(monkeypatch):
    from emlp_sym.solvers import api

    rep = (2 * Scalar + V + V**2)(SO(3)) >> (Scalar + V**2)(SO(3))
    dense = rep.equivariant_basis()
    monkeypatch.setattr(api, "DENSE_BASIS_LIMIT", 10)
    Q = rep.equivariant_basis()
    assert isinstance(Q, api.StructuredBasis) and Q.shape == dense.shape
    assert np.allclose(Q.to_dense(), dense) and np.allclose(np.asarray(Q), dense)
    c = np.random.default_rng(0).standard_normal((Q.shape[1], 2))
    v = np.random.default_rng(1).standard_normal(Q.shape[0])
    assert np.allclose(Q @ c, dense @ c) and np.allclose(Q.T @ v, dense.T @ v)
