"""The objax backend: the seed's training loop (``objax.GradValues``, ``objax.Jit``, Adam)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from emlp_sym.nn import objax as front
from emlp_sym.nn.objax_compat import ensure_objax

objax = ensure_objax()


def make_train_step(model):
    """The seed's objax loop: a jitted Adam step ``train_op(x, y, lr)`` (returning the loss
    before the step, in a list) and ``test_loss(x, y)``."""
    opt = objax.optimizer.Adam(model.vars())

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


class Backend:
    name = "objax"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        objax.random.DEFAULT_GENERATOR.seed(seed)
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](rep_in, rep_out, group, ch=ch,
                                                           num_layers=num_layers)
        self.model = net if stats is None else front.Standardize(net, stats)
        self._train_op, self._loss = make_train_step(self.model)
        self._predict = objax.Jit(lambda x: self.model(x, training=False), self.model.vars())

    def step(self, x, y, lr):
        return float(self._train_op(jnp.asarray(x), jnp.asarray(y), lr)[0])

    def loss(self, x, y):
        return float(self._loss(jnp.asarray(x), jnp.asarray(y)))

    def predict(self, x):
        return np.asarray(self._predict(jnp.asarray(x)))

    def export_params(self):
        return front.export_params(self.model)

    def import_params(self, params):
        front.import_params(self.model, params)
