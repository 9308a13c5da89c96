#!/bin/bash
# Ferry against PyTorch rebuilds of the reference implementations, in one run on one
# machine (release build, 10 s of audio, 2 threads, OMP_WAIT_POLICY=PASSIVE, random
# weights). Prints one line per measurement; bench/COMPARISONS.md records a run.
# Usage: scripts/bench_vs_reference.sh [gan] [diffusion] [flow] [ar]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE
py=.venv/bin/python
cargo build -q --release --bin ferry --example vocoder_rtf
rtf=target/release/examples/vocoder_rtf
ferry=target/release/ferry
what=${*:-gan diffusion flow ar}
for w in $what; do
  case $w in
    gan)
      for c in v1 v2 v3; do
        "$rtf" gan "$c" 10 2 3
        "$rtf" gan "$c" 10 2 3 bf16
        $py scripts/bench_hifigan_reference.py --config "$c" --seconds 10 --threads 2 --runs 3
      done ;;
    diffusion)
      for s in 6 12 50; do
        "$ferry" --threads 2 bench vocoder --family diffusion --config base --steps "$s" --seconds 10 --runs 1 --batch 1 --results "${RESULTS:-bench/results}" | tail -1
      done
      $py scripts/bench_diffwave_reference.py --seconds 10 --threads 2 --steps 6 12 50 ;;
    flow)
      "$rtf" flow paper 10 2 1 0.6
      $py scripts/bench_waveglow_reference.py --seconds 10 --threads 2 ;;
    ar)
      "$ferry" --threads 2 bench ar --config default --seconds 10 --seq-seconds 1 --runs 1 | tail -4
      "$ferry" --threads 2 bench ar --config 512 --seconds 10 --seq-seconds 1 --runs 1 | tail -4
      $py scripts/bench_wavernn_reference.py --seconds 10 --threads 2 --seq-seconds 1 ;;
    *) echo "unknown: $w (gan, diffusion, flow, ar)" >&2; exit 2 ;;
  esac
done
