"""Memory guards of the solvers: estimate a large allocation for a rep and refuse it, before
making it, if it is over the limit.

The limit and its primitives live in :mod:`emlp_sym.resources` (so groups, below the solvers,
share them) and are re-exported here: :func:`memory_limit` is, in order, the ``limit``
argument, the environment variable ``EMLP_SYM_MEMORY_LIMIT`` (bytes, or with a suffix:
``"512M"``, ``"8G"``, ``"1.5GiB"``), or :data:`DEFAULT_FRACTION` of the memory the machine has
available now. Over it, :func:`check_allocation` raises :class:`~emlp_sym.errors.ResourceError`
(a ``MemoryError``) naming the rep, its size, the estimate, the limit and what to do instead,
rather than letting NumPy fail with a traceback or the kernel kill the process.
"""

from __future__ import annotations

from emlp_sym import resources
from emlp_sym.resources import (  # re-exported: this module's public API before the move
    available_memory,
    check_memory,
    format_bytes,
    format_count,
    memory_limit,
    parse_bytes,
)

__all__ = ["DEFAULT_FRACTION", "ENV_VAR", "available_memory", "check_allocation", "check_layout",
           "format_bytes", "memory_limit", "parse_bytes"]

#: the environment variable holding the limit (bytes, or like "8G"), from emlp_sym.resources
ENV_VAR = resources.ENV_VAR
#: the default limit, as a fraction of the memory available now, from emlp_sym.resources
DEFAULT_FRACTION = resources.DEFAULT_FRACTION

MAX_NAME = 80  # characters of a rep's expression shown in an error
CANONICAL_BYTES_PER_COORD = 32  # a canonical layout: its int64 permutation and intermediates
DEFAULT_ADVICE = (
    "use equivariant_projector() (it never forms a dense basis), a smaller rep, or a higher "
    f"{ENV_VAR} (bytes, or like '8G')"
)


def _describe(rep, size) -> str:
    if size is None and hasattr(rep, "size"):
        try:
            size = rep.size()
        except Exception:  # noqa: BLE001 — an unbound rep has no size; name it anyway
            size = None
    name = str(rep) if rep is not None else "the rep"
    return name if size is None else f"{name} (size {format_count(size)})"


def check_allocation(nbytes, what: str, rep=None, advice: str | None = None, *, size=None,
                     limit=None) -> None:
    """Raise :class:`~emlp_sym.errors.ResourceError` if ``nbytes`` (an estimate of what
    ``what`` would allocate for ``rep``) is over :func:`memory_limit`; otherwise do nothing.

    ``rep`` is a rep or a name (then pass its ``size``); ``advice`` says what to do instead
    (default: the projector, a smaller rep, a higher limit).

    >>> check_allocation(8_000, "a small array", "V", size=1000)  # fits: nothing happens
    >>> check_allocation(10**18, "a huge array", "V", size=10**17)
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ResourceError: a huge array for V (size 100000000000000000) needs about ...
    """
    cap = memory_limit(limit)
    if nbytes <= cap:
        return  # the common case: no rep is printed (printing a large one is slow)
    check_memory(nbytes, f"{what} for {_describe(rep, size)}", advice or DEFAULT_ADVICE,
                 limit=cap)


def check_layout(rep, advice: str = "use a smaller rep") -> None:
    """Refuse, before it is built, the canonical layout (an int64 permutation of every
    coordinate) of a bound rep too large for memory: ``(V**1000)(SO(3))`` has 3¹⁰⁰⁰
    coordinates. Free once the layout exists (it is cached on the rep).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> check_layout((V**2)(SO(3)))  # fits: nothing happens
    >>> check_layout((V**1000)(SO(3)))
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ResourceError: the canonical layout for ...
    """
    if "_canonical_cache" in getattr(rep, "__dict__", {}):
        return
    n = rep.size()
    # the expression as written (str() would canonicalize, slow for V**1000), shortened
    name = rep._tree_str() if hasattr(rep, "_tree_str") else type(rep).__name__
    name = name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"
    check_allocation(CANONICAL_BYTES_PER_COORD * n, "the canonical layout", f"{name} on {rep.G}",
                     advice, size=n)
