"""The point-cloud model of nn/core/point_models.py: S(n)×O(3)-equivariant at every n
(Hypothesis), parameters independent of n, one-line errors on bad input."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.errors import ConfigError, ShapeError
from emlp_sym.nn.core.point_models import (
    init_point_product,
    point_product_apply,
    point_product_bases,
    point_product_plan,
)
from emlp_sym.testing import assert_equivariant


@settings(max_examples=4, deadline=None)  # each example compiles new shapes
@given(n=st.integers(1, 6), channels=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_equivariant_under_permutations_and_rotations(n, channels, seed):
    plan = point_product_plan(n, channels)
    params = init_point_product(plan, seed)
    rep_in, rep_out = plan.first.rep_in, plan.readout.rep_out
    assert_equivariant(lambda x: point_product_apply(plan, params, x), rep_in, rep_out,
                       rep_in.G, seed=seed, rtol=2e-5)


def test_parameters_do_not_depend_on_n_and_large_n_is_checked_through_the_action():
    small, large = point_product_plan(4), point_product_plan(1000)
    params = init_point_product(small, 0)
    shapes = {k: {j: v.shape for j, v in p.items()} for k, p in params.items()}
    assert shapes == {k: {j: v.shape for j, v in p.items()}
                      for k, p in init_point_product(large, 0).items()}
    assert point_product_bases(small) == point_product_bases(large)
    assert_equivariant(lambda x: point_product_apply(large, params, x), large.first.rep_in,
                       large.readout.rep_out, large.first.rep_in.G, batch=2)


def test_bad_input_gets_one_line_errors():
    with pytest.raises(ConfigError, match="channels must be a positive integer"):
        point_product_plan(5, channels=0)
    plan = point_product_plan(5)
    with pytest.raises(ShapeError, match="point model expects inputs"):
        point_product_apply(plan, init_point_product(plan, 0), jnp.asarray(np.ones((2, 19))))
