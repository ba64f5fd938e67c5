"""A rep of some of a product's factors, used as a rep of the whole product.

A rep bound to ``O(3)`` is also a rep of ``S(n)×O(3)`` (``S(n)`` acting trivially), and a rep
of ``O(3)×S(n)`` is one of ``S(n)×O(3)``: the same factors in another order. The products
themselves stay different groups (their elements are block-diagonal matrices in their own
factor order, and ``V(G1×G2) = V(G1) ⊗ V(G2)`` has its own coordinate order), so a rep of one
order is not silently a rep of the other: :func:`lift` makes it one, keeping its coordinates,
its canonical terms and every atom's action. Each factor reads its own block of the
product's element (:func:`~emlp_sym.groups.product.restrict_element`), so ``rho`` and the
solvers see the same action in either order. The models' ``bind_rep`` lifts ``rep_in``,
``rep_out`` and hidden reps this way, so ``V(O(3))**2 * V(S(n))**0`` (a rep of
``O(3)×S(n)``) serves a model over ``S(n)×O(3)``.

>>> from emlp_sym.groups import O, S
>>> from emlp_sym.reps import V
>>> rep = V(O(3)) ** 2 * V(S(4)) ** 0
>>> rep.G
O(3)×S(4)
>>> lifted = lift(rep, S(4) * O(3))
>>> lifted.G, lifted.size(), lifted.canonical_terms == rep.canonical_terms
(S(4)×O(3), 9, True)
"""

from __future__ import annotations

from emlp_sym.errors import ArgumentTypeError, RepError
from emlp_sym.groups.base import Group
from emlp_sym.reps.base import Rep
from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.compound import SumRep

__all__ = ["can_lift", "lift"]


def can_lift(rep: Rep, G: Group) -> bool:
    """Is every factor of ``rep``'s group a factor of ``G`` (so :func:`lift` applies)?

    >>> from emlp_sym.groups import O, S, SO
    >>> from emlp_sym.reps import V
    >>> can_lift(V(O(3)), S(4) * O(3)), can_lift(V(SO(3)), S(4) * O(3))
    (True, False)
    """
    return rep.G is not None and set(rep.G.factors) <= set(G.factors)


def lift(rep: Rep, G: Group) -> Rep:
    """``rep`` (bound to a group whose factors are all factors of ``G``) as a rep of ``G``:
    the same coordinates and action, ``G``'s other factors acting trivially.

    >>> from emlp_sym.groups import O, S
    >>> from emlp_sym.reps import V
    >>> print(lift(V(O(3)), S(4) * O(3)))
    V[O(3)]
    >>> lift(V(O(3)), S(4))
    Traceback (most recent call last):
    ...
    emlp_sym.errors.RepError: V is a representation of O(3), and S(4) has no factor O(3): build ...
    """
    require_bound(rep, "the rep to lift")
    H = rep.G
    assert H is not None  # require_bound raised otherwise
    if not isinstance(G, Group):
        raise ArgumentTypeError(f"lift(rep, G) needs a Group such as S(4)*O(3), got {G!r}")
    if H == G:
        return rep
    if not can_lift(rep, G):
        missing = [F for F in H.factors if F not in G.factors]
        raise RepError(
            f"{rep} is a representation of {H}, and {G} has no factor "
            f"{', '.join(map(str, missing))}: build the rep from reps of {G} (or of its "
            f"factors), or lift it to a product with {', '.join(map(str, missing))} as factors"
        )
    return SumRep(rep, G=G)  # a sum of one summand, bound to G: it reads its own factors' block
