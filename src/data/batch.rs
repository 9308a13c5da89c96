//! Length-bucketed batches for the acoustic model: utterances of similar length go
//! together so little of a batch is padding, and batch order is reshuffled every epoch.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::{Kind, Tensor};

use crate::error::{Error, Result};

use super::cache::Features;

/// Log-mel value of silence (`ln(1e-5)`), used to pad mels.
pub const MEL_PAD: f32 = -11.512_925;

/// How batches are formed.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketConfig {
    /// At most this many utterances per batch.
    pub batch_size: usize,
    /// At most this many padded frames per batch (`batch × longest`); 0 = no limit.
    pub max_frames: usize,
    /// Number of length buckets (utterances are sorted by length and cut into this many
    /// groups; batches never mix groups).
    pub buckets: usize,
    pub seed: u64,
}

impl Default for BucketConfig {
    fn default() -> Self {
        Self { batch_size: 16, max_frames: 0, buckets: 10, seed: 0 }
    }
}

/// Plans epochs of batches (indices into the list of lengths it was given).
#[derive(Debug, Clone)]
pub struct BucketBatcher {
    lengths: Vec<usize>,
    cfg: BucketConfig,
}

impl BucketBatcher {
    /// `lengths[i]` is the length (mel frames) of utterance `i`.
    pub fn new(lengths: Vec<usize>, cfg: BucketConfig) -> Result<Self> {
        if cfg.batch_size == 0 || cfg.buckets == 0 {
            return Err(Error::arg("batch_size and buckets must be at least 1"));
        }
        if lengths.is_empty() {
            return Err(Error::arg("no utterances to batch; the dataset is empty"));
        }
        Ok(Self { lengths, cfg })
    }

    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The batches of epoch `epoch`: every utterance exactly once, in batches whose
    /// members come from one length bucket. Deterministic in (seed, epoch).
    pub fn epoch(&self, epoch: u64) -> Vec<Vec<usize>> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.cfg.seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut order: Vec<usize> = (0..self.lengths.len()).collect();
        // Shuffle first so equal lengths are not always in the same order, then sort stably.
        order.shuffle(&mut rng);
        order.sort_by_key(|&i| self.lengths[i]);
        let per_bucket = order.len().div_ceil(self.cfg.buckets);
        let mut batches = Vec::new();
        for bucket in order.chunks(per_bucket) {
            let mut bucket = bucket.to_vec();
            bucket.shuffle(&mut rng);
            // Cut the bucket into batches, respecting the padded-frame budget.
            let mut current: Vec<usize> = Vec::new();
            let mut longest = 0;
            for i in bucket {
                let l = self.lengths[i];
                let over_budget = self.cfg.max_frames > 0 && (current.len() + 1) * longest.max(l) > self.cfg.max_frames;
                if !current.is_empty() && (current.len() == self.cfg.batch_size || over_budget) {
                    batches.push(std::mem::take(&mut current));
                    longest = 0;
                }
                longest = longest.max(l);
                current.push(i);
            }
            if !current.is_empty() {
                batches.push(current);
            }
        }
        batches.shuffle(&mut rng);
        batches
    }
}

/// A padded batch for the acoustic model (CPU tensors; move with [`AcousticBatch::to`]).
#[derive(Debug)]
pub struct AcousticBatch {
    /// Phoneme ids, padded with 0: `[B, L]` i64.
    pub ids: Tensor,
    /// `[B]` i64.
    pub id_lens: Tensor,
    /// Log-mels padded with [`MEL_PAD`]: `[B, n_mels, F]` f32.
    pub mel: Tensor,
    /// `[B]` i64.
    pub mel_lens: Tensor,
    /// F0 in Hz, 0 where unvoiced or padding: `[B, F]` f32.
    pub pitch: Tensor,
    /// Energy, 0 in padding: `[B, F]` f32.
    pub energy: Tensor,
}

impl AcousticBatch {
    /// Pads and stacks features into one batch.
    pub fn collate(items: &[&Features]) -> Result<Self> {
        let Some(first) = items.first() else {
            return Err(Error::arg("cannot make a batch of zero utterances"));
        };
        let n_mels = first.mel.n_mels;
        let b = items.len();
        let l = items.iter().map(|f| f.ids.len()).max().unwrap_or(0).max(1);
        let fr = items.iter().map(|f| f.frames()).max().unwrap_or(0).max(1);
        let mut ids = vec![0i64; b * l];
        let mut mel = vec![MEL_PAD; b * n_mels * fr];
        let mut pitch = vec![0f32; b * fr];
        let mut energy = vec![0f32; b * fr];
        for (k, f) in items.iter().enumerate() {
            if f.mel.n_mels != n_mels {
                return Err(Error::arg(format!("utterances with {} and {} mel bands in one batch", n_mels, f.mel.n_mels)));
            }
            ids[k * l..k * l + f.ids.len()].copy_from_slice(&f.ids);
            for m in 0..n_mels {
                let src = &f.mel.data[m * f.frames()..(m + 1) * f.frames()];
                let dst = (k * n_mels + m) * fr;
                mel[dst..dst + f.frames()].copy_from_slice(src);
            }
            pitch[k * fr..k * fr + f.frames()].copy_from_slice(&f.pitch);
            energy[k * fr..k * fr + f.frames()].copy_from_slice(&f.energy);
        }
        let lens = |v: Vec<i64>| Tensor::from_slice(&v);
        Ok(Self {
            ids: Tensor::from_slice(&ids).view([b as i64, l as i64]),
            id_lens: lens(items.iter().map(|f| f.ids.len() as i64).collect()),
            mel: Tensor::from_slice(&mel).view([b as i64, n_mels as i64, fr as i64]),
            mel_lens: lens(items.iter().map(|f| f.frames() as i64).collect()),
            pitch: Tensor::from_slice(&pitch).view([b as i64, fr as i64]),
            energy: Tensor::from_slice(&energy).view([b as i64, fr as i64]),
        })
    }

    /// The batch on another device.
    pub fn to(&self, device: tch::Device) -> Self {
        Self {
            ids: self.ids.to(device),
            id_lens: self.id_lens.to(device),
            mel: self.mel.to_device(device).to_kind(Kind::Float),
            mel_lens: self.mel_lens.to(device),
            pitch: self.pitch.to(device),
            energy: self.energy.to(device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::Mel;

    fn lengths() -> Vec<usize> {
        (0..100).map(|i| 50 + (i * 37) % 400).collect()
    }

    #[test]
    fn every_item_once_and_buckets_are_tight() {
        let l = lengths();
        let b = BucketBatcher::new(l.clone(), BucketConfig { batch_size: 8, buckets: 5, ..Default::default() }).unwrap();
        let batches = b.epoch(0);
        let mut all: Vec<usize> = batches.iter().flatten().cloned().collect();
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        for batch in &batches {
            assert!(batch.len() <= 8);
            let (lo, hi) = (batch.iter().map(|&i| l[i]).min().unwrap(), batch.iter().map(|&i| l[i]).max().unwrap());
            // 5 buckets over lengths 50..450: a batch spans at most one fifth of the range.
            assert!(hi - lo <= 90, "batch spans {lo}..{hi}");
        }
    }

    #[test]
    fn epochs_are_deterministic_and_differ() {
        let b = BucketBatcher::new(lengths(), BucketConfig::default()).unwrap();
        assert_eq!(b.epoch(3), b.epoch(3));
        assert_ne!(b.epoch(3), b.epoch(4));
    }

    #[test]
    fn frame_budget_is_respected() {
        let l = lengths();
        let b = BucketBatcher::new(l.clone(), BucketConfig { batch_size: 64, max_frames: 1000, buckets: 4, seed: 1 }).unwrap();
        for batch in b.epoch(0) {
            let longest = batch.iter().map(|&i| l[i]).max().unwrap();
            assert!(batch.len() == 1 || batch.len() * longest <= 1000);
        }
    }

    #[test]
    fn collate_pads_and_keeps_values() {
        let f = |frames: usize, n_ids: usize, v: f32| Features {
            mel: Mel { data: vec![v; 2 * frames], n_mels: 2, frames },
            pitch: vec![100.0; frames],
            energy: vec![0.5; frames],
            ids: (1..=n_ids as i64).collect(),
        };
        let (a, b) = (f(3, 2, 1.0), f(5, 4, 2.0));
        let batch = AcousticBatch::collate(&[&a, &b]).unwrap();
        assert_eq!(batch.mel.size(), vec![2, 2, 5]);
        assert_eq!(batch.ids.size(), vec![2, 4]);
        assert_eq!(Vec::<i64>::try_from(&batch.mel_lens).unwrap(), vec![3, 5]);
        assert_eq!(Vec::<i64>::try_from(&batch.ids.get(0)).unwrap(), vec![1, 2, 0, 0]);
        assert_eq!(batch.mel.double_value(&[0, 1, 2]), 1.0);
        assert!((batch.mel.double_value(&[0, 1, 3]) - MEL_PAD as f64).abs() < 1e-6);
        assert_eq!(batch.pitch.double_value(&[0, 4]), 0.0);
        assert!(AcousticBatch::collate(&[]).is_err());
    }
}
