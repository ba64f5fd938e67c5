"""Representations as expression trees.

``V``, ``Scalar`` and user-defined reps are leaves; ``+`` (direct sum), ``*`` (tensor
product), ``**``, ``.T`` (dual), ``n * rep`` (n copies, n kept as an integer), ``rep + n``
(n scalars) and ``rep_in >> rep_out`` (linear maps, ``rep_out ⊗ rep_in*``) build trees.
Calling a rep with a group binds it: ``(V**2)(SO(3))``. Reps of different groups combine
into reps of the direct product of their groups (:func:`~emlp_sym.groups.product.sum_group`),
and ``rho`` takes an element of that product or the reference's dict ``{G1: g1, G2: g2}``.

The user's coordinate layout is the tree's: sums concatenate, products are Kronecker
products (first factor outermost), duals keep coordinates. A bound rep has a canonical form
(:mod:`emlp_sym.reps.canonical`) with the exact permutation between the two layouts; the
solvers work on the canonical form and map back.

The tree's classes, from the bottom up: :mod:`emlp_sym.reps.base` (the :class:`Rep` base
class: the algebra, binding, canonical form, SymPy export), :mod:`emlp_sym.reps.node` (the
library's node type and the scalar ``ScalarRep``), :mod:`emlp_sym.reps.compound` (the inner
nodes ``SumRep`` and ``ProductRep``), :mod:`emlp_sym.reps.leaves` (``BaseRep``, ``DualRep``) and
:mod:`emlp_sym.reps.rebuild` (a rep from canonical terms); user-defined leaves follow
:mod:`emlp_sym.reps.extension`. This module gathers them under one import path, the one the
layers use (``from emlp_sym.reps.expr import Rep``).

>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V
>>> print((V**2 + V)(SO(3)) >> V(SO(3)))  # V(SO(3)) is BaseRep(SO(3))
V²+V³
"""

from emlp_sym.reps.atoms import monomial_size
from emlp_sym.reps.base import Rep
from emlp_sym.reps.compound import ProductRep, SumRep
from emlp_sym.reps.leaves import BaseRep, DualRep
from emlp_sym.reps.node import ScalarRep
from emlp_sym.reps.rebuild import from_terms, monomial_rep

__all__ = [
    "Rep", "ScalarRep", "BaseRep", "DualRep", "SumRep", "ProductRep",
    "from_terms", "monomial_rep", "monomial_size",
]
