"""Progress bars of the library (basis solves, the CLI's training loop), with one quiet switch.

Bars are on by default. Turn them off for the whole library with the environment variable
``EMLP_SYM_PROGRESS=0`` (read when a bar is made, so a notebook kernel or a CI job can set it)
or with :func:`set_progress` (which wins over the variable). The docs build sets the variable, so
executed pages show no bars.

The bars are ``tqdm.auto``'s: a widget that renders once in Jupyter when ipywidgets is installed,
a text bar otherwise. tqdm's warning that ipywidgets is missing (``IProgress not found``, with a
path of the local install in it) is not shown: a text bar is a fine fallback.

    >>> from emlp_sym.progress import progress_bar, progress_enabled, set_progress
    >>> set_progress(False)
    >>> progress_enabled()
    False
    >>> sum(progress_bar(range(4), desc="quiet"))
    6
    >>> set_progress(None)  # back to the environment's setting
"""

from __future__ import annotations

import os
import warnings

from emlp_sym.errors import ArgumentTypeError

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="IProgress not found")
    from tqdm.auto import tqdm

#: The environment variable read when no :func:`set_progress` choice is in force.
PROGRESS_ENV = "EMLP_SYM_PROGRESS"
_OFF_VALUES = ("0", "false", "no", "off")

_choice: bool | None = None  # set_progress's choice; None: follow the environment


def set_progress(enabled: bool | None) -> None:
    """Turn the library's progress bars on (``True``) or off (``False``), or back to the
    environment's setting (``None``: ``EMLP_SYM_PROGRESS``, on when unset).

    >>> set_progress(False); progress_enabled()
    False
    >>> set_progress(None)
    """
    global _choice
    if enabled is not None and not isinstance(enabled, bool):
        raise ArgumentTypeError(
            f"set_progress takes True, False or None, got {enabled!r} "
            f"({type(enabled).__name__}); e.g. set_progress(False) to silence the bars")
    _choice = enabled


def progress_enabled() -> bool:
    """Whether the library's progress bars are shown now.

    >>> import os
    >>> saved = os.environ.get("EMLP_SYM_PROGRESS")
    >>> os.environ["EMLP_SYM_PROGRESS"] = "0"; progress_enabled()
    False
    >>> os.environ["EMLP_SYM_PROGRESS"] = "1"; progress_enabled()
    True
    >>> _ = os.environ.pop("EMLP_SYM_PROGRESS") if saved is None else os.environ.update(
    ...     EMLP_SYM_PROGRESS=saved)
    """
    if _choice is not None:
        return _choice
    return os.environ.get(PROGRESS_ENV, "1").strip().lower() not in _OFF_VALUES


def progress_bar(iterable=None, *, disable: bool = False, **kwargs):
    """``tqdm.auto.tqdm(iterable, **kwargs)``, disabled when the library's bars are off (or
    ``disable=True``). Iterating it yields the items of ``iterable``.

    >>> bar = progress_bar(["a", "b"], disable=True)
    >>> list(bar)
    ['a', 'b']
    """
    return tqdm(iterable, disable=disable or not progress_enabled(), **kwargs)
