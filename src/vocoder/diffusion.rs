//! The `diffusion` family (DiffWave). Its model lands with its own issue; until then loading it
//! is a clear error rather than a silent fallback.

use tch::Device;

use super::Vocoder;
use crate::error::{Error, Result};
use crate::voice::Voice;

/// Builds this family's vocoder for `voice`.
pub fn load(voice: &Voice, _device: Device) -> Result<Box<dyn Vocoder>> {
    voice.vocoder_entry("diffusion")?;
    Err(Error::arg("the 'diffusion' vocoder family (DiffWave) is not available in this build of Ferry yet; use --vocoder griffin-lim"))
}
