"""The Equinox backend: the model is an immutable pytree, split once into its arrays (what
Adam trains) and the rest (the step, Adam and checkpoints are the shared optax backend's,
:mod:`emlp_sym.cli.backends._optax`)."""

from __future__ import annotations

import jax

from emlp_sym.cli.backends import model_class
from emlp_sym.cli.backends._optax import OptaxBackend
from emlp_sym.nn import equinox as front
from emlp_sym.nn._optional import require

eqx = require("equinox", extra="equinox", front="equinox")


class Backend(OptaxBackend):
    """The Equinox backend: the front's module as a pytree, a jitted optax step."""

    name, extra = "equinox", "equinox"

    def build(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        net = model_class(front, model)(
            rep_in, rep_out, group, ch=ch, num_layers=num_layers, key=jax.random.key(seed))
        model = net if stats is None else front.Standardize(net, stats)
        params, self._static = eqx.partition(model, eqx.is_array)
        return params, lambda params, x: eqx.combine(params, self._static)(x)

    def to_core(self, params):
        return front.export_params(eqx.combine(params, self._static))

    def from_core(self, params, core):
        model = front.import_params(eqx.combine(params, self._static), core)
        return eqx.partition(model, eqx.is_array)[0]
