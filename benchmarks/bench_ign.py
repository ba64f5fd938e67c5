"""IGN's layer V² → V² written directly in JAX, beside emlp_sym's diagram path and dense path.

The peer is Maron et al.'s (2019) layer as their code builds it: the 15 equivariant maps of a
batch of ``(n, n)`` tensors stacked from the diagonal, row, column and total sums, the
transpose and broadcasts, then one channel-mixing ``einsum`` over all 15. emlp_sym's diagram
path (:func:`emlp_sym.nn.core.diagram_ops.diagram_apply`) applies the same 15 diagrams but
mixes channels on the reduced tensors; its dense path is ``Linear``'s dense block, an
``n² × n²`` matrix per channel pair.

Each row: one jitted forward and backward pass (gradient of a squared loss with respect to the
layer's coefficients), ``m`` channels in and out, batch ``B``, median of repeated runs, all in
one process so ratios compare like with like::

    python benchmarks/bench_ign.py                 # n = 10 … 500
    python benchmarks/bench_ign.py --sizes 10 20 --repeats 5
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.groups import S
from emlp_sym.nn.core.diagram_ops import diagram_apply
from emlp_sym.nn.core.linear import init_linear, linear_apply, linear_plan
from emlp_sym.reps import V
from emlp_sym.solvers.partitions import partition_diagrams

DENSE_MAX_N = 40  # the dense block of n = 60 needs ~10 GB (the library refuses it)


def ign_layer(coeffs, x):
    """The peer: ``x`` ``(B, m, n, n)``, ``coeffs`` ``(m, 15, m_out)``; sums are means."""
    n = x.shape[-1]
    diag = jnp.diagonal(x, axis1=2, axis2=3)              # (B, m, n)
    trace = diag.mean(-1)                                 # (B, m)
    rows, cols = x.mean(3), x.mean(2)                     # (B, m, n) each
    total = x.mean((2, 3))                                # (B, m)
    eye = jnp.eye(n, dtype=x.dtype)

    def on_diag(v):                                       # (B, m, n) → (B, m, n, n)
        return v[..., None] * eye

    def full(v):
        return jnp.broadcast_to(v, x.shape)

    ops = [
        on_diag(diag), on_diag(full(trace[..., None, None])[..., 0]), on_diag(rows),
        on_diag(cols), on_diag(full(total[..., None, None])[..., 0]),
        full(cols[..., None, :]), full(rows[..., None, :]), full(cols[..., :, None]),
        full(rows[..., :, None]), x, jnp.swapaxes(x, 2, 3), full(diag[..., None, :]),
        full(diag[..., :, None]), full(trace[..., None, None]), full(total[..., None, None]),
    ]
    stacked = jnp.stack(ops, axis=2)                      # (B, m, 15, n, n)
    return jnp.einsum("dsc,bdsij->bcij", coeffs, stacked)


def timed(fn, *args, repeats):
    jax.block_until_ready(fn(*args))  # compile
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def step(apply):
    return jax.jit(jax.grad(lambda w, x: jnp.sum(apply(w, x) ** 2)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40, 100, 200, 500])
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    m, B = args.channels, args.batch
    ds = partition_diagrams(2, 2)
    print(f"# {platform.processor() or platform.machine()}, {jax.devices()[0].platform}, "
          f"jax {jax.__version__}; V²→V², {m} channels, batch {B}, fwd+bwd, median of "
          f"{args.repeats}")
    print(f"{'n':>5} {'IGN (ms)':>10} {'diagrams (ms)':>14} {'dense (ms)':>11} "
          f"{'IGN/diagrams':>13} {'dense/diagrams':>15}")
    for n in args.sizes:
        rng = np.random.default_rng(n)
        x = jnp.asarray(rng.normal(size=(B, m, n, n)), jnp.float32)
        ign_w = jnp.asarray(rng.normal(size=(m, 15, m)), jnp.float32)
        ign = timed(step(ign_layer), ign_w, x, repeats=args.repeats)
        C = jnp.asarray(rng.normal(size=(len(ds), m, m)), jnp.float32)
        ours = timed(step(lambda c, x, n=n: diagram_apply(ds, c, x, n, "mean")), C, x,
                     repeats=args.repeats)
        dense = float("nan")
        if n <= DENSE_MAX_N:
            rep = (m * V**2)(S(n))
            plan = linear_plan(rep, rep)
            w, b = init_linear(plan, 0)
            xd = x.reshape(B, m * n * n)
            dense = timed(step(lambda w, x, plan=plan, b=b: linear_apply(plan, w, b, x)), w, xd,
                          repeats=max(3, args.repeats // 3))
        print(f"{n:>5} {1e3 * ign:>10.2f} {1e3 * ours:>14.2f} {1e3 * dense:>11.2f} "
              f"{ign / ours:>13.2f} {dense / ours:>15.1f}", flush=True)


if __name__ == "__main__":
    main()
