"""The symmetry constraint of one canonical monomial, as per-axis generator matrices.

For a monomial ``t = a_1 ⊗ ... ⊗ a_k`` (atoms) and a group generator, each tensor axis gets
one small matrix: ``rho_{a_i}(h)`` for a discrete generator (the constraint is
``⊗_i rho_{a_i}(h) - I``) or ``drho_{a_i}(A)`` for a Lie generator (the constraint is the
Kronecker sum). Axes belonging to another factor of a direct product get ``I`` (resp. ``0``).
:func:`monomial_constraints` gathers them, once per solve, into the :class:`Constraints` that
the routes and the checks share; :func:`sparse_constraint` writes one out as a sparse matrix.
Nothing else here forms a matrix of the monomial's full size.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import sympy

from emlp_sym.errors import ExactFormUnavailable
from emlp_sym.groups.base import Group
from emlp_sym.reps.atoms import BaseAtom, Monomial
from emlp_sym.reps.extension import leaf_matrix
from emlp_sym.solvers import orbits


@dataclass(frozen=True)
class Generator:
    """One generator: the factor it belongs to, its factor-level and whole-group matrices.

    >>> from emlp_sym.groups import SO
    >>> (gen,) = generators(SO(2))
    >>> gen.factor, gen.lie, gen.local.tolist()
    (0, True, [[0.0, -1.0], [1.0, 0.0]])
    """

    factor: int
    local: object  # matrix of the factor group (numpy or SymPy)
    embedded: object  # matrix of the whole group (numpy or SymPy)
    lie: bool


def generators(G: Group, exact: bool = False) -> list[Generator]:
    """The Lie algebra and discrete generators of every factor of ``G`` (rational SymPy
    matrices with ``exact=True``), each also embedded in the whole group.

    >>> from emlp_sym.groups import S, SO
    >>> [g.lie for g in generators(SO(3))], [g.lie for g in generators(S(3))]
    ([True, True, True], [False, False])
    """
    out = []
    factors = G.factors
    for f, F in enumerate(factors):
        lie = F.exact_lie_algebra if exact else list(F.lie_algebra)
        disc = F.exact_discrete_generators if exact else list(F.discrete_generators)
        for mats, is_lie in ((lie, True), (disc, False)):
            for M in mats:
                emb = _embed(G, f, M, is_lie, exact) if len(factors) > 1 else M
                out.append(Generator(f, M, emb, is_lie))
    return out


def _embed(G, f, M, lie, exact):
    sizes = [F.element_size for F in G.factors]
    if exact:
        blocks = [sympy.zeros(s) if lie else sympy.eye(s) for s in sizes]
        blocks[f] = M
        return sympy.diag(*blocks)
    import scipy.linalg

    blocks = [np.zeros((s, s)) if lie else np.eye(s) for s in sizes]
    blocks[f] = M
    return scipy.linalg.block_diag(*blocks)


def _atom_factor(atom, G: Group):
    """Where an atom's group sits in ``G``: None (the whole group), the index of one factor,
    or, for a user rep bound to a sub-product of ``G``'s factors, the tuple of their indices."""
    g = atom.group
    if g == G:
        return None
    if g in G.factors:  # factors are distinct: equal groups are numbered copies (FactorCopy)
        return G.factors.index(g)
    return tuple(G.factors.index(F) for F in g.factors)


def _sub_product_matrix(atom, sub: tuple, gen: Generator, exact: bool):
    """``gen`` seen by an atom bound to the sub-product of factors ``sub``: its block in the
    sub-product's element (identity, or zero for a Lie generator, elsewhere)."""
    M = _embed(atom.group, sub.index(gen.factor), gen.local, gen.lie, exact)
    return _atom_matrix(atom, M, gen.lie, exact)


def axis_matrices(mono: Monomial, G: Group, gen: Generator, exact: bool = False):
    """Per-axis matrices of ``gen`` on ``mono``; None when the generator acts trivially.

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> [M.shape for M in axis_matrices(mono, SO(3), generators(SO(3))[0])]
    [(3, 3), (3, 3)]
    """
    mats, active = [], False
    for atom in mono:
        f = _atom_factor(atom, G)
        if f is None:
            M = _atom_matrix(atom, gen.embedded, gen.lie, exact)
            active = True
        elif f == gen.factor:
            M = _atom_matrix(atom, gen.local, gen.lie, exact)
            active = True
        elif isinstance(f, tuple) and gen.factor in f:
            M = _sub_product_matrix(atom, f, gen, exact)
            active = True
        else:
            n = atom.size
            M = (sympy.zeros(n) if gen.lie else sympy.eye(n)) if exact else (
                np.zeros((n, n)) if gen.lie else np.eye(n)
            )
        mats.append(M)
    return mats if active else None


def _atom_matrix(atom, M, lie: bool, exact: bool):
    if not exact:
        return np.asarray(atom.matrices(np.asarray(M), lie))
    if isinstance(atom, BaseAtom):
        if not atom.dual:
            return M
        return -M.T if lie else M.inv().T
    value = _exact_user_matrix(atom.rep, M, lie)
    if not atom.dual:
        return value
    return -value.T if lie else value.inv().T


def _exact_user_matrix(rep, M, lie: bool) -> sympy.Matrix:
    """A user rep's rho/drho at an exact generator, as an exact matrix.

    A ``rho`` written with SymPy-friendly operations takes the SymPy matrix itself. One
    written in ``jax.numpy`` (the reference's notebooks do this) cannot, so it is evaluated in
    float64 and each entry read back as a fraction of denominator at most 10⁴; an entry not
    within 1e-13 of one has no exact form here, and we refuse rather than round (an irrational
    such as √3/2 is ~1e-9 from every such fraction; float64 rounding of a true one is ~1e-16).
    """
    try:
        value = sympy.Matrix(rep.drho(M) if lie else rep.rho(M))
    except Exception:  # noqa: BLE001  (any failure of user code on SymPy input: go numeric)
        value = None
    if value is not None and all(x.is_Rational for x in value):
        return value
    if value is not None and not value.has(sympy.Float):  # exact but irrational: not over QQ
        raise ExactFormUnavailable(
            f"the user representation {rep} has irrational entries at the group's exact "
            "generators, so no exact rational basis is available; use exact=False")
    # rho is written in jax.numpy, or floats crept in (a jnp scalar times a SymPy matrix)
    numeric = np.asarray(M.evalf(), dtype=np.float64)
    value = np.asarray(leaf_matrix(rep, numeric, lie), dtype=np.float64)  # rho in float64
    exact = [[Fraction(float(x)).limit_denominator(10**4) for x in row] for row in value]
    rounded = np.array([[float(q) for q in row] for row in exact]).reshape(value.shape)
    if np.any(np.abs(rounded - value) > 1e-13 * np.maximum(1.0, np.abs(value))):
        raise ExactFormUnavailable(
            f"the user representation {rep} gives values that are not small rationals at the "
            "group's exact generators, so no exact basis is available; use exact=False")
    return sympy.Matrix([[sympy.Rational(q.numerator, q.denominator) for q in row]
                         for row in exact])


def lie_and_discrete_terms(mono: Monomial, G: Group):
    """Numeric constraint terms: (lie_terms, discrete_terms), lists of per-axis matrix lists
    (those of :func:`monomial_constraints`).

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import O
    >>> (mono, _), = (V**2)(O(3)).canonical.terms
    >>> lie, discrete = lie_and_discrete_terms(mono, O(3))
    >>> len(lie), len(discrete)  # so(3)'s 3 generators and a reflection
    (3, 1)
    """
    c = monomial_constraints(mono, G)
    return c.lie, c.discrete


class Constraints(NamedTuple):
    """The constraint of ``G`` on one monomial, built once per solve and shared by the route
    chooser, the route and the checks: per-axis matrix lists for the Lie generators (Kronecker
    sums, ``lie``) and the discrete ones (Kronecker products minus I, ``discrete``), float or,
    with ``exact``, rational SymPy matrices; ``actions``: each discrete generator as a signed
    permutation of the monomial's coordinates (see :mod:`~emlp_sym.solvers.orbits`), or None
    if one is not; ``dtype``: complex128 where a matrix is complex, else float64.

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import O
    >>> (mono, _), = (V**2)(O(3)).canonical.terms
    >>> c = monomial_constraints(mono, O(3))
    >>> len(c.lie), len(c.discrete), len(c.actions), c.dtype
    (3, 1, 1, dtype('float64'))
    """

    lie: list
    discrete: list
    actions: list | None
    dtype: np.dtype


def monomial_constraints(mono: Monomial, G: Group, exact: bool = False) -> Constraints:
    """The :class:`Constraints` of ``G`` on ``mono`` (rational with ``exact=True``, which
    raises :class:`~emlp_sym.errors.ExactFormUnavailable` where ``G`` or a user rep has no
    exact form).

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import S
    >>> (mono, _), = (V**2)(S(3)).canonical.terms
    >>> c = monomial_constraints(mono, S(3), exact=True)
    >>> c.lie, [mats[0].shape for mats in c.discrete]
    ([], [(3, 3), (3, 3)])
    """
    lie, disc = [], []
    for gen in generators(G, exact=exact):
        mats = axis_matrices(mono, G, gen, exact=exact)
        if mats is not None:
            (lie if gen.lie else disc).append(mats)
    if exact:
        actions = _signed_permutations([[np.array(M, dtype=float) for M in m] for m in disc])
        return Constraints(lie, disc, actions, np.dtype(np.float64))
    complex_ = any(np.iscomplexobj(M) for t in lie + disc for M in t)
    dtype = np.dtype(np.complex128 if complex_ else np.float64)
    return Constraints(lie, disc, _signed_permutations(disc), dtype)


def _signed_permutations(disc_terms):
    """Each discrete generator as a signed permutation (perm, sign) of the monomial's
    coordinates, or None if one is not a signed permutation."""
    actions = []
    for mats in disc_terms:
        factors = [orbits.signed_permutation_from_matrix(M) for M in mats]
        if any(f is None for f in factors):
            return None
        actions.append(orbits.tensor_signed_permutation(factors))
    return actions


def sparse_constraint(mats, kind: str):
    """The constraint as a scipy sparse matrix: Kronecker sum (``kind="sum"``) or Kronecker
    product minus the identity (``kind="product"``) of small per-axis matrices.

    >>> import numpy as np
    >>> A = np.array([[0.0, -1.0], [1.0, 0.0]])
    >>> np.allclose(sparse_constraint([A, A], "sum").toarray(),
    ...             np.kron(A, np.eye(2)) + np.kron(np.eye(2), A))
    True
    """
    mats = [sp.csr_matrix(M) for M in mats]
    sizes = [M.shape[0] for M in mats]
    n = int(np.prod(sizes))
    if kind == "sum":
        out = sp.csr_matrix((n, n), dtype=np.result_type(*[M.dtype for M in mats]))
        for i, M in enumerate(mats):
            if M.nnz == 0:
                continue
            left = sp.identity(int(np.prod(sizes[:i])), dtype=M.dtype, format="csr")
            right = sp.identity(int(np.prod(sizes[i + 1 :])), dtype=M.dtype, format="csr")
            out = out + sp.kron(sp.kron(left, M, "csr"), right, "csr")
        return out
    out = sp.identity(1, dtype=mats[0].dtype, format="csr")
    for M in mats:
        out = sp.kron(out, M, "csr")
    return out - sp.identity(n, dtype=out.dtype, format="csr")
