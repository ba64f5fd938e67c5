"""Group augmentation: the core map, its sampling wrapper, and the objax front's module."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym.errors import ShapeError
from emlp_sym.groups import SO, S, SO13p
from emlp_sym.nn.core.augmentation import augmented_apply, group_augmentation
from emlp_sym.reps import Scalar, V


def cubic(x):
    """An SO(3)-equivariant map of one vector, |x|² x."""
    return (x**2).sum(1, keepdims=True) * x


def first_coordinate_twice(x):
    """Not equivariant: reads one coordinate."""
    return jnp.concatenate([x[:, :1], 2 * x[:, :1], x[:, 1:2]], axis=1)


@given(st.integers(0, 10_000))
def test_an_equivariant_network_is_unchanged(seed):
    G = SO(3)
    x = np.random.default_rng(seed).standard_normal((4, 3)).astype(np.float32)
    aug = group_augmentation(cubic, V, V, G)
    np.testing.assert_allclose(aug(x, seed=seed), cubic(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("G", [SO(3), SO13p()], ids=str)
def test_each_example_is_moved_by_its_own_element(G):
    rin, rout = V(G), V(G)
    x = np.random.default_rng(0).standard_normal((3, G.d)).astype(np.float32)
    f = (lambda z: z[:, ::-1] * 1.5) if G.d == 4 else first_coordinate_twice
    gs = G.samples_numpy(3, seed=1)
    y = np.asarray(augmented_apply(f, rin, rout, x, gs))
    for k, g in enumerate(gs):
        expected = np.linalg.solve(g, np.asarray(f((g @ x[k])[None].astype(np.float32)))[0])
        np.testing.assert_allclose(y[k], expected, rtol=1e-3, atol=1e-4)


def test_evaluation_runs_the_network_itself_and_training_is_passed_on():
    seen = []

    def net(x, training=True):
        seen.append(training)
        return first_coordinate_twice(x)

    aug = group_augmentation(net, V, V, SO(3))
    x = jnp.ones((2, 3))
    np.testing.assert_array_equal(aug(x, training=False), first_coordinate_twice(x))
    assert not np.allclose(aug(x, seed=3), first_coordinate_twice(x))
    assert seen == [False, True]


def test_shape_errors():
    aug = group_augmentation(cubic, V, V, SO(3))
    with pytest.raises(ShapeError, match="one group element per example"):
        aug(jnp.ones((2, 3)), gs=SO(3).samples(3, seed=0))
    with pytest.raises(ShapeError, match=r"\(N, 3\)"):
        aug(jnp.ones((2, 4)))
    with pytest.raises(TypeError, match="Group"):
        group_augmentation(cubic, V, V, "SO(3)")


def test_objax_module_wraps_a_baseline_mlp():
    import objax

    import emlp_sym.nn as enn
    from emlp_sym.nn.objax import MLP, GroupAugmentation

    G = S(3)
    rin, rout = 2 * V + Scalar, V
    mlp = MLP(rin, rout, G, ch=16, num_layers=1)
    model = GroupAugmentation(mlp, rin, rout, G)
    assert enn.GroupAugmentation is GroupAugmentation
    assert set(model.vars().keys()) and len(model.vars()) == len(mlp.vars())
    x = jnp.asarray(np.random.default_rng(0).standard_normal((5, 7)), jnp.float32)
    np.testing.assert_array_equal(model(x, training=False), mlp(x, training=False))
    gs = G.samples(5, seed=2)
    np.testing.assert_allclose(model(x, gs=gs),
                               augmented_apply(mlp, rin(G), rout(G), x, gs), rtol=1e-6)
    from emlp_sym.datasets import GroupAugmentation as from_datasets
    from emlp_sym.datasets import O5Synthetic

    assert from_datasets is GroupAugmentation
    ds = O5Synthetic(4)
    wrapped = ds.default_aug(lambda z: (z**2).sum(1, keepdims=True))  # an invariant "model"
    assert isinstance(wrapped, GroupAugmentation) and wrapped.G == ds.symmetry
    np.testing.assert_allclose(wrapped(ds.X), (ds.X**2).sum(1, keepdims=True), rtol=1e-4)
    # trainable like any objax module: gradients reach the wrapped network
    loss = objax.GradValues(lambda x: (model(x) ** 2).mean(), model.vars())
    grads, _ = loss(x)
    assert len(grads) == len(mlp.vars()) and any(float(jnp.abs(g).sum()) > 0 for g in grads)
