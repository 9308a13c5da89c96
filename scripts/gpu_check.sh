#!/usr/bin/env bash
# One prepared run on a CUDA machine: every GPU benchmark the model issues ask for, and a short
# CUDA training run of each model (bf16 autocast) on the data fixture. Every command has its own
# time limit and a failure does not stop the rest; everything lands in one tarball under $OUT.
#
#   cargo build --release --no-default-features     # no libasound on headless GPU boxes
#   cp target/release/ferry ferry-gpu && strip ferry-gpu
#   cargo test --release --no-default-features --no-run --test ar_generate   # prints the test binary;
#   cp <that binary> ar_generate-gpu && strip ar_generate-gpu                # carried with ferry-gpu
#   FERRY_REVISION=<rev> OUT=/tmp/gpu bash scripts/gpu_check.sh   # on the GPU machine, from the repo root
# SECTIONS (tests goals profile train table folds), TEST_BINS, MODELS, STEPS and BUDGET (seconds) choose
# what runs.
set -u
BIN=${FERRY_BIN:-./ferry-gpu}
TORCH_LIB=${TORCH_LIB:-/opt/torch/.venv/lib/python3.12/site-packages/torch/lib}
export LD_LIBRARY_PATH="$TORCH_LIB:${LD_LIBRARY_PATH:-}"
export OMP_WAIT_POLICY=PASSIVE
DEVICE=${DEVICE:-cuda}
OUT=${OUT:-/tmp/ferry-gpu}
WORK=$(mktemp -d)
LOG=$WORK/gpu.log
mkdir -p "$WORK/results" "$WORK/train"

# Seconds from now after which no command starts (what is left still gets packed).
BUDGET=${BUDGET:-480}
DEADLINE=$(( $(date +%s) + BUDGET ))

run() {
  local limit=$1; shift
  local left=$(( DEADLINE - $(date +%s) ))
  if (( left < 5 )); then echo "### skipped (budget spent): $*" >>"$LOG"; return; fi
  (( limit > left )) && limit=$left
  (( limit > ${MAXCMD:-600} )) && limit=${MAXCMD:-600}   # MAXCMD=3 DEVICE=cpu: a dry run of the arguments
  echo "### $*" >>"$LOG"
  local t0=$(date +%s%N)
  timeout "$limit" "$@" >>"$LOG" 2>&1
  local rc=$?
  echo "### rc=$rc wall=$(( ($(date +%s%N) - t0) / 1000000 )) ms" >>"$LOG"
}

{ date -u; nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc; } >>"$LOG" 2>&1
echo "revision ${FERRY_REVISION:-unknown}" >>"$LOG"
run 30 "$BIN" --device $DEVICE voices

B="--device $DEVICE bench"
V="vocoder --results $WORK/results --thread-counts 4 --runs 5"
STEPS=${STEPS:-200}

tests() {  # test binaries built here and carried: their CUDA-only checks run on the GPU
  for t in ${TEST_BINS:-./ar_generate-gpu}; do
    [ -x "$t" ] && run 120 "$t" --test-threads 1
  done
}

goals() {  # acoustic frames/s, then each family's paper-config speed on the GPU
  run 60 $BIN $B acoustic --config full --runs 10
  run 60 $BIN $B $V --family gan --config v1
  run 60 $BIN --cudnn-benchmark $B $V --family gan --config v1
  run 60 $BIN --cudnn-benchmark $B $V --family gan --config v1 --precision bf16
  run 60 $BIN $B $V --family diffusion --config base --steps 6
  run 60 $BIN $B $V --family diffusion --config base --steps 6 --precision bf16
  run 60 $BIN $B $V --family flow --config paper
  run 60 $BIN $B $V --family flow --config paper --precision bf16
  run 120 $BIN $B ar --config 512 --engine graph,tch --seconds 10 --seq-seconds 1 --runs 2
  run 60 $BIN $B say --families gan --minutes 5
}

profile() {  # where the GPU time goes (kernel and op tables in the log, Chrome traces in the tarball)
  mkdir -p "$WORK/profile"
  run 60 $BIN --profile "$WORK/profile/gan-v1.json" $B vocoder --results "$WORK/results" --thread-counts 4 --runs 1 --family gan --config v1
  run 60 $BIN --profile "$WORK/profile/flow-paper.json" $B vocoder --results "$WORK/results" --thread-counts 4 --runs 1 --family flow --config paper
  run 60 $BIN --profile "$WORK/profile/diffusion-base.json" $B vocoder --results "$WORK/results" --thread-counts 4 --runs 1 --family diffusion --config base --steps 6
  run 60 $BIN --profile "$WORK/profile/ar-default.json" $B ar --config default --engine graph,tch --seconds 0.25 --seq-seconds 0 --runs 1
}

train() {  # CUDA training (bf16 autocast) of every model on the 14-utterance fixture
  for m in ${MODELS:-acoustic gan vae flow diffusion ar}; do
    run 45 $BIN --device $DEVICE train $m --data data/fixtures --out "$WORK/train/$m" --steps $STEPS \
      --log-every 20 --validate-every $((STEPS / 2)) --checkpoint-every $((STEPS / 2)) --hardware "$(nvidia-smi -L | head -1)"
  done
  run 30 $BIN --device $DEVICE export --checkpoint "$WORK/train/gan/checkpoint.safetensors" --voice "$WORK/train/voice"
}

table() {  # the rest of the table
  for c in v2 v3 compact; do run 45 $BIN $B $V --family gan --config $c; done
  run 45 $BIN $B $V --family gan --config v1 --precision bf16
  for st in 12 50; do run 60 $BIN $B $V --family diffusion --config base --steps $st; done
  run 45 $BIN $B $V --family flow --config compact
  run 45 $BIN $B $V --family vae --config compact
  run 60 $BIN $B $V --family ar --config default
  run 90 $BIN $B ar --config default --engine graph,tch --seconds 10 --seq-seconds 1 --runs 2
  run 90 $BIN $B say --families vae,flow,diffusion,ar --minutes 1
  run 30 $BIN $B acoustic --config full --runs 10 --symbols 400
}

folds() {  # WaveRNN on a GPU: shorter folds, more of them in parallel
  for tgt in 2750 1100; do
    run 60 $BIN $B ar --config default --engine graph --seconds 10 --seq-seconds 0 --runs 2 --fold-target $tgt --fold-overlap 275
  done
}

for section in ${SECTIONS:-tests goals profile train table folds}; do
  echo "## section $section" >>"$LOG"
  $section
done
find "$WORK/train" -name '*.safetensors' -delete
find "$WORK" -name '*.json' -size +40M -delete   # a trace too big to bring back
tar czf "$OUT/gpu.tgz" -C "$WORK" .
cp "$LOG" "$OUT/gpu.log"
