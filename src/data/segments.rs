//! Random (audio, mel) training segments for the flow, diffusion and ar vocoders: windows of
//! [`AudioClips`] held in memory, as recorded (WaveGlow and DiffWave apply no level
//! normalisation), each with the mel of the window itself, as at inference
//! (`len / hop` frames).

use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::SeedableRng;
use tch::{Device, Tensor};

use super::clips::AudioClips;
use crate::audio::{MelConfig, MelExtractor};
use crate::error::Result;

/// Training and validation clips and a seeded crop sampler.
pub struct Segments {
    train: AudioClips,
    val: AudioClips,
    mel: MelExtractor,
    mel_config: MelConfig,
    hop: usize,
    rng: StdRng,
}

impl Segments {
    /// Segments of `train` (random crops) and `val` (its first clip), both read into memory.
    pub fn new(train: AudioClips, val: AudioClips, mel: &MelConfig, seed: u64) -> Result<Segments> {
        Ok(Segments {
            train: train.into_memory()?,
            val: val.into_memory()?,
            mel: MelExtractor::new(mel)?,
            mel_config: mel.clone(),
            hop: mel.hop_size,
            rng: StdRng::seed_from_u64(seed),
        })
    }

    /// The dataset in `dir`, with [`AudioClips::open`]'s validation hold-out.
    pub fn open(dir: &Path, mel: &MelConfig, seed: u64) -> Result<Segments> {
        let (train, val) = AudioClips::open(dir, mel.sampling_rate)?;
        Segments::new(train, val, mel, seed)
    }

    /// `paths` for both training and validation (tests, single clips).
    pub fn from_wavs(paths: &[PathBuf], mel: &MelConfig, seed: u64) -> Result<Segments> {
        let clips = AudioClips::from_wavs(paths.to_vec(), mel.sampling_rate)?.into_memory()?;
        Segments::new(clips.clone(), clips, mel, seed)
    }

    /// A batch of `batch` random crops of `frames` mel frames: audio `[B, frames·hop]`,
    /// log-mel `[B, n_mels, frames]`. Short clips are zero-padded.
    pub fn batch(&mut self, batch: usize, frames: usize, device: Device) -> Result<(Tensor, Tensor)> {
        let audio = self.train.random_windows(&mut self.rng, batch, frames * self.hop)?;
        Ok(self.with_mels(audio, batch, frames, device))
    }

    /// A batch of the held-out clips that depends only on `seed`, in [`Segments::batch`]'s
    /// shapes: a validation loss comparable from one validation to the next.
    pub fn val_batch(&self, batch: usize, frames: usize, seed: u64, device: Device) -> Result<(Tensor, Tensor)> {
        let audio = self.val.random_windows(&mut StdRng::seed_from_u64(seed), batch, frames * self.hop)?;
        Ok(self.with_mels(audio, batch, frames, device))
    }

    /// Row-major `[B, frames·hop]` windows and the mel of each.
    fn with_mels(&self, audio: Vec<f32>, batch: usize, frames: usize, device: Device) -> (Tensor, Tensor) {
        let len = frames * self.hop;
        let mels: Vec<Tensor> = audio.chunks(len.max(1)).map(|seg| self.mel.compute(seg).to_tensor()).collect();
        let audio = Tensor::from_slice(&audio).view([batch as i64, len as i64]);
        (audio.to_device(device), Tensor::cat(&mels, 0).to_device(device))
    }

    /// The held-out clips.
    pub fn val(&self) -> &AudioClips {
        &self.val
    }

    /// The mel definition the segments' mels follow.
    pub fn mel_config(&self) -> &MelConfig {
        &self.mel_config
    }

    /// The first validation clip's first `frames` frames (or all of it): a fixed example.
    pub fn first(&self, frames: usize, device: Device) -> Result<(Tensor, Tensor)> {
        let seg = self.val.first_samples(self.hop, frames * self.hop)?;
        Ok((Tensor::from_slice(&seg).unsqueeze(0).to_device(device), self.mel.compute(&seg).to_tensor().to_device(device)))
    }
}
