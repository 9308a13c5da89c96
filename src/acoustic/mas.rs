//! Monotonic alignment search (MAS): the most likely monotonic, surjective path through a
//! text–mel attention map, by dynamic programming ("Glow-TTS", Kim et al. 2020; used for
//! hard durations in "One TTS Alignment To Rule Them All", Badlani et al. 2021; the
//! reference is `mas_width1` in NVIDIA's FastPitch `alignment.py`). Runs on the CPU.
//!
//! The path starts on the first symbol at the first frame, ends on the last symbol at the
//! last frame, and at each frame either stays on a symbol or moves to the next one, so
//! every symbol gets at least one frame when there are at least as many frames as symbols.

/// `log_p`: row-major `[frames, symbols]` log-probabilities → frames per symbol (sums to
/// `frames`). With fewer frames than symbols no surjective path exists; the path then
/// still covers every frame once and the symbols it cannot reach get 0 frames.
pub fn mas_durations(log_p: &[f32], frames: usize, symbols: usize) -> Vec<i64> {
    let mut durs = vec![0i64; symbols];
    if frames == 0 || symbols == 0 || log_p.len() < frames * symbols {
        return durs;
    }
    let neg = f32::NEG_INFINITY;
    // best[i][j]: best log-probability of a path ending on symbol j at frame i.
    let mut best = vec![neg; frames * symbols];
    // came_from_prev[i][j]: whether that best path was on symbol j-1 at frame i-1.
    let mut from_prev = vec![false; frames * symbols];
    best[0] = log_p[0];
    for i in 1..frames {
        // Symbol j can only be reached at frame i when j <= i.
        for j in 0..symbols.min(i + 1) {
            let stay = best[(i - 1) * symbols + j];
            let advance = if j > 0 { best[(i - 1) * symbols + j - 1] } else { neg };
            let (prev, moved) = if advance >= stay && j > 0 { (advance, true) } else { (stay, false) };
            best[i * symbols + j] = prev + log_p[i * symbols + j];
            from_prev[i * symbols + j] = moved;
        }
    }
    // Backtrack from the last symbol (or the furthest reachable one).
    let mut j = (symbols - 1).min(frames - 1);
    for i in (0..frames).rev() {
        durs[j] += 1;
        if i > 0 && from_prev[i * symbols + j] {
            j -= 1;
        }
    }
    durs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_clear_diagonal_and_covers_every_symbol() {
        // 10 frames, 3 symbols; frames 0-1 → 0, 2-6 → 1, 7-9 → 2.
        let truth = [2usize, 5, 3];
        let owner: Vec<usize> = truth.iter().enumerate().flat_map(|(s, &d)| std::iter::repeat_n(s, d)).collect();
        let log_p: Vec<f32> = owner.iter().flat_map(|&s| (0..3).map(move |j| if j == s { -0.1 } else { -5.0 })).collect();
        assert_eq!(mas_durations(&log_p, 10, 3), vec![2, 5, 3]);
    }

    #[test]
    fn stays_monotonic_and_surjective_on_a_misleading_map() {
        // All mass on the last symbol: the path must still give every symbol a frame.
        let (f, s) = (7, 4);
        let log_p: Vec<f32> = (0..f * s).map(|k| if k % s == s - 1 { 0.0 } else { -20.0 }).collect();
        let d = mas_durations(&log_p, f, s);
        assert_eq!(d.iter().sum::<i64>(), f as i64);
        assert!(d.iter().all(|&x| x >= 1), "{d:?}");
        assert_eq!(d, vec![1, 1, 1, 4]);
    }

    #[test]
    fn degenerate_shapes_do_not_panic() {
        assert_eq!(mas_durations(&[], 0, 3), vec![0, 0, 0]);
        assert_eq!(mas_durations(&[0.0; 6], 2, 3).iter().sum::<i64>(), 2);
        assert_eq!(mas_durations(&[0.0; 5], 5, 1), vec![5]);
    }
}
