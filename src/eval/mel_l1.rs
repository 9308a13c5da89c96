//! Log-mel L1 distance: the mean absolute difference of two log-mels (natural log, one
//! mel definition), over all mel bins of paired frames — frame by frame when the two
//! share a time axis (copy synthesis), else along the DTW path of their mel frames.
//! The same quantity HiFi-GAN reports as its validation "mel error".

use super::dtw::pair_frames;
use crate::audio::Mel;
use crate::error::{Error, Result};

/// Mean |a − b| over paired frames and all mel bins. `Ok(None)` when either mel is empty;
/// an error when the two have different numbers of mel bins.
pub fn mel_l1(reference: &Mel, hypothesis: &Mel) -> Result<Option<f64>> {
    if reference.n_mels != hypothesis.n_mels {
        return Err(Error::arg(format!(
            "cannot compare log-mels with {} and {} mel bins; compute both with the voice's mel definition",
            reference.n_mels, hypothesis.n_mels
        )));
    }
    let n = reference.n_mels;
    let frame_l1 = |i: usize, j: usize| -> f64 { (0..n).map(|m| (reference.at(m, i) - hypothesis.at(m, j)).abs() as f64).sum() };
    let path = pair_frames(reference.frames, hypothesis.frames, frame_l1);
    if path.is_empty() {
        return Ok(None);
    }
    let total: f64 = path.iter().map(|&(i, j)| frame_l1(i, j)).sum();
    Ok(Some(total / (path.len() * n) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // 2 mels × 2 frames; |Δ| = 0.5, 1.0, 0.0, 2.5 → mean 1.0.
        let a = Mel { data: vec![0.0, 1.0, 2.0, 3.0], n_mels: 2, frames: 2 };
        let b = Mel { data: vec![0.5, 0.0, 2.0, 0.5], n_mels: 2, frames: 2 };
        assert!((mel_l1(&a, &b).unwrap().unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(mel_l1(&a, &a).unwrap(), Some(0.0));
        let empty = Mel { data: vec![], n_mels: 2, frames: 0 };
        assert_eq!(mel_l1(&a, &empty).unwrap(), None);
        let other = Mel { data: vec![0.0; 3], n_mels: 3, frames: 1 };
        assert!(mel_l1(&a, &other).is_err());
    }

    #[test]
    fn different_lengths_use_dtw() {
        // b repeats a's second frame: DTW pairs it twice at zero cost.
        let a = Mel { data: vec![0.0, 1.0, 5.0, 6.0], n_mels: 2, frames: 2 };
        let b = Mel { data: vec![0.0, 1.0, 1.0, 5.0, 6.0, 6.0], n_mels: 2, frames: 3 };
        assert_eq!(mel_l1(&a, &b).unwrap(), Some(0.0));
    }
}
