#!/usr/bin/env bash
# One check of an accelerator machine, in under 5 minutes on a GPU: the layer benchmark
# (every installed front, EMLP vs MLP of the same width, the seed's Inertia / SO(3) model,
# batch 500 and 4096; benchmarks/bench_fronts.py) and three cold solver cases
# (benchmarks/bench_solvers.py), on whatever device JAX finds. Writes one JSON.
#
#   benchmarks/gpu_check.sh [OUT.json]                 default: gpu_check.json
#   ROUNDS=1 STEPS=2 BATCHES=500 benchmarks/gpu_check.sh /tmp/quick.json   (shorter, e.g. CPU)
#
# Settings (environment): ROUNDS (3), STEPS (5) per round, BATCHES (500,4096), FRAMEWORKS
# (objax,flax,linen,haiku,equinox,pytorch; the missing ones are skipped), SOLVERS (three
# bench_solvers.py labels, comma-separated). The PyTorch front runs on the CPU (it is
# CPU-native), and its torch.compile variants are skipped for time.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-gpu_check.json}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-5}
BATCHES=${BATCHES:-500,4096}
FRAMEWORKS=${FRAMEWORKS:-objax,flax,linen,haiku,equinox,pytorch}
SOLVERS=${SOLVERS:-"(V**8)(SO(3)),(V**4)(S(12)),uniform(384)>>uniform(384)"}
# JAX would otherwise reserve 75% of the GPU at its first array (emlp issue #7): grow instead
export XLA_PYTHON_CLIENT_PREALLOCATE=${XLA_PYTHON_CLIENT_PREALLOCATE:-false}
PYTHON=${PYTHON:-python}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
START=$(date +%s)

for batch in ${BATCHES//,/ }; do
  echo "== fronts, batch $batch"
  "$PYTHON" benchmarks/bench_fronts.py --batch "$batch" --rounds "$ROUNDS" --steps "$STEPS" \
    --frameworks "$FRAMEWORKS" --no-torch-compile --json "$TMP/fronts_$batch.json"
done
echo "== solvers"
"$PYTHON" benchmarks/bench_solvers.py --only "$SOLVERS" --json "$TMP/solvers.json"

"$PYTHON" - "$OUT" "$TMP" "$START" <<'PY'
import glob, json, platform, sys, time

import jax

out, tmp, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
fronts = []
for path in sorted(glob.glob(f"{tmp}/fronts_*.json")):
    with open(path) as f:
        fronts += json.load(f)
with open(f"{tmp}/solvers.json") as f:
    solvers = json.load(f)
dev = jax.devices()[0]
stats = dev.memory_stats() or {}
report = dict(
    date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    machine=f"{platform.machine()}, {platform.node()}",
    jax=jax.__version__, devices=[str(d) for d in jax.devices()],
    device_kind=getattr(dev, "device_kind", dev.platform),
    device_memory_bytes=stats.get("bytes_limit"),
    seconds=time.time() - start, fronts=fronts, solvers=solvers)
with open(out, "w") as f:
    json.dump(report, f, indent=1)
print(f"wrote {out}: {len(fronts)} front rows, {len(solvers)} solver cases on "
      f"{report['device_kind']} in {report['seconds']:.0f} s")
PY
