//! Report statistics against values worked out by hand (derivations in the comments).

use ferry::listen::manifest::{Condition, ConditionKind, LoudnessInfo, Sentence, Study, FORMAT_VERSION};
use ferry::listen::plan::Mode;
use ferry::listen::report::{self, screen};
use ferry::listen::stats::{summarize, wilcoxon, WilcoxonMethod};
use ferry::listen::store::{Record, Score};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn wilcoxon_exact_with_a_zero_and_ties() {
    // d = x − y = 4, −2, 6, 0, 3, 3, −1, 8. Drop the 0 → n = 7.
    // |d| sorted: 1(−) 2(−) 3 3 4 6 8 → ranks 1, 2, 3.5, 3.5, 5, 6, 7.
    // W− = 1 + 2 = 3, W+ = 28 − 3 = 25, W = 3.
    // Exact: sign patterns with W− ≤ 3 over ranks {1, 2, 3.5, 3.5, 5, 6, 7}: {}, {1}, {2}, {1,2} → 4 of 2^7.
    // Two-sided p = 2 · 4/128 = 0.0625.
    let x = [84.0, 60.0, 90.0, 70.0, 75.0, 73.0, 66.0, 88.0];
    let y = [80.0, 62.0, 84.0, 70.0, 72.0, 70.0, 67.0, 80.0];
    let w = wilcoxon(&x, &y);
    assert_eq!((w.pairs, w.zeros, w.n), (8, 1, 7));
    assert_eq!((w.w_plus, w.w_minus, w.w), (25.0, 3.0, 3.0));
    assert_eq!(w.method, WilcoxonMethod::Exact);
    assert!(close(w.p, 0.0625, 1e-12), "{}", w.p);
    // Swapping x and y swaps W+ and W− and keeps p.
    let v = wilcoxon(&y, &x);
    assert_eq!((v.w_plus, v.w_minus), (3.0, 25.0));
    assert!(close(v.p, 0.0625, 1e-12));
}

#[test]
fn wilcoxon_exact_without_ties() {
    // d = 4, −2, 6, 0, 3, 5, −1, 8 → ranks of |d|: 1(−) 2(−) 3 4 5 6 7; W− = 3, W+ = 25.
    // W− ≤ 3: {}, {1}, {2}, {3}, {1,2} → 5 of 128; p = 10/128 = 0.078125.
    let d = [4.0, -2.0, 6.0, 0.0, 3.0, 5.0, -1.0, 8.0];
    let w = wilcoxon(&d, &[0.0; 8]);
    assert_eq!((w.n, w.w), (7, 3.0));
    assert!(close(w.p, 0.078125, 1e-12));
    // All equal: nothing to test.
    let z = wilcoxon(&[1.0, 2.0], &[1.0, 2.0]);
    assert_eq!((z.method, z.p, z.n), (WilcoxonMethod::NoDifferences, 1.0, 0));
}

#[test]
fn wilcoxon_normal_approximation() {
    // n = 30 (> 25 → normal): d = 1..30 with 1, 2, 3 negative. W− = 6, W+ = 465 − 6 = 459.
    // μ = 30·31/4 = 232.5; σ² = 30·31·61/24 = 2363.75, σ = 48.61841.
    // z = (459 − 232.5 − 0.5)/σ = 4.648463; p = 2(1 − Φ(z)) = 3.3445e-6.
    let d: Vec<f64> = (1..=30).map(|i| if i <= 3 { -(i as f64) } else { i as f64 }).collect();
    let w = wilcoxon(&d, &vec![0.0; 30]);
    assert_eq!(w.method, WilcoxonMethod::Normal);
    assert_eq!((w.w_plus, w.w_minus), (459.0, 6.0));
    assert!(close(w.z.unwrap(), 4.648445, 1e-5), "{:?}", w.z);
    assert!(close(w.p / 3.3445e-6, 1.0, 1e-3), "{}", w.p);

    // With ties: |d| groups 1×3, 2×4, 3×5, 4×2, 5×3, 6..11 ×2 each, 12×1 (n = 30).
    // Ranks: |1| → 2, |2| → 5.5, |3| → 10; negatives −1, −2, −3 → W− = 17.5, W+ = 447.5.
    // Σ(t³ − t) = 24 + 60 + 120 + 24 + 7·6 = 270 → σ² = 2363.75 − 270/48 = 2358.125, σ = 48.56053.
    // z = (447.5 − 232.5 − 0.5)/σ = 4.417167; p = 1.00003e-5.
    let d2 = [1., 1., 2., 2., 2., 3., 3., 3., 3., -1., 4., 4., 5., 5., 5., -2., 6., 6., 7., 7., -3., 8., 8., 9., 9., 10., 10., 11., 11., 12.];
    let w = wilcoxon(&d2, &[0.0; 30]);
    assert_eq!((w.w_plus, w.w_minus), (447.5, 17.5));
    assert!(close(w.z.unwrap(), 4.417167, 1e-5), "{:?}", w.z);
    assert!(close(w.p / 1.00003e-5, 1.0, 1e-3), "{}", w.p);
}

fn study() -> Study {
    let cond = |key: &str, kind| Condition { key: key.into(), label: key.into(), kind, family: None, options: serde_json::Value::Null };
    Study {
        format_version: FORMAT_VERSION,
        title: "hand".into(),
        public_id: "00000000".into(),
        secret: "0".repeat(32),
        created_unix: 0,
        voice: None,
        sample_rate: 22_050,
        loudness: LoudnessInfo { requested_lufs: -23.0, target_lufs: -23.0, method: "BS.1770".into() },
        sentences: (1..=4).map(|i| Sentence { index: i, id: format!("{i:03}"), text: String::new() }).collect(),
        conditions: vec![
            cond("reference", ConditionKind::Reference),
            cond("anchor-3.5k", ConditionKind::Anchor),
            cond("griffin-lim", ConditionKind::CopySynthesis),
        ],
        stimuli: vec![],
        notes: vec![],
    }
}

fn record(listener: &str, sentence: usize, reference: f64, anchor: f64, gl: f64) -> Record {
    let s = |c: &str, v: f64, h: bool| Score { stimulus: format!("{c}{sentence}"), condition: c.into(), score: v, hidden_reference: h };
    Record {
        listener: listener.into(),
        mode: Mode::Mushra,
        trial: format!("mushra:{sentence}"),
        sentence,
        scores: vec![s("reference", reference, true), s("anchor-3.5k", anchor, false), s("griffin-lim", gl, false)],
        time_ms: 0,
    }
}

#[test]
fn post_screening_mean_ci_and_paired_test_by_hand() {
    // L1 rates the hidden reference 100, 95, 100, 92 → none below 90 → kept.
    // L2: 100, 85, 100, 100 → 1 of 4 = 25 % > 15 % → excluded.
    // L3: 90, 100, 100, 100 → 90 is not below 90 → kept.
    let (r1, g1) = ([100.0, 95.0, 100.0, 92.0], [50.0, 60.0, 55.0, 65.0]);
    let (r2, g2) = ([100.0, 85.0, 100.0, 100.0], [0.0, 0.0, 0.0, 0.0]);
    let (r3, g3) = ([90.0, 100.0, 100.0, 100.0], [40.0, 45.0, 70.0, 55.0]);
    let mut records = Vec::new();
    for (l, r, g) in [("L1", r1, g1), ("L2", r2, g2), ("L3", r3, g3)] {
        for i in 0..4 {
            records.push(record(l, i + 1, r[i], 20.0, g[i]));
        }
    }
    // A superseded earlier record of L3 sentence 1 (the last one counts).
    records.insert(0, record("L3", 1, 10.0, 90.0, 99.0));
    let s = study();
    let rep = report::build(&s, records, 0);
    let m = rep.mushra.as_ref().unwrap();
    let excluded: Vec<_> = m.screening.iter().filter(|x| x.excluded).map(|x| (x.listener.as_str(), x.below, x.trials)).collect();
    assert_eq!(excluded, vec![("L2", 1, 4)]);
    assert_eq!((m.listeners, m.kept), (3, 2));

    // griffin-lim over L1 + L3: 50 60 55 65 40 45 70 55 → mean 55; squared deviations
    // 25 25 0 100 225 100 225 0 = 700 → sd = √(700/7) = 10; se = 10/√8 = 3.535534;
    // t(0.975, 7) = 2.364624 → CI ± 8.360209.
    let gl = m.conditions.iter().find(|c| c.condition == "griffin-lim").unwrap();
    assert_eq!(gl.summary.n, 8);
    assert!(close(gl.summary.mean, 55.0, 1e-12));
    assert!(close(gl.summary.sd, 10.0, 1e-12));
    assert!(close(gl.summary.ci95.unwrap(), 8.360209, 1e-5), "{:?}", gl.summary.ci95);
    // Sorted by mean: reference (97.125), griffin-lim (55), anchor (20).
    let order: Vec<_> = m.conditions.iter().map(|c| c.condition.as_str()).collect();
    assert_eq!(order, ["reference", "griffin-lim", "anchor-3.5k"]);
    // Anchor: all 20 → sd 0, CI 0.
    assert_eq!(m.conditions[2].summary.ci95, Some(0.0));

    // reference vs griffin-lim: d = 50 35 45 27 50 55 30 45, all positive → W− = 0, W+ = 36;
    // only the all-positive sign pattern reaches it: p = 2/256 = 0.0078125 (exact, n = 8).
    let p = m.pairs.iter().find(|p| p.a == "reference" && p.b == "griffin-lim").unwrap();
    assert_eq!((p.test.n, p.test.w_plus, p.test.w), (8, 36.0, 0.0));
    assert!(close(p.test.p, 0.0078125, 1e-12));
    // Holm over the 3 pairs, all with p = 0.0078125: 3p = 0.0234375 for each.
    assert!(m.pairs.iter().all(|p| close(p.p_holm, 0.0234375, 1e-12)));

    let md = rep.markdown(&s);
    assert!(md.contains("excluded listener `L2`: hidden reference below 90 in 1 of 4 trials (25 %)"), "{md}");
    assert!(md.contains("2 of 3 listeners kept"));
    assert!(md.contains("| griffin-lim | 8 | 55.0 | 46.6 – 63.4 (±8.4) | 10.0 |"), "{md}");

    // The 15 % boundary: 1 of 7 trials (14.3 %) keeps a listener, 2 of 7 (28.6 %) does not.
    let seven = |below: usize| (1..=7).map(|i| record("L", i, if i <= below { 80.0 } else { 100.0 }, 0.0, 0.0)).collect::<Vec<_>>();
    assert!(!screen(&seven(1))[0].excluded);
    assert!(screen(&seven(2))[0].excluded);

    // Plots and files.
    let dir = tempfile::tempdir().unwrap();
    rep.write(&s, dir.path()).unwrap();
    for f in ["report.md", "report.json", "mushra.png", "mushra.svg"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    assert!(summarize(&[]).mean.is_nan());
}
