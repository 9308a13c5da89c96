//! A `ferry serve` for tests: a tiny random-weight voice in a temporary directory, the
//! server on a free port (it prints the one it chose), curl as the client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

#[path = "../voice_support/mod.rs"]
mod voice_support;

/// The test voice's name (`voice_support` names every voice "t").
pub const VOICE: &str = "t";

/// Writes the test voice (acoustic model + tiny HiFi-GAN) into `root/voices/t`.
pub fn write_voice(root: &Path) -> PathBuf {
    let voices = root.join("voices");
    voice_support::write_voice(&voices.join(VOICE), true, true);
    voices
}

/// A running `ferry serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `ferry --device cpu --threads 1 serve --port 0 --voice t ARGS` with
    /// `FERRY_VOICES=voices` and `envs`, and waits until it listens.
    pub fn start(voices: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferry"));
        cmd.args(["--device", "cpu", "--threads", "1", "serve", "--port", "0", "--voice", VOICE])
            .args(args)
            .env("FERRY_VOICES", voices)
            .env_remove("FERRY_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start ferry serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel::<Option<String>>();
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line.clone() + "\n"));
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    if let Some(t) = tx.take() {
                        let _ = t.send(Some(addr.split_whitespace().next().unwrap_or("").to_string()));
                    }
                }
            }
            if let Some(t) = tx {
                let _ = t.send(None);
            }
        });
        let addr = rx.recv_timeout(std::time::Duration::from_secs(300)).ok().flatten();
        let Some(addr) = addr else {
            let _ = child.kill();
            panic!("ferry serve did not start:\n{}", log.lock().unwrap());
        };
        Server { child, base: format!("http://{addr}"), log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the server has written to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Kills the process at once (SIGKILL: no graceful stop, connections reset).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().map(|s| s.is_none()).unwrap_or(false)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response as curl saw it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Header lines, lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The OpenAI-shaped error's message (panics when the body is not one).
    pub fn error_message(&self) -> String {
        let j = self.json();
        let e = &j["error"];
        assert!(e.is_object() && e["type"].is_string() && e.get("param").is_some() && e.get("code").is_some(), "not an OpenAI error: {j}");
        e["message"].as_str().unwrap().to_string()
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

/// Runs curl with `args` (plus the URL last) and parses status, headers and body.
pub fn curl(url: &str, args: &[&str]) -> Reply {
    let dir = tempfile::tempdir().unwrap();
    let (head, body) = (dir.path().join("head"), dir.path().join("body"));
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "300", "-o", body.to_str().unwrap(), "-D", head.to_str().unwrap(), "-w", "%{http_code}"])
        .args(args)
        .arg(url)
        .output()
        .expect("curl");
    assert!(out.status.success(), "curl {args:?} {url}: {}", String::from_utf8_lossy(&out.stderr));
    let status: u16 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let headers = std::fs::read_to_string(&head)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())))
        .collect();
    Reply { status, headers, body: std::fs::read(&body).unwrap_or_default() }
}

/// POSTs `json` to `url` with a JSON content type (and `extra` curl arguments).
pub fn post_json(url: &str, json: &serde_json::Value, extra: &[&str]) -> Reply {
    let body = json.to_string();
    let mut args = vec!["-H", "Content-Type: application/json", "--data-binary", body.as_str()];
    args.extend_from_slice(extra);
    curl(url, &args)
}

/// The samples of a 16-bit mono WAV.
pub fn wav_samples(bytes: &[u8]) -> (u32, Vec<i16>) {
    let mut r = hound::WavReader::new(std::io::Cursor::new(bytes)).expect("a WAV");
    let rate = r.spec().sample_rate;
    (rate, r.samples::<i16>().map(Result::unwrap).collect())
}

/// `ferry synth TEXT --voice t -o out` with the same device, threads and voices as the server.
pub fn synth_reference(voices: &Path, text: &str, out: &Path, extra: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["--device", "cpu", "--threads", "1", "synth", text, "--voice", VOICE, "-o", out.to_str().unwrap()])
        .args(extra)
        .env("FERRY_VOICES", voices)
        .output()
        .unwrap();
    assert!(o.status.success(), "ferry synth: {}", String::from_utf8_lossy(&o.stderr));
}

/// The project's Python (.venv), which has the `openai` SDK and `soundfile`.
pub fn python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
}
