//! `ferry train <model>` and `ferry export`.

use std::path::PathBuf;

use clap::Args;

use super::{optional_voice, pick_device, GlobalArgs};
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::train::{TrainSetup, Trainer, TrainerConfig};

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// What to train: acoustic, or a vocoder family / model (gan, hifigan, vocos, vae, flow,
    /// waveglow, diffusion, diffwave, ar, wavernn). `vocos` trains the gan family's Vocos
    /// generator (default preset `vocos-cpu`).
    pub model: String,
    /// Dataset in LJSpeech layout (metadata.csv + wavs/).
    #[arg(long)]
    pub data: PathBuf,
    /// Output directory: train.jsonl, checkpoint.safetensors, val/ samples.
    #[arg(long)]
    pub out: PathBuf,
    /// Model config: a preset name (`ferry bench vocoder --help` lists them; e.g. `cpu`,
    /// `vocos`) or a JSON file with the reference implementation's keys. Default: the
    /// model's default preset.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Train until this step.
    #[arg(long, default_value_t = 100_000)]
    pub steps: u64,
    /// Continue from OUT/checkpoint.safetensors.
    #[arg(long)]
    pub resume: bool,
    /// Batch size (default: the config's).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Log every N steps.
    #[arg(long, default_value_t = 50)]
    pub log_every: u64,
    /// Validate (and render samples) every N steps.
    #[arg(long, default_value_t = 2000)]
    pub validate_every: u64,
    /// Checkpoint every N steps.
    #[arg(long, default_value_t = 2000)]
    pub checkpoint_every: u64,
    /// Voice whose mel definition to train with (default: joe if installed, else the standard mel).
    #[arg(long)]
    pub voice: Option<String>,
    /// Stop after this many minutes of wall time, writing a checkpoint (resume with --resume).
    /// SIGINT/SIGTERM also stop the run with a checkpoint; a second one exits at once.
    #[arg(long)]
    pub minutes: Option<f64>,
    /// Stop once the model's training has spent this many CPU-hours (user + system, counted
    /// across every resume), writing a checkpoint.
    #[arg(long)]
    pub cpu_hours: Option<f64>,
    /// Start from released weights with a fresh optimiser instead of from scratch, e.g.
    /// `--init-from voices/joe/acoustic.safetensors` (the step count and CPU-hours carry on
    /// from the pack's voice.json); `STORE=PATH` fills another store, e.g.
    /// `--init-from discriminator=voices/joe/train/gan-discriminator.safetensors`. The
    /// learning rate ramps up from 0 over the first 200 steps.
    #[arg(long)]
    pub init_from: Vec<crate::train::init::InitSource>,
    /// Disable the bfloat16 mixed precision (autocast) used on CUDA and on CPUs with native
    /// bfloat16 (AVX512-BF16, AMX); weights and optimiser state stay float32 either way.
    #[arg(long)]
    pub no_autocast: bool,
    /// Free-text note of the hardware, stored in the checkpoint and the model card
    /// (default: the CPU model and cores, or the GPU's name).
    #[arg(long, default_value = "")]
    pub hardware: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Checkpoint written by `ferry train`. Without one, only the voice's MODEL_CARD.md is
    /// regenerated (e.g. after `ferry eval` wrote its eval/ tables).
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Voice directory to add the model to (created if absent), e.g. voices/joe.
    #[arg(long)]
    pub voice: PathBuf,
}

pub fn run(g: &GlobalArgs, a: TrainArgs) -> Result<()> {
    let voice = optional_voice(a.voice.as_deref())?;
    let mel = voice.as_ref().map_or_else(MelConfig::default, |v| v.config.mel.clone());
    let config = match &a.config {
        // Not a file: a preset name, resolved (or refused, listing the presets) by the model.
        Some(p) if !p.is_file() => Some(serde_json::Value::String(p.display().to_string())),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
            Some(serde_json::from_str(&text).map_err(|e| Error::config(p.display().to_string(), e.to_string()))?)
        }
        None => None,
    };
    if !a.data.join("metadata.csv").is_file() {
        return Err(Error::arg(format!("{}: not a dataset (no metadata.csv); see `ferry data check`", a.data.display())));
    }
    let device = pick_device(g)?;
    let setup = TrainSetup { data_dir: a.data.clone(), config, device, seed: g.seed, mel: mel.clone(), batch_size: a.batch_size };
    let mut task = crate::train::tasks::task_for(&a.model, &setup)?;
    let mut metadata = crate::nn::safetensors::Metadata::new();
    metadata.insert("mel".into(), serde_json::to_string(&mel)?);
    metadata.insert("data".into(), a.data.display().to_string());
    metadata.insert("revision".into(), crate::provenance::git_revision());
    let trainer = Trainer::new(TrainerConfig {
        out_dir: a.out.clone(),
        max_steps: a.steps,
        log_every: a.log_every,
        validate_every: a.validate_every,
        checkpoint_every: a.checkpoint_every,
        resume: a.resume,
        progress: true,
        autocast: !a.no_autocast,
        device,
        minutes: a.minutes,
        cpu_budget_seconds: a.cpu_hours.map(|h| h * 3600.0),
        init_from: a.init_from.clone(),
        watch_signals: true,
        hardware: a.hardware.clone(),
        seed: g.seed,
        metadata,
    });
    let s = trainer.run(task.as_mut())?;
    if let Some(why) = s.stopped {
        eprintln!("ferry: stopped at step {} because {why}; continue with --resume", s.steps);
    }
    eprintln!(
        "ferry: trained {} to step {} in {:.1} s ({:.2} CPU-hours in all, {} steps); loss {:.4} -> {:.4}; checkpoint {}",
        a.model,
        s.steps,
        s.seconds,
        s.spent.cpu_seconds / 3600.0,
        s.spent.steps,
        s.first_loss,
        s.last_loss,
        s.checkpoint.display()
    );
    Ok(())
}

pub fn run_export(_g: &GlobalArgs, a: ExportArgs) -> Result<()> {
    let Some(checkpoint) = &a.checkpoint else {
        let voice = crate::Voice::open(&a.voice)?;
        crate::train::model_card::write(&voice.config, &a.voice)?;
        eprintln!("ferry: wrote {}", a.voice.join("MODEL_CARD.md").display());
        return Ok(());
    };
    let entry = crate::train::export::export(checkpoint, &a.voice)?;
    eprintln!(
        "ferry: exported {} ({:.2} M parameters, {} steps) to {}",
        entry.model,
        entry.parameters as f64 / 1e6,
        entry.training.steps,
        a.voice.join(&entry.file).display()
    );
    Ok(())
}
