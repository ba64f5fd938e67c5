"""emlp 0.x's ``emlp.models.datasets``: re-exports :mod:`emlp_sym.datasets`."""

from emlp_sym.datasets import *  # noqa: F403
from emlp_sym.datasets import __all__  # noqa: F401
