//! The `ferry` binary on good and bad input: resynthesis keeps length, every bad input is
//! a one-line error with a non-zero exit and never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ferry(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferry")).args(args).current_dir(cwd).env("FERRY_VOICES", cwd.join("voices")).output().expect("run ferry")
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples/teacher.wav")
}

/// Asserts a clean failure: non-zero exit, a single `ferry: error:` line containing `needle`, no panic.
fn assert_clean_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure, got success; stderr: {err}");
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("ferry: error:")).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    assert!(lines[0].to_lowercase().contains(&needle.to_lowercase()), "'{needle}' not in: {err}");
}

fn write_wav(path: &Path, rate: u32, channels: u16, bits: u16, seconds: f32) {
    let spec = hound::WavSpec { channels, sample_rate: rate, bits_per_sample: bits, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let n = (rate as f32 * seconds) as usize;
    let full = ((1i64 << (bits - 1)) - 1) as f32;
    for i in 0..n {
        let t = i as f32 / rate as f32;
        let v = 0.3 * (2.0 * std::f32::consts::PI * 220.0 * t).sin();
        for c in 0..channels {
            w.write_sample(((v * if c == 0 { 1.0 } else { 0.5 }) * full) as i32).unwrap();
        }
    }
    w.finalize().unwrap();
}

#[test]
fn resynth_griffin_lim_keeps_length_within_one_hop() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.wav");
    let o = ferry(
        &["--device", "cpu", "resynth", sample().to_str().unwrap(), "-o", out.to_str().unwrap(), "--vocoder", "griffin-lim", "--iterations", "16"],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, _) = ferry::audio::read_wav(sample()).unwrap();
    let (b, _) = ferry::audio::read_wav(&out).unwrap();
    assert_eq!(b.sample_rate, 22050);
    assert!(a.samples.len().abs_diff(b.samples.len()) < 256, "{} vs {}", a.samples.len(), b.samples.len());
    // The output is speech-like, not silence: the mel of the output follows the input's.
    let ex = ferry::audio::MelExtractor::new(&Default::default()).unwrap();
    let (ma, mb) = (ex.compute(&a.samples), ex.compute(&b.samples));
    let l1: f32 = ma.data.iter().zip(&mb.data).map(|(x, y)| (x - y).abs()).sum::<f32>() / mb.data.len() as f32;
    assert!(l1 < 1.0, "log-mel L1 between input and Griffin-Lim resynthesis: {l1}");
}

#[test]
fn hi_res_stereo_24_bit_is_accepted_and_resampled() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("hires.wav");
    write_wav(&input, 96_000, 2, 24, 0.5);
    let out = tmp.path().join("out.wav");
    let o = ferry(&["--device", "cpu", "resynth", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--vocoder", "gl", "--iterations", "4"], tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("mixed to mono") && err.contains("96000 Hz -> 22050 Hz"), "{err}");
    let (b, _) = ferry::audio::read_wav(&out).unwrap();
    assert!((b.samples.len() as i64 - 11025).abs() < 256);
}

#[test]
fn mel_writes_npy_and_png() {
    let tmp = tempfile::tempdir().unwrap();
    let (npy, png) = (tmp.path().join("m.npy"), tmp.path().join("m.png"));
    let o = ferry(&["mel", sample().to_str().unwrap(), "-o", npy.to_str().unwrap(), "--png", png.to_str().unwrap()], tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (data, shape) = ferry::audio::npy::read_f32(&npy).unwrap();
    let (a, _) = ferry::audio::read_wav(sample()).unwrap();
    assert_eq!(shape, vec![80, a.samples.len() / 256]);
    assert!(data.iter().all(|v| v.is_finite()));
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
}

#[test]
fn bad_audio_inputs_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let out = d.join("o.wav");
    let o = out.to_str().unwrap();
    let run = |input: &Path| ferry(&["--device", "cpu", "resynth", input.to_str().unwrap(), "-o", o, "--vocoder", "griffin-lim"], d);

    assert_clean_error(&run(&d.join("missing.wav")), "no such file");

    std::fs::write(d.join("empty.wav"), b"").unwrap();
    assert_clean_error(&run(&d.join("empty.wav")), "empty");

    write_wav(&d.join("zero.wav"), 22050, 1, 16, 0.0);
    assert_clean_error(&run(&d.join("zero.wav")), "no samples");

    std::fs::write(d.join("text.wav"), "This is a text file, renamed to look like audio.\n").unwrap();
    assert_clean_error(&run(&d.join("text.wav")), "not a valid wav");

    write_wav(&d.join("full.wav"), 22050, 1, 16, 0.5);
    let bytes = std::fs::read(d.join("full.wav")).unwrap();
    std::fs::write(d.join("trunc.wav"), &bytes[..bytes.len() / 2 + 1]).unwrap();
    assert_clean_error(&run(&d.join("trunc.wav")), "truncated");

    write_wav(&d.join("tiny.wav"), 22050, 1, 16, 0.005);
    assert_clean_error(&run(&d.join("tiny.wav")), "too short");
}

#[test]
fn bad_options_and_neural_families_without_a_voice() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let s = sample();
    let o = ferry(&["resynth", s.to_str().unwrap(), "-o", "x.wav", "--vocoder", "gan"], d);
    assert_clean_error(&o, "needs a voice");
    let o = ferry(&["--device", "cpu", "resynth", s.to_str().unwrap(), "-o", "x.wav", "--voice", "nobody"], d);
    assert_clean_error(&o, "not found");
    let o = ferry(&["--device", "cpu", "resynth", s.to_str().unwrap(), "-o", "x.wav", "--vocoder", "gl", "--momentum", "1.5"], d);
    assert_clean_error(&o, "momentum");
    // clap usage errors exit with 2 and no panic.
    let o = ferry(&["resynth", s.to_str().unwrap(), "-o", "x.wav", "--vocoder", "wavenet"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown vocoder"));
}

/// A voice pack whose weights file is missing or truncated is reported by name.
#[test]
fn broken_voice_packs_are_named() {
    use ferry::voice::{ModelEntry, VoiceConfig};
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let voice_dir = d.join("voices/broken");
    std::fs::create_dir_all(&voice_dir).unwrap();
    let cfg = VoiceConfig {
        format_version: 1,
        name: "broken".into(),
        language: "en-US".into(),
        sample_rate: 22050,
        mel: Default::default(),
        tokenizer: "tokenizer.json".into(),
        acoustic: None,
        vocoders: [(
            "gan".to_string(),
            ModelEntry { model: "hifigan".into(), file: "gan.safetensors".into(), config: serde_json::json!({}), parameters: 10, training: Default::default() },
        )]
        .into(),
        default_vocoder: Some("gan".into()),
    };
    std::fs::write(voice_dir.join("voice.json"), serde_json::to_string(&cfg).unwrap()).unwrap();
    let s = sample();
    let o = ferry(&["--device", "cpu", "resynth", s.to_str().unwrap(), "-o", "x.wav", "--voice", "broken", "--vocoder", "gl"], d);
    assert_clean_error(&o, "gan.safetensors is missing");
    let v = ferry(&["voices"], d);
    assert!(v.status.success());
    assert!(String::from_utf8_lossy(&v.stdout).contains("unusable"), "{}", String::from_utf8_lossy(&v.stdout));

    // Truncated weights: the loader names the file and says so.
    std::fs::write(voice_dir.join("gan.safetensors"), [16u8, 0, 0, 0, 0, 0, 0, 0, b'{']).unwrap();
    let voice = ferry::Voice::open(&voice_dir).unwrap();
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let _ = tch::nn::linear(vs.root() / "l", 2, 2, Default::default());
    let mut vs = vs;
    let err = voice.load_weights(voice.vocoder_entry("gan").unwrap(), &mut vs).unwrap_err().to_string();
    assert!(err.contains("gan.safetensors") && err.contains("truncated"), "{err}");
}

#[test]
fn help_teaches_and_voices_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ferry(&["--help"], tmp.path());
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in ["resynth", "voices", "Examples:", "griffin-lim", "--device"] {
        assert!(help.contains(needle), "--help lacks {needle}: {help}");
    }
    let mut examples: Vec<&str> = help.lines().filter(|l| l.trim_start().starts_with("ferry ")).collect();
    let listed = examples.len();
    examples.sort_unstable();
    examples.dedup();
    assert_eq!(examples.len(), listed, "--help lists an example twice: {help}");
    let o = ferry(&["voices"], tmp.path());
    assert!(o.status.success());
}

/// A panic inside a command (tch raises libtorch's errors as panics) reaches the user as
/// one line naming the command, not as Rust's panic report, and the exit status is 1.
#[test]
fn a_panic_is_a_one_line_error_naming_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .arg("voices")
        .current_dir(tmp.path())
        .env("FERRY_VOICES", tmp.path())
        .env("FERRY_TEST_PANIC", "voices")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("ferry: error: ferry voices: a test asked for this panic"), "{err}");
    assert!(err.contains("RUST_BACKTRACE=1") && !err.contains("panicked at"), "{err}");
}

/// `--profile` writes a Chrome trace of the command's libtorch ops and prints the ops that
/// took the longest; the command's own output and exit status are unchanged.
#[test]
fn profile_writes_a_trace_and_prints_the_costliest_ops() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, trace) = (tmp.path().join("out.wav"), tmp.path().join("trace.json"));
    let (trace_s, sample_s, out_s) = (trace.to_str().unwrap(), sample(), out.to_str().unwrap());
    let args = ["--device", "cpu", "--profile", trace_s, "resynth", sample_s.to_str().unwrap(), "-o", out_s];
    let o = ferry(&[&args[..], &["--vocoder", "griffin-lim", "--iterations", "4"]].concat(), tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(out.is_file());
    let rows: Vec<&str> = err.lines().filter(|l| l.starts_with("| aten::")).collect();
    assert_eq!(rows.len(), 15, "{err}");
    let total_ms: f64 = rows[0].split('|').nth(3).unwrap().trim().parse().unwrap();
    assert!(total_ms > 0.0, "{}", rows[0]);
    // Griffin-Lim runs a forward STFT (a real FFT) per iteration: the trace has each one.
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let ffts = json["traceEvents"].as_array().unwrap().iter().filter(|e| e["name"] == "aten::fft_rfft").count();
    assert!(ffts >= 4, "{ffts} real FFTs in the trace");
    // A failing command still stops the recording and keeps its error.
    let bad = ferry(&["--profile", trace.to_str().unwrap(), "resynth", "missing.wav", "-o", out.to_str().unwrap()], tmp.path());
    assert_clean_error(&bad, "missing.wav");
}
