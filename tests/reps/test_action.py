"""act(rep, g, x): rho(g) x from the canonical form, without dense rho (issue 24).

Checked against the dense rho_dense on small random cases (Hypothesis over groups and reps,
products included), as a homomorphism, on every accepted element form, and at S(1000) where
the dense rho of V² would be a 10⁶×10⁶ matrix."""

import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym import groups as g
from emlp_sym.errors import GroupError, RepError, ShapeError
from emlp_sym.groups.elements import as_element, compose, element_matrix
from emlp_sym.reps import Rep, Scalar, V
from emlp_sym.reps.action import act, sample_elements
from emlp_sym.testing import strategies as est


class Det(Rep):
    """A user rep: the determinant of O(n)."""

    def __init__(self, G=None):
        self.G = G

    def rho(self, M):
        return jnp.linalg.det(M) * jnp.eye(1)

    def __call__(self, G):
        return Det(G)

    def __str__(self):
        return "det"


class Sign(Rep):
    """A user rep of a permutation group: the sign of the permutation."""

    def __init__(self, G=None):
        self.G = G

    def rho(self, M):
        return jnp.linalg.det(M) * jnp.eye(1)

    def __call__(self, G):
        return Sign(G)

    def __str__(self):
        return "sign"


def _dense(rep, G, elem):
    with jax.enable_x64(True):
        return np.asarray(rep.rho_dense(jnp.asarray(element_matrix(G, elem))))


def _cases():
    S3, S4, SO3, O3 = g.S(3), g.S(4), g.SO(3), g.O(3)
    SxO = g.S(3) * g.O(3)
    copies = g.S(3) * g.S(3)
    return [
        (S4, (V**2 + V + V**0)(S4)),
        (S3, (V**3 + 2 * V)(S3)),
        (SO3, (V**2 + V + V**0)(SO3)),
        (O3, (V**2 + V.T + Det(O3) * V)(O3)),
        (g.SL(2), (V * V.T + V.T)(g.SL(2))),
        (g.Z(4), (V**2)(g.Z(4))),
        (S3, V(S3) * Sign(S3) + Sign(S3) + V(S3)),
        (g.Cube(), (V + V**2)(g.Cube())),
        (SxO, V(S3) * V(O3)),
        (SxO, (V**2 + V + V**0)(SxO)),
        (SxO, V(O3) ** 2 * V(S3) + V(S3) + V(O3)),
        (SxO, V(O3) * V(S3) ** 0 + 2 * Scalar(SxO)),
        (copies, V(copies.factors[0]) * V(copies.factors[1]) ** 2 + V(copies.factors[1])),
    ]


CASES = _cases()


@settings(max_examples=40, deadline=None)
@given(case=st.sampled_from(range(len(CASES))), seed=st.integers(0, 2**31 - 1),
       batch=st.sampled_from([(), (3,), (2, 2)]))
def test_act_equals_the_dense_rho(case, seed, batch):
    _, rep = CASES[case]
    G = rep.G
    (elem,) = sample_elements(G, 1, seed=seed)
    x = np.random.default_rng(seed).standard_normal(batch + (rep.size(),))
    expected = x @ _dense(rep, G, elem).T
    np.testing.assert_allclose(act(rep, elem, x), expected, rtol=1e-9, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(case=st.sampled_from(range(len(CASES))), seed=st.integers(0, 2**31 - 1))
def test_act_takes_elements_of_a_group_containing_the_reps(case, seed):
    """A rep of O(3)×S(3) (or of O(3)) acted on by an element of S(3)×O(3): each atom reads
    its own factor's element, the other factors act trivially."""
    G, rep = CASES[case]
    (elem,) = sample_elements(G, 1, seed=seed)
    own = tuple(dict(zip(G.factors, elem if len(G.factors) > 1 else (elem,), strict=True))[F]
                for F in rep.G.factors)
    own = own if len(own) > 1 else own[0]
    x = np.random.default_rng(seed).standard_normal((2, rep.size()))
    np.testing.assert_allclose(act(rep, elem, x, group=G), act(rep, own, x), rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(rep=est.bound_reps(max_size=80), seed=st.integers(0, 2**31 - 1))
def test_act_equals_the_dense_rho_on_drawn_reps(rep, seed):
    G = rep.G
    (elem,) = sample_elements(G, 1, seed=seed)
    x = np.random.default_rng(seed).standard_normal((2, rep.size()))
    dense = _dense(rep, G, elem)
    scale = max(1.0, float(np.abs(dense).max()))
    np.testing.assert_allclose(act(rep, elem, x), x @ dense.T, atol=1e-8 * scale * rep.size())


@settings(max_examples=25, deadline=None)
@given(case=st.sampled_from(range(len(CASES))), seed=st.integers(0, 2**31 - 1))
def test_act_is_a_homomorphism(case, seed):
    _, rep = CASES[case]
    G = rep.G
    a, b = sample_elements(G, 2, seed=seed)
    x = np.random.default_rng(seed).standard_normal((2, rep.size()))
    np.testing.assert_allclose(act(rep, a, act(rep, b, x)), act(rep, compose(G, a, b), x),
                               rtol=1e-9, atol=1e-9)


def test_every_element_form_gives_the_same_action():
    S3, O3 = g.S(3), g.O(3)
    G = S3 * O3
    rep = (V**2 + V)(G)
    (elem,) = sample_elements(G, 1, seed=5)
    x = np.random.default_rng(1).standard_normal(rep.size())
    y = act(rep, elem, x)
    for form in (element_matrix(G, elem), {S3: elem[0], O3: elem[1]},
                 (element_matrix(S3, elem[0]), elem[1]), list(elem)):
        np.testing.assert_allclose(act(rep, form, x), y, rtol=1e-12, atol=1e-12)
    assert as_element(S3, element_matrix(S3, elem[0])).tolist() == elem[0].tolist()


def test_sampled_elements_are_the_matrix_samples():
    for G in (g.S(5), g.SO(3), g.S(3) * g.O(3), g.Z(4) * g.Z(4)):
        elems = sample_elements(G, 3, seed=11)
        dense = G.samples_numpy(3, seed=11)
        np.testing.assert_allclose(np.stack([element_matrix(G, e) for e in elems]), dense)


def test_jax_input_gives_a_jax_array():
    rep = (V**2)(g.SO(3))
    (elem,) = sample_elements(g.SO(3), 1, seed=0)
    x = jnp.ones((2, 9))
    y = act(rep, elem, x)
    assert isinstance(y, jax.Array) and y.shape == (2, 9)
    np.testing.assert_allclose(y, act(rep, elem, np.ones((2, 9))), rtol=1e-5, atol=1e-5)


def test_bad_input_is_refused_with_the_fix():
    rep = (V**2)(g.S(3))
    with pytest.raises(ShapeError, match=r"needs x of shape \(\.\.\., 9\), got \(4,\)"):
        act(rep, np.arange(3), np.ones(4))
    with pytest.raises(GroupError, match="is not a permutation"):
        act(rep, np.array([0, 0, 1]), np.ones(9))
    with pytest.raises(ShapeError, match=r"index array of shape \(3,\)"):
        act(rep, np.arange(4), np.ones(9))
    G = g.S(3) * g.O(3)
    with pytest.raises(ShapeError, match="tuple of 2 factor elements"):
        act(V(G), (np.arange(3),), np.ones(9))
    with pytest.raises(RepError, match="does not contain its factors"):
        act(V(G), np.eye(3), np.ones(9), group=g.O(3))


def test_act_at_S1000_needs_no_dense_matrix(monkeypatch):
    """V² of S(1000) has 10⁶ coordinates: its dense rho would be 8 TB, the generators' dense
    matrices 16 MB; act builds neither and runs in well under a second."""
    G = g.S(1000)
    rep = (V**2 + V)(G)

    def refuse(*args, **kwargs):
        raise AssertionError("a dense matrix was built")

    monkeypatch.setattr(Rep, "rho_dense", refuse)
    monkeypatch.setattr(g.PermutationGroup, "discrete_generators", property(refuse))
    a, b = sample_elements(G, 2, seed=0)
    x = np.random.default_rng(0).standard_normal((2, rep.size())).astype(np.float32)
    rep.canonical  # noqa: B018 (the layout, computed once per rep)
    start = time.perf_counter()
    y = act(rep, a, x)
    assert time.perf_counter() - start < 1.0
    # the user's layout: V² first, then V. rho(g) on V²: Y[p[i], p[j]] = X[i, j]; on V:
    # y[p[i]] = x[i]
    X = x[:, : 10**6].reshape(2, 1000, 1000)
    Y = np.empty_like(X)
    Y[:, a[:, None], a[None, :]] = X
    np.testing.assert_array_equal(y[:, : 10**6].reshape(2, 1000, 1000), Y)
    np.testing.assert_array_equal(y[:, 10**6 :][:, a], x[:, 10**6 :])
    np.testing.assert_array_equal(act(rep, a, act(rep, b, x)), act(rep, compose(G, a, b), x))
