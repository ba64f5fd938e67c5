"""The library's own exceptions.

One convention: each subclasses the builtin a user would expect, ``TypeError`` for an
argument of the wrong type and ``ValueError`` for a bad value, so ``except ValueError`` /
``except TypeError`` keep working, while ``except EmlpSymError`` catches all of ours.
"""


class EmlpSymError(Exception):
    """Base class of every error raised on purpose by emlp_sym."""


class ArgumentTypeError(EmlpSymError, TypeError):
    """An argument has the wrong type: a float where an integer is needed, something else
    where a representation or a group is needed."""


class GroupError(EmlpSymError, ValueError):
    """A group was built with invalid parameters, or reps of different groups were mixed."""


class RepError(EmlpSymError, ValueError):
    """A representation expression is invalid (bad power, multiplicity, unbound size...)."""


class ShapeError(EmlpSymError, ValueError):
    """An array's shape does not match the representation or group it is used with."""


class ConfigError(EmlpSymError, ValueError):
    """A training or data-loading setting is invalid: an unknown dataset, model or framework
    name, a non-positive epoch count, width, batch size or learning rate, a negative seed."""


class DatasetError(EmlpSymError, ValueError):
    """A dataset was built with invalid parameters (a size below 1, a negative seed, a
    non-positive scale), or its parts do not fit together (inputs vs targets, block layout)."""


class SolverError(EmlpSymError, RuntimeError):
    """An equivariant-basis solve failed: no convergence, residual too large, or no exact form."""


class ExactFormUnavailable(SolverError):
    """The group has no exact rational generators, or the rep is too large for the exact path."""


class ResourceError(EmlpSymError, MemoryError):
    """A solve or layer would need more memory than the limit allows (see
    :func:`emlp_sym.solvers.memory.memory_limit`); raised before allocating."""
