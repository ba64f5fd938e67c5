"""Diagram bases of the classical groups (emlp_sym.solvers.diagrams)."""

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym.groups import GL, O11, O13, SL, SO, SO13, SU, Lorentz, O, S, SO11p, SO13p, Sp, U
from emlp_sym.reps import V
from emlp_sym.solvers import checks, diagrams, routes
from emlp_sym.solvers.constraints import axis_matrices, generators, sparse_constraint

SO3_RANKS = [1, 0, 1, 1, 3, 6, 15, 36, 91, 232, 603]  # OEIS A005043 (Riordan numbers)


def mono_of(rep):
    ((t, m),) = rep.canonical.terms
    assert m == 1
    return t


def mixed(G, a, b):
    """``V^⊗a ⊗ V*^⊗b`` of G, bound."""
    rep = V(G) ** a if a else None
    dual = V(G).T ** b if b else None
    if rep is None:
        return dual
    return rep if dual is None else rep * dual


def as_scipy(dm):
    """A sparse DomainMatrix over QQ with integer entries as an int64 CSR matrix."""
    rows, cols, vals = [], [], []
    for i, row in dm.rep.to_sdm().items():
        for j, v in row.items():
            assert v.denominator == 1
            rows.append(i)
            cols.append(j)
            vals.append(int(v.numerator))
    return sp.csr_matrix((vals, (rows, cols)), shape=dm.shape, dtype=np.int64)


def as_int(M):
    out = np.array(M.tolist(), dtype=object)
    assert all(x.is_integer for x in out.ravel())
    return out.astype(np.int64)


def exact_residuals_vanish(mono, G, B) -> bool:
    """Every exact generator annihilates (Lie) or fixes (discrete) each column, in integers
    (Gaussian integers for U(n), SU(n): real and imaginary parts separately)."""
    for gen in generators(G, exact=not G.is_complex):
        mats = axis_matrices(mono, G, gen, exact=not G.is_complex)
        if mats is None:
            continue
        kind = "sum" if gen.lie else "product"
        if G.is_complex:
            parts = [np.asarray(M) for M in mats]
            assert all(np.array_equal(M, np.round(M)) for M in parts)  # Gaussian integers
            A = sparse_constraint([M.astype(np.complex128) for M in parts], kind)
            R = A @ B.astype(np.complex128)
            if np.any(R.data != 0):  # small Gaussian integers: exact in complex128
                return False
            continue
        A = sparse_constraint([as_int(M) for M in mats], kind)
        if (A @ B).count_nonzero():
            return False
    return True


# --- counts from the Weyl integration formula (independent of the solvers) ------------------
def weyl_count(kind: str, m: int, order: int, grid: int = 40) -> int:
    """dim of the invariants in V^⊗order of the compact group SO(2m) ("D"), SO(2m+1) ("B")
    or Sp(m) ("C"): the torus average of χ_V^order weighted by the Weyl density."""
    theta = np.meshgrid(*[2 * np.pi * np.arange(grid) / grid] * m, indexing="ij")
    c = [np.cos(t) for t in theta]
    density = np.ones_like(c[0])
    for i, j in itertools.combinations(range(m), 2):
        density = density * (c[i] - c[j]) ** 2
    for i in range(m):
        if kind == "B":
            density = density * np.sin(theta[i] / 2) ** 2
        elif kind == "C":
            density = density * np.sin(theta[i]) ** 2
    chi = sum(2 * ci for ci in c) + (1 if kind == "B" else 0)
    return round(float((density * chi**order).mean() / density.mean()))


# --- ranks ------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", range(1, 11))
def test_so3_ranks_are_the_riordan_numbers(k):
    basis = diagrams.diagram_basis(mono_of((V**k)(SO(3))))
    assert basis.matrix.shape == (3**k, SO3_RANKS[k])


def test_so3_scalar_rank():
    assert (V**0)(SO(3)).equivariant_basis(exact=True).shape[1] == SO3_RANKS[0]


@pytest.mark.parametrize("k", range(1, 7))
def test_orthogonal_group_ranks_are_double_factorials(k):
    basis = diagrams.diagram_basis(mono_of((V**k)(O(k))))
    expected = math.prod(range(k - 1, 0, -2)) if k % 2 == 0 else 0
    assert basis.matrix.shape[1] == expected


@pytest.mark.parametrize("G, kind, m, orders", [
    (Sp(1), "C", 1, range(1, 7)), (Sp(2), "C", 2, range(1, 7)),
    (SO13p(), "D", 2, range(1, 7)), (SO13(), "D", 2, range(1, 7)),
    (SO(4), "D", 2, range(1, 6)), (SO(5), "B", 2, range(1, 5)),
])
def test_sp_and_lorentz_ranks_match_the_characters(G, kind, m, orders):
    for order in orders:
        for b in {0, order // 2, order}:  # V ≅ V* for these groups: any split counts the same
            basis = diagrams.diagram_basis(mono_of(mixed(G, order - b, b)))
            assert basis.matrix.shape[1] == weyl_count(kind, m, order), (G, order, b)


def test_two_dimensional_lorentz_and_full_lorentz_ranks():
    for order in range(1, 7):
        even = order % 2 == 0
        assert diagrams.diagram_basis(mono_of(mixed(SO11p(), order, 0))).matrix.shape[1] == (
            math.comb(order, order // 2) if even else 0)  # SO⁺(1,1) ⊂ SO(2, C) ≅ C*
        full = math.prod(range(order - 1, 0, -2)) if even else 0  # O(1,3): pairings only
        assert diagrams.diagram_basis(mono_of(mixed(O13(), order, 0))).matrix.shape[1] == full


# --- each basis is exact and is the numeric one --------------------------------------------
GROUPS = [SO(2), SO(3), SO(4), O(2), O(3), Sp(1), Sp(2), SO13p(), SO13(), O13(), Lorentz(),
          SO11p(), O11(), GL(2), GL(3), SL(2), SL(3), U(2), SU(2), SU(3)]


@st.composite
def group_and_order(draw, max_size=300):
    G = draw(st.sampled_from(GROUPS))
    top = int(math.log(max_size, G.d))
    a = draw(st.integers(0, top))
    b = draw(st.integers(0 if a else 1, top - a))
    return G, a, b


@given(group_and_order())
def test_diagram_basis_is_exactly_equivariant_and_spans_the_numeric_basis(case):
    G, a, b = case
    mono = mono_of(mixed(G, a, b))
    basis = diagrams.diagram_basis(mono)
    assert basis is not None
    B = as_scipy(basis.matrix)
    assert exact_residuals_vanish(mono, G, B)
    Q = routes.numeric_basis(mono, G)
    Bd = B.toarray().astype(float)
    assert Bd.shape == Q.shape  # same dimension ...
    np.testing.assert_allclose(Q @ (Q.conj().T @ Bd), Bd, atol=1e-9)  # ... and B in span(Q)
    if Bd.shape[1]:
        assert np.linalg.matrix_rank(Bd) == Bd.shape[1]


def test_large_so3_basis_is_exact_and_sparse():
    mono = mono_of((V**8)(SO(3)))
    B = as_scipy(diagrams.diagram_basis(mono).matrix)
    assert B.nnz == 91 * 3**4  # every basis vector is one δ-pairing: 3⁴ nonzeros
    assert exact_residuals_vanish(mono, SO(3), B)


def test_whole_rep_exact_basis_uses_the_diagrams():
    rep = (V**3 >> V**3)(Sp(2))
    B = rep.equivariant_basis(exact=True)
    assert B.shape == (4**6, diagrams.diagram_basis(mono_of(rep)).matrix.shape[1])
    Q = rep.equivariant_basis()
    Bd = np.array(B.tolist(), dtype=float)
    np.testing.assert_allclose(Q @ (Q.T @ Bd), Bd, atol=1e-9)


# --- what goes where -------------------------------------------------------------------------
def test_other_groups_and_subclasses_take_the_generic_route():
    class MySO(SO):
        pass

    for G in [S(3), MySO(3), SO(3) * S(2)]:
        assert diagrams.diagram_basis(mono_of((V**2)(G))) is None
    assert diagrams.classical_form(SO(3)).epsilon and not diagrams.classical_form(O(3)).epsilon
    assert diagrams.classical_form(SO13()).epsilon and not diagrams.classical_form(O13()).epsilon
    assert not diagrams.classical_form(Sp(2)).epsilon


def test_too_many_diagrams_falls_back(monkeypatch):
    monkeypatch.setattr(diagrams, "MAX_DIAGRAMS", 2)
    diagrams.clear_cache()
    try:
        assert diagrams.diagram_basis(mono_of((V**4)(O(3)))) is None
    finally:
        monkeypatch.undo()
        diagrams.clear_cache()
    assert diagrams.diagram_basis(mono_of((V**4)(O(3)))) is not None


# --- names -----------------------------------------------------------------------------------
def test_diagram_names_and_latex():
    five = diagrams.diagram_basis(mono_of((V**5)(SO(3)))).diagrams
    assert all(d.text().startswith("ε(") and d.text().count("δ(") == 1 for d in five)
    assert five[0].latex() == r"\varepsilon_{i_{0} i_{1} i_{2}} \delta_{i_{3} i_{4}}"
    (mink,) = diagrams.diagram_basis(mono_of(mixed(SO13p(), 1, 1))).diagrams
    assert mink.text() == "δ(i0,i1)" and mink.latex() == r"\delta^{i_{0}}{}_{i_{1}}"
    (form,) = diagrams.diagram_basis(mono_of(mixed(Sp(1), 0, 2))).diagrams
    assert form.text() == "ω(i0,i1)" and form.latex() == r"\omega_{i_{0} i_{1}}"


def test_numeric_route_orthonormalizes_the_diagrams_past_the_dense_size():
    rep = (V**7)(SO(3))  # 2187 coordinates: past the dense solver, where Krylov would run
    mono = mono_of(rep)
    Q = routes.monomial_basis(mono, SO(3))
    assert Q.shape == (3**7, SO3_RANKS[7])
    np.testing.assert_allclose(Q.T @ Q, np.eye(Q.shape[1]), atol=1e-12)
    checks.check_basis(Q, mono, SO(3))  # the residual check of every numeric basis
    B = as_scipy(diagrams.diagram_basis(mono).matrix).toarray().astype(float)
    np.testing.assert_allclose(Q @ (Q.T @ B), B, atol=1e-9)
    assert np.all(Q[~B.any(axis=1)] == 0.0)  # exact zeros outside the diagrams' support
    assert np.asarray(rep.equivariant_basis()).shape == Q.shape


def test_special_linear_groups_use_several_levi_civita_tensors():
    catalan = [1, 1, 2, 5, 14]  # SU(2), SL(2) on V^⊗2m: the Catalan numbers
    for m in range(1, 5):
        for G in (SU(2), SL(2)):
            basis = diagrams.diagram_basis(mono_of((V ** (2 * m))(G)))
            assert basis.matrix.shape[1] == catalan[m]
            assert all(len(d.epsilons) == m for d in basis.diagrams)
