//! `ferry recipe run`: a voice's whole training as resumable stages with budgets
//! (docs/ARCHITECTURE.md, "Training"). `make voice` makes the corpus and then runs this.
//!
//! The recipe file (e.g. `voices/joe/recipe.json`) names the data, the run directory, the
//! voice pack, and per stage the model, its config, a target step and a CPU-hour budget.
//! Rerunning continues where it stopped: a stage whose checkpoint reached its target step or
//! spent its budget is skipped, the stage in progress resumes from its checkpoint, and a
//! machine without checkpoints (a fresh clone) starts each stage from the weights committed
//! in the pack (`--init-from`, fresh optimiser). A wall-clock budget (`--minutes`) bounds the
//! whole call; when it is spent the stage in progress checkpoints and the run stops.
//!
//! At the end each stage's validation lines are merged into the pack's history
//! (`<voice>/train/history/`) and the learning curves redrawn ([`super::curves`]); every stage
//! whose latest validation improved on what the pack holds by the recipe's margin (2 % by
//! default) is exported into the pack, and a one-screen status is printed and written to
//! `OUT/status.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::budget::{Spent, StopReason};
use super::checkpoint::checkpoint_step;
use super::{TrainSetup, Trainer, TrainerConfig};
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::nn::safetensors::{self, Metadata};

/// The recipe file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// Dataset in LJSpeech layout (the teacher corpus).
    pub data: PathBuf,
    /// Where each stage's checkpoint, log and samples go (`OUT/<stage>/`).
    pub out: PathBuf,
    /// The voice pack the stages export into.
    pub voice: PathBuf,
    /// Export a stage when its validation loss is below `(1 - margin)` times the exported one.
    #[serde(default = "default_margin")]
    pub export_margin: f64,
    pub stages: Vec<Stage>,
}

fn default_margin() -> f64 {
    0.02
}

/// One model's training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Unique name: the run directory `OUT/<name>`.
    pub name: String,
    /// What `ferry train` calls the model (acoustic, vocos, gan, vae, flow, diffusion, ar).
    pub model: String,
    /// The model config (reference keys), or null for the model's CPU default.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
    /// Train until this step.
    pub target_steps: u64,
    /// CPU-hours the stage may spend in all (across every resume and machine).
    pub cpu_hours: f64,
    #[serde(default)]
    pub batch_size: Option<usize>,
    #[serde(default = "default_validate_every")]
    pub validate_every: u64,
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: u64,
}

fn default_validate_every() -> u64 {
    1000
}
fn default_checkpoint_every() -> u64 {
    500
}

impl Recipe {
    pub fn load(path: &Path) -> Result<Recipe> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let r: Recipe = serde_json::from_str(&text).map_err(|e| Error::config(path.display().to_string(), e.to_string()))?;
        r.validate().map_err(|e| Error::config(path.display().to_string(), e.to_string()))?;
        Ok(r)
    }

    pub fn validate(&self) -> Result<()> {
        let mut names = std::collections::BTreeSet::new();
        for s in &self.stages {
            if s.name.is_empty() || s.name.contains(['/', '\\']) || !names.insert(&s.name) {
                return Err(Error::arg(format!("stage names must be unique and plain (no '/'): '{}'", s.name)));
            }
            if !(s.cpu_hours > 0.0) || s.target_steps == 0 {
                return Err(Error::arg(format!("stage '{}': cpu_hours and target_steps must be positive", s.name)));
            }
        }
        Ok(())
    }

    fn stage_dir(&self, stage: &Stage) -> PathBuf {
        self.out.join(&stage.name)
    }
}

/// Where a stage stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageStatus {
    pub name: String,
    pub model: String,
    pub step: u64,
    pub target_steps: u64,
    pub cpu_hours: f64,
    pub budget_cpu_hours: f64,
    pub wall_hours: f64,
    /// Finished: target reached or budget spent.
    pub done: bool,
    /// The latest validation figures (the `val` lines of its log).
    pub last_validation: serde_json::Map<String, serde_json::Value>,
    /// What happened in this call: "skipped (done)", "trained 120 → 480", "exported", ...
    pub note: String,
}

/// The whole recipe's status (`OUT/status.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub stages: Vec<StageStatus>,
    /// The stage that was running when the call ended (None = every stage done or skipped).
    pub current: Option<String>,
    pub stopped: Option<String>,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{:<12} {:<10} {:>15} {:>17} {:>10}  note", "stage", "model", "step/target", "CPU-h/budget", "val")?;
        for s in &self.stages {
            let val = headline(&s.last_validation);
            writeln!(
                f,
                "{:<12} {:<10} {:>15} {:>17} {:>10}  {}{}",
                s.name,
                s.model,
                format!("{}/{}", s.step, s.target_steps),
                format!("{:.2}/{:.2}", s.cpu_hours, s.budget_cpu_hours),
                val.map_or("-".into(), |v| format!("{v:.4}")),
                if s.done { "done; " } else { "" },
                s.note
            )?;
        }
        if let Some(why) = &self.stopped {
            writeln!(f, "stopped: {why}")?;
        }
        Ok(())
    }
}

/// How to run a recipe.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Wall-clock budget of this call in minutes (None = until every stage is done).
    pub minutes: Option<f64>,
    pub device: tch::Device,
    pub seed: u64,
    /// bfloat16 autocast where the hardware has it.
    pub autocast: bool,
    pub progress: bool,
    /// Only these stages (empty = all).
    pub only: Vec<String>,
    /// Export what improved and write `status.json` at the end (off in the worker processes
    /// of a parallel run: the parent exports once they are done).
    pub export: bool,
}

/// The step and spending recorded in a checkpoint (zeros when there is none).
fn checkpoint_state(ckpt: &Path) -> Result<(u64, Spent)> {
    if !ckpt.is_file() {
        return Ok((0, Spent::default()));
    }
    let meta: Metadata = safetensors::read_metadata(ckpt)?;
    Ok((checkpoint_step(ckpt, &meta)?, Spent::from_metadata(&meta)))
}

/// The last `val` line of a stage's log.
fn last_validation(dir: &Path) -> serde_json::Map<String, serde_json::Value> {
    std::fs::read_to_string(dir.join("train.jsonl"))
        .ok()
        .and_then(|log| {
            log.lines()
                .rev()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|v| v["kind"] == "val")
                .and_then(|v| v.as_object().cloned())
        })
        .unwrap_or_default()
}

/// The first validation the stage's log holds at `step`.
fn validation_at(dir: &Path, step: u64) -> Option<serde_json::Map<String, serde_json::Value>> {
    let log = std::fs::read_to_string(dir.join("train.jsonl")).ok()?;
    log.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["kind"] == "val" && v["step"].as_u64() == Some(step))
        .and_then(|v| v.as_object().cloned())
}

/// The headline validation loss of a log line: the entry its `headline` field names (the
/// task's first loss).
fn headline(val: &serde_json::Map<String, serde_json::Value>) -> Option<f64> {
    headline_entry(val).map(|(_, v)| v)
}

/// The headline's name and value.
fn headline_entry(val: &serde_json::Map<String, serde_json::Value>) -> Option<(&str, f64)> {
    let name = val.get("headline")?.as_str()?;
    Some((name, val.get(name)?.as_f64()?))
}

/// What a new validation's `metric` is compared with: the exported weights' validation on
/// this run's rows (`logged`), else the figure recorded at export time, if it was of the same
/// metric (a record without one predates the field and is taken as it stands).
fn reference_figure(metric: &str, logged: Option<&serde_json::Map<String, serde_json::Value>>, recorded: Option<&serde_json::Value>) -> Option<f64> {
    let recorded = recorded.filter(|e| e["metric"].as_str().is_none_or(|m| m == metric)).and_then(|e| e["val"].as_f64());
    logged.and_then(|v| v.get(metric)).and_then(|x| x.as_f64()).or(recorded)
}

/// The pack file a stage exports to (`<role>.safetensors`), when the pack has it.
fn released_weights(voice: &Path, model: &str) -> Option<PathBuf> {
    let role = if model.eq_ignore_ascii_case("acoustic") { "acoustic".to_string() } else { model.parse::<crate::vocoder::Family>().ok()?.key().to_string() };
    let p = voice.join(format!("{role}.safetensors"));
    p.is_file().then_some(p)
}

/// What was last exported from each stage, {stage: {step, val, metric}}: kept in the pack
/// (`<voice>/train/exported.json`, committed with the weights) so that a new machine exports
/// only what beats the committed weights.
fn exported_path(recipe: &Recipe) -> PathBuf {
    recipe.voice.join("train").join("exported.json")
}

/// Where `ferry recipe run` draws the learning curves (the model card shows them).
pub fn learning_curves_path(recipe: &Recipe) -> PathBuf {
    recipe.voice.join("eval").join("learning_curves.png")
}

/// Where a stage stands, from its checkpoint's metadata and its log (trains nothing).
fn stage_status(recipe: &Recipe, stage: &Stage) -> Result<StageStatus> {
    let dir = recipe.stage_dir(stage);
    let (step, spent) = checkpoint_state(&dir.join("checkpoint.safetensors"))?;
    Ok(StageStatus {
        name: stage.name.clone(),
        model: stage.model.clone(),
        step,
        target_steps: stage.target_steps,
        cpu_hours: spent.cpu_seconds / 3600.0,
        budget_cpu_hours: stage.cpu_hours,
        wall_hours: spent.wall_seconds / 3600.0,
        done: step >= stage.target_steps || spent.cpu_seconds >= stage.cpu_hours * 3600.0,
        last_validation: last_validation(&dir),
        note: String::new(),
    })
}

/// Every stage's [`StageStatus`] (for `ferry recipe status`).
pub fn status(recipe: &Recipe) -> Result<Status> {
    Ok(Status { stages: recipe.stages.iter().map(|s| stage_status(recipe, s)).collect::<Result<_>>()?, current: None, stopped: None })
}

/// Runs the recipe's stages in order within the budget, exports what improved, writes and
/// returns the status.
pub fn run(recipe: &Recipe, opts: &RunOptions) -> Result<Status> {
    if let Some(bad) = opts.only.iter().find(|n| !recipe.stages.iter().any(|s| &s.name == *n)) {
        let names: Vec<&str> = recipe.stages.iter().map(|s| s.name.as_str()).collect();
        return Err(Error::arg(format!("--only {bad}: the recipe has no such stage (it has: {})", names.join(", "))));
    }
    std::fs::create_dir_all(&recipe.out).map_err(|e| Error::io(&recipe.out, e))?;
    let t0 = Instant::now();
    let mel = if recipe.voice.join("voice.json").is_file() {
        crate::Voice::open(&recipe.voice).map(|v| v.config.mel).unwrap_or_default()
    } else {
        MelConfig::default()
    };
    let mut status = Status::default();
    let mut time_up = false;
    for stage in &recipe.stages {
        let dir = recipe.stage_dir(stage);
        let ckpt = dir.join("checkpoint.safetensors");
        let mut st = stage_status(recipe, stage)?;
        let budget_s = stage.cpu_hours * 3600.0;
        let selected = opts.only.is_empty() || opts.only.iter().any(|n| n == &stage.name);
        let remaining_min = opts.minutes.map(|m| m - t0.elapsed().as_secs_f64() / 60.0);
        if st.done {
            st.note = "skipped (done)".into();
        } else if !selected {
            st.note = "not selected".into();
        } else if time_up || remaining_min.is_some_and(|m| m < 0.5) {
            time_up = true;
            st.note = "waiting (no time left in this call)".into();
        } else {
            status.current = Some(stage.name.clone());
            let setup = TrainSetup {
                data_dir: recipe.data.clone(),
                config: stage.config.clone(),
                device: opts.device,
                seed: opts.seed,
                mel: mel.clone(),
                batch_size: stage.batch_size,
            };
            let mut task = super::tasks::task_for(&stage.model, &setup)?;
            let resume = ckpt.is_file();
            let init_from = match (resume, released_weights(&recipe.voice, &stage.model)) {
                (false, Some(p)) => {
                    let mut v = vec![super::init::InitSource { store: None, path: p }];
                    let disc = recipe.voice.join("train").join(format!("{}-discriminator.safetensors", task.export_info().role));
                    if disc.is_file() && task.checkpoint_parts().stores.iter().any(|(n, _)| *n == "discriminator") {
                        v.push(super::init::InitSource { store: Some("discriminator".into()), path: disc });
                    }
                    v
                }
                _ => Vec::new(),
            };
            let mut metadata = Metadata::new();
            metadata.insert("mel".into(), serde_json::to_string(&mel)?);
            metadata.insert("data".into(), recipe.data.display().to_string());
            metadata.insert("revision".into(), crate::provenance::git_revision());
            metadata.insert("recipe_stage".into(), stage.name.clone());
            let trainer = Trainer::new(TrainerConfig {
                out_dir: dir.clone(),
                max_steps: stage.target_steps,
                log_every: 50,
                validate_every: stage.validate_every,
                checkpoint_every: stage.checkpoint_every,
                resume,
                progress: opts.progress,
                autocast: opts.autocast,
                device: opts.device,
                minutes: remaining_min,
                cpu_budget_seconds: Some(budget_s),
                init_from,
                watch_signals: true,
                hardware: String::new(),
                seed: opts.seed,
                metadata,
            });
            let s = trainer.run(task.as_mut())?;
            st.note = format!("trained {} → {}", s.start_step, s.steps);
            st.step = s.steps;
            st.cpu_hours = s.spent.cpu_seconds / 3600.0;
            st.wall_hours = s.spent.wall_seconds / 3600.0;
            st.done = s.steps >= stage.target_steps || s.spent.cpu_seconds >= budget_s;
            match s.stopped {
                Some(StopReason::Budget) => time_up = true,
                Some(StopReason::Signal) => {
                    time_up = true;
                    status.stopped = Some("a stop signal arrived; rerun to continue".into());
                }
                _ => status.current = None,
            }
            // A stage whose final validation did not run (stopped mid-way) still reports
            // the latest one below.
        }
        st.last_validation = last_validation(&dir);
        status.stages.push(st);
    }
    if time_up && status.stopped.is_none() {
        status.stopped = Some("the --minutes budget is spent; rerun to continue".into());
    }
    if opts.export {
        finish(recipe, &mut status)?;
    }
    Ok(status)
}

/// Keeps the validation history in the pack and redraws its learning curves
/// (`<voice>/eval/learning_curves.png`), exports what improved and writes `OUT/status.json`.
pub fn finish(recipe: &Recipe, status: &mut Status) -> Result<()> {
    super::curves::update_history(recipe)?;
    super::curves::draw(recipe, &learning_curves_path(recipe))?;
    export_improved(recipe, status)?;
    let path = recipe.out.join("status.json");
    std::fs::write(&path, serde_json::to_string_pretty(&status)? + "\n").map_err(|e| Error::io(&path, e))
}

/// The stages a call would train, in order: selected and not done.
pub fn pending(recipe: &Recipe, only: &[String]) -> Result<Vec<String>> {
    Ok(status(recipe)?.stages.into_iter().filter(|s| !s.done && (only.is_empty() || only.contains(&s.name))).map(|s| s.name).collect())
}

/// Exports every stage whose latest validation beat the exported one by the margin (or that
/// was never exported), and records what was exported.
fn export_improved(recipe: &Recipe, status: &mut Status) -> Result<()> {
    let path = exported_path(recipe);
    // Runs before the record moved into the pack kept it in `OUT/exported.json`.
    let mut exported: serde_json::Map<String, serde_json::Value> = [path.clone(), recipe.out.join("exported.json")]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok().and_then(|t| serde_json::from_str(&t).ok()))
        .unwrap_or_default();
    for st in &mut status.stages {
        let dir = recipe.out.join(&st.name);
        let ckpt = dir.join("checkpoint.safetensors");
        if !ckpt.is_file() {
            continue;
        }
        let Some((metric, val)) = headline_entry(&st.last_validation).map(|(m, v)| (m.to_string(), v)) else { continue };
        let prev_step = exported.get(&st.name).and_then(|e| e["step"].as_u64()).unwrap_or(0);
        // The exported weights validated on this run's held-out rows (the trainer does that
        // before the first step from a pack) are the fair reference; the figure recorded at
        // export time may come from another machine's split. Either is compared on the same
        // metric as the new validation (a task's headline may have changed since).
        let before = reference_figure(&metric, validation_at(&dir, prev_step).as_ref(), exported.get(&st.name));
        let better = before.is_none_or(|b| val < b * (1.0 - recipe.export_margin));
        if !better || st.step <= prev_step {
            continue;
        }
        super::export::export(&ckpt, &recipe.voice)?;
        exported.insert(st.name.clone(), serde_json::json!({"step": st.step, "val": val, "metric": metric}));
        st.note = if st.note.is_empty() { "exported".into() } else { format!("{}; exported", st.note) };
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&path, serde_json::to_string_pretty(&exported)? + "\n").map_err(|e| Error::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(json: &str) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_reference_figure_is_of_the_new_headline_metric() {
        // The pack's weights validated on this run under the old headline (mel L1) also
        // logged the loss: a task whose headline became the loss is compared on the loss.
        let logged = line(r#"{"kind":"val","step":1791,"headline":"val_mel_l1","val_mel_l1":2.47,"val_loss":12.97}"#);
        let recorded = serde_json::json!({"step": 1791, "val": 2.46});
        assert_eq!(reference_figure("val_loss", Some(&logged), Some(&recorded)), Some(12.97));
        assert_eq!(reference_figure("val_mel_l1", Some(&logged), Some(&recorded)), Some(2.47));
        // Without a logged line: the record, unless it names another metric.
        assert_eq!(reference_figure("val_mel_l1", None, Some(&recorded)), Some(2.46));
        let named = serde_json::json!({"step": 1791, "val": 2.46, "metric": "val_mel_l1"});
        assert_eq!(reference_figure("val_loss", None, Some(&named)), None);
        assert_eq!(reference_figure("val_mel_l1", None, Some(&named)), Some(2.46));
        assert_eq!(headline_entry(&logged), Some(("val_mel_l1", 2.47)));
    }
}
