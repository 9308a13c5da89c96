//! The vocoder models Ferry knows, one row each: the only place that lists them.
//!
//! A row names the model (and the aliases users type), its family, its presets, what
//! `ferry bench` measures, the precisions it runs in, and the three ways to build it: from a
//! voice pack, with random weights, and as a training task. Everything that used to `match` on
//! the family (loading, `ferry train`, `ferry bench vocoder`/`all`/`say`, the precision
//! errors, the `--vocoder` parser) reads this table. Adding a model is a folder under
//! `src/vocoder/` and one row here (docs/ARCHITECTURE.md, "Adding a vocoder model").
//!
//! Griffin-Lim is a family without weights, presets or training, so it has no row; the
//! functions of [`crate::vocoder`] handle it before they look here.

use tch::Device;

use super::{ar, diffusion, flow, gan, vae, Family, Precision, Vocoder};
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::train::{TrainSetup, TrainTask};
use crate::voice::{ModelEntry, Voice};

/// One vocoder model.
pub struct ModelInfo {
    pub family: Family,
    /// The name in `voice.json` and on the command line, e.g. "hifigan".
    pub name: &'static str,
    /// Other names `--vocoder` and `ferry train` accept (lowercase).
    pub aliases: &'static [&'static str],
    /// Preset names of its config (`--config NAME`; anything else is a JSON file).
    pub presets: &'static [&'static str],
    /// The preset `ferry train` uses without `--config` (the voice-pack size), and the one
    /// `ferry bench say` times.
    pub default_preset: &'static str,
    /// The presets `ferry bench all` measures.
    pub bench_presets: &'static [&'static str],
    /// Precisions its inference runs in (fp32 first).
    pub precisions: &'static [Precision],
    /// Whether the same mel always gives the same audio (no sampling noise).
    pub deterministic: bool,
    /// Whether a preset name or JSON config file describes this model (for families with
    /// several models: a gan config is HiFi-GAN's or Vocos').
    pub describes: fn(&str) -> bool,
    /// Builds it from a voice pack's entry.
    pub load: fn(&Voice, &ModelEntry, Device) -> Result<Box<dyn Vocoder>>,
    /// Builds it with random weights from a preset or a JSON config file, for `mel`.
    pub build_random: fn(&str, &MelConfig, Device) -> Result<Box<dyn Vocoder>>,
    /// Its `ferry train` task.
    pub train_task: fn(&TrainSetup) -> Result<Box<dyn TrainTask>>,
}

const FP32: &[Precision] = &[Precision::Fp32];
const FP32_BF16: &[Precision] = &[Precision::Fp32, Precision::Bf16];

fn any_spec(_: &str) -> bool {
    true
}

/// Every model, the family's default first within its family.
pub static MODELS: [ModelInfo; 6] = [
    ModelInfo {
        family: Family::Ar,
        name: "wavernn",
        aliases: &["autoregressive"],
        presets: &ar::config::PRESETS,
        default_preset: "cpu",
        bench_presets: &["cpu", "default", "512"],
        precisions: FP32,
        deterministic: false,
        describes: any_spec,
        load: ar::load,
        build_random: ar::build_random,
        train_task: ar::train::train_task,
    },
    ModelInfo {
        family: Family::Gan,
        name: gan::MODEL_NAME,
        aliases: &["hifi-gan", "hifigan-v1", "hifigan-v2", "hifigan-v3"],
        presets: &gan::config::PRESETS,
        default_preset: "compact",
        bench_presets: &["v1", "v2", "v3", "compact"],
        precisions: FP32_BF16,
        deterministic: true,
        describes: |spec| !gan::is_vocos_spec(spec),
        load: gan::load,
        build_random: gan::build_random,
        train_task: gan::train::train_task,
    },
    ModelInfo {
        family: Family::Gan,
        name: gan::vocos::MODEL_NAME,
        aliases: &[],
        presets: &gan::vocos::config::PRESETS,
        default_preset: "vocos-cpu",
        bench_presets: &["vocos", "vocos-cpu"],
        precisions: FP32_BF16,
        deterministic: true,
        describes: gan::is_vocos_spec,
        load: gan::vocos::load,
        build_random: gan::vocos::build_random,
        train_task: gan::train::vocos_train_task,
    },
    ModelInfo {
        family: Family::Vae,
        name: "cvae",
        aliases: &[],
        presets: &vae::config::PRESETS,
        default_preset: "vocos",
        bench_presets: &["base", "vocos"],
        precisions: FP32,
        deterministic: false,
        describes: any_spec,
        load: vae::load,
        build_random: vae::build_random,
        train_task: vae::train::train_task,
    },
    ModelInfo {
        family: Family::Flow,
        name: "waveglow",
        aliases: &[],
        presets: &flow::config::PRESETS,
        default_preset: "cpu",
        bench_presets: &["cpu", "compact", "paper"],
        precisions: FP32_BF16,
        deterministic: false,
        describes: any_spec,
        load: flow::load,
        build_random: flow::build_random,
        train_task: flow::train::train_task,
    },
    ModelInfo {
        family: Family::Diffusion,
        name: "diffwave",
        aliases: &[],
        presets: &diffusion::config::PRESETS,
        default_preset: "cpu",
        bench_presets: &["cpu", "base"],
        precisions: FP32_BF16,
        deterministic: false,
        describes: any_spec,
        load: diffusion::load,
        build_random: diffusion::build_random,
        train_task: diffusion::train::train_task,
    },
];

/// The model a name or alias means (case-insensitive), e.g. "HiFiGAN" → hifigan.
pub fn model(name: &str) -> Option<&'static ModelInfo> {
    let name = name.trim().to_ascii_lowercase();
    MODELS.iter().find(|m| m.name == name || m.aliases.contains(&name.as_str()))
}

/// The models of a family, its default first (none for Griffin-Lim).
pub fn models_of(family: Family) -> impl Iterator<Item = &'static ModelInfo> {
    MODELS.iter().filter(move |m| m.family == family)
}

/// The family's default model (`None` for Griffin-Lim).
pub fn default_of(family: Family) -> Option<&'static ModelInfo> {
    models_of(family).next()
}

/// The model of `family` that a preset name or config file describes.
pub fn for_config(family: Family, spec: &str) -> Result<&'static ModelInfo> {
    let mut models = models_of(family);
    let first = models.next().ok_or_else(|| Error::arg(format!("the {family} vocoder has no presets or config files")))?;
    Ok(std::iter::once(first).chain(models).find(|m| (m.describes)(spec)).unwrap_or(first))
}

/// The names users may type for a model, for help texts and errors: "hifigan, vocos, ...".
pub fn model_names() -> String {
    MODELS.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
}

/// The families that run in `precision`, for errors: "gan, flow and diffusion".
pub fn families_supporting(precision: Precision) -> String {
    let mut fams: Vec<&str> = Vec::new();
    for m in MODELS.iter().filter(|m| m.precisions.contains(&precision)) {
        if !fams.contains(&m.family.key()) {
            fams.push(m.family.key());
        }
    }
    match fams.split_last() {
        None => "none".into(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for m in MODELS.iter() {
            for n in std::iter::once(&m.name).chain(m.aliases) {
                assert_eq!(*n, n.to_ascii_lowercase(), "{n}");
                assert!(seen.insert(*n), "{n} is listed twice");
                assert!(Family::NEURAL.iter().all(|f| f.key() != *n), "{n} shadows a family key");
            }
            assert!(m.presets.contains(&m.default_preset), "{}: default preset {} is not a preset", m.name, m.default_preset);
            assert_eq!(m.precisions.first(), Some(&Precision::Fp32), "{}", m.name);
        }
        for f in Family::NEURAL {
            assert!(default_of(f).is_some(), "{f} has no model");
        }
    }

    #[test]
    fn configs_pick_the_model_of_the_family() {
        assert_eq!(for_config(Family::Gan, "v1").unwrap().name, "hifigan");
        assert_eq!(for_config(Family::Gan, "vocos-cpu").unwrap().name, "vocos");
        assert_eq!(for_config(Family::Flow, "compact").unwrap().name, "waveglow");
        assert!(for_config(Family::GriffinLim, "default").is_err());
        assert_eq!(model("HiFi-GAN").unwrap().name, "hifigan");
        assert!(model("wavenet").is_none());
        assert_eq!(families_supporting(Precision::Bf16), "gan, flow and diffusion");
    }
}
