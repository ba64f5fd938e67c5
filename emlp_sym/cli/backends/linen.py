"""The Flax linen backend: ``model.init``/``apply`` of the front's module; the parameters are
the ``"params"`` collection (the step, Adam and checkpoints are the shared optax backend's,
:mod:`emlp_sym.cli.backends._optax`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from emlp_sym.cli.backends import model_class
from emlp_sym.cli.backends._optax import OptaxBackend
from emlp_sym.nn import linen as front
from emlp_sym.nn.core.keys import as_key


class Backend(OptaxBackend):
    """The Flax Linen backend: ``init``/``apply`` of the front's module, a jitted optax step."""

    name, extra = "linen", "flax"

    def build(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        net = model_class(front, model)(rep_in, rep_out, group, ch=ch,
                                        num_layers=num_layers)
        self.model = net if stats is None else front.Standardize(net, stats)
        x0 = jnp.zeros((1, net.rep_in.size()), jnp.float32)
        # jitted: XLA drops the forward pass init runs, and the random draws are one program
        variables = jax.jit(self.model.init)(as_key(seed), x0)
        return variables["params"], lambda params, x: self.model.apply({"params": params}, x)

    def to_core(self, params):
        return front.export_params({"params": params})

    def from_core(self, params, core):
        return front.import_params({"params": params}, core)["params"]
