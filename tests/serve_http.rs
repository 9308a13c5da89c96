//! `ferry serve` with curl: Piper's API, the listings, the API key, CORS, every kind of bad
//! request (each its clear 4xx in OpenAI's shape, and the server still serves after them),
//! the 429 of a full queue, and `ferry bench serve` (20 clients, every response checked).

mod serve_support;

use serde_json::json;
use serve_support::{curl, post_json, synth_reference, wav_samples, write_voice, Reply, Server, VOICE};

const KEY: &str = "test-key-123";
const AUTH: &str = "Authorization: Bearer test-key-123";

fn speech(server: &Server, body: &serde_json::Value) -> Reply {
    post_json(&server.url("/v1/audio/speech"), body, &["-H", AUTH])
}

fn assert_error(r: &Reply, status: u16, needle: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    let msg = r.error_message();
    assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}");
}

fn good_request_succeeds(server: &Server) {
    let r = speech(server, &json!({"model": "tts-1", "input": "Still here.", "voice": VOICE, "response_format": "wav"}));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let (rate, samples) = wav_samples(&r.body);
    assert_eq!(rate, 22050);
    assert!(samples.len() > 1000);
}

#[test]
fn bad_requests_get_clear_4xx_and_the_server_keeps_serving() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let mut server = Server::start(&voices, &["--max-body-bytes", "20000", "--cors", "http://allowed.example"], &[("FERRY_API_KEY", KEY)]);
    let url = server.url("/v1/audio/speech");

    // The key: missing or wrong is a 401; health checks need none.
    let body = json!({"input": "Hello.", "voice": VOICE}).to_string();
    let r = curl(&url, &["-H", "Content-Type: application/json", "--data-binary", &body]);
    assert_error(&r, 401, "API key");
    assert_eq!(r.json()["error"]["type"], "authentication_error");
    let r = curl(&url, &["-H", "Authorization: Bearer wrong", "--data-binary", &body]);
    assert_error(&r, 401, "API key");
    assert_eq!(curl(&server.url("/health"), &[]).status, 200);
    let ready = curl(&server.url("/ready"), &[]);
    assert_eq!(ready.status, 200, "{}", String::from_utf8_lossy(&ready.body));
    assert_eq!(ready.json()["status"], "ready");

    // Each bad input, its status and the words that say what to fix.
    assert_error(&speech(&server, &json!({"input": "", "voice": VOICE})), 400, "empty");
    assert_error(&speech(&server, &json!({"input": "a".repeat(10_000)})), 400, "limit is 4096");
    let r = curl(&url, &["-H", AUTH, "--data-binary", "{\"input\": \"unclosed"]);
    assert_error(&r, 400, "not valid JSON");
    let bad_utf8 = tmp.path().join("bad.json");
    std::fs::write(&bad_utf8, b"{\"input\": \"caf\xe9\"}").unwrap();
    let r = curl(&url, &["-H", AUTH, "--data-binary", &format!("@{}", bad_utf8.display())]);
    assert_error(&r, 400, "not UTF-8");
    assert_error(&speech(&server, &json!({"input": 5})), 400, "invalid type");
    assert_error(&speech(&server, &json!({"input": "Hi.", "speed": "fast"})), 400, "invalid type");
    assert_error(&speech(&server, &json!({"voice": VOICE})), 400, "missing field `input`");
    assert_error(&speech(&server, &json!({"input": "Hi.", "response_format": "aac"})), 400, "mp3, opus, flac, wav or pcm");
    assert_error(&speech(&server, &json!({"input": "Hi.", "speed": 10})), 400, "0.25 to 4");
    assert_error(&speech(&server, &json!({"input": "Hi.", "stream_format": "websocket"})), 400, "audio, sse or jsonl");
    assert_error(&speech(&server, &json!({"input": "Hi.", "vocoder": "flow"})), 400, "no 'flow' vocoder");
    assert_error(&speech(&server, &json!({"input": "Hi.", "vocoder": "banjo"})), 400, "unknown vocoder");
    let r = speech(&server, &json!({"input": "Hi.", "voice": "nobody"}));
    assert_error(&r, 404, "installed voices: t");
    assert_eq!(r.error_code(), "voice_not_found");
    let root = tmp.path().to_str().unwrap();
    for traversal in ["../t", "../../etc/passwd", "/etc/passwd", voices.join(VOICE).to_str().unwrap(), ".t", "t/../t"] {
        let r = speech(&server, &json!({"input": "Hi.", "voice": traversal}));
        assert_error(&r, 400, "name of an installed voice");
        let text = String::from_utf8_lossy(&r.body);
        assert!(!text.contains(root) && !text.contains("passwd"), "the answer reveals paths: {text}");
    }
    let r = speech(&server, &json!({"input": "<speak>Hello <prosody rate=\"fast\">there</speak>", "input_format": "ssml"}));
    assert_error(&r, 400, "SSML");
    assert_eq!(r.error_code(), "invalid_ssml");
    assert_error(&speech(&server, &json!({"input": "plain words", "input_format": "ssml"})), 400, "<speak>");
    let big = tmp.path().join("big.json");
    std::fs::write(&big, json!({"input": "word ".repeat(8000)}).to_string()).unwrap();
    let r = curl(&url, &["-H", AUTH, "-H", "Content-Type: application/json", "--data-binary", &format!("@{}", big.display())]);
    assert_error(&r, 413, "limit of 20000 bytes");
    let r = curl(&url, &["-H", AUTH]);
    assert_error(&r, 405, "method");
    assert_error(&curl(&server.url("/v2/nothing"), &["-H", AUTH]), 404, "no such endpoint");

    // SSML that parses is spoken; so is a Ferry option set.
    let r = speech(
        &server,
        &json!({"input": "<speak>Hello <break time=\"300ms\"/> there.</speak>", "input_format": "ssml", "response_format": "wav", "pitch": -2, "energy": 1.1, "speed": 1.2}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    // CORS: the named origin is allowed (preflight without the key), no other.
    let pre = curl(&url, &["-X", "OPTIONS", "-H", "Origin: http://allowed.example", "-H", "Access-Control-Request-Method: POST"]);
    assert_eq!(pre.header("access-control-allow-origin"), Some("http://allowed.example"), "{:?}", pre.headers);
    let other = curl(&server.url("/v1/audio/voices"), &["-H", AUTH, "-H", "Origin: http://evil.example"]);
    assert_eq!(other.status, 200);
    assert_eq!(other.header("access-control-allow-origin"), None);

    assert!(server.alive(), "the server died:\n{}", server.log());
    good_request_succeeds(&server);
    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");
    assert!(!log.contains(KEY) && !log.contains("Still here"), "the log holds a key or a body:\n{log}");
    assert!(log.contains("POST /v1/audio/speech 400"), "no access log line:\n{log}");
}

#[test]
fn piper_api_and_listings() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let server = Server::start(&voices, &["--quiet"], &[]);
    let text = "One small sentence for the Piper client.";

    // POST / with Piper's JSON: the WAV `ferry synth` writes.
    let reference = tmp.path().join("synth.wav");
    synth_reference(&voices, text, &reference, &[]);
    let (_, want) = wav_samples(&std::fs::read(&reference).unwrap());
    let r = post_json(&server.url("/"), &json!({"text": text, "voice": VOICE, "speaker": null, "noise_w_scale": 0.8}), &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("audio/wav"));
    let (rate, got) = wav_samples(&r.body);
    assert_eq!((rate, got.len()), (22050, want.len()));
    assert_eq!(got, want);

    // length_scale 2 speaks half as fast; a plain-text body (Piper's older server) works.
    let slow = post_json(&server.url("/synthesize"), &json!({"text": text, "length_scale": 2.0}), &[]);
    assert_eq!(slow.status, 200);
    let ratio = wav_samples(&slow.body).1.len() as f64 / want.len() as f64;
    assert!((1.6..2.4).contains(&ratio), "length_scale 2 gave {ratio:.2}x the samples");
    let plain = curl(&server.url("/"), &["-H", "Content-Type: text/plain", "--data-binary", text]);
    assert_eq!(plain.status, 200);
    assert_eq!(wav_samples(&plain.body).1, want);
    assert_error(&post_json(&server.url("/"), &json!({"text": "  "}), &[]), 400, "empty");
    assert_error(&post_json(&server.url("/"), &json!({"text": "Hi.", "length_scale": 0}), &[]), 400, "length_scale");
    assert_error(&post_json(&server.url("/"), &json!({"text": "Hi.", "voice": "../x"}), &[]), 400, "installed voice");

    let v = curl(&server.url("/voices"), &[]).json();
    assert_eq!(v[VOICE]["audio"]["sample_rate"], 22050, "{v}");
    assert_eq!(v[VOICE]["num_speakers"], 1);
    let info = curl(&server.url("/info"), &[]).json();
    assert_eq!(info["default_voice"], VOICE);
    assert_eq!(info["name"], "ferry");

    // OpenAI listings in the shapes Open WebUI parses.
    let voices_list = curl(&server.url("/v1/audio/voices"), &[]).json();
    assert_eq!(voices_list["voices"], json!([{"id": VOICE, "name": VOICE}]));
    let models = curl(&server.url("/v1/audio/models"), &[]).json();
    let ids: Vec<&str> = models["models"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"tts-1") && ids.contains(&"gan"), "{models}");
    let list = curl(&server.url("/v1/models"), &[]).json();
    assert_eq!(list["object"], "list");
    assert_eq!(list["data"][0]["object"], "model");

    // No --cors: no CORS headers.
    let r = curl(&server.url("/v1/audio/voices"), &["-H", "Origin: http://somewhere.example"]);
    assert_eq!(r.header("access-control-allow-origin"), None);
}

/// `stream_format: "jsonl"`: one JSON line per sentence with its audio (base64 of the
/// format's bytes) and its words, then `speech.audio.done`. The audio joined is the whole
/// response's, and the spans are those `ferry synth --alignments` writes for the same text.
#[test]
fn jsonl_streams_audio_with_word_timestamps() {
    use base64::Engine;
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let server = Server::start(&voices, &["--quiet"], &[]);
    let text = "One two three. Four five.";
    let url = server.url("/v1/audio/speech");
    let whole = post_json(&url, &json!({"input": text, "voice": VOICE, "response_format": "pcm"}), &[]);
    assert_eq!(whole.status, 200, "{}", String::from_utf8_lossy(&whole.body));
    let r = post_json(&url, &json!({"input": text, "voice": VOICE, "response_format": "pcm", "stream_format": "jsonl"}), &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    let lines: Vec<serde_json::Value> = String::from_utf8(r.body).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (deltas, last) = lines.split_at(lines.len() - 1);
    assert_eq!(last[0]["type"], "speech.audio.done", "{lines:?}");
    assert!(deltas.len() >= 2 && deltas.iter().all(|d| d["type"] == "speech.audio.delta"), "one line per sentence: {lines:?}");
    let mut pcm = Vec::new();
    let mut words = Vec::new();
    for d in deltas {
        pcm.extend(base64::engine::general_purpose::STANDARD.decode(d["audio"].as_str().unwrap()).unwrap());
        words.extend(d["words"].as_array().unwrap().iter().cloned());
        assert!(!d["phonemes"].as_array().unwrap().is_empty());
    }
    assert_eq!(pcm, whole.body, "the lines' audio is not the whole response's");
    let reference = tmp.path().join("synth.wav");
    let alignments = tmp.path().join("synth.json");
    synth_reference(&voices, text, &reference, &["--alignments", alignments.to_str().unwrap()]);
    let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&alignments).unwrap()).unwrap();
    assert_eq!(serde_json::Value::Array(words), want["words"]);
}

/// Samples of an OpenMetrics text as Prometheus's parser reads them:
/// `{"name|label=value|...": value}`.
fn parse_openmetrics(text: &str) -> serde_json::Value {
    let parse = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        key = s.name + ''.join('|%s=%s' % kv for kv in sorted(s.labels.items()))
        out[key] = s.value
print(json.dumps(out))
"#;
    let mut child = std::process::Command::new(serve_support::python())
        .args(["-c", parse])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "the OpenMetrics parser refused it: {}\n{text}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `GET /metrics` read by Prometheus's own parser (PyPI `prometheus_client`): requests by
/// route and status (an unknown path under `unmatched`), the speech's time to first audio
/// and real-time factor, and an idle queue afterwards.
#[test]
fn metrics_count_requests_and_time_the_speech() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let server = Server::start(&voices, &["--quiet"], &[]);
    let speech_url = server.url("/v1/audio/speech");
    let ok = post_json(&speech_url, &json!({"input": "Count this one.", "voice": VOICE, "response_format": "wav"}), &[]);
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_error(&post_json(&speech_url, &json!({"input": ""}), &[]), 400, "empty");
    assert_eq!(curl(&server.url("/no/such/path"), &[]).status, 404);
    // The worker counts itself idle just after the last sentence has gone out, so the
    // figures settle a moment after the response: read them until they have.
    let (mut m, mut text) = (serde_json::Value::Null, String::new());
    for _ in 0..100 {
        let r = curl(&server.url("/metrics"), &[]);
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/openmetrics-text")), "{:?}", r.header("content-type"));
        text = String::from_utf8(r.body).unwrap();
        m = parse_openmetrics(&text);
        if m["ferry_workers_busy"] == json!(0.0) && m["ferry_real_time_factor_count"] == json!(1.0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let get = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("no sample {k} in\n{text}"));
    assert_eq!(get("ferry_requests_total|route=/v1/audio/speech|status=200"), 1.0);
    assert_eq!(get("ferry_requests_total|route=/v1/audio/speech|status=400"), 1.0);
    assert_eq!(get("ferry_requests_total|route=unmatched|status=404"), 1.0);
    assert_eq!(get("ferry_request_duration_seconds_count|route=/v1/audio/speech"), 2.0);
    assert_eq!(get("ferry_time_to_first_audio_seconds_count"), 1.0);
    assert_eq!(get("ferry_real_time_factor_count"), 1.0);
    assert!(get("ferry_real_time_factor_sum") > 0.0);
    assert_eq!(get("ferry_queue_depth"), 0.0);
    assert_eq!(get("ferry_workers_busy"), 0.0);
}

/// One worker, a queue of one, and the worker held (test-only hook) so no request can
/// finish: of three requests at most two fit, so the first answer must be a 429 with
/// Retry-After; once released, the accepted ones succeed.
#[test]
fn a_full_queue_answers_429_with_retry_after() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let hold = tmp.path().join("hold");
    std::fs::write(&hold, b"").unwrap();
    let server = Server::start(&voices, &["--workers", "1", "--queue", "1", "--quiet"], &[("FERRY_SERVE_TEST_HOLD", hold.to_str().unwrap())]);
    let url = server.url("/v1/audio/speech");
    let body = json!({"input": "Queued words.", "voice": VOICE, "response_format": "pcm"});
    let (tx, rx) = std::sync::mpsc::channel();
    let clients: Vec<_> = (0..3)
        .map(|i| {
            let (tx, url, body) = (tx.clone(), url.clone(), body.clone());
            std::thread::spawn(move || tx.send((i, post_json(&url, &body, &[]))).unwrap())
        })
        .collect();
    let (_, first) = rx.recv_timeout(std::time::Duration::from_secs(300)).expect("no answer");
    assert_eq!(first.status, 429, "{}", String::from_utf8_lossy(&first.body));
    assert_eq!(first.header("retry-after"), Some("1"));
    assert_eq!(first.error_code(), "queue_full");
    std::fs::remove_file(&hold).unwrap();
    let mut statuses = vec![first.status];
    for _ in 1..3 {
        statuses.push(rx.recv_timeout(std::time::Duration::from_secs(300)).expect("no answer").1.status);
    }
    for c in clients {
        c.join().unwrap();
    }
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429), "{statuses:?}");
    assert!(statuses.contains(&200), "no request was served once released: {statuses:?}");
    let after = post_json(&url, &body, &[]);
    assert_eq!(after.status, 200, "{}", String::from_utf8_lossy(&after.body));
}

/// `--timeout 1` with the worker held (test-only hook): the request that cannot start its
/// response within the limit gets an OpenAI-shaped 408 naming the option; once the worker is
/// released the server serves again. Only the status is asserted, not how long it took.
#[test]
fn a_request_that_cannot_start_within_the_timeout_gets_408() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let hold = tmp.path().join("hold");
    std::fs::write(&hold, b"").unwrap();
    let server = Server::start(&voices, &["--workers", "1", "--timeout", "1", "--quiet"], &[("FERRY_SERVE_TEST_HOLD", hold.to_str().unwrap())]);
    let url = server.url("/v1/audio/speech");
    let body = json!({"input": "Too slow.", "voice": VOICE, "response_format": "wav"});
    let r = post_json(&url, &body, &[]);
    assert_error(&r, 408, "--timeout");
    std::fs::remove_file(&hold).unwrap();
    let after = post_json(&url, &body, &[]);
    assert_eq!(after.status, 200, "{}", String::from_utf8_lossy(&after.body));
}

/// A client that hangs up mid-stream frees its worker within a sentence or two: of a
/// 200-sentence job only the first few are synthesised, and the next request is served.
#[test]
fn a_client_that_disconnects_stops_its_synthesis() {
    use std::io::{Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let mut server = Server::start(&voices, &["--workers", "1", "--max-input-chars", "20000"], &[]);
    let text: String = (1..=200).map(|i| format!("Sentence {i} is here. ")).collect();
    let body = json!({"input": text, "voice": VOICE, "response_format": "pcm", "stream_format": "audio"}).to_string();
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
    write!(tcp, "POST /v1/audio/speech HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    // Read the head and the first audio, then hang up.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") || got.len() < 2048 {
        let n = tcp.read(&mut buf).unwrap();
        assert!(n > 0, "the server closed first: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&got[..64.min(got.len())]));
    drop(tcp);
    // The worker says where it stopped (waits at most two minutes; no timing is asserted).
    let start = std::time::Instant::now();
    let line = loop {
        if let Some(l) = server.log().lines().find(|l| l.contains("its job stopped after")).map(str::to_string) {
            break l;
        }
        assert!(start.elapsed().as_secs() < 120, "the job was not stopped:\n{}", server.log());
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let done: usize = line.split("stopped after ").nth(1).and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap();
    eprintln!("{line}");
    assert!(done < 100, "{line}");
    assert!(server.alive());
    let r = post_json(&server.url("/v1/audio/speech"), &json!({"input": "Next one.", "response_format": "wav"}), &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

/// `ferry bench serve`: 20 concurrent clients for a bounded time against a server with room
/// for them, every response checked (status and bytes); against a queue of one, the 429s are
/// counted as failures and the command fails. No timing is asserted.
#[test]
fn bench_serve_loads_twenty_clients_and_checks_every_response() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let bench = |server: &Server, json: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(["bench", "serve", "--url", &server.base, "--clients", "20", "--seconds", "2", "--text", "Load it. Then check it.", "--json"])
            .arg(json)
            .output()
            .unwrap()
    };
    let roomy = Server::start(&voices, &["--workers", "2", "--queue", "20", "--quiet"], &[]);
    let json = tmp.path().join("load.json");
    let o = bench(&roomy, &json);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!((r["clients"].as_u64(), r["failed"].as_u64()), (Some(20), Some(0)), "{r}");
    assert!(r["served"].as_u64().unwrap() >= 20, "{r}");
    assert!(r["response_bytes"].as_u64().unwrap() > 1000, "{r}");
    let (p50, p99) = (r["latency_s"]["p50"].as_f64().unwrap(), r["latency_s"]["p99"].as_f64().unwrap());
    assert!(p50 > 0.0 && p50 <= p99 && r["first_audio_s"]["p50"].as_f64().unwrap() <= p50, "{r}");
    assert!(out.contains("served") && out.contains("first audio"), "{out}");

    let tight = Server::start(&voices, &["--workers", "1", "--queue", "1", "--quiet"], &[]);
    let o = bench(&tight, &tmp.path().join("tight.json"));
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("failure: status 429") && err.contains("requests failed"), "{out}\n{err}");
}
