"""One error convention (emlp_sym.errors): a wrong type is a TypeError, a bad value a
ValueError, both the library's own."""

import jax.numpy as jnp
import pytest

from emlp_sym.errors import (
    ArgumentTypeError,
    EmlpSymError,
    GroupError,
    RepError,
    ShapeError,
)
from emlp_sym.groups import SO, DirectProduct, S
from emlp_sym.reps import V, require_bound


@pytest.mark.parametrize("call", [
    lambda: S(2.5),
    lambda: SO("3"),
    lambda: SO(3).samples(1.5),
    lambda: DirectProduct(SO(3), 3),
    lambda: V + 3,
    lambda: V ** 1.5,
    lambda: 2.5 * V,
    lambda: V >> 3,
    lambda: V(3),
    lambda: require_bound(3, "rep_in"),
])
def test_a_wrong_type_is_a_type_error(call):
    with pytest.raises(ArgumentTypeError) as info:
        call()
    assert isinstance(info.value, TypeError) and isinstance(info.value, EmlpSymError)
    assert not isinstance(info.value, ValueError)


@pytest.mark.parametrize("call, error", [
    (lambda: S(0), GroupError),
    (lambda: SO(3).samples(-1), GroupError),
    (lambda: V(SO(3)) + V(S(3)), GroupError),
    (lambda: V ** -1, RepError),
    (lambda: require_bound(V**2, "rep_in"), RepError),
    (lambda: V(SO(3)).rho(jnp.eye(4)), ShapeError),
    (lambda: (V**2).rho(jnp.eye(3)), RepError),
])
def test_a_bad_value_is_a_value_error(call, error):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, ValueError) and isinstance(info.value, EmlpSymError)


def test_require_bound_names_the_argument_and_the_fix():
    with pytest.raises(RepError, match="rep_in must be bound to a group.*bind it"):
        require_bound(V, "rep_in")
    with pytest.raises(RepError, match="pass G="):
        require_bound(V, "rep", hint="pass G= or bind it")
    rep = V(SO(3))
    assert require_bound(rep, "rep_in") is rep
