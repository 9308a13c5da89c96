//! Random fixed-length (audio, mel) segments for vocoder training, as HiFi-GAN's data
//! loader draws them: a random utterance, a random start, `frames` mel frames and the
//! `frames × hop` samples under them. Starts are frame-aligned, so the mel segment is a
//! slice of the utterance's cached mel and matches the audio exactly (a vocoder turns `F`
//! frames into `F × hop` samples). Utterances shorter than a segment are padded with
//! silence.

use rand::{Rng, SeedableRng};
use tch::Tensor;

use crate::error::{Error, Result};

use super::batch::MEL_PAD;
use super::cache::FeatureCache;
use super::dataset::Dataset;

/// One utterance held in memory.
#[derive(Debug, Clone)]
pub struct Clip {
    /// Samples at the mel's rate.
    pub audio: Vec<f32>,
    /// Log-mel `[n_mels, frames]` with `frames = audio.len() / hop`.
    pub mel: Vec<f32>,
    pub frames: usize,
}

/// A batch of segments (CPU tensors).
#[derive(Debug)]
pub struct SegmentBatch {
    /// `[B, frames × hop]` f32.
    pub audio: Tensor,
    /// `[B, n_mels, frames]` f32.
    pub mel: Tensor,
}

/// Draws seeded random segments; batch `k` depends only on the seed and `k`, so batches
/// can be made on worker threads (see [`Prefetcher`](super::Prefetcher)) in any order.
#[derive(Debug, Clone)]
pub struct SegmentSampler {
    clips: Vec<Clip>,
    n_mels: usize,
    hop: usize,
    frames: usize,
    seed: u64,
}

impl SegmentSampler {
    /// A sampler of `frames`-frame segments over clips whose mels have `n_mels` bands.
    pub fn new(clips: Vec<Clip>, n_mels: usize, hop: usize, frames: usize, seed: u64) -> Result<Self> {
        if clips.is_empty() {
            return Err(Error::arg("no utterances to sample segments from; the dataset is empty"));
        }
        if frames == 0 || hop == 0 || n_mels == 0 {
            return Err(Error::arg("segment frames, hop and n_mels must be at least 1"));
        }
        for c in &clips {
            if c.mel.len() != n_mels * c.frames || c.audio.len() / hop != c.frames {
                return Err(Error::arg(format!(
                    "a clip of {} samples with a mel of {} values does not fit {n_mels} bands at hop {hop}",
                    c.audio.len(),
                    c.mel.len()
                )));
            }
        }
        Ok(Self { clips, n_mels, hop, frames, seed })
    }

    /// Loads every item's audio (at the mel's rate) and its cached mel into memory.
    pub fn from_dataset(dataset: &Dataset, cache: &FeatureCache, frames: usize, seed: u64) -> Result<Self> {
        let cfg = cache.mel_config();
        if dataset.sample_rate != cfg.sampling_rate {
            return Err(Error::config("dataset", format!("opened at {} Hz but the mel is defined at {} Hz", dataset.sample_rate, cfg.sampling_rate)));
        }
        let clips = dataset
            .items
            .iter()
            .map(|item| {
                let audio = dataset.load_audio(item)?;
                let f = cache.get(item)?;
                Ok(Clip { audio, frames: f.mel.frames, mel: f.mel.data })
            })
            .collect::<Result<Vec<_>>>()?;
        Self::new(clips, cfg.num_mels, cfg.hop_size, frames, seed)
    }

    pub fn segment_frames(&self) -> usize {
        self.frames
    }

    pub fn clips(&self) -> &[Clip] {
        &self.clips
    }

    /// Batch number `index` of `batch` segments.
    pub fn batch(&self, index: u64, batch: usize) -> SegmentBatch {
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index);
        let (f, hop, n_mels) = (self.frames, self.hop, self.n_mels);
        let mut audio = vec![0.0f32; batch * f * hop];
        let mut mel = vec![MEL_PAD; batch * n_mels * f];
        for b in 0..batch {
            let clip = &self.clips[rng.gen_range(0..self.clips.len())];
            let start = if clip.frames > f { rng.gen_range(0..=clip.frames - f) } else { 0 };
            let take = f.min(clip.frames);
            let a = &clip.audio[start * hop..(start + take) * hop];
            audio[b * f * hop..b * f * hop + a.len()].copy_from_slice(a);
            for m in 0..n_mels {
                let src = &clip.mel[m * clip.frames + start..m * clip.frames + start + take];
                let dst = (b * n_mels + m) * f;
                mel[dst..dst + take].copy_from_slice(src);
            }
        }
        SegmentBatch {
            audio: Tensor::from_slice(&audio).view([batch as i64, (f * hop) as i64]),
            mel: Tensor::from_slice(&mel).view([batch as i64, n_mels as i64, f as i64]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clip whose audio sample `i` is `i` and whose mel value at (band m, frame t) is
    /// `1000 m + t`, so a segment shows exactly where it was cut.
    fn clip(frames: usize, hop: usize, n_mels: usize) -> Clip {
        let audio = (0..frames * hop + 3).map(|i| i as f32).collect();
        let mel = (0..n_mels).flat_map(|m| (0..frames).map(move |t| (1000 * m + t) as f32)).collect();
        Clip { audio, mel, frames }
    }

    #[test]
    fn segments_are_aligned_and_seeded() {
        let s = SegmentSampler::new(vec![clip(40, 4, 3), clip(25, 4, 3)], 3, 4, 10, 7).unwrap();
        let b = s.batch(0, 6);
        assert_eq!(b.audio.size(), vec![6, 40]);
        assert_eq!(b.mel.size(), vec![6, 3, 10]);
        for k in 0..6 {
            let t0 = b.mel.double_value(&[k, 0, 0]) as i64;
            // The audio under the mel's first frame starts at frame × hop.
            assert_eq!(b.audio.double_value(&[k, 0]) as i64, t0 * 4);
            assert_eq!(b.mel.double_value(&[k, 2, 9]) as i64, 2000 + t0 + 9);
        }
        assert!(b.audio.equal(&s.batch(0, 6).audio));
        assert!(!b.audio.equal(&s.batch(1, 6).audio));
    }

    #[test]
    fn short_clips_are_padded_with_silence() {
        let s = SegmentSampler::new(vec![clip(3, 4, 2)], 2, 4, 5, 0).unwrap();
        let b = s.batch(0, 1);
        assert_eq!(b.audio.double_value(&[0, 11]), 11.0);
        assert_eq!(b.audio.double_value(&[0, 12]), 0.0);
        assert!((b.mel.double_value(&[0, 1, 3]) - MEL_PAD as f64).abs() < 1e-6);
    }

    #[test]
    fn mismatched_clips_are_refused() {
        let mut c = clip(10, 4, 2);
        c.frames = 11;
        assert!(SegmentSampler::new(vec![c], 2, 4, 5, 0).is_err());
        assert!(SegmentSampler::new(vec![], 2, 4, 5, 0).is_err());
    }
}
