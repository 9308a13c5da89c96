#!/usr/bin/env bash
# Evaluates the shipped voice on the teacher's reading of the first sentences of the test
# split (make eval-refs): text to speech and copy synthesis, every family the voice has plus
# Griffin-Lim, beside the teacher's own audio; copies the tables into voices/<voice>/eval/
# and regenerates the model card. The WAVs stay in runs/eval/ (not committed).
#   scripts/eval_voice.sh [VOICE] [REFS] [FAMILIES]
set -euo pipefail
VOICE=${1:-joe}
REFS=${2:-data/corpus/joe-test}
FAMILIES=${3:-all}
FERRY=${FERRY:-./target/release/ferry}
export OMP_WAIT_POLICY=PASSIVE HF_HUB_OFFLINE=1
out=runs/eval/$VOICE
dest=voices/$VOICE/eval
mkdir -p "$out" "$dest"
"$FERRY" eval --voice "$VOICE" -f "$REFS/metadata.csv" --reference "$REFS" --families "$FAMILIES" -o "$out/tts"
"$FERRY" eval --voice "$VOICE" --resynth "$REFS" --families "$FAMILIES" -o "$out/copy"
for mode in tts copy; do
  cp "$out/$mode/eval.md" "$dest/$mode.md"
  cp "$out/$mode/eval.json" "$dest/$mode.json"
  [ -f "$out/$mode/eval.png" ] && cp "$out/$mode/eval.png" "$dest/$mode.png"
done
"$FERRY" export --voice "voices/$VOICE"
echo "eval tables in $dest; MODEL_CARD.md regenerated"
