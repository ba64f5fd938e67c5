"""The Flax linen front's modules (re-exported by :mod:`emlp_sym.nn.linen`).

See the package docstring for the idiom; the maths is the core's
(:mod:`emlp_sym.nn.core`).
"""

from __future__ import annotations

from typing import Any

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

nn = require("flax.linen", extra="flax", front="linen")

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "EMLPBlock", "EMLP", "MLP", "Standardize",
           "uniform_rep", "gated", "gate_indices", "export_params", "import_params"]


def _core_init(init, plan, index=None):
    """A linen initializer ``(key, shape) -> array`` drawing from the core's ``init(plan,
    key)`` (component ``index`` of its result), so the distribution is the core's."""

    def init_fn(key, shape):  # shape: the plan's, given to self.param for readability
        return init(plan, key) if index is None else init(plan, key)[index]

    return init_fn


# The core's MLP initialization: Glorot normal (not truncated, unlike nn.initializers'
# glorot_normal), zero biases.
_glorot_normal = nn.initializers.variance_scaling(1.0, "fan_avg", "normal")


class Linear(nn.Module):
    """Equivariant linear layer ``rep_in → rep_out`` (both bound to one group).

    Parameters: ``w`` (``plan.num_weights`` coefficients in the equivariant basis) and ``b``
    (``plan.num_biases``). Input ``(..., rep_in.size())``, output ``(..., rep_out.size())``.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> layer = Linear(V(SO(3)), (Scalar + V)(SO(3)))
    >>> variables = layer.init(jax.random.key(0), jnp.ones((2, 3)))
    >>> layer.apply(variables, jnp.ones((2, 3))).shape
    (2, 4)
    >>> layer.apply(variables, method="weight").shape  # the dense weight
    (4, 3)
    """

    rep_in: Rep
    rep_out: Rep

    def __post_init__(self):
        ln.linear_plan(self.rep_in, self.rep_out)  # bad reps fail here, at construction
        super().__post_init__()

    def setup(self):
        self.plan = plan = ln.linear_plan(self.rep_in, self.rep_out)
        self.w = self.param("w", _core_init(ln.init_linear, plan, 0), (plan.num_weights,))
        self.b = self.param("b", _core_init(ln.init_linear, plan, 1), (plan.num_biases,))

    def __call__(self, x):
        return ln.linear_apply(self.plan, self.w, self.b, x)

    def weight(self):
        """The dense weight matrix in the user's layouts: ``net.apply(v, method="weight")``."""
        return ln.user_layout_weight(self.plan, self.w)


class BiLinear(nn.Module):
    """EMLP's equivariant bilinear layer ``x ↦ 0.1 · W(x) x``; parameter ``w``.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> layer = BiLinear((Scalar + V)(SO(3)), V(SO(3)))
    >>> variables = layer.init(jax.random.key(0), jnp.ones((2, 4)))
    >>> layer.apply(variables, jnp.ones((2, 4))).shape
    (2, 3)
    """

    rep_in: Rep
    rep_out: Rep

    def __post_init__(self):
        bl.bilinear_plan(self.rep_in, self.rep_out)
        super().__post_init__()

    def setup(self):
        self.plan = plan = bl.bilinear_plan(self.rep_in, self.rep_out)
        self.w = self.param("w", _core_init(bl.init_bilinear, plan), (plan.num_weights,))

    def __call__(self, x):
        return bl.bilinear_apply(self.plan, self.w, x)

    def weight(self, x):
        """The per-example matrices ``0.1 · W(x)``, ``(N, n_out, n_in)``."""
        return bl.scaled_bilinear_matrix(self.plan, self.w, x)


class GatedNonlinearity(nn.Module):
    """Gated nonlinearity: input ``gated(rep)``, output ``rep``; no parameters.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> act = GatedNonlinearity(V(SO(3)))  # input: V and its gate scalar
    >>> act.apply({}, jnp.ones((2, 4))).shape
    (2, 3)
    """

    rep: Rep

    def __post_init__(self):
        gate_plan(self.rep)
        super().__post_init__()

    def __call__(self, x):
        return gated_nonlinearity(gate_plan(self.rep), x)


class EMLPBlock(nn.Module):
    """G-linear map to ``gated(rep_out)``, bilinear layer with a shortcut, gated nonlinearity.

    Submodules ``linear`` and ``bilinear`` (the core tree's names).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> from emlp_sym.nn import uniform_rep
    >>> block = EMLPBlock(V(SO(3)), uniform_rep(16, SO(3)))
    >>> variables = block.init(jax.random.key(0), jnp.ones((2, 3)))
    >>> block.apply(variables, jnp.ones((2, 3))).shape, sorted(variables["params"])
    ((2, 16), ['bilinear', 'linear'])
    """

    rep_in: Rep
    rep_out: Rep

    @nn.compact
    def __call__(self, x):
        with_gates = gated(self.rep_out)
        lin = Linear(self.rep_in, with_gates, name="linear")(x)
        preact = BiLinear(with_gates, with_gates, name="bilinear")(lin) + lin
        return GatedNonlinearity(self.rep_out)(preact)


def _hashable_ch(ch):
    return tuple(ch) if isinstance(ch, list) else ch


class EMLP(nn.Module):
    """Equivariant MLP: ``num_layers`` EMLP blocks (``block0``, ...) then an equivariant
    linear ``readout``.

    ``rep_in``/``rep_out`` may be unbound (``V**2``) or functions of the group, as the seed
    passes them; ``ch`` is the hidden width (an int, spread by :func:`uniform_rep`), a rep,
    or a sequence of them, one per hidden layer (a list is stored as a tuple).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)
    >>> variables = net.init(jax.random.key(0), jnp.ones((2, 4)))
    >>> jax.jit(net.apply)(variables, jnp.ones((2, 4))).shape
    (2, 9)
    """

    rep_in: Any
    rep_out: Any
    group: Group
    ch: Any = 384
    num_layers: int = 3

    def __post_init__(self):
        object.__setattr__(self, "ch", _hashable_ch(self.ch))
        _ = self.architecture  # bad reps, ch or num_layers fail here, at construction
        super().__post_init__()

    @property
    def architecture(self) -> arch.EMLPArchitecture:
        """The core's description: bound reps, hidden reps, ``blocks`` and ``readout``."""
        return arch.emlp_architecture(self.rep_in, self.rep_out, self.group, self.ch,
                                  self.num_layers)

    @nn.compact
    def __call__(self, x):
        a = self.architecture
        for k, (rin, rout) in enumerate(a.blocks):
            x = EMLPBlock(rin, rout, name=f"block{k}")(x)
        return Linear(*a.readout, name="readout")(x)


class MLP(nn.Module):
    """The non-equivariant baseline with the EMLP's fields: ``nn.Dense`` layers ``layer0``,
    ..., ``readout`` with Swish between them (Glorot-normal kernels, zero biases).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = MLP(Scalar + V, V**2, SO(3), ch=16, num_layers=2)
    >>> variables = net.init(jax.random.key(0), jnp.ones((2, 4)))
    >>> net.apply(variables, jnp.ones((2, 4))).shape, sorted(variables["params"])
    ((2, 9), ['layer0', 'layer1', 'readout'])
    """

    rep_in: Any
    rep_out: Any
    group: Group
    ch: int = 384
    num_layers: int = 3

    def __post_init__(self):
        _ = self.architecture
        super().__post_init__()

    @property
    def architecture(self) -> arch.MLPArchitecture:
        return arch.mlp_architecture(self.rep_in, self.rep_out, self.group, self.ch,
                                 self.num_layers)

    @nn.compact
    def __call__(self, x):
        a = self.architecture
        ln.check_input(x, a.rep_in, "MLP")
        for k, (_, n_out) in enumerate(a.layers):
            x = nn.silu(nn.Dense(n_out, kernel_init=_glorot_normal, name=f"layer{k}")(x))
        return nn.Dense(a.readout[1], kernel_init=_glorot_normal, name="readout")(x)


def _frozen(stats) -> tuple:
    """Statistics as nested tuples of Python floats: hashable, and exact for float32."""
    def freeze(v):
        return tuple(freeze(u) for u in v) if isinstance(v, list) else v
    return tuple(freeze(s.tolist()) for s in arch.check_stats(stats))


class Standardize(nn.Module):
    """``model`` on standardized inputs, its outputs mapped back with the dataset statistics.

    ``ds_stats`` is ``(muin, sin)`` or ``(muin, sin, muout, sout)`` (arrays, as
    ``trainset.stats``); it is stored as nested tuples of floats, so the module stays hashable
    and the statistics are constants of the compiled function, not parameters. The wrapped
    model shares this module's scope: the parameters are exactly ``model``'s.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> import numpy as np
    >>> stats = (np.zeros(4), np.full(4, 2.0), np.zeros(9), np.ones(9))
    >>> net = Standardize(EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1), stats)
    >>> variables = net.init(jax.random.key(0), jnp.ones((2, 4)))
    >>> net.apply(variables, jnp.ones((2, 4))).shape
    (2, 9)
    """

    model: nn.Module
    ds_stats: tuple

    def __post_init__(self):
        object.__setattr__(self, "ds_stats", _frozen(self.ds_stats))
        super().__post_init__()

    def setup(self):
        nn.share_scope(self, self.model)

    def __call__(self, x):
        stats = tuple(jnp.asarray(s, dtype=jnp.float32) for s in self.ds_stats)
        return arch.standardize(self.model, stats, x)

    @property
    def architecture(self):
        return self.model.architecture


# ---------------------------------------------------------------------------------------------
# Parameters: the core's tree <-> linen variables

_TO_CORE = {"kernel": "w", "bias": "b"}


def _params_of(variables) -> dict:
    if not hasattr(variables, "keys"):
        raise TypeError(f"expected the variables of a linen model ({{'params': ...}}), "
                        f"got {type(variables).__name__}")
    return variables["params"] if "params" in variables else variables


def _core_tree(variables, leaf) -> dict:
    """The params collection renamed as the core's tree, ``leaf`` applied to each array."""
    def walk(tree):
        return {_TO_CORE.get(k, k): walk(v) if hasattr(v, "keys") else leaf(v)
                for k, v in tree.items()}

    return walk(_params_of(variables))


def export_params(variables) -> dict:
    """The core's parameter tree (NumPy arrays) from linen ``variables`` (what ``init``
    returns, or its ``"params"``): ``emlp_sym.nn.save_params`` writes it.

    The ``nn.Dense`` layers' ``kernel``/``bias`` become ``w``/``b``; everything else is
    already named as in the core.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = MLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)
    >>> params = export_params(net.init(jax.random.key(0), jnp.ones((1, 4))))
    >>> {k: v.shape for k, v in params["layer0"].items()}  # kernel/bias renamed w/b
    {'w': (4, 16), 'b': (16,)}
    """
    return _core_tree(variables, np.asarray)


def import_params(variables, params) -> dict:
    """Linen variables ``{"params": ...}`` holding a core parameter tree (from any front).

    ``variables`` are the target model's: from ``net.init(...)``, or without computing them
    from ``jax.eval_shape(net.init, ...)``. ``params`` is checked against them (a clear
    ``ValueError`` names every missing, extra or misshapen entry) and the result keeps their
    dtypes and other collections. With ``variables=None`` the tree is converted unchecked; a
    2-D ``w`` (a dense layer) becomes ``kernel``/``bias``. Nothing is modified in place
    (linen variables are values).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)
    >>> a = net.init(jax.random.key(0), jnp.ones((1, 4)))
    >>> b = import_params(net.init(jax.random.key(1), jnp.ones((1, 4))), export_params(a))
    >>> bool((net.apply(a, jnp.ones((1, 4))) == net.apply(b, jnp.ones((1, 4)))).all())
    True
    """
    if variables is None:
        def convert(tree):
            dense = "w" in tree and not hasattr(tree["w"], "keys") and np.ndim(tree["w"]) == 2
            names = {"w": "kernel", "b": "bias"} if dense else {}
            return {names.get(k, k): convert(v) if hasattr(v, "keys") else jnp.asarray(v)
                    for k, v in tree.items()}

        return {"params": convert(params)}

    # shapes only (no memory): works for arrays and for jax.ShapeDtypeStruct alike
    check_params(_core_tree(variables, lambda v: np.broadcast_to(np.zeros((), v.dtype),
                                                                  v.shape)), params)

    def walk(like, tree):
        return {k: walk(v, tree[_TO_CORE.get(k, k)]) if hasattr(v, "keys")
                else jnp.asarray(tree[_TO_CORE.get(k, k)], dtype=v.dtype)
                for k, v in like.items()}

    rest = {k: v for k, v in variables.items() if k != "params"} if "params" in variables \
        else {}
    return {**rest, "params": walk(_params_of(variables), params)}
