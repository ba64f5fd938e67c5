"""The library's own exceptions.

One convention: each subclasses the builtin a user would expect, ``TypeError`` for an
argument of the wrong type and ``ValueError`` for a bad value, so ``except ValueError`` /
``except TypeError`` keep working, while ``except EmlpSymError`` catches all of ours.
"""


class EmlpSymError(Exception):
    """Base class of every error raised on purpose by emlp_sym.

    >>> from emlp_sym.groups import SO
    >>> try:
    ...     SO(0)
    ... except EmlpSymError as e:
    ...     print(type(e).__name__, "-", e)
    GroupError - SO(n): n must be >= 1, got 0
    """


class ArgumentTypeError(EmlpSymError, TypeError):
    """An argument has the wrong type: a float where an integer is needed, something else
    where a representation or a group is needed.

    >>> from emlp_sym.groups import SO
    >>> SO(2.5)
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ArgumentTypeError: SO(n): n must be an integer, got 2.5 (float)
    """


class GroupError(EmlpSymError, ValueError):
    """A group was built with invalid parameters, or reps of different groups were mixed.

    >>> from emlp_sym.groups import SO
    >>> SO(0)
    Traceback (most recent call last):
    ...
    emlp_sym.errors.GroupError: SO(n): n must be >= 1, got 0
    """


class RepError(EmlpSymError, ValueError):
    """A representation expression is invalid (bad power, multiplicity, unbound size...).

    >>> from emlp_sym.reps import V
    >>> V.size()
    Traceback (most recent call last):
    ...
    emlp_sym.errors.RepError: V has no size until you bind it to a group, e.g. V(SO(3)).size()
    """


class ShapeError(EmlpSymError, ValueError):
    """An array's shape does not match the representation or group it is used with.

    >>> issubclass(ShapeError, ValueError)  # ``except ValueError`` catches it too
    True
    """


class BasisMismatchError(EmlpSymError, ValueError):
    """Saved parameters are coefficients in another basis than the model's (another n with an
    n-dependent basis, the dense basis for a diagram layer, another release's basis).

    >>> issubclass(BasisMismatchError, ValueError)
    True
    """


class ConfigError(EmlpSymError, ValueError):
    """A training or data-loading setting is invalid: an unknown dataset, model or framework
    name, a non-positive epoch count, width, batch size or learning rate, a negative seed.

    >>> from emlp_sym.cli.parse import parse_group
    >>> parse_group("XYZ(3)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    emlp_sym.cli.parse.ParseError: ...
    >>> issubclass(ConfigError, ValueError)
    True
    """


class DatasetError(EmlpSymError, ValueError):
    """A dataset was built with invalid parameters (a size below 1, a negative seed, a
    non-positive scale), or its parts do not fit together (inputs vs targets, block layout).

    >>> from emlp_sym.datasets import Inertia
    >>> Inertia(0)
    Traceback (most recent call last):
    ...
    emlp_sym.errors.DatasetError: N must be >= 1, got 0
    """


class SolverError(EmlpSymError, RuntimeError):
    """An equivariant-basis solve failed: no convergence, residual too large, or no exact form.

    >>> issubclass(ExactFormUnavailable, SolverError), issubclass(SolverError, RuntimeError)
    (True, True)
    """


class ExactFormUnavailable(SolverError):
    """The group has no exact rational generators, or the rep is too large for the exact path.

    Catch it to fall back to the numeric basis:

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> rep = (V**2)(SO(3))
    >>> try:
    ...     Q = rep.equivariant_basis(exact=True)
    ... except ExactFormUnavailable:
    ...     Q = rep.equivariant_basis()
    >>> Q.shape
    (9, 1)
    """


class ResourceError(EmlpSymError, MemoryError):
    """A solve or layer would need more memory than the limit allows (see
    :func:`emlp_sym.solvers.memory.memory_limit`); raised before allocating.

    >>> issubclass(ResourceError, MemoryError)  # ``except MemoryError`` catches it too
    True
    """


class TrainingError(EmlpSymError, RuntimeError):
    """A training run cannot go on: its loss became NaN or infinite (the last good checkpoint
    is kept), or the checkpoint to resume from is missing, damaged or from another version.

    >>> issubclass(TrainingError, RuntimeError)
    True
    """
