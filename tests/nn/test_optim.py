"""Adam in the dense weights (emlp_sym.nn.core.optim): the reference library's training step."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from emlp_sym.errors import ResourceError
from emlp_sym.groups import SO, O, S, SO13p
from emlp_sym.nn import emlp_apply, emlp_architecture, emlp_plan, init_emlp, mlp_architecture
from emlp_sym.nn.core.optim import in_weight_space, weight_space
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
    plan = emlp_plan(emlp_architecture(rin, rout, G, ch=24, num_layers=1))
    space, params = weight_space(plan), init_emlp(plan, 0)
    lift, lower = jax.jit(space.lift), jax.jit(space.lower)  # one compile, not one per op
    assert _leaves_close(lower(lift(params)), params, 1e-6)
    # lift ∘ lower is the projector: idempotent on any dense tree
    rng = np.random.default_rng(3)
    dense = jax.tree_util.tree_map(lambda x: rng.standard_normal(x.shape).astype(np.float32),
                                   jax.eval_shape(space.lift, params))
    once = lift(lower(dense))
    assert _leaves_close(lift(lower(once)), once, 1e-5)


@pytest.mark.parametrize("G,rin,rout", CASES, ids=lambda c: str(c))
def test_matches_adam_on_projected_dense_parameters(G, rin, rout):
    """The reference trains a dense w with W = P w; five Adam steps of in_weight_space give
    the same weights as five Adam steps on such dense parameters."""
    plan = emlp_plan(emlp_architecture(rin, rout, G, ch=24, num_layers=1))
    space, params = weight_space(plan), init_emlp(plan, 0)
    x = jax.random.normal(jax.random.PRNGKey(1), (16, rin(G).size()))
    y = jax.random.normal(jax.random.PRNGKey(2), (16, rout(G).size()))
    loss = lambda c: jnp.mean((emlp_apply(plan, c, x) - y) ** 2)

    opt = in_weight_space(optax.adam(1e-2), plan)
    reference = optax.adam(1e-2)
    plain = optax.adam(1e-2)

    @jax.jit  # the three optimizers' steps, compiled once
    def step(coeffs, state, dense, ref_state, plain_coeffs, plain_state):
        updates, state = opt.update(jax.grad(loss)(coeffs), state, coeffs)
        coeffs = optax.apply_updates(coeffs, updates)
        grads = jax.grad(lambda d: loss(space.lower(d)))(dense)
        updates, ref_state = reference.update(grads, ref_state, dense)
        dense = optax.apply_updates(dense, updates)
        updates, plain_state = plain.update(jax.grad(loss)(plain_coeffs), plain_state,
                                            plain_coeffs)
        return coeffs, state, dense, ref_state, optax.apply_updates(plain_coeffs, updates), \
            plain_state

    dense = space.lift(params)  # the reference's parameters: W = P w, w dense
    carry = (params, opt.init(params), dense, reference.init(dense), params, plain.init(params))
    for _ in range(5):
        carry = step(*carry)
    coeffs, _, dense, _, plain_coeffs, _ = carry
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

    @jax.jit
    def step(params, state):
        updates, state = opt.update(jax.grad(loss)(params), state, params)
        return optax.apply_updates(params, updates), state

    for _ in range(100):
        params, state = step(params, state)
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


def test_objax_weight_space_adam_is_objax_adam_on_projected_dense_weights():
    """The reference's objax loop: dense TrainVars w, b used as P w, P b, and objax's Adam.
    Our objax EMLP with WeightSpaceAdam takes the same steps."""
    import objax

    from emlp_sym.nn import objax as eo
    from emlp_sym.nn.core.optim import dense_view

    objax.random.DEFAULT_GENERATOR.seed(0)
    model = eo.EMLP(2 * V, Scalar, O(5), ch=24, num_layers=2)
    plan = emlp_plan(model.architecture)
    paths = [("block0", "linear"), ("block1", "linear"), ("readout",)]
    views = [dense_view(lp) for lp in (plan.blocks[0].linear, plan.blocks[1].linear,
                                       plan.readout)]
    start = eo.export_params(model)

    def at(tree, path):
        for key in path:
            tree = tree[key]
        return tree

    class Reference(objax.Module):  # the reference's parametrization of the same network
        def __init__(self):
            self.w = objax.ModuleList(objax.TrainVar(v.lift_w(at(start, p)["w"]))
                                      for v, p in zip(views, paths, strict=True))
            self.b = objax.ModuleList(objax.TrainVar(v.lift_b(at(start, p)["b"]))
                                      for v, p in zip(views, paths, strict=True))
            self.bi = objax.ModuleList(objax.TrainVar(jnp.asarray(start[f"block{k}"]
                                                                  ["bilinear"]["w"]))
                                       for k in range(2))

        def __call__(self, x):
            c = [{"w": v.lower_w(w.value), "b": v.lower_b(b.value)}
                 for v, w, b in zip(views, self.w, self.b, strict=True)]
            tree = {f"block{k}": {"linear": c[k], "bilinear": {"w": self.bi[k].value}}
                    for k in range(2)}
            return emlp_apply(plan, {**tree, "readout": c[2]}, x)

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((32, 10)), jnp.float32)
    y = jnp.asarray(rng.standard_normal((32, 1)), jnp.float32)
    ref = Reference()
    assert np.allclose(ref(x), model(x), atol=1e-5)
    ref_opt, opt = objax.optimizer.Adam(ref.vars()), eo.WeightSpaceAdam(model)
    ref_grad = objax.GradValues(lambda: ((ref(x) - y) ** 2).mean(), ref.vars())
    grad = objax.GradValues(lambda: ((model(x) - y) ** 2).mean(), model.vars())
    # each loop's step under objax.Jit: one compile instead of one per eager operation
    ref_step = objax.Jit(lambda: ref_opt(1e-2, ref_grad()[0]), ref.vars() + ref_opt.vars())
    step = objax.Jit(lambda: opt(1e-2, grad()[0]), model.vars() + opt.vars())
    for _ in range(4):
        ref_step()
        step()
    ours = eo.export_params(model)
    for v, p, w in zip(views, paths, ref.w, strict=True):
        expected = v.lift_w(v.lower_w(w.value))  # W = P w
        np.testing.assert_allclose(v.lift_w(at(ours, p)["w"]), expected, atol=2e-6)
        assert not np.allclose(at(ours, p)["w"], at(start, p)["w"])  # it moved
    np.testing.assert_allclose(ours["block0"]["bilinear"]["w"], ref.bi[0].value, atol=2e-6)
