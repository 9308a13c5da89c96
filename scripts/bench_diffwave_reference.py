"""DiffWave (Kong et al. 2021) in PyTorch: a timing of the reference network and Ferry's
parity fixture, both from the reference implementation (lmnt-com/diffwave `model.py`).

Timing (the default) runs a rebuild of DiffWave BASE (residual_channels 64, 30 layers,
dilation cycle 10, two transposed-2-D-conv mel upsamplers, the diffusion-step MLP) with the
reference's module structure and parameter names, random weights, batch 1, CPU. It sums the
skip connections as it goes where the reference stacks all 30 first (the same arithmetic
without 30 full-length copies in memory); `--dump` checks it against the package's network.

One denoising step is timed on the whole utterance (the reference recomputes the mel
upsampler in every step, as here). The reverse process costs `steps` such steps, so the
real-time factor of N steps is N x this step's time per second of audio.

Usage: python scripts/bench_diffwave_reference.py --seconds 10 --threads 2 [--steps 6 12 50]
Prints the step time and, for each --steps value, the implied x real time.

Parity dump: `--dump OUT [--layers 4 --channels 8 --cycle 2 --frames 8 --batch 2 --seed 0]`
builds the network from PyPI `diffwave` (LMNT's own package, scripts/requirements-eval.txt)
with seeded random weights rounded to fp16 (the 128→512→512 step MLP is fixed in size; fp16
keeps the file small, and the file holds exactly the weights the outputs came from), and writes
  OUT/weights.safetensors   the state dict under the reference names (fp16)
  OUT/io.safetensors        one network evaluation: audio [B, T], mel [B, 80, F], step [B]
                            (integer) → eps [B, 1, T]; step_cont [1] (continuous) → eps_cont;
                            the package's fast sampler (`inference.predict`, 6 steps):
                            noise [6, B, T] (its draws: x_T, then one per step n = 5..1) →
                            audio_fast [B, T]"""
import argparse
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn


class DiffusionEmbedding(nn.Module):
    """The step MLP; forward takes the 128-wide sinusoidal encoding itself."""

    def __init__(self):
        super().__init__()
        self.projection1 = nn.Linear(128, 512)
        self.projection2 = nn.Linear(512, 512)

    def forward(self, encoding):
        return F.silu(self.projection2(F.silu(self.projection1(encoding))))


class SpectrogramUpsampler(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.ConvTranspose2d(1, 1, [3, 32], stride=[1, 16], padding=[1, 8])
        self.conv2 = nn.ConvTranspose2d(1, 1, [3, 32], stride=[1, 16], padding=[1, 8])

    def forward(self, x):
        return F.leaky_relu(self.conv2(F.leaky_relu(self.conv1(x.unsqueeze(1)), 0.4)), 0.4).squeeze(1)


class ResidualBlock(nn.Module):
    def __init__(self, n_mels, c, d):
        super().__init__()
        self.dilated_conv = nn.Conv1d(c, 2 * c, 3, padding=d, dilation=d)
        self.diffusion_projection = nn.Linear(512, c)
        self.conditioner_projection = nn.Conv1d(n_mels, 2 * c, 1)
        self.output_projection = nn.Conv1d(c, 2 * c, 1)

    def forward(self, x, c, e):
        y = self.dilated_conv(x + self.diffusion_projection(e).unsqueeze(-1)) + self.conditioner_projection(c)
        gate, filt = torch.chunk(y, 2, 1)
        y = torch.sigmoid(gate) * torch.tanh(filt)
        residual, skip = torch.chunk(self.output_projection(y), 2, 1)
        return (x + residual) / math.sqrt(2.0), skip


class DiffWave(nn.Module):
    def __init__(self, channels=64, layers=30, cycle=10, n_mels=80):
        super().__init__()
        self.input_projection = nn.Conv1d(1, channels, 1)
        self.diffusion_embedding = DiffusionEmbedding()
        self.spectrogram_upsampler = SpectrogramUpsampler()
        self.residual_layers = nn.ModuleList([ResidualBlock(n_mels, channels, 2 ** (i % cycle)) for i in range(layers)])
        self.skip_projection = nn.Conv1d(channels, channels, 1)
        self.output_projection = nn.Conv1d(channels, 1, 1)

    def forward(self, audio, step_encoding, mel):
        x = F.relu(self.input_projection(audio.unsqueeze(1)))
        e = self.diffusion_embedding(step_encoding)
        c = self.spectrogram_upsampler(mel)
        skip = None
        for layer in self.residual_layers:
            x, k = layer(x, c, e)
            skip = k if skip is None else skip + k
        return self.output_projection(F.relu(self.skip_projection(skip / math.sqrt(len(self.residual_layers)))))


def dump(a):
    from diffwave import inference
    from diffwave.model import DiffWave as ReferenceDiffWave
    from diffwave.params import AttrDict, params as base_params
    from safetensors.torch import save_file

    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    params = AttrDict(base_params).override(dict(residual_layers=a.layers, residual_channels=a.channels, dilation_cycle_length=a.cycle))
    net = ReferenceDiffWave(params).eval()
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name == "output_projection.weight":
                p.copy_(torch.randn_like(p) * 0.3)  # the reference starts it at zero
            elif name.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.05)
            p.copy_(p.half().float())
    b, t = a.batch, a.frames * params.hop_samples
    audio = torch.randn(b, t) * 0.5
    mel = torch.randn(b, params.n_mels, a.frames) * 2.0 - 5.0
    step = torch.randint(0, len(params.noise_schedule), (b,))
    step_cont = torch.tensor([12.37])
    with torch.no_grad():
        eps = net(audio, mel, step)
        eps_cont = net(audio, mel, step_cont)
        # The timed rebuild is this network: the same state dict loads strictly and agrees.
        rebuild = DiffWave(a.channels, a.layers, a.cycle, params.n_mels).eval()
        rebuild.load_state_dict(net.state_dict(), strict=True)
        err = (rebuild(audio, net.diffusion_embedding.embedding[step], mel) - eps).abs().max().item()
        assert err < 1e-5, f"the timing rebuild differs from the package's network by {err}"

        # The package's own sampler, with the model handed over through its model cache; its
        # noise comes from torch's generator, so the same seed replays the draws.
        inference.models["ferry-parity"] = net
        torch.manual_seed(a.seed + 1)
        audio_fast, _ = inference.predict(mel, model_dir="ferry-parity", device=torch.device("cpu"), fast_sampling=True)
        torch.manual_seed(a.seed + 1)
        steps = len(params.inference_noise_schedule)
        noise = torch.stack([torch.randn(b, t)] + [torch.randn(b, t) for _ in range(steps - 1)])
    state = {k: v.half().contiguous() for k, v in net.state_dict().items()}
    io = dict(audio=audio, mel=mel, step=step, eps=eps, step_cont=step_cont, eps_cont=eps_cont, noise=noise, audio_fast=audio_fast)
    os.makedirs(a.dump, exist_ok=True)
    save_file(state, os.path.join(a.dump, "weights.safetensors"))
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(a.dump, "io.safetensors"))
    print(
        f"diffwave_reference: {len(state)} tensors, eps std {eps.std().item():.4f}, audio_fast std {audio_fast.std().item():.4f}, "
        f"rebuild error {err:.2e}"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--steps", type=int, nargs="*", default=[6, 12, 50])
    ap.add_argument("--dump", metavar="OUT", help="write a random-weight parity fixture to OUT instead of timing")
    ap.add_argument("--layers", type=int, default=4, help="--dump: residual_layers")
    ap.add_argument("--channels", type=int, default=8, help="--dump: residual_channels")
    ap.add_argument("--cycle", type=int, default=2, help="--dump: dilation_cycle_length")
    ap.add_argument("--frames", type=int, default=8, help="--dump: mel frames")
    ap.add_argument("--batch", type=int, default=2, help="--dump: batch size")
    ap.add_argument("--seed", type=int, default=0, help="--dump: random seed")
    a = ap.parse_args()
    if a.dump:
        return dump(a)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    frames = int(a.seconds * 22050) // 256
    mel = torch.randn(1, 80, frames)
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
