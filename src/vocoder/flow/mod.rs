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
use crate::vocoder::model_config::ModelConfig;
use crate::voice::{ModelEntry, Voice};

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
        let empty = super::check_mel(mel, self.model.cfg.n_mel_channels as i64, "waveglow", self.device())?;
        let sigma = opts.sigma.unwrap_or(config::DEFAULT_INFER_SIGMA);
        if !(0.0..=10.0).contains(&sigma) {
            return Err(Error::arg(format!("--sigma {sigma} is out of range; use a value in [0, 10] (0.6 is typical)")));
        }
        let strength = opts.denoise.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&strength) {
            return Err(Error::arg(format!("--denoise {strength} is out of range; use a strength in [0, 1] (0.01-0.1 is typical)")));
        }
        if let Some(empty) = empty {
            return Ok(empty);
        }
        let cfg = &self.model.cfg;
        let (b, frames) = (mel.size()[0], mel.size()[2]);
        let groups = frames * cfg.hop_length as i64 / cfg.n_group as i64;
        let z = self.sample_latent(b, groups, sigma, opts.seed.unwrap_or(0));
        let audio = self.decode(mel, &z);
        let audio = if strength > 0.0 { self.denoise(&audio, strength)? } else { audio };
        Ok(audio.clamp(-1.0, 1.0))
    }

    fn parameters(&self) -> u64 {
        crate::nn::parameter_count(&self.vs)
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

/// Builds WaveGlow from `voice`'s flow entry.
pub fn load(voice: &Voice, entry: &ModelEntry, device: Device) -> Result<Box<dyn Vocoder>> {
    let cfg = voice.model_config_for::<Config>(entry)?;
    let mut vs = VarStore::new(device);
    let model = WaveGlow::new(vs.root(), &cfg);
    voice.load_weights(entry, &mut vs)?;
    Ok(Box::new(WaveGlowVocoder::from_parts(vs, model)))
}

/// Builds WaveGlow with random weights from a preset (`paper`, `paper-wide`, `compact`,
/// `tiny`) or a JSON config file, for `mel`, for benchmarks and tests.
pub fn build_random(config: &str, mel: &MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    Ok(Box::new(WaveGlowVocoder::random(&Config::from_name_or_file(config, mel)?, device)?))
}
