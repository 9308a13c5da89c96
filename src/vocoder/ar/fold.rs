//! Folding for batched generation (the reference WaveRNN's `fold_with_overlap` and
//! `xfade_and_unfold`): a long conditioning sequence is cut into `n` segments of
//! `target + 2·overlap` steps that start `target + overlap` apart, generated as one
//! batch, and the segments are cross-faded back together.
//!
//! In each overlap the incoming segment stays silent for the first half (its GRU state
//! is still warming up from zero) and then fades in while the outgoing one fades out.
//! The two fades sum to one (raised cosine), so folding and unfolding a known signal
//! gives it back exactly; the utterance's own first and last samples are not faded.

/// Segment geometry for a sequence of `total` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folds {
    pub total: usize,
    pub target: usize,
    pub overlap: usize,
    pub count: usize,
}

impl Folds {
    /// `target == 0` (or a sequence no longer than one segment) gives one segment
    /// covering everything: plain sequential generation.
    pub fn new(total: usize, target: usize, overlap: usize) -> Folds {
        if target == 0 || total <= target + 2 * overlap {
            return Folds { total, target: total, overlap: 0, count: 1 };
        }
        let stride = target + overlap;
        Folds { total, target, overlap, count: (total - overlap).div_ceil(stride) }
    }

    /// Steps per segment.
    pub fn len(&self) -> usize {
        self.target + 2 * self.overlap
    }

    /// Whether segments are empty (a zero-length sequence).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// First step of segment `i`.
    pub fn start(&self, i: usize) -> usize {
        i * (self.target + self.overlap)
    }

    /// Cuts `[total, width]` row-major rows into `[count, len, width]`, zero-padding past the end.
    pub fn fold(&self, x: &[f32], width: usize) -> Vec<f32> {
        let len = self.len();
        let mut out = vec![0f32; self.count * len * width];
        for i in 0..self.count {
            let s = self.start(i);
            let e = (s + len).min(self.total);
            if e > s {
                out[i * len * width..(i * len + e - s) * width].copy_from_slice(&x[s * width..e * width]);
            }
        }
        out
    }

    /// [`fold`](Self::fold) on a `[total, width]` tensor, on its device: `[count, len, width]`.
    pub fn fold_tensor(&self, x: &tch::Tensor) -> tch::Tensor {
        let (len, width) = (self.len() as i64, x.size()[1]);
        let padded_len = (self.start(self.count.saturating_sub(1)) + self.len()) as i64;
        let pad = padded_len - self.total as i64;
        let x = if pad > 0 { tch::Tensor::cat(&[x.shallow_clone(), tch::Tensor::zeros([pad, width], (x.kind(), x.device()))], 0) } else { x.shallow_clone() };
        let segments: Vec<tch::Tensor> = (0..self.count).map(|i| x.narrow(0, self.start(i) as i64, len)).collect();
        tch::Tensor::stack(&segments, 0)
    }

    /// Cross-fades `[count, len]` segments back into `total` samples.
    pub fn unfold(&self, y: &[f32]) -> Vec<f32> {
        let len = self.len();
        let mut out = vec![0f32; self.count * (self.target + self.overlap) + self.overlap];
        let (fade_in, fade_out) = fades(self.overlap);
        for i in 0..self.count {
            let s = self.start(i);
            for (j, &v) in y[i * len..(i + 1) * len].iter().enumerate() {
                let mut g = 1.0;
                if j < self.overlap && i > 0 {
                    g = fade_in[j];
                } else if j >= len - self.overlap && i + 1 < self.count {
                    g = fade_out[j - (len - self.overlap)];
                }
                out[s + j] += g * v;
            }
        }
        out.truncate(self.total);
        out
    }
}

/// Gains over an overlap of `n` samples: silence for the first half of the incoming
/// segment, then a raised-cosine fade; `fade_in[j] + fade_out[j] == 1`.
fn fades(n: usize) -> (Vec<f32>, Vec<f32>) {
    let silence = n / 2;
    let fade = n - silence;
    let fade_in: Vec<f32> = (0..n)
        .map(|j| {
            if j < silence {
                0.0
            } else {
                let t = (j - silence + 1) as f64 / (fade + 1) as f64;
                (0.5 - 0.5 * (std::f64::consts::PI * t).cos()) as f32
            }
        })
        .collect();
    let fade_out = fade_in.iter().map(|g| 1.0 - g).collect();
    (fade_in, fade_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_matches_the_reference() {
        // The reference: (total − overlap) // (target + overlap) folds, plus one for a remainder.
        let f = Folds::new(100_000, 11_000, 550);
        assert_eq!(f.count, 9);
        assert!(f.start(f.count - 1) + f.len() >= 100_000);
        assert!(f.start(f.count - 2) + f.len() < 100_000);
        assert_eq!(Folds::new(5000, 0, 550).count, 1);
        assert_eq!(Folds::new(5000, 11_000, 550), Folds { total: 5000, target: 5000, overlap: 0, count: 1 });
    }

    #[test]
    fn folding_a_tensor_matches_folding_rows() {
        for (total, target, overlap) in [(1000, 100, 10), (1000, 0, 10), (1055, 120, 7)] {
            let f = Folds::new(total, target, overlap);
            let width = 3;
            let x: Vec<f32> = (0..total * width).map(|i| (i as f32 * 0.37).sin()).collect();
            let t = tch::Tensor::from_slice(&x).view([total as i64, width as i64]);
            let folded = f.fold_tensor(&t);
            assert_eq!(folded.size(), [f.count as i64, f.len() as i64, width as i64]);
            assert_eq!(Vec::<f32>::try_from(folded.flatten(0, -1)).unwrap(), f.fold(&x, width), "total {total}, target {target}");
        }
    }
}
