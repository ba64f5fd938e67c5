"""Call a model or plain function, passing ``training=`` only if it accepts it.

Whether a callable takes ``training`` is read from its signature (a parameter named
``training``, or ``**kwargs``), as :func:`inspect.signature` gives it (so jit wrappers that
expose the wrapped function's signature are read through). The answer is cached per function,
or per class for plain objects with a Python ``__call__``. A callable whose signature cannot
be read (a NumPy ufunc, say) is called without it. The callable is called exactly once, so
a layer that accepts ``training`` and raises a TypeError of its own is neither retried nor
masked.
"""

from __future__ import annotations

import inspect
import weakref

__all__ = ["accepts_training", "call_with_training"]

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cache_key(f):
    """What f's signature can be cached on: the function itself, or the class of a plain
    callable object; None when the object carries its own signature (``__wrapped__`` or
    ``__signature__``, as jit wrappers do) or is not a Python object with ``__call__``."""
    if inspect.ismethod(f):
        return f.__func__
    if inspect.isfunction(f):
        return f
    if isinstance(f, type) or not inspect.isfunction(
        inspect.getattr_static(type(f), "__call__", None)
    ):
        return None
    for name in ("__wrapped__", "__signature__"):
        if inspect.getattr_static(f, name, None) is not None:
            return None
    return type(f)


def _reads_training(f) -> bool:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):  # no introspectable signature
        return False
    return any(
        p.kind is p.VAR_KEYWORD
        or (p.name == "training" and p.kind is not p.POSITIONAL_ONLY)
        for p in params
    )


def accepts_training(f) -> bool:
    """Does ``f`` take a ``training=`` keyword argument (by name, or through ``**kwargs``)?

    >>> accepts_training(lambda x, training=True: x), accepts_training(lambda x: x)
    (True, False)
    >>> accepts_training(abs)  # a builtin: no readable ``training`` parameter
    False
    """
    key = _cache_key(f)
    if key is None:
        return _reads_training(f)
    try:
        return _cache[key]
    except KeyError:
        pass
    except TypeError:  # not weak-referenceable: do not cache
        return _reads_training(f)
    _cache[key] = out = _reads_training(f)
    return out


def call_with_training(f, x, training: bool):
    """``f(x, training=training)``, or ``f(x)`` for callables without that keyword.

    >>> def layer(x, training):
    ...     return x * 2 if training else x
    >>> call_with_training(layer, 3, training=True), call_with_training(abs, -3, training=True)
    (6, 3)
    """
    return f(x, training=training) if accepts_training(f) else f(x)
