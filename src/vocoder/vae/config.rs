//! Configuration of Ferry's conditional VAE vocoder (`cvae`).
//!
//! The posterior encoder's keys follow VITS's `PosteriorEncoder` (J. Kim, J. Kong and
//! J. Son, "Conditional variational autoencoder with adversarial learning for end-to-end
//! text-to-speech", ICML 2021: `hidden_channels`, `kernel_size`, `dilation_rate`,
//! `n_layers`); the decoder, nested under `decoder`, is a HiFi-GAN generator with its
//! reference keys (`upsample_rates`, ...) or a Vocos backbone and inverse-STFT head with
//! its reference keys (`dim`, `n_fft`, ...; C. Siuzdak, 2023). Loss keys: `c_mel` (VITS's
//! mel weight), `c_stft`, `beta`, `kl_anneal_steps`, `free_bits`.

use serde::{Deserialize, Serialize};

use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::vocoder::gan::vocos::Config as VocosConfig;
use crate::vocoder::gan::Config as GanConfig;
use crate::vocoder::model_config::ModelConfig;

/// Which prior p(z | mel) the model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorKind {
    /// A small conv net predicts a diagonal Gaussian per frame from the mel.
    Learned,
    /// N(0, I) for every frame.
    Standard,
}

/// The decoder from `[mel; z]` to the waveform. A JSON object is whichever of the two its
/// keys describe (HiFi-GAN's `upsample_rates` ... or Vocos's `dim` ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DecoderConfig {
    /// Transposed-conv upsampling with multi-receptive-field residual blocks.
    HifiGan(GanConfig),
    /// ConvNeXt blocks at the frame rate, then an inverse STFT.
    Vocos(VocosConfig),
}

impl DecoderConfig {
    /// Samples per input frame.
    pub fn hop(&self) -> i64 {
        match self {
            DecoderConfig::HifiGan(c) => c.hop(),
            DecoderConfig::Vocos(c) => c.hop_length,
        }
    }

    pub fn validate(&self) -> Result<()> {
        match self {
            DecoderConfig::HifiGan(c) => c.validate(),
            DecoderConfig::Vocos(c) => c.validate(),
        }
    }
}

/// The posterior encoder q(z | x, mel): a non-causal WaveNet over the log linear spectrogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PosteriorConfig {
    pub hidden_channels: i64,
    pub kernel_size: i64,
    pub dilation_rate: i64,
    pub n_layers: i64,
}

/// The learned prior p(z | mel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorConfig {
    pub hidden_channels: i64,
    pub kernel_size: i64,
    /// Residual conv layers after the input conv.
    pub n_layers: i64,
}

/// The whole model and its training recipe. Keys missing from a JSON file take the
/// `base` preset's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Latent channels per mel frame.
    pub z_channels: i64,
    pub prior: PriorKind,
    pub posterior_encoder: PosteriorConfig,
    pub prior_encoder: PriorConfig,
    /// Decoder on `[mel; z]`: HiFi-GAN or Vocos (their discriminator keys are unused).
    pub decoder: DecoderConfig,

    pub segment_size: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub adam_b1: f64,
    pub adam_b2: f64,
    pub lr_decay: f64,
    /// Steps counted as one epoch for the LR decay.
    pub steps_per_epoch: u64,
    /// Weight of the mel L1 term (on the loss mel, fmax = sr / 2).
    pub c_mel: f64,
    /// Weight of the multi-resolution STFT term.
    pub c_stft: f64,
    /// Multi-resolution STFT: `[n_fft, hop, win]` per resolution.
    pub stft_resolutions: Vec<[usize; 3]>,
    /// Final weight of the KL term.
    pub beta: f64,
    /// β rises linearly from 0 to `beta` over this many steps (0 = no annealing).
    pub kl_anneal_steps: u64,
    /// Free bits: each latent channel's KL (nats per frame) counts as at least this much.
    pub free_bits: f64,
    /// Default sampling temperature at inference (0 = the prior's mean).
    pub temperature: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self::base()
    }
}

/// Names accepted by [`Config::preset`].
pub const PRESETS: [&str; 5] = ["base", "compact", "vocos", "tiny", "vocos-tiny"];

impl Config {
    /// A `compact`-sized HiFi-GAN decoder, 16 latent channels, a learned prior. About 1.5 M
    /// inference parameters (2.9 MiB in fp16). The defaults of keys a JSON file leaves out.
    pub fn base() -> Config {
        Config {
            z_channels: 16,
            prior: PriorKind::Learned,
            posterior_encoder: PosteriorConfig { hidden_channels: 64, kernel_size: 5, dilation_rate: 1, n_layers: 8 },
            prior_encoder: PriorConfig { hidden_channels: 64, kernel_size: 5, n_layers: 2 },
            decoder: DecoderConfig::HifiGan(GanConfig::compact()),
            segment_size: 8192,
            batch_size: 16,
            learning_rate: 2e-4,
            adam_b1: 0.8,
            adam_b2: 0.99,
            lr_decay: 0.999,
            steps_per_epoch: 800,
            c_mel: 45.0,
            c_stft: 1.0,
            stft_resolutions: vec![[1024, 120, 600], [2048, 240, 1200], [512, 50, 240]],
            beta: 1.0,
            kl_anneal_steps: 10_000,
            free_bits: 0.05,
            temperature: 0.667,
        }
    }

    /// Alias of [`Config::base`] (the size that fits the voice-pack budget).
    pub fn compact() -> Config {
        Self::base()
    }

    /// The voice-pack default, chosen at 30 CPU-minutes against `base` (bench/TRAINING.md):
    /// [`Config::base`] with a Vocos decoder (`vocos-cpu`'s backbone, fed `[mel; z]`). The
    /// decoder works at the frame rate, so a training step costs a fifth of base's.
    pub fn vocos() -> Config {
        Config { decoder: DecoderConfig::Vocos(VocosConfig::cpu()), ..Self::base() }
    }

    /// A tiny model for CPU tests.
    pub fn tiny() -> Config {
        Config {
            z_channels: 4,
            posterior_encoder: PosteriorConfig { hidden_channels: 16, kernel_size: 3, dilation_rate: 2, n_layers: 3 },
            prior_encoder: PriorConfig { hidden_channels: 16, kernel_size: 3, n_layers: 1 },
            decoder: DecoderConfig::HifiGan(GanConfig::tiny()),
            segment_size: 4096,
            batch_size: 1,
            learning_rate: 2e-3,
            stft_resolutions: vec![[512, 64, 256], [1024, 128, 512]],
            kl_anneal_steps: 20,
            ..Self::base()
        }
    }

    /// [`Config::tiny`] with a tiny Vocos decoder.
    pub fn vocos_tiny() -> Config {
        Config { decoder: DecoderConfig::Vocos(VocosConfig::tiny()), ..Self::tiny() }
    }

    /// A preset by name (`base`, `compact`, `vocos`, `tiny`, `vocos-tiny`; any case).
    pub fn preset(name: &str) -> Option<Config> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "base" | "default" => Self::base(),
            "compact" => Self::compact(),
            "vocos" => Self::vocos(),
            "tiny" => Self::tiny(),
            "vocos-tiny" => Self::vocos_tiny(),
            _ => return None,
        })
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::config("cvae", m.to_string()));
        self.decoder.validate()?;
        if self.z_channels < 1 {
            return bad("z_channels must be at least 1");
        }
        let p = &self.posterior_encoder;
        if p.hidden_channels < 1 || p.n_layers < 1 || p.kernel_size < 1 || p.kernel_size % 2 == 0 || p.dilation_rate < 1 {
            return bad("posterior_encoder needs hidden_channels, n_layers >= 1, an odd kernel_size and dilation_rate >= 1");
        }
        let q = &self.prior_encoder;
        if q.hidden_channels < 1 || q.n_layers < 0 || q.kernel_size < 1 || q.kernel_size % 2 == 0 {
            return bad("prior_encoder needs hidden_channels >= 1 and an odd kernel_size");
        }
        if self.stft_resolutions.iter().any(|&[n, h, w]| n < 2 || h == 0 || w == 0 || w > n || h > n) {
            return bad("every stft resolution needs 0 < hop <= n_fft and 0 < win <= n_fft");
        }
        if !(self.beta >= 0.0 && self.free_bits >= 0.0 && self.temperature >= 0.0) {
            return bad("beta, free_bits and temperature must be >= 0");
        }
        if self.batch_size == 0 {
            return bad("batch_size must be at least 1");
        }
        Ok(())
    }

    /// β at `step` (linear warm-up over `kl_anneal_steps`).
    pub fn beta_at(&self, step: u64) -> f64 {
        if self.kl_anneal_steps == 0 {
            self.beta
        } else {
            self.beta * (step as f64 / self.kl_anneal_steps as f64).min(1.0)
        }
    }
}

impl ModelConfig for Config {
    const MODEL: &'static str = "VAE";
    const PRESETS: &'static [&'static str] = &PRESETS;

    fn preset_for(name: &str, _mel: &MelConfig) -> Option<Config> {
        Config::preset(name)
    }

    /// [`Config::validate`], and the mel: the decoder's upsampling gives its hop, and a
    /// training segment is whole frames, longer than every n_fft.
    fn validate_for(&self, mel: &MelConfig) -> Result<()> {
        self.validate()?;
        if self.decoder.hop() as usize != mel.hop_size {
            return Err(Error::config(
                "cvae",
                format!("the decoder's hop is {} samples per frame but the mel hop size is {}", self.decoder.hop(), mel.hop_size),
            ));
        }
        let longest_fft = self.stft_resolutions.iter().map(|r| r[0]).max().unwrap_or(0).max(mel.n_fft);
        if !self.segment_size.is_multiple_of(mel.hop_size) || self.segment_size <= longest_fft {
            return Err(Error::config(
                "cvae",
                format!("segment_size {} must be a multiple of the hop ({}) and longer than every n_fft ({longest_fft})", self.segment_size, mel.hop_size),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_round_trip_through_json() {
        for n in PRESETS {
            let c = Config::preset(n).unwrap();
            c.validate().unwrap();
            let back: Config = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
            assert_eq!(back, c);
        }
        let json = serde_json::to_string(&Config::base()).unwrap();
        assert!(json.contains("\"prior\":\"learned\"") && json.contains("\"upsample_rates\""));
        assert!(Config::from_name_or_file("nope", &MelConfig::default()).is_err());
        let partial: Config = serde_json::from_str(r#"{"z_channels": 8, "prior": "standard"}"#).unwrap();
        assert_eq!(partial, Config { z_channels: 8, prior: PriorKind::Standard, ..Config::base() });
        // The decoder's keys say which decoder it is.
        let vocos = serde_json::to_value(Config::vocos()).unwrap();
        assert!(vocos["decoder"].get("dim").is_some() && vocos["decoder"].get("upsample_rates").is_none());
        assert!(matches!(serde_json::from_value::<Config>(vocos).unwrap().decoder, DecoderConfig::Vocos(_)));
        let bad = Config { decoder: DecoderConfig::Vocos(VocosConfig { hop_length: 128, ..VocosConfig::cpu() }), ..Config::vocos() };
        assert!(bad.validate_for(&MelConfig::default()).unwrap_err().to_string().contains("hop"));
    }

    #[test]
    fn kl_weight_anneals_linearly() {
        let c = Config { kl_anneal_steps: 100, beta: 0.5, ..Config::base() };
        assert_eq!(c.beta_at(0), 0.0);
        assert!((c.beta_at(50) - 0.25).abs() < 1e-12);
        assert_eq!(c.beta_at(1000), 0.5);
        assert_eq!(Config { kl_anneal_steps: 0, ..c }.beta_at(0), 0.5);
    }
}
