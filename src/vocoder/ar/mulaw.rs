//! μ-law companding and class labels for WaveRNN's RAW mode (ITU-T G.711 μ-law with
//! μ = classes − 1, as in the reference WaveRNN's `encode_mu_law`/`decode_mu_law`).

/// Compands `x` in [-1, 1] and quantises it to a class in `0..classes`.
pub fn encode(x: f32, classes: usize) -> usize {
    let mu = (classes - 1) as f32;
    let x = x.clamp(-1.0, 1.0);
    let fx = x.signum() * (mu * x.abs()).ln_1p() / mu.ln_1p();
    (((fx + 1.0) / 2.0 * mu + 0.5).floor() as usize).min(classes - 1)
}

/// Expands a class back to a sample in [-1, 1].
pub fn decode(label: usize, classes: usize) -> f32 {
    expand(label_to_float(label, classes), classes)
}

/// Expands a companded value `y` in [-1, 1] (μ-law inverse).
pub fn expand(y: f32, classes: usize) -> f32 {
    let mu = (classes - 1) as f32;
    y.signum() / mu * ((1.0 + mu).powf(y.abs()) - 1.0)
}

/// Class → evenly spaced value in [-1, 1] (the reference's `label_2_float`).
pub fn label_to_float(label: usize, classes: usize) -> f32 {
    2.0 * label as f32 / (classes - 1) as f32 - 1.0
}

/// Value in [-1, 1] → nearest evenly spaced class, without companding.
pub fn float_to_label(x: f32, classes: usize) -> usize {
    let m = (classes - 1) as f32;
    ((x.clamp(-1.0, 1.0) + 1.0) * m / 2.0).round() as usize
}

/// Labels of a whole signal: μ-law when `mu_law`, else linear.
pub fn labels(samples: &[f32], classes: usize, mu_law: bool) -> Vec<i64> {
    samples.iter().map(|&x| if mu_law { encode(x, classes) } else { float_to_label(x, classes) } as i64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_zero() {
        for classes in [512, 1024] {
            assert_eq!(encode(-1.0, classes), 0);
            assert_eq!(encode(1.0, classes), classes - 1);
            assert!((decode(encode(0.0, classes), classes)).abs() < 1e-3);
            assert_eq!(float_to_label(label_to_float(7, classes), classes), 7);
        }
    }
}
