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

from emlp_sym.cli.backends import placement
from emlp_sym.cli.checkpoint import pytree_state, restore_pytree
from emlp_sym.nn import linen as front
from emlp_sym.nn._optional import require
from emlp_sym.nn.core.keys import as_key

optax = require("optax", extra="flax", front="linen")


class Backend:
    """The Flax Linen backend: ``init``/``apply`` of the front's module, a jitted optax step.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> backend = Backend("MLP", V(S(3)), V(S(3)), S(3), 8, 1, None, 0)
    >>> backend.predict(np.ones((2, 3), np.float32)).shape
    (2, 3)
    """

    name = "linen"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed, *,
                 parallel=None):
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](rep_in, rep_out, group, ch=ch,
                                                           num_layers=num_layers)
        self.model = net if stats is None else front.Standardize(net, stats)
        x0 = jnp.zeros((1, net.architecture.rep_in.size()), jnp.float32)
        # jitted: XLA drops the forward pass init runs, and the random draws are one program
        self.parallel = parallel
        self._place = place = placement(parallel)
        self.variables = place.replicate(jax.jit(self.model.init)(as_key(seed), x0))
        self._opt = optax.inject_hyperparams(optax.adam)(learning_rate=0.0, b1=0.9, b2=0.999,
                                                          eps=1e-8)
        self._opt_state = place.replicate(self._opt.init(self.variables["params"]))
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
            self.variables["params"], self._opt_state, self._place.shard_batch(x),
            self._place.shard_batch(y), self._place.replicate(np.float32(lr)))
        self.variables = {**self.variables, "params": params}
        return float(self._place.to_numpy(value))

    def loss(self, x, y):
        value = self._loss(self.variables["params"], self._place.put(x), self._place.put(y))
        return float(self._place.to_numpy(value))

    def predict(self, x):
        return self._place.to_numpy(self._predict(self.variables["params"], self._place.put(x)))

    def export_params(self):
        return front.export_params(self.variables)

    def import_params(self, params):
        # copied: the next step donates (deletes) the buffers it is given
        self.variables = self._place.replicate(
            jax.tree.map(jnp.copy, front.import_params(self.variables, params)))

    def export_state(self) -> dict:
        """The model's variables and Adam's state (moments, step count), for checkpoints
        (cli/checkpoint.py)."""
        return pytree_state((self.variables, self._opt_state))

    def import_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s output exactly (fresh arrays: the next step donates
        what it is given)."""
        variables, opt_state = restore_pytree((self.variables, self._opt_state), state)
        self.variables = self._place.replicate(variables)
        self._opt_state = self._place.replicate(opt_state)
