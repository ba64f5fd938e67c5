"""Memory guards: estimate a large allocation and refuse it, before making it, if it is over
the limit.

The limit (:func:`memory_limit`) is, in order: the ``limit`` argument, the environment
variable ``EMLP_SYM_MEMORY_LIMIT`` (bytes, or with a suffix: ``"512M"``, ``"8G"``,
``"1.5GiB"``), or :data:`DEFAULT_FRACTION` of the memory the machine has available now
(``MemAvailable`` in ``/proc/meminfo``, else ``os.sysconf``). Over it,
:func:`check_allocation` raises :class:`~emlp_sym.errors.ResourceError` (a ``MemoryError``)
naming the rep, its size, the estimate, the limit and what to do instead, rather than letting
NumPy fail with a traceback or the kernel kill the process.
"""

from __future__ import annotations

import os
import re

from emlp_sym.errors import ConfigError, ResourceError

__all__ = ["DEFAULT_FRACTION", "ENV_VAR", "check_allocation", "format_bytes", "memory_limit",
           "parse_bytes"]

ENV_VAR = "EMLP_SYM_MEMORY_LIMIT"
DEFAULT_FRACTION = 0.5  # of the available memory
FALLBACK_AVAILABLE = 8 * 2**30  # when the available memory cannot be read
DEFAULT_ADVICE = (
    "use equivariant_projector() (it never forms a dense basis), a smaller rep, or a higher "
    f"{ENV_VAR} (bytes, or like '8G')"
)

_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50}
_PATTERN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kmgtp]?)(?:i?b)?\s*$", re.I)


def parse_bytes(text) -> int:
    """``"8G"`` → 8·2³⁰; ``"512M"``, ``"1.5GiB"``, ``"100kb"``, ``"123456"`` (bytes), an int.
    Suffixes are binary (K = 1024). Raises ConfigError (a ValueError) for anything else or a
    value ≤ 0."""
    if isinstance(text, bool):
        raise ConfigError(f"a memory size must be bytes or like '8G', got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        m = _PATTERN.match(str(text))
        if m is None:
            raise ConfigError(f"a memory size must be bytes or like '8G', got {text!r}")
        value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"a memory size must be positive, got {text!r}")
    return int(value)


def available_memory() -> int:
    """Bytes of memory available now: ``MemAvailable`` from /proc/meminfo, else the free
    physical pages from ``os.sysconf``, else :data:`FALLBACK_AVAILABLE`."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return FALLBACK_AVAILABLE


def memory_limit(limit=None) -> int:
    """The largest allocation, in bytes, a solver may make: ``limit`` (bytes or like "8G") if
    given, else ``$EMLP_SYM_MEMORY_LIMIT``, else ``DEFAULT_FRACTION`` of the available memory."""
    if limit is not None:
        return parse_bytes(limit)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        try:
            return parse_bytes(env)
        except ValueError as e:
            raise ConfigError(f"{ENV_VAR}: {e}") from None
    return int(DEFAULT_FRACTION * available_memory())


def _big(n: int) -> str | None:
    """``10^k`` (rounded down) for integers too large to print or to convert to float."""
    return f"10^{len(str(int(n))) - 1}" if int(n) >= 10**18 else None


def format_bytes(nbytes) -> str:
    if _big(nbytes):
        return f"{_big(nbytes)} B"
    x = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if x < 1024 or unit == "PiB":
            return f"{x:.0f} {unit}" if unit == "B" else f"{x:.3g} {unit}"
        x /= 1024
    return f"{x:.3g} EiB"  # pragma: no cover


def _describe(rep, size) -> str:
    if size is None and hasattr(rep, "size"):
        try:
            size = rep.size()
        except Exception:  # noqa: BLE001 — an unbound rep has no size; name it anyway
            size = None
    name = str(rep) if rep is not None else "the rep"
    shown = f"about {_big(size)}" if size is not None and _big(size) else size
    return name if size is None else f"{name} (size {shown})"


def check_allocation(nbytes, what: str, rep=None, advice: str | None = None, *, size=None,
                     limit=None) -> None:
    """Raise :class:`~emlp_sym.errors.ResourceError` if ``nbytes`` (an estimate of what
    ``what`` would allocate for ``rep``) is over :func:`memory_limit`; otherwise do nothing.

    ``rep`` is a rep or a name (then pass its ``size``); ``advice`` says what to do instead
    (default: the projector, a smaller rep, a higher limit).
    """
    cap = memory_limit(limit)
    if nbytes <= cap:
        return
    raise ResourceError(
        f"{what} for {_describe(rep, size)} needs about {format_bytes(nbytes)}, over the memory "
        f"limit of {format_bytes(cap)}; {advice or DEFAULT_ADVICE}"
    )
