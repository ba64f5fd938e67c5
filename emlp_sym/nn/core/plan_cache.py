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

_caches: list[dict] = []


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


def clear_caches() -> None:
    """Forget every plan and basis: the next model is built cold.

    >>> clear_caches()
    """
    from emlp_sym.nn.core.linear import _hom_basis
    from emlp_sym.solvers import clear_caches as clear_solver_caches

    for cache in _caches:
        cache.clear()
    _hom_basis.cache_clear()
    clear_solver_caches()
