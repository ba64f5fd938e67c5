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
from emlp_sym.nn.core import wiring
from emlp_sym.nn.core.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.core.gates import GatePlan, gate_plan, gated_nonlinearity
from emlp_sym.nn.core.params import check_params
from emlp_sym.reps.expr import Rep

eqx = require("equinox", extra="equinox", front="equinox")

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "Dense", "EMLPBlock", "EMLP", "MLP",
           "Standardize", "Static", "uniform_rep", "gated", "gate_indices", "export_params",
           "import_params"]


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


def _hold_params(module, spec: wiring.ModuleSpec, key) -> None:
    """Each parameter of the core's ``spec`` as the array field of its name, drawn with its
    initialiser from ``key`` split as the core splits it (so equal to ``init_params``)."""
    keys = wiring.part_keys(spec, key)
    for p in spec.params:
        setattr(module, p.name, p.init(keys.get(p.name), p.shape))


def _parts(spec: wiring.ModuleSpec, key) -> dict:
    """This front's module for each child of the core's ``spec``, by name, with its key."""
    keys = wiring.part_keys(spec, key)
    return {name: _CLASSES[part.kind](*part.args, key=keys[name]) if part.has_params
            else _CLASSES[part.kind](*part.args) for name, part in spec.children}


class _Composite(eqx.Module):
    """A model whose parts are wired by the core's forward; ``_part(name)`` finds one."""

    spec: Static = eqx.field(static=True, repr=False)

    def _part(self, name: str):
        return getattr(self, name)

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` (one example or a batch) → ``(..., rep_out.size())``."""
        return wiring.forward(self.spec.value, lambda name, h: self._part(name)(h), x)


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
        _hold_params(self, wiring.linear_spec(self.plan), key)

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
        _hold_params(self, wiring.bilinear_spec(self.plan), key)

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` → ``(..., rep_out.size())``."""
        return bl.bilinear_apply(self.plan, self.w, x)

    def weight(self, x):
        """The per-example matrices ``0.1 · W(x)``, ``(N, n_out, n_in)``, in the user's layouts."""
        return bl.scaled_bilinear_matrix(self.plan, self.w, x)


class GatedNonlinearity(eqx.Module):
    """Gated nonlinearity: input ``gated(rep)``, output ``rep`` (no parameters).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> act = GatedNonlinearity(V(SO(3)))  # input: the vector, then its gate scalar
    >>> act(jnp.array([1.0, 2.0, 2.0, 0.0])).tolist()  # times sigmoid(0) = 1/2
    [0.5, 1.0, 1.0]
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


class Dense(eqx.Module):
    """The MLP's dense layer ``x @ w + b`` (``w``: ``(n_in, n_out)``, the core's
    Glorot-normal initialisation; ``b`` zero).

    >>> Dense(3, 2, key=0)(jnp.ones(3)).shape
    (2,)
    """

    w: jax.Array
    b: jax.Array

    def __init__(self, n_in: int, n_out: int, *, key):
        _hold_params(self, wiring.dense_spec(n_in, n_out), key)

    def __call__(self, x, *, key=None):
        """``x``: ``(..., n_in)`` → ``(..., n_out)``."""
        return wiring.dense_apply(self.w, self.b, x)


class EMLPBlock(_Composite):
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
        spec = wiring.emlp_block_spec(arch.emlp_block_plan(rep_in, rep_out))
        self.spec = Static(spec)
        parts = _parts(spec, key)
        self.linear, self.bilinear = parts["linear"], parts["bilinear"]
        self.nonlinearity = parts["nonlinearity"]


class EMLP(_Composite):
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
        spec = wiring.emlp_spec(arch.emlp_plan(
            arch.emlp_architecture(rep_in, rep_out, group, ch, num_layers)))
        self.spec = Static(spec)
        *blocks, self.readout = _parts(spec, key).values()
        self.blocks = tuple(blocks)

    def _part(self, name: str):
        return self.readout if name == "readout" else self.blocks[int(name[len("block"):])]

    @property
    def rep_in(self) -> Rep:
        return self.blocks[0].linear.rep_in if self.blocks else self.readout.rep_in

    @property
    def rep_out(self) -> Rep:
        return self.readout.rep_out

    @property
    def G(self) -> Group:
        return self.rep_out.G


class MLP(_Composite):
    """The non-equivariant baseline, with the EMLP's signature: :class:`Dense` layers with
    Swish between them. Initial parameters are the core's ``init_mlp(architecture, key)``
    (Glorot-normal ``w`` of shape ``(n_in, n_out)``, zero ``b``).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> model = MLP(Scalar + V, V**2, SO(3), ch=16, num_layers=2, key=jax.random.key(0))
    >>> model(jnp.ones(4)).shape
    (9,)
    """

    layers: tuple
    readout: Dense
    architecture: Static = eqx.field(static=True)

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3, *, key):
        a = arch.mlp_architecture(rep_in, rep_out, group, ch, num_layers)
        spec = wiring.mlp_spec(a)
        self.spec, self.architecture = Static(spec), Static(a)
        *layers, self.readout = _parts(spec, key).values()
        self.layers = tuple(layers)

    def _part(self, name: str):
        return self.readout if name == "readout" else self.layers[int(name[len("layer"):])]

    def __call__(self, x, *, key=None):
        """``x``: ``(..., rep_in.size())`` (one example or a batch) → ``(..., rep_out.size())``."""
        ln.check_input(x, self.rep_in, "MLP")
        return super().__call__(x)

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


_CLASSES = {"linear": Linear, "bilinear": BiLinear, "nonlinearity": GatedNonlinearity,
            "dense": Dense, "emlp_block": EMLPBlock, "emlp": EMLP, "mlp": MLP}
_LEAVES = (Linear, BiLinear, Dense)


def _inner(model):
    """The model whose parameters form the core's tree (the one inside ``Standardize``)."""
    return wiring.unwrap_model(model, Standardize, _CLASSES.values(), "equinox")


def _spec(module) -> wiring.ModuleSpec:
    if isinstance(module, Linear):
        return wiring.linear_spec(module.plan)
    if isinstance(module, BiLinear):
        return wiring.bilinear_spec(module.plan)
    if isinstance(module, Dense):
        return wiring.dense_spec(*module.w.shape)
    if isinstance(module, GatedNonlinearity):
        return wiring.nonlinearity_spec(module.plan)
    return module.spec.value


def _paths(model) -> list[tuple[str, ...]]:
    return [p.path for p in wiring.param_specs(_spec(_inner(model)))]


def _at(model, path):
    """The array at a core tree ``path`` of ``model``."""
    m = _inner(model)
    for name in path[:-1]:
        m = m._part(name)
    return getattr(m, path[-1])


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
    inner = _inner(model)
    return wiring.collect(_spec(inner), inner, lambda m, name, k: m._part(name),
                          lambda m, name: np.asarray(getattr(m, name)))


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
    check_params(export_params(model), params)
    paths, values = _paths(model), []
    for path in paths:
        p = params
        for name in path:
            p = p[name]
        values.append(jnp.asarray(p, dtype=_at(model, path).dtype))
    return eqx.tree_at(lambda m: [_at(m, path) for path in paths], model, values)
