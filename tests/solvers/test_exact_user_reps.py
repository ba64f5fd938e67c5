"""Exact bases of user reps whose ``rho`` is written in jax.numpy (as the reference's notebooks
write them): evaluated in float64 and read back exactly, or refused, never rounded."""

import jax.numpy as jnp
import numpy as np
import pytest

from emlp_sym.errors import ExactFormUnavailable
from emlp_sym.groups import SO, O, S
from emlp_sym.reps import Rep, V


class PseudoScalar(Rep):
    def __init__(self, G):
        self.G = G

    def __str__(self):
        return "P"

    def rho(self, M):
        return jnp.sign(jnp.linalg.det(M)) * jnp.eye(1)


class Standard2(Rep):
    """The 2-dimensional irrep of S(3) in an orthonormal basis: entries ±1/2, ±sqrt(3)/2."""

    U = np.array([[1, 1], [-1, 1], [0, -2]]) / np.array([np.sqrt(2), np.sqrt(6)])

    def __init__(self, G):
        self.G = G

    def __str__(self):
        return "E"

    def rho(self, M):
        return jnp.asarray(self.U.T) @ M @ jnp.asarray(self.U)


@pytest.mark.parametrize("rep", [PseudoScalar(O(3)) * V(O(3)) ** 3,
                                 PseudoScalar(S(3)) * V(S(3)) ** 2])
def test_exact_basis_of_a_jnp_rho_rep_spans_the_numeric_one(rep):
    exact = np.array(rep.equivariant_basis(exact=True), dtype=float)
    numeric = np.asarray(rep.equivariant_basis())
    assert exact.shape == numeric.shape and exact.shape[1] > 0
    # the same subspace: projecting one on the other changes nothing
    P = numeric @ np.linalg.pinv(numeric)
    np.testing.assert_allclose(P @ exact, exact, atol=1e-9)


def test_irrational_values_are_refused():
    rep = Standard2(S(3)) * V(S(3))
    assert rep.equivariant_basis().shape == (6, 1)  # Hom(E, V) is one-dimensional
    with pytest.raises(ExactFormUnavailable, match="exact=False"):
        rep.equivariant_basis(exact=True)


def test_user_rep_bound_to_a_sub_product_inside_a_larger_sum():
    # P(S(3)×O(2)) ⊗ V[S(3)] ⊗ V[O(2)] + V[SO(3)]: the sum lives on S(3)×O(2)×SO(3), and P's
    # generators are the sub-product's. Its endomorphisms: 2·1 (the 6-dim part) + 1 (V[SO(3)]).
    G = S(3) * O(2)
    rep = PseudoScalar(G) * V(S(3)) * V(O(2)) + V(SO(3))
    W = (rep >> rep)
    numeric = np.asarray(W.equivariant_basis())
    assert numeric.shape == (81, 3)
    exact = np.array(W.equivariant_basis(exact=True), dtype=float)
    np.testing.assert_allclose(numeric @ np.linalg.pinv(numeric) @ exact, exact, atol=1e-9)
