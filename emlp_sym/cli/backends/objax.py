"""The objax backend: the seed's training loop (``objax.GradValues``, ``objax.Jit``, Adam).

Data parallel without objax's own (pmap-era) ``objax.Parallel``: the model's and the
optimizer's variables hold arrays replicated over the mesh, the batch arrives split along it,
and ``objax.Jit`` (a ``jax.jit`` over the variables' values) is partitioned by XLA from those
input shardings; the updated variables come back replicated.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from emlp_sym.cli.backends import model_class, placement
from emlp_sym.errors import ConfigError
from emlp_sym.nn import objax as front
from emlp_sym.nn.objax.compat import ensure_objax

objax = ensure_objax()


def make_train_step(model, parallel=None):
    """The seed's objax loop: a jitted Adam step ``train_op(x, y, lr)`` (returning the loss
    before the step, in a list) and ``test_loss(x, y)``. With ``parallel`` (a
    :class:`~emlp_sym.cli.sharding.DataParallel`) the model's and Adam's variables are
    replicated over its mesh; feed batches from ``parallel.shard_batch``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.nn.objax import MLP
    >>> from emlp_sym.reps import V
    >>> train_op, test_loss = make_train_step(MLP(V, V, S(3), ch=8, num_layers=1))
    >>> float(test_loss(np.zeros((2, 3)), np.zeros((2, 3)))) >= 0
    True
    """
    opt = objax.optimizer.Adam(model.vars())
    if parallel is not None:
        replicate_vars(model.vars() + opt.vars(), parallel)

    @objax.Function.with_vars(model.vars())
    def loss(x, y, training=True):
        return ((model(x, training=training) - y) ** 2).mean()

    grad_values = objax.GradValues(loss, model.vars())

    @objax.Function.with_vars(model.vars() + opt.vars())
    def train_op(x, y, lr):
        g, v = grad_values(x, y)
        opt(lr=lr, grads=g)
        return v

    return objax.Jit(train_op), objax.Jit(objax.ForceArgs(loss, training=False))


def replicate_vars(variables, parallel) -> None:
    """Put every variable's value on every device of ``parallel``'s mesh.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.nn.objax import Linear
    >>> from emlp_sym.cli.sharding import data_parallel
    >>> from emlp_sym.reps import V
    >>> model = Linear(V(S(3)), V(S(3)))
    >>> replicate_vars(model.vars(), data_parallel(1))
    >>> model.w.value.shape
    (2,)
    """
    for var in variables.values():
        var.assign(parallel.replicate(var.value))


class Backend:
    """The objax backend: the seed's objax EMLP/MLP, ``objax.GradValues`` and ``objax.Jit``."""

    name = "objax"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed, *,
                 parallel=None):
        objax.random.DEFAULT_GENERATOR.seed(seed)
        net = model_class(front, model)(rep_in, rep_out, group, ch=ch,
                                        num_layers=num_layers)
        self.model = net if stats is None else front.Standardize(net, stats)
        self.parallel = parallel
        self._place = placement(parallel)
        self._train_op, self._loss = make_train_step(self.model, parallel)
        self._predict = objax.Jit(lambda x: self.model(x, training=False), self.model.vars())

    def step(self, x, y, lr):
        place = self._place.shard_batch
        return float(self._place.to_numpy(self._train_op(place(x), place(y), lr)[0]))

    def loss(self, x, y):
        return float(self._place.to_numpy(self._loss(self._place.put(x), self._place.put(y))))

    def predict(self, x):
        return np.asarray(self._place.to_numpy(self._predict(self._place.put(x))))

    def export_params(self):
        return front.export_params(self.model)

    def import_params(self, params):
        front.import_params(self.model, params)
        if self.parallel is not None:
            replicate_vars(self.model.vars(), self.parallel)

    def export_state(self) -> dict:
        """The whole training state, for checkpoints (cli/checkpoint.py): every variable of
        the train step (the model's and Adam's moments and step count), by its objax name."""
        return {name: np.asarray(self._place.to_numpy(var.value))
                for name, var in self._train_op.vars().items()}

    def import_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s output exactly (names and shapes must match)."""
        variables = self._train_op.vars()
        if set(state) != set(variables.keys()):  # (iterating a VarCollection gives values)
            raise ConfigError("the checkpoint's training state does not fit this model "
                              f"({len(state)} arrays saved, {len(variables)} expected)")
        for name, var in variables.items():
            if np.shape(state[name]) != np.shape(var.value):
                raise ConfigError(f"the checkpoint's {name} has shape {np.shape(state[name])}, "
                                  f"the model's {np.shape(var.value)}")
            var.assign(self._place.replicate(jnp.asarray(state[name], var.value.dtype)))
