//! Real-time factor of a vocoder with random weights, built from a preset through the
//! registry (`ferry::vocoder::build_random`).
//!
//! cargo run --example vocoder_rtf -- diffusion base 10 6 [threads] [runs]
//! cargo run --example vocoder_rtf -- flow paper 10 [sigma] [threads] [runs]
//!
//! Arguments: family, preset (or JSON config), seconds of audio, steps (diffusion) or σ
//! (flow), threads (default 2), timed runs (default 1; the best is reported).

use std::time::Instant;

use ferry::audio::MelConfig;
use ferry::vocoder::{build_random, Family, VocodeOptions};
use tch::{Device, Kind, Tensor};

fn main() -> ferry::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let family: Family = arg(0, "diffusion").parse()?;
    let preset = arg(1, "base");
    let seconds: f64 = arg(2, "10").parse().map_err(|_| ferry::Error::arg("seconds must be a number"))?;
    let knob = arg(3, "");
    let threads: usize = arg(4, "2").parse().map_err(|_| ferry::Error::arg("threads must be a number"))?;
    let runs: usize = arg(5, "1").parse().map_err(|_| ferry::Error::arg("runs must be a number"))?;
    ferry::device::set_threads(threads);
    let mel_cfg = MelConfig::default();
    let voc = build_random(family, &preset, &mel_cfg, Device::Cpu)?;
    let frames = (seconds * mel_cfg.sampling_rate as f64 / mel_cfg.hop_size as f64).round() as i64;
    tch::manual_seed(0);
    let mel = Tensor::randn([1, mel_cfg.num_mels as i64, frames], (Kind::Float, Device::Cpu)) - 5.0;
    let mut opts = VocodeOptions { seed: Some(0), ..Default::default() };
    match family {
        Family::Diffusion if !knob.is_empty() => opts.steps = knob.parse().ok(),
        Family::Flow if !knob.is_empty() => opts.sigma = knob.parse().ok(),
        _ => {}
    }
    let audio_s = (frames * mel_cfg.hop_size as i64) as f64 / mel_cfg.sampling_rate as f64;
    let mut best = f64::INFINITY;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let out = voc.vocode(&mel, &opts)?;
        std::hint::black_box(out.size());
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{family} {preset} {knob}: {audio_s:.2} s of audio in {best:.2} s -> RTF {:.3} ({:.3}x real time), {} threads, batch 1, revision {}",
        best / audio_s,
        audio_s / best,
        tch::get_num_threads(),
        ferry::bench::git_revision()
    );
    Ok(())
}
