"""Canonical forms (emlp_sym.reps.canonical): terms, layouts and the exact permutation."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.groups import SL, SO, S
from emlp_sym.reps import V
from emlp_sym.reps import canonical as canon
from emlp_sym.reps.atoms import BaseAtom, monomial_size
from emlp_sym.testing import strategies as est

GROUPS = [SO(3), S(3), SL(2)]


def leaves(G):
    a = BaseAtom(G)
    return [canon.leaf(()), canon.leaf((a,)), canon.leaf((a.transpose(),)), canon.leaf((a, a))]


@st.composite
def canonicals(draw, G, depth=2):
    """A canonical form built by sums, products and duals of small leaves."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(leaves(G)))
    op = draw(st.sampled_from(["sum", "product", "dual"]))
    A = draw(canonicals(G, depth - 1))
    if op == "dual":
        return canon.dual(A)
    B = draw(canonicals(G, depth - 1))
    return canon.direct_sum([A, B]) if op == "sum" else canon.tensor_product(A, B)


def check_well_formed(C):
    assert sorted(C.perm.tolist()) == list(range(C.size))
    assert C.size == sum(m * monomial_size(t) for t, m in C.terms)
    starts = canon.term_starts(C.terms)
    ends = [starts[t] + m * monomial_size(t) for t, m in C.terms]
    assert [starts[t] for t, _ in C.terms] == [0] + ends[:-1]
    assert len({t for t, _ in C.terms}) == len(C.terms) and all(m > 0 for _, m in C.terms)


@settings(max_examples=30)
@given(st.sampled_from(GROUPS).flatmap(lambda G: st.tuples(canonicals(G), canonicals(G))))
def test_sums_and_products_are_well_formed_and_count_terms(pair):
    A, B = pair
    S_, P = canon.direct_sum([A, B]), canon.tensor_product(A, B)
    for C in (A, B, S_, P):
        check_well_formed(C)
    assert S_.size == A.size + B.size and P.size == A.size * B.size
    for t, _ in S_.terms:
        assert S_.multiplicity(t) == A.multiplicity(t) + B.multiplicity(t)
    # the terms of a product do not depend on the order of the factors (only the layout does)
    assert canon.tensor_product(B, A).terms == P.terms
    # the sum's layout keeps each child's coordinates in order within a term
    assert np.array_equal(canon.direct_sum([A]).perm, A.perm)


@settings(max_examples=30)
@given(st.sampled_from(GROUPS).flatmap(canonicals))
def test_dual_is_an_involution(C):
    D = canon.dual(C)
    check_well_formed(D)
    DD = canon.dual(D)
    assert DD.terms == C.terms
    np.testing.assert_array_equal(DD.perm, C.perm)


def test_duals_fold_for_orthogonal_groups_only():
    assert canon.dual(canon.leaf((BaseAtom(SO(3)),))).terms == (((BaseAtom(SO(3)),), 1),)
    assert canon.dual(canon.leaf((BaseAtom(SL(2)),))).terms == (((BaseAtom(SL(2), True),), 1),)


@settings(max_examples=15, deadline=None)
@given(est.bound_reps(families=("SO", "S", "SL", "O"), max_size=40), st.integers(0, 2**16))
def test_the_permutation_conjugates_the_user_rho_into_the_canonical_rho(rep, seed):
    """rho_user(g)[u, v] = rho_canon(g)[perm[u], perm[v]]."""
    crep, perm = rep.canonicalize()
    g = rep.G.samples(1, seed=seed)[0]
    R, Rc = np.asarray(rep.rho_dense(g)), np.asarray(crep.rho_dense(g))
    np.testing.assert_allclose(R, Rc[np.ix_(perm, perm)], atol=1e-5)
    assert crep.canonical.is_identity


def test_leaf_and_empty():
    check_well_formed(canon.leaf(()))
    assert canon.EMPTY.size == 0
    assert canon.direct_sum([]).terms == ()
    assert str((V * V + V)(S(3)).canonical.terms[0][0][0].group) == "S(3)"
