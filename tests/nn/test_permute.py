"""Feature permutations as runs: same values and gradients as a gather, for any permutation."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym.nn.core.permute import MAX_RUNS, permute_last, runs


@st.composite
def permutations(draw):
    """Permutations made of a few shuffled blocks (as canonical layouts are) or fully shuffled."""
    n = draw(st.integers(1, 80))
    if draw(st.booleans()):
        return np.asarray(draw(st.permutations(range(n))))
    cuts = sorted(set(draw(st.lists(st.integers(1, n - 1), max_size=6)))) if n > 1 else []
    blocks = np.split(np.arange(n), cuts)
    order = draw(st.permutations(range(len(blocks))))
    return np.concatenate([blocks[k] for k in order])


def test_runs_of_a_gated_layout():
    perm = np.r_[0:3, 7:9, 3:7]
    assert runs(perm) == [(0, 3), (7, 2), (3, 4)]
    assert runs(np.arange(5)) == [(0, 5)]
    assert runs(np.arange(0)) == []


@given(permutations(), st.integers(0, 2**16))
def test_permute_last_equals_a_gather_in_value_and_gradient(perm, seed):
    x = jnp.asarray(np.random.default_rng(seed).standard_normal((3, 2, perm.size)), jnp.float32)
    w = jnp.arange(perm.size, dtype=jnp.float32)  # weights the output positions differently
    np.testing.assert_array_equal(permute_last(x, perm), x[..., perm])
    np.testing.assert_array_equal(jax.grad(lambda x: (permute_last(x, perm) * w).sum())(x),
                                  jax.grad(lambda x: (x[..., perm] * w).sum())(x))


def test_many_runs_fall_back_to_one_gather():
    perm = np.random.default_rng(0).permutation(200)
    assert len(runs(perm)) > MAX_RUNS
    x = jnp.arange(200.0)
    text = jax.make_jaxpr(lambda x: permute_last(x, perm))(x).pretty_print()
    assert "gather" in text and "concatenate" not in text
    few = np.r_[100:200, 0:100]
    text = jax.make_jaxpr(lambda x: permute_last(x, few))(x).pretty_print()
    assert "gather" not in text and "concatenate" in text
    assert permute_last(x, None) is x
