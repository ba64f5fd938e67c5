"""The objax backend: the seed's training loop (``objax.GradValues``, ``objax.Jit``, Adam)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from emlp_sym.nn import objax as front
from emlp_sym.nn.objax_compat import ensure_objax

objax = ensure_objax()


class Backend:
    name = "objax"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        objax.random.DEFAULT_GENERATOR.seed(seed)
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](rep_in, rep_out, group, ch=ch,
                                                           num_layers=num_layers)
        self.model = net if stats is None else front.Standardize(net, stats)
        opt = objax.optimizer.Adam(self.model.vars())

        @objax.Function.with_vars(self.model.vars())
        def loss(x, y, training=True):
            return ((self.model(x, training=training) - y) ** 2).mean()

        grad_values = objax.GradValues(loss, self.model.vars())

        @objax.Function.with_vars(self.model.vars() + opt.vars())
        def train_op(x, y, lr):
            g, v = grad_values(x, y)
            opt(lr=lr, grads=g)
            return v

        self._train_op = objax.Jit(train_op)
        self._loss = objax.Jit(objax.ForceArgs(loss, training=False))
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
