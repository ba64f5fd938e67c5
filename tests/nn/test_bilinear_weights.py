"""bilinear_weights, the reference's (count, W(w, x)) view of the bilinear layer."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import emlp_sym.nn as enn
from emlp_sym.groups import SO, O, S
from emlp_sym.reps import Scalar, V

CASES = [
    ((Scalar + 2 * V + V**2), (V + Scalar), SO(3)),
    ((2 * V + V**2), (V**2 + V), S(3)),
    ((2 * Scalar + V), (V**2), O(3)),
]


@pytest.mark.parametrize("rep_in, rep_out, G", CASES, ids=lambda c: str(c))
def test_weights_reproduce_the_layer(rep_in, rep_out, G):
    rin, rout = rep_in(G), rep_out(G)
    n, weight_fn = enn.bilinear_weights(rout, rin)
    plan = enn.bilinear_plan(rin, rout)
    assert n == plan.num_weights
    w = enn.init_bilinear(plan, 0)
    x = jax.random.normal(jax.random.PRNGKey(1), (2, 5, rin.size()))
    W = weight_fn(w, x)
    assert W.shape == (2, 5, rout.size(), rin.size())
    y = 0.1 * jnp.einsum("...oi,...i->...o", W, x)
    np.testing.assert_allclose(y, enn.bilinear_apply(plan, w, x), rtol=2e-4, atol=1e-5)
    assert weight_fn(w, x[0, 0]).shape == (rout.size(), rin.size())  # one example


@settings(max_examples=6)  # eager per-example matrices: each example costs ~1 s
@given(st.sampled_from(CASES), st.integers(0, 2**31 - 1))
def test_weights_transform_equivariantly(case, seed):
    """W(ρ_in(g) x) = ρ_out(g) W(x) ρ_in(g)⁻¹: the map x ↦ W(x) is itself equivariant."""
    rep_in, rep_out, G = case
    rin, rout = rep_in(G), rep_out(G)
    n, weight_fn = enn.bilinear_weights(rout, rin)
    rng = np.random.default_rng(seed)
    w = jnp.asarray(rng.standard_normal(n), jnp.float32)
    x = jnp.asarray(rng.standard_normal((3, rin.size())), jnp.float32)
    g = G.samples(1, seed=seed % 1000)[0]
    Rin, Rout = np.asarray(rin.rho_dense(g)), np.asarray(rout.rho_dense(g))
    lhs = np.asarray(weight_fn(w, x @ Rin.T))
    rhs = Rout @ np.asarray(weight_fn(w, x)) @ np.linalg.inv(Rin)
    np.testing.assert_allclose(lhs, rhs, atol=1e-4 * max(1.0, np.abs(rhs).max()))
