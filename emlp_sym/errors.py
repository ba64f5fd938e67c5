"""The library's own exceptions.

Each subclasses the builtin a user would expect (``ValueError`` or ``TypeError``), so
``except ValueError`` keeps working, while ``except EmlpSymError`` catches all of ours.
"""


class EmlpSymError(Exception):
    """Base class of every error raised on purpose by emlp_sym."""


class GroupError(EmlpSymError, ValueError):
    """A group was built with invalid parameters, or reps of different groups were mixed."""


class RepError(EmlpSymError, ValueError):
    """A representation expression is invalid (bad power, multiplicity, unbound size...)."""


class SolverError(EmlpSymError, RuntimeError):
    """An equivariant-basis solve failed: no convergence, residual too large, or no exact form."""


class ExactFormUnavailable(SolverError):
    """The group has no exact rational generators, or the rep is too large for the exact path."""
