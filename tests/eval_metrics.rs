//! The metrics on signals rather than on hand-made arrays: F0 RMSE between synthetic
//! tones through the pitch tracker, MCD and log-mel L1 of a signal against itself and a
//! louder copy, WER through the scoring normaliser.

use ferry::audio::{MelConfig, MelExtractor};
use ferry::eval::{f0, mcd, mel_l1, run::track_f0, wer};

fn tone(f: f64, seconds: f64, rate: u32) -> Vec<f32> {
    (0..(seconds * rate as f64) as usize)
        .map(|i| {
            let t = i as f64 / rate as f64;
            // A few harmonics, like a voiced sound.
            (0.3 * (2.0 * std::f64::consts::PI * f * t).sin() + 0.1 * (4.0 * std::f64::consts::PI * f * t).sin()) as f32
        })
        .collect()
}

#[test]
fn f0_rmse_of_synthetic_tones() {
    let mel = MelConfig::default();
    let a = track_f0(&tone(200.0, 1.0, mel.sampling_rate), &mel).unwrap();
    let b = track_f0(&tone(210.0, 1.0, mel.sampling_rate), &mel).unwrap();
    let e = f0::f0_errors(&a, &b);
    // Every frame of a steady tone is voiced; 200 vs 210 Hz is 10 Hz, 84.5 cents.
    assert!(e.vuv_error < 0.05, "{e:?}");
    assert!((e.rmse_hz.unwrap() - 10.0).abs() < 1.0, "{e:?}");
    assert!((e.rmse_cents.unwrap() - 84.47).abs() < 8.0, "{e:?}");
    // Against silence: no frame voiced in both, every voiced frame a V/UV error.
    let silent = track_f0(&vec![0.0; mel.sampling_rate as usize], &mel).unwrap();
    let e = f0::f0_errors(&a, &silent);
    assert_eq!(e.rmse_hz, None);
    assert!(e.vuv_error > 0.9);
}

#[test]
fn mel_distances_of_signals() {
    let cfg = MelConfig::default();
    let ex = MelExtractor::new(&cfg).unwrap();
    let x = ferry::bench::test_signal(1.0, cfg.sampling_rate);
    let louder: Vec<f32> = x.iter().map(|v| v * 2.0).collect();
    let (m, m2) = (ex.compute(&x), ex.compute(&louder));
    assert_eq!(mcd::mcd_mel(&m, &m, 24).unwrap().db, 0.0);
    // Twice the amplitude adds ln 2 to every (non-floored) log-mel bin: c0 moves, the
    // cepstral shape barely does, while the log-mel L1 is close to ln 2.
    let d = mcd::mcd_mel(&m, &m2, 24).unwrap().db;
    let l1 = mel_l1::mel_l1(&m, &m2).unwrap().unwrap();
    assert!(d < 0.5, "MCD {d}");
    assert!((l1 - std::f64::consts::LN_2).abs() < 0.1, "L1 {l1}");
    // A different signal is far in both.
    let other = ex.compute(&tone(300.0, 1.0, cfg.sampling_rate));
    assert!(mcd::mcd_mel(&m, &other, 24).unwrap().db > 2.0 * d.max(0.1));
}

#[test]
fn wer_on_strings() {
    let e = wer::word_errors("In 1,999 the ferry sailed 3 times!", "in one thousand nine hundred ninety nine the ferry sailed three time");
    assert_eq!((e.substitutions, e.deletions, e.insertions, e.reference_words), (1, 0, 0, 12));
}
