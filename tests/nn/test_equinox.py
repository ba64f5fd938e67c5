"""The Equinox front's own idiom: models are pytrees (statistics untrained, imports give new
models), unbatched examples and vmap, keys, one compile per backend; the shared tests are in
test_fronts.py."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from layer_cases import rel_diff, small_emlp_case

import emlp_sym.nn as enn
from emlp_sym.groups import SO
from emlp_sym.reps import V

eqx = pytest.importorskip("equinox")
optax = pytest.importorskip("optax")
from emlp_sym.cli.backends.equinox import Backend  # noqa: E402
from emlp_sym.nn import equinox as F  # noqa: E402


def jit(model):
    """The model under ``eqx.filter_jit``: one compile per model beats JAX's op-by-op
    dispatch, which compiles every primitive anew for each new shape."""
    return eqx.filter_jit(model)


def test_statistics_are_in_the_pytree_but_not_trained():
    G, rin, rout, x = small_emlp_case()
    model = F.Standardize(F.EMLP(rin, rout, G, ch=30, num_layers=2, key=0),
                          (np.zeros(rin.size()), np.ones(rin.size())))
    grads = eqx.filter_jit(eqx.filter_grad(lambda m: jnp.sum(m(jnp.asarray(x)) ** 2)))(model)
    for name, g in enn.core.params.flatten_params(F.export_params(grads)).items():
        assert np.abs(g).max() > 0, f"no gradient reaches {name}"
    # the statistics are arrays of the pytree, but not trained
    assert all(float(jnp.abs(g).max()) == 0 for g in grads.stats)


def test_one_example_batches_and_vmap_agree():
    """Batch shapes are the front's, not the depth's: one layer each (fewer compiles)."""
    G, rin, rout, x = small_emlp_case()
    for model in (F.EMLP(rin, rout, G, ch=24, num_layers=1, key=1),
                  F.MLP(rin, rout, G, ch=24, num_layers=1, key=1)):
        f, xs = jit(model), jnp.asarray(x)
        batched = f(xs)
        assert f(xs[0]).shape == (rout.size(),)
        assert rel_diff(jax.vmap(f)(xs), batched) < 1e-6
        assert rel_diff(f(xs[0]), batched[0]) < 1e-6
        assert f(xs.reshape(5, 1, -1)).shape == (5, 1, rout.size())


def test_the_same_key_gives_the_cores_parameters():
    G, rin, rout, _ = small_emlp_case()
    plan = enn.emlp_plan(enn.emlp_architecture(rin, rout, G, ch=24, num_layers=2))
    core = enn.init_emlp(plan, 7)
    got = F.export_params(F.EMLP(rin, rout, G, ch=24, num_layers=2, key=jax.random.key(7)))
    assert jax.tree.all(jax.tree.map(np.array_equal, got, jax.tree.map(np.asarray, core)))
    arch = enn.mlp_architecture(rin, rout, G, ch=24, num_layers=2)
    core = enn.init_mlp(arch, 7)
    got = F.export_params(F.MLP(rin, rout, G, ch=24, num_layers=2, key=7))
    assert jax.tree.all(jax.tree.map(np.array_equal, got, jax.tree.map(np.asarray, core)))


def test_import_gives_a_new_model_and_leaves_the_old_one():
    G, rin, rout, x = small_emlp_case()
    a = F.EMLP(rin, rout, G, ch=24, num_layers=2, key=0)
    b = F.EMLP(rin, rout, G, ch=24, num_layers=2, key=1)
    b2 = F.import_params(b, F.export_params(a))
    run, xs = eqx.filter_jit(lambda m, x: m(x)), jnp.asarray(x)
    assert np.array_equal(run(b2, xs), run(a, xs))
    assert not np.array_equal(run(b, xs), run(a, xs))  # a new model, b unchanged


def test_backend_compiles_its_step_once():
    G, rin, rout, x = small_emlp_case()
    y = np.random.default_rng(1).standard_normal((5, rout.size())).astype(np.float32)
    backend = Backend("EMLP", rin, rout, G, 24, 1, None, seed=0)
    losses = [backend.step(x, y, 3e-3) for _ in range(2)]
    losses += [backend.step(x, y, 1e-2) for _ in range(2)]
    assert losses[-1] < losses[0]
    # a new learning rate is a new value, not a new compile
    assert backend._train._cache_size() == 1


class TestBadInput:
    def test_wrong_size_of_one_example_names_the_rep(self):
        mlp = F.MLP(V, V, SO(3), ch=8, num_layers=1, key=0)
        with pytest.raises(ValueError, match=r"MLP expects inputs of rep V"):
            mlp(jnp.ones(4))

    def test_key_is_required_and_checked(self):
        with pytest.raises(TypeError, match="key"):
            F.EMLP(V, V, SO(3), ch=16, num_layers=1)
        with pytest.raises(TypeError, match="PRNG key"):
            F.EMLP(V, V, SO(3), ch=16, num_layers=1, key="seed")

    def test_not_an_emlp_model(self):
        with pytest.raises(TypeError, match="equinox model"):
            F.export_params(eqx.nn.Linear(2, 2, key=jax.random.key(0)))
