//! Text to speech end to end: frontend → acoustic model → vocoder (the `Synthesizer`).
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

use tch::{Device, Kind};

use crate::acoustic::{AcousticModel, Prosody, Symbol};
use crate::audio::Audio;
use crate::error::{Error, Result};
use crate::text::{Frontend, FrontendOptions, Utterance};
use crate::timestamps::Timestamps;
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

/// Frontend options for a voice: its tokenizer, and the learned G2P model for
/// out-of-vocabulary words when `data/g2p` holds one (else such words are spelled out).
pub fn frontend_options(tokenizer: Option<std::path::PathBuf>) -> FrontendOptions {
    let have_g2p = crate::text::lexicon::data_dir().join("g2p").join("config.json").is_file();
    FrontendOptions { tokenizer, no_learned_model: !have_g2p, ..Default::default() }
}

/// The symbols of an utterance with the SSML prosody and pause length of each token.
pub fn symbols_of(u: &Utterance) -> Vec<Symbol> {
    u.tokens
        .iter()
        .zip(&u.ids)
        .map(|(t, &id)| Symbol { id, rate: t.prosody.rate, pitch: t.prosody.pitch, volume: t.prosody.volume, pause_ms: t.pause_ms })
        .collect()
}

/// A voice ready to speak: its frontend, acoustic model and one vocoder.
pub struct Synthesizer {
    pub frontend: Frontend,
    pub acoustic: AcousticModel,
    pub vocoder: Box<dyn Vocoder>,
    sample_rate: u32,
}

impl Synthesizer {
    /// Loads the voice's frontend (with its tokenizer), acoustic model and the vocoder of
    /// `family`. A voice without a trained acoustic model is an error that says how to add one.
    pub fn new(voice: &Voice, family: Family, device: Device) -> Result<Synthesizer> {
        let acoustic = AcousticModel::load(voice, device)?;
        let tokenizer = voice.path(&voice.config.tokenizer);
        if !tokenizer.is_file() {
            return Err(Error::voice(
                voice.name(),
                format!("its tokenizer {} is missing; the acoustic model's symbol ids need it (re-export the voice)", tokenizer.display()),
            ));
        }
        let frontend = Frontend::new(frontend_options(Some(tokenizer)))?;
        let vocoder = vocoder::load(voice, family, device)?;
        Ok(Synthesizer { frontend, acoustic, vocoder, sample_rate: voice.config.sample_rate })
    }

    /// Builds a synthesizer from parts already loaded (tests, custom pipelines).
    pub fn from_parts(frontend: Frontend, acoustic: AcousticModel, vocoder: Box<dyn Vocoder>) -> Synthesizer {
        let sample_rate = acoustic.mel.sampling_rate;
        Synthesizer { frontend, acoustic, vocoder, sample_rate }
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Text (or SSML) → the log-mel of each sentence, `[1, n_mels, frames]`.
    pub fn mels(&self, text: &str, opts: &SynthOptions) -> Result<Vec<tch::Tensor>> {
        let prosody = opts.prosody();
        self.sentences(text, &prosody)?.iter().map(|u| self.utterance_mel(u, &prosody)).collect()
    }

    /// Checks the prosody, then text (or SSML) → the frontend's sentences; none is an error.
    pub fn sentences(&self, text: &str, prosody: &Prosody) -> Result<Vec<Utterance>> {
        prosody.validate()?;
        let utterances = self.frontend.process(text)?;
        if utterances.is_empty() {
            return Err(Error::Text("nothing to say: the text holds no words".into()));
        }
        Ok(utterances)
    }

    /// One utterance of the frontend → its log-mel, `[1, n_mels, frames]`.
    pub fn utterance_mel(&self, u: &Utterance, prosody: &Prosody) -> Result<tch::Tensor> {
        Ok(self.acoustic.synthesize(&symbols_of(u), prosody)?.mel)
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
        Ok((Audio::new(samples, self.sample_rate), timestamps))
    }

    /// One utterance → its samples at the voice's rate and the spans of its words and
    /// phonemes, the utterance starting `samples_before` samples into the output.
    pub fn utterance_audio(&self, u: &Utterance, prosody: &Prosody, vocode: &VocodeOptions, samples_before: usize) -> Result<(Vec<f32>, Timestamps)> {
        let out = self.acoustic.synthesize(&symbols_of(u), prosody)?;
        let seconds_per_frame = self.acoustic.mel.hop_size as f64 / self.acoustic.mel.sampling_rate as f64;
        let offset = samples_before as f64 / self.sample_rate as f64;
        let spans = Timestamps::of_utterance(u, &out.frames, seconds_per_frame, offset)?;
        let wav = self.vocoder.vocode(&out.mel, vocode)?;
        Ok((Vec::<f32>::try_from(wav.flatten(0, -1).to_device(Device::Cpu).to_kind(Kind::Float))?, spans))
    }
}
