//! HiFi-GAN's losses (Kong et al., NeurIPS 2020, eqs. 1–6): least-squares GAN losses
//! (X. Mao et al., "Least squares generative adversarial networks", ICCV 2017), feature
//! matching (weight 2) and mel-spectrogram L1 on the loss mel (weight 45).

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
    fake.iter()
        .map(|f| (&f.score - 1.0).square().mean(Kind::Float))
        .fold(Tensor::from(0f32).to_device(device_of(fake)), |a, b| a + b)
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
}
