//! STFT and its overlap-add inverse in libtorch (differentiable, CPU or CUDA), with the
//! framing convention of docs/ARCHITECTURE.md, "The mel": reflect-pad `(n_fft - hop) / 2`
//! on both sides, frames every `hop` samples with no centring, periodic Hann window →
//! `len / hop` frames.

use tch::{Device, Kind, Tensor};

use super::mel::MelConfig;

/// Forward and inverse STFT with a fixed window.
#[derive(Debug)]
pub struct StftTch {
    pub n_fft: i64,
    pub hop: i64,
    pub pad: i64,
    /// `[n_fft]` analysis window (Hann of `win_size`, centred).
    window: Tensor,
}

impl StftTch {
    pub fn new(cfg: &MelConfig, device: Device) -> Self {
        Self::with_sizes(cfg.n_fft, cfg.hop_size, cfg.win_size, device)
    }

    pub fn with_sizes(n_fft: usize, hop: usize, win: usize, device: Device) -> Self {
        let w = super::stft::hann_window(win, n_fft);
        let n = n_fft as i64;
        Self { n_fft: n, hop: hop as i64, pad: ((n_fft - hop) / 2) as i64, window: Tensor::from_slice(&w).to_device(device) }
    }

    /// `[B, T]` waveform → `[B, n_fft/2 + 1, T / hop]` complex spectrum, in at least float32
    /// precision (cuFFT has no bfloat16, and float16 only for powers of two: half-precision
    /// input from an autocast region is promoted).
    pub fn stft(&self, wav: &Tensor) -> Tensor {
        let wav = if matches!(wav.kind(), Kind::Half | Kind::BFloat16) { wav.to_kind(Kind::Float) } else { wav.shallow_clone() };
        let frames = wav.size()[1] / self.hop;
        let padded = wav.unsqueeze(1).reflection_pad1d([self.pad, self.pad]).squeeze_dim(1); // [B, T + 2p]
        let window = self.window.to_kind(wav.kind());
        padded
            .unfold(-1, self.n_fft, self.hop) // [B, F', n_fft]
            .narrow(1, 0, frames)
            .g_mul(&window)
            .fft_rfft(self.n_fft, -1, "backward") // [B, F, n_freqs]
            .transpose(1, 2)
    }

    /// `[B, n_fft/2 + 1, F]` complex spectrum → `[B, F * hop]` waveform (least-squares
    /// overlap-add inverse of [`Self::stft`]; the "same"-padded ISTFT of Vocos). The
    /// overlap-add is `col2im` (PyTorch's `F.fold`): O(n_fft) per frame.
    pub fn istft(&self, spec: &Tensor) -> Tensor {
        let (b, frames) = (spec.size()[0], spec.size()[2]);
        let window = self.window.to_kind(Kind::Float);
        let frames_t = spec.fft_irfft(self.n_fft, 1, "backward") * window.view([1, self.n_fft, 1]); // [B, n_fft, F]
        let ola = self.overlap_add(&frames_t); // [B, L]
        let env = self.overlap_add(&window.square().view([1, self.n_fft, 1]).expand([1, self.n_fft, frames], false)); // [1, L]
        (ola / env.clamp_min(1e-8)).narrow(1, self.pad, frames * self.hop).view([b, -1])
    }

    /// Sums `[B, n_fft, F]` frames placed every `hop` samples → `[B, (F - 1) * hop + n_fft]`.
    fn overlap_add(&self, frames: &Tensor) -> Tensor {
        let (b, f) = (frames.size()[0], frames.size()[2]);
        let len = (f - 1) * self.hop + self.n_fft;
        frames.col2im([1, len], [1, self.n_fft], [1, 1], [0, 0], [1, self.hop]).view([b, len])
    }
}
