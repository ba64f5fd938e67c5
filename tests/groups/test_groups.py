"""Every group family constructs, samples, and reports its structure."""

import numpy as np
import pytest
import scipy.linalg

from emlp_sym import groups as g
from emlp_sym.errors import ExactFormUnavailable

ALL = [
    g.SO(3), g.O(3), g.SO13(), g.SO13p(), g.O13(), g.Lorentz(), g.SO11p(), g.O11(), g.Sp(2),
    g.SU(2), g.SU(3), g.U(2), g.SL(3), g.GL(2), g.Trivial(3), g.S(6), g.Z(5), g.C(4), g.D(6),
    g.Rot90(3), g.Cube(), g.RubiksCube(), g.ZksZnxZn(4, 3), g.SO(3) * g.S(4),
    g.DirectProduct(g.SO(2), g.Z(3), g.O(2)),
]


@pytest.mark.parametrize("G", ALL, ids=str)
def test_samples_are_group_elements(G):
    gs = np.asarray(G.samples(4, seed=0))
    n = G.element_size
    assert gs.shape == (4, n, n)
    assert np.all(np.isfinite(gs))
    assert np.all(np.abs(np.linalg.det(gs.astype(complex))) > 1e-6)
    if G.is_orthogonal:
        assert np.allclose(np.swapaxes(gs, 1, 2) @ gs, np.eye(n), atol=1e-5)


def _minkowski(d):
    return np.diag([1.0] + [-1.0] * (d - 1))


def _symplectic(d):
    m = d // 2
    return np.block([[np.zeros((m, m)), np.eye(m)], [-np.eye(m), np.zeros((m, m))]])


#: what each Lie group's elements preserve, written down here (not read from the library):
#: (the form F with gᵀ F g = F, or "unitary" for gᴴ g = I, or None; whether det g = 1)
INVARIANTS = {
    g.SO: (np.eye, True), g.O: (np.eye, True),  # exp lands in the identity component
    g.SO13: (_minkowski, True), g.SO13p: (_minkowski, True), g.O13: (_minkowski, True),
    g.Lorentz: (_minkowski, True), g.SO11p: (_minkowski, True), g.O11: (_minkowski, True),
    g.Sp: (_symplectic, True), g.SU: ("unitary", True), g.U: ("unitary", False),
    g.SL: (None, True), g.GL: (None, False),
}


def invariant_violations(F, h) -> list[str]:
    """What the element ``h`` of the factor ``F`` fails to preserve (empty: all of it). A factor
    without a Lie algebra only ever sees exp(0) = I."""
    d = F.element_size
    if not len(F.lie_algebra):
        return [] if np.allclose(h, np.eye(d), atol=1e-9) else ["exp(0) = I"]
    form, special = INVARIANTS[type(F)]
    out = []
    if form == "unitary":
        if not np.allclose(h.conj().T @ h, np.eye(d), atol=1e-8):
            out.append("gᴴ g = I")
    elif form is not None:
        if not np.allclose(h.imag, 0, atol=1e-12):
            out.append("real")
        eta = form(d)
        if not np.allclose(h.T @ eta @ h, eta, atol=1e-8):
            out.append(f"gᵀ {form.__name__.strip('_')} g = {form.__name__.strip('_')}")
    if special and not np.isclose(np.linalg.det(h), 1, atol=1e-8):
        out.append("det g = 1")
    if not np.isfinite(h).all() or abs(np.linalg.det(h)) < 1e-8:
        out.append("invertible")
    return out


def group_violations(G, A) -> list[str]:
    """What exp(A) fails to preserve, factor block by factor block."""
    h, out, start = scipy.linalg.expm(np.asarray(A, dtype=complex)), [], 0
    for F in G.factors:
        d = F.element_size
        block = h[start : start + d, start : start + d]
        out += [f"{F}: {v}" for v in invariant_violations(F, block)]
        off = h[start : start + d].copy()
        off[:, start : start + d] = 0
        if not np.allclose(off, 0, atol=1e-9):
            out.append(f"{F}: stays in its own block")
        start += d
    return out


@pytest.mark.parametrize("G", [x for x in ALL if len(x.lie_algebra)], ids=str)
def test_lie_algebra_exponentiates_into_group(G):
    # exp(tA) of each generator, and of a random combination, preserves the group's form
    # (metric gᵀηg = η, symplectic form, unitarity) and has det 1 where the group is special
    gens = np.asarray(G.lie_algebra)
    rng = np.random.default_rng(0)
    for A in [*(0.7 * gens), np.tensordot(rng.standard_normal(len(gens)), gens, axes=1)]:
        assert group_violations(G, A) == []


@pytest.mark.parametrize("G, wrong", [
    (g.SO(3), np.diag([0.5, 0.0, 0.0])),  # symmetric: stretches instead of rotating
    # a rotation of t into x: Euclidean, not a boost
    (g.SO13(), np.array([[0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0.0]])),
    (g.Sp(1), np.array([[1.0, 0.0], [0.0, 1.0]])),  # a dilation: det ≠ 1, ω scaled
    (g.SU(2), np.array([[1j, 0], [0, 1j]])),  # unitary, but det = e^{2i}
    (g.SO(3) * g.S(4), np.eye(7) * 0.1),  # moves the S(4) block too
], ids=str)
def test_the_check_rejects_a_wrong_generator(G, wrong):
    assert group_violations(G, wrong)


def test_lorentz_generators_preserve_metric():
    eta = np.diag([1.0, -1, -1, -1])
    for A in g.SO13().lie_algebra:
        assert np.allclose(A.T @ eta + eta @ A, 0)


def test_equality_hashing_and_names():
    assert g.SO(3) == g.SO(3) and hash(g.SO(3)) == hash(g.SO(3))
    assert g.SO(3) != g.SO(4) and g.SO(3) != g.O(3)
    assert str(g.SO(3)) == "SO(3)" and str(g.S(6)) == "S(6)" and str(g.SO13()) == "SO13"
    assert str(g.SO(3) * g.S(4)) == "SO(3)×S(4)"
    assert {g.S(3): 1}[g.S(3)] == 1


def test_structure_flags():
    assert g.S(5).is_permutation and g.S(5).is_orthogonal
    assert g.SO(3).is_orthogonal and not g.SO(3).is_permutation
    assert not g.SO13().is_orthogonal
    assert g.SO(3).num_constraints() == 3 and g.O(3).num_constraints() == 4


def test_exact_generators():
    assert g.SO(3).exact_lie_algebra[0].shape == (3, 3)
    assert g.C(4).has_exact_form
    with pytest.raises(ExactFormUnavailable, match="irrational"):
        _ = g.D(3).exact_discrete_generators


def test_user_defined_group():
    class Shear(g.Group):
        lie_algebra = np.array([[[0.0, 1.0], [0.0, 0.0]]])

        def __init__(self):
            super().__init__()

    G = Shear()
    assert G.d == 2 and not G.is_orthogonal
    assert np.asarray(G.samples(3, seed=0)).shape == (3, 2, 2)


def test_sample_seed_is_reproducible():
    a = np.asarray(g.SO(3).samples(2, seed=5))
    b = np.asarray(g.SO(3).samples(2, seed=5))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("G", ALL, ids=str)
def test_num_constraints_and_d_as_the_reference_defines_them(G):
    from emlp_sym.reps import V

    assert G.num_constraints() == len(G.lie_algebra) + len(G.discrete_generators)
    assert G.d == V(G).size()  # the dimension of the base representation


def test_products_count_every_factor():
    G = g.SO(3) * g.S(5)
    assert G.d == 15 and G.num_constraints() == 3 + len(g.S(5).discrete_generators)


def test_groups_sort_deterministically_and_consistently_with_equality():
    class Shear(g.Group):
        def __init__(self, s):
            self.lie_algebra = np.array([[[0.0, s], [0.0, 0.0]]])
            super().__init__()

    groups = ALL + [Shear(1.0), Shear(2.0), g.SO(3), g.S(6)]
    order = sorted(groups)
    assert order == sorted(reversed(groups))
    for a, b in zip(order, order[1:], strict=False):
        assert a <= b and (a == b) == (a.sort_key() == b.sort_key())
    assert Shear(1.0) != Shear(2.0) and Shear(1.0) == Shear(1.0)
    assert (Shear(1.0) < Shear(2.0)) != (Shear(2.0) < Shear(1.0))
