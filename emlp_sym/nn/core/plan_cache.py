"""Plans and architectures are computed once per (reps, group): fronts that rebuild modules
on every trace (Haiku, Flax linen) get them from here instead of re-deriving them each time.

The group is part of the key because reps of different groups can compare equal (a scalar
is a scalar whatever group it is bound to). :func:`clear_caches` empties these caches with the
solvers' (for cold-start measurements).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from emlp_sym.reps.expr import Rep
from emlp_sym.solvers import clear_caches as clear_solver_caches

_caches: list[dict] = []
_other_caches: list = []  # functools caches registered by on_clear (the bases per type pair)


class CacheInfo(NamedTuple):
    """How a :func:`cached_plan` function's cache is used.

    >>> CacheInfo(misses=2, size=2)
    CacheInfo(misses=2, size=2)
    """

    misses: int  # calls that built a new value
    size: int  # values held


def cached_plan(make):
    """Memoize ``make`` (a plan or architecture function) on its arguments, each rep keyed
    together with its group. Calls with an unhashable argument (a list ``ch``, a user rep
    without ``__hash__``) are built every time; errors are never cached, so the function's
    own validation still names what is wrong.

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> size = cached_plan(lambda rep: rep.size())
    >>> size(V(SO(3))), size(V(SO(3))), size(V(SO(2)))
    (3, 3, 2)
    >>> size.cache_info()
    CacheInfo(misses=2, size=2)
    """
    cache: dict = {}
    misses = 0
    _caches.append(cache)

    @functools.wraps(make)
    def cached(*args, **kwargs):
        nonlocal misses
        key = (tuple((a, a.G) if isinstance(a, Rep) else a for a in args),
               tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:
            return make(*args, **kwargs)
        if key not in cache:
            misses += 1
            cache[key] = make(*args, **kwargs)
        return cache[key]

    cached.cache_info = lambda: CacheInfo(misses, len(cache))
    return cached


def on_clear(cached):
    """Register a ``functools.cache``'d function for :func:`clear_caches` to empty (so the
    modules holding such caches import this one, not the other way round); returns it.

    >>> import functools
    >>> square = on_clear(functools.cache(lambda n: n * n))
    >>> square(3), square.cache_info().currsize
    (9, 1)
    >>> clear_caches(); square.cache_info().currsize
    0
    """
    _other_caches.append(cached)
    return cached


def clear_caches() -> None:
    """Forget every plan and basis: the next model is built cold.

    >>> clear_caches()
    """
    for cache in _caches:
        cache.clear()
    for cached in _other_caches:
        cached.cache_clear()
    clear_solver_caches()
