//! The first half of text to speech: a voice's frontend and acoustic model, text (or SSML)
//! → the log-mel of each sentence. One is loaded per voice and shared (`Rc`: libtorch's
//! tensors are not `Sync`) by every vocoder that speaks it on a thread: `ferry compare` and
//! each serve worker load the acoustic model once, not once per family.

use tch::{Device, Tensor};

use crate::acoustic::{AcousticModel, MelOutput, Prosody, Symbol};
use crate::error::{Error, Result};
use crate::text::{Frontend, FrontendOptions, Utterance};
use crate::timestamps::Timestamps;
use crate::voice::Voice;

/// The symbols of an utterance with the SSML prosody and pause length of each token.
pub fn symbols_of(u: &Utterance) -> Vec<Symbol> {
    u.tokens
        .iter()
        .zip(&u.ids)
        .map(|(t, &id)| Symbol { id, rate: t.prosody.rate, pitch: t.prosody.pitch, volume: t.prosody.volume, pause_ms: t.pause_ms })
        .collect()
}

/// A voice's frontend and acoustic model.
pub struct TextToMel {
    pub frontend: Frontend,
    pub acoustic: AcousticModel,
}

impl TextToMel {
    /// Loads the voice's frontend (with its tokenizer) and acoustic model. A voice without a
    /// trained acoustic model is an error that says how to add one.
    pub fn load(voice: &Voice, device: Device) -> Result<TextToMel> {
        let acoustic = AcousticModel::load(voice, device)?;
        let tokenizer = voice.path(&voice.config.tokenizer);
        if !tokenizer.is_file() {
            return Err(Error::voice(
                voice.name(),
                format!("its tokenizer {} is missing; the acoustic model's symbol ids need it (re-export the voice)", tokenizer.display()),
            ));
        }
        let frontend = Frontend::new(FrontendOptions::for_voice(Some(tokenizer)))?;
        Ok(TextToMel { frontend, acoustic })
    }

    /// The sample rate of the audio its mels describe.
    pub fn sample_rate(&self) -> u32 {
        self.acoustic.mel.sampling_rate
    }

    /// Seconds of audio per mel frame.
    pub fn seconds_per_frame(&self) -> f64 {
        self.acoustic.mel.hop_size as f64 / self.acoustic.mel.sampling_rate as f64
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

    /// One utterance of the frontend → the acoustic model's output (mel `[1, n_mels, F]`,
    /// frames per symbol, pitch, energy).
    pub fn utterance(&self, u: &Utterance, prosody: &Prosody) -> Result<MelOutput> {
        self.acoustic.synthesize(&symbols_of(u), prosody)
    }

    /// One utterance → its log-mel, `[1, n_mels, frames]`.
    pub fn utterance_mel(&self, u: &Utterance, prosody: &Prosody) -> Result<Tensor> {
        Ok(self.utterance(u, prosody)?.mel)
    }

    /// One utterance → its log-mel and the spans of its words and phonemes, the utterance
    /// starting `offset_s` seconds into the output.
    pub fn utterance_timed(&self, u: &Utterance, prosody: &Prosody, offset_s: f64) -> Result<(Tensor, Timestamps)> {
        let out = self.utterance(u, prosody)?;
        let spans = Timestamps::of_utterance(u, &out.frames, self.seconds_per_frame(), offset_s)?;
        Ok((out.mel, spans))
    }

    /// Text (or SSML) → the log-mel of each sentence, `[1, n_mels, frames]`.
    pub fn mels(&self, text: &str, prosody: &Prosody) -> Result<Vec<Tensor>> {
        self.sentences(text, prosody)?.iter().map(|u| self.utterance_mel(u, prosody)).collect()
    }

    /// Text (or SSML) → the log-mel of each sentence, each computed only when the iterator
    /// is asked for it (sentence n+1 while sentence n is being played). The prosody is
    /// checked first.
    pub fn stream<'a>(&'a self, text: &'a str, prosody: &'a Prosody) -> Result<impl Iterator<Item = Result<Tensor>> + 'a> {
        prosody.validate()?;
        Ok(self.frontend.stream(text).map(move |u| self.utterance_mel(&u?, prosody)))
    }
}
