"""Symbolic inspection of equivariant maps: general maps with named symbols, exact basis
elements as SymPy matrices and tensors, readable invariants, and weight-sharing pictures.

    >>> from emlp_sym.reps import V; from emlp_sym.groups import S
    >>> general_map(V, V, S(3))
    Matrix([
    [w_0, w_1, w_1],
    [w_1, w_0, w_1],
    [w_1, w_1, w_0]])
"""

from __future__ import annotations

import numpy as np
import sympy

from emlp_sym.errors import SolverError
from emlp_sym.reps.atoms import axis_permutation, is_permutation_type, monomial_str
from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.expr import Rep
from emlp_sym.solvers.diagrams import diagram_basis
from emlp_sym.solvers.number_fields import RotationBasis, rotation_basis


def _bind(rep, G, name):
    """``rep`` bound to ``G`` when it is unbound and ``G`` is given; checked bound."""
    if isinstance(rep, Rep) and rep.G is None and G is not None:
        rep = rep(G)
    return require_bound(rep, name, hint="pass G= or bind it, e.g. V(S(3))")


def general_map(rep_in, rep_out, G=None, symbol: str = "w", diagrams: bool = False):
    """The general equivariant linear map ``rep_in → rep_out``.

    By default a SymPy matrix: entries are linear combinations of the free symbols
    ``w_0, w_1, ...`` (one per exact basis element), laid out in the user's coordinates, shape
    ``(rep_out.size(), rep_in.size())``.

    With ``diagrams=True``: the same map as the SymPy sum ``Σ_k w_k · d_k`` where ``d_k`` is
    the ``k``-th basis element named as in :func:`describe_invariants` (``δ(i0,i2)·δ(i1,i3)``
    is the identity of ``V**2 >> V**2``; indices: the output's axes, then the input's); it
    prints as text and renders as LaTeX. Useful where the matrix is too large to read.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> general_map(V, V, SO(2))
    Matrix([
    [ w_0, w_1],
    [-w_1, w_0]])
    >>> general_map(V**2, V**0, SO(3), diagrams=True)
    w_0*δ(i0,i1)
    """
    rin, rout = _bind(rep_in, G, "rep_in"), _bind(rep_out, G, "rep_out")
    if diagrams:
        return _named_sum(rin >> rout, symbol)
    B = (rin >> rout).equivariant_basis(exact=True)
    w = sympy.symbols(f"{symbol}_0:{B.cols}") if B.cols else ()
    flat = B * sympy.Matrix(w) if B.cols else sympy.zeros(B.rows, 1)
    return flat.reshape(rout.size(), rin.size())


class BasisElement(sympy.Symbol):
    """A basis element as a SymPy symbol: its name is the readable text of
    :func:`describe_invariants`, and it renders as the LaTeX one.

    >>> d = BasisElement("δ(i0,i1)", "δ_{i_0 i_1}")
    >>> 2 * d
    2*δ(i0,i1)
    >>> sympy.latex(d)
    'δ_{i_0 i_1}'
    """

    def __new__(cls, text: str, latex: str):
        obj = super().__new__(cls, text, commutative=True)
        obj._latex_text = latex
        return obj

    @classmethod
    def class_key(cls):
        return 2, 1, cls.__name__  # after plain symbols: "w_0·δ(…)", not "δ(…)·w_0"

    def __getnewargs_ex__(self):
        return (self.name, self._latex_text), {}

    def _latex(self, printer):
        return self._latex_text


def _named_sum(rep, symbol: str) -> sympy.Expr:
    texts, latexes = describe_invariants(rep), describe_invariants(rep, latex=True)
    if not texts:
        return sympy.S.Zero
    w = sympy.symbols(f"{symbol}_0:{len(texts)}")
    terms = [wk * BasisElement(t, f"\\left({x}\\right)" if " + " in x else x)
             for wk, t, x in zip(w, texts, latexes, strict=True)]
    return sympy.Add(*terms, evaluate=False)


def general_vector(rep, G=None, symbol: str = "c") -> sympy.Matrix:
    """The general fixed vector of ``rep`` (a column), in free symbols ``c_0, c_1, ...``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> general_vector(V**2, S(2)).T
    Matrix([[c_0, c_1, c_1, c_0]])
    """
    rep = _bind(rep, G, "rep")
    B = rep.equivariant_basis(exact=True)
    c = sympy.symbols(f"{symbol}_0:{B.cols}") if B.cols else ()
    return B * sympy.Matrix(c) if B.cols else sympy.zeros(B.rows, 1)


class BasisElementList(list):
    """The list :func:`basis_elements` returns: a plain ``list`` that Jupyter renders as one
    LaTeX sequence of its elements (each a matrix or array), side by side.

    >>> elements = BasisElementList([sympy.eye(2), sympy.ones(2, 2)])
    >>> isinstance(elements, list), elements._repr_latex_().startswith("$")
    (True, True)
    """

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {sympy.latex(list(self))}$"


def basis_elements(rep, G=None, shape=None) -> BasisElementList:
    """Each exact basis element, shaped for reading.

    ``shape=None`` picks: a matrix for ``rep_in >> rep_out`` style reps of two tensor factors,
    a ``sympy.Array`` with one axis per tensor index for a single monomial, else a column.
    SymPy objects render as LaTeX in Jupyter, and so does the returned list (a
    :class:`BasisElementList`, a ``list`` subclass).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> basis_elements((V >> V)(S(2)))
    [Matrix([
    [1, 0],
    [0, 1]]), Matrix([
    [0, 1],
    [1, 0]])]
    """
    rep = _bind(rep, G, "rep")
    B = rep.equivariant_basis(exact=True)
    if shape is None:
        shape = _natural_shape(rep)
    out = BasisElementList()
    for j in range(B.cols):
        col = B[:, j]
        if len(shape) == 2:
            out.append(col.reshape(*shape))
        else:
            out.append(sympy.Array(list(col), shape))
    return out


def _natural_shape(rep):
    terms = rep.canonical.terms
    if len(terms) == 1 and terms[0][1] == 1 and len(terms[0][0]) >= 1:
        return tuple(a.size for a in terms[0][0])
    return (rep.size(), 1)


def describe_invariants(rep, G=None, latex: bool = False) -> list[str]:
    """A readable name for each exact basis element (column of ``equivariant_basis(exact=True)``).

    - The classical groups (O(n), SO(n), Sp(m), the Lorentz groups, GL(n)): each element *is*
      a diagram (see :mod:`emlp_sym.solvers.diagrams`), named by its factors over the tensor's
      index positions, e.g. ``"δ(i0,i2)·δ(i1,i3)"`` or ``"ε(i0,i1,i2)·δ(i3,i4)"``; ``η`` is the
      Minkowski metric, ``ω`` the symplectic form. For a rep of one tensor term the positions
      are the user's axes (for ``rep_in >> rep_out``: the output's axes, then the input's);
      otherwise each name starts with its term, e.g. ``"[V² #1] δ(i0,i1)"``.
    - Permutation groups on ``V^{⊗k}``: the indicator of a pattern of equal indices, named by
      its set partition, e.g. ``"i0=i2, i1"`` (1 where index 0 equals index 2 and differs from
      index 1).
    - Otherwise: the element's nonzero entries.

    With ``latex=True`` the names are LaTeX (``\\delta_{i_{0} i_{2}} \\delta_{i_{1} i_{3}}``;
    upper indices for ``V`` and lower for ``V*`` where the two differ).

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> describe_invariants((V**2)(S(3)))
    ['i0=i1', 'i0, i1']
    >>> describe_invariants((V**3)(SO(3)))
    ['ε(i0,i1,i2)']
    """
    rep = _bind(rep, G, "rep")
    B = rep.equivariant_basis(exact=True)
    names = _diagram_names(rep, latex)
    if names is not None:
        if len(names) != B.cols:  # pragma: no cover - the exact basis is built from these
            raise SolverError(f"{len(names)} diagram names for {B.cols} basis elements")
        return names
    terms = rep.canonical.terms
    single = len(terms) == 1 and terms[0][1] == 1
    mono = terms[0][0] if single else None
    dims = tuple(a.size for a in mono) if mono else None
    permutation = mono is not None and is_permutation_type(mono)
    perm = rep.canonical.perm
    out = []
    for j in range(B.cols):
        nz = [i for i in range(B.rows) if B[i, j] != 0]
        if permutation:
            out.append(_partition_name(np.unravel_index(perm[nz[0]], dims), latex))
        else:
            entries = [_entry_name(B[i, j], _index(perm[i], dims), latex) for i in nz[:8]]
            more = f" + … ({len(nz) - 8} more)" if len(nz) > 8 else ""
            out.append(" + ".join(entries) + more)
    return out


def _diagram_names(rep, latex: bool) -> list[str] | None:
    """Names of the diagram basis elements, in the exact basis's column order, or None when a
    term has no diagram basis. Mirrors :func:`emlp_sym.solvers.api._exact_basis`: terms in
    canonical order, each copy's columns together."""
    terms = rep.canonical.terms
    bases = [diagram_basis(t) or rotation_basis(t) for t, _ in terms]
    if not terms or any(b is None for b in bases):
        return None
    single = len(terms) == 1 and terms[0][1] == 1
    out = []
    for (t, m), basis in zip(terms, bases, strict=True):
        axes = _user_axes(rep, t) if single else None
        axes = axes if axes is not None else list(range(len(t)))
        labels = [f"i_{{{a}}}" if latex else f"i{a}" for a in axes]
        for k in range(m):
            prefix = "" if single else f"[{monomial_str(t)}" + (f" #{k}" if m > 1 else "") + "] "
            if latex and prefix:
                prefix = r"\text{" + prefix.strip() + "}\\; "
            if isinstance(basis, RotationBasis):  # C(k), D(k): named by sign patterns
                out.extend(prefix + name for name in basis.names(latex))
                continue
            for d in basis.diagrams:
                out.append(prefix + (d.latex(labels) if latex else d.text(labels)))
    return out


def _user_axes(rep, mono) -> list[int] | None:
    """For a rep of one tensor term: the user's axis of each canonical axis, when the user's
    layout is a C-ordered tensor over the same axes (it is for products and ``>>``)."""
    K = len(mono)
    n = mono[0].size if mono else 1
    if K == 0 or any(a.size != n for a in mono) or n < 2:
        return None
    perm = np.asarray(rep.canonical.perm)
    order = [0] * K  # order[canonical axis] = user axis
    for j in range(K):  # the unit vector along user axis j lands on one canonical axis
        c = int(perm[n ** (K - 1 - j)])
        p = K - 1 - round(np.log(c) / np.log(n)) if c > 0 else None
        if p is None or not 0 <= p < K or n ** (K - 1 - p) != c:
            return None
        order[p] = j
    if sorted(order) != list(range(K)):
        return None
    if not np.array_equal(perm, axis_permutation(np.asarray(order), [n] * K)):
        return None
    return order


def _entry_name(value, index: str, latex: bool) -> str:
    if latex:
        return f"{sympy.latex(value)}\\, e_{{{index}}}"
    return f"{value}·e{index}"


def _index(c, dims):
    if dims is None:
        return f"[{c}]"
    return "[" + ",".join(str(int(x)) for x in np.unravel_index(c, dims)) + "]"


def _partition_name(index, latex: bool = False) -> str:
    """Set partition of the tensor positions by equal index values."""
    groups: dict = {}
    for pos, value in enumerate(index):
        groups.setdefault(int(value), []).append(pos)
    blocks = sorted(groups.values())
    if latex:
        return r",\; ".join(" = ".join(f"i_{{{p}}}" for p in b) for b in blocks)
    return ", ".join("=".join(f"i{p}" for p in b) for b in blocks)


def weight_sharing(rep_in, rep_out, G=None) -> np.ndarray:
    """Integer matrix (n_out × n_in): which free parameter each weight entry is (−1: zero).

    Exact when the group has an exact form and the basis has disjoint supports (permutation
    groups); otherwise entries with equal values of a generic equivariant map share a label.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> weight_sharing(V, V, S(3))
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    rin, rout = _bind(rep_in, G, "rep_in"), _bind(rep_out, G, "rep_out")
    W = rin >> rout
    Q = np.asarray(W.equivariant_basis())
    generic = Q @ np.random.default_rng(0).standard_normal(Q.shape[1])
    rounded = np.round(generic, 8)
    labels = np.full(rounded.shape, -1)
    nonzero = np.abs(rounded) > 1e-8
    _, inverse = np.unique(np.abs(rounded[nonzero]), return_inverse=True)
    labels[nonzero] = inverse
    return labels.reshape(rout.size(), rin.size())


def save_basis_image(rep, path: str, max_elements: int = 64):
    """Save a grid of the (numeric) basis elements of ``rep`` as a PNG (matplotlib).

    For ``rep_in >> rep_out`` style reps each element is drawn as a matrix.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "basis.png")
    >>> save_basis_image((V >> V)(S(3)), path)
    >>> os.path.exists(path)
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rep = _bind(rep, None, "rep")
    Q = np.asarray(rep.equivariant_basis())
    r = min(Q.shape[1], max_elements)
    shape = _natural_shape(rep)
    shape = shape if len(shape) == 2 else (1, rep.size())
    cols = int(np.ceil(np.sqrt(max(r, 1))))
    rows = max(int(np.ceil(r / cols)), 1)
    fig, axes = plt.subplots(rows, cols, figsize=(2 * cols, 2 * rows), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < r:
            ax.imshow(Q[:, k].reshape(shape), cmap="RdBu", vmin=-1, vmax=1)
            ax.set_title(f"Q[:, {k}]", fontsize=8)
    fig.suptitle(f"{rep}: r = {Q.shape[1]}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_weight_sharing(rep_in, rep_out, G=None, ax=None):
    """Draw the weight-sharing pattern of ``rep_in >> rep_out``: one colour per parameter.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> ax = plot_weight_sharing(V, V, S(3))
    >>> ax.images[0].get_array().shape
    (3, 3)
    """
    import matplotlib.pyplot as plt

    labels = weight_sharing(rep_in, rep_out, G).astype(float)
    labels[labels < 0] = np.nan
    ax = ax or plt.gca()
    ax.imshow(labels, cmap="tab20")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


__all__ = [
    "BasisElement", "BasisElementList", "general_map", "general_vector", "basis_elements",
    "describe_invariants", "weight_sharing", "plot_weight_sharing", "save_basis_image",
]
