//! What every vocoder trains on: random windows of a dataset's clips ([`AudioClips`], with
//! the family's [`Level`]) and the mel of each window, computed on the training device by
//! [`MelTch`] as at inference (`len / hop` frames), with the one validation hold-out of
//! [`holdout`](super::clips::holdout).

use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::SeedableRng;
use tch::{Device, Tensor};

use super::clips::{AudioClips, Level};
use crate::audio::mel_tch::MelTch;
use crate::audio::MelConfig;
use crate::error::Result;

/// Training and validation clips, a seeded crop sampler and the voice's mel on the device.
pub struct Segments {
    train: AudioClips,
    val: AudioClips,
    mel: MelTch,
    hop: usize,
    device: Device,
    rng: StdRng,
}

impl Segments {
    /// Segments of `train` (random crops) and `val` (held out), both levelled by `level`.
    pub fn new(train: AudioClips, val: AudioClips, mel: &MelConfig, level: Level, seed: u64, device: Device) -> Result<Segments> {
        Ok(Segments {
            train: train.levelled(level),
            val: val.levelled(level),
            mel: MelTch::new(mel, device)?,
            hop: mel.hop_size,
            device,
            rng: StdRng::seed_from_u64(seed),
        })
    }

    /// The dataset in `dir` at the mel's rate, with [`AudioClips::open`]'s hold-out.
    pub fn open(dir: &Path, mel: &MelConfig, level: Level, seed: u64, device: Device) -> Result<Segments> {
        let (train, val) = AudioClips::open(dir, mel.sampling_rate)?;
        Segments::new(train, val, mel, level, seed, device)
    }

    /// `paths`, held in memory, for both training and validation (tests, single clips).
    pub fn from_wavs(paths: &[PathBuf], mel: &MelConfig, level: Level, seed: u64, device: Device) -> Result<Segments> {
        let clips = AudioClips::from_wavs(paths.to_vec(), mel.sampling_rate)?.into_memory()?;
        Segments::new(clips.clone(), clips, mel, level, seed, device)
    }

    /// `clips` (already in memory) for both training and validation.
    pub fn from_clips(clips: AudioClips, mel: &MelConfig, level: Level, seed: u64, device: Device) -> Result<Segments> {
        Segments::new(clips.clone(), clips, mel, level, seed, device)
    }

    /// `batch` random training windows of `samples` samples: `[B, samples]` on the device.
    pub fn audio(&mut self, batch: usize, samples: usize) -> Result<Tensor> {
        self.train.random_batch(&mut self.rng, batch, samples, self.device)
    }

    /// `batch` random training windows of `frames` mel frames: audio `[B, frames·hop]` and
    /// its log-mel `[B, n_mels, frames]`, on the device. Short clips are zero-padded.
    pub fn batch(&mut self, batch: usize, frames: usize) -> Result<(Tensor, Tensor)> {
        let audio = self.audio(batch, frames * self.hop)?;
        Ok(self.with_mel(audio))
    }

    /// A batch of the held-out clips that depends only on `seed`, in [`Segments::batch`]'s
    /// shapes: a validation loss comparable from one validation to the next.
    pub fn val_batch(&self, batch: usize, frames: usize, seed: u64) -> Result<(Tensor, Tensor)> {
        let audio = self.val.random_batch(&mut StdRng::seed_from_u64(seed), batch, frames * self.hop, self.device)?;
        Ok(self.with_mel(audio))
    }

    /// The first held-out clip's first `frames` frames (or all of it): a fixed example, as
    /// [`Segments::batch`]'s shapes with `B = 1`.
    pub fn first(&self, frames: usize) -> Result<(Tensor, Tensor)> {
        let audio = self.val.first_clip(self.hop, frames * self.hop, self.device)?;
        Ok(self.with_mel(audio))
    }

    /// Audio `[B, T]` and its log-mel `[B, n_mels, T / hop]` (no gradient).
    fn with_mel(&self, audio: Tensor) -> (Tensor, Tensor) {
        let mel = tch::no_grad(|| self.mel.forward(&audio));
        (audio, mel)
    }

    /// The held-out clips.
    pub fn val(&self) -> &AudioClips {
        &self.val
    }

    /// The voice's mel on the training device.
    pub fn mel(&self) -> &MelTch {
        &self.mel
    }

    /// The mel definition the segments' mels follow.
    pub fn mel_config(&self) -> &MelConfig {
        self.mel.config()
    }

    pub fn device(&self) -> Device {
        self.device
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::MelExtractor;

    fn ramp_clips() -> AudioClips {
        let tone = |f: f32, n: usize| (0..n).map(|i| 0.3 * (i as f32 * f).sin()).collect::<Vec<f32>>();
        AudioClips::from_samples(vec![tone(0.05, 9000), tone(0.11, 3000)], 22050).unwrap()
    }

    #[test]
    fn batches_are_seeded_windows_with_the_mel_of_their_audio() {
        let mel = MelConfig::default();
        let mut a = Segments::from_clips(ramp_clips(), &mel, Level::AsRecorded, 3, Device::Cpu).unwrap();
        let mut b = Segments::from_clips(ramp_clips(), &mel, Level::AsRecorded, 3, Device::Cpu).unwrap();
        let (audio, m) = a.batch(4, 8).unwrap();
        assert_eq!(audio.size(), [4, 8 * 256]);
        assert_eq!(m.size(), [4, 80, 8]);
        assert!(audio.equal(&b.batch(4, 8).unwrap().0), "the same seed gives the same windows");
        // The device mel is the voice's mel (the rustfft extractor users' mels come from).
        let row: Vec<f32> = Vec::try_from(audio.get(0)).unwrap();
        let want = MelExtractor::new(&mel).unwrap().compute(&row).to_tensor().squeeze_dim(0);
        let worst = (m.get(0) - want).abs().max().double_value(&[]);
        assert!(worst < 5e-3, "segment mel differs from the mel of its audio by {worst}");
        // Validation batches depend on their seed only; the fixed example is the first clip.
        assert!(a.val_batch(2, 4, 9).unwrap().0.equal(&b.val_batch(2, 4, 9).unwrap().0));
        let (first, first_mel) = a.first(100).unwrap();
        assert_eq!(first.size(), [1, 8960]);
        assert_eq!(first_mel.size(), [1, 80, 35]);
    }

    #[test]
    fn the_level_follows_the_family() {
        let mel = MelConfig::default();
        let mut peak = Segments::from_clips(ramp_clips(), &mel, Level::PeakNormalised, 0, Device::Cpu).unwrap();
        let mut raw = Segments::from_clips(ramp_clips(), &mel, Level::AsRecorded, 0, Device::Cpu).unwrap();
        let top = |t: Tensor| t.abs().max().double_value(&[]);
        assert!((top(peak.audio(8, 2048).unwrap()) - 0.95).abs() < 5e-3);
        assert!((top(raw.audio(8, 2048).unwrap()) - 0.3).abs() < 5e-3);
    }
}
