"""What the four optax backends (flax, linen, haiku, equinox) share: Adam (optax, with the
learning rate as an argument of the step, so changing it never recompiles) on the MSE, one
jitted step that donates the parameters and optimizer state it replaces, loss, predict, and
the parameters and training state in and out.

A front's backend subclasses :class:`OptaxBackend` and says only how its model is built,
applied and split: :meth:`~OptaxBackend.build` returns the trainable pytree and a pure
``apply(params, x)``; :meth:`~OptaxBackend.to_core` / :meth:`~OptaxBackend.from_core` move that
pytree to and from the core's parameter tree (with the front's ``export_params`` /
``import_params``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.cli.backends import placement
from emlp_sym.cli.checkpoint import pytree_state, restore_pytree
from emlp_sym.nn._optional import require


class OptaxBackend:
    """The shared body of an optax backend (see the module docstring); a subclass sets
    ``name`` and ``extra`` and defines ``build``, ``to_core`` and ``from_core``."""

    name: str
    extra: str  # the pip extra that brings optax with this front

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed, *,
                 parallel=None):
        optax = require("optax", extra=self.extra, front=self.name)
        params, apply = self.build(model, rep_in, rep_out, group, ch, num_layers, stats, seed)
        self.parallel = parallel
        self._place = place = placement(parallel)
        self._params = place.replicate(params)
        self._tx = tx = optax.inject_hyperparams(optax.adam)(learning_rate=0.0, b1=0.9,
                                                             b2=0.999, eps=1e-8)
        self._opt_state = place.replicate(tx.init(self._params))

        def mse(params, x, y):
            return jnp.mean((apply(params, x) - y) ** 2)

        def train(params, opt_state, x, y, lr):
            value, grads = jax.value_and_grad(mse)(params, x, y)
            opt_state.hyperparams["learning_rate"] = lr
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, value

        self._train = jax.jit(train, donate_argnums=(0, 1))
        self._loss = jax.jit(mse)
        self._predict = jax.jit(apply)

    # -- what a front says -------------------------------------------------------------------

    def build(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        """``(params, apply)``: the model's trainable pytree and ``apply(params, x)``."""
        raise NotImplementedError

    def to_core(self, params) -> dict:
        """The core's parameter tree of ``params``."""
        raise NotImplementedError

    def from_core(self, params, core: dict):
        """``params`` (the current pytree) holding the core tree ``core``."""
        raise NotImplementedError

    # -- the Backend protocol ----------------------------------------------------------------

    def step(self, x, y, lr):
        place = self._place
        self._params, self._opt_state, value = self._train(
            self._params, self._opt_state, place.shard_batch(x), place.shard_batch(y),
            place.replicate(np.float32(lr)))
        return float(place.to_numpy(value))

    def loss(self, x, y):
        value = self._loss(self._params, self._place.put(x), self._place.put(y))
        return float(self._place.to_numpy(value))

    def predict(self, x):
        return self._place.to_numpy(self._predict(self._params, self._place.put(x)))

    def export_params(self):
        return self.to_core(self._params)

    def import_params(self, params):
        # copied: the next step donates (deletes) the buffers it is given
        self._params = self._place.replicate(
            jax.tree.map(jnp.copy, self.from_core(self._params, params)))

    def export_state(self) -> dict:
        """The parameters and Adam's state (moments, step count), for checkpoints
        (cli/checkpoint.py)."""
        return pytree_state((self._params, self._opt_state))

    def import_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s output exactly (fresh arrays: the next step donates
        what it is given)."""
        params, opt_state = restore_pytree((self._params, self._opt_state), state)
        self._params = self._place.replicate(params)
        self._opt_state = self._place.replicate(opt_state)
