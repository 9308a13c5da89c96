//! Acceptance: the real page in headless Chromium (Debian `chromium`, driven by
//! playwright-core from tests/browser/) completes a MUSHRA study as a scripted listener —
//! with a reload in the middle — and the report reflects exactly the ratings given.
//!
//! Needs `/usr/bin/chromium` (`apt-get install -y chromium`; or set FERRY_CHROMIUM), Node.js,
//! and `npm ci --prefix tests/browser`. Fails, with that message, when any is missing.

mod listen_support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ferry::listen::manifest::RATINGS;
use ferry::listen::plan::{self, Mode};
use ferry::listen::report;
use ferry::listen::server::{Server, ServerConfig};
use ferry::listen::store::read_records;

fn prerequisites() -> PathBuf {
    let chromium = PathBuf::from(std::env::var("FERRY_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    assert!(
        chromium.is_file(),
        "{} not found: the browser test needs Debian's Chromium — install it with `apt-get install -y chromium` (or set FERRY_CHROMIUM=/path/to/chromium)",
        chromium.display()
    );
    let node = Command::new("node").arg("--version").output();
    assert!(node.map(|o| o.status.success()).unwrap_or(false), "Node.js not found: install it with `apt-get install -y nodejs npm`");
    let pw = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/playwright-core");
    assert!(pw.is_dir(), "{} missing: run `npm ci --prefix tests/browser` (no browser download happens; it uses the system Chromium)", pw.display());
    chromium
}

#[test]
fn headless_chromium_completes_a_mushra_study() {
    let chromium = prerequisites();
    let dir = tempfile::tempdir().unwrap();
    let study = listen_support::tiny_study(dir.path(), 3);
    let sd = dir.path().join("study");
    let server = Server::bind(&sd, &ServerConfig { port: 0, mode: Mode::Mushra, ..ServerConfig::default() }).unwrap().spawn().unwrap();

    // The scripted listener: hidden reference 100, Griffin-Lim 60 + 5·sentence, anchor 15 + sentence.
    let listener = "browser-listener-0001";
    let score = |cond: &str, sentence: usize| match cond {
        "reference" => 100.0,
        "anchor-3.5k" => 15.0 + sentence as f64,
        _ => 60.0 + 5.0 * sentence as f64,
    };
    let mut scores = HashMap::new();
    for t in plan::listener_plan(&study, Mode::Mushra, listener).unwrap() {
        for (h, id) in &t.stimuli {
            let s = study.stimulus(id).unwrap();
            scores.insert(h.clone(), score(&s.condition, s.sentence));
        }
    }
    let mut forbidden: Vec<String> = vec![study.secret.clone(), "anchor".into(), "griffin".into()];
    forbidden.extend(study.stimuli.iter().map(|s| s.id.clone()));
    let cfg = serde_json::json!({
        "url": format!("http://{}/", server.addr),
        "study": study.public_id,
        "listener": listener,
        "scores": scores,
        "forbidden": forbidden,
        "userDataDir": dir.path().join("chromium-profile"),
        "chromium": chromium,
        "screenshot": std::env::var("FERRY_SCREENSHOT").ok(),
    });
    let cfg_path = dir.path().join("browser.json");
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/mushra.mjs");
    let out = Command::new("node").arg(&script).arg(&cfg_path).output().expect("running node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "browser run failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap();
    assert_eq!(result["trials"], 3, "{result}");
    assert_eq!(result["progress"], serde_json::json!(["Trial 1 of 3", "Trial 2 of 3", "Trial 3 of 3"]), "the reload resumes at trial 2: {result}");
    assert!(result["audioRequests"].as_u64().unwrap() >= 3 * 4, "{result}");
    assert_eq!(result["finished"], "Thank you");
    assert!(result["draft"]["expected"].is_number(), "{result}");
    assert_eq!(result["draft"]["restored"], result["draft"]["expected"], "a reload mid-screen keeps the slider: {result}");
    drop(server);

    // What the server stored is what the listener gave, and the report says so.
    let (records, _) = read_records(&sd.join(RATINGS)).unwrap();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.listener == listener));
    for r in &records {
        for s in &r.scores {
            assert_eq!(s.score, score(&s.condition, r.sentence));
        }
    }
    let rep = report::report_dir(&sd).unwrap();
    let m = rep.mushra.unwrap();
    assert_eq!((m.listeners, m.kept), (1, 1));
    let get = |k: &str| m.conditions.iter().find(|c| c.condition == k).unwrap().summary.clone();
    assert_eq!((get("reference").n, get("reference").mean), (3, 100.0));
    assert_eq!(get("griffin-lim").mean, 70.0); // 65, 70, 75
    assert_eq!(get("anchor-3.5k").mean, 17.0); // 16, 17, 18
    assert!((get("griffin-lim").ci95.unwrap() - 4.302_653 * 5.0 / 3f64.sqrt()).abs() < 1e-4); // t(.975,2)·sd/√n
    let md = std::fs::read_to_string(sd.join("report/report.md")).unwrap();
    assert!(md.contains("| griffin-lim | 3 | 70.0 |"), "{md}");
}
