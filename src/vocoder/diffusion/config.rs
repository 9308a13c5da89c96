//! DiffWave hyper-parameters, with the keys of the reference implementation's `params.py`
//! (lmnt-com/diffwave): Z. Kong, W. Ping, J. Huang, K. Zhao and B. Catanzaro, "DiffWave: A
//! Versatile Diffusion Model for Audio Synthesis", ICLR 2021.

use serde::{Deserialize, Serialize};

use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::vocoder::model_config::ModelConfig;

/// A DiffWave configuration (reference `params.py` keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Audio sample rate (Hz).
    #[serde(default = "default_sample_rate")]
    pub sample_rate: u32,
    /// Mel bands of the conditioning spectrogram.
    #[serde(default = "default_n_mels")]
    pub n_mels: usize,
    /// Samples per mel frame. The reference upsampler (two 16x transposed convolutions)
    /// fixes this at 256.
    #[serde(default = "default_hop")]
    pub hop_samples: usize,
    /// Number of residual layers (L).
    pub residual_layers: usize,
    /// Residual channels (C).
    pub residual_channels: usize,
    /// Dilations cycle through 1, 2, ..., 2^(dilation_cycle_length - 1).
    pub dilation_cycle_length: usize,
    /// Training noise schedule β_1..β_T.
    #[serde(default = "base_noise_schedule")]
    pub noise_schedule: Vec<f64>,
    /// The fast few-step inference schedule (used when the step count equals its length).
    #[serde(default = "fast_inference_schedule")]
    pub inference_noise_schedule: Vec<f64>,
    /// Training: batch size.
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Training: Adam learning rate.
    #[serde(default = "default_lr")]
    pub learning_rate: f64,
    /// Training: gradient-norm clip (none in the reference).
    #[serde(default)]
    pub max_grad_norm: Option<f64>,
    /// Training: mel frames per random crop.
    #[serde(default = "default_crop")]
    pub crop_mel_frames: usize,
}

fn default_sample_rate() -> u32 {
    22050
}
fn default_n_mels() -> usize {
    80
}
fn default_hop() -> usize {
    256
}
fn default_batch() -> usize {
    16
}
fn default_lr() -> f64 {
    2e-4
}
fn default_crop() -> usize {
    62
}

/// `n` values evenly spaced from `lo` to `hi` inclusive (NumPy's `linspace`).
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![lo],
        _ => (0..n).map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64).collect(),
    }
}

/// The paper's BASE training schedule: T = 50, β linear from 1e-4 to 0.05.
pub fn base_noise_schedule() -> Vec<f64> {
    linspace(1e-4, 0.05, 50)
}

/// The paper's fast 6-step inference schedule.
pub fn fast_inference_schedule() -> Vec<f64> {
    vec![0.0001, 0.001, 0.01, 0.05, 0.2, 0.5]
}

impl Config {
    /// DiffWave BASE: C = 64, L = 30, dilation cycle 10, T = 50 (2.64 M parameters).
    pub fn base() -> Config {
        Config {
            sample_rate: default_sample_rate(),
            n_mels: default_n_mels(),
            hop_samples: default_hop(),
            residual_layers: 30,
            residual_channels: 64,
            dilation_cycle_length: 10,
            noise_schedule: base_noise_schedule(),
            inference_noise_schedule: fast_inference_schedule(),
            batch_size: default_batch(),
            learning_rate: default_lr(),
            max_grad_norm: None,
            crop_mel_frames: default_crop(),
        }
    }

    /// DiffWave LARGE: C = 128, L = 30, T = 200 with β linear from 1e-4 to 0.02 (6.91 M parameters).
    pub fn large() -> Config {
        Config { residual_channels: 128, noise_schedule: linspace(1e-4, 0.02, 200), ..Config::base() }
    }

    /// The CPU-training preset: C = 32, L = 20 (dilation cycle 10), batches of 8 crops of 32
    /// frames. At 30 CPU-minutes on this machine it tied with BASE's network at batch 4
    /// (validation mel L1 2.10 against 2.13, MCD 5.36 against 5.32 dB) at 40 % of its
    /// training arithmetic per step and a third of its parameters (bench/TRAINING.md).
    pub fn cpu() -> Config {
        Config { residual_layers: 20, residual_channels: 32, batch_size: 8, crop_mel_frames: 32, ..Config::base() }
    }

    /// A tiny configuration for CPU tests: C = 8, L = 4, dilation cycle 2.
    pub fn tiny() -> Config {
        Config { residual_layers: 4, residual_channels: 8, dilation_cycle_length: 2, batch_size: 4, learning_rate: 2e-3, crop_mel_frames: 8, ..Config::base() }
    }

    /// Checks every value is usable; the message names the key and the fix.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::config("diffwave", msg));
        if self.hop_samples != 256 {
            return bad(format!("hop_samples is {} but DiffWave's spectrogram upsampler (2 x 16x) needs 256", self.hop_samples));
        }
        if self.n_mels == 0 || self.residual_layers == 0 || self.residual_channels == 0 || self.dilation_cycle_length == 0 {
            return bad("n_mels, residual_layers, residual_channels and dilation_cycle_length must be positive".into());
        }
        if self.dilation_cycle_length > 20 {
            return bad(format!("dilation_cycle_length {} is too large (dilation 2^{})", self.dilation_cycle_length, self.dilation_cycle_length - 1));
        }
        for (key, sched) in [("noise_schedule", &self.noise_schedule), ("inference_noise_schedule", &self.inference_noise_schedule)] {
            if sched.len() < 2 {
                return bad(format!("{key} needs at least 2 steps"));
            }
            if let Some(b) = sched.iter().find(|b| !(**b > 0.0 && **b < 1.0)) {
                return bad(format!("{key} has β = {b}; every β must lie in (0, 1)"));
            }
        }
        Ok(())
    }

    /// The dilation of residual layer `i`.
    pub fn dilation(&self, i: usize) -> i64 {
        1 << (i % self.dilation_cycle_length)
    }

    /// Number of training diffusion steps T.
    pub fn steps(&self) -> usize {
        self.noise_schedule.len()
    }
}

/// Names accepted by [`ModelConfig::preset_for`].
pub const PRESETS: [&str; 4] = ["base", "large", "cpu", "tiny"];

impl ModelConfig for Config {
    const MODEL: &'static str = "DiffWave";
    const PRESETS: &'static [&'static str] = &PRESETS;

    /// A preset with the mel's bands and sample rate.
    fn preset_for(name: &str, mel: &MelConfig) -> Option<Config> {
        let cfg = match name {
            "base" => Config::base(),
            "large" => Config::large(),
            "cpu" => Config::cpu(),
            "tiny" => Config::tiny(),
            _ => return None,
        };
        Some(Config { n_mels: mel.num_mels, sample_rate: mel.sampling_rate, ..cfg })
    }

    /// [`Config::validate`], and the mel's bands, hop and sample rate.
    fn validate_for(&self, mel: &MelConfig) -> Result<()> {
        self.validate()?;
        if self.n_mels != mel.num_mels || self.hop_samples != mel.hop_size || self.sample_rate != mel.sampling_rate {
            return Err(Error::config(
                "diffwave",
                format!(
                    "n_mels {}, hop_samples {}, sample_rate {} but the voice's mel has {}, {}, {}",
                    self.n_mels, self.hop_samples, self.sample_rate, mel.num_mels, mel.hop_size, mel.sampling_rate
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_json_round_trips() {
        for name in PRESETS {
            let c = Config::from_name_or_file(name, &MelConfig::default()).unwrap();
            let mut back: Config = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            // serde_json's float parsing may differ in the last bit.
            assert!(back.noise_schedule.iter().zip(&c.noise_schedule).all(|(a, b)| (a - b).abs() < 1e-15));
            back.noise_schedule = c.noise_schedule.clone();
            assert_eq!(back, c);
        }
        assert!(Config::from_name_or_file("huge", &MelConfig::default()).unwrap_err().to_string().contains("base, large, cpu, tiny"));
        let bad = Config { hop_samples: 200, ..Config::base() };
        assert!(bad.validate().unwrap_err().to_string().contains("256"));
        assert_eq!(Config::base().dilation(9), 512);
        assert_eq!(Config::base().dilation(10), 1);
    }

    #[test]
    fn minimal_json_takes_reference_defaults() {
        let c: Config = serde_json::from_str(r#"{"residual_layers": 30, "residual_channels": 64, "dilation_cycle_length": 10}"#).unwrap();
        assert_eq!(c, Config::base());
    }
}
