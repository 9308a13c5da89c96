//! `ferry serve --wyoming-port 0` against the `wyoming` package's own client
//! (tests/serve_support/wyoming_client.py): `describe`/`info`, `synthesize` giving the very
//! samples `ferry synth` writes, streaming with audio per sentence before the text is
//! complete, refusals as `error` events on a connection that keeps working, malformed
//! frames; and (over a raw socket) a client that hangs up mid-synthesis freeing its worker.

mod serve_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use serve_support::{python, synth_reference, wav_samples, write_voice, Server, VOICE};

const TEXT: &str = "Hello there, good friend. The second sentence is a little longer than the first one!";

/// Three chunks of two sentences each, as an LLM's answer might arrive.
const CHUNKS: [&str; 3] = [
    "The first sentence is here. The second one follows it. ",
    "Now the third one comes along. And a fourth is next. ",
    "The fifth is nearly the last. The sixth one ends it.",
];

/// The Wyoming address the server printed (`ferry serve: wyoming on tcp://ADDR`).
fn wyoming_addr(server: &Server) -> String {
    let start = Instant::now();
    loop {
        let log = server.log();
        if let Some(addr) = log.lines().find_map(|l| l.split("wyoming on tcp://").nth(1)) {
            return addr.trim().to_string();
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no wyoming line:\n{log}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn pcm_samples(path: &std::path::Path) -> Vec<i16> {
    std::fs::read(path).unwrap().chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
}

#[test]
fn the_wyoming_client_gets_info_audio_streams_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let reference = tmp.path().join("synth.wav");
    synth_reference(&voices, TEXT, &reference, &[]);
    let (rate, want) = wav_samples(&std::fs::read(&reference).unwrap());
    let mut server = Server::start(&voices, &["--wyoming-port", "0"], &[]);
    let addr = wyoming_addr(&server);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let out = Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/serve_support/wyoming_client.py"))
        .args([host, port, VOICE, TEXT, tmp.path().to_str().unwrap()])
        .args(CHUNKS)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "wyoming client failed:\n{stderr}\nserver:\n{}", server.log());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));

    // describe → info: one tts program, streaming, with the test voice.
    let d = &r["describe"];
    assert_eq!(d["programs"], 1, "{d}");
    assert_eq!(d["name"], "ferry");
    assert_eq!(d["installed"], true);
    assert_eq!(d["streaming"], true);
    assert_eq!(d["version"], env!("CARGO_PKG_VERSION"));
    assert!(d["description"].as_str().unwrap().contains("text-to-speech"), "{d}");
    assert_eq!(d["attribution"][0], "Ferry");
    assert_eq!(d["voices"], json!([VOICE]));
    let v = &d["voice"];
    assert_eq!((&v["name"], &v["languages"], &v["installed"]), (&json!(VOICE), &json!(["en_US"]), &json!(true)), "{v}");
    assert!(v["speakers"].is_null() && v["version"].is_null(), "{v}");
    assert_eq!(d["raw_keys"], json!(["asr", "handle", "intent", "mic", "snd", "tts", "wake"]));

    // synthesize: one audio-start/stop around every sentence's chunks, s16le mono at the
    // voice's rate, and the very samples `ferry synth` writes.
    let s = &r["synthesize"];
    assert_eq!(s["groups"].as_array().unwrap().len(), 1, "{s}");
    assert_eq!(s["groups"][0]["stopped"], true);
    assert!(s["groups"][0]["chunks"].as_u64().unwrap() > 1, "{s}");
    assert_eq!(s["formats"], json!([["chunk", rate, 2, 1], ["start", rate, 2, 1]]), "{s}");
    assert_eq!(s["other"], json!([]));
    assert!(want.len() > 22050, "the reference is too short to test: {} samples", want.len());
    assert_eq!(pcm_samples(&tmp.path().join("synthesize.pcm")), want);

    // Streaming: audio for the first sentence came before the rest of the text was sent;
    // every sentence its own audio-start/stop (as wyoming-piper), the compatibility copy of
    // the whole text ignored, synthesize-stopped last; the audio equals a plain synthesize
    // of the same text, sentence for sentence.
    let st = &r["stream"];
    assert_eq!(st["groups_before_rest"], 1, "{st}");
    let groups = st["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 6, "one audio group per sentence: {st}");
    assert!(groups.iter().all(|g| g["stopped"] == true && g["chunks"].as_u64().unwrap() > 0), "{st}");
    assert_eq!(st["last"], "synthesize-stopped");
    assert_eq!(st["other"], json!(["synthesize-stopped"]), "{st}");
    assert_eq!(st["formats"], s["formats"]);
    let streamed = pcm_samples(&tmp.path().join("stream.pcm"));
    let whole = pcm_samples(&tmp.path().join("stream_whole.pcm"));
    assert_eq!(streamed.len(), whole.len(), "streamed {} samples, whole {}", streamed.len(), whole.len());
    assert_eq!(streamed, whole);

    // Refusals: each an error event with its code; the connection keeps working.
    let f = &r["refusals"];
    let code = |k: &str| f[k]["code"].as_str().unwrap_or_else(|| panic!("{k}: {}", f[k])).to_string();
    assert_eq!(code("unknown_voice"), "voice_not_found");
    assert!(f["unknown_voice"]["text"].as_str().unwrap().contains("installed voices: t"), "{}", f["unknown_voice"]);
    assert_eq!(code("path_voice"), "invalid_voice");
    assert_eq!(code("empty"), "empty_input");
    assert_eq!(code("blank"), "empty_input");
    assert_eq!(code("too_long"), "input_too_long");
    assert!(f["too_long"]["text"].as_str().unwrap().contains("4096"));
    assert_eq!(code("bad_ssml"), "invalid_ssml");
    assert_eq!(code("unknown_event"), "unknown_event");
    assert_eq!(code("missing_text"), "invalid_event");
    assert!(f["missing_text"]["text"].as_str().unwrap().contains("missing field `text`"));
    assert_eq!(code("chunk_outside_stream"), "no_stream");
    assert_eq!(code("other_program"), "unknown_program");
    assert_eq!(f["pong"], "still there?");
    assert_eq!(f["refused_stream"], json!(["voice_not_found", "synthesize-stopped"]));
    assert_eq!(f["after"]["groups"].as_array().unwrap().len(), 1, "{}", f["after"]);
    assert!(f["after"]["bytes"].as_u64().unwrap() > 2000);

    // Malformed frames: answered, in step again on the next line; lengths over the limit
    // answered and closed; the server serves the next client.
    let m = &r["malformed"];
    assert_eq!(m["garbage_then_describe"], json!(["malformed_header", "malformed_header", "malformed_header", "info"]), "{m}");
    assert_eq!(m["huge_data_length"], json!(["data_too_large", "closed"]));
    assert_eq!(m["huge_payload_length"], json!(["payload_too_large", "closed"]));
    assert_eq!(m["bad_data"], json!(["malformed_data", "info"]));
    assert_eq!(m["after"], "ferry");

    assert!(server.alive(), "the server died:\n{}", server.log());
    let log = server.log();
    assert!(!log.contains("panicked") && !log.contains("a connection failed"), "{log}");
    assert!(log.contains("wyoming synthesize ok") && log.contains("wyoming synthesize error voice_not_found"), "no access log:\n{log}");
    assert!(!log.contains("Hello there"), "the log holds text:\n{log}");
}

/// Writes one event the way the `wyoming` package does: header line, then its data.
fn write_event(tcp: &mut TcpStream, kind: &str, data: &Value) {
    let data = data.to_string();
    writeln!(tcp, "{}", json!({"type": kind, "data_length": data.len(), "version": "1.10.2"})).unwrap();
    tcp.write_all(data.as_bytes()).unwrap();
}

/// Reads one event: its type and its data.
fn read_event(r: &mut BufReader<TcpStream>) -> (String, Value) {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let header: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let mut data = vec![0; header["data_length"].as_u64().unwrap_or(0) as usize];
    r.read_exact(&mut data).unwrap();
    let mut payload = vec![0; header["payload_length"].as_u64().unwrap_or(0) as usize];
    r.read_exact(&mut payload).unwrap();
    let data = if data.is_empty() { json!({}) } else { serde_json::from_slice(&data).unwrap() };
    (header["type"].as_str().unwrap().to_string(), data)
}

/// A client that hangs up after the first audio of a 200-sentence synthesis: the worker
/// stops within a sentence or two, and the next client (on the one worker) is served.
#[test]
fn a_client_that_disconnects_stops_its_synthesis() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let server = Server::start(&voices, &["--wyoming-port", "0", "--workers", "1", "--max-input-chars", "20000"], &[]);
    let addr = wyoming_addr(&server);
    let text: String = (1..=200).map(|i| format!("Sentence {i} is here. ")).collect();
    let mut tcp = TcpStream::connect(&addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
    write_event(&mut tcp, "synthesize", &json!({"text": text, "voice": {"name": VOICE}}));
    let mut r = BufReader::new(tcp.try_clone().unwrap());
    assert_eq!(read_event(&mut r).0, "audio-start");
    assert_eq!(read_event(&mut r).0, "audio-chunk");
    drop(r);
    drop(tcp);
    let start = Instant::now();
    let line = loop {
        if let Some(l) = server.log().lines().find(|l| l.contains("its job stopped after")).map(str::to_string) {
            break l;
        }
        assert!(start.elapsed().as_secs() < 120, "the job was not stopped:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    };
    let done: usize = line.split("stopped after ").nth(1).and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap();
    assert!(done < 100, "{line}");

    // The one worker is free: a new client gets its whole answer.
    let mut tcp = TcpStream::connect(&addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
    write_event(&mut tcp, "synthesize", &json!({"text": "Next one."}));
    let mut r = BufReader::new(tcp.try_clone().unwrap());
    let kinds: Vec<String> = std::iter::from_fn(|| Some(read_event(&mut r).0)).take_while(|k| k != "audio-stop").collect();
    assert_eq!(kinds.first().map(String::as_str), Some("audio-start"), "{kinds:?}");
    assert!(kinds[1..].iter().all(|k| k == "audio-chunk") && kinds.len() > 2, "{kinds:?}");
}
