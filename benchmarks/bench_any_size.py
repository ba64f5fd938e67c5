"""A graph model of S(n) at any size: its training step on the diagram path beside the dense
path, in one process, as n grows.

The model is the issue's graph model: ``G = S(n)``, ``rep_in = V²`` (an adjacency matrix),
``rep_out = V⁰``, hidden ``16V⁰ + 8V + 8V²``, 2 hidden layers, as
:func:`emlp_sym.nn.core.diagram_models.diagram_mlp_plan` builds it (diagram Linear layers and
Swish gates, mean pooling). The same parameters serve both paths and every n; only how each
block is applied differs (``path="diagrams"``: pooling, diagonals, broadcasts;
``path="dense"``: the block's ``n^l × n^k`` matrix). Per row: plan build time, median jitted
step (gradient of the MSE and an SGD update), and the step's peak memory from XLA's buffer
assignment (arguments + outputs + temporaries - aliased)::

    python benchmarks/bench_any_size.py                       # n = 10 … 2000
    python benchmarks/bench_any_size.py --sizes 10 20 --steps 3
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.groups import S
from emlp_sym.nn.core.diagram_models import (
    by_order,
    diagram_mlp_apply,
    diagram_mlp_plan,
    init_diagram_mlp,
)
from emlp_sym.reps import V

HIDDEN = {0: 16, 1: 8, 2: 8}
DENSE_MAX_N = 40


def batch_for(n: int, batch: int) -> int:
    return 5 if n >= 1000 else batch


def measure(n: int, path: str, batch: int, steps: int):
    t0 = time.perf_counter()
    plan = diagram_mlp_plan(V**2, V**0, S(n), by_order(HIDDEN), num_layers=2, path=path)
    build = time.perf_counter() - t0
    params = init_diagram_mlp(plan, 0)
    rng = np.random.default_rng(n)
    x = jnp.asarray(rng.normal(size=(batch, n * n)), jnp.float32)
    y = jnp.asarray(rng.normal(size=(batch, 1)), jnp.float32)

    def loss(p, x, y):
        return jnp.mean((diagram_mlp_apply(plan, p, x) - y) ** 2)

    @jax.jit
    def step(p, x, y):
        g = jax.grad(loss)(p, x, y)
        return jax.tree.map(lambda a, b: a - 1e-3 * b, p, g)

    compiled = step.lower(params, x, y).compile()
    mem = compiled.memory_analysis()
    peak = (mem.argument_size_in_bytes + mem.output_size_in_bytes + mem.temp_size_in_bytes
            - mem.alias_size_in_bytes) if mem is not None else float("nan")
    jax.block_until_ready(compiled(params, x, y))
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        jax.block_until_ready(compiled(params, x, y))
        times.append(time.perf_counter() - t)
    return build, statistics.median(times), peak, sum(a.size for a in jax.tree.leaves(params))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[10, 20, 40, 100, 200, 500, 1000, 2000])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"# {platform.machine()}, {jax.devices()[0].platform}, jax {jax.__version__}; graph "
          f"model V² → V⁰ of S(n), hidden {by_order(HIDDEN)(S(3))}, 2 layers; batch "
          f"{args.batch} (5 from n = 1000)")
    print(f"{'n':>5} {'batch':>5} {'params':>7} {'build (s)':>9} {'diagrams (ms)':>14} "
          f"{'peak (MB)':>9} {'dense (ms)':>11} {'dense peak (MB)':>15} {'dense/diagrams':>14}")
    for n in args.sizes:
        B = batch_for(n, args.batch)
        build, fast, peak, count = measure(n, "diagrams", B, args.steps)
        dense, dense_peak = math.nan, math.nan
        if n <= DENSE_MAX_N:
            _, dense, dense_peak, _ = measure(n, "dense", B, max(2, args.steps // 2))
        print(f"{n:>5} {B:>5} {count:>7} {build:>9.2f} {1e3 * fast:>14.2f} {peak / 2**20:>9.1f} "
              f"{1e3 * dense:>11.2f} {dense_peak / 2**20:>15.1f} {dense / fast:>14.1f}",
              flush=True)


if __name__ == "__main__":
    main()
