//! `ferry compare` end to end on a tiny study: loudness matching, equal lengths per sentence,
//! the anchor's band limit, spectrograms, blinded file names, and refusing to overwrite.

mod listen_support;

use ferry::audio::{self, MelConfig};
use ferry::listen::loudness::integrated_loudness;
use ferry::listen::manifest::read_sentences;
use ferry::listen::plan::{self, Mode};
use ferry::listen::render::{Reference, Render};
use ferry::listen::study::{self, BuildOptions, SourceDirs};
use ferry::listen::Study;

fn band_energy(x: &[f32], rate: u32, lo: f64, hi: f64) -> f64 {
    // Hann-windowed DFT of a short window in the middle: enough to compare bands.
    let n = 2048.min(x.len());
    let start = (x.len() - n) / 2;
    let mut e = 0.0;
    for k in 1..n / 2 {
        let f = k as f64 * rate as f64 / n as f64;
        if f < lo || f >= hi {
            continue;
        }
        let (mut re, mut im) = (0.0, 0.0);
        for (i, v) in x[start..start + n].iter().enumerate() {
            let a = 2.0 * std::f64::consts::PI * (k * i) as f64 / n as f64;
            let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
            re += w * *v as f64 * a.cos();
            im -= w * *v as f64 * a.sin();
        }
        e += re * re + im * im;
    }
    e
}

/// Build options of a study with no voice, no seed and no notes.
fn plain_options() -> BuildOptions {
    BuildOptions { title: "x".into(), voice: None, mel: MelConfig::default(), target_lufs: -23.0, notes: vec![], force: false, progress: false, seed: None }
}

#[test]
fn builds_a_loudness_matched_blinded_study() {
    let dir = tempfile::tempdir().unwrap();
    let s = listen_support::tiny_study(dir.path(), 2);
    let sd = dir.path().join("study");
    let again = Study::load(&sd).unwrap();
    assert_eq!((&again.sentences, &again.conditions, &again.secret), (&s.sentences, &s.conditions, &s.secret));
    assert_eq!(again.stimuli.iter().map(|x| &x.id).collect::<Vec<_>>(), s.stimuli.iter().map(|x| &x.id).collect::<Vec<_>>());
    assert_eq!(s.stimuli.len(), 2 * 3);
    assert_eq!(s.conditions.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(), ["reference", "anchor-3.5k", "griffin-lim"]);
    assert_eq!(s.sample_rate, 22_050);
    assert_eq!(s.loudness.target_lufs, -23.0);
    for sentence in &s.sentences {
        let stims: Vec<_> = s.stimuli.iter().filter(|x| x.sentence == sentence.index).collect();
        let mut lens = Vec::new();
        for st in &stims {
            // Opaque names: nothing about the condition in the file name.
            assert!(!st.file.contains(&st.condition) && st.id.len() == 16);
            let (a, _) = audio::read_wav(sd.join(&st.file)).unwrap();
            assert_eq!(a.sample_rate, 22_050);
            let (l, _) = integrated_loudness(&a.samples, a.sample_rate);
            assert!((l - -23.0).abs() < 0.1, "{} {}: {l} LUFS", sentence.id, st.condition);
            assert!(st.peak <= 0.9, "{}", st.peak);
            assert!(sd.join(&st.image).is_file());
            lens.push(a.samples.len());
        }
        assert!(lens.windows(2).all(|w| w[0] == w[1]), "one length per sentence: {lens:?}");
        // Sentences were recorded at different levels; the gains differ accordingly.
        let r = s.stimulus_for(sentence.index, "reference").unwrap();
        let a = s.stimulus_for(sentence.index, "anchor-3.5k").unwrap();
        let (ra, _) = audio::read_wav(sd.join(&r.file)).unwrap();
        let (aa, _) = audio::read_wav(sd.join(&a.file)).unwrap();
        let (hi_r, hi_a) = (band_energy(&ra.samples, 22_050, 4500.0, 7000.0), band_energy(&aa.samples, 22_050, 4500.0, 7000.0));
        let (lo_r, lo_a) = (band_energy(&ra.samples, 22_050, 100.0, 3000.0), band_energy(&aa.samples, 22_050, 100.0, 3000.0));
        assert!(hi_a / lo_a < 1e-3 * hi_r / lo_r, "anchor keeps high band: {hi_a} / {lo_a} vs {hi_r} / {lo_r}");
    }
    assert!((s.stimuli[0].gain_db - s.stimuli[3].gain_db).abs() > 3.0);

    // Per-listener plans: all trials, shuffled per listener, same on every call.
    let p1 = plan::listener_plan(&s, Mode::Mushra, "listener-one").unwrap();
    assert_eq!(p1, plan::listener_plan(&s, Mode::Mushra, "listener-one").unwrap());
    assert_eq!(p1.len(), 2);
    assert!(p1.iter().all(|t| t.stimuli.len() == 3 && t.reference.is_some()));
    let orders: std::collections::HashSet<Vec<String>> =
        (0..12).map(|i| plan::listener_plan(&s, Mode::Mushra, &format!("listener-{i:02}")).unwrap()[0].stimuli.iter().map(|x| x.1.clone()).collect()).collect();
    assert!(orders.len() > 1, "stimulus order is randomised per listener");
    assert_eq!(plan::trials(&s, Mode::Ab).unwrap().len(), 2); // reference vs griffin-lim, per sentence
    assert_eq!(plan::trials(&s, Mode::Mos).unwrap().len(), 6);

    // An existing study is not replaced without force.
    let err = study::build(
        &sd,
        &s.sentences,
        &SourceDirs { reference: Some(dir.path().join("ref")), resynth: None },
        vec![Box::new(Reference) as Box<dyn Render>],
        &plain_options(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("--force"), "{err}");
}

#[test]
fn missing_recordings_and_no_reference_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("s.txt");
    std::fs::write(&list, "one\ntwo\n").unwrap();
    let sentences = read_sentences(&list).unwrap();
    std::fs::create_dir_all(dir.path().join("ref")).unwrap();
    let a = listen_support::speechlike(0.5, 120.0, 22_050, 0.3);
    audio::write_wav(dir.path().join("ref/1.wav"), &a, audio::SampleFormat::Pcm16).unwrap(); // by line number
    let opts = plain_options();
    let err = study::build(
        &dir.path().join("out"),
        &sentences,
        &SourceDirs { reference: Some(dir.path().join("ref")), resynth: None },
        vec![Box::new(Reference)],
        &opts,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no recording for sentence 2") && err.contains("002.wav"), "{err}");

    // A study without a reference has no MUSHRA.
    let only_one = dir.path().join("one.txt");
    std::fs::write(&only_one, "one\n").unwrap();
    let gl = ferry::vocoder::griffin_lim::GriffinLim::new(&MelConfig::default(), tch::Device::Cpu).unwrap();
    let cs = ferry::listen::render::CopySynthesis::new(
        Box::new(gl),
        ferry::VocodeOptions { iterations: Some(4), ..Default::default() },
        &MelConfig::default(),
        None,
    )
    .unwrap();
    let s = study::build(
        &dir.path().join("out2"),
        &read_sentences(&only_one).unwrap(),
        &SourceDirs { reference: None, resynth: Some(dir.path().join("ref")) },
        vec![Box::new(cs)],
        &opts,
    )
    .unwrap();
    let err = plan::trials(&s, Mode::Mushra).unwrap_err().to_string();
    assert!(err.contains("MUSHRA needs a reference"), "{err}");
    assert_eq!(plan::trials(&s, Mode::Mos).unwrap().len(), 1);
}

#[test]
fn a_neural_vocoder_plugs_in_as_a_condition() {
    // Random-weight HiFi-GAN V3 (the smallest): what matters is the plumbing, not the sound.
    let dir = tempfile::tempdir().unwrap();
    let mel = MelConfig::default();
    std::fs::create_dir_all(dir.path().join("ref")).unwrap();
    let a = listen_support::speechlike(0.4, 150.0, 22_050, 0.3);
    audio::write_wav(dir.path().join("ref/001.wav"), &a, audio::SampleFormat::Pcm16).unwrap();
    let gan = ferry::vocoder::build_random(ferry::Family::Gan, "v3", &mel, tch::Device::Cpu).unwrap();
    let cs = ferry::listen::render::CopySynthesis::new(gan, ferry::VocodeOptions::default(), &mel, None).unwrap();
    let c = cs.condition();
    assert_eq!((c.key.as_str(), c.family.as_deref()), ("gan", Some("gan")));
    let sentences = vec![ferry::listen::manifest::Sentence { index: 1, id: "001".into(), text: "x".into() }];
    let opts = BuildOptions { title: "x".into(), voice: None, mel, target_lufs: -23.0, notes: vec![], force: false, progress: false, seed: Some(1) };
    let s = study::build(
        &dir.path().join("s"),
        &sentences,
        &SourceDirs { reference: Some(dir.path().join("ref")), resynth: None },
        vec![Box::new(Reference), Box::new(cs)],
        &opts,
    )
    .unwrap();
    let g = s.stimulus_for(1, "gan").unwrap();
    assert_eq!(g.seconds, s.stimulus_for(1, "reference").unwrap().seconds);
    assert_eq!(plan::trials(&s, Mode::Ab).unwrap().len(), 1);
}
