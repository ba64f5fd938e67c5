"""emlp 0.x's ``emlp.solver.representation``: re-exports :mod:`emlp_sym.reps`."""

from emlp_sym.reps import *  # noqa: F403
from emlp_sym.reps import __all__  # noqa: F401
