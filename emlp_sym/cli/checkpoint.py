"""Checkpoints and atomic outputs of ``emlp-sym train``.

Every file a run writes goes through :func:`atomic_write`: a temporary file in the same folder,
flushed and fsynced, then moved into place by ``os.replace`` (atomic on POSIX and Windows). A
run killed at any instant leaves each output either absent, as before, or complete; never
half-written.

A checkpoint (``checkpoint.npz`` in the run folder) holds everything an exact resume needs:

* ``format``: :data:`FORMAT`; ``config``: the run's settings (JSON);
* ``epoch``: how many epochs are done; ``train_losses``, ``test_epochs``, ``test_losses``;
* ``state/<name>``: the backend's whole training state (parameters *and* optimizer moments and
  step count), from its ``export_state()``;
* ``checksum``: SHA-256 over all of the above, so a damaged file is refused, not half-used.

The data order of epoch ``e`` depends only on ``(seed, e)`` (see
:class:`~emlp_sym.datasets.DataLoader`), so a resumed run sees the same batches as an
uninterrupted one, and with the same state it computes the same numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from emlp_sym.atomic import TEMPORARY_SUFFIX
from emlp_sym.atomic import atomic_write as shared_atomic_write
from emlp_sym.errors import ConfigError, TrainingError

__all__ = ["CHECKPOINT_NAME", "FORMAT", "Checkpoint", "atomic_write", "atomic_write_text",
           "check_resumable", "check_same_run", "load_checkpoint", "pytree_state",
           "remove_stale_temporaries", "restore_pytree", "save_checkpoint"]

#: what a checkpoint file says it is; any other value is refused
FORMAT = "emlp_sym-train-checkpoint/1"
#: the checkpoint's file name in the run folder
CHECKPOINT_NAME = "checkpoint.npz"
#: settings that may differ between the interrupted run and its resumption
RESUME_MAY_CHANGE = ("epochs", "out", "progress", "checkpoint_every", "resume", "devices")


def atomic_write(path: str | os.PathLike, write: Callable) -> None:
    """Call ``write(f)`` on a fresh binary file beside ``path``, then atomically put it at
    ``path`` (:func:`emlp_sym.atomic.atomic_write`, the usual file mode). On any error the
    temporary file is removed and ``path`` is left as it was.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "data.bin")
    >>> atomic_write(path, lambda f: f.write(b"abc"))
    >>> open(path, "rb").read(), os.listdir(folder)
    (b'abc', ['data.bin'])
    """
    # _commit looked up per call: the fault tests replace it to kill a run mid-commit
    shared_atomic_write(path, write, commit=lambda tmp, target: _commit(tmp, target))


def _commit(tmp: str, path: Path) -> None:
    os.replace(tmp, path)


def remove_stale_temporaries(folder) -> list[Path]:
    """Delete the temporary files that :func:`atomic_write` leaves behind when its process is
    killed before the final rename (``.<name>.<random>.tmp``); returns what was removed. Call
    it only when no other run writes to ``folder`` (e.g. when resuming).

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, ".params.npz.x1y2.tmp"), "w").close()
    >>> [p.name for p in remove_stale_temporaries(folder)], os.listdir(folder)
    (['.params.npz.x1y2.tmp'], [])
    """
    removed = []
    for tmp in Path(folder).glob(f".*{TEMPORARY_SUFFIX}"):
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    return removed


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, like :func:`atomic_write`.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "note.txt")
    >>> atomic_write_text(path, "done")
    >>> open(path).read()
    'done'
    """
    atomic_write(path, lambda f: f.write(text.encode()))


class Checkpoint(NamedTuple):
    """What :func:`load_checkpoint` reads back: the run's settings, the epochs done, the loss
    history and the backend's training state.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, CHECKPOINT_NAME)
    >>> save_checkpoint(path, {"seed": 0}, 3, [0.5, 0.4, 0.3], [(2, 0.6)], {"w": np.zeros(2)})
    >>> load_checkpoint(path).epoch, load_checkpoint(path).test_losses
    (3, [(2, 0.6)])
    """

    config: dict
    epoch: int  # epochs completed
    train_losses: list
    test_losses: list  # (epoch, loss) pairs
    state: dict  # name -> array: the backend's export_state()


def _digest(fields: dict) -> str:
    h = hashlib.sha256()
    for name in sorted(fields):
        a = np.ascontiguousarray(fields[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_checkpoint(path, config: dict, epoch: int, train_losses, test_losses,
                    state: dict) -> None:
    """Write a checkpoint atomically (see the module docstring for its contents).

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, CHECKPOINT_NAME)
    >>> save_checkpoint(path, {"seed": 0}, 1, [0.5], [], {"w": np.zeros(2)})
    >>> os.listdir(folder)
    ['checkpoint.npz']
    """
    test_losses = list(test_losses)
    fields = {
        "format": np.array(FORMAT),
        "config": np.array(json.dumps(config, sort_keys=True)),
        "epoch": np.array(int(epoch)),
        "train_losses": np.asarray(train_losses, dtype=np.float64),
        "test_epochs": np.asarray([e for e, _ in test_losses], dtype=np.int64),
        "test_losses": np.asarray([v for _, v in test_losses], dtype=np.float64),
        **{f"state/{k}": np.asarray(v) for k, v in state.items()},
    }
    fields["checksum"] = np.array(_digest(fields))
    atomic_write(path, lambda f: np.savez(f, **fields))


def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint; TrainingError if it is missing, truncated, foreign or corrupt.

    >>> import tempfile
    >>> load_checkpoint(Path(tempfile.mkdtemp()) / CHECKPOINT_NAME)
    Traceback (most recent call last):
    ...
    emlp_sym.errors.TrainingError: no checkpoint at ...checkpoint.npz to resume from; ...
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            fields = {k: np.array(data[k]) for k in data.files}
    except FileNotFoundError:
        raise TrainingError(f"no checkpoint at {path} to resume from; run without --resume "
                            "(with --checkpoint-every N to write one)") from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as e:
        raise TrainingError(f"the checkpoint {path} is truncated or corrupt ({type(e).__name__})"
                            "; delete it and start again") from None
    if str(fields.get("format", "")) != FORMAT:
        raise TrainingError(f"{path} is not a checkpoint of this version ({FORMAT})")
    checksum = str(fields.pop("checksum", ""))
    if checksum != _digest(fields):
        raise TrainingError(f"the checkpoint {path} fails its checksum (corrupt); delete it and "
                            "start again")
    test = list(zip(fields["test_epochs"].tolist(), fields["test_losses"].tolist(), strict=True))
    state = {k[len("state/"):]: v for k, v in fields.items() if k.startswith("state/")}
    return Checkpoint(json.loads(str(fields["config"])), int(fields["epoch"]),
                      fields["train_losses"].tolist(), test, state)


def pytree_state(tree) -> dict:
    """A JAX backend's ``export_state``: the array leaves of ``tree`` (parameters, optimizer
    state...) as NumPy arrays named by their key paths (``jax.tree_util.keystr``).

    >>> pytree_state({"w": np.ones(2), "opt": (np.zeros(1),)})
    {"['opt'][0]": array([0.]), "['w']": array([1., 1.])}
    """
    import jax

    leaves, _ = jax.tree_util.tree_flatten_with_path(tree)
    return {jax.tree_util.keystr(path): np.asarray(leaf) for path, leaf in leaves}


def restore_pytree(tree, state: dict):
    """``tree`` with its leaves replaced by ``state`` (from :func:`pytree_state` of a tree of
    the same structure), each in its leaf's dtype; ConfigError if names or shapes differ.

    >>> tree = {"w": np.ones(2, np.float32)}
    >>> restore_pytree(tree, {"['w']": np.array([3.0, 4.0])})
    {'w': Array([3., 4.], dtype=float32)}
    """
    import jax
    import jax.numpy as jnp

    leaves, treedef = jax.tree_util.tree_flatten_with_path(tree)
    names = [jax.tree_util.keystr(path) for path, _ in leaves]
    if set(names) != set(state):
        raise ConfigError(f"the checkpoint's training state does not fit this model ({len(state)} "
                          f"arrays saved, {len(names)} expected)")
    new = []
    for name, (_, leaf) in zip(names, leaves, strict=True):
        if np.shape(state[name]) != np.shape(leaf):
            raise ConfigError(f"the checkpoint's {name} has shape {np.shape(state[name])}, the "
                              f"model's {np.shape(leaf)}")
        new.append(jnp.asarray(state[name], dtype=jnp.asarray(leaf).dtype))
    return jax.tree_util.tree_unflatten(treedef, new)


def check_resumable(backend, framework: str) -> None:
    """ConfigError unless ``backend`` (a backend or its class) has the :class:`Backend
    <emlp_sym.cli.backends.Backend>` protocol's state methods (every built-in backend does; a
    backend of your own may not).

    >>> from emlp_sym.cli.backends import get_backend
    >>> check_resumable(get_backend("objax"), "objax")  # it can: nothing happens
    >>> check_resumable(object(), "mine")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: --resume and --checkpoint-every are not supported by the ...
    """
    from emlp_sym.cli.backends import STATE_METHODS

    if not all(callable(getattr(backend, m, None)) for m in STATE_METHODS):
        raise ConfigError(f"--resume and --checkpoint-every are not supported by the "
                          f"{framework} backend (it cannot export its optimizer state); use "
                          "a built-in framework (every one checkpoints), or run without them")


def check_same_run(saved: dict, current: dict, path) -> None:
    """ConfigError if the checkpoint was written by a run with other settings (only those in
    :data:`RESUME_MAY_CHANGE` may differ).

    >>> check_same_run({"seed": 0, "epochs": 10}, {"seed": 0, "epochs": 20}, "ckpt")  # may differ
    >>> check_same_run({"seed": 0}, {"seed": 1}, "ckpt")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: the checkpoint ckpt belongs to another run (seed: 0 there, ...
    """
    diff = [k for k in sorted(set(saved) | set(current))
            if k not in RESUME_MAY_CHANGE and saved.get(k) != current.get(k)]
    if diff:
        shown = ", ".join(f"{k}: {saved.get(k)!r} there, {current.get(k)!r} now" for k in diff)
        raise ConfigError(f"the checkpoint {path} belongs to another run ({shown}); pass the "
                          "same settings to resume it, or another --out")
