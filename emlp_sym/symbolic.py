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

import itertools

import numpy as np
import sympy

from emlp_sym.reps.atoms import BaseAtom, is_permutation_type
from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.expr import Rep


def _bind(rep, G, name):
    """``rep`` bound to ``G`` when it is unbound and ``G`` is given; checked bound."""
    if isinstance(rep, Rep) and rep.G is None and G is not None:
        rep = rep(G)
    return require_bound(rep, name, hint="pass G= or bind it, e.g. V(S(3))")


def general_map(rep_in, rep_out, G=None, symbol: str = "w") -> sympy.Matrix:
    """The general equivariant linear map ``rep_in → rep_out`` as a SymPy matrix.

    Entries are linear combinations of the free symbols ``w_0, w_1, ...`` (one per exact basis
    element), laid out in the user's coordinates: shape ``(rep_out.size(), rep_in.size())``.
    """
    rin, rout = _bind(rep_in, G, "rep_in"), _bind(rep_out, G, "rep_out")
    B = (rin >> rout).equivariant_basis(exact=True)
    w = sympy.symbols(f"{symbol}_0:{B.cols}") if B.cols else ()
    flat = B * sympy.Matrix(w) if B.cols else sympy.zeros(B.rows, 1)
    return flat.reshape(rout.size(), rin.size())


def general_vector(rep, G=None, symbol: str = "c") -> sympy.Matrix:
    """The general fixed vector of ``rep`` (a column), in free symbols ``c_0, c_1, ...``."""
    rep = _bind(rep, G, "rep")
    B = rep.equivariant_basis(exact=True)
    c = sympy.symbols(f"{symbol}_0:{B.cols}") if B.cols else ()
    return B * sympy.Matrix(c) if B.cols else sympy.zeros(B.rows, 1)


def basis_elements(rep, G=None, shape=None) -> list:
    """Each exact basis element, shaped for reading.

    ``shape=None`` picks: a matrix for ``rep_in >> rep_out`` style reps of two tensor factors,
    a ``sympy.Array`` with one axis per tensor index for a single monomial, else a column.
    SymPy objects render as LaTeX in Jupyter.
    """
    rep = _bind(rep, G, "rep")
    B = rep.equivariant_basis(exact=True)
    if shape is None:
        shape = _natural_shape(rep)
    out = []
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


def describe_invariants(rep, G=None) -> list[str]:
    """A readable description of each exact basis element of a tensor rep.

    For permutation groups acting on ``V^{⊗k}``, each orbit basis element is the indicator of
    a pattern of equal indices, named by its set partition, e.g. ``"i0=i2, i1"`` for the
    tensor that is 1 where index 0 equals index 2 and differs from index 1. For ``SO(n)`` and
    ``O(n)`` each element is written in products of Kronecker deltas ``δ(i0,i1)`` and (for
    ``SO(n)``) Levi-Civita symbols ``ε(i0,i1,i2)`` over the tensor's index positions (in the
    user's layout). Otherwise each element is a sum over its nonzero entries.
    """
    rep = _bind(rep, G, "rep")
    B = rep.equivariant_basis(exact=True)
    terms = rep.canonical.terms
    single = len(terms) == 1 and terms[0][1] == 1
    mono = terms[0][0] if single else None
    dims = tuple(a.size for a in mono) if mono else None
    permutation = mono is not None and is_permutation_type(mono)
    perm = rep.canonical.perm
    tensors = _delta_epsilon_span(mono, dims, rep) if mono and not permutation else None
    out = []
    for j in range(B.cols):
        nz = [i for i in range(B.rows) if B[i, j] != 0]
        if permutation:
            out.append(_partition_name(np.unravel_index(perm[nz[0]], dims)))
        elif tensors is not None and (text := _as_delta_epsilon(B[:, j], *tensors)):
            out.append(text)
        else:
            entries = [f"{B[i, j]}·e{_index(perm[i], dims)}" for i in nz[:8]]
            more = f" + … ({len(nz) - 8} more)" if len(nz) > 8 else ""
            out.append(" + ".join(entries) + more)
    return out


def _matchings(positions):
    if not positions:
        yield ()
        return
    first, rest = positions[0], positions[1:]
    for k, other in enumerate(rest):
        for m in _matchings(rest[:k] + rest[k + 1 :]):
            yield ((first, other),) + m


def _delta_epsilon_span(mono, dims, rep, limit=5000):
    """Candidate invariant tensors of SO(n)/O(n) on V^k: products of δ's and (SO) one ε."""
    from emlp_sym.groups import SO

    atoms = set(mono)
    if len(atoms) != 1 or not isinstance(mono[0], BaseAtom):
        return None
    G = mono[0].group
    if not isinstance(G, SO) or rep.size() > limit:
        return None
    n, k = G.d, len(mono)
    with_eps = type(G) is SO
    eye = np.eye(n, dtype=np.int64)
    eps = np.zeros((n,) * n, dtype=np.int64)
    for p in itertools.permutations(range(n)):
        eps[p] = round(np.linalg.det(eye[list(p)]))
    letters = "abcdefghijklmnopqrstuvwxyz"
    candidates, names = [], []

    def add(factors, label):  # factors: (tensor, positions)
        spec = ",".join("".join(letters[i] for i in pos) for _, pos in factors)
        T = np.einsum(f"{spec}->{letters[:k]}", *[f for f, _ in factors]) if factors else (
            np.ones(()))
        candidates.append(T.reshape(-1))
        names.append(label)

    positions = tuple(range(k))
    if k % 2 == 0:
        for m in _matchings(positions):
            add([(eye, p) for p in m], "·".join(f"δ(i{a},i{b})" for a, b in m))
    if with_eps and k >= n and (k - n) % 2 == 0:
        for subset in itertools.combinations(positions, n):
            rest = tuple(p for p in positions if p not in subset)
            for m in _matchings(rest):
                label = f"ε({','.join(f'i{p}' for p in subset)})"
                add([(eps, subset)] + [(eye, p) for p in m],
                    "·".join([label] + [f"δ(i{a},i{b})" for a, b in m]))
    if not candidates:
        return None
    # user layout of the rep = this tensor's layout, up to the canonical permutation
    C = sympy.Matrix(np.stack(candidates, axis=1)[np.asarray(rep.canonical.perm)].tolist())
    return C, names


def _as_delta_epsilon(b, C, names) -> str | None:
    """Write the exact vector ``b`` as a rational combination of the candidate tensors."""
    try:
        sol, params = C.gauss_jordan_solve(b)
    except ValueError:  # not in their span
        return None
    sol = sol.subs({p: 0 for p in params})
    terms = []
    for coef, name in zip(sol, names, strict=True):
        if coef != 0:
            terms.append(("+ " if coef > 0 else "− ") + (name if abs(coef) == 1 else
                                                           f"{abs(coef)}·{name}"))
    text = " ".join(terms)
    return text[2:] if text.startswith("+ ") else "−" + text[2:]


def _index(c, dims):
    if dims is None:
        return f"[{c}]"
    return "[" + ",".join(str(int(x)) for x in np.unravel_index(c, dims)) + "]"


def _partition_name(index) -> str:
    """Set partition of the tensor positions by equal index values."""
    groups: dict = {}
    for pos, value in enumerate(index):
        groups.setdefault(int(value), []).append(pos)
    blocks = sorted(groups.values())
    return ", ".join("=".join(f"i{p}" for p in b) for b in blocks)


def weight_sharing(rep_in, rep_out, G=None) -> np.ndarray:
    """Integer matrix (n_out × n_in): which free parameter each weight entry is (−1: zero).

    Exact when the group has an exact form and the basis has disjoint supports (permutation
    groups); otherwise entries with equal values of a generic equivariant map share a label.
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
    """Draw the weight-sharing pattern of ``rep_in >> rep_out``: one colour per parameter."""
    import matplotlib.pyplot as plt

    labels = weight_sharing(rep_in, rep_out, G).astype(float)
    labels[labels < 0] = np.nan
    ax = ax or plt.gca()
    ax.imshow(labels, cmap="tab20")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


__all__ = [
    "general_map", "general_vector", "basis_elements", "describe_invariants",
    "weight_sharing", "plot_weight_sharing", "save_basis_image",
]
