//! mp3 through LAME (`mp3lame-encoder`): mono CBR 128 kbit/s at the voice's rate (MPEG-2
//! layer III at 22 050 Hz), quality 2. A whole file starts with LAME's info tag, rewritten
//! after the flush, so decoders that read it (mpg123, ffmpeg) drop the encoder delay and the
//! padding and give back exactly the samples that went in. A stream has no tag (it cannot
//! be rewritten once sent): decoders then return the encoder delay (~1 100 samples) too.

use mp3lame_encoder::{max_required_buffer_size, Bitrate, Builder, FlushGap, Mode, MonoPcm, Quality, VbrMode};

use super::{to_i16, Encoder};
use crate::error::{Error, Result};

/// Bytes LAME may write on its final flush.
const FLUSH_BYTES: usize = 7200;

pub struct Mp3 {
    lame: mp3lame_encoder::Encoder,
    streaming: bool,
    /// A whole file's bytes until `finish` (its first frame is rewritten there).
    file: Vec<u8>,
}

fn fail(what: &str, e: impl std::fmt::Display) -> Error {
    Error::External(format!("mp3 encoder: {what}: {e}"))
}

impl Mp3 {
    pub fn new(rate: u32, streaming: bool) -> Result<Mp3> {
        let mut b = Builder::new().ok_or_else(|| fail("start", "LAME could not allocate its state"))?;
        b.set_num_channels(1).map_err(|e| fail("channels", e))?;
        b.set_sample_rate(rate).map_err(|e| fail("sample rate", e))?;
        b.set_mode(Mode::Mono).map_err(|e| fail("mode", e))?;
        b.set_vbr_mode(VbrMode::Off).map_err(|e| fail("cbr", e))?;
        b.set_brate(Bitrate::Kbps128).map_err(|e| fail("bitrate", e))?;
        b.set_quality(Quality::NearBest).map_err(|e| fail("quality", e))?;
        b.set_to_write_vbr_tag(!streaming).map_err(|e| fail("info tag", e))?;
        let lame = b.build().map_err(|e| fail("init", e))?;
        Ok(Mp3 { lame, streaming, file: Vec::new() })
    }
}

impl Encoder for Mp3 {
    fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>> {
        let pcm = to_i16(samples);
        let mut out = Vec::with_capacity(max_required_buffer_size(pcm.len()));
        self.lame.encode_to_vec(MonoPcm(&pcm), &mut out).map_err(|e| fail("encode", e))?;
        if self.streaming {
            return Ok(out);
        }
        self.file.extend(out);
        Ok(Vec::new())
    }

    fn finish(&mut self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(FLUSH_BYTES);
        self.lame.flush_to_vec::<FlushGap>(&mut out).map_err(|e| fail("flush", e))?;
        if self.streaming {
            return Ok(out);
        }
        let mut file = std::mem::take(&mut self.file);
        file.extend(out);
        let mut tag = Vec::with_capacity(self.lame.lame_tag_size());
        if self.lame.lame_tag_encode_to_vec(&mut tag).is_some() && tag.len() <= file.len() {
            file[..tag.len()].copy_from_slice(&tag);
        }
        Ok(file)
    }
}
