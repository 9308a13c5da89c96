//! Benchmark records: one JSON object per measured row, appended to
//! `bench/results/<date>-<machine>.json` (a JSON array), and the Markdown table that
//! `bench/README.md` shows.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One measured row: a vocoder (family + config) or the teacher, at one thread count.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BenchRecord {
    /// "vocoder" or "teacher".
    pub kind: String,
    /// Family key ("gan", "griffin-lim", ...) or "teacher".
    pub family: String,
    pub model: String,
    /// Preset name or config file.
    pub config: String,
    pub date: String,
    pub revision: String,
    pub machine: String,
    pub cpu: String,
    /// "cpu" or "cuda:N (GPU name)".
    pub device: String,
    pub threads: usize,
    /// Seconds of audio per item.
    pub seconds_of_audio: f64,
    /// Best wall time of one item (batch 1), seconds.
    pub compute_s: f64,
    /// Real-time factor at batch 1: compute seconds per second of audio (lower is faster).
    pub rtf: f64,
    /// 1 / rtf: seconds of audio per second of compute ("x real time").
    pub x_real_time: f64,
    /// Items in the batched measurement (1 = not measured).
    pub batch: usize,
    /// RTF of the batched call per second of audio produced.
    pub rtf_batched: Option<f64>,
    /// Time to first audio: see the README's definitions.
    pub ttfa_s: Option<f64>,
    /// Peak memory in MiB (resident on CPU, held GPU memory on CUDA).
    pub peak_mem_mib: Option<f64>,
    #[serde(default)]
    pub note: String,
}

/// The results file for `date` (YYYY-MM-DD…) and `machine` under `dir`.
pub fn results_path(dir: &Path, date: &str, machine: &str) -> PathBuf {
    dir.join(format!("{}-{}.json", &date[..date.len().min(10)], super::machine::file_safe(machine)))
}

/// Appends records to a results file (created when missing).
pub fn append(path: &Path, records: &[BenchRecord]) -> Result<()> {
    let mut all: Vec<BenchRecord> = match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => {
            serde_json::from_str(&s).map_err(|e| Error::config(path.display().to_string(), format!("not a list of benchmark records ({e}); move it aside")))?
        }
        Ok(_) => Vec::new(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(path, e)),
    };
    all.extend_from_slice(records);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&all)? + "\n").map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Markdown table of records, fastest first within each thread count.
pub fn markdown_table(records: &[BenchRecord]) -> String {
    let mut rows: Vec<&BenchRecord> = records.iter().collect();
    rows.sort_by(|a, b| (a.device.as_str(), a.threads).cmp(&(b.device.as_str(), b.threads)).then(a.rtf.total_cmp(&b.rtf)));
    let f = |v: Option<f64>, d: usize| v.map_or("n/a".to_string(), |v| format!("{v:.d$}"));
    let mut s = String::from(
        "| family | model | config | device | threads | RTF ↓ | × real time ↑ | batch | RTF batched ↓ | first audio s ↓ | peak MiB |\n\
         |---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.4} | {:.1} | {} | {} | {} | {} |\n",
            if r.kind == "teacher" { "**teacher**" } else { &r.family },
            r.model,
            r.config,
            r.device,
            r.threads,
            r.rtf,
            r.x_real_time,
            r.batch,
            if r.batch > 1 { f(r.rtf_batched, 4) } else { "–".into() },
            f(r.ttfa_s, 3),
            f(r.peak_mem_mib, 0),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(family: &str, rtf: f64) -> BenchRecord {
        BenchRecord {
            kind: "vocoder".into(),
            family: family.into(),
            model: family.into(),
            config: "base".into(),
            date: "2026-11-23T12:00:00Z".into(),
            revision: "abc".into(),
            machine: "box".into(),
            cpu: "cpu".into(),
            device: "cpu".into(),
            threads: 1,
            seconds_of_audio: 10.0,
            compute_s: rtf * 10.0,
            rtf,
            x_real_time: 1.0 / rtf,
            batch: 1,
            rtf_batched: None,
            ttfa_s: Some(0.1),
            peak_mem_mib: None,
            note: String::new(),
        }
    }

    #[test]
    fn appends_and_tabulates() {
        let dir = tempfile::tempdir().unwrap();
        let p = results_path(dir.path(), "2026-11-23T12:00:00Z", "my box");
        assert!(p.ends_with("2026-11-23-my-box.json"));
        append(&p, &[rec("gan", 0.5)]).unwrap();
        append(&p, &[rec("griffin-lim", 0.2)]).unwrap();
        let all: Vec<BenchRecord> = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(all.len(), 2);
        let t = markdown_table(&all);
        assert!(t.find("griffin-lim").unwrap() < t.find("| gan").unwrap(), "fastest first:\n{t}");
        assert!(t.contains("| 2.0 |"));
        std::fs::write(&p, "not json").unwrap();
        assert!(append(&p, &[rec("gan", 0.5)]).unwrap_err().to_string().contains("move it aside"));
    }
}
