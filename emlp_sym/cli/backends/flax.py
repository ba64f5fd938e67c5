"""The Flax NNX backend: the model is split once (``nnx.split``) into its static graph and its
``nnx.Param`` state, and one ``jax.jit`` step (``nnx.merge``, ``jax.value_and_grad``, optax
Adam) maps parameters and optimizer state to new ones. This skips the graph traversal that
``nnx.jit`` does on every call; the module is brought up to date before parameters leave."""

from __future__ import annotations

import jax
import numpy as np

from emlp_sym.cli.backends import placement
from emlp_sym.cli.checkpoint import pytree_state, restore_pytree
from emlp_sym.nn import flax as front
from emlp_sym.nn._optional import require

nnx = require("flax.nnx", extra="flax", front="flax")
optax = require("optax", extra="flax", front="flax")


class Backend:
    """The Flax NNX backend: ``nnx.split`` parameters, a jitted optax Adam step.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> backend = Backend("MLP", V(S(3)), V(S(3)), S(3), 8, 1, None, 0)
    >>> backend.predict(np.ones((2, 3), np.float32)).shape
    (2, 3)
    """

    name = "flax"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed, *,
                 parallel=None):
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](
            rep_in, rep_out, group, ch=ch, num_layers=num_layers, rngs=nnx.Rngs(seed))
        self.model = net if stats is None else front.Standardize(net, stats)
        self.parallel = parallel
        self._place = place = placement(parallel)
        graphdef, params, rest = nnx.split(self.model, nnx.Param, ...)
        self._params, self._rest = place.replicate(params), place.replicate(rest)
        tx = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3, b1=0.9, b2=0.999,
                                                  eps=1e-8)
        self._opt_state = place.replicate(tx.init(self._params))
        self._synced = True

        def loss(params, rest, x, y):
            return ((nnx.merge(graphdef, params, rest)(x) - y) ** 2).mean()

        def train(params, opt_state, rest, x, y, lr):
            opt_state.hyperparams["learning_rate"] = lr
            value, grads = jax.value_and_grad(loss)(params, rest, x, y)
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, value

        self._train = jax.jit(train)
        self._loss = jax.jit(loss)
        self._predict = jax.jit(lambda params, rest, x: nnx.merge(graphdef, params, rest)(x))

    def step(self, x, y, lr):
        place = self._place
        self._params, self._opt_state, value = self._train(
            self._params, self._opt_state, self._rest, place.shard_batch(x), place.shard_batch(y),
            place.replicate(np.float32(lr)))
        self._synced = False
        return float(place.to_numpy(value))

    def loss(self, x, y):
        value = self._loss(self._params, self._rest, self._place.put(x), self._place.put(y))
        return float(self._place.to_numpy(value))

    def predict(self, x):
        return self._place.to_numpy(self._predict(self._params, self._rest, self._place.put(x)))

    def _sync(self):
        if not self._synced:
            nnx.update(self.model, self._params)
            self._synced = True

    def export_params(self):
        self._sync()
        return front.export_params(self.model)

    def import_params(self, params):
        self._sync()
        front.import_params(self.model, params)
        self._params = self._place.replicate(nnx.state(self.model, nnx.Param))

    def export_state(self) -> dict:
        """The parameters and Adam's state (moments, step count), for checkpoints
        (cli/checkpoint.py). The other graph state (the bases) is rebuilt by the model."""
        return pytree_state((self._params, self._opt_state))

    def import_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s output exactly."""
        params, opt_state = restore_pytree((self._params, self._opt_state), state)
        self._params = self._place.replicate(params)
        self._opt_state = self._place.replicate(opt_state)
        self._synced = False  # the module catches up before parameters leave
