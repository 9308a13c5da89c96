//! The `vae` family (the conditional VAE vocoder). Its model lands with its own issue; until then loading it
//! is a clear error rather than a silent fallback.

use tch::Device;

use super::Vocoder;
use crate::error::{Error, Result};
use crate::voice::Voice;

/// Builds this family's vocoder for `voice`.
pub fn load(voice: &Voice, _device: Device) -> Result<Box<dyn Vocoder>> {
    voice.vocoder_entry("vae")?;
    Err(Error::arg("the 'vae' vocoder family (the conditional VAE vocoder) is not available in this build of Ferry yet; use --vocoder griffin-lim"))
}

/// Builds this family's vocoder with random weights from a named preset or a JSON config
/// file, for benchmarks and tests.
pub fn build_random(config: &str, _mel: &crate::audio::MelConfig, _device: Device) -> Result<Box<dyn Vocoder>> {
    Err(Error::arg(format!("the 'vae' vocoder family (the conditional VAE vocoder) is not available in this build of Ferry yet (config '{config}')")))
}
