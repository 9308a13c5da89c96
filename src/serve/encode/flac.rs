//! FLAC through `flacenc`: 16-bit mono at the voice's rate, with the encoder's default
//! (verified) configuration. FLAC's STREAMINFO holds the total length and an MD5 of the
//! samples, so it is written whole at the end, even when the response streams.

use flacenc::component::BitRepr;
use flacenc::error::Verify;

use super::Encoder;
use crate::error::{Error, Result};

pub struct Flac {
    rate: u32,
    samples: Vec<i32>,
}

impl Flac {
    pub fn new(rate: u32) -> Flac {
        Flac { rate, samples: Vec::new() }
    }
}

fn fail(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::External(format!("flac encoder: {what}: {e:?}"))
}

impl Encoder for Flac {
    fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>> {
        self.samples.extend(samples.iter().map(|&s| i32::from(crate::audio::wav::f32_to_i16(s))));
        Ok(Vec::new())
    }

    fn finish(&mut self) -> Result<Vec<u8>> {
        let config = flacenc::config::Encoder::default().into_verified().map_err(|(_, e)| fail("config", e))?;
        let samples = std::mem::take(&mut self.samples);
        let source = flacenc::source::MemSource::from_samples(&samples, 1, 16, self.rate as usize);
        let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size).map_err(|e| fail("encode", e))?;
        let mut sink = flacenc::bitsink::ByteSink::new();
        stream.write(&mut sink).map_err(|e| fail("write", e))?;
        Ok(sink.into_inner())
    }
}
