"""emlp_sym: exactly equivariant MLPs.

Subpackages load on first use, so ``import emlp_sym`` stays cheap and
``emlp_sym.nn.EMLP(...)`` works after it, as the seed writes it. Layers, in the direction data
flows: ``groups`` → ``reps`` → ``solvers`` → ``nn``; beside them ``datasets``, ``testing``,
``cli``. ``solver`` and ``models`` only re-export under the import paths of emlp 0.x.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("emlp_sym")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "unknown"

_SUBPACKAGES = ("groups", "reps", "solvers", "nn", "datasets", "testing", "cli", "symbolic",
                "solver", "models")


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"emlp_sym.{name}")
    raise AttributeError(f"module 'emlp_sym' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBPACKAGES))
