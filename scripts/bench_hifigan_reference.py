"""A PyTorch HiFi-GAN generator built like the reference implementation (Kong et al. 2020,
jik876/hifi-gan `models.py`: `Generator` with conv_pre, ConvTranspose1d ups, ResBlock1/2,
conv_post, the same module structure and parameter names), random weights, on the CPU.

The reference is not published as a package by its authors, so this faithful rebuild is the
reference for Ferry's parity test (tests/vocoder_parity.rs).

Timing (the default): weight norm removed, as the reference's inference does; batch 1.

Usage: python scripts/bench_hifigan_reference.py --config v1 --seconds 10 --threads 2 [--runs 3]
Prints one line: config, threads, seconds of audio, best wall time, x real time.
`--channels-last` runs the same network on [B, C, 1, T] channels-last tensors (an experiment
showing the layout Ferry uses).

Parity dump: `--dump OUT [--config v1 --channels 32 --frames 8 --batch 2 --seed 0]` builds
the generator at `--channels` initial channels with weight norm live, as the reference
trains it and as its checkpoints store it (`weight_g`, `weight_v`, `bias`), draws seeded
random weights and a seeded log-mel, and writes
  OUT/weights.safetensors   the generator's state dict under the reference names
  OUT/io.safetensors        mel [B, 80, F] and audio [B, 1, F * 256]"""
import argparse
import os
import time
import warnings

import torch
import torch.nn.functional as F
from torch import nn

CONFIGS = {
    "v1": dict(resblock="1", rates=[8, 8, 2, 2], kernels=[16, 16, 4, 4], ch=512, rk=[3, 7, 11], rd=[[1, 3, 5]] * 3),
    "v2": dict(resblock="1", rates=[8, 8, 2, 2], kernels=[16, 16, 4, 4], ch=128, rk=[3, 7, 11], rd=[[1, 3, 5]] * 3),
    "v3": dict(resblock="2", rates=[8, 8, 4], kernels=[16, 16, 8], ch=256, rk=[3, 5, 7], rd=[[1, 2], [2, 6], [3, 12]]),
    "compact": dict(resblock="1", rates=[8, 8, 2, 2], kernels=[16, 16, 4, 4], ch=160, rk=[3, 7, 11], rd=[[1, 3, 5]] * 3),
}
LRELU_SLOPE = 0.1


def get_padding(k, d):
    return (k * d - d) // 2


def no_norm(m):
    return m


def weight_norm(m):
    # The reference's torch.nn.utils.weight_norm (parameters weight_g, weight_v); newer
    # PyTorch deprecates it in favour of parametrizations, which would rename them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.nn.utils.weight_norm(m)


class ResBlock1(nn.Module):
    def __init__(self, ch, k, ds, norm=no_norm):
        super().__init__()
        self.convs1 = nn.ModuleList([norm(nn.Conv1d(ch, ch, k, 1, dilation=d, padding=get_padding(k, d))) for d in ds])
        self.convs2 = nn.ModuleList([norm(nn.Conv1d(ch, ch, k, 1, dilation=1, padding=get_padding(k, 1))) for _ in ds])

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            x = c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE)) + x
        return x


class ResBlock2(nn.Module):
    def __init__(self, ch, k, ds, norm=no_norm):
        super().__init__()
        self.convs = nn.ModuleList([norm(nn.Conv1d(ch, ch, k, 1, dilation=d, padding=get_padding(k, d))) for d in ds])

    def forward(self, x):
        for c in self.convs:
            x = c(F.leaky_relu(x, LRELU_SLOPE)) + x
        return x


class Generator(nn.Module):
    def __init__(self, h, n_mels=80, norm=no_norm):
        super().__init__()
        self.num_kernels = len(h["rk"])
        self.conv_pre = norm(nn.Conv1d(n_mels, h["ch"], 7, 1, padding=3))
        self.ups = nn.ModuleList(
            [
                norm(nn.ConvTranspose1d(h["ch"] >> i, h["ch"] >> (i + 1), k, u, padding=(k - u) // 2))
                for i, (u, k) in enumerate(zip(h["rates"], h["kernels"]))
            ]
        )
        blk = ResBlock1 if h["resblock"] == "1" else ResBlock2
        self.resblocks = nn.ModuleList([blk(h["ch"] >> (i + 1), k, d, norm) for i in range(len(self.ups)) for k, d in zip(h["rk"], h["rd"])])
        self.conv_post = norm(nn.Conv1d(h["ch"] >> len(self.ups), 1, 7, 1, padding=3))

    def forward(self, x):
        x = self.conv_pre(x)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU_SLOPE))
            xs = None
            for j in range(self.num_kernels):
                y = self.resblocks[i * self.num_kernels + j](x)
                xs = y if xs is None else xs + y
            x = xs / self.num_kernels
        return torch.tanh(self.conv_post(F.leaky_relu(x)))


def to_4d(m):
    """Same network on [B, C, 1, T]: each Conv1d/ConvTranspose1d becomes its 2-D twin."""
    for name, c in m.named_children():
        if isinstance(c, (nn.Conv1d, nn.ConvTranspose1d)):
            two = nn.Conv2d if isinstance(c, nn.Conv1d) else nn.ConvTranspose2d
            n = two(c.in_channels, c.out_channels, (1, c.kernel_size[0]), (1, c.stride[0]), (0, c.padding[0]), dilation=(1, c.dilation[0]))
            n.weight.data = c.weight.data.unsqueeze(2)
            n.bias.data = c.bias.data
            setattr(m, name, n.to(memory_format=torch.channels_last))
        else:
            to_4d(c)
    return m


def dump(a):
    """Seeded random weights (weight norm live) and a seeded mel through the reference network."""
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    h = dict(CONFIGS[a.config], ch=a.channels)
    g = Generator(h, norm=weight_norm).eval()
    with torch.no_grad():
        for name, p in g.named_parameters():
            if name.endswith("weight_v"):
                p.copy_(torch.randn_like(p))
            elif name.endswith("weight_g"):
                # Every filter's norm, drawn apart from ‖v‖ so that g matters.
                p.copy_(torch.empty_like(p).uniform_(0.6, 1.4))
            elif name.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.1)
    mel = torch.randn(a.batch, 80, a.frames) * 2.0 - 5.0
    with torch.no_grad():
        audio = g(mel)
    from safetensors.torch import save_file

    state = {k: v.contiguous() for k, v in g.state_dict().items()}
    os.makedirs(a.dump, exist_ok=True)
    save_file(state, os.path.join(a.dump, "weights.safetensors"))
    save_file({"mel": mel.contiguous(), "audio": audio.contiguous()}, os.path.join(a.dump, "io.safetensors"))
    print(f"hifigan_reference: {len(state)} tensors, audio {list(audio.shape)}, std {audio.std().item():.4f}, peak {audio.abs().max().item():.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="v1", choices=sorted(CONFIGS))
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--dump", metavar="OUT", help="write a random-weight parity fixture to OUT instead of timing")
    ap.add_argument("--channels", type=int, default=32, help="--dump: upsample_initial_channel")
    ap.add_argument("--frames", type=int, default=8, help="--dump: mel frames")
    ap.add_argument("--batch", type=int, default=2, help="--dump: batch size")
    ap.add_argument("--seed", type=int, default=0, help="--dump: random seed")
    a = ap.parse_args()
    if a.dump:
        return dump(a)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    g = Generator(CONFIGS[a.config]).eval()
    frames = int(a.seconds * 22050) // 256
    mel = torch.randn(1, 80, frames)
    if a.channels_last:
        g = to_4d(g)
        mel = mel.unsqueeze(2).contiguous(memory_format=torch.channels_last)
    best = float("inf")
    with torch.inference_mode():
        g(mel)
        for _ in range(a.runs):
            t = time.perf_counter()
            g(mel)
            best = min(best, time.perf_counter() - t)
    audio = frames * 256 / 22050
    print(f"reference-pytorch {a.config} threads={a.threads} channels_last={a.channels_last} audio={audio:.2f}s best={best:.3f}s x_real_time={audio / best:.1f}")


if __name__ == "__main__":
    main()
