"""The Flax NNX backend: the model is split once (``nnx.split``) into its static graph, its
``nnx.Param`` state (what Adam trains) and the rest (the statistics); each step merges them
(``nnx.merge``) inside one ``jax.jit``, which skips the graph traversal ``nnx.jit`` does on
every call. The step, Adam and checkpoints are the shared optax backend's
(:mod:`emlp_sym.cli.backends._optax`)."""

from __future__ import annotations

from emlp_sym.cli.backends import model_class
from emlp_sym.cli.backends._optax import OptaxBackend
from emlp_sym.nn import flax as front
from emlp_sym.nn._optional import require

nnx = require("flax.nnx", extra="flax", front="flax")


class Backend(OptaxBackend):
    """The Flax NNX backend: ``nnx.split`` parameters, a jitted optax Adam step."""

    name, extra = "flax", "flax"

    def build(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed):
        net = model_class(front, model)(
            rep_in, rep_out, group, ch=ch, num_layers=num_layers, rngs=nnx.Rngs(seed))
        model = net if stats is None else front.Standardize(net, stats)
        self._graphdef, params, self._rest = nnx.split(model, nnx.Param, ...)
        return params, self._merged

    def _merged(self, params, x=None):
        model = nnx.merge(self._graphdef, params, self._rest)
        return model if x is None else model(x)

    def to_core(self, params):
        return front.export_params(self._merged(params))

    def from_core(self, params, core):
        return nnx.state(front.import_params(self._merged(params), core), nnx.Param)
