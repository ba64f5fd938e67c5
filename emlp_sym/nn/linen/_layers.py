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
from emlp_sym.nn.core import wiring
from emlp_sym.nn.core.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.core.gates import gate_plan, gated_nonlinearity
from emlp_sym.nn.core.params import check_params, map_params
from emlp_sym.reps.expr import Rep

nn = require("flax.linen", extra="flax", front="linen")

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "Dense", "EMLPBlock", "EMLP", "MLP",
           "Standardize", "uniform_rep", "gated", "gate_indices", "export_params", "import_params"]


def _hold_params(module, spec: wiring.ModuleSpec) -> None:
    """``self.param`` per parameter of the core's ``spec`` (in ``setup``), named as it names
    them and drawn from its initialisers' distributions with the keys linen gives each."""
    for p in spec.params:
        setattr(module, p.name, module.param(
            p.name, lambda key, shape, p=p: p.init.sample(key, shape), p.shape))


def _wire(spec: wiring.ModuleSpec, x):
    """A composite module's body (inside ``nn.compact``): a submodule per part of the core's
    ``spec``, named as its child, wired by the core's forward."""
    parts = {name: _CLASSES[part.kind](*part.args, name=name) for name, part in spec.children}
    return wiring.forward(spec, lambda name, h: parts[name](h), x)


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
        self.plan = ln.linear_plan(self.rep_in, self.rep_out)
        _hold_params(self, wiring.linear_spec(self.plan))

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
        self.plan = bl.bilinear_plan(self.rep_in, self.rep_out)
        _hold_params(self, wiring.bilinear_spec(self.plan))

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


class Dense(nn.Module):
    """The MLP's dense layer ``x @ w + b`` (``w``: ``(n_in, n_out)``, the core's
    Glorot-normal initialisation; ``b`` zero).

    >>> import jax, jax.numpy as jnp
    >>> layer = Dense(3, 2)
    >>> variables = layer.init(jax.random.key(0), jnp.ones((1, 3)))
    >>> {k: v.shape for k, v in variables["params"].items()}
    {'w': (3, 2), 'b': (2,)}
    """

    n_in: int
    n_out: int

    def setup(self):
        _hold_params(self, wiring.dense_spec(self.n_in, self.n_out))

    def __call__(self, x):
        return wiring.dense_apply(self.w, self.b, x)


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
        return _wire(wiring.emlp_block_spec(arch.emlp_block_plan(self.rep_in, self.rep_out)), x)


def _hashable_ch(ch):
    return tuple(ch) if isinstance(ch, list) else ch


def _bind_reps(module) -> None:
    """Hold ``rep_in``/``rep_out`` bound to the group, as every front's models do (the
    architecture validates them)."""
    a = module.architecture
    object.__setattr__(module, "rep_in", a.rep_in)
    object.__setattr__(module, "rep_out", a.rep_out)


class EMLP(nn.Module):
    """Equivariant MLP: ``num_layers`` EMLP blocks (``block0``, ...) then an equivariant
    linear ``readout``.

    ``rep_in``/``rep_out`` may be unbound (``V**2``) or functions of the group, as the seed
    passes them (the fields then hold them bound to ``group``, also ``G``); ``ch`` is the
    hidden width (an int, spread by :func:`uniform_rep`), a rep,
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
        _bind_reps(self)  # bad reps, ch or num_layers fail here, at construction
        super().__post_init__()

    @property
    def G(self) -> Group:
        return self.group

    @property
    def architecture(self) -> arch.EMLPArchitecture:
        """The core's description: bound reps, hidden reps, ``blocks`` and ``readout``."""
        return arch.emlp_architecture(self.rep_in, self.rep_out, self.group, self.ch,
                                  self.num_layers)

    @nn.compact
    def __call__(self, x):
        return _wire(wiring.emlp_spec(arch.emlp_plan(self.architecture)), x)


class MLP(nn.Module):
    """The non-equivariant baseline with the EMLP's fields: :class:`Dense` layers ``layer0``,
    ..., ``readout`` with Swish between them (Glorot-normal ``w``, zero ``b``).

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
        _bind_reps(self)
        super().__post_init__()

    @property
    def G(self) -> Group:
        return self.group

    @property
    def architecture(self) -> arch.MLPArchitecture:
        return arch.mlp_architecture(self.rep_in, self.rep_out, self.group, self.ch,
                                 self.num_layers)

    @nn.compact
    def __call__(self, x):
        a = self.architecture
        ln.check_input(x, a.rep_in, "MLP")
        return _wire(wiring.mlp_spec(a), x)


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

def _params_of(variables) -> dict:
    if not hasattr(variables, "keys"):
        raise TypeError(f"expected the variables of a linen model ({{'params': ...}}), "
                        f"got {type(variables).__name__}")
    return variables["params"] if "params" in variables else variables


def _tree(tree, leaf) -> dict:
    """The params collection (named as the core's tree) as nested dicts, ``leaf`` applied."""
    return {k: _tree(v, leaf) if hasattr(v, "keys") else leaf(v) for k, v in tree.items()}


def export_params(variables) -> dict:
    """The core's parameter tree (NumPy arrays) from linen ``variables`` (what ``init``
    returns, or its ``"params"``): ``emlp_sym.nn.save_params`` writes it. The parameters
    are named as the core names them, so this only converts the arrays.

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = MLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)
    >>> params = export_params(net.init(jax.random.key(0), jnp.ones((1, 4))))
    >>> {k: v.shape for k, v in params["layer0"].items()}
    {'w': (4, 16), 'b': (16,)}
    """
    return _tree(_params_of(variables), np.asarray)


def import_params(variables, params) -> dict:
    """Linen variables ``{"params": ...}`` holding a core parameter tree (from any front).

    ``variables`` are the target model's: from ``net.init(...)``, or without computing them
    from ``jax.eval_shape(net.init, ...)``. ``params`` is checked against them (a clear
    ``ValueError`` names every missing, extra or misshapen entry) and the result keeps their
    dtypes and other collections. With ``variables=None`` the tree is converted unchecked.
    Nothing is modified in place (linen variables are values).

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
        return {"params": _tree(params, jnp.asarray)}
    like = _tree(_params_of(variables), lambda v: v)
    # shapes only (no memory): works for arrays and for jax.ShapeDtypeStruct alike
    check_params(_tree(like, lambda v: np.broadcast_to(np.zeros((), v.dtype), v.shape)), params)
    new = map_params(lambda old, value: jnp.asarray(value, dtype=old.dtype), like, params)
    rest = {k: v for k, v in variables.items() if k != "params"} if "params" in variables \
        else {}
    return {**rest, "params": new}


_CLASSES = {"linear": Linear, "bilinear": BiLinear, "nonlinearity": GatedNonlinearity,
            "dense": Dense, "emlp_block": EMLPBlock, "emlp": EMLP, "mlp": MLP}
