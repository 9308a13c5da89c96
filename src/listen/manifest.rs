//! The study manifest, `study/study.json`: sentences, conditions (what was rendered and how),
//! and stimuli (one loudness-matched WAV and one spectrogram per sentence × condition).
//!
//! Stimulus ids are random and say nothing about the condition; the manifest is never
//! served to listeners. `secret` seeds every per-listener randomisation and blinding handle.

use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The manifest format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// File name of the manifest inside a study directory.
pub const MANIFEST: &str = "study.json";
/// File name of the ratings log inside a study directory.
pub const RATINGS: &str = "ratings.jsonl";

/// One sentence of the study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    /// Position in the sentence list, from 1.
    pub index: usize,
    /// Id used to find its recordings (`<id>.wav`); defaults to the zero-padded index.
    pub id: String,
    pub text: String,
}

/// What a condition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConditionKind {
    /// The reference recording (MUSHRA's labelled and hidden reference).
    Reference,
    /// A low-passed reference (MUSHRA anchor).
    Anchor,
    /// Copy synthesis: the reference's mel through a vocoder.
    CopySynthesis,
    /// Text-to-speech: acoustic model + vocoder.
    Tts,
}

/// One condition (system under test) of the study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// Short unique key, e.g. "reference", "anchor-3.5k", "griffin-lim", "diffusion-steps6".
    pub key: String,
    /// Human-readable name for reports.
    pub label: String,
    pub kind: ConditionKind,
    /// Vocoder family key where there is one.
    #[serde(default)]
    pub family: Option<String>,
    /// Options it was rendered with (steps, cut-off, model, ...).
    #[serde(default)]
    pub options: serde_json::Value,
}

/// One audio file listeners hear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stimulus {
    /// Random opaque id (also the file stem).
    pub id: String,
    /// `Sentence::index` of its sentence.
    pub sentence: usize,
    /// `Condition::key`.
    pub condition: String,
    /// WAV file, relative to the study directory.
    pub file: String,
    /// Spectrogram PNG, relative to the study directory.
    pub image: String,
    pub seconds: f64,
    /// Integrated loudness before matching (LUFS).
    pub loudness_before: f64,
    /// Gain applied to reach the study's target (dB).
    pub gain_db: f64,
    /// Peak absolute sample after the gain.
    pub peak: f32,
}

/// Loudness matching applied to every stimulus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoudnessInfo {
    /// Target asked for (LUFS).
    pub requested_lufs: f64,
    /// Target used: lowered from the request when a stimulus would otherwise clip.
    pub target_lufs: f64,
    /// "ITU-R BS.1770-4 integrated loudness, K-weighted, gated".
    pub method: String,
}

/// `study.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Study {
    pub format_version: u32,
    pub title: String,
    /// Public id of the study (names the listener id in the browser's storage).
    pub public_id: String,
    /// Seeds blinding handles and per-listener orders; never sent to a listener.
    pub secret: String,
    /// Seconds since the Unix epoch when it was built.
    pub created_unix: u64,
    #[serde(default)]
    pub voice: Option<String>,
    pub sample_rate: u32,
    pub loudness: LoudnessInfo,
    pub sentences: Vec<Sentence>,
    pub conditions: Vec<Condition>,
    pub stimuli: Vec<Stimulus>,
    /// What was asked for but left out, and why.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Study {
    /// Reads `dir/study.json` and checks that it is consistent.
    pub fn load(dir: &Path) -> Result<Study> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::arg(format!("{}: no study here; build one with `ferry compare -f sentences.txt -o {}`", path.display(), dir.display()))
            } else {
                Error::io(&path, e)
            }
        })?;
        let study: Study = serde_json::from_str(&text).map_err(|e| Error::config(path.display().to_string(), e.to_string()))?;
        study.validate().map_err(|m| Error::config(path.display().to_string(), m))?;
        Ok(study)
    }

    /// Writes `dir/study.json` atomically (temporary file + rename).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST);
        let tmp = dir.join(format!("{MANIFEST}.tmp"));
        std::fs::write(&tmp, serde_json::to_string_pretty(self)?).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if self.format_version != FORMAT_VERSION {
            return Err(format!("format_version {} is not {FORMAT_VERSION}; rebuild the study with this ferry", self.format_version));
        }
        for s in &self.stimuli {
            if !self.conditions.iter().any(|c| c.key == s.condition) {
                return Err(format!("stimulus {} names unknown condition '{}'", s.id, s.condition));
            }
            if !self.sentences.iter().any(|x| x.index == s.sentence) {
                return Err(format!("stimulus {} names unknown sentence {}", s.id, s.sentence));
            }
            for f in [&s.file, &s.image] {
                if !is_inside(f) {
                    return Err(format!("stimulus {} has a path outside the study: '{f}'", s.id));
                }
            }
        }
        Ok(())
    }

    pub fn condition(&self, key: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.key == key)
    }

    pub fn stimulus(&self, id: &str) -> Option<&Stimulus> {
        self.stimuli.iter().find(|s| s.id == id)
    }

    /// The stimulus of `condition` for `sentence`.
    pub fn stimulus_for(&self, sentence: usize, condition: &str) -> Option<&Stimulus> {
        self.stimuli.iter().find(|s| s.sentence == sentence && s.condition == condition)
    }

    /// The key of the reference condition, if the study has one.
    pub fn reference_key(&self) -> Option<&str> {
        self.conditions.iter().find(|c| c.kind == ConditionKind::Reference).map(|c| c.key.as_str())
    }
}

/// Whether a relative path stays inside its base directory (no root, no `..`).
pub fn is_inside(rel: &str) -> bool {
    !rel.is_empty() && Path::new(rel).components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Reads a sentence list: one sentence per line, or `id|text` lines (LJSpeech style);
/// blank lines and lines starting with `#` are skipped.
pub fn read_sentences(path: &Path) -> Result<Vec<Sentence>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let index = out.len() + 1;
        let (id, text) = match line.split_once('|') {
            Some((id, rest)) => {
                let id = id.trim();
                if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) || id.starts_with('.') {
                    return Err(Error::arg(format!("{}: sentence {index} has id '{id}'; ids may hold only letters, digits, '-', '_' and '.'", path.display())));
                }
                // `id|text|normalised text`: keep the text column.
                (id.to_string(), rest.split('|').next().unwrap_or("").trim().to_string())
            }
            None => (format!("{index:03}"), line.to_string()),
        };
        if out.iter().any(|s: &Sentence| s.id == id) {
            return Err(Error::arg(format!("{}: sentence id '{id}' appears twice", path.display())));
        }
        out.push(Sentence { index, id, text });
    }
    if out.is_empty() {
        return Err(Error::arg(format!("{}: no sentences (one per line, or `id|text`)", path.display())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_plain_and_with_ids() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.txt");
        std::fs::write(&p, "# comment\nHello there.\n\nSecond one.\n").unwrap();
        let s = read_sentences(&p).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[1].index, s[1].id.as_str(), s[1].text.as_str()), (2, "002", "Second one."));
        std::fs::write(&p, "LJ001-0001|Printing, in the only sense|Printing, in the only sense\n").unwrap();
        assert_eq!(read_sentences(&p).unwrap()[0].id, "LJ001-0001");
        std::fs::write(&p, "../x|bad\n").unwrap();
        assert!(read_sentences(&p).is_err());
        std::fs::write(&p, "\n#\n").unwrap();
        assert!(read_sentences(&p).unwrap_err().to_string().contains("no sentences"));
        assert!(is_inside("audio/ab.wav") && !is_inside("../x") && !is_inside("/etc/passwd") && !is_inside(""));
    }
}
