//! The tiny FastPitch learns on the committed fixture speech (data/fixtures, read by the
//! teacher voice): overfitting two utterances on the CPU, the loss falls by at least half
//! and the aligner's hard durations are monotonic, give every symbol at least one frame
//! and sum to the mel length.

use std::sync::Arc;

use ferry::acoustic::data::load_utterances;
use ferry::acoustic::train::AcousticTask;
use ferry::acoustic::{AcousticConfig, Config, TrainConfig};
use ferry::audio::MelConfig;
use ferry::data::TextStep;
use ferry::train::TrainTask;

/// Letters, space and punctuation as symbols (1-based; the phoneme frontend's ids work the same).
fn letters() -> TextStep {
    Arc::new(|s: &str| Ok(s.to_lowercase().chars().filter_map(|c| " abcdefghijklmnopqrstuvwxyz,.?!'-".find(c).map(|k| k as i64 + 1)).collect()))
}

#[test]
fn tiny_model_learns_the_fixture_speech() {
    tch::set_num_threads(2);
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fixtures");
    let cache = tempfile::tempdir().unwrap();
    let mel = MelConfig::default();
    let mut utts = load_utterances(&data, &mel, letters(), cache.path(), false).unwrap();
    assert!(utts.len() >= 10, "fixtures: {} utterances", utts.len());
    assert!(utts.iter().all(|u| u.pitch.iter().any(|&p| p > 0.0)), "speech must have voiced frames");
    utts.sort_by_key(|u| u.mel.frames);
    utts.truncate(2);
    let cfg = AcousticConfig {
        model: Config::tiny(40),
        train: TrainConfig { learning_rate: 3e-3, batch_size: 2, kl_loss_start_step: 100, kl_loss_warmup_steps: 50, ..TrainConfig::default() },
    };
    let mut task = AcousticTask::new(cfg, utts.clone(), mel, tch::Device::Cpu, 0, None).unwrap();
    let steps: u64 = std::env::var("FERRY_TEST_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let mut losses = Vec::new();
    for step in 1..=steps {
        let l = task.train_step(step).unwrap();
        if step % 50 == 0 {
            eprintln!("step {step}: {:?}", &l.0[..7]);
        }
        losses.push(l.headline());
    }
    let first = losses[..5].iter().sum::<f64>() / 5.0;
    let last = losses[losses.len() - 5..].iter().sum::<f64>() / 5.0;
    eprintln!("loss {first:.3} -> {last:.3} in {steps} steps");
    assert!(last <= 0.5 * first, "loss fell only from {first:.3} to {last:.3}");
    for u in &utts {
        let d = task.align(u).unwrap();
        eprintln!("{} symbols, {} frames: {d:?}", u.ids.len(), u.mel.frames);
        assert_eq!(d.len(), u.ids.len());
        assert!(d.iter().all(|&x| x >= 1), "a symbol got no frame: {d:?}");
        assert_eq!(d.iter().sum::<i64>(), u.mel.frames as i64);
    }
}
