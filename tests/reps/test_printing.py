"""The seed's printed strings, and printing of unbound and bound expressions."""

import pytest

from emlp_sym.groups import SO, SO13, O, S
from emlp_sym.reps import Matrix, Scalar, T, V, Vector


def test_seed_tensor_strings():
    assert str(T(2, 3)) == "V⊗V⊗V*⊗V*⊗V*"
    assert str(T(2, 3)(SO13())) == "V²⊗V*³"


def test_seed_inertia_types():
    rep_in, rep_out = 5 * Scalar + 5 * Vector, T(2)
    assert str(rep_in(SO(3))) == "5V⁰+5V"
    assert str(rep_out(SO(3))) == "V²"


@pytest.mark.parametrize(
    "rep, G, text",
    [
        (V * V.T, SO(3), "V²"),  # orthogonal: V* folds into V
        (V * V.T, SO13(), "V⊗V*"),
        (V.T * V, SO13(), "V⊗V*"),  # products are ordered
        (V + Scalar + V, O(2), "V⁰+2V"),  # sums collected, ordered by rank
        (V >> V, S(4), "V²"),
        ((V + Scalar) ** 2, SO(3), "V⁰+2V+V²"),  # distributivity
        (Matrix, SO13(), "V⊗V*"),
        (T(0), SO(3), "V⁰"),
    ],
)
def test_bound_canonical_strings(rep, G, text):
    assert str(rep(G)) == text


def test_unbound_strings():
    assert str(V**2) == "V⊗V"
    assert str(3 * V) == "3V"
    assert str((V + Scalar) * V) == "(V+V⁰)⊗V"
    assert str(Scalar) == "V⁰"
    assert str(T(2)) == "V⊗V" and str(T(0, 1)) == "V*"


def test_sympy_expression():
    import sympy

    Vs, Vd = sympy.symbols("V Vstar")
    assert T(2, 3)(SO13()).sympy() == Vs**2 * Vd**3
    assert (5 * Scalar + 5 * V)(SO(3)).sympy() == 5 + 5 * Vs
    assert ((V + V.T) ** 2)(SO(3)).sympy() == 4 * Vs**2
