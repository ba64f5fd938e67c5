"""Renamed public functions keep their old names: calling one warns once per call site
(``DeprecationWarning``) and does what the new name does.

>>> import warnings
>>> def new_name(x):
...     return 2 * x
>>> old_name = deprecated_alias(new_name, "mod.old_name")
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     value = old_name(3)
>>> value, caught[0].category.__name__, str(caught[0].message)
(6, 'DeprecationWarning', 'mod.old_name is deprecated; use mod.new_name (the same function)')
"""

from __future__ import annotations

import functools
import warnings


def deprecated_alias(func, old: str):
    """``func`` under its old dotted name ``old``, warning on each call."""
    new = f"{old.rpartition('.')[0]}.{func.__name__}" if "." in old else func.__name__

    @functools.wraps(func)
    def alias(*args, **kwargs):
        warnings.warn(f"{old} is deprecated; use {new} (the same function)",
                      DeprecationWarning, stacklevel=2)
        return func(*args, **kwargs)

    alias.__doc__ = f"Deprecated name of :func:`{new}`."
    alias.__name__ = alias.__qualname__ = old.rpartition(".")[2]
    return alias
