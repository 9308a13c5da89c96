//! FastPitch configuration, with the JSON keys of NVIDIA's reference implementation
//! (`FastPitch/fastpitch/model.py`, "FastPitch: Parallel Text-to-speech with Pitch
//! Prediction", Łańcucki 2021; alignment from "One TTS Alignment To Rule Them All",
//! Badlani et al. 2021) plus a `train` section for Ferry's trainer.
//!
//! Presets: `tiny` (learns on a CPU in a test) and `full` (the voice-pack model, under
//! 4 M parameters so it fits 8 MiB in fp16).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The model: encoder and decoder FFT stacks, predictors and the aligner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub n_mel_channels: i64,
    /// Vocabulary size (ids of the voice's tokenizer; id `padding_idx` is padding).
    pub n_symbols: i64,
    #[serde(default)]
    pub padding_idx: i64,
    pub symbols_embedding_dim: i64,
    // Input (phoneme-side) FFT stack.
    pub in_fft_n_layers: i64,
    pub in_fft_n_heads: i64,
    pub in_fft_d_head: i64,
    pub in_fft_conv1d_kernel_size: i64,
    pub in_fft_conv1d_filter_size: i64,
    pub in_fft_output_size: i64,
    #[serde(default)]
    pub p_in_fft_dropout: f64,
    #[serde(default)]
    pub p_in_fft_dropatt: f64,
    #[serde(default)]
    pub p_in_fft_dropemb: f64,
    // Output (frame-side) FFT stack.
    pub out_fft_n_layers: i64,
    pub out_fft_n_heads: i64,
    pub out_fft_d_head: i64,
    pub out_fft_conv1d_kernel_size: i64,
    pub out_fft_conv1d_filter_size: i64,
    pub out_fft_output_size: i64,
    #[serde(default)]
    pub p_out_fft_dropout: f64,
    #[serde(default)]
    pub p_out_fft_dropatt: f64,
    #[serde(default)]
    pub p_out_fft_dropemb: f64,
    // Duration predictor.
    pub dur_predictor_kernel_size: i64,
    pub dur_predictor_filter_size: i64,
    #[serde(default)]
    pub p_dur_predictor_dropout: f64,
    pub dur_predictor_n_layers: i64,
    // Pitch predictor and embedding.
    pub pitch_predictor_kernel_size: i64,
    pub pitch_predictor_filter_size: i64,
    #[serde(default)]
    pub p_pitch_predictor_dropout: f64,
    pub pitch_predictor_n_layers: i64,
    pub pitch_embedding_kernel_size: i64,
    // Energy predictor and embedding.
    #[serde(default = "yes")]
    pub energy_conditioning: bool,
    pub energy_predictor_kernel_size: i64,
    pub energy_predictor_filter_size: i64,
    #[serde(default)]
    pub p_energy_predictor_dropout: f64,
    pub energy_predictor_n_layers: i64,
    pub energy_embedding_kernel_size: i64,
    /// Speakers (Ferry voices are single-speaker: must be 1).
    #[serde(default = "one")]
    pub n_speakers: i64,
    /// Aligner attention dimension (the reference fixes it to 80 = `n_mel_channels`).
    #[serde(default = "eighty")]
    pub n_att_channels: i64,
    /// Kernel of the aligner's first key convolution over the symbol embeddings (Ferry's
    /// knob; the reference fixes it to 3). With 3 each key also sees its neighbours; on a
    /// task of a few utterances whose symbols never repeat, the attention can then settle
    /// on a path shifted by part of a symbol that explains the data as well. 1 makes each
    /// key see only its own symbol.
    #[serde(default = "three")]
    pub attn_key_kernel_size: i64,
    /// Longest duration (frames) one symbol may get at inference.
    #[serde(default = "max_duration")]
    pub max_duration: f64,
}

fn yes() -> bool {
    true
}
fn one() -> i64 {
    1
}
fn three() -> i64 {
    3
}
fn eighty() -> i64 {
    80
}
fn max_duration() -> f64 {
    75.0
}

/// Optimisation and loss weights (Ferry's trainer; key names follow the reference's
/// `train.py` arguments where one exists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    #[serde(default = "d_lr")]
    pub learning_rate: f64,
    /// Noam-style warm-up steps of the learning rate (0 = constant).
    #[serde(default)]
    pub warmup_steps: u64,
    #[serde(default = "d_wd")]
    pub weight_decay: f64,
    #[serde(default = "d_clip")]
    pub grad_clip_thresh: f64,
    #[serde(default = "d_batch")]
    pub batch_size: usize,
    #[serde(default = "one_f")]
    pub dur_predictor_loss_scale: f64,
    #[serde(default = "one_f")]
    pub pitch_predictor_loss_scale: f64,
    #[serde(default = "d_energy_scale")]
    pub energy_predictor_loss_scale: f64,
    #[serde(default = "one_f")]
    pub attn_loss_scale: f64,
    /// Step at which the binarisation (KL) loss starts (the reference counts epochs).
    #[serde(default = "d_kl_start")]
    pub kl_loss_start_step: u64,
    /// Steps over which its weight ramps linearly from 0 to `kl_loss_weight`.
    #[serde(default = "d_kl_warmup")]
    pub kl_loss_warmup_steps: u64,
    #[serde(default = "one_f")]
    pub kl_loss_weight: f64,
    /// Longest utterance used for training, in mel frames (longer ones are skipped).
    #[serde(default = "d_max_frames")]
    pub max_mel_frames: usize,
}

fn d_lr() -> f64 {
    1e-3
}
fn d_wd() -> f64 {
    1e-6
}
fn d_clip() -> f64 {
    1000.0
}
fn d_batch() -> usize {
    16
}
fn one_f() -> f64 {
    1.0
}
fn d_energy_scale() -> f64 {
    0.1
}
fn d_kl_start() -> u64 {
    6000
}
fn d_kl_warmup() -> u64 {
    2000
}
fn d_max_frames() -> usize {
    1000
}

impl Default for TrainConfig {
    fn default() -> Self {
        serde_json::from_value(serde_json::json!({})).unwrap_or_else(|_| unreachable!("all fields have defaults"))
    }
}

/// A training config file: the model keys at the top level plus an optional `train` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcousticConfig {
    #[serde(flatten)]
    pub model: Config,
    #[serde(default)]
    pub train: TrainConfig,
}

impl Config {
    /// A model small enough to learn an alignment on a CPU within a test.
    pub fn tiny(n_symbols: i64) -> Config {
        Config::from_dims(n_symbols, 64, 1, 1, 2, 64, 128, 3, 64, 1, 48, 0.0)
    }

    /// The voice-pack model: 4 + 4 FFT blocks of width 192 (about 3.9 M parameters with a
    /// 256-symbol vocabulary: under 8 MiB in fp16).
    pub fn full(n_symbols: i64) -> Config {
        Config::from_dims(n_symbols, 192, 4, 4, 2, 64, 256, 3, 128, 2, 80, 0.1)
    }

    /// A preset by name.
    pub fn preset(name: &str, n_symbols: i64) -> Result<Config> {
        match name {
            "tiny" => Ok(Config::tiny(n_symbols)),
            "full" => Ok(Config::full(n_symbols)),
            other => Err(Error::config(other, "unknown acoustic preset; use tiny, full or a JSON file")),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn from_dims(
        n_symbols: i64,
        d: i64,
        in_layers: i64,
        out_layers: i64,
        heads: i64,
        d_head: i64,
        d_inner: i64,
        kernel: i64,
        pred_filter: i64,
        pred_layers: i64,
        n_att: i64,
        dropout: f64,
    ) -> Config {
        Config {
            n_mel_channels: 80,
            n_symbols,
            padding_idx: 0,
            symbols_embedding_dim: d,
            in_fft_n_layers: in_layers,
            in_fft_n_heads: heads,
            in_fft_d_head: d_head,
            in_fft_conv1d_kernel_size: kernel,
            in_fft_conv1d_filter_size: d_inner,
            in_fft_output_size: d,
            p_in_fft_dropout: dropout,
            p_in_fft_dropatt: dropout,
            p_in_fft_dropemb: 0.0,
            out_fft_n_layers: out_layers,
            out_fft_n_heads: heads,
            out_fft_d_head: d_head,
            out_fft_conv1d_kernel_size: kernel,
            out_fft_conv1d_filter_size: d_inner,
            out_fft_output_size: d,
            p_out_fft_dropout: dropout,
            p_out_fft_dropatt: dropout,
            p_out_fft_dropemb: 0.0,
            dur_predictor_kernel_size: 3,
            dur_predictor_filter_size: pred_filter,
            p_dur_predictor_dropout: dropout,
            dur_predictor_n_layers: pred_layers,
            pitch_predictor_kernel_size: 3,
            pitch_predictor_filter_size: pred_filter,
            p_pitch_predictor_dropout: dropout,
            pitch_predictor_n_layers: pred_layers,
            pitch_embedding_kernel_size: 3,
            energy_conditioning: true,
            energy_predictor_kernel_size: 3,
            energy_predictor_filter_size: pred_filter,
            p_energy_predictor_dropout: dropout,
            energy_predictor_n_layers: pred_layers,
            energy_embedding_kernel_size: 3,
            n_speakers: 1,
            n_att_channels: n_att,
            attn_key_kernel_size: 3,
            max_duration: 75.0,
        }
    }

    /// Checks the values a model cannot be built from.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::config("acoustic", msg));
        if self.n_symbols < 2 || self.padding_idx < 0 || self.padding_idx >= self.n_symbols {
            return bad(format!("n_symbols {} / padding_idx {} are out of range", self.n_symbols, self.padding_idx));
        }
        if self.n_speakers != 1 {
            return bad(format!("n_speakers is {}, but Ferry voices are single-speaker (use 1)", self.n_speakers));
        }
        if self.in_fft_output_size != self.symbols_embedding_dim || self.out_fft_output_size != self.symbols_embedding_dim {
            return bad("in_fft_output_size and out_fft_output_size must equal symbols_embedding_dim".into());
        }
        if self.symbols_embedding_dim % 2 != 0 {
            return bad("symbols_embedding_dim must be even (sinusoidal positions)".into());
        }
        let positive = [
            self.n_mel_channels,
            self.symbols_embedding_dim,
            self.in_fft_n_heads,
            self.in_fft_d_head,
            self.out_fft_n_heads,
            self.out_fft_d_head,
            self.in_fft_conv1d_filter_size,
            self.out_fft_conv1d_filter_size,
            self.dur_predictor_filter_size,
            self.pitch_predictor_filter_size,
            self.energy_predictor_filter_size,
            self.n_att_channels,
        ];
        if positive.iter().any(|&v| v <= 0) {
            return bad("every size (channels, heads, filters) must be positive".into());
        }
        let kernels = [
            self.in_fft_conv1d_kernel_size,
            self.out_fft_conv1d_kernel_size,
            self.dur_predictor_kernel_size,
            self.pitch_predictor_kernel_size,
            self.energy_predictor_kernel_size,
            self.pitch_embedding_kernel_size,
            self.energy_embedding_kernel_size,
            self.attn_key_kernel_size,
        ];
        if kernels.iter().any(|&k| k <= 0 || k % 2 == 0) {
            return bad("every kernel size must be odd and positive".into());
        }
        Ok(())
    }
}

impl AcousticConfig {
    /// Parses a config: a preset name (`tiny`, `full`) or a JSON value.
    pub fn from_json(value: &serde_json::Value) -> Result<AcousticConfig> {
        let cfg: AcousticConfig = serde_json::from_value(value.clone()).map_err(|e| Error::config("acoustic", e.to_string()))?;
        cfg.model.validate()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_roundtrip_through_json_and_validate() {
        for cfg in [Config::tiny(40), Config::full(80)] {
            cfg.validate().unwrap();
            let full = AcousticConfig { model: cfg.clone(), train: TrainConfig::default() };
            let v = serde_json::to_value(&full).unwrap();
            assert!(v.get("in_fft_n_layers").is_some(), "reference keys at top level");
            assert_eq!(AcousticConfig::from_json(&v).unwrap(), full);
        }
    }

    #[test]
    fn rejects_bad_values_with_a_message() {
        let mut c = Config::tiny(40);
        c.pitch_embedding_kernel_size = 4;
        assert!(c.validate().unwrap_err().to_string().contains("odd"));
        let mut c = Config::tiny(40);
        c.n_speakers = 3;
        assert!(c.validate().unwrap_err().to_string().contains("single-speaker"));
        assert!(AcousticConfig::from_json(&serde_json::json!({"n_symbols": 3})).is_err());
    }
}
