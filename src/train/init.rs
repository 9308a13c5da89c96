//! Starting a run from released weights instead of a checkpoint (`ferry train --init-from`):
//! a machine without the optimiser checkpoints (a fresh clone) continues a voice from the fp16
//! weights committed in its pack, with a fresh optimiser.
//!
//! A source is `PATH` (loaded into the store the task exports, e.g. the generator) or
//! `STORE=PATH` (e.g. `discriminator=voices/joe/train/gan-discriminator.safetensors`). When a
//! `voice.json` next to the file names it, the run continues that entry's step count and
//! CPU-seconds, so schedules and budgets carry on where the released weights left off.

use std::path::{Path, PathBuf};

use super::budget::{Segment, Spent};
use super::CheckpointParts;
use crate::error::{Error, Result};
use crate::nn::safetensors;

/// One `--init-from` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct InitSource {
    /// The var store to fill (None = the task's export store).
    pub store: Option<String>,
    pub path: PathBuf,
}

impl std::str::FromStr for InitSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<InitSource> {
        match s.split_once('=') {
            Some((store, path)) if !store.is_empty() && !store.contains('/') => Ok(InitSource { store: Some(store.to_string()), path: PathBuf::from(path) }),
            _ => Ok(InitSource { store: None, path: PathBuf::from(s) }),
        }
    }
}

/// What the released weights had been trained for (from the pack's `voice.json`).
fn released_training(path: &Path) -> Option<crate::voice::TrainingInfo> {
    let dir = path.parent()?;
    let file = path.file_name()?.to_str()?;
    let text = std::fs::read_to_string(dir.join("voice.json")).ok()?;
    let cfg: crate::voice::VoiceConfig = serde_json::from_str(&text).ok()?;
    cfg.acoustic.iter().chain(cfg.vocoders.values()).find(|e| e.file == file).map(|e| e.training.clone())
}

/// Loads every source into its store; returns the step and the spending to continue from
/// (zero when no `voice.json` describes the weights).
pub fn init_from(parts: &mut CheckpointParts<'_>, export_store: &str, sources: &[InitSource]) -> Result<(u64, Spent)> {
    let (mut step, mut spent) = (0, Spent::default());
    for src in sources {
        let store = src.store.as_deref().unwrap_or(export_store);
        let Some((_, vs)) = parts.stores.iter_mut().find(|(name, _)| *name == store) else {
            let have: Vec<&str> = parts.stores.iter().map(|(n, _)| *n).collect();
            return Err(Error::arg(format!("--init-from {}: this model has no store '{store}' (it has: {})", src.path.display(), have.join(", "))));
        };
        safetensors::load_var_store(vs, &src.path)?;
        if src.store.is_none() {
            if let Some(t) = released_training(&src.path) {
                step = t.steps;
                let seg = Segment {
                    from_step: 0,
                    to_step: t.steps,
                    cpu_seconds: t.cpu_seconds,
                    wall_seconds: t.wall_seconds,
                    hardware: t.hardware.clone(),
                    ..Default::default()
                };
                spent = Spent::default().with(&seg);
            }
        }
    }
    Ok((step, spent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_named_sources() {
        let s: InitSource = "voices/joe/gan.safetensors".parse().unwrap();
        assert_eq!(s, InitSource { store: None, path: "voices/joe/gan.safetensors".into() });
        let s: InitSource = "discriminator=voices/joe/train/gan-discriminator.safetensors".parse().unwrap();
        assert_eq!(s.store.as_deref(), Some("discriminator"));
        // A path with '=' after a slash is a path.
        let s: InitSource = "runs/a=b/x.safetensors".parse().unwrap();
        assert_eq!(s.store, None);
    }
}
