#!/usr/bin/env python3
"""Reference log-mels from librosa for Ferry's mel parity tests.

Writes data/fixtures/mel/<name>.wav.npy (the float32 input signal) and
<name>.librosa.npy (the log-mel, [n_mels, frames]) for a few signals, using the mel of
DESIGN.md: reflect-pad (n_fft - hop) / 2, center=False, periodic Hann window,
sqrt(re^2 + im^2 + 1e-9), Slaney mel filterbank (librosa's default), ln(max(x, 1e-5)).

Run: .venv/bin/python scripts/make_mel_fixtures.py   (deterministic; re-running gives the same files)
"""
import sys
from pathlib import Path

import librosa
import numpy as np

SR, N_FFT, HOP, WIN, N_MELS, FMIN, FMAX = 22050, 1024, 256, 1024, 80, 0.0, 8000.0


def filterbank(fmax: float = FMAX) -> np.ndarray:
    return librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS, fmin=FMIN, fmax=fmax)


def log_mel(y: np.ndarray, fb: np.ndarray | None = None) -> np.ndarray:
    fb = filterbank() if fb is None else fb
    pad = (N_FFT - HOP) // 2
    yp = np.pad(y, (pad, pad), mode="reflect")
    spec = librosa.stft(yp, n_fft=N_FFT, hop_length=HOP, win_length=WIN, window="hann", center=False)
    mag = np.sqrt(spec.real.astype(np.float64) ** 2 + spec.imag.astype(np.float64) ** 2 + 1e-9)
    return np.log(np.maximum(fb @ mag, 1e-5)).astype(np.float32)


def signals(root: Path):
    t = np.arange(SR, dtype=np.float64) / SR
    rng = np.random.default_rng(1234)
    chirp = 0.4 * np.sin(2 * np.pi * (100 * t + 1500 * t * t)) + 0.02 * rng.standard_normal(SR)
    yield "chirp", chirp.astype(np.float32)
    speech, sr = librosa.load(root / "data/samples/teacher.wav", sr=None, mono=True)
    assert sr == SR, sr
    yield "speech", speech[: SR + 300].astype(np.float32)  # not a multiple of the hop on purpose


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    out = root / "data/fixtures/mel"
    out.mkdir(parents=True, exist_ok=True)
    for name, y in signals(root):
        np.save(out / f"{name}.wav.npy", y)
        mel = log_mel(y)
        assert mel.shape == (N_MELS, len(y) // HOP), mel.shape
        np.save(out / f"{name}.librosa.npy", mel)
        print(f"{name}: {len(y)} samples -> mel {mel.shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
