//! The Vocos generator (C. Siuzdak, "Vocos: Closing the gap between time-domain and
//! Fourier-based neural vocoders for high-quality audio synthesis", 2023): a ConvNeXt
//! backbone at the mel's frame rate, a linear head that predicts a log-magnitude and a phase
//! per STFT bin, and an inverse STFT. Everything but the last step runs at ~86 frames per
//! second instead of 22 050 samples, which is why it costs ~20x less than HiFi-GAN's
//! upsampling stack.
//!
//! Weight names are the reference's (`backbone.embed`, `backbone.norm`,
//! `backbone.convnext.{i}.{dwconv,norm,pwconv1,pwconv2,gamma}`, `backbone.final_layer_norm`,
//! `head.out`), so a reference checkpoint loads by renaming nothing (its `head.istft.window`
//! buffer is recomputed).

use tch::{nn, nn::Module, Kind, Tensor};

use super::config::Config;
use crate::audio::stft_tch::StftTch;

/// ConvNeXt block: depthwise conv (k = 7) → LayerNorm → Linear(dim → intermediate) → GELU →
/// Linear(→ dim) → layer scale, plus the residual.
#[derive(Debug)]
pub struct ConvNeXtBlock {
    dwconv: nn::Conv1D,
    norm: nn::LayerNorm,
    pwconv1: nn::Linear,
    pwconv2: nn::Linear,
    /// `[dim]` layer scale.
    gamma: Tensor,
}

impl ConvNeXtBlock {
    pub fn new(p: nn::Path, dim: i64, intermediate_dim: i64, layer_scale: f64) -> Self {
        let conv = nn::ConvConfig { padding: 3, groups: dim, ws_init: trunc_normal(), bs_init: nn::Init::Const(0.0), ..Default::default() };
        let lin = nn::LinearConfig { ws_init: trunc_normal(), bs_init: Some(nn::Init::Const(0.0)), bias: true };
        Self {
            dwconv: nn::conv1d(&p / "dwconv", dim, dim, 7, conv),
            norm: nn::layer_norm(&p / "norm", vec![dim], layer_norm_config()),
            pwconv1: nn::linear(&p / "pwconv1", dim, intermediate_dim, lin),
            pwconv2: nn::linear(&p / "pwconv2", intermediate_dim, dim, lin),
            gamma: p.var("gamma", &[dim], nn::Init::Const(layer_scale)),
        }
    }

    /// `[B, dim, T]` → `[B, dim, T]`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let h = self.dwconv.forward(x).transpose(1, 2); // [B, T, dim]
        let h = self.pwconv2.forward(&self.pwconv1.forward(&self.norm.forward(&h)).gelu("none")) * &self.gamma;
        x + h.transpose(1, 2)
    }
}

/// `VocosBackbone`: embed conv (k = 7) → LayerNorm → ConvNeXt blocks → final LayerNorm.
#[derive(Debug)]
pub struct Backbone {
    embed: nn::Conv1D,
    norm: nn::LayerNorm,
    convnext: Vec<ConvNeXtBlock>,
    final_layer_norm: nn::LayerNorm,
}

impl Backbone {
    pub fn new(p: nn::Path, cfg: &Config, input_channels: i64) -> Self {
        let scale = cfg.layer_scale_init_value.filter(|&v| v > 0.0).unwrap_or(1.0 / cfg.num_layers as f64);
        let conv = nn::ConvConfig { padding: 3, ws_init: trunc_normal(), bs_init: nn::Init::Const(0.0), ..Default::default() };
        Self {
            embed: nn::conv1d(&p / "embed", input_channels, cfg.dim, 7, conv),
            norm: nn::layer_norm(&p / "norm", vec![cfg.dim], layer_norm_config()),
            convnext: (0..cfg.num_layers).map(|i| ConvNeXtBlock::new(&p / "convnext" / i, cfg.dim, cfg.intermediate_dim, scale)).collect(),
            final_layer_norm: nn::layer_norm(&p / "final_layer_norm", vec![cfg.dim], layer_norm_config()),
        }
    }

    /// `[B, n_mels, T]` → `[B, T, dim]`.
    pub fn forward(&self, mel: &Tensor) -> Tensor {
        let x = self.norm.forward(&self.embed.forward(mel).transpose(1, 2)).transpose(1, 2); // [B, dim, T]
        let x = self.convnext.iter().fold(x, |x, block| block.forward(&x));
        self.final_layer_norm.forward(&x.transpose(1, 2))
    }
}

/// `ISTFTHead`: Linear(dim → n_fft + 2) → log-magnitude and phase → complex spectrum →
/// "same"-padded inverse STFT (the voice's framing: `T` frames give `T · hop` samples).
#[derive(Debug)]
pub struct IstftHead {
    out: nn::Linear,
    istft: StftTch,
    n_freqs: i64,
}

impl IstftHead {
    pub fn new(p: nn::Path, cfg: &Config) -> Self {
        let lin = nn::LinearConfig { ws_init: trunc_normal(), bs_init: Some(nn::Init::Const(0.0)), bias: true };
        Self {
            out: nn::linear(&p / "out", cfg.dim, cfg.n_fft + 2, lin),
            istft: StftTch::with_sizes(cfg.n_fft as usize, cfg.hop_length as usize, cfg.n_fft as usize, p.device()),
            n_freqs: cfg.n_freqs(),
        }
    }

    /// `[B, T, dim]` → complex `[B, n_fft/2 + 1, T]` spectrum, in float32 whatever the
    /// backbone ran in.
    pub fn spectrum(&self, x: &Tensor) -> Tensor {
        let x = self.out.forward(x).transpose(1, 2).to_kind(Kind::Float); // [B, n_fft + 2, T]
        let mag = x.narrow(1, 0, self.n_freqs).exp().clamp_max(1e2); // the reference's safeguard
        let phase = x.narrow(1, self.n_freqs, self.n_freqs);
        Tensor::complex(&(&mag * phase.cos()), &(&mag * phase.sin()))
    }

    /// `[B, T, dim]` → `[B, T · hop]` waveform.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        self.istft.istft(&self.spectrum(x))
    }
}

/// The whole generator (`Vocos` without its feature extractor: the mel comes from the voice).
#[derive(Debug)]
pub struct VocosGenerator {
    pub cfg: Config,
    pub backbone: Backbone,
    pub head: IstftHead,
}

impl VocosGenerator {
    pub fn new(p: nn::Path, cfg: &Config, n_mels: i64) -> Self {
        Self { cfg: cfg.clone(), backbone: Backbone::new(&p / "backbone", cfg, n_mels), head: IstftHead::new(&p / "head", cfg) }
    }

    /// `[B, n_mels, T]` log-mel → `[B, T · hop]` waveform (not clipped: the reference's
    /// output is unbounded; callers clip for playback).
    pub fn forward(&self, mel: &Tensor) -> Tensor {
        self.head.forward(&self.backbone.forward(mel))
    }

    /// [`Self::forward`] with the backbone (all the matrix products) in bfloat16 autocast on
    /// `device` and the head's exponentials, trigonometry and inverse FFT in float32.
    pub fn forward_bf16(&self, mel: &Tensor) -> Tensor {
        let h = crate::train::autocast::bf16(true, mel.device(), || self.backbone.forward(mel));
        self.head.forward(&h.to_kind(Kind::Float))
    }
}

/// The reference's initialisation: truncated normal, σ = 0.02 (within ±2σ).
fn trunc_normal() -> nn::Init {
    // tch has no truncated normal; a normal with σ = 0.02 differs only beyond ±0.04, where
    // 4.6 % of the draws land. Training from scratch does not depend on the tails.
    nn::Init::Randn { mean: 0.0, stdev: 0.02 }
}

fn layer_norm_config() -> nn::LayerNormConfig {
    nn::LayerNormConfig { eps: 1e-6, ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn frames_in_hops_out_and_names_match_the_reference() {
        let vs = nn::VarStore::new(Device::Cpu);
        let cfg = Config::tiny();
        let g = VocosGenerator::new(vs.root(), &cfg, 80);
        let mel = Tensor::randn([2, 80, 17], (Kind::Float, Device::Cpu));
        let y = tch::no_grad(|| g.forward(&mel));
        assert_eq!(y.size(), [2, 17 * 256]);
        let names: Vec<String> = vs.variables().into_keys().collect();
        for n in [
            "backbone.embed.weight",
            "backbone.norm.bias",
            "backbone.convnext.1.dwconv.weight",
            "backbone.convnext.0.pwconv2.bias",
            "backbone.convnext.1.gamma",
            "backbone.final_layer_norm.weight",
            "head.out.weight",
        ] {
            assert!(names.contains(&n.to_string()), "{n} missing from {names:?}");
        }
        // The bf16 backbone stays close to the fp32 one.
        let y16 = tch::no_grad(|| g.forward_bf16(&mel));
        let rel = (&y16 - &y).abs().max().double_value(&[]) / y.abs().max().double_value(&[]).max(1e-9);
        assert!(rel < 0.1, "bf16 differs by {rel} of the peak");
    }
}
