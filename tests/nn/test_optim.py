"""Adam in the dense weights (emlp_sym.nn.optim): the reference library's training step."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from emlp_sym.errors import ResourceError
from emlp_sym.groups import SO, O, S, SO13p
from emlp_sym.nn import emlp_apply, emlp_architecture, emlp_plan, init_emlp, mlp_architecture
from emlp_sym.nn.optim import in_weight_space, weight_space
from emlp_sym.reps import Scalar, V

optax = pytest.importorskip("optax")

CASES = [(O(5), 2 * V, Scalar), (SO(3), V**2 + V, V), (S(4), V + V**2, V),
         (SO13p(), 2 * V, Scalar)]


def _leaves_close(a, b, atol):
    pairs = zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    return all(np.allclose(x, y, atol=atol) for x, y in pairs)


@pytest.mark.parametrize("G,rin,rout", CASES, ids=lambda c: str(c))
def test_lower_inverts_lift(G, rin, rout):
    """The bases are orthonormal: Qᵀ Q = I, and lift is the dense weight the model uses."""
    plan = emlp_plan(emlp_architecture(rin, rout, G, ch=24, num_layers=2))
    space, params = weight_space(plan), init_emlp(plan, 0)
    assert _leaves_close(space.lower(space.lift(params)), params, 1e-6)
    # lift ∘ lower is the projector: idempotent on any dense tree
    dense = jax.tree_util.tree_map(lambda x: jax.random.normal(jax.random.PRNGKey(3), x.shape),
                                   space.lift(params))
    once = space.lift(space.lower(dense))
    assert _leaves_close(space.lift(space.lower(once)), once, 1e-5)


@pytest.mark.parametrize("G,rin,rout", CASES, ids=lambda c: str(c))
def test_matches_adam_on_projected_dense_parameters(G, rin, rout):
    """The reference trains a dense w with W = P w; five Adam steps of in_weight_space give
    the same weights as five Adam steps on such dense parameters."""
    plan = emlp_plan(emlp_architecture(rin, rout, G, ch=24, num_layers=2))
    space, params = weight_space(plan), init_emlp(plan, 0)
    x = jax.random.normal(jax.random.PRNGKey(1), (16, rin(G).size()))
    y = jax.random.normal(jax.random.PRNGKey(2), (16, rout(G).size()))
    loss = lambda c: jnp.mean((emlp_apply(plan, c, x) - y) ** 2)

    opt = in_weight_space(optax.adam(1e-2), plan)
    state, coeffs = opt.init(params), params
    reference = optax.adam(1e-2)
    dense = space.lift(params)  # the reference's parameters: W = P w, w dense
    ref_state = reference.init(dense)
    plain = optax.adam(1e-2)
    plain_state, plain_coeffs = plain.init(params), params
    for _ in range(5):
        updates, state = opt.update(jax.grad(loss)(coeffs), state, coeffs)
        coeffs = optax.apply_updates(coeffs, updates)
        grads = jax.grad(lambda d: loss(space.lower(d)))(dense)
        updates, ref_state = reference.update(grads, ref_state, dense)
        dense = optax.apply_updates(dense, updates)
        updates, plain_state = plain.update(jax.grad(loss)(plain_coeffs), plain_state,
                                            plain_coeffs)
        plain_coeffs = optax.apply_updates(plain_coeffs, updates)
    assert _leaves_close(space.lift(coeffs), space.lift(space.lower(dense)), 2e-6)
    if G == O(5):  # and it is a different step from Adam on the coefficients
        assert not _leaves_close(coeffs, plain_coeffs, 1e-4)


def test_training_stays_equivariant_and_learns():
    G = O(5)
    plan = emlp_plan(emlp_architecture(2 * V, Scalar, G, ch=16, num_layers=1))
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((64, 10)), jnp.float32)
    y = jnp.sum(x[:, :5] * x[:, 5:], axis=1, keepdims=True)
    loss = lambda p: jnp.mean((emlp_apply(plan, p, x) - y) ** 2)
    opt = in_weight_space(optax.adam(1e-2), plan)
    params = init_emlp(plan, 0)
    state, first = opt.init(params), float(loss(params))
    for _ in range(100):
        updates, state = opt.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    assert float(loss(params)) < 0.75 * first
    g = np.asarray(G.sample())
    rho = np.kron(np.eye(2), g).astype(np.float32)
    out, rotated = emlp_apply(plan, params, x), emlp_apply(plan, params, x @ rho.T)
    assert np.allclose(out, rotated, atol=1e-4)


def test_mlp_passes_through_and_bad_plans_are_refused(monkeypatch):
    inner = optax.adam(1e-3)
    assert in_weight_space(inner, mlp_architecture(V, V, S(3), ch=8, num_layers=1)) is inner
    with pytest.raises(TypeError, match="EMLPPlan"):
        weight_space(emlp_architecture(V, V, S(3), ch=8, num_layers=1))
    plan = emlp_plan(emlp_architecture(V, V, S(3), ch=64, num_layers=1))
    monkeypatch.setenv("EMLP_SYM_MEMORY_LIMIT", "4K")  # the plan fits, the optimizer's view not
    with pytest.raises(ResourceError, match="optimizer's weight-space view"):
        weight_space(plan)
