"""EMLP layers through the seed's (objax) API, and the core's layer maths they run: dense and
literal forms, weights as equivariant matrices, the reference's parameter counts, forward
mode; the tests every front shares are in test_fronts.py."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from layer_cases import rep_pairs

import emlp_sym.nn as enn
from emlp_sym.groups import SO, SO13, S
from emlp_sym.nn.objax.compat import ensure_objax
from emlp_sym.reps import Scalar, V
from emlp_sym.testing import assert_equivariant

objax = ensure_objax()


def test_uniform_rep_prints_as_the_seed():
    assert str(enn.uniform_rep(512, SO(3))) == "122V⁰+40V+12V²+3V³+V⁴"
    assert enn.uniform_rep(384, SO(3)).size() == 384


def test_seed_low_level_linear_with_projectors():
    """The seed's hand-written Linear: full weights projected with equivariant_projector()."""
    from objax.nn.init import orthogonal
    from objax.variable import TrainVar

    class Linear(objax.Module):
        def __init__(self, repin, repout):
            nin, nout = repin.size(), repout.size()
            self.b = TrainVar(objax.random.uniform((nout,)) / jnp.sqrt(nout))
            self.w = TrainVar(orthogonal((nout, nin)))
            self.rep_W = rep_W = repout * repin.T
            self.Pb = repout.equivariant_projector()
            self.Pw = rep_W.equivariant_projector()

        def __call__(self, x):
            W = (self.Pw @ self.w.value.reshape(-1)).reshape(*self.w.value.shape)
            b = self.Pb @ self.b.value
            return x @ W.T + b

    G = SO(3)
    rin, rout = (Scalar + V + V**2)(G), (V + V**2)(G)
    layer = Linear(rin, rout)
    assert_equivariant(layer, rin, rout, G, rtol=2e-5)
    jitted = objax.Jit(layer, layer.vars())
    x = jnp.ones((3, rin.size()))
    assert jnp.allclose(jitted(x), layer(x), atol=1e-5)


def test_ch_may_be_a_rep_or_a_list():
    G = S(4)
    m1 = enn.EMLP(V, Scalar, G, ch=3 * V + 2 * Scalar, num_layers=2)
    m2 = enn.EMLP(V, Scalar, G, ch=[V + Scalar, 16], num_layers=2)
    for m in (m1, m2):
        assert_equivariant(objax.Jit(m, m.vars()), V(G), Scalar(G), G)


class TestBadInput:
    def test_bad_ch(self):
        with pytest.raises(ValueError, match="positive integer"):
            enn.uniform_rep(0, SO(3))


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_gate_plan_matches_gate_indices(pair, seed):
    """The block-wise gating equals the reference definition via gate_indices."""
    import jax

    from emlp_sym.nn.core.gates import gate_plan, gated_nonlinearity

    _, _, rep = pair
    x = np.random.default_rng(seed).standard_normal((3, enn.gated(rep).size()))
    x = jnp.asarray(x, dtype=jnp.float32)
    idx = enn.gate_indices(rep)
    expected = jax.nn.sigmoid(x[..., idx]) * x[..., : rep.size()]
    got = gated_nonlinearity(gate_plan(rep), x)
    assert np.allclose(got, expected, atol=1e-6)


def test_linear_weight_is_an_equivariant_matrix():
    G = SO13()
    rin, rout = (Scalar + V + V.T * V)(G), (V + V.T)(G)
    layer = enn.Linear(rin, rout)
    W = np.asarray(layer.weight(), dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((2, rin.size())).astype(np.float32)
    assert np.allclose(np.asarray(layer(jnp.asarray(x))), x @ W.T + np.asarray(layer(0 * x))[0],
                       atol=1e-4)
    g = G.samples_numpy(1, seed=2)[0]
    import jax

    with jax.enable_x64(True):
        Rin, Rout = np.asarray(rin.rho(jnp.asarray(g))), np.asarray(rout.rho(jnp.asarray(g)))
    assert np.abs(Rout @ W - W @ Rin).max() < 1e-4 * np.abs(W).max() * np.abs(Rin).max()


@given(rep_pairs(), st.integers(0, 2**16))
def test_linear_equals_its_dense_matrix(pair, seed):
    """The block-routed application (invariants into the scalar GEMM, lifted scalars, a dense
    tensor block) equals ``W x + b`` with the whole dense ``W``."""
    from emlp_sym.nn.core.linear import init_linear, linear_apply, linear_plan, user_layout_weight

    G, rin, rout = pair
    plan = linear_plan(rin, rout)
    rng = np.random.default_rng(seed)
    w, b = (jnp.asarray(a) for a in init_linear(plan, rng))
    b = b + 0.5  # a nonzero bias in every invariant direction
    x = jnp.asarray(rng.standard_normal((3, rin.size())), dtype=jnp.float32)
    bias = np.asarray(linear_apply(plan, w, b, 0 * x[:1]))[0]
    W = np.asarray(user_layout_weight(plan, w), dtype=np.float64)
    dense = np.asarray(x, dtype=np.float64) @ W.T + bias
    fast = np.asarray(linear_apply(plan, w, b, x))
    assert np.allclose(fast, dense, atol=1e-5 * (1 + np.abs(dense).max()))


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_bilinear_equals_its_literal_form(pair, seed):
    """The batched contraction equals ``W(x) x`` with W(x) built entry by entry, as the
    reference library does, and each W(x) is an equivariant matrix."""
    from emlp_sym.nn.core.bilinear import (
        bilinear_apply,
        bilinear_plan,
        init_bilinear,
        scaled_bilinear_matrix,
    )

    G, rin, rout = pair
    plan = bilinear_plan(rin, rout)
    rng = np.random.default_rng(seed)
    w = jnp.asarray(init_bilinear(plan, rng))
    x = jnp.asarray(rng.standard_normal((3, rin.size())), dtype=jnp.float32)
    fast = np.asarray(bilinear_apply(plan, w, x))
    Wx = np.asarray(scaled_bilinear_matrix(plan, w, x), dtype=np.float64)
    literal = np.einsum("noi,ni->no", Wx, np.asarray(x, dtype=np.float64))
    assert np.allclose(fast, literal, atol=1e-5 * (1 + np.abs(literal).max()))


def test_bilinear_gram_products_differentiate_like_einsum():
    """The Gram matrix's own JVP (one backward product) gives einsum's derivatives, to second
    order, in forward and reverse mode."""
    from jax.test_util import check_grads

    from emlp_sym.nn.core.bilinear import _gram

    X = jnp.asarray(np.random.default_rng(0).standard_normal((4, 5, 3)))
    with jax.enable_x64(True):
        X = X.astype(jnp.float64)
        np.testing.assert_allclose(_gram(X), jnp.einsum("nis,njs->nij", X, X), rtol=1e-12)
        check_grads(_gram, (X,), order=2, modes=("fwd", "rev"))


def test_bilinear_weight_is_equivariant_in_x():
    """W(gx) = ρ_out(g) W(x) ρ_in(g)⁻¹: the weight is itself a vector of rep_in >> rep_out."""
    import jax

    G = SO13()
    rep = (2 * Scalar + 2 * V + V.T * V)(G)
    layer = enn.BiLinear(rep, rep)
    x = np.random.default_rng(0).standard_normal((1, rep.size()))
    g = G.samples_numpy(1, seed=1)[0]
    with jax.enable_x64(True):
        R = np.asarray(rep.rho(jnp.asarray(g)))
    W = np.asarray(layer.weight(jnp.asarray(x, dtype=jnp.float32)), np.float64)[0]
    Wg = np.asarray(layer.weight(jnp.asarray(x @ R.T, dtype=jnp.float32)), np.float64)[0]
    assert np.abs(Wg - R @ W @ np.linalg.inv(R)).max() < 1e-4 * np.abs(R).max() ** 2 * (
        1 + np.abs(W).max())


def test_bilinear_has_no_scalar_products():
    """As in the reference, the scalar part of W(x) is zero: scalars alone give nothing."""
    G = SO(3)
    rep = (4 * Scalar + V)(G)
    layer = enn.BiLinear(rep, rep)
    x = np.zeros((2, rep.size()), np.float32)
    x[:, :4] = np.random.default_rng(0).standard_normal((2, 4))
    assert np.abs(np.asarray(layer(jnp.asarray(x)))).max() == 0
    assert enn.BiLinear((3 * Scalar)(G), (3 * Scalar)(G)).w.value.size == 0


def test_emlp_supports_forward_mode_and_hessians():
    """Hamiltonian networks differentiate the model twice; forward mode must work too."""
    import jax

    G = SO(3)
    rin = (2 * Scalar + 2 * V + V**2)(G)
    model = enn.EMLP(rin, Scalar(G), G, ch=30, num_layers=1)
    x = jnp.asarray(np.random.default_rng(0).standard_normal(rin.size()), dtype=jnp.float32)
    # jitted (the objax variables are constants of the trace): one compile per transform
    # instead of one per eager operation
    H = jax.jit(jax.hessian(lambda x: model(x)[0]))(x)
    assert H.shape == (rin.size(), rin.size()) and np.allclose(H, H.T, atol=1e-4)
    J = jax.jit(jax.jacfwd(model))(x)
    assert np.allclose(J, jax.jit(jax.jacrev(model))(x), atol=1e-5)


def _reference_bilinear_size(rin, rout):
    """The reference library's count: for each type t of ``rin >> rout``, its multiplicity
    there times the number of non-scalar input copies of t used, min(m_t, size(t))."""
    from emlp_sym.reps.atoms import monomial_size

    w_mult = dict((rin >> rout).canonical.terms)
    x_mult = {t: m for t, m in rin.canonical.terms if t}
    return sum(w_mult.get(t, 0) * min(m, monomial_size(t)) for t, m in x_mult.items())


@given(rep_pairs(max_size=30))
def test_bilinear_has_as_many_weights_as_the_reference(pair):
    G, rin, rout = pair
    assert enn.BiLinear(rin, rout).w.value.size == _reference_bilinear_size(rin, rout)


def test_seed_model_bilinear_weights_match_the_reference_total():
    """The reference's seed EMLP has 572,121 parameters: dense linears plus 3 bilinears."""
    from emlp_sym.datasets import Inertia

    G, ds = SO(3), Inertia(10)
    model = enn.EMLP(ds.rep_in, ds.rep_out, G, ch=384, num_layers=3)
    bilinear = sum(block.bilinear.w.value.size for block in model.network.layers[:-1])
    dense_linears = 432 * 20 + 432 + 2 * (432 * 384 + 432) + 9 * 384 + 9
    assert bilinear == 3 * 75_648 and bilinear + dense_linears == 572_121


