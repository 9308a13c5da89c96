//! The aligner machinery (Gaussian attention with a diagonal prior, forward-sum loss,
//! monotonic alignment search) finds the true durations when the task is identifiable:
//! six tone utterances whose true durations are known, keys that see only their own
//! symbol. In a binary of its own: tests in one binary share libtorch's generator across
//! threads, and this one must follow its seed.

use ferry::acoustic::train::{AcousticTask, Utterance};
use ferry::audio::MelConfig;
use ferry::train::TrainTask;

#[path = "acoustic_common/mod.rs"]
mod acoustic_common;
use acoustic_common::{tiny_config, tone_set};

/// Mean |aligned − true| frames per symbol over the utterances.
fn duration_error(task: &AcousticTask, utts: &[Utterance], truth: &[Vec<usize>]) -> f64 {
    let mut total = 0.0;
    for (u, durs) in utts.iter().zip(truth) {
        let d = task.align(u).unwrap();
        total += d.iter().zip(durs).map(|(&a, &b)| (a - b as i64).abs()).sum::<i64>() as f64 / d.len() as f64;
    }
    total / utts.len() as f64
}

/// The tone boundaries are smeared over the 1024-sample STFT window (4 frames), so about a
/// frame per boundary is the resolution. Measured over seeds 0–7 at 1 and 2 threads: 1.00–1.58
/// frames per symbol. A path shifted by a symbol (what keys with neighbour context settle
/// on in this task) is 2.25–3 frames away and fails the 2.0 bound.
#[test]
fn aligner_recovers_known_durations() {
    tch::set_num_threads(2);
    let mel = MelConfig::default();
    let (utts, truth) = tone_set(&mel);
    let mut cfg = tiny_config();
    cfg.model.attn_key_kernel_size = 1;
    let mut task = AcousticTask::new(cfg, utts.clone(), mel, tch::Device::Cpu, 0, None).unwrap();
    for step in 1..=800 {
        task.train_step(step).unwrap();
    }
    let err = duration_error(&task, &utts, &truth);
    eprintln!("mean duration error {err:.2} frames per symbol");
    assert!(err <= 2.0, "the aligner is {err:.2} frames per symbol away from the true durations");
}
