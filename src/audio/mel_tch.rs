//! The log-mel of docs/ARCHITECTURE.md ("The mel") in libtorch: differentiable, batched, on
//! CPU or CUDA.
//! Used by training losses and by Griffin-Lim; a test holds it equal to the rustfft
//! version and to librosa.

use tch::{Device, Kind, Tensor};

use super::mel::{mel_filterbank, MelConfig};
use super::stft_tch::StftTch;
use crate::error::Result;

/// Log-mel spectrogram module.
#[derive(Debug)]
pub struct MelTch {
    cfg: MelConfig,
    stft: StftTch,
    /// `[n_mels, n_freqs]` Slaney filterbank.
    fb: Tensor,
}

impl MelTch {
    pub fn new(cfg: &MelConfig, device: Device) -> Result<Self> {
        cfg.validate()?;
        let fb = Tensor::from_slice(&mel_filterbank(cfg)).view([cfg.num_mels as i64, cfg.n_freqs() as i64]).to_device(device);
        Ok(Self { cfg: cfg.clone(), stft: StftTch::new(cfg, device), fb })
    }

    pub fn config(&self) -> &MelConfig {
        &self.cfg
    }

    pub fn stft(&self) -> &StftTch {
        &self.stft
    }

    /// `[n_mels, n_freqs]` filterbank.
    pub fn filterbank(&self) -> &Tensor {
        &self.fb
    }

    /// `[B, T]` waveform → `[B, n_freqs, T / hop]` magnitude `sqrt(re² + im² + 1e-9)`.
    pub fn magnitude(&self, wav: &Tensor) -> Tensor {
        let spec = self.stft.stft(&wav.to_kind(Kind::Float));
        (spec.view_as_real().square().sum_dim_intlist(-1, false, Kind::Float) + 1e-9).sqrt()
    }

    /// `[B, T]` waveform → `[B, n_mels, T / hop]` log-mel `ln(max(fb · |X|, 1e-5))`.
    pub fn forward(&self, wav: &Tensor) -> Tensor {
        self.fb.matmul(&self.magnitude(wav)).clamp_min(1e-5).log()
    }
}
