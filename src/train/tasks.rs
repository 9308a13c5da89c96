//! The training task of each model name `ferry train` and `ferry recipe` accept.

use super::{TrainSetup, TrainTask};
use crate::error::{Error, Result};

/// Model names, for help texts and errors.
pub const MODELS: &str = "acoustic, gan (hifigan), vocos (gan family), vae, flow (waveglow), diffusion (diffwave), ar (wavernn)";

/// The training task of a model name (case-insensitive).
pub fn task_for(model: &str, setup: &TrainSetup) -> Result<Box<dyn TrainTask>> {
    match model.to_ascii_lowercase().as_str() {
        "acoustic" | "fastpitch" => crate::acoustic::train::train_task(setup),
        "gan" | "hifigan" | "hifi-gan" => crate::vocoder::gan::train::train_task(setup),
        "vocos" => crate::vocoder::gan::train::vocos_train_task(setup),
        "vae" | "cvae" => crate::vocoder::vae::train::train_task(setup),
        "diffusion" | "diffwave" => crate::vocoder::diffusion::train::train_task(setup),
        "flow" | "waveglow" => crate::vocoder::flow::train::train_task(setup),
        "ar" | "wavernn" => crate::vocoder::ar::train::train_task(setup),
        other => Err(Error::arg(format!("cannot train '{other}' in this build; models: {MODELS}"))),
    }
}
