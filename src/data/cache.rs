//! The feature cache: per utterance, the log-mel, pitch, energy and phoneme ids in one
//! small binary file, rebuilt whenever it is stale.
//!
//! File `<cache dir>/<id>.feat`, little-endian:
//!
//! ```text
//! magic        8 bytes  "FERRYFT\0"
//! version      u32      FORMAT_VERSION
//! fingerprint  u64      hash of the mel and pitch settings, the WAV's size and mtime, the ids
//! n_mels       u32
//! frames       u32
//! n_ids        u32
//! mel          f16 × n_mels·frames   row-major [n_mels, frames]
//! pitch        f32 × frames          F0 in Hz, 0 = unvoiced
//! energy       f32 × frames          RMS of the windowed frame
//! ids          i32 × n_ids
//! checksum     u64      FNV-1a of every byte before it
//! ```
//!
//! A file with another version, another fingerprint, a bad checksum or a wrong length is
//! never misread: it is rebuilt from the WAV.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use half::f16;

use crate::audio::pitch::{frame_energy, PitchConfig, PitchTracker};
use crate::audio::{Mel, MelConfig, MelExtractor};
use crate::error::{Error, Result};

use super::dataset::{load_audio, Dataset, Item};

/// Bump whenever the layout or the meaning of a field changes.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"FERRYFT\0";
const HEADER: usize = 8 + 4 + 8 + 4 + 4 + 4;

/// The cached features of one utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Log-mel `[n_mels, frames]`.
    pub mel: Mel,
    /// F0 per frame in Hz (0 = unvoiced).
    pub pitch: Vec<f32>,
    /// Energy per frame.
    pub energy: Vec<f32>,
    /// Phoneme ids.
    pub ids: Vec<i64>,
}

impl Features {
    pub fn frames(&self) -> usize {
        self.mel.frames
    }
}

/// How a `get` was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// Read from a fresh cache file.
    Loaded,
    /// Computed from the WAV (no file, or a stale or damaged one) and written.
    Built,
}

/// Builds and reads cached features for the items of a dataset.
pub struct FeatureCache {
    dir: PathBuf,
    mel: MelExtractor,
    pitch: PitchTracker,
    settings: u64,
    built: AtomicUsize,
    loaded: AtomicUsize,
}

impl FeatureCache {
    /// A cache in `dir` (created when missing) for this mel definition and pitch tracker.
    pub fn new(dir: impl AsRef<Path>, mel: &MelConfig, pitch: &PitchConfig) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        if pitch.sample_rate != mel.sampling_rate || pitch.hop != mel.hop_size {
            return Err(Error::config("pitch", "the pitch tracker's sample_rate and hop must equal the mel's"));
        }
        let mut h = Fnv::new();
        h.write(serde_json::to_string(mel)?.as_bytes());
        h.write(serde_json::to_string(pitch)?.as_bytes());
        Ok(Self {
            dir,
            mel: MelExtractor::new(mel)?,
            pitch: PitchTracker::new(pitch)?,
            settings: h.finish(),
            built: AtomicUsize::new(0),
            loaded: AtomicUsize::new(0),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn mel_config(&self) -> &MelConfig {
        self.mel.config()
    }

    /// Path of an item's cache file.
    pub fn path(&self, item: &Item) -> PathBuf {
        self.dir.join(format!("{}.feat", item.id))
    }

    /// The item's features: read from the cache when fresh, else computed and written.
    pub fn get(&self, item: &Item) -> Result<Features> {
        self.get_served(item).map(|(f, _)| f)
    }

    /// Like [`get`](Self::get), also saying whether the file was read or (re)built.
    pub fn get_served(&self, item: &Item) -> Result<(Features, Served)> {
        let fp = self.fingerprint(item)?;
        if let Some(f) = self.load_with(item, fp) {
            self.loaded.fetch_add(1, Ordering::Relaxed);
            return Ok((f, Served::Loaded));
        }
        let f = self.build(item)?;
        Ok((f, Served::Built))
    }

    /// The cached features when the file exists and is fresh; `None` otherwise.
    pub fn load(&self, item: &Item) -> Result<Option<Features>> {
        let fp = self.fingerprint(item)?;
        Ok(self.load_with(item, fp))
    }

    /// Computes the item's features from its WAV and writes the cache file (atomically).
    pub fn build(&self, item: &Item) -> Result<Features> {
        let rate = self.mel.config().sampling_rate;
        let samples = load_audio(item, rate)?;
        let f = self.compute(&samples, &item.ids);
        let path = self.path(item);
        let bytes = encode(&f, self.fingerprint(item)?).map_err(|m| Error::Text(format!("{}: {m}", item.id)))?;
        let tmp = path.with_extension(format!("feat.tmp{}", std::process::id()));
        fs::write(&tmp, &bytes).map_err(|e| Error::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        self.built.fetch_add(1, Ordering::Relaxed);
        Ok(f)
    }

    /// Features of samples already at the mel's rate (no file involved).
    pub fn compute(&self, samples: &[f32], ids: &[i64]) -> Features {
        let mel = self.mel.compute(samples);
        let pitch = self.pitch.track(samples).f0;
        let energy = frame_energy(samples, self.mel.config());
        Features { mel, pitch, energy, ids: ids.to_vec() }
    }

    /// Makes sure every item of the dataset has a fresh cache file, on `threads` threads,
    /// with a progress bar on stderr when `progress` is set. Returns (built, already fresh).
    pub fn build_all(&self, dataset: &Dataset, threads: usize, progress: bool) -> Result<(usize, usize)> {
        let (b0, l0) = (self.built.load(Ordering::Relaxed), self.loaded.load(Ordering::Relaxed));
        let bar = if progress {
            let b = indicatif::ProgressBar::new(dataset.len() as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template("features {bar:30} {pos}/{len} [{elapsed} < {eta}]")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        let next = AtomicUsize::new(0);
        let threads = threads.max(1).min(dataset.len().max(1));
        let errors: Vec<Error> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| -> Result<()> {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(item) = dataset.items.get(i) else { return Ok(()) };
                            self.get_served(item)?;
                            bar.inc(1);
                        }
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok().and_then(|r| r.err())).collect()
        });
        bar.finish_and_clear();
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
        Ok((self.built.load(Ordering::Relaxed) - b0, self.loaded.load(Ordering::Relaxed) - l0))
    }

    /// What a fresh file for this item must carry: settings, the WAV's size and mtime, ids.
    fn fingerprint(&self, item: &Item) -> Result<u64> {
        let meta = fs::metadata(&item.wav).map_err(|e| Error::io(&item.wav, e))?;
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
        let mut h = Fnv::new();
        h.write(&self.settings.to_le_bytes());
        h.write(&meta.len().to_le_bytes());
        h.write(&mtime.to_le_bytes());
        for id in &item.ids {
            h.write(&id.to_le_bytes());
        }
        Ok(h.finish())
    }

    fn load_with(&self, item: &Item, fingerprint: u64) -> Option<Features> {
        let bytes = fs::read(self.path(item)).ok()?;
        decode(&bytes, fingerprint, self.mel.config().num_mels)
    }
}

/// Serialises features in the cache format (fails only for a phoneme id beyond i32).
pub fn encode(f: &Features, fingerprint: u64) -> std::result::Result<Vec<u8>, String> {
    let (n_mels, frames) = (f.mel.n_mels, f.mel.frames);
    let mut out = Vec::with_capacity(HEADER + n_mels * frames * 2 + frames * 8 + f.ids.len() * 4 + 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&fingerprint.to_le_bytes());
    for n in [n_mels, frames, f.ids.len()] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    for &v in &f.mel.data {
        out.extend_from_slice(&f16::from_f32(v).to_le_bytes());
    }
    for &v in f.pitch.iter().chain(&f.energy) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for &id in &f.ids {
        let id = i32::try_from(id).map_err(|_| format!("phoneme id {id} does not fit the cache's 32-bit ids"))?;
        out.extend_from_slice(&id.to_le_bytes());
    }
    let sum = fnv(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    Ok(out)
}

/// Parses a cache file; `None` when it is of another version, stale, damaged or for
/// another number of mel bands.
pub fn decode(bytes: &[u8], fingerprint: u64, n_mels_expected: usize) -> Option<Features> {
    if bytes.len() < HEADER + 8 || &bytes[..8] != MAGIC {
        return None;
    }
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap_or([0; 4]));
    if u32_at(8) != FORMAT_VERSION {
        return None;
    }
    if u64::from_le_bytes(bytes[12..20].try_into().ok()?) != fingerprint {
        return None;
    }
    let (n_mels, frames, n_ids) = (u32_at(20) as usize, u32_at(24) as usize, u32_at(28) as usize);
    let body = n_mels.checked_mul(frames)?.checked_mul(2)? + frames * 8 + n_ids * 4;
    if n_mels != n_mels_expected || bytes.len() != HEADER + body + 8 {
        return None;
    }
    let (payload, sum) = bytes.split_at(bytes.len() - 8);
    if fnv(payload) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut o = HEADER;
    let mel: Vec<f32> = bytes[o..o + n_mels * frames * 2].chunks_exact(2).map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32()).collect();
    o += n_mels * frames * 2;
    let f32s = |o: usize, n: usize| -> Vec<f32> { bytes[o..o + n * 4].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect() };
    let pitch = f32s(o, frames);
    let energy = f32s(o + frames * 4, frames);
    o += frames * 8;
    let ids = bytes[o..o + n_ids * 4].chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect();
    Some(Features { mel: Mel { data: mel, n_mels, frames }, pitch, energy, ids })
}

/// FNV-1a, 64 bit: stable across Rust versions and platforms (unlike `DefaultHasher`).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h = Fnv::new();
    h.write(bytes);
    h.finish()
}
