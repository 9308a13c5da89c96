//! Reconstruction terms of the VAE vocoder's ELBO: the multi-resolution STFT loss of
//! R. Yamamoto, E. Song and J.-M. Kim, "Parallel WaveGAN", ICASSP 2020 (spectral convergence
//! plus log-magnitude L1, averaged over resolutions) and the mel L1 of HiFi-GAN on the loss mel.
//! Read as negative log-likelihoods (Laplace for L1, up to constants), they are the
//! decoder's likelihood term.

use tch::{Device, Kind, Tensor};

use crate::audio::stft_tch::StftTch;

/// STFT magnitudes at several resolutions.
#[derive(Debug)]
pub struct MultiResolutionStft {
    stfts: Vec<StftTch>,
}

impl MultiResolutionStft {
    /// `resolutions`: `[n_fft, hop, win]` each.
    pub fn new(resolutions: &[[usize; 3]], device: Device) -> Self {
        Self { stfts: resolutions.iter().map(|&[n, h, w]| StftTch::with_sizes(n, h, w, device)).collect() }
    }

    /// `(spectral convergence, log-magnitude L1)` between `[B, T]` signals, each averaged
    /// over the resolutions.
    pub fn forward(&self, y: &Tensor, y_hat: &Tensor) -> (Tensor, Tensor) {
        let mag = |s: &StftTch, x: &Tensor| s.stft(x).abs().clamp_min(1e-7); // [B, n_freqs, F]
        let mut sc = Tensor::from(0f32).to_device(y.device());
        let mut lm = Tensor::from(0f32).to_device(y.device());
        for s in &self.stfts {
            let (a, b) = (mag(s, y), mag(s, y_hat));
            sc = sc + (&a - &b).square().sum(Kind::Float).sqrt() / a.square().sum(Kind::Float).sqrt().clamp_min(1e-7);
            lm = lm + (a.log() - b.log()).abs().mean(Kind::Float);
        }
        let n = self.stfts.len().max(1) as f64;
        (sc / n, lm / n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_for_identical_signals_and_positive_otherwise() {
        tch::manual_seed(0);
        let m = MultiResolutionStft::new(&[[512, 128, 512], [256, 64, 128]], Device::Cpu);
        let y = Tensor::randn([2, 2048], (Kind::Float, Device::Cpu));
        let (sc, lm) = m.forward(&y, &y);
        assert!(sc.double_value(&[]) < 1e-6 && lm.double_value(&[]) < 1e-6);
        let (sc, lm) = m.forward(&y, &(&y * 0.5));
        // Halving the signal: SC = 0.5 exactly, log-magnitude error = ln 2.
        assert!((sc.double_value(&[]) - 0.5).abs() < 1e-4);
        assert!((lm.double_value(&[]) - 2f64.ln()).abs() < 1e-3);
    }
}
