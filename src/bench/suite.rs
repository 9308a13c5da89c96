//! `ferry bench all`: every family and preset this build can run, plus the teacher, in
//! one run on one machine; appends the records to `bench/results/` and rewrites
//! `bench/README.md` with the table.

use std::path::{Path, PathBuf};

use tch::Device;

use super::record::{self, BenchRecord};
use super::vocoder::{self, VocoderBench};
use crate::error::{Error, Result};
use crate::vocoder::{Family, VocodeOptions};

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
            for config in vocoder::default_configs(family) {
                progress(&format!("{family} {config}, {threads} thread(s)"));
                let b = VocoderBench {
                    family,
                    config: config.to_string(),
                    seconds: s.seconds,
                    batch: s.batch,
                    threads,
                    runs: s.runs,
                    device: s.device,
                    options: s.options.clone(),
                };
                match vocoder::run(&b) {
                    Ok(r) => records.push(r),
                    Err(e) => {
                        let key = format!("{family} {config}");
                        if !skipped.iter().any(|(k, _)| k == &key) {
                            skipped.push((key, e.to_string()));
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

/// Appends the records to `results_dir/<date>-<machine>.json`; returns that path.
pub fn save(result: &SuiteResult, results_dir: &Path) -> Result<PathBuf> {
    let first = &result.records[0];
    let path = record::results_path(results_dir, &first.date, &first.machine);
    record::append(&path, &result.records)?;
    Ok(path)
}

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
         - **peak MiB**: peak resident memory of the process during the timed calls on CPU (VmHWM, reset\n\
         \x20 before them), GPU memory the process holds after them on CUDA (nvidia-smi); the teacher's is\n\
         \x20 its Python process's peak.\n",
    );
    if !result.skipped.is_empty() {
        s.push_str("\nNot measured in this run:\n");
        for (what, why) in &result.skipped {
            s.push_str(&format!("- {what}: {why}\n"));
        }
    }
    s
}
