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
//! The study manifest, file names and condition names are never sent. The HTTP is axum's
//! on the accept loop `ferry serve` uses ([`crate::httpd`]): a 10 s limit on the request
//! head, bodies over 64 KiB refused before they are read, a panic answered with a 500.

// Handlers return axum's `Response` as their error, as axum's own extractors do.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Request, State as AppState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::oneshot;
use tower_http::catch_panic::CatchPanicLayer;

use super::manifest::{Study, RATINGS};
use super::plan::{self, Mode, PlannedTrial};
use super::store::{RatingsStore, Record, Score};
use super::web;
use crate::error::{Error, Result};

/// Largest request body accepted (a rating is a few hundred bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// How long a client may take to send its request head.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind; loopback unless the user asks otherwise.
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    pub mode: Mode,
    /// Threads answering requests.
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
    listener: std::net::TcpListener,
    state: Arc<State>,
    workers: usize,
}

/// A server running on a background thread (tests, embedding).
pub struct ServerHandle {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Stops accepting, lets requests in flight finish, and returns when the server is down.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
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
        let listener = std::net::TcpListener::bind(&addr).map_err(|e| Error::arg(format!("cannot listen on {addr}: {e}; choose another --port or --host")))?;
        listener.set_nonblocking(true).map_err(|e| Error::arg(format!("cannot listen on {addr}: {e}")))?;
        let state = State { dir: dir.to_path_buf(), study, mode: cfg.mode, store, views: Mutex::new(HashMap::new()) };
        Ok(Server { listener, state: Arc::new(state), workers: cfg.workers.max(1) })
    }

    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener.local_addr().map_err(|e| Error::arg(format!("socket has no address: {e}")))
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub fn run(self) -> Result<()> {
        self.serve(crate::httpd::shutdown_signal())
    }

    /// Serves on a background thread until the handle is stopped or dropped.
    pub fn spawn(self) -> Result<ServerHandle> {
        let addr = self.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ferry-listen".into())
            .spawn(move || {
                if let Err(e) = self.serve(async move {
                    let _ = rx.await;
                }) {
                    eprintln!("ferry: error: listening server: {e}");
                }
            })
            .map_err(|e| Error::arg(format!("cannot start server thread: {e}")))?;
        Ok(ServerHandle { addr, stop: Some(tx), thread: Some(thread) })
    }

    fn serve(self, stop: impl std::future::Future<Output = ()>) -> Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.workers)
            .thread_name("ferry-listen-io")
            .enable_all()
            .build()
            .map_err(|e| Error::External(format!("cannot start the async runtime: {e}")))?;
        let app = router(self.state);
        let limits = crate::httpd::Limits { header_timeout: READ_TIMEOUT, ..Default::default() };
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener).map_err(|e| Error::External(format!("listening socket: {e}")))?;
            crate::httpd::serve(listener, app, limits, stop).await;
            Ok(())
        })
    }
}

/// The routes, behind the path guard, the body limit and a panic catcher (a 500, never a
/// dropped connection).
fn router(state: Arc<State>) -> Router {
    let page = |body: &'static str, kind: &'static str| get(move || async move { ([(header::CONTENT_TYPE, kind)], body) });
    Router::new()
        .route("/", page(web::INDEX_HTML, "text/html; charset=utf-8"))
        .route("/index.html", page(web::INDEX_HTML, "text/html; charset=utf-8"))
        .route("/app.js", page(web::APP_JS, "text/javascript; charset=utf-8"))
        .route("/style.css", page(web::STYLE_CSS, "text/css; charset=utf-8"))
        .route("/api/config", get(config))
        .route("/api/session", post(session))
        .route("/api/rate", post(rate))
        .route("/audio/{listener}/{file}", get(audio))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not found") })
        .method_not_allowed_fallback(|| async { error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(from_fn(guard))
        .layer(CatchPanicLayer::custom(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")))
        .with_state(state)
}

/// A JSON error body `{"error": msg}`.
fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": msg.into() }))).into_response()
}

/// Refuses paths that try to leave the routes (`..`, encoded or doubled separators) and
/// bodies declared over the limit before anything reads them; sets the headers every answer
/// carries (no caching unless the handler allows it, no sniffing, no referrer).
async fn guard(req: Request, next: Next) -> Response {
    let p = req.uri().path();
    if p.contains("..") || p.contains('\\') || p.contains('%') || p.contains("//") {
        return error(StatusCode::BAD_REQUEST, "malformed path");
    }
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return error(StatusCode::PAYLOAD_TOO_LARGE, format!("request body over {MAX_BODY} bytes"));
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

/// A request body as JSON of type `T`, or the 4xx to answer.
fn parse<T: serde::de::DeserializeOwned>(
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
    what: &str,
) -> std::result::Result<T, Response> {
    let body = body.map_err(|e| error(e.status(), format!("cannot read the request body: {}", e.body_text())))?;
    serde_json::from_slice(&body).map_err(|e| error(StatusCode::BAD_REQUEST, format!("malformed {what}: {e}")))
}

async fn config(AppState(state): AppState<Arc<State>>) -> Response {
    axum::Json(json!({ "mode": state.mode, "title": state.study.title, "study": state.study.public_id })).into_response()
}

fn view(state: &State, listener: &str) -> std::result::Result<Arc<ListenerView>, Response> {
    if !plan::valid_listener(listener) {
        return Err(error(StatusCode::BAD_REQUEST, "listener id must be 8–64 characters of A–Z, a–z, 0–9, '-' or '_'"));
    }
    let mut views = state.views.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(v) = views.get(listener) {
        return Ok(v.clone());
    }
    let trials = plan::listener_plan(&state.study, state.mode, listener).map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
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

async fn session(AppState(state): AppState<Arc<State>>, body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>) -> Response {
    let body: SessionReq = match parse(body, "session request (expected {\"listener\": \"...\"})") {
        Ok(b) => b,
        Err(r) => return r,
    };
    let v = match view(&state, &body.listener) {
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
    axum::Json(json!({ "listener": body.listener, "mode": state.mode, "trials": trials })).into_response()
}

/// `GET /audio/<listener>/<handle>.wav`: a stimulus of that listener's plan, by its handle.
async fn audio(AppState(state): AppState<Arc<State>>, UrlPath((listener, file)): UrlPath<(String, String)>) -> Response {
    let not_found = || error(StatusCode::NOT_FOUND, "not found");
    let Some(handle) = file.strip_suffix(".wav") else { return not_found() };
    if handle.len() != 32 || !handle.bytes().all(|b| b.is_ascii_hexdigit()) {
        return not_found();
    }
    let v = match view(&state, &listener) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(stim) = v.handles.get(handle).and_then(|id| state.study.stimulus(id)) else { return not_found() };
    let path = state.dir.join(&stim.file);
    match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(Ok(bytes)) => ([(header::CONTENT_TYPE, "audio/wav"), (header::CACHE_CONTROL, "private, max-age=3600")], bytes).into_response(),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "stimulus file missing from the study directory"),
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

/// `POST /api/rate`: checks one trial's scores and appends them to the ratings log; the
/// answer comes after the record is on disk (fsynced), on a blocking thread.
async fn rate(AppState(state): AppState<Arc<State>>, body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>) -> Response {
    let body: RateReq = match parse(body, "rating") {
        Ok(b) => b,
        Err(r) => return r,
    };
    let record = match check_rating(&state, &body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let stored = tokio::task::spawn_blocking(move || state.store.append(&record)).await;
    match stored {
        Ok(Ok(true)) => axum::Json(json!({ "saved": true })).into_response(),
        Ok(Ok(false)) => (StatusCode::CONFLICT, axum::Json(json!({ "saved": true, "error": "this trial was already rated" }))).into_response(),
        Ok(Err(e)) => {
            eprintln!("ferry: error: cannot store a rating: {e}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "the server could not store the rating; it was not saved")
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the server could not store the rating; it was not saved"),
    }
}

/// The record a rating makes, or the 4xx it gets: one score per stimulus of one of the
/// listener's trials, each in the mode's range.
fn check_rating(state: &State, body: &RateReq) -> std::result::Result<Record, Response> {
    let v = view(state, &body.listener)?;
    let Some(t) = v.trials.iter().find(|t| t.token == body.trial) else { return Err(error(StatusCode::NOT_FOUND, "unknown trial")) };
    // Exactly one score per stimulus of the trial.
    if body.scores.len() != t.stimuli.len() || t.stimuli.iter().any(|(h, _)| body.scores.iter().filter(|s| &s.handle == h).count() != 1) {
        return Err(error(StatusCode::BAD_REQUEST, "give exactly one score for every stimulus of the trial"));
    }
    let valid = |x: f64| match state.mode {
        Mode::Mushra => x.is_finite() && (0.0..=100.0).contains(&x),
        Mode::Mos => x.is_finite() && x.fract() == 0.0 && (1.0..=5.0).contains(&x),
        Mode::Ab => x == 0.0 || x == 0.5 || x == 1.0,
    };
    if body.scores.iter().any(|s| !valid(s.score)) {
        return Err(error(StatusCode::BAD_REQUEST, "score out of range (MUSHRA 0–100, MOS 1–5, A/B 0, 0.5 or 1)"));
    }
    if state.mode == Mode::Ab && (body.scores.iter().map(|s| s.score).sum::<f64>() - 1.0).abs() > 1e-9 {
        return Err(error(StatusCode::BAD_REQUEST, "an A/B choice gives 1 to one side and 0 to the other, or 0.5 to both"));
    }
    let reference = state.study.reference_key();
    let scores = body
        .scores
        .iter()
        .filter_map(|s| {
            let id = v.handles.get(&s.handle)?;
            let st = state.study.stimulus(id)?;
            Some(Score {
                stimulus: id.clone(),
                condition: st.condition.clone(),
                score: s.score,
                hidden_reference: state.mode == Mode::Mushra && Some(st.condition.as_str()) == reference,
            })
        })
        .collect::<Vec<_>>();
    let time_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    Ok(Record { listener: body.listener.clone(), mode: state.mode, trial: t.trial.key.clone(), sentence: t.trial.sentence, scores, time_ms })
}
