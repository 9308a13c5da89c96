//! The `Synthesizer` end to end on a voice pack: a voice without an acoustic model is a
//! clear one-line error; with one (random weights here) text and SSML become audio whose
//! length follows `--rate` and `<prosody rate>`.

use std::path::Path;

use ferry::acoustic::{AcousticModel, Config};
use ferry::audio::MelConfig;
use ferry::synth::{SynthOptions, Synthesizer};
use ferry::voice::{ModelEntry, TrainingInfo, Voice, VoiceConfig};
use ferry::{Family, VocodeOptions};
use tch::{Device, Kind};

fn write_voice(dir: &Path, with_acoustic: bool) -> Voice {
    std::fs::create_dir_all(dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("data/tokenizer.json"), dir.join("tokenizer.json")).unwrap();
    let mut acoustic = None;
    if with_acoustic {
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
        acoustic = Some(ModelEntry {
            model: "fastpitch".into(),
            file: "acoustic.safetensors".into(),
            config: serde_json::to_value(&cfg).unwrap(),
            parameters: 0,
            training: TrainingInfo::default(),
        });
    }
    let cfg = VoiceConfig {
        format_version: 1,
        name: "t".into(),
        language: "en-US".into(),
        sample_rate: 22050,
        mel: MelConfig::default(),
        tokenizer: "tokenizer.json".into(),
        acoustic,
        vocoders: Default::default(),
        default_vocoder: None,
    };
    std::fs::write(dir.join("voice.json"), serde_json::to_string(&cfg).unwrap()).unwrap();
    Voice::open(dir).unwrap()
}

fn opts(rate: f64) -> SynthOptions {
    SynthOptions { rate, vocode: VocodeOptions { iterations: Some(2), ..Default::default() }, ..Default::default() }
}

#[test]
fn a_voice_without_an_acoustic_model_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let voice = write_voice(&tmp.path().join("v"), false);
    let err = Synthesizer::new(&voice, Family::GriffinLim, Device::Cpu).err().expect("must fail").to_string();
    assert!(err.contains("no trained acoustic model") && err.contains("ferry train acoustic"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[test]
fn text_and_ssml_become_audio_that_follows_the_rate() {
    let tmp = tempfile::tempdir().unwrap();
    let voice = write_voice(&tmp.path().join("v"), true);
    let tts = Synthesizer::new(&voice, Family::GriffinLim, Device::Cpu).unwrap();
    let normal = tts.synth("Hello there, good friend.", &opts(1.0)).unwrap();
    let fast = tts.synth("Hello there, good friend.", &opts(2.0)).unwrap();
    eprintln!("normal {:.2} s, rate 2 {:.2} s", normal.duration(), fast.duration());
    assert_eq!(normal.sample_rate, 22050);
    assert!(normal.duration() > 0.5);
    assert_eq!(normal.samples.len() % 256, 0, "whole frames of audio");
    // Phonemes go twice as fast; the comma's pause keeps its length (pauses are absolute).
    assert!(fast.duration() < 0.65 * normal.duration() && fast.duration() > 0.4 * normal.duration());
    assert!(normal.samples.iter().all(|s| s.is_finite()));

    let ssml = tts.synth("<speak><prosody rate=\"200%\">Hello there, good friend.</prosody></speak>", &opts(1.0)).unwrap();
    eprintln!("ssml rate 200%: {:.2} s", ssml.duration());
    assert!(ssml.duration() < 0.7 * normal.duration());
    let pause = tts.synth("<speak>Hello there.<break time=\"1s\"/>Good friend.</speak>", &opts(1.0)).unwrap();
    let no_pause = tts.synth("Hello there. Good friend.", &opts(1.0)).unwrap();
    eprintln!("with a 1 s break {:.2} s, without {:.2} s", pause.duration(), no_pause.duration());
    assert!(pause.duration() > no_pause.duration() + 0.5);

    assert!(tts.synth("   ", &opts(1.0)).is_err());
    assert!(tts.synth("Hello.", &SynthOptions { rate: 100.0, ..opts(1.0) }).unwrap_err().to_string().contains("--rate"));
}
