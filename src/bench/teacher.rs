//! The teacher voice (Piper) timed in the same run and on the same machine as Ferry's
//! rows, through `scripts/bench_teacher.py` in the teacher's own environment
//! (`$FERRY_TEACHER_PYTHON`, else `.venv-teacher/bin/python` here or in the source tree).
//! Its time to first audio is the first sentence's chunk (Piper streams by sentence) and
//! includes its text frontend; its RTF is end to end, text to waveform.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tch::Device;

use super::record::BenchRecord;
use crate::error::{Error, Result};
use crate::provenance;

/// The text the teacher reads (several sentences, about 10 s of speech).
pub const BENCH_TEXT: &str = "The ferry carries every word across the river, one sample at a time. \
It leaves the north bank at dawn and comes back before dusk. \
Passengers count the waves, and the captain counts the passengers.";

fn teacher_python() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("FERRY_TEACHER_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    [PathBuf::from(".venv-teacher/bin/python"), Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-teacher/bin/python")]
        .into_iter()
        .find(|p| p.exists())
        .ok_or_else(|| Error::External("no teacher environment: expected .venv-teacher/bin/python (piper-tts) or $FERRY_TEACHER_PYTHON".into()))
}

#[derive(Deserialize)]
struct TeacherAnswer {
    model: String,
    seconds_of_audio: f64,
    compute_s: f64,
    ttfa_s: f64,
    peak_mem_mib: f64,
}

/// Times the teacher at `threads` ONNX Runtime threads.
pub fn run(threads: usize, runs: usize, device: Device) -> Result<BenchRecord> {
    let py = teacher_python()?;
    let mut cmd = std::process::Command::new(&py);
    cmd.arg(crate::python::script("bench_teacher.py")).args(["--threads", &threads.to_string(), "--runs", &runs.to_string()]);
    if matches!(device, Device::Cuda(_)) {
        cmd.arg("--cuda");
    }
    let out = cmd.arg(BENCH_TEXT).output().map_err(|e| Error::External(format!("cannot run {}: {e}", py.display())))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(no output)");
        return Err(Error::External(format!("scripts/bench_teacher.py failed: {last}")));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or("");
    let a: TeacherAnswer =
        serde_json::from_str(line).map_err(|e| Error::External(format!("scripts/bench_teacher.py gave an answer Ferry cannot read ({e})")))?;
    let rtf = a.compute_s / a.seconds_of_audio;
    Ok(BenchRecord {
        kind: "teacher".into(),
        family: "teacher".into(),
        model: a.model,
        config: "text to waveform".into(),
        date: provenance::utc_now(),
        revision: provenance::git_revision(),
        machine: provenance::hostname(),
        cpu: provenance::cpu_description(),
        device: super::vocoder::device_label(device),
        threads,
        seconds_of_audio: a.seconds_of_audio,
        compute_s: a.compute_s,
        rtf,
        x_real_time: 1.0 / rtf,
        batch: 1,
        rtf_batched: None,
        ttfa_s: Some(a.ttfa_s),
        peak_mem_mib: Some(a.peak_mem_mib),
        note: "end to end (text frontend + acoustic model + vocoder); peak memory is the Python process's".into(),
    })
}
