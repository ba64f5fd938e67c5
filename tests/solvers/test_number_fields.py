"""Exact bases of C(k) and D(k) at every k (emlp_sym.solvers.number_fields)."""

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from sympy.polys.domains import QQ

from emlp_sym.errors import GroupError
from emlp_sym.groups import SO, C, D
from emlp_sym.reps import V
from emlp_sym.solvers import number_fields

# orders whose cos(2π/k), sin(2π/k) SymPy writes in radicals (k = 7, 9, 11: no radicals)
RADICAL_ORDERS = [1, 2, 3, 4, 5, 6, 8, 10, 12]


def mono_of(rep):
    ((t, m),) = rep.canonical.terms
    return t


def as_sympy(basis):
    return basis.matrix.to_Matrix()


def residual_is_exactly_zero(g: sympy.Matrix, B: sympy.Matrix, a: int) -> bool:
    """``g^{⊗a} B = B`` in the number field of g's entries (radicals), decided exactly."""
    irrational = sorted({x for x in g if not x.is_Rational}, key=str)
    field = QQ.algebraic_field(*irrational) if irrational else QQ
    power = sympy.Matrix([[1]])
    for _ in range(a):
        power = sympy.kronecker_product(power, g)
    return all(field.from_sympy(sympy.expand(x)) == field.zero for x in power * B - B)


@st.composite
def rotation_cases(draw, max_order=4, exact=False):
    family = draw(st.sampled_from([C, D]))
    k = draw(st.sampled_from(RADICAL_ORDERS if exact else range(1, 13)))
    return family(k), draw(st.integers(1, max_order))


@given(rotation_cases(exact=True))
def test_basis_is_exactly_invariant_under_the_generators_in_radicals(case):
    G, a = case
    basis = number_fields.rotation_basis(mono_of((V**a)(G)))
    B = as_sympy(basis)
    assert all(x.is_Integer for x in B)
    for g in number_fields.exact_generators(G):
        assert residual_is_exactly_zero(g, B, a)


@given(rotation_cases(max_order=7))
def test_basis_spans_the_numeric_basis(case):
    G, a = case
    rep = (V**a)(G)
    B = np.array(as_sympy(number_fields.rotation_basis(mono_of(rep))).tolist(), dtype=float)
    Q = rep.equivariant_basis()
    assert B.shape == Q.shape
    if B.shape[1]:
        np.testing.assert_allclose(Q @ (Q.T @ B), B, atol=1e-9)
        assert np.linalg.matrix_rank(B) == B.shape[1]


@pytest.mark.parametrize("k, radical", [(8, sympy.sqrt(2)), (3, sympy.sqrt(3)),
                                        (6, sympy.sqrt(3)), (12, sympy.sqrt(3))])
def test_generators_are_printed_in_radicals(k, radical):
    (R,) = number_fields.exact_generators(C(k))
    assert any(x.has(radical) for x in R)
    assert R.T * R == sympy.eye(2) or sympy.simplify(R.T * R - sympy.eye(2)).is_zero_matrix


def test_whole_rep_exact_bases_for_irrational_rotations():
    W = (V >> V)(D(8)).equivariant_basis(exact=True)
    assert W.shape == (4, 1) and list(W) == [1, 0, 0, 1]  # only multiples of the identity
    assert (V**2)(C(3)).equivariant_basis(exact=True).shape == (4, 2)  # a·I + b·J
    with pytest.raises(GroupError):
        number_fields.exact_generators(SO(2))


def test_names_are_sign_patterns():
    basis = number_fields.rotation_basis(mono_of((V**2)(C(5))))
    assert basis.names() == ["Re u(+,−)", "Im u(+,−)"]
    assert basis.names(latex=True)[0] == r"\operatorname{Re} u_{+-}"
