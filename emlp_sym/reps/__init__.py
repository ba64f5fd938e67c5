"""Representations: expression trees, canonical forms, printing.

Layout: ``expr`` (the ``Rep`` base class and the leaves ``V``, ``V⁰``, duals), ``compound``
(direct sums, tensor products), ``atoms`` and ``canonical`` (canonical forms), ``rebuild``
(a rep from canonical terms), ``extension`` (the protocol for user-defined reps),
``sympy_export`` (reps as SymPy polynomials), ``checks`` (argument checks, one way to fail).
"""

from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.expr import (
    BaseRep,
    DualRep,
    ProductRep,
    Rep,
    ScalarRep,
    SumRep,
    from_terms,
    monomial_rep,
)

V = Vector = BaseRep()
Scalar = ScalarRep()
Matrix = V >> V


def T(p: int, q: int = 0, G=None) -> Rep:
    """The tensor rep ``V^{⊗p} ⊗ V*^{⊗q}``, bound to ``G`` if given."""
    rep = V**p * V.T**q
    return rep(G) if G is not None else rep


__all__ = [
    "Rep", "ScalarRep", "BaseRep", "DualRep", "SumRep", "ProductRep",
    "V", "Vector", "Scalar", "Matrix", "T", "from_terms", "monomial_rep",
    "require_bound",
]
