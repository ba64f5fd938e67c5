"""Argument checks shared by the reps, solvers, layers and tools: one way to fail.

- :func:`require_bound`: "is this a representation bound to a group?", the precondition of
  every solve, layer and symbolic map. Something that is not a rep raises
  :class:`~emlp_sym.errors.ArgumentTypeError` (a TypeError); an unbound rep raises
  :class:`~emlp_sym.errors.RepError` (a ValueError) whose message says how to bind it.
- :func:`check_element`: one ``n × n`` group (or Lie algebra) element of the rep's group,
  else :class:`~emlp_sym.errors.ShapeError` (a ValueError).
- :func:`count_arg`: a non-negative integer (a power or multiplicity).
"""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import ArgumentTypeError, RepError, ShapeError

__all__ = ["check_element", "count_arg", "require_bound"]

_BIND_HINT = "bind it first, e.g. rep(SO(3))"


def require_bound(rep, name: str = "rep", *, hint: str = _BIND_HINT):
    """``rep`` itself if it is a representation bound to a group.

    Args:
        rep: the value to check.
        name: how the message calls it (``"rep_in"``).
        hint: how to bind it, appended to the message.

    Raises:
        ArgumentTypeError: ``rep`` is not a :class:`~emlp_sym.reps.Rep`.
        RepError: ``rep`` is not bound to a group.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> require_bound(V(SO(3)), "rep_in").size()
    3
    """
    # a forward reference: the Rep class imports this module (its bound checks are these)
    from emlp_sym.reps.base import Rep

    if not isinstance(rep, Rep):
        raise ArgumentTypeError(
            f"{name} must be a representation bound to a group, got {rep!r}"
        )
    if rep.G is None:
        raise RepError(f"{name} must be bound to a group, got {rep}: {hint}")
    return rep


def check_element(rep, g, what: str) -> None:
    """Check that ``g`` is one element of ``rep``'s group (``what``: ``"rho"``, ``"drho"``).

    >>> import numpy as np
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> check_element(V(SO(3)), np.eye(3), "rho")  # passes silently
    >>> check_element(V(SO(3)), np.eye(2), "rho")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ShapeError: rho of V expects one 3×3 element of SO(3), got shape (2, 2); ...
    """
    require_bound(rep, f"{rep} (in {what})")
    G = rep.G
    n = G.element_size
    shape = getattr(g, "shape", None)
    if shape is None or len(shape) != 2 or tuple(shape) != (n, n):
        raise ShapeError(
            f"{what} of {rep} expects one {n}×{n} element of {G}, got shape {shape}; "
            "use jax.vmap for a batch of elements"
        )


def count_arg(value, what: str) -> int:
    """``value`` as an int: ArgumentTypeError if not an integer, RepError if negative.

    >>> count_arg(3, "copies")
    3
    >>> count_arg(-1, "copies")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.RepError: copies must be a non-negative integer, got -1
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(f"{what} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise RepError(f"{what} must be a non-negative integer, got {value}")
    return int(value)
