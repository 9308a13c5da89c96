//! Voice packs for tests: a text voice (tokenizer + a random tiny FastPitch whose durations
//! are pinned so it speaks at a normal pace) with an optional tiny random HiFi-GAN.
#![allow(dead_code)]

use std::path::Path;

use ferry::acoustic::{AcousticModel, Config};
use ferry::audio::MelConfig;
use ferry::voice::{ModelEntry, TrainingInfo, Voice, VoiceConfig};
use tch::{Device, Kind};

/// Writes a voice into `dir`: the shipped tokenizer, an acoustic model when `acoustic`, and
/// a tiny HiFi-GAN (the default vocoder) when `gan`.
pub fn write_voice(dir: &Path, acoustic: bool, gan: bool) -> Voice {
    std::fs::create_dir_all(dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("data/tokenizer.json"), dir.join("tokenizer.json")).unwrap();
    let mut acoustic_entry = None;
    if acoustic {
        let vocab = ferry::text::tokenizer::Tokenizer::load(dir.join("tokenizer.json")).unwrap().len() as i64;
        let cfg = Config::tiny(vocab);
        tch::manual_seed(0);
        let m = AcousticModel::random(&cfg, &MelConfig::default(), Device::Cpu).unwrap();
        // Random weights predict ~0 frames; hold every symbol e² − 1 ≈ 6.4 frames instead.
        let vars = m.vs.variables();
        let (mut w, mut b) = (vars["duration_predictor.fc.weight"].shallow_clone(), vars["duration_predictor.fc.bias"].shallow_clone());
        tch::no_grad(|| {
            let _ = w.zero_();
            let _ = b.fill_(2.0);
        });
        ferry::nn::safetensors::save_var_store(&m.vs, dir.join("acoustic.safetensors"), Some(Kind::Half)).unwrap();
        acoustic_entry = Some(ModelEntry {
            model: "fastpitch".into(),
            file: "acoustic.safetensors".into(),
            config: serde_json::to_value(&cfg).unwrap(),
            parameters: 0,
            training: TrainingInfo::default(),
        });
    }
    let mut vocoders = std::collections::BTreeMap::new();
    if gan {
        use ferry::vocoder::gan::{config::Config as GanConfig, Generator};
        tch::manual_seed(7);
        let vs = tch::nn::VarStore::new(Device::Cpu);
        let cfg = GanConfig::tiny();
        let _gen = Generator::new(vs.root(), &cfg, 80);
        ferry::nn::safetensors::save_var_store(&vs, dir.join("gan.safetensors"), Some(Kind::Half)).unwrap();
        vocoders.insert(
            "gan".to_string(),
            ModelEntry {
                model: "hifigan".into(),
                file: "gan.safetensors".into(),
                config: serde_json::to_value(&cfg).unwrap(),
                parameters: 0,
                training: TrainingInfo::default(),
            },
        );
    }
    let cfg = VoiceConfig {
        acoustic: acoustic_entry,
        default_vocoder: gan.then(|| "gan".to_string()),
        vocoders: vocoders.into_iter().collect(),
        ..VoiceConfig::new("t", MelConfig::default())
    };
    std::fs::write(dir.join("voice.json"), serde_json::to_string(&cfg).unwrap()).unwrap();
    Voice::open(dir).unwrap()
}
