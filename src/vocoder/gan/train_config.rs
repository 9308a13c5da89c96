//! Training settings shared by the gan family's generators (HiFi-GAN and Vocos): the
//! reference keys of HiFi-GAN's JSON (`segment_size`, `batch_size`, `learning_rate`,
//! `adam_b1`, `adam_b2`, `lr_decay`) and Ferry's keys for training on a CPU
//! (docs/ARCHITECTURE.md, "Training"):
//!
//! - `discriminators`: any of `mpd` (multi-period, HiFi-GAN), `msd` (multi-scale, MelGAN) and
//!   `mrd` (multi-resolution spectrogram, UnivNet / Vocos). The paper's MPD+MSD are over 95 %
//!   of a HiFi-GAN step; the MRD works on spectrogram frames and costs a fraction of them.
//! - `discriminator_channel_divisor`: divides every discriminator's channel count.
//! - `warmup_steps`: reconstruction-only steps (mel L1 + multi-resolution STFT loss) before
//!   the discriminators start.
//!
//! Flattened into each generator's config, so one JSON object holds both.

use serde::{Deserialize, Serialize};

use crate::audio::MelConfig;
use crate::error::{Error, Result};

/// The discriminators a gan config may name.
pub const DISCRIMINATORS: [&str; 3] = ["mpd", "msd", "mrd"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GanTrainConfig {
    /// Segment length in samples.
    #[serde(default = "default_segment_size")]
    pub segment_size: usize,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    #[serde(default = "default_learning_rate")]
    pub learning_rate: f64,
    #[serde(default = "default_adam_b1")]
    pub adam_b1: f64,
    #[serde(default = "default_adam_b2")]
    pub adam_b2: f64,
    /// Exponential LR decay per epoch-equivalent (`steps_per_epoch` steps).
    #[serde(default = "default_lr_decay")]
    pub lr_decay: f64,
    /// Ferry extension: training steps counted as one epoch for the LR decay.
    #[serde(default = "default_steps_per_epoch")]
    pub steps_per_epoch: u64,
    /// Ferry extension: divides every discriminator's channel count (1 = the papers').
    #[serde(default = "default_disc_divisor")]
    pub discriminator_channel_divisor: i64,
    /// Ferry extension: which discriminators train the generator.
    #[serde(default = "default_discriminators")]
    pub discriminators: Vec<String>,
    /// Ferry extension: reconstruction-only steps before the discriminators start.
    #[serde(default)]
    pub warmup_steps: u64,
    /// Ferry extension: weight of the multi-resolution STFT loss (spectral convergence +
    /// log magnitude, Parallel WaveGAN's three resolutions); 0 = off. It is added in the
    /// warm-up and after it.
    #[serde(default)]
    pub lambda_stft: f64,
}

fn default_segment_size() -> usize {
    8192
}
fn default_batch_size() -> usize {
    16
}
fn default_learning_rate() -> f64 {
    2e-4
}
fn default_adam_b1() -> f64 {
    0.8
}
fn default_adam_b2() -> f64 {
    0.99
}
fn default_lr_decay() -> f64 {
    0.999
}
fn default_steps_per_epoch() -> u64 {
    // LJSpeech's ~12 500 training clips at batch 16.
    800
}
fn default_disc_divisor() -> i64 {
    1
}
fn default_discriminators() -> Vec<String> {
    vec!["mpd".into(), "msd".into()]
}

impl Default for GanTrainConfig {
    /// HiFi-GAN's recipe: MPD + MSD at full width from the first step, LR 2e-4.
    fn default() -> Self {
        Self {
            segment_size: default_segment_size(),
            batch_size: default_batch_size(),
            learning_rate: default_learning_rate(),
            adam_b1: default_adam_b1(),
            adam_b2: default_adam_b2(),
            lr_decay: default_lr_decay(),
            steps_per_epoch: default_steps_per_epoch(),
            discriminator_channel_divisor: default_disc_divisor(),
            discriminators: default_discriminators(),
            warmup_steps: 0,
            lambda_stft: 0.0,
        }
    }
}

impl GanTrainConfig {
    /// Vocos' recipe as Ferry runs it on a CPU: LR 5e-4 with β = (0.8, 0.9) as the paper, the
    /// MRD at a quarter of its channels after 2 000 reconstruction-only steps. The paper adds
    /// the MPD; here even at 1/16 of its channels it cost 2.7x the MRD per step (bench/TRAINING.md),
    /// so it is left to configs that name it.
    pub fn vocos() -> Self {
        Self {
            learning_rate: 5e-4,
            adam_b2: 0.9,
            discriminator_channel_divisor: 4,
            discriminators: vec!["mrd".into()],
            warmup_steps: 2000,
            lambda_stft: 1.0,
            ..Self::default()
        }
    }

    pub fn uses(&self, discriminator: &str) -> bool {
        self.discriminators.iter().any(|d| d.eq_ignore_ascii_case(discriminator))
    }

    pub fn validate(&self, model: &str) -> Result<()> {
        let bad = |m: String| Err(Error::config(model, m));
        if self.discriminator_channel_divisor < 1 || 16 % self.discriminator_channel_divisor.min(16) != 0 {
            return bad("discriminator_channel_divisor must be 1, 2, 4, 8 or 16".into());
        }
        if let Some(d) = self.discriminators.iter().find(|d| !DISCRIMINATORS.contains(&d.to_ascii_lowercase().as_str())) {
            return bad(format!("unknown discriminator '{d}'; choose from {}", DISCRIMINATORS.join(", ")));
        }
        if self.batch_size == 0 {
            return bad("batch_size must be at least 1".into());
        }
        if !(self.learning_rate > 0.0) || self.lambda_stft < 0.0 {
            return bad("learning_rate must be positive and lambda_stft non-negative".into());
        }
        Ok(())
    }

    /// Checks the segment against the voice's mel: whole frames, at least one FFT window.
    pub fn validate_for(&self, model: &str, mel: &MelConfig) -> Result<()> {
        if self.segment_size < mel.n_fft || !self.segment_size.is_multiple_of(mel.hop_size) {
            return Err(Error::config(
                model,
                format!("segment_size {} must be a multiple of the hop ({}) and at least n_fft", self.segment_size, mel.hop_size),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_hifigans_and_bad_keys_are_named() {
        let c: GanTrainConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, GanTrainConfig::default());
        assert!(c.uses("mpd") && c.uses("MSD") && !c.uses("mrd"));
        GanTrainConfig::vocos().validate("vocos").unwrap();
        let bad = GanTrainConfig { discriminators: vec!["mpd".into(), "mcd".into()], ..Default::default() };
        assert!(bad.validate("hifigan").unwrap_err().to_string().contains("unknown discriminator 'mcd'"));
        let bad = GanTrainConfig { segment_size: 1000, ..Default::default() };
        assert!(bad.validate_for("hifigan", &MelConfig::default()).unwrap_err().to_string().contains("multiple of the hop"));
    }
}
