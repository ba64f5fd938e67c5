"""Exact rational null spaces (emlp_sym.solvers.exact)."""

import itertools
import time
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.errors import ExactFormUnavailable, SolverError
from emlp_sym.solvers.exact import (
    check_exact_basis,
    integer_rows,
    pivot_columns,
    rational_nullspace,
)

L_X = np.array([[0, 0, 0], [0, 0, -1], [0, 1, 0]])
L_Y = np.array([[0, 0, 1], [0, 0, 0], [-1, 0, 0]])
L_Z = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 0]])
SO3_DIMS = [1, 0, 1, 1, 3, 6, 15]


def kron_sum(A, k):
    """Σ_i I ⊗ .. ⊗ A ⊗ .. ⊗ I (k factors) as an integer CSR matrix."""
    d = A.shape[0]
    out = sp.csr_matrix((d**k, d**k), dtype=np.int64)
    for i in range(k):
        left = sp.identity(d**i, dtype=np.int64, format="csr")
        right = sp.identity(d ** (k - i - 1), dtype=np.int64, format="csr")
        out = out + sp.kron(sp.kron(left, sp.csr_matrix(A)), right, format="csr")
    return out


def so3_constraint(k):
    return sp.vstack([kron_sum(L, k) for L in (L_X, L_Y, L_Z)]).tocsr()


def assert_reduced_form(B):
    """Each column has 1 at its own free row and 0 at the other columns' free rows."""
    n, r = B.shape
    free = []
    for j in range(r):
        col = [B[i, j] for i in range(n)]
        ones = [
            i for i in range(n) if col[i] == 1 and all(B[i, c] == 0 for c in range(r) if c != j)
        ]
        assert ones, f"column {j} has no private unit entry"
        free.append(max(ones))
    assert free == sorted(free)


@pytest.mark.parametrize("k", range(0, 7))
def test_so3_tensor_powers(k):
    A = so3_constraint(k) if k else sp.csr_matrix((3, 1), dtype=np.int64)
    B = rational_nullspace(A)
    assert B.shape == (3**k, SO3_DIMS[k])
    assert check_exact_basis(A, B)
    assert all(x.is_Rational for x in B)


def test_so3_v2_is_identity():
    B = rational_nullspace(so3_constraint(2))
    assert B.shape == (9, 1)
    v = B[:, 0] / B[0, 0]
    assert list(v) == list(sympy.eye(3).reshape(9, 1))


def test_so3_v3_is_levi_civita():
    B = rational_nullspace(so3_constraint(3))
    assert B.shape == (27, 1)
    eps = sympy.zeros(27, 1)
    for i, j, k in itertools.permutations(range(3)):
        eps[9 * i + 3 * j + k] = sympy.LeviCivita(i, j, k)
    scale = B[5, 0] / eps[5]  # (0, 1, 2)
    assert scale != 0
    assert B == scale * eps


def test_reduced_canonical_form_and_determinism():
    A = so3_constraint(4)
    B = rational_nullspace(A)
    assert_reduced_form(B)
    assert rational_nullspace(A) == B
    # The same null space, given as a dense SymPy matrix with rows shuffled and scaled,
    # gives the same canonical basis.
    dense = sympy.Matrix(A.toarray())
    perm = np.random.default_rng(0).permutation(dense.shape[0])
    shuffled = sympy.Matrix([[x * (1 + (i % 3)) for x in dense.row(int(i))] for i in perm])
    assert rational_nullspace(shuffled) == B


def test_input_forms():
    rows = [[1, Fraction(1, 2), 0], [2, 1, 0]]
    expected = sympy.Matrix([[Fraction(-1, 2), 0], [1, 0], [0, 1]])
    assert rational_nullspace(rows) == expected
    assert rational_nullspace(sympy.Matrix([[1, sympy.Rational(1, 2), 0]])) == expected
    assert rational_nullspace(sp.csr_matrix(np.array([[2.0, 1.0, 0.0]]))) == expected
    assert rational_nullspace(np.array([[2, 1, 0]])) == expected
    assert rational_nullspace(sympy.zeros(0, 3)) == sympy.eye(3)
    assert rational_nullspace(sympy.eye(3)).shape == (3, 0)
    assert rational_nullspace([[0, 0]]) == sympy.eye(2)


def test_non_rational_input_is_rejected():
    with pytest.raises(ExactFormUnavailable):
        rational_nullspace(sp.csr_matrix(np.array([[0.5, 1.0]])))
    with pytest.raises(ExactFormUnavailable):
        rational_nullspace(sympy.Matrix([[sympy.sqrt(2), 1]]))
    assert issubclass(ExactFormUnavailable, SolverError)
    with pytest.raises(ValueError):
        rational_nullspace([])


def test_integer_rows_dedup():
    n, rows = integer_rows([[2, -4, 0], [-1, 2, 0], [0, 0, 0], [3, 0, 3], [1, 0, 1]])
    assert n == 3
    assert sorted(rows) == [((0, 1), (1, -2)), ((0, 2), (1, 1))]


def test_check_exact_basis_detects_errors():
    A = so3_constraint(2)
    B = rational_nullspace(A)
    assert check_exact_basis(A, B)
    bad = B.copy()
    bad[0, 0] += sympy.Rational(1, 10**30)
    assert not check_exact_basis(A, bad)
    with pytest.raises(ValueError):
        check_exact_basis(A, sympy.zeros(8, 1))


def test_sympy_fallback_agrees_with_flint():
    for k in (2, 3, 4):
        A = so3_constraint(k)
        assert rational_nullspace(A, use_flint=False) == rational_nullspace(A, use_flint=True)


def test_big_entries():
    big = 10**40
    rows = [[big, big + 1, 0, 1], [3, 0, big, 0], [1, 1, 1, 1], [2, 2, 2, 2], [big, 1, 1, 0]]
    B = rational_nullspace(rows)
    assert B.shape == (4, 4 - sympy.Matrix(rows).rank())
    assert check_exact_basis(rows, B)


def test_so3_v6_is_fast():
    A = so3_constraint(6)
    rational_nullspace(so3_constraint(4))  # warm-up
    start = time.perf_counter()
    B = rational_nullspace(A)
    elapsed = time.perf_counter() - start
    assert B.shape == (729, 15)
    assert elapsed < 3.0  # ~0.1 s on a laptop core; generous for loaded CI machines
    assert check_exact_basis(A, B)


# ---------------------------------------------------------------------------------------------
@st.composite
def integer_matrices(draw):
    m = draw(st.integers(1, 9))
    n = draw(st.integers(1, 9))
    inner = draw(st.integers(1, max(1, min(m, n))))  # low rank on purpose
    entries = st.integers(-4, 4)
    L = np.array(draw(st.lists(entries, min_size=m * inner, max_size=m * inner))).reshape(m, inner)
    R = np.array(draw(st.lists(entries, min_size=inner * n, max_size=inner * n))).reshape(inner, n)
    return L @ R


@settings(deadline=None)
@given(integer_matrices(), st.booleans())
def test_rational_nullspace_property(A, as_sparse):
    M = sympy.Matrix(A.tolist())
    B = rational_nullspace(sp.csr_matrix(A) if as_sparse else M)
    assert B.shape == (A.shape[1], A.shape[1] - M.rank())
    assert M * B == sympy.zeros(A.shape[0], B.shape[1])
    assert check_exact_basis(A.tolist(), B)
    if B.shape[1]:
        assert B.rank() == B.shape[1]
        assert_reduced_form(B)
        # SymPy's own nullspace spans the same space.
        ref = sympy.Matrix.hstack(*M.nullspace())
        assert sympy.Matrix.hstack(B, ref).rank() == B.shape[1]


@settings(deadline=None)
@given(integer_matrices(), st.sampled_from(["dense", "sparse", "flint-free"]))
def test_pivot_columns_are_sympys_rref_pivots(A, form):
    M = sympy.Matrix(A.tolist())
    if form == "dense":
        pivots = pivot_columns(A.astype(np.int64))
    elif form == "sparse":
        pivots = pivot_columns(sp.csr_matrix(A))
    else:
        pivots = pivot_columns(A.tolist(), use_flint=False)
    assert pivots == list(M.rref()[1])
    assert M[:, pivots].rank() == len(pivots) == M.rank()
