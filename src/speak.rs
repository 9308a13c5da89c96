//! Speaking live: utterances are vocoded in overlapping chunks and streamed to an audio sink
//! (the sound card, raw PCM on stdout, or memory) while the next utterance is synthesised.
//!
//! The caller hands over mels one utterance at a time (an iterator, so synthesis of
//! sentence n+1 runs while the sink — e.g. the sound card's ring buffer — still holds
//! sentence n). Chunks are joined by [`crate::vocoder::stream`]; rates are converted by one
//! continuous [`StreamResampler`], so there are no seams between chunks or sentences.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tch::Tensor;

use crate::audio::stream_resample::StreamResampler;
use crate::error::Result;
use crate::vocoder::stream::{vocode_streaming, ChunkPlan};
use crate::vocoder::{VocodeOptions, Vocoder};

/// Seconds of audio the sound card's ring buffer holds for `ferry say` and `--play`.
pub const RING_SECONDS: f64 = 10.0;

/// Where streamed audio goes.
pub trait AudioSink {
    /// Sample rate the sink wants.
    fn sample_rate(&self) -> u32;
    /// Takes mono samples at [`Self::sample_rate`]; `Ok(false)` = stop (e.g. Ctrl-C).
    fn write(&mut self, samples: &[f32], stop: &AtomicBool) -> Result<bool>;
}

/// Collects everything in memory (tests, offline comparison).
#[derive(Debug, Default)]
pub struct MemorySink {
    pub rate: u32,
    pub samples: Vec<f32>,
}

impl AudioSink for MemorySink {
    fn sample_rate(&self) -> u32 {
        self.rate
    }
    fn write(&mut self, samples: &[f32], _stop: &AtomicBool) -> Result<bool> {
        self.samples.extend_from_slice(samples);
        Ok(true)
    }
}

/// Raw 16-bit little-endian PCM to a writer (stdout for `--output-raw`), flushed per block.
pub struct RawPcmSink<W: std::io::Write> {
    pub rate: u32,
    pub out: W,
}

impl<W: std::io::Write> AudioSink for RawPcmSink<W> {
    fn sample_rate(&self) -> u32 {
        self.rate
    }
    fn write(&mut self, samples: &[f32], _stop: &AtomicBool) -> Result<bool> {
        let bytes: Vec<u8> = samples.iter().flat_map(|&s| crate::audio::wav::f32_to_i16(s).to_le_bytes()).collect();
        match self.out.write_all(&bytes).and_then(|_| self.out.flush()) {
            Ok(()) => Ok(true),
            // The reader went away (`| head`): stop quietly.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(crate::Error::io("<stdout>", e)),
        }
    }
}

/// What a speaking session reports.
#[derive(Debug, Clone, Default)]
pub struct SpeakReport {
    pub utterances: usize,
    /// Samples delivered to the sink (at the sink's rate).
    pub samples: usize,
    /// From the start to the first samples handed to the sink.
    pub first_audio: Option<Duration>,
    /// Whether a stop request ended the session early.
    pub stopped: bool,
}

/// Streams every utterance's mel (`[1, n_mels, F]`) through `voc` into `sink`.
pub fn speak(
    voc: &dyn Vocoder,
    mels: impl IntoIterator<Item = Result<Tensor>>,
    sink: &mut dyn AudioSink,
    plan: &ChunkPlan,
    opts: &VocodeOptions,
    stop: &AtomicBool,
) -> Result<SpeakReport> {
    let t0 = Instant::now();
    let mut report = SpeakReport::default();
    let mut rs = StreamResampler::new(voc.sample_rate(), sink.sample_rate())?;
    for mel in mels {
        if stop.load(Ordering::Relaxed) {
            report.stopped = true;
            break;
        }
        let mel = mel?;
        let mut keep_going = true;
        vocode_streaming(voc, &mel, opts, plan, |block| {
            let out = rs.push(block)?;
            if !out.is_empty() {
                report.first_audio.get_or_insert_with(|| t0.elapsed());
                report.samples += out.len();
                keep_going = sink.write(&out, stop)? && !stop.load(Ordering::Relaxed);
            }
            Ok(keep_going)
        })?;
        report.utterances += 1;
        if !keep_going {
            report.stopped = true;
            return Ok(report);
        }
    }
    if !report.stopped {
        let tail = rs.finish()?;
        report.samples += tail.len();
        if !tail.is_empty() {
            report.first_audio.get_or_insert_with(|| t0.elapsed());
            sink.write(&tail, stop)?;
        }
    }
    Ok(report)
}

/// The sound card as a sink (feature `playback`).
#[cfg(feature = "playback")]
pub struct PlayerSink(pub crate::audio::playback::Player);

#[cfg(feature = "playback")]
impl AudioSink for PlayerSink {
    fn sample_rate(&self) -> u32 {
        self.0.sample_rate()
    }
    fn write(&mut self, samples: &[f32], stop: &AtomicBool) -> Result<bool> {
        self.0.push(samples, stop)
    }
}
