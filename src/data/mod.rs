//! Training data: LJSpeech-layout datasets, validation reports, the feature cache, batching.
//!
//! Any dataset in LJSpeech layout works: a directory with `metadata.csv` (`id|text|normalized
//! text` per line) and `wavs/<id>.wav`. The reference corpus (read by a teacher voice) and the
//! committed fixture in `data/fixtures/` use it too (see `data/README.md`).
//!
//! ```no_run
//! use std::sync::Arc;
//! use ferry::audio::{pitch::PitchConfig, MelConfig};
//! use ferry::data::{self, BucketBatcher, BucketConfig, Dataset, DatasetOptions, FeatureCache};
//! # fn main() -> ferry::Result<()> {
//! // The text step turns normalized text into phoneme ids (normally the text frontend).
//! let text: data::TextStep = Arc::new(|s: &str| Ok(s.bytes().map(|b| b as i64).collect()));
//! let opts = DatasetOptions { text: Some(text), ..Default::default() };
//! let (dataset, report) = Dataset::open("data/fixtures", &opts)?;
//! eprintln!("{report}"); // every excluded or resampled row is listed
//!
//! let mel = MelConfig::default();
//! let cache = FeatureCache::new("data/cache/fixtures", &mel, &PitchConfig::for_mel(&mel))?;
//! cache.build_all(&dataset, 4, true)?; // reads fresh files, rebuilds stale ones
//! let features: Vec<_> = dataset.items.iter().map(|i| cache.get(i)).collect::<ferry::Result<_>>()?;
//!
//! // Acoustic model: length-bucketed, padded batches.
//! let batcher = BucketBatcher::new(features.iter().map(|f| f.frames()).collect(), BucketConfig::default())?;
//! for batch in batcher.epoch(0) {
//!     let refs: Vec<_> = batch.iter().map(|&i| &features[i]).collect();
//!     let b = data::AcousticBatch::collate(&refs)?; // ids [B, L], mel [B, n_mels, F], pitch/energy [B, F]
//! }
//!
//! // Vocoders: random (audio, mel) windows with the validation hold-out, mels on the device.
//! let mut segments = data::Segments::open("data/fixtures".as_ref(), &mel, data::Level::PeakNormalised, 0, tch::Device::Cpu)?;
//! let (audio, mels) = segments.batch(16, 32)?; // audio [16, 32 * 256], mel [16, 80, 32]
//! # Ok(()) }
//! ```
//!
//! Public API: [`Dataset::open`] → ([`Dataset`] of [`Item`]s, [`Report`]); [`FeatureCache`]
//! (mel `[n_mels, frames]`, pitch `[frames]`, energy `[frames]`, ids);
//! [`BucketBatcher`] + [`AcousticBatch`] (the acoustic model); [`Segments`] over
//! [`AudioClips`] (the vocoders), both with the one hold-out rule of [`holdout`].

pub mod batch;
pub mod cache;
pub mod clips;
pub mod dataset;
pub mod report;
pub mod segments;

use std::sync::Arc;

pub use batch::{AcousticBatch, BucketBatcher, BucketConfig, MEL_PAD};
pub use cache::{FeatureCache, Features, Served, FORMAT_VERSION};
pub use clips::{holdout, AudioClips, Level};
pub use dataset::{load_audio, Dataset, DatasetOptions, Item};
pub use report::{Histogram, Problem, ProblemKind, Report, Severity};
pub use segments::Segments;

/// The text step: normalized text → phoneme ids, or an error saying why the text cannot be
/// read. In Ferry this is the text frontend (`crate::text`); any function fits.
pub type TextStep = Arc<dyn Fn(&str) -> crate::Result<Vec<i64>> + Send + Sync>;
