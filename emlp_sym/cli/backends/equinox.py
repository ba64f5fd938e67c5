"""The Equinox backend: ``eqx.filter_jit`` / ``eqx.filter_value_and_grad`` steps with optax's Adam.

The model is an immutable pytree, so each step returns a new model and optimizer state, which
the backend keeps. The learning rate lives in the optimizer state
(``optax.inject_hyperparams``): it is a traced array, so changing it never recompiles.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.nn import equinox as front
from emlp_sym.nn._optional import require

eqx = require("equinox", extra="equinox", front="equinox")
optax = require("optax", extra="equinox", front="equinox")


def _mse(model, x, y):
    return jnp.mean((model(x) - y) ** 2)


@eqx.filter_jit
def _train_step(model, opt_state, x, y, optimizer):
    loss, grads = eqx.filter_value_and_grad(_mse)(model, x, y)
    updates, opt_state = optimizer.update(grads, opt_state, eqx.filter(model, eqx.is_array))
    return eqx.apply_updates(model, updates), opt_state, loss


_loss = eqx.filter_jit(_mse)


@eqx.filter_jit
def _predict(model, x):
    return model(x)


class Backend:
    name = "equinox"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](
            rep_in, rep_out, group, ch=ch, num_layers=num_layers, key=jax.random.key(seed))
        self.model = net if stats is None else front.Standardize(net, stats)
        self._optimizer = optax.inject_hyperparams(optax.adam)(
            learning_rate=0.0, b1=0.9, b2=0.999, eps=1e-8)
        self._opt_state = self._optimizer.init(eqx.filter(self.model, eqx.is_array))

    def step(self, x, y, lr):
        self._opt_state.hyperparams["learning_rate"] = jnp.asarray(lr, jnp.float32)
        self.model, self._opt_state, loss = _train_step(
            self.model, self._opt_state, jnp.asarray(x), jnp.asarray(y), self._optimizer)
        return float(loss)

    def loss(self, x, y):
        return float(_loss(self.model, jnp.asarray(x), jnp.asarray(y)))

    def predict(self, x):
        return np.asarray(_predict(self.model, jnp.asarray(x)))

    def export_params(self):
        return front.export_params(self.model)

    def import_params(self, params):
        self.model = front.import_params(self.model, params)
