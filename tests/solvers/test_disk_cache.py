"""The optional on-disk cache (issue 14, part 2): reuse, concurrent writers, truncated /
corrupt / foreign / wrong files recomputed with a warning, unwritable folders fall back to
memory."""

import multiprocessing
import os
import subprocess
import sys

import numpy as np
import pytest

from emlp_sym import solvers
from emlp_sym.groups import SO, S
from emlp_sym.reps import V
from emlp_sym.solvers import cache, routes
from emlp_sym.solvers.cache import CacheWarning


@pytest.fixture
def cache_dir(tmp_path):
    solvers.set_cache_dir(tmp_path)
    solvers.clear_caches()
    yield tmp_path
    solvers.set_cache_dir(None)
    solvers.clear_caches()


def _files(d):
    return sorted(d.glob("*.npz"))


def _key(rep, G):
    return cache.cache_key(rep(G).canonical.terms[0][0], G)


def test_bases_are_stored_and_reused(cache_dir, monkeypatch):
    Q1 = (V**4)(SO(3)).equivariant_basis()
    (f,) = _files(cache_dir)
    assert not list(cache_dir.glob("*.tmp")) and not list(cache_dir.glob(".*.tmp"))
    solvers.clear_caches()
    calls = []
    for name in routes._NUMERIC:  # no solving route may run: the basis comes from disk
        monkeypatch.setitem(routes._NUMERIC, name, lambda *a: calls.append(a))
    Q2 = (V**4)(SO(3)).equivariant_basis()
    assert not calls and np.array_equal(Q1, Q2)


def _truncate(f):
    f.write_bytes(f.read_bytes()[:50])


def _flip_a_byte_of_q(f):
    with np.load(f) as data:  # rewrite with a changed entry but the old checksum
        fields = {k: np.array(data[k]) for k in data.files}
    fields["Q"][0, 0] += 0.5
    np.savez(f, **fields)


def _foreign(f):
    np.savez(f, Q=np.eye(27)[:, :1], something="else")


def _other_format(f):
    with np.load(f) as data:
        fields = {k: np.array(data[k]) for k in data.files}
    fields["format"] = np.array("emlp_sym-basis-cache/0")
    np.savez(f, **fields)


def _garbage(f):
    f.write_bytes(os.urandom(300))


@pytest.mark.parametrize("damage, reason", [
    (_truncate, "truncated or corrupt"), (_garbage, "truncated or corrupt"),
    (_flip_a_byte_of_q, "checksum"), (_foreign, "format"), (_other_format, "format"),
])
def test_damaged_entry_is_recomputed_with_a_warning(cache_dir, damage, reason):
    Q1 = (V**3)(SO(3)).equivariant_basis()
    (f,) = _files(cache_dir)
    damage(f)
    solvers.clear_caches()
    with pytest.warns(CacheWarning, match=reason):
        Q2 = (V**3)(SO(3)).equivariant_basis()
    np.testing.assert_allclose(Q1, Q2, atol=1e-12)
    assert cache.load(_key(V**3, SO(3)), 27, lambda Q: True) is not None  # rewritten


def test_wrong_basis_with_valid_checksum_is_not_trusted(cache_dir):
    key = _key(V**2, SO(3))
    cache.store(key, np.eye(9)[:, :1])  # a well-formed file holding a wrong basis
    solvers.clear_caches()
    with pytest.warns(CacheWarning, match="constraints"):
        Q = (V**2)(SO(3)).equivariant_basis()
    assert np.allclose(np.abs(Q[:, 0]), np.eye(3).reshape(-1) / np.sqrt(3))


def test_a_file_stored_for_another_key_is_not_used(cache_dir):
    Q3 = (V**2)(S(3)).equivariant_basis()
    (f,) = _files(cache_dir)
    target = cache._path(_key(V**2, S(4)))
    f.rename(target)  # a file under the wrong name (e.g. a hash collision or a copy)
    solvers.clear_caches()
    with pytest.warns(CacheWarning, match="another rep"):
        Q4 = (V**2)(S(4)).equivariant_basis()
    assert Q4.shape == (16, 2) and Q3.shape == (9, 2)


def test_different_groups_do_not_collide(cache_dir):
    a = (V**2)(S(3)).equivariant_basis()
    b = (V**2)(S(4)).equivariant_basis()
    assert a.shape != b.shape and len(_files(cache_dir)) == 2


# -- several processes at once ----------------------------------------------------------------
def _solve_in_child(directory, barrier, out_path):
    from emlp_sym import solvers as s
    from emlp_sym.groups import SO as SO_
    from emlp_sym.reps import V as V_

    s.set_cache_dir(directory)
    barrier.wait(timeout=120)  # start together, so the reads and writes overlap
    results = []
    for _ in range(3):
        s.clear_caches()
        results.append(np.asarray((V_**5)(SO_(3)).equivariant_basis()))
    np.save(out_path, np.stack(results))


def test_concurrent_processes_share_one_valid_file(cache_dir, tmp_path_factory):
    ctx = multiprocessing.get_context("spawn")  # no forked JAX state
    k = 3
    out = tmp_path_factory.mktemp("results")
    barrier = ctx.Barrier(k)
    procs = [ctx.Process(target=_solve_in_child, args=(str(cache_dir), barrier, out / f"{i}.npy"))
             for i in range(k)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    codes = [p.exitcode for p in procs]
    for p in procs:
        if p.exitcode is None:
            p.kill()
    assert codes == [0] * k, codes
    solvers.clear_caches()
    Q = np.asarray((V**5)(SO(3)).equivariant_basis())
    for i in range(k):  # every process, every time, got the same basis
        assert all(np.array_equal(R, Q) for R in np.load(out / f"{i}.npy"))
    (f,) = _files(cache_dir)
    assert not [p for p in cache_dir.iterdir() if p.suffix == ".tmp"]
    assert cache.load(_key(V**5, SO(3)), 243, lambda Q: True) is not None


# -- a folder that cannot be written ----------------------------------------------------------
def test_cache_under_a_regular_file_falls_back_to_memory(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    solvers.set_cache_dir(blocker / "cache")  # mkdir fails, even for root
    solvers.clear_caches()
    try:
        with pytest.warns(CacheWarning, match="cannot be written") as record:
            Q1 = (V**3)(SO(3)).equivariant_basis()
            Q2 = (V**2)(SO(3)).equivariant_basis()  # no second warning for the same folder
        assert len([w for w in record if issubclass(w.category, CacheWarning)]) == 1
        assert Q1.shape == (27, 1) and Q2.shape == (9, 1)
        assert (V**3)(SO(3)).equivariant_basis() is not None  # from memory
    finally:
        solvers.set_cache_dir(None)
        solvers.clear_caches()


def test_read_only_folder_falls_back_to_memory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.access(ro, os.W_OK):  # root (CAP_DAC_OVERRIDE) ignores the mode bits
            pytest.skip("chmod cannot deny writes to this user; the regular-file case covers it")
        solvers.set_cache_dir(ro)
        solvers.clear_caches()
        with pytest.warns(CacheWarning, match="cannot be written"):
            Q = (V**3)(SO(3)).equivariant_basis()
        assert Q.shape == (27, 1) and not list(ro.iterdir())
    finally:
        ro.chmod(0o755)
        solvers.set_cache_dir(None)
        solvers.clear_caches()


def test_cache_follows_the_environment(tmp_path):
    code = "from emlp_sym.solvers import cache; print(cache.cache_dir())"
    env = {k: v for k, v in os.environ.items() if k != "EMLP_SYM_CACHE_DIR"}
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                        env={**env, "EMLP_SYM_CACHE_DIR": str(tmp_path)})
    assert off.stdout.strip() == "None" and on.stdout.strip() == str(tmp_path)
