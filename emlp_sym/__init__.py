"""emlp_sym: exactly equivariant MLPs.

Subpackages load on first use, so ``import emlp_sym`` stays cheap and
``emlp_sym.nn.EMLP(...)`` works after it, as the seed writes it. Layers, in the direction data
flows: ``groups`` → ``reps`` → ``solvers`` → ``nn``; beside them ``datasets``, ``testing``,
``cli``. ``solver`` and ``models`` only re-export under the import paths of emlp 0.x.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING  # typing is loaded already (importlib.metadata imports it)

if TYPE_CHECKING:  # what __getattr__ loads on first use, spelled out for IDEs and type checkers
    from emlp_sym import cli as cli
    from emlp_sym import datasets as datasets
    from emlp_sym import groups as groups
    from emlp_sym import models as models
    from emlp_sym import nn as nn
    from emlp_sym import reps as reps
    from emlp_sym import solver as solver
    from emlp_sym import solvers as solvers
    from emlp_sym import symbolic as symbolic
    from emlp_sym import testing as testing
    from emlp_sym.progress import set_progress as set_progress

try:
    __version__ = version("emlp_sym")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "unknown"

#: The packages of the library, listed by ``dir(emlp_sym)``.
_SUBPACKAGES = ("groups", "reps", "solvers", "nn", "datasets", "testing", "cli", "symbolic")
#: emlp 0.x's import paths, re-exported for old code: importable, not advertised.
_COMPAT_PACKAGES = ("solver", "models")


def __getattr__(name):
    if name in _SUBPACKAGES or name in _COMPAT_PACKAGES:
        return importlib.import_module(f"emlp_sym.{name}")
    if name == "set_progress":  # emlp_sym.set_progress(False): no progress bars anywhere
        return importlib.import_module("emlp_sym.progress").set_progress
    raise AttributeError(f"module 'emlp_sym' has no attribute {name!r}")


def __dir__():
    # a compat package already imported is also a global: list it still not
    names = set(globals()) | set(_SUBPACKAGES) | {"set_progress"}
    return sorted(names - set(_COMPAT_PACKAGES))
