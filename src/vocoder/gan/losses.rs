//! HiFi-GAN's losses (Kong et al., NeurIPS 2020, eqs. 1–6): least-squares GAN losses
//! (X. Mao et al., "Least squares generative adversarial networks", ICCV 2017), feature
//! matching (weight 2) and mel-spectrogram L1 on the loss mel (weight 45); and the
//! multi-resolution STFT loss of Parallel WaveGAN (R. Yamamoto, E. Song and J.-M. Kim, ICASSP
//! 2020, §2.3: spectral convergence + log-magnitude L1 at three resolutions) for the
//! reconstruction-only warm-up.

use tch::{Kind, Tensor};

use super::discriminators::DiscOutput;

/// Weight of the feature-matching loss (λ_fm).
pub const LAMBDA_FM: f64 = 2.0;
/// Weight of the mel L1 loss (λ_mel).
pub const LAMBDA_MEL: f64 = 45.0;

/// Discriminator loss `Σ_k E[(D_k(x) − 1)²] + E[D_k(G(s))²]`.
pub fn discriminator_loss(real: &[DiscOutput], fake: &[DiscOutput]) -> Tensor {
    real.iter()
        .zip(fake)
        .map(|(r, f)| (&r.score - 1.0).square().mean(Kind::Float) + f.score.square().mean(Kind::Float))
        .fold(Tensor::from(0f32).to_device(device_of(real)), |a, b| a + b)
}

/// Generator adversarial loss `Σ_k E[(D_k(G(s)) − 1)²]`.
pub fn generator_loss(fake: &[DiscOutput]) -> Tensor {
    fake.iter().map(|f| (&f.score - 1.0).square().mean(Kind::Float)).fold(Tensor::from(0f32).to_device(device_of(fake)), |a, b| a + b)
}

/// Feature matching `λ_fm · Σ_k Σ_layers E|D_k^l(x) − D_k^l(G(s))|` (real maps detached).
pub fn feature_loss(real: &[DiscOutput], fake: &[DiscOutput]) -> Tensor {
    let mut total = Tensor::from(0f32).to_device(device_of(real));
    for (r, f) in real.iter().zip(fake) {
        for (a, b) in r.fmaps.iter().zip(&f.fmaps) {
            total = total + (a.detach() - b).abs().mean(Kind::Float);
        }
    }
    total * LAMBDA_FM
}

/// Mel L1 `E|mel(x) − mel(G(s))|` (unweighted; the caller multiplies by [`LAMBDA_MEL`]).
pub fn mel_l1(mel_real: &Tensor, mel_fake: &Tensor) -> Tensor {
    (mel_real - mel_fake).abs().mean(Kind::Float)
}

/// Parallel WaveGAN's resolutions: (FFT size, hop, window).
pub const STFT_RESOLUTIONS: [(usize, usize, usize); 3] = [(1024, 120, 600), (2048, 240, 1200), (512, 50, 240)];

/// The multi-resolution STFT loss `Σ_m (L_sc + L_mag) / M`.
#[derive(Debug)]
pub struct MultiResolutionStftLoss {
    stfts: Vec<crate::audio::stft_tch::StftTch>,
}

impl MultiResolutionStftLoss {
    pub fn new(device: tch::Device) -> Self {
        Self { stfts: STFT_RESOLUTIONS.iter().map(|&(n, h, w)| crate::audio::stft_tch::StftTch::with_sizes(n, h, w, device)).collect() }
    }

    /// `y`, `y_hat`: `[B, T]` (T ≥ every FFT size). Spectral convergence
    /// `‖|S| − |Ŝ|‖_F / ‖|S|‖_F` plus `E|log |S| − log |Ŝ||`, averaged over resolutions.
    pub fn forward(&self, y: &Tensor, y_hat: &Tensor) -> Tensor {
        let mag = |s: &Tensor| (s.abs().square() + 1e-7).sqrt();
        let mut total = Tensor::from(0f32).to_device(y.device());
        for stft in &self.stfts {
            let (s, s_hat) = (mag(&tch::no_grad(|| stft.stft(y))), mag(&stft.stft(y_hat)));
            let sc = (&s - &s_hat).square().sum(Kind::Float).sqrt() / s.square().sum(Kind::Float).sqrt().clamp_min(1e-9);
            let log_mag = (s.log() - s_hat.log()).abs().mean(Kind::Float);
            total = total + sc + log_mag;
        }
        total / self.stfts.len() as f64
    }
}

fn device_of(outs: &[DiscOutput]) -> tch::Device {
    outs.first().map_or(tch::Device::Cpu, |o| o.score.device())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    fn out(score: &[f32], fmap: &[f32]) -> DiscOutput {
        DiscOutput { score: Tensor::from_slice(score).view([1, -1]), fmaps: vec![Tensor::from_slice(fmap).view([1, -1])] }
    }

    #[test]
    fn least_squares_and_feature_matching_values() {
        let real = [out(&[1.0, 0.0], &[1.0, 2.0]), out(&[0.5], &[0.0])];
        let fake = [out(&[0.0, 1.0], &[1.0, 0.0]), out(&[0.5], &[3.0])];
        // D: (0 + 1)/2 + (0 + 1)/2 = 1 for the first, 0.25 + 0.25 for the second.
        assert!((discriminator_loss(&real, &fake).double_value(&[]) - 1.5).abs() < 1e-6);
        // G: mean((1 - [0, 1])²) = 0.5, (1 - 0.5)² = 0.25.
        assert!((generator_loss(&fake).double_value(&[]) - 0.75).abs() < 1e-6);
        // FM: 2 · (mean(|0|, |2|) + |−3|) = 2 · 4 = 8.
        assert!((feature_loss(&real, &fake).double_value(&[]) - 8.0).abs() < 1e-6);
        let a = Tensor::ones([1, 2, 2], (Kind::Float, Device::Cpu));
        assert!((mel_l1(&a, &(a.zeros_like())).double_value(&[]) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn stft_loss_is_zero_for_the_same_signal_and_grows_with_the_error() {
        let loss = MultiResolutionStftLoss::new(Device::Cpu);
        // Noise: every bin well above the loss's epsilon (whatever the draw).
        let y = Tensor::randn([1, 4800], (Kind::Float, Device::Cpu)) * 0.3;
        assert!(loss.forward(&y, &y).double_value(&[]) < 1e-6);
        let small = loss.forward(&y, &(&y * 0.9)).double_value(&[]);
        let large = loss.forward(&y, &(&y * 0.5)).double_value(&[]);
        // A gain g gives spectral convergence |1 − g| and log-magnitude |ln g| at every bin.
        let expected = |g: f64| (1.0 - g) + (-g.ln());
        assert!((small - expected(0.9)).abs() < 0.02, "{small} vs {}", expected(0.9));
        assert!(large > small && (large - expected(0.5)).abs() < 0.05, "{large}");
    }
}
