"""Times a PyTorch DiffWave BASE built like the reference implementation (Kong et al. 2021,
lmnt-com/diffwave `model.py`: residual_channels 64, 30 layers, dilation cycle 10, two
transposed-2-D-conv mel upsamplers, the diffusion-step MLP), random weights, batch 1, CPU.

One denoising step is timed on the whole utterance (the reference recomputes the mel
upsampler in every step, as here). The reverse process costs `steps` such steps, so the
real-time factor of N steps is N x this step's time per second of audio.

Usage: python scripts/bench_diffwave_reference.py --seconds 10 --threads 2 [--steps 6 12 50]
Prints the step time and, for each --steps value, the implied x real time."""
import argparse
import math
import time

import torch
import torch.nn.functional as F
from torch import nn

C, LAYERS, CYCLE, N_MELS = 64, 30, 10, 80


class Residual(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dilated_conv = nn.Conv1d(C, 2 * C, 3, padding=d, dilation=d)
        self.diffusion_projection = nn.Linear(512, C)
        self.conditioner_projection = nn.Conv1d(N_MELS, 2 * C, 1)
        self.output_projection = nn.Conv1d(C, 2 * C, 1)

    def forward(self, x, e, c):
        y = self.dilated_conv(x + self.diffusion_projection(e).unsqueeze(-1)) + self.conditioner_projection(c)
        gate, filt = torch.chunk(y, 2, 1)
        y = torch.sigmoid(gate) * torch.tanh(filt)
        residual, skip = torch.chunk(self.output_projection(y), 2, 1)
        return (x + residual) / math.sqrt(2.0), skip


class DiffWave(nn.Module):
    def __init__(self):
        super().__init__()
        self.input_projection = nn.Conv1d(1, C, 1)
        self.projection1 = nn.Linear(128, 512)
        self.projection2 = nn.Linear(512, 512)
        self.up1 = nn.ConvTranspose2d(1, 1, [3, 32], stride=[1, 16], padding=[1, 8])
        self.up2 = nn.ConvTranspose2d(1, 1, [3, 32], stride=[1, 16], padding=[1, 8])
        self.residual_layers = nn.ModuleList([Residual(2 ** (i % CYCLE)) for i in range(LAYERS)])
        self.skip_projection = nn.Conv1d(C, C, 1)
        self.output_projection = nn.Conv1d(C, 1, 1)

    def forward(self, audio, step_emb, mel):
        x = F.relu(self.input_projection(audio.unsqueeze(1)))
        e = F.silu(self.projection2(F.silu(self.projection1(step_emb))))
        c = F.leaky_relu(self.up2(F.leaky_relu(self.up1(mel.unsqueeze(1)), 0.4)), 0.4).squeeze(1)
        skip = None
        for layer in self.residual_layers:
            x, k = layer(x, e, c)
            skip = k if skip is None else skip + k
        return self.output_projection(F.relu(self.skip_projection(skip / math.sqrt(LAYERS))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--steps", type=int, nargs="*", default=[6, 12, 50])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    frames = int(a.seconds * 22050) // 256
    mel = torch.randn(1, N_MELS, frames)
    audio = torch.randn(1, frames * 256)
    emb = torch.randn(1, 128)
    net = DiffWave().eval()
    best = float("inf")
    with torch.inference_mode():
        net(audio[:, : 256 * 8], emb, mel[:, :, :8])  # warm-up on a short piece
        for _ in range(a.runs):
            t = time.perf_counter()
            net(audio, emb, mel)
            best = min(best, time.perf_counter() - t)
    secs = frames * 256 / 22050
    implied = " ".join(f"{n}-steps_x_real_time={secs / (n * best):.4f}" for n in a.steps)
    print(f"reference-pytorch diffwave base threads={a.threads} audio={secs:.2f}s one_step={best:.3f}s {implied}")


if __name__ == "__main__":
    main()
