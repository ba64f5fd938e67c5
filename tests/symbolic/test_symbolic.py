"""Symbolic inspection: general maps, basis elements, invariants, pictures."""

import numpy as np
import pytest
import sympy

from emlp_sym.errors import ExactFormUnavailable, RepError
from emlp_sym.groups import SO, D, S
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
    with pytest.raises(ExactFormUnavailable):
        general_map(V, V, D(3))


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
