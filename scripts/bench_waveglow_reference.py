"""Times a PyTorch WaveGlow built like the reference implementation (Prenger et al. 2019,
NVIDIA/waveglow `glow.py`, config.json: 12 flows, n_group 8, early output of 2 channels
every 4 flows, WN of 8 layers with 256 channels, kernel 3), random weights with weight
norm removed, inverse pass (inference) at sigma 0.6, batch 1, CPU.

Usage: python scripts/bench_waveglow_reference.py --seconds 10 --threads 2 [--runs 1]"""
import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn

N_FLOWS, N_GROUP, EARLY_EVERY, EARLY_SIZE, LAYERS, C, N_MELS = 12, 8, 4, 2, 8, 256, 80


class WN(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.start = nn.Conv1d(n_in, C, 1)
        self.end = nn.Conv1d(C, 2 * n_in, 1)
        nn.init.normal_(self.end.weight, std=0.01)
        self.cond_layer = nn.Conv1d(N_MELS * N_GROUP, 2 * C * LAYERS, 1)
        self.in_layers = nn.ModuleList([nn.Conv1d(C, 2 * C, 3, dilation=2**i, padding=2**i) for i in range(LAYERS)])
        self.res_skip_layers = nn.ModuleList([nn.Conv1d(C, 2 * C if i < LAYERS - 1 else C, 1) for i in range(LAYERS)])

    def forward(self, audio, spect):
        audio = self.start(audio)
        output = torch.zeros_like(audio)
        spect = self.cond_layer(spect)
        for i in range(LAYERS):
            acts = self.in_layers[i](audio) + spect[:, i * 2 * C : (i + 1) * 2 * C]
            acts = torch.tanh(acts[:, :C]) * torch.sigmoid(acts[:, C:])
            rs = self.res_skip_layers[i](acts)
            if i < LAYERS - 1:
                audio = audio + rs[:, :C]
                output = output + rs[:, C:]
            else:
                output = output + rs
        return self.end(output)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--sigma", type=float, default=0.6)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    upsample = nn.ConvTranspose1d(N_MELS, N_MELS, 1024, stride=256)
    channels = []
    remaining = N_GROUP
    for k in range(N_FLOWS):
        if k % EARLY_EVERY == 0 and k > 0:
            remaining -= EARLY_SIZE
        channels.append(remaining)
    wns = [WN(c // 2).eval() for c in channels]
    inverses = [torch.linalg.qr(torch.randn(c, c))[0].inverse()[..., None] for c in channels]  # computed once, as in inference
    frames = int(a.seconds * 22050) // 256
    mel = torch.randn(1, N_MELS, frames)

    def infer():
        spect = upsample(mel)[:, :, : -(1024 - 256)]
        spect = spect.unfold(2, N_GROUP, N_GROUP).permute(0, 2, 1, 3).contiguous()
        spect = spect.view(1, spect.size(1), -1).permute(0, 2, 1)
        audio = a.sigma * torch.randn(1, channels[-1], spect.size(2))
        for k in reversed(range(N_FLOWS)):
            half = audio.size(1) // 2
            a0, a1 = audio[:, :half], audio[:, half:]
            out = wns[k](a0, spect)
            b, s = out[:, :half], out[:, half:]
            audio = torch.cat([a0, (a1 - b) / torch.exp(s)], 1)
            audio = F.conv1d(audio, inverses[k])
            if k % EARLY_EVERY == 0 and k > 0:
                audio = torch.cat([a.sigma * torch.randn(1, EARLY_SIZE, spect.size(2)), audio], 1)
        return audio.permute(0, 2, 1).reshape(1, -1)

    best = float("inf")
    with torch.inference_mode():
        for _ in range(a.runs):
            t = time.perf_counter()
            infer()
            best = min(best, time.perf_counter() - t)
    secs = frames * 256 / 22050
    print(f"reference-pytorch waveglow paper threads={a.threads} sigma={a.sigma} audio={secs:.2f}s best={best:.3f}s x_real_time={secs / best:.3f}")


if __name__ == "__main__":
    main()
