"""Run LAPACK work on one OpenBLAS thread, for the length of a ``with`` block.

The solvers' dense linear algebra (the Krylov iteration's QR and Rayleigh–Ritz eigh, the
dense null space's eigh) runs on matrices of a few hundred to a few thousand rows, next to
XLA's own thread pool. A multi-threaded OpenBLAS whose threads compete with XLA's or other
processes' for the cores was measured 10-25x slower than one thread (eigh of a 1500 × 1500
matrix: 15 s against 0.65 s on a loaded 2-core machine). :func:`single_threaded_blas` sets
the OpenBLAS copies that NumPy and SciPy vendor to one thread and restores them afterwards;
overlapping users (threads) share one save/restore. Set :data:`LIMIT_BLAS_THREADS` to False
to use all threads.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import os
import threading

import numpy as np
import scipy

__all__ = ["LIMIT_BLAS_THREADS", "openblas_thread_setters", "single_threaded_blas"]

#: Limit NumPy's and SciPy's OpenBLAS to one thread during solves (see the module docstring).
LIMIT_BLAS_THREADS = True


@functools.cache
def openblas_thread_setters() -> tuple:
    """``openblas_set_num_threads_local`` of the OpenBLAS copies NumPy and SciPy loaded.

    Empty when NumPy and SciPy use another BLAS (MKL, Accelerate) or a system OpenBLAS.

    >>> all(callable(fn) for fn in openblas_thread_setters())
    True
    """
    setters = []
    for pkg in (np, scipy):
        site = os.path.dirname(os.path.dirname(pkg.__file__))
        libdir = os.path.join(site, pkg.__name__ + ".libs")  # where wheels vendor OpenBLAS
        for path in sorted(glob.glob(os.path.join(libdir, "*openblas*"))):
            try:  # RTLD_NOLOAD: only a library that is already loaded
                lib = ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 0) | ctypes.RTLD_LOCAL)
                fn = lib.openblas_set_num_threads_local
            except (OSError, AttributeError):
                continue
            fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
            setters.append(fn)
    return tuple(setters)


class _ThreadLimit:
    """Counts the solves inside :func:`single_threaded_blas` across threads: the first
    saves the thread counts and sets one thread, the last restores them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._saved: list[int] = []

    def enter(self, setters) -> None:
        with self._lock:
            if self._users == 0:
                self._saved = [fn(1) for fn in setters]
            self._users += 1

    def exit(self, setters) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                for fn, old in zip(setters, self._saved, strict=True):
                    fn(max(1, old))


_LIMIT = _ThreadLimit()


@contextlib.contextmanager
def single_threaded_blas():
    """Limit NumPy's and SciPy's OpenBLAS to one thread inside the block, if possible.

    A no-op when :data:`LIMIT_BLAS_THREADS` is False or no OpenBLAS with
    ``openblas_set_num_threads_local`` is loaded.

    >>> import numpy as np
    >>> with single_threaded_blas():
    ...     w = np.linalg.eigvalsh(np.eye(3))
    >>> w
    array([1., 1., 1.])
    """
    setters = openblas_thread_setters() if LIMIT_BLAS_THREADS else ()
    _LIMIT.enter(setters)
    try:
        yield
    finally:
        _LIMIT.exit(setters)
