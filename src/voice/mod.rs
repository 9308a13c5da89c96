//! Voice packs: `voices/<name>/voice.json` plus the weights and tokenizer it names.
//!
//! A voice fixes one sample rate and one mel definition shared by its acoustic model and
//! all of its vocoders, so any vocoder can follow the acoustic model. Weights are fp16
//! safetensors, converted to the run-time dtype on load. Every problem is an error naming
//! the voice, the file and what is wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::audio::mel::MelConfig;
use crate::error::{Error, Result};

/// The `voice.json` format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Training provenance of one model in a voice pack.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Optimisation steps the weights had.
    #[serde(default)]
    pub steps: u64,
    /// What the model was trained on (dataset name, hours).
    #[serde(default)]
    pub data: String,
    /// Where (e.g. "1x NVIDIA H100, 2.1 h") — free text.
    #[serde(default)]
    pub hardware: String,
    /// CPU-seconds (user + system) the training took, summed over every resumed segment.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cpu_seconds: f64,
    /// Wall seconds of training, summed the same way.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wall_seconds: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// One model of a voice pack: the acoustic model or a vocoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// Model name, e.g. "hifigan", "diffwave", "fastpitch".
    pub model: String,
    /// Weights file, relative to the voice directory.
    pub file: String,
    /// The model's config, with the reference implementation's JSON keys.
    #[serde(default)]
    pub config: serde_json::Value,
    /// Number of parameters (as stored).
    #[serde(default)]
    pub parameters: u64,
    #[serde(default)]
    pub training: TrainingInfo,
}

/// The contents of `voice.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceConfig {
    pub format_version: u32,
    pub name: String,
    #[serde(default = "default_language")]
    pub language: String,
    pub sample_rate: u32,
    pub mel: MelConfig,
    /// Phoneme tokenizer (Hugging Face `tokenizer.json`), relative to the voice directory.
    #[serde(default = "default_tokenizer")]
    pub tokenizer: String,
    /// The text-to-mel model, when the voice has one.
    #[serde(default)]
    pub acoustic: Option<ModelEntry>,
    /// Vocoders by family name (`ar`, `gan`, `vae`, `flow`, `diffusion`).
    #[serde(default)]
    pub vocoders: BTreeMap<String, ModelEntry>,
    /// Family used when the user names none.
    #[serde(default)]
    pub default_vocoder: Option<String>,
}

impl VoiceConfig {
    /// A voice with no models yet: the current format, US English, the mel's sample rate
    /// and `tokenizer.json`.
    pub fn new(name: &str, mel: MelConfig) -> VoiceConfig {
        VoiceConfig {
            format_version: FORMAT_VERSION,
            name: name.into(),
            language: default_language(),
            sample_rate: mel.sampling_rate,
            mel,
            tokenizer: default_tokenizer(),
            acoustic: None,
            vocoders: BTreeMap::new(),
            default_vocoder: None,
        }
    }
}

fn default_language() -> String {
    "en-US".into()
}
fn default_tokenizer() -> String {
    "tokenizer.json".into()
}

/// A voice pack on disk.
#[derive(Debug, Clone)]
pub struct Voice {
    pub dir: PathBuf,
    pub config: VoiceConfig,
}

impl Voice {
    /// Opens the voice in `dir` and checks `voice.json` and that every named file exists.
    pub fn open(dir: impl AsRef<Path>) -> Result<Voice> {
        let dir = dir.as_ref().to_path_buf();
        let label = dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string());
        let json_path = dir.join("voice.json");
        let text = std::fs::read_to_string(&json_path).map_err(|e| Error::voice(&label, format!("cannot read {}: {e}", json_path.display())))?;
        let config: VoiceConfig = serde_json::from_str(&text).map_err(|e| Error::voice(&label, format!("{}: {e}", json_path.display())))?;
        if config.format_version > FORMAT_VERSION {
            return Err(Error::voice(
                &label,
                format!("voice.json has format_version {} but this Ferry reads up to {FORMAT_VERSION}; upgrade Ferry", config.format_version),
            ));
        }
        config.mel.validate().map_err(|e| Error::voice(&label, e.to_string()))?;
        if config.mel.sampling_rate != config.sample_rate {
            return Err(Error::voice(&label, format!("sample_rate {} differs from the mel's sampling_rate {}", config.sample_rate, config.mel.sampling_rate)));
        }
        let voice = Voice { dir, config };
        for (what, entry) in voice.entries() {
            let p = voice.dir.join(&entry.file);
            if !p.is_file() {
                return Err(Error::voice(&voice.config.name, format!("{what} weights file {} is missing", p.display())));
            }
        }
        Ok(voice)
    }

    /// Finds an installed voice by name (see [`voice_dirs`]) or opens a directory path.
    pub fn find(name_or_dir: &str) -> Result<Voice> {
        let as_path = Path::new(name_or_dir);
        if as_path.join("voice.json").is_file() {
            return Voice::open(as_path);
        }
        for root in voice_dirs() {
            let d = root.join(name_or_dir);
            if d.join("voice.json").is_file() {
                return Voice::open(d);
            }
        }
        let installed: Vec<String> = list_installed().into_iter().map(|v| v.config.name).collect();
        Err(Error::voice(
            name_or_dir,
            if installed.is_empty() {
                "not found, and no voices are installed (looked in $FERRY_VOICES, or ./voices and the source tree's voices/)".to_string()
            } else {
                format!("not found; installed voices: {} (see `ferry voices`)", installed.join(", "))
            },
        ))
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Every model entry with a label ("acoustic", "vocoder gan", ...).
    pub fn entries(&self) -> Vec<(String, &ModelEntry)> {
        let mut v: Vec<(String, &ModelEntry)> = Vec::new();
        if let Some(a) = &self.config.acoustic {
            v.push(("acoustic".into(), a));
        }
        for (fam, e) in &self.config.vocoders {
            v.push((format!("vocoder {fam}"), e));
        }
        v
    }

    /// Path of a file inside the voice directory.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// The vocoder entry of a family, with a helpful error when the voice has none.
    pub fn vocoder_entry(&self, family: &str) -> Result<&ModelEntry> {
        self.config.vocoders.get(family).ok_or_else(|| {
            let have: Vec<&str> = self.config.vocoders.keys().map(|s| s.as_str()).collect();
            Error::voice(
                self.name(),
                format!("has no '{family}' vocoder (it has: {}; griffin-lim always works)", if have.is_empty() { "none".to_string() } else { have.join(", ") }),
            )
        })
    }

    /// Parses an entry's config into a model's `Config` type.
    pub fn model_config<T: serde::de::DeserializeOwned>(&self, entry: &ModelEntry) -> Result<T> {
        serde_json::from_value(entry.config.clone()).map_err(|e| Error::voice(self.name(), format!("config of model '{}' ({}): {e}", entry.model, entry.file)))
    }

    /// An entry's vocoder config, checked against the voice's mel.
    pub fn model_config_for<C: crate::vocoder::model_config::ModelConfig>(&self, entry: &ModelEntry) -> Result<C> {
        C::from_value_or(Some(&entry.config), "", &self.config.mel)
            .map_err(|e| Error::voice(self.name(), format!("{} vocoder '{}' ({}): {e}", C::MODEL, entry.model, entry.file)))
    }

    /// Loads an entry's weights into a var store (fp16 on disk → the store's dtype).
    pub fn load_weights(&self, entry: &ModelEntry, vs: &mut tch::nn::VarStore) -> Result<()> {
        crate::nn::safetensors::load_var_store(vs, self.path(&entry.file))
    }

    /// Size on disk of every file of the pack, in bytes.
    pub fn disk_size(&self) -> u64 {
        std::fs::read_dir(&self.dir).map(|rd| rd.flatten().filter_map(|e| e.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum()).unwrap_or(0)
    }

    /// Writes `voice.json` (pretty-printed) into the voice directory.
    pub fn save_config(&self) -> Result<()> {
        let p = self.dir.join("voice.json");
        let text = serde_json::to_string_pretty(&self.config)?;
        std::fs::write(&p, text + "\n").map_err(|e| Error::io(p, e))
    }
}

/// Directories searched for voices: the entries of `$FERRY_VOICES` (colon-separated) when it
/// is set, and then nothing else (so a test or a deployment sees only the voices it names);
/// otherwise `./voices`, then the `voices/` of the source tree this binary was built from.
pub fn voice_dirs() -> Vec<PathBuf> {
    if let Some(v) = std::env::var_os("FERRY_VOICES") {
        return std::env::split_paths(&v).collect();
    }
    let mut dirs = vec![PathBuf::from("voices")];
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("voices"));
    dirs.dedup();
    dirs
}

/// Every voice that opens cleanly, plus (name, error) for those that do not.
pub fn scan_installed() -> (Vec<Voice>, Vec<(PathBuf, Error)>) {
    let mut ok: Vec<Voice> = Vec::new();
    let mut bad = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for root in voice_dirs() {
        let Ok(rd) = std::fs::read_dir(&root) else { continue };
        let mut subdirs: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.join("voice.json").is_file()).collect();
        subdirs.sort();
        for d in subdirs {
            let key = d.canonicalize().unwrap_or_else(|_| d.clone());
            if !seen.insert(key) {
                continue;
            }
            match Voice::open(&d) {
                Ok(v) => ok.push(v),
                Err(e) => bad.push((d, e)),
            }
        }
    }
    (ok, bad)
}

/// Installed voices that open cleanly.
pub fn list_installed() -> Vec<Voice> {
    scan_installed().0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_voice(dir: &Path, with_file: bool) {
        let cfg = VoiceConfig {
            format_version: 1,
            name: "t".into(),
            language: "en-US".into(),
            sample_rate: 22050,
            mel: MelConfig::default(),
            tokenizer: "tokenizer.json".into(),
            acoustic: None,
            vocoders: [(
                "gan".to_string(),
                ModelEntry {
                    model: "hifigan".into(),
                    file: "gan.safetensors".into(),
                    config: serde_json::json!({}),
                    parameters: 0,
                    training: TrainingInfo::default(),
                },
            )]
            .into(),
            default_vocoder: Some("gan".into()),
        };
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("voice.json"), serde_json::to_string(&cfg).unwrap()).unwrap();
        if with_file {
            std::fs::write(dir.join("gan.safetensors"), b"").unwrap();
        }
    }

    #[test]
    fn opens_a_valid_pack_and_names_a_missing_file() {
        let tmp = tempfile::tempdir().unwrap();
        write_voice(&tmp.path().join("a"), true);
        let v = Voice::open(tmp.path().join("a")).unwrap();
        assert_eq!(v.config.vocoders.len(), 1);
        assert!(v.vocoder_entry("flow").unwrap_err().to_string().contains("has no 'flow'"));
        write_voice(&tmp.path().join("b"), false);
        let err = Voice::open(tmp.path().join("b")).unwrap_err().to_string();
        assert!(err.contains("gan.safetensors") && err.contains("missing"), "{err}");
    }

    #[test]
    fn rejects_newer_format_and_bad_json() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("c");
        write_voice(&d, true);
        let text = std::fs::read_to_string(d.join("voice.json")).unwrap().replace("\"format_version\":1", "\"format_version\":99");
        std::fs::write(d.join("voice.json"), text).unwrap();
        assert!(Voice::open(&d).unwrap_err().to_string().contains("upgrade"));
        std::fs::write(d.join("voice.json"), "{ not json").unwrap();
        assert!(Voice::open(&d).unwrap_err().to_string().contains("voice.json"));
    }
}
