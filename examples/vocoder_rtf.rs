//! Real-time factor of a random-weight vocoder at batch 1 on this machine, built from a
//! preset through the registry (`ferry::vocoder::build_random`).
//!
//! cargo run --release --example vocoder_rtf -- FAMILY CONFIG [SECONDS] [THREADS] [RUNS] [KNOB]
//! KNOB: diffusion steps (e.g. 6), flow σ (e.g. 0.6), or `bf16` (gan only).
//! e.g. `... -- gan v1 10 2 3`, `... -- diffusion base 10 2 1 6`, `... -- flow paper 10 2 1 0.6`

use ferry::audio::MelConfig;
use ferry::vocoder::{build_random, Family, Precision, VocodeOptions, Vocoder};
use tch::{Device, Kind, Tensor};

fn main() -> ferry::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let family: Family = arg(0, "gan").parse()?;
    let config = arg(1, "v1");
    let parse =
        |i: usize, d: &str| -> ferry::Result<f64> { arg(i, d).parse::<f64>().map_err(|_| ferry::Error::arg(format!("argument {} must be a number", i + 1))) };
    let seconds = parse(2, "10")?;
    let threads = parse(3, "2")? as usize;
    let runs = parse(4, "3")? as usize;
    let knob = arg(5, "");
    let bf16 = knob == "bf16";
    ferry::device::set_threads(threads);
    ferry::device::seed_everything(0);
    let mel_cfg = MelConfig::default();
    let mut voc: Box<dyn Vocoder> = build_random(family, &config, &mel_cfg, Device::Cpu)?;
    if bf16 {
        voc.set_precision(Precision::Bf16)?;
    }
    let frames = (seconds * mel_cfg.sampling_rate as f64) as i64 / mel_cfg.hop_size as i64;
    let mel = Tensor::randn([1, mel_cfg.num_mels as i64, frames], (Kind::Float, Device::Cpu)) - 5.0;
    let mut opts = VocodeOptions { seed: Some(0), temperature: Some(1.0), ..Default::default() };
    match family {
        Family::Diffusion if !knob.is_empty() => opts.steps = knob.parse().ok(),
        Family::Flow if !knob.is_empty() => opts.sigma = knob.parse().ok(),
        _ => {}
    }
    let mut err = None;
    let best = ferry::bench::best_of(runs, || {
        if let Err(e) = voc.vocode(&mel, &opts) {
            err = Some(e);
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    let audio = (frames as usize * mel_cfg.hop_size) as f64 / mel_cfg.sampling_rate as f64;
    println!(
        "ferry {family} {config} {knob} threads={threads} audio={audio:.2}s best={best:.3}s rtf={:.4} x_real_time={:.3} rev={}",
        best / audio,
        audio / best,
        ferry::provenance::git_revision()
    );
    Ok(())
}
