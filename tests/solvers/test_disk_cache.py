"""The optional on-disk cache: reuse, atomic files, corrupted and wrong entries recomputed."""

import numpy as np
import pytest

from emlp_sym import solvers
from emlp_sym.groups import SO, S
from emlp_sym.reps import V
from emlp_sym.solvers import cache, monomial


@pytest.fixture
def cache_dir(tmp_path):
    solvers.set_cache_dir(tmp_path)
    solvers.clear_caches()
    yield tmp_path
    solvers.set_cache_dir(None)
    solvers.clear_caches()


def _files(d):
    return sorted(d.glob("*.npz"))


def test_bases_are_stored_and_reused(cache_dir, monkeypatch):
    Q1 = (V**4)(SO(3)).equivariant_basis()
    (f,) = _files(cache_dir)
    assert not list(cache_dir.glob("*.tmp"))
    solvers.clear_caches()
    calls = []
    monkeypatch.setattr(monomial, "_solve_numeric", lambda *a: calls.append(a))
    Q2 = (V**4)(SO(3)).equivariant_basis()
    assert not calls and np.array_equal(Q1, Q2)


def test_corrupted_entry_is_recomputed(cache_dir):
    Q1 = (V**3)(SO(3)).equivariant_basis()
    (f,) = _files(cache_dir)
    f.write_bytes(f.read_bytes()[:50])  # truncate
    solvers.clear_caches()
    Q2 = (V**3)(SO(3)).equivariant_basis()
    assert np.allclose(Q1, Q2)
    assert cache.load(cache.cache_key(((V**3)(SO(3))).canonical.terms[0][0], SO(3)),
                           27, lambda Q: True) is not None  # rewritten


def test_wrong_basis_with_valid_checksum_is_not_trusted(cache_dir):
    mono = (V**2)(SO(3)).canonical.terms[0][0]
    key = cache.cache_key(mono, SO(3))
    cache.store(key, np.eye(9)[:, :1])  # a well-formed file holding a wrong basis
    solvers.clear_caches()
    Q = (V**2)(SO(3)).equivariant_basis()
    assert np.allclose(np.abs(Q[:, 0]), np.eye(3).reshape(-1) / np.sqrt(3))


def test_different_groups_do_not_collide(cache_dir):
    a = (V**2)(S(3)).equivariant_basis()
    b = (V**2)(S(4)).equivariant_basis()
    assert a.shape != b.shape and len(_files(cache_dir)) == 2


def test_cache_follows_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    code = "from emlp_sym.solvers import cache; print(cache.cache_dir())"
    env = {k: v for k, v in os.environ.items() if k != "EMLP_SYM_CACHE_DIR"}
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                        env={**env, "EMLP_SYM_CACHE_DIR": str(tmp_path)})
    assert off.stdout.strip() == "None" and on.stdout.strip() == str(tmp_path)
