//! `ferry bench ar`: WaveRNN generation speed — samples per second and real-time factor,
//! sequential and folded, for the plain-Rust (CPU) and libtorch sampling loops.

use tch::Device;

use crate::audio::{MelConfig, MelExtractor};
use crate::error::Result;
use crate::vocoder::ar::{Config, Engine, GenerateOptions, WaveRnnVocoder};

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
    let cfg = Config::from_preset_or_file(&b.config, &mel_cfg)?;
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
            let mut err = None;
            let best_s = super::best_of(b.runs, || {
                if let Err(e) = voc.vocode_with(&mel, &g) {
                    err = Some(e);
                }
            });
            if let Some(e) = err {
                return Err(e);
            }
            let folds = crate::vocoder::ar::fold::Folds::new(n, target, overlap).count;
            let audio_s = n as f64 / mel_cfg.sampling_rate as f64;
            out.push(ArRun {
                config: b.config.clone(),
                parameters: voc.parameters(),
                engine: format!("{engine:?}").to_lowercase(),
                mode: if target == 0 { "sequential".into() } else { format!("folded {target}/{overlap}") },
                folds,
                seconds_of_audio: audio_s,
                best_s,
                samples_per_s: n as f64 / best_s,
                rtf: best_s / audio_s,
            });
        }
    }
    Ok(out)
}
