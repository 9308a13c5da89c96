//! DiffWave's noise schedules and the fast-sampling alignment of continuous steps
//! (Kong et al., ICLR 2021, section 4 and appendix B).
//!
//! Training uses T steps with β linear (BASE: 1e-4 .. 0.05, T = 50). Sampling may use a
//! different, shorter schedule η_1..η_S: each inference step s is given the continuous
//! diffusion step t_s whose training noise level matches it,
//! `t_s = t + (√ᾱ_t − √η̄_s) / (√ᾱ_t − √ᾱ_{t+1})` for `η̄_s ∈ [ᾱ_{t+1}, ᾱ_t]`, and the network
//! reads its step embedding interpolated at t_s.

use crate::error::{Error, Result};

/// A noise schedule β with its derived α = 1 − β and ᾱ = ∏ α.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub beta: Vec<f64>,
    pub alpha: Vec<f64>,
    pub alpha_cum: Vec<f64>,
}

impl Schedule {
    pub fn new(beta: &[f64]) -> Schedule {
        let alpha: Vec<f64> = beta.iter().map(|b| 1.0 - b).collect();
        let alpha_cum = alpha
            .iter()
            .scan(1.0, |acc, a| {
                *acc *= a;
                Some(*acc)
            })
            .collect();
        Schedule { beta: beta.to_vec(), alpha, alpha_cum }
    }

    /// A schedule given by its cumulative products ᾱ (decreasing, in (0, 1)).
    pub fn from_alpha_cum(alpha_cum: &[f64]) -> Schedule {
        let beta: Vec<f64> = alpha_cum.iter().enumerate().map(|(i, a)| 1.0 - a / if i == 0 { 1.0 } else { alpha_cum[i - 1] }).collect();
        Schedule::new(&beta)
    }

    pub fn len(&self) -> usize {
        self.beta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.beta.is_empty()
    }

    /// √ᾱ at a continuous training step `t` ∈ [0, T−1], linear in √ᾱ between integer
    /// steps (the inverse of the alignment formula).
    pub fn sqrt_alpha_cum_at(&self, t: f64) -> f64 {
        let last = (self.len() - 1) as f64;
        let t = t.clamp(0.0, last);
        let lo = t.floor() as usize;
        let hi = (lo + 1).min(self.len() - 1);
        let frac = t - lo as f64;
        let (a, b) = (self.alpha_cum[lo].sqrt(), self.alpha_cum[hi].sqrt());
        a + (b - a) * frac
    }
}

/// The continuous training step aligned with each step of `infer` (reference
/// `inference.py`). Noise levels outside the training range are clamped to its ends.
pub fn aligned_steps(train: &Schedule, infer: &Schedule) -> Vec<f64> {
    let t_max = train.len() - 1;
    infer
        .alpha_cum
        .iter()
        .map(|&a| {
            let s = a.sqrt();
            if a >= train.alpha_cum[0] {
                return 0.0;
            }
            (0..t_max)
                .find(|&t| train.alpha_cum[t + 1] <= a && a <= train.alpha_cum[t])
                .map(|t| {
                    let (hi, lo) = (train.alpha_cum[t].sqrt(), train.alpha_cum[t + 1].sqrt());
                    t as f64 + (hi - s) / (hi - lo)
                })
                .unwrap_or(t_max as f64)
        })
        .collect()
}

/// Everything the sampler needs: the inference schedule and the step fed to the network
/// at each of its steps.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingPlan {
    pub schedule: Schedule,
    /// Continuous diffusion step per inference step (index 0 = least noisy).
    pub t: Vec<f64>,
}

/// The most steps `--steps` accepts (the mapping works for any count; beyond this it is
/// only slower).
pub const MAX_STEPS: usize = 1000;

/// The sampling plan for `steps` reverse steps:
/// - the fast schedule's length (6 by default) → the paper's fast schedule;
/// - T (50 for BASE) → the training schedule itself;
/// - any other count N → N noise levels at evenly spaced continuous steps
///   t_s = s·(T−1)/(N−1) of the training schedule, so that N = T gives back the training
///   schedule and the alignment maps each level to exactly t_s.
pub fn plan(noise_schedule: &[f64], inference_noise_schedule: &[f64], steps: usize) -> Result<SamplingPlan> {
    if steps == 0 || steps > MAX_STEPS {
        return Err(Error::arg(format!("--steps {steps} is out of range; use 1 to {MAX_STEPS} (6 = fast schedule, {} = full)", noise_schedule.len())));
    }
    let train = Schedule::new(noise_schedule);
    let schedule = if steps == inference_noise_schedule.len() {
        Schedule::new(inference_noise_schedule)
    } else if steps == train.len() {
        train.clone()
    } else {
        let last = (train.len() - 1) as f64;
        let ts: Vec<f64> = if steps == 1 { vec![last] } else { (0..steps).map(|s| last * s as f64 / (steps - 1) as f64).collect() };
        let alpha_cum: Vec<f64> = ts.iter().map(|&t| train.sqrt_alpha_cum_at(t).powi(2)).collect();
        Schedule::from_alpha_cum(&alpha_cum)
    };
    let t = aligned_steps(&train, &schedule);
    Ok(SamplingPlan { schedule, t })
}

/// The coefficients of reverse step `n` (ε-parameterisation, DDPM eq. 11):
/// `x ← c1 (x − c2 ε) + σ z`, with σ = 0 at the last step (n = 0).
pub fn reverse_coefficients(s: &Schedule, n: usize) -> (f64, f64, f64) {
    let c1 = 1.0 / s.alpha[n].sqrt();
    let c2 = s.beta[n] / (1.0 - s.alpha_cum[n]).sqrt();
    let sigma = if n > 0 { ((1.0 - s.alpha_cum[n - 1]) / (1.0 - s.alpha_cum[n]) * s.beta[n]).sqrt() } else { 0.0 };
    (c1, c2, sigma)
}
