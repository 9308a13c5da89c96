//! Vocos configuration: the keys of the reference implementation's YAML
//! (`configs/vocos.yaml`: `backbone.init_args` and `head.init_args`, flattened; C. Siuzdak,
//! "Vocos: Closing the gap between time-domain and Fourier-based neural vocoders for
//! high-quality audio synthesis", 2023), plus the gan training keys Ferry shares with HiFi-GAN.
//!
//! `input_channels` is the voice's mel band count and is not part of the config, as
//! HiFi-GAN's `num_mels` is not.

use serde::{Deserialize, Serialize};

use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::vocoder::gan::train_config::GanTrainConfig;
use crate::vocoder::model_config::ModelConfig;

/// Backbone and head of a Vocos generator (reference keys), and its training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Width of the ConvNeXt backbone.
    pub dim: i64,
    /// Width of each ConvNeXt block's pointwise MLP.
    pub intermediate_dim: i64,
    pub num_layers: i64,
    /// Initial value of each block's layer scale `gamma` (None = 1 / num_layers, as the
    /// reference).
    #[serde(default)]
    pub layer_scale_init_value: Option<f64>,
    /// FFT size of the inverse STFT head.
    pub n_fft: i64,
    /// Hop of the inverse STFT head: must equal the mel's hop (one frame in, one hop out).
    pub hop_length: i64,
    /// "same" (frames centred as in the voice's mel; output = frames × hop) — the only
    /// padding Ferry supports; the reference's "center" uses torch.istft's framing.
    #[serde(default = "default_padding")]
    pub padding: String,
    /// Training settings shared by the gan family's generators.
    #[serde(flatten)]
    pub train: GanTrainConfig,
}

fn default_padding() -> String {
    "same".into()
}

/// Names accepted by [`Config::preset`].
pub const PRESETS: [&str; 3] = ["vocos", "vocos-cpu", "vocos-tiny"];

impl Config {
    fn base(dim: i64, intermediate_dim: i64, num_layers: i64) -> Config {
        Config {
            dim,
            intermediate_dim,
            num_layers,
            layer_scale_init_value: None,
            n_fft: 1024,
            hop_length: 256,
            padding: default_padding(),
            train: GanTrainConfig::vocos(),
        }
    }

    /// The paper's generator (512 / 1536 × 8, 13.5 M parameters with 80 mels).
    pub fn paper() -> Config {
        Self::base(512, 1536, 8)
    }

    /// Ferry's voice-pack generator for CPU training: 256 / 768 × 8 (3.6 M parameters,
    /// 7 MiB in fp16), about a quarter of the paper's compute per second of audio.
    pub fn cpu() -> Config {
        Self::base(256, 768, 8)
    }

    /// A few thousand parameters, for tests.
    pub fn tiny() -> Config {
        let mut c = Self::base(32, 64, 2);
        c.train.segment_size = 4096;
        c.train.batch_size = 2;
        c
    }

    /// A preset by name (`vocos`, `vocos-cpu`, `vocos-tiny`; case-insensitive).
    pub fn preset(name: &str) -> Option<Config> {
        match name.trim().to_ascii_lowercase().as_str() {
            "vocos" | "vocos-paper" => Some(Self::paper()),
            "vocos-cpu" => Some(Self::cpu()),
            "vocos-tiny" => Some(Self::tiny()),
            _ => None,
        }
    }

    /// Frequency bins of the head's spectrum.
    pub fn n_freqs(&self) -> i64 {
        self.n_fft / 2 + 1
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::config("vocos", m));
        if self.dim < 1 || self.intermediate_dim < 1 || self.num_layers < 1 {
            return bad(format!("dim ({}), intermediate_dim ({}) and num_layers ({}) must be at least 1", self.dim, self.intermediate_dim, self.num_layers));
        }
        if self.hop_length < 1 || self.n_fft < self.hop_length || self.n_fft % 2 != 0 {
            return bad(format!("n_fft ({}) must be even and at least hop_length ({})", self.n_fft, self.hop_length));
        }
        if (self.n_fft - self.hop_length) % 2 != 0 {
            return bad(format!("n_fft - hop_length ({}) must be even for \"same\" padding", self.n_fft - self.hop_length));
        }
        if self.padding != "same" {
            return bad(format!("padding '{}' is not supported; use \"same\" (the voice's mel framing)", self.padding));
        }
        self.train.validate("vocos")
    }
}

impl ModelConfig for Config {
    const MODEL: &'static str = "Vocos";
    const PRESETS: &'static [&'static str] = &PRESETS;

    /// The presets are written for the default mel; a voice with another hop or n_fft gets
    /// its own.
    fn preset_for(name: &str, mel: &MelConfig) -> Option<Config> {
        let mut cfg = Config::preset(name)?;
        cfg.hop_length = mel.hop_size as i64;
        cfg.n_fft = mel.n_fft as i64;
        Some(cfg)
    }

    /// [`Config::validate`], and the voice's mel: its hop, and a segment of whole frames.
    fn validate_for(&self, mel: &MelConfig) -> Result<()> {
        Config::validate(self)?;
        if self.hop_length as usize != mel.hop_size {
            return Err(Error::config("vocos", format!("hop_length is {} but the voice's mel hop is {}", self.hop_length, mel.hop_size)));
        }
        self.train.validate_for("vocos", mel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_reference_keys_parse() {
        for p in PRESETS {
            Config::preset(p).unwrap().validate_for(&MelConfig::default()).unwrap();
        }
        // The reference YAML's backbone and head keys, flattened into one JSON object.
        let c: Config =
            serde_json::from_str(r#"{"dim": 64, "intermediate_dim": 192, "num_layers": 3, "n_fft": 1024, "hop_length": 256, "padding": "same"}"#).unwrap();
        assert_eq!((c.dim, c.intermediate_dim, c.num_layers, c.n_freqs()), (64, 192, 3, 513));
        c.validate().unwrap();
        let bad = Config { hop_length: 200, ..c.clone() };
        assert!(bad.validate_for(&MelConfig::default()).unwrap_err().to_string().contains("hop_length is 200"));
        let bad = Config { padding: "center".into(), ..c };
        assert!(bad.validate().unwrap_err().to_string().contains("\"same\""));
        let err = Config::from_name_or_file("vocos-huge", &MelConfig::default()).unwrap_err().to_string();
        assert!(err.contains("vocos-cpu"), "{err}");
    }
}
