//! Benchmarks. Timings are reported, never asserted on in tests. Real-time factor (RTF)
//! = seconds of compute per second of audio; its inverse is "x real time".

pub mod acoustic;
pub mod ar;
pub mod machine;
pub mod mel;
pub mod profiler;
pub mod record;
pub mod say;
pub mod serve_load;
pub mod suite;
pub mod teacher;
pub mod text;
pub mod vocoder;

use std::time::Instant;

/// Runs `f` once to warm up, then `runs` times, and returns the fastest wall time in seconds.
pub fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    std::hint::black_box(f());
    (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// A deterministic test signal: a few gliding harmonics plus a little noise, in [-1, 1].
pub fn test_signal(seconds: f64, sample_rate: u32) -> Vec<f32> {
    let n = (seconds * sample_rate as f64) as usize;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|i| {
            let t = i as f64 / sample_rate as f64;
            let f0 = 120.0 + 40.0 * (0.5 * t).sin();
            let tone: f64 = (1..=5).map(|h| (2.0 * std::f64::consts::PI * f0 * h as f64 * t).sin() / h as f64).sum();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            (0.3 * tone + 0.05 * noise) as f32
        })
        .collect()
}
