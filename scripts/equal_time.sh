#!/usr/bin/env bash
# Candidates of one family trained for the same CPU time, one after another on one libtorch
# thread, then compared on their last validation (bench/TRAINING.md's equal-time tables).
#   scripts/equal_time.sh OUT CPU_MINUTES NAME=MODEL[:CONFIG] [NAME=MODEL[:CONFIG] ...]
# e.g. scripts/equal_time.sh runs/equal/gan 30 vocos-cpu=vocos compact-cpu=gan:bench/configs/hifigan-compact-cpu.json
# (CONFIG is a JSON file; without one the model trains its default preset)
# A finished candidate (its train.jsonl ends with a validation at the budget) is not rerun.
# DATA (default data/corpus/joe), VALIDATE_EVERY (default 500) and FERRY may be set.
set -euo pipefail
[ $# -ge 3 ] || { sed -n 2,7p "$0"; exit 2; }
OUT=$1; MINUTES=$2; shift 2
DATA=${DATA:-data/corpus/joe}
VALIDATE_EVERY=${VALIDATE_EVERY:-500}
FERRY=${FERRY:-./target/release/ferry}
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
hours=$(python3 -c "print($MINUTES / 60)")
for cand in "$@"; do
  name=${cand%%=*}; spec=${cand#*=}; model=${spec%%:*}; config=""
  [ "$spec" != "$model" ] && config=${spec#*:}
  dir="$OUT/$name"
  if [ -f "$dir/done" ]; then echo "$name: done already"; continue; fi
  resume=""; [ -f "$dir/checkpoint.safetensors" ] && resume="--resume"
  echo "$name: $model ${config:+--config $config} for $MINUTES CPU-minutes -> $dir"
  "$FERRY" --threads 1 train "$model" ${config:+--config "$config"} --data "$DATA" --out "$dir" \
    --steps 100000000 --cpu-hours "$hours" --validate-every "$VALIDATE_EVERY" --checkpoint-every 1000 \
    $resume 2>>"$dir.log" || { echo "$name: failed, see $dir.log"; continue; }
  grep -q "CPU-time budget is spent" "$dir.log" && touch "$dir/done"
done
echo
echo "| candidate | steps | CPU-minutes | last validation |"
echo "|---|---:|---:|---|"
for cand in "$@"; do
  name=${cand%%=*}
  python3 - "$OUT/$name/train.jsonl" "$name" <<'PY' || true
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
val = [r for r in rows if r.get("kind") == "val"]
if not val:
    print(f"| {sys.argv[2]} | | | no validation |"); sys.exit()
v = val[-1]
skip = {"kind", "step", "time_s", "cpu_s", "headline"}
figs = ", ".join(f"{k} {x:.4g}" for k, x in v.items() if k not in skip)
print(f"| {sys.argv[2]} | {v['step']} | {v['cpu_s'] / 60:.1f} | {figs} |")
PY
done
