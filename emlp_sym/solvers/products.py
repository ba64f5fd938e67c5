"""The product route: a monomial on several factors of a direct product, solved factor by factor.

The factors of ``G = G_1 × … × G_k`` act on their own axes only, so the fixed space of a
monomial ``t = t_1 ⊗ … ⊗ t_k`` (``t_i``: the atoms of factor ``i``, kept together by the
canonical order) is the tensor product of the fixed spaces of the ``t_i``, and in C-ordered
coordinates its basis is the Kronecker product of theirs (first factor outermost). A numbered
copy of a group (``V[SO(3)₂]``, see :class:`~emlp_sym.groups.product.FactorCopy`) acts exactly
as the group does, so :func:`plain_monomial` hands its monomials to the group's own routes.
:mod:`emlp_sym.solvers.routes` decides when this route is taken and solves the parts.
"""

from __future__ import annotations

import itertools

import numpy as np
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.sdm import SDM

from emlp_sym.groups.product import FactorCopy
from emlp_sym.reps.atoms import BaseAtom, Monomial
from emlp_sym.solvers.memory import check_allocation

__all__ = ["factor_runs", "kron_exact", "kron_numeric", "plain_monomial"]


def factor_runs(mono: Monomial) -> list[Monomial] | None:
    """``mono`` split into runs of atoms of one factor each, when it is ``V``/``V*`` of two or
    more factors of a direct product; None otherwise.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> (mono, _), = (V**2)(SO(3) * S(4)).canonical.terms
    >>> [len(run) for run in factor_runs(mono)]
    [2, 2]
    """
    if not all(isinstance(a, BaseAtom) for a in mono):
        return None
    runs = [tuple(run) for _, run in itertools.groupby(mono, key=lambda a: a.group)]
    if len(runs) < 2 or len({run[0].group for run in runs}) != len(runs):
        return None
    return runs


def plain_monomial(mono: Monomial) -> Monomial:
    """``mono`` on one numbered copy of a group as the same monomial of the group itself, whose
    diagrams apply; monomials on several factors (copies or not) are left alone, so a diagram
    never pairs two factors' indices.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> G = SO(3) * SO(3)
    >>> mono = (V**2)(G.factors[1]).canonical.terms[0][0]
    >>> plain_monomial(mono)[0].group
    SO(3)
    """
    groups = {a.group for a in mono}
    if len(groups) != 1 or not all(isinstance(a, BaseAtom) for a in mono):
        return mono
    (G,) = groups
    if not isinstance(G, FactorCopy):
        return mono
    return tuple(BaseAtom(G.base, a.dual) for a in mono)


def kron_exact(parts) -> DomainMatrix:
    """The Kronecker product of sparse exact bases (first outermost), over QQ.

    >>> from sympy.polys.matrices import DomainMatrix
    >>> from sympy.polys.domains import QQ
    >>> A = DomainMatrix([[QQ(1)], [QQ(1)]], (2, 1), QQ)
    >>> kron_exact([A, A]).to_Matrix().T
    Matrix([[1, 1, 1, 1]])
    """
    rows, shape = {0: {0: QQ(1)}}, (1, 1)
    for B in parts:
        n, r = B.shape
        entries = B.convert_to(QQ).to_sparse().rep
        product: dict = {}
        for i, row in rows.items():
            for k, part_row in entries.items():
                out = product.setdefault(i * n + k, {})
                for j, v in row.items():
                    for m, w in part_row.items():
                        out[j * r + m] = v * w
        rows, shape = product, (shape[0] * n, shape[1] * r)
    return DomainMatrix.from_rep(SDM(rows, shape, QQ))


def kron_numeric(parts, name: str) -> np.ndarray:
    """The Kronecker product of orthonormal bases (first outermost): orthonormal, and it spans
    the product's fixed space; ``name`` names the monomial in a memory error.

    >>> import numpy as np
    >>> kron_numeric([np.ones((2, 1)) / np.sqrt(2)] * 2, "V⊗V").ravel().round(3)
    array([0.5, 0.5, 0.5, 0.5])
    """
    n = int(np.prod([P.shape[0] for P in parts]))
    r = int(np.prod([P.shape[1] for P in parts]))
    check_allocation(n * r * 8, f"the dense {n} × {r} basis", name,
                     "use a smaller rep, or a higher EMLP_SYM_MEMORY_LIMIT", size=n)
    Q = parts[0]
    for P in parts[1:]:
        Q = np.kron(Q, P)
    return Q
