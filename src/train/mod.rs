//! Training: one [`Trainer`] for every model.
//!
//! A model plugs in by implementing [`TrainTask`] (one optimisation step, validation,
//! what a checkpoint holds, how to export). The trainer gives it a progress bar, a JSONL
//! log, periodic validation, atomic resumable checkpoints (weights + optimiser state +
//! step + CPU-seconds spent), a `--minutes` budget and a clean stop on SIGTERM, a stop with a
//! message on NaN, bfloat16 autocast (CUDA, and CPUs with native bfloat16) and deterministic seeds.

pub mod autocast;
pub mod budget;
pub mod checkpoint;
pub mod curves;
pub mod export;
pub mod flops;
pub mod init;
pub mod model_card;
pub mod optim;
pub mod recipe;
pub mod schedule;
pub mod tasks;
pub mod trainer;
pub mod validation;

use std::path::{Path, PathBuf};

use tch::nn::VarStore;

pub use checkpoint::{load_checkpoint, save_checkpoint};
pub use optim::{AdamW, AdamWConfig};
pub use schedule::LrSchedule;
pub use trainer::{TrainSummary, Trainer, TrainerConfig};

use crate::audio::MelConfig;
use crate::error::Result;

/// Named scalar losses of one step, in order; the first is the headline shown on the
/// progress bar. Every entry goes to the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Losses(pub Vec<(String, f64)>);

impl Losses {
    pub fn new() -> Self {
        Self(Vec::new())
    }
    /// Adds an entry (builder style).
    pub fn with(mut self, name: &str, value: f64) -> Self {
        self.push(name, value);
        self
    }
    pub fn push(&mut self, name: &str, value: f64) {
        self.0.push((name.to_string(), value));
    }
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
    /// The first entry's value (NaN when empty).
    pub fn headline(&self) -> f64 {
        self.0.first().map_or(f64::NAN, |(_, v)| *v)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(n, v)| (n.as_str(), *v))
    }
    /// The first entry that is NaN or infinite.
    pub fn first_non_finite(&self) -> Option<(&str, f64)> {
        self.iter().find(|(_, v)| !v.is_finite())
    }
}

/// What a checkpoint holds besides the step: named var stores and optimisers.
pub struct CheckpointParts<'a> {
    pub stores: Vec<(&'static str, &'a mut VarStore)>,
    pub optimizers: Vec<(&'static str, &'a mut AdamW)>,
}

/// How `ferry export` turns a checkpoint into a voice-pack entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExportInfo {
    /// "acoustic" or a vocoder family key ("gan", "diffusion", ...).
    pub role: String,
    /// Model name recorded in voice.json ("hifigan", "fastpitch", ...).
    pub model: String,
    /// The model config, as the loader will parse it.
    pub config: serde_json::Value,
    /// The store that holds the inference weights (e.g. "generator").
    pub store: String,
    /// Acoustic models: the phoneme vocabulary in id order (id 0 = padding) the model was
    /// trained with; `ferry export` writes it into the voice as `tokenizer.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols: Option<Vec<String>>,
}

/// A model being trained.
pub trait TrainTask {
    /// One optimisation step (forward, backward, optimiser updates); named losses back.
    fn train_step(&mut self, step: u64) -> Result<Losses>;
    /// Validation losses; may write audio samples and images into `dir` (already created).
    fn validate(&mut self, step: u64, dir: &Path) -> Result<Losses>;
    /// The var stores and optimisers a checkpoint must hold.
    fn checkpoint_parts(&mut self) -> CheckpointParts<'_>;
    /// How to export the inference weights.
    fn export_info(&self) -> ExportInfo;
}

/// What every model's `train_task(&TrainSetup)` gets from `ferry train`.
#[derive(Debug, Clone)]
pub struct TrainSetup {
    /// Dataset in LJSpeech layout.
    pub data_dir: PathBuf,
    /// Model config (JSON with the reference keys); `None` = the model's default.
    pub config: Option<serde_json::Value>,
    pub device: tch::Device,
    pub seed: u64,
    /// The voice's mel definition.
    pub mel: MelConfig,
    /// Batch size override (`None` = the config's).
    pub batch_size: Option<usize>,
}

impl TrainSetup {
    /// The config of vocoder `model` (a registry name): `--config`'s JSON, or the model's
    /// default preset, checked against the voice's mel.
    pub fn vocoder_config<C: crate::vocoder::model_config::ModelConfig>(&self, model: &str) -> Result<C> {
        let default = crate::vocoder::registry::model(model).map_or("default", |m| m.default_preset);
        C::from_value_or(self.config.as_ref(), default, &self.mel)
    }
}
