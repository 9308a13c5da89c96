"""MOS judge for `ferry eval`: predicted mean opinion score (1..5) of WAV files with
DistillMOS (Stahl & Gamper, 2025; PyPI `distillmos`, whose weights ship inside the package).

The audio is mixed to mono and resampled to 16 kHz, as the model expects. Nothing is
downloaded at run time.

Usage: judge_mos.py LIST.txt     (one WAV path per line)
Prints one JSON object: {"judge", "model", "results": [{"wav", "mos"}]}.
"""
import contextlib
import json
import os
import sys

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

MOS_RATE = 16000


def load_16k(path):
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if sr != MOS_RATE:
        g = np.gcd(sr, MOS_RATE)
        x = resample_poly(x, MOS_RATE // g, sr // g).astype(np.float32)
    return x


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: judge_mos.py LIST.txt (one WAV path per line)")
    try:
        import torch
        import distillmos
    except ImportError as e:
        sys.exit(f"MOS judge unavailable: {e}; install scripts/requirements-eval.txt into .venv (make venv)")
    torch.set_num_threads(int(os.environ.get("FERRY_JUDGE_THREADS", "2")))
    # The package prints where it loaded its weights from; keep stdout for the JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        model = distillmos.ConvTransformerSQAModel()
    model.eval()
    with open(sys.argv[1], encoding="utf-8") as f:
        wavs = [line.strip() for line in f if line.strip()]
    results = []
    with torch.no_grad():
        for wav in wavs:
            x = torch.from_numpy(load_16k(wav))[None, :]
            results.append({"wav": wav, "mos": float(model(x).item())})
    print(json.dumps({"judge": "mos", "model": f"DistillMOS {getattr(distillmos, '__version__', '')}".strip(),
                      "results": results}))


if __name__ == "__main__":
    main()
