//! `ferry g2p-train`: trains the learned letter-to-phoneme model on CMUdict.

use std::path::PathBuf;

use clap::Args;

use super::GlobalArgs;
use crate::error::{Error, Result};
use crate::text::g2p_model::G2pConfig;
use crate::text::g2p_train::{train, TrainOptions};
use crate::text::lexicon::{data_dir, Lexicon};

#[derive(Debug, Args)]
pub struct G2pTrainArgs {
    /// Where to write config.json and model.safetensors (fp16; the best validation WER is kept).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Stop after this many minutes of training.
    #[arg(long, default_value_t = 35.0)]
    pub minutes: f64,
    /// Stop after this many optimiser steps.
    #[arg(long, default_value_t = 1_000_000)]
    pub steps: u64,
    /// Words per batch.
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Peak learning rate (inverse-square-root schedule after warm-up).
    #[arg(long, default_value_t = 2e-3)]
    pub lr: f64,
    /// Warm-up steps.
    #[arg(long, default_value_t = 800)]
    pub warmup: u64,
    /// Validate (and keep the best weights) every this many steps.
    #[arg(long, default_value_t = 500)]
    pub eval_every: u64,
    /// Model configuration JSON (G2pConfig keys); default: the shipped base size.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Use the tiny test configuration.
    #[arg(long)]
    pub tiny: bool,
    /// Continue from the weights in this model directory (its config.json is used too).
    #[arg(long)]
    pub init: Option<PathBuf>,
    /// Cosine learning-rate decay over the time budget (good for continuing a run).
    #[arg(long)]
    pub cosine: bool,
    /// Average the weights from this fraction of the budget on (e.g. 0.6: the last 40 %),
    /// a snapshot every 100 steps; the average is kept when it validates better than the
    /// best single checkpoint.
    #[arg(long, value_name = "FRACTION")]
    pub average_from: Option<f64>,
}

pub fn run(g: &GlobalArgs, a: G2pTrainArgs) -> Result<()> {
    let device = super::pick_device(g)?;
    let init_cfg = a.init.as_ref().map(|d| d.join("config.json"));
    let config = match (init_cfg.as_ref().or(a.config.as_ref()), a.tiny) {
        (Some(p), _) => {
            let t = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
            serde_json::from_str(&t).map_err(|e| Error::config(p.display().to_string(), e.to_string()))?
        }
        (None, true) => G2pConfig::tiny(),
        (None, false) => G2pConfig::base(),
    };
    if a.batch == 0 || a.warmup == 0 || a.eval_every == 0 {
        return Err(Error::arg("--batch, --warmup and --eval-every must be positive"));
    }
    if a.average_from.is_some_and(|f| !(0.0..1.0).contains(&f)) {
        return Err(Error::arg("--average-from is a fraction of the budget in [0, 1), e.g. 0.6"));
    }
    let lex = Lexicon::cmudict()?;
    let opts = TrainOptions {
        out_dir: a.out.unwrap_or_else(|| data_dir().join("g2p")),
        minutes: a.minutes,
        max_steps: a.steps,
        batch: a.batch,
        lr: a.lr,
        warmup: a.warmup,
        eval_every: a.eval_every,
        seed: g.seed,
        device,
        config,
        init: a.init.clone(),
        cosine: a.cosine,
        average_from: a.average_from,
    };
    let best = train(&lex, &opts)?;
    println!(
        "best validation: WER {:.2} %  PER {:.2} %  (without stress {:.2} % / {:.2} %); weights in {}",
        best.wer * 100.0,
        best.per * 100.0,
        best.wer_no_stress * 100.0,
        best.per_no_stress * 100.0,
        opts.out_dir.display()
    );
    Ok(())
}
