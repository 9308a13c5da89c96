//! WaveGlow's bias-removal denoiser (reference NVIDIA/waveglow `denoiser.py`): the model's
//! output for an all-zero mel at σ = 0 is its "bias" sound; its magnitude spectrum (one
//! frame) is subtracted, scaled by the strength, from every frame of the output.

use tch::Tensor;

use crate::audio::stft_tch::StftTch;

/// Mel frames of the all-zero input the bias is measured on (as the reference).
pub const BIAS_FRAMES: i64 = 88;

/// A bias spectrum and the STFT it was measured with.
#[derive(Debug)]
pub struct Denoiser {
    stft: StftTch,
    /// `[1, n_freqs, 1]` magnitude of the bias sound's first frame.
    bias_spec: Tensor,
}

impl Denoiser {
    /// `bias_audio`: the vocoder's output `[1, T]` for a zero mel at σ = 0.
    pub fn new(stft: StftTch, bias_audio: &Tensor) -> Denoiser {
        let bias_spec = stft.stft(bias_audio).abs().narrow(2, 0, 1);
        Denoiser { stft, bias_spec }
    }

    /// Subtracts `strength` × the bias magnitude from `audio` `[B, T]`, keeping the phase.
    pub fn apply(&self, audio: &Tensor, strength: f64) -> Tensor {
        let spec = self.stft.stft(audio); // [B, F, frames] complex
        let mag = spec.abs();
        let phase = spec.angle();
        let clean = (&mag - &self.bias_spec * strength).clamp_min(0.0);
        let out = self.stft.istft(&Tensor::polar(&clean, &phase));
        let t = audio.size()[1];
        let len = out.size()[1];
        if len >= t {
            out.narrow(1, 0, t)
        } else {
            out.constant_pad_nd([0, t - len])
        }
    }
}
