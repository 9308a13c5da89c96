//! WaveRNN hyperparameters. Keys mirror the widely used PyTorch WaveRNN (fatchord's
//! `hparams.py`, without the `voc_` prefix): `rnn_dims`, `fc_dims`, `bits`, `pad`,
//! `upsample_factors`, `compute_dims`, `res_out_dims`, `res_blocks`, `mode`.

use serde::{Deserialize, Serialize};

use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::vocoder::model_config::ModelConfig;

/// How the output distribution over the next sample is parameterised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// Categorical over `2^bits` classes (μ-law companded when `mu_law` is set).
    #[serde(rename = "RAW")]
    Raw,
    /// Discretised mixture of logistics (PixelCNN++), 10 components = 30 outputs.
    #[serde(rename = "MOL")]
    Mol,
}

/// Mixture components of MOL mode (the reference's 30 outputs = 3 × 10).
pub const MOL_MIXTURES: usize = 10;

fn default_bits() -> u32 {
    9
}
fn default_true() -> bool {
    true
}
fn default_target() -> usize {
    11_000
}
fn default_overlap() -> usize {
    550
}
fn default_batch_size() -> usize {
    32
}
fn default_lr() -> f64 {
    1e-4
}
fn default_seq_frames() -> usize {
    5
}
fn default_clip() -> f64 {
    4.0
}

/// WaveRNN configuration (`voice.json` → `vocoders.ar.config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Width of both GRUs.
    pub rnn_dims: usize,
    /// Width of fc1 and fc2.
    pub fc_dims: usize,
    /// RAW mode: bits of the categorical output (9 or 10 → 512 or 1024 classes).
    #[serde(default = "default_bits")]
    pub bits: u32,
    /// Frames of mel context on each side of the upsampler's first convolution.
    pub pad: usize,
    /// Stretch factors of the upsampler; their product is the hop size.
    pub upsample_factors: Vec<usize>,
    /// Channels of the mel residual network.
    pub compute_dims: usize,
    /// Output channels of the residual network (split in 4 auxiliary streams).
    pub res_out_dims: usize,
    /// Residual blocks of the mel residual network.
    pub res_blocks: usize,
    pub mode: Mode,
    /// RAW mode: μ-law compand the classes.
    #[serde(default = "default_true")]
    pub mu_law: bool,
    /// Default samples per folded segment (0 = sequential).
    #[serde(default = "default_target")]
    pub target: usize,
    /// Default overlap between folded segments, in samples.
    #[serde(default = "default_overlap")]
    pub overlap: usize,
    /// Training: segments per batch.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Training: Adam learning rate.
    #[serde(default = "default_lr")]
    pub lr: f64,
    /// Training: mel frames per segment (the reference's `seq_len = hop × 5`).
    #[serde(default = "default_seq_frames")]
    pub seq_frames: usize,
    /// Training: gradient-norm clip (0 = off).
    #[serde(default = "default_clip")]
    pub clip_grad_norm: f64,
}

impl Config {
    /// The shipped default: MOL output with rnn/fc 256, 1.4 M parameters (2.8 MB in fp16),
    /// chosen so folded generation runs faster than real time on a 2-core CPU.
    pub fn default_for(mel: &MelConfig) -> Config {
        Config {
            rnn_dims: 256,
            fc_dims: 256,
            bits: 9,
            pad: 2,
            upsample_factors: factors_for_hop(mel.hop_size),
            compute_dims: 128,
            res_out_dims: 128,
            res_blocks: 10,
            mode: Mode::Mol,
            mu_law: true,
            target: default_target(),
            overlap: default_overlap(),
            batch_size: default_batch_size(),
            lr: default_lr(),
            seq_frames: default_seq_frames(),
            clip_grad_norm: default_clip(),
        }
    }

    /// The voice pack's WaveRNN, chosen at 30 CPU-minutes against `default`
    /// (bench/TRAINING.md): the same GRU, half the upsampling network's width and depth,
    /// half the batch of 4-frame segments, and a 5x learning rate. A step costs about half of
    /// default's.
    pub fn cpu(mel: &MelConfig) -> Config {
        Config { compute_dims: 64, res_out_dims: 64, res_blocks: 5, batch_size: 16, seq_frames: 4, lr: 5e-4, ..Config::default_for(mel) }
    }

    /// The reference's size: rnn/fc 512 (4.5 M parameters), mixture of logistics.
    pub fn reference_512(mel: &MelConfig) -> Config {
        Config { rnn_dims: 512, fc_dims: 512, ..Config::default_for(mel) }
    }

    /// A tiny model for tests: trains and samples in seconds on a CPU.
    pub fn tiny(mel: &MelConfig) -> Config {
        Config { rnn_dims: 32, fc_dims: 32, compute_dims: 16, res_out_dims: 16, res_blocks: 1, ..Config::default_for(mel) }
    }

    /// Outputs of the last layer: `2^bits` classes or 3 × 10 mixture parameters.
    pub fn n_classes(&self) -> usize {
        match self.mode {
            Mode::Raw => 1 << self.bits,
            Mode::Mol => 3 * MOL_MIXTURES,
        }
    }

    /// Width of each of the four auxiliary streams.
    pub fn aux_dims(&self) -> usize {
        self.res_out_dims / 4
    }

    /// Samples per mel frame (the product of the upsample factors).
    pub fn hop_length(&self) -> usize {
        self.upsample_factors.iter().product()
    }

    /// Checks the numbers against the voice's mel definition.
    pub fn validate(&self, mel: &MelConfig) -> Result<()> {
        let bad = |m: String| Err(Error::config("wavernn", m));
        if self.rnn_dims == 0 || self.fc_dims == 0 || self.compute_dims == 0 {
            return bad("rnn_dims, fc_dims and compute_dims must be positive".into());
        }
        if self.res_out_dims < 4 || !self.res_out_dims.is_multiple_of(4) {
            return bad(format!("res_out_dims must be a positive multiple of 4 (four auxiliary streams), got {}", self.res_out_dims));
        }
        if self.upsample_factors.is_empty() || self.upsample_factors.contains(&0) {
            return bad("upsample_factors must be a non-empty list of positive integers".into());
        }
        if self.hop_length() != mel.hop_size {
            return bad(format!(
                "upsample_factors {:?} multiply to {}, but the mel hop size is {}; choose factors whose product is the hop",
                self.upsample_factors,
                self.hop_length(),
                mel.hop_size
            ));
        }
        if self.batch_size == 0 || self.seq_frames == 0 || !(self.lr > 0.0) {
            return bad("batch_size, seq_frames and lr must be positive".into());
        }
        if self.mode == Mode::Raw && !(2..=16).contains(&self.bits) {
            return bad(format!("bits must be between 2 and 16, got {}", self.bits));
        }
        Ok(())
    }
}

/// Names accepted by [`ModelConfig::preset_for`].
pub const PRESETS: [&str; 5] = ["default", "cpu", "512", "tiny", "raw"];

impl ModelConfig for Config {
    const MODEL: &'static str = "WaveRNN";
    const PRESETS: &'static [&'static str] = &PRESETS;

    /// `default`, `cpu`, `512` (also `reference`), `tiny`, `raw` (also `default-raw`).
    fn preset_for(name: &str, mel: &MelConfig) -> Option<Config> {
        Some(match name {
            "default" | "" => Config::default_for(mel),
            "cpu" => Config::cpu(mel),
            "512" | "reference" => Config::reference_512(mel),
            "tiny" => Config::tiny(mel),
            "raw" | "default-raw" => Config { mode: Mode::Raw, ..Config::default_for(mel) },
            _ => return None,
        })
    }

    fn validate_for(&self, mel: &MelConfig) -> Result<()> {
        Config::validate(self, mel)
    }
}

/// Three upsample factors multiplying to `hop` (256 → [4, 8, 8]), as close to equal as
/// the hop's factorisation allows, smallest first like the reference's (5, 5, 11).
pub fn factors_for_hop(hop: usize) -> Vec<usize> {
    let mut primes = Vec::new();
    let mut n = hop.max(1);
    let mut p = 2;
    while n > 1 {
        while n.is_multiple_of(p) {
            primes.push(p);
            n /= p;
        }
        p += 1;
    }
    let mut f = [1usize; 3];
    for p in primes.into_iter().rev() {
        let i = (0..3).min_by_key(|&i| f[i]).unwrap_or(0);
        f[i] *= p;
    }
    let mut v: Vec<usize> = f.into_iter().filter(|&x| x > 1).collect();
    if v.is_empty() {
        v.push(1);
    }
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_multiply_to_the_hop() {
        assert_eq!(factors_for_hop(256), vec![4, 8, 8]);
        assert_eq!(factors_for_hop(275), vec![5, 5, 11]);
        for hop in [1, 2, 200, 300, 512] {
            assert_eq!(factors_for_hop(hop).iter().product::<usize>(), hop);
        }
    }

    #[test]
    fn presets_validate_and_json_round_trips() {
        let mel = MelConfig::default();
        for name in ["default", "512", "tiny", "raw"] {
            let c = Config::from_name_or_file(name, &mel).unwrap();
            let back: Config = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            assert_eq!(back, c);
        }
        let json = serde_json::to_value(Config::default_for(&mel)).unwrap();
        assert_eq!(json["mode"], "MOL");
        let bad = Config { upsample_factors: vec![4, 4], ..Config::default_for(&mel) };
        assert!(bad.validate(&mel).unwrap_err().to_string().contains("multiply to 16"));
        assert!(Config::from_name_or_file("/nonexistent.json", &mel).is_err());
    }
}
