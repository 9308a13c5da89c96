//! `ferry bench say`: what a listener of `ferry say` gets — the time to first audio and
//! the underruns — for one vocoder family.
//!
//! Text runs through the real path of `ferry say` (frontend → acoustic model → chunked
//! streaming vocoder, [`crate::speak::speak`]) into a [`SimulatedCard`]: a sound card
//! that plays at its sample rate in real time from a ring buffer of `buffer_s` seconds.
//! The card is simulated on a clock instead of waited for, so a 5-minute text costs only
//! its compute time: when the ring is full, the clock jumps ahead by the time the
//! producer would have slept (that sleep does not change how long later compute takes),
//! and when a write comes after the ring ran dry, the card played silence: one underrun.
//!
//! Speed does not depend on trained values, so the models have random weights; every
//! phoneme is held for [`FRAMES_PER_SYMBOL`] frames (about 13 phonemes a second, read
//! speech) and pauses keep their lengths.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use tch::Device;

use crate::acoustic::{AcousticModel, Prosody};
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::speak::{speak, AudioSink};
use crate::text::Frontend;
use crate::vocoder::stream::ChunkPlan;
use crate::vocoder::{self, Family, VocodeOptions};

/// Mel frames each phoneme is held for (6 × 256 / 22 050 Hz ≈ 70 ms).
pub const FRAMES_PER_SYMBOL: f64 = 6.0;

/// A 20-word sentence: the time-to-first-audio probe.
pub const FIRST_AUDIO_SENTENCE: &str = "The quick brown fox jumps over the lazy dog while seven happy children watch from the garden behind their house.";

/// What to measure.
#[derive(Debug, Clone)]
pub struct SayBench {
    pub family: Family,
    /// Vocoder preset (e.g. compact, base) or a JSON config file.
    pub config: String,
    /// Acoustic model preset (tiny, full) or a JSON config file.
    pub acoustic: String,
    /// Minutes of speech for the underrun measurement (text cycled from `text`).
    pub minutes: f64,
    /// Sentences to speak (one per line).
    pub text: Vec<String>,
    /// Seconds of audio the card's ring buffer holds.
    pub buffer_s: f64,
    pub device: Device,
    pub options: VocodeOptions,
}

/// What the listener got.
#[derive(Debug, Clone)]
pub struct SayResult {
    /// From handing over the 20-word sentence to its first samples at the card, seconds.
    pub first_audio_s: f64,
    /// Times the card ran dry during the long text.
    pub underruns: u64,
    /// Silence the card played because of them, seconds.
    pub gap_s: f64,
    /// Seconds of speech in the long text.
    pub audio_s: f64,
    /// Compute time of the long text (wall, without the simulated waits), seconds.
    pub compute_s: f64,
    pub utterances: usize,
}

/// A sound card on a simulated clock (see the module documentation).
#[derive(Debug)]
pub struct SimulatedCard {
    rate: u32,
    capacity: f64,
    t0: Instant,
    /// Time the producer would have slept on a full ring, seconds.
    slept: f64,
    /// When playback started (clock seconds), at the first samples.
    start: Option<f64>,
    /// Samples handed to the card so far.
    delivered: u64,
    /// Silence played so far (underruns), seconds.
    pub gap_s: f64,
    pub underruns: u64,
    pub first_audio_s: Option<f64>,
}

impl SimulatedCard {
    pub fn new(rate: u32, buffer_s: f64) -> Self {
        Self {
            rate,
            capacity: buffer_s * rate as f64,
            t0: Instant::now(),
            slept: 0.0,
            start: None,
            delivered: 0,
            gap_s: 0.0,
            underruns: 0,
            first_audio_s: None,
        }
    }

    /// The simulated clock, seconds since the card was made.
    fn now(&self) -> f64 {
        self.t0.elapsed().as_secs_f64() + self.slept
    }

    /// Takes `n` samples at clock time `now` (exposed for tests).
    pub fn deliver_at(&mut self, n: usize, now: f64) {
        if n == 0 {
            return;
        }
        let rate = self.rate as f64;
        let start = *self.start.get_or_insert(now);
        self.first_audio_s.get_or_insert(now);
        // The card plays continuously from `start`, except for the gaps already counted.
        let runs_dry_at = start + self.gap_s + self.delivered as f64 / rate;
        if self.delivered > 0 && now > runs_dry_at {
            self.underruns += 1;
            self.gap_s += now - runs_dry_at;
        }
        self.delivered += n as u64;
        let played = ((now - start - self.gap_s) * rate).max(0.0);
        let queued = self.delivered as f64 - played;
        if queued > self.capacity {
            // A real producer blocks until the ring has room.
            self.slept += (queued - self.capacity) / rate;
        }
    }
}

impl AudioSink for SimulatedCard {
    fn sample_rate(&self) -> u32 {
        self.rate
    }
    fn write(&mut self, samples: &[f32], _stop: &AtomicBool) -> Result<bool> {
        let now = self.now();
        self.deliver_at(samples.len(), now);
        Ok(true)
    }
}

/// Runs the measurement.
pub fn run(b: &SayBench) -> Result<SayResult> {
    let mel = MelConfig::default();
    let frontend = Frontend::new(crate::text::FrontendOptions::for_voice(None))?;
    let vocab = frontend.tokenizer.len() as i64;
    let acoustic_cfg = super::acoustic::load_config(&b.acoustic, vocab)?;
    tch::manual_seed(0);
    let acoustic = AcousticModel::random(&acoustic_cfg, &mel, b.device)?;
    let voc = vocoder::build_random(b.family, &b.config, &mel, b.device)?;
    let ms_per_symbol = FRAMES_PER_SYMBOL * mel.hop_size as f64 / mel.sampling_rate as f64 * 1e3;
    let pause_ms = ms_per_symbol.round() as u32;
    let plan = ChunkPlan::default();
    let stop = AtomicBool::new(false);
    let _guard = tch::no_grad_guard();

    // Warm-up (first calls allocate and pick kernels), then the first-audio probe.
    let mut card = SimulatedCard::new(voc.sample_rate(), b.buffer_s);
    speak(voc.as_ref(), utterance_mels(&frontend, &acoustic, "Warming up.", pause_ms), &mut card, &plan, &b.options, &stop)?;
    let mut card = SimulatedCard::new(voc.sample_rate(), b.buffer_s);
    speak(voc.as_ref(), utterance_mels(&frontend, &acoustic, FIRST_AUDIO_SENTENCE, pause_ms), &mut card, &plan, &b.options, &stop)?;
    let first_audio_s = card.first_audio_s.ok_or_else(|| Error::External("the probe sentence gave no audio".into()))?;

    // The long text: sentences cycled until `minutes` of speech (estimated from phonemes).
    if b.text.is_empty() {
        return Err(Error::arg("no sentences to speak"));
    }
    let target_frames = b.minutes * 60.0 * mel.sampling_rate as f64 / mel.hop_size as f64;
    let mut text = String::new();
    let mut frames = 0.0;
    for s in b.text.iter().cycle() {
        if frames >= target_frames {
            break;
        }
        let symbols: usize = frontend.stream(s).filter_map(|u| u.ok()).map(|u| u.ids.len()).sum();
        frames += symbols as f64 * FRAMES_PER_SYMBOL;
        text.push_str(s);
        text.push('\n');
    }
    let t = Instant::now();
    let mut card = SimulatedCard::new(voc.sample_rate(), b.buffer_s);
    let report = speak(voc.as_ref(), utterance_mels(&frontend, &acoustic, &text, pause_ms), &mut card, &plan, &b.options, &stop)?;
    let compute_s = t.elapsed().as_secs_f64();
    Ok(SayResult {
        first_audio_s,
        underruns: card.underruns,
        gap_s: card.gap_s,
        audio_s: report.samples as f64 / voc.sample_rate() as f64,
        compute_s,
        utterances: report.utterances,
    })
}

/// The mels of `text`, one utterance at a time, computed only when `speak` asks for the
/// next (as in `ferry say`), every phoneme held `pause_ms` (pauses keep their lengths).
fn utterance_mels<'a>(frontend: &'a Frontend, acoustic: &'a AcousticModel, text: &'a str, pause_ms: u32) -> impl Iterator<Item = Result<tch::Tensor>> + 'a {
    let prosody = Prosody::default();
    frontend.stream(text).map(move |u| {
        let mut symbols = crate::synth::symbols_of(&u?);
        for s in symbols.iter_mut().filter(|s| s.pause_ms.is_none()) {
            s.pause_ms = Some(pause_ms);
        }
        Ok(acoustic.synthesize(&symbols, &prosody)?.mel)
    })
}

/// The vocoder preset `ferry bench say` uses by default: the default preset of the family's
/// default model.
pub fn default_config(family: Family) -> &'static str {
    crate::vocoder::registry::default_of(family).map_or("default", |m| m.default_preset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_fed_in_time_never_underruns() {
        let mut c = SimulatedCard::new(1000, 2.0);
        // 0.5 s of audio every 0.4 s: always ahead.
        for k in 0..10 {
            c.deliver_at(500, 0.1 + 0.4 * k as f64);
        }
        assert_eq!((c.underruns, c.gap_s), (0, 0.0));
        assert_eq!(c.first_audio_s, Some(0.1));
    }

    #[test]
    fn a_slow_producer_underruns_and_the_gaps_add_up() {
        let mut c = SimulatedCard::new(1000, 10.0);
        // 0.5 s of audio every 0.7 s: dry for 0.2 s before each later write.
        for k in 0..5 {
            c.deliver_at(500, 0.7 * k as f64);
        }
        assert_eq!(c.underruns, 4);
        assert!((c.gap_s - 0.8).abs() < 1e-9, "{}", c.gap_s);
    }

    #[test]
    fn a_full_ring_makes_the_producer_wait() {
        let mut c = SimulatedCard::new(1000, 1.0);
        c.deliver_at(3000, 0.0); // 3 s into a 1 s ring: the producer sleeps 2 s
        assert!((c.slept - 2.0).abs() < 1e-9);
        c.deliver_at(1000, c.slept + 0.5); // woke at 2 s, back at 2.5 s: 0.5 s still queued
        assert_eq!(c.underruns, 0);
    }
}
