"""What every front must do, run on every front (tests/nn/fronts.py adapts each idiom):
equivariance (Hypothesis), training, gradients, parity with the core, parameters moving
through files and between fronts, the CLI backend, and bad input. Each front's own file
tests its idiom."""

import jax.numpy as jnp
import numpy as np
import pytest
from fronts import is_boosted, load_front, model_recipe
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_cases import (
    core_emlp_outputs,
    core_mlp_outputs,
    random_params,
    rel_diff,
    rep_pairs,
    small_emlp_case,
)
from user_reps import PseudoScalar

import emlp_sym.nn as enn
from emlp_sym.errors import RepError
from emlp_sym.groups import SO, SO13, O, S, Z
from emlp_sym.nn.core.params import flatten_params
from emlp_sym.reps import Scalar, T, V
from emlp_sym.testing import assert_equivariant

# torch's own modules for forward-mode AD and inductor still call torch.jit.script(_method)
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script:DeprecationWarning:torch.jit._script")

CORE_OUTPUTS = {"EMLP": core_emlp_outputs, "MLP": core_mlp_outputs}


@pytest.fixture(scope="module", params=enn.FRONTS)
def front(request):
    if request.param == "pytorch":
        import torch

        torch.set_num_threads(1)  # the tests' tensors are small: threads only add overhead
    return load_front(request.param)


@pytest.fixture(scope="module")
def next_front(front):
    """The front after ``front`` (cyclically): where its parameters are loaded."""
    return load_front(enn.FRONTS[(enn.FRONTS.index(front.name) + 1) % len(enn.FRONTS)])


def _tol(front):
    return 1e-5 if front.name == "pytorch" else 2e-5


@given(rep_pairs(), st.integers(0, 2**16))
def test_linear_is_equivariant(front, pair, seed):
    G, rin, rout = pair
    layer = front.layer("Linear", rin, rout, seed=seed)
    assert_equivariant(front.fn(layer), rin, rout, G, seed=seed, rtol=_tol(front))


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_bilinear_is_equivariant(front, pair, seed):
    G, rin, rout = pair
    layer = front.layer("BiLinear", rin, rout, seed=seed)
    assert_equivariant(front.fn(layer), rin, rout, G, seed=seed, rtol=_tol(front))


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_gated_nonlinearity_and_block_are_equivariant(front, pair, seed):
    G, rin, rout = pair
    gate = front.layer("GatedNonlinearity", rout)
    assert_equivariant(front.fn(gate), enn.gated(rout), rout, G, seed=seed, rtol=_tol(front))
    block = front.layer("EMLPBlock", rin, rout, seed=seed)
    assert_equivariant(front.fn(block), rin, rout, G, seed=seed, rtol=_tol(front))


def test_user_rep_on_a_permutation_group_gets_its_own_gate(front):
    """The sign rep of S(n) is not a permutation rep: Swish on it would break equivariance."""
    G = S(3)
    rep = V(G) + PseudoScalar(G)
    assert enn.gated(rep).size() == rep.size() + 1  # the sign component gets a gate
    gate = front.layer("GatedNonlinearity", rep)
    assert_equivariant(front.fn(gate), enn.gated(rep), rep, G, rtol=2e-5)
    assert_equivariant(front.fn(front.layer("Linear", rep, rep)), rep, rep, G, rtol=2e-5)


@settings(max_examples=2)
@given(st.sampled_from([SO(3), O(3), S(4), Z(3), SO13()]), st.integers(0, 2**16))
def test_emlp_equivariant_before_and_after_training(front, G, seed):
    rin, rout = (2 * Scalar + 2 * V)(G), T(1, 1)(G)
    model, tol = front.model("EMLP", rin, rout, G, ch=24, num_layers=2, seed=seed), _tol(front)
    if is_boosted(G):
        model, tol = front.for_boosts(model)
    assert_equivariant(front.fn(model), rin, rout, G, seed=seed, rtol=tol)
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.standard_normal((16, rin.size())), dtype=jnp.float32)
    y = jnp.asarray(rng.standard_normal((16, rout.size())), dtype=jnp.float32)
    model, losses = front.adam(model, x, y, 5)
    assert losses[-1] < losses[0]
    assert_equivariant(front.fn(model), rin, rout, G, seed=seed + 1, rtol=tol)


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_gradients_reach_every_parameter(front, kind):
    model = front.model(kind, (Scalar + V)(SO(3)), (V**2)(SO(3)), SO(3), ch=30)
    x = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
    grads = front.grads(model, x)
    assert len(grads) == len(flatten_params(front.export(model)))
    for name, g in grads.items():
        assert np.abs(g).max() > 0, f"no gradient reaches {name}"


def test_mlp_is_not_equivariant(front):
    G = SO(3)
    model = front.model("MLP", Scalar + V, V**2, G, ch=32)
    with pytest.raises(AssertionError, match="not equivariant"):
        assert_equivariant(front.fn(model), (Scalar + V)(G), (V**2)(G), G)


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_outputs_are_the_cores(front, kind):
    """On the same (random, not initial) parameter tree, the front computes the core's
    outputs; exporting gives the tree back."""
    G, rin, rout, x = small_emlp_case()
    model = front.model(kind, rin, rout, G)
    params = random_params(front.export(model), seed=3)
    model = front.load(model, params)
    assert rel_diff(front.apply(model, x), CORE_OUTPUTS[kind](rin, rout, G, params, x)) < 1e-5
    exported = flatten_params(front.export(model))
    assert all(isinstance(v, np.ndarray) for v in exported.values())
    for k, v in flatten_params(params).items():
        np.testing.assert_array_equal(exported[k], v)


def test_standardize_is_the_cores(front):
    from emlp_sym.nn.core.architecture import standardize

    G, rin, rout, x = small_emlp_case()
    rng = np.random.default_rng(1)
    stats = (x.mean(0), x.std(0) + 0.5, rng.standard_normal(rout.size()),
             rng.uniform(1, 2, rout.size()))
    model = front.model("EMLP", rin, rout, G, stats=stats)
    params = random_params(front.export(model), seed=5)
    assert flatten_params(params).keys() == flatten_params(
        random_params(front.export(front.model("EMLP", rin, rout, G)))).keys()
    model = front.load(model, params)
    want = standardize(lambda z: core_emlp_outputs(rin, rout, G, params, z),
                       [np.asarray(s, np.float32) for s in stats], x)
    assert rel_diff(front.apply(model, x), want) < 1e-5


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_parameters_round_trip_through_a_file(front, kind, tmp_path):
    G, rin, rout, x = small_emlp_case()
    stats = (np.full(rin.size(), 0.1), np.full(rin.size(), 2.0))
    a = front.model(kind, rin, rout, G, seed=0, stats=stats)
    b = front.model(kind, rin, rout, G, seed=1, stats=stats)
    assert not np.array_equal(front.apply(b, x), front.apply(a, x))
    enn.save_params(tmp_path / "p.npz", front.export(a))
    b = front.load(b, enn.load_params(tmp_path / "p.npz"))
    np.testing.assert_array_equal(front.apply(b, x), front.apply(a, x))


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_parameters_load_into_the_next_front(front, next_front, kind):
    """The core tree is front-neutral: another front computes the same outputs from it."""
    G, rin, rout, x = small_emlp_case()
    model = front.load(front.model(kind, rin, rout, G),
                       random_params(front.export(front.model(kind, rin, rout, G)), seed=6))
    other = next_front.load(next_front.model(kind, rin, rout, G, seed=1), front.export(model))
    assert rel_diff(next_front.apply(other, x), front.apply(model, x)) < 1e-5


@pytest.mark.parametrize("layer", ["Linear", "BiLinear"])
def test_layers_accept_empty_reps(front, layer):
    """A rep of size 0 on either side gives arrays of the right (empty) shape, no error."""
    G = SO(3)
    empty, vec = (0 * V)(G), (Scalar + V)(G)
    for rin, rout in ((empty, vec), (vec, empty), (empty, empty)):
        out = front.apply(front.layer(layer, rin, rout), np.zeros((2, rin.size()), np.float32))
        assert out.shape == (2, rout.size())
    gate = front.layer("GatedNonlinearity", empty)
    assert front.apply(gate, np.zeros((2, 0), np.float32)).shape == (2, 0)


@pytest.mark.parametrize("kind", ["EMLP", "MLP"])
def test_backend_trains_and_moves_parameters(front, kind):
    from emlp_sym.cli.backends import get_backend

    G, rin, rout, x = small_emlp_case()
    y = np.random.default_rng(1).standard_normal((len(x), rout.size())).astype(np.float32)
    stats = (x.mean(0), x.std(0), y.mean(0), y.std(0))
    Backend = get_backend(front.name)
    backend = Backend(kind, rin, rout, G, 24, 1, stats, 0)
    start, before = backend.export_params(), backend.loss(x, y)
    losses = [backend.step(x, y, 3e-3) for _ in range(4)]
    losses += [backend.step(x, y, 1e-2) for _ in range(4)]
    assert losses[0] == pytest.approx(before, rel=1e-5) and losses[-1] < losses[0]
    assert backend.loss(x, y) < before
    predicted = backend.predict(x)
    assert predicted.shape == y.shape and predicted.dtype == np.float32
    other = Backend(kind, rin, rout, G, 24, 1, stats, 1)
    assert not np.allclose(other.predict(x), predicted)
    other.import_params(backend.export_params())
    np.testing.assert_allclose(other.predict(x), predicted, rtol=1e-6, atol=1e-6)
    backend.import_params(start)
    assert backend.loss(x, y) == pytest.approx(before, rel=1e-5)


class TestBadInput:
    def test_wrong_input_size_names_the_rep(self, front):
        layer = front.layer("Linear", (V**2)(SO(3)), V(SO(3)))
        with pytest.raises(ValueError, match=r"Linear expects inputs of rep V² \(last dimension 9"):
            front.apply(layer, jnp.ones((2, 4)))
        model = front.model("EMLP", Scalar + V, V, SO(3), ch=16, num_layers=1)
        with pytest.raises(ValueError, match=r"last dimension 4"):
            front.apply(model, jnp.ones((2, 5)))
        mlp = front.model("MLP", Scalar + V, V, SO(3), ch=16, num_layers=1)
        with pytest.raises(ValueError, match=r"MLP expects inputs of rep V⁰\+V"):
            front.apply(mlp, jnp.ones((2, 5)))
        gate = front.layer("GatedNonlinearity", V(SO(3)))
        with pytest.raises(ValueError, match=r"GatedNonlinearity expects gated"):
            front.apply(gate, jnp.ones((2, 3)))

    def test_unbound_rep_to_layer(self, front):
        x = np.ones((2, 3), np.float32)
        with pytest.raises(RepError, match="bound"):
            front.layer("Linear", V, V, x=x)
        front.layer("Linear", Scalar(SO(3)), Scalar(SO(3)))  # equal to the unbound Scalar:
        with pytest.raises(RepError, match="bound"):  # not cached so
            front.layer("Linear", Scalar, Scalar, x=x[:, :1])
        with pytest.raises(RepError, match="bound"):
            front.layer("BiLinear", V(SO(3)), V, x=x)

    def test_rep_of_the_wrong_group(self, front):
        with pytest.raises(RepError, match=r"SO\(3\)"):
            front.build(model_recipe("EMLP", V(S(3)), V, SO(3), ch=16, num_layers=1),
                        x=np.ones((2, 3), np.float32))

    def test_mismatched_parameters_name_the_entries(self, front):
        model = front.model("EMLP", Scalar + V, V, SO(3), ch=16, num_layers=1)
        params = front.export(model)
        params["readout"]["w"] = np.zeros(3, np.float32)
        del params["block0"]["bilinear"]
        with pytest.raises(ValueError, match="missing block0/bilinear/w.*readout/w has shape"):
            front.load(model, params)

