//! `ferry bench ar`: WaveRNN generation speed — samples per second and real-time factor,
//! sequential and folded, for the plain-Rust (CPU) and libtorch sampling loops.

use tch::Device;

use crate::audio::{MelConfig, MelExtractor};
use crate::error::Result;
use crate::vocoder::ar::{Config, Engine, GenerateOptions, WaveRnnVocoder};
use crate::vocoder::model_config::ModelConfig;
use crate::vocoder::Vocoder;

/// One timed configuration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArRun {
    pub config: String,
    pub parameters: usize,
    pub engine: String,
    /// "sequential" or "folded T/O".
    pub mode: String,
    pub folds: usize,
    pub seconds_of_audio: f64,
    /// Best wall time over the runs.
    pub best_s: f64,
    /// Least CPU time (all threads of the process) over the runs, where the OS reports it.
    pub cpu_s: Option<f64>,
    /// Threads the sampling loop ran on.
    pub threads_used: usize,
    pub samples_per_s: f64,
    /// Seconds of compute per second of audio.
    pub rtf: f64,
}

/// What to time.
#[derive(Debug, Clone)]
pub struct ArBench {
    pub config: String,
    pub seconds: f64,
    pub seq_seconds: f64,
    pub runs: usize,
    pub target: usize,
    pub overlap: usize,
    pub engines: Vec<Engine>,
    pub sequential: bool,
    pub device: Device,
    pub threads: usize,
}

/// Times generation from the mel of a synthetic test signal with random weights.
pub fn run(b: &ArBench) -> Result<Vec<ArRun>> {
    let mel_cfg = MelConfig::default();
    let cfg = Config::from_name_or_file(&b.config, &mel_cfg)?;
    tch::manual_seed(0);
    let voc = WaveRnnVocoder::random(&cfg, &mel_cfg, b.device)?;
    let ex = MelExtractor::new(&mel_cfg)?;
    let mut out = Vec::new();
    let mut cases = vec![(b.seconds, b.target, b.overlap)];
    if b.sequential {
        cases.push((b.seq_seconds, 0, 0));
    }
    for &engine in &b.engines {
        if engine == Engine::Rust && b.device != Device::Cpu {
            continue;
        }
        for &(seconds, target, overlap) in &cases {
            let signal = super::test_signal(seconds, mel_cfg.sampling_rate);
            let mel = ex.compute(&signal).to_tensor();
            let n = (mel.size()[2] as usize) * mel_cfg.hop_size;
            let g = GenerateOptions { seed: 0, target, overlap, engine, threads: b.threads };
            let _ = voc.vocode_with(&mel, &g)?; // warm-up
            let (mut best_s, mut cpu_s) = (f64::INFINITY, None::<f64>);
            for _ in 0..b.runs.max(1) {
                let (t, c) = (std::time::Instant::now(), process_cpu_seconds());
                let _ = voc.vocode_with(&mel, &g)?;
                best_s = best_s.min(t.elapsed().as_secs_f64());
                if let (Some(c0), Some(c1)) = (c, process_cpu_seconds()) {
                    cpu_s = Some(cpu_s.map_or(c1 - c0, |m| m.min(c1 - c0)));
                }
            }
            let folds = crate::vocoder::ar::fold::Folds::new(n, target, overlap).count;
            let audio_s = n as f64 / mel_cfg.sampling_rate as f64;
            out.push(ArRun {
                config: b.config.clone(),
                parameters: voc.parameters() as usize,
                engine: format!("{engine:?}").to_lowercase(),
                mode: if target == 0 { "sequential".into() } else { format!("folded {target}/{overlap}") },
                folds,
                seconds_of_audio: audio_s,
                best_s,
                cpu_s,
                threads_used: if engine == Engine::Rust { b.threads.clamp(1, folds) } else { b.threads },
                samples_per_s: n as f64 / best_s,
                rtf: best_s / audio_s,
            });
        }
    }
    Ok(out)
}

/// CPU time used so far by this process (user + system, every thread), from
/// `/proc/self/stat` on Linux; `None` elsewhere. On a machine shared with other work the
/// wall time overstates the cost; CPU time divided by the threads used does not.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
