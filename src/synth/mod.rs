//! Text to speech end to end, in two parts: [`TextToMel`] (frontend → acoustic model, one
//! per voice, shared by several synthesizers on one thread) and a vocoder; the [`Synthesizer`] holds one of each.
//!
//! ```no_run
//! use ferry::synth::{Synthesizer, SynthOptions};
//! # fn main() -> ferry::Result<()> {
//! let voice = ferry::Voice::find("joe")?;
//! let tts = Synthesizer::new(&voice, ferry::Family::GriffinLim, tch::Device::Cpu)?;
//! let audio = tts.synth("Hello there.", &SynthOptions { rate: 1.2, ..Default::default() })?;
//! ferry::audio::write_wav("hello.wav", &audio, ferry::audio::SampleFormat::Pcm16)?;
//! # Ok(()) }
//! ```

mod text_to_mel;

use std::rc::Rc;
use std::sync::atomic::AtomicBool;

use tch::{Device, Kind};

pub use text_to_mel::{symbols_of, TextToMel};

use crate::acoustic::{AcousticModel, Prosody};
use crate::audio::Audio;
use crate::error::Result;
use crate::speak::{AudioSink, SpeakReport};
use crate::text::{Frontend, Utterance};
use crate::timestamps::Timestamps;
use crate::vocoder::stream::ChunkPlan;
use crate::vocoder::{self, Family, VocodeOptions, Vocoder};
use crate::voice::Voice;

/// How to speak: global prosody controls and the vocoder's options.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Speaking rate (1 = as trained, 2 = twice as fast).
    pub rate: f64,
    /// Pitch shift in semitones (−2 = a whole tone lower).
    pub pitch_semitones: f64,
    /// Energy (loudness) multiplier.
    pub energy: f64,
    pub vocode: VocodeOptions,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions { rate: 1.0, pitch_semitones: 0.0, energy: 1.0, vocode: VocodeOptions::default() }
    }
}

impl SynthOptions {
    pub fn prosody(&self) -> Prosody {
        Prosody { rate: self.rate, pitch_semitones: self.pitch_semitones, energy: self.energy }
    }
}

/// A voice ready to speak: its text → mel part (shared) and one vocoder.
pub struct Synthesizer {
    pub text: Rc<TextToMel>,
    pub vocoder: Box<dyn Vocoder>,
}

impl Synthesizer {
    /// Loads the voice's frontend, acoustic model and the vocoder of `family`. A voice
    /// without a trained acoustic model is an error that says how to add one.
    pub fn new(voice: &Voice, family: Family, device: Device) -> Result<Synthesizer> {
        let text = Rc::new(TextToMel::load(voice, device)?);
        Ok(Synthesizer::with_vocoder(text, vocoder::load(voice, family, device)?))
    }

    /// A text → mel part already loaded (shared with other synthesizers) and a vocoder.
    pub fn with_vocoder(text: Rc<TextToMel>, vocoder: Box<dyn Vocoder>) -> Synthesizer {
        Synthesizer { text, vocoder }
    }

    /// Builds a synthesizer from parts already loaded (tests, custom pipelines).
    pub fn from_parts(frontend: Frontend, acoustic: AcousticModel, vocoder: Box<dyn Vocoder>) -> Synthesizer {
        Synthesizer::with_vocoder(Rc::new(TextToMel { frontend, acoustic }), vocoder)
    }

    pub fn sample_rate(&self) -> u32 {
        self.text.sample_rate()
    }

    /// Checks the prosody, then text (or SSML) → the frontend's sentences; none is an error.
    pub fn sentences(&self, text: &str, prosody: &Prosody) -> Result<Vec<Utterance>> {
        self.text.sentences(text, prosody)
    }

    /// Text (or SSML) → audio at the voice's sample rate, sentence after sentence.
    pub fn synth(&self, text: &str, opts: &SynthOptions) -> Result<Audio> {
        Ok(self.synth_timed(text, opts)?.0)
    }

    /// Like [`synth`](Self::synth), with where each word and phoneme is in the audio.
    pub fn synth_timed(&self, text: &str, opts: &SynthOptions) -> Result<(Audio, Timestamps)> {
        let prosody = opts.prosody();
        let utterances = self.sentences(text, &prosody)?;
        let (mut samples, mut timestamps) = (Vec::new(), Timestamps::default());
        for u in &utterances {
            // A sentence starts where the audio before it ends.
            let (audio, spans) = self.utterance_audio(u, &prosody, &opts.vocode, samples.len())?;
            samples.extend(audio);
            timestamps.extend(spans);
        }
        Ok((Audio::new(samples, self.sample_rate()), timestamps))
    }

    /// One utterance → its samples at the voice's rate and the spans of its words and
    /// phonemes, the utterance starting `samples_before` samples into the output.
    pub fn utterance_audio(&self, u: &Utterance, prosody: &Prosody, vocode: &VocodeOptions, samples_before: usize) -> Result<(Vec<f32>, Timestamps)> {
        let offset = samples_before as f64 / self.sample_rate() as f64;
        let (mel, spans) = self.text.utterance_timed(u, prosody, offset)?;
        let wav = self.vocoder.vocode(&mel, vocode)?;
        Ok((Vec::<f32>::try_from(wav.flatten(0, -1).to_device(Device::Cpu).to_kind(Kind::Float))?, spans))
    }

    /// Speaks `text` into `sink` as it is synthesised: sentence n+1 goes through the
    /// acoustic model only once sentence n is streaming, and long sentences are vocoded in
    /// overlapping chunks, so the first sound comes early. Stops when `stop` is raised or the
    /// sink refuses more. The one streaming path of `ferry synth --output-raw` and `ferry say`.
    pub fn stream(&self, text: &str, opts: &SynthOptions, sink: &mut dyn AudioSink, stop: &AtomicBool) -> Result<SpeakReport> {
        let prosody = opts.prosody();
        let mels = self.text.stream(text, &prosody)?;
        crate::speak::speak(self.vocoder.as_ref(), mels, sink, &ChunkPlan::default(), &opts.vocode, stop)
    }
}
