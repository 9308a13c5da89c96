//! The conditional VAE vocoder (`cvae`): q(z | x, mel) from [`PosteriorEncoder`], p(z | mel)
//! from [`PriorEncoder`] or N(0, I), and a decoder from `[mel; z]` (`[B, n_mels + z, F]`)
//! to the waveform: a HiFi-GAN generator (Kong et al., NeurIPS 2020: transposed-conv
//! upsampling with multi-receptive-field residual blocks) or a Vocos generator (Siuzdak,
//! 2023: ConvNeXt blocks at the frame rate and an inverse STFT). Trained by the ELBO with no
//! discriminator (D. P. Kingma and M. Welling, "Auto-encoding variational Bayes", 2014).
//!
//! Weights live in two stores: `vae` (`prior.*`, `dec.*`: what inference needs and the voice
//! pack holds; under `dec.` each decoder keeps its reference's names) and `encoder`
//! (`enc.*`: training only).

use tch::{nn, Kind, Tensor};

use super::config::{Config, DecoderConfig, PriorKind};
use super::encoders::{PosteriorEncoder, PriorEncoder};
use crate::vocoder::gan::vocos::VocosGenerator;
use crate::vocoder::gan::Generator;

/// The decoder network of [`DecoderConfig`].
#[derive(Debug)]
pub enum Decoder {
    HifiGan(Generator),
    Vocos(VocosGenerator),
}

impl Decoder {
    pub fn new(p: nn::Path, cfg: &DecoderConfig, in_channels: i64) -> Self {
        match cfg {
            DecoderConfig::HifiGan(c) => Decoder::HifiGan(Generator::new(p, c, in_channels)),
            DecoderConfig::Vocos(c) => Decoder::Vocos(VocosGenerator::new(p, c, in_channels)),
        }
    }

    /// `[B, in_channels, F]` → `[B, 1, F · hop]` (differentiable).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            Decoder::HifiGan(g) => g.forward(x),
            Decoder::Vocos(g) => g.forward(x).unsqueeze(1),
        }
    }
}

/// The inference half: prior and decoder.
#[derive(Debug)]
pub struct VaeDecoder {
    pub prior: Option<PriorEncoder>,
    pub dec: Decoder,
    pub z_channels: i64,
}

impl VaeDecoder {
    /// `p` is the root of the `vae` store.
    pub fn new(p: nn::Path, cfg: &Config, n_mels: i64) -> Self {
        let prior = (cfg.prior == PriorKind::Learned).then(|| PriorEncoder::new(&p / "prior", n_mels, cfg.z_channels, &cfg.prior_encoder));
        let dec = Decoder::new(&p / "dec", &cfg.decoder, n_mels + cfg.z_channels);
        Self { prior, dec, z_channels: cfg.z_channels }
    }

    /// Prior mean and log-std, `[B, z, F]` each (zeros for the standard normal).
    pub fn prior_stats(&self, mel: &Tensor) -> (Tensor, Tensor) {
        match &self.prior {
            Some(p) => p.forward(mel),
            None => {
                let s = mel.size();
                let z = Tensor::zeros([s[0], self.z_channels, s[2]], (Kind::Float, mel.device()));
                (z.shallow_clone(), z)
            }
        }
    }

    /// Decoder input `[B, n_mels + z, F]`.
    pub fn decoder_input(mel: &Tensor, z: &Tensor) -> Tensor {
        Tensor::cat(&[mel, z], 1)
    }

    /// `[B, n_mels, F]`, `[B, z, F]` → `[B, 1, F · hop]` (differentiable).
    pub fn decode(&self, mel: &Tensor, z: &Tensor) -> Tensor {
        self.dec.forward(&Self::decoder_input(mel, z))
    }
}

/// The training half: the posterior encoder.
pub fn posterior(p: nn::Path, cfg: &Config, n_freqs: i64, n_mels: i64) -> PosteriorEncoder {
    PosteriorEncoder::new(p / "enc", n_freqs + n_mels, cfg.z_channels, &cfg.posterior_encoder)
}
