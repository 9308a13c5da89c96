//! The `vae` family: Ferry's conditional VAE vocoder (`cvae`), trained by its evidence
//! lower bound (D. P. Kingma and M. Welling, "Auto-encoding variational Bayes", ICLR 2014)
//! with a VITS-style posterior encoder over the linear spectrogram (J. Kim, J. Kong and
//! J. Son, ICML 2021) and a HiFi-GAN decoder (J. Kong, J. Kim and J. Bae, NeurIPS 2020)
//! or a Vocos one (C. Siuzdak, 2023).
//!
//! - [`config`]: presets and JSON keys.
//! - [`gaussian`]: reparameterisation, closed-form KL, free bits.
//! - [`encoders`]: posterior q(z | x, mel) and learned prior p(z | mel).
//! - [`model`]: prior + decoder (inference) and the posterior (training).
//! - [`losses`]: multi-resolution STFT reconstruction.
//! - [`train`]: the ELBO training task for `ferry train vae`.

pub mod config;
pub mod encoders;
pub mod gaussian;
pub mod losses;
pub mod model;
pub mod train;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tch::{nn::VarStore, Device, Kind, Tensor};

pub use config::{Config, PriorKind};
pub use model::{Decoder, VaeDecoder};

use super::gan::FastGenerator;
use super::{Family, VocodeOptions, Vocoder};
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::vocoder::model_config::ModelConfig;
use crate::voice::{ModelEntry, Voice};

/// Model name in voice packs.
pub const MODEL_NAME: &str = "cvae";

/// The VAE vocoder ready for inference: prior, then the decoder (a HiFi-GAN decoder runs
/// folded and channels-last).
pub struct Cvae {
    model: VaeDecoder,
    /// The folded copy of a HiFi-GAN decoder.
    fast: Option<FastGenerator>,
    default_temperature: f64,
    n_mels: i64,
    hop: usize,
    sample_rate: u32,
    device: Device,
    vs: VarStore,
}

impl Cvae {
    pub fn new(vs: VarStore, model: VaeDecoder, cfg: &Config, mel: &MelConfig) -> Result<Self> {
        cfg.validate_for(mel)?;
        let fast = match &model.dec {
            Decoder::HifiGan(g) => Some(FastGenerator::new(g)),
            Decoder::Vocos(_) => None,
        };
        Ok(Self {
            model,
            fast,
            default_temperature: cfg.temperature,
            n_mels: mel.num_mels as i64,
            hop: mel.hop_size,
            sample_rate: mel.sampling_rate,
            device: vs.device(),
            vs,
        })
    }

    /// The latent for `mel` at `temperature` (0 = the prior mean), `[B, z, F]`.
    pub fn sample_z(&self, mel: &Tensor, temperature: f64, seed: u64) -> Tensor {
        tch::no_grad(|| {
            let (m, logs) = self.model.prior_stats(mel);
            let eps = if temperature == 0.0 { m.zeros_like() } else { crate::nn::noise::gaussian(&mut StdRng::seed_from_u64(seed), &m.size(), m.device()) };
            gaussian::reparameterize(&m, &logs, &eps, temperature)
        })
    }
}

impl Vocoder for Cvae {
    fn family(&self) -> Family {
        Family::Vae
    }
    fn model_name(&self) -> &str {
        MODEL_NAME
    }
    fn hop_size(&self) -> usize {
        self.hop
    }
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
    fn device(&self) -> Device {
        self.device
    }
    fn vocode(&self, mel: &Tensor, opts: &VocodeOptions) -> Result<Tensor> {
        let empty = super::check_mel(mel, self.n_mels, "the VAE vocoder", self.device)?;
        let temperature = opts.temperature.unwrap_or(self.default_temperature);
        if !(temperature.is_finite() && temperature >= 0.0) {
            return Err(Error::arg(format!("--temperature must be a number >= 0 (0 = the prior mean), got {temperature}")));
        }
        if let Some(empty) = empty {
            return Ok(empty);
        }
        let mel = mel.to_device(self.device).to_kind(Kind::Float);
        let z = self.sample_z(&mel, temperature, opts.seed.unwrap_or(0));
        let x = VaeDecoder::decoder_input(&mel, &z);
        Ok(match &self.fast {
            Some(fast) => fast.forward(&x),
            // Vocos's output is unbounded, HiFi-GAN's is tanh'd: clip as the gan family does.
            None => tch::no_grad(|| self.model.dec.forward(&x).squeeze_dim(1).clamp(-1.0, 1.0)),
        })
    }
    fn parameters(&self) -> u64 {
        crate::nn::parameter_count(&self.vs)
    }
}

fn build(cfg: &Config, mel: &MelConfig, device: Device, weights: Option<(&Voice, &ModelEntry)>) -> Result<Cvae> {
    cfg.validate_for(mel)?;
    let mut vs = VarStore::new(device);
    let model = VaeDecoder::new(vs.root(), cfg, mel.num_mels as i64);
    if let Some((voice, entry)) = weights {
        voice.load_weights(entry, &mut vs)?;
    }
    Cvae::new(vs, model, cfg, mel)
}

/// Builds the VAE vocoder from `voice`'s vae entry.
pub fn load(voice: &Voice, entry: &ModelEntry, device: Device) -> Result<Box<dyn Vocoder>> {
    let cfg = voice.model_config_for::<Config>(entry)?;
    Ok(Box::new(build(&cfg, &voice.config.mel, device, Some((voice, entry)))?))
}

/// Builds the VAE vocoder with random weights from a preset (`base`, `vocos`, `tiny`, ...) or
/// a JSON config file.
pub fn build_random(config: &str, mel: &MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    Ok(Box::new(random(config, mel, device)?))
}

/// [`build_random`] with the concrete type.
pub fn random(config: &str, mel: &MelConfig, device: Device) -> Result<Cvae> {
    build(&Config::from_name_or_file(config, mel)?, mel, device, None)
}
