"""EMLP and MLP as pure descriptions every front reads: reps, plans, parameters, apply.

A model's architecture (its reps and widths) and plans are described here; its structure,
parameter names and initialisers, and its wiring are :mod:`~emlp_sym.nn.core.wiring`'s,
which every front (objax, Flax, linen, Haiku, Equinox, PyTorch) builds its own modules from.
The parameters are named as the core's parameter tree, so they travel between fronts:

* EMLP: ``{"block0": {"linear": {"w", "b"}, "bilinear": {"w"}}, ..., "readout": {"w", "b"}}``,
  each a flat vector of coefficients (see :mod:`emlp_sym.nn.core.linear`, :mod:`~.bilinear`);
* MLP: ``{"layer0": {"w", "b"}, ..., "readout": {"w", "b"}}`` with ``w`` of shape
  ``(n_in, n_out)`` (PyTorch's ``nn.Linear`` holds its transpose).

``init_emlp`` / ``emlp_apply`` (and the MLP's) are the core's own pure model: a JAX user
can train it with ``jax.grad`` and optax and nothing else; the fronts are tested against it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from emlp_sym.errors import RepError
from emlp_sym.groups.base import Group
from emlp_sym.nn.core import wiring
from emlp_sym.nn.core.allocation import gated, uniform_rep
from emlp_sym.nn.core.bilinear import BiLinearPlan, bilinear_plan
from emlp_sym.nn.core.gates import GatePlan, gate_plan
from emlp_sym.nn.core.layer_memory import check_parameters
from emlp_sym.nn.core.linear import LinearPlan, check_input, linear_plan
from emlp_sym.nn.core.plan_cache import cached_plan
from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.expr import Rep
from emlp_sym.reps.lifting import can_lift, lift


def bind_rep(rep, group: Group, name: str) -> Rep:
    """``rep`` bound to ``group``: accepts a bound rep, an unbound one (``V**2``), or a
    callable of the group (``ds.rep_in``), as the seed passes them.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> print(bind_rep(V**2, SO(3), "rep_in"))
    V²

    A rep of some of the group's factors, or of the same factors in another order, is lifted
    to the group (:func:`emlp_sym.reps.lifting.lift`):

    >>> from emlp_sym.groups import O, S
    >>> bind_rep(V(O(3)) ** 2 * V(S(5)) ** 0, S(5) * O(3), "rep_out").G
    S(5)×O(3)
    """
    if not isinstance(group, Group):
        raise TypeError(f"group must be a Group such as SO(3), got {group!r}")
    if not (isinstance(rep, Rep) or callable(rep)):
        raise TypeError(f"{name} must be a representation (or a function of the group), "
                        f"got {rep!r}")
    out = rep(group) if (rep is not None and (not isinstance(rep, Rep) or rep.G is None)) else rep
    require_bound(out, name)
    if out.G != group and can_lift(out, group):  # of a factor, or the factors in another order
        out = lift(out, group)
    if out.G != group:
        raise RepError(f"{name} is a representation of {out.G}, but the model's group is {group}")
    return out


def hidden_reps(ch, group: Group, num_layers: int) -> tuple[Rep, ...]:
    """The hidden reps of an EMLP: ``ch`` an int (spread by :func:`uniform_rep`), a rep, or a
    list of them, one per hidden layer.

    >>> from emlp_sym.groups import SO
    >>> [str(r) for r in hidden_reps(16, SO(3), 2)]
    ['10V⁰+2V', '10V⁰+2V']
    """
    if isinstance(ch, (int, np.integer)) and not isinstance(ch, bool):
        return tuple(num_layers * [uniform_rep(int(ch), group)])
    if isinstance(ch, Rep):
        return tuple(num_layers * [bind_rep(ch, group, "ch")])
    if isinstance(ch, (list, tuple)):
        return tuple(bind_rep(c, group, "ch") if isinstance(c, Rep) else uniform_rep(c, group)
                     for c in ch)
    raise TypeError(f"ch must be an int, a representation or a list of them, got {ch!r}")


def _num_layers(num_layers) -> int:
    if isinstance(num_layers, bool) or not isinstance(num_layers, (int, np.integer)) \
            or num_layers < 0:
        raise ValueError(f"num_layers must be a non-negative integer, got {num_layers!r}")
    return int(num_layers)


class EMLPArchitecture(NamedTuple):
    """An EMLP: one :class:`EMLPBlock <emlp_sym.nn.objax.EMLPBlock>` per hidden rep, then an
    equivariant linear readout.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> arch = emlp_architecture(V, V, S(3), ch=8, num_layers=2)
    >>> len(arch.hidden), isinstance(arch, EMLPArchitecture)
    (2, True)
    """

    group: Group
    rep_in: Rep
    rep_out: Rep
    hidden: tuple[Rep, ...]

    @property
    def blocks(self) -> tuple[tuple[Rep, Rep], ...]:
        """``(rep_in, rep_out)`` of each block, in order."""
        reps = (self.rep_in, *self.hidden)
        return tuple(zip(reps, reps[1:], strict=False))

    @property
    def readout(self) -> tuple[Rep, Rep]:
        """``(rep_in, rep_out)`` of the final linear layer."""
        return ((self.rep_in, *self.hidden)[-1], self.rep_out)


@cached_plan
def emlp_architecture(rep_in, rep_out, group: Group, ch=384, num_layers: int = 3
                      ) -> EMLPArchitecture:
    """The EMLP of the seed's signature ``EMLP(rep_in, rep_out, group, ch, num_layers)``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> arch = emlp_architecture(Scalar + V, V**2, SO(3), ch=16, num_layers=2)
    >>> [f"{a} -> {b}" for a, b in arch.blocks], str(arch.readout[1])
    (['V⁰+V -> 10V⁰+2V', '10V⁰+2V -> 10V⁰+2V'], 'V²')
    """
    num_layers = _num_layers(num_layers)
    return EMLPArchitecture(group, bind_rep(rep_in, group, "rep_in"),
                            bind_rep(rep_out, group, "rep_out"),
                            hidden_reps(ch, group, num_layers))


class MLPArchitecture(NamedTuple):
    """The non-equivariant baseline: dense layers of ``widths`` with Swish between them.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> arch = mlp_architecture(V, V, S(3), ch=8, num_layers=2)
    >>> arch.widths, arch.readout
    ((3, 8, 8, 3), (8, 3))
    """

    group: Group
    rep_in: Rep
    rep_out: Rep
    widths: tuple[int, ...]  # (n_in, ch, ..., ch, n_out)

    @property
    def layers(self) -> tuple[tuple[int, int], ...]:
        """``(n_in, n_out)`` of each hidden dense layer (each followed by Swish)."""
        return tuple(zip(self.widths[:-2], self.widths[1:-1], strict=True))

    @property
    def readout(self) -> tuple[int, int]:
        return self.widths[-2], self.widths[-1]


@cached_plan
def mlp_architecture(rep_in, rep_out, group: Group, ch=384, num_layers: int = 3
                     ) -> MLPArchitecture:
    """The MLP baseline with the EMLP's signature (``ch`` an int width).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> mlp_architecture(V, V**2, SO(3), ch=32, num_layers=2).widths
    (3, 32, 32, 9)
    """
    num_layers = _num_layers(num_layers)
    if isinstance(ch, bool) or not isinstance(ch, (int, np.integer)) or ch < 1:
        raise ValueError(f"the MLP's ch must be a positive integer width, got {ch!r}")
    rin, rout = bind_rep(rep_in, group, "rep_in"), bind_rep(rep_out, group, "rep_out")
    widths = (rin.size(), *(num_layers * [int(ch)]), rout.size())
    check_parameters("MLP", sum((a + 1) * b for a, b in zip(widths, widths[1:], strict=False)),
                     rin, rout)
    return MLPArchitecture(group, rin, rout, widths)


# ---------------------------------------------------------------------------------------------
# Plans and the core's own pure model


class EMLPBlockPlan(NamedTuple):
    """Linear ``rep_in → gated(rep_out)``, bilinear with a shortcut, gates down to ``rep_out``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = emlp_block_plan(V(S(3)), V(S(3)))
    >>> isinstance(plan, EMLPBlockPlan), plan.linear.num_weights
    (True, 2)
    """

    linear: LinearPlan
    bilinear: BiLinearPlan
    gate: GatePlan


@cached_plan
def emlp_block_plan(rep_in: Rep, rep_out: Rep) -> EMLPBlockPlan:
    """The plans of one EMLP block ``rep_in → rep_out`` (cached per pair of reps).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = emlp_block_plan(V(S(3)), V(S(3)))
    >>> print(plan.linear.rep_in, "->", plan.linear.rep_out)
    V -> V
    """
    with_gates = gated(rep_out)
    return EMLPBlockPlan(linear_plan(rep_in, with_gates), bilinear_plan(with_gates, with_gates),
                         gate_plan(rep_out))


class EMLPPlan(NamedTuple):
    """The plans of a whole EMLP: one :class:`EMLPBlockPlan` per block, then the readout's.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = emlp_plan(emlp_architecture(V, V, S(3), ch=8, num_layers=1))
    >>> len(plan.blocks), plan.readout.num_weights > 0
    (1, True)
    """

    architecture: EMLPArchitecture
    blocks: tuple[EMLPBlockPlan, ...]
    readout: LinearPlan


def emlp_plan(architecture: EMLPArchitecture) -> EMLPPlan:
    """The plans of every layer of an EMLP (bases are solved here, once).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = emlp_plan(emlp_architecture(V, V, S(3), ch=8, num_layers=2))
    >>> len(plan.blocks)
    2
    """
    return EMLPPlan(architecture,
                    tuple(emlp_block_plan(a, b) for a, b in architecture.blocks),
                    linear_plan(*architecture.readout))


def init_linear_params(plan: LinearPlan, key) -> dict:
    """A linear layer's parameters ``{"w", "b"}`` from a JAX key or an int seed.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> params = init_linear_params(linear_plan(V(S(3)), V(S(3))), 0)
    >>> params["w"].shape, params["b"].shape
    ((2,), (1,))
    """
    return wiring.init_params(wiring.linear_spec(plan), key)


def init_emlp_block(plan: EMLPBlockPlan, key) -> dict:
    """One EMLP block's parameters ``{"linear": {"w", "b"}, "bilinear": {"w"}}``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> params = init_emlp_block(emlp_block_plan(V(S(3)), V(S(3))), 0)
    >>> sorted(params), sorted(params["linear"])
    (['bilinear', 'linear'], ['b', 'w'])
    """
    return wiring.init_params(wiring.emlp_block_spec(plan), key)


def emlp_block_apply(plan: EMLPBlockPlan, params: dict, x):
    """``gates(B(L x) + L x)`` with ``L`` the linear layer and ``B`` the bilinear one (the
    rule is :func:`~emlp_sym.nn.core.wiring.forward`'s).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = emlp_block_plan(V(S(3)), V(S(3)))
    >>> import jax.numpy as jnp
    >>> emlp_block_apply(plan, init_emlp_block(plan, 0), jnp.ones((2, 3))).shape
    (2, 3)
    """
    return wiring.apply(wiring.emlp_block_spec(plan), params, x)


def init_emlp(plan: EMLPPlan, key) -> dict:
    """The EMLP's parameter tree from a JAX key or an int seed (float32 arrays).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> plan = emlp_plan(emlp_architecture(Scalar + V, V**2, SO(3), ch=16, num_layers=1))
    >>> sorted(init_emlp(plan, 0))
    ['block0', 'readout']
    """
    return wiring.init_params(wiring.emlp_spec(plan), key)


def emlp_apply(plan: EMLPPlan, params: dict, x):
    """The EMLP on ``x`` of shape ``(..., rep_in.size())`` (pure; jit and grad freely).

    >>> import jax, jax.numpy as jnp
    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = emlp_plan(emlp_architecture(V, V, S(3), ch=8, num_layers=1))
    >>> loss = lambda params, x: jnp.sum(emlp_apply(plan, params, x) ** 2)
    >>> grads = jax.jit(jax.grad(loss))(init_emlp(plan, 0), jnp.ones((2, 3)))
    >>> sorted(grads), grads["readout"]["w"].shape == init_emlp(plan, 0)["readout"]["w"].shape
    (['block0', 'readout'], True)
    """
    return wiring.apply(wiring.emlp_spec(plan), params, x)


def init_mlp(architecture: MLPArchitecture, key) -> dict:
    """The MLP's parameters: Glorot-normal weights ``(n_in, n_out)`` and zero biases.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> params = init_mlp(mlp_architecture(V, V, S(3), ch=8, num_layers=1), 0)
    >>> {k: v['w'].shape for k, v in params.items()}
    {'layer0': (3, 8), 'readout': (8, 3)}
    """
    return wiring.init_params(wiring.mlp_spec(architecture), key)


def mlp_apply(architecture: MLPArchitecture, params: dict, x):
    """The MLP on ``x`` of shape ``(..., rep_in.size())``: Swish after every hidden layer.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> arch = mlp_architecture(V, V, S(3), ch=8, num_layers=1)
    >>> import jax.numpy as jnp
    >>> mlp_apply(arch, init_mlp(arch, 0), jnp.ones((2, 3))).shape
    (2, 3)
    """
    check_input(x, architecture.rep_in, "MLP")
    return wiring.apply(wiring.mlp_spec(architecture), params, x)


def check_stats(ds_stats) -> tuple:
    """Validate ``Standardize``'s statistics: ``(muin, sin)`` or ``(muin, sin, muout, sout)``.

    >>> [s.dtype for s in check_stats(([0.0, 1.0], [1.0, 2.0]))]
    [dtype('float32'), dtype('float32')]
    """
    if len(ds_stats) not in (2, 4):
        raise ValueError("ds_stats must be (muin, sin) or (muin, sin, muout, sout)")
    return tuple(np.asarray(s, dtype=np.float32) for s in ds_stats)


def standardize(apply, ds_stats, x):
    """``apply`` on standardized inputs, its outputs mapped back: what ``Standardize`` does.

    Written with operators only, so a front passes its own arrays (JAX or torch) and stats.

    >>> standardize(lambda x: 2 * x, (1.0, 2.0, 0.0, 10.0), np.array([5.0]))
    array([40.])
    """
    muin, sin = ds_stats[:2]
    y = apply((x - muin) / sin)
    if len(ds_stats) == 4:
        muout, sout = ds_stats[2:]
        y = sout * y + muout
    return y
