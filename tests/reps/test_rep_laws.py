"""Property tests of the representation algebra (Hypothesis)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym.errors import GroupError, RepError
from emlp_sym.groups import SO, SO13, S, Sp, Z
from emlp_sym.reps import Scalar, T, V
from emlp_sym.reps.sympy_export import terms_to_sympy
from emlp_sym.testing import strategies as est

jax.config.update("jax_enable_x64", False)


def _rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.abs(a - b).max() / (np.abs(a).max() + np.abs(b).max() + 1e-12)


def _elements(G, seed, n=2):
    return G.samples_numpy(n, seed=seed)


def _rho64(rep, g):
    with jax.enable_x64(True):
        return np.asarray(rep.rho(jnp.asarray(g)))


@given(est.bound_reps(families=est.REAL_FAMILIES + ("SU", "U"), max_size=81), st.integers(0, 99))
def test_rho_is_a_homomorphism(rep, seed):
    g, h = _elements(rep.G, seed)
    assert _rel(_rho64(rep, g @ h), _rho64(rep, g) @ _rho64(rep, h)) < 1e-8


@given(est.bound_reps(max_size=81), st.integers(0, 99))
def test_dual_acts_by_inverse_transpose(rep, seed):
    g = _elements(rep.G, seed, 1)[0]
    assert _rel(_rho64(rep.T, g), np.linalg.inv(_rho64(rep, g)).T) < 1e-8


@given(est.bound_reps(families=est.LIE_FAMILIES, max_size=64), st.integers(0, 99))
def test_drho_is_the_derivative_of_rho(rep, seed):
    G = rep.G
    rng = np.random.default_rng(seed)
    A = np.einsum("k,kij->ij", 0.3 * rng.standard_normal(len(G.lie_algebra)), G.lie_algebra)
    with jax.enable_x64(True):
        dA = np.asarray(rep.drho(jnp.asarray(A)))
    assert _rel(scipy.linalg.expm(dA), _rho64(rep, scipy.linalg.expm(A))) < 1e-7


@given(est.bound_reps(max_size=200), st.integers(0, 99))
def test_canonical_permutation_carries_rho(rep, seed):
    g = _elements(rep.G, seed, 1)[0]
    canonical_rep, perm = rep.canonicalize()
    assert sorted(perm.tolist()) == list(range(rep.size()))
    assert canonical_rep.size() == rep.size()
    rho_user, rho_canon = _rho64(rep, g), _rho64(canonical_rep, g)
    assert _rel(rho_canon[np.ix_(perm, perm)], rho_user) < 1e-8


@given(est.bound_reps(max_size=200))
def test_canonical_form_is_idempotent(rep):
    canonical_rep, _ = rep.canonicalize()
    again, perm2 = canonical_rep.canonicalize()
    assert again.canonical.terms == canonical_rep.canonical.terms == rep.canonical.terms
    assert np.array_equal(perm2, np.arange(rep.size()))
    assert str(again) == str(rep)


@given(est.bound_reps(max_size=200))
def test_sympy_expansion_agrees_with_canonical_terms(rep):
    assert rep.sympy() == terms_to_sympy(rep.canonical.terms, rep.G).subs({}) or (
        rep.sympy() - terms_to_sympy(rep.canonical.terms, rep.G)
    ).expand() == 0


def test_large_product_canonicalizes_fast():
    import time

    from emlp_sym.reps import Scalar as S0

    big = (40 * S0 + 12 * V + 4 * V**2 + V**3)(SO(3))
    t0 = time.perf_counter()
    W = (big >> big).canonical
    assert time.perf_counter() - t0 < 2.0
    assert W.size == big.size() ** 2


def test_product_group_reps_tensor_across_factors():
    G1, G2 = SO(3), S(4)
    rep = V(G1) * V(G2)
    assert rep.size() == 12 and rep.G == G1 * G2
    g = rep.G.samples_numpy(1, seed=0)[0]
    expected = np.kron(g[:3, :3], g[3:, 3:])
    assert _rel(_rho64(rep, g), expected) < 1e-10
    assert str(V(G1 * G2)) == str(rep)


class TestBadInput:
    def test_size_of_unbound(self):
        with pytest.raises(RepError, match="bind"):
            V.size()

    def test_negative_and_fractional_powers(self):
        with pytest.raises(RepError):
            V ** -1
        with pytest.raises(TypeError):
            V ** 1.5

    def test_bad_multiplicities(self):
        with pytest.raises(RepError):
            (-2) * V
        with pytest.raises(TypeError):
            2.5 * V
        with pytest.raises(TypeError):
            V + 2.5
        with pytest.raises(RepError):
            V + (-3)

    def test_rho_of_wrong_shape(self):
        with pytest.raises(ValueError, match="expects one 3×3 element"):
            (V**2)(SO(3)).rho(jnp.eye(4))
        with pytest.raises(RepError, match="bind"):
            (V**2).rho(jnp.eye(3))

    @pytest.mark.parametrize("ctor, arg", [(SO, 0), (S, -1), (Sp, 0), (Z, 2.5)])
    def test_invalid_group_parameters(self, ctor, arg):
        with pytest.raises((GroupError, TypeError), match="must be"):
            ctor(arg)


def test_rho_dense_is_vmappable_and_jittable():
    G = SO13()
    rep = T(1, 1)(G) + Scalar(G)
    gs = G.samples(5, seed=1)
    batched = jax.jit(jax.vmap(rep.rho_dense))(gs)
    assert batched.shape == (5, 17, 17)
    assert _rel(batched[2], rep.rho_dense(gs[2])) < 1e-5


def test_empty_sum_is_a_bound_zero_rep():
    z = (0 * V)(SO(3))
    assert str(z) == "0" and z.size() == 0 and z.G == SO(3)
    assert z.equivariant_basis().shape == (0, 0)
    assert (0 * V(SO(3))).G == SO(3)


def test_sums_over_a_product_group_canonicalize():
    G1, G2 = SO(3), S(4)
    rep = V(G1) * V(G2) + Scalar + V(G1) * Scalar(G2)
    assert rep.G == G1 * G2
    canonical, perm = rep.canonicalize()
    g = rep.G.samples_numpy(1, seed=0)[0]
    assert _rel(_rho64(canonical, g)[np.ix_(perm, perm)], _rho64(rep, g)) < 1e-10
    assert rep.equivariant_dim() == 1 + 0 + 0
