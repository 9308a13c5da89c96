//! Copy synthesis with the library API: WAV → log-mel → Griffin-Lim → WAV.
//!
//! cargo run --release --example resynth -- data/samples/teacher.wav /tmp/resynth.wav

use ferry::audio::{self, MelConfig, MelExtractor, SampleFormat};
use ferry::vocoder::{griffin_lim::GriffinLim, VocodeOptions, Vocoder};

fn main() -> ferry::Result<()> {
    let mut args = std::env::args().skip(1);
    let input = args.next().unwrap_or_else(|| "data/samples/teacher.wav".into());
    let output = args.next().unwrap_or_else(|| "resynth.wav".into());

    let cfg = MelConfig::default(); // 22 050 Hz, 80 mels, hop 256 (DESIGN.md)
    let (wav, _) = audio::read_wav(&input)?;
    let wav = audio::resample::resample(&wav, cfg.sampling_rate)?;
    let mel = MelExtractor::new(&cfg)?.compute(&wav.samples); // [80, frames]

    let vocoder = GriffinLim::new(&cfg, tch::Device::Cpu)?;
    let out = vocoder.vocode(&mel.to_tensor(), &VocodeOptions { iterations: Some(32), ..Default::default() })?; // [1, frames * 256]
    let samples = Vec::<f32>::try_from(out.flatten(0, -1))?;
    audio::write_wav(&output, &audio::Audio::new(samples, cfg.sampling_rate), SampleFormat::Pcm16)?;
    println!("{input} -> {output}: {} mel frames", mel.frames);
    Ok(())
}
