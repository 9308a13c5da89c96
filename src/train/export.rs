//! `ferry export`: a training checkpoint → an fp16 entry of a voice pack (weights file plus
//! its `voice.json` entry with config, parameter count and training provenance).

use std::path::Path;

use tch::Kind;

use super::checkpoint::{checkpoint_export_info, checkpoint_step};
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::nn::safetensors;
use crate::voice::{ModelEntry, TrainingInfo, Voice, VoiceConfig};

/// Exports the inference weights of `checkpoint` into the voice directory `voice_dir`
/// (created when absent) and records them in its `voice.json`.
pub fn export(checkpoint: &Path, voice_dir: &Path) -> Result<ModelEntry> {
    let (tensors, meta) = safetensors::read_with_metadata(checkpoint)?;
    let info = checkpoint_export_info(checkpoint, &meta)?;
    let step = checkpoint_step(checkpoint, &meta)?;
    let prefix = format!("store/{}/", info.store);
    // The gan family's discriminators travel beside the pack (in `train/`), for users who
    // fine-tune and for machines that continue training without the optimiser checkpoint.
    let discriminator: Vec<(String, tch::Tensor)> =
        tensors.iter().filter_map(|(n, t)| n.strip_prefix("store/discriminator/").map(|s| (s.to_string(), t.shallow_clone()))).collect();
    let weights: Vec<(String, tch::Tensor)> = tensors.into_iter().filter_map(|(n, t)| n.strip_prefix(&prefix).map(|s| (s.to_string(), t))).collect();
    if weights.is_empty() {
        return Err(Error::weights(checkpoint, format!("holds no weights of store '{}'", info.store)));
    }
    let mel: MelConfig = match meta.get("mel") {
        Some(m) => serde_json::from_str(m).map_err(|e| Error::weights(checkpoint, format!("bad mel metadata: {e}")))?,
        None => MelConfig::default(),
    };

    std::fs::create_dir_all(voice_dir).map_err(|e| Error::io(voice_dir, e))?;
    let json_path = voice_dir.join("voice.json");
    let mut config = if json_path.is_file() {
        Voice::open(voice_dir).map(|v| v.config).or_else(|_| -> Result<VoiceConfig> {
            // A pack whose other files are not there yet is still a valid export target.
            let text = std::fs::read_to_string(&json_path).map_err(|e| Error::io(&json_path, e))?;
            serde_json::from_str(&text).map_err(|e| Error::config(json_path.display().to_string(), e.to_string()))
        })?
    } else {
        let name = voice_dir.file_name().map_or_else(|| "voice".into(), |s| s.to_string_lossy().into_owned());
        VoiceConfig::new(&name, mel.clone())
    };
    if config.mel != mel {
        return Err(Error::voice(
            &config.name,
            format!("{} was trained with a different mel definition than this voice; every model of a voice must share one mel", checkpoint.display()),
        ));
    }

    // The acoustic model's ids mean nothing without the vocabulary it was trained on.
    let tokenizer = match (info.role.as_str(), &info.symbols) {
        ("acoustic", None) => {
            return Err(Error::weights(checkpoint, "an acoustic checkpoint without its phoneme vocabulary (written by an older Ferry); retrain it"))
        }
        (_, Some(symbols)) => Some(crate::text::tokenizer::Tokenizer::from_symbols(symbols)?),
        (_, None) => None,
    };
    let file = format!("{}.safetensors", info.role);
    safetensors::write(voice_dir.join(&file), &weights, Some(Kind::Half))?;
    if !discriminator.is_empty() {
        let dir = voice_dir.join("train");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        safetensors::write(dir.join(format!("{}-discriminator.safetensors", info.role)), &discriminator, Some(Kind::Half))?;
    }
    let entry = ModelEntry {
        model: info.model.clone(),
        file,
        config: info.config.clone(),
        parameters: weights.iter().map(|(_, t)| t.numel() as u64).sum(),
        training: {
            let spent = super::budget::Spent::from_metadata(&meta);
            let hardware = meta.get("hardware").filter(|h| !h.is_empty()).cloned().unwrap_or_else(|| spent.hardware());
            TrainingInfo {
                steps: step,
                data: meta.get("data").cloned().unwrap_or_default(),
                hardware,
                cpu_seconds: (spent.cpu_seconds * 10.0).round() / 10.0,
                wall_seconds: (spent.wall_seconds * 10.0).round() / 10.0,
            }
        },
    };
    if info.role == "acoustic" {
        if let Some(t) = &tokenizer {
            t.save(voice_dir.join(&config.tokenizer))?;
        }
        config.acoustic = Some(entry.clone());
    } else {
        info.role.parse::<crate::vocoder::Family>()?;
        config.vocoders.insert(info.role.clone(), entry.clone());
        if config.default_vocoder.is_none() {
            config.default_vocoder = Some(info.role.clone());
        }
    }
    let text = serde_json::to_string_pretty(&config)?;
    std::fs::write(&json_path, text + "\n").map_err(|e| Error::io(&json_path, e))?;
    super::model_card::write(&config, voice_dir)?;
    Ok(entry)
}
