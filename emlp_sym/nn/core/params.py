"""The front-neutral parameter format: the core's parameter tree, saved as ``.npz``.

A parameter tree is a nested dict of arrays named as in :mod:`emlp_sym.nn.core.architecture`
(``{"block0": {"linear": {"w": ..., "b": ...}, ...}, "readout": ...}``). On disk each leaf is
one ``.npz`` entry under its ``/``-joined path (``block0/linear/w``), beside a format marker.
Every front converts its own parameters to and from such a tree (``export_params`` /
``import_params`` in each front module), so a model trained in one front loads into any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from emlp_sym.atomic import atomic_write
from emlp_sym.errors import BasisMismatchError

FORMAT_KEY = "__emlp_sym_params__"
FORMAT_VERSION = 1
#: entries ``__basis__/<layer path>`` name the basis a layer's coefficients refer to
BASIS_PREFIX = "__basis__/"


def flatten_params(params: Mapping, prefix: str = "") -> dict[str, np.ndarray]:
    """``{"block0/linear/w": array, ...}`` from a nested parameter tree (NumPy leaves).

    >>> flatten_params({"readout": {"w": [1.0], "b": [0.0]}})
    {'readout/w': array([1.]), 'readout/b': array([0.])}
    """
    flat = {}
    for name, value in params.items():
        if not isinstance(name, str) or "/" in name or not name:
            raise ValueError(f"parameter names must be non-empty strings without '/', "
                             f"got {name!r}")
        path = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, path + "/"))
        else:
            flat[path] = np.asarray(value)
    return flat


def unflatten_params(flat: Mapping[str, np.ndarray]) -> dict:
    """The nested tree back from ``/``-joined paths.

    >>> unflatten_params({"readout/w": 1, "readout/b": 0})
    {'readout': {'w': 1, 'b': 0}}
    """
    tree: dict = {}
    for path, value in flat.items():
        *parents, leaf = path.split("/")
        node = tree
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return tree


def map_params(f, tree: Mapping, *others: Mapping) -> dict:
    """The nested tree of ``f(leaf, *other_leaves)``: ``tree``'s structure, with the leaves of
    ``others`` (trees of the same structure, or more) found at the same paths.

    >>> map_params(lambda a, b: a + b, {"readout": {"w": 1}}, {"readout": {"w": 2}})
    {'readout': {'w': 3}}
    """
    return {k: map_params(f, v, *(o[k] for o in others)) if isinstance(v, Mapping)
            else f(v, *(o[k] for o in others)) for k, v in tree.items()}


def basis_fingerprint(*arrays) -> str:
    """A short name for a numeric basis: the SHA-256 of its arrays rounded to 6 digits, so the
    same basis solved again (on another machine) has the same name, and another one does not.

    >>> basis_fingerprint(np.eye(2)) == basis_fingerprint(np.eye(2) + 1e-9)
    True
    >>> basis_fingerprint(np.eye(2)) == basis_fingerprint(-np.eye(2))
    False
    """
    import hashlib

    digest = hashlib.sha256()
    for a in arrays:
        a = np.round(np.asarray(a, np.float64), 6) + 0.0  # + 0.0: -0.0 and 0.0 hash alike
        digest.update(repr(a.shape).encode())
        digest.update(a.tobytes())
    return "sha256:" + digest.hexdigest()[:16]


def save_params(path, params: Mapping, bases: Mapping[str, str] | None = None) -> None:
    """Write a parameter tree to ``path`` (``.npz``), atomically: a reader never sees half a
    file, and an interrupted save leaves the old file in place (:mod:`emlp_sym.atomic`). The
    file gets the usual mode (``0666`` less the umask). ``bases`` (layer path → basis name,
    such as ``"partition-diagrams/mean"`` or a :func:`basis_fingerprint`) records which basis
    each layer's coefficients refer to, so that :func:`load_params` can refuse a mismatch.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "params.npz")
    >>> save_params(path, {"readout": {"w": [[1.0, 2.0]], "b": [0.5]}})
    >>> load_params(path)["readout"]["w"]
    array([[1., 2.]])
    """
    path = Path(path)
    flat = flatten_params(params)
    flat[FORMAT_KEY] = np.asarray(FORMAT_VERSION)
    for layer, basis in (bases or {}).items():
        flat[BASIS_PREFIX + layer] = np.asarray(str(basis))
    atomic_write(path, lambda f: np.savez(f, **flat))  # the usual file mode, not mkstemp's 0600


def load_params(path, bases: Mapping[str, str] | None = None) -> dict:
    """Read a parameter tree written by :func:`save_params`. With ``bases`` (the model's, as
    :func:`save_params` takes them), a layer whose file records another basis is refused with
    a :class:`~emlp_sym.errors.BasisMismatchError`; files that record none load as before.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "params.npz")
    >>> save_params(path, {"layer0": {"w": [1.0]}}, bases={"layer0": "sha256:0123"})
    >>> load_params(path, bases={"layer0": "partition-diagrams/mean"})
    Traceback (most recent call last):
    ...
    emlp_sym.errors.BasisMismatchError: ...layer0 holds coefficients in basis sha256:0123, ...

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "params.npz")
    >>> save_params(path, {"b": [0.5]})
    >>> load_params(path)
    {'b': array([0.5])}
    """
    with np.load(path, allow_pickle=False) as data:
        if FORMAT_KEY not in data.files:
            raise ValueError(f"{path} is not an emlp_sym parameter file (no {FORMAT_KEY} entry); "
                             f"runs saved before the front-neutral format hold objax variables: "
                             f"load them with objax.io.load_var_collection")
        version = int(data[FORMAT_KEY])
        if version != FORMAT_VERSION:
            raise ValueError(f"{path} has parameter format {version}; this emlp_sym reads "
                             f"format {FORMAT_VERSION}")
        recorded = {k[len(BASIS_PREFIX):]: str(data[k]) for k in data.files
                    if k.startswith(BASIS_PREFIX)}
        if bases and recorded and set(bases) != set(recorded):
            raise BasisMismatchError(
                f"{path} holds the layers {', '.join(sorted(recorded))}, but the model has "
                f"{', '.join(sorted(bases))}; load it into a model of the same layers")
        for layer, basis in (bases or {}).items():
            if layer in recorded and recorded[layer] != basis:
                raise BasisMismatchError(
                    f"{path}: {layer} holds coefficients in basis {recorded[layer]}, but the "
                    f"model's {layer} uses {basis}; load them into a model with that basis")
        return unflatten_params({k: data[k] for k in data.files
                                 if k != FORMAT_KEY and not k.startswith(BASIS_PREFIX)})


def num_params(params: Mapping) -> int:
    """How many numbers a parameter tree holds.

    >>> num_params({"linear": {"w": [[1.0, 2.0], [3.0, 4.0]], "b": [0.0, 0.0]}})
    6
    """
    return int(sum(np.asarray(v).size for v in flatten_params(params).values()))


def _leaves(tree: Mapping, prefix: str = ""):
    """``(path, leaf)`` pairs without converting leaves (shapes are read, not arrays made)."""
    for name, value in tree.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{prefix}{name}/")
        else:
            yield f"{prefix}{name}", value


def check_params(expected: Mapping, got: Mapping, what: str = "parameters") -> None:
    """Raise a ``ValueError`` naming every missing, extra or misshapen entry of ``got``.

    ``expected`` is a tree of arrays (or of anything with a ``shape``, such as
    ``jax.ShapeDtypeStruct``) of the model the parameters go into.

    >>> import numpy as np
    >>> check_params({"w": np.zeros((2, 3))}, {"w": np.zeros((3, 2)), "b": np.zeros(2)})
    Traceback (most recent call last):
    ...
    ValueError: parameters do not fit this model: unexpected b; w has shape (3, 2), \
expected (2, 3)
    """
    want = {k: tuple(np.shape(v)) for k, v in _leaves(expected)}
    have = {k: tuple(np.shape(v)) for k, v in _leaves(got)}
    problems = [f"missing {k}" for k in want if k not in have]
    problems += [f"unexpected {k}" for k in have if k not in want]
    problems += [f"{k} has shape {have[k]}, expected {want[k]}"
                 for k in want if k in have and have[k] != want[k]]
    if problems:
        raise ValueError(f"{what} do not fit this model: " + "; ".join(problems[:6])
                         + (f"; and {len(problems) - 6} more" if len(problems) > 6 else ""))
