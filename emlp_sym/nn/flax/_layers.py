"""The Flax NNX front's modules (re-exported by :mod:`emlp_sym.nn.flax`).

See the package docstring for the idiom; the maths is the core's
(:mod:`emlp_sym.nn.core`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.groups.base import Group
from emlp_sym.nn._optional import require
from emlp_sym.nn.core import architecture as arch
from emlp_sym.nn.core import bilinear as bl
from emlp_sym.nn.core import linear as ln
from emlp_sym.nn.core.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.core.gates import gate_plan, gated_nonlinearity
from emlp_sym.nn.core.params import check_params
from emlp_sym.reps.expr import Rep

nnx = require("flax.nnx", extra="flax", front="flax")

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "EMLPBlock", "EMLP", "MLP", "Standardize",
           "StandardizeStats", "uniform_rep", "gated", "gate_indices", "export_params",
           "import_params"]


class Linear(nnx.Module):
    """Equivariant linear layer ``rep_in → rep_out`` (weights in the equivariant basis).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> layer = Linear(V(S(3)), V(S(3)), rngs=nnx.Rngs(0))
    >>> layer(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, *, rngs: nnx.Rngs):
        self.plan = nnx.static(ln.linear_plan(rep_in, rep_out))
        self.rep_in, self.rep_out = nnx.static(rep_in), nnx.static(rep_out)
        w, b = ln.init_linear(self.plan, rngs.params())
        self.w, self.b = nnx.Param(w), nnx.Param(b)

    def __call__(self, x):
        return ln.linear_apply(self.plan, self.w[...], self.b[...], x)

    def weight(self):
        """The dense weight matrix in the user's layouts."""
        return ln.user_layout_weight(self.plan, self.w[...])


class BiLinear(nnx.Module):
    """EMLP's equivariant bilinear layer ``x ↦ 0.1 · W(x) x``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> layer = BiLinear((V + V**0)(S(3)), (V + V**0)(S(3)), rngs=nnx.Rngs(0))
    >>> layer(jnp.ones((2, 4))).shape
    (2, 4)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, *, rngs: nnx.Rngs):
        self.plan = nnx.static(bl.bilinear_plan(rep_in, rep_out))
        self.rep_in, self.rep_out = nnx.static(rep_in), nnx.static(rep_out)
        self.w = nnx.Param(bl.init_bilinear(self.plan, rngs.params()))

    def __call__(self, x):
        return bl.bilinear_apply(self.plan, self.w[...], x)

    def weight(self, x):
        """The per-example matrices ``0.1 · W(x)``, ``(N, n_out, n_in)``, in the user's layouts."""
        return bl.scaled_bilinear_matrix(self.plan, self.w[...], x)


class GatedNonlinearity(nnx.Module):
    """Gated nonlinearity: input ``gated(rep)``, output ``rep`` (no parameters).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.allocation import gated
    >>> rep = V(SO(3))
    >>> GatedNonlinearity(rep)(jnp.ones((2, gated(rep).size()))).shape
    (2, 3)
    """

    def __init__(self, rep: Rep):
        self.rep = nnx.static(rep)
        self.plan = nnx.static(gate_plan(rep))

    def __call__(self, x):
        return gated_nonlinearity(self.plan, x)


class EMLPBlock(nnx.Module):
    """G-linear map, bilinear layer with a shortcut, and gated nonlinearity.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> block = EMLPBlock(V(S(3)), V(S(3)), rngs=nnx.Rngs(0))
    >>> block(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, *, rngs: nnx.Rngs):
        rep_out_wgates = gated(rep_out)
        self.linear = Linear(rep_in, rep_out_wgates, rngs=rngs)
        self.bilinear = BiLinear(rep_out_wgates, rep_out_wgates, rngs=rngs)
        self.nonlinearity = GatedNonlinearity(rep_out)

    def __call__(self, x):
        lin = self.linear(x)
        return self.nonlinearity(self.bilinear(lin) + lin)


class EMLP(nnx.Module):
    """Equivariant MLP: ``num_layers`` EMLP blocks (``block0``, ...) then a linear ``readout``.

    ``ch`` is the hidden width (an int, spread by :func:`uniform_rep`), a representation,
    or a list of them, one per hidden layer.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> model = EMLP(V, V, S(3), ch=8, num_layers=1, rngs=nnx.Rngs(0))
    >>> model(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3, *,
                 rngs: nnx.Rngs):
        a = arch.emlp_architecture(rep_in, rep_out, group, ch, num_layers)
        self.architecture = nnx.static(a)
        self.G, self.rep_in, self.rep_out = (nnx.static(v) for v in (group, a.rep_in, a.rep_out))
        for k, (rin, rout) in enumerate(a.blocks):
            setattr(self, f"block{k}", EMLPBlock(rin, rout, rngs=rngs))
        self.readout = Linear(*a.readout, rngs=rngs)

    @property
    def blocks(self) -> list[EMLPBlock]:
        return [getattr(self, f"block{k}") for k in range(len(self.architecture.blocks))]

    def __call__(self, x):
        for block in self.blocks:
            x = block(x)
        return self.readout(x)


class MLP(nnx.Module):
    """The non-equivariant baseline with the same interface: ``nnx.Linear`` layers
    (``layer0``, ..., ``readout``) with Swish between them, initialized as the core's.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> model = MLP(V, V, S(3), ch=8, num_layers=1, rngs=nnx.Rngs(0))
    >>> model(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3, *,
                 rngs: nnx.Rngs):
        a = arch.mlp_architecture(rep_in, rep_out, group, ch, num_layers)
        self.architecture = nnx.static(a)
        self.G, self.rep_in, self.rep_out = (nnx.static(v) for v in (group, a.rep_in, a.rep_out))
        # the core's init: N(0, 2 / (n_in + n_out)) weights, zero biases
        init = nnx.initializers.variance_scaling(1.0, "fan_avg", "normal")
        for k, (n_in, n_out) in enumerate(a.layers):
            setattr(self, f"layer{k}", nnx.Linear(n_in, n_out, kernel_init=init, rngs=rngs))
        self.readout = nnx.Linear(*a.readout, kernel_init=init, rngs=rngs)

    @property
    def layers(self) -> list:
        return [getattr(self, f"layer{k}") for k in range(len(self.architecture.layers))]

    def __call__(self, x):
        ln.check_input(x, self.rep_in, "MLP")
        for layer in self.layers:
            x = jax.nn.silu(layer(x))
        return self.readout(x)


class StandardizeStats(nnx.Variable):
    """Dataset statistics of :class:`Standardize`: state, but not trained (not a Param).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> mlp = MLP(V, V, S(3), ch=8, num_layers=1, rngs=nnx.Rngs(0))
    >>> model = Standardize(mlp, (jnp.zeros(3), jnp.ones(3)))
    >>> len(nnx.state(model, StandardizeStats)), len(nnx.state(model, nnx.Param)) > 0
    (1, True)
    """


class Standardize(nnx.Module):
    """Wrap a model to standardize inputs (and un-standardize outputs) with dataset stats.

    ``ds_stats`` is ``(muin, sin)`` or ``(muin, sin, muout, sout)``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> mlp = MLP(V, V, S(3), ch=8, num_layers=1, rngs=nnx.Rngs(0))
    >>> Standardize(mlp, (jnp.zeros(3), jnp.ones(3)))(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, model: nnx.Module, ds_stats):
        self.model = model
        self.ds_stats = nnx.List(StandardizeStats(jnp.asarray(s))
                                 for s in arch.check_stats(ds_stats))

    def __call__(self, x):
        return arch.standardize(self.model, [s[...] for s in self.ds_stats], x)


# ---------------------------------------------------------------------------------------------
# The core's parameter tree

_MLP_NAMES = {"kernel": "w", "bias": "b"}
_FRONT_NAMES = {v: k for k, v in _MLP_NAMES.items()}
_LAYERS = (Linear, BiLinear, GatedNonlinearity, EMLPBlock, EMLP, MLP)


def _inner(model) -> nnx.Module:
    """The model whose parameters form the core's tree (the one inside ``Standardize``)."""
    while isinstance(model, Standardize):
        model = model.model
    if not isinstance(model, _LAYERS):
        raise TypeError(f"expected an emlp_sym.nn.flax model (EMLP, MLP, a layer or "
                        f"Standardize), got {type(model).__name__}")
    return model


def _rename(tree, names):
    return {names.get(k, k): _rename(v, names) if isinstance(v, dict) else v
            for k, v in tree.items()}


def export_params(model) -> dict:
    """The model's parameters as the core's tree of NumPy arrays
    (``emlp_sym.nn.save_params`` writes it).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> sorted(export_params(Linear(V(S(3)), V(S(3)), rngs=nnx.Rngs(0))))
    ['b', 'w']
    """
    inner = _inner(model)
    tree = nnx.to_pure_dict(nnx.state(inner, nnx.Param))
    tree = jax.tree.map(np.asarray, tree)
    return _rename(tree, _MLP_NAMES) if isinstance(inner, MLP) else tree


def import_params(model, params):
    """Load a core parameter tree (from any front) into ``model`` in place; returns it.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> a = Linear(V(S(3)), V(S(3)), rngs=nnx.Rngs(0))
    >>> b = Linear(V(S(3)), V(S(3)), rngs=nnx.Rngs(1))
    >>> import_params(b, export_params(a)) is b
    True
    >>> bool(jnp.all(a.w[...] == b.w[...]))
    True
    """
    inner = _inner(model)
    check_params(export_params(inner), params)
    state = nnx.state(inner, nnx.Param)
    if isinstance(inner, MLP):
        params = _rename(params, _FRONT_NAMES)
    current = nnx.to_pure_dict(state)
    nnx.replace_by_pure_dict(state, jax.tree.map(
        lambda old, new: jnp.asarray(new, dtype=old.dtype), current, dict(params)))
    nnx.update(inner, state)
    return model
