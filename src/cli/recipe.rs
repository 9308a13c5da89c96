//! `ferry recipe run | status`: the voice's whole training as resumable, budgeted stages
//! ([`crate::train::recipe`]); `make voice` runs it after making the corpus.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{pick_device, GlobalArgs};
use crate::error::Result;
use crate::train::recipe::{self, Recipe, RunOptions, Status};

pub const AFTER_HELP: &str = "Examples:
  ferry recipe run voices/joe/recipe.json --minutes 150   train for at most 150 minutes, export what improved
  ferry recipe run voices/joe/recipe.json --only acoustic only that stage
  ferry recipe status voices/joe/recipe.json              where every stage stands

Rerunning continues where the last run stopped: finished stages are skipped, the stage in
progress resumes from its checkpoint in the recipe's `out` folder, and on a machine without
checkpoints each stage starts from the weights committed in the voice pack.";

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
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub recipe: PathBuf,
}

pub fn run(g: &GlobalArgs, a: RecipeArgs) -> Result<()> {
    match a.command {
        RecipeCommand::Run(r) => {
            let recipe = Recipe::load(&r.recipe)?;
            let device = pick_device(g)?;
            let opts = RunOptions { minutes: r.minutes, device, seed: g.seed, autocast: !r.no_autocast, progress: true, only: r.only };
            let status = recipe::run(&recipe, &opts)?;
            eprint!("{status}");
            eprintln!("ferry: status written to {}", recipe.out.join("status.json").display());
            Ok(())
        }
        RecipeCommand::Status(s) => {
            let recipe = Recipe::load(&s.recipe)?;
            let status: Status = recipe::status(&recipe)?;
            print!("{status}");
            Ok(())
        }
    }
}
