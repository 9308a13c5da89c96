//! The `diffusion` family: DiffWave (Z. Kong, W. Ping, J. Huang, K. Zhao and B. Catanzaro,
//! "DiffWave: A Versatile Diffusion Model for Audio Synthesis", ICLR 2021; reference
//! implementation lmnt-com/diffwave), with the paper's fast 6-step sampler and any
//! user-chosen step count (`--steps N`).
//!
//! - [`config`]: hyper-parameters with the reference `params.py` keys, BASE/LARGE presets.
//! - [`schedule`]: noise schedules and the alignment of fast-sampling steps.
//! - [`model`]: the ε-predicting network with the reference weight names.
//! - [`sampler`]: the reverse process for inference (conditioning computed once, streamed stack).
//! - [`train`]: the ε-prediction L2 training task.

pub mod config;
pub mod model;
pub mod sampler;
pub mod schedule;
pub mod train;

use tch::{nn::VarStore, Device, Kind, Tensor};

pub use config::Config;
pub use model::DiffWave;
pub use sampler::Sampler;

use super::{Family, Precision, VocodeOptions, Vocoder};
use crate::audio::MelConfig;
use crate::error::Result;
use crate::vocoder::model_config::ModelConfig;
use crate::voice::{ModelEntry, Voice};

/// A DiffWave vocoder ready for inference.
pub struct DiffWaveVocoder {
    vs: VarStore,
    model: DiffWave,
    sampler: Sampler,
    cfg: Config,
}

impl std::fmt::Debug for DiffWaveVocoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiffWaveVocoder").field("cfg", &self.cfg).field("device", &self.vs.device()).finish()
    }
}

impl DiffWaveVocoder {
    /// Builds the network with random weights in a new var store on `device`.
    pub fn random(cfg: &Config, device: Device) -> Result<Self> {
        cfg.validate()?;
        let vs = VarStore::new(device);
        let model = DiffWave::new(vs.root(), cfg);
        Ok(Self::from_parts(vs, model, cfg.clone()))
    }

    /// Wraps a network whose weights are final (e.g. just loaded or trained).
    pub fn from_parts(vs: VarStore, model: DiffWave, cfg: Config) -> Self {
        let sampler = Sampler::new(&model);
        Self { vs, model, sampler, cfg }
    }

    /// Loads weights from a safetensors file into a network of `cfg`.
    pub fn from_file(cfg: &Config, path: impl AsRef<std::path::Path>, device: Device) -> Result<Self> {
        cfg.validate()?;
        let mut vs = VarStore::new(device);
        let model = DiffWave::new(vs.root(), cfg);
        crate::nn::safetensors::load_var_store(&mut vs, path)?;
        Ok(Self::from_parts(vs, model, cfg.clone()))
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
    pub fn model(&self) -> &DiffWave {
        &self.model
    }
    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }
    pub fn sampler_mut(&mut self) -> &mut Sampler {
        &mut self.sampler
    }

    /// The reverse step count used when the caller names none (the fast schedule).
    pub fn default_steps(&self) -> usize {
        self.cfg.inference_noise_schedule.len()
    }
}

impl Vocoder for DiffWaveVocoder {
    fn family(&self) -> Family {
        Family::Diffusion
    }
    fn model_name(&self) -> &str {
        "diffwave"
    }
    fn hop_size(&self) -> usize {
        self.cfg.hop_samples
    }
    fn sample_rate(&self) -> u32 {
        self.cfg.sample_rate
    }
    fn device(&self) -> Device {
        self.vs.device()
    }

    fn vocode(&self, mel: &Tensor, opts: &VocodeOptions) -> Result<Tensor> {
        let empty = super::check_mel(mel, self.cfg.n_mels as i64, "diffwave", self.device())?;
        let steps = opts.steps.unwrap_or_else(|| self.default_steps());
        let plan = schedule::plan(&self.cfg.noise_schedule, &self.cfg.inference_noise_schedule, steps)?;
        if let Some(empty) = empty {
            return Ok(empty);
        }
        let mel = mel.to_device(self.device()).to_kind(Kind::Float);
        let frames = mel.size()[2] as u64;
        let bar = progress_bar(steps as u64, frames * self.cfg.hop_samples as u64, self.cfg.sample_rate);
        let audio = tch::no_grad(|| {
            let mel_up = self.model.spectrogram_upsampler.forward(&mel);
            self.sampler.sample(&self.model, &mel_up, &plan, opts.seed.unwrap_or(0), || bar.inc(1))
        });
        bar.finish_and_clear();
        Ok(audio)
    }

    fn parameters(&self) -> u64 {
        crate::nn::parameter_count(&self.vs)
    }
    /// bf16 runs the network in bfloat16; the audio and the reverse-process update stay in
    /// float32.
    fn set_precision(&mut self, precision: Precision) -> Result<()> {
        let block = self.sampler.block;
        self.sampler = Sampler::new(&self.model).with_kind(precision.kind());
        self.sampler.block = block;
        Ok(())
    }
}

/// A progress bar over reverse steps on stderr, shown only for more than ~5 s of audio
/// (indicatif hides it when stderr is not a terminal).
fn progress_bar(steps: u64, samples: u64, sample_rate: u32) -> indicatif::ProgressBar {
    if samples < 5 * sample_rate as u64 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(steps);
    if let Ok(style) = indicatif::ProgressStyle::with_template("diffwave {bar:30} step {pos}/{len} [{elapsed_precise}<{eta_precise}]") {
        bar.set_style(style);
    }
    bar
}

/// Builds DiffWave from `voice`'s diffusion entry.
pub fn load(voice: &Voice, entry: &ModelEntry, device: Device) -> Result<Box<dyn Vocoder>> {
    let cfg = voice.model_config_for::<Config>(entry)?;
    let mut vs = VarStore::new(device);
    let model = DiffWave::new(vs.root(), &cfg);
    voice.load_weights(entry, &mut vs)?;
    Ok(Box::new(DiffWaveVocoder::from_parts(vs, model, cfg)))
}

/// Builds DiffWave with random weights from a preset (`base`, `large`, `tiny`) or a JSON
/// config file, for `mel`, for benchmarks and tests.
pub fn build_random(config: &str, mel: &MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    Ok(Box::new(DiffWaveVocoder::random(&Config::from_name_or_file(config, mel)?, device)?))
}
