//! WAV input and output (RIFF PCM through `hound`).
//!
//! Reading accepts 8/16/24/32-bit integer and 32-bit float PCM at any rate and any
//! channel count; several channels are mixed to mono (and [`WavInfo`] says so, so the
//! caller can tell the user). Writing is 16-bit PCM by default, 32-bit float on request.

use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Mono audio at a known sample rate, samples in [-1, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Audio {
    pub fn new(samples: Vec<f32>, sample_rate: u32) -> Self {
        Self { samples, sample_rate }
    }

    /// Length in seconds.
    pub fn duration(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate as f64
    }
}

/// What the file held before it was turned into mono f32.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavInfo {
    pub channels: u16,
    pub bits_per_sample: u16,
    pub float: bool,
    pub sample_rate: u32,
}

impl WavInfo {
    /// A note for the user when the input was changed on the way in (e.g. mixed to mono).
    pub fn mixdown_note(&self) -> Option<String> {
        (self.channels > 1).then(|| format!("input has {} channels; mixed to mono", self.channels))
    }
}

/// Sample format used when writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SampleFormat {
    #[default]
    Pcm16,
    Float32,
}

/// Reads a WAV file into mono f32.
pub fn read_wav(path: impl AsRef<Path>) -> Result<(Audio, WavInfo)> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if meta_len == 0 {
        return Err(Error::audio(path, "file is empty (0 bytes); expected a WAV file"));
    }
    read_wav_from(std::io::BufReader::new(file)).map_err(|msg| Error::audio(path, msg))
}

/// Reads WAV data from any seekable reader; the error is a message without the path.
pub fn read_wav_from<R: Read + Seek>(reader: R) -> std::result::Result<(Audio, WavInfo), String> {
    let mut wav = hound::WavReader::new(reader).map_err(describe_hound)?;
    let spec = wav.spec();
    let info = WavInfo {
        channels: spec.channels,
        bits_per_sample: spec.bits_per_sample,
        float: spec.sample_format == hound::SampleFormat::Float,
        sample_rate: spec.sample_rate,
    };
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err("WAV header has zero channels or a zero sample rate".into());
    }
    let interleaved: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => wav.samples::<f32>().collect::<std::result::Result<_, _>>().map_err(describe_hound)?,
        (hound::SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f32;
            wav.samples::<i32>().map(|s| s.map(|v| v as f32 * scale)).collect::<std::result::Result<_, _>>().map_err(describe_hound)?
        }
        (fmt, bits) => return Err(format!("unsupported WAV sample format: {bits}-bit {fmt:?}")),
    };
    if interleaved.is_empty() {
        return Err("WAV file holds no samples".into());
    }
    let ch = spec.channels as usize;
    let samples = if ch == 1 { interleaved } else { interleaved.chunks_exact(ch).map(|f| f.iter().sum::<f32>() / ch as f32).collect() };
    Ok((Audio::new(samples, spec.sample_rate), info))
}

fn describe_hound(e: hound::Error) -> String {
    match e {
        hound::Error::FormatError(m) => format!("not a valid WAV file ({m})"),
        hound::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof || io.to_string().contains("read enough bytes") => {
            "WAV file is truncated (it ends before the data its header announces)".into()
        }
        hound::Error::IoError(io) => io.to_string(),
        hound::Error::Unsupported => "unsupported WAV encoding (use PCM or 32-bit float)".into(),
        other => other.to_string(),
    }
}

/// Writes mono audio as a WAV file.
pub fn write_wav(path: impl AsRef<Path>, audio: &Audio, format: SampleFormat) -> Result<()> {
    let path = path.as_ref();
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    write_wav_to(std::io::BufWriter::new(file), audio, format).map_err(|e| Error::io(path, e))
}

/// Writes mono audio as WAV to any seekable writer.
pub fn write_wav_to<W: Write + Seek>(writer: W, audio: &Audio, format: SampleFormat) -> std::io::Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: audio.sample_rate,
        bits_per_sample: if format == SampleFormat::Pcm16 { 16 } else { 32 },
        sample_format: if format == SampleFormat::Pcm16 { hound::SampleFormat::Int } else { hound::SampleFormat::Float },
    };
    let to_io = |e: hound::Error| match e {
        hound::Error::IoError(io) => io,
        other => std::io::Error::other(other.to_string()),
    };
    let mut w = hound::WavWriter::new(writer, spec).map_err(to_io)?;
    match format {
        SampleFormat::Pcm16 => {
            for &s in &audio.samples {
                w.write_sample(f32_to_i16(s)).map_err(to_io)?;
            }
        }
        SampleFormat::Float32 => {
            for &s in &audio.samples {
                w.write_sample(s).map_err(to_io)?;
            }
        }
    }
    w.finalize().map_err(to_io)
}

/// Converts to 16-bit PCM with the reader's scale (x 32768), clamping to the i16 range
/// (NaN becomes 0).
pub fn f32_to_i16(s: f32) -> i16 {
    if s.is_nan() {
        return 0;
    }
    (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn roundtrip(spec: hound::WavSpec, write: impl Fn(&mut hound::WavWriter<&mut Cursor<Vec<u8>>>)) -> (Audio, WavInfo) {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
            write(&mut w);
            w.finalize().unwrap();
        }
        buf.set_position(0);
        read_wav_from(buf).unwrap()
    }

    fn spec(channels: u16, bits: u16, float: bool) -> hound::WavSpec {
        hound::WavSpec {
            channels,
            sample_rate: 16000,
            bits_per_sample: bits,
            sample_format: if float { hound::SampleFormat::Float } else { hound::SampleFormat::Int },
        }
    }

    #[test]
    fn reads_every_integer_depth_to_the_same_scale() {
        for bits in [8u16, 16, 24, 32] {
            let half = 1i64 << (bits - 2); // 0.5 full scale
            let (a, info) = roundtrip(spec(1, bits, false), |w| {
                w.write_sample(half as i32).unwrap();
                w.write_sample(-(half as i32)).unwrap();
            });
            assert_eq!(info.bits_per_sample, bits);
            assert!((a.samples[0] - 0.5).abs() < 1e-6, "{bits}-bit: {}", a.samples[0]);
            assert!((a.samples[1] + 0.5).abs() < 1e-6);
        }
    }

    #[test]
    fn mixes_stereo_to_mono() {
        let (a, info) = roundtrip(spec(2, 32, true), |w| {
            for (l, r) in [(1.0f32, 0.0f32), (0.5, -0.5)] {
                w.write_sample(l).unwrap();
                w.write_sample(r).unwrap();
            }
        });
        assert_eq!(a.samples, vec![0.5, 0.0]);
        assert!(info.mixdown_note().is_some());
    }

    #[test]
    fn pcm16_write_read_round_trip() {
        let audio = Audio::new((0..100).map(|i| (i as f32 / 50.0 - 1.0) * 0.9).collect(), 22050);
        let mut buf = Cursor::new(Vec::new());
        write_wav_to(&mut buf, &audio, SampleFormat::Pcm16).unwrap();
        buf.set_position(0);
        let (back, _) = read_wav_from(buf).unwrap();
        assert_eq!(back.sample_rate, 22050);
        for (x, y) in audio.samples.iter().zip(&back.samples) {
            assert!((x - y).abs() <= 0.5 / 32768.0 + 1e-7, "{x} vs {y}");
        }
    }

    #[test]
    fn clamps_and_handles_nan() {
        assert_eq!(f32_to_i16(2.0), 32767);
        assert_eq!(f32_to_i16(-2.0), -32768);
        assert_eq!(f32_to_i16(f32::NAN), 0);
    }

    #[test]
    fn rejects_garbage_and_empty_data() {
        assert!(read_wav_from(Cursor::new(b"hello this is text, not audio".to_vec())).is_err());
        let mut buf = Cursor::new(Vec::new());
        hound::WavWriter::new(&mut buf, spec(1, 16, false)).unwrap().finalize().unwrap();
        buf.set_position(0);
        let err = read_wav_from(buf).unwrap_err();
        assert!(err.contains("no samples"), "{err}");
    }
}
