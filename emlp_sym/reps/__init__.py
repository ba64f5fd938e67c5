"""Representations: expression trees, canonical forms, printing.

Layout, from the bottom up: ``checks`` (argument checks, one way to fail), ``extension`` (the
protocol for user-defined reps), ``atoms`` and ``canonical`` (canonical forms), ``sympy_export``
(reps as SymPy polynomials); the tree's classes: ``base`` (the ``Rep`` base class), ``node``
(the library's node type and the scalar ``V⁰``), ``compound`` (direct sums, tensor products),
``leaves`` (``V``, duals), ``rebuild`` (a rep from canonical terms), gathered by ``expr``; the
reference library's helpers ``sparsify``, ``vis`` (pictures of bases) and ``equivariance``
(``matrix_equivariance_error`` of a matrix or basis). ``bilinear_weights`` is the layers'
(:func:`emlp_sym.nn.core.bilinear.bilinear_weights`), here too because the reference exports
it from ``emlp.reps``: it loads on first use, so importing the reps imports no layer."""

from typing import TYPE_CHECKING

from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.equivariance import equivariance_error, matrix_equivariance_error
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
from emlp_sym.reps.sparsify import sparsify_basis
from emlp_sym.reps.vis import vis, vis_basis

if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ below loads it
    from emlp_sym.nn.core.bilinear import bilinear_weights

#: The base representation ``V`` (the group's defining action on R^d); unbound: ``V(SO(3))``.
V = Vector = BaseRep()
#: The trivial representation ``V⁰`` (a scalar, size 1 for every group).
Scalar = ScalarRep()
#: ``V >> V``: linear maps from V to V (printed ``V⊗V*``, or ``V²`` for orthogonal groups).
Matrix = V >> V


def T(p: int, q: int = 0, G=None) -> Rep:
    """The tensor rep ``V^{⊗p} ⊗ V*^{⊗q}``, bound to ``G`` if given.

    >>> from emlp_sym.groups import SO
    >>> print(T(1, 1))
    V⊗V*
    >>> print(T(2, G=SO(3)))
    V²
    >>> T(2, G=SO(3)).size()
    9
    """
    rep = V**p * V.T**q
    return rep(G) if G is not None else rep


__all__ = [
    "Rep", "ScalarRep", "BaseRep", "DualRep", "SumRep", "ProductRep",
    "V", "Vector", "Scalar", "Matrix", "T", "from_terms", "monomial_rep",
    "require_bound", "sparsify_basis", "vis", "vis_basis", "matrix_equivariance_error",
    "equivariance_error",  # the deprecated name of matrix_equivariance_error
    "bilinear_weights",  # the layers', loaded on first use (also by `from emlp_sym.reps import *`)
]


def __getattr__(name):
    # reps sit below the layers: they import no part of emlp_sym.nn until this name is asked for
    if name == "bilinear_weights":
        from emlp_sym.nn.core.bilinear import bilinear_weights

        return bilinear_weights
    raise AttributeError(f"module 'emlp_sym.reps' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
