//! Training audio for the vocoders: the clips of a dataset (the rows [`Dataset::open`]
//! keeps, as the acoustic model sees them; a directory without `metadata.csv` gives every
//! `wavs/*.wav`), read from disk per batch (corpora of any size) or held in memory, and
//! random fixed-length windows of them, zero-padded when a clip is shorter.
//!
//! Each family applies its reference's level recipe on top ([`Level`]): HiFi-GAN's
//! `meldataset.py` peak-normalises every clip to 0.95 (`gan`, `vae`); WaveGlow, DiffWave and
//! WaveRNN train on the audio as recorded (`flow`, `diffusion`, `ar`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::Rng;
use tch::{Device, Tensor};

use super::dataset::{Dataset, DatasetOptions};
use super::report::ProblemKind;
use crate::audio::resample::resample;
use crate::audio::{read_wav, Audio};
use crate::error::{Error, Result};

/// How a family's reference levels its training audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// As recorded (WaveGlow, DiffWave, WaveRNN).
    AsRecorded,
    /// Every clip peak-normalised to 0.95 (HiFi-GAN's `meldataset.py`).
    PeakNormalised,
}

/// How many of a dataset's `rows` every model holds out for validation, from the end (in
/// metadata order): 1 %. Under 100 rows nothing is held out, and a model validates on its
/// training rows instead (a tiny dataset is for checking that a model learns at all).
pub fn holdout(rows: usize) -> usize {
    rows / 100
}

/// Where clips come from.
#[derive(Debug, Clone)]
enum Source {
    /// WAV files, read (and resampled to the corpus rate) on demand.
    Files(Vec<PathBuf>),
    /// Clips already in memory at the corpus rate.
    Memory(Vec<Vec<f32>>),
}

/// A training corpus of audio clips at one sample rate.
#[derive(Debug, Clone)]
pub struct AudioClips {
    source: Source,
    sample_rate: u32,
    /// Peak-normalise each clip to 0.95 as it is read.
    peak_normalise: bool,
}

/// The gain that brings `samples`' peak to 0.95 (1 for silence).
fn peak_gain(samples: &[f32]) -> f32 {
    let peak = samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    if peak > 0.0 {
        0.95 / peak
    } else {
        1.0
    }
}

/// Peak-normalises to 0.95 (silence stays silence).
fn normalize(samples: &mut [f32]) {
    let g = peak_gain(samples);
    samples.iter_mut().for_each(|s| *s *= g);
}

/// The WAV files of a dataset at `sample_rate`, in order: the rows [`Dataset::open`] keeps
/// (rows it leaves out are listed on stderr; a listed file that is missing is an error naming
/// it), else every `wavs/*.wav` when there is no `metadata.csv`.
pub fn dataset_wavs(dir: &Path, sample_rate: u32) -> Result<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = if dir.join("metadata.csv").is_file() {
        // Text is not read: a vocoder's row needs its audio only.
        let opts = DatasetOptions { sample_rate, ..Default::default() };
        let (dataset, report) = Dataset::open(dir, &opts)?;
        if let Some(missing) = report.problems.iter().find(|p| p.kind == ProblemKind::MissingWav) {
            let wav = dir.join("wavs").join(format!("{}.wav", missing.id));
            return Err(Error::arg(format!("{}: {} is listed but missing", dir.join("metadata.csv").display(), wav.display())));
        }
        if report.excluded().count() > 0 {
            eprint!("{report}");
        }
        dataset.items.into_iter().map(|item| item.wav).collect()
    } else {
        let wavs = dir.join("wavs");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&wavs)
            .map_err(|e| Error::io(&wavs, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav")))
            .collect();
        found.sort();
        found
    };
    if paths.is_empty() {
        return Err(Error::arg(format!("{}: no usable WAV files (metadata.csv + wavs/<id>.wav expected); a vocoder needs at least one", dir.display())));
    }
    Ok(paths)
}

impl AudioClips {
    /// The dataset in `dir`, split into (training, validation) by [`holdout`]; under 100
    /// clips both are every clip.
    pub fn open(dir: &Path, sample_rate: u32) -> Result<(AudioClips, AudioClips)> {
        let mut files = dataset_wavs(dir, sample_rate)?;
        let val = files.split_off(files.len() - holdout(files.len()));
        let val = if val.is_empty() { files.clone() } else { val };
        Ok((AudioClips::from_wavs(files, sample_rate)?, AudioClips::from_wavs(val, sample_rate)?))
    }

    /// WAV files, read on demand.
    pub fn from_wavs(paths: Vec<PathBuf>, sample_rate: u32) -> Result<AudioClips> {
        if paths.is_empty() {
            return Err(Error::arg("no audio to train on"));
        }
        Ok(AudioClips { source: Source::Files(paths), sample_rate, peak_normalise: false })
    }

    /// Clips already in memory, at `sample_rate`.
    pub fn from_samples(clips: Vec<Vec<f32>>, sample_rate: u32) -> Result<AudioClips> {
        if clips.is_empty() || clips.iter().all(|c| c.is_empty()) {
            return Err(Error::arg("no audio to train on"));
        }
        Ok(AudioClips { source: Source::Memory(clips), sample_rate, peak_normalise: false })
    }

    /// The same clips, levelled by `level` when read.
    pub fn levelled(mut self, level: Level) -> AudioClips {
        self.peak_normalise = level == Level::PeakNormalised;
        self
    }

    /// Reads every clip now (resampled, not yet normalised) and keeps them in memory.
    pub fn into_memory(self) -> Result<AudioClips> {
        let clips = match self.source {
            Source::Memory(m) => m,
            Source::Files(f) => f.iter().map(|p| read_resampled(p, self.sample_rate)).collect::<Result<Vec<_>>>()?,
        };
        Ok(AudioClips { source: Source::Memory(clips), ..self })
    }

    pub fn len(&self) -> usize {
        match &self.source {
            Source::Files(f) => f.len(),
            Source::Memory(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Clip `i` as stored (borrowed when in memory), before any normalisation.
    fn raw_clip(&self, i: usize) -> Result<Cow<'_, [f32]>> {
        Ok(match &self.source {
            Source::Memory(m) => Cow::Borrowed(&m[i]),
            Source::Files(f) => Cow::Owned(read_resampled(&f[i], self.sample_rate)?),
        })
    }

    /// Clip `i`, mono, at the corpus rate (peak-normalised if asked).
    pub fn clip(&self, i: usize) -> Result<Vec<f32>> {
        let mut samples = self.raw_clip(i)?.into_owned();
        if self.peak_normalise {
            normalize(&mut samples);
        }
        Ok(samples)
    }

    /// `batch` random windows of `segment` samples of random clips, row-major `[B, segment]`.
    pub fn random_windows(&self, rng: &mut StdRng, batch: usize, segment: usize) -> Result<Vec<f32>> {
        let mut data = vec![0f32; batch * segment];
        for row in data.chunks_mut(segment.max(1)) {
            // Only the window is copied; the clip's gain is applied to it.
            let clip = self.raw_clip(rng.gen_range(0..self.len()))?;
            if clip.len() >= segment {
                let start = rng.gen_range(0..=clip.len() - segment);
                row.copy_from_slice(&clip[start..start + segment]);
            } else {
                row[..clip.len()].copy_from_slice(&clip);
            }
            if self.peak_normalise {
                let g = peak_gain(&clip);
                row.iter_mut().for_each(|s| *s *= g);
            }
        }
        Ok(data)
    }

    /// `[B, segment]` random windows of random clips on `device`.
    pub fn random_batch(&self, rng: &mut StdRng, batch: usize, segment: usize, device: Device) -> Result<Tensor> {
        let data = self.random_windows(rng, batch, segment)?;
        Ok(Tensor::from_slice(&data).view([batch as i64, segment as i64]).to_device(device))
    }

    /// The first clip, cut to a multiple of `hop` and at most `max_samples`.
    pub fn first_samples(&self, hop: usize, max_samples: usize) -> Result<Vec<f32>> {
        let mut clip = self.clip(0)?;
        let n = clip.len().min(max_samples) / hop * hop;
        if n == 0 {
            return Err(Error::arg(format!("the validation clip is shorter than one hop ({hop} samples)")));
        }
        clip.truncate(n);
        Ok(clip)
    }

    /// `[1, T]` the first clip, cut to a multiple of `hop` and at most `max_samples`.
    pub fn first_clip(&self, hop: usize, max_samples: usize, device: Device) -> Result<Tensor> {
        let clip = self.first_samples(hop, max_samples)?;
        Ok(Tensor::from_slice(&clip).unsqueeze(0).to_device(device))
    }
}

/// A WAV file, mono, at `rate`.
fn read_resampled(path: &Path, rate: u32) -> Result<Vec<f32>> {
    let (audio, _) = read_wav(path)?;
    let Audio { samples, .. } = if audio.sample_rate == rate { audio } else { resample(&audio, rate)? };
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn batches_are_windows_of_normalised_clips() {
        let ramp: Vec<f32> = (0..1000).map(|i| i as f32 / 2000.0).collect();
        let clips = AudioClips::from_samples(vec![ramp.clone(), vec![0.1; 10]], 22050).unwrap().levelled(Level::PeakNormalised);
        let mut rng = StdRng::seed_from_u64(0);
        let b = clips.random_batch(&mut rng, 8, 64, Device::Cpu).unwrap();
        assert_eq!(b.size(), [8, 64]);
        let max = b.abs().max().double_value(&[]);
        assert!(max <= 0.95 + 1e-6 && max > 0.0);
        assert!(AudioClips::from_samples(vec![], 22050).is_err());
        let v = clips.first_clip(256, 10_000, Device::Cpu).unwrap();
        assert_eq!(v.size(), [1, 768]);
        // Without the recipe, the audio stays as recorded.
        let raw = AudioClips::from_samples(vec![ramp], 22050).unwrap();
        assert_eq!(raw.clip(0).unwrap()[999], 999.0 / 2000.0);
    }

    #[test]
    fn a_dataset_without_metadata_uses_its_wavs_and_a_listed_missing_file_is_named() {
        let dir = std::env::temp_dir().join(format!("ferry-clips-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("wavs")).unwrap();
        let audio = Audio { samples: vec![0.25; 2048], sample_rate: 22050 };
        for name in ["b", "a"] {
            crate::audio::write_wav(dir.join("wavs").join(format!("{name}.wav")), &audio, crate::audio::SampleFormat::Float32).unwrap();
        }
        let found = dataset_wavs(&dir, 22050).unwrap();
        assert_eq!(found.iter().map(|p| p.file_stem().unwrap().to_str().unwrap()).collect::<Vec<_>>(), ["a", "b"]);
        let (train, val) = AudioClips::open(&dir, 22050).unwrap();
        // Under 100 clips nothing is held out: validation sees the training clips.
        assert_eq!((train.len(), val.len()), (2, 2));
        let memory = train.into_memory().unwrap();
        assert_eq!(memory.clip(0).unwrap().len(), 2048);
        std::fs::write(dir.join("metadata.csv"), "a|text\nmissing|text\n").unwrap();
        let err = dataset_wavs(&dir, 22050).unwrap_err().to_string();
        assert!(err.contains("missing.wav"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
