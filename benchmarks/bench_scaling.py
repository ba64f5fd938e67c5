"""How the costs grow: EMLP and MLP training steps as the width and the batch grow, and basis
solves as the rep grows. Draws PNGs and writes a JSON; docs/scaling.md reads them.

Models are the core's own (``emlp_architecture`` / ``mlp_architecture`` for the seed's
Inertia task on SO(3), 3 layers by default; ``emlp_apply`` / ``mlp_apply``), trained by one
jitted Adam step on the MSE, so every front's step is this one plus its framework's
overhead. Per point:

* step time: median of ``--steps`` steps after the compiling one (``block_until_ready``);
* peak memory of the step: XLA's buffer assignment for the compiled step
  (``compiled.memory_analysis()``: arguments + outputs + temporaries - aliased), the same
  figure on CPU and GPU; on an accelerator also the device's ``peak_bytes_in_use``;
* the EMLP/MLP step ratio at each point.

Basis solves: cold ``equivariant_basis()`` of ``(V**k)(SO(3))`` (Lie constraint, orbits
then a dense or Krylov solve) and ``(V**4)(S(n))`` (orbits only), caches cleared first, and
the plan of the EMLP hidden ``Linear(uniform_rep(ch), uniform_rep(ch))`` (the bases of every
pair of its tensor types; size = the dense weight's ``size(rep)²`` entries, r = its
coefficients).

    python benchmarks/bench_scaling.py [--ch 96,192,384,768,1536] [--batch 500,2048,4096,16384]
        [--steps 3] [--out docs] [--json docs/scaling.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.datasets import Inertia
from emlp_sym.groups import SO, S
from emlp_sym.nn import (
    emlp_apply,
    emlp_architecture,
    emlp_plan,
    init_emlp,
    init_mlp,
    mlp_apply,
    mlp_architecture,
    uniform_rep,
)
from emlp_sym.nn.core.linear import linear_plan
from emlp_sym.nn.core.plan_cache import clear_caches
from emlp_sym.reps import V


def adam_step(apply):
    """One jitted Adam step (b1=0.9, b2=0.999, eps=1e-8, lr 3e-3) of ``apply(params, x)``."""

    def loss(params, x, y):
        return jnp.mean((apply(params, x) - y) ** 2)

    @jax.jit
    def step(params, m, v, t, x, y):
        value, g = jax.value_and_grad(loss)(params, x, y)
        t = t + 1
        m = jax.tree.map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = jax.tree.map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
        scale = 3e-3 * jnp.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        params = jax.tree.map(lambda p, m, v: p - scale * m / (jnp.sqrt(v) + 1e-8), params, m, v)
        return params, m, v, t, value

    return step


def peak_device_bytes():
    stats = jax.devices()[0].memory_stats() or {}
    return stats.get("peak_bytes_in_use")


def measure(model, ch, batch, steps, ds, G, num_layers=3):
    """Step time (ms), XLA's step memory (bytes), parameter count of one model."""
    t0 = time.perf_counter()
    if model == "EMLP":
        plan = emlp_plan(emlp_architecture(ds.rep_in, ds.rep_out, G, ch=ch,
                                           num_layers=num_layers))
        params, apply = init_emlp(plan, 0), (lambda p, x: emlp_apply(plan, p, x))
    else:
        arch = mlp_architecture(ds.rep_in, ds.rep_out, G, ch=ch, num_layers=num_layers)
        params, apply = init_mlp(arch, 0), (lambda p, x: mlp_apply(arch, p, x))
    build = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((batch, ds.X.shape[1])), jnp.float32)
    y = jnp.asarray(rng.standard_normal((batch, ds.Y.shape[1])), jnp.float32)
    zeros = jax.tree.map(jnp.zeros_like, params)
    state = (params, zeros, zeros, jnp.zeros((), jnp.float32))
    step = adam_step(apply)
    t0 = time.perf_counter()
    compiled = step.lower(*state, x, y).compile()
    compile_s = time.perf_counter() - t0
    mem = compiled.memory_analysis()
    xla_bytes = None if mem is None else int(
        mem.argument_size_in_bytes + mem.output_size_in_bytes + mem.temp_size_in_bytes
        - mem.alias_size_in_bytes)
    times = []
    # at least `steps` timed steps, more (up to 20) while under ~1 s: small points are noisy
    while len(times) < steps + 1 or (len(times) < 21 and sum(times[1:]) < 1.0):
        t0 = time.perf_counter()
        *state, value = step(*state, x, y)
        jax.block_until_ready(value)
        times.append(time.perf_counter() - t0)
    return dict(model=model, ch=ch, batch=batch, num_layers=num_layers,
                step_ms=1e3 * float(np.median(times[1:])),
                timed_steps=len(times) - 1,
                xla_step_bytes=xla_bytes, device_peak_bytes=peak_device_bytes(),
                params=int(sum(np.size(p) for p in jax.tree.leaves(params))),
                build_s=build, compile_s=compile_s)


def solve_times(powers, sizes, chs):
    rows = []
    for k in powers:
        clear_caches()
        rep = (V**k)(SO(3))
        t0 = time.perf_counter()
        r = rep.equivariant_basis().shape[1]
        rows.append(dict(case=f"(V**{k})(SO(3))", family="SO(3) tensors", size=rep.size(), r=r,
                         seconds=time.perf_counter() - t0))
    for n in sizes:
        clear_caches()
        rep = (V**4)(S(n))
        t0 = time.perf_counter()
        r = rep.equivariant_basis().shape[1]
        rows.append(dict(case=f"(V**4)(S({n}))", family="S(n) orbits", size=rep.size(), r=r,
                         seconds=time.perf_counter() - t0))
    for ch in chs:
        clear_caches()
        rep = uniform_rep(ch, SO(3))
        t0 = time.perf_counter()
        plan = linear_plan(rep, rep)
        rows.append(dict(case=f"Linear plan uniform_rep({ch}) → itself",
                         family="EMLP hidden layer", size=rep.size() ** 2,
                         r=int(plan.num_weights), seconds=time.perf_counter() - t0))
    return rows


def slope(xs, ys):
    """Exponent of the power law through the points (least squares in log-log)."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def plot(rows, solves, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for axis, fixed, name in (("ch", "batch", "scaling_ch.png"),
                              ("batch", "ch", "scaling_batch.png")):
        sweep = [r for r in rows if r["sweep"] == axis]
        if not sweep:
            continue
        fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 3.8))
        for model, style in (("EMLP", "o-"), ("MLP", "s--")):
            pts = sorted((r for r in sweep if r["model"] == model), key=lambda r: r[axis])
            xs = [r[axis] for r in pts]
            a1.plot(xs, [r["step_ms"] for r in pts], style, label=model)
            a2.plot(xs, [r["xla_step_bytes"] / 2**20 for r in pts], style, label=model)
        pairs = sorted({r[axis] for r in sweep})
        ratio = [next(r["step_ms"] for r in sweep if r["model"] == "EMLP" and r[axis] == v)
                 / next(r["step_ms"] for r in sweep if r["model"] == "MLP" and r[axis] == v)
                 for v in pairs]
        a3.plot(pairs, ratio, "o-", color="k")
        a3.set_ylim(0, max(ratio) * 1.2)
        for a, label in ((a1, "step (ms)"), (a2, "step memory, XLA (MiB)"),
                         (a3, "EMLP step / MLP step")):
            a.set_xscale("log")
            a.set_xticks(pairs, [str(v) for v in pairs])
            a.minorticks_off()
            if a is not a3:
                a.set_yscale("log")
                a.legend()
            a.set_xlabel(axis)
            a.set_ylabel(label)
        fixed_value = sweep[0][fixed]
        fig.suptitle(f"Adam step, Inertia / SO(3), {sweep[0]['num_layers']} layers, "
                     f"{fixed} = {fixed_value}")
        fig.tight_layout()
        fig.savefig(os.path.join(out, name), dpi=110)
        plt.close(fig)
    if solves:
        fig, ax = plt.subplots(figsize=(6, 4))
        for family, style in (("SO(3) tensors", "o-"), ("S(n) orbits", "s-"),
                              ("EMLP hidden layer", "^-")):
            pts = sorted((s for s in solves if s["family"] == family), key=lambda s: s["size"])
            if pts:
                ax.plot([s["size"] for s in pts], [s["seconds"] for s in pts], style,
                        label=family)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rep size (coordinates)")
        ax.set_ylabel("cold solve (s)")
        ax.legend()
        ax.set_title("Cold bases (SO(3), S(n)) and Linear plans (EMLP layer)")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "scaling_solve.png"), dpi=110)
        plt.close(fig)


def ints(text):
    return [int(v) for v in text.split(",") if v]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ch", type=ints, default=[96, 192, 384, 768, 1536])
    ap.add_argument("--batch", type=ints, default=[500, 2048, 4096, 16384])
    ap.add_argument("--fixed-ch", type=int, default=384, help="ch of the batch sweep")
    ap.add_argument("--fixed-batch", type=int, default=500, help="batch of the ch sweep")
    ap.add_argument("--steps", type=int, default=3, help="timed steps per point")
    ap.add_argument("--num-layers", type=int, default=3)
    ap.add_argument("--powers", type=ints, default=[3, 4, 5, 6, 7, 8])
    ap.add_argument("--sn", type=ints, default=[4, 6, 8, 12, 16, 20])
    ap.add_argument("--solve-ch", type=ints, default=[96, 192, 384, 768, 1536])
    ap.add_argument("--out", default="docs")
    ap.add_argument("--json", default="docs/scaling.json")
    ap.add_argument("--replot", default=None, metavar="JSON",
                    help="only redraw the PNGs from a JSON this script wrote")
    ap.add_argument("--budget", type=float, default=float("inf"),
                    help="seconds: start no new step point after this long (skipped points "
                         "are listed in the JSON)")
    args = ap.parse_args()
    if args.replot:
        with open(args.replot) as f:
            saved = json.load(f)
        plot(saved["rows"], saved["solves"], args.out)
        return
    ds, G = Inertia(100), SO(3)
    dev = jax.devices()[0]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    machine = (f"{platform.machine()}, {cores} usable cores, {dev.platform} "
               f"({getattr(dev, 'device_kind', '')}), JAX {jax.__version__}")
    print(machine, flush=True)
    t_start = time.perf_counter()
    solves = solve_times(args.powers, args.sn, args.solve_ch)
    for s in solves:
        print(f"solve {s['case']:40s} size {s['size']:7d} r {s['r']:6d} {s['seconds']:.3f} s",
              flush=True)
    rows, done, skipped = [], {}, []
    # the widest point last: its compile is the longest, and --budget may skip it
    chs = sorted(args.ch)
    points = [("ch", ch, args.fixed_batch) for ch in chs[:-1]]
    points += [("batch", args.fixed_ch, b) for b in args.batch]
    points += [("ch", ch, args.fixed_batch) for ch in chs[-1:]]
    for sweep, ch, batch in points:
        if time.perf_counter() - t_start > args.budget:
            skipped.append(dict(sweep=sweep, ch=ch, batch=batch))
            print(f"skipped {sweep} ch={ch} batch={batch}: over the {args.budget:.0f} s budget")
            continue
        for model in ("EMLP", "MLP"):
            if (model, ch, batch) not in done:  # a point both sweeps share is measured once
                done[model, ch, batch] = measure(model, ch, batch, args.steps, ds, G,
                                                 args.num_layers)
            r = {**done[model, ch, batch], "sweep": sweep}
            rows.append(r)
            print(f"{sweep:5s} {model:4s} ch={ch:5d} batch={batch:6d} step {r['step_ms']:9.2f} ms"
                  f"  XLA memory {r['xla_step_bytes'] / 2**20:8.1f} MiB  params {r['params']:,}"
                  f"  compile {r['compile_s']:.1f} s", flush=True)
    fits = {}
    for sweep, axis in (("ch", "ch"), ("batch", "batch")):
        for model in ("EMLP", "MLP"):
            pts = sorted((r for r in rows if r["sweep"] == sweep and r["model"] == model),
                         key=lambda r: r[axis])
            if len(pts) >= 2:  # the upper half: the small points are overhead-bound
                top = pts[len(pts) // 2 - (len(pts) % 2 == 0):]
                fits[f"{model} step vs {axis}"] = slope([r[axis] for r in top],
                                                        [r["step_ms"] for r in top])
                fits[f"{model} memory vs {axis}"] = slope([r[axis] for r in top],
                                                          [r["xla_step_bytes"] for r in top])
    for k, v in fits.items():
        print(f"exponent {k}: {v:.2f}")
    os.makedirs(args.out, exist_ok=True)
    plot(rows, solves, args.out)
    total = time.perf_counter() - t_start
    with open(args.json, "w") as f:
        json.dump(dict(machine=machine, seconds=total, steps=args.steps,
                       num_layers=args.num_layers, rows=rows,
                       skipped=skipped, solves=solves, exponents=fits), f, indent=1)
    print(f"wrote {args.json} and PNGs in {args.out} ({total:.0f} s)")


if __name__ == "__main__":
    main()
