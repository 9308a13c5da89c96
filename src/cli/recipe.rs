//! `ferry recipe run | status`: the voice's whole training as resumable, budgeted stages
//! ([`crate::train::recipe`]); `make voice` runs it after making the corpus.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};

use super::{pick_device, GlobalArgs};
use crate::error::{Error, Result};
use crate::train::recipe::{self, Recipe, RunOptions, Status};

pub const AFTER_HELP: &str = "Examples:
  ferry recipe run voices/joe/recipe.json --minutes 150   train for at most 150 minutes, export what improved
  ferry recipe run voices/joe/recipe.json --only acoustic only that stage
  ferry recipe run voices/joe/recipe.json --parallel 2    two stages at once, one thread each
  ferry recipe status voices/joe/recipe.json              where every stage stands
  ferry recipe report voices/joe/recipe.json -o curves.png learning curves: validation against CPU-hours

Rerunning continues where the last run stopped: finished stages are skipped, the stage in
progress resumes from its checkpoint in the recipe's `out` folder, and on a machine without
checkpoints each stage starts from the weights committed in the voice pack.

On a small CPU, `--parallel 2` trains two stages at once in two processes of one libtorch
thread each: one thread does a FastPitch step for 0.51 CPU-seconds where two threads spend
0.81 (bench/TRAINING.md). Each worker's progress goes to OUT/<stage>/recipe.log.";

#[derive(Debug, Args)]
pub struct RecipeArgs {
    #[command(subcommand)]
    pub command: RecipeCommand,
}

#[derive(Debug, Subcommand)]
pub enum RecipeCommand {
    /// Run the stages in order within a wall-clock budget; export what improved.
    Run(RunArgs),
    /// Print where each stage stands (from its checkpoint and log; trains nothing).
    Status(StatusArgs),
    /// Draw the learning curves: every stage's validation against its CPU-hours, and the
    /// vocoder families' mel L1 side by side (from the pack's history and the run's logs).
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The recipe file (JSON: data, out, voice, stages).
    pub recipe: PathBuf,
    /// Stop after this many minutes of wall time (the stage in progress checkpoints first).
    #[arg(long)]
    pub minutes: Option<f64>,
    /// Run only these stages (by name; repeat the flag for several).
    #[arg(long)]
    pub only: Vec<String>,
    /// Disable bfloat16 autocast (on by default where the CPU or GPU has native bfloat16).
    #[arg(long)]
    pub no_autocast: bool,
    /// Train this many stages at once, each in its own process with one libtorch thread.
    #[arg(long, default_value_t = 1)]
    pub parallel: usize,
    /// Do not export or write status.json at the end (used by the workers of --parallel).
    #[arg(long, hide = true)]
    pub no_export: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub recipe: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    pub recipe: PathBuf,
    /// The PNG to write (default: the pack's eval/learning_curves.png, which the model card shows).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(g: &GlobalArgs, a: RecipeArgs) -> Result<()> {
    match a.command {
        RecipeCommand::Run(r) => {
            let recipe = Recipe::load(&r.recipe)?;
            let status = if r.parallel > 1 {
                run_parallel(g, &r, &recipe)?
            } else {
                let device = pick_device(g)?;
                let opts = RunOptions {
                    minutes: r.minutes,
                    device,
                    seed: g.seed,
                    autocast: !r.no_autocast,
                    progress: true,
                    only: r.only.clone(),
                    export: !r.no_export,
                };
                recipe::run(&recipe, &opts)?
            };
            if !r.no_export {
                eprint!("{status}");
                eprintln!("ferry: status written to {}", recipe.out.join("status.json").display());
            }
            Ok(())
        }
        RecipeCommand::Status(s) => {
            let recipe = Recipe::load(&s.recipe)?;
            let status: Status = recipe::status(&recipe)?;
            print!("{status}");
            Ok(())
        }
        RecipeCommand::Report(r) => {
            let recipe = Recipe::load(&r.recipe)?;
            let png = r.output.unwrap_or_else(|| recipe::learning_curves_path(&recipe));
            let n = crate::train::curves::draw(&recipe, &png)?;
            eprintln!("ferry: wrote {} ({n} validations of {} stages)", png.display(), recipe.stages.len());
            Ok(())
        }
    }
}

/// `--parallel N`: keeps up to N worker processes (`ferry --threads 1 recipe run --only STAGE
/// --no-export`) busy with the pending stages in recipe order, each with the time left; a stop
/// signal is passed on to the workers, which checkpoint. Exports once every worker is done.
fn run_parallel(g: &GlobalArgs, r: &RunArgs, recipe: &Recipe) -> Result<Status> {
    let exe = std::env::current_exe().map_err(|e| Error::External(format!("cannot find the ferry executable: {e}")))?;
    let t0 = Instant::now();
    let stop = crate::train::budget::stop_flag();
    let mut pending = std::collections::VecDeque::from(recipe::pending(recipe, &r.only)?);
    let mut running: Vec<(String, Child)> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut signalled = false;
    loop {
        let left = r.minutes.map(|m| m - t0.elapsed().as_secs_f64() / 60.0);
        while running.len() < r.parallel && !stop.load(std::sync::atomic::Ordering::SeqCst) && left.is_none_or(|m| m >= 0.5) {
            let Some(name) = pending.pop_front() else { break };
            let dir = recipe.out.join(&name);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let log_path = dir.join("recipe.log");
            let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).map_err(|e| Error::io(&log_path, e))?;
            let mut cmd = Command::new(&exe);
            cmd.args(["--threads", "1", "--seed", &g.seed.to_string(), "--device", &g.device.to_string(), "recipe", "run"])
                .arg(&r.recipe)
                .args(["--only", &name, "--no-export"])
                .stdout(Stdio::null())
                .stderr(log);
            if let Some(m) = left {
                cmd.args(["--minutes", &format!("{m:.3}")]);
            }
            if r.no_autocast {
                cmd.arg("--no-autocast");
            }
            let child = cmd.spawn().map_err(|e| Error::External(format!("cannot start a recipe worker: {e}")))?;
            eprintln!("ferry: stage '{name}' started (pid {}, 1 thread; progress in {})", child.id(), log_path.display());
            running.push((name, child));
        }
        if running.is_empty() {
            break;
        }
        if stop.load(std::sync::atomic::Ordering::SeqCst) && !signalled {
            signalled = true;
            for (_, c) in &running {
                // SAFETY: kill(2) on our own child's pid.
                unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            }
        }
        std::thread::sleep(Duration::from_millis(500));
        let mut i = 0;
        while i < running.len() {
            match running[i].1.try_wait() {
                Ok(Some(exit)) => {
                    let (name, _) = running.remove(i);
                    if exit.success() {
                        eprintln!("ferry: stage '{name}' finished its call");
                    } else {
                        eprintln!("ferry: stage '{name}' failed ({exit}); see {}", recipe.out.join(&name).join("recipe.log").display());
                        failed.push(name);
                    }
                }
                Ok(None) => i += 1,
                Err(e) => return Err(Error::External(format!("waiting for stage '{}': {e}", running[i].0))),
            }
        }
    }
    let mut status = recipe::status(recipe)?;
    for st in &mut status.stages {
        if failed.contains(&st.name) {
            st.note = "failed (see its recipe.log)".into();
        }
    }
    if signalled {
        status.stopped = Some("a stop signal arrived; rerun to continue".into());
    } else if !recipe::pending(recipe, &r.only)?.is_empty() {
        status.stopped = Some("the --minutes budget is spent; rerun to continue".into());
    }
    recipe::finish(recipe, &mut status)?;
    if !failed.is_empty() {
        eprint!("{status}");
        return Err(Error::Training(format!("stage(s) {} failed; their logs say why", failed.join(", "))));
    }
    Ok(status)
}
