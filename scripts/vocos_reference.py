#!/usr/bin/env python3
"""Reference outputs of Vocos for Ferry's parity test (tests/gan_vocos.rs).

Builds the reference implementation's generator from PyPI `vocos` (VocosBackbone +
ISTFTHead, as `Vocos.from_hparams` assembles them) with seeded random weights, runs it on a
seeded random log-mel, and writes:

  OUT/weights.safetensors   the state dict under the reference names (backbone.*, head.out.*),
                            without the head's window buffer (Ferry recomputes it)
  OUT/io.safetensors        mel [B, n_mels, T] and audio [B, T * hop]

Usage: vocos_reference.py OUT [--dim 64 --intermediate-dim 192 --num-layers 3 --frames 40]
"""
import argparse
import os

import torch
from safetensors.torch import save_file
from vocos.heads import ISTFTHead
from vocos.models import VocosBackbone


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n-mels", type=int, default=80)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--intermediate-dim", type=int, default=192)
    ap.add_argument("--num-layers", type=int, default=3)
    ap.add_argument("--n-fft", type=int, default=1024)
    ap.add_argument("--hop-length", type=int, default=256)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    backbone = VocosBackbone(input_channels=a.n_mels, dim=a.dim, intermediate_dim=a.intermediate_dim, num_layers=a.num_layers)
    head = ISTFTHead(dim=a.dim, n_fft=a.n_fft, hop_length=a.hop_length, padding="same")
    # The reference initialises biases to zero and the layer scale to 1 / num_layers: perturb
    # both so the test exercises every weight.
    with torch.no_grad():
        for name, p in list(backbone.named_parameters()) + list(head.named_parameters()):
            if name.endswith("bias") or name.endswith("gamma"):
                p.add_(torch.randn_like(p) * 0.05)
        # Keep the magnitudes moderate (exp of the head's first half).
        head.out.weight.mul_(0.5)
    backbone.eval()
    head.eval()

    mel = torch.randn(a.batch, a.n_mels, a.frames) * 2.0 - 4.0
    with torch.no_grad():
        audio = head(backbone(mel))

    state = {f"backbone.{k}": v.contiguous() for k, v in backbone.state_dict().items()}
    state.update({f"head.{k}": v.contiguous() for k, v in head.state_dict().items() if not k.startswith("istft.")})
    os.makedirs(a.out, exist_ok=True)
    save_file(state, os.path.join(a.out, "weights.safetensors"))
    save_file({"mel": mel.contiguous(), "audio": audio.contiguous()}, os.path.join(a.out, "io.safetensors"))
    print(f"vocos_reference: {len(state)} tensors, audio {list(audio.shape)}, peak {audio.abs().max().item():.4f}")


if __name__ == "__main__":
    main()
