//! Statistics of listening tests: mean and Student-t confidence interval per condition,
//! the paired Wilcoxon signed-rank test, the exact two-sided sign (binomial) test for A/B
//! preferences, and Holm's step-down correction for many comparisons.
//!
//! Wilcoxon signed-rank (as in Wilcoxon 1945; zero and tie handling as in scipy's
//! defaults): zero differences are dropped ("wilcox" zero method); tied |d| get average
//! ranks. With n ≤ [`EXACT_MAX_N`] non-zero differences the p-value is exact — the
//! permutation distribution of W+ over all 2^n sign patterns of the (possibly tied) ranks,
//! counted by dynamic programming on doubled ranks. Above that it is the normal
//! approximation with tie-corrected variance n(n+1)(2n+1)/24 − Σ(t³−t)/48 and a 0.5
//! continuity correction. Both are two-sided.

use serde::Serialize;

/// Largest number of non-zero differences for which the Wilcoxon p-value is exact.
pub const EXACT_MAX_N: usize = 25;

/// Mean, spread and 95 % confidence interval of a sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (n − 1 denominator); 0 when n < 2.
    pub sd: f64,
    /// Half-width of the 95 % interval, t(0.975, n−1)·sd/√n; `None` when n < 2.
    pub ci95: Option<f64>,
}

/// Summarises `x` (empty input gives n = 0 and a NaN mean).
pub fn summarize(x: &[f64]) -> Summary {
    let n = x.len();
    let mean = x.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Summary { n, mean, sd: 0.0, ci95: None };
    }
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let ci95 = Some(t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt());
    Summary { n, mean, sd, ci95 }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative).
pub fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let s = C[1..].iter().enumerate().fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// Regularised incomplete beta I_x(a, b), by its continued fraction (modified Lentz).
pub fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - inc_beta(1.0 - x, b, a);
    }
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    d = 1.0 / if d.abs() < tiny { tiny } else { d };
    let mut f = d;
    for m in 1..500 {
        let m = m as f64;
        for num in [m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)), -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))] {
            d = 1.0 + num * d;
            d = 1.0 / if d.abs() < tiny { tiny } else { d };
            c = 1.0 + num / c;
            c = if c.abs() < tiny { tiny } else { c };
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * f / a
}

/// Student-t cumulative distribution with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * inc_beta(df / (df + t * t), df / 2.0, 0.5);
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The p-quantile of Student's t (bisection on the CDF; p in (0, 1)).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (-1e4, 1e4);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Standard normal cumulative distribution (erfc by Chebyshev fit, |error| < 1.2e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let erfc = t * poly.exp();
    0.5 * if x >= 0.0 { erfc } else { 2.0 - erfc }
}

/// How a Wilcoxon p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WilcoxonMethod {
    /// Exact permutation distribution of W+ (ties kept as average ranks).
    Exact,
    /// Normal approximation with tie correction and continuity correction.
    Normal,
    /// No non-zero differences: nothing to test (p = 1).
    NoDifferences,
}

/// Result of a paired Wilcoxon signed-rank test of x against y (d = x − y).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wilcoxon {
    /// Pairs given.
    pub pairs: usize,
    /// Pairs with d = 0, dropped.
    pub zeros: usize,
    /// Non-zero differences tested.
    pub n: usize,
    /// Sum of the ranks of positive differences (x rated higher).
    pub w_plus: f64,
    pub w_minus: f64,
    /// The test statistic min(W+, W−).
    pub w: f64,
    /// Two-sided p-value.
    pub p: f64,
    pub method: WilcoxonMethod,
    /// z score (normal approximation only).
    pub z: Option<f64>,
}

/// Average ranks (1-based) of `v`, ties sharing the mean of their positions, and the tie group sizes.
fn average_ranks(v: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            ranks[k] = r;
        }
        ties.push(j - i + 1);
        i = j + 1;
    }
    (ranks, ties)
}

/// Paired two-sided Wilcoxon signed-rank test of `x` against `y` (same length).
pub fn wilcoxon(x: &[f64], y: &[f64]) -> Wilcoxon {
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    let nz: Vec<f64> = d.iter().copied().filter(|v| *v != 0.0).collect();
    let (pairs, n) = (d.len(), nz.len());
    if n == 0 {
        return Wilcoxon { pairs, zeros: pairs, n, w_plus: 0.0, w_minus: 0.0, w: 0.0, p: 1.0, method: WilcoxonMethod::NoDifferences, z: None };
    }
    let abs: Vec<f64> = nz.iter().map(|v| v.abs()).collect();
    let (ranks, ties) = average_ranks(&abs);
    let w_plus: f64 = nz.iter().zip(&ranks).filter(|(d, _)| **d > 0.0).map(|(_, r)| r).sum();
    let total = (n * (n + 1)) as f64 / 2.0;
    let w_minus = total - w_plus;
    let (p, method, z) = if n <= EXACT_MAX_N {
        // Doubled ranks are integers; count sign patterns by their doubled W+.
        let doubled: Vec<usize> = ranks.iter().map(|r| (r * 2.0).round() as usize).collect();
        let max: usize = doubled.iter().sum();
        let mut count = vec![0.0f64; max + 1];
        count[0] = 1.0;
        for &r in &doubled {
            for s in (r..=max).rev() {
                count[s] += count[s - r];
            }
        }
        let all = 2f64.powi(n as i32);
        let w2 = (w_plus * 2.0).round() as usize;
        let lower: f64 = count[..=w2].iter().sum::<f64>() / all;
        let upper: f64 = count[w2..].iter().sum::<f64>() / all;
        ((2.0 * lower.min(upper)).min(1.0), WilcoxonMethod::Exact, None)
    } else {
        let nf = n as f64;
        let mean = nf * (nf + 1.0) / 4.0;
        let tie_term: f64 = ties.iter().map(|&t| (t * t * t - t) as f64).sum::<f64>() / 48.0;
        let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term).sqrt();
        let dev = ((w_plus - mean).abs() - 0.5).max(0.0);
        let z = if sd > 0.0 { dev / sd * (w_plus - mean).signum() } else { 0.0 };
        ((2.0 * (1.0 - normal_cdf(z.abs()))).min(1.0), WilcoxonMethod::Normal, Some(z))
    };
    Wilcoxon { pairs, zeros: pairs - n, n, w_plus, w_minus, w: w_plus.min(w_minus), p, method, z }
}

/// Exact two-sided sign test: probability under Binomial(n, ½) of a split at least as
/// uneven as `k` of `n`.
pub fn sign_test(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let m = k.min(n - k);
    let ln_choose = |i: usize| ln_gamma(n as f64 + 1.0) - ln_gamma(i as f64 + 1.0) - ln_gamma((n - i) as f64 + 1.0);
    let tail: f64 = (0..=m).map(|i| (ln_choose(i) - n as f64 * 2f64.ln()).exp()).sum();
    (2.0 * tail).min(1.0)
}

/// Holm's step-down adjusted p-values (same order as given).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut idx: Vec<usize> = (0..m).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in idx.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Student-t table, two-sided 95 %.
        for (df, want) in [(1.0, 12.706205), (4.0, 2.776445), (9.0, 2.262157), (29.0, 2.045230), (1000.0, 1.962339)] {
            let got = t_quantile(0.975, df);
            assert!(close(got, want, 1e-5), "df {df}: {got} vs {want}");
        }
        assert!(close(normal_cdf(1.959964), 0.975, 1e-6));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
    }

    #[test]
    fn summary_by_hand() {
        // 60 70 80 90 100: mean 80, sd √250 = 15.8114, se 7.0711, t(.975,4) = 2.776445 → ±19.6324.
        let s = summarize(&[60.0, 70.0, 80.0, 90.0, 100.0]);
        assert_eq!(s.n, 5);
        assert!(close(s.mean, 80.0, 1e-12));
        assert!(close(s.sd, 250f64.sqrt(), 1e-12));
        assert!(close(s.ci95.unwrap(), 19.6324, 1e-4));
        assert_eq!(summarize(&[42.0]).ci95, None);
    }

    #[test]
    fn sign_test_and_holm_by_hand() {
        // 9 of 10 prefer A: P(X ≤ 1) = 11/1024, two-sided 22/1024.
        assert!(close(sign_test(9, 10), 22.0 / 1024.0, 1e-12));
        assert!(close(sign_test(5, 10), 1.0, 1e-12));
        assert_eq!(sign_test(0, 0), 1.0);
        // Holm on (0.01, 0.04, 0.03): sorted 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.06, 0.04·1) = 0.06.
        let h = holm(&[0.01, 0.04, 0.03]);
        assert!(close(h[0], 0.03, 1e-12) && close(h[1], 0.06, 1e-12) && close(h[2], 0.06, 1e-12));
    }
}
