"""emlp 0.x's ``emlp.solver.groups``: re-exports :mod:`emlp_sym.groups`."""

from emlp_sym.groups import *  # noqa: F403
from emlp_sym.groups import __all__  # noqa: F401
