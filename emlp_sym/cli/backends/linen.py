"""The Flax linen backend: ``model.init``/``apply``, optax Adam, one jitted step.

Parameters and optimizer state are values held here and replaced by each step (their buffers
are donated to it); the learning rate is an argument of the step (``optax.inject_hyperparams``),
so changing it does not recompile.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.nn import linen as front
from emlp_sym.nn._optional import require
from emlp_sym.nn.keys import as_key

optax = require("optax", extra="flax", front="linen")


class Backend:
    name = "linen"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](rep_in, rep_out, group, ch=ch,
                                                           num_layers=num_layers)
        self.model = net if stats is None else front.Standardize(net, stats)
        x0 = jnp.zeros((1, net.architecture.rep_in.size()), jnp.float32)
        # jitted: XLA drops the forward pass init runs, and the random draws are one program
        self.variables = jax.jit(self.model.init)(as_key(seed), x0)
        self._opt = optax.inject_hyperparams(optax.adam)(learning_rate=0.0, b1=0.9, b2=0.999,
                                                          eps=1e-8)
        self._opt_state = self._opt.init(self.variables["params"])
        apply = self.model.apply

        def loss(params, x, y):
            return jnp.mean((apply({"params": params}, x) - y) ** 2)

        @partial(jax.jit, donate_argnums=(0, 1))
        def train_step(params, opt_state, x, y, lr):
            value, grads = jax.value_and_grad(loss)(params, x, y)
            opt_state.hyperparams["learning_rate"] = lr
            updates, opt_state = self._opt.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, value

        self._train_step = train_step
        self._loss = jax.jit(loss)
        self._predict = jax.jit(lambda params, x: apply({"params": params}, x))

    def step(self, x, y, lr):
        params, self._opt_state, value = self._train_step(
            self.variables["params"], self._opt_state, jnp.asarray(x), jnp.asarray(y),
            jnp.float32(lr))
        self.variables = {**self.variables, "params": params}
        return float(value)

    def loss(self, x, y):
        return float(self._loss(self.variables["params"], jnp.asarray(x), jnp.asarray(y)))

    def predict(self, x):
        return np.asarray(self._predict(self.variables["params"], jnp.asarray(x)))

    def export_params(self):
        return front.export_params(self.variables)

    def import_params(self, params):
        # copied: the next step donates (deletes) the buffers it is given
        self.variables = jax.tree.map(jnp.copy, front.import_params(self.variables, params))
