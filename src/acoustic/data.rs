//! Training utterances for the acoustic model from a dataset in LJSpeech layout: the text
//! step (the frontend) gives symbol ids, the feature cache gives the log-mel and the pitch
//! track (YIN) of each WAV.

use std::path::{Path, PathBuf};

use super::train::Utterance;
use crate::audio::pitch::PitchConfig;
use crate::audio::MelConfig;
use crate::data::{Dataset, DatasetOptions, FeatureCache, TextStep};
use crate::error::{Error, Result};

/// Where features of `data_dir` are cached: `data/cache/acoustic-<dataset name>` (git-ignored).
pub fn default_cache_dir(data_dir: &Path) -> PathBuf {
    let name = data_dir.canonicalize().ok().and_then(|p| p.file_name().map(|s| s.to_string_lossy().into_owned())).unwrap_or_else(|| "dataset".into());
    PathBuf::from("data/cache").join(format!("acoustic-{name}"))
}

/// Opens the dataset, turns its normalized text into ids with `text`, and reads (or builds)
/// the mel and pitch of every kept row. Rows left out are listed on stderr.
pub fn load_utterances(data_dir: &Path, mel: &MelConfig, text: TextStep, cache_dir: &Path, progress: bool) -> Result<Vec<Utterance>> {
    let opts = DatasetOptions { sample_rate: mel.sampling_rate, text: Some(text), ..Default::default() };
    let (dataset, report) = Dataset::open(data_dir, &opts)?;
    if report.excluded().count() > 0 {
        eprint!("{report}");
    }
    if dataset.is_empty() {
        return Err(Error::Training(format!("{}: no usable utterance (see the report above)", data_dir.display())));
    }
    let cache = FeatureCache::new(cache_dir, mel, &PitchConfig::for_mel(mel))?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    cache.build_all(&dataset, threads, progress)?;
    dataset
        .items
        .iter()
        .map(|item| {
            let f = cache.get(item)?;
            Ok(Utterance { ids: f.ids, mel: f.mel, pitch: f.pitch })
        })
        .collect()
}
