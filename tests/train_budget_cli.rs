//! `ferry train` budgets end to end: `--minutes` stops with a checkpoint, SIGTERM during
//! training leaves a resumable checkpoint, and the checkpoint's CPU-seconds and steps
//! accumulate across the resume (and reach the voice pack through `ferry export`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ferry() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
    c.current_dir(env!("CARGO_MANIFEST_DIR")).env("OMP_WAIT_POLICY", "PASSIVE");
    c
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/fixtures")
}

/// A tiny Vocos config file (reconstruction-only warm-up longer than any run here: cheap steps).
fn tiny_config(dir: &Path) -> PathBuf {
    let mut cfg = ferry::vocoder::gan::vocos::Config::tiny();
    cfg.train.warmup_steps = 1_000_000;
    let path = dir.join("vocos-tiny.json");
    std::fs::write(&path, serde_json::to_string(&cfg).unwrap()).unwrap();
    path
}

fn spent(ckpt: &Path) -> (u64, ferry::train::budget::Spent) {
    let meta = ferry::nn::safetensors::read_metadata(ckpt).unwrap();
    (ferry::train::checkpoint::checkpoint_step(ckpt, &meta).unwrap(), ferry::train::budget::Spent::from_metadata(&meta))
}

fn train_args(cfg: &Path, out: &Path) -> Vec<String> {
    let s = |p: &Path| p.display().to_string();
    [
        "--threads",
        "1",
        "train",
        "vocos",
        "--data",
        &s(&fixtures()),
        "--out",
        &s(out),
        "--config",
        &s(cfg),
        "--log-every",
        "1",
        "--validate-every",
        "0",
        "--checkpoint-every",
        "0",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect()
}

#[test]
fn minutes_and_sigterm_stop_with_a_checkpoint_that_resumes_and_accumulates() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tiny_config(tmp.path());
    let out = tmp.path().join("run");

    // --minutes: a budget of one second stops long before 100 000 steps, with a checkpoint.
    let o = ferry().args(train_args(&cfg, &out)).args(["--steps", "100000", "--minutes", "0.0167"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("because the --minutes budget ran out; continue with --resume"), "{err}");
    // The first step is counted and printed; its cost opens the log.
    assert!(err.contains("GFLOP per training step (step 1:"), "{err}");
    let first = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    let cost: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(cost["kind"], "cost", "{first}");
    assert!(cost["gflop"].as_f64().unwrap() > 0.0, "{cost}");
    let ckpt = out.join("checkpoint.safetensors");
    let (step1, spent1) = spent(&ckpt);
    assert!((1..100_000).contains(&step1) && spent1.steps == step1, "step {step1}, {spent1:?}");
    assert!(spent1.cpu_seconds > 0.0 && spent1.segments.len() == 1);

    // SIGTERM mid-run: the process checkpoints and exits cleanly; the run resumes from it.
    let child = ferry().args(train_args(&cfg, &out)).args(["--steps", "100000", "--resume"]).stderr(Stdio::piped()).spawn().unwrap();
    let log = out.join("train.jsonl");
    let lines = |p: &Path| std::fs::read_to_string(p).map(|t| t.lines().filter(|l| l.contains(r#""kind":"train""#)).count()).unwrap_or(0);
    let before = lines(&log);
    let t0 = Instant::now();
    while lines(&log) < before + 3 {
        assert!(t0.elapsed() < Duration::from_secs(120), "no training steps logged after the resume");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "SIGTERM: {:?}\n{err}", o.status);
    assert!(err.contains("because a stop signal arrived"), "{err}");
    let (step2, spent2) = spent(&ckpt);
    assert!(step2 >= step1 + 3, "{step1} -> {step2}");
    assert_eq!(spent2.segments.len(), 2);
    assert_eq!(spent2.steps, step2);
    assert!(spent2.cpu_seconds > spent1.cpu_seconds && spent2.wall_seconds > spent1.wall_seconds);
    assert_eq!(spent2.segments[1].from_step, step1);

    // The resumed log continues the step count; export carries the totals into the pack.
    let o = ferry().args(train_args(&cfg, &out)).args(["--steps", &(step2 + 2).to_string(), "--resume"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (step3, spent3) = spent(&ckpt);
    assert_eq!((step3, spent3.segments.len()), (step2 + 2, 3));
    let voice = tmp.path().join("voice");
    let o = ferry().args(["export", "--checkpoint", &ckpt.display().to_string(), "--voice", &voice.display().to_string()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = ferry::Voice::open(&voice).unwrap();
    let t = &v.config.vocoders["gan"].training;
    assert_eq!(t.steps, step3);
    assert!((t.cpu_seconds - spent3.cpu_seconds).abs() < 0.1, "{} vs {}", t.cpu_seconds, spent3.cpu_seconds);
    let card = std::fs::read_to_string(voice.join("MODEL_CARD.md")).unwrap();
    assert!(card.contains("Trained on a CPU") && card.contains("| gan | vocos |"), "{card}");
}
