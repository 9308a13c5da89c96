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

/// The git revision of the working tree, when git is available.
pub fn git_revision() -> String {
    // A binary carried to a machine without the repository is told its revision.
    if let Some(rev) = std::env::var("FERRY_REVISION").ok().filter(|r| !r.trim().is_empty()) {
        return rev.trim().to_string();
    }
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
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

/// The current UTC date and time as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, Hinnant).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Proleptic Gregorian (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_415), (2025, 11, 23));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(super::utc_now().len(), 20);
    }
}
