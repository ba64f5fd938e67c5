"""The Haiku backend: ``hk.transform`` of the model, a jitted optax Adam step on the MSE."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.cli.backends import placement
from emlp_sym.cli.checkpoint import pytree_state, restore_pytree
from emlp_sym.nn import haiku as front
from emlp_sym.nn._optional import require
from emlp_sym.nn.core.architecture import bind_rep

hk = require("haiku", extra="haiku", front="haiku")
optax = require("optax", extra="haiku", front="haiku")


class Backend:
    """The Haiku backend: an ``hk.transform`` of the front's model, a jitted optax Adam step.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> backend = Backend("MLP", V(S(3)), V(S(3)), S(3), 8, 1, None, 0)
    >>> backend.predict(np.ones((2, 3), np.float32)).shape
    (2, 3)
    """

    name = "haiku"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed, *,
                 parallel=None):
        cls = {"EMLP": front.EMLP, "MLP": front.MLP}[model]

        def forward(x):
            net = cls(rep_in, rep_out, group, ch=ch, num_layers=num_layers)
            return net(x) if stats is None else front.Standardize(net, stats)(x)

        self.net = net = hk.without_apply_rng(hk.transform(forward))
        x0 = jnp.zeros((1, bind_rep(rep_in, group, "rep_in").size()), jnp.float32)
        # jitted: one compilation instead of an eager dispatch (and compile) per operation
        self.parallel = parallel
        self._place = place = placement(parallel)
        self.params = place.replicate(jax.jit(net.init)(jax.random.key(seed), x0))
        self.opt = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3, b1=0.9, b2=0.999,
                                                        eps=1e-8)
        self.opt_state = place.replicate(self.opt.init(self.params))

        def mse(params, x, y):
            return ((net.apply(params, x) - y) ** 2).mean()

        def step(params, opt_state, x, y, lr):
            loss, grads = jax.value_and_grad(mse)(params, x, y)
            opt_state.hyperparams["learning_rate"] = jnp.asarray(lr, jnp.float32)
            updates, opt_state = self.opt.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        self._step = jax.jit(step, donate_argnums=(0, 1))
        self._loss = jax.jit(mse)
        self._predict = jax.jit(net.apply)

    def step(self, x, y, lr):
        self.params, self.opt_state, loss = self._step(
            self.params, self.opt_state, self._place.shard_batch(x), self._place.shard_batch(y),
            self._place.replicate(np.float32(lr)))
        return float(self._place.to_numpy(loss))

    def loss(self, x, y):
        value = self._loss(self.params, self._place.put(x), self._place.put(y))
        return float(self._place.to_numpy(value))

    def predict(self, x):
        return self._place.to_numpy(self._predict(self.params, self._place.put(x)))

    def export_params(self):
        return front.export_params(self.params)

    def import_params(self, params):
        # copied: the next step donates (deletes) the buffers it is given
        self.params = self._place.replicate(
            jax.tree.map(jnp.copy, front.import_params(self.params, params)))

    def export_state(self) -> dict:
        """The parameters and Adam's state (moments, step count), for checkpoints
        (cli/checkpoint.py)."""
        return pytree_state((self.params, self.opt_state))

    def import_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s output exactly (fresh arrays: the next step donates
        what it is given)."""
        params, opt_state = restore_pytree((self.params, self.opt_state), state)
        self.params = self._place.replicate(params)
        self.opt_state = self._place.replicate(opt_state)
