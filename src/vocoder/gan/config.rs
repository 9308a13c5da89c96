//! HiFi-GAN configuration: the keys of the reference implementation's `config_v1.json`,
//! `config_v2.json` and `config_v3.json` (J. Kong, J. Kim and J. Bae, "HiFi-GAN: Generative
//! Adversarial Networks for Efficient and High Fidelity Speech Synthesis", NeurIPS 2020),
//! plus Ferry's voice-pack preset between V2 and V1 and a tiny one for tests.
//!
//! The mel keys of the reference JSON (`num_mels`, `n_fft`, ...) live in the voice's
//! [`crate::audio::MelConfig`]; unknown keys in a JSON file are ignored so a reference
//! config file loads as it is.

use serde::{Deserialize, Serialize};

use super::train_config::GanTrainConfig;
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::vocoder::model_config::ModelConfig;

/// Generator architecture and training hyper-parameters (reference JSON keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Residual block type: "1" (ResBlock1, two convs per dilation) or "2" (ResBlock2).
    pub resblock: String,
    /// Stride of each transposed convolution; their product must equal the hop size.
    pub upsample_rates: Vec<i64>,
    pub upsample_kernel_sizes: Vec<i64>,
    /// Channels after `conv_pre`; halved by each upsampling layer.
    pub upsample_initial_channel: i64,
    /// One multi-receptive-field-fusion branch per kernel size.
    pub resblock_kernel_sizes: Vec<i64>,
    pub resblock_dilation_sizes: Vec<Vec<i64>>,

    /// Training settings shared by the gan family (reference keys `segment_size`,
    /// `batch_size`, `learning_rate`, ... and Ferry's discriminator keys).
    #[serde(flatten)]
    pub train: GanTrainConfig,
}

/// Names accepted by [`Config::preset`].
pub const PRESETS: [&str; 5] = ["v1", "v2", "v3", "compact", "tiny"];

impl Config {
    fn base(resblock: &str, rates: &[i64], kernels: &[i64], channels: i64, rb_kernels: &[i64], dilations: &[&[i64]]) -> Config {
        Config {
            resblock: resblock.into(),
            upsample_rates: rates.to_vec(),
            upsample_kernel_sizes: kernels.to_vec(),
            upsample_initial_channel: channels,
            resblock_kernel_sizes: rb_kernels.to_vec(),
            resblock_dilation_sizes: dilations.iter().map(|d| d.to_vec()).collect(),
            train: GanTrainConfig::default(),
        }
    }

    /// The paper's V1 (13.9 M parameters): best quality.
    pub fn v1() -> Config {
        Self::base("1", &[8, 8, 2, 2], &[16, 16, 4, 4], 512, &[3, 7, 11], &[&[1, 3, 5], &[1, 3, 5], &[1, 3, 5]])
    }

    /// The paper's V2 (0.92 M parameters): V1's shape with 128 initial channels.
    pub fn v2() -> Config {
        Config { upsample_initial_channel: 128, ..Self::v1() }
    }

    /// The paper's V3 (1.46 M parameters): three upsamplings and ResBlock2.
    pub fn v3() -> Config {
        Self::base("2", &[8, 8, 4], &[16, 16, 8], 256, &[3, 5, 7], &[&[1, 2], &[2, 6], &[3, 12]])
    }

    /// Ferry's voice-pack generator: V1's shape with 160 initial channels (1.4 M
    /// parameters, 2.8 MiB in fp16), between V2 and V1 and within the 3 MiB budget.
    pub fn compact() -> Config {
        Config { upsample_initial_channel: 160, ..Self::v1() }
    }

    /// A tiny generator (and discriminators) for CPU tests: hop 256, a few thousand weights.
    pub fn tiny() -> Config {
        let mut c = Self::base("2", &[8, 8, 4], &[16, 16, 8], 32, &[3, 5], &[&[1, 2], &[2, 6]]);
        c.train = GanTrainConfig { segment_size: 4096, batch_size: 1, learning_rate: 2e-3, discriminator_channel_divisor: 16, ..GanTrainConfig::default() };
        c
    }

    /// A preset by name (`v1`, `v2`, `v3`, `compact`, `tiny`, case-insensitive).
    pub fn preset(name: &str) -> Option<Config> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "v1" => Self::v1(),
            "v2" => Self::v2(),
            "v3" => Self::v3(),
            "compact" => Self::compact(),
            "tiny" => Self::tiny(),
            _ => return None,
        })
    }

    /// Checks the lists agree with each other and describe a buildable generator.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::config("hifigan", m));
        if self.resblock != "1" && self.resblock != "2" {
            return bad(format!("resblock must be \"1\" or \"2\", got \"{}\"", self.resblock));
        }
        if self.upsample_rates.is_empty() || self.upsample_rates.len() != self.upsample_kernel_sizes.len() {
            return bad("upsample_rates and upsample_kernel_sizes must be non-empty and of equal length".into());
        }
        for (&u, &k) in self.upsample_rates.iter().zip(&self.upsample_kernel_sizes) {
            if u < 1 || k < u || (k - u) % 2 != 0 {
                return bad(format!("upsample kernel {k} with rate {u}: need kernel >= rate and an even difference"));
            }
        }
        if self.resblock_kernel_sizes.is_empty() || self.resblock_kernel_sizes.len() != self.resblock_dilation_sizes.len() {
            return bad("resblock_kernel_sizes and resblock_dilation_sizes must be non-empty and of equal length".into());
        }
        if self.resblock_kernel_sizes.iter().any(|&k| k < 1 || k % 2 == 0) {
            return bad("resblock kernel sizes must be odd".into());
        }
        if self.resblock_dilation_sizes.iter().any(|d| d.is_empty() || d.iter().any(|&x| x < 1)) {
            return bad("every resblock needs at least one dilation >= 1".into());
        }
        if self.upsample_initial_channel >> self.upsample_rates.len() < 1 {
            return bad(format!("upsample_initial_channel {} is too small to halve {} times", self.upsample_initial_channel, self.upsample_rates.len()));
        }
        self.train.validate("hifigan")
    }

    /// Samples per mel frame produced by the generator.
    pub fn hop(&self) -> i64 {
        self.upsample_rates.iter().product()
    }
}

impl ModelConfig for Config {
    const MODEL: &'static str = "HiFi-GAN";
    const PRESETS: &'static [&'static str] = &PRESETS;

    fn preset_for(name: &str, _mel: &MelConfig) -> Option<Config> {
        Config::preset(name)
    }

    /// [`Config::validate`], and the upsampling must give the mel's hop.
    fn validate_for(&self, mel: &MelConfig) -> Result<()> {
        Config::validate(self)?;
        if self.hop() as usize != mel.hop_size {
            return Err(Error::config("hifigan", format!("upsample_rates multiply to {} but the mel hop size is {}", self.hop(), mel.hop_size)));
        }
        self.train.validate_for("hifigan", mel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_upsample_by_256() {
        for name in PRESETS {
            let c = Config::preset(name).unwrap();
            c.validate().unwrap();
            assert_eq!(c.hop(), 256, "{name}");
        }
        assert!(Config::preset("v4").is_none());
    }

    #[test]
    fn reads_a_reference_json() {
        let json = r#"{"resblock": "2", "num_gpus": 0, "batch_size": 16, "learning_rate": 0.0002,
            "adam_b1": 0.8, "adam_b2": 0.99, "lr_decay": 0.999, "seed": 1234,
            "upsample_rates": [8,8,4], "upsample_kernel_sizes": [16,16,8], "upsample_initial_channel": 256,
            "resblock_kernel_sizes": [3,5,7], "resblock_dilation_sizes": [[1,2], [2,6], [3,12]],
            "segment_size": 8192, "num_mels": 80, "n_fft": 1024, "hop_size": 256, "sampling_rate": 22050}"#;
        let c: Config = serde_json::from_str(json).unwrap();
        assert_eq!(c, Config::v3());
    }

    #[test]
    fn rejects_inconsistent_lists() {
        let mut c = Config::v1();
        c.upsample_kernel_sizes.pop();
        assert!(c.validate().unwrap_err().to_string().contains("equal length"));
        let mut c = Config::v1();
        c.resblock = "3".into();
        assert!(c.validate().is_err());
        let err = Config::from_name_or_file("no-such-config", &MelConfig::default()).unwrap_err().to_string();
        assert!(err.contains("neither a preset"), "{err}");
    }
}
