#!/bin/bash
# HiFi-GAN real-time factor at batch 1 on the CPU: Ferry (folded, channels-last) and a
# PyTorch generator built like the reference, interleaved so both see the same machine load.
# Usage: scripts/bench_gan_rtf.sh [ROUNDS] [CONFIGS...]   e.g. scripts/bench_gan_rtf.sh 2 v1 v2 v3
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}; shift || true
configs=${*:-v1 v2 v3}
export OMP_WAIT_POLICY=PASSIVE
torch_lib=$(.venv/bin/python -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cargo=${CARGO:-cargo}
$cargo build -q --example vocoder_rtf
bin=${CARGO_TARGET_DIR:-target}/debug/examples/vocoder_rtf
for r in $(seq "$rounds"); do
  for c in $configs; do
    "$bin" gan "$c" 10 2 3
    .venv/bin/python scripts/bench_hifigan_reference.py --config "$c" --seconds 10 --threads 2 --runs 3
  done
done
