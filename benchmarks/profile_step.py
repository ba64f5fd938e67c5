"""Where a training step spends its time: XLA's own profile of the seed model's step.

Traces jitted steps with ``jax.profiler``, sums each compiled XLA instruction's time over all
threads, and prints the heaviest ones with their result shape and the JAX operation they came
from (the ``op_name`` in the compiled HLO's metadata). Pin to one core for steady figures:

    taskset -c 0 python benchmarks/profile_step.py [--model EMLP|MLP] [--steps 20] [--top 25]
"""

from __future__ import annotations

import argparse
import collections
import glob
import re
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.cli.backends.objax import make_train_step
from emlp_sym.datasets import Inertia
from emlp_sym.groups import SO
from emlp_sym.nn import EMLP, MLP

_INSTRUCTION = re.compile(r"^\s*(?:ROOT )?%(\S+) = (\S+) ([\w-]+)\(")
_OP_NAME = re.compile(r'op_name="([^"]*)"')
# our per-example products are einsums whose operands all lead with the batch index n
_PER_EXAMPLE_EINSUM = re.compile(r"\(n\w*,n\w*->n\w*\)")


def hlo_instructions(hlo_text: str) -> dict:
    """Instruction name -> (result shape, JAX op_name, kind) for every instruction."""
    table = {}
    for line in hlo_text.splitlines():
        m = _INSTRUCTION.match(line)
        if m:
            op = _OP_NAME.search(line)
            op_name = op.group(1) if op else ""
            opcode = m.group(3)
            batched = opcode == "dot" and "lhs_batch_dims" in line
            if batched or _PER_EXAMPLE_EINSUM.search(op_name):
                kind = "batched dot (per-example products)"
            elif opcode == "dot" or op_name.endswith("dot_general"):
                kind = "dot (GEMM)"
            else:
                kind = "other (copies, concatenations, elementwise, ...)"
            table.setdefault(m.group(1), (m.group(2), op_name, kind))
    return table


def profile(train_op, args, steps: int) -> tuple[collections.Counter, float]:
    """Total microseconds per step of each traced event name, and the wall time per step."""
    with tempfile.TemporaryDirectory() as folder:
        jax.profiler.start_trace(folder)
        t0 = time.perf_counter()
        for _ in range(steps):
            jax.block_until_ready(train_op(*args))
        wall = (time.perf_counter() - t0) / steps
        jax.profiler.stop_trace()
        (path,) = glob.glob(f"{folder}/**/*.xplane.pb", recursive=True)
        data = jax.profiler.ProfileData.from_file(path)
        totals = collections.Counter()
        for plane in data.planes:
            for line in plane.lines:
                for event in line.events:
                    totals[event.name] += event.duration_ns / 1e3 / steps
    return totals, 1e3 * wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=("EMLP", "MLP"), default="EMLP")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    G, ds = SO(3), Inertia(1000)
    model = (EMLP if args.model == "EMLP" else MLP)(ds.rep_in, ds.rep_out, group=G, ch=384,
                                                    num_layers=3)
    train_op, _ = make_train_step(model)
    x = jnp.asarray(np.resize(ds.X, (args.batch, ds.X.shape[1])))
    y = jnp.asarray(np.resize(ds.Y, (args.batch, ds.Y.shape[1])))
    jax.block_until_ready(train_op(x, y, 3e-3))
    # objax.Jit keeps its jax.jit function and variables in _call and vc: lower it to read
    # the compiled module's instruction names
    hlo = train_op._call.lower(train_op.vc.tensors(), {}, x, y, 3e-3).compile().as_text()
    table = hlo_instructions(hlo)
    totals, wall_ms = profile(train_op, (x, y, 3e-3), args.steps)
    ops = collections.Counter({k: v for k, v in totals.items() if k in table})
    total = sum(ops.values())
    print(f"{args.model} step under the profiler: {wall_ms:.1f} ms wall; {len(ops)} XLA "
          f"instructions ran, {total / 1e3:.1f} ms summed over threads\n")
    kinds = collections.Counter()
    for name, us in ops.items():
        kinds[table[name][2]] += us
    print("| kind | ms / step | share |")
    print("|---|---:|---:|")
    for kind, us in kinds.most_common():
        print(f"| {kind} | {us / 1e3:.1f} | {us / total:.0%} |")
    print()
    print("| instruction | µs / step | share | shape | from |")
    print("|---|---:|---:|---|---|")
    for name, us in ops.most_common(args.top):
        shape, op_name, _ = table[name]
        print(f"| {name} | {us:,.0f} | {us / total:.1%} | `{shape}` | {op_name[-60:]} |")


if __name__ == "__main__":
    main()
