"""Make objax 1.8.0 (archived) usable on current JAX.

Call :func:`ensure_objax` instead of ``import objax``; it applies the shims below once and returns
the ``objax`` module. Every shim only *adds* a name that JAX removed and objax still reads; nothing
that exists in the installed JAX is replaced, so on a JAX old enough to still have a name, that
shim is skipped.

Why each shim exists (objax 1.8.0 source, found by reading it and by running it on JAX 0.10):

* ``jax.sharding.PmapSharding`` (removed when JAX dropped its legacy ``pmap``; ``pmap`` is now
  built on ``jit`` + ``shard_map`` and yields ordinary shardings).
  ``objax/util/check.py::split_shape_and_device`` does
  ``isinstance(array.sharding, jax.sharding.PmapSharding)`` on every ``BaseVar.assign`` - i.e. in
  every ``TrainVar.assign``, ``GradValues``/``Grad``, ``Jit``, ``Vectorize``, optimizer step and
  ``objax.io.load_var_collection`` - and raises ``AttributeError``. Current JAX never creates such
  a sharding, so the shim is an empty stand-in class for which that ``isinstance`` is always
  False: objax then treats every array as unreplicated, which is what it is.

``import objax`` itself succeeds on current JAX (it only builds a lazy ``jax.pmap`` and reads
``jax.Array``, ``jax.interpreters.partial_eval.{JaxprTracer,DynamicJaxprTracer}``, which still
exist), so no import-time shim is needed; the shim is nevertheless installed before objax is first
imported. Note that ``import objax`` replaces ``jax.numpy.pad.__signature__`` (objax's own doing,
harmless).

Not covered (not used by this project): multi-device ``objax.Parallel`` and
``VarCollection.replicate()``; they also use the removed ``jax.tree_map``,
``jax.device_put_replicated``, ``jax.device_put_sharded`` and ``Array.device_buffers``, and rely on
the old ``pmap`` sharding semantics, which a name shim cannot restore.
"""

from __future__ import annotations

import threading
from types import ModuleType

__all__ = ["ensure_objax"]

_lock = threading.Lock()
_objax: ModuleType | None = None
# Names of the JAX attributes this module added (for tests and debugging).
applied_patches: list[str] = []


class _PmapShardingStandIn:
    """Stand-in for the removed ``jax.sharding.PmapSharding``: nothing is ever an instance."""

    def __init__(self, *args, **kwargs):
        raise TypeError(
            "jax.sharding.PmapSharding was removed from JAX; this is a stand-in "
            "installed by emlp_sym.nn.objax.compat for objax's isinstance checks."
        )


_PmapShardingStandIn.__name__ = _PmapShardingStandIn.__qualname__ = "PmapSharding"


def _apply_patches() -> None:
    """Add the JAX names objax 1.8.0 needs and current JAX lacks. Runs once per process."""
    import jax.sharding

    if not hasattr(jax.sharding, "PmapSharding"):
        jax.sharding.PmapSharding = _PmapShardingStandIn
        applied_patches.append("jax.sharding.PmapSharding")


def ensure_objax() -> ModuleType:
    """Return the ``objax`` module, patched to run on the installed JAX (idempotent).

    >>> objax = ensure_objax()
    >>> objax.__name__, ensure_objax() is objax
    ('objax', True)
    """
    global _objax
    if _objax is not None:  # fast path: already patched and imported
        return _objax
    with _lock:
        if _objax is None:
            _apply_patches()
            import objax

            _objax = objax
    return _objax
