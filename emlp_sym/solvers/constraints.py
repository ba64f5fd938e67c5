"""The symmetry constraint of one canonical monomial, as per-axis generator matrices.

For a monomial ``t = a_1 ⊗ ... ⊗ a_k`` (atoms) and a group generator, each tensor axis gets
one small matrix: ``rho_{a_i}(h)`` for a discrete generator (the constraint is
``⊗_i rho_{a_i}(h) - I``) or ``drho_{a_i}(A)`` for a Lie generator (the constraint is the
Kronecker sum). Axes belonging to another factor of a direct product get ``I`` (resp. ``0``).
Nothing here forms a matrix of the monomial's full size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from emlp_sym.groups.base import Group
from emlp_sym.reps.atoms import BaseAtom, Monomial


@dataclass(frozen=True)
class Generator:
    """One generator: the factor it belongs to, its factor-level and whole-group matrices."""

    factor: int
    local: object  # matrix of the factor group (numpy or SymPy)
    embedded: object  # matrix of the whole group (numpy or SymPy)
    lie: bool


def generators(G: Group, exact: bool = False) -> list[Generator]:
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
    """Index of the factor an atom's group is (None: the atom uses the whole group)."""
    g = atom.group
    if g == G:
        return None
    return G.factors.index(g)


def axis_matrices(mono: Monomial, G: Group, gen: Generator, exact: bool = False):
    """Per-axis matrices of ``gen`` on ``mono``; None when the generator acts trivially."""
    mats, active = [], False
    for atom in mono:
        f = _atom_factor(atom, G)
        if f is None:
            M = _atom_matrix(atom, gen.embedded, gen.lie, exact)
            active = True
        elif f == gen.factor:
            M = _atom_matrix(atom, gen.local, gen.lie, exact)
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
    value = atom.rep.drho(M) if lie else atom.rep.rho(M)
    value = sympy.Matrix(value)
    if not atom.dual:
        return value
    return -value.T if lie else value.inv().T


def lie_and_discrete_terms(mono: Monomial, G: Group):
    """Numeric constraint terms: (lie_terms, discrete_terms), lists of per-axis matrix lists."""
    lie_terms, disc_terms = [], []
    for gen in generators(G):
        mats = axis_matrices(mono, G, gen)
        if mats is not None:
            (lie_terms if gen.lie else disc_terms).append(mats)
    return lie_terms, disc_terms
