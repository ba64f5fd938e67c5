"""Symbolic inspection: general maps, basis elements, invariants, pictures."""

import numpy as np
import pytest
import sympy

from emlp_sym.errors import ExactFormUnavailable, RepError
from emlp_sym.groups import SO, SU, D, DkeR3, O, S
from emlp_sym.reps import Scalar, V
from emlp_sym.symbolic import (
    basis_elements,
    describe_invariants,
    general_map,
    general_vector,
    save_basis_image,
    weight_sharing,
)


def test_general_map_of_permutation_equivariant_matrix():
    W = general_map(V, V, S(3))
    a, b = sorted(W.free_symbols, key=str)
    assert W == sympy.Matrix([[a, b, b], [b, a, b], [b, b, a]])


def test_general_map_is_in_user_coordinates():
    # rep_in = V⁰ + V (scalar first): the invariant map to V⁰ reads the scalar and the sum
    W = general_map(Scalar + V, Scalar, S(3))
    assert W.shape == (1, 4)
    assert len(W.free_symbols) == 2 and W[0, 1] == W[0, 2] == W[0, 3] != W[0, 0]


def test_so3_invariant_forms():
    W = general_map(V, V, SO(3))
    (w,) = W.free_symbols
    assert W == w * sympy.eye(3) or W == -w * sympy.eye(3)
    (eps,) = basis_elements((V**3)(SO(3)))
    assert eps.shape == (3, 3, 3) and eps[0, 1, 2] == -eps[1, 0, 2] != 0 and eps[0, 0, 1] == 0


def test_general_vector_and_latex():
    c = general_vector((V**2)(S(2)))
    assert c.shape == (4, 1) and len(c.free_symbols) == 2
    assert "\\left" in basis_elements((V >> V)(S(3)))[0]._repr_latex_()


def test_the_list_of_basis_elements_renders_every_element():
    elements = basis_elements((V >> V)(S(3)))
    assert isinstance(elements, list) and len(elements) == 2
    latex = elements._repr_latex_()
    assert latex.startswith("$") and latex.endswith("$")
    assert all(sympy.latex(e) in latex for e in elements)
    assert basis_elements((V**3)(SO(3)))._repr_latex_().count("\\left[") >= 2  # arrays too


def test_describe_permutation_invariants_as_set_partitions():
    names = describe_invariants((V**3)(S(4)))
    assert len(names) == 5  # Bell(3)
    assert "i0=i1=i2" in names and "i0, i1, i2" in names


def test_weight_sharing_labels():
    labels = weight_sharing(V, V, S(4))
    assert len(np.unique(labels)) == 2 and np.all(np.diag(labels) == labels[0, 0])


def test_save_basis_image(tmp_path):
    save_basis_image((V**2 >> V**2)(S(3)), str(tmp_path / "b.png"))
    assert (tmp_path / "b.png").stat().st_size > 1000


def test_bad_input():
    with pytest.raises(RepError, match="G="):
        general_map(V, V)
    with pytest.raises(ExactFormUnavailable):  # D(3) embedded in R³ (irrational): no route
        general_vector((V**2)(DkeR3(3) * S(2)))


def test_describe_so_invariants_in_deltas_and_levi_civita():
    from emlp_sym.groups import O

    assert describe_invariants((V**2)(SO(3))) == ["δ(i0,i1)"]
    (eps,) = describe_invariants((V**3)(SO(3)))
    assert eps.lstrip("−") == "ε(i0,i1,i2)"
    four = describe_invariants((V**4)(SO(3)))
    assert len(four) == 3 and all("δ" in d and "ε" not in d for d in four)
    assert describe_invariants((V**3)(O(3))) == []  # reflections kill ε
    (cross,) = describe_invariants((V**2 >> V)(SO(3)))  # the cross product
    assert "ε(i0,i1,i2)" in cross


def test_diagram_names_are_the_basis_elements_in_user_axes():
    names = describe_invariants((V**2 >> V**2)(SO(3)))
    mats = basis_elements((V**2 >> V**2)(SO(3)), shape=(9, 9))
    eye = sympy.eye(3).reshape(9, 1)
    expected = {"δ(i0,i2)·δ(i1,i3)": sympy.eye(9),  # W[(a,b),(c,d)] = δ_ac δ_bd: identity
                "δ(i0,i1)·δ(i2,i3)": eye * eye.T,  # δ_ab δ_cd: rank one
                "δ(i0,i3)·δ(i1,i2)": sympy.Matrix(9, 9, lambda r, c: int(
                    r // 3 == c % 3 and r % 3 == c // 3))}  # the swap
    assert sorted(names) == sorted(expected)
    for name, M in zip(names, mats, strict=True):
        assert M == expected[name]


def test_diagram_names_follow_the_users_axis_order_and_variance():
    from emlp_sym.groups import SO13p, Sp

    rep = (V.T * V)(SO13p())  # user axes: V* then V; canonical: V then V*
    assert describe_invariants(rep) == ["δ(i1,i0)"]
    assert describe_invariants(rep, latex=True) == [r"\delta^{i_{1}}{}_{i_{0}}"]
    (M,) = basis_elements(rep)
    assert M == sympy.eye(4)
    assert describe_invariants((V**2)(Sp(1)), latex=True) == [r"\omega^{i_{0} i_{1}}"]
    names = describe_invariants((V**2 + 2 * V**3)(SO(3)))
    assert names == ["[V²] δ(i0,i1)", "[V³ #0] ε(i0,i1,i2)", "[V³ #1] ε(i0,i1,i2)"]


def test_general_map_as_a_sum_of_named_diagrams():
    expr = general_map(V**2, V**2, SO(3), diagrams=True)
    w = sympy.symbols("w_0:3")
    assert expr.free_symbols >= set(w) and len(expr.args) == 3
    assert str(expr).startswith("w_0*δ(i0,i1)·δ(i2,i3)")
    assert sympy.latex(expr).count(r"\delta_{") == 6
    assert general_map(V, V**2, O(3), diagrams=True) == 0  # odd order: no pairing
    assert "i0=i1" in str(general_map(V, V, S(3), diagrams=True))


def test_irrational_rotation_groups_have_exact_maps():
    W = general_map(V, V, D(3))  # D(3) has generators in Q(√3), its maps are rational
    (w,) = W.free_symbols
    assert W == w * sympy.eye(2)
    assert describe_invariants((V**2)(D(8))) == ["Re u(+,−)"]


def test_special_unitary_invariants_are_products_of_levi_civita_symbols():
    assert describe_invariants((V**4)(SU(2))) == ["ε(i0,i1)·ε(i2,i3)", "ε(i0,i2)·ε(i1,i3)"]
