//! Checkpoints: every var store and optimiser state of a task plus the step, in one
//! safetensors file written atomically (temporary file, then rename), so a crash never
//! leaves a half-written checkpoint behind.
//!
//! Tensor names: `store/<store>/<variable>` and `optim/<optimiser>/<state>`; the header
//! metadata holds `step`, `export` (JSON [`ExportInfo`]) and anything the caller adds.

use std::collections::BTreeMap;
use std::path::Path;

use tch::Tensor;

use super::{CheckpointParts, ExportInfo};
use crate::error::{Error, Result};
use crate::nn::safetensors::{self, Metadata};

/// Writes a checkpoint.
pub fn save_checkpoint(path: &Path, step: u64, parts: &CheckpointParts<'_>, export: &ExportInfo, extra: &Metadata) -> Result<()> {
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    for (store, vs) in &parts.stores {
        let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        tensors.extend(vars.into_iter().map(|(n, t)| (format!("store/{store}/{n}"), t)));
    }
    for (name, opt) in &parts.optimizers {
        tensors.extend(opt.state().into_iter().map(|(n, t)| (format!("optim/{name}/{n}"), t)));
    }
    let mut meta = extra.clone();
    meta.insert("step".into(), step.to_string());
    meta.insert("export".into(), serde_json::to_string(export)?);
    meta.insert("format".into(), "ferry-checkpoint-1".into());
    safetensors::write_with_metadata(path, &tensors, None, &meta)
}

/// Restores a checkpoint into `parts`; returns the step it was taken at and its metadata.
pub fn load_checkpoint(path: &Path, parts: &mut CheckpointParts<'_>) -> Result<(u64, Metadata)> {
    let (tensors, meta) = safetensors::read_with_metadata(path)?;
    let step = checkpoint_step(path, &meta)?;
    let mut by_prefix: BTreeMap<String, BTreeMap<String, Tensor>> = BTreeMap::new();
    for (name, t) in tensors {
        let mut it = name.splitn(3, '/');
        match (it.next(), it.next(), it.next()) {
            (Some(kind @ ("store" | "optim")), Some(owner), Some(rest)) => {
                by_prefix.entry(format!("{kind}/{owner}")).or_default().insert(rest.to_string(), t);
            }
            _ => return Err(Error::weights(path, format!("unexpected tensor '{name}' in a checkpoint"))),
        }
    }
    for (store, vs) in parts.stores.iter_mut() {
        let map = by_prefix.remove(&format!("store/{store}")).unwrap_or_default();
        safetensors::assign_var_store(vs, map, path)?;
    }
    for (name, opt) in parts.optimizers.iter_mut() {
        let map = by_prefix.remove(&format!("optim/{name}")).unwrap_or_default();
        opt.load_state(&map).map_err(|e| Error::weights(path, e.to_string()))?;
    }
    Ok((step, meta))
}

/// The step recorded in a checkpoint's metadata.
pub fn checkpoint_step(path: &Path, meta: &Metadata) -> Result<u64> {
    meta.get("step").and_then(|s| s.parse().ok()).ok_or_else(|| Error::weights(path, "not a Ferry checkpoint (no step in its metadata)"))
}

/// The export description recorded in a checkpoint's metadata.
pub fn checkpoint_export_info(path: &Path, meta: &Metadata) -> Result<ExportInfo> {
    let text = meta.get("export").ok_or_else(|| Error::weights(path, "not a Ferry checkpoint (no export info)"))?;
    serde_json::from_str(text).map_err(|e| Error::weights(path, format!("bad export info: {e}")))
}
