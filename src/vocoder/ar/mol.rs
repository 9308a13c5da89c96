//! Discretised mixture of logistics (MOL): the loss and the sampler of WaveRNN's MOL mode.
//!
//! T. Salimans et al., "PixelCNN++", ICLR 2017, as adapted to audio by the reference
//! WaveRNN / wavenet_vocoder (`discretized_mix_logistic_loss`,
//! `sample_from_discretized_mix_logistic`): the network's 3·K outputs per step are K
//! mixture logits, K means and K log-scales; targets in [-1, 1] are discretised to
//! 65 536 levels, the edge bins take the tails of the distribution.
//!
//! Sampling takes its randomness as two uniforms per step (one picks the component by
//! inverse CDF — the same distribution as the reference's Gumbel-max — the other draws
//! the logistic by inverse CDF), so the tch and the plain-Rust samplers give identical
//! samples for identical noise.

use tch::{Kind, Tensor};

/// The reference's lower bound on log-scales: ln(1e-14).
pub const LOG_SCALE_MIN: f64 = -32.236_191_301_916_64;
/// Discretisation levels of the target (16-bit audio).
pub const NUM_CLASSES: f64 = 65_536.0;

/// Negative log-likelihood, averaged over every step. `y_hat`: `[B, T, 3K]`, `y`: `[B, T]`
/// in [-1, 1].
pub fn loss(y_hat: &Tensor, y: &Tensor) -> Tensor {
    let k = y_hat.size()[2] / 3;
    let logit_probs = y_hat.narrow(2, 0, k); // [B, T, K]
    let means = y_hat.narrow(2, k, k);
    let log_scales = y_hat.narrow(2, 2 * k, k).clamp_min(LOG_SCALE_MIN);
    let y = y.unsqueeze(-1).expand_as(&means); // [B, T, K]
    let centered = &y - &means;
    let inv_stdv = (-&log_scales).exp();
    let half_bin = 1.0 / (NUM_CLASSES - 1.0);
    let plus_in = &inv_stdv * (&centered + half_bin);
    let min_in = &inv_stdv * (&centered - half_bin);
    let cdf_delta = plus_in.sigmoid() - min_in.sigmoid();
    let log_cdf_plus = &plus_in - plus_in.softplus(); // log σ(plus_in): the left edge bin
    let log_one_minus_cdf_min = -min_in.softplus(); // log(1 − σ(min_in)): the right edge bin
    let mid_in = &inv_stdv * &centered;
    // Far in the tails the bin's mass underflows; use the density at the bin's centre.
    let log_pdf_mid = &mid_in - &log_scales - 2.0 * mid_in.softplus() - ((NUM_CLASSES - 1.0) / 2.0).ln();
    let interior = cdf_delta.clamp_min(1e-12).log().where_self(&cdf_delta.gt(1e-5), &log_pdf_mid);
    let upper = log_one_minus_cdf_min.where_self(&y.gt(0.999), &interior);
    let log_probs = log_cdf_plus.where_self(&y.lt(-0.999), &upper) + logit_probs.log_softmax(-1, Kind::Float);
    -log_probs.logsumexp([-1i64].as_slice(), false).mean(Kind::Float)
}

/// Samples `[B]` values in [-1, 1] from `[B, 3K]` parameters with `u`: `[B, 2]` uniforms in (0, 1).
pub fn sample_tch(params: &Tensor, u: &Tensor) -> Tensor {
    let out = Tensor::zeros([params.size()[0], 1], (Kind::Float, params.device()));
    sample_tch_into(params, &u.narrow(1, 0, 1).contiguous(), &logistic_noise(&u.narrow(1, 1, 1)), &out);
    out.squeeze_dim(1)
}

/// Standard logistic noise from uniforms in (0, 1), any shape (computed ahead for many steps).
pub fn logistic_noise(u2: &Tensor) -> Tensor {
    let u2 = u2.clamp(1e-5, 1.0 - 1e-5);
    u2.log() - (-&u2 + 1.0).log()
}

/// [`sample_tch`] with the component uniform `u1` `[B, 1]` and the logistic noise `[B, 1]`
/// given, written into `out` `[B, 1]`: eight kernels, for the GPU's sampling loop.
///
/// One `gather` on the `[B, 3, K]` view fetches the chosen component's logit, mean and
/// log-scale. The log-scale is not clamped at [`LOG_SCALE_MIN`] as in [`sample`]: below it
/// the scale term is under 2·10⁻¹³ either way (|logistic| ≤ 11.6), far below 16-bit audio.
pub fn sample_tch_into(params: &Tensor, u1: &Tensor, logistic: &Tensor, out: &Tensor) {
    let (b, k) = (params.size()[0], params.size()[1] / 3);
    let idx = pick_by_cdf(&params.narrow(1, 0, k).softmax(-1, Kind::Float), u1); // [B, 1]
    let chosen = params.view([b, 3, k]).gather(2, &idx.unsqueeze(1).expand([b, 3, 1], false), false); // [B, 3, 1]
    let scaled = chosen.select(1, 1).addcmul(&chosen.select(1, 2).exp(), logistic); // mean + e^log_scale · noise
    let _ = scaled.clamp_out(out, -1.0, 1.0);
}

/// Index of the first class whose cumulative probability exceeds `u` (`[B, 1]`) → `[B, 1]`.
pub fn pick_by_cdf(probs: &Tensor, u: &Tensor) -> Tensor {
    let n = probs.size()[1];
    // The number of cumulative probabilities <= u; rounding can leave the last below u.
    u.searchsorted(&probs.cumsum(1, Kind::Float), false, true, "right", None::<Tensor>).clamp_max(n - 1)
}

/// The same sampler on one step's parameters `p` (3K values) in plain Rust.
pub fn sample(p: &[f32], u1: f32, u2: f32) -> f32 {
    let k = p.len() / 3;
    let logits = &p[..k];
    let max = logits.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut e = [0f32; 64];
    let mut sum = 0.0;
    for (ei, &l) in e.iter_mut().zip(logits) {
        *ei = (l - max).exp();
        sum += *ei;
    }
    let idx = pick(&e[..k], sum, u1);
    let log_scale = p[2 * k + idx].max(LOG_SCALE_MIN as f32);
    let u2 = u2.clamp(1e-5, 1.0 - 1e-5);
    (p[k + idx] + log_scale.exp() * (u2.ln() - (1.0 - u2).ln())).clamp(-1.0, 1.0)
}

/// Inverse-CDF choice over unnormalised weights `w` with total `sum`: the number of
/// cumulative probabilities `<= u`, at most `w.len() - 1`.
pub fn pick(w: &[f32], sum: f32, u: f32) -> usize {
    let inv = 1.0 / sum;
    let mut cdf = 0.0f32;
    let mut n = 0;
    for &wi in w {
        cdf += wi * inv;
        n += (cdf <= u) as usize;
    }
    n.min(w.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_is_lower_at_the_mean() {
        // One component centred at 0.3 with a small scale.
        let mut p = vec![0f32; 30];
        p[0] = 10.0;
        p[10] = 0.3;
        p[20] = -6.0;
        let y_hat = Tensor::from_slice(&p).view([1, 1, 30]);
        let at = |v: f32| loss(&y_hat, &Tensor::from_slice(&[v]).view([1, 1])).double_value(&[]);
        assert!(at(0.3) < at(0.0));
        assert!(at(0.3) < at(0.6));
        assert!(at(-1.0).is_finite() && at(1.0).is_finite());
    }

    #[test]
    fn rust_and_tch_samplers_agree() {
        tch::manual_seed(3);
        let params = Tensor::randn([16, 30], (Kind::Float, tch::Device::Cpu));
        let u = Tensor::rand([16, 2], (Kind::Float, tch::Device::Cpu));
        let t = Vec::<f32>::try_from(sample_tch(&params, &u)).unwrap();
        let pv = Vec::<f32>::try_from(params.flatten(0, -1)).unwrap();
        let uv = Vec::<f32>::try_from(u.flatten(0, -1)).unwrap();
        for b in 0..16 {
            let r = sample(&pv[b * 30..(b + 1) * 30], uv[2 * b], uv[2 * b + 1]);
            assert!((r - t[b]).abs() < 1e-4, "row {b}: rust {r} vs tch {}", t[b]);
        }
    }
}
