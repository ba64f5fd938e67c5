"""The user-extension protocol: defining your own representation as a leaf.

A user rep subclasses :class:`emlp_sym.reps.Rep`. As in the reference library, only two
things are required:

- ``rho(g)``: the n × n matrix of one group element ``g`` (a ``G.element_size``-square
  array), written with ``jax.numpy`` so that it can be differentiated;
- ``self.G``: the group, set in ``__init__`` (or left ``None`` and bound later by
  ``__call__(G)``, which then returns the same rep with ``self.G = G``);

and ``__str__`` (its name in printed reps and SymPy symbols) is strongly advised. Everything
else has a default: ``size()`` is the side of ``rho(G.sample())`` (computed once);
``drho(A)`` is the derivative of ``rho`` at the identity along ``A`` (``jax.jvp``);
``__eq__`` / ``__hash__`` compare the class and the instance attributes; ``__call__(G)``
returns the rep itself when it is already bound to ``G``. Override any of them (``drho``
for speed, ``size`` to skip the sample).

Duals: ``rep*`` folds into ``rep`` (as the reference's ``Rep.T`` does on orthogonal groups)
when the class sets ``self_dual = True``, or, when it sets nothing, when its group is real
orthogonal and ``rho`` is orthogonal on two sample elements (so ``rho(g)^{-T} = rho(g)``);
``self_dual = False`` turns the check off. Setting ``self.is_permutation = True`` declares
that ``rho`` acts by permutation matrices (pointwise nonlinearities are then allowed on it).

Inside a canonical form a user rep is one atom (:class:`~emlp_sym.reps.atoms.RepAtom`): its
matrices come from :func:`leaf_matrix`, and its dual ``rep*`` acts by ``rho(g)^{-T}`` and
``-drho(A)^T`` unless it is self-dual.
"""

from __future__ import annotations

import numpy as np

__all__ = ["declares_permutation", "is_self_dual", "leaf_matrix"]


def is_self_dual(rep) -> bool:
    """Does ``rep*`` fold into the user rep ``rep`` (see the module docstring)?

    >>> from emlp_sym.groups import O, SL
    >>> from emlp_sym.reps import Rep
    >>> class Matrix(Rep):  # g acting on vectors by itself, as V does
    ...     def __init__(self, G=None):
    ...         self.G = G
    ...     rho = staticmethod(lambda g: g)
    >>> is_self_dual(Matrix(O(2))), is_self_dual(Matrix(SL(2)))  # g^{-T} = g on O(2) only
    (True, False)
    """
    declared = getattr(rep, "self_dual", None)
    if declared is not None:
        return bool(declared)
    cached = rep.__dict__.get("_self_dual_cache")
    if cached is None:
        cached = _acts_orthogonally(rep)
        rep.__dict__["_self_dual_cache"] = cached
    return cached


ORTHOGONAL_TOL = 1e-6


def _acts_orthogonally(rep) -> bool:
    """Is the rep's group real orthogonal and ``rho`` orthogonal on two fixed samples?"""
    G = rep.G
    if G is None or not all(F.is_orthogonal and not F.is_complex for F in G.factors):
        return False
    for g in G.samples_numpy(2, seed=0):
        M = leaf_matrix(rep, g, lie=False)
        if np.iscomplexobj(M) or M.ndim != 2 or M.shape[0] != M.shape[1]:
            return False
        if not np.allclose(M.T @ M, np.eye(len(M)), atol=ORTHOGONAL_TOL):
            return False
    return True


def declares_permutation(rep) -> bool:
    """Has the user rep declared ``is_permutation = True`` (instance or class attribute)?

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> class Signs(type(V)):
    ...     is_permutation = True
    >>> declares_permutation(Signs(S(3))), declares_permutation(V(SO(3)))
    (True, False)
    """
    declared = rep.__dict__.get("_declared_permutation")
    if declared is None:
        for cls in type(rep).__mro__:  # a plain class attribute, not the library's property
            value = cls.__dict__.get("is_permutation")
            if isinstance(value, bool):
                return value
        return False
    return bool(declared)


def leaf_matrix(rep, element, lie: bool, xp=np):
    """A user rep's matrix for a group element (``lie=False``) or Lie algebra element
    (``lie=True``), as an ``xp`` array (NumPy, or ``jax.numpy`` inside traced code).

    On the NumPy path (the solvers) ``rho`` runs with JAX in 64-bit mode, so the constraints
    of a user rep written with ``jax.numpy`` are exact to float64, not float32.

    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> from emlp_sym.groups import O
    >>> from emlp_sym.reps import Rep
    >>> class Det(Rep):
    ...     def __init__(self, G=None):
    ...         self.G = G
    ...     def rho(self, g):
    ...         return jnp.linalg.det(g) * jnp.eye(1)
    >>> leaf_matrix(Det(O(2)), np.diag([1.0, -1.0]), lie=False)
    array([[-1.]])
    """
    if xp is not np:
        return xp.asarray(rep.drho(element) if lie else rep.rho(element))
    import jax

    # evaluated now even inside a caller's jit (a Haiku layer is built in its traced init):
    # the solvers need numbers, and jax.numpy would return tracers there
    with jax.enable_x64(True), jax.ensure_compile_time_eval():
        return np.asarray(rep.drho(element) if lie else rep.rho(element))
