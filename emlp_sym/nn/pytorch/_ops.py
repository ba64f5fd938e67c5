"""The PyTorch front's maths: the core's linear, bilinear and gate maps, written in torch.

The PyTorch front must not call JAX in its forward or backward pass, so the three maps of the
core (:func:`~emlp_sym.nn.core.linear.linear_apply`,
:func:`~emlp_sym.nn.core.bilinear.bilinear_apply`,
:func:`~emlp_sym.nn.core.gates.gated_nonlinearity`) are ported here, op for op, from the same plans:
same parameter layout, same canonical type blocks, same contraction order for every pair of
the bilinear map, same Gram shortcut. Activations are ``(N, m·s)`` torch tensors, one per
canonical type block (:class:`Blocks` cuts them out of the user's layout, :class:`Join` puts
them back); the modules of :mod:`emlp_sym.nn.pytorch` own the parameters and the bases.

Where eager PyTorch on CPU differs from XLA, the port differs in how, not in what (every
choice below was timed on the seed model's training step):

* Linear builds its dense weight from the coefficients on every call and applies it with one
  GEMM: as fast here as the core's routing through the bases, in a fifth of the ops;
* the dense weight and the per-example products are autograd Functions with their own
  derivatives (fewer autograd nodes; ``torch.func`` works through them, forward mode too);
* per-example products of at most a few hundred multiply-adds are broadcast multiply-adds
  over the batch, not ``bmm``, which pays ~0.3 µs per matrix (more on strided operands);
* the bilinear map sums each output block as ``(N, s_b, m_b)`` so that its per-example
  products have the copies as columns, and its coefficients-first pairs get one GEMM each,
  whose output is then read in place.
"""

from __future__ import annotations

import numpy as np
import torch

from emlp_sym.nn.core.bilinear import SCALE
from emlp_sym.nn.core.permute import MAX_RUNS, runs


def _bounds(sizes) -> list[tuple[int, int]]:
    ends = np.cumsum(sizes, dtype=int)
    return [(int(e - n), int(e)) for e, n in zip(ends, sizes, strict=True)]


def _index(module: torch.nn.Module, name: str, index) -> str:
    module.register_buffer(name, torch.as_tensor(np.asarray(index), dtype=torch.long),
                           persistent=False)
    return name


class Blocks(torch.nn.Module):
    """``x[..., perm]`` (``perm`` None: identity) cut into consecutive blocks of ``sizes``,
    each a contiguous tensor. Moved as the core moves permutations: one split at the
    permutation's contiguous runs and one concatenation per block (their gradients are again
    a concatenation and splits), or one ``index_select`` per block beyond ``MAX_RUNS`` runs."""

    def __init__(self, perm: np.ndarray | None, sizes):
        super().__init__()
        perm = np.arange(sum(sizes)) if perm is None else np.asarray(perm)
        block_runs = [runs(perm[a:b]) for a, b in _bounds(sizes)]
        self.index_names = None
        if sum(map(len, block_runs)) > MAX_RUNS:
            self.index_names = [_index(self, f"index{k}", perm[a:b])
                                for k, (a, b) in enumerate(_bounds(sizes))]
            return
        flat = [r for rs in block_runs for r in rs]
        by_source = sorted(range(len(flat)), key=lambda k: flat[k][0])  # the runs tile the source
        self.split_sizes = [flat[k][1] for k in by_source]
        position = {k: q for q, k in enumerate(by_source)}
        ends = np.cumsum([len(rs) for rs in block_runs])
        self.block_pieces = [[position[k] for k in range(e - len(rs), e)]
                             for e, rs in zip(ends, block_runs, strict=True)]

    def extra_repr(self) -> str:
        if self.index_names is not None:
            return "gather"
        moved = any(len(ks) > 1 for ks in self.block_pieces) or self.block_pieces != sorted(
            self.block_pieces)
        return f"{len(self.block_pieces)} blocks" + (f", {len(self.split_sizes)} runs"
                                                     if moved else "")

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        if self.index_names is not None:
            return [torch.index_select(x, -1, getattr(self, n)) for n in self.index_names]
        pieces = torch.split(x, self.split_sizes, -1)
        return [torch.cat([pieces[k] for k in ks], -1) if len(ks) > 1
                else pieces[ks[0]].contiguous() if ks else x[..., :0] for ks in self.block_pieces]


class Join(torch.nn.Module):
    """The inverse: consecutive blocks of ``sizes`` along ``dim``, concatenated and gathered,
    ``cat(blocks)[perm]`` (``perm`` None: identity), as one split per block and one
    concatenation (or one ``index_select`` beyond ``MAX_RUNS`` runs)."""

    def __init__(self, perm: np.ndarray | None, sizes, dim: int = -1):
        super().__init__()
        self.dim = dim
        bounds = _bounds(sizes)
        pieces = []  # (block, start in block, length), in output order
        for src, length in runs(perm) if perm is not None else [(0, sum(sizes))]:
            for b, (a, e) in enumerate(bounds):  # cut the run where blocks end
                lo, hi = max(a, src), min(e, src + length)
                if lo < hi:
                    pieces.append((b, lo - a, hi - lo))
        self.index_name = None
        if len(pieces) > MAX_RUNS:
            self.index_name = _index(self, "index", perm)
            return
        cuts = [sorted((start, n) for b2, start, n in pieces if b2 == b) for b in range(len(sizes))]
        self.cuts = [[n for _, n in c] for c in cuts]
        where = {(b, start): q for b, c in enumerate(cuts) for q, (start, _) in enumerate(c)}
        self.order = [(b, where[b, start]) for b, start, _ in pieces]

    def extra_repr(self) -> str:
        if self.index_name is not None:
            return "gather"
        return f"{len(self.cuts)} blocks" + (f", {len(self.order)} runs"
                                             if self.order != sorted(self.order) else "")

    def forward(self, blocks) -> torch.Tensor:
        if self.index_name is not None:
            return torch.index_select(torch.cat(list(blocks), self.dim), self.dim,
                                      getattr(self, self.index_name))
        if not self.order:  # size 0
            return blocks[0].narrow(self.dim, 0, 0)
        split = [torch.split(blk, c, self.dim) if len(c) > 1 else (blk,)
                 for blk, c in zip(blocks, self.cuts, strict=True)]
        return cat([split[b][q] for b, q in self.order], self.dim, None, None)


def cat(tensors, dim: int, empty_shape, like: torch.Tensor) -> torch.Tensor:
    """``torch.cat`` that passes a single tensor through and gives zeros for an empty list."""
    if not tensors:
        return like.new_zeros(empty_shape)
    return tensors[0] if len(tensors) == 1 else torch.cat(tensors, dim)


def split_params(w: torch.Tensor, terms, total: int):
    """``w`` cut at the terms' offsets (they tile it in order): one piece per term. A split,
    not slices, so the gradient is one concatenation, not a zero-padded copy per slice."""
    ends = [t.offset for t in terms[1:]] + [total]
    return torch.split(w, [e - t.offset for t, e in zip(terms, ends, strict=True)]) if terms else ()


# ---------------------------------------------------------------------------------------------
# Linear


def _kron(C: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """``Σ_k C_k ⊗ B_k`` for ``C`` ``(r, m_b, m_a)`` and ``B`` ``(r, s_b, s_a)``: the
    ``(m_b s_b, m_a s_a)`` block of one weight term, as one broadcast product (and a sum)."""
    r, mb, ma = C.shape
    sb, sa = B.shape[1:]
    blk = C.view(r, mb, 1, ma, 1) * B.view(r, 1, sb, 1, sa)
    return (blk if r == 1 else blk.sum(0)).view(mb * sb, ma * sa)


def _weight(plan, w: torch.Tensor, bases) -> torch.Tensor:
    ins, outs = plan.in_blocks, plan.out_blocks
    blocks = {}
    for term, c, B in zip(plan.weight_terms, split_params(w, plan.weight_terms, plan.num_weights),
                          bases, strict=True):
        bo, bi = outs[term.j], ins[term.i]
        blocks[term.i, term.j] = _kron(c.view(len(B), bo.m, bi.m), B)
    n_in = sum(bi.m * bi.s for bi in ins)
    rows = [cat([blocks[i, j] if (i, j) in blocks else w.new_zeros(bo.m * bo.s, bi.m * bi.s)
                 for i, bi in enumerate(ins)], 1, (bo.m * bo.s, 0), w)
            for j, bo in enumerate(outs)]
    return cat(rows, 0, (0, n_in), w)


class _WeightFn(torch.autograd.Function):
    """The dense weight from its coefficients as one autograd node: the backward contracts
    each block of ``dW`` with its basis, ``dC_k = Σ_{t,s} dW[j,t,i,s] B_k[t,s]``."""

    generate_vmap_rule = True

    @staticmethod
    def forward(plan, w, *bases):
        return _weight(plan, w, bases)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.plan = inputs[0]
        ctx.save_for_backward(*inputs[2:])

    @staticmethod
    def backward(ctx, dW):
        plan, bases = ctx.plan, ctx.saved_tensors
        dw = []
        for term, B in zip(plan.weight_terms, bases, strict=True):
            bi, bo = plan.in_blocks[term.i], plan.out_blocks[term.j]
            d = dW[bo.start : bo.start + bo.m * bo.s, bi.start : bi.start + bi.m * bi.s]
            d = d.reshape(bo.m, bo.s, bi.m, bi.s).transpose(1, 2).reshape(bo.m * bi.m, -1)
            dw.append((B.reshape(len(B), -1) @ d.T).reshape(-1))  # (k, j, i)
        return None, cat(dw, 0, (0,), dW), *(None for _ in bases)


class _Weight(_WeightFn):
    """With its forward-mode rule (for ``torch.func.jacfwd``, ``hessian``): Dynamo cannot
    trace Functions that define ``jvp``, so ``torch.compile`` sees the base class."""

    @staticmethod
    def setup_context(ctx, inputs, output):
        _WeightFn.setup_context(ctx, inputs, output)
        ctx.save_for_forward(*inputs[2:])

    @staticmethod
    def jvp(ctx, _, dw, *__):  # W is linear in w
        return _weight(ctx.plan, dw, ctx.saved_tensors)


def canonical_layout_weight(plan, w: torch.Tensor, bases) -> torch.Tensor:
    """The dense ``(n_out, n_in)`` weight in canonical layout: block ``(j, i)`` is
    ``Σ_k C_k ⊗ B_k`` with ``C`` the term's coefficients (``(r, m_b, m_a)``) and ``B`` its
    basis (``bases[t]``, ``(r, s_b, s_a)``); zero where no equivariant map exists."""
    return (_WeightFn if torch.compiler.is_compiling() else _Weight).apply(plan, w, *bases)


def canonical_layout_bias(plan, b: torch.Tensor, bases) -> torch.Tensor:
    """The bias in canonical layout: output block ``j`` gets ``c Qᵀ`` with ``c`` its
    ``(m_b, r)`` coefficients and ``Q`` (``bases[t]``, ``(s_b, r)``) its fixed vectors."""
    pieces = {}
    for term, c, Q in zip(plan.bias_terms, split_params(b, plan.bias_terms, plan.num_biases),
                          bases, strict=True):
        pieces[term.j] = (c.view(-1, Q.shape[1]) @ Q.T).reshape(-1)
    return cat([pieces[j] if j in pieces else b.new_zeros(bo.m * bo.s)
                for j, bo in enumerate(plan.out_blocks)], 0, (0,), b)


# ---------------------------------------------------------------------------------------------
# BiLinear


def _packed(A: torch.Tensor) -> torch.Tensor:
    """``A``, copied unless its matrices are packed one after the other (row- or column-major):
    CPU ``bmm`` runs several times slower on other strides (e.g. views into a wider array)."""
    return A if A.is_contiguous() or A.mT.is_contiguous() else A.contiguous()


def _mm(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """``A @ B`` for batches of small matrices. ``bmm`` pays ~0.3 µs per matrix on CPU: where
    each product is a few hundred multiply-adds over at most 4 terms, as many broadcast
    multiply-adds over the whole batch are 2-3x faster."""
    P, K, Q = A.shape[-2], A.shape[-1], B.shape[-1]
    if K > 4 or P * K * Q > 512:
        return torch.bmm(_packed(A), _packed(B))
    y = A[..., :1] * B[..., :1, :]
    for k in range(1, K):
        y = torch.addcmul(y, A[..., k : k + 1], B[..., k : k + 1, :])
    return y


class _BMMFn(torch.autograd.Function):
    """Per-example ``A @ B`` whose backward products, too, go through :func:`_mm` (autograd
    would differentiate the broadcasts into reductions); differentiable again."""

    generate_vmap_rule = True

    @staticmethod
    def forward(A, B):
        return _mm(A, B)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, dC):
        A, B = ctx.saved_tensors
        need_A, need_B = ctx.needs_input_grad
        return _mm(dC, B.mT) if need_A else None, _mm(A.mT, dC) if need_B else None


class _BMM(_BMMFn):
    """With its forward-mode rule (see :class:`_Weight`)."""

    @staticmethod
    def setup_context(ctx, inputs, output):
        _BMMFn.setup_context(ctx, inputs, output)
        ctx.save_for_forward(*inputs)

    @staticmethod
    def jvp(ctx, dA, dB):
        A, B = ctx.saved_tensors
        return _mm(dA, B) + _mm(A, dB)


class _GramFn(torch.autograd.Function):
    """``X Xᵀ`` per example, with the one-product backward ``(dG + dGᵀ) X`` (as the core's
    ``_gram``); the backward is made of differentiable ops, so it differentiates again."""

    generate_vmap_rule = True

    @staticmethod
    def forward(X):
        return _mm(X, X.mT)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, dG):
        (X,) = ctx.saved_tensors
        return _mm(dG + dG.mT, X)


class _Gram(_GramFn):
    """With its forward-mode rule (see :class:`_Weight`)."""

    @staticmethod
    def setup_context(ctx, inputs, output):
        _GramFn.setup_context(ctx, inputs, output)
        ctx.save_for_forward(inputs[0])

    @staticmethod
    def jvp(ctx, dX):
        (X,) = ctx.saved_tensors
        S = _mm(dX, X.mT)
        return S + S.mT


def _bmm(A, B):
    return (_BMMFn if torch.compiler.is_compiling() else _BMM).apply(A, B)


def _gram(X):
    return (_GramFn if torch.compiler.is_compiling() else _Gram).apply(X)


def _copies_of_t(plan, parts, p, gather):
    """The pair's ``n`` copies of type t, as ``(N, n, s_b, s_a)`` matrices."""
    bo, bi = plan.out_blocks[p.j], plan.in_blocks[p.i]
    Xt = parts[p.k][:, : p.n, :]
    if gather is not None:
        (Xt,) = gather(Xt)
    return Xt.reshape(Xt.shape[0], p.n, bo.s, bi.s)


def bilinear(plan, w: torch.Tensor, parts, gathers) -> list:
    """``0.1 · W(x) x`` from the input's canonical blocks ``parts`` (``(N, m·s)`` each), as one
    ``(N, m_b·s_b)`` array per output block (None: zero). ``gathers`` holds, for each pair (output
    groups' pairs first), the :class:`Blocks` taking t's layout to the ``(s_b, s_a)`` matrix
    layout, or None where that is the identity.

    As :func:`emlp_sym.nn.core.bilinear.bilinear_apply`: features-first pairs ("A") feed one GEMM
    per output block, coefficients-first pairs ("B") come out of one GEMM per input block.
    Outputs are summed per block as ``(N, s_b, m_b)``, so that every per-example product
    (slow on CPU when its output has few columns) has the copies as its columns.
    """
    ins, outs = plan.in_blocks, plan.out_blocks
    if not parts:
        return [None] * len(outs)
    N = parts[0].shape[0]
    parts = [x.view(N, blk.m, blk.s) for x, blk in zip(parts, ins, strict=True)]
    gathers = iter(gathers)
    theta = iter(split_params(SCALE * w, (*plan.by_output, *plan.by_input), plan.num_weights))
    y = {}

    def add(j, v):  # v: (N, s_b, m_b)
        y[j] = v if j not in y else y[j] + v

    for j, _, K, group in plan.by_output:
        bo = outs[j]
        feats = []
        for p in group:
            bi, gather = ins[p.i], next(gathers)
            if p.gram:  # scalar output: rows of the Gram matrix of type a's copies
                feats.append(_gram(parts[p.i])[:, : p.n, :].reshape(N, p.n * bi.m))
                continue
            M = _copies_of_t(plan, parts, p, gather).transpose(1, 2)  # (N, s_b, n, s_a)
            Y = _bmm(M.reshape(N, bo.s * p.n, bi.s), parts[p.i].mT)  # (N, s_b·n, m_a)
            feats.append(Y.reshape(N * bo.s, p.n * bi.m))
        add(j, (cat(feats, 1, None, None) @ next(theta).view(K, bo.m)).view(N, bo.s, bo.m))

    for i, _, width, group in plan.by_input:
        bi = ins[i]
        xT = parts[i].mT.reshape(N * bi.s, bi.m)
        widths = [outs[p.j].m * p.n for p in group]
        for p, th in zip(group, torch.split(next(theta).view(bi.m, width), widths, 1),
                         strict=True):
            # θ's columns for this pair are (j, m): one GEMM per pair with them reordered to
            # (m, j) gives Φ as contiguous per-example ((α, m), j) matrices
            bo, gather = outs[p.j], next(gathers)
            Phi = xT @ th.view(bi.m, bo.m, p.n).transpose(1, 2).reshape(bi.m, p.n * bo.m)
            M = _copies_of_t(plan, parts, p, gather).permute(0, 2, 3, 1)  # (N, s_b, s_a, n)
            add(p.j, _bmm(M.reshape(N, bo.s, bi.s * p.n), Phi.view(N, bi.s * p.n, bo.m)))

    return [y[j].mT.reshape(N, bo.m * bo.s) if j in y else None for j, bo in enumerate(outs)]


def pair_terms(plan):
    """The bilinear plan's pairs in the order :func:`bilinear` consumes ``gathers``."""
    return [p for g in (*plan.by_output, *plan.by_input) for p in g.pairs]


# ---------------------------------------------------------------------------------------------
# Gates


def gate_blocks(plan) -> Blocks:
    """The gated input ``[rep's values..., gate scalars...]`` cut into the canonical segments of
    ``rep`` and one block of all gate scalars."""
    perm = np.arange(plan.size) if plan.to_canonical is None else plan.to_canonical
    return Blocks(np.concatenate([perm, plan.size + np.arange(plan.n_gates)]).astype(int),
                  [seg.m * seg.s for seg in plan.segments] + [plan.n_gates])


def gates(plan, blocks) -> list:
    """The gated nonlinearity on :func:`gate_blocks` ``(..., m·s)`` pieces: Swish on
    self-gated segments, ``sigmoid(gate)`` times the others; one output per segment."""
    *values, gate_scalars = blocks
    sizes = [seg.m for seg in plan.segments if seg.gate >= 0]
    sig = iter(torch.split(torch.sigmoid(gate_scalars), sizes, -1) if sizes else ())
    out = []
    for v, seg in zip(values, plan.segments, strict=True):
        if seg.gate < 0:
            out.append(torch.nn.functional.silu(v))
        else:
            batch = v.shape[:-1]
            g = next(sig).unsqueeze(-1)
            out.append((v.view(*batch, seg.m, seg.s) * g).view(*batch, seg.m * seg.s))
    return out
