"""Tests for emlp_sym.nn.objax.compat: objax 1.8.0 must run on current JAX."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from emlp_sym.nn.objax import compat as objax_compat
from emlp_sym.nn.objax.compat import ensure_objax

objax = ensure_objax()


def _mlp(seed=0):
    """A tiny objax MLP with deterministic initial parameters."""
    objax.random.DEFAULT_GENERATOR.seed(seed)
    return objax.nn.Sequential(
        [objax.nn.Linear(3, 16), objax.functional.relu, objax.nn.Linear(16, 1)]
    )


def _regression_data(n=64):
    x = jax.random.normal(jax.random.PRNGKey(1), (n, 3))
    y = jnp.sin(x[:, :1]) + 0.5 * x[:, 1:2] * x[:, 2:3]
    return x, y


class Dropoutish(objax.module.Module):
    """Module whose output depends on the ``training`` flag (to test ForceArgs)."""

    def __init__(self):
        self.w = objax.variable.TrainVar(jnp.ones((2,)))

    def __call__(self, x, training=True):
        return x * self.w.value * (2.0 if training else 1.0)


def test_ensure_objax_is_idempotent(monkeypatch):
    import objax as objax_module

    first = ensure_objax()
    stand_in = jax.sharding.PmapSharding
    calls = []
    monkeypatch.setattr(objax_compat, "_apply_patches", lambda: calls.append(1))
    second = ensure_objax()
    assert first is second is objax_module
    assert calls == []  # the second call does not patch again
    assert jax.sharding.PmapSharding is stand_in
    # Each needed name was added at most once.
    assert len(objax_compat.applied_patches) == len(set(objax_compat.applied_patches))


def test_pmap_sharding_stand_in_never_matches():
    x = jnp.ones((3,))
    assert not isinstance(x.sharding, jax.sharding.PmapSharding)
    if "jax.sharding.PmapSharding" in objax_compat.applied_patches:
        with pytest.raises(TypeError):
            jax.sharding.PmapSharding()


def test_trainvar_assign_and_shape_check():
    v = objax.variable.TrainVar(jnp.zeros((2, 3)))
    v.assign(jnp.ones((2, 3)))
    np.testing.assert_array_equal(v.value, np.ones((2, 3)))
    with pytest.raises(AssertionError, match="Assign can not change shape"):
        v.assign(jnp.ones((3, 2)))


def test_adam_training_loop_decreases_loss():
    model = _mlp()
    x, y = _regression_data()
    opt = objax.optimizer.Adam(model.vars())

    @objax.Function.with_vars(model.vars())
    def loss(x, y, training=True):
        return ((model(x) - y) ** 2).mean()

    gv = objax.GradValues(loss, model.vars())

    @objax.Function.with_vars(model.vars() + opt.vars())
    def train_op(x, y, lr):
        g, v = gv(x, y)
        opt(lr=lr, grads=g)
        return v

    train_op = objax.Jit(train_op)
    test_loss = objax.Jit(objax.ForceArgs(loss, training=False))

    initial = float(test_loss(x, y))
    losses = [float(train_op(x, y, 1e-2)[0]) for _ in range(50)]
    final = float(test_loss(x, y))
    assert np.isfinite(losses).all()
    assert final < 0.5 * initial
    assert int(opt.step.value) == 50
    # Adam moment estimates are real state that was updated.
    assert any(float(jnp.abs(m.value).sum()) > 0 for m in opt.m)


def test_jit_decorator_form_and_grad():
    model = _mlp(seed=3)
    x, y = _regression_data(16)
    opt = objax.optimizer.Adam(model.vars())

    @objax.Function.with_vars(model.vars())
    def loss(x, y):
        return ((model(x) - y) ** 2).mean()

    grad = objax.Grad(loss, model.vars())

    @objax.Jit
    @objax.Function.with_vars(model.vars() + opt.vars())
    def train_op(x, y, lr):
        opt(lr=lr, grads=grad(x, y))

    g = grad(x, y)
    assert [gi.shape for gi in g] == [v.value.shape for v in model.vars().values()]
    before = float(loss(x, y))
    for _ in range(20):
        train_op(x, y, 1e-2)
    assert float(loss(x, y)) < before


def test_force_args_changes_training_flag():
    m = Dropoutish()
    x = jnp.ones((2,))
    np.testing.assert_allclose(m(x), 2.0)
    np.testing.assert_allclose(objax.ForceArgs(m, training=False)(x), 1.0)
    f = objax.Function(lambda x, training=True: m(x, training=training), m.vars())
    np.testing.assert_allclose(objax.Jit(f)(x), 2.0)
    np.testing.assert_allclose(objax.Jit(objax.ForceArgs(f, training=False))(x), 1.0)


def test_vars_listing():
    model = _mlp()
    vc = model.vars()
    names = list(vc.keys())
    assert len(names) == 4
    assert all(isinstance(v, objax.variable.TrainVar) for v in vc.values())
    text = str(vc)
    assert "+Total(4)" in text and "(Sequential)[0](Linear).w" in text


def test_save_load_roundtrip(tmp_path):
    model = _mlp(seed=5)
    path = str(tmp_path / "params.npz")
    saved = [np.asarray(v.value) for v in model.vars().values()]
    objax.io.save_var_collection(path, model.vars())

    other = _mlp(seed=6)
    assert not np.array_equal(np.asarray(other[0].w.value), saved[1])
    objax.io.load_var_collection(path, other.vars())
    for loaded, expected in zip(other.vars().values(), saved, strict=True):
        np.testing.assert_array_equal(np.asarray(loaded.value), expected)


def test_random_and_init_shapes():
    u = objax.random.uniform((4, 5))
    n = objax.random.normal((3, 2), stddev=2.0)
    assert u.shape == (4, 5) and n.shape == (3, 2)
    assert float(u.min()) >= 0.0 and float(u.max()) < 1.0
    q = objax.nn.init.orthogonal((6, 4))
    assert q.shape == (6, 4)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    assert not np.array_equal(objax.random.normal((3,)), objax.random.normal((3,)))


def test_vectorize():
    model = _mlp()
    x = jnp.ones((5, 3))
    batched = objax.Vectorize(lambda xi: model(xi), model.vars())(x)
    np.testing.assert_allclose(batched, model(x), rtol=1e-5, atol=1e-6)
