"""Optional on-disk cache of solved monomial bases.

Off unless ``EMLP_SYM_CACHE_DIR`` is set or :func:`set_cache_dir` is called. One ``.npz`` file
per (group, monomial), named by a SHA-256 of its description (library cache version, group
name and generator bytes, atoms). Each file holds the basis ``Q``, the file format
(:data:`FILE_FORMAT`), the full key and a SHA-256 checksum of ``Q``'s dtype, shape and bytes.

Faults it survives:

* several processes solving the same rep at once: each writes a private temporary file in the
  cache folder and moves it into place with ``os.replace`` (atomic on POSIX and Windows), so a
  reader sees either no file or a complete one, and the last writer wins with an equal basis;
* a truncated, corrupt or foreign file (other format, other key, bad checksum), or one whose
  basis no longer satisfies the constraints: it is ignored with a :class:`CacheWarning`, and
  the basis is recomputed and rewritten;
* a folder that cannot be created or written (read-only, a path under a regular file, a full
  disk): one :class:`CacheWarning` per folder, and solved bases stay in the in-memory cache
  (:mod:`emlp_sym.solvers.routes`) only.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

CACHE_VERSION = "1"
FILE_FORMAT = "emlp_sym-basis-cache/2"  # what a file says it is; any other value is foreign
_directory: Path | None = None
_from_env = True
_unwritable: set[Path] = set()  # folders already reported as unwritable (warn once)


class CacheWarning(UserWarning):
    """A cache file was ignored (and will be recomputed), or the cache folder is unwritable."""


def set_cache_dir(path: str | os.PathLike | None) -> None:
    """Cache solved bases under ``path`` (created if needed); ``None`` turns the cache off."""
    global _directory, _from_env
    _directory = Path(path) if path is not None else None
    _from_env = False
    _unwritable.clear()


def cache_dir() -> Path | None:
    """The cache folder in use: ``set_cache_dir``'s, else ``$EMLP_SYM_CACHE_DIR``, else None
    (off)."""
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
    """SHA-256 of the dtype, the shape and the bytes: a file whose array was cut or retyped
    does not match."""
    h = hashlib.sha256(f"{Q.dtype.str}|{Q.shape}|".encode())
    h.update(np.ascontiguousarray(Q).tobytes())
    return h.hexdigest()


def _ignore(path: Path, reason: str) -> None:
    warnings.warn(f"ignoring the cached basis {path}: {reason}; recomputing it",
                  CacheWarning, stacklevel=3)


def load(key: str, n: int, verify) -> np.ndarray | None:
    """The cached basis for ``key`` if present and valid (``verify(Q) -> bool``), else None
    (with a :class:`CacheWarning` if a file was there but is not to be trusted)."""
    if cache_dir() is None or key is None:
        return None
    path = _path(key)
    try:
        with np.load(path, allow_pickle=False) as data:
            if "format" not in data.files or str(data["format"]) != FILE_FORMAT:
                _ignore(path, "not a file of this library's cache format "
                        f"{FILE_FORMAT!r} (foreign or from another version)")
                return None
            if str(data["key"]) != key:
                _ignore(path, "it was stored for another rep or group")
                return None
            Q = np.array(data["Q"])
            if str(data["checksum"]) != _checksum(Q):
                _ignore(path, "its checksum does not match (corrupt)")
                return None
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None  # the ordinary miss, or a folder store() will report as unusable
    except IsADirectoryError:
        _ignore(path, "it is a folder")
        return None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as e:
        _ignore(path, f"it is truncated or corrupt ({type(e).__name__})")
        return None
    if Q.dtype.kind not in "fc" or Q.ndim != 2 or Q.shape[0] != n or not verify(Q):
        _ignore(path, "its basis does not satisfy the constraints")
        return None
    return Q


def store(key: str, Q: np.ndarray) -> None:
    """Write ``Q`` for ``key`` atomically (temporary file, then ``os.replace``); if the folder
    cannot be written, warn once and keep the basis in memory only."""
    directory = cache_dir()
    if directory is None or key is None or directory in _unwritable:
        return
    tmp = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".basis-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, Q=Q, key=np.array(key), format=np.array(FILE_FORMAT),
                     checksum=np.array(_checksum(np.asarray(Q))))
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp, _path(key))
        tmp = None
    except OSError as e:  # read-only, not a folder, disk full: solving must not break
        _unwritable.add(directory)
        warnings.warn(f"the basis cache folder {directory} cannot be written ({e.strerror or e}); "
                      "solved bases are kept in memory only. Set EMLP_SYM_CACHE_DIR (or "
                      "solvers.set_cache_dir) to a writable folder", CacheWarning, stacklevel=3)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
