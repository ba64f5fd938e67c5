"""Numeric hygiene (issue 14, part 4): rounding noise snapped to exact zeros, and every
numeric basis checked against the constraints before it is returned."""

import numpy as np
import pytest

from emlp_sym.errors import SolverError
from emlp_sym.groups import SO, O
from emlp_sym.reps import V
from emlp_sym.solvers import checks, routes


def mono_of(rep):
    (t, _), *_ = rep.canonical.terms
    return t


def fresh_numeric(rep):
    routes.clear_caches()
    return np.asarray(routes.numeric_basis(mono_of(rep), rep.G))


def exact_dense(rep):
    return np.array(routes.exact_basis(mono_of(rep), rep.G).to_Matrix(), dtype=float)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_so3_numeric_bases_have_exact_zeros_where_the_exact_basis_does(k):
    rep = (V**k)(SO(3))
    Q, B = fresh_numeric(rep), exact_dense(rep)
    assert Q.shape == B.shape
    zero_rows = np.all(B == 0, axis=1)  # coordinates outside the fixed space's support
    assert zero_rows.any()
    assert np.all(Q[zero_rows] == 0.0)  # exactly, not 1e-17
    if Q.shape[1] == 1:  # a unique direction: the whole zero pattern must match
        np.testing.assert_array_equal(Q[:, 0] == 0, B[:, 0] == 0)
    # Still the same space, still orthonormal.
    P = B @ np.linalg.pinv(B)
    np.testing.assert_allclose(Q @ Q.T, P, atol=1e-10)
    np.testing.assert_allclose(Q.T @ Q, np.eye(Q.shape[1]), atol=1e-10)


def test_snap_zeros_is_relative_to_each_column():
    Q = np.array([[1.0, 1e-20], [1e-17, 1e-33], [0.5, -1e-20]])
    S = checks.snap_zeros(Q)
    np.testing.assert_array_equal(S, [[1.0, 1e-20], [0.0, 0.0], [0.5, -1e-20]])
    assert Q[1, 0] == 1e-17  # the input is not modified
    assert checks.snap_zeros(np.zeros((3, 0))).shape == (3, 0)
    Z = checks.snap_zeros(np.array([[1 + 1e-18j], [1e-19j]]))
    np.testing.assert_array_equal(Z, [[1 + 1e-18j], [0]])


def test_the_residual_check_accepts_the_solvers_bases():
    for rep in [(V**3)(SO(3)), (V**4)(SO(3)), (V**4)(O(3)), (V**2 >> V**2)(O(3))]:
        checks.check_basis(fresh_numeric(rep), mono_of(rep), rep.G)  # no error


def test_a_corrupted_basis_fed_to_the_check_raises():
    rep = (V**4)(SO(3))
    mono, G = mono_of(rep), rep.G
    Q = fresh_numeric(rep).copy()
    bad = Q.copy()
    bad[0, 0] += 1e-3  # small, but far above rounding
    bad /= np.linalg.norm(bad, axis=0)
    with pytest.raises(SolverError, match="Lie constraint residual"):
        checks.check_basis(bad, mono, G)
    with pytest.raises(SolverError, match="unit"):
        checks.check_basis(2 * Q, mono, G)
    nan = Q.copy()
    nan[3, 1] = np.nan
    with pytest.raises(SolverError, match="finite"):
        checks.check_basis(nan, mono, G)
    with pytest.raises(SolverError, match="finite"):
        checks.check_basis(Q[:-1], mono, G)
    rng = np.random.default_rng(0)
    with pytest.raises(SolverError):
        checks.check_basis(np.linalg.qr(rng.normal(size=Q.shape))[0], mono, G)


def test_the_check_catches_a_broken_discrete_constraint():
    # ε_ijk is SO(3)-invariant but a reflection flips its sign: wrong for O(3).
    eps = fresh_numeric((V**3)(SO(3)))
    rep = (V**3)(O(3))
    with pytest.raises(SolverError, match="discrete constraint residual"):
        checks.check_basis(eps, mono_of(rep), rep.G)


def test_numeric_basis_raises_rather_than_return_or_cache_a_wrong_basis(monkeypatch):
    rep = (V**4)(SO(3))
    mono, G = mono_of(rep), rep.G
    good = fresh_numeric(rep)
    wrong = np.roll(good, 1, axis=0)  # orthonormal, but not invariant
    routes.clear_caches()
    for name in routes._NUMERIC:  # whichever solving route is chosen returns it
        monkeypatch.setitem(routes._NUMERIC, name, lambda route, m, g: wrong)
    with pytest.raises(SolverError):
        routes.numeric_basis(mono, G)
    assert not any(key[:2] == (G, mono) for key in routes._cache)
    monkeypatch.undo()
    np.testing.assert_array_equal(routes.numeric_basis(mono, G), good)
