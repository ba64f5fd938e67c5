"""The Haiku backend: ``hk.transform`` of the front's model (the step, Adam and checkpoints
are the shared optax backend's, :mod:`emlp_sym.cli.backends._optax`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from emlp_sym.cli.backends import model_class
from emlp_sym.cli.backends._optax import OptaxBackend
from emlp_sym.nn import haiku as front
from emlp_sym.nn._optional import require

hk = require("haiku", extra="haiku", front="haiku")


class Backend(OptaxBackend):
    """The Haiku backend: an ``hk.transform`` of the front's model, a jitted optax Adam step."""

    name, extra = "haiku", "haiku"

    def build(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        # built outside the transform: a function that builds the module when called
        net = model_class(front, model)(rep_in, rep_out, group, ch=ch,
                                        num_layers=num_layers)

        def forward(x):
            return net(x) if stats is None else front.Standardize(net, stats)(x)

        self.net = hk.without_apply_rng(hk.transform(forward))
        x0 = jnp.zeros((1, net.rep_in.size()), jnp.float32)
        # jitted: one compilation instead of an eager dispatch (and compile) per operation
        return jax.jit(self.net.init)(jax.random.key(seed), x0), self.net.apply

    def to_core(self, params):
        return front.export_params(params)

    def from_core(self, params, core):
        return front.import_params(params, core)
