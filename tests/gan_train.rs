//! HiFi-GAN training on the CPU: a tiny generator with shrunken discriminators overfits
//! one segment of the bundled speech sample (mel L1 at least halves), through the shared
//! Trainer (checkpoint, resume, export into a voice pack that `vocoder::load` reads).

use std::path::Path;

use ferry::audio::{read_wav, MelConfig};
use ferry::data::{AudioClips, Level, Segments};
use ferry::train::{TrainTask, Trainer, TrainerConfig};
use ferry::vocoder::gan::train::GanTask;
use ferry::vocoder::gan::Config;
use tch::Device;

fn fixture_segment(samples: usize) -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples/teacher.wav");
    let (audio, _) = read_wav(&path).unwrap();
    assert_eq!(audio.sample_rate, 22050);
    // A voiced stretch from the middle of the sentence.
    let start = (audio.samples.len() / 2).min(audio.samples.len() - samples);
    audio.samples[start..start + samples].to_vec()
}

/// One fixture segment of `samples`, at HiFi-GAN's level, to train and validate on.
fn one_segment(samples: usize, mel: &MelConfig) -> Segments {
    let clips = AudioClips::from_samples(vec![fixture_segment(samples)], 22050).unwrap();
    Segments::from_clips(clips, mel, Level::PeakNormalised, 0, Device::Cpu).unwrap()
}

#[test]
fn tiny_config_overfits_one_segment_and_exports() {
    tch::set_num_threads(2);
    let cfg = Config::tiny();
    let mel = MelConfig::default();
    let mut task = GanTask::new(cfg.clone(), one_segment(cfg.train.segment_size, &mel), 0).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let trainer = |steps: u64, resume: bool| {
        Trainer::new(TrainerConfig {
            out_dir: dir.path().join("run"),
            max_steps: steps,
            log_every: 10,
            validate_every: 0,
            checkpoint_every: 0,
            resume,
            progress: false,
            autocast: false,
            seed: 0,
            ..Default::default()
        })
    };
    let summary = trainer(30, false).run(&mut task).unwrap();
    let mel_at = |range: std::ops::Range<usize>| -> f64 {
        let h = &summary.history[range];
        h.iter().map(|(_, l)| l.get("mel_l1").unwrap()).sum::<f64>() / h.len() as f64
    };
    let (first, last) = (mel_at(0..5), mel_at(summary.history.len() - 5..summary.history.len()));
    eprintln!(
        "mel L1 {first:.3} -> {last:.3} in {:.1} s; every 10 steps: {:?}",
        summary.seconds,
        summary.history.iter().step_by(10).map(|(_, l)| (l.get("mel_l1").unwrap() * 100.0).round() / 100.0).collect::<Vec<_>>()
    );
    assert!(last <= 0.5 * first, "mel L1 {first:.3} -> {last:.3}: did not halve");
    for name in ["gen_adv", "feature_matching", "disc", "lr"] {
        assert!(summary.history[0].1.get(name).unwrap().is_finite(), "{name} missing");
    }

    // Validation writes audio and a mel image.
    let val_dir = dir.path().join("val");
    std::fs::create_dir_all(&val_dir).unwrap();
    let val = tch::no_grad(|| task.validate(30, &val_dir)).unwrap();
    assert!(val.get("val_mel_l1").unwrap() < first);
    assert!(val_dir.join("gan.wav").is_file() && val_dir.join("gan_mel.png").is_file());

    // Resume continues from the checkpoint's step.
    let mut again = GanTask::new(cfg, one_segment(4096, &mel), 0).unwrap();
    let resumed = trainer(32, true).run(&mut again).unwrap();
    assert_eq!(resumed.start_step, 30);
    assert!(resumed.last_loss < first);

    // Export into a voice pack; the registry loads it as the `gan` vocoder.
    let voice_dir = dir.path().join("voice");
    let entry = ferry::train::export::export(&summary.checkpoint, &voice_dir).unwrap();
    assert_eq!(entry.model, "hifigan");
    let voice = ferry::Voice::open(&voice_dir).unwrap();
    let voc = ferry::vocoder::load(&voice, ferry::Family::Gan, Device::Cpu).unwrap();
    let m = tch::Tensor::zeros([1, 80, 4], (tch::Kind::Float, Device::Cpu)) - 5.0;
    assert_eq!(voc.vocode(&m, &Default::default()).unwrap().size(), [1, 4 * 256]);
}
