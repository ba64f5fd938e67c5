"""objax front end: thin Modules around the pure layer functions.

Each Module owns its parameters as ``objax.TrainVar`` s and a plan; all math is in
:mod:`emlp_sym.nn.linear`, :mod:`emlp_sym.nn.bilinear` and :mod:`emlp_sym.nn.gates`.
"""

from __future__ import annotations

import jax
import numpy as np

from emlp_sym.calling import call_with_training
from emlp_sym.errors import RepError
from emlp_sym.groups.base import Group
from emlp_sym.nn import bilinear as bl
from emlp_sym.nn import linear as ln
from emlp_sym.nn.allocation import gated, uniform_rep
from emlp_sym.nn.gates import gate_plan, gated_nonlinearity
from emlp_sym.nn.objax_compat import ensure_objax
from emlp_sym.reps.expr import Rep

objax = ensure_objax()
Module = objax.Module
TrainVar = objax.TrainVar


def _rng() -> np.random.Generator:
    """A NumPy generator seeded from objax's global generator (so objax seeding applies)."""
    key = np.asarray(objax.random.DEFAULT_GENERATOR())
    return np.random.default_rng(key.astype(np.uint32).tolist())


class Linear(Module):
    """Equivariant linear layer ``rep_in → rep_out`` (weights in the equivariant basis)."""

    def __init__(self, rep_in: Rep, rep_out: Rep):
        super().__init__()
        self.plan = ln.linear_plan(rep_in, rep_out)
        w, b = ln.init_linear(self.plan, _rng())
        self.w = TrainVar(_jnp(w))
        self.b = TrainVar(_jnp(b))
        self.rep_in, self.rep_out = rep_in, rep_out

    def __call__(self, x, training: bool = True):
        return ln.linear_apply(self.plan, self.w.value, self.b.value, x)

    def weight(self):
        """The dense weight matrix in the user's layouts."""
        return ln.dense_weight(self.plan, self.w.value)


class BiLinear(Module):
    """EMLP's equivariant bilinear layer ``x ↦ 0.1 · W(x) x``."""

    def __init__(self, rep_in: Rep, rep_out: Rep):
        super().__init__()
        self.plan = bl.bilinear_plan(rep_in, rep_out)
        self.w = TrainVar(_jnp(bl.init_bilinear(self.plan, _rng())))
        self.rep_in, self.rep_out = rep_in, rep_out

    def __call__(self, x, training: bool = True):
        return bl.bilinear_apply(self.plan, self.w.value, x)

    def weight(self, x):
        """The per-example matrices ``0.1 · W(x)``, ``(N, n_out, n_in)``, in the user's layouts."""
        return bl.bilinear_weight(self.plan, self.w.value, x)


class GatedNonlinearity(Module):
    """Gated nonlinearity: input ``gated(rep)``, output ``rep``."""

    def __init__(self, rep: Rep):
        super().__init__()
        self.rep = rep
        self.plan = gate_plan(rep)
        self.in_size = self.plan.size + self.plan.n_gates

    def __call__(self, x, training: bool = True):
        if x.shape[-1] != self.in_size:
            raise ValueError(
                f"GatedNonlinearity expects gated({self.rep}) inputs (last dimension "
                f"{self.in_size}), got shape {tuple(x.shape)}"
            )
        return gated_nonlinearity(self.plan, x)


class EMLPBlock(Module):
    """G-linear map, bilinear layer with a shortcut, and gated nonlinearity."""

    def __init__(self, rep_in: Rep, rep_out: Rep):
        super().__init__()
        rep_out_wgates = gated(rep_out)
        self.linear = Linear(rep_in, rep_out_wgates)
        self.bilinear = BiLinear(rep_out_wgates, rep_out_wgates)
        self.nonlinearity = GatedNonlinearity(rep_out)

    def __call__(self, x, training: bool = True):
        lin = self.linear(x)
        preact = self.bilinear(lin) + lin
        return self.nonlinearity(preact)


class Sequential(Module):
    """Layers applied in order; ``training`` is passed to the layers that take it."""

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


def _bind(rep, group: Group, name: str) -> Rep:
    """Accept a rep (bound or not) or a callable of the group, as the seed passes them."""
    if not isinstance(group, Group):
        raise TypeError(f"group must be a Group such as SO(3), got {group!r}")
    out = rep(group) if (rep is not None and (not isinstance(rep, Rep) or rep.G is None)) else rep
    if not isinstance(out, Rep):
        raise TypeError(f"{name} must be a representation (or a function of the group)")
    if out.G != group:
        raise RepError(f"{name} is a representation of {out.G}, but the model's group is {group}")
    return out


def _hidden_reps(ch, group, num_layers):
    if isinstance(ch, (int, np.integer)) and not isinstance(ch, bool):
        return num_layers * [uniform_rep(int(ch), group)]
    if isinstance(ch, Rep):
        return num_layers * [_bind(ch, group, "ch")]
    if isinstance(ch, (list, tuple)):
        return [_bind(c, group, "ch") if isinstance(c, Rep) else uniform_rep(c, group)
                for c in ch]
    raise TypeError(f"ch must be an int, a representation or a list of them, got {ch!r}")


class EMLP(Module):
    """Equivariant MLP: ``num_layers`` EMLP blocks then an equivariant linear readout.

    ``ch`` is the hidden width (an int, spread by :func:`uniform_rep`), a representation,
    or a list of them, one per hidden layer.
    """

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3):
        super().__init__()
        self.G = group
        self.rep_in = _bind(rep_in, group, "rep_in")
        self.rep_out = _bind(rep_out, group, "rep_out")
        reps = [self.rep_in] + _hidden_reps(ch, group, num_layers)
        self.network = Sequential(
            *[EMLPBlock(rin, rout) for rin, rout in zip(reps, reps[1:], strict=False)],
            Linear(reps[-1], self.rep_out),
        )

    def __call__(self, x, training: bool = True):
        return self.network(x, training=training)


def swish(x):
    return jax.nn.silu(x)


class MLP(Module):
    """The non-equivariant baseline with the same interface (swish activations)."""

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3):
        super().__init__()
        self.G = group
        self.rep_in = _bind(rep_in, group, "rep_in")
        self.rep_out = _bind(rep_out, group, "rep_out")
        chs = [self.rep_in.size()] + num_layers * [int(ch)]
        layers = []
        for cin, cout in zip(chs, chs[1:], strict=False):
            layers += [objax.nn.Linear(cin, cout), swish]
        self.net = Sequential(*layers, objax.nn.Linear(chs[-1], self.rep_out.size()))

    def __call__(self, x, training: bool = True):
        if x.shape[-1] != self.rep_in.size():
            raise ValueError(
                f"MLP expects inputs of rep {self.rep_in} (last dimension {self.rep_in.size()}), "
                f"got shape {tuple(x.shape)}"
            )
        return self.net(x, training=training)


class Standardize(Module):
    """Wrap a model to standardize inputs (and un-standardize outputs) with dataset stats.

    ``ds_stats`` is ``(muin, sin)`` or ``(muin, sin, muout, sout)``.
    """

    def __init__(self, model, ds_stats):
        super().__init__()
        if len(ds_stats) not in (2, 4):
            raise ValueError("ds_stats must be (muin, sin) or (muin, sin, muout, sout)")
        self.model = model
        self.ds_stats = tuple(_jnp(np.asarray(s, dtype=np.float32)) for s in ds_stats)

    def __call__(self, x, training: bool = True):
        muin, sin = self.ds_stats[:2]
        y = self.model((x - muin) / sin, training=training)
        if len(self.ds_stats) == 4:
            muout, sout = self.ds_stats[2:]
            y = sout * y + muout
        return y


def _jnp(a):
    import jax.numpy as jnp

    return jnp.asarray(a)
