//! The `ferry compare`, `ferry listen` and `ferry listen report` commands through the binary:
//! a study from reference recordings, clear errors for what cannot be rendered, and a report.

mod listen_support;
mod voice_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use ferry::audio::{self, SampleFormat};

fn ferry(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ferry")).args(args).env("FERRY_VOICES", "/nonexistent").output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn compare_then_report_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = |p: &str| dir.path().join(p).to_string_lossy().to_string();
    std::fs::create_dir_all(d("ref")).unwrap();
    std::fs::write(d("s.txt"), "a|First one.\nb|Second one.\n").unwrap();
    for (i, id) in ["a", "b"].iter().enumerate() {
        let a = listen_support::speechlike(0.6, 120.0 + 30.0 * i as f64, 22_050, 0.3);
        audio::write_wav(dir.path().join(format!("ref/{id}.wav")), &a, SampleFormat::Pcm16).unwrap();
    }

    // Without recordings or --tts there is nothing to render; --tts needs a voice.
    let (ok, _, err) = ferry(&["compare", "-f", &d("s.txt"), "-o", &d("x"), "--device", "cpu"]);
    assert!(!ok && err.contains("--reference DIR") && err.contains("--tts"), "{err}");
    let (ok, _, err) = ferry(&["compare", "-f", &d("s.txt"), "-o", &d("x"), "--tts", "--device", "cpu"]);
    assert!(!ok && err.contains("--voice"), "{err}");
    // A family named explicitly must be available.
    let (ok, _, err) = ferry(&["compare", "-f", &d("s.txt"), "-o", &d("x"), "--reference", &d("ref"), "--families", "gan", "--device", "cpu"]);
    assert!(!ok && err.contains("gan"), "{err}");

    let (ok, _, err) = ferry(&[
        "compare",
        "-f",
        &d("s.txt"),
        "-o",
        &d("study"),
        "--reference",
        &d("ref"),
        "--iterations",
        "4",
        "--mid-anchor",
        "--lufs",
        "-26",
        "--device",
        "cpu",
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("skipped") && err.contains("reference, anchor-3.5k, anchor-7k, griffin-lim"), "{err}");
    let study = ferry::listen::Study::load(&dir.path().join("study")).unwrap();
    assert_eq!(study.stimuli.len(), 8);
    assert_eq!(study.loudness.target_lufs, -26.0);
    assert!(study.notes.iter().any(|n| n.contains("gan: skipped")));
    let (ok, _, err) = ferry(&["compare", "-f", &d("s.txt"), "-o", &d("study"), "--reference", &d("ref"), "--device", "cpu"]);
    assert!(!ok && err.contains("--force"), "{err}");

    let (ok, md, err) = ferry(&["listen", "report", &d("study")]);
    assert!(ok, "{err}");
    assert!(md.contains("No ratings yet") && md.contains("## Stimuli (unblinded)"), "{md}");
    assert!(dir.path().join("study/report/report.md").is_file());

    // MOS needs no reference; MUSHRA on a study without one is refused with the fix.
    let (ok, _, err) = ferry(&["listen", &d("nowhere")]);
    assert!(!ok && err.contains("ferry compare"), "{err}");
    let (ok, _, err) = ferry(&["listen", &d("study"), "--mode", "nonsense"]);
    assert!(!ok && err.contains("mushra, ab or mos"), "{err}");

    // The server starts on loopback and says where.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry")).args(["listen", &d("study"), "--port", "0"]).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(line.contains("http://127.0.0.1:") && line.contains("mushra, 2 trials per listener"), "{line}");
}

/// `--tts`: each sentence through the voice's acoustic model and each of its vocoders, beside
/// the recordings' copy synthesis; without recordings, text to speech alone.
#[test]
fn compare_with_text_to_speech_conditions() {
    let dir = tempfile::tempdir().unwrap();
    let d = |p: &str| dir.path().join(p).to_string_lossy().to_string();
    voice_support::write_voice(&dir.path().join("voice"), true, true);
    std::fs::create_dir_all(d("ref")).unwrap();
    std::fs::write(d("s.txt"), "a|Hello there, friend.\nb|A second sentence.\n").unwrap();
    for (i, id) in ["a", "b"].iter().enumerate() {
        let a = listen_support::speechlike(1.5, 120.0 + 30.0 * i as f64, 22_050, 0.3);
        audio::write_wav(dir.path().join(format!("ref/{id}.wav")), &a, SampleFormat::Pcm16).unwrap();
    }
    let common = ["--voice", &d("voice"), "--tts", "--iterations", "4", "--device", "cpu"];
    let (ok, _, err) = ferry(&[&["compare", "-f", &d("s.txt"), "-o", &d("both"), "--reference", &d("ref")][..], &common[..]].concat());
    assert!(ok, "{err}");
    let study = ferry::listen::Study::load(&dir.path().join("both")).unwrap();
    let keys: Vec<&str> = study.conditions.iter().map(|c| c.key.as_str()).collect();
    for k in ["reference", "griffin-lim", "gan", "tts-griffin-lim", "tts-gan"] {
        assert!(keys.contains(&k), "no {k} condition in {keys:?}");
    }
    let tts = study.conditions.iter().find(|c| c.key == "tts-gan").unwrap();
    assert_eq!(tts.kind, ferry::listen::manifest::ConditionKind::Tts);
    assert_eq!(study.stimuli.len(), 2 * keys.len());

    let (ok, _, err) = ferry(&[&["compare", "-f", &d("s.txt"), "-o", &d("tts")][..], &common[..]].concat());
    assert!(ok, "{err}");
    let study = ferry::listen::Study::load(&dir.path().join("tts")).unwrap();
    let keys: Vec<&str> = study.conditions.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["tts-griffin-lim", "tts-gan"]);
    for s in &study.stimuli {
        let (a, _) = audio::read_wav(dir.path().join("tts").join(&s.file)).unwrap();
        assert!(a.duration() > 0.3, "{} is {} s", s.file, a.duration());
    }
}
