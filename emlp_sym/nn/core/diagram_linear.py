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

**Cost rule.** A pair is applied as diagrams when their estimated multiply-adds
(:func:`diagram_cost`) are below the dense block's ``m_a·m_b·n^(k+l)``, else as its dense
matrix (``path="dense"`` or ``path="diagrams"`` forces one). Both give the same map to float
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

from emlp_sym.errors import RepError
from emlp_sym.groups.finite import S
from emlp_sym.nn.core.diagram_ops import diagram_apply, diagram_bias
from emlp_sym.nn.core.keys import as_key, normal, uniform
from emlp_sym.nn.core.layer_memory import check_parameters
from emlp_sym.nn.core.linear import (
    LayerPlan,
    _gather,
    check_input,
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


class DiagramTerm(NamedTuple):
    """The maps from input block ``i`` (``V^⊗k``) to output block ``j`` (``V^⊗l``):
    ``w[offset : offset + len(diagrams)·m_b·m_a]`` against ``diagrams``, applied by
    ``path`` (``"diagrams"`` or ``"dense"``, the cost rule's choice)."""

    i: int
    j: int
    offset: int
    diagrams: tuple
    path: str


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

    @property
    def basis(self) -> str:
        return f"partition-diagrams/{self.normalise}"


def _order(mono, G, name: str) -> int:
    """The tensor order k of a monomial of ``V`` of S(n) (its dual is itself)."""
    if not all(isinstance(a, BaseAtom) and a.group == G for a in mono):
        raise RepError(f"{name} holds a type ({mono}) that is not a tensor power of V of {G}; "
                       "diagram layers take sums of V^k of one S(n)")
    return len(mono)


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
        raise ValueError(f"path must be one of {PATHS}, got {path!r}")
    G, ins, outs = type_blocks(rep_in, rep_out)
    if not isinstance(G, S):
        raise RepError(f"diagram layers need reps of S(n); {rep_in} → {rep_out} are reps of {G}")
    n = G.d
    k_in = [_order(b.mono, G, "rep_in") for b in ins]
    l_out = [_order(b.mono, G, "rep_out") for b in outs]
    terms, off, stds = [], 0, []
    for j, bo in enumerate(outs):
        fan_in = 0
        for i, bi in enumerate(ins):
            ds = partition_diagrams(k_in[i], l_out[j])
            dense = bi.m * bo.m * n ** (k_in[i] + l_out[j])
            choice = path if path != "auto" else (
                "diagrams" if diagram_cost(ds, bi.m, bo.m, n) < dense else "dense")
            if choice == "dense":
                check_allocation(4 * 3 * dense, "the dense block of a diagram Linear",
                                 f"{rep_in} → {rep_out}", "use path='diagrams'",
                                 size=dense)
            terms.append(DiagramTerm(i, j, off, ds, choice))
            off += len(ds) * bo.m * bi.m
            fan_in += len(ds) * bi.m
        stds.append(1 / math.sqrt(max(fan_in, 1)))
    bias_terms, boff = [], 0
    for j, bo in enumerate(outs):
        ds = partition_diagrams(0, l_out[j])
        bias_terms.append(DiagramBiasTerm(j, boff, ds))
        boff += len(ds) * bo.m
    check_parameters("Linear", off + boff, rep_in, rep_out)
    return DiagramLinearPlan(rep_in, rep_out, ins, outs, _gather(rep_in, True),
                             _gather(rep_out, False), n, normalise, tuple(terms),
                             tuple(bias_terms), off, boff, tuple(stds))


def init_diagram_linear(plan: DiagramLinearPlan, key):
    """Initial ``(w, b)``: each output block's coefficients normal with variance 1/fan-in (its
    input channels times diagrams), so with mean pooling the outputs keep the inputs' scale at
    every n; bias coefficients ``uniform(0, 1)/√(diagrams)``, as float32."""
    kw, kb = jax.random.split(as_key(key))
    w = normal(kw, (plan.num_weights,), 1.0)
    scale = np.ones(plan.num_weights, np.float32)
    for t in plan.weight_terms:
        size = len(t.diagrams) * plan.out_blocks[t.j].m * plan.in_blocks[t.i].m
        scale[t.offset : t.offset + size] = plan.weight_stds[t.j]
    b = uniform(kb, (plan.num_biases,), 1.0)
    bscale = np.ones(plan.num_biases, np.float32)
    for t in plan.bias_terms:
        size = len(t.diagrams) * plan.out_blocks[t.j].m
        bscale[t.offset : t.offset + size] = 1 / math.sqrt(len(t.diagrams))
    return w * jnp.asarray(scale), b * jnp.asarray(bscale)


def _coefficients(plan: DiagramLinearPlan, w, t: DiagramTerm):
    m_a, m_b = plan.in_blocks[t.i].m, plan.out_blocks[t.j].m
    return w[t.offset : t.offset + len(t.diagrams) * m_b * m_a].reshape(-1, m_b, m_a)


def _dense_term(plan: DiagramLinearPlan, C, x, t: DiagramTerm):
    """The dense path: ``Σ_d C_d ⊗ D_d`` as one matrix, applied by one GEMM."""
    mats = np.stack([diagram_matrix(d, plan.n, plan.normalise) for d in t.diagrams])
    M = jnp.einsum("dba,dts->btas", C, jnp.asarray(mats, x.dtype))
    N, m_a = x.shape[0], x.shape[1]
    M = M.reshape(M.shape[0] * M.shape[1], m_a * M.shape[3])
    return (x.reshape(N, -1) @ M.T).reshape(N, C.shape[1], -1)


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
    check_input(x, plan.rep_in, "Linear")
    dtype = x.dtype
    N, parts = split_blocks(plan, x)
    w, b = w.astype(dtype), b.astype(dtype)
    y = [None] * len(plan.out_blocks)
    for t in plan.weight_terms:
        bi, bo = plan.in_blocks[t.i], plan.out_blocks[t.j]
        xi = parts[t.i].reshape(N, bi.m, bi.s)
        C = _coefficients(plan, w, t)
        v = (diagram_apply(t.diagrams, C, xi, plan.n, plan.normalise) if t.path == "diagrams"
             else _dense_term(plan, C, xi, t)).reshape(N, bo.m * bo.s)
        y[t.j] = v if y[t.j] is None else y[t.j] + v
    for t in plan.bias_terms:
        bo = plan.out_blocks[t.j]
        c = b[t.offset : t.offset + len(t.diagrams) * bo.m].reshape(bo.m, len(t.diagrams))
        bias = diagram_bias(t.diagrams, c, plan.n, dtype).reshape(bo.m * bo.s)
        y[t.j] = bias[None] if y[t.j] is None else y[t.j] + bias
    yc = join_blocks(plan, [None if v is None else jnp.broadcast_to(v, (N, v.shape[1]))
                            for v in y], N, dtype)
    return permute_last(yc, plan.out_gather).reshape(*x.shape[:-1], plan.rep_out.size())
