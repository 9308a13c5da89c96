//! What [`Dataset::open`](super::Dataset::open) found: totals, a length histogram, and
//! one entry for every row that was left out or changed on the way in.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// Why a row was left out ([`Severity::Excluded`]) or what was done to it ([`Severity::Note`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The line is not `id|text|normalized` (too few fields or an empty id).
    BadRow,
    /// The id appeared on an earlier line.
    DuplicateId,
    /// `wavs/<id>.wav` does not exist.
    MissingWav,
    /// The WAV cannot be read (not a WAV, truncated, unsupported encoding).
    UnreadableWav,
    /// The audio holds less than one mel frame, or less than the minimum length.
    TooShort,
    /// The audio is longer than the maximum length.
    TooLong,
    /// The text (or its normalized form) is empty.
    EmptyText,
    /// The text frontend could not turn the text into phoneme ids.
    TextRejected,
    /// Kept: the WAV has another sample rate and is resampled when loaded.
    Resampled,
    /// Kept: the WAV has several channels and is mixed to mono when loaded.
    MixedToMono,
    /// Kept: a WAV in `wavs/` that no row of the metadata names.
    Unlisted,
}

impl ProblemKind {
    pub fn severity(&self) -> Severity {
        match self {
            ProblemKind::Resampled | ProblemKind::MixedToMono | ProblemKind::Unlisted => Severity::Note,
            _ => Severity::Excluded,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ProblemKind::BadRow => "bad row",
            ProblemKind::DuplicateId => "duplicate id",
            ProblemKind::MissingWav => "missing wav",
            ProblemKind::UnreadableWav => "unreadable wav",
            ProblemKind::TooShort => "too short",
            ProblemKind::TooLong => "too long",
            ProblemKind::EmptyText => "empty text",
            ProblemKind::TextRejected => "text rejected",
            ProblemKind::Resampled => "resampled",
            ProblemKind::MixedToMono => "mixed to mono",
            ProblemKind::Unlisted => "unlisted wav",
        }
    }
}

/// Whether a problem cost the row its place in the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row is not in [`Dataset::items`](super::Dataset::items).
    Excluded,
    /// The row is kept; something was changed or is worth knowing.
    Note,
}

/// One finding about one row (or one file).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// 1-based line of the metadata file (0 for files that no line names).
    pub line: usize,
    pub id: String,
    pub kind: ProblemKind,
    pub message: String,
}

/// Count of utterances per duration bin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// Width of a bin, in seconds; bin `i` holds durations in `[i * width, (i + 1) * width)`.
    pub bin_seconds: f64,
    pub counts: Vec<usize>,
}

impl Histogram {
    pub fn new(durations: &[f64], bin_seconds: f64) -> Self {
        let max = durations.iter().cloned().fold(0.0, f64::max);
        let bins = ((max / bin_seconds).floor() as usize + 1).max(1);
        let mut counts = vec![0; bins];
        for &d in durations {
            counts[((d / bin_seconds).floor() as usize).min(bins - 1)] += 1;
        }
        Self { bin_seconds, counts }
    }
}

/// The outcome of opening a dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub dir: PathBuf,
    /// Data rows read from the metadata file (blank lines are not rows).
    pub rows: usize,
    /// Rows kept as items.
    pub kept: usize,
    /// Total audio of the kept items, in seconds.
    pub seconds: f64,
    pub min_seconds: f64,
    pub max_seconds: f64,
    pub histogram: Histogram,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn hours(&self) -> f64 {
        self.seconds / 3600.0
    }

    /// Rows left out of the dataset.
    pub fn excluded(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.kind.severity() == Severity::Excluded)
    }

    /// Kept rows with a note, and unlisted files.
    pub fn notes(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.kind.severity() == Severity::Note)
    }

    /// Problems of one kind.
    pub fn of_kind<'a>(&'a self, kind: &'a ProblemKind) -> impl Iterator<Item = &'a Problem> + 'a {
        self.problems.iter().filter(move |p| &p.kind == kind)
    }

    /// True when every row was kept unchanged.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dataset     {}", self.dir.display())?;
        writeln!(f, "utterances  {} kept of {} rows ({} excluded)", self.kept, self.rows, self.excluded().count())?;
        writeln!(f, "audio       {:.3} h ({:.1} s)", self.hours(), self.seconds)?;
        if self.kept > 0 {
            writeln!(f, "length      min {:.2} s, mean {:.2} s, max {:.2} s", self.min_seconds, self.seconds / self.kept as f64, self.max_seconds)?;
            let peak = self.histogram.counts.iter().cloned().max().unwrap_or(1).max(1);
            let w = self.histogram.bin_seconds;
            for (i, &c) in self.histogram.counts.iter().enumerate() {
                let bar = "#".repeat((c * 40).div_ceil(peak));
                writeln!(f, "  {:>5.1}-{:<5.1} s {:>6}  {bar}", i as f64 * w, (i + 1) as f64 * w, c)?;
            }
        }
        if self.problems.is_empty() {
            writeln!(f, "problems    none")?;
        } else {
            writeln!(f, "problems    {} ({} excluded, {} notes)", self.problems.len(), self.excluded().count(), self.notes().count())?;
            for p in &self.problems {
                let tag = match p.kind.severity() {
                    Severity::Excluded => "excluded",
                    Severity::Note => "note",
                };
                let place = if p.line > 0 { format!("line {}", p.line) } else { "file".to_string() };
                writeln!(f, "  {place:>9}  {:<14} {:<8} {}: {}", p.kind.label(), tag, p.id, p.message)?;
            }
        }
        Ok(())
    }
}
