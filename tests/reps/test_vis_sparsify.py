"""The reference's helpers: sparsify_basis (a canonical sparse basis of the same span), vis and
its weight-sharing patterns, and matrix_equivariance_error of a matrix or basis."""

import os

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym.errors import ShapeError
from emlp_sym.groups import SO, O, S, SO2eR3
from emlp_sym.reps import (
    T,
    V,
    equivariance_error,
    matrix_equivariance_error,
    sparsify_basis,
    vis,
    vis_basis,
)
from emlp_sym.reps.vis import sharing_patterns

os.environ.setdefault("MPLBACKEND", "Agg")

MAPS = [
    (V**2 >> V)(SO(3)),
    (V**2 >> V**2)(S(4)),
    (V >> V**2)(O(3)),
    (V**2)(SO2eR3()),
    (V + V**2 >> V)(S(5)),
]


def same_span(A, B) -> bool:
    r = np.linalg.matrix_rank(A)
    return r == np.linalg.matrix_rank(B) == np.linalg.matrix_rank(np.concatenate([A, B], 1))


# ---- sparsify_basis ---------------------------------------------------------------------------
def test_levi_civita_as_the_reference_prints_it():
    Q = (V(SO(3)) ** 2 >> V(SO(3))).equivariant_basis()
    eps = np.zeros((3, 3, 3))
    for (i, j, k), s in {(0, 1, 2): 1, (1, 2, 0): 1, (2, 0, 1): 1}.items():
        eps[i, j, k], eps[i, k, j] = s, -s
    np.testing.assert_array_equal(sparsify_basis(Q).reshape(3, 3, 3), eps)


@pytest.mark.parametrize("rep", MAPS, ids=str)
def test_sparse_basis_spans_the_same_space_with_pivots(rep):
    Q = np.asarray(rep.equivariant_basis())
    Sp = sparsify_basis(Q)
    assert Sp.shape == Q.shape and same_span(Q, Sp)
    pivots = [int(np.flatnonzero(col)[0]) for col in Sp.T]
    assert pivots == sorted(pivots)
    np.testing.assert_allclose(Sp[pivots], np.eye(Q.shape[1]), atol=1e-12)
    assert np.sum(Sp == 0) >= np.sum(np.abs(Q) < 1e-12)


@given(st.sampled_from(MAPS), st.integers(0, 2**31 - 1))
def test_the_result_depends_only_on_the_span(rep, seed):
    Q = np.asarray(rep.equivariant_basis())
    R = np.random.default_rng(seed).standard_normal((Q.shape[1], Q.shape[1]))
    R += 3 * np.eye(len(R))  # well conditioned
    np.testing.assert_allclose(sparsify_basis(Q @ R), sparsify_basis(Q), atol=1e-8)


def test_permutation_bases_become_orbit_indicators():
    Sp = sparsify_basis((V**2 >> V**2)(S(4)).equivariant_basis())
    assert set(np.unique(Sp)) == {0.0, 1.0} and (Sp.sum(1) <= 1).all()


def test_exact_input_gives_an_exact_result():
    B = (V**3)(SO(3)).equivariant_basis(exact=True)
    Sp = sparsify_basis(B * 7)
    assert isinstance(Sp, sympy.MatrixBase) and Sp.shape == B.shape
    assert set(Sp) == {0, 1, -1}


def test_rank_deficient_and_bad_inputs():
    A = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    assert sparsify_basis(A).shape == (3, 1)
    assert sparsify_basis(np.zeros((4, 0))).shape == (4, 0)
    with pytest.raises(ShapeError, match=r"\(n, r\)"):
        sparsify_basis(np.zeros(5))


# ---- vis --------------------------------------------------------------------------------------
@pytest.mark.parametrize("rep, patterns", [
    ((V >> V)(S(6)), 2),            # deep sets: diagonal and off-diagonal
    ((V**2 >> V**2)(S(4)), 15),     # the 15 graph-network maps
    ((V**2 >> V)(SO(3)), 3),        # Levi-Civita: +1, -1 and 0
])
def test_sharing_patterns(rep, patterns):
    Q = rep.equivariant_basis()
    labels = sharing_patterns(Q, seed=1)
    assert labels.shape == (rep.size(),) and len(np.unique(labels)) == patterns
    # entries with one label are equal in every map of the span, other entries differ
    for i, j in [(a, b) for a in range(0, rep.size(), 7) for b in range(0, rep.size(), 5)]:
        assert (labels[i] == labels[j]) == np.allclose(Q[i], Q[j], atol=1e-9)


def test_vis_draws_the_map_into_the_current_or_given_axes():
    import matplotlib.pyplot as plt

    rin, rout = V(S(4)) ** 2, V(S(4))
    drawn = vis(rin, rout, seed=0)
    assert drawn.axes is plt.gca()
    image = drawn.get_array()
    assert image.shape == (4, 16) and len(np.unique(image)) == 5
    fig2, ax = plt.subplots()
    assert vis(rin, rout, cluster=False, ax=ax, seed=3).figure is fig2
    values = np.asarray(ax.images[0].get_array())
    assert len(np.unique(np.round(values, 6))) == 5  # the orbit values
    plt.close("all")


def test_vis_basis_checks_the_shape():
    Q = T(2)(S(3)).equivariant_basis()
    with pytest.raises(ShapeError, match="cannot be drawn"):
        vis_basis(Q, (4, 4))


# ---- matrix_equivariance_error ----------------------------------------------------------------
def test_matrix_equivariance_error_of_bases_and_of_random_maps():
    G = SO(3)
    rin, rout = V**2, V  # unbound: bound to G like the reference
    Q = (rin >> rout)(G).equivariant_basis()
    assert matrix_equivariance_error(Q, rin, rout, G, seed=0) < 1e-6
    W = (Q @ np.ones(1)).reshape(3, 9)  # a matrix, not a flat vector
    assert matrix_equivariance_error(W, rin(G), rout(G), G, seed=1) < 1e-6
    random = np.random.default_rng(0).standard_normal((3, 9))
    assert matrix_equivariance_error(random, rin, rout, G, seed=0) > 1e-2
    with pytest.raises(ShapeError, match="not a map"):
        matrix_equivariance_error(np.ones(10), rin, rout, G)


def test_the_references_name_equivariance_error_warns_and_agrees():
    G = SO(3)
    random = np.random.default_rng(0).standard_normal((3, 9))
    with pytest.warns(DeprecationWarning, match="matrix_equivariance_error"):
        old = equivariance_error(random, V**2, V, G, seed=0)
    assert old == matrix_equivariance_error(random, V**2, V, G, seed=0)
