"""The Flax linen front's own idiom: variables as values (init/apply, eval_shape targets,
``import_params(None, ...)``), hashable modules, ``method="weight"``, the backend's donated
buffers; the shared tests are in test_fronts.py."""

from functools import cache

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from layer_cases import (
    core_emlp_outputs,
    core_mlp_outputs,
    random_params,
    rel_diff,
    small_emlp_case,
)

import emlp_sym.nn as enn
from emlp_sym.groups import SO
from emlp_sym.reps import Scalar, V

pytest.importorskip("flax.linen")
optax = pytest.importorskip("optax")
from emlp_sym.nn import linen as L  # noqa: E402


@cache
def small_model(kind="EMLP", ch=24):
    """The shared small case's model, its variables (jitted init: one XLA program instead of
    an eager op per random draw), and its inputs."""
    G, rin, rout, x = small_emlp_case()
    net = {"EMLP": L.EMLP, "MLP": L.MLP}[kind](rin, rout, G, ch=ch, num_layers=2)
    return net, jax.jit(net.init)(jax.random.key(0), x), x


def random_variables(module, seed=0):
    """Random variables shaped as ``module.init``'s, drawn with NumPy (an eager ``init``
    compiles one XLA program per random draw's shape)."""
    shapes = jax.eval_shape(module.init, jax.random.key(0),
                            jnp.zeros((1, module.rep_in.size()), jnp.float32))
    return random_params(jax.tree.map(lambda s: np.zeros(s.shape, s.dtype), shapes), seed)


def test_linear_weight_method_is_its_dense_matrix():
    rin, rout = (Scalar + V + V**2)(SO(3)), (V + V**2)(SO(3))
    layer = L.Linear(rin, rout)
    variables = random_variables(layer)
    W = layer.apply(variables, method="weight")
    x = np.random.default_rng(0).standard_normal((3, rin.size())).astype(np.float32)
    b = layer.apply(variables, jnp.zeros((1, rin.size())))
    np.testing.assert_allclose(layer.apply(variables, x), x @ np.asarray(W).T + b, atol=1e-5)


def test_parameters_are_named_and_drawn_as_the_core():
    net, variables, x = small_model()
    plan = enn.emlp_plan(net.architecture)
    core = jax.eval_shape(lambda: enn.init_emlp(plan, 0))
    assert jax.tree.map(np.shape, L.export_params(variables)) == jax.tree.map(np.shape, core)
    # the core's distributions: N(0, weight_std²) coefficients, uniform(0, bias_scale) biases
    rep = (60 * Scalar + 20 * V)(SO(3))
    big = L.Linear(rep, rep)
    p = L.export_params(jax.jit(big.init)(jax.random.key(1), jnp.zeros((1, rep.size()))))
    lplan = enn.linear_plan(big.rep_in, big.rep_out)
    assert abs(p["w"].std() / lplan.weight_std - 1) < 0.05 and abs(p["w"].mean()) < 0.01
    assert 0 <= p["b"].min() and p["b"].max() <= lplan.bias_scale


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_variables_from_the_core_tree_alone(kind):
    """``import_params(None, tree)`` builds the variables without the model's."""
    net, variables, x = small_model(kind)
    if kind == "MLP":
        assert set(variables["params"]) == {"layer0", "layer1", "readout"}
        assert set(variables["params"]["layer0"]) == {"w", "b"}  # the core's names
    params = random_params(L.export_params(variables), seed=3)
    G, rin, rout, _ = small_emlp_case()
    core = {"EMLP": core_emlp_outputs, "MLP": core_mlp_outputs}[kind]
    expected = core(rin, rout, G, params, x, ch=24, num_layers=2)
    assert rel_diff(net.apply(L.import_params(None, params), x), expected) < 1e-5


def test_standardize_shares_the_model_parameters_and_matches_the_core():
    net, variables, x = small_model()
    G, rin, rout, _ = small_emlp_case()
    rng = np.random.default_rng(0)
    stats = (rng.standard_normal(rin.size()), 1 + rng.random(rin.size()),
             rng.standard_normal(rout.size()), 1 + rng.random(rout.size()))
    model = L.Standardize(net, stats)
    shapes = jax.eval_shape(model.init, jax.random.key(0), x)
    assert jax.tree.map(np.shape, shapes) == jax.tree.map(np.shape, variables)
    params = random_params(L.export_params(variables), seed=5)
    got = jax.jit(model.apply)(L.import_params(variables, params), x)
    plan = enn.emlp_plan(net.architecture)
    core_stats = tuple(jnp.asarray(s) for s in enn.core.architecture.check_stats(stats))
    expected = enn.core.architecture.standardize(
        lambda z: enn.emlp_apply(plan, jax.tree.map(jnp.asarray, params), z), core_stats, x)
    assert rel_diff(got, expected) < 1e-5


def test_modules_are_hashable_and_jit_their_apply():
    """``jax.jit(net.apply)`` hashes the module: stats and a list ``ch`` are stored hashable."""
    net, variables, x = small_model()
    G, rin, rout, _ = small_emlp_case()
    stats = [np.zeros(rin.size()), np.ones(rin.size())]
    model = L.Standardize(net, stats)
    assert model == L.Standardize(net, [s.copy() for s in stats])
    assert hash(model) == hash(L.Standardize(net, [s.copy() for s in stats]))
    np.testing.assert_allclose(jax.jit(model.apply)(variables, x), net.apply(variables, x),
                               rtol=1e-5, atol=1e-6)
    listed = L.EMLP(rin, rout, G, ch=[24, 2 * V + Scalar], num_layers=2)
    assert listed.ch == (24, 2 * V + Scalar) and isinstance(hash(listed), int)
    jax.jit(listed.apply).lower(jax.eval_shape(listed.init, jax.random.key(0), x), x)


def test_tracing_again_solves_nothing():
    """Modules are rebound on every trace; the core's plan cache keeps that free."""
    from emlp_sym.nn.core.linear import _hom_basis

    net, variables, x = small_model()
    before = _hom_basis.cache_info().misses, enn.emlp_architecture.cache_info().misses
    jax.jit(lambda v, z: net.apply(v, z)).lower(variables, x)
    assert (_hom_basis.cache_info().misses, enn.emlp_architecture.cache_info().misses) == before


def test_shapes_suffice_to_import_into():
    """The target of ``import_params`` may be ``jax.eval_shape(net.init, ...)``'s shapes."""
    for kind in ("EMLP", "MLP"):
        net, variables, x = small_model(kind)
        target = jax.eval_shape(net.init, jax.random.key(2), x)
        again = L.import_params(target, L.export_params(variables))
        jax.tree.map(np.testing.assert_array_equal, again, variables)


def test_backend_steps_leave_imported_parameters_alone():
    """The backend's step donates its buffers: another backend's imported copy survives."""
    from emlp_sym.cli.backends import get_backend

    G, rin, rout, x = small_emlp_case()
    y = np.random.default_rng(1).standard_normal((len(x), rout.size())).astype(np.float32)
    backend = get_backend("linen")("EMLP", rin, rout, G, 24, 1, None, 0)
    other = get_backend("linen")("EMLP", rin, rout, G, 24, 1, None, 1)
    other.import_params(backend.export_params())
    before = other.predict(x)
    backend.step(x, y, 3e-3)
    np.testing.assert_array_equal(other.predict(x), before)


class TestBadInput:
    def test_wrong_input_size_fails_in_init(self):
        net = L.EMLP(V, V, SO(3), ch=16, num_layers=1)
        with pytest.raises(ValueError, match="last dimension 3"):
            net.init(jax.random.key(0), jnp.ones((2, 4)))
        with pytest.raises(ValueError, match="MLP expects"):
            L.MLP(V, V, SO(3), ch=16, num_layers=1).init(jax.random.key(0), jnp.ones((2, 4)))

    def test_wrongly_shaped_variables_fail_in_apply(self):
        net = L.Linear(V(SO(3)), V(SO(3)))
        variables = {"params": {"w": jnp.ones(2), "b": jnp.ones(0)}}
        with pytest.raises(Exception, match="shape"):
            net.apply(variables, jnp.ones((1, 3)))
