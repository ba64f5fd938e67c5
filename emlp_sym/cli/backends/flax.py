"""The Flax NNX backend: the model is split once (``nnx.split``) into its static graph and its
``nnx.Param`` state, and one ``jax.jit`` step (``nnx.merge``, ``jax.value_and_grad``, optax
Adam) maps parameters and optimizer state to new ones. This skips the graph traversal that
``nnx.jit`` does on every call; the module is brought up to date before parameters leave."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.nn import flax as front
from emlp_sym.nn._optional import require

nnx = require("flax.nnx", extra="flax", front="flax")
optax = require("optax", extra="flax", front="flax")


class Backend:
    name = "flax"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](
            rep_in, rep_out, group, ch=ch, num_layers=num_layers, rngs=nnx.Rngs(seed))
        self.model = net if stats is None else front.Standardize(net, stats)
        graphdef, self._params, self._rest = nnx.split(self.model, nnx.Param, ...)
        tx = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3, b1=0.9, b2=0.999,
                                                  eps=1e-8)
        self._opt_state = tx.init(self._params)
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
        self._params, self._opt_state, value = self._train(
            self._params, self._opt_state, self._rest, jnp.asarray(x), jnp.asarray(y),
            jnp.float32(lr))
        self._synced = False
        return float(value)

    def loss(self, x, y):
        return float(self._loss(self._params, self._rest, jnp.asarray(x), jnp.asarray(y)))

    def predict(self, x):
        return np.asarray(self._predict(self._params, self._rest, jnp.asarray(x)))

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
        self._params = nnx.state(self.model, nnx.Param)
