"""User reps given only by ``rho`` (the reference's "new representations" notebook): size,
drho, equality, binding, duals and bases are inferred, alone and mixed with built-in reps."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.errors import RepError
from emlp_sym.groups import SO, O, S, Z
from emlp_sym.reps import Rep, Scalar, T, V
from emlp_sym.reps.compound import ProductRep, SumRep
from emlp_sym.reps.expr import BaseRep, DualRep, ScalarRep
from emlp_sym.testing import strategies as est


class RhoOnly(Rep):
    """A built-in rep re-entered by the user with nothing but ``rho``."""

    def __init__(self, inner):
        self.G = inner.G
        self.inner = inner

    def rho(self, M):
        return self.inner.rho_dense(M)

    def __str__(self):
        return f"U[{self.inner}]"


class SO2Irrep(Rep):
    """The reference notebook's real irreps of SO(2): ``psi_n(R) = R^n``."""

    def __init__(self, order):
        self.G = SO(2)
        self.order = order

    def rho(self, M):
        return jnp.linalg.matrix_power(M, self.order)

    def __str__(self):
        return f"psi{self.order}"


class PseudoScalar(Rep):
    """The reference notebook's pseudoscalar: ``rho`` and ``__call__`` only."""

    def __init__(self, G=None):
        self.G = G

    def __str__(self):
        return "P"

    def rho(self, M):
        return jnp.linalg.slogdet(M)[0] * jnp.eye(1)

    def __call__(self, G):
        return PseudoScalar(G)


def _projector(Q):
    Q = np.asarray(Q, dtype=np.float64)
    return Q @ Q.T


def _same_span(Q1, Q2, tol=1e-5):
    return Q1.shape == Q2.shape and np.abs(_projector(Q1) - _projector(Q2)).max() < tol


def _with_rho_only_vectors(rep, U):
    """The same expression tree with every ``V`` replaced by ``U`` (user layout unchanged)."""
    if isinstance(rep, BaseRep):
        return U
    if isinstance(rep, ScalarRep):
        return Scalar(rep.G)
    if isinstance(rep, DualRep):
        return _with_rho_only_vectors(rep.rep, U).T
    if isinstance(rep, SumRep):
        return SumRep(*[_with_rho_only_vectors(r, U) for r in rep.reps], G=rep.G,
                      counts=rep.counts)
    assert isinstance(rep, ProductRep)
    return ProductRep(*[_with_rho_only_vectors(r, U) for r in rep.reps])


SMALL = ("SO", "O", "S", "Z", "SL", "SO13")


@settings(max_examples=8)
@given(est.bound_reps(families=SMALL, max_size=16, max_leaves=3))
def test_a_rho_only_rep_has_the_bases_of_the_built_in_rep_it_equals(rep):
    user = RhoOnly(rep)
    assert user.size() == rep.size()
    assert _same_span(user.equivariant_basis(), rep.equivariant_basis())


@settings(max_examples=10)
@given(est.groups(families=SMALL, max_d=4), est.rep_trees(max_leaves=3))
def test_rho_only_vectors_inside_sums_and_products_keep_the_bases(G, tree):
    builtin = tree(G)
    if not 0 < builtin.size() <= 64:
        builtin = (V * V.T + Scalar)(G)
    user = _with_rho_only_vectors(builtin, RhoOnly(V(G)))
    assert user.size() == builtin.size()
    assert _same_span(user.equivariant_basis(), builtin.equivariant_basis())


@settings(max_examples=10)
@given(st.sampled_from([SO(3), O(3), SO(2)]), st.integers(0, 2**16))
def test_the_inferred_drho_is_the_derivative_of_rho(G, seed):
    rep = T(2)(G)
    rng = np.random.default_rng(seed)
    A = np.einsum("k,kij->ij", rng.standard_normal(len(G.lie_algebra)), G.lie_algebra)
    with jax.enable_x64(True):
        np.testing.assert_allclose(RhoOnly(rep).drho(A), rep.drho(A), atol=1e-10)


def test_the_reference_notebook_irreps_of_so2():
    psi1, psi2, psi3 = SO2Irrep(1), SO2Irrep(2), SO2Irrep(3)
    assert psi2.size() == 2 and str(psi1 * psi2 + psi3) == "psi3+psi1⊗psi2"
    for a, b in [(psi1, psi2), (psi2, psi3), (psi1, psi3)]:  # Schur's lemma
        assert (a >> b).equivariant_basis().shape == (4, 0)
    assert (psi2 >> psi2).equivariant_basis().shape == (4, 2)
    W = V(SO(2)) ** 4 >> psi2
    Q = W.equivariant_basis()
    assert Q.shape == (32, 8)  # the reference prints r=8
    g = SO(2).sample(seed=3)
    rho = np.asarray(W.rho(g), dtype=np.float64)
    assert np.abs(rho @ Q - Q).max() < 1e-5
    assert SO2Irrep(2) == psi2 and hash(SO2Irrep(2)) == hash(psi2) and psi1 != psi2
    assert str(psi2 + SO2Irrep(2)) == "2psi2"  # equal user reps collect


def test_the_reference_notebook_pseudoscalars():
    P = PseudoScalar()
    assert str((P + V * P)(S(4))) == "P+V⊗P"
    G = S(4)
    P, W = PseudoScalar(G), V(G)
    g = np.eye(4)[[1, 0, 2, 3]]  # an odd permutation
    np.testing.assert_allclose((P * W).rho_dense(g), -g)
    assert str(P * (W**2 + P) + W.T) == "V+P²+V²⊗P"
    rin, rout = P * W**2, W**2
    Q = (rin >> rout).equivariant_basis()
    assert Q.shape == (256, 7)  # not the 15 of V²→V²: odd permutations flip the sign
    P2, W2 = PseudoScalar(SO(2)), V(SO(2))
    rep = SO2Irrep(2) >> P2 * W2**2
    assert str(rep) == "V²⊗P⊗psi2" and rep.equivariant_basis().shape == (8, 2)


def test_duals_of_orthogonal_user_reps_fold_as_the_reference_transposes():
    psi2 = SO2Irrep(2)
    assert str(psi2.T(SO(2))) == "psi2" and str(psi2 >> psi2) == "psi2²"


def test_binding_sizes_and_errors():
    with pytest.raises(RepError, match="bind"):
        PseudoScalar().size()
    with pytest.raises(RepError, match="__call__"):
        SO2Irrep(1)(SO(3))
    assert SO2Irrep(1)(SO(2)) == SO2Irrep(1)  # bound already: binding again is a no-op

    class NoRho(Rep):
        def __init__(self):
            self.G = SO(2)

    with pytest.raises(RepError, match="rho"):
        NoRho().size()

    class BatchRho(SO2Irrep):
        def rho(self, M):
            return jnp.ones((2, 2, 2))

    with pytest.raises(RepError, match="square matrix"):
        BatchRho(1).size()


def test_a_declared_permutation_rep_counts_as_one():
    class Regular(Rep):  # the regular rep of Z(3), written by hand
        def __init__(self):
            self.G = Z(3)
            self.is_permutation = True

        def rho(self, M):
            return M

        def __str__(self):
            return "R"

    assert Regular().is_permutation and (Regular() + V(Z(3))).is_permutation
    assert Regular() == Regular()
    assert not PseudoScalar(S(3)).is_permutation


class Conjugated(Rep):
    """``g ↦ S g S⁻¹`` on SO(3), S not orthogonal: orthogonal group, non-orthogonal rho."""

    def __init__(self):
        self.G = SO(3)

    def rho(self, M):
        S_ = jnp.array([[1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        return S_ @ M @ jnp.linalg.inv(S_)

    def __str__(self):
        return "C"


@pytest.mark.parametrize("build", [
    lambda C, W: C.T,
    lambda C, W: DualRep(C + W),
    lambda C, W: C * C.T + W >> C,
])
def test_non_orthogonal_user_reps_keep_their_duals(build):
    C, W = Conjugated(), V(SO(3))
    rep = build(C, W)
    canonical, perm = rep.canonicalize()
    g = SO(3).samples_numpy(1, seed=0)[0]
    with jax.enable_x64(True):
        user, canon = np.asarray(rep.rho(g)), np.asarray(canonical.rho(g))
    np.testing.assert_allclose(canon[np.ix_(perm, perm)], user, atol=1e-10)
    assert "C*" in str(rep) and "Cstar" in str(rep.sympy())
    assert _same_span(rep.equivariant_basis(), RhoOnly(rep).equivariant_basis())
