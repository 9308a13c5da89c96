"""Times the generation loop of a PyTorch WaveRNN built like the widely used implementation
(fatchord/WaveRNN `models/fatchord_version.py`: input Linear, two GRUCells with residual
connections, fc1/fc2/fc3 with the auxiliary conditioning split in four, mixture-of-logistics
output with 10 components sampled every step), rnn_dims = fc_dims = 512, random weights,
on the CPU.

Folded: the utterance is cut into segments of `--target` samples with `--overlap` samples
on each side, generated as one batch (as `fold_with_overlap`). Sequential: batch 1, one
sample at a time, timed on `--seq-seconds` of audio. The mel upsampling network runs once
per utterance and is left out (its conditioning is random here): the per-sample loop is the
cost that matters, so this slightly flatters the reference.

Usage: python scripts/bench_wavernn_reference.py --seconds 10 --threads 2 [--seq-seconds 1]"""
import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn

RNN, FC, FEAT, AUX, MIX = 512, 512, 80, 32, 10


class Loop(nn.Module):
    def __init__(self):
        super().__init__()
        self.I = nn.Linear(FEAT + AUX + 1, RNN)
        self.rnn1 = nn.GRUCell(RNN, RNN)
        self.rnn2 = nn.GRUCell(RNN + AUX, RNN)
        self.fc1 = nn.Linear(RNN + AUX, FC)
        self.fc2 = nn.Linear(FC + AUX, FC)
        self.fc3 = nn.Linear(FC, 3 * MIX)

    def generate(self, mels, aux, steps):
        """mels [B, T, FEAT], aux [B, T, 4 * AUX] → samples [B, T]."""
        b = mels.size(0)
        h1 = torch.zeros(b, RNN)
        h2 = torch.zeros(b, RNN)
        x = torch.zeros(b, 1)
        a1, a2, a3, a4 = aux.split(AUX, dim=2)
        out = []
        for i in range(steps):
            inp = self.I(torch.cat([x, mels[:, i], a1[:, i]], dim=1))
            h1 = self.rnn1(inp, h1)
            y = inp + h1
            h2 = self.rnn2(torch.cat([y, a2[:, i]], dim=1), h2)
            y = y + h2
            y = F.relu(self.fc1(torch.cat([y, a3[:, i]], dim=1)))
            y = F.relu(self.fc2(torch.cat([y, a4[:, i]], dim=1)))
            x = sample_mol(self.fc3(y))
            out.append(x)
        return torch.cat(out, dim=1)


def sample_mol(y):
    """[B, 3·MIX] → [B, 1] in [-1, 1]: pick a component (Gumbel-max), sample its logistic."""
    logits, means, log_scales = y[:, :MIX], y[:, MIX : 2 * MIX], y[:, 2 * MIX :]
    g = logits - torch.log(-torch.log(torch.empty_like(logits).uniform_(1e-5, 1 - 1e-5)))
    one_hot = F.one_hot(g.argmax(dim=1), MIX).float()
    mean = (means * one_hot).sum(dim=1)
    log_scale = (log_scales * one_hot).sum(dim=1).clamp(min=-7.0)
    u = torch.empty_like(mean).uniform_(1e-5, 1 - 1e-5)
    return (mean + log_scale.exp() * (torch.log(u) - torch.log(1 - u))).clamp(-1, 1).unsqueeze(1)


def timed(loop, batch, steps):
    mels = torch.randn(batch, steps, FEAT)
    aux = torch.randn(batch, steps, 4 * AUX)
    t = time.perf_counter()
    loop.generate(mels, aux, steps)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seq-seconds", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--target", type=int, default=11000)
    ap.add_argument("--overlap", type=int, default=550)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    loop = Loop().eval()
    n = int(a.seconds * 22050)
    folds = max(1, (n - a.overlap) // (a.target + a.overlap))
    seg = a.target + 2 * a.overlap
    with torch.inference_mode():
        timed(loop, folds, 200)  # warm-up
        folded = timed(loop, folds, seg)
        seq_n = int(a.seq_seconds * 22050)
        seq = timed(loop, 1, seq_n) if seq_n > 0 else float("nan")
    print(
        f"reference-pytorch wavernn 512 threads={a.threads} folded: audio={n / 22050:.2f}s folds={folds}x{seg} "
        f"time={folded:.2f}s x_real_time={n / 22050 / folded:.3f}; sequential: audio={a.seq_seconds:.2f}s "
        f"time={seq:.2f}s x_real_time={a.seq_seconds / seq:.3f}"
    )


if __name__ == "__main__":
    main()
