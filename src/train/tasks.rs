//! The training task of each model name `ferry train` and `ferry recipe` accept: the acoustic
//! model, or a vocoder model or family from [`crate::vocoder::registry`].

use super::{TrainSetup, TrainTask};
use crate::error::{Error, Result};
use crate::vocoder::{registry, Family};

/// Model names, for help texts and errors: "acoustic, wavernn (ar), hifigan (gan), ...".
pub fn model_names() -> String {
    let vocoders = registry::MODELS.iter().map(|m| format!("{} ({})", m.name, m.family));
    std::iter::once("acoustic".to_string()).chain(vocoders).collect::<Vec<_>>().join(", ")
}

/// The training task of a model name, alias or vocoder family (its default model),
/// case-insensitive.
pub fn task_for(model: &str, setup: &TrainSetup) -> Result<Box<dyn TrainTask>> {
    let name = model.trim().to_ascii_lowercase();
    if name == "acoustic" || name == "fastpitch" {
        return crate::acoustic::train::train_task(setup);
    }
    let row = registry::model(&name).or_else(|| Family::NEURAL.into_iter().find(|f| f.key() == name).and_then(registry::default_of));
    match row {
        Some(m) => (m.train_task)(setup),
        None => Err(Error::arg(format!("cannot train '{model}'; models: {}, or a family (ar, gan, vae, flow, diffusion)", model_names()))),
    }
}
