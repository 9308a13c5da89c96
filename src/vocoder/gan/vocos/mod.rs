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
use crate::error::{Error, Result};
use crate::vocoder::{Family, Precision, VocodeOptions, Vocoder};
use crate::voice::Voice;

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
    _vs: VarStore,
}

impl Vocos {
    /// Wraps a generator whose weights live in `vs`; checks it against the voice's mel.
    pub fn from_generator(vs: VarStore, gen: VocosGenerator, mel: &MelConfig) -> Result<Self> {
        gen.cfg.validate_for(mel)?;
        Ok(Self {
            n_mels: mel.num_mels as i64,
            hop: mel.hop_size,
            sample_rate: mel.sampling_rate,
            device: vs.device(),
            gen,
            precision: Precision::Fp32,
            _vs: vs,
        })
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
    fn set_precision(&mut self, precision: Precision) -> Result<()> {
        self.precision = precision;
        Ok(())
    }
}

/// Builds the Vocos vocoder of a voice entry (fp16 weights on disk, fp32 in memory).
pub fn load(voice: &Voice, entry: &crate::voice::ModelEntry, device: Device) -> Result<Box<dyn Vocoder>> {
    let cfg: Config = voice.model_config(entry)?;
    let mel = &voice.config.mel;
    cfg.validate_for(mel).map_err(|e| Error::voice(voice.name(), e.to_string()))?;
    let mut vs = VarStore::new(device);
    let gen = VocosGenerator::new(vs.root(), &cfg, mel.num_mels as i64);
    voice.load_weights(entry, &mut vs)?;
    Ok(Box::new(Vocos::from_generator(vs, gen, mel)?))
}

/// A Vocos with random weights from a preset or a JSON file (benchmarks and tests).
pub fn random(spec: &str, mel: &MelConfig, device: Device) -> Result<Vocos> {
    let mut cfg = Config::from_name_or_file(spec)?;
    // The presets are written for the default mel; a voice with another hop gets its own.
    if Config::preset(spec).is_some() {
        cfg.hop_length = mel.hop_size as i64;
        cfg.n_fft = mel.n_fft as i64;
    }
    let vs = VarStore::new(device);
    let gen = VocosGenerator::new(vs.root(), &cfg, mel.num_mels as i64);
    Vocos::from_generator(vs, gen, mel)
}
