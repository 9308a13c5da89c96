//! Audio formats of the speech APIs, each from a maintained encoder:
//!
//! | format | container, codec | encoder | rate sent |
//! |---|---|---|---|
//! | `mp3`  | MPEG-2 layer III, 128 kbit/s CBR | LAME (`mp3lame-encoder`) | the voice's (22 050 Hz) |
//! | `opus` | Ogg Opus, 64 kbit/s, 20 ms frames | libopus (`opus`) + the `ogg` muxer | 48 000 Hz (Opus's own) |
//! | `flac` | FLAC, 16-bit | `flacenc` | the voice's |
//! | `wav`  | RIFF WAVE, 16-bit PCM | `hound` | the voice's |
//! | `pcm`  | raw s16le mono, no header | — | the voice's (OpenAI sends 24 000 Hz) |
//!
//! An [`Encoder`] takes the audio one sentence at a time. Streaming, it gives back bytes
//! as soon as they are ready (mp3, opus, pcm; a WAV whose header declares an open length;
//! FLAC is only written whole). A whole file carries exact lengths: the WAV header, FLAC's
//! STREAMINFO, and the LAME tag that lets mp3 decoders drop the encoder's delay and padding.

mod flac;
mod mp3;
mod ogg_opus;
mod wav;

use crate::error::{Error, Result};

/// A `response_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mp3,
    Opus,
    Flac,
    Wav,
    Pcm,
}

/// The formats Ferry sends, as a client names them.
pub const SUPPORTED: &str = "mp3, opus, flac, wav or pcm";

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "mp3" => Format::Mp3,
            "opus" => Format::Opus,
            "flac" => Format::Flac,
            "wav" => Format::Wav,
            "pcm" => Format::Pcm,
            other => return Err(Error::arg(format!("response_format '{other}' is not supported; use {SUPPORTED}"))),
        })
    }
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Mp3 => "mp3",
            Format::Opus => "opus",
            Format::Flac => "flac",
            Format::Wav => "wav",
            Format::Pcm => "pcm",
        }
    }

    /// The `Content-Type` of a response in this format at `rate` Hz.
    pub fn content_type(self, rate: u32) -> String {
        match self {
            Format::Mp3 => "audio/mpeg".into(),
            Format::Opus => "audio/ogg; codecs=opus".into(),
            Format::Flac => "audio/flac".into(),
            Format::Wav => "audio/wav".into(),
            Format::Pcm => format!("audio/pcm; rate={rate}; channels=1; encoding=s16le"),
        }
    }

    /// The sample rate of the encoded audio for a voice at `rate` Hz.
    pub fn output_rate(self, rate: u32) -> u32 {
        match self {
            Format::Opus => ogg_opus::RATE,
            _ => rate,
        }
    }
}

/// Turns sentences of samples (`[-1, 1]` floats) into the bytes of one format.
pub trait Encoder: Send {
    /// Encodes the next sentence and returns the bytes ready to send (possibly none).
    fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>>;
    /// Ends the audio and returns the remaining bytes (for a whole file: all of it).
    fn finish(&mut self) -> Result<Vec<u8>>;
}

/// An encoder for `format` of mono audio at `rate` Hz; `streaming` when the bytes go out
/// as they are made (see the module notes for what differs).
pub fn encoder(format: Format, rate: u32, streaming: bool) -> Result<Box<dyn Encoder>> {
    Ok(match format {
        Format::Mp3 => Box::new(mp3::Mp3::new(rate, streaming)?),
        Format::Opus => Box::new(ogg_opus::OggOpus::new(rate)?),
        Format::Flac => Box::new(flac::Flac::new(rate)),
        Format::Wav => Box::new(wav::Wav::new(rate, streaming)),
        Format::Pcm => Box::new(Pcm),
    })
}

/// Encodes a whole signal in one go.
pub fn encode_all(format: Format, rate: u32, samples: &[f32]) -> Result<Vec<u8>> {
    let mut enc = encoder(format, rate, false)?;
    let mut out = enc.push(samples)?;
    out.extend(enc.finish()?);
    Ok(out)
}

/// 16-bit samples with the reader's scale (x 32768, clamped; NaN = 0).
pub(crate) fn to_i16(samples: &[f32]) -> Vec<i16> {
    samples.iter().map(|&s| crate::audio::wav::f32_to_i16(s)).collect()
}

/// Raw s16le, no header.
struct Pcm;

impl Encoder for Pcm {
    fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>> {
        Ok(to_i16(samples).iter().flat_map(|s| s.to_le_bytes()).collect())
    }
    fn finish(&mut self) -> Result<Vec<u8>> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize, rate: u32) -> Vec<f32> {
        (0..n).map(|i| 0.3 * (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin()).collect()
    }

    #[test]
    fn parses_names_and_refuses_aac_naming_the_supported() {
        assert_eq!("MP3".parse::<Format>().unwrap(), Format::Mp3);
        let e = "aac".parse::<Format>().unwrap_err().to_string();
        assert!(e.contains("'aac'") && e.contains(SUPPORTED), "{e}");
    }

    #[test]
    fn every_format_encodes_and_streams() {
        let x = tone(22050, 22050);
        for f in [Format::Mp3, Format::Opus, Format::Flac, Format::Wav, Format::Pcm] {
            let whole = encode_all(f, 22050, &x).unwrap();
            assert!(whole.len() > 100, "{f:?}: {} bytes", whole.len());
            let mut enc = encoder(f, 22050, true).unwrap();
            let mut streamed = enc.push(&x[..10000]).unwrap();
            streamed.extend(enc.push(&x[10000..]).unwrap());
            streamed.extend(enc.finish().unwrap());
            assert!(streamed.len() > 100, "{f:?} streamed: {} bytes", streamed.len());
        }
        assert_eq!(encode_all(Format::Pcm, 22050, &x).unwrap().len(), 2 * x.len());
        let wav = encode_all(Format::Wav, 22050, &x).unwrap();
        let (back, _) = crate::audio::wav::read_wav_from(std::io::Cursor::new(wav)).unwrap();
        assert_eq!(back.samples.len(), x.len());
    }

    #[test]
    fn magic_bytes() {
        let x = tone(4000, 22050);
        assert_eq!(&encode_all(Format::Opus, 22050, &x).unwrap()[..4], b"OggS");
        assert_eq!(&encode_all(Format::Flac, 22050, &x).unwrap()[..4], b"fLaC");
        assert_eq!(&encode_all(Format::Wav, 22050, &x).unwrap()[..4], b"RIFF");
        let mp3 = encode_all(Format::Mp3, 22050, &x).unwrap();
        assert_eq!(mp3[0], 0xFF, "an mp3 starts with a frame sync");
    }
}
