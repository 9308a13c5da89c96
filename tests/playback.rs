//! Real playback into ALSA's file device: the card receives the same audio as the offline
//! path, at the device's rate, with no discontinuity at chunk seams and nothing after the end.
//!
//! A temporary HOME holds an `.asoundrc` whose default PCM writes everything played to a raw
//! file (`type file` over the `null` device). That device is not paced, so the audio
//! callback outruns synthesis and fills gaps with silence; the comparison therefore drops
//! runs of exact zeros (a whole callback period of them) before matching sample by sample.
#![cfg(feature = "playback")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod voice_support;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples/teacher.wav")
}

/// A voice with a tiny random HiFi-GAN (deterministic, local receptive field).
fn tiny_gan_voice(dir: &Path) {
    voice_support::write_voice(dir, false, true);
}

struct Recording {
    rate: u32,
    channels: usize,
    samples: Vec<f32>, // first channel, as played
    format: String,
}

fn parse_playing_line(stderr: &str) -> (u32, usize, String) {
    let line = stderr.lines().find(|l| l.contains("playing on")).unwrap_or_else(|| panic!("no device line in: {stderr}"));
    let nums: Vec<&str> = line.split(" at ").nth(1).unwrap().split(", ").collect();
    let rate = nums[0].trim_end_matches(" Hz").parse().unwrap();
    let ch = nums[1].trim_end_matches(" ch").parse().unwrap();
    (rate, ch, nums[2].trim().to_string())
}

fn read_raw(path: &Path, channels: usize, format: &str) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap();
    let values: Vec<f32> = match format {
        "f32" => bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        "i16" => bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as f32 / 32768.0).collect(),
        "i32" => bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32 / 2147483648.0).collect(),
        other => panic!("unexpected device format {other}"),
    };
    let frames: Vec<&[f32]> = values.chunks_exact(channels).collect();
    // Every channel carries the same mono signal.
    assert!(frames.iter().all(|f| f.iter().all(|&v| v == f[0])), "channels differ");
    frames.iter().map(|f| f[0]).collect()
}

/// Removes runs of at least `min_run` exact zeros (the silence of starved callbacks).
fn drop_zero_runs(x: &[f32], min_run: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    let mut i = 0;
    while i < x.len() {
        if x[i] == 0.0 {
            let j = x[i..].iter().position(|&v| v != 0.0).map_or(x.len(), |p| i + p);
            if j - i < min_run {
                out.extend_from_slice(&x[i..j]);
            }
            i = j;
        } else {
            out.push(x[i]);
            i += 1;
        }
    }
    out
}

/// Points ALSA's default device of `home` at a raw file.
fn file_device(home: &Path, raw: &Path) {
    std::fs::write(home.join(".asoundrc"), format!("pcm.!default {{ type file; slave.pcm \"null\"; file \"{}\"; format \"raw\" }}\n", raw.display())).unwrap();
}

fn play(args: &[&str], home: &Path, raw: &Path) -> (Recording, String) {
    file_device(home, raw);
    let out = Command::new(env!("CARGO_BIN_EXE_ferry")).args(args).env("HOME", home).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "ferry failed: {stderr}");
    let (rate, channels, format) = parse_playing_line(&stderr);
    let samples = read_raw(raw, channels, &format);
    (Recording { rate, channels, samples, format }, stderr)
}

#[test]
fn the_card_receives_the_offline_audio() {
    let tmp = tempfile::tempdir().unwrap();
    let voice = tmp.path().join("tiny");
    tiny_gan_voice(&voice);
    let raw = tmp.path().join("played.raw");
    let offline = tmp.path().join("offline.wav");
    let s = sample();
    let (rec, stderr) = play(
        &[
            "--device",
            "cpu",
            "--verbose",
            "resynth",
            s.to_str().unwrap(),
            "--voice",
            voice.to_str().unwrap(),
            "--vocoder",
            "gan",
            "--play",
            "-o",
            offline.to_str().unwrap(),
            "--float",
        ],
        tmp.path(),
        &raw,
    );
    assert!(rec.channels >= 1 && rec.rate >= 8000, "{stderr}");
    let (off, _) = ferry::audio::read_wav(&offline).unwrap();
    let expected = ferry::audio::resample::resample_slice(&off.samples, off.sample_rate, rec.rate).unwrap();
    let quant = |v: f32| match rec.format.as_str() {
        "i16" => ferry::audio::wav::f32_to_i16(v) as f32 / 32768.0,
        _ => v,
    };
    let expected: Vec<f32> = expected.iter().map(|&v| quant(v)).collect();
    let got = drop_zero_runs(&rec.samples, 16);
    let want = drop_zero_runs(&expected, 16);
    // The right number of samples at the device's rate, and nothing after the end.
    assert!(got.len().abs_diff(want.len()) <= 2, "played {} samples, offline has {} ({stderr})", got.len(), want.len());
    let played_line = stderr.lines().find(|l| l.contains("played ")).unwrap();
    assert!(played_line.contains(&format!("played {} frames", expected.len())), "{played_line} vs {}", expected.len());
    // The same audio (streamed in chunks vs offline in one go).
    let n = got.len().min(want.len());
    let err = got[..n].iter().zip(&want[..n]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    let peak = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(err <= 2e-3 * peak.max(1e-3) + 2.0 / 32768.0, "max |played - offline| = {err} (peak {peak})");
    // No discontinuity: the largest step between neighbouring samples is no larger than offline's.
    let step = |x: &[f32]| x.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max);
    assert!(step(&got) <= step(&want) * 1.05 + 1e-4, "played jumps by {} vs offline {}", step(&got), step(&want));
}

/// `offline` (a WAV) resampled to the recording's rate and quantised to its format.
fn expected_at_device(offline: &Path, rec: &Recording) -> Vec<f32> {
    let (off, _) = ferry::audio::read_wav(offline).unwrap();
    let expected = ferry::audio::resample::resample_slice(&off.samples, off.sample_rate, rec.rate).unwrap();
    expected
        .iter()
        .map(|&v| match rec.format.as_str() {
            "i16" => ferry::audio::wav::f32_to_i16(v) as f32 / 32768.0,
            _ => v,
        })
        .collect()
}

/// Largest |a − b| over the common length, and the peak of `b`.
fn max_error(a: &[f32], b: &[f32]) -> (f32, f32) {
    let n = a.len().min(b.len());
    let err = a[..n].iter().zip(&b[..n]).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    (err, b.iter().fold(0.0f32, |m, v| m.max(v.abs())))
}

const TEXT: &str = "Hello there, good friend. The second sentence is a little longer than the first one!";

/// `ferry say` with a text voice (acoustic model + tiny HiFi-GAN): the card receives what
/// `ferry synth` writes for the same text, sentence after sentence, and nothing after it.
#[test]
fn say_speaks_what_synth_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let voice = tmp.path().join("voice");
    voice_support::write_voice(&voice, true, true);
    let v = voice.to_str().unwrap();
    let offline = tmp.path().join("offline.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["--device", "cpu", "synth", TEXT, "--voice", v, "--float", "-o", offline.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let raw = tmp.path().join("said.raw");
    let (rec, stderr) = play(&["--device", "cpu", "--verbose", "say", TEXT, "--voice", v], tmp.path(), &raw);
    let want = drop_zero_runs(&expected_at_device(&offline, &rec), 16);
    let got = drop_zero_runs(&rec.samples, 16);
    assert!(want.len() > rec.rate as usize, "the offline audio is too short to test: {} samples", want.len());
    assert!(got.len().abs_diff(want.len()) <= 4, "played {} samples, synth wrote {} ({stderr})", got.len(), want.len());
    assert!(stderr.contains("(2 utterances)"), "{stderr}");
    let (err, peak) = max_error(&got, &want);
    assert!(err <= 2e-3 * peak.max(1e-3) + 2.0 / 32768.0, "max |said - synth| = {err} (peak {peak})");
}

/// `… | ferry say` speaks each line as it arrives: the first line is heard before the
/// second is written, and both lines are spoken.
#[test]
fn say_speaks_stdin_lines_as_they_arrive() {
    let tmp = tempfile::tempdir().unwrap();
    let voice = tmp.path().join("voice");
    voice_support::write_voice(&voice, true, true);
    let raw = tmp.path().join("lines.raw");
    file_device(tmp.path(), &raw);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["--device", "cpu", "--verbose", "say", "--voice", voice.to_str().unwrap()])
        .env("HOME", tmp.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "Hello there, good friend.").unwrap();
    stdin.flush().unwrap();
    // Wait (at most a minute) until sound reaches the card while stdin is still open.
    let heard = |path: &Path| std::fs::read(path).map(|b| b.iter().any(|&x| x != 0)).unwrap_or(false);
    let start = std::time::Instant::now();
    while !heard(&raw) {
        assert!(start.elapsed().as_secs() < 60, "nothing was played within 60 s of the first line");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    writeln!(stdin, "The second line.").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("(2 utterances)"), "{stderr}");
}

/// Ctrl-C (SIGINT) during a long text: `ferry say` stops before the text is spoken (counted
/// in sentences played, not timed), says so, exits 130, and the card receives nothing once
/// it has exited.
#[test]
fn ctrl_c_stops_promptly_and_nothing_plays_after() {
    let tmp = tempfile::tempdir().unwrap();
    let voice = tmp.path().join("voice");
    voice_support::write_voice(&voice, true, true);
    let book = tmp.path().join("book.txt");
    // Long enough that a loaded machine cannot speak it all before the signal is sent (with
    // 40 sentences, under a parallel test run beside training, all 40 had played first).
    let sentences: Vec<String> = (1..=400).map(|i| format!("This is sentence number {i} of a long book, read aloud.")).collect();
    std::fs::write(&book, sentences.join(" ")).unwrap();
    let raw = tmp.path().join("stopped.raw");
    file_device(tmp.path(), &raw);
    let child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["--device", "cpu", "--verbose", "say", "-f", book.to_str().unwrap(), "--voice", voice.to_str().unwrap()])
        .env("HOME", tmp.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let heard = |path: &Path| std::fs::read(path).map(|b| b.iter().any(|&x| x != 0)).unwrap_or(false);
    let start = std::time::Instant::now();
    while !heard(&raw) {
        assert!(start.elapsed().as_secs() < 60, "nothing was played within 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let signalled = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    let took = signalled.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // Only a hang detector: whether it stopped promptly is what the sentence count shows.
    assert!(took < 60.0, "still running {took:.0} s after SIGINT: {stderr}");
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("ferry: stopped"), "{stderr}");
    let played = stderr.lines().find(|l| l.contains("played ")).unwrap_or_else(|| panic!("no played line: {stderr}"));
    let utterances: usize = played.split('(').nth(1).and_then(|x| x.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap();
    assert!(utterances < 400, "all 400 sentences were spoken before the stop took effect: {played}");
    // Nothing reaches the card after the process is gone.
    let size = std::fs::metadata(&raw).unwrap().len();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(std::fs::metadata(&raw).unwrap().len(), size);
}

#[test]
fn no_sound_card_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    // A default PCM that cannot be opened.
    std::fs::write(tmp.path().join(".asoundrc"), "pcm.!default { type hw; card 99 }\nctl.!default { type hw; card 99 }\n").unwrap();
    let s = sample();
    let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["--device", "cpu", "resynth", s.to_str().unwrap(), "--play", "--vocoder", "gl", "--iterations", "2"])
        .env("HOME", tmp.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!err.contains("panicked"), "{err}");
    let line = err.lines().find(|l| l.starts_with("ferry: error:")).unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(line.contains("-o out.wav"), "{line}");
}
