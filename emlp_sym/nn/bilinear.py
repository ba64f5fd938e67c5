"""The cheap equivariant bilinear map of EMLP, as a pure function of arrays and a plan.

``W(x) x``, where the weight ``W(x)`` (a vector of rep ``rep_in >> rep_out``) is built from the
input itself: each component of ``W`` of tensor type ``t`` is a learned linear combination
of the input's components of the same type ``t`` (at most ``size(t)`` of them). Since those
transform exactly like that component of ``W``, the product is equivariant.

Computed per pair of (input type ``a``, output type ``b``) with ``t ≅ b ⊗ a*``, as one
three-operand einsum in the cheapest contraction order, never forming the per-example
``n_out × n_in`` matrix the reference library builds.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from emlp_sym.nn.linear import LayerPlan, _gather, check_input, to_canonical, type_blocks
from emlp_sym.reps.expr import Rep, monomial_rep

SCALE = 0.1  # as in the reference: keeps the quadratic term small at initialization


@dataclass(frozen=True, eq=False)
class BiLinearPlan(LayerPlan):
    # (i_a, j_b, t_block_index, n_t, gather (s_b*s_a,) into t's layout or None, offset into w)
    terms: tuple
    num_weights: int


def bilinear_plan(rep_in: Rep, rep_out: Rep) -> BiLinearPlan:
    G, ins, outs = type_blocks(rep_in, rep_out)
    index = {blk.mono: k for k, blk in enumerate(ins)}
    terms, off = [], 0
    for j, bo in enumerate(outs):
        for i, bi in enumerate(ins):
            W = monomial_rep(bi.mono, G) >> monomial_rep(bo.mono, G)
            W = W if W.G is not None else W(G)
            (t, _), = W.canonical.terms
            k = index.get(t)
            if k is None:  # the input has no component shaped like this part of W
                continue
            n_t = min(ins[k].m, ins[k].s)
            # identity for orthogonal groups (duals fold, atoms already sorted): no gather,
            # whose backward is a slow scatter on CPU
            gather = None if W.canonical.is_identity else np.asarray(W.canonical.perm)
            terms.append((i, j, k, n_t, gather, off))
            off += bo.m * bi.m * n_t
    return BiLinearPlan(rep_in, rep_out, ins, outs, _gather(rep_in, True),
                        _gather(rep_out, False), tuple(terms), off)


def init_bilinear(plan: BiLinearPlan, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(plan.num_weights).astype(np.float32)


def bilinear_apply(plan: BiLinearPlan, w, x):
    """``0.1 · W(x) x`` in the user's layouts, for ``x`` of shape ``(..., n_in)``."""
    check_input(x, plan.rep_in, "BiLinear")
    batch = x.shape[:-1]
    xc = to_canonical(plan.in_gather, x).reshape(-1, x.shape[-1])
    w = w.astype(x.dtype)
    parts = {blk.mono: xc[:, blk.start : blk.start + blk.m * blk.s].reshape(-1, blk.m, blk.s)
             for blk in plan.in_blocks}
    outs = {}
    for i, j, k, n_t, gather, off in plan.terms:
        bi, bo, bt = plan.in_blocks[i], plan.out_blocks[j], plan.in_blocks[k]
        # the first n_t input copies of type t, laid out as (s_b, s_a) matrices
        Xt = parts[bt.mono][:, :n_t, :]
        if gather is not None:
            Xt = jnp.take(Xt, gather, axis=-1)
        Mt = Xt.reshape(-1, n_t, bo.s, bi.s)
        theta = w[off : off + bo.m * bi.m * n_t].reshape(bo.m, bi.m, n_t)
        # out[n,j,b] = Σ θ[j,i,m] M[n,m,b,a] x[n,i,a]; the best contraction order depends on
        # the block sizes (e.g. contract θ with x first when x has many scalar copies)
        contrib = jnp.einsum("nmba,nia,jim->njb", Mt, parts[bi.mono], theta,
                             optimize="optimal")
        outs[j] = contrib if j not in outs else outs[j] + contrib
    pieces = [
        outs[j].reshape(-1, bo.m * bo.s) if j in outs else jnp.zeros((xc.shape[0], bo.m * bo.s),
                                                                     x.dtype)
        for j, bo in enumerate(plan.out_blocks)
    ]
    yc = jnp.concatenate(pieces, axis=-1) if pieces else jnp.zeros((xc.shape[0], 0), x.dtype)
    y = to_canonical(plan.out_gather, SCALE * yc)
    return y.reshape(*batch, plan.rep_out.size())

