//! What a training run spends and when it must stop: the process's CPU time (user + system,
//! every thread, from `getrusage`), wall time, the `--minutes` budget, and the stop flag that
//! SIGINT / SIGTERM raise so the trainer can write a checkpoint before it exits.
//!
//! A model's budget is counted in CPU-seconds (docs/ARCHITECTURE.md, "Training"): two training
//! threads on a shared 2-core machine give anywhere from 1 to 2 CPU-seconds per wall second, so
//! wall time alone does not compare runs. The totals accumulate across resumes in the
//! checkpoint's metadata ([`Spent`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::nn::safetensors::Metadata;

/// CPU time this process has used so far (user + system, all threads), in seconds.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// The flag SIGINT (Ctrl-C), SIGTERM and SIGHUP raise, installed on first use. A second
/// signal exits at once with status 130, for a user who does not want to wait.
pub fn stop_flag() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    });
    &STOP
}

/// Why a run stopped before its last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The `--minutes` budget ran out.
    Budget,
    /// The model's CPU-seconds budget (across resumes) is spent.
    CpuBudget,
    /// SIGINT / SIGTERM / SIGHUP.
    Signal,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopReason::Budget => "the --minutes budget ran out",
            StopReason::CpuBudget => "the model's CPU-time budget is spent",
            StopReason::Signal => "a stop signal arrived",
        })
    }
}

/// A wall-clock budget and the stop flag, checked between steps.
#[derive(Debug)]
pub struct Budget {
    start: Instant,
    limit: Option<Duration>,
    flag: Option<&'static AtomicBool>,
}

impl Budget {
    /// `minutes`: the wall-time budget of this call (None = unlimited). `watch_signals`
    /// installs the SIGINT/SIGTERM handler and stops on it.
    pub fn new(minutes: Option<f64>, watch_signals: bool) -> Budget {
        let limit = minutes.map(|m| Duration::from_secs_f64((m * 60.0).max(0.0)));
        Budget { start: Instant::now(), limit, flag: watch_signals.then(stop_flag) }
    }

    /// Whether the run should stop now, and why.
    pub fn should_stop(&self) -> Option<StopReason> {
        if self.flag.is_some_and(|f| f.load(Ordering::SeqCst)) {
            return Some(StopReason::Signal);
        }
        match self.limit {
            Some(l) if self.start.elapsed() >= l => Some(StopReason::Budget),
            _ => None,
        }
    }
}

/// Totals a checkpoint carries across resumes: CPU-seconds, wall seconds, the steps run and
/// the hardware of every segment (one segment per `ferry train` call).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spent {
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
    /// Steps run, summed over segments.
    pub steps: u64,
    pub segments: Vec<Segment>,
}

/// One `ferry train` call's share of a model's training.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    pub from_step: u64,
    pub to_step: u64,
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
    /// The machine (CPU model and cores, or the GPU), and the libtorch thread count.
    pub hardware: String,
    pub threads: i64,
    pub revision: String,
    /// bfloat16 autocast on or off.
    pub autocast: bool,
}

/// Metadata key of the [`Spent`] JSON.
pub const SPENT_KEY: &str = "spent";

impl Spent {
    /// The totals stored in a checkpoint's metadata (zero for a checkpoint that has none).
    pub fn from_metadata(meta: &Metadata) -> Spent {
        meta.get(SPENT_KEY).and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
    }

    /// These totals plus a segment in progress.
    pub fn with(&self, seg: &Segment) -> Spent {
        let mut s = self.clone();
        s.cpu_seconds += seg.cpu_seconds;
        s.wall_seconds += seg.wall_seconds;
        s.steps += seg.to_step.saturating_sub(seg.from_step);
        s.segments.push(seg.clone());
        s
    }

    /// The hardware of every segment, each named once, in order ("A; B").
    pub fn hardware(&self) -> String {
        let mut seen: Vec<&str> = Vec::new();
        for s in &self.segments {
            if !s.hardware.is_empty() && !seen.contains(&s.hardware.as_str()) {
                seen.push(&s.hardware);
            }
        }
        seen.join("; ")
    }
}

/// Measures one segment: CPU and wall time since it began.
#[derive(Debug)]
pub struct SegmentClock {
    cpu0: f64,
    wall0: Instant,
}

impl SegmentClock {
    pub fn start() -> SegmentClock {
        SegmentClock { cpu0: process_cpu_seconds(), wall0: Instant::now() }
    }
    pub fn cpu_seconds(&self) -> f64 {
        (process_cpu_seconds() - self.cpu0).max(0.0)
    }
    pub fn wall_seconds(&self) -> f64 {
        self.wall0.elapsed().as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        // Spins until the counter has moved by 0.05 CPU-s: a loaded machine only makes that
        // take longer (bounded at a minute), so no rate is assumed.
        let t0 = process_cpu_seconds();
        let start = Instant::now();
        let mut x = 0u64;
        while process_cpu_seconds() - t0 < 0.05 && start.elapsed() < Duration::from_secs(60) {
            for _ in 0..100_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
        }
        std::hint::black_box(x);
        let spent = process_cpu_seconds() - t0;
        assert!(spent >= 0.05, "a minute of spinning counted {spent} CPU-s");
    }

    #[test]
    fn totals_accumulate_over_segments_and_name_each_machine_once() {
        let seg =
            |a, b, cpu, hw: &str| Segment { from_step: a, to_step: b, cpu_seconds: cpu, wall_seconds: cpu / 2.0, hardware: hw.into(), ..Default::default() };
        let s = Spent::default().with(&seg(0, 100, 10.0, "cpu A")).with(&seg(100, 250, 5.0, "gpu B")).with(&seg(250, 300, 1.0, "cpu A"));
        assert_eq!(s.steps, 300);
        assert!((s.cpu_seconds - 16.0).abs() < 1e-9 && (s.wall_seconds - 8.0).abs() < 1e-9);
        assert_eq!(s.hardware(), "cpu A; gpu B");
        let mut meta = Metadata::new();
        meta.insert(SPENT_KEY.into(), serde_json::to_string(&s).unwrap());
        let back = Spent::from_metadata(&meta);
        assert_eq!((back.steps, back.segments.len(), back.hardware()), (s.steps, s.segments.len(), s.hardware()));
        assert!((back.cpu_seconds - s.cpu_seconds).abs() < 1e-9);
        assert_eq!(Spent::from_metadata(&Metadata::new()), Spent::default());
    }

    #[test]
    fn a_zero_budget_stops_at_once_and_none_never_does() {
        assert_eq!(Budget::new(Some(0.0), false).should_stop(), Some(StopReason::Budget));
        assert_eq!(Budget::new(None, false).should_stop(), None);
        assert_eq!(Budget::new(Some(10.0), false).should_stop(), None);
    }
}
