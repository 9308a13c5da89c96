//! The tiny FastPitch learns on the CPU: on utterances whose true alignment is known
//! (each symbol is a tone of its own pitch held for a known number of frames) the loss
//! falls by at least half and the aligner's hard durations become monotonic, cover every
//! symbol and sum to the mel length. (How close the aligner gets to the true durations
//! is `acoustic_aligner.rs`, in a binary of its own so that libtorch's generator is not
//! shared with this test.)

use ferry::acoustic::train::AcousticTask;
use ferry::audio::MelConfig;
use ferry::train::TrainTask;

#[path = "acoustic_common/mod.rs"]
mod acoustic_common;
use acoustic_common::{tiny_config, tone_set, SYMBOLS};

#[test]
fn tiny_model_learns_and_its_alignment_becomes_monotonic() {
    tch::set_num_threads(2);
    let mel = MelConfig::default();
    let (utts, truth) = tone_set(&mel);
    let mut task = AcousticTask::new(tiny_config(), utts.clone(), mel, tch::Device::Cpu, 0, None).unwrap();
    let steps: u64 = std::env::var("FERRY_TEST_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(150);
    let mut losses = Vec::new();
    for step in 1..=steps {
        let l = task.train_step(step).unwrap();
        losses.push(l.headline());
    }
    let first = losses[..5].iter().sum::<f64>() / 5.0;
    let last = losses[losses.len() - 5..].iter().sum::<f64>() / 5.0;
    eprintln!("loss {first:.3} -> {last:.3}");
    assert!(last <= 0.5 * first, "loss fell only from {first:.3} to {last:.3}");

    // Every utterance: monotonic, every symbol ≥ 1 frame, sums to the mel length, and
    // how far from the true durations it is (printed: a few hundred steps on six
    // utterances do not make the aligner exact).
    for (k, durs) in truth.iter().enumerate() {
        let d = task.align(&utts[k]).unwrap();
        let frames = durs.iter().sum::<usize>() as i64;
        assert_eq!(d.len(), SYMBOLS as usize);
        assert!(d.iter().all(|&x| x >= 1), "a symbol got no frame: {d:?}");
        assert_eq!(d.iter().sum::<i64>(), frames);
        let err = d.iter().zip(durs).map(|(&a, &b)| (a - b as i64).abs()).sum::<i64>() as f64 / d.len() as f64;
        eprintln!("utterance {k}: aligned {d:?}, truth {durs:?}, mean error {err:.2} frames");
    }
}
