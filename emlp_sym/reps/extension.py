"""The user-extension protocol: defining your own representation as a leaf.

A user rep subclasses :class:`emlp_sym.reps.Rep` and gives:

- ``size()``: the dimension n;
- ``rho(g)``: the n × n matrix of one group element ``g`` (a ``G.element_size``-square
  array), and/or ``drho(A)`` for a Lie algebra element (default: the derivative of ``rho``
  at the identity, by ``jax.jvp``);
- ``__call__(G)``: the same rep bound to the group ``G``, with ``self.G = G`` set;
- ``__str__`` (its name in printed reps and SymPy symbols) and ``__eq__`` / ``__hash__``;
- optionally ``T``: return ``self`` if ``rho(g)^{-T} = rho(g)`` (the rep is its own dual in
  its own coordinates), which is also what the class attribute ``self_dual = True`` declares
  to the canonical form when the library itself dualizes the rep (see :func:`is_self_dual`).

Inside a canonical form a user rep is one atom (:class:`~emlp_sym.reps.atoms.RepAtom`): its
matrices come from :func:`leaf_matrix`, and its dual ``rep*`` acts by ``rho(g)^{-T}`` and
``-drho(A)^T`` unless it is self-dual.
"""

from __future__ import annotations

import numpy as np

__all__ = ["is_self_dual", "leaf_matrix"]


def is_self_dual(rep) -> bool:
    """Does the user rep declare ``self_dual = True``, so that ``rep*`` folds into ``rep``?"""
    return bool(getattr(rep, "self_dual", False))


def leaf_matrix(rep, element, lie: bool, xp=np):
    """A user rep's matrix for a group element (``lie=False``) or Lie algebra element
    (``lie=True``), as an ``xp`` array (NumPy, or ``jax.numpy`` inside traced code)."""
    return xp.asarray(rep.drho(element) if lie else rep.rho(element))
