//! Diagonal Gaussians parameterised by mean and log standard deviation (`m`, `logs`, as in
//! VITS): the reparameterisation trick and the closed-form KL divergence of D. P. Kingma and
//! M. Welling, "Auto-encoding variational Bayes", ICLR 2014, with the free-bits floor of
//! D. P. Kingma et al., "Improved variational inference with inverse autoregressive flow",
//! NeurIPS 2016.

use tch::{Kind, Tensor};

/// `m + exp(logs) · ε · temperature` with `ε ~ N(0, I)` of `m`'s shape (`temperature` 0
/// returns the mean). Differentiable in `m` and `logs`.
pub fn reparameterize(m: &Tensor, logs: &Tensor, eps: &Tensor, temperature: f64) -> Tensor {
    if temperature == 0.0 {
        return m.shallow_clone();
    }
    m + logs.exp() * eps * temperature
}

/// Element-wise `KL(N(m_q, e^{2 logs_q}) ‖ N(m_p, e^{2 logs_p}))` in nats.
pub fn kl_divergence(m_q: &Tensor, logs_q: &Tensor, m_p: &Tensor, logs_p: &Tensor) -> Tensor {
    let var_ratio = (logs_q - logs_p).multiply_scalar(2.0).exp();
    let mean_term = (m_q - m_p).square() * (logs_p.multiply_scalar(-2.0)).exp();
    logs_p - logs_q + (var_ratio + mean_term) * 0.5 - 0.5
}

/// The KL term of a batch `[B, C, F]`: per channel the KL in nats per frame averaged over
/// batch and frames, floored at `free_bits`, summed over channels. Returns
/// `(floored, raw)`; the raw one is what the ELBO reports.
pub fn kl_with_free_bits(kl: &Tensor, free_bits: f64) -> (Tensor, Tensor) {
    let per_channel = kl.mean_dim([0i64, 2].as_slice(), false, Kind::Float); // [C]
    let raw = per_channel.sum(Kind::Float);
    let floored = if free_bits > 0.0 { per_channel.clamp_min(free_bits).sum(Kind::Float) } else { raw.shallow_clone() };
    (floored, raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    fn t(v: &[f32]) -> Tensor {
        Tensor::from_slice(v)
    }

    #[test]
    fn kl_equals_the_closed_form() {
        // KL(N(μ1, σ1²) ‖ N(μ2, σ2²)) = ln(σ2/σ1) + (σ1² + (μ1 − μ2)²) / (2σ2²) − 1/2.
        let cases = [(0.0f64, 1.0f64, 1.0f64, 2.0f64), (0.3, 0.5, -1.2, 0.8), (2.0, 1.5, 2.0, 1.5)];
        for (m1, s1, m2, s2) in cases {
            let expected = (s2 / s1).ln() + (s1 * s1 + (m1 - m2).powi(2)) / (2.0 * s2 * s2) - 0.5;
            let got = kl_divergence(&t(&[m1 as f32]), &t(&[s1.ln() as f32]), &t(&[m2 as f32]), &t(&[s2.ln() as f32])).double_value(&[0]);
            assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
        }
        // Against a Monte Carlo estimate E_q[log q − log p].
        tch::manual_seed(0);
        let (m1, s1, m2, s2) = (0.3f64, 0.5f64, -1.2f64, 0.8f64);
        let x = Tensor::randn([400_000], (Kind::Double, Device::Cpu)) * s1 + m1;
        let logq = -((&x - m1).square() / (2.0 * s1 * s1)) - s1.ln();
        let logp = -((&x - m2).square() / (2.0 * s2 * s2)) - s2.ln();
        let mc = (logq - logp).mean(Kind::Double).double_value(&[]);
        let closed = kl_divergence(&t(&[m1 as f32]), &t(&[s1.ln() as f32]), &t(&[m2 as f32]), &t(&[s2.ln() as f32])).double_value(&[0]);
        assert!((mc - closed).abs() < 0.01, "monte carlo {mc} vs {closed}");
        // Zero for identical distributions.
        let z = kl_divergence(&t(&[0.7]), &t(&[0.1]), &t(&[0.7]), &t(&[0.1])).double_value(&[0]);
        assert!(z.abs() < 1e-7);
    }

    #[test]
    fn reparameterised_samples_have_the_right_moments() {
        tch::manual_seed(1);
        let n = 200_000;
        let m = Tensor::full([n], 1.5, (Kind::Float, Device::Cpu));
        let logs = Tensor::full([n], (0.4f64).ln(), (Kind::Float, Device::Cpu));
        let eps = Tensor::randn([n], (Kind::Float, Device::Cpu));
        let z = reparameterize(&m, &logs, &eps, 1.0);
        let (mean, var) = (z.mean(Kind::Double).double_value(&[]), z.var(true).double_value(&[]));
        assert!((mean - 1.5).abs() < 0.01, "mean {mean}");
        assert!((var - 0.16).abs() < 0.005, "variance {var}");
        // Temperature scales the standard deviation; 0 gives the mean exactly.
        let z = reparameterize(&m, &logs, &eps, 0.5);
        assert!((z.var(true).double_value(&[]) - 0.04).abs() < 0.002);
        assert!(reparameterize(&m, &logs, &eps, 0.0).equal(&m));
        // Gradients reach the mean and the log-std.
        let m = Tensor::zeros([4], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let logs = Tensor::zeros([4], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        reparameterize(&m, &logs, &Tensor::ones([4], (Kind::Float, Device::Cpu)), 1.0).sum(Kind::Float).backward();
        assert_eq!(m.grad().sum(Kind::Float).double_value(&[]), 4.0);
        assert_eq!(logs.grad().sum(Kind::Float).double_value(&[]), 4.0);
    }

    #[test]
    fn free_bits_floor_each_channel() {
        // Two channels: 0.01 and 1.0 nats per frame.
        let kl = Tensor::from_slice(&[0.01f32, 0.01, 1.0, 1.0]).view([1, 2, 2]);
        let (floored, raw) = kl_with_free_bits(&kl, 0.1);
        assert!((raw.double_value(&[]) - 1.01).abs() < 1e-6);
        assert!((floored.double_value(&[]) - 1.1).abs() < 1e-6);
        let (same, _) = kl_with_free_bits(&kl, 0.0);
        assert!((same.double_value(&[]) - 1.01).abs() < 1e-6);
    }
}
