//! WAV: 16-bit PCM mono. A whole file is written by `hound` with exact lengths; a stream
//! starts with the same 44-byte header whose RIFF and data lengths are 0xFFFFFFFF ("until
//! the end"), as streaming servers write it, and then the samples as they come.

use super::{to_i16, Encoder};
use crate::audio::{Audio, SampleFormat};
use crate::error::{Error, Result};

pub struct Wav {
    rate: u32,
    streaming: bool,
    header_sent: bool,
    /// A whole file's samples until `finish`.
    samples: Vec<f32>,
}

impl Wav {
    pub fn new(rate: u32, streaming: bool) -> Wav {
        Wav { rate, streaming, header_sent: false, samples: Vec::new() }
    }
}

/// The canonical 44-byte header of 16-bit mono PCM with open lengths.
fn open_header(rate: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&u32::MAX.to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    h.extend_from_slice(&1u16.to_le_bytes()); // PCM
    h.extend_from_slice(&1u16.to_le_bytes()); // mono
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * 2).to_le_bytes()); // bytes per second
    h.extend_from_slice(&2u16.to_le_bytes()); // block align
    h.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    h.extend_from_slice(b"data");
    h.extend_from_slice(&u32::MAX.to_le_bytes());
    h
}

impl Encoder for Wav {
    fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>> {
        if !self.streaming {
            self.samples.extend_from_slice(samples);
            return Ok(Vec::new());
        }
        let mut out = if self.header_sent { Vec::new() } else { open_header(self.rate) };
        self.header_sent = true;
        out.extend(to_i16(samples).iter().flat_map(|s| s.to_le_bytes()));
        Ok(out)
    }

    fn finish(&mut self) -> Result<Vec<u8>> {
        if self.streaming {
            return Ok(if self.header_sent { Vec::new() } else { open_header(self.rate) });
        }
        let audio = Audio::new(std::mem::take(&mut self.samples), self.rate);
        let mut buf = std::io::Cursor::new(Vec::new());
        crate::audio::wav::write_wav_to(&mut buf, &audio, SampleFormat::Pcm16).map_err(|e| Error::External(format!("wav encoder: {e}")))?;
        Ok(buf.into_inner())
    }
}
