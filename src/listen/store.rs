//! The ratings log, `study/ratings.jsonl`: one JSON object per completed trial, appended
//! and fsynced before the listener's page is told it was saved. Nothing is ever rewritten;
//! a line cut short by a crash is skipped (and counted) when the log is read back.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::plan::Mode;
use crate::error::{Error, Result};

/// One score given to one stimulus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub stimulus: String,
    pub condition: String,
    /// MUSHRA 0–100; MOS 1–5; A/B 1 = preferred, 0 = not, 0.5 = no preference.
    pub score: f64,
    /// MUSHRA: this was the hidden reference.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden_reference: bool,
}

/// One completed trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub listener: String,
    pub mode: Mode,
    /// `Trial::key`.
    pub trial: String,
    pub sentence: usize,
    pub scores: Vec<Score>,
    /// Milliseconds since the Unix epoch, server clock.
    pub time_ms: u64,
}

/// Reads a ratings log; returns the records and how many malformed lines were skipped.
pub fn read_records(path: &Path) -> Result<(Vec<Record>, usize)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut skipped = 0;
    let records = text.lines().filter(|l| !l.trim().is_empty()).filter_map(|l| serde_json::from_str::<Record>(l).map_err(|_| skipped += 1).ok()).collect();
    Ok((records, skipped))
}

/// The open, append-only log, shared by the server's threads.
pub struct RatingsStore {
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    file: File,
    /// (listener, mode, trial key) already stored.
    done: HashSet<(String, Mode, String)>,
}

impl RatingsStore {
    /// Opens (creating) the log and loads which trials are already done.
    pub fn open(path: &Path) -> Result<RatingsStore> {
        let (records, skipped) = read_records(path)?;
        if skipped > 0 {
            eprintln!("ferry: note: {}: skipped {skipped} unreadable line(s) (cut short by a crash?)", path.display());
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path).map_err(|e| Error::io(path, e))?;
        // A line cut short by a crash must not swallow the next record.
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len > 0 && !std::fs::read(path).map_err(|e| Error::io(path, e))?.ends_with(b"\n") {
            file.write_all(b"\n").map_err(|e| Error::io(path, e))?;
        }
        let done = records.into_iter().map(|r| (r.listener, r.mode, r.trial)).collect();
        Ok(RatingsStore { path: path.to_path_buf(), inner: Mutex::new(Inner { file, done }) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `listener` has completed `trial` of `mode`.
    pub fn is_done(&self, listener: &str, mode: Mode, trial: &str) -> bool {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.done.contains(&(listener.to_string(), mode, trial.to_string()))
    }

    /// Appends a record and fsyncs it. Returns `Ok(false)` without writing when the trial
    /// was already stored (a retried request).
    pub fn append(&self, r: &Record) -> Result<bool> {
        let mut line = serde_json::to_string(r)?;
        line.push('\n');
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let key = (r.listener.clone(), r.mode, r.trial.clone());
        if inner.done.contains(&key) {
            return Ok(false);
        }
        inner.file.write_all(line.as_bytes()).map_err(|e| Error::io(&self.path, e))?;
        inner.file.sync_data().map_err(|e| Error::io(&self.path, e))?;
        inner.done.insert(key);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_survive_reopen_and_torn_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.jsonl");
        let rec = |t: &str| Record { listener: "listener-1".into(), mode: Mode::Mushra, trial: t.into(), sentence: 1, scores: vec![], time_ms: 1 };
        let s = RatingsStore::open(&p).unwrap();
        assert!(s.append(&rec("a")).unwrap());
        assert!(!s.append(&rec("a")).unwrap());
        drop(s);
        // Simulate a crash mid-write.
        std::fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(b"{\"listener\":\"x").unwrap();
        let s = RatingsStore::open(&p).unwrap();
        assert!(s.is_done("listener-1", Mode::Mushra, "a"));
        assert!(s.append(&rec("b")).unwrap());
        let (records, skipped) = read_records(&p).unwrap();
        assert_eq!((records.len(), skipped), (2, 1));
    }
}
