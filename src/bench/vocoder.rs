//! `ferry bench vocoder`: speed and memory of one vocoder (family + preset, random
//! weights — speed does not depend on training) on the log-mel of a test signal.
//!
//! - RTF at batch 1: best of `runs` timed calls on `seconds` of audio, after a warm-up;
//! - batched RTF: one `[batch, n_mels, frames]` call, per second of audio produced;
//! - time to first audio: the wall time to vocode the first second of mel on its own,
//!   what a player that vocodes in chunks waits before it can start;
//! - peak memory: the process's peak resident memory during the timed calls (CPU), or the
//!   GPU memory the process holds after them (CUDA).

use std::time::Instant;

use tch::{Device, Tensor};

use super::machine;
use super::record::BenchRecord;
use crate::audio::{MelConfig, MelExtractor};
use crate::error::Result;
use crate::provenance;
use crate::vocoder::{self, Family, Precision, VocodeOptions, Vocoder};

/// What to measure.
#[derive(Debug, Clone)]
pub struct VocoderBench {
    pub family: Family,
    pub config: String,
    pub seconds: f64,
    pub batch: usize,
    pub threads: usize,
    pub runs: usize,
    pub device: Device,
    pub options: VocodeOptions,
    /// Arithmetic precision (bf16: gan, flow, diffusion).
    pub precision: Precision,
}

fn sync(device: Device) {
    if let Device::Cuda(n) = device {
        tch::Cuda::synchronize(n as i64);
    }
}

fn timed(voc: &dyn Vocoder, mel: &Tensor, opts: &VocodeOptions, device: Device) -> Result<f64> {
    let t = Instant::now();
    let wav = voc.vocode(mel, opts)?;
    sync(device);
    drop(std::hint::black_box(wav));
    Ok(t.elapsed().as_secs_f64())
}

/// Runs one measurement and returns its record (not yet saved).
pub fn run(b: &VocoderBench) -> Result<BenchRecord> {
    crate::device::set_threads(b.threads);
    let mel_cfg = MelConfig::default();
    let mut voc = vocoder::build_random(b.family, &b.config, &mel_cfg, b.device)?;
    voc.set_precision(b.precision)?;
    let signal = super::test_signal(b.seconds, mel_cfg.sampling_rate);
    let mel = MelExtractor::new(&mel_cfg)?.compute(&signal).to_tensor().to_device(b.device); // [1, n_mels, F]
    let frames = mel.size()[2];
    let audio_s = (frames as usize * mel_cfg.hop_size) as f64 / mel_cfg.sampling_rate as f64;
    let first = mel.narrow(2, 0, frames.min((mel_cfg.sampling_rate as usize / mel_cfg.hop_size) as i64)); // ~1 s

    let _guard = tch::no_grad_guard();
    timed(voc.as_ref(), &first, &b.options, b.device)?; // warm-up
    let reset = machine::reset_peak_rss();
    let ttfa = timed(voc.as_ref(), &first, &b.options, b.device)?;
    let mut best = f64::INFINITY;
    for _ in 0..b.runs.max(1) {
        best = best.min(timed(voc.as_ref(), &mel, &b.options, b.device)?);
    }
    let rtf_batched = if b.batch > 1 {
        let batched = mel.repeat([b.batch as i64, 1, 1]); // [B, n_mels, F]
        Some(timed(voc.as_ref(), &batched, &b.options, b.device)? / (audio_s * b.batch as f64))
    } else {
        None
    };
    let peak = match b.device {
        Device::Cpu => machine::peak_rss_mib(),
        d => machine::gpu_memory_mib(d),
    };
    let rtf = best / audio_s;
    let date = provenance::utc_now();
    let mut note = String::new();
    if b.device == Device::Cpu && !reset {
        note.push_str("peak memory covers the whole process (clear_refs not allowed)");
    }
    Ok(BenchRecord {
        kind: "vocoder".into(),
        family: b.family.key().into(),
        model: voc.model_name().into(),
        config: {
            let mut c = match (b.family, b.options.steps) {
                (Family::Diffusion, Some(n)) => format!("{} ({n} steps)", b.config),
                _ => b.config.clone(),
            };
            if b.precision != Precision::Fp32 {
                c.push_str(&format!(" {}", b.precision));
            }
            c
        },
        date,
        revision: provenance::git_revision(),
        machine: provenance::hostname(),
        cpu: provenance::cpu_description(),
        device: device_label(b.device),
        threads: b.threads,
        seconds_of_audio: audio_s,
        compute_s: best,
        rtf,
        x_real_time: 1.0 / rtf,
        batch: b.batch.max(1),
        rtf_batched,
        ttfa_s: Some(ttfa),
        peak_mem_mib: peak,
        note,
    })
}

/// "cpu", or "cuda:N (GPU name)".
pub fn device_label(device: Device) -> String {
    match device {
        Device::Cpu => "cpu".into(),
        Device::Cuda(n) => match provenance::gpu_description(device) {
            Some(name) => format!("cuda:{n} ({name})"),
            None => format!("cuda:{n}"),
        },
        other => format!("{other:?}"),
    }
}

/// What `ferry bench all` measures of a family: each model's bench presets, each in every
/// precision the model runs in (the registry's rows; Griffin-Lim: its one setting in fp32).
pub fn bench_matrix(family: Family) -> Vec<(&'static str, &'static [Precision])> {
    if family == Family::GriffinLim {
        return vec![("default", &[Precision::Fp32])];
    }
    vocoder::registry::models_of(family).flat_map(|m| m.bench_presets.iter().map(move |&c| (c, m.precisions))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_config_builds() {
        let mel = MelConfig::default();
        for family in Family::ALL {
            for (config, precisions) in bench_matrix(family) {
                let mut voc =
                    vocoder::build_random(family, config, &mel, Device::Cpu).unwrap_or_else(|e| panic!("bench all would skip {family} {config}: {e}"));
                for &p in precisions {
                    assert!(voc.supports(p), "{family} {config} {p}");
                    voc.set_precision(p).unwrap();
                }
            }
        }
    }

    #[test]
    fn griffin_lim_row_has_every_number() {
        let b = VocoderBench {
            family: Family::GriffinLim,
            config: "default".into(),
            seconds: 0.5,
            batch: 2,
            threads: 1,
            runs: 1,
            device: Device::Cpu,
            options: VocodeOptions { iterations: Some(4), ..Default::default() },
            precision: Precision::Fp32,
        };
        let r = run(&b).unwrap();
        assert_eq!((r.family.as_str(), r.batch, r.threads), ("griffin-lim", 2, 1));
        assert!(r.rtf > 0.0 && (r.x_real_time * r.rtf - 1.0).abs() < 1e-9);
        assert!(r.rtf_batched.unwrap() > 0.0 && r.ttfa_s.unwrap() > 0.0);
        assert!((r.seconds_of_audio - 0.5).abs() < 0.02);
        assert_eq!(r.device, "cpu");
    }
}
