"""Direct products with equal factors, ``SO(3) × SO(3)``: each copy acts on its own atoms.

The law: factors of a direct product act independently, so the fixed space of
``V₁^p ⊗ V₂^q`` (one tensor per copy) is the tensor product of the factors' fixed spaces and
its rank is the product of the single-group ranks. A product that merged equal factors into
one would instead count the invariants of the diagonal subgroup (more of them).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg as sla
import sympy
from hypothesis import given
from hypothesis import strategies as st

import emlp_sym.nn as enn
from emlp_sym.errors import GroupError
from emlp_sym.groups import SO, O, S
from emlp_sym.groups.product import FactorCopy
from emlp_sym.reps import Rep, Scalar, V
from emlp_sym.testing import assert_equivariant

# (group, largest tensor order per copy): sizes stay at most 3^4 per factor pair
SMALL = [(SO(3), 2), (S(3), 2), (O(2), 3)]


def _rho(rep, g):
    with jax.enable_x64(True):
        return np.asarray(rep.rho(g), dtype=np.float64)


def _numeric(rep) -> np.ndarray:
    return np.asarray(rep.equivariant_basis(), dtype=np.float64)


def _one_factor_element(G, i, g):
    """``g`` in factor ``i`` of ``G``, the identity in the others (block-diagonal)."""
    blocks = [g if j == i else np.eye(F.element_size) for j, F in enumerate(G.factors)]
    return np.asarray(sla.block_diag(*blocks))


@given(st.sampled_from(SMALL), st.data())
def test_rank_of_a_tensor_per_copy_is_the_product_of_the_factor_ranks(case, data):
    F, top = case
    copies = data.draw(st.integers(2, 3 if F == O(2) else 2))
    G = F
    for _ in range(copies - 1):
        G = G * F
    orders = data.draw(st.lists(st.integers(0, top), min_size=copies, max_size=copies))
    rep = Scalar(G)
    for copy, p in zip(G.factors, orders, strict=True):
        rep = rep * V(copy) ** p
    expected = int(np.prod([(V**p)(F).equivariant_dim() for p in orders]))
    assert rep.G == G
    assert rep.equivariant_dim() == expected


@pytest.mark.parametrize(
    ("G", "printed", "rank"),
    [
        (SO(3) * SO(3), "V[SO(3)₁]²⊗V[SO(3)₂]²", 1),
        (S(3) * S(3), "V[S(3)₁]²⊗V[S(3)₂]²", 4),
        (O(2) * O(2) * O(2), "V[O(2)₁]²⊗V[O(2)₂]²⊗V[O(2)₃]²", 1),
    ],
)
def test_the_square_of_v_keeps_each_copy(G, printed, rank):
    rep = (V**2)(G)
    single = (V**2)(G.factors[0].base).equivariant_dim()
    assert rank == single ** len(G.factors)
    assert str(rep) == printed and rep.G == G and len(rep.G.factors) == len(G.factors)
    assert rep.size() == int(np.prod([F.d for F in G.factors])) ** 2
    assert rep.equivariant_basis().shape == (rep.size(), rank)
    assert rep.sympy() == sympy.Mul(*[sympy.Symbol(f"V[{F}]") ** 2 for F in G.factors])


def test_copies_are_numbered_by_occurrence_and_plain_products_print_as_before():
    G = SO(3) * S(4) * SO(3)
    assert [str(F) for F in G.factors] == ["SO(3)₁", "S(4)", "SO(3)₂"]
    assert G.factors[0] != G.factors[2] and G.factors[0].base == G.factors[2].base == SO(3)
    assert G == SO(3) * S(4) * SO(3) and (SO(3) * SO(3)) * SO(3) == SO(3) * (SO(3) * SO(3))
    assert str(SO(3) * S(4)) == "SO(3)×S(4)" and str((V**2)(SO(3) * S(4))) == "V[S(4)]²⊗V[SO(3)]²"
    assert not any(isinstance(F, FactorCopy) for F in (SO(3) * S(4)).factors)
    # a sub-product keeps its copies' numbers, so reps of it combine with reps of G
    rep = V(G.factors[2]) * V(G.factors[1]) + V(G)
    assert rep.G == G


def test_bases_are_invariant_under_each_copy_sampled_independently():
    G = SO(3) * SO(3)
    rep = V(G) + (V**2)(G) + V(G.factors[0]) ** 2 + V(G.factors[1]) * V(G.factors[1])
    Q = _numeric(rep)
    assert Q.shape == (rep.size(), 1 + 1 + 1)  # V₁²⊗V₂², V₁², V₂²: one invariant each
    g1, g2 = SO(3).samples_numpy(2, seed=3)
    for i, g in enumerate((g1, g2)):
        moved = _rho(rep, _one_factor_element(G, i, g))
        assert np.abs(moved @ Q - Q).max() < 1e-6
        assert np.abs(moved - np.eye(rep.size())).max() > 1e-2  # the copy really acts
    both = np.asarray(sla.block_diag(g1, g2))
    by_copy = _rho(rep, {G.factors[0]: g1, G.factors[1]: g2})
    np.testing.assert_allclose(by_copy, _rho(rep, both), atol=1e-12)
    np.testing.assert_allclose(np.asarray(rep.rho_dense(both)), _rho(rep, both), atol=1e-5)
    for copy, g in zip(G.factors, (g1, g2), strict=True):  # each copy reads its own block
        np.testing.assert_allclose(_rho(V(copy) + Scalar(G), both)[:3, :3], g, atol=1e-12)
    canonical, perm = rep.canonicalize()
    P = np.eye(rep.size())[:, perm]  # P e_u = e_perm[u]
    np.testing.assert_allclose(_rho(rep, both), P.T @ _rho(canonical, both) @ P, atol=1e-10)


@pytest.mark.parametrize("G", [SO(3) * SO(3), S(3) * S(3), O(2) * O(2) * O(2)])
def test_exact_and_numeric_bases_span_the_same_space(G):
    rep = (V**2)(G) + (V**3)(G.factors[0]) + V(G.factors[0]) ** 2 * V(G.factors[1]) ** 2
    exact = rep.equivariant_basis(exact=True)
    E = np.array(sympy.Matrix(exact).evalf(), dtype=np.float64)
    Q = _numeric(rep)
    assert E.shape == Q.shape
    assert np.linalg.matrix_rank(np.hstack([E, Q]), tol=1e-8) == Q.shape[1]


def test_a_plain_group_next_to_its_copies_is_refused_with_the_fix():
    G = SO(3) * SO(3)
    with pytest.raises(GroupError, match=r"V\(G.factors\[0\]\)"):
        V(SO(3)) + V(G)
    with pytest.raises(GroupError, match="which copy"):
        V(SO(3)) * V(G.factors[1])
    g = np.asarray(G.sample(seed=0))
    with pytest.raises(GroupError, match="block-diagonal element"):
        V(G).rho({SO(3): g[:3, :3]})
    assert V(SO(3)) + V(SO(3) * S(4)) is not None  # no repeats: the plain factor is meant


def test_the_core_model_is_equivariant_under_each_copy():
    G = SO(3) * SO(3)
    rin = Scalar(G) + V(G) + V(G.factors[0]) ** 2
    rout = Scalar(G) + V(G) + V(G.factors[1])
    plan = enn.emlp_plan(enn.emlp_architecture(rin, rout, G, ch=16, num_layers=1))
    params = enn.init_emlp(plan, 0)
    g1, g2 = SO(3).samples_numpy(2, seed=5)
    gs = np.stack([_one_factor_element(G, 0, g1), _one_factor_element(G, 1, g2),
                   np.asarray(G.sample(seed=6))])
    assert_equivariant(lambda x: enn.emlp_apply(plan, params, x), rin, rout, G, gs=gs,
                       rtol=2e-5)


class _Det(Rep):
    """The determinant of one factor's element: a user rep that tells the copies apart."""

    def __init__(self, G):
        self.G = G

    def rho(self, g):
        return jnp.linalg.det(g)[None, None]

    def __str__(self):
        return f"det[{self.G}]"


def test_user_reps_bound_to_each_copy_stay_apart():
    G = O(2) * O(2)
    first, second = _Det(G.factors[0]), _Det(G.factors[1])
    assert (first * first).equivariant_dim() == 1
    for rep in (first * second, first * second * V(G)):
        assert rep.G == G and rep.equivariant_dim() == 0
        assert rep.equivariant_basis(exact=True).shape == (rep.size(), 0)


def test_large_monomials_on_two_copies_are_kronecker_products_of_the_factor_bases():
    G = SO(3) * SO(3)
    rep = (V**4)(G)  # 6561 coordinates: past the dense solver, where Krylov used to run
    single = (V**4)(SO(3)).equivariant_dim()
    Q = _numeric(rep)
    E = np.array(sympy.Matrix(rep.equivariant_basis(exact=True)).evalf(), dtype=np.float64)
    assert Q.shape == E.shape == (3**8, single**2)
    np.testing.assert_allclose(Q.T @ Q, np.eye(single**2), atol=1e-10)
    assert np.linalg.matrix_rank(np.hstack([E, Q]), tol=1e-8) == single**2
    g1, g2 = SO(3).samples_numpy(2, seed=7)
    eye = np.eye(3)
    # V(G)⁴ = (V₁⊗V₂)⁴: the axes alternate between the copies (no dense 6561² rho)
    for moved in ([g1, eye] * 4, [eye, g2] * 4):
        assert np.abs(_act(Q, moved) - Q).max() < 1e-8


def _act(Q, axis_matrices):
    """``(⊗_k M_k) Q`` for the columns of ``Q``, one tensor axis at a time."""
    tensor = Q.reshape([M.shape[0] for M in axis_matrices] + [Q.shape[1]])
    for k, M in enumerate(axis_matrices):
        tensor = np.moveaxis(np.tensordot(M, tensor, axes=([1], [k])), 0, k)
    return tensor.reshape(Q.shape)
