//! WaveRNN training on the CPU: a tiny model's loss falls on the fixture dataset through
//! the shared Trainer; validation renders audio; the checkpoint exports into a voice
//! pack that the registry loads as the `ar` vocoder.

use std::path::Path;

use ferry::audio::MelConfig;
use ferry::train::{TrainSetup, Trainer, TrainerConfig};
use ferry::vocoder::ar::{train, Config, Mode};
use tch::Device;

fn setup(cfg: &Config) -> TrainSetup {
    TrainSetup {
        data_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fixtures"),
        config: Some(serde_json::to_value(cfg).unwrap()),
        device: Device::Cpu,
        seed: 0,
        mel: MelConfig::default(),
        batch_size: None,
    }
}

fn mean(h: &[(u64, ferry::train::Losses)]) -> f64 {
    h.iter().map(|(_, l)| l.get("loss").unwrap()).sum::<f64>() / h.len() as f64
}

#[test]
fn tiny_models_learn_on_the_fixture_and_export() {
    tch::set_num_threads(2);
    let mel = MelConfig::default();
    let dir = tempfile::tempdir().unwrap();
    for mode in [Mode::Mol, Mode::Raw] {
        let cfg = Config { mode, batch_size: 4, seq_frames: 2, lr: 3e-3, target: 2000, overlap: 200, ..Config::tiny(&mel) };
        let mut task = train::train_task(&setup(&cfg)).unwrap();
        let out = dir.path().join(format!("{mode:?}"));
        let trainer = Trainer::new(TrainerConfig {
            out_dir: out.clone(),
            max_steps: 25,
            log_every: 10,
            validate_every: 0,
            checkpoint_every: 0,
            resume: false,
            progress: false,
            autocast: false,
            seed: 0,
            ..Default::default()
        });
        let s = trainer.run(task.as_mut()).unwrap();
        let n = s.history.len();
        let (first, last) = (mean(&s.history[..5]), mean(&s.history[n - 5..]));
        eprintln!("{mode:?}: loss {first:.3} -> {last:.3} in {:.1} s", s.seconds);
        assert!(last < first - 0.1 * first.abs().max(1.0), "{mode:?}: loss {first:.3} -> {last:.3} did not fall");

        let val_dir = out.join("val_test");
        std::fs::create_dir_all(&val_dir).unwrap();
        let v = tch::no_grad(|| task.validate(25, &val_dir)).unwrap();
        assert!(v.get("val_loss").unwrap().is_finite());
        assert!(v.get("val_mel_l1").unwrap() > 0.0 && v.get("val_mcd_db").unwrap() > 0.0, "{v:?}");
        let (wav, _) = ferry::audio::read_wav(val_dir.join("wavernn.wav")).unwrap();
        assert!(wav.samples.len() >= 256 && wav.samples.len() % 256 == 0);

        if mode == Mode::Mol {
            let voice_dir = dir.path().join("voice");
            let entry = ferry::train::export::export(&s.checkpoint, &voice_dir).unwrap();
            assert_eq!(entry.model, "wavernn");
            let voice = ferry::Voice::open(&voice_dir).unwrap();
            let voc = ferry::vocoder::load(&voice, ferry::Family::Ar, Device::Cpu).unwrap();
            let m = tch::Tensor::zeros([1, 80, 4], (tch::Kind::Float, Device::Cpu)) - 5.0;
            assert_eq!(voc.vocode(&m, &Default::default()).unwrap().size(), [1, 4 * 256]);
        }
    }
}
