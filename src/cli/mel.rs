//! `ferry mel`: a WAV's log-mel as a NumPy array and, optionally, a PNG image.

use std::path::PathBuf;

use clap::Args;

use super::{optional_voice, GlobalArgs};
use crate::audio::{image, npy, MelConfig, MelExtractor};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct MelArgs {
    /// Input WAV (resampled to the voice's rate when it differs).
    pub input: PathBuf,
    /// Output `.npy` with shape [n_mels, frames] (float32, natural-log mel).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also draw the mel as a PNG image.
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Voice whose mel definition to use (default: joe if installed, else the standard mel).
    #[arg(long)]
    pub voice: Option<String>,
}

pub fn run(_g: &GlobalArgs, a: MelArgs) -> Result<()> {
    let voice = optional_voice(a.voice.as_deref())?;
    let cfg = voice.as_ref().map_or_else(MelConfig::default, |v| v.config.mel.clone());
    let wav = super::read_input_wav(&a.input, cfg.sampling_rate)?;
    let mel = MelExtractor::new(&cfg)?.compute(&wav.samples);
    npy::write_f32(&a.output, &mel.data, &[mel.n_mels, mel.frames])?;
    if let Some(png) = &a.png {
        image::write_mel_png(png, &mel, 3)?;
    }
    Ok(())
}
