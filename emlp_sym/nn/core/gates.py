"""Gated nonlinearities as pure functions of arrays and a precomputed plan.

Input: a vector of ``gated(rep)`` = ``[rep's coordinates..., gate scalars...]``. Output: a
vector of ``rep``. Scalars and permutation-type components gate themselves (Swish); every
other component is scaled by ``sigmoid`` of its own gate scalar, which commutes with the
group action. Implemented per canonical block with broadcasts, not with a gather over the
gate index (whose backward is a slow scatter on CPU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.nn.core.layout import jit_by_plan
from emlp_sym.nn.core.permute import permute_last
from emlp_sym.nn.core.plan_cache import cached_plan
from emlp_sym.reps.atoms import is_permutation_type, monomial_size
from emlp_sym.reps.expr import Rep


class GateSegment(NamedTuple):
    """``m`` copies of one type of size ``s`` at canonical ``start``; gated by the scalars
    ``gate, gate + 1, ...`` (one per copy), or by themselves (Swish) when ``gate`` is -1.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> gate_plan((2 * Scalar + V)(SO(3))).segments
    (GateSegment(start=0, m=2, s=1, gate=-1), GateSegment(start=2, m=1, s=3, gate=0))
    """

    start: int
    m: int
    s: int
    gate: int


@dataclass(frozen=True, eq=False)
class GatePlan:
    """What the gated nonlinearity of ``rep`` needs: input ``gated(rep)``, output ``rep``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> plan = gate_plan((Scalar + 2 * V)(SO(3)))
    >>> plan.size, plan.n_gates  # 7 values, one gate scalar per copy of V
    (7, 2)
    """

    rep: Rep
    size: int  # rep.size()
    n_gates: int
    to_canonical: np.ndarray | None  # gather user -> canonical (None: identity)
    to_user: np.ndarray | None
    segments: tuple[GateSegment, ...]


@cached_plan
def gate_plan(rep: Rep) -> GatePlan:
    """The plan of the gated nonlinearity whose output is ``rep``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> gate_plan((2 * Scalar + V)(SO(3))).n_gates    # scalars gate themselves
    1
    """
    C = rep.canonical
    segments, gate = [], 0
    for t, m in C.terms:
        s = monomial_size(t)
        self_gated = not t or is_permutation_type(t)
        segments.append(GateSegment(C.starts[t], m, s, -1 if self_gated else gate))
        gate += 0 if self_gated else m
    ident = C.is_identity
    return GatePlan(rep, rep.size(), gate, None if ident else np.argsort(C.perm),
                    None if ident else np.asarray(C.perm), tuple(segments))


def gated_nonlinearity(plan: GatePlan, x):
    """Apply the gates: ``x`` is ``(..., size + n_gates)``, the result ``(..., size)``.

    >>> import numpy as np
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> plan = gate_plan(V(SO(3)))
    >>> x = np.array([1.0, 2.0, 3.0, 0.0])  # the vector, then its gate scalar (sigmoid(0) = 0.5)
    >>> gated_nonlinearity(plan, x)
    Array([0.5, 1. , 1.5], dtype=float32)
    """
    if x.ndim < 1 or x.shape[-1] != plan.size + plan.n_gates:
        raise ValueError(
            f"GatedNonlinearity expects gated({plan.rep}) inputs (last dimension "
            f"{plan.size + plan.n_gates}), got shape {tuple(x.shape)}"
        )
    return _gated_nonlinearity(plan, x)


@jit_by_plan
def _gated_nonlinearity(plan: GatePlan, x):
    axis = x.ndim - 1
    values, gates = jax.lax.split(x, (plan.size, plan.n_gates), axis=axis)
    values = permute_last(values, plan.to_canonical)
    batch = x.shape[:-1]
    # lax.split rather than slices: the gradient is one concatenation instead of a
    # full-width pad per slice
    segments = jax.lax.split(values, [seg.m * seg.s for seg in plan.segments], axis=axis)
    gated_sizes = [seg.m for seg in plan.segments if seg.gate >= 0]
    gate_parts = iter(jax.lax.split(jax.nn.sigmoid(gates), gated_sizes, axis=axis))
    pieces = []
    for v, seg in zip(segments, plan.segments, strict=True):
        if seg.gate < 0:
            pieces.append(jax.nn.silu(v))
        else:
            g = next(gate_parts)[..., None]
            pieces.append((v.reshape(*batch, seg.m, seg.s) * g).reshape(*batch, seg.m * seg.s))
    out = jnp.concatenate(pieces, axis=-1) if pieces else values
    return permute_last(out, plan.to_user)
