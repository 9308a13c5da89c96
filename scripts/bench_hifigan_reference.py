"""Times a PyTorch HiFi-GAN generator built like the reference implementation
(Kong et al. 2020, jik876/hifi-gan `models.py`: conv_pre, ConvTranspose1d ups, ResBlock1/2,
conv_post; weight norm removed), random weights, batch 1, on the CPU.

Usage: python scripts/bench_hifigan_reference.py --config v1 --seconds 10 --threads 2 [--runs 3]
Prints one line: config, threads, seconds of audio, best wall time, x real time.
`--channels-last` runs the same network on [B, C, 1, T] channels-last tensors (an experiment
showing the layout Ferry uses)."""
import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn

CONFIGS = {
    "v1": dict(resblock="1", rates=[8, 8, 2, 2], kernels=[16, 16, 4, 4], ch=512, rk=[3, 7, 11], rd=[[1, 3, 5]] * 3),
    "v2": dict(resblock="1", rates=[8, 8, 2, 2], kernels=[16, 16, 4, 4], ch=128, rk=[3, 7, 11], rd=[[1, 3, 5]] * 3),
    "v3": dict(resblock="2", rates=[8, 8, 4], kernels=[16, 16, 8], ch=256, rk=[3, 5, 7], rd=[[1, 2], [2, 6], [3, 12]]),
    "compact": dict(resblock="1", rates=[8, 8, 2, 2], kernels=[16, 16, 4, 4], ch=160, rk=[3, 7, 11], rd=[[1, 3, 5]] * 3),
}
SLOPE = 0.1


def pad(k, d):
    return (k * d - d) // 2


class Block1(nn.Module):
    def __init__(self, ch, k, ds):
        super().__init__()
        self.convs1 = nn.ModuleList([nn.Conv1d(ch, ch, k, 1, dilation=d, padding=pad(k, d)) for d in ds])
        self.convs2 = nn.ModuleList([nn.Conv1d(ch, ch, k, 1, padding=pad(k, 1)) for _ in ds])

    def forward(self, x):
        for a, b in zip(self.convs1, self.convs2):
            x = b(F.leaky_relu(a(F.leaky_relu(x, SLOPE)), SLOPE)) + x
        return x


class Block2(nn.Module):
    def __init__(self, ch, k, ds):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(ch, ch, k, 1, dilation=d, padding=pad(k, d)) for d in ds])

    def forward(self, x):
        for c in self.convs:
            x = c(F.leaky_relu(x, SLOPE)) + x
        return x


class Gen(nn.Module):
    def __init__(self, h, n_mels=80):
        super().__init__()
        self.nk = len(h["rk"])
        self.conv_pre = nn.Conv1d(n_mels, h["ch"], 7, 1, padding=3)
        self.ups = nn.ModuleList(
            [nn.ConvTranspose1d(h["ch"] >> i, h["ch"] >> (i + 1), k, u, padding=(k - u) // 2) for i, (u, k) in enumerate(zip(h["rates"], h["kernels"]))]
        )
        blk = Block1 if h["resblock"] == "1" else Block2
        self.resblocks = nn.ModuleList([blk(h["ch"] >> (i + 1), k, d) for i in range(len(self.ups)) for k, d in zip(h["rk"], h["rd"])])
        self.conv_post = nn.Conv1d(h["ch"] >> len(self.ups), 1, 7, 1, padding=3)

    def forward(self, x):
        x = self.conv_pre(x)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, SLOPE))
            xs = None
            for j in range(self.nk):
                y = self.resblocks[i * self.nk + j](x)
                xs = y if xs is None else xs + y
            x = xs / self.nk
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="v1", choices=sorted(CONFIGS))
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    g = Gen(CONFIGS[a.config]).eval()
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
