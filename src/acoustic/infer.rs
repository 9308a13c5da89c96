//! FastPitch at inference: loading it from a voice pack, and turning per-symbol prosody
//! (SSML `<prosody>` rate/pitch/volume, `<break>` lengths) plus the global `--rate`,
//! `--pitch` and `--energy` into the model's [`Controls`].

use tch::{nn, Device, Kind, Tensor};

use super::config::Config;
use super::model::{Controls, FastPitch};
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::voice::Voice;

/// One input symbol with the prosody that applies to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Symbol {
    /// Tokenizer id (> 0).
    pub id: i64,
    /// Speaking-rate multiplier (> 1 = faster).
    pub rate: f32,
    /// Pitch multiplier (2.0 = one octave up).
    pub pitch: f32,
    /// Loudness (energy) multiplier.
    pub volume: f32,
    /// For pause symbols: how long the pause lasts, in milliseconds.
    pub pause_ms: Option<u32>,
}

impl Symbol {
    /// A symbol with neutral prosody.
    pub fn plain(id: i64) -> Symbol {
        Symbol { id, rate: 1.0, pitch: 1.0, volume: 1.0, pause_ms: None }
    }
}

/// Controls for a whole request (`--rate`, `--pitch`, `--energy`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prosody {
    /// Speaking rate (> 1 = faster).
    pub rate: f64,
    /// Pitch shift in semitones.
    pub pitch_semitones: f64,
    /// Energy (loudness) multiplier.
    pub energy: f64,
}

impl Default for Prosody {
    fn default() -> Self {
        Prosody { rate: 1.0, pitch_semitones: 0.0, energy: 1.0 }
    }
}

impl Prosody {
    /// Checks the ranges a listener can make sense of.
    pub fn validate(&self) -> Result<()> {
        if !(self.rate.is_finite() && (0.25..=4.0).contains(&self.rate)) {
            return Err(Error::arg(format!("--rate {} is out of range; use 0.25 to 4 (1 = normal, 2 = twice as fast)", self.rate)));
        }
        if !(self.pitch_semitones.is_finite() && (-24.0..=24.0).contains(&self.pitch_semitones)) {
            return Err(Error::arg(format!("--pitch {} is out of range; use -24 to 24 semitones", self.pitch_semitones)));
        }
        if !(self.energy.is_finite() && (0.0..=4.0).contains(&self.energy)) {
            return Err(Error::arg(format!("--energy {} is out of range; use 0 to 4 (1 = normal)", self.energy)));
        }
        Ok(())
    }
}

/// What one utterance became.
#[derive(Debug)]
pub struct MelOutput {
    /// `[1, n_mels, frames]` log-mel.
    pub mel: Tensor,
    /// Frames given to each symbol.
    pub frames: Vec<i64>,
    /// Pitch of each symbol in Hz (after shifts).
    pub pitch_hz: Vec<f32>,
    /// Energy of each symbol (after scaling), when the model conditions on energy.
    pub energy: Option<Vec<f32>>,
}

/// A FastPitch ready for inference.
pub struct AcousticModel {
    pub vs: nn::VarStore,
    pub model: FastPitch,
    pub mel: MelConfig,
}

impl AcousticModel {
    /// Loads the voice's acoustic model, or explains how to get one.
    pub fn load(voice: &Voice, device: Device) -> Result<AcousticModel> {
        let Some(entry) = voice.config.acoustic.as_ref() else {
            return Err(Error::voice(voice.name(), format!(
                "has no trained acoustic model, so it cannot speak text; train one with `ferry train acoustic --data DIR --out RUN` and add it with `ferry export --checkpoint RUN/checkpoint.safetensors --voice {}`",
                voice.dir.display()
            )));
        };
        let cfg: Config = voice.model_config(entry)?;
        let mut vs = nn::VarStore::new(device);
        let model = FastPitch::new(vs.root(), &cfg).map_err(|e| Error::voice(voice.name(), format!("acoustic model config: {e}")))?;
        voice.load_weights(entry, &mut vs)?;
        Ok(AcousticModel { vs, model, mel: voice.config.mel.clone() })
    }

    /// A model with random weights from a preset (`tiny`, `full`) or a config: for
    /// benchmarks and tests.
    pub fn random(cfg: &Config, mel: &MelConfig, device: Device) -> Result<AcousticModel> {
        let vs = nn::VarStore::new(device);
        let model = FastPitch::new(vs.root(), cfg)?;
        Ok(AcousticModel { vs, model, mel: mel.clone() })
    }

    /// Per-symbol controls from each symbol's prosody and the request's.
    pub fn controls(&self, symbols: &[Symbol], global: &Prosody) -> Controls {
        let s = symbols.len() as i64;
        let frames_per_ms = self.mel.sampling_rate as f64 / self.mel.hop_size as f64 / 1000.0;
        let pace: Vec<f32> = symbols.iter().map(|x| (x.rate.max(0.05) as f64 * global.rate) as f32).collect();
        let shift: Vec<f32> = symbols.iter().map(|x| (12.0 * (x.pitch.max(0.05) as f64).log2() + global.pitch_semitones) as f32).collect();
        // A pause of a prescribed length is silence: its energy is zero, not predicted. The
        // decoder follows the energy it is given, and a predicted one lets the word before
        // ring on into the pause (measured on "One, two, three.": speech in 15 of the
        // comma's 17 frames, none with zero).
        let energy: Vec<f32> = symbols.iter().map(|x| if x.pause_ms.is_some() { 0.0 } else { (x.volume.max(0.0) as f64 * global.energy) as f32 }).collect();
        let fixed: Vec<f32> = symbols.iter().map(|x| x.pause_ms.map_or(-1.0, |ms| (ms as f64 * frames_per_ms) as f32)).collect();
        let t = |v: &[f32]| Tensor::from_slice(v).view([1, s]).to_device(self.vs.device());
        Controls { pace: t(&pace), pitch_shift: t(&shift), energy_scale: t(&energy), fixed_frames: t(&fixed) }
    }

    /// Symbols → log-mel of one utterance.
    pub fn synthesize(&self, symbols: &[Symbol], global: &Prosody) -> Result<MelOutput> {
        global.validate()?;
        if symbols.is_empty() {
            return Err(Error::Text("nothing to say: the text gave no phonemes".into()));
        }
        let n = self.model.cfg.n_symbols;
        if let Some(bad) = symbols.iter().find(|x| x.id <= 0 || x.id >= n) {
            return Err(Error::Text(format!(
                "symbol id {} is outside the acoustic model's vocabulary (1..{n}); the voice's tokenizer and acoustic model do not match",
                bad.id
            )));
        }
        let ids: Vec<i64> = symbols.iter().map(|x| x.id).collect();
        let device = self.vs.device();
        let text = Tensor::from_slice(&ids).view([1, -1]).to_device(device);
        let lens = Tensor::from_slice(&[ids.len() as i64]).to_device(device);
        let controls = self.controls(symbols, global);
        let out = tch::no_grad(|| self.model.infer(&text, &lens, &controls))?;
        let t = out.mel_lens.int64_value(&[0]);
        if t == 0 {
            return Err(Error::Text("the acoustic model gave this text no frames (every symbol predicted 0 long); is the model trained?".into()));
        }
        let to_vec = |x: &Tensor| Vec::<f32>::try_from(x.get(0).to_device(Device::Cpu).to_kind(Kind::Float));
        Ok(MelOutput {
            mel: out.mel.narrow(2, 0, t),
            frames: Vec::<i64>::try_from(out.frames.get(0).to_device(Device::Cpu))?,
            pitch_hz: to_vec(&out.pitch_hz)?,
            energy: out.energy.as_ref().map(to_vec).transpose()?,
        })
    }
}
