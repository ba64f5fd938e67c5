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
from emlp_sym.nn.core import wiring
from emlp_sym.nn.core.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.core.gates import gate_plan, gated_nonlinearity
from emlp_sym.nn.core.params import check_params, map_params
from emlp_sym.reps.expr import Rep

nnx = require("flax.nnx", extra="flax", front="flax")

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "Dense", "EMLPBlock", "EMLP", "MLP",
           "Standardize", "StandardizeStats", "uniform_rep", "gated", "gate_indices",
           "export_params", "import_params"]


def _hold_params(module, spec: wiring.ModuleSpec, rngs: nnx.Rngs) -> None:
    """An ``nnx.Param`` per parameter of the core's ``spec``, named as it names them, drawn
    with its initialisers from one ``rngs.params()`` key."""
    keys = wiring.part_keys(spec, rngs.params())
    for p in spec.params:
        setattr(module, p.name, nnx.Param(p.init(keys.get(p.name), p.shape)))


def _build(spec: wiring.ModuleSpec, rngs: nnx.Rngs):
    """This front's module for a core spec (a part of a model)."""
    cls = _CLASSES[spec.kind]
    return cls(*spec.args) if not spec.has_params else cls(*spec.args, rngs=rngs)


class _Composite(nnx.Module):
    """A model whose parts are attributes named as its core spec's children, wired by the
    core's forward."""

    def _build_parts(self, spec, rngs):
        self.spec = nnx.static(spec)
        for name, part in spec.children:
            setattr(self, name, _build(part, rngs))

    def __call__(self, x):
        return wiring.forward(self.spec, lambda name, h: getattr(self, name)(h), x)


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
        self.spec = nnx.static(wiring.linear_spec(self.plan))
        _hold_params(self, self.spec, rngs)

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
        self.spec = nnx.static(wiring.bilinear_spec(self.plan))
        _hold_params(self, self.spec, rngs)

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
        self.spec = nnx.static(wiring.nonlinearity_spec(self.plan))

    def __call__(self, x):
        return gated_nonlinearity(self.plan, x)


class Dense(nnx.Module):
    """The MLP's dense layer ``x @ w + b`` (``w``: ``(n_in, n_out)``, the core's
    Glorot-normal initialisation; ``b`` zero).

    >>> from flax import nnx
    >>> Dense(3, 2, rngs=nnx.Rngs(0))(jnp.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(self, n_in: int, n_out: int, *, rngs: nnx.Rngs):
        self.spec = nnx.static(wiring.dense_spec(n_in, n_out))
        _hold_params(self, self.spec, rngs)

    def __call__(self, x):
        return wiring.dense_apply(self.w[...], self.b[...], x)


class EMLPBlock(_Composite):
    """G-linear map, bilinear layer with a shortcut, and gated nonlinearity.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> block = EMLPBlock(V(S(3)), V(S(3)), rngs=nnx.Rngs(0))
    >>> block(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, *, rngs: nnx.Rngs):
        # linear, bilinear, nonlinearity
        self._build_parts(wiring.emlp_block_spec(arch.emlp_block_plan(rep_in, rep_out)), rngs)


class EMLP(_Composite):
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
        self._build_parts(wiring.emlp_spec(arch.emlp_plan(a)), rngs)

    @property
    def blocks(self) -> list[EMLPBlock]:
        return [getattr(self, f"block{k}") for k in range(len(self.architecture.blocks))]


class MLP(_Composite):
    """The non-equivariant baseline with the same interface: :class:`Dense` layers
    (``layer0``, ..., ``readout``) with Swish between them, the core's.

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
        self._build_parts(wiring.mlp_spec(a), rngs)

    @property
    def layers(self) -> list:
        return [getattr(self, f"layer{k}") for k in range(len(self.architecture.layers))]

    def __call__(self, x):
        ln.check_input(x, self.rep_in, "MLP")
        return super().__call__(x)


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

_CLASSES = {"linear": Linear, "bilinear": BiLinear, "nonlinearity": GatedNonlinearity,
            "dense": Dense, "emlp_block": EMLPBlock, "emlp": EMLP, "mlp": MLP}


def _inner(model):
    """The model whose parameters form the core's tree (the one inside ``Standardize``)."""
    return wiring.unwrap_model(model, Standardize, _CLASSES.values(), "flax")


def _params(model) -> dict:
    """The model's ``nnx.Param`` s as the core's tree."""
    inner = _inner(model)
    return wiring.collect(inner.spec, inner, lambda m, name, k: getattr(m, name), getattr)


def export_params(model) -> dict:
    """The model's parameters as the core's tree of NumPy arrays
    (``emlp_sym.nn.save_params`` writes it).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from flax import nnx
    >>> sorted(export_params(Linear(V(S(3)), V(S(3)), rngs=nnx.Rngs(0))))
    ['b', 'w']
    """
    return jax.tree.map(lambda p: np.asarray(p[...]), _params(model),
                        is_leaf=lambda v: isinstance(v, nnx.Param))


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
    check_params(export_params(model), params)

    def assign(param, value):
        param[...] = jnp.asarray(value, dtype=param[...].dtype)

    map_params(assign, _params(model), params)
    return model
