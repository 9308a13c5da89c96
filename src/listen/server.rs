//! `ferry listen`: serves a study to listeners' browsers.
//!
//! Routes (nothing else answers):
//! - `GET /`, `/app.js`, `/style.css` — the page (embedded in the binary)
//! - `GET /api/config` — mode, title, public study id
//! - `POST /api/session {"listener"}` — the listener's trials in their order, with opaque
//!   handles, and which are already done (resume after a reload or a server restart)
//! - `GET /audio/<listener>/<handle>.wav` — one stimulus
//! - `POST /api/rate {"listener", "trial", "scores": [{"handle", "score"}]}` — appends one
//!   record to `ratings.jsonl`, fsynced before the reply
//!
//! The study manifest, file names and condition names are never sent.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

use serde::Deserialize;
use serde_json::json;

use super::http::{self, Request, Response};
use super::manifest::{Study, RATINGS};
use super::plan::{self, Mode, PlannedTrial};
use super::store::{RatingsStore, Record, Score};
use super::web;
use crate::error::{Error, Result};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind; loopback unless the user asks otherwise.
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    pub mode: Mode,
    /// Worker threads answering requests.
    pub workers: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { host: "127.0.0.1".into(), port: 8000, mode: Mode::Mushra, workers: 8 }
    }
}

/// What one listener sees, derived once and cached.
struct ListenerView {
    trials: Vec<PlannedTrial>,
    /// handle → stimulus id (labelled-reference handles included).
    handles: HashMap<String, String>,
}

struct State {
    dir: PathBuf,
    study: Study,
    mode: Mode,
    store: RatingsStore,
    views: Mutex<HashMap<String, Arc<ListenerView>>>,
}

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    state: Arc<State>,
    workers: usize,
}

/// A server running on background threads (tests, embedding).
pub struct ServerHandle {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Stops accepting, lets the workers finish, and returns when the server is down.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wake the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Server {
    /// Loads the study in `dir`, opens its ratings log and binds the socket.
    pub fn bind(dir: &Path, cfg: &ServerConfig) -> Result<Server> {
        let study = Study::load(dir)?;
        plan::trials(&study, cfg.mode)?; // the mode must make sense for this study
        let store = RatingsStore::open(&dir.join(RATINGS))?;
        let addr = format!("{}:{}", cfg.host, cfg.port);
        let listener = TcpListener::bind(&addr).map_err(|e| Error::arg(format!("cannot listen on {addr}: {e}; choose another --port or --host")))?;
        let state = State { dir: dir.to_path_buf(), study, mode: cfg.mode, store, views: Mutex::new(HashMap::new()) };
        Ok(Server { listener, state: Arc::new(state), workers: cfg.workers.max(1) })
    }

    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener.local_addr().map_err(|e| Error::arg(format!("socket has no address: {e}")))
    }

    /// Serves until the process ends.
    pub fn run(self) -> Result<()> {
        self.serve(Arc::new(AtomicBool::new(false)));
        Ok(())
    }

    /// Serves on a background thread until the handle is stopped or dropped.
    pub fn spawn(self) -> Result<ServerHandle> {
        let addr = self.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::Builder::new().name("ferry-listen".into()).spawn(move || self.serve(s)).map_err(|e| Error::arg(format!("cannot start server thread: {e}")))?;
        Ok(ServerHandle { addr, stop, thread: Some(thread) })
    }

    fn serve(self, stop: Arc<AtomicBool>) {
        let (tx, rx) = mpsc::channel::<TcpStream>();
        let rx = Arc::new(Mutex::new(rx));
        let workers: Vec<_> = (0..self.workers)
            .map(|_| {
                let (rx, state) = (rx.clone(), self.state.clone());
                std::thread::spawn(move || loop {
                    let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match next {
                        Ok(stream) => handle_connection(&state, stream),
                        Err(_) => break,
                    }
                })
            })
            .collect();
        for stream in self.listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            if let Ok(s) = stream {
                if tx.send(s).is_err() {
                    break;
                }
            }
        }
        drop(tx);
        for w in workers {
            let _ = w.join();
        }
    }
}

fn handle_connection(state: &State, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(http::READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(http::READ_TIMEOUT));
    let resp = match http::read_request(&mut stream) {
        Ok(req) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route(state, &req))).unwrap_or_else(|_| Response::error(500, "internal error")),
        Err(resp) => resp,
    };
    let _ = resp.write_to(&mut stream);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Drain what the client may still send so the close does not reset the reply.
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(200)));
    let mut sink = [0u8; 1024];
    while matches!(std::io::Read::read(&mut stream, &mut sink), Ok(n) if n > 0) {}
}

fn route(state: &State, req: &Request) -> Response {
    let p = req.path.as_str();
    if p.contains("..") || p.contains('\\') || p.contains('%') || p.contains("//") {
        return Response::error(400, "malformed path");
    }
    match (req.method.as_str(), p) {
        ("GET", "/") | ("GET", "/index.html") => Response::new(200, "text/html; charset=utf-8", web::INDEX_HTML),
        ("GET", "/app.js") => Response::new(200, "text/javascript; charset=utf-8", web::APP_JS),
        ("GET", "/style.css") => Response::new(200, "text/css; charset=utf-8", web::STYLE_CSS),
        ("GET", "/api/config") => Response::json(200, &json!({ "mode": state.mode, "title": state.study.title, "study": state.study.public_id })),
        ("POST", "/api/session") => session(state, req),
        ("POST", "/api/rate") => rate(state, req),
        ("GET", _) if p.starts_with("/audio/") => audio(state, p),
        (_, "/" | "/index.html" | "/app.js" | "/style.css" | "/api/config" | "/api/session" | "/api/rate") => Response::error(405, "method not allowed"),
        _ => Response::error(404, "not found"),
    }
}

fn view(state: &State, listener: &str) -> Result<Arc<ListenerView>, Response> {
    if !plan::valid_listener(listener) {
        return Err(Response::error(400, "listener id must be 8–64 characters of A–Z, a–z, 0–9, '-' or '_'"));
    }
    let mut views = state.views.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(v) = views.get(listener) {
        return Ok(v.clone());
    }
    let trials = plan::listener_plan(&state.study, state.mode, listener).map_err(|e| Response::error(500, e.to_string()))?;
    let mut handles = HashMap::new();
    for t in &trials {
        for (h, id) in &t.stimuli {
            handles.insert(h.clone(), id.clone());
        }
        if let (Some(h), Some(id)) = (&t.reference, &t.trial.reference) {
            handles.insert(h.clone(), id.clone());
        }
    }
    if views.len() >= 10_000 {
        views.clear(); // bounded memory; views are cheap to derive again
    }
    let v = Arc::new(ListenerView { trials, handles });
    views.insert(listener.to_string(), v.clone());
    Ok(v)
}

#[derive(Deserialize)]
struct SessionReq {
    listener: String,
}

fn session(state: &State, req: &Request) -> Response {
    let Ok(body) = serde_json::from_slice::<SessionReq>(&req.body) else { return Response::error(400, "expected {\"listener\": \"...\"}") };
    let v = match view(state, &body.listener) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let trials: Vec<_> = v
        .trials
        .iter()
        .map(|t| {
            json!({
                "token": t.token,
                "reference": t.reference,
                "stimuli": t.stimuli.iter().map(|(h, _)| h).collect::<Vec<_>>(),
                "done": state.store.is_done(&body.listener, state.mode, &t.trial.key),
            })
        })
        .collect();
    Response::json(200, &json!({ "listener": body.listener, "mode": state.mode, "trials": trials }))
}

fn audio(state: &State, path: &str) -> Response {
    let rest = &path["/audio/".len()..];
    let Some((listener, file)) = rest.split_once('/') else { return Response::error(404, "not found") };
    let Some(handle) = file.strip_suffix(".wav") else { return Response::error(404, "not found") };
    if handle.len() != 32 || !handle.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Response::error(404, "not found");
    }
    let v = match view(state, listener) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(stim) = v.handles.get(handle).and_then(|id| state.study.stimulus(id)) else { return Response::error(404, "not found") };
    match std::fs::read(state.dir.join(&stim.file)) {
        Ok(bytes) => Response { cache: true, ..Response::new(200, "audio/wav", bytes) },
        Err(_) => Response::error(500, "stimulus file missing from the study directory"),
    }
}

#[derive(Deserialize)]
struct RateReq {
    listener: String,
    trial: String,
    scores: Vec<RateScore>,
}

#[derive(Deserialize)]
struct RateScore {
    handle: String,
    score: f64,
}

fn rate(state: &State, req: &Request) -> Response {
    let body: RateReq = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(e) => return Response::error(400, format!("malformed rating: {e}")),
    };
    let v = match view(state, &body.listener) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(t) = v.trials.iter().find(|t| t.token == body.trial) else { return Response::error(404, "unknown trial") };
    // Exactly one score per stimulus of the trial.
    if body.scores.len() != t.stimuli.len() || t.stimuli.iter().any(|(h, _)| body.scores.iter().filter(|s| &s.handle == h).count() != 1) {
        return Response::error(400, "give exactly one score for every stimulus of the trial");
    }
    let valid = |x: f64| match state.mode {
        Mode::Mushra => x.is_finite() && (0.0..=100.0).contains(&x),
        Mode::Mos => x.is_finite() && x.fract() == 0.0 && (1.0..=5.0).contains(&x),
        Mode::Ab => x == 0.0 || x == 0.5 || x == 1.0,
    };
    if body.scores.iter().any(|s| !valid(s.score)) {
        return Response::error(400, "score out of range (MUSHRA 0–100, MOS 1–5, A/B 0, 0.5 or 1)");
    }
    if state.mode == Mode::Ab && (body.scores.iter().map(|s| s.score).sum::<f64>() - 1.0).abs() > 1e-9 {
        return Response::error(400, "an A/B choice gives 1 to one side and 0 to the other, or 0.5 to both");
    }
    let reference = state.study.reference_key();
    let scores = body
        .scores
        .iter()
        .filter_map(|s| {
            let id = v.handles.get(&s.handle)?;
            let st = state.study.stimulus(id)?;
            Some(Score { stimulus: id.clone(), condition: st.condition.clone(), score: s.score, hidden_reference: state.mode == Mode::Mushra && Some(st.condition.as_str()) == reference })
        })
        .collect::<Vec<_>>();
    let time_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let record = Record { listener: body.listener.clone(), mode: state.mode, trial: t.trial.key.clone(), sentence: t.trial.sentence, scores, time_ms };
    match state.store.append(&record) {
        Ok(true) => Response::json(200, &json!({ "saved": true })),
        Ok(false) => Response::json(409, &json!({ "saved": true, "error": "this trial was already rated" })),
        Err(e) => {
            eprintln!("ferry: error: cannot store a rating: {e}");
            Response::error(500, "the server could not store the rating; it was not saved")
        }
    }
}
