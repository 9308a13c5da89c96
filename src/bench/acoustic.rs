//! `ferry bench acoustic`: mel frames per second of FastPitch inference (random weights,
//! every symbol held for 6 frames — about the speaking rate of read speech) at several
//! batch sizes.

use std::time::Instant;

use tch::{Device, Kind, Tensor};

use crate::acoustic::{AcousticConfig, AcousticModel, Config, Controls};
use crate::audio::MelConfig;
use crate::error::{Error, Result};

/// Frames every symbol is held for in the benchmark.
pub const FRAMES_PER_SYMBOL: f64 = 6.0;

/// One measured batch size.
#[derive(Debug, Clone)]
pub struct Row {
    pub batch: usize,
    /// Mel frames produced per call (all utterances of the batch).
    pub frames: i64,
    /// Best wall time of one call, in seconds.
    pub seconds: f64,
}

impl Row {
    pub fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.seconds
    }
    /// Seconds of audio per second of compute.
    pub fn times_real_time(&self, mel: &MelConfig) -> f64 {
        self.frames_per_second() * mel.hop_size as f64 / mel.sampling_rate as f64
    }
}

/// A preset name (`tiny`, `full`) or a JSON config file.
pub fn load_config(spec: &str, n_symbols: i64) -> Result<Config> {
    if spec == "tiny" || spec == "full" {
        return Config::preset(spec, n_symbols);
    }
    let text = std::fs::read_to_string(spec).map_err(|e| Error::io(spec, e))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::config(spec, e.to_string()))?;
    Ok(AcousticConfig::from_json(&value)?.model)
}

/// Times inference of `symbols`-long utterances at each batch size (best of `runs`).
pub fn run(cfg: &Config, symbols: usize, batches: &[usize], runs: usize, device: Device) -> Result<Vec<Row>> {
    tch::manual_seed(0);
    let model = AcousticModel::random(cfg, &MelConfig::default(), device)?;
    let s = symbols.max(1) as i64;
    let mut rows = Vec::new();
    for &b in batches {
        let b64 = b.max(1) as i64;
        let text = (Tensor::randint(cfg.n_symbols - 1, [b64, s], (Kind::Int64, device)) + 1).to_kind(Kind::Int64);
        let lens = Tensor::full([b64], s, (Kind::Int64, device));
        let mut controls = Controls::neutral(b64, s, device);
        controls.fixed_frames = Tensor::full([b64, s], FRAMES_PER_SYMBOL, (Kind::Float, device));
        let call = || -> Result<i64> {
            let out = tch::no_grad(|| model.model.infer(&text, &lens, &controls))?;
            if let Device::Cuda(_) = device {
                tch::Cuda::synchronize(0);
            }
            Ok(out.mel_lens.sum(Kind::Int64).int64_value(&[]))
        };
        let frames = call()?; // warm-up
        let mut best = f64::INFINITY;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            call()?;
            best = best.min(t.elapsed().as_secs_f64());
        }
        rows.push(Row { batch: b, frames, seconds: best });
    }
    Ok(rows)
}
