//! Vocos in the gan family (C. Siuzdak, "Vocos: Closing the gap between time-domain and
//! Fourier-based neural vocoders for high-quality audio synthesis", 2023): a frame-rate
//! ConvNeXt generator with an inverse-STFT head, trained adversarially like HiFi-GAN
//! (`ferry train vocos`).
//!
//! - [`config`]: the reference YAML's keys and the `vocos`, `vocos-cpu`, `vocos-tiny` presets.
//! - [`model`]: backbone, head and generator, with the reference weight names.

pub mod config;
pub mod model;

use tch::{nn::VarStore, Device, Kind, Tensor};

pub use config::Config;
pub use model::VocosGenerator;

use crate::audio::MelConfig;
use crate::error::Result;
use crate::vocoder::model_config::ModelConfig;
use crate::vocoder::{Family, Precision, VocodeOptions, Vocoder};
use crate::voice::{ModelEntry, Voice};

/// Model name in voice packs.
pub const MODEL_NAME: &str = "vocos";

/// A Vocos vocoder ready for inference.
pub struct Vocos {
    gen: VocosGenerator,
    precision: Precision,
    n_mels: i64,
    hop: usize,
    sample_rate: u32,
    device: Device,
    vs: VarStore,
}

impl Vocos {
    /// Wraps a generator whose weights live in `vs`; checks it against the voice's mel.
    pub fn from_generator(vs: VarStore, gen: VocosGenerator, mel: &MelConfig) -> Result<Self> {
        gen.cfg.validate_for(mel)?;
        Ok(Self { n_mels: mel.num_mels as i64, hop: mel.hop_size, sample_rate: mel.sampling_rate, device: vs.device(), gen, precision: Precision::Fp32, vs })
    }
}

impl Vocoder for Vocos {
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
        if let Some(empty) = crate::vocoder::check_mel(mel, self.n_mels, "Vocos", self.device)? {
            return Ok(empty);
        }
        let mel = mel.to_device(self.device).to_kind(Kind::Float);
        let y = tch::no_grad(|| match self.precision {
            Precision::Fp32 => self.gen.forward(&mel),
            Precision::Bf16 => self.gen.forward_bf16(&mel),
        });
        Ok(y.clamp(-1.0, 1.0))
    }
    fn parameters(&self) -> u64 {
        crate::nn::parameter_count(&self.vs)
    }
    fn set_precision(&mut self, precision: Precision) -> Result<()> {
        self.precision = precision;
        Ok(())
    }
}

/// Builds Vocos from `voice`'s gan entry (fp16 weights on disk, fp32 in memory).
pub fn load(voice: &Voice, entry: &ModelEntry, device: Device) -> Result<Box<dyn Vocoder>> {
    let cfg = voice.model_config_for::<Config>(entry)?;
    let mel = &voice.config.mel;
    let mut vs = VarStore::new(device);
    let gen = VocosGenerator::new(vs.root(), &cfg, mel.num_mels as i64);
    voice.load_weights(entry, &mut vs)?;
    Ok(Box::new(Vocos::from_generator(vs, gen, mel)?))
}

/// Builds Vocos with random weights from a preset (`vocos`, `vocos-cpu`, `vocos-tiny`) or a
/// JSON file with the reference keys.
pub fn build_random(spec: &str, mel: &MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    Ok(Box::new(random(spec, mel, device)?))
}

/// [`build_random`] with the concrete type.
pub fn random(spec: &str, mel: &MelConfig, device: Device) -> Result<Vocos> {
    let cfg = Config::from_name_or_file(spec, mel)?;
    let vs = VarStore::new(device);
    let gen = VocosGenerator::new(vs.root(), &cfg, mel.num_mels as i64);
    Vocos::from_generator(vs, gen, mel)
}
