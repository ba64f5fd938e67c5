"""Resource guards (issue 14, part 1): large allocations are estimated and refused with a
clear ResourceError *before* they are made. Nothing here allocates more than a few MB."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from emlp_sym.errors import EmlpSymError, ResourceError
from emlp_sym.groups import SO
from emlp_sym.nn.core.architecture import mlp_architecture
from emlp_sym.nn.core.bilinear import bilinear_plan
from emlp_sym.nn.core.linear import linear_plan
from emlp_sym.nn.core.plan_cache import clear_caches as clear_plan_caches
from emlp_sym.reps import Scalar, V
from emlp_sym.solvers import krylov, memory, routes
from emlp_sym.solvers.api import equivariant_basis, equivariant_projector


# -- memory_limit and its parsing -----------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("8G", 8 * 2**30), ("8g", 8 * 2**30), ("8GB", 8 * 2**30), ("8GiB", 8 * 2**30),
    ("512M", 512 * 2**20), ("1.5G", 3 * 2**29), ("100", 100), (" 100k ", 102400),
    ("2T", 2 * 2**40), ("1e9", 10**9), (12345, 12345), (2.5e9, 2_500_000_000),
])
def test_parse_bytes(text, expected):
    assert memory.parse_bytes(text) == expected


@pytest.mark.parametrize("bad", ["", "abc", "-1G", "0", "8X", "G", "1.2.3G", True, 0, -5,
                                 float("inf"), float("nan")])
def test_parse_bytes_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        memory.parse_bytes(bad)


def test_memory_limit_argument_then_environment_then_default(monkeypatch):
    monkeypatch.delenv(memory.ENV_VAR, raising=False)
    default = memory.memory_limit()
    assert 0 < default <= memory.available_memory()
    monkeypatch.setenv(memory.ENV_VAR, "3G")
    assert memory.memory_limit() == 3 * 2**30
    assert memory.memory_limit("1M") == 2**20  # the argument wins
    assert memory.memory_limit(4096) == 4096
    monkeypatch.setenv(memory.ENV_VAR, "  ")
    assert memory.memory_limit() == pytest.approx(default, rel=0.5)
    monkeypatch.setenv(memory.ENV_VAR, "lots")
    with pytest.raises(ValueError, match=memory.ENV_VAR):
        memory.memory_limit()


def test_available_memory_falls_back_without_proc(monkeypatch):
    def no_file(*a, **k):
        raise OSError("no /proc here")

    monkeypatch.setattr("builtins.open", no_file)
    assert memory.available_memory() > 0


def test_check_allocation_names_everything():
    memory.check_allocation(10, "a tiny array", "V²", limit="1k")  # fine: no error
    with pytest.raises(ResourceError) as info:
        memory.check_allocation(3 * 2**40, "the dense basis", (V**2)(SO(3)), limit="8G")
    e = info.value
    assert isinstance(e, MemoryError) and isinstance(e, EmlpSymError)
    msg = str(e)
    for part in ["the dense basis", "V²", "size 9", "3 TiB", "8 GiB", "equivariant_projector()",
                 "smaller rep", "EMLP_SYM_MEMORY_LIMIT"]:
        assert part in msg, (part, msg)
    assert "\n" not in msg
    with pytest.raises(ResourceError, match="do this instead"):
        memory.check_allocation(2, "x", "y", "do this instead", size=7, limit=1)


# -- the solver paths refuse before allocating ------------------------------------------------
@pytest.fixture
def low_limit(monkeypatch):
    routes.clear_caches()

    def set_limit(text):
        monkeypatch.setenv(memory.ENV_VAR, text)

    yield set_limit
    routes.clear_caches()


def test_krylov_path_is_guarded(low_limit):
    low_limit("16M")
    t = time.perf_counter()
    rep = (V**10)(SO(3))
    with pytest.raises(ResourceError, match="size 59049"):  # whichever path it takes
        equivariant_basis(rep)
    with pytest.raises(ResourceError, match="Krylov block.*size 59049"):  # the numeric path
        routes.numeric_basis(rep.canonical.terms[0][0], rep.G)
    assert time.perf_counter() - t < 10


def test_dense_orbit_basis_is_guarded(low_limit):
    low_limit("1M")  # (V**6)(SO(3)): a 729 × 729 orbit basis of 4.2 MB
    rep = (V**6)(SO(3))
    with pytest.raises(ResourceError, match="729 × 729 orbit basis"):
        routes.numeric_basis(rep.canonical.terms[0][0], rep.G)


def test_rep_size_is_guarded_before_the_canonical_layout(low_limit):
    low_limit("1G")
    rep = (V**1000)(SO(3))
    t = time.perf_counter()
    with pytest.raises(ResourceError, match="canonical layout"):
        equivariant_basis(rep)
    with pytest.raises(ResourceError):
        equivariant_projector(rep)
    assert time.perf_counter() - t < 5
    assert "_canonical_cache" not in rep.__dict__  # nothing n-sized was built


def test_final_dense_basis_and_projectors_are_guarded(low_limit):
    rep = (V**4)(SO(3))
    Q = equivariant_basis(rep)  # solved under the default limit
    low_limit("600")  # Q is 81 × 3 × 8 = 1944 bytes; canonical 81 × 32 = 2592 is cached
    with pytest.raises(ResourceError, match="81 × 3 basis"):
        equivariant_basis(rep)
    low_limit("4k")
    with pytest.raises(ResourceError, match="projectors"):
        equivariant_projector(rep)  # Q Qᵀ is 81 × 81 × 8 = 52 kB
    low_limit("80k")
    P = equivariant_projector(rep)
    with pytest.raises(ResourceError, match="dense 81 × 81 projector"):
        P.to_dense()  # 2 × 52 kB
    low_limit("1G")
    np.testing.assert_allclose(P.to_dense(), Q @ Q.T, atol=1e-12)


# -- the CLI: exit 2, one line, fast, never killed --------------------------------------------
# The child caps its own address space first (a safety net: a missed guard fails the test,
# not the machine), then runs the CLI as `python -m emlp_sym.cli.main` would.
_CHILD = """
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
sys.argv = ["emlp-sym", *sys.argv[1:]]
runpy.run_module("emlp_sym.cli.main", run_name="__main__")
"""


@pytest.mark.parametrize("rep, group", [("V**12", "SO(3)"), ("V**1000", "SO(3)"),
                                        ("9999999999*V", "S(3)")])
def test_cli_fails_fast_with_one_line(rep, group):
    env = dict(os.environ, EMLP_SYM_MEMORY_LIMIT="256M", JAX_PLATFORMS="cpu")
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, "basis", rep, "--group", group],
        capture_output=True, text=True, timeout=120, env=env,
    )
    elapsed = time.perf_counter() - t
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2, out.stderr
    assert len(lines) == 1 and lines[0].startswith("emlp-sym basis: error: "), out.stderr
    assert "Traceback" not in out.stderr
    assert "EMLP_SYM_MEMORY_LIMIT" in lines[0]
    assert elapsed < 60


def test_sizes_are_exact_and_huge_estimates_print():
    """Rep sizes are Python ints (no int64 wrap-around), and an estimate too large for a
    float still makes a one-line error."""
    from emlp_sym.groups import SO
    from emlp_sym.reps import V
    from emlp_sym.solvers.memory import check_allocation, format_bytes

    assert (V**1000)(SO(3)).size() == 3**1000
    assert format_bytes(32 * 3**1000) == "10^478 B"
    with pytest.raises(ResourceError, match=r"size about 10\^477"):
        check_allocation(32 * 3**1000, "the canonical layout", "V**1000", size=3**1000)


# -- the Krylov block limit is a type, not a message -------------------------------------------
def test_krylov_block_limit_is_typed():
    from emlp_sym.solvers.krylov import BlockLimitReached, nullspace_krylov

    rng = np.random.default_rng(0)
    n, r = 120, 24
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    G = (U * np.concatenate([np.zeros(r), np.linspace(1, 5, n - r)])) @ U.T
    with pytest.raises(BlockLimitReached) as info:
        nullspace_krylov(lambda X: G @ X, n, block=4, max_block=8, lanczos_steps=3)
    assert info.value.max_block == 8 and info.value.dimension >= 8


def test_block_limit_from_the_memory_cap_becomes_a_resource_error(low_limit, monkeypatch):
    """krylov_basis converts by type: a reworded message must not turn the memory error into a
    convergence error."""
    from emlp_sym.solvers.krylov import BlockLimitReached

    class Reworded(BlockLimitReached):
        def __str__(self):
            return "reworded"

    def fake_krylov(gram, n, dtype, max_block):
        raise Reworded(max_block, max_block)

    monkeypatch.setattr(routes, "DENSE_LIMIT", 4)  # (V**4)(SO(3)): orbits r = 81 > 4
    monkeypatch.setattr(krylov, "nullspace_krylov", fake_krylov)
    low_limit("200k")  # 8 copies × 81 × 8 B = 5184 B per column: the block is capped at 39
    rep = (V**4)(SO(3))
    with pytest.raises(ResourceError, match="needs more than 39 columns"):
        routes.numeric_basis(rep.canonical.terms[0][0], rep.G)


# -- layers estimate their own arrays before allocating ----------------------------------------
@pytest.mark.parametrize("build, limit, match", [
    (lambda: linear_plan((V**1000)(SO(3)), V(SO(3))), "1G", r"canonical layout.*10\^477"),
    (lambda: bilinear_plan((V**1000)(SO(3)), V(SO(3))), "1G", "canonical layout"),
    (lambda: linear_plan((2000 * V)(SO(3)), (2000 * V)(SO(3))), "50M",
     r"6000 × 6000 dense tensor weight of Linear for 2000V → 2000V \(sizes 6000 → 6000\)"),
    (lambda: linear_plan((300 * Scalar)(SO(3)), (300 * Scalar)(SO(3))), "1M",
     "90300 parameters of Linear"),
    (lambda: mlp_architecture(V**20, V, SO(3)), "1G", "parameters of MLP.*sizes 3486784401"),
])
def test_layers_refuse_before_allocating(low_limit, build, limit, match):
    low_limit(limit)
    clear_plan_caches()
    t = time.perf_counter()
    with pytest.raises(ResourceError, match=match) as info:
        build()
    assert "smaller ch" in str(info.value) and "EMLP_SYM_MEMORY_LIMIT" in str(info.value)
    assert time.perf_counter() - t < 5


def test_layer_bases_are_summed_as_they_are_solved(low_limit):
    from emlp_sym.nn.core.layer_memory import BasisBudget

    budget = BasisBudget("Linear", V(SO(3)), V(SO(3)))
    low_limit("1k")
    budget.add(np.zeros(100))  # 800 B: fine
    with pytest.raises(ResourceError, match="equivariant bases of Linear.*1.56 KiB"):
        budget.add(np.zeros(100))
