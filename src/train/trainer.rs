//! The training loop shared by every model.

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::budget::{Budget, Segment, SegmentClock, Spent, StopReason, SPENT_KEY};
use super::checkpoint::{load_checkpoint, save_checkpoint};
use super::{Losses, TrainTask};
use crate::error::{Error, Result};
use crate::nn::safetensors::Metadata;

/// Updates over which a fresh optimiser on released weights (`--init-from`) ramps its
/// learning rate up from 0.
pub const INIT_WARMUP_STEPS: i64 = 200;

/// How to run a training job.
#[derive(Debug, Clone)]
pub struct TrainerConfig {
    /// Where the log, checkpoints and validation samples go.
    pub out_dir: PathBuf,
    /// Train until this step (inclusive).
    pub max_steps: u64,
    /// Write a log line every N steps.
    pub log_every: u64,
    /// Validate every N steps (0 = never, except at the end).
    pub validate_every: u64,
    /// Checkpoint every N steps (0 = only at the end).
    pub checkpoint_every: u64,
    /// Continue from `out_dir/checkpoint.safetensors`.
    pub resume: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Mixed precision: autocast in bfloat16 on CUDA and on CPUs with native bfloat16
    /// ([`super::autocast`]). Off by default in the library; `ferry train` turns it on
    /// unless `--no-autocast`.
    pub autocast: bool,
    /// The device the task trains on (decides which autocast applies).
    pub device: tch::Device,
    /// Wall-time budget of this call in minutes: the run stops with a checkpoint when it is
    /// spent (None = until `max_steps`).
    pub minutes: Option<f64>,
    /// CPU-seconds the whole training may spend, counted across resumes: the run stops with a
    /// checkpoint when the checkpoint's total reaches it (None = no limit).
    pub cpu_budget_seconds: Option<f64>,
    /// Start a new run from released weights (fresh optimiser; [`super::init`]). Ignored when
    /// resuming a checkpoint.
    pub init_from: Vec<super::init::InitSource>,
    /// Stop with a checkpoint on SIGINT / SIGTERM / SIGHUP (installs the handler).
    pub watch_signals: bool,
    /// The machine, stored with each segment of the run ([`Spent`]); empty = described here.
    pub hardware: String,
    pub seed: u64,
    /// Extra metadata stored in checkpoints (e.g. the mel definition, the data set).
    pub metadata: Metadata,
}

impl Default for TrainerConfig {
    fn default() -> Self {
        Self {
            out_dir: PathBuf::from("runs/train"),
            max_steps: 1000,
            log_every: 10,
            validate_every: 0,
            checkpoint_every: 0,
            resume: false,
            progress: true,
            autocast: false,
            device: tch::Device::Cpu,
            minutes: None,
            cpu_budget_seconds: None,
            init_from: Vec::new(),
            watch_signals: false,
            hardware: String::new(),
            seed: 0,
            metadata: Metadata::new(),
        }
    }
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    /// Headline loss of the first step run in this call.
    pub first_loss: f64,
    /// Headline loss of the last step.
    pub last_loss: f64,
    /// The step the run started from (0, or the checkpoint's step when resuming).
    pub start_step: u64,
    /// The last step run.
    pub steps: u64,
    /// Every step's losses from this call.
    pub history: Vec<(u64, Losses)>,
    pub checkpoint: PathBuf,
    pub log: PathBuf,
    pub seconds: f64,
    /// Why the run stopped before `max_steps` (None = it reached them).
    pub stopped: Option<StopReason>,
    /// Totals across every segment of this checkpoint's training, this call included.
    pub spent: Spent,
}

/// Runs a [`TrainTask`] with logging, validation and checkpoints.
pub struct Trainer {
    cfg: TrainerConfig,
}

impl Trainer {
    pub fn new(cfg: TrainerConfig) -> Self {
        Self { cfg }
    }

    pub fn checkpoint_path(&self) -> PathBuf {
        self.cfg.out_dir.join("checkpoint.safetensors")
    }

    pub fn run(&self, task: &mut dyn TrainTask) -> Result<TrainSummary> {
        let cfg = &self.cfg;
        std::fs::create_dir_all(&cfg.out_dir).map_err(|e| Error::io(&cfg.out_dir, e))?;
        let ckpt = self.checkpoint_path();
        let export = task.export_info();
        let mut start = 0;
        let mut before = Spent::default();
        if cfg.resume {
            if !ckpt.is_file() {
                return Err(Error::Training(format!("--resume: no checkpoint at {}; start without --resume", ckpt.display())));
            }
            let (step, meta) = load_checkpoint(&ckpt, &mut task.checkpoint_parts())?;
            start = step;
            before = Spent::from_metadata(&meta);
        } else if ckpt.is_file() {
            return Err(Error::Training(format!("{} already holds a checkpoint; pass --resume to continue it or choose another --out", cfg.out_dir.display())));
        } else if !cfg.init_from.is_empty() {
            let mut parts = task.checkpoint_parts();
            (start, before) = super::init::init_from(&mut parts, &export.store, &cfg.init_from)?;
            for (_, opt) in parts.optimizers.iter_mut() {
                opt.warm_up(INIT_WARMUP_STEPS);
            }
        }
        // A resumed run draws a different, still deterministic, random stream.
        crate::device::seed_everything(cfg.seed.wrapping_add(start));

        let log_path = cfg.out_dir.join("train.jsonl");
        let mut log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).map_err(|e| Error::io(&log_path, e))?;
        let bar = if cfg.progress { ProgressBar::new(cfg.max_steps) } else { ProgressBar::hidden() };
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(format!("train {}", export.model));
        bar.set_position(start);

        let t0 = Instant::now();
        let clock = SegmentClock::start();
        let budget = Budget::new(cfg.minutes, cfg.watch_signals);
        let hardware = if cfg.hardware.is_empty() { crate::provenance::describe_hardware(cfg.device) } else { cfg.hardware.clone() };
        let segment = |to_step: u64| Segment {
            from_step: start,
            to_step,
            cpu_seconds: clock.cpu_seconds(),
            wall_seconds: clock.wall_seconds(),
            hardware: hardware.clone(),
            threads: tch::get_num_threads() as i64,
            revision: crate::provenance::git_revision(),
            autocast: cfg.autocast && super::autocast::available(cfg.device),
        };
        // Returns the totals it wrote, so the summary reports exactly the checkpoint's.
        let save = |task: &mut dyn TrainTask, step: u64| -> Result<Spent> {
            let spent = before.with(&segment(step));
            let mut meta = cfg.metadata.clone();
            meta.insert(SPENT_KEY.into(), serde_json::to_string(&spent)?);
            save_checkpoint(&ckpt, step, &task.checkpoint_parts(), &export, &meta)?;
            Ok(spent)
        };
        // Weights from a pack are validated before the first step, on this run's data: the
        // learning curve then starts where the released model stands, and what the run gains
        // over it is measured on the same held-out rows (an earlier machine's split may differ).
        let from_release = !cfg.resume && !cfg.init_from.is_empty();
        if from_release && cfg.validate_every > 0 && start < cfg.max_steps {
            let dir = cfg.out_dir.join("val").join(format!("step_{start:08}"));
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let val = bar.suspend(|| tch::no_grad(|| task.validate(start, &dir)))?;
            write_log(&mut log, &log_path, "val", start, t0.elapsed().as_secs_f64(), before.cpu_seconds + clock.cpu_seconds(), &val)?;
        }
        let mut saved = None;
        let mut history = Vec::new();
        let mut stopped = None;
        let mut last_step = start;
        let mut smoothed: Option<f64> = None;
        let last_good = || if ckpt.is_file() { ckpt.display().to_string() } else { "(none yet)".into() };
        for step in start + 1..=cfg.max_steps {
            // tch panics when libtorch raises (a CUDA out-of-memory, a kernel that refuses its
            // input): the run stops with an error that says where to resume from.
            let mut run = || std::panic::catch_unwind(AssertUnwindSafe(|| super::autocast::bf16(cfg.autocast, cfg.device, || task.train_step(step))));
            // The first step of every run is counted (matrix products and convolutions, forward
            // and backward): the cost of one step, whatever the machine. A count libtorch refuses
            // leaves the step uncounted; it trains all the same.
            let counted = if step == start + 1 { super::flops::count(&mut run).ok() } else { None };
            let step_result = match counted {
                Some((result, flops)) => {
                    let gflop = flops as f64 / 1e9;
                    bar.suspend(|| {
                        eprintln!("{}: {gflop:.1} GFLOP per training step (step {step}: matrix products and convolutions, forward and backward)", export.model)
                    });
                    let cost = Losses(vec![("gflop".into(), (gflop * 1000.0).round() / 1000.0)]);
                    write_log(&mut log, &log_path, "cost", step, t0.elapsed().as_secs_f64(), before.cpu_seconds + clock.cpu_seconds(), &cost)?;
                    result
                }
                None => run(),
            };
            let losses = match step_result {
                Ok(losses) => losses?,
                Err(payload) => {
                    bar.abandon();
                    return Err(Error::Training(format!(
                        "step {step} failed inside libtorch: {}. The last good checkpoint is {} — resume from it (with a smaller --batch-size if the device ran out of memory)",
                        crate::error::panic_message(payload.as_ref()),
                        last_good()
                    )));
                }
            };
            if let Some((name, v)) = losses.first_non_finite() {
                bar.abandon();
                return Err(Error::Training(format!(
                    "loss '{name}' became {v} at step {step}; stopped. The last good checkpoint is {} — resume from it with a lower learning rate, or check the data",
                    last_good()
                )));
            }
            let h = losses.headline();
            smoothed = Some(smoothed.map_or(h, |s| 0.9 * s + 0.1 * h));
            let rate = (step - start) as f64 / t0.elapsed().as_secs_f64().max(1e-9);
            bar.set_position(step);
            bar.set_message(format!("{} {:.4}  {rate:.2} steps/s", losses.0.first().map_or("loss", |(n, _)| n.as_str()), smoothed.unwrap_or(h)));
            last_step = step;
            stopped = budget
                .should_stop()
                .or_else(|| cfg.cpu_budget_seconds.filter(|&b| before.cpu_seconds + clock.cpu_seconds() >= b).map(|_| StopReason::CpuBudget));
            let last = step == cfg.max_steps || stopped.is_some();
            let cpu_s = before.cpu_seconds + clock.cpu_seconds();
            if step % cfg.log_every.max(1) == 0 || last {
                write_log(&mut log, &log_path, "train", step, t0.elapsed().as_secs_f64(), cpu_s, &losses)?;
            }
            if cfg.validate_every > 0 && (step % cfg.validate_every == 0 || last) {
                let dir = cfg.out_dir.join("val").join(format!("step_{step:08}"));
                std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                let val = tch::no_grad(|| task.validate(step, &dir))?;
                write_log(&mut log, &log_path, "val", step, t0.elapsed().as_secs_f64(), cpu_s, &val)?;
            }
            if (cfg.checkpoint_every > 0 && step % cfg.checkpoint_every == 0) || last {
                saved = Some(save(task, step)?);
            }
            history.push((step, losses));
            if stopped.is_some() {
                break;
            }
        }
        bar.finish_and_clear();
        let first_loss = history.first().map_or(f64::NAN, |(_, l)| l.headline());
        let last_loss = history.last().map_or(f64::NAN, |(_, l)| l.headline());
        Ok(TrainSummary {
            first_loss,
            last_loss,
            start_step: start,
            steps: last_step,
            history,
            checkpoint: ckpt,
            log: log_path,
            seconds: t0.elapsed().as_secs_f64(),
            stopped,
            spent: saved.unwrap_or_else(|| before.with(&segment(last_step))),
        })
    }
}

/// One JSONL line: kind, step, wall seconds of this call, CPU-seconds of the whole training
/// (every resumed segment), then the losses.
fn write_log(log: &mut std::fs::File, path: &std::path::Path, kind: &str, step: u64, secs: f64, cpu_s: f64, losses: &Losses) -> Result<()> {
    let mut obj = serde_json::Map::new();
    obj.insert("kind".into(), kind.into());
    obj.insert("step".into(), step.into());
    obj.insert("time_s".into(), serde_json::json!((secs * 1000.0).round() / 1000.0));
    obj.insert("cpu_s".into(), serde_json::json!((cpu_s * 1000.0).round() / 1000.0));
    // JSON objects lose their key order: name the headline loss (the first) explicitly.
    if let Some((name, _)) = losses.0.first() {
        obj.insert("headline".into(), name.as_str().into());
    }
    for (n, v) in losses.iter() {
        obj.insert(n.to_string(), serde_json::json!(v));
    }
    writeln!(log, "{}", serde_json::Value::Object(obj)).and_then(|_| log.flush()).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::super::{AdamW, AdamWConfig, CheckpointParts, ExportInfo};
    use super::*;
    use tch::{nn, nn::Module, Device, Kind, Tensor};

    /// Linear regression y = x·w* + b* — small enough to train in milliseconds.
    struct Regression {
        vs: nn::VarStore,
        lin: nn::Linear,
        opt: AdamW,
        x: Tensor,
        y: Tensor,
        nan_at: Option<u64>,
        /// A step at which libtorch raises (mismatched shapes), as a CUDA OOM would.
        raise_at: Option<u64>,
    }

    impl Regression {
        /// Built without the global RNG: tests in this binary run on parallel threads that share
        /// libtorch's generator, so a seeded `randn` here could differ between two constructions.
        fn new() -> Self {
            let vs = nn::VarStore::new(Device::Cpu);
            let zero = nn::LinearConfig { ws_init: nn::Init::Const(0.0), bs_init: Some(nn::Init::Const(0.0)), bias: true };
            let lin = nn::linear(vs.root() / "lin", 4, 1, zero);
            let opt = AdamW::new(&vs, AdamWConfig { lr: 0.05, ..Default::default() });
            // A fixed, well-spread design matrix: x[i, j] = sin(1.7·i + 0.9·j + 0.3).
            let x =
                (Tensor::arange(64, (Kind::Float, Device::Cpu)).view([64, 1]) * 1.7 + Tensor::arange(4, (Kind::Float, Device::Cpu)).view([1, 4]) * 0.9 + 0.3)
                    .sin();
            let y = x.matmul(&Tensor::from_slice(&[1.0f32, -2.0, 0.5, 3.0]).view([4, 1])) + 0.7;
            Self { vs, lin, opt, x, y, nan_at: None, raise_at: None }
        }
    }

    impl TrainTask for Regression {
        fn train_step(&mut self, step: u64) -> Result<Losses> {
            if self.raise_at == Some(step) {
                let _ = self.x.matmul(&self.x);
            }
            let loss = (self.lin.forward(&self.x) - &self.y).square().mean(Kind::Float);
            let loss = if self.nan_at == Some(step) { loss * f64::NAN } else { loss };
            self.opt.backward_step(&loss);
            Ok(Losses::new().with("mse", loss.double_value(&[])).with("lr", self.opt.lr()))
        }
        fn validate(&mut self, _step: u64, dir: &std::path::Path) -> Result<Losses> {
            std::fs::write(dir.join("note.txt"), "validated").unwrap();
            let loss = (self.lin.forward(&self.x) - &self.y).square().mean(Kind::Float);
            Ok(Losses::new().with("mse", loss.double_value(&[])))
        }
        fn checkpoint_parts(&mut self) -> CheckpointParts<'_> {
            CheckpointParts { stores: vec![("model", &mut self.vs)], optimizers: vec![("opt", &mut self.opt)] }
        }
        fn export_info(&self) -> ExportInfo {
            ExportInfo { role: "test".into(), model: "linear".into(), config: serde_json::json!({}), store: "model".into(), symbols: None }
        }
    }

    fn cfg(dir: &std::path::Path, steps: u64, resume: bool) -> TrainerConfig {
        TrainerConfig {
            out_dir: dir.to_path_buf(),
            max_steps: steps,
            log_every: 1,
            validate_every: 20,
            checkpoint_every: 10,
            resume,
            progress: false,
            ..Default::default()
        }
    }

    #[test]
    fn learns_logs_validates_and_resumes_without_a_jump() {
        let tmp = tempfile::tempdir().unwrap();
        // Reference: 60 uninterrupted steps.
        let mut full = Regression::new();
        let reference = Trainer::new(cfg(&tmp.path().join("full"), 60, false)).run(&mut full).unwrap();
        assert!(reference.last_loss < reference.first_loss * 0.5, "{} -> {}", reference.first_loss, reference.last_loss);

        // 30 steps, then a fresh process-equivalent task resumes to 60.
        let dir = tmp.path().join("split");
        let mut a = Regression::new();
        Trainer::new(cfg(&dir, 30, false)).run(&mut a).unwrap();
        let mut b = Regression::new();
        let resumed = Trainer::new(cfg(&dir, 60, true)).run(&mut b).unwrap();
        assert_eq!(resumed.start_step, 30);
        // Full-batch regression is deterministic: the resumed curve equals the uninterrupted one.
        for ((s1, l1), (s2, l2)) in reference.history[30..].iter().zip(&resumed.history) {
            assert_eq!(s1, s2);
            assert!((l1.headline() - l2.headline()).abs() < 1e-6, "step {s1}: {} vs {}", l1.headline(), l2.headline());
        }
        let log = std::fs::read_to_string(dir.join("train.jsonl")).unwrap();
        assert_eq!(log.lines().filter(|l| l.contains("\"train\"")).count(), 60);
        assert!(log.lines().any(|l| l.contains("\"val\"")));
        assert!(dir.join("val/step_00000020/note.txt").is_file());
        assert!(!dir.join("checkpoint.safetensors.tmp").exists());
    }

    #[test]
    fn a_run_from_released_weights_validates_them_before_its_first_step() {
        let tmp = tempfile::tempdir().unwrap();
        let trained_dir = tmp.path().join("trained");
        let mut trained = Regression::new();
        Trainer::new(cfg(&trained_dir, 30, false)).run(&mut trained).unwrap();
        // The trained weights as a released file (fp32; no voice.json, so the run counts from 0).
        let release = tmp.path().join("release.safetensors");
        let weights: Vec<(String, Tensor)> = trained.vs.variables().into_iter().collect();
        crate::nn::safetensors::write(&release, &weights, None).unwrap();
        let dir = tmp.path().join("from-release");
        let from = vec![crate::train::init::InitSource { store: None, path: release }];
        Trainer::new(TrainerConfig { init_from: from, ..cfg(&dir, 45, false) }).run(&mut Regression::new()).unwrap();
        let vals = |dir: &std::path::Path| -> Vec<serde_json::Value> {
            let log = std::fs::read_to_string(dir.join("train.jsonl")).unwrap();
            log.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).filter(|v| v["kind"] == "val").collect()
        };
        let v = vals(&dir);
        // Before any update (the released weights), then at step 20, 40 and the end.
        assert_eq!(v.iter().map(|v| v["step"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 20, 40, 45]);
        let released = vals(&trained_dir).last().unwrap()["mse"].as_f64().unwrap();
        assert!((v[0]["mse"].as_f64().unwrap() - released).abs() < 1e-6, "{} vs {released}", v[0]);
        assert!(dir.join("val/step_00000000/note.txt").is_file());
        // A resumed run does not validate again at its start.
        Trainer::new(cfg(&dir, 50, true)).run(&mut Regression::new()).unwrap();
        assert_eq!(vals(&dir).iter().map(|v| v["step"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 20, 40, 45, 50]);
    }

    #[test]
    fn stops_on_nan_and_refuses_to_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let mut t = Regression::new();
        t.nan_at = Some(15);
        let err = Trainer::new(cfg(tmp.path(), 40, false)).run(&mut t).unwrap_err().to_string();
        assert!(err.contains("'mse' became NaN at step 15") && err.contains("checkpoint.safetensors"), "{err}");
        let mut t = Regression::new();
        let err = Trainer::new(cfg(tmp.path(), 40, false)).run(&mut t).unwrap_err().to_string();
        assert!(err.contains("--resume"), "{err}");
        let err = Trainer::new(cfg(&tmp.path().join("empty"), 40, true)).run(&mut Regression::new()).unwrap_err().to_string();
        assert!(err.contains("no checkpoint"), "{err}");
    }

    #[test]
    fn a_libtorch_error_stops_with_a_message_instead_of_a_panic() {
        let tmp = tempfile::tempdir().unwrap();
        let mut t = Regression::new();
        t.raise_at = Some(13);
        let err = Trainer::new(cfg(tmp.path(), 40, false)).run(&mut t).unwrap_err().to_string();
        assert!(err.starts_with("training: step 13 failed inside libtorch: "), "{err}");
        assert!(err.contains("mat1 and mat2 shapes cannot be multiplied"), "{err}");
        assert!(!err.contains("Exception raised from") && !err.contains("unwrap"), "{err}");
        assert!(err.contains(&tmp.path().join("checkpoint.safetensors").display().to_string()), "{err}");
        // The run resumes from the step-10 checkpoint.
        let resumed = Trainer::new(cfg(tmp.path(), 20, true)).run(&mut Regression::new()).unwrap();
        assert_eq!(resumed.start_step, 10);
    }

    #[test]
    fn a_spent_budget_stops_with_a_checkpoint_and_cpu_seconds_accumulate_across_resumes() {
        let tmp = tempfile::tempdir().unwrap();
        // A zero budget: one step runs, then the run stops and checkpoints (checkpoint_every is 10).
        let first = Trainer::new(TrainerConfig { minutes: Some(0.0), ..cfg(tmp.path(), 40, false) }).run(&mut Regression::new()).unwrap();
        assert_eq!((first.steps, first.stopped), (1, Some(StopReason::Budget)));
        let (tensors, meta) = crate::nn::safetensors::read_with_metadata(tmp.path().join("checkpoint.safetensors")).unwrap();
        assert!(!tensors.is_empty());
        assert_eq!(super::super::checkpoint::checkpoint_step(tmp.path(), &meta).unwrap(), 1);
        let after_first = Spent::from_metadata(&meta);
        assert_eq!((after_first.steps, after_first.segments.len()), (1, 1));
        assert!(!after_first.segments[0].hardware.is_empty());

        // Resumed twice more: the totals are the sums of the segments.
        let second = Trainer::new(cfg(tmp.path(), 25, true)).run(&mut Regression::new()).unwrap();
        assert_eq!((second.start_step, second.steps, second.stopped), (1, 25, None));
        let third = Trainer::new(cfg(tmp.path(), 40, true)).run(&mut Regression::new()).unwrap();
        let (_, meta) = crate::nn::safetensors::read_with_metadata(tmp.path().join("checkpoint.safetensors")).unwrap();
        let spent = Spent::from_metadata(&meta);
        // The summary reports what the checkpoint holds (JSON floats round to within an ulp).
        assert_eq!((spent.steps, spent.segments.len()), (third.spent.steps, third.spent.segments.len()));
        assert!((spent.cpu_seconds - third.spent.cpu_seconds).abs() < 1e-9);
        assert_eq!(spent.steps, 40);
        assert_eq!(spent.segments.iter().map(|s| (s.from_step, s.to_step)).collect::<Vec<_>>(), vec![(0, 1), (1, 25), (25, 40)]);
        let sum: f64 = spent.segments.iter().map(|s| s.cpu_seconds).sum();
        assert!((spent.cpu_seconds - sum).abs() < 1e-9 && spent.cpu_seconds >= after_first.cpu_seconds);
        // Every log line carries the cumulative CPU-seconds, never decreasing across resumes.
        let log = std::fs::read_to_string(tmp.path().join("train.jsonl")).unwrap();
        let cpu: Vec<f64> = log.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["cpu_s"].as_f64().unwrap()).collect();
        assert_eq!(cpu.len(), log.lines().count());
        assert!(cpu.windows(2).all(|w| w[1] >= w[0]), "{cpu:?}");
    }
}
