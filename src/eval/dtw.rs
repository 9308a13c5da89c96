//! Dynamic time warping between two sequences of feature frames (Sakoe & Chiba, 1978),
//! symmetric steps (1,0), (0,1), (1,1) with unit weights, no band. Used to pair the frames
//! of synthesised and reference speech that do not share a time axis.

/// The warping path as (reference frame, hypothesis frame) pairs, from (0, 0) to the two
/// last frames, and its total cost. Empty when either sequence is empty.
pub fn dtw_path(n: usize, m: usize, dist: impl Fn(usize, usize) -> f64) -> (Vec<(usize, usize)>, f64) {
    if n == 0 || m == 0 {
        return (Vec::new(), 0.0);
    }
    // acc[i * m + j]: the cheapest cost of a path from (0, 0) to (i, j).
    let mut acc = vec![f64::INFINITY; n * m];
    for i in 0..n {
        for j in 0..m {
            let best_prev = if i == 0 && j == 0 {
                0.0
            } else {
                let up = if i > 0 { acc[(i - 1) * m + j] } else { f64::INFINITY };
                let left = if j > 0 { acc[i * m + j - 1] } else { f64::INFINITY };
                let diag = if i > 0 && j > 0 { acc[(i - 1) * m + j - 1] } else { f64::INFINITY };
                diag.min(up).min(left)
            };
            acc[i * m + j] = best_prev + dist(i, j);
        }
    }
    let total = acc[n * m - 1];
    let (mut i, mut j) = (n - 1, m - 1);
    let mut path = vec![(i, j)];
    while i > 0 || j > 0 {
        (i, j) = if i == 0 {
            (0, j - 1)
        } else if j == 0 {
            (i - 1, 0)
        } else {
            let diag = acc[(i - 1) * m + j - 1];
            let up = acc[(i - 1) * m + j];
            let left = acc[i * m + j - 1];
            if diag <= up && diag <= left {
                (i - 1, j - 1)
            } else if up <= left {
                (i - 1, j)
            } else {
                (i, j - 1)
            }
        };
        path.push((i, j));
    }
    path.reverse();
    (path, total)
}

/// Frame pairs of two sequences: the identity when they have the same length (frames
/// already share a time axis, as in copy synthesis), else the DTW path under `dist`.
pub fn pair_frames(n: usize, m: usize, dist: impl Fn(usize, usize) -> f64) -> Vec<(usize, usize)> {
    if n == m {
        (0..n).map(|i| (i, i)).collect()
    } else {
        dtw_path(n, m, dist).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_a_stretched_sequence() {
        let a = [0.0, 1.0, 2.0, 3.0];
        let b = [0.0, 1.0, 1.0, 2.0, 3.0, 3.0];
        let (path, cost) = dtw_path(a.len(), b.len(), |i, j| (a[i] - b[j]) * (a[i] - b[j]));
        assert_eq!(cost, 0.0);
        assert_eq!(path, vec![(0, 0), (1, 1), (1, 2), (2, 3), (3, 4), (3, 5)]);
    }

    #[test]
    fn identical_lengths_pair_frame_by_frame_and_empty_is_empty() {
        assert_eq!(pair_frames(3, 3, |_, _| 1.0), vec![(0, 0), (1, 1), (2, 2)]);
        assert!(dtw_path(0, 5, |_, _| 0.0).0.is_empty());
        assert_eq!(dtw_path(1, 3, |_, _| 1.0), (vec![(0, 0), (0, 1), (0, 2)], 3.0));
    }
}
