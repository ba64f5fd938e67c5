"""The equivariant linear map as a pure function of arrays and a precomputed plan.

A *plan* holds everything that depends only on the representations: the canonical
permutations and, for each pair of tensor types, the basis of equivariant maps between them.
Parameters are flat vectors of coefficients in those bases, so no per-step work grows with
the square of the weight count, and any framework can wrap these functions by owning two
arrays. What the bilinear map shares with this one (type blocks, layouts, bases) is in
:mod:`~emlp_sym.nn.core.layout`.

Layout: a canonical rep is ``Σ_t m_t t`` with the ``m_t`` copies of ``t`` contiguous. The
equivariant maps from ``m_a`` copies of type ``a`` to ``m_b`` copies of ``b`` are
``W_ab = Σ_k C_k ⊗ B_k`` with ``B_k`` a basis of Hom_G(a, b) and ``C_k`` free ``m_b × m_a``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym._deprecated import deprecated_alias
from emlp_sym.nn.core.keys import as_key, normal, uniform
from emlp_sym.nn.core.layer_memory import BasisBudget, check_dense_weight, check_parameters
from emlp_sym.nn.core.layout import (  # noqa: F401  (importable here, as in release 0.1)
    LayerPlan,
    TypeBlock,
    _concat,
    _gather,
    _hom_basis,
    check_input,
    hom_basis,
    jit_by_plan,
    join_blocks,
    split_blocks,
    type_blocks,
)
from emlp_sym.nn.core.permute import permute_last
from emlp_sym.nn.core.plan_cache import cached_plan
from emlp_sym.reps.expr import Rep

__all__ = ["WeightTerm", "BiasTerm", "LinearPlan", "linear_plan", "init_linear", "linear_apply",
           "canonical_layout_weight", "canonical_layout_bias", "user_layout_weight",
           "check_input", "split_blocks", "join_blocks", "type_blocks", "hom_basis",
           "LayerPlan", "TypeBlock"]


# ---------------------------------------------------------------------------------------------
class WeightTerm(NamedTuple):
    """The maps from input block ``i`` (type a) to output block ``j`` (type b): coefficients
    ``w[offset : offset + r·m_b·m_a]``, read as ``(r, m_b, m_a)``, against ``basis``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> [(t.i, t.j, t.basis.shape) for t in linear_plan(V(S(3)), V(S(3))).weight_terms]
    [(0, 0, (2, 3, 3))]
    """

    i: int
    j: int
    offset: int
    basis: np.ndarray  # (r, s_b, s_a): a basis of Hom_G(a, b)


class BiasTerm(NamedTuple):
    """The invariant bias of output block ``j``: ``b[offset : offset + m_b·r]``, read as
    ``(m_b, r)``, against ``basis``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> [(t.j, t.basis.shape) for t in linear_plan(V(S(3)), V(S(3))).bias_terms]
    [(0, (3, 1))]
    """

    j: int
    offset: int
    basis: np.ndarray  # (s_b, r): the fixed vectors of type b


@dataclass(frozen=True, eq=False)
class LinearPlan(LayerPlan):
    """Everything an equivariant ``rep_in → rep_out`` linear map needs besides parameters:
    ``w`` (``num_weights`` coefficients) and ``b`` (``num_biases``).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = linear_plan(V(S(3)), V(S(3)))
    >>> plan.num_weights, plan.num_biases
    (2, 1)
    """

    weight_terms: tuple[WeightTerm, ...]
    bias_terms: tuple[BiasTerm, ...]
    num_weights: int
    num_biases: int

    @property
    def weight_std(self) -> float:
        """Standard deviation of the initial coefficients (see :func:`init_linear`)."""
        return float(1 / np.sqrt(max(self.rep_in.size(), self.rep_out.size(), 1)))

    @property
    def bias_scale(self) -> float:
        """Initial bias coefficients are ``uniform(0, 1) · bias_scale``."""
        return float(1 / np.sqrt(max(self.rep_out.size(), 1)))


@cached_plan
def linear_plan(rep_in: Rep, rep_out: Rep) -> LinearPlan:
    """The plan of the equivariant linear map ``rep_in → rep_out`` (both bound to one group).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> plan = linear_plan((Scalar + V)(SO(3)), (V**2)(SO(3)))
    >>> plan.num_weights, plan.num_biases    # V⁰→V² (δ), V→V² (ε), V² bias (δ)
    (2, 1)
    """
    G, ins, outs = type_blocks(rep_in, rep_out)
    check_dense_weight("Linear", ins, outs, rep_in, rep_out)  # before solving anything
    bases = BasisBudget("Linear", rep_in, rep_out)
    weight_terms, off = [], 0
    for j, bo in enumerate(outs):
        for i, bi in enumerate(ins):
            B = hom_basis(bi.mono, bo.mono, G)
            bases.add(B)
            if len(B):
                weight_terms.append(WeightTerm(i, j, off, B))
                off += len(B) * bo.m * bi.m
    bias_terms, boff = [], 0
    for j, bo in enumerate(outs):
        Q = hom_basis((), bo.mono, G)[:, :, 0].T  # fixed vectors of type b: (s_b, r_b)
        if Q.shape[1]:
            bias_terms.append(BiasTerm(j, boff, Q))
            boff += Q.shape[1] * bo.m
    check_parameters("Linear", off + boff, rep_in, rep_out)
    return LinearPlan(rep_in, rep_out, ins, outs, _gather(rep_in, True), _gather(rep_out, False),
                      tuple(weight_terms), tuple(bias_terms), off, boff)


def init_linear(plan: LinearPlan, key):
    """Initial ``(w, b)`` from a JAX key (or an int seed), as float32 arrays.

    Distributed like the reference library's initialization: it draws an orthogonal
    ``n_out × n_in`` matrix (entries of variance ≈ 1/max(n_in, n_out)) and projects it onto
    the equivariant subspace. In an orthonormal basis of that subspace the projected
    coefficients are again iid with that variance, which is what we draw directly (our bases
    ``e_ji ⊗ B_k`` are orthonormal). Bias coefficients are ``uniform(0, 1)/√n_out``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> w, b = init_linear(linear_plan(V(S(3)), V(S(3))), 0)
    >>> w.shape, b.shape, w.dtype
    ((2,), (1,), dtype('float32'))
    """
    kw, kb = jax.random.split(as_key(key))
    return (normal(kw, (plan.num_weights,), plan.weight_std),
            uniform(kb, (plan.num_biases,), plan.bias_scale))


def _coefficients(plan: LinearPlan, w, term):
    """The ``(r, m_b, m_a)`` coefficients of one weight term."""
    m_a, m_b = plan.in_blocks[term.i].m, plan.out_blocks[term.j].m
    r = len(term.basis)
    return w[term.offset : term.offset + r * m_b * m_a].reshape(r, m_b, m_a)


def _dense_block(plan: LinearPlan, w, term):
    """``Σ_k C_k ⊗ B_k`` as a dense ``(m_b s_b, m_a s_a)`` matrix."""
    bi, bo = plan.in_blocks[term.i], plan.out_blocks[term.j]
    blk = jnp.einsum("rji,rts->jtis", _coefficients(plan, w, term),
                     jnp.asarray(term.basis, w.dtype))
    return blk.reshape(bo.m * bo.s, bi.m * bi.s)


def _dense_matrix(plan: LinearPlan, w, out_idx, in_idx) -> jnp.ndarray:
    """The dense weight restricted to some output and input blocks, in canonical order."""
    dtype = w.dtype
    terms = {(t.i, t.j): t for t in plan.weight_terms}
    outs, ins = plan.out_blocks, plan.in_blocks
    width = sum(ins[i].m * ins[i].s for i in in_idx)
    rows = [_concat([_dense_block(plan, w, terms[i, j]) if (i, j) in terms
                     else jnp.zeros((outs[j].m * outs[j].s, ins[i].m * ins[i].s), dtype)
                     for i in in_idx], 1, (outs[j].m * outs[j].s, 0), dtype)
            for j in out_idx]
    return _concat(rows, 0, (0, width), dtype)


def canonical_layout_weight(plan: LinearPlan, w) -> jnp.ndarray:
    """The dense weight matrix in *canonical* layout, ``(n_out, n_in)``, from coefficients.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = linear_plan(V(S(3)), V(S(3)))
    >>> W = canonical_layout_weight(plan, jnp.array([1.0, 0.0]))
    >>> W.shape, bool(jnp.allclose(W, W[0, 0] * jnp.eye(3)))
    ((3, 3), True)
    """
    return _dense_matrix(plan, w, range(len(plan.out_blocks)), range(len(plan.in_blocks)))


def canonical_layout_bias(plan: LinearPlan, b) -> jnp.ndarray:
    """The bias vector in canonical layout.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = linear_plan(V(S(3)), V(S(3)))
    >>> b = canonical_layout_bias(plan, jnp.array([2.0]))
    >>> b.shape, bool(jnp.all(b == b[0]))
    ((3,), True)
    """
    pieces = []
    terms = {t.j: t for t in plan.bias_terms}
    for j, bo in enumerate(plan.out_blocks):
        if j in terms:
            off, Q = terms[j].offset, terms[j].basis
            c = b[off : off + Q.shape[1] * bo.m].reshape(bo.m, Q.shape[1])
            pieces.append((c @ jnp.asarray(Q, dtype=b.dtype).T).reshape(-1))
        else:
            pieces.append(jnp.zeros(bo.m * bo.s, b.dtype))
    return jnp.concatenate(pieces) if pieces else jnp.zeros(0, b.dtype)


def linear_apply(plan: LinearPlan, w, b, x):
    """``y = W x + b`` in the user's layouts, for ``x`` of shape ``(..., n_in)``.

    ``W`` is never built whole. Pairs of types of size one (scalars) form one dense block,
    and so do pairs of larger tensor types. Between the two the maps are thin (a tensor type
    has only ``r`` invariants, a scalar only ``r`` lifts), so they go through the basis:
    tensor inputs are contracted to their invariants, which join the scalar GEMM, and scalar
    inputs are mapped to ``r`` coefficients per output copy, then lifted. For the seed's hidden
    layer that is 98k multiply-adds per example instead of the dense 166k; the zero blocks
    between types with no equivariant maps (``V⁰ → V``) cost nothing.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = linear_plan(V(S(3)), V(S(3)))
    >>> w, b = init_linear(plan, 0)
    >>> linear_apply(plan, w, b, jnp.ones((4, 3))).shape
    (4, 3)
    """
    return _linear_apply(plan, w, b, check_input(x, plan.rep_in, "Linear"))


@jit_by_plan
def _linear_apply(plan: LinearPlan, w, b, x):
    dtype = x.dtype
    N, parts = split_blocks(plan, x)
    w = w.astype(dtype)
    terms = {(t.i, t.j): t for t in plan.weight_terms}
    ins, outs = plan.in_blocks, plan.out_blocks
    tensor_in = [i for i, bi in enumerate(ins) if bi.s > 1]
    tensor_out = [j for j, bo in enumerate(outs) if bo.s > 1]
    y = [None] * len(outs)

    def add(j, v):
        y[j] = v if y[j] is None else y[j] + v

    # scalar outputs: one GEMM over the scalar inputs and the tensor inputs' invariants
    for j, bo in enumerate(outs):
        if bo.s > 1:
            continue
        feats, weights = [], []
        for i, bi in enumerate(ins):
            if (i, j) not in terms:
                continue
            C = _coefficients(plan, w, terms[i, j])  # (r, m_b, m_a)
            B = jnp.asarray(terms[i, j].basis[:, 0, :], dtype)  # (r, s_a)
            if bi.s == 1:
                feats.append(parts[i])
                weights.append(jnp.einsum("rji,r->ij", C, B[:, 0]))
            else:  # invariants u[n, q, k] = <x_q, B_k>
                feats.append((parts[i].reshape(N * bi.m, bi.s) @ B.T).reshape(N, bi.m * len(B)))
                weights.append(C.transpose(2, 0, 1).reshape(bi.m * len(B), bo.m))
        if feats:
            add(j, _concat(feats, 1) @ _concat(weights, 0))

    # tensor outputs: one dense GEMM from all tensor inputs, plus the lifted scalar inputs
    if any((i, j) in terms for i in tensor_in for j in tensor_out):
        W = _dense_matrix(plan, w, tensor_out, tensor_in)
        yT = _concat([parts[i] for i in tensor_in], 1) @ W.T
        for j, piece in zip(tensor_out, jax.lax.split(
                yT, [outs[j].m * outs[j].s for j in tensor_out], axis=1), strict=True):
            add(j, piece)
    for j in tensor_out:
        bo = outs[j]
        for i, bi in enumerate(ins):
            if bi.s == 1 and (i, j) in terms:
                C = _coefficients(plan, w, terms[i, j])  # (r, m_b, m_a)
                B = jnp.asarray(terms[i, j].basis[:, :, 0], dtype)  # (r, s_b)
                phi = parts[i] @ C.transpose(2, 1, 0).reshape(bi.m, bo.m * len(B))
                add(j, (phi.reshape(N * bo.m, len(B)) @ B).reshape(N, bo.m * bo.s))

    yc = join_blocks(plan, y, N, dtype) + canonical_layout_bias(plan, b.astype(dtype))
    return permute_last(yc, plan.out_gather).reshape(*x.shape[:-1], plan.rep_out.size())


def user_layout_weight(plan: LinearPlan, w) -> jnp.ndarray:
    """The weight matrix in the *user's* layouts (for inspection and tests).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = linear_plan((V + V**0)(S(3)), V(S(3)))
    >>> user_layout_weight(plan, init_linear(plan, 0)[0]).shape
    (3, 4)
    """
    W = canonical_layout_weight(plan, w)
    if plan.out_gather is not None:
        W = W[plan.out_gather]
    if plan.in_gather is not None:
        W = W[:, np.argsort(plan.in_gather)]
    return W


# the names of release 0.1: "linear" and "dense" did not say which layout
linear_weight = deprecated_alias(canonical_layout_weight, "emlp_sym.nn.core.linear.linear_weight")
linear_bias = deprecated_alias(canonical_layout_bias, "emlp_sym.nn.core.linear.linear_bias")
dense_weight = deprecated_alias(user_layout_weight, "emlp_sym.nn.core.linear.dense_weight")
