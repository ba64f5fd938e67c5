"""Fixed spaces of single monomials (emlp_sym.solvers.routes): route choice and caching."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.errors import ExactFormUnavailable
from emlp_sym.groups import SL, SO, C, O, S
from emlp_sym.reps import V
from emlp_sym.reps.expr import monomial_rep
from emlp_sym.solvers import routes
from emlp_sym.testing import strategies as est


def mono_of(rep):
    (t, _), *_ = rep.canonical.terms
    return t


def assert_fixed_orthonormal(Q, t, G, seed=0, atol=1e-5):
    np.testing.assert_allclose(Q.conj().T @ Q, np.eye(Q.shape[1]), atol=1e-9)
    rep = monomial_rep(t, G)
    for g in G.samples(2, seed=seed):
        R = np.asarray(rep.rho_dense(np.asarray(g, dtype=np.float64)), dtype=np.float64)
        np.testing.assert_allclose(R @ Q, Q, atol=atol)


@settings(max_examples=15, deadline=None)
@given(est.groups(families=("SO", "O", "S", "Z", "SL", "Sp", "D"), max_d=4), st.integers(1, 3),
       st.integers(0, 2**16))
def test_numeric_basis_is_an_orthonormal_fixed_basis(G, k, seed):
    t = mono_of((V**k)(G))
    Q = routes.numeric_basis(t, G)
    assert Q.shape[0] == int(np.prod([a.size for a in t]))
    assert_fixed_orthonormal(Q, t, G, seed)
    assert not Q.flags.writeable  # shared from the cache


@pytest.mark.parametrize("rep, G, r, route", [
    (V**2, S(4), 2, "orbits"),  # orbits only
    (V**3, O(3), 0, "orbits+dense"),  # 14 orbits, and the Lie constraint leaves none
    (V**4, O(3), 3, "orbits+dense"),  # orbits, then the Lie constraint on them
    (V**3, SO(3), 1, "orbits+dense"),  # no discrete generator: every coordinate its own orbit
    (V * V.T, SL(2), 1, "orbits+dense"),  # a dual that does not fold
    (V**7, SO(3), 36, "krylov"),  # past the dense solver's size
])
def test_each_route_gives_the_known_dimension(rep, G, r, route):
    t = mono_of(rep(G))
    assert routes.choose_route(t, G, solve_only=True).name == route
    Q = routes.numeric_basis(t, G)
    assert Q.shape[1] == r
    assert_fixed_orthonormal(Q, t, G)


def test_results_are_cached_until_cleared():
    t = mono_of((V**2)(SO(3)))
    Q = routes.numeric_basis(t, SO(3))
    assert routes.numeric_basis(t, SO(3)) is Q
    routes.clear_caches()
    Q2 = routes.numeric_basis(t, SO(3))
    assert Q2 is not Q
    np.testing.assert_allclose(np.abs(Q2), np.abs(Q), atol=1e-12)


@pytest.mark.parametrize("rep, G", [(V**3, S(3)), (V**2, SO(3)), (V**4, SO(3)), (V**2, O(2))])
def test_exact_basis_spans_the_numeric_one(rep, G):
    t = mono_of(rep(G))
    B = np.array(routes.exact_basis(t, G).to_Matrix(), dtype=float)  # every G here has one
    Q = routes.numeric_basis(t, G)
    assert B.shape == Q.shape
    assert np.linalg.matrix_rank(np.hstack([B, Q]), tol=1e-8) == Q.shape[1]


def test_scalar_monomial():
    np.testing.assert_array_equal(routes.numeric_basis((), SO(3)), np.ones((1, 1)))
    assert routes.exact_basis((), S(3)).to_Matrix().tolist() == [[1]]


#: the only group here without a rational form: its exact basis is written down, not solved
NO_EXACT_FORM = [C(12)]


@pytest.mark.parametrize("G", NO_EXACT_FORM, ids=str)
def test_a_group_without_a_rational_form_raises_rather_than_skips(G):
    t = mono_of((V**2)(G))
    with pytest.raises(ExactFormUnavailable, match="no exact basis is available"):
        routes.exact_basis(t, G)  # the solving routes need rational generators
    assert routes.choose_route(t, G, exact=True).name == "rotations"
    assert routes.monomial_basis(t, G, exact=True).shape == (4, 2)
