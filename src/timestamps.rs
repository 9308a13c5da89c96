//! Word and phoneme timestamps of synthesised speech, read off the acoustic model's
//! durations: FastPitch decides how many mel frames each symbol lasts, and a frame is one
//! hop of audio, so a symbol's span is exact in the output (no forced alignment needed).
//!
//! Times are seconds from the start of the whole output. A sentence starts where the audio
//! of the previous ones ended; pauses (punctuation, SSML `<break>`) lie between word spans.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::text::Utterance;

/// A word (normalised: "twenty" for "20") and where it is in the audio, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordSpan {
    pub word: String,
    pub start: f64,
    pub end: f64,
}

/// A phoneme symbol of the voice's tokenizer and where it is in the audio, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhonemeSpan {
    pub phoneme: String,
    pub start: f64,
    pub end: f64,
}

/// The spans of an output, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timestamps {
    pub words: Vec<WordSpan>,
    pub phonemes: Vec<PhonemeSpan>,
}

impl Timestamps {
    /// Spans of one sentence: `frames[k]` mel frames for token `k` of `u`, each frame
    /// `seconds_per_frame` long, the sentence starting at `offset` seconds.
    pub fn of_utterance(u: &Utterance, frames: &[i64], seconds_per_frame: f64, offset: f64) -> Result<Timestamps> {
        if frames.len() != u.tokens.len() {
            return Err(Error::Text(format!("{} durations for {} symbols: the acoustic model and the frontend disagree", frames.len(), u.tokens.len())));
        }
        let mut out = Timestamps::default();
        let mut at = 0i64;
        let mut current: Option<usize> = None;
        for (token, &n) in u.tokens.iter().zip(frames) {
            let n = n.max(0);
            let (start, end) = (offset + at as f64 * seconds_per_frame, offset + (at + n) as f64 * seconds_per_frame);
            at += n;
            let Some(w) = token.word else {
                current = None;
                continue;
            };
            out.phonemes.push(PhonemeSpan { phoneme: token.symbol.clone(), start, end });
            match out.words.last_mut() {
                // The phonemes of a word are consecutive tokens: the word grows to its last one.
                Some(last) if current == Some(w) => last.end = end,
                _ => {
                    let word = u.words.get(w).map_or_else(|| token.symbol.clone(), |p| p.word.clone());
                    out.words.push(WordSpan { word, start, end });
                }
            }
            current = Some(w);
        }
        Ok(out)
    }

    /// Appends the spans of a later sentence.
    pub fn extend(&mut self, later: Timestamps) {
        self.words.extend(later.words);
        self.phonemes.extend(later.phonemes);
    }
}

/// What `ferry synth --alignments FILE` writes.
#[derive(Debug, Serialize)]
pub struct AlignmentFile<'a> {
    pub sample_rate: u32,
    /// Length of the audio in seconds.
    pub duration: f64,
    pub words: &'a [WordSpan],
    pub phonemes: &'a [PhonemeSpan],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Frontend, FrontendOptions};

    #[test]
    fn words_span_their_phonemes_and_pauses_lie_between() {
        let fe = Frontend::new(FrontendOptions { no_learned_model: true, ..Default::default() }).unwrap();
        let u = fe.process("One, two.").unwrap().remove(0);
        // Two frames per token, ten per pause mark: the comma's pause separates the words.
        let frames: Vec<i64> = u.tokens.iter().map(|t| if t.pause_ms.is_some() { 10 } else { 2 }).collect();
        let ts = Timestamps::of_utterance(&u, &frames, 0.01, 1.0).unwrap();
        let words: Vec<&str> = ts.words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(words, ["one", "two"], "{:?}", u.tokens);
        assert!((ts.words[0].start - 1.0).abs() < 1e-9, "{ts:?}");
        assert!(ts.words[1].start - ts.words[0].end >= 0.1 - 1e-9, "the comma's pause lies between: {ts:?}");
        let phonemes_of_one = ts.phonemes.iter().filter(|p| p.end <= ts.words[0].end + 1e-9).count();
        assert_eq!(phonemes_of_one, u.words[0].phonemes.len());
        let total: i64 = frames.iter().sum();
        assert!(ts.phonemes.last().unwrap().end <= 1.0 + total as f64 * 0.01 + 1e-9);
        assert!(Timestamps::of_utterance(&u, &frames[1..], 0.01, 0.0).is_err());
    }
}
