//! Vocoders: log-mel → waveform. Five generative families (the "boats" that carry a
//! sample from noise to speech) plus Griffin-Lim as the non-neural reference.
//!
//! Every vocoder implements [`Vocoder`]; [`load`] builds one for a voice by family or
//! model name (`--vocoder gan`, `--vocoder hifigan`, `--vocoder griffin-lim`, ...). The models
//! are listed once, in [`registry`]; their configs share [`model_config::ModelConfig`].

pub mod ar;
pub mod diffusion;
pub mod flow;
pub mod gan;
pub mod griffin_lim;
pub mod model_config;
pub mod registry;
pub mod stream;
pub mod vae;

use std::fmt;
use std::str::FromStr;

use tch::{Device, Tensor};

use crate::error::{Error, Result};
use crate::voice::Voice;

/// The vocoder families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Autoregressive: WaveRNN.
    Ar,
    /// Generative adversarial: HiFi-GAN.
    Gan,
    /// Variational autoencoder.
    Vae,
    /// Normalizing flow: WaveGlow.
    Flow,
    /// Denoising diffusion: DiffWave.
    Diffusion,
    /// Griffin-Lim phase reconstruction (not neural; the reference and low anchor).
    GriffinLim,
}

impl Family {
    /// The five neural families, in the order Ferry lists them.
    pub const NEURAL: [Family; 5] = [Family::Ar, Family::Gan, Family::Vae, Family::Flow, Family::Diffusion];
    /// Every family, Griffin-Lim last.
    pub const ALL: [Family; 6] = [Family::Ar, Family::Gan, Family::Vae, Family::Flow, Family::Diffusion, Family::GriffinLim];

    /// The key used in `voice.json` and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Family::Ar => "ar",
            Family::Gan => "gan",
            Family::Vae => "vae",
            Family::Flow => "flow",
            Family::Diffusion => "diffusion",
            Family::GriffinLim => "griffin-lim",
        }
    }

    /// The default model of the family (the first of its rows in [`registry`]).
    pub fn default_model(self) -> &'static str {
        registry::default_of(self).map_or("griffin-lim", |m| m.name)
    }

    /// Whether the same mel always gives the same audio (no sampling noise) with the
    /// family's default model.
    pub fn is_deterministic(self) -> bool {
        registry::default_of(self).is_none_or(|m| m.deterministic)
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Family {
    type Err = Error;
    /// Accepts a family key or a model name (case-insensitive).
    fn from_str(s: &str) -> Result<Family> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(f) = Family::ALL.into_iter().find(|f| f.key() == s) {
            return Ok(f);
        }
        if let Some(m) = registry::model(&s) {
            return Ok(m.family);
        }
        match s.as_str() {
            "griffinlim" | "gl" => Ok(Family::GriffinLim),
            other => Err(Error::arg(format!(
                "unknown vocoder '{other}'; choose a family ({}) or a model ({})",
                Family::ALL.map(Family::key).join(", "),
                registry::model_names()
            ))),
        }
    }
}

impl Family {
    /// Parses a `--families` list: `all` is `None`; otherwise the named families (keys or
    /// model names, comma-separated), in order and without repeats. An empty list is an error.
    pub fn parse_list(spec: &str) -> Result<Option<Vec<Family>>> {
        if spec.trim().eq_ignore_ascii_case("all") {
            return Ok(None);
        }
        let mut out = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let f: Family = part.parse()?;
            if !out.contains(&f) {
                out.push(f);
            }
        }
        if out.is_empty() {
            return Err(Error::arg("--families is empty; give `all` or a list such as gan,diffusion"));
        }
        Ok(Some(out))
    }
}

/// Arithmetic precision of a vocoder's inference (which models run in which:
/// [`registry::ModelInfo::precisions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// 32-bit float: exact, the default.
    #[default]
    Fp32,
    /// bfloat16 weights and activations (flow and diffusion keep their audio in fp32):
    /// about 2x faster on CPUs with AVX512-BF16 or AMX and on GPUs, with a small loss of
    /// precision (8-bit mantissa).
    Bf16,
}

impl Precision {
    pub fn kind(self) -> tch::Kind {
        match self {
            Precision::Fp32 => tch::Kind::Float,
            Precision::Bf16 => tch::Kind::BFloat16,
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        })
    }
}

impl FromStr for Precision {
    type Err = Error;
    fn from_str(s: &str) -> Result<Precision> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fp32" | "f32" | "float" | "float32" => Ok(Precision::Fp32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            other => Err(Error::arg(format!("unknown precision '{other}'; choose fp32 or bf16"))),
        }
    }
}

/// Options of one vocoding call. Each family reads the fields that concern it and
/// ignores the rest; `None` means the model's default.
#[derive(Debug, Clone, Default)]
pub struct VocodeOptions {
    /// Seed for the families that sample noise (ar, vae, flow, diffusion).
    pub seed: Option<u64>,
    /// Diffusion: number of reverse steps (6 = the paper's fast schedule, 50 = full).
    pub steps: Option<usize>,
    /// Flow: standard deviation of the latent at inference.
    pub sigma: Option<f64>,
    /// Flow: strength of the bias-removal denoiser.
    pub denoise: Option<f64>,
    /// VAE: temperature of the prior sample (0 = the mean).
    pub temperature: Option<f64>,
    /// AR: samples per folded segment (`Some(0)` = sequential, unfolded).
    pub fold_target: Option<usize>,
    /// AR: overlap between folded segments, in samples.
    pub fold_overlap: Option<usize>,
    /// Griffin-Lim: iterations.
    pub iterations: Option<usize>,
    /// Griffin-Lim: momentum of the fast Griffin-Lim update.
    pub momentum: Option<f64>,
}

/// A mel-to-waveform model.
pub trait Vocoder: Send {
    fn family(&self) -> Family;
    /// Model name, e.g. "hifigan".
    fn model_name(&self) -> &str;
    /// Samples of audio per mel frame.
    fn hop_size(&self) -> usize;
    fn sample_rate(&self) -> u32;
    fn device(&self) -> Device;
    /// `mel`: `[B, n_mels, frames]` log-mel (any device) → `[B, frames * hop]` waveform in
    /// [-1, 1] on the vocoder's device. Runs without gradients.
    fn vocode(&self, mel: &Tensor, opts: &VocodeOptions) -> Result<Tensor>;
    /// Trainable parameters (what the weights file holds, BatchNorm statistics aside).
    fn parameters(&self) -> u64;
    /// Whether inference runs in `precision` (the model's registry row says).
    fn supports(&self, precision: Precision) -> bool {
        registry::model(self.model_name()).map_or(precision == Precision::Fp32, |m| m.precisions.contains(&precision))
    }
    /// Switches the arithmetic precision of inference. Every model runs in fp32; one without
    /// a reduced-precision form answers an error naming the families that have it.
    fn set_precision(&mut self, precision: Precision) -> Result<()> {
        unsupported_precision(self.family(), precision)
    }
}

/// `Ok` for fp32, else the error of a vocoder that has no `precision` form.
pub(crate) fn unsupported_precision(family: Family, precision: Precision) -> Result<()> {
    match precision {
        Precision::Fp32 => Ok(()),
        p => Err(Error::arg(format!("--precision {p} is not available for the {family} vocoder; {} run in {p}", registry::families_supporting(p)))),
    }
}

/// Checks that a vocoder's input is a `[batch, n_mels, frames]` mel (`model` names the
/// vocoder in the error). For zero frames it returns the empty `[batch, 0]` waveform the
/// vocoder answers with.
pub(crate) fn check_mel(mel: &Tensor, n_mels: i64, model: &str, device: Device) -> Result<Option<Tensor>> {
    let size = mel.size();
    if size.len() != 3 || size[1] != n_mels {
        return Err(Error::arg(format!("{model} expects a [batch, {n_mels}, frames] mel, got {size:?}")));
    }
    Ok((size[2] == 0).then(|| Tensor::zeros([size[0], 0], (tch::Kind::Float, device))))
}

/// Builds the vocoder of `family` for `voice` on `device`: the model its `voice.json` entry
/// names (Griffin-Lim needs no weights).
pub fn load(voice: &Voice, family: Family, device: Device) -> Result<Box<dyn Vocoder>> {
    if family == Family::GriffinLim {
        return Ok(Box::new(griffin_lim::GriffinLim::new(&voice.config.mel, device)?));
    }
    let entry = voice.vocoder_entry(family.key())?;
    match registry::model(&entry.model).filter(|m| m.family == family) {
        Some(m) => (m.load)(voice, entry, device),
        None => {
            let known: Vec<&str> = registry::models_of(family).map(|m| m.name).collect();
            Err(Error::voice(voice.name(), format!("its {family} vocoder is '{}', which this Ferry does not know ({})", entry.model, known.join(", "))))
        }
    }
}

/// Builds a vocoder of `family` with random weights from a preset name (e.g. "v1", "base",
/// "vocos-cpu") or a JSON config file, for `mel`: what benchmarks time and tests exercise.
pub fn build_random(family: Family, config: &str, mel: &crate::audio::MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    if family == Family::GriffinLim {
        return Ok(Box::new(griffin_lim::GriffinLim::new(mel, device)?));
    }
    (registry::for_config(family, config)?.build_random)(config, mel, device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_families_and_model_names() {
        for f in Family::ALL {
            assert_eq!(f.key().parse::<Family>().unwrap(), f);
            assert_eq!(f.default_model().parse::<Family>().unwrap(), f);
        }
        assert_eq!("HiFiGAN".parse::<Family>().unwrap(), Family::Gan);
        let err = "wavenet".parse::<Family>().unwrap_err().to_string();
        assert!(err.contains("unknown vocoder 'wavenet'"));
    }
}
