"""EMLP layers: equivariance (Hypothesis), gradients, the seed's API, and bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_cases import rep_pairs
from user_reps import PseudoScalar

import emlp_sym.nn as enn
from emlp_sym.errors import RepError
from emlp_sym.groups import SO, SO13, O, S, Z
from emlp_sym.nn.objax.compat import ensure_objax
from emlp_sym.reps import Scalar, T, V
from emlp_sym.testing import assert_equivariant

objax = ensure_objax()


def test_uniform_rep_prints_as_the_seed():
    assert str(enn.uniform_rep(512, SO(3))) == "122V⁰+40V+12V²+3V³+V⁴"
    assert enn.uniform_rep(384, SO(3)).size() == 384


@given(rep_pairs(), st.integers(0, 2**16))
def test_linear_is_equivariant(pair, seed):
    G, rin, rout = pair
    layer = enn.Linear(rin, rout)
    assert_equivariant(layer, rin, rout, G, seed=seed, rtol=2e-5)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_bilinear_is_equivariant(pair, seed):
    G, rin, rout = pair
    layer = enn.BiLinear(rin, rout)
    assert_equivariant(layer, rin, rout, G, seed=seed, rtol=2e-5)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_gated_nonlinearity_and_block_are_equivariant(pair, seed):
    G, rin, rout = pair
    gate = enn.GatedNonlinearity(rout)
    assert_equivariant(gate, enn.gated(rout), rout, G, seed=seed, rtol=2e-5)
    block = enn.EMLPBlock(rin, rout)
    assert_equivariant(block, rin, rout, G, seed=seed, rtol=2e-5)


@settings(max_examples=5)
@given(st.sampled_from([SO(3), O(3), S(4), Z(3), SO13()]), st.integers(0, 2**16))
def test_emlp_equivariant_before_and_after_training(G, seed):
    rin, rout = (2 * Scalar + 2 * V)(G), T(1, 1)(G)
    model = enn.EMLP(rin, rout, G, ch=40, num_layers=2)
    tol = 1e-4 if G == SO13() else 2e-5  # boosts amplify float32 rounding
    assert_equivariant(model, rin, rout, G, seed=seed, rtol=tol)
    opt = objax.optimizer.Adam(model.vars())
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.standard_normal((16, rin.size())), dtype=jnp.float32)
    y = jnp.asarray(rng.standard_normal((16, rout.size())), dtype=jnp.float32)

    @objax.Function.with_vars(model.vars())
    def loss(x, y):
        return ((model(x) - y) ** 2).mean()

    gv = objax.GradValues(loss, model.vars())

    @objax.Function.with_vars(model.vars() + opt.vars())
    def step(x, y):
        g, v = gv(x, y)
        opt(lr=1e-2, grads=g)
        return v

    step = objax.Jit(step)
    losses = [float(step(x, y)[0]) for _ in range(5)]
    assert losses[-1] < losses[0]
    assert_equivariant(model, rin, rout, G, seed=seed + 1, rtol=tol)


def test_gradients_reach_every_parameter():
    G = SO(3)
    model = enn.EMLP(Scalar + V, V**2, G, ch=30, num_layers=2)
    x = jnp.asarray(np.random.default_rng(0).standard_normal((8, 4)), dtype=jnp.float32)

    @objax.Function.with_vars(model.vars())
    def loss(x):
        return (model(x) ** 2).sum()

    grads = objax.Grad(loss, model.vars())(x)
    for (name, _var), g in zip(model.vars().items(), grads, strict=True):
        assert float(jnp.abs(g).max()) > 0, f"no gradient reaches {name}"


def test_mlp_is_not_equivariant():
    G = SO(3)
    model = enn.MLP(Scalar + V, V**2, G, ch=32, num_layers=2)
    with pytest.raises(AssertionError, match="not equivariant"):
        assert_equivariant(model, (Scalar + V)(G), (V**2)(G), G)


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
        assert_equivariant(m, V(G), Scalar(G), G)


class TestBadInput:
    def test_wrong_input_size_names_the_rep(self):
        layer = enn.Linear((V**2)(SO(3)), V(SO(3)))
        with pytest.raises(ValueError, match=r"V² \(last dimension 9\)"):
            layer(jnp.ones((2, 4)))

    def test_rep_of_the_wrong_group(self):
        with pytest.raises(RepError, match="SO\\(3\\)"):
            enn.EMLP(V(S(3)), V, SO(3), ch=16, num_layers=1)

    def test_unbound_rep_to_layer(self):
        with pytest.raises(RepError, match="bound"):
            enn.Linear(V, V)

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


def test_user_rep_on_a_permutation_group_gets_its_own_gate():
    """The sign rep of S(n) is not a permutation rep: Swish on it would break equivariance."""
    G = S(3)
    rep = V(G) + PseudoScalar(G)
    assert enn.gated(rep).size() == rep.size() + 1  # the sign component gets a gate
    gate = enn.GatedNonlinearity(rep)
    assert_equivariant(gate, enn.gated(rep), rep, G, rtol=2e-5)


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
    H = jax.hessian(lambda x: model(x)[0])(x)
    assert H.shape == (rin.size(), rin.size()) and np.allclose(H, H.T, atol=1e-4)
    J = jax.jacfwd(model)(x)
    assert np.allclose(J, jax.jacrev(model)(x), atol=1e-5)


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


@pytest.mark.parametrize("layer", [enn.Linear, enn.BiLinear])
def test_layers_accept_empty_reps(layer):
    """A rep of size 0 on either side gives arrays of the right (empty) shape, no error."""
    G = SO(3)
    empty, vec = (0 * V)(G), (Scalar + V)(G)
    for rin, rout in ((empty, vec), (vec, empty), (empty, empty)):
        out = layer(rin, rout)(jnp.zeros((2, rin.size())))
        assert out.shape == (2, rout.size())
    assert enn.GatedNonlinearity(empty)(jnp.zeros((2, 0))).shape == (2, 0)
