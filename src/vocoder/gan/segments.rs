//! Random audio segments for vocoder training (HiFi-GAN's `meldataset.py` recipe: each
//! clip peak-normalised to 0.95, a random `segment_size` window, zero-padded when the clip
//! is shorter). Used by the `gan` and `vae` training tasks.
//!
//! A thin adapter over an LJSpeech-layout directory (`metadata.csv` + `wavs/`); clips are
//! read from disk per batch, so corpora of any size fit in memory.

use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::Rng;
use tch::{Device, Tensor};

use crate::audio::resample::resample;
use crate::audio::{read_wav, Audio};
use crate::error::{Error, Result};

/// Where clips come from.
#[derive(Debug, Clone)]
enum Source {
    /// WAV files, read (and resampled to the voice's rate) on demand.
    Files(Vec<PathBuf>),
    /// Clips already in memory (tests, fixtures).
    Memory(Vec<Vec<f32>>),
}

/// A training corpus of audio clips at one sample rate.
#[derive(Debug, Clone)]
pub struct AudioClips {
    source: Source,
    sample_rate: u32,
}

/// Peak-normalises to 0.95 (silence stays silence).
pub fn normalize(samples: &mut [f32]) {
    let peak = samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    if peak > 0.0 {
        let g = 0.95 / peak;
        samples.iter_mut().for_each(|s| *s *= g);
    }
}

impl AudioClips {
    /// The clips named by `dir/metadata.csv` (first `|` field = file stem in `dir/wavs/`).
    /// The last `holdout` clips are left out (use [`AudioClips::validation`] for them).
    pub fn open(dir: &Path, sample_rate: u32) -> Result<(AudioClips, AudioClips)> {
        let meta = dir.join("metadata.csv");
        let text = std::fs::read_to_string(&meta).map_err(|e| Error::io(&meta, e))?;
        let mut files: Vec<PathBuf> = text
            .lines()
            .filter_map(|l| l.split('|').next())
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| dir.join("wavs").join(format!("{id}.wav")))
            .collect();
        if files.is_empty() {
            return Err(Error::arg(format!("{}: lists no clips; a vocoder needs at least one WAV", meta.display())));
        }
        if let Some(missing) = files.iter().find(|p| !p.is_file()) {
            return Err(Error::arg(format!("{}: {} is listed but missing", meta.display(), missing.display())));
        }
        // Hold out ~1 % (at least one clip when there are two or more) for validation.
        let holdout = if files.len() > 1 { (files.len() / 100).max(1) } else { 0 };
        let val = files.split_off(files.len() - holdout);
        let val = if val.is_empty() { files.clone() } else { val };
        Ok((AudioClips { source: Source::Files(files), sample_rate }, AudioClips { source: Source::Files(val), sample_rate }))
    }

    /// Clips already in memory (peak-normalised here).
    pub fn from_samples(mut clips: Vec<Vec<f32>>, sample_rate: u32) -> Result<AudioClips> {
        if clips.is_empty() || clips.iter().all(|c| c.is_empty()) {
            return Err(Error::arg("no audio to train on"));
        }
        clips.iter_mut().for_each(|c| normalize(c));
        Ok(AudioClips { source: Source::Memory(clips), sample_rate })
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

    /// Clip `i`, mono, at the corpus rate, peak-normalised.
    pub fn clip(&self, i: usize) -> Result<Vec<f32>> {
        match &self.source {
            Source::Memory(m) => Ok(m[i].clone()),
            Source::Files(f) => {
                let (audio, _) = read_wav(&f[i])?;
                let audio = if audio.sample_rate == self.sample_rate { audio } else { resample(&audio, self.sample_rate)? };
                let Audio { mut samples, .. } = audio;
                normalize(&mut samples);
                Ok(samples)
            }
        }
    }

    /// `[B, segment]` random windows of random clips on `device`.
    pub fn random_batch(&self, rng: &mut StdRng, batch: usize, segment: usize, device: Device) -> Result<Tensor> {
        let mut data = vec![0f32; batch * segment];
        for row in data.chunks_mut(segment) {
            let clip = self.clip(rng.gen_range(0..self.len()))?;
            if clip.len() >= segment {
                let start = rng.gen_range(0..=clip.len() - segment);
                row.copy_from_slice(&clip[start..start + segment]);
            } else {
                row[..clip.len()].copy_from_slice(&clip);
            }
        }
        Ok(Tensor::from_slice(&data).view([batch as i64, segment as i64]).to_device(device))
    }

    /// `[1, T]` the first clip, cut to a multiple of `hop` and at most `max_samples`.
    pub fn first_clip(&self, hop: usize, max_samples: usize, device: Device) -> Result<Tensor> {
        let clip = self.clip(0)?;
        let n = clip.len().min(max_samples) / hop * hop;
        if n == 0 {
            return Err(Error::arg(format!("the validation clip is shorter than one hop ({hop} samples)")));
        }
        Ok(Tensor::from_slice(&clip[..n]).view([1, n as i64]).to_device(device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn batches_are_windows_of_normalised_clips() {
        let clips = AudioClips::from_samples(vec![(0..1000).map(|i| i as f32 / 2000.0).collect(), vec![0.1; 10]], 22050).unwrap();
        let mut rng = StdRng::seed_from_u64(0);
        let b = clips.random_batch(&mut rng, 8, 64, Device::Cpu).unwrap();
        assert_eq!(b.size(), [8, 64]);
        let max = b.abs().max().double_value(&[]);
        assert!(max <= 0.95 + 1e-6 && max > 0.0);
        assert!(AudioClips::from_samples(vec![], 22050).is_err());
        let v = clips.first_clip(256, 10_000, Device::Cpu).unwrap();
        assert_eq!(v.size(), [1, 768]);
    }
}
