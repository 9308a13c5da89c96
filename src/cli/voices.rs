//! `ferry voices`: installed voices, their models and sizes.

use clap::Args;

use super::GlobalArgs;
use crate::error::Result;
use crate::voice::{scan_installed, voice_dirs};

#[derive(Debug, Args)]
pub struct VoicesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub fn run(_g: &GlobalArgs, a: VoicesArgs) -> Result<()> {
    let (voices, broken) = scan_installed();
    if a.json {
        let list: Vec<serde_json::Value> =
            voices.iter().map(|v| serde_json::json!({"name": v.name(), "dir": v.dir, "bytes": v.disk_size(), "config": v.config})).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if voices.is_empty() && broken.is_empty() {
        let dirs: Vec<String> = voice_dirs().iter().map(|d| d.display().to_string()).collect();
        println!("No voices installed (looked in {}).", dirs.join(", "));
        println!("Griffin-Lim needs no voice: ferry resynth in.wav -o out.wav --vocoder griffin-lim");
    }
    for v in &voices {
        let c = &v.config;
        println!("{}  ({}, {} Hz, {} mels, {})  {}", c.name, c.language, c.sample_rate, c.mel.num_mels, mib(v.disk_size()), v.dir.display());
        let mut rows: Vec<(String, &crate::voice::ModelEntry)> = Vec::new();
        if let Some(a) = &c.acoustic {
            rows.push(("acoustic".into(), a));
        }
        rows.extend(c.vocoders.iter().map(|(f, e)| (f.clone(), e)));
        for (role, e) in rows {
            let size = std::fs::metadata(v.path(&e.file)).map(|m| m.len()).unwrap_or(0);
            let default = if c.default_vocoder.as_deref() == Some(role.as_str()) { " (default)" } else { "" };
            println!("  {role:<10} {:<10} {:>7.2} M params  {:>10}  {} steps{default}", e.model, e.parameters as f64 / 1e6, mib(size), e.training.steps);
        }
        println!("  {:<10} {:<10} (always available)", "griffin-lim", "griffin-lim");
    }
    for (dir, err) in broken {
        println!("{}: unusable: {err}", dir.display());
    }
    Ok(())
}
