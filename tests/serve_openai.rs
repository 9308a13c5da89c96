//! `ferry serve` against the official `openai` Python SDK: every `response_format`, whole
//! and streamed (`stream_format` audio and sse), each decoded by libsndfile (soundfile) and
//! compared with the WAV `ferry synth` writes for the same text and seed.

mod serve_support;

use serve_support::{python, synth_reference, write_voice, Server, VOICE};
use std::process::Command;

const TEXT: &str = "Hello there, good friend. The second sentence is a little longer than the first one!";

#[test]
fn openai_sdk_gets_what_synth_writes_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let reference = tmp.path().join("synth.wav");
    synth_reference(&voices, TEXT, &reference, &[]);
    let reference_gl = tmp.path().join("synth-griffin-lim.wav");
    synth_reference(&voices, TEXT, &reference_gl, &["--vocoder", "griffin-lim"]);
    let server = Server::start(&voices, &["--quiet"], &[]);
    let out = Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/serve_support/openai_client.py"))
        .args([&server.base, VOICE, TEXT, reference.to_str().unwrap(), reference_gl.to_str().unwrap(), tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "openai client failed:\n{stderr}\nserver:\n{}", server.log());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let n = r["reference"]["samples"].as_u64().unwrap();
    assert!(n > 22050, "the reference is too short to test: {n} samples");
    let f = &r["formats"];

    // Lossless formats: the very samples `ferry synth` wrote.
    for fmt in ["wav", "flac", "pcm"] {
        assert_eq!(f[fmt]["samples"].as_u64(), Some(n), "{fmt}: {}", f[fmt]);
        assert_eq!(f[fmt]["max_abs_err"].as_f64(), Some(0.0), "{fmt}: {}", f[fmt]);
        assert_eq!(f[fmt]["rate"].as_u64(), Some(22050), "{fmt}");
    }
    assert_eq!(f["wav"]["content_type"], "audio/wav");
    assert_eq!(f["flac"]["content_type"], "audio/flac");
    assert!(f["pcm"]["content_type"].as_str().unwrap().contains("rate=22050"), "{}", f["pcm"]);

    // mp3: the LAME tag makes the decoder drop delay and padding: the same length; the
    // waveform close (lossy).
    assert_eq!(f["mp3"]["content_type"], "audio/mpeg");
    assert_eq!(f["mp3"]["samples"].as_u64(), Some(n), "mp3: {}", f["mp3"]);
    assert!(f["mp3"]["snr_db"].as_f64().unwrap() > 10.0, "mp3: {}", f["mp3"]);
    assert_eq!(r["alloy_default_mp3"]["samples"].as_u64(), Some(n), "{}", r["alloy_default_mp3"]);
    assert!(r["alloy_default_mp3"]["snr_db"].as_f64().unwrap() > 10.0);

    // Ogg Opus (coded at 48 kHz; libsndfile decodes at the Opus rate nearest the voice's,
    // 24 kHz): the resampled length (pre-skip and end trim honoured).
    let opus = &f["opus"];
    assert!(matches!(opus["rate"].as_u64(), Some(24000 | 48000)), "{opus}");
    assert_eq!(opus["content_type"], "audio/ogg; codecs=opus");
    let (got, want) = (opus["samples"].as_i64().unwrap(), opus["expected"].as_i64().unwrap());
    assert!((got - want).abs() <= 2, "opus: {opus}");
    // On Griffin-Lim's audio (the tiny HiFi-GAN's is mostly DC, which Opus drops): the
    // spectra match (a shifted or reversed signal gives a distance of ~9 dB, correlation ~0.7).
    let opus = &f["opus_griffin_lim"];
    assert!((opus["samples"].as_i64().unwrap() - opus["expected"].as_i64().unwrap()).abs() <= 2, "{opus}");
    assert!(opus["lsd_db"].as_f64().unwrap() < 6.0 && opus["energy_corr"].as_f64().unwrap() > 0.85, "opus: {opus}");
    let mp3 = &f["mp3_griffin_lim"];
    assert_eq!(mp3["samples"], mp3["expected"], "{mp3}");
    assert!(mp3["snr_db"].as_f64().unwrap() > 10.0 && mp3["lsd_db"].as_f64().unwrap() < 3.0, "mp3: {mp3}");

    // Streamed raw PCM: identical to synth, in one piece per sentence at least.
    let s = &r["stream_audio_pcm"];
    assert_eq!(s["samples"].as_u64(), Some(n), "{s}");
    assert_eq!(s["max_abs_err"].as_f64(), Some(0.0), "{s}");
    assert!(s["pieces"].as_u64().unwrap() >= 2, "{s}");
    // Streamed mp3 (no LAME tag): the decoder keeps the encoder's delay, so compare loosely.
    assert!(r["stream_audio_mp3"]["samples"].as_u64().unwrap() >= n, "{}", r["stream_audio_mp3"]);

    // SSE: deltas then done, carrying the same audio.
    let sse = &r["sse_pcm"];
    assert_eq!(r["sse_content_type"], "text/event-stream");
    let types: Vec<&str> = sse["types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(types.len() >= 3 && types[..types.len() - 1].iter().all(|t| *t == "speech.audio.delta"), "{types:?}");
    assert_eq!(types.last(), Some(&"speech.audio.done"));
    assert_eq!(sse["samples"].as_u64(), Some(n), "{sse}");
    assert_eq!(sse["max_abs_err"].as_f64(), Some(0.0), "{sse}");

    // Listings and typed errors.
    let models: Vec<&str> = r["models"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert!(models.contains(&"tts-1") && models.contains(&"gan") && models.contains(&"griffin-lim"), "{models:?}");
    let aac = &r["aac_error"];
    assert_eq!(aac["status"], 400, "{aac}");
    assert!(aac["message"].as_str().unwrap().contains("mp3, opus, flac, wav or pcm"), "{aac}");
}
