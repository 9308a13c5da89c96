//! Prosody controls of the acoustic model: `--rate`, `--pitch` (semitones), `--energy`,
//! and SSML `<prosody>` / `<break>` marks carried on the symbols change the durations,
//! pitch and energy as asked — globally or only on the symbols they cover.

use ferry::acoustic::{AcousticModel, Config, Prosody, Symbol};
use ferry::audio::MelConfig;
use tch::Device;

/// A random tiny model whose symbols each last e² − 1 ≈ 6.4 frames, around 200 Hz.
fn model() -> AcousticModel {
    // Tests run in parallel and the seed is global: build one model at a time.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    tch::manual_seed(0);
    let mut m = AcousticModel::random(&Config::tiny(20), &MelConfig::default(), Device::Cpu).unwrap();
    let vars = m.vs.variables();
    let (mut w, mut b) = (vars["duration_predictor.fc.weight"].shallow_clone(), vars["duration_predictor.fc.bias"].shallow_clone());
    tch::no_grad(|| {
        let _ = w.zero_();
        let _ = b.fill_(2.0);
    });
    m.model.set_pitch_stats(200.0, 40.0);
    m
}

fn symbols() -> Vec<Symbol> {
    [4, 9, 2, 11, 7, 3, 15, 8].iter().map(|&i| Symbol::plain(i)).collect()
}

fn total(frames: &[i64]) -> i64 {
    frames.iter().sum()
}

#[test]
fn rate_scales_durations() {
    let m = model();
    let base = m.synthesize(&symbols(), &Prosody::default()).unwrap();
    let fast = m.synthesize(&symbols(), &Prosody { rate: 2.0, ..Default::default() }).unwrap();
    let slow = m.synthesize(&symbols(), &Prosody { rate: 0.5, ..Default::default() }).unwrap();
    let (b, f, s) = (total(&base.frames), total(&fast.frames), total(&slow.frames));
    eprintln!("frames: normal {b}, rate 2 {f}, rate 0.5 {s}");
    assert!(b >= 30, "the test model should speak ({b} frames)");
    assert!((f * 2 - b).abs() <= 2, "rate 2: {f} frames vs {b}");
    assert!((s - b * 2).abs() <= 2, "rate 0.5: {s} frames vs {b}");
    assert_eq!(base.mel.size()[2], b);
    assert_eq!(fast.mel.size()[2], f);
}

#[test]
fn pitch_shifts_by_semitones_and_changes_the_mel() {
    let m = model();
    let base = m.synthesize(&symbols(), &Prosody::default()).unwrap();
    let low = m.synthesize(&symbols(), &Prosody { pitch_semitones: -2.0, ..Default::default() }).unwrap();
    let ratio = 2f32.powf(-2.0 / 12.0);
    for (a, b) in base.pitch_hz.iter().zip(&low.pitch_hz) {
        assert!(*a > 50.0, "base pitch {a}");
        assert!((b / a - ratio).abs() < 1e-4, "{b} Hz is not {a} Hz shifted down two semitones");
    }
    assert_eq!(base.frames, low.frames, "pitch must not change durations");
    let diff = (&base.mel - &low.mel).abs().max().double_value(&[]);
    assert!(diff > 1e-4, "the decoder ignored the pitch shift");
}

#[test]
fn energy_scales_the_energy_given_to_the_decoder() {
    let m = model();
    let base = m.synthesize(&symbols(), &Prosody::default()).unwrap();
    let loud = m.synthesize(&symbols(), &Prosody { energy: 1.1, ..Default::default() }).unwrap();
    let (be, le) = (base.energy.unwrap(), loud.energy.unwrap());
    for (a, b) in be.iter().zip(&le) {
        assert!((b - a * 1.1).abs() <= 1e-5 * a.abs().max(1.0), "{b} is not 1.1 × {a}");
    }
    assert!(Prosody { energy: -1.0, ..Default::default() }.validate().is_err());
    assert!(Prosody { rate: 0.0, ..Default::default() }.validate().unwrap_err().to_string().contains("--rate"));
}

#[test]
fn ssml_prosody_applies_only_to_its_symbols() {
    let m = model();
    // A 500 ms <break> after symbol 4, then <prosody rate="200%" pitch="+50%"> around 2..5.
    let mut plain = symbols();
    plain.insert(5, Symbol { pause_ms: Some(500), ..Symbol::plain(1) });
    let mut marked = plain.clone();
    for s in &mut marked[2..5] {
        s.rate = 2.0;
        s.pitch = 1.5;
    }
    let base = m.synthesize(&plain, &Prosody::default()).unwrap();
    let out = m.synthesize(&marked, &Prosody::default()).unwrap();
    eprintln!("frames plain {:?}\nframes marked {:?}", base.frames, out.frames);
    let pause = 500.0 * 22050.0 / 256.0 / 1000.0;
    assert!((base.frames[5] as f64 - pause).abs() <= 1.0, "the 500 ms break got {} frames", base.frames[5]);
    // A pause of a given length is silent: the decoder gets zero energy there, not a prediction.
    let energy = base.energy.as_ref().unwrap();
    assert_eq!(energy[5], 0.0, "the break's energy");
    assert!(energy.iter().any(|&e| e > 0.0), "the other symbols keep their predicted energy: {energy:?}");
    let inside = |f: &[i64]| f[2..5].iter().sum::<i64>();
    assert!((inside(&out.frames) * 2 - inside(&base.frames)).abs() <= 2, "marked symbols were not twice as fast");
    let outside = |f: &[i64]| f[..2].iter().chain(&f[5..]).sum::<i64>();
    assert!((outside(&out.frames) - outside(&base.frames)).abs() <= 1, "symbols outside the mark changed speed");
    for k in 0..plain.len() {
        let want = if (2..5).contains(&k) { 1.5 } else { 1.0 };
        assert!((out.pitch_hz[k] / base.pitch_hz[k] - want).abs() < 1e-3, "symbol {k}: {} vs {} Hz", out.pitch_hz[k], base.pitch_hz[k]);
    }
    // The global controls compose with the marks.
    let both = m.synthesize(&marked, &Prosody { rate: 2.0, pitch_semitones: 12.0, ..Default::default() }).unwrap();
    assert!((both.pitch_hz[3] / base.pitch_hz[3] - 3.0).abs() < 1e-3);
    assert!((inside(&both.frames) * 4 - inside(&base.frames)).abs() <= 4);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let m = model();
    assert!(m.synthesize(&[], &Prosody::default()).unwrap_err().to_string().contains("nothing to say"));
    let err = m.synthesize(&[Symbol::plain(999)], &Prosody::default()).unwrap_err().to_string();
    assert!(err.contains("vocabulary"), "{err}");
}
