//! Shared by the listening-test integration tests: a tiny study built from synthesised
//! signals (reference, 3.5 kHz anchor, Griffin-Lim copy synthesis) and a raw HTTP client.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;

use ferry::audio::{self, Audio, MelConfig, SampleFormat};
use ferry::listen::manifest::Sentence;
use ferry::listen::render::{Anchor, CopySynthesis, Reference, Render};
use ferry::listen::study::{self, BuildOptions, SourceDirs};
use ferry::listen::Study;
use ferry::vocoder::{griffin_lim::GriffinLim, VocodeOptions};

/// A voiced-speech-like test signal: harmonics of a gliding f0 under a syllabic envelope.
pub fn speechlike(seconds: f64, f0: f64, rate: u32, level: f32) -> Audio {
    let n = (seconds * rate as f64) as usize;
    let mut phase = 0.0f64;
    let harmonics = (7000.0 / (f0 * 1.1)) as usize; // up to 7 kHz, so a 3.5 kHz anchor audibly differs
    let samples = (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            phase += 2.0 * std::f64::consts::PI * f0 * (1.0 + 0.1 * (2.0 * std::f64::consts::PI * 1.5 * t).sin()) / rate as f64;
            let env = (std::f64::consts::PI * 4.0 * t).sin().abs().powf(0.5);
            let v: f64 = (1..=harmonics).map(|k| (k as f64 * phase).sin() / (k as f64).sqrt()).sum();
            (level as f64 * env * v / 6.0) as f32
        })
        .collect();
    Audio::new(samples, rate)
}

/// Writes `n` reference recordings into `dir/ref` (at different levels) and builds a study in
/// `dir/study` with reference, 3.5 kHz anchor and Griffin-Lim (8 iterations).
pub fn tiny_study(dir: &Path, n: usize) -> Study {
    let mel = MelConfig::default();
    let refs = dir.join("ref");
    std::fs::create_dir_all(&refs).unwrap();
    let sentences: Vec<Sentence> = (1..=n).map(|i| Sentence { index: i, id: format!("{i:03}"), text: format!("Sentence number {i}.") }).collect();
    for s in &sentences {
        let a = speechlike(0.8 + 0.1 * s.index as f64, 110.0 + 20.0 * s.index as f64, 16_000, 0.2 * s.index as f32);
        // 16 kHz on disk: the study resamples to the voice's 22 050 Hz.
        audio::write_wav(refs.join(format!("{}.wav", s.id)), &a, SampleFormat::Pcm16).unwrap();
    }
    let gl = GriffinLim::new(&mel, tch::Device::Cpu).unwrap();
    let opts = VocodeOptions { seed: Some(1), iterations: Some(8), ..Default::default() };
    let renders: Vec<Box<dyn Render>> =
        vec![Box::new(Reference), Box::new(Anchor { cutoff: 3500.0 }), Box::new(CopySynthesis::new(Box::new(gl), opts, &mel, None).unwrap())];
    let build = BuildOptions { title: "Test study".into(), voice: None, mel, target_lufs: -23.0, notes: vec![], force: false, progress: false, seed: Some(7) };
    study::build(&dir.join("study"), &sentences, &SourceDirs { reference: Some(refs), resynth: None }, renders, &build).unwrap()
}

/// Sends raw bytes, returns (status, body).
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let head_end = out.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
    let head = String::from_utf8_lossy(&out[..head_end]).to_string();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("a status code");
    (status, out[head_end + 4..].to_vec())
}

/// One HTTP request; JSON body when given.
pub fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&serde_json::Value>) -> (u16, Vec<u8>) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    raw(addr, req.as_bytes())
}

pub fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}
