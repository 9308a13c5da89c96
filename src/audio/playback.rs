//! Live playback through the sound card (cpal), fed by a lock-free ring buffer.
//!
//! The synthesis thread pushes mono samples at the device's rate into a single-producer
//! single-consumer ring (`rtrb`); the audio callback only pops samples, copies them to every
//! channel and counts underruns in atomics — no locks, no allocation, no printing. Silence
//! before the first sample and after the last is not an underrun.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};

use crate::error::{Error, Result};

/// An output device as `ferry devices` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceInfo {
    pub name: String,
    pub sample_rate: u32,
    pub channels: u16,
    pub sample_format: String,
    pub is_default: bool,
}

const NO_DEVICE_HINT: &str = "write a file instead with -o out.wav (or -o - to pipe WAV to another program)";

/// Every output device of the default host with its default configuration.
pub fn list_output_devices() -> Result<Vec<DeviceInfo>> {
    let host = cpal::default_host();
    let default_name = host.default_output_device().and_then(|d| d.name().ok());
    let devices = host.output_devices().map_err(|e| Error::Device(format!("cannot list sound devices: {e}")))?;
    let mut out = Vec::new();
    for d in devices {
        let Ok(name) = d.name() else { continue };
        let Ok(cfg) = d.default_output_config() else { continue };
        out.push(DeviceInfo {
            is_default: default_name.as_deref() == Some(name.as_str()),
            name,
            sample_rate: cfg.sample_rate().0,
            channels: cfg.channels(),
            sample_format: format!("{:?}", cfg.sample_format()).to_lowercase(),
        });
    }
    Ok(out)
}

/// Counters shared with the audio callback.
#[derive(Debug, Default)]
pub struct PlaybackStats {
    /// Callbacks that found the ring empty while audio was still due.
    pub underruns: AtomicU64,
    /// Frames of real audio handed to the device.
    pub frames_played: AtomicU64,
    started: AtomicBool,
    finished: AtomicBool,
    stopped: AtomicBool,
}

/// What a finished playback reports.
#[derive(Debug, Clone, Copy)]
pub struct PlaybackReport {
    pub frames_played: u64,
    pub underruns: u64,
    pub sample_rate: u32,
}

/// An open output stream.
pub struct Player {
    stream: cpal::Stream,
    producer: rtrb::Producer<f32>,
    stats: Arc<PlaybackStats>,
    pub info: DeviceInfo,
}

impl Player {
    /// Opens `device` (a name from `ferry devices`; `None` = the default output) with a ring
    /// buffer holding `buffer_seconds` of audio.
    pub fn open(device: Option<&str>, buffer_seconds: f32) -> Result<Player> {
        let host = cpal::default_host();
        let dev = match device {
            None => host.default_output_device().ok_or_else(|| Error::Device(format!("no sound card found; {NO_DEVICE_HINT}")))?,
            Some(want) => host
                .output_devices()
                .map_err(|e| Error::Device(format!("cannot list sound devices ({e}); {NO_DEVICE_HINT}")))?
                .find(|d| d.name().map(|n| n == want).unwrap_or(false))
                .ok_or_else(|| Error::Device(format!("no output device named '{want}'; see `ferry devices`")))?,
        };
        let name = dev.name().unwrap_or_else(|_| "unknown".into());
        let supported = dev.default_output_config().map_err(|e| Error::Device(format!("sound device '{name}' is not usable ({e}); {NO_DEVICE_HINT}")))?;
        let info = DeviceInfo {
            name: name.clone(),
            sample_rate: supported.sample_rate().0,
            channels: supported.channels(),
            sample_format: format!("{:?}", supported.sample_format()).to_lowercase(),
            is_default: device.is_none(),
        };
        let capacity = ((info.sample_rate as f32 * buffer_seconds.max(0.05)) as usize).max(1024);
        let (producer, consumer) = rtrb::RingBuffer::<f32>::new(capacity);
        let stats = Arc::new(PlaybackStats::default());
        let config: cpal::StreamConfig = supported.config();
        let ch = info.channels as usize;
        let stream = match supported.sample_format() {
            cpal::SampleFormat::F32 => build::<f32>(&dev, &config, ch, consumer, stats.clone()),
            cpal::SampleFormat::I16 => build::<i16>(&dev, &config, ch, consumer, stats.clone()),
            cpal::SampleFormat::U16 => build::<u16>(&dev, &config, ch, consumer, stats.clone()),
            cpal::SampleFormat::I32 => build::<i32>(&dev, &config, ch, consumer, stats.clone()),
            cpal::SampleFormat::U8 => build::<u8>(&dev, &config, ch, consumer, stats.clone()),
            cpal::SampleFormat::I8 => build::<i8>(&dev, &config, ch, consumer, stats.clone()),
            cpal::SampleFormat::F64 => build::<f64>(&dev, &config, ch, consumer, stats.clone()),
            other => return Err(Error::Device(format!("sound device '{name}' wants {other:?} samples, which Ferry cannot produce"))),
        }
        .map_err(|e| Error::Device(format!("cannot open sound device '{name}' ({e}); {NO_DEVICE_HINT}")))?;
        Ok(Player { stream, producer, stats, info })
    }

    pub fn sample_rate(&self) -> u32 {
        self.info.sample_rate
    }

    pub fn stats(&self) -> &PlaybackStats {
        &self.stats
    }

    /// Queues mono samples at the device rate, waiting while the ring is full. Returns
    /// `false` without queueing the rest when `stop` becomes true.
    pub fn push(&mut self, samples: &[f32], stop: &AtomicBool) -> Result<bool> {
        let mut rest = samples;
        while !rest.is_empty() {
            if stop.load(Ordering::Relaxed) {
                return Ok(false);
            }
            let n = self.producer.slots().min(rest.len());
            if n == 0 {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            }
            if let Ok(chunk) = self.producer.write_chunk_uninit(n) {
                chunk.fill_from_iter(rest[..n].iter().copied());
            }
            rest = &rest[n..];
            if !self.stats.started.swap(true, Ordering::AcqRel) {
                self.stream.play().map_err(|e| Error::Device(format!("cannot start playback: {e}")))?;
            }
        }
        Ok(true)
    }

    /// Waits until everything queued has been played (or `stop`), then closes the stream.
    pub fn finish(self, stop: &AtomicBool) -> Result<PlaybackReport> {
        self.stats.finished.store(true, Ordering::Release);
        if !self.stats.started.load(Ordering::Acquire) {
            self.stream.play().map_err(|e| Error::Device(format!("cannot start playback: {e}")))?;
        }
        while self.producer.slots() < self.producer.buffer().capacity() && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
        }
        if stop.load(Ordering::Relaxed) {
            self.stats.stopped.store(true, Ordering::Release);
        } else {
            // Let the device play out its own buffer (about two periods).
            std::thread::sleep(Duration::from_millis(60));
        }
        self.stats.stopped.store(true, Ordering::Release);
        let _ = self.stream.pause();
        let report = PlaybackReport {
            frames_played: self.stats.frames_played.load(Ordering::Acquire),
            underruns: self.stats.underruns.load(Ordering::Acquire),
            sample_rate: self.info.sample_rate,
        };
        drop(self.stream);
        Ok(report)
    }
}

fn build<T>(
    dev: &cpal::Device,
    config: &cpal::StreamConfig,
    channels: usize,
    mut consumer: rtrb::Consumer<f32>,
    stats: Arc<PlaybackStats>,
) -> std::result::Result<cpal::Stream, cpal::BuildStreamError>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let silence = T::from_sample(0.0f32);
    dev.build_output_stream(
        config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            // Real-time: no locks, no allocation, no printing.
            if stats.stopped.load(Ordering::Acquire) {
                data.fill(silence);
                return;
            }
            let mut played = 0u64;
            let mut short = false;
            for frame in data.chunks_mut(channels) {
                let v = match consumer.pop() {
                    Ok(v) => {
                        played += 1;
                        T::from_sample(v)
                    }
                    Err(_) => {
                        short = true;
                        silence
                    }
                };
                frame.fill(v);
            }
            stats.frames_played.fetch_add(played, Ordering::AcqRel);
            if short && stats.started.load(Ordering::Acquire) && !stats.finished.load(Ordering::Acquire) {
                stats.underruns.fetch_add(1, Ordering::AcqRel);
            }
        },
        |_err| {},
        None,
    )
}
