"""Cold equivariant-basis solves vs the reference library (../shared/REFERENCE.md).

Each case runs in a fresh Python process (nothing cached, JIT cold); we time the call
itself and also report the whole process. Prints a Markdown table.

    python benchmarks/bench_solvers.py [--quick] [--only SUBSTRING[,SUBSTRING...]]
        [--json rows.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time

# (label, setup expression, call, reference seconds)
CASES = [
    ("(V**4)(SO(3))", "(V**4)(SO(3))", "basis", 1.3),
    ("(V**5)(SO(3))", "(V**5)(SO(3))", "basis", 1.6),
    ("(V**6)(SO(3))", "(V**6)(SO(3))", "basis", 2.3),
    ("(V**8)(SO(3))", "(V**8)(SO(3))", "basis", 60.0),
    ("(V**3>>V**3)(SO(3))", "(V**3>>V**3)(SO(3))", "basis", 2.3),
    ("(V**3>>V)(O(5))", "(V**3>>V)(O(5))", "basis", 5.1),
    ("(V**2>>V**2)(SO13())", "(V**2>>V**2)(SO13())", "basis", 2.0),
    ("(V**4)(Sp(2))", "(V**4)(Sp(2))", "basis", 1.5),
    ("(V**4)(S(6))", "(V**4)(S(6))", "basis", 5.2),
    ("(V**4)(S(8))", "(V**4)(S(8))", "basis", 7.2),
    ("(V**4)(S(12))", "(V**4)(S(12))", "basis", 52.0),
    ("(V**3)(S(10))", "(V**3)(S(10))", "basis", 7.4),
    ("(V**3)(S(16))", "(V**3)(S(16))", "basis", 5.0),
    ("(V**2>>V**2)(S(5))", "(V**2>>V**2)(S(5))", "basis", 2.0),
    ("(V**4)(Z(6))", "(V**4)(Z(6))", "basis", 1.8),
    ("(V**2>>V**2)(S(20))", "(V**2>>V**2)(S(20))", "basis", 549.0),
    ("(V**4)(O(5))", "(V**4)(O(5))", "basis", 7.0),
    ("(V**4)(SO13())", "(V**4)(SO13())", "basis", 2.1),
    ("uniform(384)>>uniform(384) SO(3), projector",
     "uniform_rep(384,SO(3))>>uniform_rep(384,SO(3))", "projector", 69.0),
    ("exact (V**4)(S(6))", "(V**4)(S(6))", "exact", None),
    ("exact (V**4)(SO(3))", "(V**4)(SO(3))", "exact", None),
    ("exact (V**6)(SO(3))", "(V**6)(SO(3))", "exact", None),
]

CHILD = r"""
import time, json, sys
t_import = time.perf_counter()
from emlp_sym.groups import *
from emlp_sym.reps import V, T, Scalar
from emlp_sym.nn import uniform_rep
import numpy as np
t0 = time.perf_counter()
rep = {setup}
kind = {kind!r}
if kind == "basis":
    Q = rep.equivariant_basis(); r = Q.shape[1]
elif kind == "exact":
    Q = rep.equivariant_basis(exact=True); r = Q.shape[1]
else:
    P = rep.equivariant_projector(); r = P.rank
    v = np.random.default_rng(0).standard_normal(rep.size()); (P @ v)
t1 = time.perf_counter()
print(json.dumps(dict(size=rep.size(), r=int(r), seconds=t1 - t0)))
"""


def run_case(setup, kind):
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD.format(setup=setup, kind=kind)],
                         capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    if out.returncode:
        return dict(error=out.stderr.strip().splitlines()[-1], wall=wall)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall"] = wall
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="",
                    help="run the cases whose label contains one of these comma-separated "
                         "substrings")
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    ap.add_argument("--quick", action="store_true",
                    help="skip the cases over a minute for the reference")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()}, "
          f"python {platform.python_version()}\n")
    print("| case | size | r | emlp_sym call (s) | process (s) | reference (s) | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    wanted = args.only.split(",")
    rows = []
    for label, setup, kind, ref in CASES:
        if not any(w in label for w in wanted) or (args.quick and ref and ref > 60):
            continue
        res = run_case(setup, kind)
        rows.append(dict(case=label, reference_s=ref, **res))
        if "error" in res:
            print(f"| {label} | | | error: {res['error']} | | {ref or '—'} | |")
            continue
        speed = f"{ref / res['seconds']:.0f}×" if ref else "—"
        print(f"| {label} | {res['size']} | {res['r']} | {res['seconds']:.3f} | "
              f"{res['wall']:.1f} | {ref if ref else '—'} | {speed} |", flush=True)
    if args.json is not None:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
