//! Random (audio, mel) training segments for the vocoders, read from a dataset in
//! LJSpeech layout (`metadata.csv` ids → `wavs/<id>.wav`). A thin adapter until the shared
//! data loader (`crate::data`) provides vocoder segments; each segment's mel is computed
//! from the segment itself, as at inference (`len / hop` frames).

use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::{Device, Tensor};

use crate::audio::{read_wav, resample::resample, MelConfig, MelExtractor};
use crate::error::{Error, Result};

/// Clips held in memory and a seeded crop sampler.
pub struct Segments {
    clips: Vec<Vec<f32>>,
    mel: MelExtractor,
    hop: usize,
    rng: StdRng,
}

/// The WAV files a dataset lists (`metadata.csv` first column), else every `wavs/*.wav`.
pub fn dataset_wavs(dir: &Path) -> Result<Vec<PathBuf>> {
    let meta = dir.join("metadata.csv");
    let wavs = dir.join("wavs");
    let mut paths: Vec<PathBuf> = if meta.is_file() {
        let text = std::fs::read_to_string(&meta).map_err(|e| Error::io(&meta, e))?;
        text.lines().filter_map(|l| l.split('|').next()).map(str::trim).filter(|id| !id.is_empty()).map(|id| wavs.join(format!("{id}.wav"))).collect()
    } else {
        std::fs::read_dir(&wavs)
            .map_err(|e| Error::io(&wavs, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav")))
            .collect()
    };
    paths.sort();
    if paths.is_empty() {
        return Err(Error::arg(format!("{}: no WAV files listed (metadata.csv + wavs/<id>.wav expected)", dir.display())));
    }
    Ok(paths)
}

impl Segments {
    /// Reads every clip of `paths` (resampled to the mel's rate).
    pub fn from_wavs(paths: &[PathBuf], mel: &MelConfig, seed: u64) -> Result<Segments> {
        let mut clips = Vec::with_capacity(paths.len());
        for p in paths {
            let (audio, _) = read_wav(p)?;
            let audio = resample(&audio, mel.sampling_rate)?;
            if audio.samples.len() >= mel.hop_size {
                clips.push(audio.samples);
            }
        }
        if clips.is_empty() {
            return Err(Error::arg("no training clip is longer than one hop".to_string()));
        }
        Ok(Segments { clips, mel: MelExtractor::new(mel)?, hop: mel.hop_size, rng: StdRng::seed_from_u64(seed) })
    }

    /// The dataset in `dir`.
    pub fn open(dir: &Path, mel: &MelConfig, seed: u64) -> Result<Segments> {
        Segments::from_wavs(&dataset_wavs(dir)?, mel, seed)
    }

    /// A batch of `batch` random crops of `frames` mel frames: audio `[B, frames·hop]`,
    /// log-mel `[B, n_mels, frames]`. Short clips are zero-padded.
    pub fn batch(&mut self, batch: usize, frames: usize, device: Device) -> (Tensor, Tensor) {
        let len = frames * self.hop;
        let (mut audio, mut mels) = (Vec::new(), Vec::new());
        for _ in 0..batch {
            let clip = &self.clips[self.rng.gen_range(0..self.clips.len())];
            let start = if clip.len() > len { self.rng.gen_range(0..=clip.len() - len) } else { 0 };
            let mut seg: Vec<f32> = clip[start..clip.len().min(start + len)].to_vec();
            seg.resize(len, 0.0);
            mels.push(self.mel.compute(&seg).to_tensor());
            audio.push(Tensor::from_slice(&seg).unsqueeze(0));
        }
        (Tensor::cat(&audio, 0).to_device(device), Tensor::cat(&mels, 0).to_device(device))
    }

    /// The first clip's first `frames` frames (or all of it): a fixed validation example.
    pub fn first(&self, frames: usize, device: Device) -> (Tensor, Tensor) {
        let clip = &self.clips[0];
        let n = (clip.len() / self.hop).min(frames) * self.hop;
        let seg = &clip[..n];
        (Tensor::from_slice(seg).unsqueeze(0).to_device(device), self.mel.compute(seg).to_tensor().to_device(device))
    }
}
