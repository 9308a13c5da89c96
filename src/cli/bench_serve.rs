//! `ferry bench serve`: load on `ferry serve` ([`crate::bench::serve_load`]), against a
//! running server (`--url`) or one it starts itself for the run.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use clap::Args;

use super::GlobalArgs;
use crate::bench::serve_load::{self, LoadConfig};
use crate::error::{Error, Result};

pub const AFTER_HELP: &str = "Examples:
  ferry bench serve --voice joe --clients 20 --seconds 60     start a server, load it, stop it
  ferry bench serve --url http://127.0.0.1:5000 --clients 8   load a server that is running
  ferry bench serve --voice joe --json runs/load.json         also write the report as JSON

Every response is checked: status 200 and the same bytes as the first answer (the requests
are identical and carry a seed). A failure is counted and shown, never retried. The server
started here gets a queue as long as --clients, so the load waits instead of getting 429s.";

#[derive(Debug, Args)]
pub struct ServeBenchArgs {
    /// A running server (http://HOST:PORT). Without it, one is started for the run with
    /// --voice, --vocoder and --workers (and the global --device and --threads).
    #[arg(long)]
    pub url: Option<String>,
    /// Voice of the server started here (default: joe, else the only installed voice).
    #[arg(long)]
    pub voice: Option<String>,
    /// Vocoder family or model of the server started here (default: the voice's).
    #[arg(long)]
    pub vocoder: Option<String>,
    /// Synthesis workers of the server started here.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// Concurrent clients, each sending one request after another.
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// How long the load lasts (requests in flight at the end are waited for).
    #[arg(long, default_value_t = 30.0)]
    pub seconds: f64,
    /// The text of every request.
    #[arg(long, default_value = "The water supply for the town failed after a long drought. Can you unravel the mystery?")]
    pub text: String,
    /// response_format of every request (pcm, wav, flac, mp3, opus).
    #[arg(long, default_value = "pcm")]
    pub format: String,
    /// Ask for the whole file instead of stream_format "audio" (then first audio = last byte).
    #[arg(long)]
    pub no_stream: bool,
    /// Bearer key for a server that requires one (or FERRY_API_KEY).
    #[arg(long)]
    pub api_key: Option<String>,
    /// Also write the report here as JSON.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
}

/// A `ferry serve` child process, killed when dropped.
struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `ferry serve --port 0` and returns it with the URL it printed.
fn start_server(g: &GlobalArgs, a: &ServeBenchArgs) -> Result<(Spawned, String)> {
    let exe = std::env::current_exe().map_err(|e| Error::External(format!("cannot find the ferry binary: {e}")))?;
    let mut cmd = Command::new(exe);
    cmd.args(["--device", &g.device.to_string(), "--threads", &g.threads.to_string(), "serve", "--port", "0", "--quiet"]).args([
        "--workers",
        &a.workers.to_string(),
        "--queue",
        &a.clients.max(1).to_string(),
    ]);
    if let Some(v) = &a.voice {
        cmd.args(["--voice", v]);
    }
    if let Some(v) = &a.vocoder {
        cmd.args(["--vocoder", v]);
    }
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().map_err(|e| Error::External(format!("cannot start ferry serve: {e}")))?;
    let stderr = child.stderr.take().ok_or_else(|| Error::External("ferry serve: no stderr".into()))?;
    let server = Spawned(child);
    let mut said = String::new();
    for line in BufReader::new(stderr).lines().map_while(std::result::Result::ok) {
        if let Some(rest) = line.split("listening on ").nth(1) {
            let url = rest.split_whitespace().next().unwrap_or("").to_string();
            eprintln!("ferry bench serve: {}", line.trim_start_matches("ferry serve: "));
            return Ok((server, url));
        }
        said.push_str(&line);
        said.push('\n');
    }
    Err(Error::External(format!("ferry serve stopped before it listened:\n{said}")))
}

pub fn run(g: &GlobalArgs, a: ServeBenchArgs) -> Result<()> {
    let (_server, url) = match &a.url {
        Some(u) => (None, u.clone()),
        None => {
            let (s, u) = start_server(g, &a)?;
            (Some(s), u)
        }
    };
    let cfg = LoadConfig {
        url,
        clients: a.clients,
        seconds: a.seconds,
        text: a.text.clone(),
        format: a.format.clone(),
        stream: !a.no_stream,
        api_key: a.api_key.clone().or_else(|| std::env::var("FERRY_API_KEY").ok().filter(|k| !k.is_empty())),
    };
    let report = serve_load::run(&cfg)?;
    print!("{report}");
    println!("  revision {}", crate::provenance::git_revision());
    if let Some(path) = &a.json {
        let mut v = serde_json::to_value(&report)?;
        v["revision"] = crate::provenance::git_revision().into();
        std::fs::write(path, serde_json::to_string_pretty(&v)? + "\n").map_err(|e| Error::io(path, e))?;
    }
    if report.failed > 0 {
        return Err(Error::External(format!("{} of {} requests failed (see above)", report.failed, report.failed + report.served)));
    }
    Ok(())
}
