"""Training on several hosts: one process per host, joined by ``jax.distributed``.

Every process runs the same program. :func:`initialize` connects it to the others through a
coordinator (process 0's ``host:port``); after that ``jax.devices()`` lists the devices of
every process, :class:`emlp_sym.cli.sharding.DataParallel` builds one mesh over all of them,
and each process feeds only its own rows of each global batch (``process_rows``). Gradients
are summed across processes by the collectives XLA inserts in the jitted step (on CPU
through gloo, JAX's default ``jax_cpu_collectives_implementation``; on GPU through NCCL).

The three settings come from arguments (``emlp-sym train --coordinator HOST:PORT
--num-processes N --process-id I``) or, for each one not given, from the environment:
``EMLP_SYM_COORDINATOR`` / ``EMLP_SYM_NUM_PROCESSES`` / ``EMLP_SYM_PROCESS_ID``, else
``JAX_COORDINATOR_ADDRESS`` (the name ``jax.distributed`` itself reads) / ``JAX_NUM_PROCESSES``
/ ``JAX_PROCESS_ID``. None of them set: a single process, nothing to do. See
docs/multi_device.md for the recipe.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from emlp_sym.errors import ConfigError

__all__ = ["DistributedConfig", "distributed_config", "initialize", "is_main_process"]

# for each setting, the environment variables read when it is not passed, in order
ENVIRONMENT = {
    "coordinator": ("EMLP_SYM_COORDINATOR", "JAX_COORDINATOR_ADDRESS"),
    "num_processes": ("EMLP_SYM_NUM_PROCESSES", "JAX_NUM_PROCESSES"),
    "process_id": ("EMLP_SYM_PROCESS_ID", "JAX_PROCESS_ID"),
}


class DistributedConfig(NamedTuple):
    """Where to meet (process 0's ``"host:port"``), how many processes, and which one this is.

    >>> config = DistributedConfig("10.0.0.1:1234", num_processes=2, process_id=0)
    >>> config.coordinator, config.num_processes
    ('10.0.0.1:1234', 2)
    """

    coordinator: str  # "host:port" of process 0
    num_processes: int
    process_id: int


def _from_env(name, environ):
    for var in ENVIRONMENT[name]:
        if environ.get(var, "").strip():
            return environ[var].strip(), var
    return None, None


def _as_int(value, what) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{what} must be an integer, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be an integer, got {value!r}") from None


def distributed_config(coordinator=None, num_processes=None, process_id=None,
                       environ: Mapping[str, str] | None = None) -> DistributedConfig | None:
    """The multi-process settings from the arguments, else the environment; None when none of
    the three is set (one process). ConfigError when only some are set or one is invalid.

    >>> distributed_config(environ={}) is None
    True
    >>> distributed_config("10.0.0.1:1234", 2, 1, environ={})
    DistributedConfig(coordinator='10.0.0.1:1234', num_processes=2, process_id=1)
    """
    environ = os.environ if environ is None else environ
    given = {"coordinator": coordinator, "num_processes": num_processes,
             "process_id": process_id}
    values, sources = {}, {}
    for name, value in given.items():
        if value is not None:
            values[name], sources[name] = value, f"--{name.replace('_', '-')}"
        else:
            values[name], sources[name] = _from_env(name, environ)
    if all(v is None for v in values.values()):
        return None
    missing = [n for n, v in values.items() if v is None]
    if missing:
        names = ", ".join(f"--{n.replace('_', '-')} (or {ENVIRONMENT[n][0]})" for n in missing)
        raise ConfigError(f"several processes need a coordinator, a process count and a process "
                          f"id; missing {names}")
    n = _as_int(values["num_processes"], sources["num_processes"])
    i = _as_int(values["process_id"], sources["process_id"])
    if n < 1:
        raise ConfigError(f"{sources['num_processes']} must be at least 1, got {n}")
    if not 0 <= i < n:
        raise ConfigError(f"{sources['process_id']} must be in 0..{n - 1} for {n} processes, "
                          f"got {i}")
    address = str(values["coordinator"])
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"{sources['coordinator']} must be HOST:PORT (process 0's address, "
                          f"e.g. 10.0.0.1:1234), got {address!r}")
    return DistributedConfig(address, n, i)


def initialize(config: DistributedConfig | None, timeout_s: int = 300) -> bool:
    """Join the other processes (``jax.distributed.initialize``) if ``config`` is not None;
    returns whether it did. Must run before JAX touches a device.

    >>> initialize(None)  # one process: nothing to join
    False
    """
    if config is None:
        return False
    import jax

    if jax.distributed.is_initialized():
        return True
    try:
        jax.distributed.initialize(config.coordinator, config.num_processes, config.process_id,
                                   initialization_timeout=int(timeout_s))
    except RuntimeError as e:  # e.g. called after JAX already started its backends
        raise ConfigError(f"could not join the {config.num_processes} processes through "
                          f"{config.coordinator} as process {config.process_id}: {e}") from None
    return True


def is_main_process() -> bool:
    """True in process 0 (or when there is one process): the one that writes files.

    >>> is_main_process()  # a single process is the main one
    True
    """
    import jax

    return jax.process_index() == 0
