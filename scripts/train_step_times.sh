#!/usr/bin/env bash
# Seconds per training step of each model's default config, fp32 against bf16 autocast, at
# the given thread count: the table of bench/TRAINING.md. Each model runs STEPS steps per
# precision (the first WARMUP are not counted: allocation, first-call overheads); the two
# precisions alternate per model so both see the same machine load. GFLOP per step is the
# trainer's own count of the first step (matrix products and convolutions, forward and
# backward; the "cost" line of train.jsonl).
#   scripts/train_step_times.sh [DATA] [THREADS] [STEPS]
set -euo pipefail
DATA=${1:-data/fixtures}
THREADS=${2:-2}
STEPS=${3:-8}
WARMUP=2
FERRY=${FERRY:-./target/release/ferry}
export OMP_WAIT_POLICY=PASSIVE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| model (default config) | GFLOP/step | fp32 s/step | bf16 s/step | bf16 speed-up | steps per CPU-hour (bf16) |"
echo "|---|---:|---:|---:|---:|---:|"
for model in ${MODELS:-acoustic vocos gan vae flow ar diffusion}; do
  declare -A sps cps gfl
  for prec in fp32 bf16; do
    flag=""; [ "$prec" = fp32 ] && flag="--no-autocast"
    out="$tmp/$model-$prec"
    "$FERRY" --threads "$THREADS" train "$model" --data "$DATA" --out "$out" --steps "$STEPS" \
      --log-every 1 --validate-every 0 --checkpoint-every 0 $flag >/dev/null 2>&1 || { echo "| $model | failed | | | | |"; continue 2; }
    read -r s c g < <(python3 - "$out/train.jsonl" "$WARMUP" <<'PY'
import json, sys
all_rows = [json.loads(l) for l in open(sys.argv[1])]
rows = [r for r in all_rows if r["kind"] == "train"]
cost = [r["gflop"] for r in all_rows if r["kind"] == "cost"]
w = int(sys.argv[2])
a, b = rows[w - 1], rows[-1]
n = b["step"] - a["step"]
print((b["time_s"] - a["time_s"]) / n, (b["cpu_s"] - a["cpu_s"]) / n, cost[0] if cost else "nan")
PY
)
    sps[$prec]=$s; cps[$prec]=$c; gfl[$prec]=$g
  done
  python3 - "$model" "${gfl[fp32]}" "${sps[fp32]}" "${sps[bf16]}" "${cps[bf16]}" <<'PY'
import sys
m, g, f, b, c = sys.argv[1], *map(float, sys.argv[2:])
print(f"| {m} | {g:.1f} | {f:.3f} | {b:.3f} | {f / b:.2f}x | {3600 / c:.0f} |")
PY
done
