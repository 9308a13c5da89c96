//! Checkpoint resume continues the acoustic model's loss curve: training 24 steps,
//! stopping, and resuming to 48 gives the same losses as 48 steps in one go.

#[path = "acoustic_common/mod.rs"]
mod learns;

use ferry::acoustic::train::AcousticTask;
use ferry::audio::MelConfig;
use ferry::train::{Trainer, TrainerConfig};

fn task() -> AcousticTask {
    let mel = MelConfig::default();
    let utts = vec![
        learns::tone_utterance(&[3, 1, 5, 2, 7, 4, 8, 6], &[4, 7, 3, 6, 5, 8, 4, 6], &mel),
        learns::tone_utterance(&[2, 6, 1, 8, 3, 7, 5, 4], &[6, 3, 8, 4, 5, 3, 7, 5], &mel),
    ];
    // Binarisation starts inside the resumed half, so its warm-up state must carry over too.
    let mut cfg = learns::tiny_config();
    cfg.train.kl_loss_start_step = 30;
    cfg.train.kl_loss_warmup_steps = 10;
    cfg.train.batch_size = 1; // two batches: the epoch order must carry over as well
    AcousticTask::new(cfg, utts, mel, tch::Device::Cpu, 0, None).unwrap()
}

fn run(dir: &std::path::Path, max_steps: u64, resume: bool) -> ferry::train::TrainSummary {
    let cfg = TrainerConfig {
        out_dir: dir.to_path_buf(),
        max_steps,
        log_every: 1,
        validate_every: 0,
        checkpoint_every: 0,
        resume,
        progress: false,
        autocast: false,
        seed: 0,
        ..Default::default()
    };
    Trainer::new(cfg).run(&mut task()).unwrap()
}

#[test]
fn resume_continues_the_loss_curve() {
    tch::set_num_threads(1);
    let straight = tempfile::tempdir().unwrap();
    let whole = run(straight.path(), 48, false);
    let split = tempfile::tempdir().unwrap();
    let first = run(split.path(), 24, false);
    let second = run(split.path(), 48, true);
    assert_eq!(second.start_step, 24);
    assert_eq!(second.history.first().map(|h| h.0), Some(25));
    let at = |s: &ferry::train::TrainSummary, step: u64| s.history.iter().find(|h| h.0 == step).map(|h| h.1.headline()).unwrap();
    eprintln!(
        "step 24: {:.4}; step 25 straight {:.4} vs resumed {:.4}; step 48 {:.4} vs {:.4}",
        at(&first, 24),
        at(&whole, 25),
        at(&second, 25),
        at(&whole, 48),
        at(&second, 48)
    );
    for step in [25, 30, 36, 48] {
        let (a, b) = (at(&whole, step), at(&second, step));
        assert!((a - b).abs() <= 1e-3 * a.abs().max(1.0), "step {step}: {a} in one run, {b} after resuming");
    }
    // No jump back to the untrained loss.
    assert!(at(&second, 25) < 0.5 * at(&whole, 1));
}
