//! The `Synthesizer` end to end on a voice pack: a voice without an acoustic model is a
//! clear one-line error; with one (random weights here) text and SSML become audio whose
//! length follows `--rate` and `<prosody rate>`.

use ferry::synth::{SynthOptions, Synthesizer};
use ferry::{Family, VocodeOptions};
use tch::Device;

mod voice_support;

fn write_voice(dir: &std::path::Path, with_acoustic: bool) -> ferry::Voice {
    voice_support::write_voice(dir, with_acoustic, false)
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
