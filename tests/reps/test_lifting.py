"""Reps of some of a product's factors, or of its factors in another order, lifted to the
product (issue 24): same coordinates and action, accepted by the models' bind_rep."""

import numpy as np
import pytest

import emlp_sym.nn as enn
from emlp_sym.errors import RepError
from emlp_sym.groups import SO, O, S
from emlp_sym.groups.elements import element_matrix
from emlp_sym.nn.core.architecture import bind_rep
from emlp_sym.reps import V
from emlp_sym.reps.action import act, sample_elements
from emlp_sym.reps.lifting import can_lift, lift
from emlp_sym.testing import assert_equivariant


def test_a_rep_of_the_factors_in_another_order_is_lifted_with_its_action():
    G = S(4) * O(3)
    rep = V(O(3)) ** 2 * V(S(4)) + V(S(4))  # a rep of O(3)×S(4)
    assert rep.G == O(3) * S(4) and rep.G != G  # the products stay different groups
    lifted = lift(rep, G)
    assert lifted.G == G and lifted.size() == rep.size()
    assert lifted.canonical_terms == rep.canonical_terms
    np.testing.assert_array_equal(lifted.canonical.perm, rep.canonical.perm)
    for p, R in sample_elements(G, 3, seed=2):
        x = np.random.default_rng(0).standard_normal((2, rep.size()))
        np.testing.assert_allclose(act(lifted, (p, R), x), act(rep, (R, p), x), rtol=1e-12)
        np.testing.assert_allclose(lifted.rho_dense(element_matrix(G, (p, R))),
                                   rep.rho_dense(element_matrix(rep.G, (R, p))), atol=1e-6)
    # the same fixed space in either order: the bases agree
    np.testing.assert_allclose(np.asarray(lifted.equivariant_projector() @ np.eye(rep.size())),
                               np.asarray(rep.equivariant_projector() @ np.eye(rep.size())),
                               atol=1e-6)


def test_a_rep_of_one_factor_is_lifted():
    G = S(4) * O(3)
    lifted = lift(V(O(3)) ** 2, G)
    assert lifted.G == G and lifted.equivariant_dim() == 1  # δ_ij, S(4) acting trivially
    (p, R) = sample_elements(G, 1, seed=0)[0]
    x = np.random.default_rng(0).standard_normal(9)
    np.testing.assert_allclose(act(lifted, (p, R), x), (R @ x.reshape(3, 3) @ R.T).ravel(),
                               rtol=1e-12)
    assert lift(lifted, G) is lifted


def test_what_cannot_be_lifted_is_refused():
    G = S(4) * O(3)
    assert not can_lift(V(SO(3)), G)
    with pytest.raises(RepError, match=r"V is a representation of SO\(3\), and S\(4\)×O\(3\) "
                                       r"has no factor SO\(3\)"):
        lift(V(SO(3)), G)
    copies = S(3) * S(3)  # a plain S(3) is neither copy S(3)₁ nor S(3)₂
    assert not can_lift(V(S(3)), copies)
    with pytest.raises(RepError, match="but the model's group is S"):
        bind_rep(V(S(3)), copies, "rep_in")
    with pytest.raises(RepError, match=r"rep_out is a representation of SO\(3\), but the "
                                       r"model's group is S\(5\)×O\(3\)"):
        bind_rep(V(SO(3)), S(5) * O(3), "rep_out")


def test_a_model_over_S5xO3_takes_a_rep_of_O3xS5():
    """The issue's example: V(O(3))**2 * V(S(5))**0 is a rep of O(3)×S(5), and a model over
    S(5)×O(3) used to refuse it."""
    G = S(5) * O(3)
    rep_in = V(S(5)) + V(O(3))
    rep_out = V(O(3)) ** 2 * V(S(5)) ** 0
    assert rep_out.G == O(3) * S(5)
    model = enn.EMLP(rep_in, rep_out, G, ch=16, num_layers=1)
    assert bind_rep(rep_out, G, "rep_out").G == G
    assert assert_equivariant(model, rep_in, rep_out, G) < 1e-5  # lifted there too
