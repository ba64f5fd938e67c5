"""The Flax NNX front's own idiom: state holds only parameters, Rngs draw the core's
initial values, split/merge and in-place import; the shared tests (equivariance, training,
parity with the core, parameters, the Backend, bad input) are in test_fronts.py."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from layer_cases import random_params, small_emlp_case

from emlp_sym.groups import SO
from emlp_sym.nn.core.params import flatten_params
from emlp_sym.reps import Scalar, V

nnx = pytest.importorskip("flax.nnx")
ef = pytest.importorskip("emlp_sym.nn.flax")


def test_plans_stay_out_of_the_state():
    """Plans and reps are static: the state holds the parameters (and stats), nothing else."""
    G, rin, rout, x = small_emlp_case()
    stats = (x.mean(0), x.std(0) + 1)
    model = ef.Standardize(ef.EMLP(rin, rout, G, ch=24, num_layers=2, rngs=nnx.Rngs(0)), stats)
    n_params = len(flatten_params(ef.export_params(model)))
    leaves = jax.tree.leaves(nnx.state(model))
    assert len(leaves) == n_params + 2
    assert all(isinstance(a, jax.Array) and a.dtype == jnp.float32 for a in leaves)
    assert len(jax.tree.leaves(nnx.state(model, ef.StandardizeStats))) == 2


def test_linear_draws_the_cores_initial_parameters_from_rngs():
    from emlp_sym.nn.core.linear import init_linear

    rin, rout = (Scalar + V)(SO(3)), (V**2)(SO(3))
    layer = ef.Linear(rin, rout, rngs=nnx.Rngs(3))
    w, b = init_linear(layer.plan, nnx.Rngs(3).params())
    np.testing.assert_array_equal(layer.w[...], w)
    np.testing.assert_array_equal(layer.b[...], b)


def test_split_merge_and_in_place_import():
    """A model splits into a static graph and its state and merges back; ``import_params``
    loads into the module itself."""
    rin, rout = (Scalar + V)(SO(3)), (V**2)(SO(3))
    layer = ef.BiLinear(rin, rout, rngs=nnx.Rngs(0))
    params = random_params(ef.export_params(layer), seed=1)
    assert ef.import_params(layer, params) is layer
    graphdef, state = nnx.split(layer)
    x = jnp.asarray(np.random.default_rng(0).standard_normal((3, rin.size())), jnp.float32)
    np.testing.assert_array_equal(nnx.merge(graphdef, state)(x), layer(x))
    np.testing.assert_array_equal(ef.export_params(nnx.merge(graphdef, state))["w"], params["w"])


def test_not_an_emlp_module():
    with pytest.raises(TypeError, match="emlp_sym.nn.flax model"):
        ef.export_params(nnx.Linear(2, 3, rngs=nnx.Rngs(0)))
