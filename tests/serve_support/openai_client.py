"""Drives `ferry serve` with the official `openai` SDK and decodes what it gets with
soundfile (libsndfile: mpg123 for mp3, libopus for Ogg Opus, libFLAC), then compares
each decoding with the WAV `ferry synth` wrote for the same text and seed.

usage: openai_client.py BASE_URL VOICE TEXT REFERENCE.wav REFERENCE_GRIFFIN_LIM.wav OUT_DIR
(the references: `ferry synth` with the voice's default vocoder, and with griffin-lim).
Prints one JSON object (the Rust test asserts on it)."""

import base64
import io
import json
import sys

import numpy as np
import openai
import soundfile as sf
from scipy.signal import resample_poly, stft

base, voice, text, reference, reference_gl, out_dir = sys.argv[1:7]
client = openai.OpenAI(base_url=base + "/v1", api_key="not-needed", max_retries=0, timeout=300)
ref, ref_rate = sf.read(reference, dtype="float64")
ref_gl, _ = sf.read(reference_gl, dtype="float64")
report = {"reference": {"samples": len(ref), "rate": ref_rate}, "formats": {}}


def spectra(x, rate):
    """Log-power spectrogram (20 ms Hann windows, 10 ms hop) up to 8 kHz, in dB."""
    f, _, z = stft(x, fs=rate, nperseg=rate // 50, noverlap=rate // 100)
    return 10 * np.log10(np.abs(z[f <= 8000]) ** 2 + 1e-10)


def compare(got, rate, ref=ref):
    """Length; the signal-to-error ratio after resampling the reference to `rate`; and, for
    codecs that keep the spectrum rather than the waveform (Opus on the random voice's
    noise-like audio), the correlation of the frame energies and the log-spectral distance."""
    want = ref if rate == ref_rate else resample_poly(ref, rate // np.gcd(rate, ref_rate), ref_rate // np.gcd(rate, ref_rate))
    n = min(len(got), len(want))
    err = got[:n] - want[:n]
    snr = 10 * np.log10(np.sum(want[:n] ** 2) / max(np.sum(err**2), 1e-20))
    g, w = spectra(got[:n], rate), spectra(want[:n], rate)
    energy_g, energy_w = 10 * np.log10(np.sum(10 ** (g / 10), axis=0)), 10 * np.log10(np.sum(10 ** (w / 10), axis=0))
    loud = energy_w > energy_w.max() - 40  # frames within 40 dB of the loudest
    return {"samples": len(got), "expected": len(want), "rate": rate, "snr_db": float(snr),
            "max_abs_err": float(np.max(np.abs(err))) if n else 0.0,
            "energy_corr": float(np.corrcoef(energy_g, energy_w)[0, 1]),
            "lsd_db": float(np.mean(np.sqrt(np.mean((g[:, loud] - w[:, loud]) ** 2, axis=0))))}


# Every format, whole file.
for fmt in ["mp3", "opus", "flac", "wav", "pcm"]:
    res = client.audio.speech.create(model="tts-1", voice=voice, input=text, response_format=fmt, extra_body={"seed": 0})
    data = res.content
    open(f"{out_dir}/whole.{fmt}", "wb").write(data)
    if fmt == "pcm":
        got, rate = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0, ref_rate
    else:
        got, rate = sf.read(io.BytesIO(data), dtype="float64")
    entry = compare(got, rate)
    entry["content_type"] = res.response.headers.get("content-type")
    report["formats"][fmt] = entry

# The random voice's tiny HiFi-GAN puts out little but a DC offset, which Opus (like any
# perceptual codec) drops; Griffin-Lim's audio has the acoustic model's spectra, so the
# lossy codecs are also checked on it.
for fmt in ["opus", "mp3"]:
    res = client.audio.speech.create(model="tts-1", voice=voice, input=text, response_format=fmt,
                                     extra_body={"seed": 0, "vocoder": "griffin-lim"})
    got, rate = sf.read(io.BytesIO(res.content), dtype="float64")
    report["formats"][fmt + "_griffin_lim"] = compare(got, rate, ref_gl)

# An OpenAI voice name speaks with the default voice; mp3 is the default format.
res = client.audio.speech.create(model="tts-1", voice="alloy", input=text)
got, rate = sf.read(io.BytesIO(res.content), dtype="float64")
report["alloy_default_mp3"] = compare(got, rate)

# Streaming, chunked bytes: one piece per sentence at least.
pieces = []
with client.audio.speech.with_streaming_response.create(
    model="tts-1", voice=voice, input=text, response_format="pcm", stream_format="audio"
) as res:
    for chunk in res.iter_bytes(chunk_size=None):
        pieces.append(chunk)
data = b"".join(pieces)
got = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0
report["stream_audio_pcm"] = compare(got, ref_rate)
report["stream_audio_pcm"]["pieces"] = len(pieces)

with client.audio.speech.with_streaming_response.create(
    model="tts-1", voice=voice, input=text, response_format="mp3", stream_format="audio"
) as res:
    data = b"".join(res.iter_bytes())
got, rate = sf.read(io.BytesIO(data), dtype="float64")
report["stream_audio_mp3"] = compare(got, rate)

# Server-sent events: speech.audio.delta (base64 pcm) ... speech.audio.done.
events = []
with client.audio.speech.with_streaming_response.create(
    model="tts-1", voice=voice, input=text, response_format="pcm", stream_format="sse"
) as res:
    report["sse_content_type"] = res.headers.get("content-type")
    for line in res.iter_lines():
        if line.startswith("data: "):
            events.append(json.loads(line[len("data: "):]))
audio = b"".join(base64.b64decode(e["audio"]) for e in events if e["type"] == "speech.audio.delta")
got = np.frombuffer(audio, dtype="<i2").astype(np.float64) / 32768.0
report["sse_pcm"] = compare(got, ref_rate)
report["sse_pcm"]["types"] = [e["type"] for e in events]

# Listings.
report["models"] = [m.id for m in client.models.list().data]

# The SDK raises OpenAI's typed errors from Ferry's error bodies.
try:
    client.audio.speech.create(model="tts-1", voice=voice, input=text, response_format="aac")
    report["aac_error"] = None
except openai.BadRequestError as e:
    report["aac_error"] = {"status": e.status_code, "message": e.body.get("message") if isinstance(e.body, dict) else str(e.body)}

print(json.dumps(report))
