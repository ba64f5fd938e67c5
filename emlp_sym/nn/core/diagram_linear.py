"""The equivariant linear map between reps of S(n) in the partition-diagram basis: the same
parameters at every n, applied as diagrams (pooling, diagonals, broadcasts) or as a dense
matrix, whichever costs less.

Where :func:`~emlp_sym.nn.core.linear.linear_plan` expands each pair of tensor types in an
orthonormal basis solved at one n, :func:`diagram_linear_plan` uses the Bell(k + l) partition
diagrams of :mod:`emlp_sym.solvers.partitions`. Their coefficients do not depend on n, so the
parameters of a layer at n = 20 are parameters of the same layer at n = 2000, and with
``normalise="mean"`` (IGN's choice: pooled blocks are averaged) the map they define changes
little with n, which is what lets a model trained at one size run at another. ``"sum"`` keeps
exact sums (a count grows with n): use it where the target does too. Below n = k + l the
diagrams span the equivariant maps but are dependent, so some coefficients have the same
effect; nothing breaks.

Parameters: ``w`` holds, per pair of type blocks (``m_a`` copies of ``V^⊗k`` to ``m_b`` of
``V^⊗l``), ``Bell(k+l)·m_b·m_a`` coefficients read as ``(diagrams, m_b, m_a)``; ``b`` holds,
per output block, ``m_b·Bell(l)`` coefficients read as ``(m_b, diagrams)``.

**Cost rule.** A pair is applied as its dense matrix when that is small (``n^(k+l)`` at most
:data:`DENSE_MAX_ENTRIES`) and its ``m_a·m_b·s_a·s_b`` multiply-adds are below the diagrams'
estimate (:func:`diagram_cost`), else as diagrams (``path="dense"`` or ``path="diagrams"``
forces one). Both give the same map to float
rounding; the dense matrix is refused, as every layer's dense weight is, past the memory limit.

>>> import jax.numpy as jnp
>>> from emlp_sym.groups import S
>>> from emlp_sym.reps import V
>>> small, large = diagram_linear_plan((2 * V**2)(S(5)), V(S(5))), \\
...     diagram_linear_plan((2 * V**2)(S(500)), V(S(500)))
>>> small.num_weights == large.num_weights == 2 * 5, small.num_biases == large.num_biases
(True, True)
>>> w, b = init_diagram_linear(large, 0)
>>> diagram_linear_apply(large, w, b, jnp.ones((3, 2 * 500**2))).shape
(3, 500)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.errors import ConfigError, RepError
from emlp_sym.groups.finite import S
from emlp_sym.nn.core import layout
from emlp_sym.nn.core.diagram_ops import diagram_apply, diagram_bias
from emlp_sym.nn.core.keys import as_key, normal, uniform
from emlp_sym.nn.core.layer_memory import check_parameters
from emlp_sym.nn.core.layout import (
    LayerPlan,
    _gather,
    check_input,
    hom_basis,
    join_blocks,
    split_blocks,
    type_blocks,
)
from emlp_sym.nn.core.permute import permute_last
from emlp_sym.reps.atoms import BaseAtom
from emlp_sym.reps.expr import Rep
from emlp_sym.solvers.memory import check_allocation
from emlp_sym.solvers.partitions import (
    check_normalise,
    diagram_matrix,
    partition_diagrams,
)

PATHS = ("auto", "diagrams", "dense")
#: The cost rule keeps a block dense only if the part of its matrix on the permuted axes has
#: at most this many entries: past that, the dense product's long float32 sums (a term per
#: input coordinate) lose digits that pooling keeps.
DENSE_MAX_ENTRIES: int = 4096


class BlockAxes(NamedTuple):
    """A type's tensor axes split by factor: ``perm`` orders them (other factor's axes, then
    the S(n) axes), ``other`` is the monomial of the other factor's atoms, ``order`` the
    number of S(n) axes, ``shape`` the axes' sizes in the type's own order."""

    perm: tuple[int, ...]
    other: tuple
    order: int
    shape: tuple[int, ...]


class DiagramTerm(NamedTuple):
    """The maps from input block ``i`` to output block ``j``: ``Σ C[q, d] P_q ⊗ D_d`` with
    ``D_d`` the partition ``diagrams`` on the S(n) axes and ``P_q`` the ``other`` factor's
    basis ``(r, s_b, s_a)`` (``[[[1]]]`` for reps of S(n) alone); coefficients
    ``w[offset : offset + r·len(diagrams)·m_b·m_a]`` read as ``(r, diagrams, m_b, m_a)``;
    applied by ``path`` (``"diagrams"`` or ``"dense"``, the cost rule's choice)."""

    i: int
    j: int
    offset: int
    diagrams: tuple
    other: np.ndarray
    path: str
    matrices: np.ndarray | None = None  # the dense path's (diagrams, n^l, n^k), built once


class DiagramBiasTerm(NamedTuple):
    """The invariant bias of output block ``j``: ``b[offset : offset + m_b·len(diagrams)]``."""

    j: int
    offset: int
    diagrams: tuple


@dataclass(frozen=True, eq=False)
class DiagramLinearPlan(LayerPlan):
    """A :class:`~emlp_sym.nn.core.linear.LayerPlan` whose weights are diagram coefficients;
    ``basis`` names them (``"partition-diagrams/mean"``) for parameter files."""

    n: int
    normalise: str
    weight_terms: tuple[DiagramTerm, ...]
    bias_terms: tuple[DiagramBiasTerm, ...]
    num_weights: int
    num_biases: int
    weight_stds: tuple[float, ...]  # per output block: 1/√(fan-in in diagrams × channels)
    in_axes: tuple[BlockAxes, ...]
    out_axes: tuple[BlockAxes, ...]

    @property
    def basis(self) -> str:
        return f"partition-diagrams/{self.normalise}"


def symmetric_factor(G) -> tuple[S, object | None]:
    """``(S(n), other)`` for ``G = S(n)`` (other None) or a direct product of one S(n) and
    one other group (a point cloud's ``S(n)×O(3)``); a one-line ``RepError`` otherwise.

    >>> from emlp_sym.groups import O, S
    >>> symmetric_factor(S(5) * O(3))
    (S(5), O(3))
    """
    if isinstance(G, S):
        return G, None
    factors = getattr(G, "factors", None)
    sym = [f for f in factors or () if isinstance(f, S)]
    if factors is None or len(sym) != 1 or len(factors) > 2:
        raise RepError(f"diagram layers need reps of S(n) or of S(n)×H; these are reps of {G}")
    return sym[0], next(f for f in factors if f is not sym[0])


def _axes(mono, sym, other, name: str) -> BlockAxes:
    """Split a type's axes into the S(n) ones (``V``, self-dual) and the other factor's."""
    s_axes, o_axes = [], []
    for position, atom in enumerate(mono):
        group = getattr(atom, "group", None)
        if isinstance(atom, BaseAtom) and group == sym:
            s_axes.append(position)
        elif other is not None and group == other:
            o_axes.append(position)
        else:
            raise RepError(f"{name} holds a type with an axis ({atom}) of neither {sym} nor "
                           f"{other}; diagram layers take tensors of V of S(n) and the other "
                           "factor's reps")
    return BlockAxes(tuple(o_axes + s_axes), tuple(mono[p] for p in o_axes), len(s_axes),
                     tuple(a.size for a in mono))


def _other_basis(a: BlockAxes, b: BlockAxes, other) -> np.ndarray:
    """A basis of the other factor's maps between the two types' non-S(n) axes."""
    if other is None or (not a.other and not b.other):
        return np.ones((1, 1, 1))
    return hom_basis(a.other, b.other, other)


def diagram_cost(diagrams, m_a: int, m_b: int, n: int) -> int:
    """Multiply-adds per example of :func:`~emlp_sym.nn.core.diagram_ops.diagram_apply`:
    one pass over the input per diagram, the channel products on the reduced tensors, and
    one pass over the output per output pattern (bounded here by one per diagram).

    >>> from emlp_sym.solvers.partitions import partition_diagrams
    >>> ds = partition_diagrams(2, 2)
    >>> diagram_cost(ds, 8, 8, 100) < 8 * 8 * 100**4
    True
    """
    k, l = diagrams[0].k, diagrams[0].l
    kept = sum(n ** sum(d.kind(b) == "kept" for b in d.blocks) for d in diagrams)
    return len(diagrams) * (m_a * n**k + m_b * n**l) + m_a * m_b * kept


def diagram_linear_plan(rep_in: Rep, rep_out: Rep, normalise: str = "mean",
                        path: str = "auto") -> DiagramLinearPlan:
    """The plan of the equivariant ``rep_in → rep_out`` of S(n) in the diagram basis.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = diagram_linear_plan((8 * V**2)(S(40)), (8 * V**2)(S(40)))
    >>> plan.num_weights, [t.path for t in plan.weight_terms], plan.basis
    (960, ['diagrams'], 'partition-diagrams/mean')
    """
    check_normalise(normalise)
    if path not in PATHS:
        raise ConfigError(f"path must be one of {PATHS}, got {path!r}")
    G, ins, outs = type_blocks(rep_in, rep_out)
    sym, other = symmetric_factor(G)
    n = sym.d
    ax_in = [_axes(b.mono, sym, other, "rep_in") for b in ins]
    ax_out = [_axes(b.mono, sym, other, "rep_out") for b in outs]
    terms, off, stds = [], 0, []
    for j, bo in enumerate(outs):
        fan_in = 0
        for i, bi in enumerate(ins):
            P = _other_basis(ax_in[i], ax_out[j], other)
            if not len(P):
                continue  # the other factor has no maps between these types
            ds = partition_diagrams(ax_in[i].order, ax_out[j].order)
            r, s_a, s_b = len(P), P.shape[2], P.shape[1]
            dense = bi.m * bo.m * bi.s * bo.s
            fast = (r * s_a * s_b * bi.m * n ** ax_in[i].order  # the other factor first
                    + diagram_cost(ds, bi.m * r, bo.m, n) * s_b)
            small = n ** (ax_in[i].order + ax_out[j].order) <= DENSE_MAX_ENTRIES
            choice = path if path != "auto" else (
                "dense" if small and dense < fast else "diagrams")
            if choice == "dense":
                check_allocation(4 * 3 * dense, "the dense block of a diagram Linear",
                                 f"{rep_in} → {rep_out}", "use path='diagrams'",
                                 size=dense)
            mats = (np.stack([diagram_matrix(d, n, normalise) for d in ds])
                    if choice == "dense" else None)
            terms.append(DiagramTerm(i, j, off, ds, P, choice, mats))
            off += r * len(ds) * bo.m * bi.m
            fan_in += r * len(ds) * bi.m
        stds.append(1 / math.sqrt(max(fan_in, 1)))
    bias_terms, boff = [], 0
    for j, bo in enumerate(outs):
        if ax_out[j].other:
            continue  # no invariant vectors in a non-trivial rep of the other factor's here
        ds = partition_diagrams(0, ax_out[j].order)
        bias_terms.append(DiagramBiasTerm(j, boff, ds))
        boff += len(ds) * bo.m
    check_parameters("Linear", off + boff, rep_in, rep_out)
    return DiagramLinearPlan(rep_in, rep_out, ins, outs, _gather(rep_in, True),
                             _gather(rep_out, False), n, normalise, tuple(terms),
                             tuple(bias_terms), off, boff, tuple(stds), tuple(ax_in),
                             tuple(ax_out))


def init_diagram_linear(plan: DiagramLinearPlan, key):
    """Initial ``(w, b)``: each output block's coefficients normal with variance 1/fan-in (its
    input channels times diagrams), so with mean pooling the outputs keep the inputs' scale at
    every n; bias coefficients ``uniform(0, 1)/√(diagrams)``, as float32."""
    kw, kb = jax.random.split(as_key(key))
    w = normal(kw, (plan.num_weights,), 1.0)
    scale = np.ones(plan.num_weights, np.float32)
    for t in plan.weight_terms:
        scale[t.offset : t.offset + math.prod(_coefficients_shape(plan, t))] = \
            plan.weight_stds[t.j]
    b = uniform(kb, (plan.num_biases,), 1.0)
    bscale = np.ones(plan.num_biases, np.float32)
    for t in plan.bias_terms:
        size = len(t.diagrams) * plan.out_blocks[t.j].m
        bscale[t.offset : t.offset + size] = 1 / math.sqrt(len(t.diagrams))
    return w * jnp.asarray(scale), b * jnp.asarray(bscale)


def _coefficients_shape(plan: DiagramLinearPlan, t: DiagramTerm) -> tuple[int, ...]:
    """``(r, diagrams, m_b, m_a)``: how a term reads its slice of ``w``."""
    return (len(t.other), len(t.diagrams), plan.out_blocks[t.j].m, plan.in_blocks[t.i].m)


def _coefficients(plan: DiagramLinearPlan, w, t: DiagramTerm):
    shape = _coefficients_shape(plan, t)
    return w[t.offset : t.offset + math.prod(shape)].reshape(shape)


def _to_factor_order(x, axes: BlockAxes, n: int):
    """``(N, m, type axes…)`` → ``(N, m, s_other, n^k)``."""
    N, m = x.shape[0], x.shape[1]
    x = x.reshape((N, m) + axes.shape).transpose((0, 1) + tuple(2 + p for p in axes.perm))
    return x.reshape(N, m, -1, n**axes.order)


def _from_factor_order(y, axes: BlockAxes):
    """``(N, m, s_other, n^k)`` → ``(N, m·s)`` in the type's own axis order."""
    N, m = y.shape[0], y.shape[1]
    shaped = y.reshape((N, m) + tuple(axes.shape[p] for p in axes.perm))
    back = np.argsort(axes.perm)
    return shaped.transpose((0, 1) + tuple(2 + int(p) for p in back)).reshape(N, -1)


def _apply_term(plan: DiagramLinearPlan, C, x, t: DiagramTerm):
    """One term on ``x`` ``(N, m_a, s_a_other, n^k)`` → ``(N, m_b, s_b_other, n^l)``."""
    P = jnp.asarray(t.other, x.dtype)                    # (r, s_b_other, s_a_other)
    N, m_a = x.shape[0], x.shape[1]
    r, s_bo = P.shape[0], P.shape[1]
    if t.path == "dense":
        M = jnp.einsum("qdba,qts,dTS->btTasS", C, P, jnp.asarray(t.matrices, x.dtype))
        M = M.reshape(C.shape[2] * s_bo * t.matrices.shape[1], -1)
        return (x.reshape(N, -1) @ M.T).reshape(N, C.shape[2], s_bo, -1)
    z = jnp.einsum("qts,NasS->NtaqS", P, x)             # the other factor's maps first
    z = z.reshape(N * s_bo, m_a * r, -1)
    Cd = C.transpose(1, 2, 3, 0).reshape(len(t.diagrams), C.shape[2], m_a * r)
    y = diagram_apply(t.diagrams, Cd, z, plan.n, plan.normalise)  # (N·s_b_other, m_b, n^l)
    return y.reshape(N, s_bo, C.shape[2], -1).transpose(0, 2, 1, 3)


def diagram_linear_apply(plan: DiagramLinearPlan, w, b, x):
    """``y = W x + b`` in the user's layouts, for ``x`` of shape ``(..., n_in)``; each pair of
    type blocks by its plan's path.

    >>> import jax.numpy as jnp
    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = diagram_linear_plan(V(S(4)), V(S(4)))     # identity and pool-and-broadcast
    >>> diagram_linear_apply(plan, jnp.array([1.0, 4.0]), jnp.zeros(1), jnp.arange(4.0))
    Array([6., 7., 8., 9.], dtype=float32)
    """
    return _diagram_linear_apply(plan, w, b, check_input(x, plan.rep_in, "Linear"))


@layout.jit_by_plan
def _diagram_linear_apply(plan: DiagramLinearPlan, w, b, x):
    dtype = x.dtype
    N, parts = split_blocks(plan, x)
    w, b = w.astype(dtype), b.astype(dtype)
    y = [None] * len(plan.out_blocks)
    for t in plan.weight_terms:
        bi = plan.in_blocks[t.i]
        xi = _to_factor_order(parts[t.i].reshape(N, bi.m, bi.s), plan.in_axes[t.i], plan.n)
        v = _from_factor_order(_apply_term(plan, _coefficients(plan, w, t), xi, t),
                               plan.out_axes[t.j])
        y[t.j] = v if y[t.j] is None else y[t.j] + v
    for t in plan.bias_terms:
        bo = plan.out_blocks[t.j]
        c = b[t.offset : t.offset + len(t.diagrams) * bo.m].reshape(bo.m, len(t.diagrams))
        bias = diagram_bias(t.diagrams, c, plan.n, dtype).reshape(bo.m * bo.s)
        y[t.j] = bias[None] if y[t.j] is None else y[t.j] + bias
    yc = join_blocks(plan, [None if v is None else jnp.broadcast_to(v, (N, v.shape[1]))
                            for v in y], N, dtype)
    return permute_last(yc, plan.out_gather).reshape(*x.shape[:-1], plan.rep_out.size())
