"""Plans are computed once per (reps, group): fronts that rebuild modules on every trace
(Haiku, Flax linen) get them from here instead of re-deriving the layout each time.

The group is part of the key because reps of different groups can compare equal (a scalar
is a scalar whatever group it is bound to). :func:`clear_caches` empties these caches with the
solvers' (for cold-start measurements).
"""

from __future__ import annotations

import functools

from emlp_sym.reps.expr import Rep

_caches: list[dict] = []


def cached_plan(make):
    """Memoize a plan function of bound reps; other arguments go through uncached, so the
    function's own validation still names what is wrong."""
    cache: dict = {}
    _caches.append(cache)

    @functools.wraps(make)
    def plan(*reps):
        if not all(isinstance(r, Rep) and r.G is not None for r in reps):
            return make(*reps)
        key = tuple((r, r.G) for r in reps)
        try:
            hash(key)
        except TypeError:  # a user rep without __hash__: built every time
            return make(*reps)
        if key not in cache:
            cache[key] = make(*reps)
        return cache[key]

    return plan


def clear_caches() -> None:
    """Forget every plan and basis: the next model is built cold."""
    from emlp_sym.nn.linear import _hom_basis
    from emlp_sym.solvers import clear_caches as clear_solver_caches

    for cache in _caches:
        cache.clear()
    _hom_basis.cache_clear()
    clear_solver_caches()
