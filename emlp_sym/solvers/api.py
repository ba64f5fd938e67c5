"""Equivariant bases and projectors of whole representations, assembled block by block.

A bound rep's canonical form is ``Σ_t m_t · t``; its fixed space is the direct sum, over
terms and copies, of the fixed space of each monomial ``t``. So each *distinct* monomial is
solved once, by the route that :mod:`emlp_sym.solvers.routes` chooses, and the result is
placed, through the canonical permutation, into the user's layout. ``rep_in >> rep_out``
distributes into monomials like any product, so the equivariant maps between sums of tensors
come out of the same machinery without a dense basis of the whole weight space.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import sympy
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.sdm import SDM

from emlp_sym.errors import SolverError
from emlp_sym.progress import progress_bar
from emlp_sym.reps.atoms import monomial_size, monomial_str
from emlp_sym.reps.checks import require_bound
from emlp_sym.solvers.memory import check_allocation, check_layout
from emlp_sym.solvers.routes import monomial_basis

DENSE_BASIS_LIMIT = 2**26  # entries; larger bases come back structured (512 MB of float64)
PROGRESS_DELAY = 1.0  # seconds before a progress bar appears


def _bound(rep):
    """The rep, checked bound (:func:`~emlp_sym.reps.require_bound`), with its canonical form."""
    require_bound(rep)
    check_layout(rep)  # before the n-sized permutation exists
    _ = rep.canonical  # computed once and cached on the rep
    return rep


class BasisBlock(NamedTuple):
    """The fixed-space basis of one canonical term ``m_t · t``: rows ``start + k·size + i``
    and columns ``column + k·r_t + j`` of copy ``k`` hold ``basis[i, j]`` (canonical layout).

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> blocks = equivariant_blocks((V + V**2)(S(3))).blocks
    >>> [(b.start, b.copies, b.size, b.basis.shape) for b in blocks]
    [(0, 1, 3, (3, 1)), (3, 1, 9, (9, 2))]
    """

    start: int  # the term's first canonical coordinate
    copies: int  # m_t, its multiplicity
    size: int  # n_t, the size of the monomial t
    basis: np.ndarray  # Q_t, n_t × r_t with orthonormal columns
    column: int  # the first basis column of its copies


class EquivariantBlocks(NamedTuple):
    """A rep's fixed-space basis, block-diagonal in the canonical layout.

    In canonical coordinates the basis is ``diag(I_{m_t} ⊗ Q_t)`` over the terms; ``perm[u]``
    is the canonical coordinate of user coordinate ``u``, so the user's basis is its rows
    ``Q[perm]``. :class:`StructuredBasis` and :class:`EquivariantProjector` apply it.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> blocks = equivariant_blocks((V + V**2)(S(3)))
    >>> blocks.size, blocks.rank, len(blocks.blocks)
    (12, 3, 2)
    """

    blocks: tuple[BasisBlock, ...]
    perm: np.ndarray  # user coordinate -> canonical coordinate
    size: int  # the rep's size n
    rank: int  # r, the dimension of the fixed space
    dtype: np.dtype  # float64, or complex128 for complex groups


def _place_blocks(rep, bases) -> EquivariantBlocks:
    blocks, col = [], 0
    for t, m in rep.canonical.terms:
        Q = bases[t]
        blocks.append(BasisBlock(rep.canonical.starts[t], m, monomial_size(t), Q, col))
        col += m * Q.shape[1]
    dtype = np.result_type(np.float64, *[b.basis.dtype for b in blocks])
    return EquivariantBlocks(tuple(blocks), np.asarray(rep.canonical.perm), rep.size(), col,
                             dtype)


def _numeric_bases(rep):
    # The bar only appears if solving takes longer than PROGRESS_DELAY seconds.
    bar = progress_bar(rep.canonical.terms, desc=f"solving {rep}", delay=PROGRESS_DELAY,
                       leave=False)
    return {t: monomial_basis(t, rep.G) for t, _ in bar}


def equivariant_blocks(rep) -> EquivariantBlocks:
    """The fixed-space basis of a bound rep as per-term blocks (see :class:`EquivariantBlocks`);
    each distinct monomial is solved once and cached.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> equivariant_blocks((V**2)(SO(3))).rank
    1
    """
    return _place_blocks(_bound(rep), _numeric_bases(rep))


def equivariant_dim(rep) -> int:
    """``r``: the dimension of the fixed space (each distinct monomial solved once, cached).

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> equivariant_dim((V**2)(S(3))), equivariant_dim((V**3)(SO(3)))
    (2, 1)
    """
    return equivariant_blocks(rep).rank


def equivariant_basis(rep, exact: bool = False):
    """Orthonormal basis Q (size × r) of the fixed space, in the user's coordinates.

    With ``exact=True``: a ``sympy.Matrix`` of rationals spanning the same space, stored
    sparse (a sparse ``DomainMatrix`` inside): diagram bases for the classical groups at any
    size with at most 3000 candidate diagrams (:mod:`~emlp_sym.solvers.diagrams`), written-down
    bases for C(k), D(k) (:mod:`~emlp_sym.solvers.number_fields`), and otherwise finite groups
    with rational generators and rational Lie algebras at moderate sizes; else
    :class:`~emlp_sym.errors.ExactFormUnavailable`.
    Bases larger than ``DENSE_BASIS_LIMIT`` entries come back as a :class:`StructuredBasis`.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> equivariant_basis((V**2)(S(3))).shape
    (9, 2)
    >>> equivariant_basis(V(S(3)), exact=True)
    Matrix([
    [1],
    [1],
    [1]])
    """
    if exact:
        return _exact_basis(_bound(rep))
    B = equivariant_blocks(rep)
    Q = StructuredBasis(B)
    if B.size * B.rank <= DENSE_BASIS_LIMIT:
        check_allocation(B.size * B.rank * np.dtype(B.dtype).itemsize,
                         f"the dense {B.size} × {B.rank} basis", rep)
        return Q.to_dense()
    return Q


def equivariant_projector(rep) -> EquivariantProjector:
    """The projector ``P = Q Qᴴ`` onto the fixed space, without forming Q or P densely.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> P = equivariant_projector(V(S(3)))
    >>> (P @ np.array([3.0, 0.0, 0.0])).round(6)
    array([1., 1., 1.])
    """
    return EquivariantProjector(equivariant_blocks(rep))


# ---------------------------------------------------------------------------------------------
class StructuredBasis:
    """A block-structured orthonormal basis: ``Q @ c``, ``Q.T @ v``, ``to_dense()``.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> Q = StructuredBasis(equivariant_blocks((V**2)(S(3))))
    >>> Q.to_dense().shape
    (9, 2)
    """

    def __init__(self, blocks: EquivariantBlocks):
        self._b = blocks
        self.shape = (blocks.size, blocks.rank)
        self.dtype = blocks.dtype

    def to_dense(self) -> np.ndarray:
        b = self._b
        Qc = np.zeros(self.shape, dtype=self.dtype)
        for start, m, n_t, Q, col in b.blocks:
            r_t = Q.shape[1]
            for k in range(m):
                Qc[start + k * n_t : start + (k + 1) * n_t, col + k * r_t : col + (k + 1) * r_t] = Q
        return Qc[b.perm]

    def __matmul__(self, C):
        """``Q @ C`` for C of shape (r,) or (r, k)."""
        b, C = self._b, np.asarray(C)
        vec = C.ndim == 1
        C = C.reshape(self.shape[1], -1)
        out = np.zeros((self.shape[0], C.shape[1]), dtype=np.result_type(self.dtype, C.dtype))
        k = C.shape[1]
        for start, m, n_t, Q, col in b.blocks:
            r_t = Q.shape[1]
            if r_t == 0:  # this type has no fixed vectors: its rows stay zero
                continue
            Ck = C[col : col + m * r_t].reshape(m, r_t, k)
            out[start : start + m * n_t] = np.einsum("nr,mrk->mnk", Q, Ck).reshape(m * n_t, k)
        out = out[b.perm]
        return out[:, 0] if vec else out

    @property
    def T(self):
        return _Adjoint(self)

    def __array__(self, dtype=None, copy=None):
        D = self.to_dense()
        return D if dtype is None else D.astype(dtype)


class _Adjoint:
    def __init__(self, Q: StructuredBasis):
        self.Q = Q
        self.shape = Q.shape[::-1]

    def __matmul__(self, V):
        b, V = self.Q._b, np.asarray(V)
        vec = V.ndim == 1
        Vc = np.empty_like(V.reshape(self.shape[1], -1))
        Vc[b.perm] = V.reshape(self.shape[1], -1)
        out = np.zeros((self.shape[0], Vc.shape[1]), dtype=np.result_type(self.Q.dtype, V.dtype))
        k = Vc.shape[1]
        for start, m, n_t, Q, col in b.blocks:
            r_t = Q.shape[1]
            if r_t == 0:
                continue
            blk = Vc[start : start + m * n_t].reshape(m, n_t, k)
            out[col : col + m * r_t] = np.einsum("nr,mnk->mrk", Q.conj(), blk).reshape(m * r_t, k)
        return out[:, 0] if vec else out


class EquivariantProjector:
    """``P = Q Qᴴ`` as a structured operator: ``P @ v`` for NumPy or JAX arrays.

    ``v`` may be ``(n,)`` or ``(n, k)``; it works inside ``jax.jit`` (the permutation and the
    per-type bases are constants) and costs ``O(n · r_t)`` per block instead of ``O(n²)``.

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> P = EquivariantProjector(equivariant_blocks(V(S(3))))
    >>> (P @ np.ones((3, 2))).round(6).tolist()
    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(self, blocks: EquivariantBlocks):
        self._b = blocks
        self.shape = (blocks.size, blocks.size)
        self.rank = blocks.rank
        self.perm = blocks.perm
        self.inverse_perm = np.argsort(blocks.perm)
        # Q Qᴴ per distinct monomial: the whole work of a block is one matmul with it.
        check_allocation(sum(b.size**2 for b in blocks.blocks) * np.dtype(blocks.dtype).itemsize,
                         "the per-type projectors Q Qᴴ", None,
                         "use the structured basis (equivariant_basis()) or a smaller rep",
                         size=blocks.size)
        self._proj = [(s, m, n_t, Q @ Q.conj().T) for s, m, n_t, Q, _ in blocks.blocks]

    def __matmul__(self, v):
        xp = _array_module(v)
        vec = v.ndim == 1
        V = v.reshape(self.shape[1], -1)
        Vc = xp.take(V, xp.asarray(self.inverse_perm), axis=0)
        pieces = []
        for start, m, n_t, P in self._proj:
            blk = Vc[start : start + m * n_t].reshape(m, n_t, -1)
            pieces.append(xp.einsum("ab,mbk->mak", xp.asarray(P), blk).reshape(m * n_t, -1))
        out = xp.concatenate(pieces, axis=0) if pieces else V
        out = xp.take(out, xp.asarray(self.perm), axis=0)
        return out[:, 0] if vec else out

    def to_dense(self) -> np.ndarray:
        if self.shape[0] > 20000:
            raise SolverError(f"a dense {self.shape} projector is too large; use P @ v instead")
        check_allocation(2 * self.shape[0] ** 2 * np.dtype(self._b.dtype).itemsize,
                         f"the dense {self.shape[0]} × {self.shape[0]} projector", None,
                         "use P @ v instead", size=self.shape[0])
        return np.asarray(self @ np.eye(self.shape[0]))

    def __repr__(self):
        return f"EquivariantProjector(size={self.shape[0]}, rank={self.rank})"


def _array_module(v):
    if isinstance(v, np.ndarray):
        return np
    import jax.numpy as jnp

    return jnp


# ---------------------------------------------------------------------------------------------
def _exact_basis(rep) -> sympy.Matrix:
    """Place each monomial's exact basis into the user's rows (one sparse dict, then SymPy)."""
    C = rep.canonical
    inv = np.argsort(C.perm)  # canonical coordinate -> user coordinate
    rows: dict = {}
    col = 0
    for t, m in C.terms:
        B = monomial_basis(t, rep.G, exact=True)
        entries = B.rep.to_sdm() if hasattr(B.rep, "to_sdm") else B.rep
        n_t, r_t = B.shape
        for k in range(m):
            base = C.starts[t] + k * n_t
            for i, row in entries.items():
                rows.setdefault(int(inv[base + i]), {}).update(
                    {col + k * r_t + j: v for j, v in row.items()})
        col += m * r_t
    return DomainMatrix.from_rep(SDM(rows, (rep.size(), col), QQ)).to_Matrix()


def describe(rep) -> str:
    """One line per distinct monomial: its size, multiplicity and r (for logs and the CLI).

    >>> from emlp_sym.groups import S, SO
    >>> from emlp_sym.reps import V
    >>> print(describe((V + V**2)(S(3))))
    1×V: size 3, r=1
    1×V²: size 9, r=2
    """
    lines = []
    for t, m in rep.canonical.terms:
        Q = monomial_basis(t, rep.G)
        lines.append(f"{m}×{monomial_str(t)}: size {monomial_size(t)}, r={Q.shape[1]}")
    return "\n".join(lines)
