//! Learning-rate schedules: a factor applied to the optimiser's base learning rate.

use serde::{Deserialize, Serialize};

/// Multiplier of the base learning rate as a function of the step (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LrSchedule {
    /// Always 1.
    #[default]
    Constant,
    /// `gamma^(step / every)`: HiFi-GAN's per-epoch decay when `every` = steps per epoch.
    Exponential { gamma: f64, every: u64 },
    /// Linear warm-up to 1 over `warmup` steps, then cosine down to `min_ratio` at `total`.
    WarmupCosine { warmup: u64, total: u64, min_ratio: f64 },
    /// Transformer schedule: `min(step / warmup, sqrt(warmup / step))` (peak 1 at `warmup`).
    Noam { warmup: u64 },
}

impl LrSchedule {
    pub fn factor(&self, step: u64) -> f64 {
        let s = step.max(1) as f64;
        match *self {
            LrSchedule::Constant => 1.0,
            LrSchedule::Exponential { gamma, every } => gamma.powf((step / every.max(1)) as f64),
            LrSchedule::WarmupCosine { warmup, total, min_ratio } => {
                if step < warmup {
                    s / warmup as f64
                } else {
                    let span = total.saturating_sub(warmup).max(1) as f64;
                    let p = ((step - warmup) as f64 / span).min(1.0);
                    min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + (std::f64::consts::PI * p).cos())
                }
            }
            LrSchedule::Noam { warmup } => {
                let w = warmup.max(1) as f64;
                (s / w).min((w / s).sqrt())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_have_their_shapes() {
        assert_eq!(LrSchedule::Constant.factor(10), 1.0);
        let e = LrSchedule::Exponential { gamma: 0.5, every: 10 };
        assert_eq!(e.factor(9), 1.0);
        assert_eq!(e.factor(20), 0.25);
        let c = LrSchedule::WarmupCosine { warmup: 10, total: 110, min_ratio: 0.1 };
        assert!((c.factor(5) - 0.5).abs() < 1e-12);
        assert!((c.factor(10) - 1.0).abs() < 1e-12);
        assert!((c.factor(60) - 0.55).abs() < 1e-12);
        assert!((c.factor(500) - 0.1).abs() < 1e-12);
        let n = LrSchedule::Noam { warmup: 100 };
        assert!((n.factor(50) - 0.5).abs() < 1e-12 && (n.factor(100) - 1.0).abs() < 1e-12 && (n.factor(400) - 0.5).abs() < 1e-12);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<LrSchedule>(&json).unwrap(), e);
    }
}
