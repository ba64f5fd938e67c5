"""The user-facing property-testing API."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

import emlp_sym.nn as enn
from emlp_sym.errors import RepError
from emlp_sym.groups import SO, S
from emlp_sym.reps import Scalar, V
from emlp_sym.testing import assert_equivariant, rel_err, rms_rel_err
from emlp_sym.testing import strategies as est


def test_plain_equivariant_function_passes():
    G = SO(3)
    err = assert_equivariant(lambda x: x * jnp.sum(x**2, -1, keepdims=True), V(G), V(G), G)
    assert err < 1e-5


def test_mlp_fails():
    G = SO(3)
    mlp = enn.MLP(V, V, G, ch=16, num_layers=1)
    with pytest.raises(AssertionError, match="relative error"):
        assert_equivariant(mlp, V(G), V(G), G)


def test_planted_symmetry_bug_is_caught_with_a_useful_message():
    G = S(4)
    model = enn.EMLP(V, V, G, ch=16, num_layers=1)

    def buggy(x, training=False):  # breaks permutation symmetry in coordinate 0 only
        y = model(x, training=training)
        return y.at[..., 0].add(0.5 * x[..., 0] ** 2)

    with pytest.raises(AssertionError) as e:
        assert_equivariant(buggy, V(G), V(G), G)
    msg = str(e.value)
    assert "group element g" in msg and "input x" in msg and "relative error" in msg


@given(est.inputs((Scalar + V)(SO(3)), batch=3), est.group_elements(SO(3), n=2))
def test_strategies_feed_assert_equivariant(x, gs):
    G = SO(3)
    assert x.shape == (3, 4) and gs.shape == (2, 3, 3)
    assert_equivariant(lambda v: v, (Scalar + V)(G), (Scalar + V)(G), G, x=x, gs=gs)


@given(est.bound_reps(max_size=50))
def test_bound_reps_strategy_respects_size(rep):
    assert 0 < rep.size() <= 50 and rep.G is not None


def test_bad_input():
    with pytest.raises(RepError, match="bound"):
        assert_equivariant(lambda x: x, V, V, SO(3))
    with pytest.raises(RepError, match="not of"):
        assert_equivariant(lambda x: x, V(S(3)), V(S(3)), SO(3))


def test_rms_rel_err():
    a, b = np.ones(4), np.array([1.0, 1.0, 1.0, 3.0])
    assert rms_rel_err(a, a) == 0 and rms_rel_err(a, -a) == pytest.approx(1.0)
    assert rms_rel_err(a, b) == pytest.approx(1.0 / (1.0 + np.sqrt(3.0)))  # rms, not mean |.|
    with pytest.warns(DeprecationWarning, match="rms_rel_err"):
        assert rel_err(a, b) == rms_rel_err(a, b)  # the old name


def test_non_compact_groups_use_well_conditioned_elements_and_still_catch_errors():
    import jax.numpy as jnp

    from emlp_sym.groups import Sp
    from emlp_sym.reps import Scalar, V

    G = Sp(2)
    rep = (V * V.T)(G)
    trace = lambda x: jnp.einsum("bii->b", x.reshape(-1, 4, 4))[:, None]  # invariant: tr(X)
    # Sp(2)'s raw samples reach κ(rho) ~ 1e7 on V⊗V*, where float32 cannot be exact to 1e-5
    assert assert_equivariant(trace, rep, Scalar(G), seed=1) < 1e-3
    with pytest.raises(AssertionError, match="not equivariant"):
        assert_equivariant(lambda x: x[:, :1], rep, Scalar(G), seed=1)


def test_models_at_n_1000_are_checked_in_seconds(monkeypatch):
    """assert_equivariant acts through emlp_sym.reps.action (index takes for S(n)): V² of
    S(1000) has 10⁶ coordinates, whose dense rho would be a 10⁶×10⁶ matrix."""
    import time

    from emlp_sym.reps import Rep

    def refuse(*args, **kwargs):
        raise AssertionError("a dense rho was built")

    monkeypatch.setattr(Rep, "rho_dense", refuse)
    G = S(1000)
    start = time.perf_counter()
    assert assert_equivariant(lambda x: x + x.mean(-1, keepdims=True), V(G), V(G)) < 1e-5

    def symmetrise(x):
        X = x.reshape(x.shape[:-1] + (1000, 1000))
        return ((X + np.swapaxes(X, -1, -2)) / 2).reshape(x.shape)

    assert assert_equivariant(symmetrise, (V**2)(G), (V**2)(G), batch=2) < 1e-5
    assert time.perf_counter() - start < 20

    def broken(x):  # coordinate 0 is special: not equivariant
        return symmetrise(x) + (np.arange(x.shape[-1]) == 0) * x[..., :1]

    with pytest.raises(AssertionError, match="not equivariant from V² to V² under S\\(1000\\)"):
        assert_equivariant(broken, (V**2)(G), (V**2)(G), batch=2)
