//! WaveGlow hyper-parameters with the keys of the reference `config.json`
//! (NVIDIA/waveglow: `waveglow_config`, `WN_config`, `train_config.sigma`): R. Prenger,
//! R. Valle and B. Catanzaro, "WaveGlow: A Flow-based Generative Network for Speech
//! Synthesis", ICASSP 2019.

use serde::{Deserialize, Serialize};

use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::vocoder::model_config::ModelConfig;

/// The affine-coupling conditioner (`WN_config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WnConfig {
    pub n_layers: usize,
    pub n_channels: usize,
    pub kernel_size: usize,
}

/// A WaveGlow configuration (`waveglow_config` keys plus the training σ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    #[serde(default = "default_n_mels")]
    pub n_mel_channels: usize,
    pub n_flows: usize,
    /// Audio samples squeezed into one time step.
    pub n_group: usize,
    /// Every this many flows, `n_early_size` channels leave as early outputs.
    pub n_early_every: usize,
    pub n_early_size: usize,
    #[serde(rename = "WN_config")]
    pub wn_config: WnConfig,
    /// Samples per mel frame (the reference's `hop_length`, fixed at 256 there).
    #[serde(default = "default_hop")]
    pub hop_length: usize,
    /// Kernel of the transposed-convolution mel upsampler (reference: 1024 = 4 hops).
    #[serde(default = "default_upsample_kernel")]
    pub upsample_kernel_size: usize,
    #[serde(default = "default_sampling_rate")]
    pub sampling_rate: u32,
    /// Training: σ of the Gaussian prior (the reference trains with 1.0).
    #[serde(default = "default_sigma")]
    pub sigma: f64,
    /// Training: Adam learning rate.
    #[serde(default = "default_lr")]
    pub learning_rate: f64,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Training: audio samples per random crop.
    #[serde(default = "default_segment")]
    pub segment_length: usize,
}

fn default_n_mels() -> usize {
    80
}
fn default_hop() -> usize {
    256
}
fn default_upsample_kernel() -> usize {
    1024
}
fn default_sampling_rate() -> u32 {
    22050
}
fn default_sigma() -> f64 {
    1.0
}
fn default_lr() -> f64 {
    1e-4
}
fn default_batch() -> usize {
    12
}
fn default_segment() -> usize {
    16000
}

/// The inference σ used when the caller names none (the reference's `--sigma` examples use 0.6).
pub const DEFAULT_INFER_SIGMA: f64 = 0.6;

impl Config {
    /// The published configuration (NVIDIA/waveglow `config.json`: 12 flows, groups of 8,
    /// 2 early channels every 4 flows, WN with 8 layers of 256 channels, kernel 3; 87.9 M
    /// parameters as in the paper).
    pub fn paper() -> Config {
        Config {
            n_mel_channels: default_n_mels(),
            n_flows: 12,
            n_group: 8,
            n_early_every: 4,
            n_early_size: 2,
            wn_config: WnConfig { n_layers: 8, n_channels: 256, kernel_size: 3 },
            hop_length: default_hop(),
            upsample_kernel_size: default_upsample_kernel(),
            sampling_rate: default_sampling_rate(),
            sigma: default_sigma(),
            learning_rate: default_lr(),
            batch_size: default_batch(),
            segment_length: default_segment(),
        }
    }

    /// The paper's text describes 512 residual channels; this is that wider WN (264 M parameters).
    pub fn paper_wide() -> Config {
        Config { wn_config: WnConfig { n_layers: 8, n_channels: 512, kernel_size: 3 }, ..Config::paper() }
    }

    /// The voice-pack default: 8 flows, WN 5 x 24 channels, a one-hop upsampler kernel;
    /// 3.06 M parameters, 5.8 MiB in fp16.
    pub fn compact() -> Config {
        Config {
            n_flows: 8,
            wn_config: WnConfig { n_layers: 5, n_channels: 24, kernel_size: 3 },
            upsample_kernel_size: 256,
            learning_rate: 2e-4,
            ..Config::paper()
        }
    }

    /// The CPU-training preset: 6 flows (2 channels out every 3), WN 4 x 32, a one-hop
    /// upsampler kernel, batches of 8 x 8192 samples. Chosen at equal CPU time: 30 CPU-minutes
    /// on this machine gave 3 129 steps and validation mel L1 1.92 against 883 steps and 2.30
    /// for `compact` (bench/TRAINING.md).
    pub fn cpu() -> Config {
        Config {
            n_flows: 6,
            n_early_every: 3,
            wn_config: WnConfig { n_layers: 4, n_channels: 32, kernel_size: 3 },
            batch_size: 8,
            segment_length: 8192,
            ..Config::compact()
        }
    }

    /// A tiny configuration for CPU tests.
    pub fn tiny() -> Config {
        Config {
            n_flows: 4,
            n_group: 8,
            n_early_every: 2,
            n_early_size: 2,
            wn_config: WnConfig { n_layers: 3, n_channels: 16, kernel_size: 3 },
            upsample_kernel_size: 256,
            learning_rate: 1e-3,
            batch_size: 4,
            segment_length: 4096,
            ..Config::paper()
        }
    }

    /// Parses either a bare config or a reference `config.json` (`waveglow_config` +
    /// `train_config` + `data_config`).
    pub fn from_json(text: &str) -> std::result::Result<Config, serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(text)?;
        match v.get("waveglow_config") {
            Some(w) => {
                let mut merged = w.clone();
                if let (Some(m), Some(train)) = (merged.as_object_mut(), v.get("train_config").and_then(|t| t.as_object())) {
                    for key in ["sigma", "learning_rate", "batch_size"] {
                        if let Some(x) = train.get(key) {
                            m.insert(key.into(), x.clone());
                        }
                    }
                }
                if let (Some(m), Some(data)) = (merged.as_object_mut(), v.get("data_config").and_then(|t| t.as_object())) {
                    for key in ["segment_length", "sampling_rate", "hop_length"] {
                        if let Some(x) = data.get(key) {
                            m.insert(key.into(), x.clone());
                        }
                    }
                }
                serde_json::from_value(merged)
            }
            None => serde_json::from_value(v),
        }
    }

    /// Checks the shapes fit together; the message names the key.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::config("waveglow", m));
        let w = &self.wn_config;
        if self.n_flows == 0 || self.n_mel_channels == 0 || self.n_early_every == 0 || w.n_layers == 0 || w.n_channels == 0 {
            return bad("n_flows, n_mel_channels, n_early_every, WN n_layers and n_channels must be positive".into());
        }
        if self.n_group < 2 || !self.n_group.is_multiple_of(2) || !self.n_early_size.is_multiple_of(2) {
            return bad(format!("n_group ({}) and n_early_size ({}) must be even, n_group at least 2", self.n_group, self.n_early_size));
        }
        if w.kernel_size.is_multiple_of(2) || !w.n_channels.is_multiple_of(2) {
            return bad(format!("WN kernel_size ({}) must be odd and n_channels ({}) even", w.kernel_size, w.n_channels));
        }
        if self.remaining_channels() < 2 {
            return bad(format!(
                "{} flows drop {} channels every {}: fewer than 2 of n_group {} remain",
                self.n_flows, self.n_early_size, self.n_early_every, self.n_group
            ));
        }
        if self.hop_length == 0 || !self.hop_length.is_multiple_of(self.n_group) {
            return bad(format!("hop_length {} must be a multiple of n_group {}", self.hop_length, self.n_group));
        }
        if self.upsample_kernel_size < self.hop_length {
            return bad(format!("upsample_kernel_size {} must be at least hop_length {}", self.upsample_kernel_size, self.hop_length));
        }
        if !(self.sigma > 0.0) {
            return bad(format!("sigma {} must be positive", self.sigma));
        }
        Ok(())
    }

    /// Channels (of `n_group`) that flow `k` transforms.
    pub fn channels_at(&self, k: usize) -> usize {
        self.n_group - self.n_early_size * (k / self.n_early_every)
    }

    /// Channels left after the last early output (the latent drawn at inference).
    pub fn remaining_channels(&self) -> usize {
        self.channels_at(self.n_flows - 1)
    }
}

/// Names accepted by [`ModelConfig::preset_for`].
pub const PRESETS: [&str; 5] = ["paper", "paper-wide", "compact", "cpu", "tiny"];

impl ModelConfig for Config {
    const MODEL: &'static str = "WaveGlow";
    const PRESETS: &'static [&'static str] = &PRESETS;

    /// A preset with the mel's bands, hop and sample rate.
    fn preset_for(name: &str, mel: &MelConfig) -> Option<Config> {
        let cfg = match name {
            "paper" => Config::paper(),
            "paper-wide" => Config::paper_wide(),
            "compact" => Config::compact(),
            "cpu" => Config::cpu(),
            "tiny" => Config::tiny(),
            _ => return None,
        };
        Some(Config { n_mel_channels: mel.num_mels, hop_length: mel.hop_size, sampling_rate: mel.sampling_rate, ..cfg })
    }

    /// [`Config::validate`], and the mel's bands, hop and sample rate.
    fn validate_for(&self, mel: &MelConfig) -> Result<()> {
        self.validate()?;
        if self.n_mel_channels != mel.num_mels || self.hop_length != mel.hop_size || self.sampling_rate != mel.sampling_rate {
            return Err(Error::config(
                "waveglow",
                format!(
                    "n_mel_channels {}, hop_length {}, sampling_rate {} but the voice's mel has {}, {}, {}",
                    self.n_mel_channels, self.hop_length, self.sampling_rate, mel.num_mels, mel.hop_size, mel.sampling_rate
                ),
            ));
        }
        Ok(())
    }

    /// A bare config or a whole reference `config.json`.
    fn from_json_value(value: serde_json::Value) -> serde_json::Result<Config> {
        Config::from_json(&value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_reference_json_parses() {
        for name in PRESETS {
            Config::from_name_or_file(name, &MelConfig::default()).unwrap();
        }
        let reference = r#"{"train_config": {"sigma": 1.0, "learning_rate": 1e-4, "batch_size": 12},
            "data_config": {"segment_length": 16000, "sampling_rate": 22050, "hop_length": 256},
            "waveglow_config": {"n_mel_channels": 80, "n_flows": 12, "n_group": 8, "n_early_every": 4,
                "n_early_size": 2, "WN_config": {"n_layers": 8, "n_channels": 256, "kernel_size": 3}}}"#;
        assert_eq!(Config::from_json(reference).unwrap(), Config::paper());
        assert_eq!(Config::paper().channels_at(0), 8);
        assert_eq!(Config::paper().channels_at(4), 6);
        assert_eq!(Config::paper().remaining_channels(), 4);
        assert!(Config { n_group: 7, ..Config::paper() }.validate().is_err());
        assert!(Config::from_name_or_file("huge", &MelConfig::default()).is_err());
    }
}
