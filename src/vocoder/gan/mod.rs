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
use crate::error::{Error, Result};
use crate::voice::Voice;

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
    /// Keeps the weights alive (the folded copies are derived from them).
    _vs: VarStore,
}

impl HifiGan {
    /// Wraps a trained generator (its weight norms are folded into the inference copy).
    pub fn from_generator(vs: VarStore, gen: &Generator, n_mels: i64, mel: &MelConfig) -> Result<Self> {
        if gen.cfg.hop() as usize != mel.hop_size {
            return Err(Error::config("hifigan", format!("upsample_rates multiply to {} but the mel hop size is {}", gen.cfg.hop(), mel.hop_size)));
        }
        Ok(Self { gen: FastGenerator::new(gen), low_precision: None, n_mels, hop: mel.hop_size, sample_rate: mel.sampling_rate, device: vs.device(), _vs: vs })
    }

    /// The generator that `vocode` runs.
    fn active(&self) -> &FastGenerator {
        self.low_precision.as_ref().unwrap_or(&self.gen)
    }
}

/// Number of parameters of a var store.
pub fn parameter_count(vs: &VarStore) -> i64 {
    vs.trainable_variables().iter().map(|t| t.numel() as i64).sum()
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
    fn set_precision(&mut self, precision: Precision) -> Result<()> {
        // Always converted from the fp32 weights, so switching back and forth loses nothing.
        self.low_precision = match precision {
            Precision::Fp32 => None,
            p => Some(self.gen.with_kind(p.kind())),
        };
        Ok(())
    }
}

/// Builds the `gan` vocoder of `voice` (fp16 weights on disk, fp32 in memory): HiFi-GAN or
/// Vocos, as its `voice.json` entry names.
pub fn load(voice: &Voice, device: Device) -> Result<Box<dyn Vocoder>> {
    let entry = voice.vocoder_entry("gan")?;
    match entry.model.as_str() {
        MODEL_NAME => {}
        vocos::MODEL_NAME => return vocos::load(voice, entry, device),
        other => return Err(Error::voice(voice.name(), format!("its gan vocoder is '{other}', which this Ferry does not know (hifigan, vocos)"))),
    }
    let cfg: Config = voice.model_config(entry)?;
    cfg.validate().map_err(|e| Error::voice(voice.name(), e.to_string()))?;
    let mel = &voice.config.mel;
    let mut vs = VarStore::new(device);
    let gen = Generator::new(vs.root(), &cfg, mel.num_mels as i64);
    voice.load_weights(entry, &mut vs)?;
    Ok(Box::new(HifiGan::from_generator(vs, &gen, mel.num_mels as i64, mel)?))
}

/// Builds a gan vocoder with random weights from a preset (HiFi-GAN's `v1`, `v2`, `v3`,
/// `compact`, `tiny`; Vocos' `vocos`, `vocos-cpu`, `vocos-tiny`) or a JSON config file with
/// either model's reference keys (a file with `dim` is a Vocos config).
pub fn build_random(config: &str, mel: &MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    if is_vocos_spec(config) {
        return Ok(Box::new(vocos::random(config, mel, device)?));
    }
    Ok(Box::new(random(config, mel, device)?))
}

/// Whether a preset name or config file describes a Vocos generator.
pub fn is_vocos_spec(spec: &str) -> bool {
    if vocos::Config::preset(spec).is_some() {
        return true;
    }
    std::fs::read_to_string(spec)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v.get("dim").is_some() && v.get("upsample_rates").is_none())
}

/// [`build_random`] with the concrete type (for benchmarks that switch precision).
pub fn random(config: &str, mel: &MelConfig, device: Device) -> Result<HifiGan> {
    let cfg = Config::from_name_or_file(config)?;
    let vs = VarStore::new(device);
    let gen = Generator::new(vs.root(), &cfg, mel.num_mels as i64);
    HifiGan::from_generator(vs, &gen, mel.num_mels as i64, mel)
}
