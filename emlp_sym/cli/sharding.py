"""Data parallelism on JAX's sharding: a batch split over devices, parameters replicated.

One :class:`DataParallel` holds a one-axis :class:`jax.sharding.Mesh` (axis ``"data"``) over
the devices a run uses, and the two placements a data-parallel step needs:

* ``batch_sharding`` = ``NamedSharding(mesh, P("data"))``: examples split in equal, contiguous
  blocks, one per device (device ``k`` of ``n`` holds rows ``k·B/n … (k+1)·B/n``);
* ``replicated`` = ``NamedSharding(mesh, P())``: a full copy of the parameters (and optimizer
  state) on every device.

Nothing else changes: a ``jax.jit`` step fed a sharded batch and replicated parameters is
partitioned by XLA (GSPMD), which inserts the all-reduce of the gradients, so the same step
code runs on one CPU, eight GPUs or several hosts, and its losses equal one device's up to
float summation order.

Batch sizes: a training batch must divide evenly over the devices; otherwise
:meth:`DataParallel.shard_batch` raises :class:`~emlp_sym.errors.ConfigError` naming a batch
size that does (we refuse rather than pad: padding would need a mask in every front's loss,
and a padded example that is not masked silently changes the gradient). Evaluation
(:meth:`DataParallel.put`) takes any batch: one that does not divide is replicated, which is
exact, only not parallel.

Several processes (``jax.distributed``, see :mod:`emlp_sym.distributed`): the mesh spans every
process's devices, each process passes its own rows of the global batch
(:meth:`DataParallel.process_rows`), and :meth:`~DataParallel.to_numpy` gathers a sharded
result back to every process.

The module imports no framework; ``emlp_sym.cli.backends`` use it for every JAX front.

>>> dp = data_parallel("all")
>>> dp.shard_batch(np.ones((4 * dp.num_devices, 3), np.float32)).shape[0] % dp.num_devices
0
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from emlp_sym.errors import ConfigError

__all__ = ["DATA_AXIS", "DataParallel", "parse_devices", "select_devices", "data_parallel"]

#: the name of the mesh axis the batch is split along
DATA_AXIS = "data"


def parse_devices(text) -> int | None:
    """``"all"`` → None (every device); ``"4"`` or ``4`` → 4. Anything else: ConfigError.

    >>> parse_devices("all"), parse_devices("4"), parse_devices(2)
    (None, 4, 2)
    """
    if isinstance(text, str) and text.strip().lower() == "all":
        return None
    if isinstance(text, bool):
        raise ConfigError(f"devices must be a positive integer or 'all', got {text!r}")
    try:
        n = int(text)
    except (TypeError, ValueError):
        raise ConfigError(f"devices must be a positive integer or 'all', got {text!r}") from None
    if n < 1 or (isinstance(text, float) and n != text):
        raise ConfigError(f"devices must be a positive integer or 'all', got {text!r}")
    return n


def select_devices(devices=None) -> list:
    """The devices a run uses: ``None``/``"all"``: every device; ``n``: the first ``n`` local
    devices of each process; a list of ``jax.Device``: those.

    Raises ConfigError when more devices are asked for than a process has.

    >>> len(select_devices(1))
    1
    """
    if isinstance(devices, (list, tuple)) and devices and not isinstance(devices[0], (int, str)):
        return list(devices)
    n = parse_devices("all" if devices is None else devices)
    if n is None:
        return list(jax.devices())
    local = jax.local_devices()
    if n > len(local):
        platform = local[0].platform
        hint = (f"; on CPU, start Python with XLA_FLAGS=--xla_force_host_platform_device_count={n}"
                " to split the host into that many devices" if platform == "cpu" else "")
        raise ConfigError(f"asked for {n} devices but this process has {len(local)} "
                          f"{platform} device(s): pass --devices {len(local)} or 'all'{hint}")
    if jax.process_count() == 1:
        return list(local[:n])
    by_process: dict[int, list] = {}
    for d in jax.devices():
        by_process.setdefault(d.process_index, []).append(d)
    return [d for p in sorted(by_process) for d in by_process[p][:n]]


class DataParallel:
    """A mesh over ``devices`` with the batch split along ``"data"`` and the rest replicated.

    Args:
        devices: the ``jax.Device`` s to use, in mesh order (see :func:`select_devices`).

    >>> dp = DataParallel(jax.devices()[:1])
    >>> dp.num_devices, dp.put(np.ones((4, 3))).shape
    (1, (4, 3))
    """

    def __init__(self, devices: Sequence):
        devices = list(devices)
        if not devices:
            raise ConfigError("DataParallel needs at least one device")
        self.devices = tuple(devices)
        self.mesh = Mesh(np.array(devices, dtype=object), (DATA_AXIS,))
        self.batch_sharding = NamedSharding(self.mesh, P(DATA_AXIS))
        self.replicated = NamedSharding(self.mesh, P())
        self.process_indices = sorted({d.process_index for d in devices})
        self.multi_process = len(self.process_indices) > 1

    @property
    def num_devices(self) -> int:
        return len(self.devices)

    @property
    def num_processes(self) -> int:
        return len(self.process_indices)

    def __repr__(self):
        kinds = sorted({d.platform for d in self.devices})
        return (f"DataParallel({self.num_devices} {'/'.join(kinds)} device(s), "
                f"{self.num_processes} process(es))")

    def check_batch(self, n: int, what: str = "the batch") -> None:
        """ConfigError unless ``n`` examples split evenly over the devices."""
        d = self.num_devices
        if n % d:
            lower, upper = (n // d) * d, -(-n // d) * d
            choices = f"{upper}" if lower == 0 else f"{lower} or {upper}"
            raise ConfigError(
                f"{what} has {n} examples, which do not split evenly over {d} devices: use a "
                f"batch size that is a multiple of {d} (e.g. {choices}), or fewer devices "
                f"(--devices)")

    def process_rows(self, n: int) -> slice:
        """The rows of a global batch of ``n`` that this process feeds (all of them with one
        process): a contiguous block, in the mesh's process order."""
        if not self.multi_process:
            return slice(0, n)
        self.check_batch(n)
        me = self.process_indices.index(jax.process_index())
        per = n // self.num_processes
        return slice(me * per, (me + 1) * per)

    def shard_batch(self, x_local) -> jax.Array:
        """The batch split along ``"data"``: ``x_local`` is the whole batch with one process,
        this process's rows (:meth:`process_rows`) with several."""
        x_local = np.asarray(x_local) if not isinstance(x_local, jax.Array) else x_local
        n = x_local.shape[0] * self.num_processes
        self.check_batch(n)
        if not self.multi_process:
            return jax.device_put(x_local, self.batch_sharding)
        return jax.make_array_from_process_local_data(
            self.batch_sharding, np.asarray(x_local), (n, *x_local.shape[1:]))

    def put(self, x) -> jax.Array:
        """An evaluation batch (the whole batch, on every process): split along ``"data"``
        when it divides evenly, else replicated (exact, not parallel)."""
        x = np.asarray(x)
        if x.shape[0] % self.num_devices == 0:
            return self.shard_batch(x[self.process_rows(x.shape[0])])
        return self.replicate(x)

    def replicate(self, tree):
        """Every array leaf of ``tree`` copied to every device (parameters, optimizer state);
        other leaves are left as they are. With several processes every process must pass the
        same values."""
        return jax.tree.map(self._replicate_leaf, tree)

    def _replicate_leaf(self, leaf):
        if not isinstance(leaf, (jax.Array, np.ndarray, np.generic)):
            return leaf
        if not self.multi_process:
            return jax.device_put(leaf, self.replicated)
        if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            data = jax.make_array_from_process_local_data(
                self.replicated, np.asarray(jax.random.key_data(leaf)))
            return jax.random.wrap_key_data(data, impl=jax.random.key_impl(leaf))
        return jax.make_array_from_process_local_data(self.replicated, np.asarray(leaf))

    def to_numpy(self, array) -> np.ndarray:
        """A result as one NumPy array on this process (gathered across processes)."""
        if isinstance(array, jax.Array) and not array.is_fully_addressable:
            if array.is_fully_replicated:
                return np.asarray(array.addressable_data(0))
            from jax.experimental import multihost_utils

            return np.asarray(multihost_utils.process_allgather(array, tiled=True))
        return np.asarray(array)


def data_parallel(devices="all") -> DataParallel:
    """:class:`DataParallel` over ``devices`` (``"all"``, a count, or a list of devices).

    >>> dp = data_parallel(1)
    >>> dp.num_devices, dp.num_processes
    (1, 1)
    """
    return DataParallel(select_devices(devices))
