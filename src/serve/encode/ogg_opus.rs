//! Opus in Ogg (RFC 7845) through libopus (`opus`) and the `ogg` muxer: mono, 64 kbit/s,
//! 20 ms frames at 48 kHz. Opus codes only 8/12/16/24/48 kHz, so each sentence is resampled
//! from the voice's rate to 48 kHz first (the `OpusHead` names the voice's rate as the
//! input's). The header's pre-skip is the encoder's lookahead and the last page's granule
//! position trims the final frame's padding, so a decoder returns exactly the resampled
//! samples. Pages are closed at the end of every sentence, so a stream plays as it comes.

use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use opus::{Application, Bitrate, Channels};

use super::Encoder;
use crate::error::{Error, Result};

/// The rate Ferry encodes Opus at (and every Opus decoder outputs by default).
pub const RATE: u32 = 48_000;
/// Samples of one 20 ms frame at 48 kHz.
const FRAME: usize = 960;
/// Largest packet libopus may produce for one frame.
const MAX_PACKET: usize = 4000;
const BITRATE: i32 = 64_000;

pub struct OggOpus {
    opus: opus::Encoder,
    ogg: PacketWriter<'static, Vec<u8>>,
    serial: u32,
    in_rate: u32,
    pre_skip: u64,
    /// Resampled samples not yet a whole frame.
    pending: Vec<f32>,
    /// 48 kHz samples of real audio received so far.
    received: u64,
    /// Frames encoded so far.
    frames: u64,
}

fn fail(what: &str, e: impl std::fmt::Display) -> Error {
    Error::External(format!("opus encoder: {what}: {e}"))
}

impl OggOpus {
    pub fn new(in_rate: u32) -> Result<OggOpus> {
        let mut opus = opus::Encoder::new(RATE, Channels::Mono, Application::Audio).map_err(|e| fail("init", e))?;
        opus.set_bitrate(Bitrate::Bits(BITRATE)).map_err(|e| fail("bitrate", e))?;
        let pre_skip = opus.get_lookahead().map_err(|e| fail("lookahead", e))?.max(0) as u64;
        let mut enc =
            OggOpus { opus, ogg: PacketWriter::new(Vec::new()), serial: rand::random(), in_rate, pre_skip, pending: Vec::new(), received: 0, frames: 0 };
        enc.write_headers()?;
        Ok(enc)
    }

    /// `OpusHead` and `OpusTags`, each on a page of its own (granule 0).
    fn write_headers(&mut self) -> Result<()> {
        let mut head = Vec::with_capacity(19);
        head.extend_from_slice(b"OpusHead");
        head.push(1); // version
        head.push(1); // channels
        head.extend_from_slice(&(self.pre_skip as u16).to_le_bytes());
        head.extend_from_slice(&self.in_rate.to_le_bytes());
        head.extend_from_slice(&0i16.to_le_bytes()); // output gain
        head.push(0); // channel mapping family: mono/stereo
        let vendor = format!("ferry {}", env!("CARGO_PKG_VERSION"));
        let mut tags = Vec::new();
        tags.extend_from_slice(b"OpusTags");
        tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        tags.extend_from_slice(vendor.as_bytes());
        tags.extend_from_slice(&0u32.to_le_bytes()); // no user comments
        for packet in [head, tags] {
            self.ogg.write_packet(packet, self.serial, PacketWriteEndInfo::EndPage, 0).map_err(|e| fail("ogg", e))?;
        }
        Ok(())
    }

    /// Encodes whole frames of `pending` (padding the last with silence when `last`).
    fn encode_frames(&mut self, last: bool) -> Result<()> {
        if last {
            // Fill the last frame, then add silent frames until the encoder's lookahead has
            // pushed out every real sample (and at least one packet ends the stream).
            let partial = self.pending.len() % FRAME;
            if partial != 0 {
                self.pending.resize(self.pending.len() + FRAME - partial, 0.0);
            }
            let have = self.frames + (self.pending.len() / FRAME) as u64;
            let needed = (self.received + self.pre_skip).div_ceil(FRAME as u64).max(self.frames + 1);
            if needed > have {
                self.pending.resize(self.pending.len() + (needed - have) as usize * FRAME, 0.0);
            }
        }
        let whole = self.pending.len() / FRAME * FRAME;
        let frames: Vec<Vec<f32>> = self.pending.drain(..whole).collect::<Vec<f32>>().chunks(FRAME).map(<[f32]>::to_vec).collect();
        let n = frames.len();
        for (i, frame) in frames.into_iter().enumerate() {
            let packet = self.opus.encode_vec_float(&frame, MAX_PACKET).map_err(|e| fail("encode", e))?;
            self.frames += 1;
            let end_of_stream = last && i + 1 == n;
            let granule = if end_of_stream { self.pre_skip + self.received } else { self.frames * FRAME as u64 };
            let info = match (end_of_stream, i + 1 == n) {
                (true, _) => PacketWriteEndInfo::EndStream,
                (false, true) => PacketWriteEndInfo::EndPage,
                (false, false) => PacketWriteEndInfo::NormalPacket,
            };
            self.ogg.write_packet(packet, self.serial, info, granule).map_err(|e| fail("ogg", e))?;
        }
        Ok(())
    }

    fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(self.ogg.inner_mut())
    }
}

impl Encoder for OggOpus {
    fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>> {
        let resampled = if self.in_rate == RATE { samples.to_vec() } else { crate::audio::resample::resample_slice(samples, self.in_rate, RATE)? };
        self.received += resampled.len() as u64;
        self.pending.extend(resampled);
        self.encode_frames(false)?;
        Ok(self.take_bytes())
    }

    fn finish(&mut self) -> Result<Vec<u8>> {
        self.encode_frames(true)?;
        Ok(self.take_bytes())
    }
}
