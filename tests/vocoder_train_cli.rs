//! `ferry train <family> --data DIR` end to end for the waveform vocoders: each reads the
//! fixture dataset (LJSpeech layout) through the shared `data::Segments`, trains two steps
//! of its tiny config, validates (rendering a sample WAV; under 100 clips nothing is held
//! out, so from training clips) and writes a checkpoint; a dataset that lists a missing
//! file is refused naming it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn ferry() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/fixtures")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ferry-vtrain-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every WAV under `dir` (validation samples).
fn wavs_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(wavs_under(&p));
        } else if p.extension().is_some_and(|x| x == "wav") {
            found.push(p);
        }
    }
    found
}

/// Two training steps of `family` on the fixture; `config` is written to a JSON file, or
/// passed as it is when it is a string (a preset name).
fn train_two_steps(family: &str, config: serde_json::Value) {
    let dir = scratch(&format!("{family}-{}", config.as_str().unwrap_or("json")));
    let cfg = match &config {
        serde_json::Value::String(preset) => PathBuf::from(preset),
        _ => {
            let path = dir.join("config.json");
            std::fs::write(&path, config.to_string()).unwrap();
            path
        }
    };
    let out = dir.join("run");
    let o = ferry()
        .args(["--device", "cpu", "--threads", "2", "train", family, "--steps", "2", "--batch-size", "2"])
        .args(["--validate-every", "2", "--checkpoint-every", "2", "--log-every", "1"])
        .arg("--data")
        .arg(fixtures())
        .arg("--out")
        .arg(&out)
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "ferry train {family} failed: {stderr}");
    assert!(out.join("checkpoint.safetensors").is_file(), "{family}: no checkpoint; {stderr}");
    let log = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    assert!(log.lines().count() >= 2, "{family}: train.jsonl has {} lines", log.lines().count());
    let samples = wavs_under(&out);
    assert!(!samples.is_empty(), "{family}: validation rendered no sample");
    let (audio, _) = ferry::audio::read_wav(&samples[0]).unwrap();
    assert!(!audio.samples.is_empty() && audio.samples.iter().all(|s| s.is_finite()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gan_trains_from_a_dataset_directory() {
    train_two_steps("gan", serde_json::to_value(ferry::vocoder::gan::Config::tiny()).unwrap());
}

#[test]
fn vae_trains_from_a_dataset_directory() {
    train_two_steps("vae", serde_json::to_value(ferry::vocoder::vae::Config::tiny()).unwrap());
}

#[test]
fn presets_are_named_on_the_command_line() {
    train_two_steps("vae", "vocos-tiny".into());
    train_two_steps("ar", "TINY".into());
    let dir = scratch("no-preset");
    let o = ferry()
        .args(["--device", "cpu", "train", "ar", "--steps", "1", "--config", "nope"])
        .arg("--data")
        .arg(fixtures())
        .arg("--out")
        .arg(dir.join("run"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("'nope' is neither a preset (default, cpu, 512, tiny, raw) nor a JSON file"), "{stderr}");
}

#[test]
fn flow_trains_from_a_dataset_directory() {
    train_two_steps("flow", serde_json::to_value(ferry::vocoder::flow::Config::tiny()).unwrap());
}

#[test]
fn diffusion_trains_from_a_dataset_directory() {
    train_two_steps("diffusion", serde_json::to_value(ferry::vocoder::diffusion::Config::tiny()).unwrap());
}

#[test]
fn a_listed_missing_clip_is_named() {
    let dir = scratch("missing");
    std::fs::create_dir_all(dir.join("wavs")).unwrap();
    std::fs::copy(fixtures().join("wavs/fx-00001.wav"), dir.join("wavs/fx-00001.wav")).unwrap();
    std::fs::write(dir.join("metadata.csv"), "fx-00001|One.|One.\nfx-99999|Two.|Two.\n").unwrap();
    let o = ferry().args(["--device", "cpu", "train", "flow", "--steps", "1"]).arg("--data").arg(&dir).arg("--out").arg(dir.join("run")).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("fx-99999.wav"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
