//! LJSpeech-layout datasets: `metadata.csv` with `id|text|normalized text` lines and
//! `wavs/<id>.wav`. Every row is checked; a row that cannot be used is left out *and*
//! reported, never dropped in silence.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::audio::{read_wav, resample};
use crate::error::{Error, Result};

use super::report::{Histogram, Problem, ProblemKind, Report};
use super::TextStep;

/// How to open a dataset.
#[derive(Clone)]
pub struct DatasetOptions {
    /// Rate every item is loaded at; WAVs at another rate are resampled (and noted).
    pub sample_rate: u32,
    /// Rows longer than this are excluded as too long.
    pub max_seconds: f64,
    /// Rows shorter than this are excluded as too short.
    pub min_seconds: f64,
    /// Metadata file name inside the dataset directory.
    pub metadata: String,
    /// Text → phoneme ids (the text frontend). When set, every row's normalized text goes
    /// through it and rows it rejects are excluded; the ids are kept on the item.
    pub text: Option<TextStep>,
    /// Decode every WAV fully instead of checking its header against its size (slower;
    /// also catches corrupt sample data).
    pub decode_audio: bool,
    /// Minimum samples an item must hold: one mel hop.
    pub min_samples: usize,
}

impl Default for DatasetOptions {
    fn default() -> Self {
        Self { sample_rate: 22050, max_seconds: 20.0, min_seconds: 0.0, metadata: "metadata.csv".into(), text: None, decode_audio: false, min_samples: 256 }
    }
}

impl std::fmt::Debug for DatasetOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasetOptions")
            .field("sample_rate", &self.sample_rate)
            .field("max_seconds", &self.max_seconds)
            .field("min_seconds", &self.min_seconds)
            .field("metadata", &self.metadata)
            .field("text", &self.text.as_ref().map(|_| "<text step>"))
            .field("decode_audio", &self.decode_audio)
            .finish()
    }
}

/// One usable utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub text: String,
    /// The third metadata column (the text when that column is missing or empty).
    pub normalized: String,
    pub wav: PathBuf,
    /// Seconds of audio.
    pub duration: f64,
    /// Sample rate of the file on disk (it is resampled to the dataset's rate on load).
    pub source_rate: u32,
    /// Phoneme ids from the text step; empty when the dataset was opened without one.
    pub ids: Vec<i64>,
}

/// An opened dataset: the usable items, in metadata order.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub dir: PathBuf,
    pub sample_rate: u32,
    pub items: Vec<Item>,
}

/// What the header (or a full decode) of a WAV says.
struct WavFacts {
    rate: u32,
    channels: u16,
    samples: usize,
}

impl Dataset {
    /// Opens `dir` (LJSpeech layout), checks every row, and returns the usable items with
    /// a report of every row left out or changed. Fails only when the metadata file itself
    /// cannot be read.
    pub fn open(dir: impl AsRef<Path>, opts: &DatasetOptions) -> Result<(Dataset, Report)> {
        let dir = dir.as_ref().to_path_buf();
        let meta_path = dir.join(&opts.metadata);
        let raw = fs::read(&meta_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Error::audio(&meta_path, format!("not found; a dataset directory holds {} (id|text|normalized) and wavs/", opts.metadata))
            }
            _ => Error::io(&meta_path, e),
        })?;
        let text = String::from_utf8_lossy(&raw);
        let mut problems = Vec::new();
        let mut items = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut rows = 0;
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            rows += 1;
            let mut push = |id: &str, kind: ProblemKind, message: String| problems.push(Problem { line: line_no, id: id.to_string(), kind, message });
            let fields: Vec<&str> = line.split('|').collect();
            let id = fields[0].trim();
            if fields.len() < 2 || id.is_empty() {
                push(id, ProblemKind::BadRow, format!("expected id|text|normalized, got {:?}", truncate(line, 60)));
                continue;
            }
            if !seen.insert(id.to_string()) {
                push(id, ProblemKind::DuplicateId, "this id is already used by an earlier row".into());
                continue;
            }
            let raw_text = fields[1].trim().to_string();
            let normalized = fields.get(2).map(|s| s.trim()).filter(|s| !s.is_empty()).unwrap_or(&raw_text).to_string();
            let wav = dir.join("wavs").join(format!("{id}.wav"));
            // Audio first: a missing file is the most useful thing to know about a row.
            let facts = match wav_facts(&wav, opts.decode_audio) {
                Ok(f) => f,
                Err((kind, msg)) => {
                    push(id, kind, msg);
                    continue;
                }
            };
            let duration = facts.samples as f64 / facts.rate as f64;
            let loaded = (duration * opts.sample_rate as f64).floor() as usize;
            if loaded < opts.min_samples.max(1) || duration < opts.min_seconds {
                push(
                    id,
                    ProblemKind::TooShort,
                    format!("{duration:.3} s of audio; need at least {:.3} s", (opts.min_samples as f64 / opts.sample_rate as f64).max(opts.min_seconds)),
                );
                continue;
            }
            if duration > opts.max_seconds {
                push(id, ProblemKind::TooLong, format!("{duration:.2} s of audio; the limit is {:.2} s (--max-seconds)", opts.max_seconds));
                continue;
            }
            if raw_text.is_empty() && normalized.is_empty() {
                push(id, ProblemKind::EmptyText, "the text is empty".into());
                continue;
            }
            let ids = match &opts.text {
                Some(step) => match step(&normalized) {
                    Ok(ids) if ids.is_empty() => {
                        push(id, ProblemKind::TextRejected, format!("the frontend gave no phonemes for {:?}", truncate(&normalized, 60)));
                        continue;
                    }
                    Ok(ids) => ids,
                    Err(e) => {
                        push(id, ProblemKind::TextRejected, e.to_string());
                        continue;
                    }
                },
                None => Vec::new(),
            };
            if facts.rate != opts.sample_rate {
                push(id, ProblemKind::Resampled, format!("{} Hz; resampled to {} Hz when loaded", facts.rate, opts.sample_rate));
            }
            if facts.channels > 1 {
                push(id, ProblemKind::MixedToMono, format!("{} channels; mixed to mono when loaded", facts.channels));
            }
            items.push(Item { id: id.to_string(), text: raw_text, normalized, wav, duration, source_rate: facts.rate, ids });
        }
        problems.extend(unlisted_wavs(&dir, &seen));

        let durations: Vec<f64> = items.iter().map(|i| i.duration).collect();
        let seconds = durations.iter().sum();
        let report = Report {
            dir: dir.clone(),
            rows,
            kept: items.len(),
            seconds,
            min_seconds: if durations.is_empty() { 0.0 } else { durations.iter().cloned().fold(f64::INFINITY, f64::min) },
            max_seconds: durations.iter().cloned().fold(0.0, f64::max),
            histogram: Histogram::new(&durations, 1.0),
            problems,
        };
        Ok((Dataset { dir, sample_rate: opts.sample_rate, items }, report))
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Total audio in seconds.
    pub fn seconds(&self) -> f64 {
        self.items.iter().map(|i| i.duration).sum()
    }

    /// The item with this id.
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Keeps only the items whose id is in `ids` (e.g. a split list), in dataset order.
    pub fn retain_ids(&mut self, ids: &[String]) {
        let keep: HashSet<&str> = ids.iter().map(|s| s.as_str()).collect();
        self.items.retain(|i| keep.contains(i.id.as_str()));
    }

    /// Mono samples of an item at the dataset's rate.
    pub fn load_audio(&self, item: &Item) -> Result<Vec<f32>> {
        load_audio(item, self.sample_rate)
    }
}

/// Mono samples of an item at `rate` (resampled when the file has another rate).
pub fn load_audio(item: &Item, rate: u32) -> Result<Vec<f32>> {
    let (audio, _) = read_wav(&item.wav)?;
    if audio.sample_rate == rate {
        Ok(audio.samples)
    } else {
        Ok(resample::resample(&audio, rate)?.samples)
    }
}

/// Reads what a WAV holds: from its header checked against the file size, or by decoding.
fn wav_facts(path: &Path, decode: bool) -> std::result::Result<WavFacts, (ProblemKind, String)> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err((ProblemKind::MissingWav, format!("{} does not exist", path.display())));
        }
        Err(e) => return Err((ProblemKind::UnreadableWav, format!("{}: {e}", path.display()))),
    };
    if decode {
        return match read_wav(path) {
            Ok((audio, info)) => Ok(WavFacts { rate: audio.sample_rate, channels: info.channels, samples: audio.samples.len() }),
            Err(e) => Err((ProblemKind::UnreadableWav, e.to_string())),
        };
    }
    let unreadable = |msg: String| (ProblemKind::UnreadableWav, format!("{}: {msg}", path.display()));
    if meta.len() == 0 {
        return Err(unreadable("file is empty (0 bytes)".into()));
    }
    let reader = hound::WavReader::open(path).map_err(|e| unreadable(format!("not a readable WAV file ({e})")))?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(unreadable("WAV header has zero channels or a zero sample rate".into()));
    }
    let supported = matches!((spec.sample_format, spec.bits_per_sample), (hound::SampleFormat::Float, 32) | (hound::SampleFormat::Int, 8 | 16 | 24 | 32));
    if !supported {
        return Err(unreadable(format!("unsupported {}-bit {:?} WAV; use 16-bit PCM", spec.bits_per_sample, spec.sample_format)));
    }
    let frames = reader.duration() as usize;
    let data_bytes = frames as u64 * spec.channels as u64 * (spec.bits_per_sample as u64).div_ceil(8);
    if data_bytes + 44 > meta.len() + 8 || frames == 0 {
        return Err(unreadable(format!("truncated or empty: the header announces {frames} frames ({data_bytes} bytes) but the file has {} bytes", meta.len())));
    }
    Ok(WavFacts { rate: spec.sample_rate, channels: spec.channels, samples: frames })
}

/// WAV files in `wavs/` that no row names (reported as notes).
fn unlisted_wavs(dir: &Path, listed: &HashSet<String>) -> Vec<Problem> {
    let Ok(entries) = fs::read_dir(dir.join("wavs")) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter_map(|n| n.strip_suffix(".wav").map(String::from))
        .filter(|stem| !listed.contains(stem))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|id| Problem { line: 0, kind: ProblemKind::Unlisted, message: "no row of the metadata names this file; not used".into(), id })
        .collect()
}

fn truncate(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
