//! `ferry export` of an acoustic checkpoint. Its own test binary: the resume test next door
//! needs libtorch's global generator to itself (tests in one binary share it across threads).

#[path = "acoustic_common/mod.rs"]
mod learns;

use ferry::acoustic::train::AcousticTask;
use ferry::audio::MelConfig;
use ferry::train::{Trainer, TrainerConfig};

fn task() -> AcousticTask {
    let mel = MelConfig::default();
    let utts = vec![learns::tone_utterance(&[3, 1, 5, 2, 7, 4, 8, 6], &[4, 7, 3, 6, 5, 8, 4, 6], &mel)];
    AcousticTask::new(learns::tiny_config(), utts, mel, tch::Device::Cpu, 0, None).unwrap()
}

/// `ferry export` of an acoustic checkpoint writes the vocabulary the model was trained
/// with into the voice as `tokenizer.json`, and the voice then loads the model.
#[test]
fn export_carries_the_training_vocabulary() {
    tch::set_num_threads(1);
    let dir = tempfile::tempdir().unwrap();
    // A vocabulary of its own (not the default English one): padding, then 8 symbols.
    let mut symbols = vec![ferry::text::phonemes::marks::PAD.to_string()];
    symbols.extend(["AA1", "B", "K", "D", "EH1", "F", "G", "HH"].map(String::from));
    let cfg = TrainerConfig {
        out_dir: dir.path().to_path_buf(),
        max_steps: 2,
        log_every: 1,
        validate_every: 0,
        checkpoint_every: 0,
        progress: false,
        autocast: false,
        seed: 0,
        ..Default::default()
    };
    let summary = Trainer::new(cfg).run(&mut task().with_symbols(symbols.clone())).unwrap();
    let voice_dir = dir.path().join("voice");
    let entry = ferry::train::export::export(&summary.checkpoint, &voice_dir).unwrap();
    assert_eq!(entry.model, "fastpitch");
    let tok = ferry::text::tokenizer::Tokenizer::load(voice_dir.join("tokenizer.json")).unwrap();
    assert_eq!(tok.symbols(), symbols);
    let voice = ferry::Voice::open(&voice_dir).unwrap();
    assert!(voice.config.acoustic.is_some());
    ferry::acoustic::AcousticModel::load(&voice, tch::Device::Cpu).unwrap();
}
