"""EMLP vs MLP training step, side by side in one run (the seed's model: Inertia, SO(3)).

Reports parameters, construction time (cold: solver caches empty), jit compile time of the
training step, the step time, and the model's equivariance error. Prints Markdown.

The two steps are timed in alternating rounds and the ratio is the median of the per-round
ratios, so that a noisy neighbour slows both sides alike. For the steadiest figures pin the
process to one core (``taskset -c 0``); XLA then runs everything on that core.

    python benchmarks/bench_layers.py [--ch 384] [--batch 500] [--steps 10] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.cli.train import make_train_step
from emlp_sym.datasets import Inertia
from emlp_sym.groups import SO
from emlp_sym.nn import EMLP, MLP
from emlp_sym.solvers import clear_caches
from emlp_sym.testing import equivariance_error


def prepare(model_cls, ds, G, ch, x, y):
    """Build (cold) and compile one model's training step."""
    clear_caches()
    t0 = time.perf_counter()
    model = model_cls(ds.rep_in, ds.rep_out, group=G, num_layers=3, ch=ch)
    build = time.perf_counter() - t0
    train_op, _ = make_train_step(model)
    t0 = time.perf_counter()
    jax.block_until_ready(train_op(x, y, 3e-3))
    compile_s = time.perf_counter() - t0
    rin, rout = ds.rep_in(G), ds.rep_out(G)
    err = float(np.mean(equivariance_error(model, rin, rout, x[:100], G.samples(4, seed=0))))
    n_params = sum(int(np.prod(v.value.shape)) for v in model.vars().values())
    return dict(params=n_params, build=build, compile=compile_s, err=err, op=train_op)


def median_step_ms(train_op, x, y, steps):
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        jax.block_until_ready(train_op(x, y, 3e-3))
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ch", type=int, default=384)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--steps", type=int, default=10, help="steps per round")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    G = SO(3)
    ds = Inertia(1000)
    dev = jax.devices()[0]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {platform.machine()}, {cores} usable cores, "
          f"{jax.device_count()} × {dev.platform} "
          f"({getattr(dev, 'device_kind', '')}), JAX {jax.__version__}; "
          f"Inertia, SO(3), ch={args.ch}, 3 layers, batch {args.batch}\n")
    x = jnp.asarray(np.resize(ds.X, (args.batch, ds.X.shape[1])))
    y = jnp.asarray(np.resize(ds.Y, (args.batch, ds.Y.shape[1])))
    e, m = (prepare(cls, ds, G, args.ch, x, y) for cls in (EMLP, MLP))
    rounds = [(median_step_ms(e["op"], x, y, args.steps), median_step_ms(m["op"], x, y, args.steps))
              for _ in range(args.rounds)]
    e["step_ms"], m["step_ms"] = (float(np.median(col)) for col in zip(*rounds, strict=True))
    ratio = float(np.median([a / b for a, b in rounds]))
    print("| figure | EMLP | MLP | EMLP / MLP |")
    print("|---|---:|---:|---:|")
    print(f"| parameters | {e['params']:,} | {m['params']:,} | |")
    print(f"| model construction (s) | {e['build']:.2f} | {m['build']:.2f} | |")
    print(f"| jit compile of the step (s) | {e['compile']:.2f} | {m['compile']:.2f} | |")
    print(f"| training step (ms, median) | {e['step_ms']:.2f} | {m['step_ms']:.2f} | "
          f"{ratio:.2f}× |")
    print(f"| equivariance error | {e['err']:.1e} | {m['err']:.1e} | |")


if __name__ == "__main__":
    main()
