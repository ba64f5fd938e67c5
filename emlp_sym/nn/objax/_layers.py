"""The objax front's modules (re-exported by :mod:`emlp_sym.nn.objax`).

See the package docstring for the idiom; the maths is the core's
(:mod:`emlp_sym.nn.core`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from emlp_sym.calling import call_with_training
from emlp_sym.groups.base import Group
from emlp_sym.nn.core import architecture as arch
from emlp_sym.nn.core import augmentation as aug
from emlp_sym.nn.core import bilinear as bl
from emlp_sym.nn.core import linear as ln
from emlp_sym.nn.core import wiring
from emlp_sym.nn.core.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.core.gates import gate_plan, gated_nonlinearity
from emlp_sym.nn.core.params import check_params, map_params
from emlp_sym.nn.objax.compat import ensure_objax
from emlp_sym.reps.expr import Rep

objax = ensure_objax()
Module = objax.Module
TrainVar = objax.TrainVar

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "Dense", "EMLPBlock", "EMLP", "MLP",
           "Standardize", "GroupAugmentation",
           "Sequential", "uniform_rep", "gated", "gate_indices", "export_params",
           "import_params"]


def _key():
    """The next key of objax's global generator (so ``DEFAULT_GENERATOR.seed`` applies)."""
    return objax.random.DEFAULT_GENERATOR()


def _hold_params(module, spec: wiring.ModuleSpec) -> None:
    """A ``TrainVar`` per parameter of the core's ``spec``, named as it names them, drawn
    with its initialisers from one key of objax's generator."""
    keys = wiring.part_keys(spec, _key())
    for p in spec.params:
        setattr(module, p.name, TrainVar(p.init(keys.get(p.name), p.shape)))


def _build(spec: wiring.ModuleSpec):
    """This front's module for a core spec (a part of a model)."""
    return _CLASSES[spec.kind](*spec.args)


class Linear(Module):
    """Equivariant linear layer ``rep_in → rep_out`` (weights in the equivariant basis).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> layer = Linear(V(S(3)), V(S(3)))
    >>> layer(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep):
        super().__init__()
        self.plan = ln.linear_plan(rep_in, rep_out)
        self.spec = wiring.linear_spec(self.plan)
        _hold_params(self, self.spec)
        self.rep_in, self.rep_out = rep_in, rep_out

    def __call__(self, x, training: bool = True):
        return ln.linear_apply(self.plan, self.w.value, self.b.value, x)

    def weight(self):
        """The dense weight matrix in the user's layouts."""
        return ln.user_layout_weight(self.plan, self.w.value)


class BiLinear(Module):
    """EMLP's equivariant bilinear layer ``x ↦ 0.1 · W(x) x``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> layer = BiLinear((V + V**0)(S(3)), (V + V**0)(S(3)))
    >>> layer(jnp.ones((2, 4))).shape
    (2, 4)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep):
        super().__init__()
        self.plan = bl.bilinear_plan(rep_in, rep_out)
        self.spec = wiring.bilinear_spec(self.plan)
        _hold_params(self, self.spec)
        self.rep_in, self.rep_out = rep_in, rep_out

    def __call__(self, x, training: bool = True):
        return bl.bilinear_apply(self.plan, self.w.value, x)

    def weight(self, x):
        """The per-example matrices ``0.1 · W(x)``, ``(N, n_out, n_in)``, in the user's layouts."""
        return bl.scaled_bilinear_matrix(self.plan, self.w.value, x)


class GatedNonlinearity(Module):
    """Gated nonlinearity: input ``gated(rep)``, output ``rep``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> rep = V(SO(3))
    >>> GatedNonlinearity(rep)(jnp.ones((2, gated(rep).size()))).shape
    (2, 3)
    """

    def __init__(self, rep: Rep):
        super().__init__()
        self.rep = rep
        self.plan = gate_plan(rep)
        self.spec = wiring.nonlinearity_spec(self.plan)

    def __call__(self, x, training: bool = True):
        return gated_nonlinearity(self.plan, x)


class Dense(Module):
    """The MLP's dense layer ``x @ w + b`` (``w``: ``(n_in, n_out)``, the core's Glorot-normal
    initialisation; ``b`` zero).

    >>> Dense(3, 2)(jnp.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.spec = wiring.dense_spec(n_in, n_out)
        _hold_params(self, self.spec)

    def __call__(self, x, training: bool = True):
        return wiring.dense_apply(self.w.value, self.b.value, x)


def _child(module, name: str, index: int):
    """A composite module's part ``name`` (the ``index``-th of its spec's children)."""
    return module._part(name, index)


class _Composite(Module):
    """A model whose parts and wiring are its core spec's."""

    def _part(self, name: str, index: int):
        return getattr(self, name)

    def __call__(self, x, training: bool = True):
        order = {name: k for k, (name, _) in enumerate(self.spec.children)}
        return wiring.forward(
            self.spec, lambda name, h: call_with_training(self._part(name, order[name]), h,
                                                          training), x)


class EMLPBlock(_Composite):
    """G-linear map, bilinear layer with a shortcut, and gated nonlinearity.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> block = EMLPBlock(V(S(3)), V(S(3)))
    >>> block(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep):
        super().__init__()
        self.spec = wiring.emlp_block_spec(arch.emlp_block_plan(rep_in, rep_out))
        for name, part in self.spec.children:  # linear, bilinear, nonlinearity
            setattr(self, name, _build(part))


class Sequential(Module):
    """Layers applied in order; ``training`` is passed to the layers that take it.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> rep = V(S(3))
    >>> model = Sequential(Linear(rep, rep), Linear(rep, rep))
    >>> model(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, *layers):
        super().__init__()
        self.layers = objax.ModuleList(layers)

    def __call__(self, x, training: bool = True):
        for layer in self.layers:
            x = call_with_training(layer, x, training)
        return x

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)


class EMLP(_Composite):
    """Equivariant MLP: ``num_layers`` EMLP blocks then an equivariant linear readout.

    ``ch`` is the hidden width (an int, spread by :func:`uniform_rep`), a representation,
    or a list of them, one per hidden layer.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> model = EMLP(V, V, S(3), ch=8, num_layers=1)
    >>> model(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3):
        super().__init__()
        self.architecture = a = arch.emlp_architecture(rep_in, rep_out, group, ch, num_layers)
        self.G, self.rep_in, self.rep_out = group, a.rep_in, a.rep_out
        self.spec = wiring.emlp_spec(arch.emlp_plan(a))
        self.network = Sequential(*[_build(part) for _, part in self.spec.children])

    def _part(self, name: str, index: int):
        return self.network.layers[index]


class MLP(_Composite):
    """The non-equivariant baseline with the same interface (Swish activations).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> model = MLP(V, V, S(3), ch=8, num_layers=1)
    >>> model(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3):
        super().__init__()
        self.architecture = a = arch.mlp_architecture(rep_in, rep_out, group, ch, num_layers)
        self.G, self.rep_in, self.rep_out = group, a.rep_in, a.rep_out
        self.spec = wiring.mlp_spec(a)
        self.layers = objax.ModuleList(_build(part) for _, part in self.spec.children)

    def _part(self, name: str, index: int):
        return self.layers[index]

    def __call__(self, x, training: bool = True):
        ln.check_input(x, self.rep_in, "MLP")
        return super().__call__(x, training)


class Standardize(Module):
    """Wrap a model to standardize inputs (and un-standardize outputs) with dataset stats.

    ``ds_stats`` is ``(muin, sin)`` or ``(muin, sin, muout, sout)``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> model = Standardize(MLP(V, V, S(3), ch=8, num_layers=1), (jnp.zeros(3), jnp.ones(3)))
    >>> model(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, model, ds_stats):
        super().__init__()
        self.model = model
        self.ds_stats = tuple(jnp.asarray(s) for s in arch.check_stats(ds_stats))

    def __call__(self, x, training: bool = True):
        return arch.standardize(lambda z: self.model(z, training=training), self.ds_stats, x)


class GroupAugmentation(Module):
    """The reference's training-time augmentation: ``ρ_out(g)⁻¹ network(ρ_in(g) x)`` with one
    sampled ``g`` per example when ``training``, the network itself otherwise (the math is
    :func:`emlp_sym.nn.core.augmentation.augmented_apply`). ``gs=`` overrides the sampled elements
    (pass fresh ones under ``objax.Jit``, which would freeze a NumPy draw).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> model = GroupAugmentation(MLP(V, V, S(3), ch=8, num_layers=1), V, V, S(3))
    >>> model(jnp.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, network, rep_in, rep_out, group: Group):
        super().__init__()
        self.model = network
        self._augmented = aug.group_augmentation(network, rep_in, rep_out, group)
        self.G, self.rep_in, self.rep_out = group, self._augmented.rep_in, self._augmented.rep_out

    def __call__(self, x, training: bool = True, gs=None):
        return self._augmented(x, training, gs=gs)


_CLASSES = {"linear": Linear, "bilinear": BiLinear, "nonlinearity": GatedNonlinearity,
            "dense": Dense, "emlp_block": EMLPBlock, "emlp": EMLP, "mlp": MLP}


def _vars_of(model) -> dict:
    """The model's ``TrainVar`` s as the core's tree (through ``Standardize`` and
    ``GroupAugmentation``)."""
    while isinstance(model, (Standardize, GroupAugmentation)):
        model = model.model
    if not isinstance(getattr(model, "spec", None), wiring.ModuleSpec):
        raise TypeError(f"expected an emlp_sym objax model (EMLP, MLP, a layer or Standardize), "
                        f"got {type(model).__name__}")
    return wiring.collect(model.spec, model, _child, getattr)


def export_params(model) -> dict:
    """The model's parameters as the core's tree (``emlp_sym.nn.save_params`` writes it).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> sorted(export_params(Linear(V(S(3)), V(S(3)))))
    ['b', 'w']
    """
    return map_params(lambda v: jax.device_get(v.value), _vars_of(model))


def import_params(model, params):
    """Load a core parameter tree (from any front) into ``model`` in place; returns it.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> a, b = Linear(V(S(3)), V(S(3))), Linear(V(S(3)), V(S(3)))
    >>> import_params(b, export_params(a)) is b
    True
    >>> bool(jnp.all(a.w.value == b.w.value))
    True
    """
    check_params(export_params(model), params)
    map_params(lambda var, p: var.assign(jnp.asarray(p, dtype=var.value.dtype)),
               _vars_of(model), params)
    return model
