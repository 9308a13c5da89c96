//! `ferry data`: check a dataset in LJSpeech layout, and build its feature cache.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::audio::pitch::PitchConfig;
use crate::audio::MelConfig;
use crate::data::{Dataset, DatasetOptions, FeatureCache};
use crate::error::{Error, Result};

use super::GlobalArgs;

const AFTER_HELP: &str = "\
A dataset directory holds metadata.csv (one `id|text|normalized text` line per utterance)
and wavs/<id>.wav. Rows that cannot be used (missing or unreadable WAV, empty text, too
long or too short) are listed and left out; WAVs at another rate are resampled and noted.

Examples:
  ferry data check data/fixtures
  ferry data check data/corpus/joe --max-seconds 15 --decode
  ferry data check data/fixtures --metadata metadata_train.csv --json
  ferry data features data/corpus/joe --cache data/cache/joe";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DataArgs {
    #[command(subcommand)]
    pub command: DataCommand,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Hours, utterances, a length histogram and every problem row of a dataset.
    Check(CheckArgs),
    /// Compute (or refresh) the feature cache: mels, pitch, energy and ids per utterance.
    Features(FeaturesArgs),
}

/// Which rows of which dataset, and the limits they must meet.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Dataset directory (LJSpeech layout).
    pub dir: PathBuf,
    /// Metadata file inside DIR (e.g. metadata_train.csv for a split).
    #[arg(long, default_value = "metadata.csv")]
    pub metadata: String,
    /// Rate the audio is used at; WAVs at other rates are resampled.
    #[arg(long, default_value_t = 22050)]
    pub sample_rate: u32,
    /// Utterances longer than this (seconds) are left out.
    #[arg(long, default_value_t = 20.0)]
    pub max_seconds: f64,
    /// Utterances shorter than this (seconds) are left out.
    #[arg(long, default_value_t = 0.0)]
    pub min_seconds: f64,
    /// Decode every WAV completely (slower) instead of checking headers against file sizes.
    #[arg(long)]
    pub decode: bool,
}

impl OpenArgs {
    fn options(&self) -> Result<DatasetOptions> {
        if self.sample_rate == 0 || !(self.max_seconds > 0.0) || self.min_seconds < 0.0 {
            return Err(Error::arg("--sample-rate and --max-seconds must be positive, --min-seconds not negative"));
        }
        Ok(DatasetOptions {
            sample_rate: self.sample_rate,
            max_seconds: self.max_seconds,
            min_seconds: self.min_seconds,
            metadata: self.metadata.clone(),
            decode_audio: self.decode,
            text: Some(frontend_step()?),
            ..DatasetOptions::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub open: OpenArgs,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Exit with an error when any row is left out (for scripts and CI).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    #[command(flatten)]
    pub open: OpenArgs,
    /// Cache directory (default: data/cache/<name of DIR>).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Worker threads (default: one per core, at most 16).
    #[arg(long)]
    pub workers: Option<usize>,
}

pub fn run(g: &GlobalArgs, args: DataArgs) -> Result<()> {
    match args.command {
        DataCommand::Check(a) => check(g, a),
        DataCommand::Features(a) => features(g, a),
    }
}

fn check(_g: &GlobalArgs, a: CheckArgs) -> Result<()> {
    let (_, report) = Dataset::open(&a.open.dir, &a.open.options()?)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    let excluded = report.excluded().count();
    if a.strict && excluded > 0 {
        return Err(Error::arg(format!("{excluded} row(s) of {} cannot be used (see the list above)", a.open.dir.display())));
    }
    Ok(())
}

fn features(g: &GlobalArgs, a: FeaturesArgs) -> Result<()> {
    let (dataset, report) = Dataset::open(&a.open.dir, &a.open.options()?)?;
    if !report.is_clean() {
        eprint!("{report}");
    }
    let mel = MelConfig { sampling_rate: a.open.sample_rate, ..MelConfig::default() };
    let name = a.open.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "dataset".into());
    let dir = a.cache.unwrap_or_else(|| PathBuf::from("data/cache").join(name));
    let cache = FeatureCache::new(&dir, &mel, &PitchConfig::for_mel(&mel))?;
    let workers = a.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(16));
    let t0 = std::time::Instant::now();
    let (built, fresh) = cache.build_all(&dataset, workers, true)?;
    if g.verbose || built > 0 {
        eprintln!(
            "ferry: features of {} utterances in {}: {built} built, {fresh} already fresh ({:.1} s)",
            dataset.len(),
            dir.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The text step of the dataset checks: Ferry's frontend, so rows whose text it rejects are
/// reported (and the ids it gives are what the acoustic model trains on).
fn frontend_step() -> Result<crate::data::TextStep> {
    let frontend = crate::text::Frontend::new(crate::text::FrontendOptions::for_voice(None))?;
    let frontend = std::sync::Mutex::new(frontend);
    Ok(std::sync::Arc::new(move |text: &str| {
        let f = frontend.lock().map_err(|_| Error::Text("frontend lock poisoned".into()))?;
        Ok(f.process(text)?.into_iter().flat_map(|u| u.ids).collect())
    }))
}
