//! Short-time Fourier transform pieces shared by the rustfft mel and Griffin-Lim:
//! the periodic Hann window, reflect padding and the frame count convention of
//! docs/ARCHITECTURE.md, "The mel" (`center = false` after reflect-padding
//! `(n_fft - hop) / 2` on both sides, so a signal of `len` samples gives exactly
//! `len / hop` frames).

/// Periodic Hann window of `win` samples, zero-padded and centred to `n_fft`
/// (what `torch.stft` does with a shorter window).
pub fn hann_window(win: usize, n_fft: usize) -> Vec<f32> {
    let mut w = vec![0.0f32; n_fft];
    let off = (n_fft - win.min(n_fft)) / 2;
    for i in 0..win.min(n_fft) {
        let x = (2.0 * std::f64::consts::PI * i as f64 / win as f64).cos();
        w[off + i] = (0.5 - 0.5 * x) as f32;
    }
    w
}

/// Index into a signal of length `n` reflected at both ends (numpy's `reflect` mode,
/// repeating for pads longer than the signal).
#[inline]
pub fn reflect_index(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let mut j = i.rem_euclid(period);
    if j >= n as isize {
        j = period - j;
    }
    j as usize
}

/// Reflect-pads `x` by `pad` samples on both sides.
pub fn reflect_pad(x: &[f32], pad: usize) -> Vec<f32> {
    if x.is_empty() {
        return vec![0.0; 2 * pad];
    }
    (0..x.len() + 2 * pad).map(|i| x[reflect_index(i as isize - pad as isize, x.len())]).collect()
}

/// Number of STFT frames of a signal of `len` samples (`len / hop`).
pub fn num_frames(len: usize, hop: usize) -> usize {
    len / hop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_matches_numpy() {
        // np.pad([1,2,3], 2, mode='reflect') == [3,2,1,2,3,2,1]
        assert_eq!(reflect_pad(&[1.0, 2.0, 3.0], 2), vec![3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]);
        // np.pad([1,2], 3, mode='reflect') == [2,1,2,1,2,1,2,1]
        assert_eq!(reflect_pad(&[1.0, 2.0], 3), vec![2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0]);
    }

    #[test]
    fn hann_is_periodic() {
        let w = hann_window(4, 4);
        let expect = [0.0, 0.5, 1.0, 0.5];
        for (a, b) in w.iter().zip(expect) {
            assert!((a - b).abs() < 1e-7);
        }
        let w = hann_window(2, 4);
        assert_eq!(w[0], 0.0);
        assert_eq!(w[3], 0.0);
    }
}
