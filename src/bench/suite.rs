//! `ferry bench all`: every family and preset this build can run, plus the teacher, in
//! one run on one machine; appends the records to `bench/results/` and rewrites
//! `bench/README.md` with the table.

use std::path::{Path, PathBuf};

use tch::Device;

use super::record::{self, BenchRecord};
use super::vocoder::{self, VocoderBench};
use crate::error::{Error, Result};
use crate::vocoder::{Family, Precision, VocodeOptions};

/// What `ferry bench all` measures.
#[derive(Debug, Clone)]
pub struct Suite {
    pub families: Vec<Family>,
    pub seconds: f64,
    pub batch: usize,
    pub threads: Vec<usize>,
    pub runs: usize,
    pub device: Device,
    pub teacher: bool,
    pub options: VocodeOptions,
}

/// Records measured and rows that could not be (family/config, reason).
pub struct SuiteResult {
    pub records: Vec<BenchRecord>,
    pub skipped: Vec<(String, String)>,
}

/// Runs the suite; `progress` is told each row before it starts.
pub fn run(s: &Suite, mut progress: impl FnMut(&str)) -> Result<SuiteResult> {
    let (mut records, mut skipped) = (Vec::new(), Vec::new());
    for &threads in &s.threads {
        if s.teacher {
            progress(&format!("teacher, {threads} thread(s)"));
            match super::teacher::run(threads, s.runs, s.device) {
                Ok(r) => records.push(r),
                Err(e) => skipped.push((format!("teacher ({threads} threads)"), e.to_string())),
            }
        }
        for &family in &s.families {
            for (config, precisions) in vocoder::bench_matrix(family) {
                for &precision in precisions {
                    let label = match precision {
                        Precision::Fp32 => format!("{family} {config}"),
                        p => format!("{family} {config} {p}"),
                    };
                    progress(&format!("{label}, {threads} thread(s)"));
                    let b = VocoderBench {
                        family,
                        config: config.to_string(),
                        seconds: s.seconds,
                        batch: s.batch,
                        threads,
                        runs: s.runs,
                        device: s.device,
                        options: s.options.clone(),
                        precision,
                    };
                    match run_isolated(&b) {
                        Ok(r) => records.push(r),
                        Err(e) => {
                            if !skipped.iter().any(|(k, _)| k == &label) {
                                skipped.push((label, e.to_string()));
                            }
                        }
                    }
                }
            }
        }
    }
    if records.is_empty() {
        return Err(Error::External("no benchmark row could be measured (see the reasons above)".into()));
    }
    Ok(SuiteResult { records, skipped })
}

/// Runs one vocoder row in a fresh `ferry bench vocoder` process, so that its peak memory
/// is its own (libtorch keeps what earlier rows allocated resident in this process).
fn run_isolated(b: &VocoderBench) -> Result<BenchRecord> {
    let exe = std::env::current_exe().map_err(|e| Error::External(format!("cannot find the ferry executable: {e}")))?;
    let dir = std::env::temp_dir().join(format!("ferry-bench-row-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let device = match b.device {
        Device::Cuda(n) => format!("cuda:{n}"),
        _ => "cpu".into(),
    };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["bench", "vocoder", "--family", b.family.key(), "--config", &b.config, "--device", &device])
        .args(["--seconds", &b.seconds.to_string(), "--batch", &b.batch.to_string(), "--runs", &b.runs.to_string()])
        .args(["--thread-counts", &b.threads.to_string(), "--seed", &b.options.seed.unwrap_or(0).to_string()])
        .arg("--results")
        .arg(&dir);
    if let Some(n) = b.options.steps {
        cmd.args(["--steps", &n.to_string()]);
    }
    cmd.args(["--precision", &b.precision.to_string()]);
    let out = cmd.output().map_err(|e| Error::External(format!("cannot run ferry bench vocoder: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(no output)");
        return Err(Error::External(last.trim_start_matches("ferry: error: ").to_string()));
    }
    let file = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .ok_or_else(|| Error::External("ferry bench vocoder wrote no record".into()))?;
    let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut recs: Vec<BenchRecord> = serde_json::from_str(&text)?;
    recs.pop().ok_or_else(|| Error::External("ferry bench vocoder wrote no record".into()))
}

/// Appends the records to `results_dir/<date>-<machine>.json`; returns that path.
pub fn save(result: &SuiteResult, results_dir: &Path) -> Result<PathBuf> {
    let first = &result.records[0];
    let path = record::results_path(results_dir, &first.date, &first.machine);
    record::append(&path, &result.records)?;
    Ok(path)
}

/// The line of `bench/README.md` below which `ferry bench all` keeps what is there (the
/// sections of the other benchmarks).
pub const KEEP_MARKER: &str = "<!-- ferry bench all rewrites what is above this line and keeps what follows -->";

/// The README for `bench/`: the latest table, its provenance and the definitions.
pub fn readme(result: &SuiteResult, command: &str, results_file: &Path) -> String {
    let r = &result.records[0];
    let mut s = format!(
        "# Ferry benchmarks\n\n\
         Latest run: `{command}` on {} (machine `{}`, {}), revision `{}`. Every row below was\n\
         measured in that one run on that one machine; the teacher (Piper) row is the one to\n\
         compare against. Raw records, with every earlier run: `{}`.\n\n",
        r.date,
        r.machine,
        r.cpu,
        r.revision,
        results_file.display()
    );
    s.push_str(&record::markdown_table(&result.records));
    s.push_str(
        "\nDefinitions:\n\
         - **RTF** (real-time factor) = seconds of compute per second of audio, batch 1, best of the timed\n\
         \x20 runs after a warm-up; **× real time** = 1 / RTF. Vocoder rows time mel → waveform on the log-mel\n\
         \x20 of a test signal (random weights: speed does not depend on training); the teacher row is\n\
         \x20 end to end, text → waveform.\n\
         - **RTF batched**: one call on `batch` copies of the mel, per second of audio produced.\n\
         - **first audio**: vocoder rows, the time to vocode the first second of mel on its own (what a\n\
         \x20 player that vocodes in chunks waits); teacher row, the time until Piper yields its first\n\
         \x20 sentence.\n\
         - **peak MiB**: each row runs in its own process; peak resident memory during the timed calls on\n\
         \x20 CPU (VmHWM, reset before them; libtorch and the model included), GPU memory the process holds\n\
         \x20 after them on CUDA (nvidia-smi); the teacher's is its Python process's VmHWM.\n",
    );
    if !result.skipped.is_empty() {
        s.push_str("\nNot measured in this run:\n");
        for (what, why) in &result.skipped {
            s.push_str(&format!("- {what}: {why}\n"));
        }
    }
    s
}
