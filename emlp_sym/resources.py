"""The memory limit, shared by every layer: groups, solvers and nn estimate a large allocation
and refuse it, before making it, when it is over the limit.

The limit (:func:`memory_limit`) is, in order: the ``limit`` argument, the environment
variable ``EMLP_SYM_MEMORY_LIMIT`` (bytes, or with a suffix: ``"512M"``, ``"8G"``,
``"1.5GiB"``), or :data:`DEFAULT_FRACTION` of the memory the machine has available now
(``MemAvailable`` in ``/proc/meminfo``, else ``os.sysconf``). Over it, :func:`check_memory`
raises :class:`~emlp_sym.errors.ResourceError` (a ``MemoryError``) saying what would be
allocated, the estimate, the limit and what to do instead, rather than letting NumPy fail with
a traceback or the kernel kill the process.

This module imports nothing of the library but its errors, so the lowest layer (groups) can
use it; :mod:`emlp_sym.solvers.memory` adds the rep-aware checks on top.

>>> format_bytes(3 * 2**30), parse_bytes("1.5K")
('3 GiB', 1536)
"""

from __future__ import annotations

import os
import re

from emlp_sym.errors import ConfigError, ResourceError

__all__ = ["DEFAULT_FRACTION", "ENV_VAR", "available_memory", "check_memory", "format_bytes",
           "format_count", "memory_limit", "parse_bytes"]

#: the environment variable holding the limit (bytes, or like "8G")
ENV_VAR = "EMLP_SYM_MEMORY_LIMIT"
#: the default limit, as a fraction of the memory available now
DEFAULT_FRACTION = 0.5
FALLBACK_AVAILABLE = 8 * 2**30  # when the available memory cannot be read

_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50}
_PATTERN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kmgtp]?)(?:i?b)?\s*$", re.I)


def parse_bytes(text) -> int:
    """``"8G"`` → 8·2³⁰; ``"512M"``, ``"1.5GiB"``, ``"100kb"``, ``"123456"`` (bytes), an int.
    Suffixes are binary (K = 1024). Raises ConfigError (a ValueError) for anything else or a
    value ≤ 0.

    >>> parse_bytes("8G") == 8 * 2**30, parse_bytes("1.5KiB"), parse_bytes(123)
    (True, 1536, 123)
    """
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
    physical pages from ``os.sysconf``, else :data:`FALLBACK_AVAILABLE`.

    >>> available_memory() > 0
    True
    """
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
    """The largest allocation, in bytes, the library may make: ``limit`` (bytes or like "8G")
    if given, else ``$EMLP_SYM_MEMORY_LIMIT``, else ``DEFAULT_FRACTION`` of the available
    memory.

    >>> memory_limit(1000), memory_limit("2K")
    (1000, 2048)
    """
    if limit is not None:
        return parse_bytes(limit)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        try:
            return parse_bytes(env)
        except ValueError as e:
            raise ConfigError(f"{ENV_VAR}: {e}") from None
    return int(DEFAULT_FRACTION * available_memory())


def format_count(n) -> str:
    """An integer as written, or ``"about 10^k"`` (rounded down) when it is too large to print
    or to convert to a float (≥ 10¹⁸).

    >>> format_count(12345), format_count(10**400)
    ('12345', 'about 10^400')
    """
    n = int(n)
    return f"about 10^{len(str(abs(n))) - 1}" if abs(n) >= 10**18 else str(n)


def format_bytes(nbytes) -> str:
    """``1536`` → ``"1.5 KiB"``; integers too large for a float print as ``"10^k B"``.

    >>> format_bytes(1536), format_bytes(3 * 2**30)
    ('1.5 KiB', '3 GiB')
    """
    if int(nbytes) >= 10**18:
        return f"10^{len(str(int(nbytes))) - 1} B"
    x = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if x < 1024 or unit == "PiB":
            return f"{x:.0f} {unit}" if unit == "B" else f"{x:.3g} {unit}"
        x /= 1024
    return f"{x:.3g} EiB"  # pragma: no cover


def check_memory(nbytes, what: str, advice: str, *, limit=None) -> None:
    """Raise :class:`~emlp_sym.errors.ResourceError` if ``nbytes`` (an estimate of what
    ``what`` would allocate) is over :func:`memory_limit`; otherwise do nothing.

    >>> check_memory(2**40, "a test array", "use a smaller one", limit="1G")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ResourceError: a test array needs about 1 TiB, over the memory limit ...
    """
    cap = memory_limit(limit)
    if nbytes <= cap:
        return
    raise ResourceError(f"{what} needs about {format_bytes(nbytes)}, over the memory limit of "
                        f"{format_bytes(cap)}; {advice}")
