"""Every front's training step, side by side in one run (the seed's model: Inertia, SO(3)).

Each framework's backend (``emlp_sym.cli.backends``: the front's own idiom, a jitted or
compiled Adam step on the MSE) trains ``Standardize(EMLP(ch=384, num_layers=3))`` and the MLP
of the same width, batch 500. Reported per front: construction (cold: solver caches emptied
first), the first step (compilation), the median step, the step against the objax front's
EMLP step and against the same front's MLP. The steps are timed in alternating rounds, and
each ratio is the median of the per-round ratios, so a noisy neighbour slows all alike.

PyTorch runs in a process of its own (same rounds, against its own MLP): interleaved with XLA's
steps in one process, torch's OpenMP threads and XLA's spinning thread pool starve each other
(steps 10-100× slower on 2 cores), which measures the interleaving, not the front.

    python benchmarks/bench_fronts.py [--rounds 7] [--steps 5] [--frameworks objax,flax,...]
        [--batch 500] [--json rows.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time

import jax
import numpy as np

from emlp_sym.cli.backends import FRAMEWORKS, get_backend
from emlp_sym.datasets import Inertia
from emlp_sym.groups import SO
from emlp_sym.solvers import clear_caches

# the framework each front needs, to skip the fronts that are not installed
NEEDS = {"objax": "objax", "flax": "flax", "linen": "flax", "haiku": "haiku",
         "equinox": "equinox", "pytorch": "torch"}


def variants(frameworks, torch_compile=True):
    """(label, framework, model, backend options): PyTorch also runs compiled."""
    out = []
    for fw in frameworks:
        out += [(fw, fw, "EMLP", {}), (f"{fw} MLP", fw, "MLP", {})]
        if fw == "pytorch" and torch_compile:
            out += [("pytorch compiled", fw, "EMLP", {"compile": True}),
                    ("pytorch compiled MLP", fw, "MLP", {"compile": True})]
    return out


def build(fw, model, options, ds, G, x, y, ch):
    clear_caches()
    t0 = time.perf_counter()
    backend = get_backend(fw)(model, ds.rep_in, ds.rep_out, G, ch, 3, ds.stats, 0, **options)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    backend.step(x, y, 3e-3)
    first = time.perf_counter() - t0
    return backend, built, first


def median_step_ms(backend, x, y, steps):
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        backend.step(x, y, 3e-3)  # returns a float: the step has finished
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ch", type=int, default=384)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--steps", type=int, default=5, help="steps per round")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    ap.add_argument("--table-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    ap.add_argument("--no-torch-compile", action="store_true",
                    help="skip the torch.compile variants (30-60 s of compiling each)")
    args = ap.parse_args()
    frameworks = [f for f in args.frameworks.split(",")
                  if importlib.util.find_spec(NEEDS[f]) is not None]
    torch_apart = "pytorch" in frameworks and len(frameworks) > 1
    if torch_apart:
        frameworks.remove("pytorch")
    G, ds = SO(3), Inertia(max(args.batch, 1000))
    x = np.resize(ds.X, (args.batch, ds.X.shape[1])).astype(np.float32)
    y = np.resize(ds.Y, (args.batch, ds.Y.shape[1])).astype(np.float32)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for mod in ("jax", "objax", "flax", "haiku", "equinox", "optax", "torch"):
        if importlib.util.find_spec(mod) is not None:
            versions.append(f"{mod} {importlib.import_module(mod).__version__}")
    if not args.table_only:
        print(f"machine: {platform.machine()}, {cores} usable cores, "
              f"{jax.devices()[0].platform}; {', '.join(versions)}\nInertia, SO(3), "
              f"ch={args.ch}, 3 layers, batch {args.batch}, Adam; {args.rounds} alternating "
              f"rounds of {args.steps} steps\n")

    runs = {}
    for label, fw, model, options in variants(frameworks, not args.no_torch_compile):
        runs[label] = dict(zip(("backend", "build", "first"),
                               build(fw, model, options, ds, G, x, y, args.ch), strict=True))
        runs[label]["fw"], runs[label]["model"] = fw, model
    rounds = [{label: median_step_ms(r["backend"], x, y, args.steps)
               for label, r in runs.items()} for _ in range(args.rounds)]

    def ratio(a, b):
        return float(np.median([r[a] / r[b] for r in rounds]))

    if not args.table_only:
        print("| front | construction (s) | first step (s) | step (ms) | vs objax EMLP "
              "| vs its MLP |")
        print("|---|---:|---:|---:|---:|---:|")
    rows = []
    for label, r in runs.items():
        step = float(np.median([rd[label] for rd in rounds]))
        vs_objax = (f"{ratio(label, 'objax'):.2f}×" if r["model"] == "EMLP" and "objax" in runs
                    else "")
        mlp = f"{label} MLP" if label != "pytorch compiled" else "pytorch compiled MLP"
        vs_mlp = f"{ratio(label, mlp):.2f}×" if mlp in runs and r["model"] == "EMLP" else ""
        print(f"| {label} | {r['build']:.2f} | {r['first']:.2f} | {step:.2f} | {vs_objax} "
              f"| {vs_mlp} |", flush=True)
        rows.append(dict(front=label, framework=r["fw"], model=r["model"], ch=args.ch,
                         batch=args.batch,
                         device="cpu (torch)" if r["fw"] == "pytorch" else str(jax.devices()[0]),
                         construction_s=r["build"], first_step_s=r["first"], step_ms=step,
                         vs_objax_emlp=vs_objax.rstrip("×") or None,
                         vs_its_mlp=vs_mlp.rstrip("×") or None))
    if torch_apart:
        child_json = [] if args.json is None else ["--json", args.json + ".pytorch"]
        child_json += ["--no-torch-compile"] if args.no_torch_compile else []
        subprocess.run([sys.executable, __file__, "--frameworks", "pytorch", "--table-only",
                        "--ch", str(args.ch), "--batch", str(args.batch),
                        "--steps", str(args.steps), "--rounds", str(args.rounds), *child_json],
                       check=True)
        if args.json is not None:
            with open(args.json + ".pytorch") as f:
                rows += json.load(f)
            os.remove(args.json + ".pytorch")
    if args.json is not None:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()

