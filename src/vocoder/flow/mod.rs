//! The `flow` family: WaveGlow (R. Prenger, R. Valle and B. Catanzaro, "WaveGlow: A
//! Flow-based Generative Network for Speech Synthesis", ICASSP 2019; reference
//! implementation NVIDIA/waveglow), trained by exact likelihood, sampled at `--sigma`, with
//! the optional bias-removal denoiser (`--denoise strength`).
//!
//! - [`config`]: hyper-parameters (reference `config.json` keys), paper and compact presets.
//! - [`model`]: squeeze, invertible 1x1 convolutions, affine couplings with `WN`, the NLL loss.
//! - [`infer`]: the inverse direction prepared for inference (folded, inverses once, streamed).
//! - [`denoiser`]: bias removal.
//! - [`train`]: the likelihood training task.

pub mod config;
pub mod denoiser;
pub mod infer;
pub mod model;
pub mod train;

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tch::{nn::VarStore, Device, Kind, Tensor};

pub use config::Config;
pub use model::WaveGlow;

use super::{Family, Precision, VocodeOptions, Vocoder};
use crate::audio::stft_tch::StftTch;
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::nn::noise::gaussian;
use crate::voice::Voice;

/// A WaveGlow vocoder ready for inference.
pub struct WaveGlowVocoder {
    vs: VarStore,
    model: WaveGlow,
    inverse: infer::Inverse,
    /// Measured on first use of `--denoise`.
    denoiser: Mutex<Option<denoiser::Denoiser>>,
}

impl std::fmt::Debug for WaveGlowVocoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaveGlowVocoder").field("cfg", &self.model.cfg).field("device", &self.vs.device()).finish()
    }
}

impl WaveGlowVocoder {
    /// Random weights (benchmarks, tests).
    pub fn random(cfg: &Config, device: Device) -> Result<Self> {
        cfg.validate()?;
        let vs = VarStore::new(device);
        let model = WaveGlow::new(vs.root(), cfg);
        Ok(Self::from_parts(vs, model))
    }

    /// Wraps a network whose weights are final: folds weight norms, inverts the 1x1 convolutions.
    pub fn from_parts(vs: VarStore, mut model: WaveGlow) -> Self {
        model.wn.iter_mut().for_each(model::Wn::fold);
        let inverse = infer::Inverse::new(&model);
        Self { vs, model, inverse, denoiser: Mutex::new(None) }
    }

    /// Loads weights from a safetensors file into a network of `cfg`.
    pub fn from_file(cfg: &Config, path: impl AsRef<std::path::Path>, device: Device) -> Result<Self> {
        cfg.validate()?;
        let mut vs = VarStore::new(device);
        let model = WaveGlow::new(vs.root(), cfg);
        crate::nn::safetensors::load_var_store(&mut vs, path)?;
        Ok(Self::from_parts(vs, model))
    }

    pub fn config(&self) -> &Config {
        &self.model.cfg
    }
    pub fn model(&self) -> &WaveGlow {
        &self.model
    }
    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }
    pub fn inverse_mut(&mut self) -> &mut infer::Inverse {
        &mut self.inverse
    }
    pub fn parameters(&self) -> u64 {
        self.vs.trainable_variables().iter().map(|t| t.numel() as u64).sum()
    }

    fn check_mel(&self, mel: &Tensor) -> Result<()> {
        let d = mel.size();
        let m = self.model.cfg.n_mel_channels as i64;
        if d.len() != 3 || d[1] != m || d[2] == 0 {
            return Err(Error::arg(format!("waveglow expects a [B, {m}, frames] mel with at least one frame, got {d:?}")));
        }
        Ok(())
    }

    /// Runs the flows backwards from the latent `z` `[B, n_group, frames·hop/n_group]`.
    pub fn decode(&self, mel: &Tensor, z: &Tensor) -> Tensor {
        tch::no_grad(|| {
            let samples = z.size()[2] * self.model.cfg.n_group as i64;
            let spect = self.model.condition(&mel.to_device(self.device()).to_kind(Kind::Float), samples);
            self.inverse.run(&self.model, &spect, z, || {})
        })
    }

    /// Draws the latent as the reference does: the last flow's channels, then each early
    /// output on the way down, all N(0, σ²).
    pub fn sample_latent(&self, batch: i64, groups: i64, sigma: f64, seed: u64) -> Tensor {
        let cfg = &self.model.cfg;
        let mut rng = StdRng::seed_from_u64(seed);
        let rem = cfg.remaining_channels() as i64;
        let mut parts = vec![gaussian(&mut rng, &[batch, rem, groups], self.device())];
        let early_outputs = (1..cfg.n_flows).filter(|k| k % cfg.n_early_every == 0).count();
        for _ in 0..early_outputs {
            parts.insert(0, gaussian(&mut rng, &[batch, cfg.n_early_size as i64, groups], self.device()));
        }
        Tensor::cat(&parts, 1) * sigma
    }

    fn denoise(&self, audio: &Tensor, strength: f64) -> Result<Tensor> {
        let mut guard = self.denoiser.lock().map_err(|_| Error::arg("waveglow denoiser state is poisoned by an earlier panic"))?;
        if guard.is_none() {
            let cfg = &self.model.cfg;
            let mel = Tensor::zeros([1, cfg.n_mel_channels as i64, denoiser::BIAS_FRAMES], (Kind::Float, self.device()));
            let groups = denoiser::BIAS_FRAMES * cfg.hop_length as i64 / cfg.n_group as i64;
            let bias = self.decode(&mel, &Tensor::zeros([1, cfg.n_group as i64, groups], (Kind::Float, self.device())));
            let stft = StftTch::with_sizes(1024, cfg.hop_length, 1024, self.device());
            *guard = Some(denoiser::Denoiser::new(stft, &bias));
        }
        let d = guard.as_ref().ok_or_else(|| Error::arg("waveglow denoiser could not be built"))?;
        Ok(tch::no_grad(|| d.apply(audio, strength)))
    }
}

impl Vocoder for WaveGlowVocoder {
    fn family(&self) -> Family {
        Family::Flow
    }
    fn model_name(&self) -> &str {
        "waveglow"
    }
    fn hop_size(&self) -> usize {
        self.model.cfg.hop_length
    }
    fn sample_rate(&self) -> u32 {
        self.model.cfg.sampling_rate
    }
    fn device(&self) -> Device {
        self.vs.device()
    }

    fn vocode(&self, mel: &Tensor, opts: &VocodeOptions) -> Result<Tensor> {
        self.check_mel(mel)?;
        let sigma = opts.sigma.unwrap_or(config::DEFAULT_INFER_SIGMA);
        if !(0.0..=10.0).contains(&sigma) {
            return Err(Error::arg(format!("--sigma {sigma} is out of range; use a value in [0, 10] (0.6 is typical)")));
        }
        let strength = opts.denoise.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&strength) {
            return Err(Error::arg(format!("--denoise {strength} is out of range; use a strength in [0, 1] (0.01-0.1 is typical)")));
        }
        let cfg = &self.model.cfg;
        let (b, frames) = (mel.size()[0], mel.size()[2]);
        let groups = frames * cfg.hop_length as i64 / cfg.n_group as i64;
        let z = self.sample_latent(b, groups, sigma, opts.seed.unwrap_or(0));
        let audio = self.decode(mel, &z);
        let audio = if strength > 0.0 { self.denoise(&audio, strength)? } else { audio };
        Ok(audio.clamp(-1.0, 1.0))
    }

    /// bf16 runs the WNs (nearly all of the arithmetic) in bfloat16; audio, couplings and the
    /// invertible convolutions stay in float32.
    fn set_precision(&mut self, precision: Precision) -> Result<()> {
        let block = self.inverse.block;
        self.inverse = infer::Inverse::new(&self.model).with_kind(precision.kind());
        self.inverse.block = block;
        // The denoiser's bias is measured through the inverse: measure it again.
        *self.denoiser.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }
}

/// Checks that a WaveGlow config fits the voice's mel definition.
fn check_against_mel(cfg: &Config, mel: &MelConfig, what: &str) -> Result<()> {
    if cfg.n_mel_channels != mel.num_mels || cfg.hop_length != mel.hop_size || cfg.sampling_rate != mel.sampling_rate {
        return Err(Error::config(
            what,
            format!(
                "waveglow has n_mel_channels {}, hop_length {}, sampling_rate {} but the mel definition has {}, {}, {}",
                cfg.n_mel_channels, cfg.hop_length, cfg.sampling_rate, mel.num_mels, mel.hop_size, mel.sampling_rate
            ),
        ));
    }
    Ok(())
}

/// Builds this family's vocoder for `voice`.
pub fn load(voice: &Voice, device: Device) -> Result<Box<dyn Vocoder>> {
    let entry = voice.vocoder_entry("flow")?;
    let cfg = Config::from_json(&entry.config.to_string())
        .map_err(|e| Error::voice(voice.name(), format!("config of model '{}' ({}): {e}", entry.model, entry.file)))?;
    cfg.validate().map_err(|e| Error::voice(voice.name(), e.to_string()))?;
    check_against_mel(&cfg, &voice.config.mel, &format!("flow vocoder of voice '{}'", voice.name()))?;
    let mut vs = VarStore::new(device);
    let model = WaveGlow::new(vs.root(), &cfg);
    voice.load_weights(entry, &mut vs)?;
    Ok(Box::new(WaveGlowVocoder::from_parts(vs, model)))
}

/// Builds this family's vocoder with random weights from a preset (`paper`, `paper-wide`,
/// `compact`, `tiny`) or a JSON config file, adapted to `mel`, for benchmarks and tests.
pub fn build_random(config: &str, mel: &MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    let mut cfg = Config::from_name_or_file(config)?;
    cfg.n_mel_channels = mel.num_mels;
    cfg.sampling_rate = mel.sampling_rate;
    check_against_mel(&cfg, mel, config)?;
    Ok(Box::new(WaveGlowVocoder::random(&cfg, device)?))
}
