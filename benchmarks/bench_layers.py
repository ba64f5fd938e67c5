"""EMLP vs MLP training step, side by side in one run (the seed's model: Inertia, SO(3)).

Reports parameters, construction time (cold: solver caches empty), jit compile time of the
training step, the step time, and the model's equivariance error. Prints Markdown.

A third model, the same EMLP without its BiLinear layers, and the BiLinear layers' GEMM work
priced at the MLP's own rate (multiply-adds per second) give a floor for the EMLP step: what it
would take if every per-example product and every copy in the BiLinear layers were free.

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

from emlp_sym.cli.backends.objax import make_train_step
from emlp_sym.datasets import Inertia
from emlp_sym.groups import SO
from emlp_sym.nn import EMLP, MLP, Sequential
from emlp_sym.nn.objax.compat import ensure_objax
from emlp_sym.solvers import clear_caches
from emlp_sym.testing import equivariance_error


class EMLPWithoutBiLinear(ensure_objax().Module):
    """The EMLP's Linear and gate layers alone: what the BiLinear layers cost is the rest."""

    def __init__(self, rep_in, rep_out, group, num_layers, ch):
        super().__init__()
        reference = EMLP(rep_in, rep_out, group=group, num_layers=num_layers, ch=ch)
        layers = []
        for block in reference.network.layers[:-1]:
            layers += [block.linear, block.nonlinearity]
        self.network = Sequential(*layers, reference.network.layers[-1])
        self.bilinear_plans = [block.bilinear.plan for block in reference.network.layers[:-1]]

    def __call__(self, x, training=True):
        return self.network(x, training=training)


def bilinear_gemm_macs(plan) -> int:
    """Multiply-adds per example in a BiLinear layer's GEMMs (forward only)."""
    outs, ins = plan.out_blocks, plan.in_blocks
    return (sum(outs[j].s * K * outs[j].m for j, _, K, _ in plan.by_output)
            + sum(ins[i].s * ins[i].m * width for i, _, width, _ in plan.by_input))


def mlp_macs(model) -> int:
    return sum(int(np.prod(v.value.shape)) for k, v in model.vars().items() if k.endswith(".w"))


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
    return dict(params=n_params, build=build, compile=compile_s, err=err, op=train_op,
                model=model)


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
    e, m, nb = (prepare(cls, ds, G, args.ch, x, y) for cls in (EMLP, MLP, EMLPWithoutBiLinear))
    rounds = [tuple(median_step_ms(r["op"], x, y, args.steps) for r in (e, m, nb))
              for _ in range(args.rounds)]
    for r, col in zip((e, m, nb), zip(*rounds, strict=True), strict=True):
        r["step_ms"] = float(np.median(col))
    ratio, nb_ratio = (float(np.median([a / b[1] for a, b in zip(col, rounds, strict=True)]))
                       for col in ([r[0] for r in rounds], [r[2] for r in rounds]))
    print("| figure | EMLP | MLP | EMLP / MLP |")
    print("|---|---:|---:|---:|")
    print(f"| parameters | {e['params']:,} | {m['params']:,} | |")
    print(f"| model construction (s) | {e['build']:.2f} | {m['build']:.2f} | |")
    print(f"| jit compile of the step (s) | {e['compile']:.2f} | {m['compile']:.2f} | |")
    print(f"| training step (ms, median) | {e['step_ms']:.2f} | {m['step_ms']:.2f} | "
          f"{ratio:.2f}× |")
    print(f"| equivariance error | {e['err']:.1e} | {m['err']:.1e} | |")
    # the floor: EMLP without BiLinear, plus the BiLinear GEMMs (forward and two backward
    # products each) at the MLP step's own multiply-add rate
    rate = 3 * args.batch * mlp_macs(m["model"]) / m["step_ms"]
    gemm = 3 * args.batch * sum(bilinear_gemm_macs(p) for p in nb["model"].bilinear_plans)
    floor = nb["step_ms"] + gemm / rate
    print(f"\nEMLP without its BiLinear layers: {nb['step_ms']:.2f} ms, {nb_ratio:.2f}× the MLP. "
          f"The BiLinear GEMMs ({gemm / 1e6:.0f}M multiply-adds per step) at the MLP's rate "
          f"({rate / 1e6:.1f} GMAC/s): {gemm / rate:.2f} ms. Floor of the EMLP step: "
          f"{floor:.2f} ms, {floor / m['step_ms']:.2f}× the MLP.")


if __name__ == "__main__":
    main()
