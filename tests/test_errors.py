"""One error convention (emlp_sym.errors): a wrong type is a TypeError, a bad value a
ValueError, both the library's own."""

import ast
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import emlp_sym
from emlp_sym.cli.backends import get_backend
from emlp_sym.cli.train import TrainConfig
from emlp_sym.datasets import DataLoader, Inertia, block_stats
from emlp_sym.errors import (
    ArgumentTypeError,
    ConfigError,
    DatasetError,
    EmlpSymError,
    GroupError,
    RepError,
    ShapeError,
)
from emlp_sym.groups import SO, DirectProduct, S, ZksZnxZn
from emlp_sym.reps import V, require_bound
from emlp_sym.solvers.dense_nullspace import nullspace_dense
from emlp_sym.solvers.exact import check_exact_basis, integer_rows
from emlp_sym.solvers.kronecker import square_dims
from emlp_sym.solvers.orbits import orbit_basis


@pytest.mark.parametrize("call", [
    lambda: S(2.5),
    lambda: SO("3"),
    lambda: SO(3).samples(1.5),
    lambda: DirectProduct(SO(3), 3),
    lambda: V + 2.5,
    lambda: V ** 1.5,
    lambda: 2.5 * V,
    lambda: V >> 3,
    lambda: V(3),
    lambda: require_bound(3, "rep_in"),
    lambda: Inertia(N=1.5),
    lambda: integer_rows([["a"]]),
])
def test_a_wrong_type_is_a_type_error(call):
    with pytest.raises(ArgumentTypeError) as info:
        call()
    assert isinstance(info.value, TypeError) and isinstance(info.value, EmlpSymError)
    assert not isinstance(info.value, ValueError)


@pytest.mark.parametrize("call, error", [
    (lambda: S(0), GroupError),
    (lambda: SO(3).samples(-1), GroupError),
    (lambda: (V(SO(3)) + V(S(3))).rho({SO(3): jnp.eye(3)}), GroupError),  # S(3) missing
    (lambda: V ** -1, RepError),
    (lambda: require_bound(V**2, "rep_in"), RepError),
    (lambda: V(SO(3)).rho(jnp.eye(4)), ShapeError),
    (lambda: (V**2).rho(jnp.eye(3)), RepError),
    (lambda: ZksZnxZn(3, 2), GroupError),
    (lambda: orbit_basis(3, [([0, 1, 5], [1, 1, 1])]), GroupError),
    (lambda: orbit_basis(3, [([0, 1, 2], [1, 2, 1])]), GroupError),
    (lambda: orbit_basis(3, [([0, 1], [1, 1])]), ShapeError),
    (lambda: square_dims([np.ones((2, 3))]), ShapeError),
    (lambda: nullspace_dense(np.ones((2, 3))), ShapeError),
    (lambda: check_exact_basis(np.eye(2, dtype=int), np.ones((3, 1), dtype=int)), ShapeError),
    (lambda: integer_rows([[1, 2], [3]]), ShapeError),
    (lambda: Inertia(N=0), DatasetError),
    (lambda: block_stats(np.ones((2, 3)), [("vector", 3)]), DatasetError),
    (lambda: DataLoader(Inertia(N=4), batch_size=0), ConfigError),
    (lambda: get_backend("mxnet"), ConfigError),
    (lambda: TrainConfig(model="CNN").validate(), ConfigError),
    (lambda: TrainConfig(lr=0.0).validate(), ConfigError),
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


def _builtin_raises(tree):
    """The ``raise TypeError``/``raise ValueError`` statements (called or bare) in a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in ("TypeError", "ValueError"):
                yield node.lineno, exc.id


def test_no_builtin_type_or_value_error_is_raised_outside_nn():
    """Outside the framework fronts (emlp_sym/nn/), every deliberate TypeError/ValueError
    is one of the library's own (emlp_sym.errors), so ``except EmlpSymError`` catches it."""
    root = Path(emlp_sym.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "nn":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"emlp_sym/{rel.as_posix()}:{line}: raise {name}"
                  for line, name in _builtin_raises(tree)]
    assert not found, "raise the library's errors (emlp_sym.errors) instead:\n" + "\n".join(found)


def test_the_check_sees_a_builtin_raise():
    tree = ast.parse("def f(x):\n    if x:\n        raise ValueError('bad')\n    raise TypeError\n")
    assert sorted(_builtin_raises(tree)) == [(3, "ValueError"), (4, "TypeError")]


def test_a_non_integer_batch_size_stays_a_value_error():
    # DataLoader has always answered a non-integer batch size with a ValueError; keep it so
    with pytest.raises(ConfigError) as info:
        DataLoader(Inertia(N=4), batch_size="3")
    assert isinstance(info.value, ValueError)
