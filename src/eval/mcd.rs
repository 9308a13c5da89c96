//! Mel-cepstral distortion (Kubichek, 1993) between reference and synthesised speech.
//!
//! MCD = (10 / ln 10) · √2 · ‖c − c'‖₂ in dB per frame, over cepstral coefficients
//! c₁..c_D (c₀, the frame energy, is excluded), averaged over the frames paired by DTW
//! ([`super::dtw`]) — or frame by frame when the two share a time axis (copy synthesis).
//!
//! The mel cepstra here are computed from the voice's own log-mel spectrum (natural log
//! of the Slaney-mel *amplitude*, see docs/ARCHITECTURE.md), taking the mel bins as samples of the
//! log spectrum on a warped frequency axis, ω_m = π(m + ½)/N: c_q = (1/N) Σ_m ln A_m ·
//! cos(q ω_m), the DCT-II scaled so that ln A(ω) ≈ c₀ + 2 Σ_q c_q cos(q ω) — the cepstrum
//! convention the 10√2/ln 10 constant assumes. With every coefficient (q = 1..N−1),
//! 2 Σ Δc_q² is exactly the variance over mel bins of Δ ln A (Parseval), so MCD is a
//! level-independent RMS log-spectral distance on the mel axis. This is not an SPTK-style
//! all-pass-warped MCEP analysis: values are comparable between Ferry's vocoders and runs,
//! but not digit for digit with papers that report MCEP-based MCD.

use serde::Serialize;

use super::dtw::pair_frames;
use crate::audio::Mel;

/// 10 / ln 10 · √2: converts a Euclidean distance of natural-log cepstra into dB.
pub const MCD_CONSTANT: f64 = 10.0 * std::f64::consts::SQRT_2 / std::f64::consts::LN_10;

/// Default number of cepstral coefficients compared (c₁..c₂₄, the usual 24th-order MCEP size).
pub const DEFAULT_ORDER: usize = 24;

/// Result of one MCD comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mcd {
    /// Mean distortion in dB over the paired frames.
    pub db: f64,
    /// Frames paired (the DTW path length).
    pub frames: usize,
}

/// Cepstra of a log-mel: per frame, c₀..c_order of the `n_mels` log values (the DCT-II
/// scaled by 1/N, see the module documentation). Returns `[frames][order + 1]`.
pub fn mel_cepstra(mel: &Mel, order: usize) -> Vec<Vec<f64>> {
    let n = mel.n_mels;
    let k = (order + 1).min(n);
    // basis[q][m] = cos(π q (m + ½) / N) / N.
    let basis: Vec<Vec<f64>> =
        (0..k).map(|q| (0..n).map(|m| (std::f64::consts::PI * q as f64 * (m as f64 + 0.5) / n as f64).cos() / n as f64).collect()).collect();
    (0..mel.frames).map(|t| basis.iter().map(|b| (0..n).map(|m| b[m] * mel.at(m, t) as f64).sum()).collect()).collect()
}

/// MCD between two cepstral sequences (`[frames][≥ order + 1]`, c₀ first), excluding c₀.
/// Frames are paired by DTW on the same distance when the lengths differ.
/// `None` when either sequence is empty.
pub fn mcd_cepstra(reference: &[Vec<f64>], hypothesis: &[Vec<f64>], order: usize) -> Option<Mcd> {
    let dist = |i: usize, j: usize| -> f64 {
        let (a, b) = (&reference[i], &hypothesis[j]);
        let d = order.min(a.len() - 1).min(b.len() - 1);
        (1..=d).map(|q| (a[q] - b[q]).powi(2)).sum::<f64>().sqrt()
    };
    let path = pair_frames(reference.len(), hypothesis.len(), dist);
    if path.is_empty() {
        return None;
    }
    let total: f64 = path.iter().map(|&(i, j)| MCD_CONSTANT * dist(i, j)).sum();
    Some(Mcd { db: total / path.len() as f64, frames: path.len() })
}

/// MCD between two log-mels of the same mel definition (c₁..c_order of their DCT cepstra).
pub fn mcd_mel(reference: &Mel, hypothesis: &Mel, order: usize) -> Option<Mcd> {
    mcd_cepstra(&mel_cepstra(reference, order), &mel_cepstra(hypothesis, order), order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mel_from(frames: &[Vec<f32>]) -> Mel {
        let n_mels = frames[0].len();
        let mut data = vec![0.0; n_mels * frames.len()];
        for (t, f) in frames.iter().enumerate() {
            for (m, v) in f.iter().enumerate() {
                data[m * frames.len() + t] = *v;
            }
        }
        Mel { data, n_mels, frames: frames.len() }
    }

    #[test]
    fn constant_is_the_textbook_value() {
        assert!((MCD_CONSTANT - 6.141_851_463).abs() < 1e-8);
    }

    #[test]
    fn known_cepstra_by_hand() {
        // Frame 0 differs by (c1, c2) = (0.3, 0.4) → distance 0.5; frame 1 by c1 = 1.0.
        // c0 differs by 5 in both frames and must not count.
        let a = vec![vec![0.0, 1.0, 2.0], vec![1.0, 0.0, 0.0]];
        let b = vec![vec![5.0, 1.3, 2.4], vec![6.0, 1.0, 0.0]];
        let m = mcd_cepstra(&a, &b, 2).unwrap();
        assert_eq!(m.frames, 2);
        let expected = MCD_CONSTANT * (0.5 + 1.0) / 2.0; // 4.6064 dB
        assert!((m.db - expected).abs() < 1e-12, "{} vs {expected}", m.db);
        assert!((m.db - 4.606_388_6).abs() < 1e-6);
        // Identical cepstra: 0 dB; empty: none.
        assert_eq!(mcd_cepstra(&a, &a, 2).unwrap().db, 0.0);
        assert!(mcd_cepstra(&a, &[], 2).is_none());
    }

    #[test]
    fn dtw_absorbs_a_time_stretch() {
        let a = vec![vec![0.0, 0.0], vec![0.0, 1.0], vec![0.0, 2.0]];
        let b = vec![vec![9.0, 0.0], vec![9.0, 0.0], vec![9.0, 1.0], vec![9.0, 2.0], vec![9.0, 2.0]];
        let m = mcd_cepstra(&a, &b, 1).unwrap();
        assert_eq!((m.db, m.frames), (0.0, 5));
    }

    #[test]
    fn dct_of_log_mel() {
        // A flat log-mel has only c0 = its level; a loudness change moves c0 only, so the
        // MCD between a quiet and a loud copy of the same spectrum is 0.
        let flat = mel_from(&[vec![-2.0; 8]]);
        let c = mel_cepstra(&flat, 4);
        assert!((c[0][0] + 2.0).abs() < 1e-9);
        assert!(c[0][1..].iter().all(|v| v.abs() < 1e-9));
        let shape: Vec<f32> = (0..8).map(|m| (m as f32 * 0.7).sin()).collect();
        let louder: Vec<f32> = shape.iter().map(|v| v + 3.0).collect();
        assert!(mcd_mel(&mel_from(std::slice::from_ref(&shape)), &mel_from(&[louder]), 7).unwrap().db < 1e-5, "f32 rounding only");
        // Parseval: with every coefficient, 2 Σ_{q≥1} c_q² is the variance over the bins.
        let full = mel_cepstra(&mel_from(std::slice::from_ref(&shape)), 7);
        let mean = shape.iter().map(|v| *v as f64).sum::<f64>() / 8.0;
        let var = shape.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / 8.0;
        let two_sum: f64 = 2.0 * full[0][1..].iter().map(|v| v * v).sum::<f64>();
        assert!((full[0][0] - mean).abs() < 1e-9);
        assert!((two_sum - var).abs() < 1e-6, "{two_sum} vs {var}");
        // A cosine ripple of amplitude a at quefrency 2 gives c2 = a/2: MCD = K·√2·a/2 dB.
        let ripple = |a: f64| -> Vec<f32> { (0..8).map(|m| (a * (std::f64::consts::PI * 2.0 * (m as f64 + 0.5) / 8.0).cos()) as f32).collect() };
        let m = mcd_mel(&mel_from(&[ripple(0.0)]), &mel_from(&[ripple(1.0)]), 4).unwrap();
        assert!((m.db - MCD_CONSTANT * 0.5).abs() < 1e-5, "{}", m.db);
    }
}
