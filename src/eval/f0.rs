//! F0 (pitch) errors between reference and synthesised speech, from per-frame F0 arrays
//! in Hz as any pitch tracker gives them (`crate::audio::pitch`; 0, a negative value or
//! NaN marks an unvoiced frame). Frames must already be paired (same time axis, or a DTW
//! path from [`super::dtw`] applied with [`pair_by_path`]).
//!
//! - F0 RMSE in Hz and in cents (1200·log2(f/f_ref)) over the frames voiced in *both*;
//! - gross pitch error: the fraction of those frames more than 20 % off (octave jumps and
//!   tracker failures, which dominate an RMSE);
//! - voiced/unvoiced error: the fraction of all frames whose voicing decisions differ.

use serde::Serialize;

/// F0 errors of one comparison (or of a corpus, see [`F0Accumulator`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct F0Errors {
    /// RMSE in Hz over frames voiced in both (`None` when there are none).
    pub rmse_hz: Option<f64>,
    /// RMSE in cents over the same frames.
    pub rmse_cents: Option<f64>,
    /// Fraction of the frames voiced in both whose F0 is more than 20 % off.
    pub gross_error: Option<f64>,
    /// Fraction of frames whose voiced/unvoiced decision differs.
    pub vuv_error: f64,
    /// Frames voiced in both.
    pub voiced_both: usize,
    /// Frames compared.
    pub frames: usize,
}

/// Whether a tracker's F0 value marks a voiced frame.
pub fn is_voiced(f0: f32) -> bool {
    f0.is_finite() && f0 > 0.0
}

/// Sums of squares over many utterances, so a corpus RMSE weighs every frame equally.
#[derive(Debug, Clone, Copy, Default)]
pub struct F0Accumulator {
    sq_hz: f64,
    sq_cents: f64,
    voiced_both: usize,
    gross: usize,
    vuv_mismatch: usize,
    frames: usize,
}

/// Relative deviation above which a frame counts as a gross pitch error.
pub const GROSS_ERROR_RATIO: f64 = 0.2;

impl F0Accumulator {
    /// Adds frame-paired F0 arrays (the shorter length is used).
    pub fn add(&mut self, reference: &[f32], hypothesis: &[f32]) {
        for (&r, &h) in reference.iter().zip(hypothesis) {
            self.frames += 1;
            match (is_voiced(r), is_voiced(h)) {
                (true, true) => {
                    let (r, h) = (r as f64, h as f64);
                    self.sq_hz += (h - r).powi(2);
                    self.sq_cents += (1200.0 * (h / r).log2()).powi(2);
                    self.voiced_both += 1;
                    self.gross += usize::from((h / r - 1.0).abs() > GROSS_ERROR_RATIO);
                }
                (a, b) if a != b => self.vuv_mismatch += 1,
                _ => {}
            }
        }
    }

    /// Adds another accumulator's frames.
    pub fn merge(&mut self, o: &F0Accumulator) {
        self.sq_hz += o.sq_hz;
        self.sq_cents += o.sq_cents;
        self.voiced_both += o.voiced_both;
        self.gross += o.gross;
        self.vuv_mismatch += o.vuv_mismatch;
        self.frames += o.frames;
    }

    pub fn errors(&self) -> F0Errors {
        let v = self.voiced_both as f64;
        F0Errors {
            rmse_hz: (self.voiced_both > 0).then(|| (self.sq_hz / v).sqrt()),
            rmse_cents: (self.voiced_both > 0).then(|| (self.sq_cents / v).sqrt()),
            gross_error: (self.voiced_both > 0).then(|| self.gross as f64 / v),
            vuv_error: if self.frames == 0 { 0.0 } else { self.vuv_mismatch as f64 / self.frames as f64 },
            voiced_both: self.voiced_both,
            frames: self.frames,
        }
    }
}

/// F0 errors of frame-paired arrays (the shorter length is used).
pub fn f0_errors(reference: &[f32], hypothesis: &[f32]) -> F0Errors {
    let mut acc = F0Accumulator::default();
    acc.add(reference, hypothesis);
    acc.errors()
}

/// Re-indexes two F0 arrays along a frame-pairing path (e.g. the DTW path of the mel
/// cepstra), giving two arrays of the path's length. Pairs out of range are skipped.
pub fn pair_by_path(reference: &[f32], hypothesis: &[f32], path: &[(usize, usize)]) -> (Vec<f32>, Vec<f32>) {
    path.iter().filter(|&&(i, j)| i < reference.len() && j < hypothesis.len()).map(|&(i, j)| (reference[i], hypothesis[j])).unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_tones_by_hand() {
        // A 200 Hz tone against a 210 Hz tone: 10 Hz, 1200·log2(1.05) = 84.467 cents.
        let e = f0_errors(&[200.0; 50], &[210.0; 50]);
        assert!((e.rmse_hz.unwrap() - 10.0).abs() < 1e-9);
        assert!((e.rmse_cents.unwrap() - 84.467_193_5).abs() < 1e-6);
        assert_eq!((e.vuv_error, e.voiced_both, e.frames), (0.0, 50, 50));
        // An octave is 1200 cents.
        assert!((f0_errors(&[110.0], &[220.0]).rmse_cents.unwrap() - 1200.0).abs() < 1e-9);
    }

    #[test]
    fn glide_against_a_steady_tone() {
        // Reference glides 100, 110, ..., 190 Hz; hypothesis holds 150 Hz.
        // Errors -50..40 step 10: mean square = 850 → RMSE = 29.1548 Hz.
        let glide: Vec<f32> = (0..10).map(|i| 100.0 + 10.0 * i as f32).collect();
        let e = f0_errors(&glide, &[150.0; 10]);
        assert!((e.rmse_hz.unwrap() - 850f64.sqrt()).abs() < 1e-9);
        // 150 Hz is more than 20 % off the reference at 100, 110, 120 and 190 Hz
        // (|150/r − 1| = 0.5, 0.36, 0.25, 0.21) → 4 of 10 frames.
        assert!((e.gross_error.unwrap() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn voicing_errors_and_unvoiced_frames() {
        // Frames: both voiced (100 vs 100), ref-only voiced, hyp-only voiced, both unvoiced (0 / NaN).
        let r = [100.0, 120.0, 0.0, 0.0];
        let h = [100.0, 0.0, 130.0, f32::NAN];
        let e = f0_errors(&r, &h);
        assert_eq!(e.rmse_hz, Some(0.0));
        assert_eq!((e.voiced_both, e.frames), (1, 4));
        assert!((e.vuv_error - 0.5).abs() < 1e-12);
        // Nothing voiced in both: no RMSE rather than a made-up number.
        let e = f0_errors(&[0.0, 100.0], &[100.0, -1.0]);
        assert_eq!((e.rmse_hz, e.rmse_cents, e.gross_error, e.vuv_error), (None, None, None, 1.0));
    }

    #[test]
    fn corpus_weighs_frames_and_paths_reindex() {
        let mut acc = F0Accumulator::default();
        acc.add(&[100.0; 3], &[110.0; 3]);
        acc.add(&[100.0], &[100.0]);
        assert!((acc.errors().rmse_hz.unwrap() - 75f64.sqrt()).abs() < 1e-9);
        let (a, b) = pair_by_path(&[1.0, 2.0], &[5.0, 6.0, 7.0], &[(0, 0), (0, 1), (1, 2), (2, 2)]);
        assert_eq!((a, b), (vec![1.0, 1.0, 2.0], vec![5.0, 6.0, 7.0]));
    }
}
