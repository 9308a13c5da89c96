//! Anchors of a MUSHRA test (ITU-R BS.1534-3, §5.1): the reference low-pass filtered at
//! 3.5 kHz (the mandatory low anchor) and optionally at 7 kHz (the mid anchor).
//!
//! The filter is a linear-phase windowed-sinc FIR (Blackman window, ≈ 300 Hz transition,
//! over 70 dB stop band) applied without delay, so an anchor stays time-aligned with the
//! reference and listeners can switch between them seamlessly.

/// Cut-off of the low anchor, in Hz.
pub const LOW_ANCHOR_HZ: f64 = 3500.0;
/// Cut-off of the mid anchor, in Hz.
pub const MID_ANCHOR_HZ: f64 = 7000.0;

/// Taps of the low-pass FIR (odd, symmetric) for `cutoff` Hz at `sample_rate`.
pub fn lowpass_taps(cutoff: f64, sample_rate: u32) -> Vec<f64> {
    let fs = sample_rate as f64;
    // Blackman: transition width ≈ 5.5 fs / N; aim for 300 Hz, between 101 and 2001 taps.
    let n = ((5.5 * fs / 300.0).ceil() as usize).clamp(101, 2001) | 1;
    let fc = (cutoff / fs).min(0.5); // cycles per sample
    let mid = (n - 1) as f64 / 2.0;
    let mut h: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 - mid;
            let sinc = if t == 0.0 { 2.0 * fc } else { (2.0 * std::f64::consts::PI * fc * t).sin() / (std::f64::consts::PI * t) };
            let w = 2.0 * std::f64::consts::PI * i as f64 / (n - 1) as f64;
            sinc * (0.42 - 0.5 * w.cos() + 0.08 * (2.0 * w).cos())
        })
        .collect();
    let dc: f64 = h.iter().sum();
    h.iter_mut().for_each(|v| *v /= dc); // unity gain at 0 Hz
    h
}

/// Low-pass filters `x` at `cutoff` Hz, zero-phase (same length, no delay; zeros beyond the ends).
pub fn lowpass(x: &[f32], cutoff: f64, sample_rate: u32) -> Vec<f32> {
    if cutoff >= sample_rate as f64 / 2.0 {
        return x.to_vec();
    }
    let h = lowpass_taps(cutoff, sample_rate);
    let half = (h.len() - 1) / 2;
    (0..x.len())
        .map(|n| {
            // y[n] = Σ_k h[k] x[n + half − k]
            let lo = (n + half + 1).saturating_sub(x.len());
            let hi = (n + half).min(h.len() - 1);
            (lo..=hi).map(|k| h[k] * x[n + half - k] as f64).sum::<f64>() as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(f: f64, sr: u32, n: usize) -> Vec<f32> {
        (0..n).map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / sr as f64).sin() as f32).collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn passes_below_and_stops_above_the_cutoff() {
        let sr = 22_050;
        let n = 8192;
        let mid = 1500..n - 1500; // away from the edges
        let pass = lowpass(&tone(1000.0, sr, n), LOW_ANCHOR_HZ, sr);
        let stop = lowpass(&tone(5000.0, sr, n), LOW_ANCHOR_HZ, sr);
        let ratio_pass = rms(&pass[mid.clone()]) / rms(&tone(1000.0, sr, n)[mid.clone()]);
        let ratio_stop = rms(&stop[mid.clone()]) / rms(&tone(5000.0, sr, n)[mid.clone()]);
        assert!((ratio_pass - 1.0).abs() < 0.01, "pass band gain {ratio_pass}");
        assert!(20.0 * ratio_stop.log10() < -60.0, "stop band {ratio_stop}");
        // Zero phase: the 1 kHz tone comes out in phase with the input.
        let x = tone(1000.0, sr, n);
        let err = mid.clone().map(|i| (pass[i] - x[i]).abs()).fold(0.0f32, f32::max);
        assert!(err < 0.02, "phase error {err}");
        assert_eq!(pass.len(), n);
        assert_eq!(lowpass(&x, 20_000.0, sr), x);
        assert!(lowpass(&[], 3500.0, sr).is_empty());
        assert_eq!(lowpass(&[1.0], 3500.0, sr).len(), 1);
    }
}
