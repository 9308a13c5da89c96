//! Building a study (`ferry compare`): render every sentence with every condition, trim the
//! stimuli of a sentence to one length (so listeners can switch between them seamlessly),
//! bring all to one integrated loudness, and write WAVs, spectrograms and `study.json`.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};

use super::loudness::{self, Measure};
use super::manifest::{self, LoudnessInfo, Sentence, Stimulus, Study, FORMAT_VERSION};
use super::render::{Render, Sources};
use crate::audio::{self, image, Audio, MelConfig, MelExtractor, SampleFormat};
use crate::error::{Error, Result};

/// Highest sample peak allowed after loudness matching (−1 dBFS).
pub const PEAK_LIMIT: f64 = 0.891;

/// Where the recordings of the sentences are.
#[derive(Debug, Clone, Default)]
pub struct SourceDirs {
    /// Reference recordings, played as the reference and low-passed into the anchors.
    pub reference: Option<PathBuf>,
    /// Recordings to copy-synthesise from (default: the reference).
    pub resynth: Option<PathBuf>,
}

/// Everything about a study that is not a renderer.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub title: String,
    pub voice: Option<String>,
    /// Mel definition of the spectrogram images; its `sampling_rate` is the study's rate.
    pub mel: MelConfig,
    /// Loudness every stimulus is brought to (LUFS); lowered when a stimulus would clip.
    pub target_lufs: f64,
    /// Notes to keep in the manifest (families skipped, ...).
    pub notes: Vec<String>,
    /// Replace an existing study in the output directory (its ratings are kept as a backup).
    pub force: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Seed of the study's secret and stimulus ids (`None`: from the operating system).
    pub seed: Option<u64>,
}

/// The recording of `sentence` in `dir`: `<id>.wav`, else `<index>.wav`.
pub fn find_recording(dir: &Path, s: &Sentence) -> Result<PathBuf> {
    let names = [format!("{}.wav", s.id), format!("{}.wav", s.index)];
    names.iter().map(|n| dir.join(n)).find(|p| p.is_file()).ok_or_else(|| {
        Error::arg(format!(
            "{}: no recording for sentence {} (looked for {}); name WAVs by sentence id or line number",
            dir.display(),
            s.index,
            names.join(", ")
        ))
    })
}

/// Reads a recording as mono at `rate` (resampling and mixing down as needed).
pub fn load_recording(path: &Path, rate: u32) -> Result<Audio> {
    let (a, info) = audio::read_wav(path)?;
    if let Some(note) = info.mixdown_note() {
        eprintln!("ferry: note: {}: {note}", path.display());
    }
    let a = if a.sample_rate != rate { audio::resample::resample(&a, rate)? } else { a };
    if a.samples.is_empty() {
        return Err(Error::audio(path, "holds no samples"));
    }
    Ok(a)
}

/// Renders and writes a study into `out`. Returns the manifest it saved.
pub fn build(out: &Path, sentences: &[Sentence], dirs: &SourceDirs, mut renders: Vec<Box<dyn Render>>, opts: &BuildOptions) -> Result<Study> {
    if renders.is_empty() {
        return Err(Error::arg("nothing to render: no conditions"));
    }
    let conditions: Vec<_> = renders.iter().map(|r| r.condition()).collect();
    for (i, c) in conditions.iter().enumerate() {
        if conditions[..i].iter().any(|d| d.key == c.key) {
            return Err(Error::arg(format!("condition '{}' is asked for twice", c.key)));
        }
    }
    prepare_dir(out, opts.force)?;
    let rate = opts.mel.sampling_rate;
    let mut rng = match opts.seed {
        Some(s) => rand::rngs::StdRng::seed_from_u64(s),
        None => rand::rngs::StdRng::from_entropy(),
    };
    let secret = format!("{:032x}", rng.gen::<u128>());
    let public_id = format!("{:08x}", rng.gen::<u32>());

    let bar = if opts.progress { ProgressBar::new((sentences.len() * renders.len()) as u64) } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("rendering {bar:30} {pos}/{len} {msg} [{elapsed}]").unwrap_or_else(|_| ProgressStyle::default_bar()));

    // Render: audio[sentence][condition].
    let mut rendered: Vec<Vec<Audio>> = Vec::with_capacity(sentences.len());
    for s in sentences {
        let reference = dirs.reference.as_deref().map(|d| find_recording(d, s).and_then(|p| load_recording(&p, rate))).transpose()?;
        let resynth = match dirs.resynth.as_deref() {
            Some(d) => Some(load_recording(&find_recording(d, s)?, rate)?),
            None => None,
        };
        let src = Sources { sentence: s, reference: reference.as_ref(), resynth: resynth.as_ref().or(reference.as_ref()) };
        let mut row = Vec::with_capacity(renders.len());
        for (r, c) in renders.iter_mut().zip(&conditions) {
            bar.set_message(format!("{} × {}", s.id, c.key));
            let a = r.render(&src)?;
            let a = if a.sample_rate != rate { audio::resample::resample(&a, rate)? } else { a };
            row.push(a);
            bar.inc(1);
        }
        // One length per sentence, so switching keeps the position.
        let len = row.iter().map(|a| a.samples.len()).min().unwrap_or(0);
        if len == 0 {
            return Err(Error::arg(format!("sentence {} ({}): a condition rendered no audio", s.index, s.id)));
        }
        row.iter_mut().for_each(|a| a.samples.truncate(len));
        rendered.push(row);
    }
    bar.finish_and_clear();

    // Loudness: measure, then one target that keeps every peak under −1 dBFS.
    let mut measured = Vec::new();
    let mut notes = opts.notes.clone();
    for (s, row) in sentences.iter().zip(&rendered) {
        for (a, c) in row.iter().zip(&conditions) {
            let (l, m) = loudness::integrated_loudness(&a.samples, rate);
            if m == Measure::WholeSignal {
                notes.push(format!("sentence {} × {}: shorter than 400 ms, loudness measured ungated", s.id, c.key));
            }
            if !l.is_finite() {
                notes.push(format!("sentence {} × {}: silent (below −70 LUFS), left at its level", s.id, c.key));
            }
            measured.push((l, loudness::peak(&a.samples) as f64));
        }
    }
    let ceiling = measured.iter().filter(|(l, p)| l.is_finite() && *p > 0.0).map(|(l, p)| l + 20.0 * (PEAK_LIMIT / p).log10()).fold(f64::INFINITY, f64::min);
    let target = opts.target_lufs.min(ceiling);
    if target < opts.target_lufs {
        notes.push(format!("loudness target lowered from {:.1} to {:.1} LUFS so that no stimulus peaks above −1 dBFS", opts.target_lufs, target));
    }

    let extractor = MelExtractor::new(&opts.mel)?;
    let mut stimuli = Vec::new();
    let mut k = 0;
    for (s, row) in sentences.iter().zip(rendered) {
        for (mut a, c) in row.into_iter().zip(&conditions) {
            let (l, _) = measured[k];
            k += 1;
            let gain_db = if l.is_finite() { target - l } else { 0.0 };
            let g = loudness::db_to_gain(gain_db) as f32;
            a.samples.iter_mut().for_each(|v| *v = (*v * g).clamp(-1.0, 1.0));
            let id = format!("{:016x}", rng.gen::<u64>());
            let (file, img) = (format!("audio/{id}.wav"), format!("images/{id}.png"));
            audio::write_wav(out.join(&file), &a, SampleFormat::Pcm16)?;
            let mel = extractor.compute(&a.samples);
            if mel.frames > 0 {
                image::write_mel_png(out.join(&img), &mel, 2)?;
            }
            stimuli.push(Stimulus {
                id,
                sentence: s.index,
                condition: c.key.clone(),
                file,
                image: img,
                seconds: a.duration(),
                loudness_before: if l.is_finite() { l } else { -999.0 },
                gain_db,
                peak: loudness::peak(&a.samples),
            });
        }
    }
    let study = Study {
        format_version: FORMAT_VERSION,
        title: opts.title.clone(),
        public_id,
        secret,
        created_unix: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        voice: opts.voice.clone(),
        sample_rate: rate,
        loudness: LoudnessInfo {
            requested_lufs: opts.target_lufs,
            target_lufs: target,
            method: "ITU-R BS.1770-4 integrated loudness (K-weighted, gated)".into(),
        },
        sentences: sentences.to_vec(),
        conditions,
        stimuli,
        notes,
    };
    study.save(out)?;
    Ok(study)
}

/// Creates `out/audio` and `out/images`; refuses to overwrite a study unless `force`, and then
/// keeps its ratings as `ratings.jsonl.<unix time>.bak`.
fn prepare_dir(out: &Path, force: bool) -> Result<()> {
    let manifest = out.join(manifest::MANIFEST);
    if manifest.exists() {
        if !force {
            return Err(Error::arg(format!(
                "{}: a study is already there; pass --force to replace it (its ratings are kept as a backup) or choose another -o",
                out.display()
            )));
        }
        let ratings = out.join(manifest::RATINGS);
        if ratings.exists() {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            let bak = out.join(format!("{}.{t}.bak", manifest::RATINGS));
            std::fs::rename(&ratings, &bak).map_err(|e| Error::io(&ratings, e))?;
            eprintln!("ferry: note: previous ratings kept as {}", bak.display());
        }
        if let Ok(old) = Study::load(out) {
            for s in &old.stimuli {
                let _ = std::fs::remove_file(out.join(&s.file));
                let _ = std::fs::remove_file(out.join(&s.image));
            }
        }
    }
    for d in [out.to_path_buf(), out.join("audio"), out.join("images")] {
        std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
    }
    Ok(())
}
