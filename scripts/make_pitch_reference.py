#!/usr/bin/env python3
"""Reference F0 tracks for the pitch tracker's speech test (src/audio/pitch.rs).

librosa's pYIN on two fixture utterances, framed like Ferry's mel (reflect-pad
(1024 - 256) / 2 samples on both sides, 1024-sample frames, hop 256, no centring), so frame i
of the reference and of Ferry's tracker cover the same samples. Unvoiced frames are 0.
Writes data/fixtures/reference/<id>.pyin.npy (float32). Needs the main .venv (librosa).
"""

from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "fixtures"
IDS = ["fx-00001", "fx-00007"]


def main() -> None:
    out = FIXTURES / "reference"
    out.mkdir(exist_ok=True)
    for name in IDS:
        y, sr = sf.read(FIXTURES / "wavs" / f"{name}.wav", dtype="float32")
        padded = np.pad(y, (1024 - 256) // 2, mode="reflect")
        f0, voiced, _ = librosa.pyin(padded, fmin=60, fmax=800, sr=sr, frame_length=1024,
                                     hop_length=256, center=False)
        f0 = np.where(voiced, f0, 0.0).astype(np.float32)
        assert len(f0) == len(y) // 256, (len(f0), len(y))
        np.save(out / f"{name}.pyin.npy", f0)
        print(f"{name}: {len(f0)} frames, {voiced.mean() * 100:.0f} % voiced")


if __name__ == "__main__":
    main()
