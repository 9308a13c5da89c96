"""A PyTorch WaveRNN built like the widely used implementation (fatchord/WaveRNN
`models/fatchord_version.py`: `WaveRNN` with the mel `upsample` network (MelResNet +
stretch-and-smooth `up_layers`), input Linear `I`, two GRUs with residual connections,
fc1/fc2/fc3 with the auxiliary conditioning split in four; the same module structure and
parameter names), random weights, on the CPU.

That implementation is not published as a package (and its modules import the repository's
own utils and allocate CUDA tensors), so this faithful rebuild is the reference for Ferry's
parity test (tests/vocoder_parity.rs).

Timing (the default): the generation loop as the reference's `generate` runs it (GRUCells
sharing the GRUs' weights), mixture-of-logistics output with 10 components sampled every
step, rnn_dims = fc_dims = 512. Folded: the utterance is cut into segments of `--target`
samples with `--overlap` samples on each side, generated as one batch (as
`fold_with_overlap`). Sequential: batch 1, one sample at a time, timed on `--seq-seconds` of
audio. The mel upsampling network runs once per utterance and is left out (its conditioning
is random here): the per-sample loop is the cost that matters, so this slightly flatters
the reference.

Usage: python scripts/bench_wavernn_reference.py --seconds 10 --threads 2 [--seq-seconds 1]

Parity dump: `--dump OUT [--mode MOL|RAW --bits 9 --rnn-dims 32 --fc-dims 32 --compute-dims 16
--res-out-dims 16 --res-blocks 2 --pad 2 --frames 4 --batch 2 --seed 0]` (upsample factors
4, 8, 8: hop 256) draws seeded random weights and BatchNorm statistics, runs the reference's
teacher-forced `forward` (eval mode) and writes
  OUT/weights.safetensors   the whole state dict under the reference names (with the `step`
                            counter and BatchNorm `num_batches_tracked`, as its checkpoints)
  OUT/io.safetensors        x [B, F * 256] (previous samples), mels [B, 80, F + 2 pad]
                            → y [B, F * 256, n_classes]"""
import argparse
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

MIX = 10


class ResBlock(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.conv1 = nn.Conv1d(dims, dims, kernel_size=1, bias=False)
        self.conv2 = nn.Conv1d(dims, dims, kernel_size=1, bias=False)
        self.batch_norm1 = nn.BatchNorm1d(dims)
        self.batch_norm2 = nn.BatchNorm1d(dims)

    def forward(self, x):
        return self.batch_norm2(self.conv2(F.relu(self.batch_norm1(self.conv1(x))))) + x


class MelResNet(nn.Module):
    def __init__(self, res_blocks, in_dims, compute_dims, res_out_dims, pad):
        super().__init__()
        self.conv_in = nn.Conv1d(in_dims, compute_dims, kernel_size=pad * 2 + 1, bias=False)
        self.batch_norm = nn.BatchNorm1d(compute_dims)
        self.layers = nn.ModuleList([ResBlock(compute_dims) for _ in range(res_blocks)])
        self.conv_out = nn.Conv1d(compute_dims, res_out_dims, kernel_size=1)

    def forward(self, x):
        x = F.relu(self.batch_norm(self.conv_in(x)))
        for f in self.layers:
            x = f(x)
        return self.conv_out(x)


class Stretch2d(nn.Module):
    def __init__(self, x_scale, y_scale):
        super().__init__()
        self.x_scale, self.y_scale = x_scale, y_scale

    def forward(self, x):
        b, c, h, w = x.size()
        x = x.unsqueeze(-1).unsqueeze(3).repeat(1, 1, 1, self.y_scale, 1, self.x_scale)
        return x.view(b, c, h * self.y_scale, w * self.x_scale)


class UpsampleNetwork(nn.Module):
    def __init__(self, feat_dims, upsample_scales, compute_dims, res_blocks, res_out_dims, pad):
        super().__init__()
        total_scale = 1
        for s in upsample_scales:
            total_scale *= s
        self.indent = pad * total_scale
        self.resnet = MelResNet(res_blocks, feat_dims, compute_dims, res_out_dims, pad)
        self.resnet_stretch = Stretch2d(total_scale, 1)
        self.up_layers = nn.ModuleList()
        for scale in upsample_scales:
            k = (1, scale * 2 + 1)
            conv = nn.Conv2d(1, 1, kernel_size=k, padding=(0, scale), bias=False)
            conv.weight.data.fill_(1.0 / k[1])
            self.up_layers.append(Stretch2d(scale, 1))
            self.up_layers.append(conv)

    def forward(self, m):
        aux = self.resnet_stretch(self.resnet(m).unsqueeze(1)).squeeze(1)
        m = m.unsqueeze(1)
        for f in self.up_layers:
            m = f(m)
        m = m.squeeze(1)[:, :, self.indent : -self.indent]
        return m.transpose(1, 2), aux.transpose(1, 2)


class WaveRNN(nn.Module):
    def __init__(self, rnn_dims, fc_dims, bits, pad, upsample_factors, feat_dims, compute_dims, res_out_dims, res_blocks, mode="MOL"):
        super().__init__()
        self.n_classes = 2**bits if mode == "RAW" else 3 * MIX
        self.rnn_dims = rnn_dims
        self.aux_dims = res_out_dims // 4
        self.upsample = UpsampleNetwork(feat_dims, upsample_factors, compute_dims, res_blocks, res_out_dims, pad)
        self.I = nn.Linear(feat_dims + self.aux_dims + 1, rnn_dims)
        self.rnn1 = nn.GRU(rnn_dims, rnn_dims, batch_first=True)
        self.rnn2 = nn.GRU(rnn_dims + self.aux_dims, rnn_dims, batch_first=True)
        self.fc1 = nn.Linear(rnn_dims + self.aux_dims, fc_dims)
        self.fc2 = nn.Linear(fc_dims + self.aux_dims, fc_dims)
        self.fc3 = nn.Linear(fc_dims, self.n_classes)
        self.step = nn.Parameter(torch.zeros(1).long(), requires_grad=False)

    def forward(self, x, mels):
        """Teacher-forced: x [B, T] previous samples, mels [B, feat, T / hop + 2 pad] → [B, T, n_classes]."""
        self.step += 1
        h1 = torch.zeros(1, x.size(0), self.rnn_dims)
        h2 = torch.zeros(1, x.size(0), self.rnn_dims)
        mels, aux = self.upsample(mels)
        a1, a2, a3, a4 = aux.split(self.aux_dims, dim=2)
        x = self.I(torch.cat([x.unsqueeze(-1), mels, a1], dim=2))
        res = x
        x, _ = self.rnn1(x, h1)
        x = x + res
        res = x
        x, _ = self.rnn2(torch.cat([x, a2], dim=2), h2)
        x = x + res
        x = F.relu(self.fc1(torch.cat([x, a3], dim=2)))
        x = F.relu(self.fc2(torch.cat([x, a4], dim=2)))
        return self.fc3(x)

    def get_gru_cell(self, gru):
        cell = nn.GRUCell(gru.input_size, gru.hidden_size)
        cell.weight_hh.data = gru.weight_hh_l0.data
        cell.weight_ih.data = gru.weight_ih_l0.data
        cell.bias_hh.data = gru.bias_hh_l0.data
        cell.bias_ih.data = gru.bias_ih_l0.data
        return cell

    def generate_loop(self, cells, mels, aux, steps):
        """The reference `generate`'s per-sample loop: `cells` from `get_gru_cell` (made outside
        inference mode, as the reference makes them before its no_grad), mels [B, T, feat],
        aux [B, T, 4 aux] → samples [B, T]."""
        rnn1, rnn2 = cells
        b = mels.size(0)
        h1 = torch.zeros(b, self.rnn_dims)
        h2 = torch.zeros(b, self.rnn_dims)
        x = torch.zeros(b, 1)
        a1, a2, a3, a4 = aux.split(self.aux_dims, dim=2)
        out = []
        for i in range(steps):
            inp = self.I(torch.cat([x, mels[:, i], a1[:, i]], dim=1))
            h1 = rnn1(inp, h1)
            y = inp + h1
            h2 = rnn2(torch.cat([y, a2[:, i]], dim=1), h2)
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


def timed(net, cells, batch, steps):
    mels = torch.randn(batch, steps, 80)
    aux = torch.randn(batch, steps, 4 * net.aux_dims)
    t = time.perf_counter()
    net.generate_loop(cells, mels, aux, steps)
    return time.perf_counter() - t


def dump(a):
    from safetensors.torch import save_file

    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    factors = (4, 8, 8)
    net = WaveRNN(a.rnn_dims, a.fc_dims, a.bits, a.pad, factors, 80, a.compute_dims, a.res_out_dims, a.res_blocks, a.mode)
    with torch.no_grad():
        for name, m in net.named_modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.2)
                m.running_var.copy_(torch.empty_like(m.running_var).uniform_(0.5, 2.0))
                m.weight.copy_(torch.empty_like(m.weight).uniform_(0.5, 1.5))
                m.bias.copy_(torch.randn_like(m.bias) * 0.1)
                m.num_batches_tracked.fill_(1000)
        for conv in net.upsample.up_layers[1::2]:
            conv.weight.mul_(torch.empty_like(conv.weight).uniform_(0.5, 1.5))  # the reference starts them at the mean
    net.eval()
    hop = 4 * 8 * 8
    mels = torch.randn(a.batch, 80, a.frames + 2 * a.pad)
    x = (torch.rand(a.batch, a.frames * hop) * 2 - 1) * 0.8
    with torch.no_grad():
        y = net(x, mels)
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    os.makedirs(a.dump, exist_ok=True)
    save_file(state, os.path.join(a.dump, "weights.safetensors"))
    save_file({"x": x, "mels": mels, "y": y.contiguous()}, os.path.join(a.dump, "io.safetensors"))
    print(f"wavernn_reference: {a.mode}, {len(state)} tensors, y {list(y.shape)} std {y.std().item():.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seq-seconds", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--target", type=int, default=11000)
    ap.add_argument("--overlap", type=int, default=550)
    ap.add_argument("--dump", metavar="OUT", help="write a random-weight parity fixture to OUT instead of timing")
    ap.add_argument("--mode", default="MOL", choices=["MOL", "RAW"], help="--dump: output distribution")
    ap.add_argument("--bits", type=int, default=9, help="--dump: RAW classes = 2^bits")
    ap.add_argument("--rnn-dims", type=int, default=32, help="--dump")
    ap.add_argument("--fc-dims", type=int, default=32, help="--dump")
    ap.add_argument("--compute-dims", type=int, default=16, help="--dump")
    ap.add_argument("--res-out-dims", type=int, default=16, help="--dump")
    ap.add_argument("--res-blocks", type=int, default=2, help="--dump")
    ap.add_argument("--pad", type=int, default=2, help="--dump: mel frames of context on each side")
    ap.add_argument("--frames", type=int, default=4, help="--dump: mel frames")
    ap.add_argument("--batch", type=int, default=2, help="--dump: batch size")
    ap.add_argument("--seed", type=int, default=0, help="--dump: random seed")
    a = ap.parse_args()
    if a.dump:
        return dump(a)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    # The reference's hparams: rnn/fc 512, res_out_dims 128 (aux 32 per stream).
    net = WaveRNN(512, 512, 9, 2, (4, 8, 8), 80, 128, 128, 10, "MOL").eval()
    n = int(a.seconds * 22050)
    folds = max(1, (n - a.overlap) // (a.target + a.overlap))
    seg = a.target + 2 * a.overlap
    cells = (net.get_gru_cell(net.rnn1), net.get_gru_cell(net.rnn2))
    with torch.inference_mode():
        timed(net, cells, folds, 200)  # warm-up
        folded = timed(net, cells, folds, seg)
        seq_n = int(a.seq_seconds * 22050)
        seq = timed(net, cells, 1, seq_n) if seq_n > 0 else float("nan")
    print(
        f"reference-pytorch wavernn 512 threads={a.threads} folded: audio={n / 22050:.2f}s folds={folds}x{seg} "
        f"time={folded:.2f}s x_real_time={n / 22050 / folded:.3f}; sequential: audio={a.seq_seconds:.2f}s "
        f"time={seq:.2f}s x_real_time={a.seq_seconds / seq:.3f}"
    )


if __name__ == "__main__":
    main()
