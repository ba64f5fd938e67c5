"""Exact rational null spaces of integer or rational constraint matrices.

The work is done by python-flint (``fmpz_mat.rref``: fraction-free, exact); SymPy's
``DomainMatrix`` over QQ is used only if flint cannot be imported. Constraint matrices from
tensor representations are tall, sparse and repetitive, so rows are first normalized
(divided by their content, sign fixed) and deduplicated. The matrix is then split into
independent blocks (columns linked through shared rows; generators often respect a grading,
e.g. SO(3)'s splits 4 ways), each eliminated on its own since elimination is cubic. A block
with more rows than columns is replaced by its Gram matrix ``AᵀA``: same null space over Q,
square, and the same reduced row echelon form because the row spaces agree.

The basis returned is the canonical one read off the reduced row echelon form: for each
free (non-pivot) column ``f`` in increasing order, the vector with 1 at ``f``, 0 at the
other free columns, and ``-R[i, f]`` at the pivot column of row ``i``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Integral, Rational

import numpy as np
import scipy.sparse as sp
import sympy
from scipy.sparse.csgraph import connected_components

from emlp_sym.errors import ArgumentTypeError, ExactFormUnavailable, ShapeError

try:  # flint is a declared dependency; the SymPy path keeps things working without it.
    import flint

    _HAVE_FLINT = True
except ImportError:  # pragma: no cover - exercised only where flint is missing
    flint = None
    _HAVE_FLINT = False

__all__ = ["check_exact_basis", "integer_rows", "pivot_columns", "rational_nullspace"]

# From 2**53 on, float64 no longer represents every integer: such floats are not trusted.
_FLOAT_EXACT_LIMIT = 2.0**53

#: Integer rows: ``(n_cols, [(cols, vals), ...])`` with sorted ``cols`` and Python-int ``vals``.
IntRows = tuple[int, list[tuple[tuple[int, ...], tuple[int, ...]]]]


# ---------------------------------------------------------------------------------------------
# Input conversion


def _to_fraction(x) -> Fraction:
    """One exact entry as a Fraction; floats only when they are integers."""
    if isinstance(x, bool):
        return Fraction(int(x))
    if isinstance(x, Integral):
        return Fraction(int(x))
    if isinstance(x, Fraction):
        return x
    if isinstance(x, sympy.Basic):
        if x.is_Rational:
            return Fraction(int(x.p), int(x.q))
        raise ExactFormUnavailable(f"entry {x} is not rational")
    if isinstance(x, Rational):  # flint.fmpq and other numbers.Rational types
        return Fraction(int(x.numerator), int(x.denominator))
    if _HAVE_FLINT and isinstance(x, flint.fmpq):
        return Fraction(int(x.p), int(x.q))
    if _HAVE_FLINT and isinstance(x, flint.fmpz):
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        if math.isfinite(x) and float(x).is_integer() and abs(x) < _FLOAT_EXACT_LIMIT:
            return Fraction(int(x))
        raise ExactFormUnavailable(f"float entry {x!r} is not an exact integer")
    raise ArgumentTypeError(f"cannot use {type(x).__name__} entry {x!r} in an exact solve")


def _normalize_row(cols: Sequence[int], vals: Sequence[int]):
    """Divide by the content and make the first entry positive: scalar multiples coincide."""
    g = 0
    for v in vals:
        g = math.gcd(g, v)
    if vals[0] < 0:
        g = -g
    return tuple(cols), tuple(v // g for v in vals)


def _sparse_rows(A: sp.spmatrix | sp.sparray) -> IntRows:
    A = sp.csr_matrix(A)
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    if np.issubdtype(A.dtype, np.integer) or A.dtype == np.bool_:
        data = A.data.astype(object) if A.dtype == np.uint64 else A.data.astype(np.int64)
    elif np.issubdtype(A.dtype, np.floating):
        bad = ~np.isfinite(A.data) | (A.data != np.round(A.data))
        bad |= np.abs(A.data) >= _FLOAT_EXACT_LIMIT
        if np.any(bad):
            raise ExactFormUnavailable(
                "an exact solve needs integer entries; this float matrix has non-integers"
            )
        data = A.data.astype(np.int64)
    else:
        raise ArgumentTypeError(f"sparse matrix of dtype {A.dtype} is not supported; use integers")
    indptr, indices = A.indptr, A.indices
    data_l, indices_l = data.tolist(), indices.tolist()
    rows = []
    for i in range(A.shape[0]):
        lo, hi = int(indptr[i]), int(indptr[i + 1])
        if lo < hi:
            rows.append((indices_l[lo:hi], data_l[lo:hi]))
    return A.shape[1], rows


def _dense_rows(A) -> IntRows:
    if isinstance(A, sympy.MatrixBase):
        m, n = A.shape
        entries = [[A[i, j] for j in range(n)] for i in range(m)]
    else:
        entries = [list(row) for row in A]
        if not entries:
            raise ShapeError("an empty list of rows has no column count; pass a sympy Matrix")
        n = len(entries[0])
        if any(len(row) != n for row in entries):
            raise ShapeError("rows of different lengths; give every row the same number of entries")
    rows = []
    for row in entries:
        fr = [_to_fraction(x) for x in row]
        den = 1
        for x in fr:
            den = math.lcm(den, x.denominator)
        cols = [j for j, x in enumerate(fr) if x != 0]
        if cols:
            rows.append((cols, [int(fr[j] * den) for j in cols]))
    return n, rows


def integer_rows(A) -> IntRows:
    """Integer rows with the same null space as ``A``: zero and repeated rows removed.

    Each row is scaled to coprime integers with a positive first entry, so rows that are
    scalar multiples of each other collapse to one.

    Args:
        A: a scipy.sparse matrix (integer dtype, or floats holding integers), a SymPy
            Matrix, or a sequence of rows of ints / Fractions / SymPy Rationals.

    Returns:
        ``(n, rows)``: the column count and a list of ``(cols, vals)`` tuples.

    Raises:
        ExactFormUnavailable: an entry is irrational or a non-integer float.

    >>> integer_rows([[2, 4], [1, 2], [0, 0]])  # (n_cols, [(cols, values), ...])
    (2, [((0, 1), (1, 2))])
    """
    if sp.issparse(A):
        n, rows = _sparse_rows(A)
    elif isinstance(A, np.ndarray) and A.dtype != object:
        n, rows = _sparse_rows(sp.csr_matrix(A))
    else:
        n, rows = _dense_rows(A)
    seen = {}
    for cols, vals in rows:
        key = _normalize_row(cols, vals)
        seen.setdefault(key, None)
    return n, list(seen)


# ---------------------------------------------------------------------------------------------
# Elimination


def _gram_rows(n: int, rows) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The rows of AᵀA for integer rows A (exact; int64 when safe, Python ints otherwise)."""
    bound = max((abs(v) for _, vals in rows for v in vals), default=0)
    max_col = np.bincount(
        np.fromiter((c for cols, _ in rows for c in cols), dtype=np.int64), minlength=n
    ).max(initial=0)
    if bound * bound * max(int(max_col), 1) < 2**62:
        ptr = np.cumsum([0] + [len(c) for c, _ in rows])
        idx = np.fromiter((c for cols, _ in rows for c in cols), dtype=np.int64)
        dat = np.fromiter((v for _, vals in rows for v in vals), dtype=np.int64)
        A = sp.csr_matrix((dat, idx, ptr), shape=(len(rows), n))
        G = (A.T @ A).tocsr()
        G.eliminate_zeros()
        G.sort_indices()
        _, out = _sparse_rows(G)
        return [(tuple(c), tuple(v)) for c, v in out]
    # Huge entries: let flint multiply (exact, no overflow).
    M = _fmpz_from_rows(len(rows), n, rows)
    G = M.transpose() * M
    out = []
    for i in range(n):
        cols = [j for j in range(n) if G[i, j] != 0]
        if cols:
            out.append((tuple(cols), tuple(int(G[i, j]) for j in cols)))
    return out


def _fmpz_from_rows(m: int, n: int, rows):
    M = flint.fmpz_mat(m, n)
    for i, (cols, vals) in enumerate(rows):
        for j, v in zip(cols, vals, strict=True):
            M[i, j] = v
    return M


def _rref_flint(m: int, n: int, rows):
    """(pivots, entry) where entry(i, f) is R[i, f] as a Fraction, R the exact RREF."""
    R, den, rank = _fmpz_from_rows(m, n, rows).rref()
    den = int(den)
    pivots = []
    j = 0
    for i in range(rank):
        while R[i, j] == 0:  # pivot columns increase strictly: O(n) probes in total
            j += 1
        pivots.append(j)
        j += 1

    def entry(i: int, f: int) -> Fraction:
        v = R[i, f]
        return Fraction(0) if v == 0 else Fraction(int(v), den)

    return pivots, entry


def _rref_sympy(m: int, n: int, rows):
    """Same as :func:`_rref_flint`, with SymPy's DomainMatrix over QQ."""
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix

    dense = [[QQ(0)] * n for _ in range(m)]
    for i, (cols, vals) in enumerate(rows):
        for j, v in zip(cols, vals, strict=True):
            dense[i][j] = QQ(v)
    R, pivots = DomainMatrix(dense, (m, n), QQ).rref()
    R = R.to_list()

    def entry(i: int, f: int) -> Fraction:
        v = R[i][f]
        return Fraction(int(QQ.numer(v)), int(QQ.denom(v)))

    return list(pivots), entry


def _sym_rational(x: Fraction):
    if x.denominator == 1:
        return sympy.Integer(x.numerator)
    return sympy.Rational(x.numerator, x.denominator)


def _column_blocks(n: int, rows):
    """Split A into independent blocks: columns linked through a shared row stay together.

    Constraint matrices often hide a block structure (a grading the generators respect),
    and elimination is cubic, so solving blocks separately is much faster. Returns a list
    of ``(cols, local_rows)``: the block's sorted global columns and its rows re-indexed.
    """
    if not rows:
        return [(list(range(n)), [])]
    ptr = np.cumsum([0] + [len(c) for c, _ in rows])
    idx = np.fromiter((c for cols, _ in rows for c in cols), dtype=np.int64, count=int(ptr[-1]))
    incidence = sp.csr_matrix((np.ones(idx.size, np.int8), idx, ptr), shape=(len(rows), n))
    # Rows and columns as one bipartite graph: nodes 0..m-1 rows, m..m+n-1 columns.
    m = len(rows)
    graph = sp.bmat([[None, incidence], [incidence.T, None]], format="csr")
    _, label = connected_components(graph, directed=False)
    row_label, col_label = label[:m], label[m:]
    blocks: dict[int, tuple[list[int], list]] = {}
    for j, lab in enumerate(col_label.tolist()):
        blocks.setdefault(lab, ([], []))[0].append(j)
    for (cols, vals), lab in zip(rows, row_label.tolist(), strict=True):
        blocks[lab][1].append((cols, vals))
    out = []
    for cols, brows in blocks.values():  # dict order: by smallest column (j increases)
        local = {c: k for k, c in enumerate(cols)}
        out.append((cols, [(tuple(local[c] for c in rc), rv) for rc, rv in brows]))
    return out


def _block_nullspace(n: int, rows, use_flint: bool):
    """(free columns, {free column: {pivot column: value}}) of one block, local indices."""
    if len(rows) > n:  # tall: the Gram matrix has the same null space and is smaller
        rows = _gram_rows(n, rows)
    if not rows:
        return list(range(n)), {}
    rref = _rref_flint if use_flint else _rref_sympy
    pivots, entry = rref(len(rows), n, rows)
    pivot_set = set(pivots)
    free = [j for j in range(n) if j not in pivot_set]
    vectors = {}
    for f in free:
        vec = {}
        for i, p in enumerate(pivots):
            v = entry(i, f)
            if v:
                vec[p] = -v
        vectors[f] = vec
    return free, vectors


def rational_nullspace(A, *, use_flint: bool | None = None) -> sympy.Matrix:
    """An exact basis (n × r, rational) of ``{v : A v = 0}``.

    Args:
        A: a scipy.sparse matrix with integer entries (floats holding integers are accepted),
            a SymPy Matrix, or a sequence of rows of ints / Fractions / SymPy Rationals.
        use_flint: force (True) or avoid (False) python-flint; default: use it if importable.

    Returns:
        A SymPy Matrix whose columns are the canonical reduced basis: column ``k`` has a 1
        at the ``k``-th free column of the reduced row echelon form of A, 0 at the other
        free columns. An empty null space gives an n × 0 Matrix.

    Raises:
        ExactFormUnavailable: an entry is not rational (or a float is not an integer).

    >>> rational_nullspace([[1, 1, 1]]).T
    Matrix([
    [-1, 1, 0],
    [-1, 0, 1]])
    """
    n, rows = integer_rows(A)
    if use_flint is None:
        use_flint = _HAVE_FLINT
    elif use_flint and not _HAVE_FLINT:
        raise ImportError("python-flint is not installed")
    # The RREF of a block-diagonal matrix (up to column order) is made of the blocks' RREFs,
    # so solving per block gives exactly the canonical basis of the whole.
    basis = []  # (global free column, {global column: value})
    for cols, brows in _column_blocks(n, rows):
        free, vectors = _block_nullspace(len(cols), brows, use_flint)
        for f in free:
            vec = {cols[p]: v for p, v in vectors.get(f, {}).items()}
            basis.append((cols[f], vec))
    basis.sort(key=lambda item: item[0])
    r = len(basis)
    flat = [sympy.S.Zero] * (n * r)
    for k, (f, vec) in enumerate(basis):
        flat[f * r + k] = sympy.S.One
        for p, v in vec.items():
            flat[p * r + k] = _sym_rational(v)
    return sympy.Matrix(n, r, flat)


def pivot_columns(A, *, use_flint: bool | None = None) -> list[int]:
    """The pivot columns of the exact reduced row echelon form of ``A``, increasing.

    They index the first maximal set of linearly independent columns of ``A`` (over Q).
    ``A`` is taken in any form :func:`rational_nullspace` takes; independent blocks are
    reduced separately, as there.

    >>> pivot_columns([[1, 2, 0], [2, 4, 1]])
    [0, 2]
    """
    if use_flint is None:
        use_flint = _HAVE_FLINT
    elif use_flint and not _HAVE_FLINT:
        raise ImportError("python-flint is not installed")
    if use_flint and isinstance(A, np.ndarray) and np.issubdtype(A.dtype, np.integer):
        # A dense integer matrix (a Gram matrix, say): straight to flint, no row bookkeeping.
        m, n = A.shape
        if m == 0 or n == 0:
            return []
        R, _, rank = flint.fmpz_mat(m, n, A.ravel().tolist()).rref()
        pivots, j = [], 0
        for i in range(rank):
            while R[i, j] == 0:
                j += 1
            pivots.append(j)
            j += 1
        return pivots
    n, rows = integer_rows(A)
    rref = _rref_flint if use_flint else _rref_sympy
    pivots = []
    for cols, brows in _column_blocks(n, rows):
        if brows:
            local, _ = rref(len(brows), len(cols), brows)
            pivots.extend(cols[p] for p in local)
    return sorted(pivots)


def _basis_columns_as_integers(B) -> tuple[int, int, list[list[int]]]:
    """B's columns, each scaled by the lcm of its denominators: an integer n × r table."""
    if isinstance(B, sympy.MatrixBase):
        n, r = B.shape
        cols = [[_to_fraction(B[i, k]) for i in range(n)] for k in range(r)]
    else:
        B = np.asarray(B, dtype=object)
        if B.ndim != 2:
            raise ShapeError(f"B must be a 2-D matrix (n × r), got {B.ndim} dimensions")
        n, r = B.shape
        cols = [[_to_fraction(B[i, k]) for i in range(n)] for k in range(r)]
    table = [[0] * r for _ in range(n)]
    for k, col in enumerate(cols):
        den = 1
        for x in col:
            den = math.lcm(den, x.denominator)
        for i, x in enumerate(col):
            table[i][k] = int(x * den)
    return n, r, table


def check_exact_basis(A, B) -> bool:
    """Whether ``A @ B`` is exactly zero (A in any form :func:`rational_nullspace` takes).

    Only annihilation is checked, not that B spans the whole null space; compare
    ``B.shape[1]`` with the expected dimension for that.

    >>> import sympy
    >>> check_exact_basis([[1, 1]], sympy.Matrix([1, -1]))
    True
    """
    n, rows = integer_rows(A)
    nb, r, table = _basis_columns_as_integers(B)
    if nb != n:
        raise ShapeError(f"A has {n} columns but B has {nb} rows")
    if r == 0 or not rows:
        return True
    a_max = max(abs(v) for _, vals in rows for v in vals)
    b_max = max(abs(v) for row in table for v in row)
    row_len = max(len(c) for c, _ in rows)
    if a_max * b_max * row_len < 2**62:  # no int64 overflow possible: sparse product
        ptr = np.cumsum([0] + [len(c) for c, _ in rows])
        idx = np.fromiter((c for cols, _ in rows for c in cols), dtype=np.int64)
        dat = np.fromiter((v for _, vals in rows for v in vals), dtype=np.int64)
        M = sp.csr_matrix((dat, idx, ptr), shape=(len(rows), n))
        return not np.any(M @ np.array(table, dtype=np.int64))
    if _HAVE_FLINT:
        M = _fmpz_from_rows(len(rows), n, rows)
        Bz = flint.fmpz_mat(n, r, [v for row in table for v in row])
        return (M * Bz).is_zero()
    for cols, vals in rows:  # pragma: no cover - only without flint
        for k in range(r):
            if sum(v * table[j][k] for j, v in zip(cols, vals, strict=True)) != 0:
                return False
    return True
