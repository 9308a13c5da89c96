//! `ferry listen`: serve a study to listeners, and `ferry listen report`: score it.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::GlobalArgs;
use crate::error::{Error, Result};
use crate::listen::plan::{self, Mode};
use crate::listen::report;
use crate::listen::server::{Server, ServerConfig};
use crate::listen::Study;

const AFTER_HELP: &str = "\
Examples:
  ferry listen study/                         MUSHRA on http://127.0.0.1:8000/
  ferry listen study/ --mode ab --port 8080   pairwise preference
  ferry listen report study/                  statistics, plots and a Markdown table

Every rating is appended to STUDY/ratings.jsonl and flushed to disk before the page moves
on; listeners resume where they stopped after a reload or a server restart. Only loopback is
served unless --host says otherwise.";

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, after_help = AFTER_HELP)]
pub struct ListenArgs {
    #[command(subcommand)]
    pub command: Option<ListenCommand>,
    /// Study directory made by `ferry compare`.
    pub study: Option<PathBuf>,
    /// Port to serve on.
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Address to bind (127.0.0.1 = this machine only; 0.0.0.0 = every network interface).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Test: mushra (0–100 with hidden reference and anchors), ab (pairwise preference) or
    /// mos (5-point absolute category rating).
    #[arg(long, default_value = "mushra", value_parser = parse_mode)]
    pub mode: Mode,
}

#[derive(Debug, Subcommand)]
pub enum ListenCommand {
    /// Score a study: post-screening, mean and 95 % CI per condition, Wilcoxon tests, plots.
    Report {
        /// Study directory.
        study: PathBuf,
    },
}

fn parse_mode(s: &str) -> std::result::Result<Mode, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

pub fn run(_g: &GlobalArgs, a: ListenArgs) -> Result<()> {
    match (a.command, a.study) {
        (Some(ListenCommand::Report { study }), _) => {
            let r = report::report_dir(&study)?;
            let s = Study::load(&study)?;
            print!("{}", r.markdown(&s));
            eprintln!("ferry: wrote {}", study.join("report").display());
            Ok(())
        }
        (None, Some(dir)) => {
            let cfg = ServerConfig { host: a.host.clone(), port: a.port, mode: a.mode, ..ServerConfig::default() };
            let server = Server::bind(&dir, &cfg)?;
            let addr = server.local_addr()?;
            let study = Study::load(&dir)?;
            let n = plan::trials(&study, a.mode)?.len();
            if !addr.ip().is_loopback() {
                eprintln!("ferry: note: serving on {} — reachable from other machines", addr.ip());
            }
            eprintln!("ferry: '{}' ({}, {n} trials per listener) at http://{addr}/", study.title, a.mode);
            eprintln!("ferry: ratings go to {}; Ctrl-C to stop", dir.join(crate::listen::manifest::RATINGS).display());
            server.run()
        }
        (None, None) => Err(Error::arg("give a study directory: `ferry listen study/` (or `ferry listen report study/`)")),
    }
}
