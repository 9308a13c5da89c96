//! What every request passes through: the access log (method, path, status and time;
//! never headers, bodies or query strings), the request timeout, and the API key.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::router::App;

/// Paths that answer without the key (health checks carry no data).
const OPEN_PATHS: [&str; 2] = ["/health", "/ready"];

/// One line per request on stderr, when the access log is on.
pub async fn access_log(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if !app.config.access_log {
        return next.run(req).await;
    }
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let started = Instant::now();
    let res = next.run(req).await;
    eprintln!("ferry serve: {method} {path} {} {:.0} ms", res.status().as_u16(), started.elapsed().as_secs_f64() * 1e3);
    res
}

/// A request that has not started its response within the limit gets a 408 (its synthesis
/// is dropped with it, and the worker moves on at its next sentence).
pub async fn timeout(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let limit = app.config.limits.timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::invalid(format!(
            "the request did not complete within {} s (ferry serve --timeout); send less text, or stream it with stream_format",
            limit.as_secs()
        ))
        .with_status(StatusCode::REQUEST_TIMEOUT)
        .code("timeout")
        .into_response(),
    }
}

/// With a key set, `Authorization: Bearer KEY` on every request but the health checks.
pub async fn require_key(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(key) = app.config.api_key.as_deref() else { return next.run(req).await };
    if OPEN_PATHS.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let sent = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    match sent {
        Some(s) if same(s.as_bytes(), key.as_bytes()) => next.run(req).await,
        _ => ApiError::unauthorized().into_response(),
    }
}

/// Compares in time that depends on the lengths only, not on where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_keys() {
        assert!(super::same(b"secret", b"secret"));
        assert!(!super::same(b"secret", b"secreT"));
        assert!(!super::same(b"secret", b"secret2"));
    }
}
