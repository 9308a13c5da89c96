#!/usr/bin/env python3
"""librosa's side of `ferry bench mel`: times the DESIGN.md log-mel of a signal.

Usage: bench_mel.py SIGNAL.npy OUT_MEL.npy RUNS   → prints {"seconds": best_time} as JSON
"""
import json
import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from make_mel_fixtures import filterbank, log_mel  # noqa: E402


def main() -> int:
    y = np.load(sys.argv[1])
    runs = int(sys.argv[3])
    fb = filterbank()  # built once, as Ferry builds its extractor once
    mel = log_mel(y, fb)  # warm-up (and the output for the parity check)
    best = float("inf")
    for _ in range(max(1, runs)):
        t = time.perf_counter()
        log_mel(y, fb)
        best = min(best, time.perf_counter() - t)
    np.save(sys.argv[2], mel)
    print(json.dumps({"seconds": best}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
