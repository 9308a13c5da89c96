//! A tiny WaveGlow learns on CPU: its NLL on a fixed batch of a short speech clip falls.

use std::path::PathBuf;

use tch::Device;

use ferry::audio::MelConfig;
use ferry::data::{Level, Segments};
use ferry::train::TrainTask;
use ferry::vocoder::flow::train::WaveGlowTask;
use ferry::vocoder::flow::Config;

fn speech() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/samples/teacher.wav")
}

#[test]
fn tiny_waveglow_nll_falls() {
    let mel = MelConfig::default();
    let cfg = Config { segment_length: 2048, ..Config::tiny() };
    let data = Segments::from_wavs(&[speech()], &mel, Level::AsRecorded, 1, Device::Cpu).unwrap();
    let mut task = WaveGlowTask::new(cfg, data, 1, Some(4)).unwrap();
    let (audio, m) = Segments::from_wavs(&[speech()], &mel, Level::AsRecorded, 7, Device::Cpu).unwrap().batch(4, 8).unwrap();
    let before = task.nll(&audio, &m);
    for step in 0..60 {
        let l = task.train_step(step).unwrap();
        assert!(l.headline().is_finite());
    }
    let after = task.nll(&audio, &m);
    // Nats per latent dimension: a fall of 0.5 is a 1.65x higher likelihood per sample.
    assert!(after < before - 0.5, "NLL {before:.4} -> {after:.4} did not fall enough");
}
