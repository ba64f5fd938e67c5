"""Scaling and embedded groups: generators and names as the reference's, bases against an
independent dense null space, equivariance, placement invariance, and bad arguments."""

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym import groups as g
from emlp_sym.errors import GroupError
from emlp_sym.reps import T, V


def dense_fixed_dim(G, order: int) -> int:
    """dim of the vectors of V^⊗order fixed by G, from the Kronecker constraints (no solver)."""
    d = G.d
    eye = np.eye(d)
    rows = []
    for A in G.lie_algebra:
        total = np.zeros((d**order, d**order))
        for k in range(order):
            factors = [A if i == k else eye for i in range(order)]
            term = factors[0]
            for f in factors[1:]:
                term = np.kron(term, f)
            total += term
        rows.append(total)
    for h in G.discrete_generators:
        term = h
        for _ in range(order - 1):
            term = np.kron(term, h)
        rows.append(term - np.eye(d**order))
    if not rows:
        return d**order
    s = np.linalg.svd(np.concatenate(rows), compute_uv=False)
    return int(np.sum(s < 1e-8 * max(1.0, s.max())))


GROUPS = [g.SO2eR3(), g.O2eR3(), g.DkeR3(3), g.DkeR3(4), g.Embed(g.S(3), 4, [0, 2, 3])]


def test_names_like_the_reference():
    assert str(g.SO2eR3()) == "SO(2)_R3" and repr(g.O2eR3()) == "O(2)_R3"
    assert str(g.DkeR3(6)) == "D(6)_R3" and str(g.Scaling(3)) == "Scaling(3)"
    assert str(g.Embed(g.SO(3), 5, slice(3))) == "SO(3)_R5"
    # the reference prints every placement alike; ours names a non-leading one
    assert str(g.Embed(g.SO(2), 3, slice(1, 3))) == "SO(2)_R3[1, 2]"


def test_generators_are_the_references():
    np.testing.assert_array_equal(
        g.SO2eR3().lie_algebra, [[[0, -1, 0], [1, 0, 0], [0, 0, 0]]]
    )
    assert len(g.SO2eR3().discrete_generators) == 0
    np.testing.assert_array_equal(g.O2eR3().discrete_generators, [np.diag([-1.0, 1, 1])])
    H = g.DkeR3(4).discrete_generators
    assert H.shape == (2, 3, 3) and len(g.DkeR3(4).lie_algebra) == 0
    np.testing.assert_allclose(H[:, 2], [[0, 0, 1]] * 2)  # z is fixed
    np.testing.assert_allclose(H[0, :2, :2], g.D(4).discrete_generators[0])
    np.testing.assert_array_equal(g.Scaling(2).lie_algebra, [np.eye(2)])
    assert g.Scaling(2).num_constraints() == 1 and not g.Scaling(2).is_orthogonal


def test_equality_and_hashing():
    assert g.SO2eR3() == g.Embed(g.SO(2), 3, slice(2)) == g.Embed(g.SO(2), 3, [0, 1])
    assert hash(g.SO2eR3()) == hash(g.Embed(g.SO(2), 3, slice(0, 2)))
    assert g.SO2eR3() != g.Embed(g.SO(2), 3, slice(1, 3)) and g.SO2eR3() != g.O2eR3()
    assert g.DkeR3(3) != g.DkeR3(4) and {g.DkeR3(3): 1}[g.DkeR3(3)] == 1


def test_datasets_keep_so2er3():
    from emlp_sym.datasets import SO2eR3

    assert SO2eR3 is g.SO2eR3


@pytest.mark.parametrize("G", GROUPS, ids=str)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_basis_ranks_match_the_dense_null_space(G, order):
    assert (V**order)(G).equivariant_dim() == dense_fixed_dim(G, order)


def test_known_ranks():
    # SO(2) on R^2 ⊕ R: V² has δ, ε on the plane and e_z e_z; O(2) and D(k ≥ 3) drop ε
    assert [(V**2)(G).equivariant_dim() for G in (g.SO2eR3(), g.O2eR3(), g.DkeR3(4))] == [3, 2, 2]
    # D(3) has a cubic invariant on the plane that D(4) (which holds -I) has not
    assert (V**3)(g.DkeR3(3)).equivariant_dim() == 5 and (V**3)(g.DkeR3(4)).equivariant_dim() == 4
    # scaling: no invariant tensors of one variance, every map V -> V commutes
    assert (V**2)(g.Scaling(3)).equivariant_dim() == 0
    assert (V >> V)(g.Scaling(3)).equivariant_dim() == 9
    assert T(1, 1)(g.Scaling(2)).equivariant_dim() == 4


@pytest.mark.parametrize("G", GROUPS + [g.Scaling(2)], ids=str)
def test_bases_are_equivariant(G):
    for rep in (V**2, V >> V):
        R = rep(G)
        Q = np.asarray(R.equivariant_basis(), dtype=float)
        for x in np.asarray(G.samples(3, seed=2)):
            rho = np.asarray(R.rho_dense(x), dtype=float)
            np.testing.assert_allclose(rho @ Q, Q, atol=1e-5)


@pytest.mark.parametrize("G", GROUPS, ids=str)
def test_samples_fix_the_other_coordinates(G):
    other = [i for i in range(G.d) if i not in G.indices]
    for x in np.asarray(G.samples(4, seed=0)):
        np.testing.assert_allclose(x[np.ix_(other, other)], np.eye(len(other)), atol=1e-12)
        np.testing.assert_allclose(x[np.ix_(G.indices, other)], 0, atol=1e-12)
        np.testing.assert_allclose(x.T @ x, np.eye(G.d), atol=1e-6)


@given(
    inner=st.sampled_from([g.SO(2), g.O(2), g.D(3), g.S(3)]),
    extra=st.integers(0, 2),
    data=st.data(),
)
def test_placement_does_not_change_the_bases_dimension(inner, extra, data):
    d = inner.d + extra
    where = data.draw(st.permutations(range(d)))[: inner.d]
    G = g.Embed(inner, d, where)
    leading = g.Embed(inner, d, slice(inner.d))
    for rep in (V, V**2):
        assert rep(G).equivariant_dim() == rep(leading).equivariant_dim()
    if extra == 0:  # embedding in its own space changes nothing
        assert (V**2)(G).equivariant_dim() == (V**2)(inner).equivariant_dim()


def test_exact_bases_come_from_the_inner_group():
    G = g.DkeR3(4)
    assert G.exact_discrete_generators[1] == sympy.diag(-1, 1, 1)
    B = (V**2)(G).equivariant_basis(exact=True)
    Q = np.asarray((V**2)(G).equivariant_basis(), dtype=float)
    B = np.asarray(B, dtype=float)
    assert B.shape == Q.shape
    # same column space
    assert np.linalg.matrix_rank(np.concatenate([B, Q], axis=1)) == Q.shape[1]


def test_bad_arguments():
    with pytest.raises(GroupError, match="select exactly 2"):
        g.Embed(g.SO(2), 3, slice(3))
    with pytest.raises(GroupError, match="repeat"):
        g.Embed(g.SO(2), 3, [1, 1])
    with pytest.raises(GroupError, match="out of range"):
        g.Embed(g.SO(2), 3, [0, 5])
    with pytest.raises(TypeError, match="Group"):
        g.Embed("SO(2)", 3, slice(2))
    with pytest.raises(TypeError, match="slice"):
        g.Embed(g.SO(2), 3, 2)
    with pytest.raises(GroupError, match="direct product"):
        g.Embed(g.SO(2) * g.S(2), 6, slice(4))
    with pytest.raises(ValueError, match="d"):
        g.Embed(g.SO(2), 0, slice(2))
    with pytest.raises(TypeError, match="n"):
        g.Scaling(2.0)


def test_mean_abs_rel_err_is_the_references_rel_err():
    A, B = np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.5, 3.0])
    expected = np.mean(np.abs(A - B)) / (np.mean(np.abs(A)) + np.mean(np.abs(B)) + 1e-6)
    assert float(g.mean_abs_rel_err(A, B)) == pytest.approx(expected, rel=1e-6)
    with pytest.warns(DeprecationWarning, match="mean_abs_rel_err"):
        assert float(g.rel_err(A, B)) == pytest.approx(expected, rel=1e-6)  # the old name
    # helpers, not groups (the CLI lists __all__)
    assert not {"rel_err", "mean_abs_rel_err"} & set(g.__all__)
