//! `ferry recipe run` (what `make voice` runs) on the fixture corpus with a tiny recipe:
//! every stage trains to its target and is exported; a rerun skips the finished stages and
//! resumes the one whose target grew; a machine without checkpoints continues each stage from
//! the weights in the pack; a CPU budget ends a stage.

use std::path::Path;

use ferry::acoustic::{AcousticConfig, Config as AcousticModel, TrainConfig};
use ferry::train::recipe::{self, Recipe, RunOptions, Stage};
use tch::Device;

fn stage(name: &str, model: &str, config: serde_json::Value, target: u64) -> Stage {
    Stage {
        name: name.into(),
        model: model.into(),
        config: Some(config),
        target_steps: target,
        cpu_hours: 1.0,
        batch_size: None,
        validate_every: 2,
        checkpoint_every: 2,
    }
}

fn tiny_recipe(root: &Path) -> Recipe {
    let vocab = ferry::text::tokenizer::Tokenizer::default_english().len() as i64;
    let acoustic = AcousticConfig { model: AcousticModel::tiny(vocab), train: TrainConfig { batch_size: 4, max_mel_frames: 2000, ..TrainConfig::default() } };
    let mut vocos = ferry::vocoder::gan::vocos::Config::tiny();
    vocos.train.warmup_steps = 2;
    vocos.train.discriminator_channel_divisor = 16;
    Recipe {
        data: Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fixtures"),
        out: root.join("runs"),
        voice: root.join("voice"),
        export_margin: 0.02,
        stages: vec![
            stage("acoustic", "acoustic", serde_json::to_value(&acoustic).unwrap(), 4),
            stage("gan", "vocos", serde_json::to_value(&vocos).unwrap(), 4),
        ],
    }
}

fn opts() -> RunOptions {
    RunOptions { minutes: None, device: Device::Cpu, seed: 0, autocast: true, progress: false, only: Vec::new(), export: true }
}

/// Steps of the validations the pack's history holds for a stage.
fn history(r: &Recipe, stage: &str) -> Vec<u64> {
    let points = ferry::train::curves::read_log(&ferry::train::curves::history_path(&r.voice, stage)).unwrap();
    points.iter().map(|p| p.step).collect()
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let info = decoder.read_info().unwrap();
    (info.info().width, info.info().height)
}

fn log_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("train.jsonl")).unwrap().lines().count()
}

#[test]
fn stages_resume_skip_and_continue_from_the_pack() {
    tch::set_num_threads(2);
    let tmp = tempfile::tempdir().unwrap();
    let mut r = tiny_recipe(tmp.path());

    // First call: both stages train to their targets and are exported.
    let s = recipe::run(&r, &opts()).unwrap();
    assert!(s.stages.iter().all(|st| st.done && st.step == 4), "{s}");
    assert!(s.stages.iter().all(|st| st.note.contains("trained 0 → 4") && st.note.contains("exported")), "{s}");
    let voice = ferry::Voice::open(&r.voice).unwrap();
    assert_eq!(voice.config.acoustic.as_ref().unwrap().training.steps, 4);
    assert_eq!(voice.config.vocoders["gan"].model, "vocos");
    assert!(voice.config.vocoders["gan"].training.cpu_seconds > 0.0);
    assert!(r.voice.join("train/gan-discriminator.safetensors").is_file());
    let status: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(r.out.join("status.json")).unwrap()).unwrap();
    assert_eq!(status["stages"].as_array().unwrap().len(), 2);
    // The pack keeps what was exported and every validation (steps 2 and 4), and shows the
    // learning curves: one panel per stage and one of the vocoders' mel L1.
    assert!(r.voice.join("train/exported.json").is_file());
    assert_eq!(history(&r, "acoustic"), vec![2, 4]);
    assert_eq!(png_size(&r.voice.join("eval/learning_curves.png")), (3 * 480, 300));
    assert!(std::fs::read_to_string(r.voice.join("MODEL_CARD.md")).unwrap().contains("eval/learning_curves.png"));

    // Second call with a later target for the gan: the acoustic stage is not touched.
    let acoustic_lines = log_lines(&r.out.join("acoustic"));
    r.stages[1].target_steps = 6;
    let s = recipe::run(&r, &opts()).unwrap();
    assert_eq!(s.stages[0].note, "skipped (done)", "{s}");
    assert_eq!(log_lines(&r.out.join("acoustic")), acoustic_lines);
    assert!(s.stages[1].note.starts_with("trained 4 → 6"), "{s}");
    let cpu_after_two_calls = s.stages[1].cpu_hours;

    // A fresh machine (no runs/): each stage continues from the pack's weights and counts.
    std::fs::remove_dir_all(&r.out).unwrap();
    r.stages[0].target_steps = 6;
    r.stages[1].target_steps = 8;
    let s = recipe::run(&r, &RunOptions { only: vec!["gan".into()], ..opts() }).unwrap();
    assert_eq!(s.stages[0].note, "not selected");
    // The pack held the gan at step 6 (exported after the second call only if it improved by
    // 2 %; otherwise at 4): training resumes from the pack's step, not from zero.
    let packed = ferry::Voice::open(&r.voice).unwrap().config.vocoders["gan"].training.clone();
    assert!(s.stages[1].note.starts_with("trained 4 → 8") || s.stages[1].note.starts_with("trained 6 → 8"), "{s}");
    assert!(s.stages[1].cpu_hours >= packed.cpu_seconds.min(cpu_after_two_calls * 3600.0) / 3600.0 * 0.99, "{s}");
    // The curves go on across machines: the earlier validations came from the pack.
    assert_eq!(history(&r, "gan"), vec![2, 4, 6, 8]);

    // A spent CPU budget ends a stage even before its target.
    r.stages[0].cpu_hours = 1e-9;
    r.stages[0].target_steps = 1000;
    let s = recipe::run(&r, &RunOptions { only: vec!["acoustic".into()], ..opts() }).unwrap();
    assert!(s.stages[0].done && s.stages[0].step < 1000, "{s}");
    let s = recipe::status(&r).unwrap();
    assert!(s.stages[0].done);
}

#[test]
fn bad_recipes_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let mut r = tiny_recipe(tmp.path());
    r.stages[1].name = "acoustic".into();
    assert!(r.validate().unwrap_err().to_string().contains("unique"));
    let r = tiny_recipe(tmp.path());
    let err = recipe::run(&r, &RunOptions { only: vec!["acustic".into()], ..opts() }).unwrap_err().to_string();
    assert!(err.contains("--only acustic") && err.contains("acoustic, gan"), "{err}");
    let path = tmp.path().join("recipe.json");
    std::fs::write(&path, "{\"data\": 1}").unwrap();
    let err = Recipe::load(&path).unwrap_err().to_string();
    assert!(err.contains("recipe.json"), "{err}");
}

#[test]
fn parallel_workers_train_two_stages_at_once_and_the_parent_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tiny_recipe(tmp.path());
    let path = tmp.path().join("recipe.json");
    std::fs::write(&path, serde_json::to_string_pretty(&r).unwrap()).unwrap();
    let ferry = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"));
        c.current_dir(env!("CARGO_MANIFEST_DIR")).env("OMP_WAIT_POLICY", "PASSIVE");
        c
    };
    let o = ferry().args(["--device", "cpu", "recipe", "run"]).arg(&path).args(["--parallel", "2", "--minutes", "10"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // Both workers started before either finished: two stages at once.
    let started: Vec<usize> = err.lines().enumerate().filter(|(_, l)| l.contains("started (pid")).map(|(i, _)| i).collect();
    let first_done = err.lines().position(|l| l.contains("finished its call")).unwrap();
    assert!(started.len() == 2 && started[1] < first_done, "{err}");
    // Each worker trained with one libtorch thread (recorded in its checkpoint).
    for stage in ["acoustic", "gan"] {
        let meta = ferry::nn::safetensors::read_metadata(r.out.join(stage).join("checkpoint.safetensors")).unwrap();
        let spent = ferry::train::budget::Spent::from_metadata(&meta);
        assert_eq!(spent.segments.iter().map(|s| s.threads).collect::<Vec<_>>(), vec![1], "{stage}");
    }
    let voice = ferry::Voice::open(&r.voice).unwrap();
    assert_eq!(voice.config.acoustic.as_ref().unwrap().training.steps, 4);
    assert_eq!(voice.config.vocoders["gan"].training.steps, 4);
    // `recipe status` reads the same state without training.
    let o = ferry().args(["recipe", "status"]).arg(&path).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.contains("4/4") && out.matches("done").count() == 2, "{out}");
}
