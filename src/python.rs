//! Running the project's Python helpers (scripts/) with the project's virtual environment,
//! for the parts where Python is the right tool (librosa references, ASR and MOS judges).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The Python interpreter to use: `$FERRY_PYTHON`, else `.venv/bin/python` in the current
/// directory or in the source tree this binary was built from.
pub fn interpreter() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("FERRY_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let candidates = [PathBuf::from(".venv/bin/python"), Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")];
    candidates
        .into_iter()
        .find(|p| p.exists())
        .ok_or_else(|| Error::External("no Python environment found: run `make venv` (or set FERRY_PYTHON to a python with librosa)".into()))
}

/// Path of a script in the project's `scripts/` folder.
pub fn script(name: &str) -> PathBuf {
    let local = Path::new("scripts").join(name);
    if local.exists() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join(name)
    }
}

/// Runs `scripts/<name>` with arguments and returns its standard output.
pub fn run_script(name: &str, args: &[&str]) -> Result<String> {
    let py = interpreter()?;
    let out = Command::new(&py).arg(script(name)).args(args).output().map_err(|e| Error::External(format!("cannot run {}: {e}", py.display())))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(no output)");
        return Err(Error::External(format!("scripts/{name} failed: {last}")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
