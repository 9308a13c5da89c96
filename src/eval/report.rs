//! The results of `ferry eval`: per-system scores and per-utterance details, written as
//! JSON (`eval.json`), a Markdown table (`eval.md`) and a bar chart (`eval.png`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::f0::{F0Accumulator, F0Errors};
use super::run::EvalPlan;
use super::wer::WordErrors;
use crate::error::{Error, Result};

/// Scores of one utterance by one system.
#[derive(Debug, Clone, Serialize)]
pub struct UtteranceScores {
    pub system: String,
    pub id: String,
    pub wav: PathBuf,
    pub text: Option<String>,
    pub transcript: Option<String>,
    pub word_errors: Option<WordErrors>,
    pub mos: Option<f64>,
    pub mel_l1: Option<f64>,
    pub mcd_db: Option<f64>,
    #[serde(skip)]
    pub f0: Option<F0Accumulator>,
    pub f0_errors: Option<F0Errors>,
}

impl UtteranceScores {
    pub fn new(system: &str, id: &str, wav: &Path, text: Option<String>) -> Self {
        UtteranceScores {
            system: system.into(),
            id: id.into(),
            wav: wav.to_path_buf(),
            text,
            transcript: None,
            word_errors: None,
            mos: None,
            mel_l1: None,
            mcd_db: None,
            f0: None,
            f0_errors: None,
        }
    }
}

/// Scores of one system (a vocoder family, or the reference recordings) over the corpus.
#[derive(Debug, Clone, Serialize)]
pub struct SystemScores {
    pub system: String,
    pub model: String,
    pub utterances: usize,
    /// Corpus word error rate (total errors / total reference words), as a fraction.
    pub wer: Option<f64>,
    pub word_errors: Option<WordErrors>,
    /// Mean predicted MOS (1..5).
    pub mos: Option<f64>,
    /// Mean log-mel L1 (nats).
    pub mel_l1: Option<f64>,
    /// Mean mel-cepstral distortion (dB).
    pub mcd_db: Option<f64>,
    pub f0_rmse_hz: Option<f64>,
    pub f0_rmse_cents: Option<f64>,
    /// Fraction of frames voiced in both more than 20 % off in F0.
    pub f0_gross_error: Option<f64>,
    /// Fraction of frames with a different voiced/unvoiced decision.
    pub vuv_error: Option<f64>,
    /// Seconds of vocoder compute per second of audio in this run (judges excluded).
    pub rtf: Option<f64>,
    /// Columns without a value, with the reason.
    pub unavailable: BTreeMap<String, String>,
}

impl SystemScores {
    pub fn new(system: &str, model: &str, utterances: usize) -> Self {
        SystemScores {
            system: system.into(),
            model: model.into(),
            utterances,
            wer: None,
            word_errors: None,
            mos: None,
            mel_l1: None,
            mcd_db: None,
            f0_rmse_hz: None,
            f0_rmse_cents: None,
            f0_gross_error: None,
            vuv_error: None,
            rtf: None,
            unavailable: BTreeMap::new(),
        }
    }
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub date: String,
    pub revision: String,
    pub voice: String,
    /// "resynth" (copy synthesis) or "text".
    pub mode: String,
    pub device: String,
    pub asr_model: Option<String>,
    pub mos_model: Option<String>,
    /// What WER is measured against: "text", or "asr-of-reference" when transcripts are missing.
    pub wer_target: String,
    pub mcd: String,
    pub systems: Vec<SystemScores>,
    pub utterances: Vec<UtteranceScores>,
    pub notes: Vec<String>,
}

impl Report {
    pub(crate) fn new(
        plan: &EvalPlan,
        systems: Vec<SystemScores>,
        mut utterances: Vec<UtteranceScores>,
        asr_model: Option<String>,
        mos_model: Option<String>,
        wer_target: &str,
        notes: Vec<String>,
    ) -> Report {
        for u in utterances.iter_mut() {
            u.f0_errors = u.f0.as_ref().map(F0Accumulator::errors);
        }
        Report {
            date: crate::provenance::utc_now(),
            revision: crate::provenance::git_revision(),
            voice: plan.voice.name().to_string(),
            mode: if plan.resynth { "resynth" } else { "text" }.into(),
            device: crate::device::describe(plan.device),
            asr_model,
            mos_model,
            wer_target: wer_target.into(),
            mcd: format!("c1..c{} of the log-mel's DCT cepstrum, DTW-paired unless on one time axis", super::mcd::DEFAULT_ORDER),
            systems,
            utterances,
            notes,
        }
    }

    /// The Markdown table (one row per system) with the run's provenance under it.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("# Evaluation of voice `{}` ({})\n\n", self.voice, if self.mode == "resynth" { "copy synthesis" } else { "text to speech" }));
        s.push_str("| system | model | n | WER % ↓ | MOS ↑ | mel L1 ↓ | MCD dB ↓ | F0 RMSE Hz ↓ | F0 RMSE cents ↓ | F0 GPE % ↓ | V/UV err % ↓ | RTF ↓ |\n");
        s.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for r in &self.systems {
            let f = |v: Option<f64>, scale: f64, digits: usize| v.map_or("n/a".to_string(), |v| format!("{:.*}", digits, v * scale));
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.system,
                r.model,
                r.utterances,
                f(r.wer, 100.0, 1),
                f(r.mos, 1.0, 2),
                f(r.mel_l1, 1.0, 3),
                f(r.mcd_db, 1.0, 2),
                f(r.f0_rmse_hz, 1.0, 1),
                f(r.f0_rmse_cents, 1.0, 0),
                f(r.f0_gross_error, 100.0, 1),
                f(r.vuv_error, 100.0, 1),
                f(r.rtf, 1.0, 3),
            ));
        }
        s.push_str(&format!(
            "\nASR judge: {}. MOS judge: {}. WER against: {}. MCD: {}.\nRevision {}, {}, device {}.\n",
            self.asr_model.as_deref().unwrap_or("unavailable"),
            self.mos_model.as_deref().unwrap_or("unavailable"),
            self.wer_target,
            self.mcd,
            self.revision,
            self.date,
            self.device
        ));
        let mut reasons: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for r in &self.systems {
            for (col, why) in &r.unavailable {
                if why != "the reference itself" {
                    reasons.entry((col.as_str(), why.as_str())).or_default().push(r.system.as_str());
                }
            }
        }
        if !reasons.is_empty() {
            s.push_str("\nn/a:\n");
            for ((col, why), systems) in reasons {
                s.push_str(&format!("- {col} ({}): {why}\n", systems.join(", ")));
            }
        }
        for n in &self.notes {
            s.push_str(&format!("\nNote: {n}\n"));
        }
        s
    }

    /// Writes `eval.json`, `eval.md` and `eval.png` into `dir`; returns their paths.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let json = dir.join("eval.json");
        std::fs::write(&json, serde_json::to_string_pretty(self)? + "\n").map_err(|e| Error::io(&json, e))?;
        let md = dir.join("eval.md");
        std::fs::write(&md, self.to_markdown()).map_err(|e| Error::io(&md, e))?;
        let png = dir.join("eval.png");
        crate::plot::bars::write_bar_charts(&png, &self.chart_panels())?;
        Ok(vec![json, md, png])
    }

    /// One panel per metric with a value for some system: (title, [(system, value)]).
    fn chart_panels(&self) -> Vec<crate::plot::bars::Panel> {
        type Get = fn(&SystemScores) -> Option<f64>;
        let metrics: [(&str, Get); 5] = [
            ("WER %", |r| r.wer.map(|v| v * 100.0)),
            ("MOS", |r| r.mos),
            ("MEL L1", |r| r.mel_l1),
            ("MCD DB", |r| r.mcd_db),
            ("F0 RMSE CENTS", |r| r.f0_rmse_cents),
        ];
        metrics
            .iter()
            .map(|(title, get)| crate::plot::bars::Panel { title: title.to_string(), bars: self.systems.iter().map(|r| (r.system.clone(), get(r))).collect() })
            .filter(|p| p.bars.iter().any(|(_, v)| v.is_some()))
            .collect()
    }
}
