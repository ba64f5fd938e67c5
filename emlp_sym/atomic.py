"""Atomic file writes: every output the library writes appears whole or not at all.

:func:`atomic_write` writes to a temporary file in the same folder (``.<name>.<random>.tmp``),
flushes and fsyncs it, then moves it into place with ``os.replace`` (atomic on POSIX and
Windows). A process killed at any instant leaves the target either as it was, or complete;
never half-written. The file gets the usual mode (``0666`` less the umask), not the ``0600``
of a bare ``mkstemp``.

This module imports nothing of the library, so any layer may use it (``nn.params`` for
parameter files, ``cli.checkpoint`` for run outputs).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "default_file_mode", "TEMPORARY_SUFFIX"]

#: the suffix of the temporary files (a killed writer may leave one behind)
TEMPORARY_SUFFIX = ".tmp"


def default_file_mode() -> int:
    """The mode ``open()`` gives a new file: ``0o666`` less the process's umask.

    >>> 0 <= default_file_mode() <= 0o666
    True
    """
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str | os.PathLike, write: Callable,
                 commit: Callable = os.replace) -> None:
    """Call ``write(f)`` on a fresh binary file beside ``path``, then put it at ``path`` with
    ``commit(tmp, path)`` (``os.replace``). On any error the temporary file is removed and
    ``path`` is left as it was.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> atomic_write(path, lambda f: f.write(b"whole"))
    >>> open(path).read()
    'whole'
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                               suffix=TEMPORARY_SUFFIX)
    try:
        os.chmod(tmp, default_file_mode())  # mkstemp makes 0600; outputs get the usual mode
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        commit(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
