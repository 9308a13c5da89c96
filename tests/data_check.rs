//! The dataset loader and `ferry data check` on the committed fixture and on a corpus with
//! deliberately broken rows (built in a temporary directory from the fixture).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use ferry::audio::{read_wav, write_wav, Audio, SampleFormat};
use ferry::data::{Dataset, DatasetOptions, ProblemKind, Report, TextStep};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fixtures")
}

fn ferry() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferry"))
}

/// Test helper standing in for the text frontend: lowercase letters and a few punctuation
/// marks become ids; anything else (digits, symbols) is rejected as the frontend would.
fn letter_ids() -> TextStep {
    Arc::new(|s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c.to_ascii_lowercase() {
                c @ 'a'..='z' => Ok(c as i64 - 'a' as i64 + 1),
                '.' | ',' | '?' | '!' | '\'' | '-' | ';' | ':' => Ok(27),
                other => Err(ferry::Error::Text(format!("cannot read {other:?}"))),
            })
            .collect()
    })
}

/// The fixture copied into `dir`, then broken: a row whose WAV is missing, a row with empty
/// text, a WAV at 8 kHz, a WAV that is garbage, a row the text step rejects, one too long.
fn broken_corpus(dir: &Path) {
    let src = fixture();
    fs::create_dir_all(dir.join("wavs")).unwrap();
    let mut meta = fs::read_to_string(src.join("metadata.csv")).unwrap();
    for line in meta.lines() {
        let id = line.split('|').next().unwrap();
        fs::copy(src.join(format!("wavs/{id}.wav")), dir.join(format!("wavs/{id}.wav"))).unwrap();
    }
    // 1. missing wav
    meta.push_str("gone-01|This file was never written.|This file was never written.\n");
    // 2. empty text
    fs::copy(src.join("wavs/fx-00002.wav"), dir.join("wavs/empty-01.wav")).unwrap();
    meta.push_str("empty-01||\n");
    // 3. an 8 kHz wav (kept, resampled, noted)
    let (audio, _) = read_wav(src.join("wavs/fx-00003.wav")).unwrap();
    let low = ferry::audio::resample::resample(&audio, 8000).unwrap();
    write_wav(dir.join("wavs/low-01.wav"), &low, SampleFormat::Pcm16).unwrap();
    meta.push_str("low-01|It was not a good idea.|It was not a good idea.\n");
    // 4. garbage in a .wav file
    fs::write(dir.join("wavs/junk-01.wav"), b"this is not audio at all, just text in a wav file").unwrap();
    meta.push_str("junk-01|Garbage in.|Garbage in.\n");
    // 5. text the frontend rejects
    fs::copy(src.join("wavs/fx-00004.wav"), dir.join("wavs/digits-01.wav")).unwrap();
    meta.push_str("digits-01|Call 555 0199.|Call 555 0199.\n");
    // 6. too long (25 s of quiet tone)
    let long: Vec<f32> = (0..22050 * 25).map(|i| 0.1 * (i as f32 * 0.05).sin()).collect();
    write_wav(dir.join("wavs/long-01.wav"), &Audio::new(long, 22050), SampleFormat::Pcm16).unwrap();
    meta.push_str("long-01|A very long pause.|A very long pause.\n");
    // 7. a truncated wav: header promises more than the file holds
    let bytes = fs::read(src.join("wavs/fx-00005.wav")).unwrap();
    fs::write(dir.join("wavs/cut-01.wav"), &bytes[..bytes.len() / 2]).unwrap();
    meta.push_str("cut-01|The Americans bombed Dresden.|The Americans bombed Dresden.\n");
    fs::write(dir.join("metadata.csv"), meta).unwrap();
}

fn kinds(report: &Report) -> Vec<(String, ProblemKind)> {
    report.problems.iter().map(|p| (p.id.clone(), p.kind.clone())).collect()
}

#[test]
fn fixture_is_clean_and_split() {
    let opts = DatasetOptions { text: Some(letter_ids()), ..Default::default() };
    let (ds, report) = Dataset::open(fixture(), &opts).unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!((report.rows, report.kept), (14, 14));
    assert!(report.seconds > 15.0 && report.seconds < 30.0, "{report}");
    assert!(ds.items.iter().all(|i| !i.ids.is_empty() && i.source_rate == 22050));
    assert_eq!(report.histogram.counts.iter().sum::<usize>(), 14);
    // The splits partition the fixture.
    let train = Dataset::open(fixture(), &DatasetOptions { metadata: "metadata_train.csv".into(), ..Default::default() }).unwrap().0;
    let val = Dataset::open(fixture(), &DatasetOptions { metadata: "metadata_val.csv".into(), ..Default::default() }).unwrap().0;
    assert_eq!((train.len(), val.len()), (12, 2));
    assert!(val.items.iter().all(|v| train.get(&v.id).is_none()));
}

#[test]
fn every_broken_row_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    broken_corpus(tmp.path());
    let opts = DatasetOptions { text: Some(letter_ids()), ..Default::default() };
    let (ds, report) = Dataset::open(tmp.path(), &opts).unwrap();
    let k = kinds(&report);
    for expected in [
        ("gone-01", ProblemKind::MissingWav),
        ("empty-01", ProblemKind::EmptyText),
        ("low-01", ProblemKind::Resampled),
        ("junk-01", ProblemKind::UnreadableWav),
        ("digits-01", ProblemKind::TextRejected),
        ("long-01", ProblemKind::TooLong),
        ("cut-01", ProblemKind::UnreadableWav),
    ] {
        assert!(k.contains(&(expected.0.to_string(), expected.1.clone())), "{expected:?} not reported:\n{report}");
    }
    // Nothing silently dropped: every row is either an item or an excluded problem.
    assert_eq!(report.rows, 14 + 7);
    assert_eq!(report.kept + report.excluded().count(), report.rows, "{report}");
    assert_eq!(report.kept, 15);
    // The 8 kHz row is kept and loads at 22 050 Hz.
    let low = ds.get("low-01").unwrap();
    assert_eq!(low.source_rate, 8000);
    let samples = ds.load_audio(low).unwrap();
    assert!((samples.len() as f64 / 22050.0 - low.duration).abs() < 0.01);
    // The problem rows name their line in metadata.csv.
    let gone = report.problems.iter().find(|p| p.id == "gone-01").unwrap();
    assert_eq!(gone.line, 15);
}

#[test]
fn cli_check_reports_fixture_and_broken_corpus() {
    let out = ferry().args(["data", "check"]).arg(fixture()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("14 kept of 14 rows") && text.contains("problems    none"), "{text}");

    let tmp = tempfile::tempdir().unwrap();
    broken_corpus(tmp.path());
    let out = ferry().args(["data", "check"]).arg(tmp.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for needle in ["missing wav", "empty text", "resampled", "unreadable wav", "too long", "gone-01", "junk-01", "low-01", "long-01"] {
        assert!(text.contains(needle), "'{needle}' missing from:\n{text}");
    }
    // --strict turns excluded rows into a failing exit status with a one-line error.
    let out = ferry().args(["data", "check", "--strict"]).arg(tmp.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used"));
    // JSON for tools.
    let out = ferry().args(["data", "check", "--json"]).arg(tmp.path()).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rows"], 21);
    // A directory without metadata is a clear error, not a panic.
    let out = ferry().args(["data", "check"]).arg(tmp.path().join("wavs")).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("metadata.csv"));
}
