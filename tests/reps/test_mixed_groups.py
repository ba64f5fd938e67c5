"""Reps of different groups combined (the reference's "mixed tensors" notebook): sums and
products live on the direct product of all their groups; elements as dicts; ``rep + n``;
multiplicities that stay integers."""

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.cli.main import main
from emlp_sym.errors import GroupError, RepError, ShapeError
from emlp_sym.groups import SO, SO13, O, S, Z
from emlp_sym.reps import Scalar, T, V, compound
from emlp_sym.testing import strategies as est

# distinct groups whose reps stay small
GROUPS = [SO(2), SO(3), O(2), S(3), S(4), Z(3), SO13()]


def _factor_element(G, F, g):
    """``g`` (an element of the factor F) embedded in G, the identity on every other factor."""
    return {H: (g if H == F else np.eye(H.element_size)) for H in G.factors}


def _rho(rep, g):
    with jax.enable_x64(True):
        return np.asarray(rep.rho(g), dtype=np.float64)


@st.composite
def mixed_sums(draw):
    """A sum with a summand on each of 2–3 distinct groups (possibly times a tensor of
    another one), each with a multiplicity, plus scalars."""
    groups = draw(st.lists(st.sampled_from(GROUPS), min_size=2, max_size=3, unique=True))
    summands = []
    for G in groups:
        term = T(draw(st.integers(1, 2)), 0, G)
        other = draw(st.sampled_from(groups))
        if other != G:
            term = term * T(draw(st.integers(0, 1)), 0, other)
        summands.append(draw(st.integers(1, 2)) * term)
    return sum(summands) + draw(st.integers(0, 2))


@settings(max_examples=10)
@given(mixed_sums(), st.integers(0, 2**16))
def test_a_sum_over_several_groups_is_equivariant_under_each_factor(rep, seed):
    G = rep.G
    assert len(G.factors) >= 2
    Q = np.asarray(rep.equivariant_basis(), dtype=np.float64)
    assert Q.shape[0] == rep.size()
    whole = G.samples_numpy(1, seed=seed)[0]
    assert np.abs(_rho(rep, whole) @ Q - Q).max(initial=0) < 1e-6
    for F in G.factors:
        g = F.samples_numpy(1, seed=seed + 1)[0]
        assert np.abs(_rho(rep, _factor_element(G, F, g)) @ Q - Q).max(initial=0) < 1e-6


@settings(max_examples=8)
@given(mixed_sums(), st.integers(0, 2**16))
def test_rho_is_a_homomorphism_of_the_product_group(rep, seed):
    g, h = rep.G.samples_numpy(2, seed=seed)
    np.testing.assert_allclose(_rho(rep, g @ h), _rho(rep, g) @ _rho(rep, h), atol=1e-8)


def test_the_reference_notebook_mixed_rep():
    rep = 2 * T(1)(Z(3)) * T(1)(S(4)) + T(2)(SO(3))
    assert rep.G == Z(3) * S(4) * SO(3) and rep.size() == 2 * 12 + 9
    assert str(rep) == "2V[S(4)]⊗V[Z(3)]+V[SO(3)]²"
    maps = rep >> rep
    assert str(maps) == "4V[S(4)]²⊗V[Z(3)]²+4V[S(4)]⊗V[SO(3)]²⊗V[Z(3)]+V[SO(3)]⁴"
    # ranks: 2·1 + 1; and 4·(2·3) + 4·1 + 3
    assert rep.equivariant_basis().shape == (33, 3)
    assert maps.equivariant_basis().shape == (33**2, 31)
    repin, repout = T(1)(SO(3)) * T(2)(S(4)), T(2)(SO(3)) * T(1)(S(4))
    assert str(repin) == "V[S(4)]²⊗V[SO(3)]"
    assert (repin >> repout).equivariant_basis().shape == (48 * 36, 5 * 1)


def test_rho_takes_a_dict_of_factor_elements_also_under_vmap():
    G1, G2, G3 = Z(3), S(4), SO(3)
    rep = 2 * T(1)(G1) * T(1)(G2) + T(2)(G3)
    N = 4
    parts = {G1: G1.samples(N, seed=0), G2: G2.samples(N, seed=1), G3: G3.samples(N, seed=2)}
    batched = jax.vmap(rep.rho_dense)(parts)
    assert batched.shape == (N, 33, 33)
    whole = jax.scipy.linalg.block_diag(parts[G1][1], parts[G2][1], parts[G3][1])
    np.testing.assert_allclose(batched[1], rep.rho(whole), atol=1e-6)
    # extra keys are ignored (one dict serves several reps), as in the reference
    np.testing.assert_allclose(V(G3).rho({G3: parts[G3][0], G1: parts[G1][0]}), parts[G3][0])
    with pytest.raises(GroupError, match="missing S"):
        rep.rho({G1: parts[G1][0], G3: parts[G3][0]})
    with pytest.raises(ShapeError, match="jax.vmap"):
        rep.rho(parts)


@settings(max_examples=15)
@given(st.lists(est.groups(max_d=4), min_size=2, max_size=4))
def test_groups_have_a_total_order_consistent_with_equality(gs):
    gs = gs + [gs[0] * gs[1]]
    for a in gs:
        for b in gs:
            assert (a.sort_key() == b.sort_key()) == (a == b)
            assert (a < b) + (a == b) + (a > b) == 1
    assert sorted(gs) == sorted(reversed(gs))
    distinct = list(dict.fromkeys(gs))
    tree = jax.tree_util.tree_map(lambda x: x + 1, {G: i for i, G in enumerate(distinct)})
    assert tree == {G: i + 1 for i, G in enumerate(distinct)}


def test_adding_integers_adds_scalars():
    G = SO(3)
    assert str((V + 3)(G)) == str((V + 3 * Scalar)(G)) == "3V⁰+V"
    assert str(3 + V) == "3V⁰+V" and (2 + V(G)).size() == 5
    np.testing.assert_allclose((V(G) + 2).rho(np.eye(3)), np.eye(5))
    assert str(sum([V, V])) == "2V" and V + 0 is V
    assert str(V(SO(3)) + V(S(4))) == "V[S(4)]+V[SO(3)]"


def test_huge_multiplicities_stay_integers_until_used(capsys):
    rep = (9999999999 * V)(S(3))
    assert rep.size() == 3 * 9999999999 and str(rep) == "9999999999V"
    assert rep.canonical_terms[0][1] == 9999999999
    with pytest.raises(RepError, match="powers above"):
        V**9999999999
    assert main(["basis", "9999999999*V", "--group", "S(3)"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err


@pytest.mark.parametrize("expand_limit", [4096, 2])  # 2: n * (a + b) is kept as one sum
def test_multiplicities_keep_the_layout(expand_limit, monkeypatch):
    monkeypatch.setattr(compound, "EXPAND_LIMIT", expand_limit)
    G = O(2)
    rep = 3 * (V(G) + Scalar(G)) + 2 * V(G)
    expanded = V(G) + Scalar(G) + V(G) + Scalar(G) + V(G) + Scalar(G) + V(G) + V(G)
    assert rep.size() == expanded.size() and str(rep) == str(expanded) == "3V⁰+5V"
    g = G.samples_numpy(1, seed=0)[0]
    np.testing.assert_allclose(_rho(rep, g), _rho(expanded, g), atol=1e-12)
    assert rep.canonical.perm.tolist() == expanded.canonical.perm.tolist()
    assert (rep == expanded) == (expand_limit > 2)
    assert str(rep.T) == str(rep) and rep.T.size() == rep.size()
    np.testing.assert_allclose(_rho(rep.T, g), _rho(expanded.T, g), atol=1e-12)


def test_binding_a_rep_of_a_factor_to_the_product_leaves_it_unchanged():
    """``rep(G)`` of a rep bound to ``G`` or to factors of it is the same rep: V(O(3))
    stays the O(3) vector (rebinding it made V(S(4))⊗V(O(3)), a silent wrong rep)."""
    from emlp_sym.groups import O, S
    from emlp_sym.reps import V

    Vs, Vo = V(S(4)), V(O(3))
    G = (Vs * Vo).G
    rep = Vs * Vo + Vo**2 * Vs**0
    assert rep(G) == rep and rep(G).size() == rep.size() == 12 + 9
    assert (Vo**2)(G) == Vo**2 and (Vo**2)(G).size() == 9
    assert V(G).size() == 12  # an unbound V still becomes the product's V
