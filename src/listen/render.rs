//! How the stimuli of a study are made. Each condition is one [`Render`]: given a sentence
//! (and the recordings found for it) it returns audio at the study's sample rate.
//!
//! Conditions: the reference recording itself, low-passed anchors, copy synthesis (the
//! recording's mel through any vocoder, Griffin-Lim included) and text to speech (the
//! sentence through the voice's acoustic model and a vocoder; no recording needed).

use tch::{Device, Kind};

use super::anchor;
use super::manifest::{Condition, ConditionKind, Sentence};
use crate::audio::{Audio, MelConfig, MelExtractor};
use crate::error::{Error, Result};
use crate::synth::{SynthOptions, Synthesizer};
use crate::vocoder::{Family, VocodeOptions, Vocoder};

/// The recordings available for one sentence, at the study's sample rate.
pub struct Sources<'a> {
    pub sentence: &'a Sentence,
    /// The reference recording (`--reference`), played to listeners.
    pub reference: Option<&'a Audio>,
    /// The recording whose mel copy synthesis vocodes (`--resynth`, else the reference).
    pub resynth: Option<&'a Audio>,
}

/// One condition of a study: renders a sentence.
pub trait Render {
    /// The condition this renderer produces (its key must be unique in the study).
    fn condition(&self) -> Condition;
    fn render(&mut self, src: &Sources) -> Result<Audio>;
}

/// The reference recording, unchanged.
pub struct Reference;

impl Render for Reference {
    fn condition(&self) -> Condition {
        Condition { key: "reference".into(), label: "Reference".into(), kind: ConditionKind::Reference, family: None, options: serde_json::Value::Null }
    }
    fn render(&mut self, src: &Sources) -> Result<Audio> {
        src.reference.cloned().ok_or_else(|| missing(src.sentence, "reference"))
    }
}

/// The reference low-passed at `cutoff` Hz (BS.1534 anchors: 3 500 Hz low, 7 000 Hz mid).
pub struct Anchor {
    pub cutoff: f64,
}

impl Anchor {
    fn key(&self) -> String {
        format!("anchor-{}k", self.cutoff / 1000.0)
    }
}

impl Render for Anchor {
    fn condition(&self) -> Condition {
        Condition {
            key: self.key(),
            label: format!("Anchor (low-pass {} kHz)", self.cutoff / 1000.0),
            kind: ConditionKind::Anchor,
            family: None,
            options: serde_json::json!({ "cutoff_hz": self.cutoff }),
        }
    }
    fn render(&mut self, src: &Sources) -> Result<Audio> {
        let r = src.reference.ok_or_else(|| missing(src.sentence, "reference"))?;
        Ok(Audio::new(anchor::lowpass(&r.samples, self.cutoff, r.sample_rate), r.sample_rate))
    }
}

/// Copy synthesis: the recording's mel through a vocoder.
pub struct CopySynthesis {
    vocoder: Box<dyn Vocoder>,
    options: VocodeOptions,
    mel: MelExtractor,
    key: String,
    label: String,
}

impl CopySynthesis {
    /// `variant` distinguishes several conditions of one family (e.g. "steps6").
    pub fn new(vocoder: Box<dyn Vocoder>, options: VocodeOptions, mel: &MelConfig, variant: Option<String>) -> Result<Self> {
        let family = vocoder.family();
        let key = match &variant {
            Some(v) => format!("{}-{v}", family.key()),
            None => family.key().to_string(),
        };
        let label = match (&variant, family) {
            (_, Family::GriffinLim) => "Griffin-Lim".to_string(),
            (Some(v), _) => format!("{} ({}, {v})", family.key(), vocoder.model_name()),
            (None, _) => format!("{} ({})", family.key(), vocoder.model_name()),
        };
        Ok(CopySynthesis { vocoder, options, mel: MelExtractor::new(mel)?, key, label })
    }
}

impl Render for CopySynthesis {
    fn condition(&self) -> Condition {
        let o = &self.options;
        Condition {
            key: self.key.clone(),
            label: self.label.clone(),
            kind: ConditionKind::CopySynthesis,
            family: Some(self.vocoder.family().key().to_string()),
            options: serde_json::json!({
                "model": self.vocoder.model_name(), "seed": o.seed, "steps": o.steps, "sigma": o.sigma,
                "denoise": o.denoise, "temperature": o.temperature, "iterations": o.iterations, "momentum": o.momentum,
            }),
        }
    }
    fn render(&mut self, src: &Sources) -> Result<Audio> {
        let a = src.resynth.ok_or_else(|| missing(src.sentence, "copy-synthesis source"))?;
        let mel = self.mel.compute(&a.samples);
        if mel.frames == 0 {
            return Err(Error::arg(format!("sentence {} ({}): recording too short to vocode", src.sentence.index, src.sentence.id)));
        }
        let wav = tch::no_grad(|| self.vocoder.vocode(&mel.to_tensor(), &self.options))?;
        let samples = Vec::<f32>::try_from(wav.to_device(Device::Cpu).to_kind(Kind::Float).flatten(0, -1))?;
        Ok(Audio::new(samples, self.vocoder.sample_rate()))
    }
}

/// Text to speech: the sentence's text through a [`Synthesizer`] (frontend, acoustic model,
/// vocoder).
pub struct TextToSpeech {
    tts: Synthesizer,
    options: SynthOptions,
}

impl TextToSpeech {
    pub fn new(tts: Synthesizer, options: SynthOptions) -> Self {
        TextToSpeech { tts, options }
    }
}

impl Render for TextToSpeech {
    fn condition(&self) -> Condition {
        let (family, o) = (self.tts.vocoder.family(), &self.options.vocode);
        let label = match family {
            Family::GriffinLim => "Text to speech, Griffin-Lim".to_string(),
            f => format!("Text to speech, {} ({})", f.key(), self.tts.vocoder.model_name()),
        };
        Condition {
            key: format!("tts-{}", family.key()),
            label,
            kind: ConditionKind::Tts,
            family: Some(family.key().to_string()),
            options: serde_json::json!({
                "model": self.tts.vocoder.model_name(), "seed": o.seed, "steps": o.steps, "sigma": o.sigma,
                "denoise": o.denoise, "temperature": o.temperature, "iterations": o.iterations, "momentum": o.momentum,
                "rate": self.options.rate, "pitch_semitones": self.options.pitch_semitones, "energy": self.options.energy,
            }),
        }
    }
    fn render(&mut self, src: &Sources) -> Result<Audio> {
        self.tts.synth(&src.sentence.text, &self.options)
    }
}

fn missing(s: &Sentence, what: &str) -> Error {
    Error::arg(format!("sentence {} ({}): no {what} recording to render from", s.index, s.id))
}
