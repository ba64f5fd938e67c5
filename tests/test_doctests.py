"""The examples in the docstrings run: every module of the library, each front included.

The examples are the ones the API reference shows (docs/api), so a stale example fails here:
the private modules too (a front's classes live in its ``_layers``, and the reference shows
them at the front's public path, where doctest's finder would not look for them).
"""

import doctest
import importlib
import pkgutil

import pytest

import emlp_sym

#: emlp 0.x's import paths (emlp_sym.solver, emlp_sym.models) only re-export
COMPAT = ("solver", "models")


def reraise(name):
    raise ImportError(f"{name} does not import: its modules cannot be listed")


def library_modules():
    names = ["emlp_sym"]
    for info in pkgutil.walk_packages(emlp_sym.__path__, "emlp_sym.", onerror=reraise):
        parts = info.name.split(".")
        # __main__ runs the command when imported
        if parts[1] in COMPAT or parts[-1] == "__main__":
            continue
        names.append(info.name)
    return names


MODULES = library_modules()
#: modules whose docstrings must show at least one example (the user-facing surface)
MUST_SHOW_EXAMPLES = [
    "emlp_sym.progress", "emlp_sym.errors", "emlp_sym.calling", "emlp_sym.symbolic",
    "emlp_sym.datasets", "emlp_sym.testing.equivariance", "emlp_sym.testing.strategies",
    *[f"emlp_sym.nn.{m}" for m in ("objax", "flax", "linen", "haiku", "equinox", "pytorch")],
    *[f"emlp_sym.nn.core.{m}" for m in ("linear", "bilinear", "architecture", "keys", "gates",
                                        "params", "wiring")],
]


def test_the_walk_finds_the_library():
    assert {"emlp_sym.groups.lie", "emlp_sym.solvers.api", "emlp_sym.nn.pytorch",
            "emlp_sym.nn.haiku._layers", "emlp_sym.cli.main", *MUST_SHOW_EXAMPLES} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (above)"
    if name in MUST_SHOW_EXAMPLES:
        assert result.attempted > 0, f"{name} shows no example"
