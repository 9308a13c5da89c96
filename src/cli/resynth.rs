//! `ferry resynth`: copy synthesis (wav → mel → wav) through any vocoder.

use std::path::PathBuf;

use clap::Args;

use super::{optional_voice, pick_device, GlobalArgs, VocoderArgs};
use crate::audio::{self, MelConfig, MelExtractor, SampleFormat};
use crate::error::{Error, Result};
use crate::vocoder::{self, griffin_lim::GriffinLim, Family, Vocoder};

#[derive(Debug, Args)]
pub struct ResynthArgs {
    /// Input WAV (any rate, any bit depth, mono or stereo).
    pub input: PathBuf,
    /// Output WAV (`-` writes the WAV to stdout).
    #[arg(short, long, required_unless_present = "play")]
    pub output: Option<PathBuf>,
    /// Stream the resynthesis to the sound card as it is vocoded.
    #[arg(long)]
    pub play: bool,
    /// Sound output device for --play (see `ferry devices`; default: the system default).
    #[arg(long)]
    pub output_device: Option<String>,
    /// Voice whose mel definition and vocoders to use (name or directory). Default: joe if
    /// installed, else the standard 22 050 Hz mel with Griffin-Lim only.
    #[arg(long)]
    pub voice: Option<String>,
    #[command(flatten)]
    pub vocoder: VocoderArgs,
    /// Write 32-bit float samples instead of 16-bit PCM.
    #[arg(long)]
    pub float: bool,
}

pub fn run(g: &GlobalArgs, a: ResynthArgs) -> Result<()> {
    let voice = optional_voice(a.voice.as_deref())?;
    let mel_cfg = voice.as_ref().map_or_else(MelConfig::default, |v| v.config.mel.clone());
    let family = a
        .vocoder
        .vocoder
        .unwrap_or_else(|| voice.as_ref().and_then(|v| v.config.default_vocoder.as_deref()).and_then(|f| f.parse().ok()).unwrap_or(Family::GriffinLim));
    let device = pick_device(g)?;
    let mut voc: Box<dyn Vocoder> = match (&voice, family) {
        (_, Family::GriffinLim) => Box::new(GriffinLim::new(&mel_cfg, device)?),
        (Some(v), f) => vocoder::load(v, f, device)?,
        (None, f) => {
            return Err(Error::arg(format!(
                "the {f} vocoder needs a voice with trained weights; pass --voice NAME (see `ferry voices`) or use --vocoder griffin-lim"
            )))
        }
    };
    voc.set_precision(a.vocoder.precision)?;

    let input = super::read_input_wav(&a.input, mel_cfg.sampling_rate)?;
    let mel = MelExtractor::new(&mel_cfg)?.compute(&input.samples);
    if mel.frames == 0 {
        return Err(Error::audio(&a.input, format!("too short to resynthesise: {} samples is less than one hop ({})", input.samples.len(), mel_cfg.hop_size)));
    }
    if a.play {
        let (opts, plan) = (a.vocoder.options(g.seed), crate::vocoder::stream::ChunkPlan::default());
        super::play(g, a.output_device.as_deref(), |sink, stop| crate::speak::speak(voc.as_ref(), [Ok(mel.to_tensor())], sink, &plan, &opts, stop))?;
    }
    if let Some(path) = &a.output {
        let wav = voc.vocode(&mel.to_tensor(), &a.vocoder.options(g.seed))?;
        let samples = Vec::<f32>::try_from(wav.to_device(tch::Device::Cpu).to_kind(tch::Kind::Float).flatten(0, -1))?;
        let out = audio::Audio::new(samples, mel_cfg.sampling_rate);
        let format = if a.float { SampleFormat::Float32 } else { SampleFormat::Pcm16 };
        super::write_audio(path, &out, format)?;
        if g.verbose {
            eprintln!("ferry: wrote {} ({:.2} s, {} via {})", path.display(), out.duration(), voc.model_name(), voc.family());
        }
    }
    Ok(())
}
