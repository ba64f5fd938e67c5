"""The examples in the layer modules' docstrings run (core and every front)."""

import doctest
import importlib

import pytest

MODULES = ["keys", "params", "linear", "bilinear", "gates", "architecture", "objax", "flax",
           "linen", "haiku", "equinox", "pytorch"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"emlp_sym.nn.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert name in ("keys", "params", "gates") or result.attempted > 0, \
        f"emlp_sym.nn.{name} shows no example"
