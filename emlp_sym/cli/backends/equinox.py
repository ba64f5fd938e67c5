"""The Equinox backend: ``eqx.filter_jit`` / ``eqx.filter_value_and_grad`` steps with optax's Adam.

The model is an immutable pytree, so each step returns a new model and optimizer state, which
the backend keeps. The learning rate lives in the optimizer state
(``optax.inject_hyperparams``): it is a traced array, so changing it never recompiles.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from emlp_sym.cli.backends import placement
from emlp_sym.cli.checkpoint import pytree_state, restore_pytree
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
    """The Equinox backend: the front's module as a pytree, a filtered-jit optax step.

    >>> import numpy as np
    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> backend = Backend("MLP", V(S(3)), V(S(3)), S(3), 8, 1, None, 0)
    >>> backend.predict(np.ones((2, 3), np.float32)).shape
    (2, 3)
    """

    name = "equinox"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed, *,
                 parallel=None):
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](
            rep_in, rep_out, group, ch=ch, num_layers=num_layers, key=jax.random.key(seed))
        self.parallel = parallel
        self._place = place = placement(parallel)
        self.model = place.replicate(net if stats is None else front.Standardize(net, stats))
        self._optimizer = optax.inject_hyperparams(optax.adam)(
            learning_rate=0.0, b1=0.9, b2=0.999, eps=1e-8)
        self._opt_state = place.replicate(
            self._optimizer.init(eqx.filter(self.model, eqx.is_array)))

    def step(self, x, y, lr):
        place = self._place
        self._opt_state.hyperparams["learning_rate"] = place.replicate(jnp.float32(lr))
        self.model, self._opt_state, loss = _train_step(
            self.model, self._opt_state, place.shard_batch(x), place.shard_batch(y),
            self._optimizer)
        return float(place.to_numpy(loss))

    def loss(self, x, y):
        return float(self._place.to_numpy(
            _loss(self.model, self._place.put(x), self._place.put(y))))

    def predict(self, x):
        return self._place.to_numpy(_predict(self.model, self._place.put(x)))

    def export_params(self):
        return front.export_params(self.model)

    def import_params(self, params):
        self.model = self._place.replicate(front.import_params(self.model, params))

    def export_state(self) -> dict:
        """The model's arrays and Adam's state, for checkpoints (cli/checkpoint.py)."""
        return pytree_state((eqx.filter(self.model, eqx.is_array), self._opt_state))

    def import_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s output exactly."""
        arrays, static = eqx.partition(self.model, eqx.is_array)
        arrays, opt_state = restore_pytree((arrays, self._opt_state), state)
        self.model = self._place.replicate(eqx.combine(arrays, static))
        self._opt_state = self._place.replicate(opt_state)
