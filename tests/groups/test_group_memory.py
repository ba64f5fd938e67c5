"""Groups with huge parameters are refused at once (issue 14): each constructor estimates the
memory its generators take (dense matrices; index arrays for permutation groups), from its
parameters alone, and raises a ResourceError naming the group, its degree, the estimate and the
fix, before allocating anything. Permutation groups build their dense matrices only on request
(issue 24), guarded the same way."""

import time
import tracemalloc

import numpy as np
import pytest

from emlp_sym import groups as G
from emlp_sym.errors import ArgumentTypeError, GroupError, ResourceError
from emlp_sym.groups.embedded import Embed, Scaling
from emlp_sym.resources import ENV_VAR

HUGE = [
    (lambda: G.S(10**9), "S(1000000000)", "degree 1000000000"),
    (lambda: G.S(10**100), "S(10^100)", "degree about 10^100"),
    (lambda: G.Z(10**12), "Z(1000000000000)", "1 generator and"),
    (lambda: G.Trivial(10**12), "Trivial(1000000000000)", "0 generators and the identity"),
    (lambda: G.Rot90(10**5), "Rot90(100000)", "degree 10000000000"),
    (lambda: G.ZksZnxZn(4, 10**5), "ZksZnxZn(4,100000)", "3 generators"),
    (lambda: G.SO(5000), "SO(5000)", "12497501 generators"),
    (lambda: G.O(10**9), "O(1000000000)", "degree 1000000000"),
    (lambda: G.Sp(10**6), "Sp(1000000)", "degree 2000000"),
    (lambda: G.U(10**4), "U(10000)", "degree 10000"),
    (lambda: G.SU(300), "SU(300)", "degree 300"),
    (lambda: G.SL(1000), "SL(1000)", "degree 1000"),
    (lambda: G.GL(500), "GL(500)", "degree 500"),
    (lambda: Scaling(10**6), "Scaling(1000000)", "degree 1000000"),
    (lambda: Embed(G.SO(3), 10**6, slice(3)), "Embed(SO(3),1000000", "degree 1000000"),
]


@pytest.mark.parametrize("make, name, detail", HUGE, ids=[h[1] for h in HUGE])
def test_huge_groups_are_refused_at_once(make, name, detail, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "8G")
    start = time.perf_counter()
    with pytest.raises(ResourceError) as info:
        make()
    assert time.perf_counter() - start < 0.5  # S(10**9) took 66 s before failing
    message = str(info.value)
    assert name in message and detail in message  # the group and its size
    assert "needs about" in message and "over the memory limit of 8 GiB" in message
    assert "smaller group parameter" in message and ENV_VAR in message  # the fix
    assert isinstance(info.value, MemoryError)  # `except MemoryError` still catches it


@pytest.mark.parametrize("make", [
    lambda: G.S(300).discrete_generators, lambda: G.Z(300).discrete_generators,
    lambda: G.Rot90(16).discrete_generators, lambda: G.ZksZnxZn(4, 8).discrete_generators,
    lambda: G.SO(20), lambda: G.O(20), lambda: G.Sp(10), lambda: G.U(10), lambda: G.SU(10),
    lambda: G.SL(12), lambda: G.GL(10), lambda: Scaling(300),
    lambda: Embed(G.SO(5), 100, [1, 3, 5, 7, 9]),
])
def test_the_estimate_covers_what_construction_allocates(make, monkeypatch):
    """The guard's estimate is at least the peak the constructor really allocates (so a group
    it lets through fits; 64 KiB allowed for Python objects), and within a small factor of
    it (so it refuses no group that would fit)."""
    estimates = []

    def recording(name, num_generators, d, **kwargs):
        copies, itemsize = kwargs.get("copies", 1), kwargs.get("itemsize", 8)
        estimates.append((copies * num_generators + 2) * d * d * itemsize)

    for module in ("finite", "lie", "embedded"):
        monkeypatch.setattr(f"emlp_sym.groups.{module}.check_generator_storage", recording)
    tracemalloc.start()
    try:
        make()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert estimates, "the constructor checked nothing"
    estimate = max(estimates)
    assert peak <= estimate + 2**16 and estimate <= 16 * peak, (peak, estimate)


def test_a_group_under_the_limit_is_built(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "64M")
    assert G.S(1000).discrete_generators.shape == (2, 1000, 1000)  # 16 MB of generators
    group = G.S(2000)  # index arrays: built at any degree under the limit
    with pytest.raises(ResourceError, match="S\\(2000\\).*as dense 2000×2000 matrices"):
        _ = group.discrete_generators  # 64 MB, twice with its identities: over
    assert G.Trivial(1000).d == 1000


def test_permutation_matrices_are_built_in_one_array():
    """The stacked construction keeps P e_i = e_{perm[i]}; user groups are guarded too."""
    class Moves(G.PermutationGroup):
        permutations = [[1, 2, 0, 3], [0, 1, 3, 2]]

    group = Moves()
    for perm, P in zip(group.permutations, group.discrete_generators, strict=True):
        np.testing.assert_array_equal(P, np.eye(4)[perm].T)  # column i is e_{perm[i]}

    class Ragged(G.PermutationGroup):
        permutations = [[1, 0], [0, 2, 1]]

    with pytest.raises(GroupError, match="different numbers of points"):
        Ragged()


def test_samples_of_a_large_group_are_refused(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "64M")
    group = G.S(300)
    assert group.samples_numpy(3, seed=0).shape == (3, 300, 300)
    with pytest.raises(ResourceError, match="10000 samples of S\\(300\\).*draw fewer"):
        group.samples(10**4)
    with pytest.raises(ResourceError, match="samples of SO\\(20\\).*draw fewer"):
        G.SO(20).samples(10**5)  # a Lie group: the generic sampler checks too


@pytest.mark.parametrize("k", [10**16, 10**400])
def test_rotation_groups_of_unrepresentable_order_are_refused(k):
    for ctor in (G.C, G.D):
        with pytest.raises(GroupError, match="identity in float64"):
            ctor(k)


@pytest.mark.parametrize("other", ["a", 3, 2.5, None, np.ones(2)])
def test_a_group_multiplies_only_groups(other):
    with pytest.raises(ArgumentTypeError, match="direct product of two groups"):
        G.S(3) * other
    with pytest.raises(ArgumentTypeError, match="direct product of two groups"):
        other * G.S(3)


def test_permutation_groups_of_large_degree_are_built_at_once(monkeypatch):
    """S(10**6) keeps its two generators as index arrays (32 MB with the guard's margin):
    built in milliseconds, its dense matrices refused only when asked for."""
    monkeypatch.setenv(ENV_VAR, "8G")
    start = time.perf_counter()
    group = G.S(10**6)
    assert time.perf_counter() - start < 0.5
    assert group.d == 10**6 and [p.shape for p in group.permutations] == [(10**6,)] * 2
    assert "_dense_generators" not in group.__dict__  # nothing dense was built
    with pytest.raises(ResourceError, match="S\\(1000000\\) \\(degree 1000000; 2 generators "
                       "and the identity as dense 1000000×1000000 matrices\\) needs about 29.1"):
        _ = group.discrete_generators
    with pytest.raises(ResourceError, match="sample_permutations"):
        group.samples(2)
    p = group.sample_permutations(2, seed=0)
    assert p.shape == (2, 10**6) and (np.sort(p, axis=1) == np.arange(10**6)).all()
    product = group * G.O(3)  # a product builds no dense generator either
    assert product.element_size == 10**6 + 3


def test_index_arrays_of_a_huge_degree_are_refused(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "8G")
    with pytest.raises(ResourceError, match="S\\(1000000000\\) .*index arrays of length"):
        G.S(10**9)
    with pytest.raises(ResourceError, match="10000 samples of S\\(1000000\\) \\(index arrays"):
        G.S(10**6).sample_permutations(10**4)


def test_a_bad_user_permutation_is_refused():
    class NotPerm(G.PermutationGroup):
        permutations = [[0, 0, 1]]

    with pytest.raises(GroupError, match="NotPerm: \\[0, 0, 1\\] is not a permutation"):
        NotPerm()


def test_permutation_samples_match_the_matrix_samples():
    for group in (G.S(6), G.Z(5), G.Rot90(3), G.Cube()):
        p = group.sample_permutations(4, seed=3)
        P = group.samples_numpy(4, seed=3)
        np.testing.assert_array_equal(P, np.stack([np.eye(group.d)[q].T for q in p]))


@pytest.mark.parametrize("make", [
    lambda: G.S(10**5), lambda: G.Z(10**5), lambda: G.Rot90(300), lambda: G.ZksZnxZn(4, 150),
    lambda: G.ZksZnxZn(2, 200),
])
def test_the_index_array_estimate_covers_what_construction_allocates(make, monkeypatch):
    """The same for the index arrays of permutation groups: the guard's estimate is at least
    the constructor's peak (so a huge Rot90 or ZksZnxZn is refused before its working
    copies are allocated), and within a small factor of it."""
    estimates = []

    def recording(name, num_generators, d, working=0):
        estimates.append((num_generators + 2 + working) * d * 8)

    monkeypatch.setattr("emlp_sym.groups.finite.check_permutation_storage", recording)
    tracemalloc.start()
    try:
        make()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert estimates, "the constructor checked nothing"
    estimate = max(estimates)
    assert peak <= estimate + 2**16 and estimate <= 16 * peak, (peak, estimate)
