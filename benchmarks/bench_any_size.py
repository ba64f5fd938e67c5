"""Models of S(n) at any size: the training step on the diagram path beside the dense path,
in one process, as n grows.

``--model graph`` is the issue's graph model: ``G = S(n)``, ``rep_in = V²`` (an adjacency matrix),
``rep_out = V⁰``, hidden ``16V⁰ + 8V + 8V²``, 2 hidden layers, as
:func:`emlp_sym.nn.core.diagram_models.diagram_mlp_plan` builds it (diagram Linear layers and
Swish gates, mean pooling). The same parameters serve both paths and every n; only how each
block is applied differs (``path="diagrams"``: pooling, diagonals, broadcasts;
``path="dense"``: the block's ``n^l × n^k`` matrix). ``--model cloud`` is its point cloud:
``G = S(n)×O(3)``, positions and masses ``V_S⊗V_O + V_S`` in, ``V_O²`` out, hidden
``8V_S⊗V_O + 8V_S + 8V_O + 16V⁰ + 4V_O²``. Per row: plan build time, median jitted
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

from emlp_sym.groups import O, S
from emlp_sym.nn.core.diagram_models import (
    by_order,
    diagram_mlp_apply,
    diagram_mlp_plan,
    init_diagram_mlp,
)
from emlp_sym.reps import V

HIDDEN = {0: 16, 1: 8, 2: 8}


def batch_for(model: str, n: int, batch: int) -> int:
    """The issue's sizes: graphs of 1000 nodes and more in batches of 5, point clouds of
    10,000 points in batches of 8."""
    if model == "graph" and n >= 1000:
        return 5
    return 8 if model == "cloud" and n >= 5000 else batch


def graph_plan(n: int, path: str):
    return diagram_mlp_plan(V**2, V**0, S(n), by_order(HIDDEN), num_layers=2, path=path)


def cloud_plan(n: int, path: str):
    """Positions and masses of n particles in, an O(3) tensor out (the issue's point cloud)."""
    Vs, Vo = V(S(n)), V(O(3))
    hidden = 8 * Vs * Vo + 8 * Vs + 8 * Vo + 16 * Vs**0 * Vo**0 + 4 * Vo**2
    return diagram_mlp_plan(Vs * Vo + Vs, Vs**0 * Vo**2, hidden.G, hidden, num_layers=2,
                            path=path)


MODELS = {"graph": (graph_plan, [10, 20, 40, 100, 200, 500, 1000, 2000], 40),
          "cloud": (cloud_plan, [100, 200, 500, 1000, 2000, 5000, 10000], 500)}


def measure(make_plan, n: int, path: str, batch: int, steps: int):
    t0 = time.perf_counter()
    plan = make_plan(n, path)
    build = time.perf_counter() - t0
    params = init_diagram_mlp(plan, 0)
    rng = np.random.default_rng(n)
    x = jnp.asarray(rng.normal(size=(batch, plan.layers[0].rep_in.size())), jnp.float32)
    y = jnp.asarray(rng.normal(size=(batch, plan.layers[-1].rep_out.size())), jnp.float32)

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
    parser.add_argument("--model", choices=sorted(MODELS), default="graph")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args(argv)
    make_plan, sizes, dense_max = MODELS[args.model]
    print(f"# {platform.machine()}, {jax.devices()[0].platform}, jax {jax.__version__}; "
          f"{args.model} model {make_plan(3, 'auto').layers[0].rep_in} → "
          f"{make_plan(3, 'auto').layers[-1].rep_out}, 2 hidden layers, batch {args.batch} "
          "(graphs from n = 1000: 5; clouds from n = 5000: 8)")
    print(f"{'n':>5} {'batch':>5} {'params':>7} {'build (s)':>9} {'diagrams (ms)':>14} "
          f"{'peak (MB)':>9} {'dense (ms)':>11} {'dense peak (MB)':>15} {'dense/diagrams':>14}")
    for n in args.sizes or sizes:
        B = batch_for(args.model, n, args.batch)
        build, fast, peak, count = measure(make_plan, n, "diagrams", B, args.steps)
        dense, dense_peak = math.nan, math.nan
        if n <= dense_max:
            _, dense, dense_peak, _ = measure(make_plan, n, "dense", B, max(2, args.steps // 2))
        print(f"{n:>5} {B:>5} {count:>7} {build:>9.2f} {1e3 * fast:>14.2f} {peak / 2**20:>9.1f} "
              f"{1e3 * dense:>11.2f} {dense_peak / 2**20:>15.1f} {dense / fast:>14.1f}",
              flush=True)


if __name__ == "__main__":
    main()
