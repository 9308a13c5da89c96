"""A PyTorch WaveGlow built like the reference implementation (Prenger et al. 2019,
NVIDIA/waveglow `glow.py`: `WaveGlow` with `upsample`, `WN.{k}` and `convinv.{k}`, the same
module structure and parameter names; `config.json`: 12 flows, n_group 8, early output of 2
channels every 4 flows, WN of 8 layers with 256 channels, kernel 3), random weights, CPU.

The reference is not published as a package by its authors (its `infer` also allocates CUDA
tensors), so this faithful rebuild is the reference for Ferry's parity test
(tests/vocoder_parity.rs). Its `infer` takes the latent as an argument instead of drawing it,
in the order the reference draws it (the last flow's channels, then each early output on the
way down, laid out as `forward` returns them).

Timing (the default): the inverse pass (inference) with weight norm removed, as the
reference's inference does, at sigma 0.6, batch 1.

Usage: python scripts/bench_waveglow_reference.py --seconds 10 --threads 2 [--runs 1]

Parity dump: `--dump OUT [--n-mels 8 --flows 6 --early-every 2 --layers 2 --channels 8
--frames 6 --batch 2 --seed 0]` builds the network with weight norm live, as the reference
trains and saves it (`weight_g`, `weight_v`, `bias`), seeded random weights (the zero-initialised
`end` convolutions too, and the 1x1 convolutions moved off their initial rotations), and writes
  OUT/weights.safetensors   the state dict under the reference names
  OUT/io.safetensors        forward: mel [B, n_mels, F], audio [B, F * 256] → z [B, n_group, N],
                            log_s.{k} [B, c_k / 2, N], log_det_w [n_flows];
                            inverse: z_in [B, n_group, N] → audio_inv [B, F * 256]"""
import argparse
import os
import time
import warnings

import torch
import torch.nn.functional as F
from torch import nn


def weight_norm(m):
    # The reference's torch.nn.utils.weight_norm (parameters weight_g, weight_v).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.nn.utils.weight_norm(m, name="weight")


class Invertible1x1Conv(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv1d(c, c, kernel_size=1, stride=1, padding=0, bias=False)
        w = torch.linalg.qr(torch.randn(c, c))[0]
        if torch.det(w) < 0:
            w[:, 0] = -1 * w[:, 0]
        self.conv.weight.data = w.view(c, c, 1)

    def forward(self, z, reverse=False):
        batch_size, group_size, n_of_groups = z.size()
        w = self.conv.weight.squeeze()
        if reverse:
            if not hasattr(self, "W_inverse"):
                self.W_inverse = w.float().inverse()[..., None]
            return F.conv1d(z, self.W_inverse, bias=None, stride=1, padding=0)
        log_det_w = batch_size * n_of_groups * torch.slogdet(w)[1]
        return self.conv(z), log_det_w


class WN(nn.Module):
    def __init__(self, n_in_channels, n_mel_channels, n_layers, n_channels, kernel_size, norm=weight_norm):
        super().__init__()
        self.n_layers = n_layers
        self.n_channels = n_channels
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        self.start = norm(nn.Conv1d(n_in_channels, n_channels, 1))
        end = nn.Conv1d(n_channels, 2 * n_in_channels, 1)
        end.weight.data.zero_()
        end.bias.data.zero_()
        self.end = end
        self.cond_layer = norm(nn.Conv1d(n_mel_channels, 2 * n_channels * n_layers, 1))
        for i in range(n_layers):
            dilation = 2**i
            padding = (kernel_size * dilation - dilation) // 2
            self.in_layers.append(norm(nn.Conv1d(n_channels, 2 * n_channels, kernel_size, dilation=dilation, padding=padding)))
            res_skip_channels = 2 * n_channels if i < n_layers - 1 else n_channels
            self.res_skip_layers.append(norm(nn.Conv1d(n_channels, res_skip_channels, 1)))

    def forward(self, forward_input):
        audio, spect = forward_input
        audio = self.start(audio)
        output = torch.zeros_like(audio)
        c = self.n_channels
        spect = self.cond_layer(spect)
        for i in range(self.n_layers):
            acts = self.in_layers[i](audio) + spect[:, i * 2 * c : (i + 1) * 2 * c, :]
            acts = torch.tanh(acts[:, :c, :]) * torch.sigmoid(acts[:, c:, :])
            res_skip_acts = self.res_skip_layers[i](acts)
            if i < self.n_layers - 1:
                audio = audio + res_skip_acts[:, :c, :]
                output = output + res_skip_acts[:, c:, :]
            else:
                output = output + res_skip_acts
        return self.end(output)


class WaveGlow(nn.Module):
    def __init__(self, n_mel_channels, n_flows, n_group, n_early_every, n_early_size, WN_config, norm=weight_norm):
        super().__init__()
        self.upsample = nn.ConvTranspose1d(n_mel_channels, n_mel_channels, 1024, stride=256)
        self.n_flows = n_flows
        self.n_group = n_group
        self.n_early_every = n_early_every
        self.n_early_size = n_early_size
        self.WN = nn.ModuleList()
        self.convinv = nn.ModuleList()
        n_half = n_group // 2
        n_remaining_channels = n_group
        for k in range(n_flows):
            if k % self.n_early_every == 0 and k > 0:
                n_half = n_half - n_early_size // 2
                n_remaining_channels = n_remaining_channels - n_early_size
            self.convinv.append(Invertible1x1Conv(n_remaining_channels))
            self.WN.append(WN(n_half, n_mel_channels * n_group, norm=norm, **WN_config))
        self.n_remaining_channels = n_remaining_channels

    def squeeze_spect(self, spect):
        spect = spect.unfold(2, self.n_group, self.n_group).permute(0, 2, 1, 3)
        return spect.contiguous().view(spect.size(0), spect.size(1), -1).permute(0, 2, 1)

    def forward(self, forward_input):
        spect, audio = forward_input
        spect = self.upsample(spect)
        assert spect.size(2) >= audio.size(1)
        if spect.size(2) > audio.size(1):
            spect = spect[:, :, : audio.size(1)]
        spect = self.squeeze_spect(spect)
        audio = audio.unfold(1, self.n_group, self.n_group).permute(0, 2, 1)
        output_audio, log_s_list, log_det_w_list = [], [], []
        for k in range(self.n_flows):
            if k % self.n_early_every == 0 and k > 0:
                output_audio.append(audio[:, : self.n_early_size, :])
                audio = audio[:, self.n_early_size :, :]
            audio, log_det_w = self.convinv[k](audio)
            log_det_w_list.append(log_det_w)
            n_half = audio.size(1) // 2
            audio_0, audio_1 = audio[:, :n_half, :], audio[:, n_half:, :]
            output = self.WN[k]((audio_0, spect))
            log_s, b = output[:, n_half:, :], output[:, :n_half, :]
            audio_1 = torch.exp(log_s) * audio_1 + b
            log_s_list.append(log_s)
            audio = torch.cat([audio_0, audio_1], 1)
        output_audio.append(audio)
        return torch.cat(output_audio, 1), log_s_list, log_det_w_list

    def infer(self, spect, sigma=1.0, z=None):
        """The reference `infer`; `z` [B, n_group, N] (already scaled) replaces its noise draws."""
        spect = self.upsample(spect)
        time_cutoff = self.upsample.kernel_size[0] - self.upsample.stride[0]
        spect = self.squeeze_spect(spect[:, :, :-time_cutoff])
        b, n = spect.size(0), spect.size(2)
        early_at = self.n_group - self.n_remaining_channels
        audio = z[:, early_at:, :] if z is not None else sigma * torch.randn(b, self.n_remaining_channels, n)
        for k in reversed(range(self.n_flows)):
            n_half = audio.size(1) // 2
            audio_0, audio_1 = audio[:, :n_half, :], audio[:, n_half:, :]
            output = self.WN[k]((audio_0, spect))
            s, bias = output[:, n_half:, :], output[:, :n_half, :]
            audio_1 = (audio_1 - bias) / torch.exp(s)
            audio = torch.cat([audio_0, audio_1], 1)
            audio = self.convinv[k](audio, reverse=True)
            if k % self.n_early_every == 0 and k > 0:
                if z is not None:
                    early_at -= self.n_early_size
                    e = z[:, early_at : early_at + self.n_early_size, :]
                else:
                    e = sigma * torch.randn(b, self.n_early_size, n)
                audio = torch.cat((e, audio), 1)
        return audio.permute(0, 2, 1).contiguous().view(audio.size(0), -1)


def dump(a):
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    wn = dict(n_layers=a.layers, n_channels=a.channels, kernel_size=3)
    net = WaveGlow(a.n_mels, a.flows, 8, a.early_every, 2, wn).eval()
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("weight_g"):
                p.mul_(torch.empty_like(p).uniform_(0.6, 1.4))  # g apart from ‖v‖, so that g matters
            elif name.startswith("convinv."):
                p.add_(torch.randn_like(p) * 0.2)  # no longer a rotation: log|det W| is not 0
            elif ".end." in name:
                p.copy_(torch.randn_like(p) * 0.3)  # the reference starts these at zero (identity couplings)
            elif name.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.05)
    mel = torch.randn(a.batch, a.n_mels, a.frames)
    audio = torch.rand(a.batch, a.frames * 256) - 0.5
    n = a.frames * 256 // 8
    z_in = 0.6 * torch.randn(a.batch, 8, n)
    with torch.no_grad():
        z, log_s, log_det_w = net((mel, audio))
        audio_inv = net.infer(mel, z=z_in)
        back = net.infer(mel, z=z)
    err = (back - audio).abs().max().item()
    assert err < 1e-4, f"the rebuild's infer does not invert its forward ({err})"
    from safetensors.torch import save_file

    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    io = {"mel": mel, "audio": audio, "z": z, "log_det_w": torch.stack(log_det_w), "z_in": z_in, "audio_inv": audio_inv}
    io.update({f"log_s.{k}": s for k, s in enumerate(log_s)})
    os.makedirs(a.dump, exist_ok=True)
    save_file(state, os.path.join(a.dump, "weights.safetensors"))
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(a.dump, "io.safetensors"))
    print(
        f"waveglow_reference: {len(state)} tensors, z std {z.std().item():.4f}, audio_inv std {audio_inv.std().item():.4f} "
        f"peak {audio_inv.abs().max().item():.4f}, infer(forward) error {err:.2e}"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--sigma", type=float, default=0.6)
    ap.add_argument("--dump", metavar="OUT", help="write a random-weight parity fixture to OUT instead of timing")
    ap.add_argument("--n-mels", type=int, default=8, help="--dump: mel bands")
    ap.add_argument("--flows", type=int, default=6, help="--dump: n_flows")
    ap.add_argument("--early-every", type=int, default=2, help="--dump: n_early_every")
    ap.add_argument("--layers", type=int, default=2, help="--dump: WN n_layers")
    ap.add_argument("--channels", type=int, default=8, help="--dump: WN n_channels")
    ap.add_argument("--frames", type=int, default=6, help="--dump: mel frames")
    ap.add_argument("--batch", type=int, default=2, help="--dump: batch size")
    ap.add_argument("--seed", type=int, default=0, help="--dump: random seed")
    a = ap.parse_args()
    if a.dump:
        return dump(a)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = WaveGlow(80, 12, 8, 4, 2, dict(n_layers=8, n_channels=256, kernel_size=3), norm=lambda m: m).eval()
    for w in net.WN:
        nn.init.normal_(w.end.weight, std=0.01)
    frames = int(a.seconds * 22050) // 256
    mel = torch.randn(1, 80, frames)
    best = float("inf")
    with torch.inference_mode():
        for _ in range(a.runs):
            t = time.perf_counter()
            net.infer(mel, sigma=a.sigma)
            best = min(best, time.perf_counter() - t)
    secs = frames * 256 / 22050
    print(f"reference-pytorch waveglow paper threads={a.threads} sigma={a.sigma} audio={secs:.2f}s best={best:.3f}s x_real_time={secs / best:.3f}")


if __name__ == "__main__":
    main()
