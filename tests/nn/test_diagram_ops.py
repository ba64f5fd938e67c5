"""Partition diagrams: they span the S(n)-equivariant maps, and applying them as pooling,
diagonals and broadcasts equals multiplying by their dense matrices."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.errors import ShapeError
from emlp_sym.groups import S
from emlp_sym.nn.core.diagram_ops import diagram_apply, diagram_bias, group_by_pattern
from emlp_sym.nn.core.linear import hom_basis
from emlp_sym.reps.atoms import BaseAtom
from emlp_sym.solvers.partitions import (
    diagram_matrix,
    partition_diagrams,
    set_partitions,
)

BELL = [1, 1, 2, 5, 15, 52, 203, 877]


@pytest.mark.parametrize("m", range(8))
def test_set_partitions_are_bell_many_and_distinct(m):
    parts = set_partitions(m)
    assert len(parts) == BELL[m] == len(set(parts))
    for p in parts:
        assert sorted(i for block in p for i in block) == list(range(m))


def _permutation_matrix(perm):
    P = np.zeros((len(perm), len(perm)))
    P[perm, np.arange(len(perm))] = 1
    return P


@settings(max_examples=25, deadline=None)
@given(k=st.integers(0, 3), l=st.integers(0, 3), n=st.integers(1, 4), seed=st.integers(0, 99))
def test_diagrams_commute_with_permutations(k, l, n, seed):
    P = _permutation_matrix(np.random.default_rng(seed).permutation(n))
    rho_in = _tensor_power(P, k)
    rho_out = _tensor_power(P, l)
    for d in partition_diagrams(k, l):
        M = diagram_matrix(d, n)
        np.testing.assert_array_equal(rho_out @ M, M @ rho_in)


def _tensor_power(P, k):
    out = np.ones((1, 1))
    for _ in range(k):
        out = np.kron(out, P)
    return out


@pytest.mark.parametrize("k,l", [(1, 1), (2, 1), (1, 2), (2, 2), (0, 2), (3, 1)])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_diagrams_span_the_equivariant_maps(k, l, n):
    """Rank of the diagrams = dimension of Hom_S(n)(V^k, V^l) from the library's own solver;
    they are independent once n ≥ k + l, and merely span below it."""
    G = S(n)
    atom = BaseAtom(G)
    dim = len(hom_basis((atom,) * k, (atom,) * l, G))
    mats = np.stack([diagram_matrix(d, n).ravel() for d in partition_diagrams(k, l)])
    assert np.linalg.matrix_rank(mats) == dim
    if n >= k + l:
        assert dim == len(mats)


@settings(max_examples=15, deadline=None)  # each example compiles: few, but all k, l ≤ 3
@given(k=st.integers(0, 3), l=st.integers(0, 3), n=st.integers(1, 4),
       m_a=st.integers(1, 3), m_b=st.integers(1, 3), batch=st.integers(1, 2),
       normalise=st.sampled_from(["sum", "mean"]), seed=st.integers(0, 2**16))
def test_diagram_path_equals_dense_path(k, l, n, m_a, m_b, batch, normalise, seed):
    rng = np.random.default_rng(seed)
    ds = partition_diagrams(k, l)
    C = rng.normal(size=(len(ds), m_b, m_a)).astype(np.float32)
    x = rng.normal(size=(batch, m_a, n**k)).astype(np.float32)
    mats = np.stack([diagram_matrix(d, n, normalise) for d in ds])  # (r, n^l, n^k)
    dense = np.einsum("rba,rts->btas", C, mats).reshape(m_b * n**l, m_a * n**k)
    want = (x.reshape(batch, -1) @ dense.T).reshape(batch, m_b, n**l)
    # jitted (diagrams, n and normalisation static): one compilation instead of one per op
    got = jax.jit(diagram_apply, static_argnums=(0, 3, 4))(ds, jnp.asarray(C), jnp.asarray(x), n,
                                                          normalise)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5 * max(1, n**k))


@pytest.mark.parametrize("l", [0, 1, 2, 3])
def test_diagram_bias_is_invariant_and_matches_dense(l):
    n, rng = 4, np.random.default_rng(l)
    ds = partition_diagrams(0, l)
    b = rng.normal(size=(2, len(ds))).astype(np.float32)
    want = b @ np.stack([diagram_matrix(d, n)[:, 0] for d in ds])
    np.testing.assert_allclose(np.asarray(diagram_bias(ds, b, n)), want, rtol=1e-5, atol=1e-6)


def test_ign_layer_mixes_channels_on_n_squared_entries_only_twice():
    """Of IGN's 15 maps V² → V², only the identity and the transpose keep two axes: one
    stacked product on n² entries; the rest mix channels on vectors and scalars."""
    groups = group_by_pattern(partition_diagrams(2, 2))
    full = [g for p, g in groups.items() if sum(p.kept) == 2]
    assert [len(g) for g in full] == [2]


def test_large_n_runs_without_dense_matrices():
    n, ds = 1000, partition_diagrams(2, 2)
    x = jnp.ones((2, 1, n * n))
    y = diagram_apply(ds, jnp.ones((len(ds), 1, 1)), x, n, "mean")
    # averaged, each map sends the all-ones tensor to 1 wherever it writes: the 10 maps with
    # o₀, o₁ in different blocks write everywhere, the 5 others only on the diagonal; the dense
    # matrices at n = 3 say the same (means do not depend on n)
    assert y.shape == (2, 1, n * n)
    off, diag = float(y[0, 0, 1]), float(y[0, 0, 0])
    assert math.isclose(off, 10.0, rel_tol=1e-5) and math.isclose(diag, 15.0, rel_tol=1e-5)
    mats = [diagram_matrix(d, 3, "mean") for d in ds]
    want_off = sum(M.sum(axis=1)[1] for M in mats)  # row 1 = output (0, 1), off-diagonal
    want_diag = sum(M.sum(axis=1)[0] for M in mats)
    np.testing.assert_allclose([off, diag], [want_off, want_diag], rtol=1e-5)


def test_bad_shapes_get_one_line_errors():
    ds = partition_diagrams(2, 1)
    with pytest.raises(ShapeError, match="need inputs"):
        diagram_apply(ds, jnp.ones((len(ds), 1, 1)), jnp.ones((1, 1, 5)), 2)
    with pytest.raises(ShapeError, match="do not fit"):
        diagram_apply(ds, jnp.ones((3, 1, 1)), jnp.ones((1, 1, 4)), 2)
    with pytest.raises(ValueError, match="normalise must be"):
        diagram_apply(ds, jnp.ones((len(ds), 1, 1)), jnp.ones((1, 1, 4)), 2, "avg")
