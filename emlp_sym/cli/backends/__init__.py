"""How ``emlp-sym train`` drives each front: one small :class:`Backend` per framework.

A backend builds the model in its framework's own idiom (the front in ``emlp_sym.nn.<name>``),
takes Adam steps on the mean squared error, predicts, and moves parameters in and out as the
core's parameter tree, so a run trained with one framework is evaluated with any other, and
its whole training state in and out, for checkpoints. The four optax backends (flax, linen,
haiku, equinox) share their step, loss, predict and state (``_optax.OptaxBackend``); each says
only how its model is built, applied and split.
All arrays crossing this interface are NumPy float32.

Every JAX backend takes ``parallel=`` (an :class:`emlp_sym.cli.sharding.DataParallel`, or None
for JAX's default device): its parameters and optimizer state are replicated over the mesh,
each training batch is split along it (``step``'s ``x, y`` are this process's rows of the
global batch), and evaluation batches are split when they divide evenly. The PyTorch backend
runs on one device and refuses ``parallel`` over more than one.
"""

from __future__ import annotations

import importlib
from typing import Protocol

import jax.numpy as jnp
import numpy as np

from emlp_sym.errors import ConfigError
from emlp_sym.nn import FRONTS

FRAMEWORKS = FRONTS


class Backend(Protocol):
    """``Backend(model, rep_in, rep_out, group, ch, num_layers, stats, seed)``.

    ``model`` is ``"EMLP"`` or ``"MLP"``; ``stats`` the dataset's standardization statistics
    (or None); ``seed`` makes the initial parameters reproducible.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> backend = get_backend("objax")("MLP", V, V, S(3), 8, 1, None, 0)
    >>> backend.predict(np.ones((2, 3), np.float32)).shape
    (2, 3)
    """

    name: str

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        """One Adam step (b1=0.9, b2=0.999, eps=1e-8) on the MSE; returns the loss before it.
        With ``parallel`` over several processes, ``x, y`` are this process's rows."""

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """The MSE on a batch, without training."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The model's outputs (evaluation mode)."""

    def export_params(self) -> dict:
        """The model's parameters as the core's parameter tree."""

    def import_params(self, params: dict) -> None:
        """Load a core parameter tree (saved by any framework)."""

    def export_state(self) -> dict:
        """The whole training state (parameters, the optimizer's moments and step count) as
        named NumPy arrays, for checkpoints (:mod:`emlp_sym.cli.checkpoint`)."""

    def import_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s output exactly; ConfigError if it does not fit."""


#: what a backend needs besides training to checkpoint and resume (see :class:`Backend`)
STATE_METHODS = ("export_state", "import_state")


class OneDevice:
    """The placement of a backend built without ``parallel``: JAX's default device, as
    before; the same methods as :class:`~emlp_sym.cli.sharding.DataParallel`.

    >>> place = OneDevice()
    >>> place.num_devices, place.shard_batch(np.ones(2)).shape
    (1, (2,))
    """

    num_devices = 1
    multi_process = False

    def shard_batch(self, x):
        return jnp.asarray(x)

    put = shard_batch

    def replicate(self, tree):
        return tree

    def to_numpy(self, array):
        return np.asarray(array)


def placement(parallel):
    """``parallel`` itself, or :class:`OneDevice` for None.

    >>> type(placement(None)).__name__
    'OneDevice'
    """
    return OneDevice() if parallel is None else parallel


def make_parallel(framework: str, devices="all", batch_sizes=()):
    """The ``parallel=`` of a backend for ``--devices`` (``"all"`` or a count): a
    :class:`~emlp_sym.cli.sharding.DataParallel` for a JAX front, None for PyTorch (one
    device; a count above 1 is a ConfigError).

    With ``"all"`` in one process, the run takes the most local devices that split every
    training batch in ``batch_sizes`` evenly (batch 500 on 8 GPUs: 4), and says so: the default
    must not refuse a run that an explicit count would take. An explicit count is honoured or
    refused, never changed.

    >>> make_parallel("pytorch", "1") is None, make_parallel("flax", 1).num_devices
    (True, 1)
    """
    import sys

    import jax

    from emlp_sym.cli.sharding import data_parallel, parse_devices

    n = parse_devices(devices)
    if framework == "pytorch":
        if n not in (None, 1):
            raise ConfigError(f"--devices {n}: the pytorch backend trains on one device; pass "
                              f"--devices 1, or use a JAX front (objax, flax, linen, haiku, "
                              f"equinox) to split the batch over {n} devices")
        return None
    if n is None and batch_sizes and jax.process_count() == 1:
        available = jax.local_device_count()
        n = max(k for k in range(1, available + 1) if all(b % k == 0 for b in batch_sizes))
        if n < available:
            print(f"emlp-sym: using {n} of {available} devices, the most that split training "
                  f"batches of {', '.join(map(str, batch_sizes))} evenly (set --devices or "
                  f"--batch-size to choose)", file=sys.stderr)
    return data_parallel("all" if n is None else n)


def check_epoch(parallel, num_examples: int, batch_size: int) -> None:
    """ConfigError unless every training batch of an epoch (the last, smaller one included)
    splits evenly over ``parallel``'s devices.

    >>> from emlp_sym.cli.sharding import data_parallel
    >>> check_epoch(data_parallel(1), 1000, 500)  # splits evenly: nothing happens
    """
    if parallel is None:
        return
    parallel.check_batch(min(batch_size, num_examples), "a training batch (--batch-size)")
    if num_examples > batch_size and num_examples % batch_size:
        parallel.check_batch(num_examples % batch_size,
                             f"the last training batch of an epoch ({num_examples} examples in "
                             f"batches of {batch_size})")


def model_class(front, model: str):
    """The front's ``EMLP`` or ``MLP`` class, by the name ``--model`` gives.

    >>> from emlp_sym.nn import objax
    >>> model_class(objax, "MLP").__name__
    'MLP'
    """
    if model not in ("EMLP", "MLP"):
        raise ConfigError(f"model must be EMLP or MLP, got {model!r}")
    return {"EMLP": front.EMLP, "MLP": front.MLP}[model]


def get_backend(framework: str) -> type:
    """The backend class of a framework (imports that framework).

    >>> get_backend("flax").name
    'flax'
    """
    if framework not in FRAMEWORKS:
        raise ConfigError(f"unknown framework {framework!r}; choose from {', '.join(FRAMEWORKS)}")
    return importlib.import_module(f"emlp_sym.cli.backends.{framework}").Backend
