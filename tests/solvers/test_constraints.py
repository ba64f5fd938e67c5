"""Per-axis constraint matrices of one monomial (emlp_sym.solvers.constraints)."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.errors import ExactFormUnavailable
from emlp_sym.groups import SL, SO, SU, C, O, S, Z
from emlp_sym.reps import V
from emlp_sym.reps.atoms import BaseAtom
from emlp_sym.solvers.constraints import (
    axis_matrices,
    generators,
    lie_and_discrete_terms,
    sparse_constraint,
)
from emlp_sym.solvers.routes import numeric_basis
from emlp_sym.testing import strategies as est


def kron_all(mats):
    out = np.eye(1)
    for M in mats:
        out = np.kron(out, M)
    return out


def dense_constraints(mono, G):
    lie, disc = lie_and_discrete_terms(mono, G)
    rows = [sparse_constraint(m, "sum").toarray() for m in lie]
    rows += [sparse_constraint(m, "product").toarray() for m in disc]
    return np.vstack(rows) if rows else np.zeros((0, int(np.prod([a.size for a in mono]))))


@settings(max_examples=20, deadline=None)
@given(est.groups(max_d=4), st.integers(1, 3))
def test_null_space_of_the_constraints_is_the_fixed_space(G, k):
    mono = ((V**k)(G)).canonical.terms[0][0]
    n = int(np.prod([a.size for a in mono]))
    if n > 100:
        return
    A = dense_constraints(mono, G)
    r = n - np.linalg.matrix_rank(A, tol=1e-8) if A.size else n
    Q = numeric_basis(mono, G)
    assert Q.shape[1] == r
    np.testing.assert_allclose(A @ Q, 0, atol=1e-8)
    # and each generator's matrices are the group's own on every axis
    for gen in generators(G):
        mats = axis_matrices(mono, G, gen)
        assert mats is not None and len(mats) == len(mono)
        for M in mats:
            np.testing.assert_allclose(M, np.asarray(gen.embedded, dtype=M.dtype))


def test_generators_of_a_product_are_embedded_block_diagonally():
    G = SO(3) * S(4)
    gens = generators(G)
    assert sum(g.lie for g in gens) == len(SO(3).lie_algebra)
    assert sum(not g.lie for g in gens) == len(S(4).discrete_generators) + len(
        SO(3).discrete_generators)
    for g in gens:
        blocks = [np.zeros((d, d)) if g.lie else np.eye(d) for d in (3, 4)]
        blocks[g.factor] = np.asarray(g.local)
        np.testing.assert_allclose(g.embedded, scipy.linalg.block_diag(*blocks))


def test_axes_of_another_factor_get_identity_or_zero():
    G = SO(3) * S(4)
    mono = (BaseAtom(SO(3)), BaseAtom(S(4)))
    for gen in generators(G):
        mats = axis_matrices(mono, G, gen)
        other = mats[1 - gen.factor]
        expected = np.zeros_like(other) if gen.lie else np.eye(len(other))
        np.testing.assert_array_equal(other, expected)
    # a monomial living on one factor is untouched by the other factor's generators
    for gen in generators(G):
        if gen.factor == 1:
            assert axis_matrices((BaseAtom(SO(3)),) * 2, G, gen) is None


#: the groups here whose generators have no rational form (irrational rotations, complex Lie
#: algebras): the only ones for which no exact matrices are expected
NO_EXACT_FORM = [C(12), SU(2)]


@pytest.mark.parametrize("G", NO_EXACT_FORM, ids=str)
def test_groups_without_a_rational_form_refuse_exact_matrices(G):
    with pytest.raises(ExactFormUnavailable, match="no exact basis is available"):
        generators(G, exact=True)


@pytest.mark.parametrize("G", [S(3), Z(4), SO(3), O(3), SL(2), C(4)], ids=str)
def test_exact_matrices_agree_with_the_float_ones(G):
    mono = (BaseAtom(G), BaseAtom(G))
    exact = generators(G, exact=True)  # these groups all have exact forms: a failure fails
    for ge, gf in zip(exact, generators(G), strict=True):
        me, mf = axis_matrices(mono, G, ge, exact=True), axis_matrices(mono, G, gf)
        for A, B in zip(me, mf, strict=True):
            np.testing.assert_allclose(np.array(A, dtype=float), B, atol=1e-12)


@settings(max_examples=20)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.integers(0, 2**16))
def test_sparse_constraints_are_kronecker_sums_and_products(dims, seed):
    rng = np.random.default_rng(seed)
    mats = [rng.standard_normal((d, d)) for d in dims]
    n = int(np.prod(dims))
    ksum = sum(kron_all([M if j == i else np.eye(len(M)) for j, M in enumerate(mats)])
               for i in range(len(mats)))
    np.testing.assert_allclose(sparse_constraint(mats, "sum").toarray(), ksum, atol=1e-12)
    np.testing.assert_allclose(sparse_constraint(mats, "product").toarray(),
                               kron_all(mats) - np.eye(n), atol=1e-12)
