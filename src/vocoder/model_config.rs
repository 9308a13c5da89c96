//! What every vocoder config offers, in one trait: named presets, a JSON file with the
//! reference implementation's keys, and one check against the voice's mel. Preset names are
//! case-insensitive in every family; presets take the mel's bands, hop and sample rate where
//! the model has such keys, and a file that disagrees with the mel is an error naming the key
//! (nothing is overwritten silently).

use serde::de::DeserializeOwned;

use crate::audio::MelConfig;
use crate::error::{Error, Result};

/// A vocoder model's hyper-parameters.
pub trait ModelConfig: Sized + DeserializeOwned {
    /// The model's name in errors, e.g. "HiFi-GAN".
    const MODEL: &'static str;
    /// The preset names [`ModelConfig::preset_for`] knows (lowercase).
    const PRESETS: &'static [&'static str];

    /// A preset by lowercase name, sized for `mel`.
    fn preset_for(name: &str, mel: &MelConfig) -> Option<Self>;

    /// Checks the values are usable and agree with `mel`; the message names the key.
    fn validate_for(&self, mel: &MelConfig) -> Result<()>;

    /// Parses a config from JSON (default: the config's own keys; WaveGlow also reads a whole
    /// reference `config.json`).
    fn from_json_value(value: serde_json::Value) -> serde_json::Result<Self> {
        serde_json::from_value(value)
    }

    /// A preset (any case) or the path of a JSON config file, checked against `mel`.
    fn from_name_or_file(spec: &str, mel: &MelConfig) -> Result<Self> {
        let cfg = match Self::preset_for(&spec.trim().to_ascii_lowercase(), mel) {
            Some(c) => c,
            None => {
                let path = std::path::Path::new(spec);
                if !path.is_file() {
                    return Err(Error::arg(format!("{} config '{spec}' is neither a preset ({}) nor a JSON file", Self::MODEL, Self::PRESETS.join(", "))));
                }
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                let value = serde_json::from_str(&text).map_err(|e| Error::config(path.display().to_string(), e.to_string()))?;
                Self::from_json_value(value).map_err(|e| Error::config(path.display().to_string(), format!("not a {} config: {e}", Self::MODEL)))?
            }
        };
        cfg.validate_for(mel)?;
        Ok(cfg)
    }

    /// A config given as JSON (a voice pack's entry, a recipe stage's `config`, `ferry train
    /// --config`): an object of keys, or a string naming a preset or a JSON file; `default`
    /// when there is none. Checked against `mel`.
    fn from_value_or(value: Option<&serde_json::Value>, default: &str, mel: &MelConfig) -> Result<Self> {
        let cfg = match value {
            None => return Self::from_name_or_file(default, mel),
            Some(serde_json::Value::String(spec)) => return Self::from_name_or_file(spec, mel),
            Some(v) => Self::from_json_value(v.clone()).map_err(|e| Error::config(Self::MODEL, e.to_string()))?,
        };
        cfg.validate_for(mel)?;
        Ok(cfg)
    }
}
