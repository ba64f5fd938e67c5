"""The cheap equivariant bilinear map of EMLP, as a pure function of arrays and a plan.

``W(x) x``, where the weight ``W(x)`` (a vector of rep ``rep_in >> rep_out``) is built from the
input itself: each component of ``W`` of tensor type ``t`` is a learned linear combination
of the input's first ``n_t = min(m_t, size(t))`` copies of the same type ``t``. Since those
transform exactly like that component of ``W``, the product is equivariant. As in the
reference library, the scalar components of ``W`` are left at zero (no scalar × scalar terms).

For a pair (input type ``a`` with ``m_a`` copies, output type ``b`` with ``m_b`` copies) with
``t ≅ b ⊗ a*`` the map is ``y[j, β] = Σ_{i,m,α} θ[j,i,m] M[m,β,α] x[i,α]`` with ``M`` the
``n_t`` copies of ``t`` viewed as ``s_b × s_a`` matrices. It is never formed per example
(the reference builds the whole ``n_out × n_in`` matrix ``W(x)``). Each pair is contracted in
the cheaper of two orders, and pairs are batched so the heavy work is a few dense GEMMs:

* ``"A"``, features first: ``Y[β,m,i] = Σ_α M[m,β,α] x[i,α]`` (a small per-example product),
  then one GEMM per output type over the features of all its pairs;
* ``"B"``, coefficients first: ``Φ[α,j,m] = Σ_i θ[j,i,m] x[i,α]`` as one GEMM per input
  type for all its pairs, then a small per-example product with ``M``.

Parameters are stored in the layout those GEMMs use, so slicing them (and the gradient
flowing back) never needs a transpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym._deprecated import deprecated_alias
from emlp_sym.nn.core.keys import normal
from emlp_sym.nn.core.layer_memory import check_layouts, check_parameters
from emlp_sym.nn.core.layout import (
    LayerPlan,
    _gather,
    check_input,
    jit_by_plan,
    join_blocks,
    split_blocks,
    type_blocks,
)
from emlp_sym.nn.core.permute import permute_last
from emlp_sym.nn.core.plan_cache import cached_plan
from emlp_sym.reps.expr import Rep, monomial_rep

SCALE = 0.1  # as in the reference: keeps the quadratic term small at initialization


@dataclass(frozen=True, eq=False)
class PairTerm:
    """One (input type, output type) pair: block indices, the type ``t`` of its part of W.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = bilinear_plan((V + V**0)(S(3)), (V + V**0)(S(3)))
    >>> all(isinstance(p, PairTerm) for g in plan.by_output for p in g.pairs)
    True
    """

    i: int  # input block (type a)
    j: int  # output block (type b)
    k: int  # input block holding the copies of t
    n: int  # copies of t used: min(m_t, size(t))
    gather: np.ndarray | None  # t's layout -> (s_b, s_a) matrix layout; None if identity
    order: str  # "A" (features first) or "B" (coefficients first)
    gram: bool  # "A" pair whose products are rows of type a's Gram matrix (see _use_gram)


class OutputGroup(NamedTuple):
    """The features-first ("A") pairs of output block ``j``: one GEMM with coefficients
    ``θ_j = w[offset : offset + K·m_b]`` read as ``(K, m_b)``, ``K = Σ n·m_a`` over ``pairs``
    (rows are (copy of t, input copy) pairs, pair after pair).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = bilinear_plan((V + V**0)(S(3)), (V + V**0)(S(3)))
    >>> [type(g).__name__ for g in plan.by_output + plan.by_input]
    ['OutputGroup', 'InputGroup']
    """

    j: int
    offset: int
    K: int
    pairs: tuple[PairTerm, ...]


class InputGroup(NamedTuple):
    """The coefficients-first ("B") pairs of input block ``i``: one GEMM with coefficients
    ``θ_i = w[offset : offset + m_a·width]`` read as ``(m_a, width)``, ``width = Σ m_b·n``
    over ``pairs`` (columns are (output copy, copy of t) pairs, pair after pair).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = bilinear_plan((V + V**0)(S(3)), (V + V**0)(S(3)))
    >>> [(g.i, g.offset, g.width) for g in plan.by_input]
    [(0, 1, 1)]
    """

    i: int
    offset: int
    width: int
    pairs: tuple[PairTerm, ...]


@dataclass(frozen=True, eq=False)
class BiLinearPlan(LayerPlan):
    """Everything the bilinear layer ``rep_in → rep_out`` needs besides its ``num_weights``
    coefficients ``w``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = bilinear_plan((V + V**0)(S(3)), (V + V**0)(S(3)))
    >>> plan.num_weights
    2
    """

    by_output: tuple[OutputGroup, ...]
    by_input: tuple[InputGroup, ...]
    num_weights: int


def _pair_costs(m_a, s_a, m_b, s_b, n):
    """Multiply-adds per example of the two contraction orders."""
    params = m_b * m_a * n
    return n * m_a * s_b * s_a + params * s_b, params * s_a + m_b * n * s_b * s_a


@cached_plan
def bilinear_plan(rep_in: Rep, rep_out: Rep) -> BiLinearPlan:
    """The plan of the bilinear layer ``rep_in → rep_out`` (both bound to one group).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> bilinear_plan((Scalar + 2 * V)(SO(3)), V(SO(3))).num_weights
    2
    """
    G, ins, outs = type_blocks(rep_in, rep_out)
    index = {blk.mono: k for k, blk in enumerate(ins)}
    pairs = []
    for j, bo in enumerate(outs):
        for i, bi in enumerate(ins):
            W = monomial_rep(bi.mono, G) >> monomial_rep(bo.mono, G)
            W = W if W.G is not None else W(G)
            check_layouts(W)  # the s_a·s_b layout of this part of W, before it is built
            (t, _), = W.canonical.terms
            k = index.get(t)
            if not t or k is None:  # scalar part of W (zero, as in the reference), or no input
                continue            # component shaped like this part of W
            n = min(ins[k].m, ins[k].s)
            # identity for orthogonal groups (duals fold, atoms already sorted): no gather,
            # whose backward is a slow scatter on CPU
            gather = None if W.canonical.is_identity else np.asarray(W.canonical.perm)
            cost_a, cost_b = _pair_costs(bi.m, bi.s, bo.m, bo.s, n)
            # ties (e.g. V→V) go to coefficients first: ~3% faster steps on XLA CPU
            order = "A" if cost_a < cost_b else "B"
            gram = order == "A" and _use_gram(k, i, n, bi.m, gather)
            pairs.append(PairTerm(i, j, k, n, gather, order, gram))
    by_output, by_input, off = [], [], 0
    for j, bo in enumerate(outs):
        group = tuple(p for p in pairs if p.order == "A" and p.j == j)
        if group:
            K = sum(p.n * ins[p.i].m for p in group)
            by_output.append(OutputGroup(j, off, K, group))
            off += K * bo.m
    for i, bi in enumerate(ins):
        group = tuple(p for p in pairs if p.order == "B" and p.i == i)
        if group:
            width = sum(outs[p.j].m * p.n for p in group)
            by_input.append(InputGroup(i, off, width, group))
            off += bi.m * width
    check_parameters("BiLinear", off, rep_in, rep_out)
    return BiLinearPlan(rep_in, rep_out, ins, outs, _gather(rep_in, True),
                        _gather(rep_out, False), tuple(by_output), tuple(by_input), off)


def init_bilinear(plan: BiLinearPlan, key):
    """Initial coefficients from a JAX key (or an int seed): standard normal, float32, as in
    the reference (the 0.1 scale of the output keeps the quadratic term small).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = bilinear_plan((V + V**0)(S(3)), (V + V**0)(S(3)))
    >>> init_bilinear(plan, 0).shape == (plan.num_weights,)
    True
    """
    return normal(key, (plan.num_weights,))


def _copies_of_t(plan, parts, p: PairTerm):
    """The ``n`` copies of type t, as ``(N, n, s_b, s_a)`` matrices."""
    bo, bi = plan.out_blocks[p.j], plan.in_blocks[p.i]
    Xt = parts[p.k][:, : p.n, :]
    if p.gather is not None:
        Xt = permute_last(Xt, p.gather)
    return Xt.reshape(Xt.shape[0], p.n, bo.s, bi.s)


def _use_gram(k: int, i: int, n: int, m: int, gather) -> bool:
    """Whether a pair's products are rows of its input block's Gram matrix, cheap enough.

    A scalar output from a tensor type ``a`` uses ``t = a`` itself (``b ⊗ a* ≅ a``): the
    products are ``<x_r, x_i>`` for the first ``n`` copies ``r`` and all ``m`` copies ``i``.
    The full ``m × m`` Gram matrix has a single backward product, ``(dG + dGᵀ) X``, against two
    (one with a transposed operand, the slowest kind on XLA CPU) for the ``n × m`` block;
    worth it while ``2 m² ≤ 3 n m`` multiply-adds.
    """
    return k == i and gather is None and 2 * m <= 3 * n


@jax.custom_jvp
def _gram(X):
    """``G[n] = X[n] X[n]ᵀ`` for ``X`` of shape ``(N, m, s)``."""
    return jnp.einsum("nis,njs->nij", X, X)


@_gram.defjvp
def _gram_jvp(primals, tangents):
    # dG = S + Sᵀ with S = dX Xᵀ: reverse mode transposes it into one product, (ct + ctᵀ) X
    (X,), (dX,) = primals, tangents
    S = jnp.einsum("nis,njs->nij", dX, X)
    return _gram(X), S + S.transpose(0, 2, 1)


def _split_input(plan, x):
    """The canonical input as one ``(N, m, s)`` array per type block."""
    N, pieces = split_blocks(plan, x)
    return N, [p.reshape(N, blk.m, blk.s) for p, blk in zip(pieces, plan.in_blocks, strict=True)]


def bilinear_apply(plan: BiLinearPlan, w, x):
    """``0.1 · W(x) x`` in the user's layouts, for ``x`` of shape ``(..., n_in)``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = bilinear_plan((V + V**0)(S(3)), (V + V**0)(S(3)))
    >>> bilinear_apply(plan, init_bilinear(plan, 0), jnp.ones((2, 4))).shape
    (2, 4)
    """
    return _bilinear_apply(plan, w, check_input(x, plan.rep_in, "BiLinear"))


@jit_by_plan
def _bilinear_apply(plan: BiLinearPlan, w, x):
    batch = x.shape[:-1]
    N, parts = _split_input(plan, x)
    w = w.astype(x.dtype)
    outs = {}

    def add(j, y):  # y: (N, m_b, s_b)
        outs[j] = y if j not in outs else outs[j] + y

    for j, off, K, group in plan.by_output:
        bo = plan.out_blocks[j]
        feats = []
        for p in group:
            bi = plan.in_blocks[p.i]
            if p.gram:
                feats.append(_gram(parts[p.i])[:, : p.n, :].reshape(N, p.n * bi.m))
                continue
            M = _copies_of_t(plan, parts, p)
            if bo.s > 1:  # rows (β, m) so that Y comes out with the GEMM's row index first
                M = M.transpose(0, 2, 1, 3)
            Y = jnp.einsum("nra,nia->nri", M.reshape(N, bo.s * p.n, bi.s), parts[p.i])
            feats.append(Y.reshape(N * bo.s, p.n * bi.m))
        F = jnp.concatenate(feats, axis=1) if len(feats) > 1 else feats[0]
        y = F @ w[off : off + K * bo.m].reshape(K, bo.m)
        y = y.reshape(N, bo.s, bo.m)
        add(j, y.transpose(0, 2, 1) if bo.s > 1 else y.reshape(N, bo.m, 1))

    for i, off, width, group in plan.by_input:
        bi = plan.in_blocks[i]
        xi = parts[i].transpose(0, 2, 1) if bi.s > 1 else parts[i]
        Phi = xi.reshape(N * bi.s, bi.m) @ w[off : off + bi.m * width].reshape(bi.m, width)
        # split, not sliced: the gradient is one concatenation, not a padded sum per pair
        widths = [plan.out_blocks[p.j].m * p.n for p in group]
        for p, ph in zip(group, jax.lax.split(Phi.reshape(N, bi.s, width), widths, axis=2),
                         strict=True):
            bo = plan.out_blocks[p.j]
            ph = ph.reshape(N, bi.s, bo.m, p.n)
            M = _copies_of_t(plan, parts, p)
            if bi.s == 1:
                y = jnp.einsum("njm,nmb->njb", ph.reshape(N, bo.m, p.n),
                               M.reshape(N, p.n, bo.s))
            else:
                y = jnp.einsum("najm,nmba->njb", ph, M)
            add(p.j, y)

    yc = join_blocks(plan, [outs[j].reshape(N, bo.m * bo.s) if j in outs else None
                            for j, bo in enumerate(plan.out_blocks)], N, x.dtype)
    y = permute_last(SCALE * yc, plan.out_gather)
    return y.reshape(*batch, plan.rep_out.size())


def scaled_bilinear_matrix(plan: BiLinearPlan, w, x):
    """The per-example matrix ``0.1 · W(x)`` (``SCALE · W(x)``), ``(N, n_out, n_in)`` in the
    user's layouts: the layer is ``x ↦ scaled_bilinear_matrix(plan, w, x) @ x``.

    The slow, literal form of the layer (what the reference library computes), for
    inspection and for testing :func:`bilinear_apply` against.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> plan = bilinear_plan((V + V**0)(S(3)), (V + V**0)(S(3)))
    >>> scaled_bilinear_matrix(plan, init_bilinear(plan, 0), jnp.ones((2, 4))).shape
    (2, 4, 4)
    """
    return SCALE * _bilinear_matrix(plan, w, x)


def bilinear_weights(rep_out: Rep, rep_in: Rep):
    """The reference library's ``bilinear_weights(out_rep, in_rep)`` (its argument order, and
    its ``W(x)`` without the 0.1 scale; :func:`scaled_bilinear_matrix` is this library's view
    of the layer, scale included).

    Returns:
        ``(num_weights, weight_fn)``: the number of coefficients of the bilinear layer
        ``rep_in → rep_out`` and ``weight_fn(w, x)``, the per-example matrix ``W(x)`` of shape
        ``(*batch, n_out, n_in)`` for ``x`` of shape ``(*batch, n_in)`` (without the layer's
        0.1 scale: the layer is ``0.1 · W(x) x``, as in the reference). The coefficient
        layout is this library's (the reference's is its own), shared with ``BiLinear``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> n, W = bilinear_weights(V(SO(3)), (Scalar + 2 * V)(SO(3)))
    >>> n, W(jnp.ones(n), jnp.ones((4, 7))).shape
    (2, (4, 3, 7))
    """
    plan = bilinear_plan(rep_in, rep_out)
    n_out, n_in = rep_out.size(), rep_in.size()

    @jax.jit  # one compilation per input shape, instead of one per eager operation
    def weight_fn(w, x):
        batch = x.shape[:-1]
        W = _bilinear_matrix(plan, w, x.reshape(-1, x.shape[-1]))
        return W.reshape(*batch, n_out, n_in)

    return plan.num_weights, weight_fn


def _bilinear_matrix(plan: BiLinearPlan, w, x):
    """``W(x)`` (``(N, n_out, n_in)``, user layouts): :func:`scaled_bilinear_matrix` without
    its scale."""
    check_input(x, plan.rep_in, "BiLinear")
    N, parts = _split_input(plan, x)
    w = jnp.asarray(w, x.dtype)
    n_out, n_in = plan.rep_out.size(), plan.rep_in.size()
    W = jnp.zeros((N, n_out, n_in), x.dtype)

    def put(W, p, theta):  # theta: (m_b, m_a, n)
        bo, bi = plan.out_blocks[p.j], plan.in_blocks[p.i]
        blk = jnp.einsum("jim,nmba->njbia", theta, _copies_of_t(plan, parts, p))
        return W.at[:, bo.start : bo.start + bo.m * bo.s, bi.start : bi.start + bi.m * bi.s
                    ].add(blk.reshape(N, bo.m * bo.s, bi.m * bi.s))

    for j, off, K, group in plan.by_output:
        theta = w[off : off + K * plan.out_blocks[j].m].reshape(K, -1)
        row = 0
        for p in group:
            m_a = plan.in_blocks[p.i].m
            # rows of θ_j are (m, i) pairs
            th = theta[row : row + p.n * m_a].reshape(p.n, m_a, -1).transpose(2, 1, 0)
            W = put(W, p, th)
            row += p.n * m_a
    for i, off, width, group in plan.by_input:
        theta = w[off : off + plan.in_blocks[i].m * width].reshape(-1, width)
        col = 0
        for p in group:
            m_b = plan.out_blocks[p.j].m
            # columns of θ_i are (j, m) pairs
            th = theta[:, col : col + m_b * p.n].reshape(-1, m_b, p.n).transpose(1, 0, 2)
            W = put(W, p, th)
            col += m_b * p.n
    if plan.out_gather is not None:
        W = W[:, plan.out_gather]
    if plan.in_gather is not None:
        W = W[:, :, np.argsort(plan.in_gather)]
    return W


# release 0.1's name, beside bilinear_weights (another function): say "scaled" and "matrix"
bilinear_weight = deprecated_alias(scaled_bilinear_matrix,
                                   "emlp_sym.nn.core.bilinear.bilinear_weight")
