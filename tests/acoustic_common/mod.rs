//! Shared by the acoustic tests: utterances whose true alignment is known (each symbol a
//! tone of its own pitch held for a known number of frames) and the tiny training config.
#![allow(dead_code)]

use ferry::acoustic::train::Utterance;
use ferry::acoustic::{AcousticConfig, Config, TrainConfig};
use ferry::audio::{MelConfig, MelExtractor};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

pub const SYMBOLS: i64 = 8;

/// Tone frequency of symbol `id` (1-based), spread over the mel range.
pub fn freq(id: i64) -> f64 {
    140.0 * 1.42f64.powi(id as i32 - 1)
}

/// An utterance of `ids` held for `durs` frames each, with its pitch track.
pub fn tone_utterance(ids: &[i64], durs: &[usize], mel: &MelConfig) -> Utterance {
    let hop = mel.hop_size;
    let sr = mel.sampling_rate as f64;
    let mut samples = Vec::new();
    let mut pitch = Vec::new();
    let mut phase = 0.0f64;
    for (&id, &d) in ids.iter().zip(durs) {
        let f = freq(id);
        let amp = 0.15 + 0.05 * (id % 3) as f64;
        for _ in 0..d * hop {
            samples.push((amp * phase.sin()) as f32);
            phase += 2.0 * std::f64::consts::PI * f / sr;
        }
        pitch.extend(std::iter::repeat_n(f as f32, d));
    }
    let m = MelExtractor::new(mel).unwrap().compute(&samples);
    assert_eq!(m.frames, pitch.len());
    Utterance { ids: ids.to_vec(), mel: m, pitch }
}

/// Six utterances: every symbol in different places and for different lengths; their
/// true durations.
pub fn tone_set(mel: &MelConfig) -> (Vec<Utterance>, Vec<Vec<usize>>) {
    let mut rng = StdRng::seed_from_u64(7);
    let mut truth = Vec::new();
    let mut utts = Vec::new();
    for _ in 0..6 {
        let mut ids: Vec<i64> = (1..=SYMBOLS).collect();
        ids.shuffle(&mut rng);
        let durs: Vec<usize> = ids.iter().map(|_| rng.gen_range(3..10)).collect();
        utts.push(tone_utterance(&ids, &durs, mel));
        truth.push(durs);
    }
    (utts, truth)
}

pub fn tiny_config() -> AcousticConfig {
    AcousticConfig {
        model: Config::tiny(SYMBOLS + 1),
        train: TrainConfig { learning_rate: 3e-3, batch_size: 6, kl_loss_start_step: 60, kl_loss_warmup_steps: 40, ..TrainConfig::default() },
    }
}
