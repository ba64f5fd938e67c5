"""Optional on-disk cache of solved monomial bases.

Off unless ``EMLP_SYM_CACHE_DIR`` is set or :func:`set_cache_dir` is called. One ``.npz`` file
per (group, monomial), named by a SHA-256 of its description (library cache version, group
name and generator bytes, atoms). Writes are atomic (a temporary file, then ``os.replace``).
Nothing read back is trusted: the stored description and checksum must match and the basis
must still satisfy the constraints and be orthonormal, otherwise it is recomputed and
rewritten.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

CACHE_VERSION = "1"
_directory: Path | None = None
_from_env = True


def set_cache_dir(path: str | os.PathLike | None) -> None:
    """Cache solved bases under ``path`` (created if needed); ``None`` turns the cache off."""
    global _directory, _from_env
    _directory = Path(path) if path is not None else None
    _from_env = False


def cache_dir() -> Path | None:
    if _from_env:
        env = os.environ.get("EMLP_SYM_CACHE_DIR")
        return Path(env) if env else None
    return _directory


def cache_key(mono, G) -> str | None:
    """A stable text key of (group, monomial), or None if it can't be cached (user reps)."""
    parts = [f"v{CACHE_VERSION}", repr(G)]
    for F in G.factors:
        for arr in (F.lie_algebra, F.discrete_generators):
            parts.append(hashlib.sha256(np.ascontiguousarray(arr, dtype=complex).tobytes())
                         .hexdigest())
    for atom in mono:
        if not hasattr(atom, "group") or type(atom).__name__ != "BaseAtom":
            return None
        parts.append(f"{atom.group!r}:{'*' if atom.dual else ''}")
    return "|".join(parts)


def _path(key: str) -> Path:
    return cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npz"


def _checksum(Q: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(Q).tobytes()).hexdigest()


def load(key: str, n: int, verify) -> np.ndarray | None:
    """The cached basis for ``key`` if present and valid (``verify(Q) -> bool``), else None."""
    if cache_dir() is None or key is None:
        return None
    path = _path(key)
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key or str(data["checksum"]) != _checksum(data["Q"]):
                return None
            Q = np.array(data["Q"])
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # missing/corrupt
        return None
    if Q.ndim != 2 or Q.shape[0] != n or not verify(Q):
        return None
    return Q


def store(key: str, Q: np.ndarray) -> None:
    directory = cache_dir()
    if directory is None or key is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, Q=Q, key=np.array(key), checksum=np.array(_checksum(Q)))
        os.replace(tmp, _path(key))
    except OSError:  # a read-only or full disk must not break solving
        if os.path.exists(tmp):
            os.unlink(tmp)
