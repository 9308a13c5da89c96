//! The `gan` family: HiFi-GAN (J. Kong, J. Kim and J. Bae, "HiFi-GAN: Generative Adversarial
//! Networks for Efficient and High Fidelity Speech Synthesis", NeurIPS 2020) and Vocos
//! (C. Siuzdak, 2023: a frame-rate ConvNeXt generator with an inverse-STFT head), both trained
//! against discriminators.
//!
//! - [`config`]: V1/V2/V3 and Ferry's `compact` voice-pack preset, reference JSON keys.
//! - [`train_config`]: the training keys both generators share (discriminators, warm-up).
//! - [`vocos`]: the Vocos generator and its presets.
//! - [`mrd`]: the multi-resolution spectrogram discriminator (UnivNet / Vocos).
//! - [`generator`]: the trainable generator with the reference weight names.
//! - [`fast`]: the folded, channels-last inference form.
//! - [`discriminators`]: multi-period and multi-scale discriminators.
//! - [`losses`]: least-squares GAN, feature matching, mel L1.
//! - [`norm_convs`]: the weight- and spectrally-normalised convolutions of the discriminators.
//! - [`train`]: the training task for `ferry train gan`.

pub mod config;
pub mod discriminators;
pub mod fast;
pub mod generator;
pub mod losses;
pub mod mrd;
pub mod norm_convs;
pub mod train;
pub mod train_config;
pub mod vocos;

use tch::{nn::VarStore, Device, Tensor};

pub use config::Config;
pub use fast::FastGenerator;
pub use generator::Generator;

use super::{Family, Precision, VocodeOptions, Vocoder};
use crate::audio::MelConfig;
use crate::error::Result;
use crate::vocoder::model_config::ModelConfig;
use crate::voice::{ModelEntry, Voice};

/// Model name in voice packs.
pub const MODEL_NAME: &str = "hifigan";

/// A HiFi-GAN vocoder ready for inference.
pub struct HifiGan {
    /// The folded generator in fp32.
    gen: FastGenerator,
    /// A reduced-precision copy of `gen`, used instead of it when set.
    low_precision: Option<FastGenerator>,
    n_mels: i64,
    hop: usize,
    sample_rate: u32,
    device: Device,
    /// The trained weights (the folded copies are derived from them).
    vs: VarStore,
}

impl HifiGan {
    /// Wraps a trained generator (its weight norms are folded into the inference copy).
    pub fn from_generator(vs: VarStore, gen: &Generator, n_mels: i64, mel: &MelConfig) -> Result<Self> {
        gen.cfg.validate_for(mel)?;
        Ok(Self { gen: FastGenerator::new(gen), low_precision: None, n_mels, hop: mel.hop_size, sample_rate: mel.sampling_rate, device: vs.device(), vs })
    }

    /// The generator that `vocode` runs.
    fn active(&self) -> &FastGenerator {
        self.low_precision.as_ref().unwrap_or(&self.gen)
    }
}

impl Vocoder for HifiGan {
    fn family(&self) -> Family {
        Family::Gan
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
    fn vocode(&self, mel: &Tensor, _opts: &VocodeOptions) -> Result<Tensor> {
        if let Some(empty) = super::check_mel(mel, self.n_mels, "HiFi-GAN", self.device)? {
            return Ok(empty);
        }
        Ok(self.active().forward(&mel.to_device(self.device)))
    }
    fn parameters(&self) -> u64 {
        crate::nn::parameter_count(&self.vs)
    }
    fn set_precision(&mut self, precision: Precision) -> Result<()> {
        // Always converted from the fp32 weights, so switching back and forth loses nothing.
        self.low_precision = match precision {
            Precision::Fp32 => None,
            p => Some(self.gen.with_kind(p.kind())),
        };
        Ok(())
    }
}

/// Builds HiFi-GAN from `voice`'s gan entry (fp16 weights on disk, fp32 in memory).
pub fn load(voice: &Voice, entry: &ModelEntry, device: Device) -> Result<Box<dyn Vocoder>> {
    let cfg = voice.model_config_for::<Config>(entry)?;
    let mel = &voice.config.mel;
    let mut vs = VarStore::new(device);
    let gen = Generator::new(vs.root(), &cfg, mel.num_mels as i64);
    voice.load_weights(entry, &mut vs)?;
    Ok(Box::new(HifiGan::from_generator(vs, &gen, mel.num_mels as i64, mel)?))
}

/// Builds HiFi-GAN with random weights from a preset (`v1`, `v2`, `v3`, `compact`, `tiny`)
/// or a JSON config file with the reference keys.
pub fn build_random(config: &str, mel: &MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    Ok(Box::new(random(config, mel, device)?))
}

/// Whether a preset name or config file describes a Vocos generator (a file with `dim` and
/// no `upsample_rates`) rather than HiFi-GAN.
pub fn is_vocos_spec(spec: &str) -> bool {
    if vocos::config::PRESETS.contains(&spec.trim().to_ascii_lowercase().as_str()) {
        return true;
    }
    std::fs::read_to_string(spec).ok().and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok()).is_some_and(|v| is_vocos_json(&v))
}

/// Whether a JSON config holds Vocos' keys rather than HiFi-GAN's.
pub fn is_vocos_json(v: &serde_json::Value) -> bool {
    v.get("dim").is_some() && v.get("upsample_rates").is_none()
}

/// [`build_random`] with the concrete type (for benchmarks that switch precision).
pub fn random(config: &str, mel: &MelConfig, device: Device) -> Result<HifiGan> {
    let cfg = Config::from_name_or_file(config, mel)?;
    let vs = VarStore::new(device);
    let gen = Generator::new(vs.root(), &cfg, mel.num_mels as i64);
    HifiGan::from_generator(vs, &gen, mel.num_mels as i64, mel)
}
