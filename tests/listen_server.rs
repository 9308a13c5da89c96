//! `ferry listen` over real sockets: 20 listeners at once lose no rating, resume across a
//! server restart, blinding, A/B and MOS modes, and 4xx (never a crash) for bad requests.

mod listen_support;

use std::collections::HashMap;
use std::path::Path;

use ferry::listen::manifest::RATINGS;
use ferry::listen::plan::{self, Mode};
use ferry::listen::report;
use ferry::listen::server::{Server, ServerConfig, ServerHandle};
use ferry::listen::store::read_records;
use ferry::listen::Study;
use listen_support::{http, json, raw, tiny_study};
use serde_json::json;

fn start(dir: &Path, mode: Mode) -> ServerHandle {
    Server::bind(dir, &ServerConfig { port: 0, mode, workers: 4, ..ServerConfig::default() }).unwrap().spawn().unwrap()
}

/// What a scripted MUSHRA listener gives each condition.
fn mushra_score(condition: &str, listener: usize) -> f64 {
    match condition {
        "reference" => 100.0,
        "anchor-3.5k" => 10.0 + listener as f64,
        _ => 50.0 + listener as f64,
    }
}

/// Rates `n` trials of `listener` (all when `None`) as a scripted MUSHRA listener who knows
/// the conditions (the test derives the plan from the study's secret).
fn rate_mushra(addr: std::net::SocketAddr, study: &Study, i: usize, n: Option<usize>) -> usize {
    let listener = format!("concurrent-listener-{i:02}");
    let (st, body) = http(addr, "POST", "/api/session", Some(&json!({ "listener": listener })));
    assert_eq!(st, 200);
    let session = json(&body);
    let plan = plan::listener_plan(study, Mode::Mushra, &listener).unwrap();
    let by_handle: HashMap<&str, &str> = plan.iter().flat_map(|t| t.stimuli.iter().map(|(h, id)| (h.as_str(), id.as_str()))).collect();
    let mut rated = 0;
    for t in session["trials"].as_array().unwrap().iter().filter(|t| !t["done"].as_bool().unwrap()).take(n.unwrap_or(usize::MAX)) {
        let handles: Vec<&str> = t["stimuli"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
        // Fetch what a page would play: the labelled reference and the first stimulus.
        for h in [t["reference"].as_str().unwrap(), handles[0]] {
            let (st, wav) = http(addr, "GET", &format!("/audio/{listener}/{h}.wav"), None);
            assert_eq!((st, &wav[..4]), (200, &b"RIFF"[..]));
        }
        let scores: Vec<_> =
            handles.iter().map(|h| json!({ "handle": h, "score": mushra_score(&study.stimulus(by_handle[h]).unwrap().condition, i) })).collect();
        let (st, body) = http(addr, "POST", "/api/rate", Some(&json!({ "listener": listener, "trial": t["token"], "scores": scores })));
        assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
        rated += 1;
    }
    rated
}

#[test]
fn twenty_listeners_at_once_lose_no_rating_and_resume_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let study = tiny_study(dir.path(), 3);
    let sd = dir.path().join("study");
    let server = start(&sd, Mode::Mushra);
    let addr = server.addr;
    assert!(addr.ip().is_loopback());
    let rated: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                s.spawn({
                    let study = &study;
                    move || rate_mushra(addr, study, i, None)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(rated, 60);
    let (records, skipped) = read_records(&sd.join(RATINGS)).unwrap();
    assert_eq!((records.len(), skipped), (60, 0));
    let mut keys: Vec<_> = records.iter().map(|r| (r.listener.clone(), r.trial.clone())).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 60);
    let rep = report::report_dir(&sd).unwrap();
    let m = rep.mushra.unwrap();
    assert_eq!((m.listeners, m.kept), (20, 20));
    let mean = |k: &str| m.conditions.iter().find(|c| c.condition == k).map(|c| (c.summary.n, c.summary.mean)).unwrap();
    assert_eq!(mean("reference"), (60, 100.0));
    assert_eq!(mean("griffin-lim"), (60, 59.5)); // 50 + mean of 0..19
    assert_eq!(mean("anchor-3.5k"), (60, 19.5));
    assert!(sd.join("report/mushra.png").is_file() && sd.join("report/mushra.svg").is_file());

    // Restart: everything is still done; a repeated rating is refused and not stored twice.
    server.stop();
    let server = start(&sd, Mode::Mushra);
    let (_, body) = http(server.addr, "POST", "/api/session", Some(&json!({ "listener": "concurrent-listener-00" })));
    let s = json(&body);
    assert!(s["trials"].as_array().unwrap().iter().all(|t| t["done"] == true));
    let t = &s["trials"][0];
    let scores: Vec<_> = t["stimuli"].as_array().unwrap().iter().map(|h| json!({ "handle": h, "score": 1 })).collect();
    let (st, _) = http(server.addr, "POST", "/api/rate", Some(&json!({ "listener": "concurrent-listener-00", "trial": t["token"], "scores": scores })));
    assert_eq!(st, 409);
    assert_eq!(read_records(&sd.join(RATINGS)).unwrap().0.len(), 60);

    // A listener who stops after one trial resumes at the second after a restart.
    assert_eq!(rate_mushra(server.addr, &study, 42, Some(1)), 1);
    server.stop();
    let server = start(&sd, Mode::Mushra);
    let (_, body) = http(server.addr, "POST", "/api/session", Some(&json!({ "listener": "concurrent-listener-42" })));
    let done: Vec<bool> = json(&body)["trials"].as_array().unwrap().iter().map(|t| t["done"].as_bool().unwrap()).collect();
    assert_eq!(done, [true, false, false]);
    assert_eq!(rate_mushra(server.addr, &study, 42, None), 2);
}

#[test]
fn blinding_nothing_served_names_a_condition() {
    let dir = tempfile::tempdir().unwrap();
    let study = tiny_study(dir.path(), 2);
    let server = start(&dir.path().join("study"), Mode::Mushra);
    let mut served = String::new();
    for p in ["/", "/app.js", "/style.css", "/api/config"] {
        let (st, body) = http(server.addr, "GET", p, None);
        assert_eq!(st, 200, "{p}");
        served += &String::from_utf8_lossy(&body);
    }
    let (_, a) = http(server.addr, "POST", "/api/session", Some(&json!({ "listener": "blind-listener-a" })));
    let (_, b) = http(server.addr, "POST", "/api/session", Some(&json!({ "listener": "blind-listener-b" })));
    served += &String::from_utf8_lossy(&a);
    let mut forbidden: Vec<String> = vec![study.secret.clone(), "anchor".into(), "griffin".into(), ".png".into(), "images/".into(), "condition".into()];
    forbidden.extend(study.stimuli.iter().map(|s| s.id.clone()));
    for f in &forbidden {
        assert!(!served.to_lowercase().contains(&f.to_lowercase()), "served text reveals '{f}'");
    }
    // Labelled and hidden reference differ; the same stimulus differs between listeners.
    let (a, b) = (json(&a), json(&b));
    for t in a["trials"].as_array().unwrap() {
        assert!(!t["stimuli"].as_array().unwrap().contains(&t["reference"]));
    }
    let handles = |s: &serde_json::Value| s["trials"].as_array().unwrap().iter().flat_map(|t| t["stimuli"].as_array().unwrap().clone()).collect::<Vec<_>>();
    assert!(handles(&a).iter().all(|h| !handles(&b).contains(h)));
    // Another listener's handle is not served.
    let h = handles(&b)[0].as_str().unwrap().to_string();
    assert_eq!(http(server.addr, "GET", &format!("/audio/blind-listener-a/{h}.wav"), None).0, 404);
}

#[test]
fn bad_requests_get_4xx_and_the_server_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    tiny_study(dir.path(), 1);
    let sd = dir.path().join("study");
    assert_eq!(ServerConfig::default().host, "127.0.0.1");
    let server = start(&sd, Mode::Mushra);
    let addr = server.addr;
    let listener = "bad-request-listener";
    let (_, body) = http(addr, "POST", "/api/session", Some(&json!({ "listener": listener })));
    let t = json(&body)["trials"][0].clone();
    let hs: Vec<String> = t["stimuli"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_string()).collect();
    let h0 = &hs[0];
    for path in [
        "/../study.json".to_string(),
        "/study.json".into(),
        "/ratings.jsonl".into(),
        "/audio/../study.json".into(),
        "/audio/../../../etc/passwd".into(),
        "/%2e%2e/study.json".into(),
        format!("/audio/{listener}/..%2f..%2fstudy.json"),
        format!("/audio/{listener}/{h0}.wav/../../study.json"),
        format!("/audio/{listener}/{}.wav", "0".repeat(32)),
        format!("/audio/{listener}/{h0}"),
        "/audio//etc/passwd".into(),
        "/audio/x/y.wav".into(),
    ] {
        let (st, body) = http(addr, "GET", &path, None);
        assert!((400..500).contains(&st), "{path}: {st}");
        assert!(!String::from_utf8_lossy(&body).contains("secret"), "{path}");
    }
    let rate = |v: serde_json::Value| http(addr, "POST", "/api/rate", Some(&v)).0;
    let scores = |s: Vec<f64>| hs.iter().zip(s).map(|(h, v)| json!({ "handle": h, "score": v })).collect::<Vec<_>>();
    let n = hs.len();
    assert_eq!(rate(json!({ "listener": listener, "trial": t["token"], "scores": scores(vec![50.0; n - 1]) })), 400);
    assert_eq!(rate(json!({ "listener": listener, "trial": t["token"], "scores": scores(vec![101.0; n]) })), 400);
    assert_eq!(rate(json!({ "listener": listener, "trial": t["token"], "scores": scores(vec![-1.0; n]) })), 400);
    let dup: Vec<_> = (0..n).map(|_| json!({ "handle": h0, "score": 5 })).collect();
    assert_eq!(rate(json!({ "listener": listener, "trial": t["token"], "scores": dup })), 400);
    assert_eq!(rate(json!({ "listener": listener, "trial": "nope", "scores": scores(vec![5.0; n]) })), 404);
    assert_eq!(rate(json!({ "listener": "../../x", "trial": t["token"], "scores": scores(vec![5.0; n]) })), 400);
    assert_eq!(rate(json!({ "listener": "another-listener", "trial": t["token"], "scores": scores(vec![5.0; n]) })), 404);
    assert_eq!(rate(json!([1, 2])), 400);
    assert_eq!(raw(addr, b"POST /api/rate HTTP/1.1\r\nContent-Length: 5\r\n\r\n{\"a\":").0, 400);
    assert_eq!(raw(addr, b"POST /api/rate HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n").0, 413);
    assert_eq!(raw(addr, b"\x00\x01\x02garbage\r\n\r\n").0, 400);
    assert_eq!(raw(addr, b"GET / HTTP/1.1\r\nContent-Length: nope\r\n\r\n").0, 400);
    assert_eq!(raw(addr, b"GET /api/rate HTTP/1.1\r\n\r\n").0, 405);
    assert_eq!(raw(addr, b"DELETE / HTTP/1.1\r\n\r\n").0, 405);
    assert_eq!(raw(addr, b"GET /nothing HTTP/1.1\r\n\r\n").0, 404);
    // Nothing above was stored; a good rating still is.
    assert_eq!(read_records(&sd.join(RATINGS)).unwrap().0.len(), 0);
    assert_eq!(rate(json!({ "listener": listener, "trial": t["token"], "scores": scores(vec![70.0; n]) })), 200);
    assert_eq!(read_records(&sd.join(RATINGS)).unwrap().0.len(), 1);
    assert_eq!(http(addr, "GET", "/", None).0, 200);
}

#[test]
fn ab_and_mos_modes_store_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let study = tiny_study(dir.path(), 2);
    let sd = dir.path().join("study");
    // A/B: reference vs griffin-lim per sentence; every listener prefers the reference.
    let server = start(&sd, Mode::Ab);
    for i in 0..6 {
        let listener = format!("ab-listener-{i}");
        let plan = plan::listener_plan(&study, Mode::Ab, &listener).unwrap();
        let (_, body) = http(server.addr, "POST", "/api/session", Some(&json!({ "listener": listener })));
        for t in json(&body)["trials"].as_array().unwrap() {
            let p = plan.iter().find(|p| p.token == t["token"].as_str().unwrap()).unwrap();
            let scores: Vec<_> = p
                .stimuli
                .iter()
                .map(|(h, id)| json!({ "handle": h, "score": if study.stimulus(id).unwrap().condition == "reference" { 1 } else { 0 } }))
                .collect();
            let bad: Vec<_> = p.stimuli.iter().map(|(h, _)| json!({ "handle": h, "score": 1 })).collect();
            assert_eq!(http(server.addr, "POST", "/api/rate", Some(&json!({ "listener": listener, "trial": t["token"], "scores": bad }))).0, 400);
            assert_eq!(http(server.addr, "POST", "/api/rate", Some(&json!({ "listener": listener, "trial": t["token"], "scores": scores }))).0, 200);
        }
    }
    server.stop();
    // MOS: 5 for the reference, 2 for the rest; 3.5 is not a category.
    let server = start(&sd, Mode::Mos);
    let listener = "mos-listener-1";
    let plan = plan::listener_plan(&study, Mode::Mos, listener).unwrap();
    for p in &plan {
        let (h, id) = &p.stimuli[0];
        let v = if study.stimulus(id).unwrap().condition == "reference" { 5 } else { 2 };
        assert_eq!(
            http(server.addr, "POST", "/api/rate", Some(&json!({ "listener": listener, "trial": p.token, "scores": [{ "handle": h, "score": 3.5 }] }))).0,
            400
        );
        assert_eq!(
            http(server.addr, "POST", "/api/rate", Some(&json!({ "listener": listener, "trial": p.token, "scores": [{ "handle": h, "score": v }] }))).0,
            200
        );
    }
    let rep = report::report_dir(&sd).unwrap();
    let ab = rep.ab.unwrap();
    assert_eq!(ab.pairs.len(), 1);
    let p = &ab.pairs[0];
    assert_eq!((p.a.as_str(), p.b.as_str(), p.a_preferred, p.b_preferred), ("reference", "griffin-lim", 12, 0));
    assert!((p.p - 2.0 / 4096.0).abs() < 1e-12); // 12 of 12: 2 · 0.5^12
    let mos = rep.mos.unwrap();
    assert_eq!(mos.conditions[0].condition, "reference");
    assert_eq!(mos.conditions[0].summary.mean, 5.0);
    assert!(rep.mushra.is_none());
    let md = std::fs::read_to_string(sd.join("report/report.md")).unwrap();
    assert!(md.contains("## A/B preference") && md.contains("## MOS"));
}
