"""The Equinox front's modules (re-exported by :mod:`emlp_sym.nn.equinox`).

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
from emlp_sym.nn.core.gates import GatePlan, gate_plan, gated_nonlinearity
from emlp_sym.nn.core.keys import as_key
from emlp_sym.nn.core.params import check_params, map_params
from emlp_sym.reps.expr import Rep

eqx = require("equinox", extra="equinox", front="equinox")

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "EMLPBlock", "EMLP", "MLP", "Standardize",
           "Static", "uniform_rep", "gated", "gate_indices", "export_params", "import_params"]


class Static:
    """A value for an ``eqx.field(static=True)``, hashed and compared by identity.

    Equinox puts static fields in the pytree structure, which ``eqx.filter_jit`` hashes on
    every call; this keeps that hash O(1) whatever the value holds (reps, NumPy arrays).

    >>> s = Static([1, 2, 3])
    >>> s, s.value, hash(s) == hash(Static([1, 2, 3]))  # hashed by identity
    (Static(list), [1, 2, 3], False)
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Static({type(self.value).__name__})"


class _RepsFromPlan:
    """``rep_in`` / ``rep_out`` read from the layer's plan (no rep is held as a field)."""

    @property
    def rep_in(self) -> Rep:
        return self.plan.rep_in

    @property
    def rep_out(self) -> Rep:
        return self.plan.rep_out


class Linear(_RepsFromPlan, eqx.Module):
    """Equivariant linear layer ``rep_in → rep_out``: ``w`` holds the coefficients in the
    equivariant basis, ``b`` those of the invariant bias (flat float32 vectors).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> layer = Linear(V(SO(3)), (Scalar + V)(SO(3)), key=jax.random.key(0))
    >>> layer(jnp.ones(3)).shape, jax.vmap(layer)(jnp.ones((2, 3))).shape
    ((4,), (2, 4))
    """

    w: jax.Array
    b: jax.Array
    plan: ln.LinearPlan = eqx.field(static=True, repr=False)

    def __init__(self, rep_in: Rep, rep_out: Rep, *, key):
        """``rep_in``, ``rep_out``: reps bound to one group; ``key``: a JAX key or int seed."""
        self.plan = ln.linear_plan(rep_in, rep_out)
        self.w, self.b = ln.init_linear(self.plan, key)

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` (one example or a batch) → ``(..., rep_out.size())``."""
        return ln.linear_apply(self.plan, self.w, self.b, x)

    def weight(self):
        """The dense weight matrix ``(n_out, n_in)`` in the user's layouts."""
        return ln.user_layout_weight(self.plan, self.w)


class BiLinear(_RepsFromPlan, eqx.Module):
    """EMLP's equivariant bilinear layer ``x ↦ 0.1 · W(x) x`` (coefficients ``w``).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> layer = BiLinear((Scalar + V)(SO(3)), V(SO(3)), key=jax.random.key(0))
    >>> layer(jnp.ones(4)).shape
    (3,)
    """

    w: jax.Array
    plan: bl.BiLinearPlan = eqx.field(static=True, repr=False)

    def __init__(self, rep_in: Rep, rep_out: Rep, *, key):
        """``rep_in``, ``rep_out``: reps bound to one group; ``key``: a JAX key or int seed."""
        self.plan = bl.bilinear_plan(rep_in, rep_out)
        self.w = bl.init_bilinear(self.plan, key)

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` → ``(..., rep_out.size())``."""
        return bl.bilinear_apply(self.plan, self.w, x)

    def weight(self, x):
        """The per-example matrices ``0.1 · W(x)``, ``(N, n_out, n_in)``, in the user's layouts."""
        return bl.scaled_bilinear_matrix(self.plan, self.w, x)


class GatedNonlinearity(eqx.Module):
    """Gated nonlinearity: input ``gated(rep)``, output ``rep`` (no parameters).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> act = GatedNonlinearity(V(SO(3)))  # input: V and its gate scalar
    >>> act(jnp.ones(4)).shape
    (3,)
    """

    plan: GatePlan = eqx.field(static=True, repr=False)

    def __init__(self, rep: Rep):
        self.plan = gate_plan(rep)

    def __call__(self, x, *, key=None):
        """``x``: ``(..., gated(rep).size())`` → ``(..., rep.size())``."""
        return gated_nonlinearity(self.plan, x)

    @property
    def rep(self) -> Rep:
        return self.plan.rep


class EMLPBlock(eqx.Module):
    """G-linear map to ``gated(rep_out)``, bilinear layer with a shortcut, gated nonlinearity.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> from emlp_sym.nn import uniform_rep
    >>> block = EMLPBlock(V(SO(3)), uniform_rep(16, SO(3)), key=jax.random.key(0))
    >>> block(jnp.ones(3)).shape
    (16,)
    """

    linear: Linear
    bilinear: BiLinear
    nonlinearity: GatedNonlinearity

    def __init__(self, rep_in: Rep, rep_out: Rep, *, key):
        k_lin, k_bi = jax.random.split(as_key(key))  # as the core's init_emlp_block
        with_gates = gated(rep_out)
        self.linear = Linear(rep_in, with_gates, key=k_lin)
        self.bilinear = BiLinear(with_gates, with_gates, key=k_bi)
        self.nonlinearity = GatedNonlinearity(rep_out)

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` → ``(..., rep_out.size())``."""
        lin = self.linear(x)
        return self.nonlinearity(self.bilinear(lin) + lin)


class EMLP(eqx.Module):
    """Equivariant MLP: ``num_layers`` :class:`EMLPBlock` s then an equivariant linear readout.

    ``rep_in``/``rep_out`` are reps (bound or not, or functions of the group such as
    ``dataset.rep_in``); ``ch`` the hidden width (an int, spread by :func:`uniform_rep`), a
    rep, or a list of them, one per hidden layer. ``key`` (keyword-only) is a JAX key or an
    int seed; the parameters equal the core's ``init_emlp(plan, key)``.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> import equinox as eqx
    >>> model = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1, key=jax.random.key(0))
    >>> eqx.filter_jit(lambda m, x: jax.vmap(m)(x))(model, jnp.ones((2, 4))).shape
    (2, 9)
    """

    blocks: tuple[EMLPBlock, ...]
    readout: Linear

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3, *, key):
        a = arch.emlp_architecture(rep_in, rep_out, group, ch, num_layers)
        keys = jax.random.split(as_key(key), len(a.blocks) + 1)  # as the core's init_emlp
        self.blocks = tuple(EMLPBlock(rin, rout, key=k)
                            for (rin, rout), k in zip(a.blocks, keys, strict=False))
        self.readout = Linear(*a.readout, key=keys[-1])

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` (one example or a batch) → ``(..., rep_out.size())``."""
        for block in self.blocks:
            x = block(x)
        return self.readout(x)

    @property
    def rep_in(self) -> Rep:
        return self.blocks[0].linear.rep_in if self.blocks else self.readout.rep_in

    @property
    def rep_out(self) -> Rep:
        return self.readout.rep_out

    @property
    def G(self) -> Group:
        return self.rep_out.G


class MLP(eqx.Module):
    """The non-equivariant baseline, with the EMLP's signature: ``eqx.nn.Linear`` layers with
    Swish between them. Initial parameters are the core's ``init_mlp(architecture, key)``
    (Glorot-normal weights, zero biases), not ``eqx.nn.Linear``'s default draw, so the same
    key gives the same MLP in every front. ``eqx.nn.Linear`` holds ``weight`` as
    ``(n_out, n_in)``: :func:`export_params` transposes it to the core's ``(n_in, n_out)``.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> model = MLP(Scalar + V, V**2, SO(3), ch=16, num_layers=2, key=jax.random.key(0))
    >>> model(jnp.ones(4)).shape
    (9,)
    """

    layers: tuple
    readout: eqx.nn.Linear
    architecture: Static = eqx.field(static=True)

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3, *, key):
        a = arch.mlp_architecture(rep_in, rep_out, group, ch, num_layers)
        params = arch.init_mlp(a, key)
        dense = []
        for k, (n_in, n_out) in enumerate([*a.layers, a.readout]):
            p = params["readout" if k == len(a.layers) else f"layer{k}"]
            lin = eqx.nn.Linear(n_in, n_out, key=jax.random.key(0))  # overwritten next line
            dense.append(eqx.tree_at(lambda m: (m.weight, m.bias), lin, (p["w"].T, p["b"])))
        self.layers, self.readout = tuple(dense[:-1]), dense[-1]
        self.architecture = Static(a)

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` (one example or a batch) → ``(..., rep_out.size())``."""
        ln.check_input(x, self.rep_in, "MLP")
        batch = x.shape[:-1]
        h = x.reshape(-1, x.shape[-1])
        for layer in self.layers:
            h = jax.nn.silu(jax.vmap(layer)(h))
        return jax.vmap(self.readout)(h).reshape(*batch, self.readout.out_features)

    @property
    def rep_in(self) -> Rep:
        return self.architecture.value.rep_in

    @property
    def rep_out(self) -> Rep:
        return self.architecture.value.rep_out

    @property
    def G(self) -> Group:
        return self.architecture.value.group


class Standardize(eqx.Module):
    """``model`` on standardized inputs, its outputs mapped back with dataset statistics.

    ``ds_stats`` is ``(muin, sin)`` or ``(muin, sin, muout, sout)``. They are array fields
    (they move with the model across devices and into checkpoints) but are not trained:
    ``__call__`` reads them through ``jax.lax.stop_gradient``, so their gradient is zero and
    Adam leaves them as they are. With decoupled weight decay (``optax.adamw``) mask them out
    (``optax.masked``); :func:`export_params` leaves them out.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> import numpy as np
    >>> stats = (np.zeros(4), np.full(4, 2.0), np.zeros(9), np.ones(9))
    >>> model = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1, key=jax.random.key(0))
    >>> Standardize(model, stats)(jnp.ones(4)).shape
    (9,)
    """

    model: eqx.Module
    stats: tuple[jax.Array, ...]

    def __init__(self, model, ds_stats):
        self.model = model
        self.stats = tuple(jnp.asarray(s) for s in arch.check_stats(ds_stats))

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` → ``(..., rep_out.size())``."""
        return arch.standardize(lambda z: self.model(z, key=key),
                                jax.lax.stop_gradient(self.stats), x)


# ---------------------------------------------------------------------------------------------
# Parameters as the core's tree


def _slots(model, get=lambda m: m) -> dict:
    """The core's tree for ``model``, each leaf ``(where, transposed)``: ``where(model)`` is the
    array (to transpose into the core's layout when ``transposed``)."""
    if isinstance(model, Standardize):
        return _slots(model.model, lambda m: get(m).model)
    if isinstance(model, Linear):
        return {"w": (lambda m: get(m).w, False), "b": (lambda m: get(m).b, False)}
    if isinstance(model, BiLinear):
        return {"w": (lambda m: get(m).w, False)}
    if isinstance(model, EMLPBlock):
        return {"linear": _slots(model.linear, lambda m: get(m).linear),
                "bilinear": _slots(model.bilinear, lambda m: get(m).bilinear)}
    if isinstance(model, EMLP):
        out = {f"block{k}": _slots(b, lambda m, k=k: get(m).blocks[k])
               for k, b in enumerate(model.blocks)}
        out["readout"] = _slots(model.readout, lambda m: get(m).readout)
        return out
    if isinstance(model, MLP):
        def dense(where):
            return {"w": (lambda m: where(m).weight, True), "b": (lambda m: where(m).bias, False)}
        out = {f"layer{k}": dense(lambda m, k=k: get(m).layers[k])
               for k in range(len(model.layers))}
        out["readout"] = dense(lambda m: get(m).readout)
        return out
    raise TypeError(f"expected an emlp_sym equinox model (EMLP, MLP, a layer or Standardize), "
                    f"got {type(model).__name__}")


def _leaves(slots: dict, prefix=()):
    for name, v in slots.items():
        if isinstance(v, dict):
            yield from _leaves(v, (*prefix, name))
        else:
            yield (*prefix, name), v


def export_params(model) -> dict:
    """The model's parameters as the core's tree of NumPy arrays (``emlp_sym.nn.save_params``
    writes it; any front's ``import_params`` reads it).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> model = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1, key=jax.random.key(0))
    >>> sorted(export_params(model)), sorted(export_params(model)["readout"])
    (['block0', 'readout'], ['b', 'w'])
    """
    return map_params(lambda s: np.asarray(s[0](model)).T if s[1] else np.asarray(s[0](model)),
                      _slots(model))


def import_params(model, params):
    """A copy of ``model`` holding the core parameter tree ``params`` (from any front).

    Raises a ``ValueError`` naming every missing, extra or misshapen entry.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> a = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1, key=jax.random.key(0))
    >>> b = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1, key=jax.random.key(1))
    >>> b = import_params(b, export_params(a))
    >>> bool((a(jnp.ones(4)) == b(jnp.ones(4))).all())
    True
    """
    slots = list(_leaves(_slots(model)))
    check_params(export_params(model), params)
    values = []
    for path, (where, transposed) in slots:
        p = params
        for name in path:
            p = p[name]
        old = where(model)
        p = jnp.asarray(p, dtype=old.dtype)
        values.append(p.T if transposed else p)
    return eqx.tree_at(lambda m: [where(m) for _, (where, _t) in slots], model, values)
