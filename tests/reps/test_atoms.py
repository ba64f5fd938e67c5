"""Atoms and monomials (emlp_sym.reps.atoms): order, duals, layouts, labels."""

import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from user_reps import PseudoScalar

from emlp_sym.groups import GL, SL, SO, S
from emlp_sym.reps.atoms import (
    BaseAtom,
    RepAtom,
    axis_permutation,
    is_permutation_type,
    monomial_key,
    monomial_size,
    monomial_str,
    sort_monomial,
)
from emlp_sym.testing import strategies as est

ATOMS = [BaseAtom(SO(3)), BaseAtom(S(4)), BaseAtom(SL(2)), BaseAtom(SL(2), dual=True),
         RepAtom(PseudoScalar(SO(3))), RepAtom(PseudoScalar(SO(3)), dual=True)]


@settings(max_examples=40)
@given(st.lists(st.sampled_from(ATOMS), max_size=6))
def test_sort_monomial_sorts_by_key_and_returns_the_permutation(atoms):
    mono, order = sort_monomial(tuple(atoms))
    assert sorted(order.tolist()) == list(range(len(atoms)))
    assert mono == tuple(atoms[i] for i in order)
    keys = [a.sort_key() for a in mono]
    assert keys == sorted(keys)
    assert sort_monomial(mono)[0] == mono  # idempotent
    assert monomial_size(mono) == int(np.prod([a.size for a in atoms]))


@settings(max_examples=40)
@given(st.lists(st.sampled_from(ATOMS), max_size=4), st.lists(st.sampled_from(ATOMS), max_size=4))
def test_monomial_key_orders_by_degree_first(a, b):
    ma, mb = sort_monomial(tuple(a))[0], sort_monomial(tuple(b))[0]
    if len(ma) < len(mb):
        assert monomial_key(ma) < monomial_key(mb)
    assert (monomial_key(ma) == monomial_key(mb)) == (ma == mb)


@settings(max_examples=30)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_axis_permutation_moves_coordinates_with_their_axes(dims, rnd):
    order = list(range(len(dims)))
    rnd.shuffle(order)
    X = np.arange(int(np.prod(dims))).reshape(dims)
    sorted_flat = X.transpose(order).reshape(-1)  # axes in sorted order
    p = axis_permutation(np.asarray(order), dims)
    np.testing.assert_array_equal(sorted_flat[p], X.reshape(-1))


@settings(max_examples=20)
@given(est.groups(max_d=4), st.integers(0, 2**16))
def test_dual_atom_matrices_are_inverse_transposes(G, seed):
    a = BaseAtom(G.factors[0])
    g = np.asarray(a.group.samples(1, seed=seed), dtype=np.float64)[0]
    assert a.transpose().transpose() == a
    dual = BaseAtom(a.group, dual=True)
    M, Md = a.matrices(g, lie=False), dual.matrices(g, lie=False)
    np.testing.assert_allclose(Md.T @ M, np.eye(a.size), atol=1e-6)
    for A in np.asarray(a.group.lie_algebra):
        np.testing.assert_allclose(dual.matrices(A, lie=True), -A.T)


def test_duals_fold_exactly_for_real_orthogonal_groups():
    assert BaseAtom(SO(3)).transpose() == BaseAtom(SO(3))
    assert BaseAtom(S(4)).transpose() == BaseAtom(S(4))
    assert BaseAtom(GL(2)).transpose() == BaseAtom(GL(2), dual=True)


class _Conjugated(PseudoScalar):
    """``g ↦ S g S⁻¹`` with a non-orthogonal S: not self-dual in its own coordinates."""

    def __str__(self):
        return "Vs"

    def rho(self, M):
        S = jnp.array([[1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        return S @ M @ jnp.linalg.inv(S)

    def size(self):
        return 3


def test_user_atoms_fold_when_declared_or_orthogonal_on_an_orthogonal_group():
    P = PseudoScalar(SO(3))  # rho = ±1: orthogonal, so P* = P as the reference's T says
    assert RepAtom(P).transpose() == RepAtom(P)
    assert RepAtom(PseudoScalar(GL(2))).transpose() == RepAtom(PseudoScalar(GL(2)), dual=True)
    conjugated = _Conjugated(SO(3))
    assert RepAtom(conjugated).transpose() == RepAtom(conjugated, dual=True)

    class NotSelfDualP(PseudoScalar):
        self_dual = False

    class SelfDualP(PseudoScalar):
        self_dual = True

    Q = NotSelfDualP(SO(3))
    assert RepAtom(Q).transpose() == RepAtom(Q, dual=True)
    R = SelfDualP(GL(2))
    assert RepAtom(R).transpose() == RepAtom(R)
    g = np.diag([-1.0, 1, 1])
    np.testing.assert_allclose(RepAtom(Q, dual=True).matrices(g, lie=False), [[-1.0]])


def test_labels_and_permutation_types():
    v, w = BaseAtom(SO(3)), BaseAtom(SL(2), dual=True)
    assert monomial_str(()) == "V⁰"
    assert monomial_str((v, v, v)) == "V³"
    assert monomial_str((w,), show_group=True) == "V[SL(2)]*"
    assert is_permutation_type((BaseAtom(S(4)),) * 2)
    assert not is_permutation_type(())
    assert not is_permutation_type((v,))
    assert not is_permutation_type((RepAtom(PseudoScalar(S(4))),))
