//! # Ferry
//!
//! A text-to-speech engine on libtorch. Text → frontend (normalisation, G2P, phoneme
//! tokens) → acoustic model (phonemes → log-mel) → a vocoder chosen at run time from
//! five generative families: `ar` (WaveRNN), `gan` (HiFi-GAN), `vae`, `flow` (WaveGlow)
//! and `diffusion` (DiffWave), plus Griffin-Lim as the non-neural reference.
//!
//! ```no_run
//! use ferry::{audio, vocoder, voice::Voice};
//! # fn main() -> ferry::Result<()> {
//! let voice = Voice::find("joe")?;
//! let (wav, _) = audio::read_wav("in.wav")?;
//! let mel = audio::MelExtractor::new(&voice.config.mel)?.compute(&wav.samples);
//! let gl = vocoder::load(&voice, vocoder::Family::GriffinLim, tch::Device::Cpu)?;
//! let out = gl.vocode(&mel.to_tensor(), &Default::default())?;
//! # Ok(()) }
//! ```

pub mod acoustic;
pub mod audio;
pub mod bench;
pub mod cli;
pub mod data;
pub mod device;
pub mod error;
pub mod eval;
pub mod httpd;
pub mod listen;
pub mod nn;
pub mod plot;
pub mod provenance;
pub mod python;
pub mod serve;
pub mod speak;
pub mod synth;
pub mod text;
pub mod timestamps;
pub mod train;
pub mod vocoder;
pub mod voice;

pub use error::{Error, Result};
pub use vocoder::{Family, VocodeOptions, Vocoder};
pub use voice::Voice;
