//! Plain-Rust numeric kernels for WaveRNN's CPU sampling loop: a small-batch matrix
//! product on panel-packed weights, and vectorisable exp/sigmoid/tanh.
//!
//! At the batch sizes of folded generation (a few to a few dozen rows) libtorch's
//! per-call overhead (5–20 µs) costs more than the arithmetic, so the per-sample loop
//! runs on these instead. The loops are written on fixed-size arrays so that LLVM
//! vectorises them; at run time the AVX2 (or AVX-512) build of each kernel is picked
//! when the CPU has it, otherwise the SSE2 baseline runs.

/// Output columns per packed panel (two AVX vectors, one AVX-512 vector).
pub const NR: usize = 16;
/// Batch rows per micro-tile (3 measured fastest: 3 × 16 accumulators stay in registers).
const MR: usize = 3;

/// A weight matrix `[N, K]` (PyTorch `Linear` layout) packed column-panel-major for
/// `out[b, :] = bias + x[b, :] · Wᵀ`: panel `p` holds `W[p·16 + j, k]` at `k·16 + j`,
/// zero-padded to a multiple of 16 outputs.
#[derive(Debug, Clone)]
pub struct Packed {
    /// Outputs (rows of W).
    pub n: usize,
    /// Inputs (columns of W).
    pub k: usize,
    data: Vec<f32>,
    bias: Vec<f32>,
}

impl Packed {
    /// Packs a row-major `[n, k]` weight and its `[n]` bias (zeros when `None`).
    pub fn new(w: &[f32], bias: Option<&[f32]>, n: usize, k: usize) -> Packed {
        assert_eq!(w.len(), n * k, "weight of {n}x{k} expected");
        let np = padded(n);
        let mut data = vec![0f32; np * k];
        for row in 0..n {
            let (p, j) = (row / NR, row % NR);
            for col in 0..k {
                data[p * k * NR + col * NR + j] = w[row * k + col];
            }
        }
        let mut b = vec![0f32; np];
        if let Some(bias) = bias {
            b[..n].copy_from_slice(bias);
        }
        Packed { n, k, data, bias: b }
    }

    /// Output stride: `n` rounded up to a whole panel.
    pub fn n_padded(&self) -> usize {
        padded(self.n)
    }

    /// `out[b, ..n_padded] = bias + x[b, ..k] · Wᵀ` for `rows` rows; `x` has row stride
    /// `ldx` (≥ k), `out` row stride `ldo` (≥ n_padded).
    pub fn matmul(&self, x: &[f32], ldx: usize, rows: usize, out: &mut [f32], ldo: usize) {
        assert!(ldx >= self.k && ldo >= self.n_padded());
        assert!(rows == 0 || (x.len() >= (rows - 1) * ldx + self.k && out.len() >= (rows - 1) * ldo + self.n_padded()));
        if has_avx2() {
            unsafe_avx2_gemm(self, x, ldx, rows, out, ldo)
        } else {
            gemm(&self.data, &self.bias, self.k, x, ldx, rows, out, ldo)
        }
    }
}

impl Packed {
    /// [`Packed::matmul`] on the SSE2 baseline build whatever the CPU (for tests).
    pub fn matmul_baseline(&self, x: &[f32], ldx: usize, rows: usize, out: &mut [f32], ldo: usize) {
        assert!(ldx >= self.k && ldo >= self.n_padded());
        assert!(rows == 0 || (x.len() >= (rows - 1) * ldx + self.k && out.len() >= (rows - 1) * ldo + self.n_padded()));
        gemm(&self.data, &self.bias, self.k, x, ldx, rows, out, ldo)
    }
}

fn padded(n: usize) -> usize {
    n.div_ceil(NR) * NR
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gemm(w: &[f32], bias: &[f32], k: usize, x: &[f32], ldx: usize, rows: usize, out: &mut [f32], ldo: usize) {
    for (p, panel) in w.chunks_exact(k * NR).enumerate() {
        let b: &[f32; NR] = bias[p * NR..(p + 1) * NR].try_into().unwrap_or(&[0.0; NR]);
        let mut r0 = 0;
        while r0 < rows {
            let m = (rows - r0).min(MR);
            let xs = &x[r0 * ldx..];
            let os = &mut out[r0 * ldo + p * NR..];
            match m {
                3 => tile::<3>(panel, b, k, xs, ldx, os, ldo),
                2 => tile::<2>(panel, b, k, xs, ldx, os, ldo),
                _ => tile2::<1>(panel, b, k, xs, ldx, os, ldo),
            }
            r0 += m;
        }
    }
}

/// `R` rows × one 16-wide panel: `R·16` accumulators, one broadcast of `x` per row and
/// one 16-wide load of the panel per input.
#[inline(always)]
fn tile<const R: usize>(panel: &[f32], bias: &[f32; NR], k: usize, x: &[f32], ldx: usize, out: &mut [f32], ldo: usize) {
    let mut acc = [*bias; R];
    let panel = &panel[..k * NR];
    for (kk, w) in panel.chunks_exact(NR).enumerate() {
        let w: &[f32; NR] = w.try_into().unwrap_or(&[0.0; NR]);
        for (r, a) in acc.iter_mut().enumerate() {
            let xv = x[r * ldx + kk];
            for j in 0..NR {
                a[j] += xv * w[j];
            }
        }
    }
    for (r, a) in acc.iter().enumerate() {
        out[r * ldo..r * ldo + NR].copy_from_slice(a);
    }
}

/// Like [`tile`] for one or two rows, with two independent accumulator sets (even and
/// odd inputs) so that the additions do not wait on each other.
#[inline(always)]
fn tile2<const R: usize>(panel: &[f32], bias: &[f32; NR], k: usize, x: &[f32], ldx: usize, out: &mut [f32], ldo: usize) {
    let mut acc = [*bias; R];
    let mut odd = [[0f32; NR]; R];
    let panel = &panel[..k * NR];
    let mut pairs = panel.chunks_exact(2 * NR);
    for (kk, w) in pairs.by_ref().enumerate() {
        let (w0, w1) = w.split_at(NR);
        let w0: &[f32; NR] = w0.try_into().unwrap_or(&[0.0; NR]);
        let w1: &[f32; NR] = w1.try_into().unwrap_or(&[0.0; NR]);
        for r in 0..R {
            let x0 = x[r * ldx + 2 * kk];
            let x1 = x[r * ldx + 2 * kk + 1];
            for j in 0..NR {
                acc[r][j] += x0 * w0[j];
                odd[r][j] += x1 * w1[j];
            }
        }
    }
    if let Ok(w) = <&[f32; NR]>::try_from(pairs.remainder()) {
        for r in 0..R {
            let xv = x[r * ldx + k - 1];
            for j in 0..NR {
                acc[r][j] += xv * w[j];
            }
        }
    }
    for r in 0..R {
        for j in 0..NR {
            out[r * ldo + j] = acc[r][j] + odd[r][j];
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn unsafe_avx2_gemm(p: &Packed, x: &[f32], ldx: usize, rows: usize, out: &mut [f32], ldo: usize) {
    #[target_feature(enable = "avx2,fma")]
    unsafe fn inner(p: &Packed, x: &[f32], ldx: usize, rows: usize, out: &mut [f32], ldo: usize) {
        gemm(&p.data, &p.bias, p.k, x, ldx, rows, out, ldo)
    }
    #[target_feature(enable = "avx2,fma,avx512f")]
    unsafe fn inner512(p: &Packed, x: &[f32], ldx: usize, rows: usize, out: &mut [f32], ldo: usize) {
        gemm(&p.data, &p.bias, p.k, x, ldx, rows, out, ldo)
    }
    // SAFETY: only called after checking that the CPU has AVX2 and FMA (and AVX-512F
    // for the wider build).
    unsafe {
        if has_avx512() {
            inner512(p, x, ldx, rows, out, ldo)
        } else {
            inner(p, x, ldx, rows, out, ldo)
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn unsafe_avx2_gemm(p: &Packed, x: &[f32], ldx: usize, rows: usize, out: &mut [f32], ldo: usize) {
    gemm(&p.data, &p.bias, p.k, x, ldx, rows, out, ldo)
}

/// Whether the AVX2 builds of the kernels may run on this CPU.
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && std::env::var_os("FERRY_NO_AVX2").is_none())
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// e^x to about 2e-7 relative error on [-87, 88]; branch-free, so loops over it vectorise.
/// Whether the AVX-512 build of the matrix kernel may run (16-wide registers, 32 of them).
pub fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| has_avx2() && is_x86_feature_detected!("avx512f") && std::env::var_os("FERRY_NO_AVX512").is_none())
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer
    #[allow(clippy::manual_clamp)] // max/min map NaN to a bound; clamp would keep it
    let x = x.max(-87.0).min(88.0);
    let n = (x * LOG2E + ROUND) - ROUND;
    let f = x - n * LN2_HI - n * LN2_LO;
    // Minimax polynomial of e^f on [-ln2/2, ln2/2] (Cephes expf).
    let mut p = 1.987_569_1e-4f32;
    p = p * f + 1.398_2e-3;
    p = p * f + 8.333_452e-3;
    p = p * f + 4.166_579_6e-2;
    p = p * f + 1.666_666_5e-1;
    p = p * f + 0.5;
    let y = p * f * f + f + 1.0;
    y * f32::from_bits(((n as i32 + 127) << 23) as u32)
}

#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    2.0 / (1.0 + exp(-2.0 * x)) - 1.0
}

/// One GRU update for a row, PyTorch gate order (r, z, n): `gi = W_ih·x + b_ih`,
/// `gh = W_hh·h + b_hh` (each `3H`), `h ← (1 − z)·n + z·h`.
pub fn gru_update(gi: &[f32], gh: &[f32], h: &mut [f32]) {
    if has_avx2() {
        avx2_gru(gi, gh, h)
    } else {
        gru_impl(gi, gh, h)
    }
}

#[inline(always)]
fn gru_impl(gi: &[f32], gh: &[f32], h: &mut [f32]) {
    let n = h.len();
    let (ir, rest) = gi[..3 * n].split_at(n);
    let (iz, inn) = rest.split_at(n);
    let (hr, rest) = gh[..3 * n].split_at(n);
    let (hz, hn) = rest.split_at(n);
    for j in 0..n {
        let r = sigmoid(ir[j] + hr[j]);
        let z = sigmoid(iz[j] + hz[j]);
        let c = tanh(inn[j] + r * hn[j]);
        h[j] = c + z * (h[j] - c);
    }
}

#[cfg(target_arch = "x86_64")]
fn avx2_gru(gi: &[f32], gh: &[f32], h: &mut [f32]) {
    #[target_feature(enable = "avx2,fma")]
    unsafe fn inner(gi: &[f32], gh: &[f32], h: &mut [f32]) {
        gru_impl(gi, gh, h)
    }
    // SAFETY: only called after checking that the CPU has AVX2 and FMA.
    unsafe { inner(gi, gh, h) }
}

#[cfg(not(target_arch = "x86_64"))]
fn avx2_gru(gi: &[f32], gh: &[f32], h: &mut [f32]) {
    gru_impl(gi, gh, h)
}

/// `v ← max(v, 0)`.
pub fn relu(v: &mut [f32]) {
    for x in v {
        *x = x.max(0.0);
    }
}

/// `v ← e^(v − max v)` in place; returns the sum (a softmax's normaliser).
pub fn exp_shifted(v: &mut [f32]) -> f32 {
    let max = v.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    if has_avx2() {
        avx2_exp_sum(v, max)
    } else {
        exp_sum(v, max)
    }
}

#[inline(always)]
fn exp_sum(v: &mut [f32], max: f32) -> f32 {
    let mut acc = [0f32; 8];
    for c in v.chunks_mut(8) {
        for (x, a) in c.iter_mut().zip(acc.iter_mut()) {
            *x = exp(*x - max);
            *a += *x;
        }
    }
    acc.iter().sum()
}

#[cfg(target_arch = "x86_64")]
fn avx2_exp_sum(v: &mut [f32], max: f32) -> f32 {
    #[target_feature(enable = "avx2,fma")]
    unsafe fn inner(v: &mut [f32], max: f32) -> f32 {
        exp_sum(v, max)
    }
    // SAFETY: only called after checking that the CPU has AVX2 and FMA.
    unsafe { inner(v, max) }
}

#[cfg(not(target_arch = "x86_64"))]
fn avx2_exp_sum(v: &mut [f32], max: f32) -> f32 {
    exp_sum(v, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_sigmoid_tanh_are_accurate() {
        for i in -2000..=2000 {
            let x = i as f32 * 0.04;
            let e = exp(x);
            assert!(((e - x.exp()) / x.exp()).abs() < 1e-6, "exp({x}) = {e} vs {}", x.exp());
            assert!((sigmoid(x) - 1.0 / (1.0 + (-x).exp())).abs() < 1e-6);
            assert!((tanh(x) - x.tanh()).abs() < 2e-6, "tanh({x})");
        }
        assert_eq!(exp(-1000.0), exp(-87.0));
        assert!(exp(1000.0).is_finite());
    }

    #[test]
    fn packed_matmul_matches_naive() {
        let (n, k) = (37, 23);
        let w: Vec<f32> = (0..n * k).map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0).collect();
        let b: Vec<f32> = (0..n).map(|i| i as f32 * 0.01).collect();
        let p = Packed::new(&w, Some(&b), n, k);
        for rows in [1, 5, 6, 7, 13] {
            let ldx = k + 3;
            let x: Vec<f32> = (0..rows * ldx).map(|i| ((i * 31) % 17) as f32 / 8.0 - 1.0).collect();
            let ldo = p.n_padded();
            let mut out = vec![0f32; rows * ldo];
            p.matmul(&x, ldx, rows, &mut out, ldo);
            let mut base = vec![0f32; rows * ldo];
            p.matmul_baseline(&x, ldx, rows, &mut base, ldo);
            for r in 0..rows {
                for o in 0..n {
                    assert!((out[r * ldo + o] - base[r * ldo + o]).abs() < 1e-4);
                }
                for o in 0..n {
                    let want: f32 = b[o] + (0..k).map(|c| x[r * ldx + c] * w[o * k + c]).sum::<f32>();
                    assert!((out[r * ldo + o] - want).abs() < 1e-4, "row {r} out {o}");
                }
            }
        }
    }
}
